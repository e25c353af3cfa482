"""Counts of children downloaded by hand (ANBAAR12, ISBU02) -> the canonical children frame.

The file's layout is read by ``exportgrid`` (codes or labels, header or not, CSV or XLSX, wide or
long); then the same parser as the API body does the rest (:func:`parse.counts_from_raw`): every
area kept (000 Hele landet, 998 uoplyst), a negative count refused, the same figure twice refused.

- ANBAAR12's places become DST's codes (``1`` or ``Netværksplejefamilie``; the labels of DST's code
  list as a third-party catalog of live pulls gives them), so the count key reads them as it reads
  the API's.
- ISBU02's measures keep their label as code: the count key places a measure by the paragraph its
  text names, and DST's measure codes are not known here; a file with codes only ("110") is
  refused, because the paragraph would be lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..errors import DuplicateRowsError, ParseError, UnknownAreaError, WrongTableError
from . import exportgrid as eg
from .parse import COUNT_TABLES, ParseReport, counts_from_raw

PLACEMENT, MEASURE = COUNT_TABLES
#: ANBAAR12's places: DST's code -> label (third-party catalog of live pulls, issue 22)
PLACES = {"0": "I alt", "1": "Netværksplejefamilie", "21": "Almindelig plejefamilie",
          "22": "Kommunal plejefamilie", "23": "Almen plejefamilie", "24": "Forstærket plejefamilie",
          "25": "Specialiseret plejefamilie", "26": "Plejefamilie efter § 76 a",
          "9": "Døgninstitution, almindelig afdeling", "7": "Delvis lukket døgninstitution",
          "8": "Døgninstitution, sikret afdeling", "27": "Opholdssted for børn og unge",
          "11": "Kost- og/eller efterskole", "6": "Eget værelse, kollegium, kollegielignende opholdssted",
          "99": "Uoplyst"}
_PLACE_BY_LABEL = {eg.norm(v): k for k, v in PLACES.items()} | {"anbragte i alt": "0", "i alt": "0"}
#: the area of a child whose kommune is not known
UNKNOWN_AREA = {"uoplyst kommune": "998", "ukendt kommune": "998", "uoplyst": "998", "998": "998",
                "999": "999"}
#: a measure's text names a paragraph ("(SEL §11.3.1 / BL §30.1.1)") or is a total
_PARAGRAPH = re.compile(r"§|\bi alt\b", re.IGNORECASE)


def _place(cell: str) -> str | None:
    c = cell.strip()
    if c in PLACES:
        return c
    m = re.fullmatch(r"(\d{1,2})\s+(.+)", c)         # "21 Almindelig plejefamilie"
    if m and m.group(1) in PLACES:
        return m.group(1)
    return _PLACE_BY_LABEL.get(eg.norm(c))


def _measure(cell: str) -> str | None:
    c = " ".join(cell.split())
    return c if c and _PARAGRAPH.search(c) else None


def _area(cell: str) -> str | None:
    return UNKNOWN_AREA.get(eg.norm(cell)) or eg.area(cell)


def _area_column(values: list[str]) -> bool:
    return bool(values) and all(_area(v) is not None and (not v.isdigit() or len(v) == 3) for v in values)


AREA = eg.Variable("OMRÅDE", frozenset({"område", "omraade", "kommune", "administrationskommune",
                                        "kommunedk", "admkom"}), _area, detect=_area_column,
                   unknown=UnknownAreaError)
PLACE = eg.Variable("ANBSTED", frozenset({"anbringelsessted", "anbsted", "sted"}), _place)
MEASURE_VAR = eg.Variable("INDSATS", frozenset({"indsats", "indsatser", "foranstaltning"}), _measure,
                          detect=lambda values: bool(values) and sum(_measure(v) is not None for v in values)
                          * 2 >= len(values))
VARIABLES = {PLACEMENT: (eg.TID, AREA, PLACE), MEASURE: (eg.TID, AREA, MEASURE_VAR)}


def looks_like(grid: eg.Grid) -> str | None:
    """ANBAAR12 / ISBU02 when the file names the table or holds its values (a place label, a
    measure naming a paragraph); else None."""
    for table in COUNT_TABLES:
        if eg.mentions(grid, (table,)):
            return table
    for _, cells in grid.rows[:eg.MAX_HEAD * 4]:
        for c in cells:
            if c and not eg.is_number(c):
                if eg.norm(c) in _PLACE_BY_LABEL and eg.norm(c) not in ("i alt", "uoplyst"):
                    return PLACEMENT
                if "§" in c and re.search(r"\b(SEL|BL)\b", c):
                    return MEASURE
    return None


@dataclass(frozen=True)
class CountsExport:
    frame: pd.DataFrame          # tabel, aar, kommunekode, kode, antal
    report: ParseReport
    table: str
    texts: dict[str, str]        # code -> DST's text (ANBAAR12: the catalog; ISBU02: the label)
    first_rows: dict[int, int]   # year -> first row of the file holding that year's figures

    def summary(self) -> str:
        kom = self.report.kommuner
        what = "anbragte pr. 31.12." if self.table == PLACEMENT else "børn med indsatser i året"
        return (f"{self.table}: {what}, {len(kom)} kommuner, år {eg.span(self.report.years)}, "
                f"{self.frame['kode'].nunique()} koder" + "".join(f" [{n}]" for n in self.report.notes))


def parse_counts_export(data: bytes, name: str, *, table: str | None = None) -> CountsExport:
    """One hand-downloaded ANBAAR12 / ISBU02 file -> CountsExport; ``table`` when known."""
    grid = eg.read_grid(data, name)
    found = looks_like(grid)
    if table is not None:
        if table.upper() not in COUNT_TABLES:
            raise ParseError(f"{name}: {table} er ikke en børnetabel ({', '.join(COUNT_TABLES)})")
        if found is not None and found != table.upper():
            raise WrongTableError(f"{name}: filen ser ud til at være fra {found}, ikke {table.upper()}")
        found = table.upper()
    if found is None:
        raise ParseError(f"{name}: kan ikke se, om filen er ANBAAR12 eller ISBU02 – nævn tabellen i "
                         "filnavnet eller brug --tabel")
    variables = VARIABLES[found]
    code_var = variables[-1]
    long = eg.long_table(grid, variables)
    if code_var.id not in long:
        hint = (" – vælg 'Vis tekst' (ikke kun koder) for indsats i Statistikbanken, så paragraffen "
                "kommer med" if found == MEASURE else "")
        raise ParseError(f"{name}: kolonnen {code_var.id.lower()} mangler{hint}")
    long = eg.to_codes(long, variables, name)
    for var in (AREA, eg.TID):
        if var.id not in long:
            raise ParseError(f"{name}: kolonnen {var.id.capitalize()} mangler – vælg den i "
                             "Statistikbanken, så den kommer med i filen")
    keys = ["TID", "OMRÅDE", code_var.id]
    dup = long.duplicated(keys, keep=False)
    if dup.any():
        first = long[dup].sort_values(eg.ROW).iloc[0]
        rows = long[dup & (long[keys] == first[keys]).all(axis=1)][eg.ROW].tolist()
        raise DuplicateRowsError(f"{name}, række {rows[0]} og {rows[1]}: samme tal to gange "
                                 f"({', '.join(f'{k.lower()} {first[k]}' for k in keys)})")
    eg.numbers(long[eg.VALUE], long[eg.ROW], name, "antal")      # names the row of a bad figure
    raw = long.drop(columns=[eg.ROW]).reset_index(drop=True)
    parsed = counts_from_raw(found, raw, name, area="OMRÅDE", code=code_var.id)
    codes = sorted(parsed.frame["kode"].unique())
    texts = {c: PLACES.get(c, c) for c in codes} if found == PLACEMENT else {c: c for c in codes}
    first = long.groupby(long["TID"].astype(int))[eg.ROW].min()
    return CountsExport(parsed.frame, parsed.report, found, texts,
                        {int(y): int(r) for y, r in first.items()})
