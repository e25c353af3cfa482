"""Population exports downloaded by hand (FOLK1A, BEF1A07) -> the canonical population frame.

The file's layout is read by ``exportgrid`` (codes or labels, header or not, CSV or XLSX, wide or
long); its labels become DST's codes; then the same parser as the API body does the rest
(:func:`trappe_xl.sources.parse.population_from_raw`): only K1 (1 January) of FOLK1A, the totals of
KØN and CIVILSTAND (or the sum of their parts when the total was not ticked) — never a person
twice — and Hele landet, regions and Christiansø left out.

Checks here, each naming file and row: the file must hold every age 0–22 (one age only, or a gap,
is :class:`PopulationAgesError`), FOLK1A must hold 1st quarters, the same figure may not appear
twice. Ages above 22 are dropped (the model uses 0–17, 0–22 and the total); when "Alder i alt" was
not ticked but every age 0–125 was, the total is their sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .. import frames
from ..errors import DuplicateRowsError, ParseError, PopulationAgesError, WrongTableError
from . import exportgrid as eg
from .parse import POPULATION_TABLES, ParseReport, population_from_raw

AGES = tuple(str(a) for a in range(23))          # what the model needs (0–17 and 0–22)
ALL_AGES = tuple(str(a) for a in range(126))     # DST's full list 0–125
TOTAL = "IALT"
#: FOLK1A starts 2008K1; BEF1A07 (the 98 municipalities 2005–2007) covers 2007
LAST_BEF1A07_YEAR = 2007


def _koen(cell: str) -> str | None:
    s = cell.strip()
    if s.upper() in ("TOT", "1", "2", "M", "K"):
        return s.upper()
    return {"i alt": "TOT", "køn i alt": "TOT", "begge køn": "TOT", "mænd": "M", "mand": "M",
            "kvinder": "K", "kvinde": "K"}.get(eg.norm(s))


def _alder(cell: str) -> str | None:
    s = eg.norm(cell)
    if s in ("ialt", "alder i alt", "alder, i alt", "alle aldre"):
        return TOTAL
    m = re.fullmatch(r"(0|[1-9]\d{0,2})(?:\s*år(?:\s+og\s+derover)?)?", s)
    return m.group(1) if m and int(m.group(1)) <= 125 else None


CIVILSTAND_LABELS = {"i alt": "TOT", "civilstand i alt": "TOT", "ugift": "U", "gift/separeret": "G",
                     "gift": "G", "enke/enkemand": "E", "fraskilt": "F",
                     "registreret partnerskab": "P", "længstlevende af to partnere": "L",
                     "ophævet partnerskab": "O"}


def _civilstand(cell: str) -> str | None:
    s = cell.strip()
    if s.upper() in ("TOT", *set(CIVILSTAND_LABELS.values())):
        return s.upper()
    return CIVILSTAND_LABELS.get(eg.norm(s))


KOEN = eg.Variable("KØN", frozenset({"køn", "koen", "kon", "kön"}), _koen)
ALDER = eg.Variable("ALDER", frozenset({"alder"}), _alder)
CIVILSTAND = eg.Variable("CIVILSTAND", frozenset({"civilstand"}), _civilstand)
#: order = the order unnamed columns are recognised in (a column of "I alt" only is KØN first)
VARIABLES = (eg.TID, eg.OMRAADE, ALDER, KOEN, CIVILSTAND)


@dataclass(frozen=True)
class PopulationExport:
    frame: pd.DataFrame            # canonical population (aar, kommunekode, alder, antal)
    report: ParseReport
    table: str                     # FOLK1A or BEF1A07
    first_rows: dict[int, int]     # year -> first row of the file holding that year's figures

    def summary(self) -> str:
        span = eg.span(self.report.years)
        ages = sorted({a for a in self.frame["alder"] if a != TOTAL}, key=int)
        total = " + i alt" if (self.frame["alder"] == TOTAL).any() else ""
        return (f"{self.table}: befolkning 1. januar, {len(self.report.kommuner)} kommuner, "
                f"år {span}, alder {ages[0]}–{ages[-1]}{total}"
                + "".join(f" [{n}]" for n in self.report.notes))


def looks_like(grid: eg.Grid) -> bool:
    """Does the file hold population figures? An age, sex or civil-status header, an age label or
    code (IALT), a quarter (2019K1), or the table named in the title or the file name."""
    if eg.mentions(grid, POPULATION_TABLES, ("folketal", "befolkning")):
        return True
    for _, cells in grid.rows[:eg.MAX_HEAD]:
        for c in cells:
            n = eg.norm(c)
            if n in ALDER.headers | KOEN.headers | CIVILSTAND.headers or n in ("alder i alt", "ialt"):
                return True
            if re.fullmatch(r"\d{1,3} år", n) or re.fullmatch(r"(?:19|20)\d\dk[1-4]", n):
                return True
    return False


def totals_only(grid: eg.Grid) -> str | None:
    """When the file is one figure per area and year and nothing else (an area column, years as
    the other columns' headers, numbers beneath) — e.g. total population of all ages — a Danish
    description of it; else None."""
    rows = [[c for c in cells] for _, cells in grid.rows]
    head = next((r for r in rows if any(eg.tid_code(c) for c in r[1:])), None)
    if head is None:
        return None
    years = [eg.tid_code(c) for c in head[1:] if c]
    if not years or not all(years):
        return None
    body = rows[rows.index(head) + 1:]
    areas = [r[0] for r in body if r and r[0]]
    known = [a for a in areas if eg.area(a)]
    if not body or len(known) * 10 < len(areas) * 9:
        return None
    if not all(eg.is_number(c) for r in body for c in r[1:len(head)] if c):
        return None
    return (f"filen har ét tal pr. område og år ({len(known)} områder, år {eg.span(int(y[:4]) for y in years)}) "
            "og ingen kolonne for alder, køn eller funktion")


POPULATION_NEEDED = ("kr. pr. barn kræver folketallet fordelt på alder: hent FOLK1A med Område = "
                     "kommunerne, Alder = '0 år' … '22 år' og Tid = <år>K1 (se README, 'Hent data i "
                     "hånden')")


def parse_population_export(data: bytes, name: str, *, table: str | None = None) -> PopulationExport:
    """One hand-downloaded FOLK1A / BEF1A07 file -> PopulationExport; ``table`` when known."""
    grid = eg.read_grid(data, name)
    if what := totals_only(grid):
        raise ParseError(f"{name}: {what} – {POPULATION_NEEDED}")
    long = eg.to_codes(eg.long_table(grid, VARIABLES), VARIABLES, name)
    notes = []
    if "TID" not in long and (tid := eg.time_outside_table(grid)):
        long["TID"] = tid
        notes.append(f"tid {tid} taget fra titlen/filnavnet")
    for var in (eg.OMRAADE, eg.TID):
        if var.id not in long:
            raise ParseError(f"{name}: kolonnen {var.id.capitalize()} mangler – vælg den i "
                             "Statistikbanken, så den kommer med i filen")
    found = _table(long, name)
    if table is not None and table.upper() != found:
        raise WrongTableError(f"{name}: filen ser ud til at være fra {found}, ikke {table}")
    _check_ages(long, name)
    january = long["TID"].str.endswith("K1") if found == "FOLK1A" else pd.Series(True, index=long.index)
    if not january.any():
        raise ParseError(f"{name}, række {int(long[eg.ROW].min())}: ingen tal for 1. kvartal "
                         "(K1 = 1. januar) – vælg kvartalerne <år>K1 i Statistikbanken")
    _check_duplicates(long, name)
    notes += [f"{var.lower()}: " + ("kun i alt brugt, delene udeladt" if (long[var] == "TOT").any()
                                    else "delene lagt sammen")
              for var in ("KØN", "CIVILSTAND") if var in long and long[var].nunique() > 1]
    ages = set(long["ALDER"])
    total_from_ages = set(ALL_AGES) <= ages and TOTAL not in ages
    if not total_from_ages:
        over = ~long["ALDER"].isin((*AGES, TOTAL))
        if over.any():
            notes.append(f"alder over 22 år udeladt ({int(over.sum())} tal)")
        long = long[~over]
    eg.numbers(long[eg.VALUE], long[eg.ROW], name, "antal")  # names the row of a bad figure
    parsed = population_from_raw(found, long.drop(columns=[eg.ROW]).reset_index(drop=True), name)
    frame = parsed.frame
    if total_from_ages:
        frame, note = _total_from_all_ages(frame)
        notes.append(note)
    frame = frame.sort_values(["aar", "kommunekode", "alder"], kind="stable").reset_index(drop=True)
    used = long[january.loc[long.index]]
    first_rows = used.groupby(used["TID"].str[:4].astype(int))[eg.ROW].min()
    report = ParseReport(table=found, rows=len(frame), kommuner=parsed.report.kommuner,
                         years=parsed.report.years, missing_values=int(frame["antal"].isna().sum()),
                         notes=(*parsed.report.notes, *notes))
    return PopulationExport(frame[frames.POPULATION_COLUMNS], report, found,
                            {int(y): int(r) for y, r in first_rows.items()})


def _table(long: pd.DataFrame, name: str) -> str:
    quarters = long["TID"].str.contains("K")
    if quarters.all():
        return "FOLK1A"
    if quarters.any():
        row = eg.first_row(long, ~quarters)
        raise ParseError(f"{name}, række {row}: både kvartaler (2019K1) og hele år (2007) i samme fil")
    late = long["TID"].astype(int) > LAST_BEF1A07_YEAR
    if late.any():
        raise WrongTableError(f"{name}, række {eg.first_row(long, late)}: årstal uden kvartal efter "
                              f"{LAST_BEF1A07_YEAR} – FOLK1A har kvartaler (fx 2019K1); hele år er "
                              f"BEF1A07 (til og med {LAST_BEF1A07_YEAR})")
    return "BEF1A07"


def _check_ages(long: pd.DataFrame, name: str) -> None:
    if "ALDER" not in long:
        raise PopulationAgesError(f"{name}, række {int(long[eg.ROW].min())}: ingen alderskolonne – "
                                  "filen har kun alder i alt; vælg alder 0–22 år (eller alle aldre)")
    ages = set(long["ALDER"]) - {TOTAL}
    if len(ages) <= 1:
        only = next(iter(ages), "i alt")
        raise PopulationAgesError(
            f"{name}, række {int(long[eg.ROW].min())}: kun én alder ({only}"
            f"{' år' if only != 'i alt' else ''}) – kr. pr. 0–17-/0–22-årig kræver hver alder "
            "0–22 år; vælg dem (eller alle aldre) i Statistikbanken")
    missing = [a for a in AGES if a not in ages]
    if missing:
        raise PopulationAgesError(
            f"{name}, række {int(long[eg.ROW].min())}: alder {_spans(missing)} år mangler – "
            "kr. pr. 0–17-/0–22-årig kræver hver alder 0–22 år")


def _spans(ages: list[str]) -> str:
    nums = sorted(int(a) for a in ages)
    out, start = [], nums[0]
    for a, b in zip(nums, nums[1:] + [None]):
        if b != a + 1:
            out.append(str(start) if start == a else f"{start}–{a}")
            start = b
    return ", ".join(out)


def _check_duplicates(long: pd.DataFrame, name: str) -> None:
    keys = [c for c in long.columns if c not in (eg.VALUE, eg.ROW)]
    dup = long.duplicated(keys, keep=False)
    if dup.any():
        first = long[dup].sort_values(eg.ROW).iloc[0]
        same = long[dup & (long[keys] == first[keys]).all(axis=1)][eg.ROW].tolist()
        raise DuplicateRowsError(f"{name}, række {same[0]} og {same[1]}: samme tal to gange "
                                 f"({', '.join(f'{k.lower()} {first[k]}' for k in keys)})")


def _total_from_all_ages(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Alder i alt = Σ ages 0–125 when it was not ticked (missing if any age is missing)."""
    total = (frame.groupby(["aar", "kommunekode"])["antal"].sum(min_count=len(ALL_AGES))
             .reset_index().assign(alder=TOTAL))
    keep = frame[frame["alder"].isin(AGES)]
    out = pd.concat([keep, total[frames.POPULATION_COLUMNS]], ignore_index=True)
    return out, "alder i alt = summen af alle aldre 0–125; alder over 22 år ellers udeladt"

