"""What ``fetch`` asks Statistikbanken for: the tables, their selections, and the split into requests.

Pure: no I/O. With tableinfo, every requested code is checked (TableInfoError names table, variable
and code) and ``*`` is counted exactly; without (dry run) the known code lists and ``*`` are used and
``*`` is counted with the estimate in :class:`Var`. Which tables and codes, and why:
docs/data-sources.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import SelectionError, StatbankError, TableInfoError
from ..reference import HELE_LANDET, all_kommunekoder
from .statbank import CELL_LIMIT, DATA_URL

ALL = "*"
#: DST function codes fetched from REGK31/REGK100 (5.28.20 … 5.28.26); extend with every function the key uses.
ACCOUNT_FUNCTIONS: tuple[str, ...] = tuple(str(c) for c in range(52820, 52827))
AGES: tuple[str, ...] = tuple(str(a) for a in range(0, 23))


@dataclass(frozen=True)
class Var:
    """One variable of a request. ``ids``: candidate variable ids (first = the one used offline);
    ``values``: codes, or ("*",); ``estimate``: how many values ``*`` stands for when no tableinfo."""

    ids: tuple[str, ...]
    values: tuple[str, ...]
    estimate: int = 1
    #: if the codes are missing but DST may eliminate the variable (its total), leave it out (CSV only)
    eliminate_if_missing: bool = False


@dataclass(frozen=True)
class TableSpec:
    table: str
    variables: tuple[Var, ...]
    time_code: Callable[[int], str]
    first_year: int = 2007
    last_year: int = 9999
    per_year: bool = True
    split_order: tuple[str, ...] = ()
    optional: bool = False
    fmt: str = "BULK"
    time_ids: tuple[str, ...] = ("Tid",)


def _year(y: int) -> str:
    return str(y)


def _q1(y: int) -> str:
    return f"{y}K1"


def table_specs(functions: Sequence[str] = ACCOUNT_FUNCTIONS) -> dict[str, TableSpec]:
    """The default tables (docs/data-sources.md says why each one, and each code)."""
    area = Var(("OMRÅDE",), (ALL,), estimate=110)
    fun = Var(("FUNKTION",), tuple(functions))
    dranst = Var(("DRANST",), ("1", "2"))
    art = Var(("ART",), ("TOT", "UE", "I"))
    lobm = Var(("PRISENHED",), ("LOBM",))
    # Population tables list the 98 municipalities (and Hele landet) explicitly: their area lists
    # may hold other divisions, and an unknown area is a parse error by design.
    pop_area = Var(("OMRÅDE",), (HELE_LANDET, *all_kommunekoder()))
    return {
        "REGK31": TableSpec("REGK31", (area, fun, dranst, art, lobm), _year,
                            split_order=("FUNKTION", "ART", "DRANST")),
        "REGK100": TableSpec("REGK100", (area, fun, dranst, Var(("EJER",), (ALL,), estimate=5),
                                         Var(("GRUPPERING",), (ALL,), estimate=130), art, lobm),
                             _year, split_order=("FUNKTION", "ART", "DRANST", "OMRÅDE")),
        "FOLK1A": TableSpec("FOLK1A", (pop_area, Var(("KØN",), ("TOT",)), Var(("ALDER",), (*AGES, "IALT")),
                                       Var(("CIVILSTAND",), ("TOT",))), _q1, first_year=2008,
                            split_order=("ALDER",)),
        "BEF1A07": TableSpec("BEF1A07", (pop_area, Var(("KØN", "KOEN"), ("TOT",), eliminate_if_missing=True),
                                         Var(("ALDER",), (*AGES, "IALT"))),
                             _year, first_year=2007, last_year=2007, optional=True, fmt="CSV"),
        "NAN1": TableSpec("NAN1", (Var(("TRANSAKT",), ("P3S13D",)), Var(("PRISENHED",), ("V_M", "LAN_M"))),
                          _year, first_year=1966, per_year=False),
    }


DEFAULT_TABLES: tuple[str, ...] = ("REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1")


@dataclass(frozen=True)
class Request:
    """One POST to /v1/data: ``body`` is exactly the JSON sent."""

    table: str
    label: str
    body: dict[str, Any] = field(hash=False)
    cells: int = 0

    @property
    def url(self) -> str:
        return DATA_URL

    def body_json(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


def _find_var(info: dict, table: str, ids: Sequence[str]) -> dict:
    by_id = {v["id"].upper(): v for v in info["variables"]}
    for vid in ids:
        if vid.upper() in by_id:
            return by_id[vid.upper()]
    raise TableInfoError(f"{table}: variablen {' / '.join(ids)} findes ikke i tableinfo "
                         f"(findes: {', '.join(v['id'] for v in info['variables'])})")


def _resolve(table: str, var_id_candidates: Sequence[str], codes: Sequence[str], info: dict | None,
             estimate: int) -> tuple[str, list[str], int, list[str]]:
    """(variable id, codes to send, cell count, all codes known) for one variable."""
    if info is None:
        n = estimate if tuple(codes) == (ALL,) else len(codes)
        return var_id_candidates[0], list(codes), n, list(codes)
    var = _find_var(info, table, var_id_candidates)
    known = [str(v["id"]) for v in var["values"]]
    if tuple(codes) == (ALL,):
        return var["id"], [ALL], len(known), known
    missing = [c for c in codes if c not in set(known)]
    if missing:
        raise TableInfoError(f"{table}: variablen {var['id']} har ikke koden/koderne {', '.join(missing)} "
                             f"i Statistikbankens tableinfo")
    return var["id"], list(codes), len(codes), list(codes)


def _eliminable(info: dict | None, table: str, var: Var) -> bool:
    if info is None:
        return False
    try:
        return bool(_find_var(info, table, var.ids).get("elimination"))
    except TableInfoError:
        return False


def _cells(selection: dict[str, tuple[list[str], int]]) -> int:
    return math.prod(n for _, n in selection.values())


def _split(spec: TableSpec, selection: dict[str, tuple[list[str], int]], expand: dict[str, list[str]],
           limit: int) -> list[dict[str, tuple[list[str], int]]]:
    """Split one selection into pieces of at most ``limit`` cells, along ``spec.split_order``."""
    pieces = [selection]
    for name in spec.split_order:
        key = next((k for k in selection if k.upper() == name.upper()), None)
        if key is None or all(_cells(p) <= limit for p in pieces):
            continue
        out = []
        for p in pieces:
            codes, n = p[key]
            if _cells(p) <= limit:
                out.append(p)
                continue
            if codes == [ALL]:
                if key not in expand or expand[key] == [ALL]:
                    out.append(p)  # cannot split "*" without tableinfo
                    continue
                codes = expand[key]
            chunks = min(len(codes), math.ceil(_cells(p) / limit))
            size = math.ceil(len(codes) / chunks)
            for i in range(0, len(codes), size):
                part = codes[i:i + size]
                out.append({**p, key: (part, len(part))})
        pieces = out
    too_big = [p for p in pieces if _cells(p) > limit]
    if too_big:
        n = f"{_cells(too_big[0]):,}".replace(",", ".")
        raise StatbankError(f"{spec.table}: en forespørgsel på {n} celler kan ikke deles under "
                            f"grænsen på {limit:,} celler".replace(",", "."))
    return pieces


def plan_table(spec: TableSpec, years: tuple[int, int], info: dict | None = None,
               cell_limit: int = CELL_LIMIT) -> list[Request]:
    """The requests for one table over ``years`` (first, last), checked against ``info`` if given."""
    wanted = [y for y in range(years[0], years[1] + 1) if spec.first_year <= y <= spec.last_year]
    if not wanted:
        return []
    selection: dict[str, tuple[list[str], int]] = {}
    expand: dict[str, list[str]] = {}
    for var in spec.variables:
        try:
            vid, codes, n, known = _resolve(spec.table, var.ids, var.values, info, var.estimate)
        except TableInfoError:
            if not (var.eliminate_if_missing and spec.fmt != "BULK" and _eliminable(info, spec.table, var)):
                raise
            continue  # DST then answers with the variable's total (elimination)
        selection[vid] = (codes, n)
        expand[vid] = known
    time_id, time_codes, _, _ = _resolve(spec.table, spec.time_ids, [spec.time_code(y) for y in wanted],
                                         info, 1)
    groups = [[c] for c in time_codes] if spec.per_year else [time_codes]
    requests = []
    for group in groups:
        label = group[0] if len(group) == 1 else f"{group[0]}–{group[-1]}"
        pieces = _split(spec, {**selection, time_id: (group, len(group))}, expand, cell_limit)
        for i, piece in enumerate(pieces, start=1):
            part_label = label if len(pieces) == 1 else f"{label} del {i}/{len(pieces)}"
            body = {"table": spec.table, "format": spec.fmt, "lang": "da", "valuePresentation": "Code",
                    "variables": [{"code": k, "values": codes} for k, (codes, _) in piece.items()]}
            requests.append(Request(spec.table, part_label, body, _cells(piece)))
    return requests


def check_years(years: tuple[int, int]) -> tuple[int, int]:
    try:
        first, last = int(years[0]), int(years[1])
    except (TypeError, ValueError, IndexError):
        raise SelectionError(f"år skal angives som (første, sidste), fx (2007, 2024), ikke {years!r}") from None
    if first > last or first < 2007:
        raise SelectionError(f"årsintervallet {first}–{last} skal gå fremad og tidligst starte i 2007")
    return first, last


def check_tables(tables: Sequence[str] | None, specs: dict[str, TableSpec]) -> list[str]:
    names = list(tables) if tables else list(DEFAULT_TABLES)
    unknown = [t for t in names if t.upper() not in specs]
    if unknown:
        raise SelectionError(f"ukendt tabel: {', '.join(unknown)} (kendte: {', '.join(specs)})")
    return [t.upper() for t in names]


def plan_requests(years: tuple[int, int], tables: Sequence[str] | None = None,
                  tableinfos: dict[str, dict] | None = None, *,
                  functions: Sequence[str] = ACCOUNT_FUNCTIONS, cell_limit: int = CELL_LIMIT) -> list[Request]:
    """Every data request for ``tables`` (default: all) over ``years`` = (first, last), in fetch order.

    With ``tableinfos`` (table -> parsed tableinfo) every code is checked and ``*`` counted exactly.
    """
    specs = table_specs(functions)
    out: list[Request] = []
    for name in check_tables(tables, specs):
        info = None if tableinfos is None else tableinfos.get(name)
        if tableinfos is not None and info is None:
            raise TableInfoError(f"ingen tableinfo for {name}")
        out.extend(plan_table(specs[name], check_years(years), info, cell_limit))
    return out
