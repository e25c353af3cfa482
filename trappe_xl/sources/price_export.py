"""Price-index files for faste priser -> the canonical deflator frame (aar, indeks).

Two kinds:

- **NAN1 as exported from Statistikbanken** (table ``NAN1``): TRANSAKT "P.3 Offentlige
  forbrugsudgifter" (P3S13D) in PRISENHED "Løbende priser" (V_M) and "<år>-priser, kædede
  værdier" (LAN_M), any layout ``exportgrid`` reads. Labels become codes and the API's parser
  computes the implicit deflator V_M / LAN_M × 100 (:func:`parse.deflator_from_raw`).
- **A user's own index** (table ``PL``, e.g. KL's pris- og lønindeks): a plain two-column file,
  year and index, ``;`` or ``,`` (decimal comma needs ``;``), an optional header row, CSV or XLSX.

Either way a year without a value or a year skipped between the first and the last is a
:class:`PriceIndexGapError` naming file and row: fixed prices across the gap would be wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from .. import frames
from ..errors import DuplicateRowsError, ParseError, PriceIndexGapError, WrongTableError
from . import exportgrid as eg
from .parse import NAN1_CHAINED, NAN1_CURRENT, NAN1_TRANSAKT, ParseReport, deflator_from_raw

NAN1, PL = "NAN1", "PL"
INDEX_TABLES = (NAN1, PL)
DESCRIPTION = {NAN1: "NAN1: implicit deflator for P.3 offentlige forbrugsudgifter (løbende ÷ "
                     "kædede priser × 100)",
               PL: "eget prisindeks (fx KL's pris- og lønindeks), to kolonner år; indeks"}

def _transakt(cell: str) -> str | None:
    """P.3 Offentlige forbrugsudgifter (code or label) -> P3S13D; any other transaction is kept
    as its text (only P.3 is used)."""
    s = cell.strip()
    n = eg.norm(s)
    if s.upper() == NAN1_TRANSAKT or n.startswith("p.3 offentlige forbrugsudgifter") \
            or n == "offentlige forbrugsudgifter":
        return NAN1_TRANSAKT
    return s or None


def _detect_transakt(values: list[str]) -> bool:
    """An unnamed column is TRANSAKT when it holds P.3 (code or label)."""
    return any(_transakt(v) == NAN1_TRANSAKT for v in values)


def _prisenhed(cell: str) -> str | None:
    s = cell.strip()
    if s.upper() in ("V_M", "LAN_M", "L_V", "V_C", "LAN_C", "L_VB"):
        return s.upper()
    n = eg.norm(s)
    per_capita = "indbygger" in n
    if n.startswith("løbende priser"):
        return "V_C" if per_capita else NAN1_CURRENT
    if "kædede værdier" in n:
        return "LAN_C" if per_capita else NAN1_CHAINED
    if n.startswith("realvækst"):
        return "L_V"
    if n.startswith("bidrag til realvækst"):
        return "L_VB"
    return None


TRANSAKT = eg.Variable("TRANSAKT", frozenset({"transakt", "transaktion"}), _transakt,
                       detect=_detect_transakt)
PRISENHED = eg.Variable("PRISENHED", frozenset({"prisenhed", "enhed"}), _prisenhed)
VARIABLES = (eg.TID, TRANSAKT, PRISENHED)


@dataclass(frozen=True)
class IndexExport:
    frame: pd.DataFrame            # aar, indeks
    report: ParseReport
    table: str                     # NAN1 or PL
    year_rows: dict[int, int]      # year -> the row its value came from

    def summary(self) -> str:
        span = eg.span(self.report.years)
        return (f"{self.table}: prisindeks, år {span} ({DESCRIPTION[self.table]})"
                + "".join(f" [{n}]" for n in self.report.notes))


# -- which kind ------------------------------------------------------------------------------------

_YEAR = re.compile(r"(?:19|20)\d\d")


def _pl_rows(grid: eg.Grid) -> list[tuple[int, list[str]]] | None:
    """The data rows of a plain two-column index (year, number), after at most one header row; a
    row whose value is empty keeps an empty value (refused later as a gap, naming its row)."""
    rows = [(n, _trim(cells)) for n, cells in grid.rows]
    rows = [(n, r) for n, r in rows if r]
    if rows and not _YEAR.fullmatch(rows[0][1][0]):
        if len(rows[0][1]) > 2:
            return None
        rows = rows[1:]
    if not rows or any(len(r) > 3 for _, r in rows):
        return None
    years = [r[0] for _, r in rows]
    if not all(_YEAR.fullmatch(y) for y in years):
        # mostly years in the first column of two: an own index with a bad year -> say which
        if all(len(r) <= 2 for _, r in rows) and sum(bool(_YEAR.fullmatch(y)) for y in years) * 2 >= len(years):
            n, r = next((n, r) for n, r in rows if not _YEAR.fullmatch(r[0]))
            raise ParseError(f"{grid.name}, række {n}: {r[0]!r} er ikke et årstal – et eget prisindeks "
                             "har to kolonner: år (fx 2019) og indeks")
        return None
    if all(len(r) <= 2 for _, r in rows) and any(len(r) == 2 for _, r in rows):
        return [(n, r if len(r) == 2 else [r[0], ""]) for n, r in rows]
    if all(len(r) == 3 and re.fullmatch(r"-?\d+", r[1]) for _, r in rows):
        n = rows[0][0]
        raise ParseError(f"{grid.name}, række {n}: tre felter – skilletegnet er komma, og indekset "
                         "har decimalkomma; gem filen med semikolon (år;indeks)")
    return None


def _trim(cells: list[str]) -> list[str]:
    """A row's cells without the empty ones at its end."""
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out


