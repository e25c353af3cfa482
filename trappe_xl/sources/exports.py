"""Files a user downloaded from statistikbanken.dk by hand -> canonical accounts.

Accepted: CSV (labels or codes; ';', ',' or tab; with or without BOM, header row or quotes) and
XLSX (title rows, blank "merged-looking" label cells and years across columns are tolerated).
Labels are mapped to codes (``labels.py``-style tables below); the result goes through the same
canonical builder as API bodies (:func:`trappe_xl.sources.parse.build_accounts`).

What the export does not state is filled in visibly and reported: dranst "*" = "ikke angivet i
kilden", art "TOT" when no art column exists (DST's label exports of one art), the year from the
file name (``2016.csv``). ``ParsedExport.options`` holds everything needed to parse the bytes again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import frames
from ..errors import ParseError, WrongTableError
from . import labels
from .parse import NOT_STATED, ParsedAccounts, build_accounts, single_unit, to_numbers

YEAR = re.compile(r"(?:19|20)\d\d")
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


def read_rows(data: bytes, name: str) -> list[list[str]]:
    """Non-empty rows of the first sheet / the CSV, every cell as stripped text, padded."""
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        rows = _xlsx_rows(data, name)
    else:
        rows = _csv_rows(data, name)
    rows = [[_cell(c) for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise ParseError(f"{name}: filen er tom")
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def _xlsx_rows(data: bytes, name: str) -> list[list]:
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises several unrelated types for a broken file
        raise ParseError(f"{name}: kan ikke læses som XLSX ({e})") from e


def _csv_rows(data: bytes, name: str) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
        if text is None:
            raise ParseError(f"{name}: hverken UTF-8 eller Windows-1252 tekst") from None
    sample = [ln for ln in text.splitlines() if ln.strip()][:50]
    delim = max((";", ",", "\t"), key=lambda d: _consistency(sample, d))
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _consistency(lines: list[str], delim: str) -> tuple[int, int]:
    """How well ``delim`` splits the sample: (rows sharing the commonest width>1, that width)."""
    widths = [len(r) for r in csv.reader(lines, delimiter=delim)]
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


def _fill_down(df: pd.DataFrame, columns: list[int]) -> pd.DataFrame:
    for c in columns:
        df[c] = df[c].replace("", pd.NA).ffill().fillna("")
    return df


def _is_value(cell: str) -> bool:
    return bool(re.fullmatch(r"-?[\d.,\s\u00a0]+|\.\.?|-", cell)) or cell == ""


def _long_frame(rows: list[list[str]], name: str) -> tuple[pd.DataFrame, str | None]:
    """Rows -> long frame with one column per detected role (+ 'value'); the value header name."""
    hi, named, wide = _find_header(rows)
    body = rows[hi + 1:] if hi is not None else rows
    df = pd.DataFrame(body, dtype=str)
    value_header = None
    if wide:
        label_cols = [c for c in df.columns if c not in wide]
        cells = df[list(wide)]
        df = df[cells.apply(lambda col: col.map(_is_value)).all(axis=1) & (cells != "").any(axis=1)]
        df = _fill_down(df.reset_index(drop=True), label_cols)
        df = df.melt(id_vars=label_cols, value_vars=list(wide), var_name="_col", value_name="value")
        df["tid"] = df.pop("_col").map(wide).astype(str)
        roles = {c: named.get(c) for c in label_cols}
    else:
        value_col = next((c for c, r in named.items() if r == "value"), df.columns[-1])
        if hi is not None:
            value_header = rows[hi][value_col]
        df = df[df[value_col].map(_is_value) & (df[value_col] != "")]
        label_cols = [c for c in df.columns if c != value_col]
        df = _fill_down(df.rename(columns={value_col: "value"}).reset_index(drop=True), label_cols)
        roles = {c: named.get(c) for c in label_cols}
    if df.empty:
        raise ParseError(f"{name}: fandt ingen datarækker (tal) i filen")
    out = pd.DataFrame({"value": df["value"].to_numpy()})
    if "tid" in df:
        out["tid"] = df["tid"].to_numpy()
    for c, role in roles.items():
        values = df[c]
        if (values == "").all():
            continue
        role = role or labels.detect_role(values.unique(), name)
        if role in out:
            raise ParseError(f"{name}: to kolonner ligner begge {role!r}")
        out[role] = values.to_numpy()
    return out, value_header


# -- public ------------------------------------------------------------------------------------

def year_from_name(name: str) -> int | None:
    found = set(re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", Path(name).stem))
    if len(found) > 1:
        raise ParseError(f"{name}: flere mulige årstal i filnavnet {sorted(found)}")
    return int(found.pop()) if found else None


def parse_export(data: bytes, name: str, *, table: str | None = None, year: int | None = None,
                 art: str | None = None) -> ParsedExport:
    """One hand-downloaded REGK31/REGK100 export -> ParsedExport (accounts, report, options)."""
    long, value_header = _long_frame(read_rows(data, name), name)
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
        "aar": long["tid"].map(lambda t: labels.year(t, name)),
        "kommunekode": labels.map_unique(long["omraade"], labels.area_code),
        "funktion": labels.map_unique(long["funktion"], labels.funktion_code),
        "dranst": labels.map_unique(long["dranst"], labels.dranst_code),
        "gruppering": (labels.map_unique(long["gruppering"], labels.gruppering_code)
                       if "gruppering" in long else frames.FUNCTION_LEVEL),
        "art": labels.map_unique(long["art"], labels.art_code),
        "value": to_numbers(pd.Series(long["value"]), f"{name}: beløb"),
    })
    if "ejer" in long:
        canon["ejer"] = long["ejer"].to_numpy()
    parsed = build_accounts(canon, table=found_table, unit=unit, what=name, notes=tuple(notes))
    return ParsedExport(parsed, found_table, options)


def _unit(long: pd.DataFrame, value_header: str | None, name: str) -> str:
    by_header = labels.unit_from_header(value_header)
    if "prisenhed" in long:
        unit = single_unit(labels.map_unique(long["prisenhed"], labels.prisenhed_code))
        if by_header and by_header != unit:
            raise ParseError(f"{name}: kolonnen {value_header!r} passer ikke med prisenhed {unit}")
        return unit
    if by_header:
        return by_header
    raise ParseError(f"{name}: prisenheden (fx 'Pr. indbygger, løbende priser (kr.)') står ikke i filen")
