"""Files a user downloaded from statistikbanken.dk by hand -> canonical accounts.

Accepted: CSV (labels or codes; ';', ',' or tab; with or without BOM, header row or quotes) and
XLSX (title rows, blank "merged-looking" label cells and years across columns are tolerated).
Labels are mapped to codes (``labels.py``-style tables below); the result goes through the same
canonical builder as API bodies (:func:`trappe_xl.sources.parse.build_accounts`).

Strict: every row between the header and the footnotes must be read exactly, or the export is
refused with an error naming the file, the line and the value: a value that is not a number
(``12x4``, ``1234 kr``, ``NaN``), an empty value, a missing or extra field, a blank label in a CSV,
a text line amid the data, a CSV that ends in the middle of a line (cut off). Only title lines
before and footnote lines after the data (one text cell each) and blank lines are passed over.
Numbers go through the one reader :func:`trappe_xl.sources.parse.read_numbers`. An export with
Danish labels comes from Statistikbanken's Danish settings and is read with their convention
(``1.234,5``: '1.234' is 1234, '1.23' is refused); in an export of codes only, the values
themselves show the convention, and a value that could mean two things is refused. Size and
shape limits (``limits.py``) are checked before a file is read.

What the export does not state is filled in visibly and reported: dranst "*" = "ikke angivet i
kilden", art "TOT" when no art column exists (DST's label exports of one art), the year from the
file name (``2016.csv``). ``ParsedExport.options`` holds everything needed to parse the bytes again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import frames
from ..errors import ParseError, WrongTableError, library_text
from . import labels, limits
from .parse import (DANISH, NOT_STATED, ParsedAccounts, build_accounts, read_numbers,
                    single_unit)

YEAR = re.compile(r"(?:19|20)[0-9]{2}")
POPULATION_HEADERS = {"køn", "koen", "alder", "civilstand", "kon"}


@dataclass(frozen=True)
class ParsedExport:
    parsed: ParsedAccounts
    table: str
    options: dict


# -- bytes -> rows of text --------------------------------------------------------------------

def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@dataclass
class Table:
    """The non-blank rows of a CSV or of an XLSX's first sheet, as text, with where each came from.

    ``cells`` are padded to one width; ``widths`` say how many cells each row really had (CSV:
    fields; XLSX: up to its last non-empty cell); ``numbers`` keep XLSX number cells as numbers
    ((row index, column) -> float), so they are never re-read from text."""

    name: str
    kind: str                       # "csv" | "xlsx"
    cells: list[list[str]]
    lines: list[int]                # CSV line / XLSX row number (1-based) of each row
    widths: list[int]
    numbers: dict[tuple[int, int], float] = field(default_factory=dict)
    #: the XLSX sheet read ("" for a CSV)
    sheet: str = ""
    delimiter: str | None = None

    def where(self, i: int) -> str:
        return f"{'linje' if self.kind == 'csv' else 'række'} {self.lines[i]}"


def read_table(data: bytes, name: str) -> Table:
    """Bytes of a CSV or XLSX export -> :class:`Table`, after the limits of ``limits.py``."""
    limits.check_bytes(data, name)
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx_table(data, name)
    else:
        table = _csv_table(data, name)
    if not table.cells:
        raise ParseError(f"{name}: filen er tom")
    width = max(len(r) for r in table.cells)
    table.cells = [r + [""] * (width - len(r)) for r in table.cells]
    return table


def read_rows(data: bytes, name: str) -> list[list[str]]:
    """Non-empty rows of the first sheet / the CSV, every cell as stripped text, padded."""
    return read_table(data, name).cells


def _xlsx_table(data: bytes, name: str) -> Table:
    from python_calamine import CalamineWorkbook
    limits.check_xlsx(data, name)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        raw, sheet = _first_sheet_with_data(wb)
    except Exception as e:  # calamine raises several unrelated types for a broken file
        raise ParseError(f"{name}: kan ikke læses som XLSX – {library_text(e)}") from e
    cells, lines, widths, numbers = [], [], [], {}
    texts: dict[str, str] = {}
    for n, row in enumerate(raw, start=1):
        text = [texts.setdefault(t, t) for t in map(_cell, row)]
        if not any(text):
            continue
        i = len(cells)
        for j, v in enumerate(row):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                numbers[(i, j)] = float(v)
        last = max(j for j, t in enumerate(text) if t)
        cells.append(text[:last + 1])
        lines.append(n)
        widths.append(last + 1)
    return Table(name, "xlsx", cells, lines, widths, numbers, sheet)


def _first_sheet_with_data(wb) -> tuple[list, str]:
    """The first sheet that holds anything (an empty first sheet in front of the data is common
    when a user adds a sheet), and its name."""
    first = None
    for i, sheet_name in enumerate(wb.sheet_names):
        raw = wb.get_sheet_by_index(i).to_python(skip_empty_area=False)
        if first is None:
            first = (raw, sheet_name)
        if any(any(str(v).strip() for v in row) for row in raw):
            return raw, sheet_name
    return first or ([], "")


#: what a CSV may be written in
ENCODINGS_READ = "tekstfiler læses som UTF-8 (med eller uden BOM), UTF-16 med BOM eller Windows-1252"


def _csv_table(data: bytes, name: str) -> Table:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):       # UTF-16 with its BOM (Excel's "Unicode-tekst")
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ParseError(f"{name}: begynder som UTF-16, men er ikke gyldig UTF-16 tekst") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
            if text is None:
                raise ParseError(f"{name}: {ENCODINGS_READ}; denne er ingen af dem") from None
    if "\x00" in text:
        raise ParseError(f"{name}: indeholder NUL-tegn, så det er ikke en tekstfil i en af de kodninger, "
                         f"der læses ({ENCODINGS_READ}) – er det en XLSX, så giv den endelsen .xlsx")
    sample = [ln for ln in text[:1_000_000].splitlines() if ln.strip()][:50]
    delim = max((";", ",", "\t"), key=lambda d: _consistency(sample, d))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    cells, lines, widths = [], [], []
    texts: dict[str, str] = {}
    n_cells = 0
    try:
        for row in reader:
            if len(row) > limits.MAX_FIELDS:
                raise limits.refuse(f"{name}, linje {reader.line_num}", f"{len(row):,} felter".replace(",", "."),
                                    f"{limits.MAX_FIELDS} felter pr. linje")
            n_cells += len(row)
            if n_cells > limits.MAX_CELLS:
                raise limits.refuse(name, f"over {limits.MAX_CELLS:,} felter".replace(",", "."),
                                    f"{limits.MAX_CELLS:,} felter".replace(",", "."),
                                    "del eksporten op, fx ét år pr. fil")
            stripped = [texts.setdefault(c, c) for c in (c.strip() for c in row)]
            if any(stripped):
                cells.append(stripped)
                lines.append(reader.line_num)
                widths.append(len(row))
    except csv.Error as e:
        raise ParseError(f"{name}, linje {reader.line_num}: kan ikke læses som CSV – {library_text(e)}") from None
    if cells and not text.endswith(("\n", "\r")) and len(text.splitlines()) > 1:
        raise ParseError(f"{name}, linje {lines[-1]}: filen slutter midt i en linje (intet linjeskift "
                         "efter sidste linje) og ser afkortet ud – hent eksporten igen. Er filen hel, "
                         "så afslut den med et linjeskift")
    return Table(name, "csv", cells, lines, widths, delimiter=delim)


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _consistency(lines: list[str], delim: str) -> tuple[int, int]:
    """How well ``delim`` splits the sample: (rows sharing the commonest width>1, that width)."""
    try:
        widths = [len(r) for r in csv.reader(lines, delimiter=delim)]
    except csv.Error:
        return (0, 0)
    counts = pd.Series([w for w in widths if w > 1], dtype=int).value_counts()
    return (int(counts.iloc[0]), int(counts.index[0])) if len(counts) else (0, 0)


# -- layout: header, data region, roles -------------------------------------------------------

def _find_header(rows: list[list[str]]) -> tuple[int | None, dict[int, str], dict[int, int]]:
    """(header row index or None, column -> role from header names, column -> year for wide)."""
    for i, row in enumerate(rows[:30]):
        named = {j: labels.header_role(c) for j, c in enumerate(row) if labels.header_role(c)}
        years = {j: int(c) for j, c in enumerate(row) if YEAR.fullmatch(c)}
        other = [c for j, c in enumerate(row) if c and j not in named and j not in years]
        if any(labels.norm(c) in POPULATION_HEADERS for c in row):
            raise WrongTableError(f"rækken {row} ligner en befolkningstabel, ikke REGK31/REGK100")
        if len(named) >= 2 and not years and not other:
            return i, named, {}
        if years and not other and i + 1 < len(rows):
            return i, named, years
    return None, {}, {}


def _is_text_line(row: list[str]) -> bool:
    """A title or footnote line: one text cell and nothing else ("Kilde: …", "Enhed: kr.")."""
    return sum(1 for c in row if c) == 1


def _data_rows(t: Table, start: int, value_cols: list[int], expected_width: int | None) -> list[int]:
    """Indices of the data rows of ``t`` from ``start``. A row is data if it has a value; title and
    footnote lines (one text cell) are allowed only before the first and after the last data row.
    Anything else is an error naming its line: no row is ever dropped silently."""
    is_data = [any(t.cells[i][c] for c in value_cols) for i in range(len(t.cells))]
    data = [i for i in range(start, len(t.cells)) if is_data[i]]
    if not data:
        if start >= len(t.cells):
            raise ParseError(f"{t.name}: filen har kun en overskrift og ingen datarækker")
        raise ParseError(f"{t.name}: fandt ingen datarækker (tal) i filen")
    first, last = data[0], data[-1]
    for i in range(start, len(t.cells)):
        row = t.cells[i]
        if not is_data[i]:
            if _is_text_line(row) and (i < first or i > last):
                continue
            what = "en tekstlinje midt i data" if _is_text_line(row) else "ingen værdi"
            raise ParseError(f"{t.name}, {t.where(i)}: {what} ({_show_row(row)})"
                             + _width_hint(t, i, expected_width))
        if t.kind == "csv" and expected_width is not None and t.widths[i] != expected_width:
            raise ParseError(f"{t.name}, {t.where(i)}: {t.widths[i]} felter, forventede {expected_width}"
                             f"{_width_hint(t, i, expected_width)} ({_show_row(row)})")
        if t.kind == "xlsx" and expected_width is not None and t.widths[i] > expected_width:
            raise ParseError(f"{t.name}, {t.where(i)}: celler uden for tabellen ({_show_row(row)})")
        empty = [c for c in value_cols if not row[c]]
        if empty:
            raise ParseError(f"{t.name}, {t.where(i)}: tom værdi (Statistikbanken skriver '..' for en "
                             f"manglende værdi) ({_show_row(row)})")
    return data


def _width_hint(t: Table, i: int, expected: int | None) -> str:
    if t.kind == "csv" and expected is not None and t.widths[i] < expected and i == len(t.cells) - 1:
        return " – sidste linje er for kort, filen ser afkortet ud"
    return ""


def _show_row(row: list[str]) -> str:
    text = " | ".join(c for c in row if c)
    return repr(text if len(text) <= 80 else text[:79] + "…")


def _expected_width(t: Table, hi: int | None, start: int, value_cols: list[int]) -> int | None:
    if hi is not None:
        return t.widths[hi] if t.kind == "csv" else max(t.widths[hi], max(value_cols) + 1)
    widths = pd.Series([t.widths[i] for i in range(start, len(t.cells)) if not _is_text_line(t.cells[i])],
                       dtype=int)
    return int(widths.value_counts().idxmax()) if len(widths) else None


def _fill_down(df: pd.DataFrame, columns: list, t: Table) -> pd.DataFrame:
    """XLSX only: a blank label cell repeats the one above ("merged-looking" cells); a blank with
    nothing above is an error. In a CSV every label must be written out."""
    for c in columns:
        blank = df[c] == ""
        if not blank.any() or blank.all():
            continue
        if t.kind != "xlsx":
            i = int(np.argmax(blank.to_numpy()))
            raise ParseError(f"{t.name}, {df.index[i]}: tom celle i kolonne {c + 1} "
                             f"({_show_row(df.iloc[i].tolist())})")
        if blank.iloc[0]:
            raise ParseError(f"{t.name}, {df.index[0]}: tom celle i kolonne {c + 1} og intet ovenfor "
                             "at gentage")
        df[c] = df[c].mask(blank).ffill()
    return df


def _long_frame(t: Table) -> tuple[pd.DataFrame, str | None]:
    """Table -> long frame indexed by location ("linje 7", "række 5, kolonne 2019") with one column
    per detected role (+ 'value', text or XLSX numbers); the value header name."""
    rows, name = t.cells, t.name
    hi, named, wide = _find_header(rows)
    start = hi + 1 if hi is not None else 0
    value_header = None
    if wide:
        value_cols = list(wide)
    else:
        value_col = next((c for c, r in named.items() if r == "value"), None)
        if value_col is None:
            width = _expected_width(t, hi, start, [])
            value_col = (width or len(rows[0])) - 1
        value_cols = [value_col]
        if hi is not None:
            value_header = rows[hi][value_col]
    expected = _expected_width(t, hi, start, value_cols)
    data = _data_rows(t, start, value_cols, expected)
    label_cols = [c for c in range(len(rows[0])) if c not in value_cols]
    where = [t.where(i) for i in data]
    df = pd.DataFrame([rows[i] for i in data], index=where, dtype=str)
    df = _fill_down(df, label_cols, t)

    def value(i: int, c: int):
        return t.numbers.get((i, c), rows[i][c])

    if wide:
        parts = []
        for c, year in wide.items():
            part = df[label_cols].copy()
            part.index = [f"{w}, kolonne {rows[hi][c]}" for w in where]
            part["value"] = pd.Series([value(i, c) for i in data], index=part.index, dtype=object)
            part["tid"] = str(year)
            parts.append(part)
        df = pd.concat(parts)
        roles = {c: named.get(c) for c in label_cols}
    else:
        df["value"] = pd.Series([value(i, value_cols[0]) for i in data], index=df.index, dtype=object)
        roles = {c: named.get(c) for c in label_cols}
    out = pd.DataFrame({"value": df["value"]}, index=df.index)
    if "tid" in df:
        out["tid"] = df["tid"]
    for c, role in roles.items():
        values = df[c]
        if (values == "").all():
            continue
        role = role or _detect_role(values, name)
        if role in out:
            raise ParseError(f"{name}: to kolonner ligner begge {role!r}")
        out[role] = values
    return out, value_header


def _detect_role(values: pd.Series, name: str) -> str:
    """The role of an unnamed column. When one bad value keeps every role from accepting the whole
    column, the role most of its values fit is taken, so that the bad value is then named with its
    line by the mapping (instead of a vague "cannot tell what the column holds")."""
    distinct = [v for v in values.unique() if v != ""]
    try:
        return labels.detect_role(distinct, name)
    except ParseError as e:
        best, score = None, 0
        for role, fn in labels.ROLE_TESTS:
            ok = 0
            for v in distinct:
                try:
                    fn(v)
                    ok += 1
                except (ParseError, ValueError):
                    pass
            if ok > score:
                best, score = role, ok
        if best is not None and score * 2 >= len(distinct):
            return best
        if any("pris" in labels.norm(v) for v in distinct):
            return "prisenhed"          # named by prisenhed_code: only løbende priser are read
        at = values.index[int(np.argmax((values != "").to_numpy()))]
        raise ParseError(f"{name}, {at}: {e}".replace(f"{name}: ", "", 1)) from None


# -- public ------------------------------------------------------------------------------------

def year_from_name(name: str) -> int | None:
    found = set(re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", Path(name).stem))
    if len(found) > 1:
        raise ParseError(f"{name}: flere mulige årstal i filnavnet {sorted(found)}")
    return int(found.pop()) if found else None


def parse_export(data: bytes, name: str, *, table: str | None = None, year: int | None = None,
                 art: str | None = None) -> ParsedExport:
    """One hand-downloaded REGK31/REGK100 export -> ParsedExport (accounts, report, options).

    Strict: every row between the header and the footnotes is read exactly or the export is refused
    with an error naming the file, the line and the value (ParseError and its subclasses)."""
    long, value_header = _long_frame(read_table(data, name))
    if "funktion" not in long:
        raise WrongTableError(f"{name}: ingen Funktion-kolonne – eksporten er ikke fra REGK31/REGK100")
    if "omraade" not in long:
        raise ParseError(f"{name}: mangler kolonnen Område")
    found_table = "REGK100" if "gruppering" in long else "REGK31"
    if table is not None and table.upper() != found_table:
        raise WrongTableError(f"{name}: eksporten ser ud til at være fra {found_table}, ikke {table}")
    notes, options = [], {"table": found_table}
    if "tid" not in long:
        year = year or year_from_name(name)
        if year is None:
            raise ParseError(f"{name}: året står hverken i en kolonne eller i filnavnet (fx 2016.csv)")
        long["tid"], options["year"] = str(year), int(year)
        notes.append(f"år {year} taget fra filnavnet")
    if "art" not in long:
        long["art"], options["art"] = art or "TOT", art or "TOT"
        notes.append(f"art ikke angivet i kilden – antaget {options['art']}")
    if "dranst" not in long:
        long["dranst"] = NOT_STATED
        notes.append("dranst ikke angivet i kilden")
    unit = _unit(long, value_header, name)
    canon = pd.DataFrame({
        "aar": _map(long["tid"], _year, name),
        "kommunekode": _map(long["omraade"], labels.area_code, name),
        "funktion": _map(long["funktion"], labels.funktion_code, name),
        "dranst": _map(long["dranst"], labels.dranst_code, name),
        "gruppering": (_map(long["gruppering"], labels.gruppering_code, name)
                       if "gruppering" in long else frames.FUNCTION_LEVEL),
        "art": _map(long["art"], labels.art_code, name),
        "value": read_numbers(long["value"], decimal=DANISH if _danish_labels(long) else None, what=name),
    }, index=long.index)
    if "ejer" in long:
        canon["ejer"] = long["ejer"]
    parsed = build_accounts(canon, table=found_table, unit=unit, what=name, notes=tuple(notes))
    if uneven := _uneven_coverage(canon):
        # a file cut exactly at a line break reads cleanly, but its last block is short: said
        # (not refused: a hand-made or combined export may be uneven on purpose)
        parsed = ParsedAccounts(parsed.accounts, parsed.aggregates, replace(
            parsed.report, notes=(*parsed.report.notes,
                                  f"ADVARSEL: ujævn dækning, {uneven} – er eksporten hel?")))
    return ParsedExport(parsed, found_table, options)


def _map(col: pd.Series, fn, name: str) -> pd.Series:
    """Apply a label mapping once per distinct value, keeping the index (the locations); an error
    names the first line holding the value."""
    out = {}
    for v in col.unique():
        try:
            out[v] = fn(v)
        except ParseError as e:
            at = col.index[int(np.argmax((col == v).to_numpy()))]
            raise type(e)(f"{name}, {at}: {e}") from None
    return col.map(out)


def _year(text: str) -> int:
    s = str(text).strip()
    if not YEAR.fullmatch(s):
        raise ParseError(f"{s!r} er ikke et årstal")
    return int(s)


#: words only Statistikbanken's Danish settings write in the label columns: such an export writes
#: numbers with a decimal comma and thousands points (1.234,5), so '1.234' there is 1234 and a
#: number in another format ('1.23', '7.25') is refused.
DANISH_WORDS = ("løbende", "indbygger", "i alt", "hele landet", "driftskonti", "statsrefusion",
                "bruttoudgifter", "indtægter", "region ")


def _danish_labels(long: pd.DataFrame) -> bool:
    for col in ("prisenhed", "art", "dranst", "omraade"):
        if col in long and any(w in labels.norm(v) for v in long[col].unique() for w in DANISH_WORDS):
            return True
    return False


def _uneven_coverage(canon: pd.DataFrame) -> str | None:
    """A warning when the export's blocks (year × funktion × …) do not all hold the same number of
    areas, as in an export cut off at a line break."""
    keys = [k for k in ("aar", "funktion", "dranst", "gruppering", "art") if canon[k].nunique() > 1]
    if not keys:
        return None
    n = canon.groupby(keys)["kommunekode"].nunique()
    if n.min() == n.max():
        return None
    small, big = n.idxmin(), n.idxmax()
    show = (lambda k: " ".join(map(str, k)) if isinstance(k, tuple) else str(k))
    return f"{show(small)} har {n.min()} områder, {show(big)} har {n.max()}"


def _unit(long: pd.DataFrame, value_header: str | None, name: str) -> str:
    by_header = labels.unit_from_header(value_header)
    if "prisenhed" in long:
        unit = single_unit(_map(long["prisenhed"], labels.prisenhed_code, name))
        if by_header and by_header != unit:
            raise ParseError(f"{name}: kolonnen {value_header!r} passer ikke med prisenhed {unit}")
        return unit
    if by_header:
        return by_header
    raise ParseError(f"{name}: prisenheden (fx 'Pr. indbygger, løbende priser (kr.)') står ikke i filen")
