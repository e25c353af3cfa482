"""What ``fetch`` asks Statistikbanken for: the tables, their selections, and the split into requests.

Pure: no I/O. The plan is made from the table's own description (tableinfo): a planned code the
table lacks is left out with one line naming table, variable and code, unless the key needs it at
its core (5.28.20–5.28.24, Hele landet and the 98 municipalities, the years asked for …): then
TableInfoError names it. ``*`` is counted exactly. Without tableinfo (dry run) the planned code lists
are used as they are and ``*`` is counted with the estimate in :class:`Var`. Which tables and
codes, and why: docs/data-sources.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import SelectionError, StatbankError, TableInfoError
from ..reference import HELE_LANDET, REGION_CODES, all_kommunekoder
from .parse import ALL_VALUES, DST_GROUP_AREAS
from .statbank import CELL_LIMIT, data_url

ALL = ALL_VALUES
#: DST function codes fetched from REGK31/REGK100 (5.28.20 … 5.28.26); extend with every function the key uses.
ACCOUNT_FUNCTIONS: tuple[str, ...] = tuple(str(c) for c in range(52820, 52827))
#: the functions the key needs at its core: a table without one of them stops the fetch. 52825 and
#: 52826 are asked for when the table has them (no public source lists them).
CORE_FUNCTIONS: tuple[str, ...] = tuple(str(c) for c in range(52820, 52825))
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
    #: the codes that must be there (None: all of ``values``); the others are asked for if present
    required: tuple[str, ...] | None = None
    #: words of the variable's tableinfo text that identify it when none of ``ids`` is there
    #: (ids only seen third-party: ANBAAR12 ``admkom``, ISBU02 ``kommunedk``/``indsatser``)
    hints: tuple[str, ...] = ()

    def is_required(self, code: str) -> bool:
        return self.required is None or code in self.required


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
    #: only the tableinfo is fetched (REGKC: the grouping texts are its code list)
    info_only: bool = False
    #: years fetched before the first year asked for (ANBAAR12: a year's children in placement
    #: are the mean of the counts at 31 December of the year before and the year)
    lead_years: int = 0


def _year(y: int) -> str:
    return str(y)


def _q1(y: int) -> str:
    return f"{y}K1"


def table_specs(functions: Sequence[str] = ACCOUNT_FUNCTIONS) -> dict[str, TableSpec]:
    """The default tables (docs/data-sources.md says why each one, and each code)."""
    kommuner = all_kommunekoder()
    # Areas are listed, not "*": what the parser knows (Hele landet, the regions, DST's municipality
    # groups and the 98). An area DST adds is then never asked for (the plan names it), and an
    # answer can never bring an area nobody asked for into a snapshot.
    area = Var(("OMRÅDE",), (HELE_LANDET, *REGION_CODES, *kommuner, *DST_GROUP_AREAS),
               required=(HELE_LANDET, *kommuner))
    fun = Var(("FUNKTION",), tuple(functions), required=tuple(f for f in functions if f in CORE_FUNCTIONS))
    dranst = Var(("DRANST",), ("1", "2"), required=("1",))
    art = Var(("ART",), ("TOT", "UE", "I"), required=("TOT",))
    lobm = Var(("PRISENHED",), ("LOBM",))
    # Population tables list the 98 municipalities (and Hele landet) explicitly: their area lists
    # may hold other divisions, and an unknown area is a parse error by design.
    pop_area = Var(("OMRÅDE",), (HELE_LANDET, *kommuner), required=kommuner)
    ages = Var(("ALDER",), (*AGES, "IALT"), required=AGES)
    return {
        "REGK31": TableSpec("REGK31", (area, fun, dranst, art, lobm), _year,
                            split_order=("FUNKTION", "ART", "DRANST")),
        "REGK100": TableSpec("REGK100", (area, fun, dranst, Var(("EJER",), (ALL,), estimate=5),
                                         Var(("GRUPPERING",), (ALL,), estimate=130), art, lobm),
                             _year, split_order=("FUNKTION", "ART", "DRANST", "OMRÅDE")),
        "FOLK1A": TableSpec("FOLK1A", (pop_area, Var(("KØN",), ("TOT",)), ages,
                                       Var(("CIVILSTAND",), ("TOT",))), _q1, first_year=2008,
                            split_order=("ALDER",)),
        "BEF1A07": TableSpec("BEF1A07", (pop_area, Var(("KØN", "KOEN"), ("TOT",), eliminate_if_missing=True),
                                         ages),
                             _year, first_year=2007, last_year=2007, optional=True, fmt="CSV"),
        "NAN1": TableSpec("NAN1", (Var(("TRANSAKT",), ("P3S13D",)), Var(("PRISENHED",), ("V_M", "LAN_M"))),
                          _year, first_year=1966, per_year=False),
        # children: anbragte pr. 31.12. by place, and children with measures during the year by
        # measure (every code: the count key classifies them by their tableinfo texts). Optional:
        # the accounts build without them. Variable ids as seen in third-party pulls; found by
        # their text otherwise. Areas "*": the parser names any it does not know.
        "ANBAAR12": TableSpec("ANBAAR12", (Var(("ADMKOM",), (ALL,), estimate=100,
                                               hints=("administrationskommune", "kommune")),
                                           Var(("ANBSTED", "ANBRINGELSESSTED"), (ALL,), estimate=15,
                                               hints=("anbringelsessted", "sted"))),
                              _year, first_year=2011, optional=True, lead_years=1),
        "ISBU02": TableSpec("ISBU02", (Var(("KOMMUNEDK",), (ALL,), estimate=100, hints=("kommune",)),
                                       Var(("INDSATSER", "INDSATS"), (ALL,), estimate=60, hints=("indsats",))),
                            _year, first_year=2015, optional=True),
        # national net expenditure by measure (mio. kr.): Kontrol's check of the step totals
        "BU28": TableSpec("BU28", (Var(("FORANSTALTNING", "INDSATS", "FORANST"), (ALL,), estimate=20,
                                       hints=("foranstaltning", "indsats", "udgift")),),
                          _year, first_year=2007, per_year=False, optional=True),
        # grouping texts: only its tableinfo is read (the texts are the values of its one
        # variable); no data request
        "REGKC": TableSpec("REGKC", (), _year, first_year=2018, optional=True, info_only=True),
    }


DEFAULT_TABLES: tuple[str, ...] = ("REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1", "REGKC", "ANBAAR12",
                                   "ISBU02", "BU28")


@dataclass(frozen=True)
class Request:
    """One POST to /v1/data: ``body`` is exactly the JSON sent."""

    table: str
    label: str
    body: dict[str, Any] = field(hash=False)
    cells: int = 0

    @property
    def url(self) -> str:
        return data_url()

    def body_json(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


def _find_var(info: dict, table: str, ids: Sequence[str], hints: Sequence[str] = ()) -> dict:
    by_id = {v["id"].upper(): v for v in info["variables"]}
    for vid in ids:
        if vid.upper() in by_id:
            return by_id[vid.upper()]
    for hint in hints:
        found = [v for v in info["variables"]
                 if not v.get("time") and hint.lower() in str(v.get("text", "")).lower()]
        if len(found) == 1:
            return found[0]
    raise TableInfoError(f"{table}: variablen {' / '.join(ids)} findes ikke i tableinfo "
                         f"(findes: {', '.join(v['id'] for v in info['variables'])})")


def _resolve(table: str, var: Var, codes: Sequence[str], info: dict | None,
             notes: list[str]) -> tuple[str, list[str], int, list[str]]:
    """(variable id, codes to send, cell count, all codes known) for one variable. A planned code
    tableinfo lacks is left out with a line in ``notes``; a required one raises TableInfoError."""
    if info is None:
        n = var.estimate if tuple(codes) == (ALL,) else len(codes)
        return var.ids[0], list(codes), n, list(codes)
    found = _find_var(info, table, var.ids, var.hints)
    known = [str(v["id"]) for v in found["values"]]
    if tuple(codes) == (ALL,):
        return found["id"], [ALL], len(known), known
    have = set(known)
    missing = [c for c in codes if c not in have]
    if required := [c for c in missing if var.is_required(c)]:
        raise TableInfoError(f"{table}: variablen {found['id']} har ikke koden/koderne "
                             f"{', '.join(required)} i Statistikbankens tableinfo, og modellen kan "
                             "ikke undvære dem")
    if missing:
        notes.append(f"{table}: {found['id']} {', '.join(missing)} findes ikke i tabellen og hentes ikke")
    kept = [c for c in codes if c in have]
    return found["id"], kept, len(kept), kept


def _eliminable(info: dict | None, table: str, var: Var) -> bool:
    if info is None:
        return False
    try:
        return bool(_find_var(info, table, var.ids, var.hints).get("elimination"))
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


def plan_table(spec: TableSpec, years: tuple[int, int | None], info: dict | None = None,
               cell_limit: int = CELL_LIMIT, notes: list[str] | None = None) -> list[Request]:
    """The requests for one table over ``years`` (first, last; last None = the newest year the
    table has), checked against ``info`` if given; what is left out is said in ``notes``."""
    notes = [] if notes is None else notes
    if spec.info_only:
        return []
    last = years[1]
    if last is None:
        last = _newest_year(spec, info) if info is not None else LAST_KNOWN_YEAR
    wanted = [y for y in range(years[0] - spec.lead_years, last + 1)
              if spec.first_year <= y <= spec.last_year]
    if not wanted:
        return []
    selection: dict[str, tuple[list[str], int]] = {}
    expand: dict[str, list[str]] = {}
    for var in spec.variables:
        try:
            vid, codes, n, known = _resolve(spec.table, var, var.values, info, notes)
        except TableInfoError:
            if not (var.eliminate_if_missing and spec.fmt != "BULK" and _eliminable(info, spec.table, var)):
                raise
            notes.append(f"{spec.table}: {' / '.join(var.ids)} {', '.join(var.values)} findes ikke; "
                         "variablen udelades (Statistikbanken giver dens total)")
            continue  # DST then answers with the variable's total (elimination)
        selection[vid] = (codes, n)
        expand[vid] = known
    time_var = Var(spec.time_ids, tuple(spec.time_code(y) for y in wanted), required=())
    time_id, time_codes, _, _ = _resolve(spec.table, time_var, time_var.values, info, notes)
    if not time_codes:
        raise TableInfoError(f"{spec.table}: ingen af årene {wanted[0]}–{wanted[-1]} findes i tabellen")
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


#: the last year of the REGK tables known without tableinfo (dry run, open-ended years)
LAST_KNOWN_YEAR = 2024


def _newest_year(spec: TableSpec, info: dict) -> int:
    """The newest year among the table's time codes (``2024``, ``2025K1`` -> 2025)."""
    var = _find_var(info, spec.table, spec.time_ids)
    found = [int(str(v["id"])[:4]) for v in var["values"] if str(v["id"])[:4].isdigit()]
    if not found:
        raise TableInfoError(f"{spec.table}: tableinfo har ingen år i {var['id']}")
    return max(found)