def looks_like_pl(grid: eg.Grid) -> bool:
    return _pl_rows(grid) is not None


def looks_like_nan1(grid: eg.Grid) -> bool:
    """A TRANSAKT header or value, a chained-price unit, or NAN1 named in the title or file name."""
    if eg.mentions(grid, (NAN1,), ("forsyningsbalance",)):
        return True
    for _, cells in grid.rows[:eg.MAX_HEAD]:
        for c in cells:
            n = eg.norm(c)
            if n in TRANSAKT.headers or _transakt(c) == NAN1_TRANSAKT or "kædede værdier" in n \
                    or c.strip().upper() in ("V_M", "LAN_M"):
                return True
    return False


# -- parsing ---------------------------------------------------------------------------------------

def parse_index_export(data: bytes, name: str, *, table: str | None = None) -> IndexExport:
    """A NAN1 export or a plain two-column index file -> IndexExport; ``table`` (NAN1 / PL) when known."""
    grid = eg.read_grid(data, name)
    kind = (table or "").upper() or (PL if looks_like_pl(grid) else NAN1)
    if kind == PL:
        return _parse_pl(grid)
    if kind == NAN1:
        return _parse_nan1(grid)
    raise WrongTableError(f"{name}: {table} er ikke et prisindeks ({', '.join(INDEX_TABLES)})")


def _parse_pl(grid: eg.Grid) -> IndexExport:
    name = grid.name
    rows = _pl_rows(grid)
    if rows is None:
        raise ParseError(f"{name}: forventede to kolonner, år og indeks (fx 2019;100,0), evt. med "
                         "en overskrift (år;indeks) øverst")
    rownums = pd.Series([n for n, _ in rows])
    out = pd.DataFrame({"aar": [int(r[0]) for _, r in rows],
                        # nothing in an own index file says its decimal sign: a value that reads
                        # two ways (101.750) is refused, never guessed
                        "indeks": eg.numbers(pd.Series([r[1] for _, r in rows]), rownums, name, "indeks",
                                             hint=None)})
    dup = out["aar"].duplicated(keep=False)
    if dup.any():
        a, b = rownums[dup].tolist()[:2]
        raise DuplicateRowsError(f"{name}, række {a} og {b}: året {out['aar'][dup].iloc[0]} står to gange")
    year_rows = dict(zip(out["aar"], rownums))
    out = out.sort_values("aar").reset_index(drop=True)
    check_index(out, year_rows, name)
    report = ParseReport(table=PL, rows=len(out), years=tuple(int(y) for y in out["aar"]),
                         notes=(f"eget prisindeks fra {name}",))
    return IndexExport(out[frames.DEFLATOR_COLUMNS], report, PL, year_rows)


