"""A table downloaded by hand from statistikbanken.dk -> one long frame, one text column per variable.

Shared by the population and price-index export readers (``population_export.py``,
``price_export.py``); the accounts exports keep their own reader (``exports.py``), whose byte
layer (CSV/XLSX decoding, delimiter) this module reuses so every export is read from bytes alike.

Layouts understood, whatever the variables:

- *long*: one row per figure, the variables in columns and the figure last; with a header row
  (API ids ``OMRÅDE;KØN;…;INDHOLD`` or labels ``Område;Køn;…``) or without one (columns are then
  recognised by their values);
- *wide* (Statistikbanken's table view, XLSX or CSV): title rows, one or more heading rows with the
  values of the variables across (``2019K1  2020K1``), label columns whose repeated values are left
  blank, a source line below.

Every figure keeps the number of the row it came from (``_row``), so errors name file and row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from ..errors import ParseError, UnknownAreaError
from . import labels
from .exports import read_table
from .parse import DANISH, area_kind, to_numbers

VALUE = "INDHOLD"
ROW = "_row"
#: header texts (normalised) that name the figure column
VALUE_HEADERS = frozenset({"indhold", "antal", "værdi", "vaerdi", "value", "personer", "indeks"})
MAX_HEAD = 60  # data must start within this many non-empty rows


@dataclass(frozen=True)
class Variable:
    """One variable of a table. ``code`` turns a cell (DST code or label) into DST's code, or None
    when the cell is not one of its values; ``detect`` says whether a column of unnamed values is
    this variable (default: every value has a code)."""

    id: str
    headers: frozenset[str]
    code: Callable[[str], str | None]
    detect: Callable[[list[str]], bool] | None = None
    unknown: type[ParseError] = ParseError

    def accepts(self, values: list[str]) -> bool:
        if self.detect is not None:
            return self.detect(values)
        return bool(values) and all(self.code(v) is not None for v in values)


@dataclass(frozen=True)
class Grid:
    """The non-empty rows of a file: (row number in the file, cells as stripped text), padded."""

    name: str
    rows: list[tuple[int, list[str]]] = field(repr=False)

    def filled(self):
        """Rows with blank cells taken from the row above (Statistikbanken blanks repeated labels)."""
        last: list[str] = []
        for n, cells in self.rows:
            last = [c or (last[j] if j < len(last) else "") for j, c in enumerate(cells)]
            yield n, last


def read_grid(data: bytes, name: str) -> Grid:
    """Bytes of a CSV (';', ',' or tab; UTF-8 with or without BOM, or Windows-1252) or XLSX file."""
    table = read_table(data, name)     # the accounts reader's bytes -> rows, within the limits
    rows = [(n, r) for n, r in zip(table.lines, table.cells) if any(r)]
    if not rows:
        raise ParseError(f"{name}: filen er tom")
    return Grid(name, rows)


def mentions(grid: Grid, tables: tuple[str, ...], words: tuple[str, ...] = ()) -> bool:
    """Is one of ``tables`` named in the file name or a title line (the first cell of a row above
    the figures), or does a title line start with one of ``words``?"""
    ids = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, tables)) + r")(?![A-Za-z0-9])",
                     re.IGNORECASE)
    if ids.search(grid.name):
        return True
    for _, cells in grid.rows[:5]:
        filled = [c for c in cells if c]
        if len(filled) == 1 and (ids.search(filled[0]) or labels.norm(filled[0]).startswith(words)):
            return True
    return False


# -- numbers: the one call site --------------------------------------------------------------------

def numbers(values: pd.Series, rows: pd.Series, name: str, what: str, *,
            hint: str | None = DANISH) -> pd.Series:
    """Text -> float by parse.to_numbers (DST's '..'/'.' missing, '-' nul, decimal comma); a cell
    that is not a number is named with its row. ``hint``: the convention when no value decides
    (Danish for Statistikbanken's exports; None where nothing in the file says it, so a value
    that reads two ways is refused). Every export reader here parses figures through this
    function only."""
    try:
        return to_numbers(pd.Series(list(values), index=[f"række {r}" for r in rows], dtype=object),
                          f"{name}: {what}", hint=hint).set_axis(values.index)
    except ParseError:
        for v, r in zip(values, rows):
            if not is_number(str(v)):
                raise ParseError(f"{name}, række {r}: {what} {v!r} er ikke et tal") from None
        raise


@lru_cache(maxsize=4096)
def is_number(cell: str) -> bool:
    """A figure or DST's missing/nil markers (not an empty cell)."""
    if not cell:
        return False
    try:
        to_numbers(pd.Series([cell]))
        return True
    except ParseError:
        return False


# -- layout ----------------------------------------------------------------------------------------

def _name_role(cell: str, variables: tuple[Variable, ...]) -> str | None:
    n = labels.norm(cell)
    if n in VALUE_HEADERS:
        return VALUE
    return next((v.id for v in variables if n in v.headers), None)


def _data_like(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) >= 2 and is_number(filled[-1]) and any(not is_number(c) for c in filled[:-1])


def _heading_var(values: list[str], free: list[Variable]) -> Variable | None:
    return next((v for v in free if v.accepts(sorted(set(values)))), None)


@dataclass
class _Layout:
    named: dict[int, str]                 # column -> variable id / VALUE from a header row
    headings: list[dict[int, str]]        # wide heading rows: column -> text
    start: int                            # index into grid.rows of the first data row


def _layout(grid: Grid, variables: tuple[Variable, ...]) -> _Layout:
    """Header rows (variable names), heading rows (values across) and where the figures start."""
    named_above: dict[int, str] = {}
    headings: list[dict[int, str]] = []
    for i, (_, cells) in enumerate(grid.rows[:MAX_HEAD]):
        named = {j: r for j, c in enumerate(cells) if c and (r := _name_role(c, variables))}
        rest = {j: c for j, c in enumerate(cells) if c and j not in named}
        if len(named) >= 2 and (not rest or _heading_var(list(rest.values()), list(variables))):
            return _Layout({**named_above, **named}, headings + ([rest] if rest else []), i + 1)
        if _data_like(cells):
            return _Layout(named_above, headings, i)
        named_above.update(named)
        if rest and (named or len(rest) >= 2 or min(rest) > 0):
            headings.append(rest)
        # else: a title line in column A ("Folketal den 1. i kvartalet …", "Enhed: antal")
    raise ParseError(f"{grid.name}: fandt ingen datarækker (en række med tekst og et tal til sidst)")


def long_table(grid: Grid, variables: tuple[Variable, ...]) -> pd.DataFrame:
    """Every figure of the grid as a row: one column per variable found (its cell text, blanks
    filled from above), INDHOLD (text) and _row (row number in the file)."""
    lay = _layout(grid, variables)
    body = grid.rows[lay.start:]
    width = len(body[0][1])
    frame = pd.DataFrame([cells for _, cells in body], dtype=str)
    frame[ROW] = [n for n, _ in body]
    if lay.headings:
        value_cols = sorted(lay.headings[-1])
    else:
        named_value = [j for j, r in lay.named.items() if r == VALUE]
        unnamed = [j for j in range(width) if j not in lay.named and (frame[j] != "").any()]
        if not named_value and not unnamed:
            raise ParseError(f"{grid.name}: ingen kolonne med tal")
        value_cols = named_value[:1] or [max(unnamed)]
    frame = frame[(frame[value_cols] != "").any(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise ParseError(f"{grid.name}: fandt ingen tal i filen")
    label_cols = [j for j in range(width) if j not in value_cols and (frame[j] != "").any()]
    for j in label_cols:
        frame[j] = frame[j].replace("", pd.NA).ffill().fillna("")
    roles = _label_roles(frame, label_cols, lay.named, variables, grid.name)
    free = [v for v in variables if v.id not in roles.values()]
    heading_roles: list[tuple[str, dict[int, str]]] = []
    for h in lay.headings:
        cells = _fill_right(h, value_cols)
        var = _heading_var(list(cells.values()), free)
        if var is None:
            raise ParseError(f"{grid.name}: kan ikke se, hvilken variabel overskrifterne "
                             f"{sorted(set(cells.values()))[:4]} hører til")
        free.remove(var)
        heading_roles.append((var.id, cells))
    long = frame.melt(id_vars=[*label_cols, ROW], value_vars=value_cols, var_name="_col",
                      value_name=VALUE)
    long = long[long[VALUE] != ""] if lay.headings else long
    out = pd.DataFrame({vid: long[j].to_numpy() for j, vid in roles.items()})
    for vid, cells in heading_roles:
        out[vid] = long["_col"].map(cells).to_numpy()
    out[VALUE] = long[VALUE].to_numpy()
    out[ROW] = long[ROW].to_numpy()
    return out.sort_values(ROW, kind="stable").reset_index(drop=True)


def _fill_right(heading: dict[int, str], value_cols: list[int]) -> dict[int, str]:
    out, last = {}, ""
    for j in value_cols:
        last = heading.get(j, "") or last
        out[j] = last
    return out


def _label_roles(frame: pd.DataFrame, label_cols: list[int], named: dict[int, str],
                 variables: tuple[Variable, ...], name: str) -> dict[int, str]:
    roles = {j: named[j] for j in label_cols if named.get(j) not in (None, VALUE)}
    if len(set(roles.values())) < len(roles):
        twice = sorted({r for r in roles.values() if list(roles.values()).count(r) > 1})
        raise ParseError(f"{name}: to kolonner hedder begge {', '.join(twice)}")
    for j in label_cols:
        if j in roles:
            continue
        values = sorted(set(frame[j]) - {""})
        free = [v for v in variables if v.id not in roles.values()]
        var = next((v for v in free if v.accepts(values)), None)
        if var is None:
            area = next((v for v in free if v.id == "OMRÅDE"), None)
            if area is not None and _mostly(values, area):
                var = area  # unknown names are reported one by one below, with their row
            else:
                raise ParseError(f"{name}: kan ikke se, hvad kolonnen med fx {values[:3]} indeholder")
        roles[j] = var.id
    return roles


def _mostly(values: list[str], var: Variable) -> bool:
    ok = sum(var.code(v) is not None for v in values)
    return ok > 0 and 2 * ok >= len(values)


def to_codes(long: pd.DataFrame, variables: tuple[Variable, ...], name: str) -> pd.DataFrame:
    """Map each variable column from cell text to DST's code; an unknown value is named with its
    row (an unknown area as UnknownAreaError)."""
    out = long.copy()
    for var in variables:
        if var.id not in out:
            continue
        mapping = {t: var.code(t) for t in out[var.id].unique()}
        bad = [t for t, c in mapping.items() if c is None]
        if bad:
            row = int(out.loc[out[var.id] == bad[0], ROW].iloc[0])
            raise var.unknown(f"{name}, række {row}: {bad[0]!r} er ikke en kendt værdi af "
                              f"{var.id.lower()}")
        out[var.id] = out[var.id].map(mapping)
    return out


def time_outside_table(grid: Grid) -> str | None:
    """The one time code (2019 or 2019K1) in the title lines or the file name, when the table has
    no time column (a download of a single year or quarter); None when there is none or several."""
    pattern = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*([Kk])\s*([1-4]))?(?!\d)")
    titles = [cells[0] for _, cells in grid.rows[:5] if cells[0] and not any(cells[1:])]
    for text in (*titles, Path(grid.name).stem):
        found = {m.group(1) + (f"K{m.group(3)}" if m.group(2) else "") for m in pattern.finditer(text)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def span(years) -> str:
    """(2007, 2008, 2009) -> "2007–2009"; (2007,) -> "2007"; () -> "ingen"."""
    ys = sorted(int(y) for y in years)
    if not ys:
        return "ingen"
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"


def first_row(long: pd.DataFrame, mask: pd.Series) -> int:
    return int(long.loc[mask, ROW].min())


# -- variables shared by several tables ------------------------------------------------------------

norm = labels.norm


def tid_code(cell: str) -> str | None:
    """"2019", "2019K1" (any case, spaces) -> DST's time code; else None."""
    m = re.fullmatch(r"((?:19|20)\d\d)\s*(?:([Kk])\s*([1-4]))?", cell.strip())
    if not m:
        return None
    return m.group(1) + (f"K{m.group(3)}" if m.group(2) else "")


KOMMUNEGRUPPER = labels.KOMMUNEGRUPPE_AREAS   # DST's municipality groups by name: aggregates


def area(cell: str) -> str | None:
    """Area code for a cell (code, "101 København", DST name, region, Hele landet, kommunegruppe),
    if it is a municipality or a known aggregate; else None."""
    n = norm(cell)
    if n in KOMMUNEGRUPPER:
        return KOMMUNEGRUPPER[n]
    try:
        code = labels.area_code(cell)
        area_kind(code)
    except (ParseError, UnknownAreaError):
        return None
    return code


def _area_column(values: list[str]) -> bool:
    """Unnamed columns: names, or 3-digit codes (bare 1–2 digit numbers are more likely ages)."""
    return bool(values) and all(area(v) is not None and (not v.isdigit() or len(v) == 3) for v in values)


TID = Variable("TID", frozenset({"tid", "år", "aar", "kvartal", "periode"}), tid_code)
OMRAADE = Variable("OMRÅDE", frozenset({"område", "omraade", "omrade", "kommune", "region"}), area,
                   detect=_area_column, unknown=UnknownAreaError)