def check_years(years: tuple[int, int | None]) -> tuple[int, int | None]:
    """(first, last); last None = up to the newest year each table has."""
    try:
        first = int(years[0])
        last = None if years[1] is None else int(years[1])
    except (TypeError, ValueError, IndexError):
        raise SelectionError(f"år skal angives som (første, sidste), fx (2007, 2024), ikke {years!r}") from None
    if first < 2007 or (last is not None and first > last):
        raise SelectionError(f"årsintervallet {first}–{last or ''} skal gå fremad og tidligst starte i 2007")
    return first, last


def check_tables(tables: Sequence[str] | None, specs: dict[str, TableSpec]) -> list[str]:
    names = list(tables) if tables else list(DEFAULT_TABLES)
    unknown = [t for t in names if t.upper() not in specs]
    if unknown:
        raise SelectionError(f"ukendt tabel: {', '.join(unknown)} (kendte: {', '.join(specs)})")
    return [t.upper() for t in names]


def plan_requests(years: tuple[int, int | None], tables: Sequence[str] | None = None,
                  tableinfos: dict[str, dict] | None = None, *,
                  functions: Sequence[str] = ACCOUNT_FUNCTIONS, cell_limit: int = CELL_LIMIT,
                  notes: list[str] | None = None) -> list[Request]:
    """Every data request for ``tables`` (default: all) over ``years`` = (first, last), in fetch order.

    With ``tableinfos`` (table -> parsed tableinfo) every code is checked and ``*`` counted exactly;
    codes left out are said in ``notes``.
    """
    specs = table_specs(functions)
    out: list[Request] = []
    for name in check_tables(tables, specs):
        info = None if tableinfos is None else tableinfos.get(name)
        if tableinfos is not None and info is None:
            raise TableInfoError(f"ingen tableinfo for {name}")
        out.extend(plan_table(specs[name], check_years(years), info, cell_limit, notes))
    return out