def _parse_nan1(grid: eg.Grid) -> IndexExport:
    name = grid.name
    long = eg.to_codes(eg.long_table(grid, VARIABLES), VARIABLES, name)
    for var in VARIABLES:
        if var.id not in long:
            raise ParseError(f"{name}: kolonnen {var.id.capitalize()} mangler – NAN1 skal hentes med "
                             "transaktion, prisenhed og tid")
    p3 = long["TRANSAKT"] == NAN1_TRANSAKT
    if not p3.any():
        raise ParseError(f"{name}: transaktionen 'P.3 Offentlige forbrugsudgifter' (P3S13D) er ikke "
                         "i filen – vælg den i NAN1")
    for unit, label in ((NAN1_CURRENT, "Løbende priser"), (NAN1_CHAINED, "<år>-priser, kædede værdier")):
        if not (p3 & (long["PRISENHED"] == unit)).any():
            raise ParseError(f"{name}: prisenheden '{label}' (mia. kr.) mangler for P.3 – vælg både "
                             "løbende priser og kædede værdier i NAN1")
    used = long[p3 & long["PRISENHED"].isin((NAN1_CURRENT, NAN1_CHAINED))]
    if (bad := ~used["TID"].str.fullmatch(r"\d{4}")).any():
        raise ParseError(f"{name}, række {eg.first_row(used, bad)}: NAN1 har årstal, ikke {used['TID'][bad].iloc[0]!r}")
    dup = used.duplicated(["TID", "PRISENHED"], keep=False)
    if dup.any():
        a, b = used.loc[dup, eg.ROW].tolist()[:2]
        raise DuplicateRowsError(f"{name}, række {a} og {b}: samme år og prisenhed to gange")
    values = eg.numbers(used[eg.VALUE], used[eg.ROW], name, "værdi")
    parsed = deflator_from_raw(NAN1, used.drop(columns=[eg.ROW]).astype(str).reset_index(drop=True), name)
    # the row a year's index comes from; for a year without a value, the row lacking it
    rows = used.assign(aar=used["TID"].astype(int), _missing=values.isna().to_numpy())
    rows = rows.sort_values(["_missing", eg.ROW], ascending=[False, True])
    year_rows = rows.groupby("aar")[eg.ROW].first().to_dict()
    check_index(parsed.frame, year_rows, name)
    return IndexExport(parsed.frame, parsed.report, NAN1, {int(k): int(v) for k, v in year_rows.items()})


def check_index(index: pd.DataFrame, year_rows: dict[int, int], name: str) -> None:
    """Every year from the first to the last, each with a positive value; else a named error."""
    idx = index.set_index("aar")["indeks"].sort_index()
    for y, v in idx.items():
        if pd.notna(v) and not math.isfinite(v):    # e.g. NAN1 with a chained value of 0
            raise ParseError(f"{name}, række {year_rows.get(y, '?')}: prisindekset for {y} kan ikke "
                             f"beregnes ({v}): de kædede priser er 0 – et prisindeks skal være et "
                             "positivt tal")
        if pd.isna(v):
            raise PriceIndexGapError(f"{name}, række {year_rows.get(y, '?')}: prisindekset har ingen "
                                     f"værdi for {y} – faste priser kan ikke beregnes over et hul")
        if v <= 0:
            raise ParseError(f"{name}, række {year_rows.get(y, '?')}: prisindekset for {y} er {v} "
                             "(skal være positivt)")
    years = [int(y) for y in idx.index]
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            gap = f"{a + 1}" if b == a + 2 else f"{a + 1}–{b - 1}"
            raise PriceIndexGapError(f"{name}, række {year_rows.get(b, '?')}: prisindekset springer "
                                     f"fra {a} til {b} ({gap} mangler) – faste priser kan ikke "
                                     "beregnes over et hul")
