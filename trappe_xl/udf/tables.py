"""Read a built workbook's tables back for the TRAPPE functions, once per workbook version.

The tables (TrinData, Befolkning, Prisindeks, Kommuner, ModelInfo) are Excel Tables whose names
and columns ``trappe_xl.workbook.layout`` fixes. They are read with python-calamine (fast, no
formulas evaluated: the tables hold plain values) and cached by path + file mtime + size, so Excel
calling a function 10,000 times reads the file once, and a rebuilt workbook is read again.
"""

from __future__ import annotations

import gc
import io
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

from ..errors import ParseError
from ..frames import VALUE_COLUMNS
from .places import Places, Sted
from ..workbook import layout

#: every canonical column name a table may have (the Danish headers map back to these)
_ALL_COLUMNS = layout.any_columns()

TABLES = ("TrinData", "Befolkning", "Prisindeks", "Kommuner", "ModelInfo", "Landstal", "Boern")
#: tables a workbook may lack (then empty): Landstal ("Hele landet" is then the kommuner's figure)
OPTIONAL_TABLES = ("Landstal", "Boern")


@dataclass(frozen=True)
class WorkbookTables:
    """The workbook's tables as typed frames (codes as strings, blanks as NaN)."""
    path: str
    version: tuple[int, int]
    value_column: str
    trindata: pd.DataFrame
    befolkning: pd.DataFrame
    prisindeks: pd.DataFrame
    kommuner: pd.DataFrame
    info: dict[str, object]
    #: DST's own Hele landet through the key (kr. pr. indbygger data; empty otherwise)
    landstal: pd.DataFrame | None = None
    #: children in the measure per year, kommune and step (model.children; empty without counts)
    boern: pd.DataFrame | None = None

    def places(self) -> Places:
        k = self.kommuner
        return Places([Sted(*row) for row in k[["kommunekode", "kommune", "regionskode", "region",
                                                  "kommunegruppe_kode", "kommunegruppe"]]
                       .itertuples(index=False, name=None)])


def _code(x: object, width: int = 0) -> str:
    """Codes come back as text; a float (a writer or LibreOffice turned it into a number) too."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x).strip().zfill(width)


def _num(x: object) -> float:
    if x is None or x == "" or isinstance(x, bool):
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _blank_row(row: list) -> bool:
    return all(v is None or v == "" for v in row)


def _table(book: python_calamine.CalamineWorkbook, name: str) -> tuple[list[str], list[list]]:
    """Header and data rows of an Excel Table. An empty table (Excel keeps one blank data row
    under the header, e.g. Prisindeks or Befolkning when the snapshot has none) has no rows."""
    try:
        table = book.get_table_by_name(name)
    except Exception as e:  # calamine raises its own TableNotFound & co.
        raise ParseError(f"projektmappen har ingen tabel {name} – er den bygget af trappe-xl?") from e
    heads = layout.canonical([str(c) for c in table.columns], _ALL_COLUMNS)
    return heads, [r for r in table.to_python() if not _blank_row(r)]


class _Columns:
    """Column access by name over a table's rows, extracting only the columns asked for."""

    def __init__(self, cols: list[str], rows: list[list]):
        self._pos = {c: i for i, c in enumerate(cols)}
        self._rows = rows

    def __getitem__(self, name: str) -> list:
        i = self._pos[name]
        return [r[i] for r in self._rows]


def _columns(cols: list[str], rows: list[list], name: str, value_column: str) -> _Columns:
    """The header must be exactly layout.py's column list."""
    expected = list(layout.columns(name, value_column))
    if cols != expected:
        missing = [c for c in expected if c not in cols]
        what = f"mangler kolonnen {', '.join(missing)}" if missing else "har kolonnerne i en anden orden"
        raise ParseError(f"tabellen {name} {what} – er projektmappen bygget af en anden version "
                         "af trappe-xl?")
    return _Columns(cols, rows)


def _value_column(cols: list[str]) -> str:
    present = [c for c in VALUE_COLUMNS.values() if c in cols]
    if len(present) != 1:
        raise ParseError("tabellen TrinData har ikke præcis én beløbskolonne "
                         f"({' eller '.join(VALUE_COLUMNS.values())})")
    return present[0]


def _codes(values: list, width: int = 0) -> np.ndarray:
    """Codes as strings, converting each distinct value once (a column has few of them)."""
    seen = {v: _code(v, width) for v in set(values)}
    return np.array([seen[v] for v in values], dtype=object)


def _ints(values: list, what: str) -> np.ndarray:
    """Whole numbers (calamine gives floats); a blank or text cell is a ParseError naming ``what``."""
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        arr = np.array([math.nan])
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise ParseError(f"kolonnen {what} skal rumme hele tal, men har en tom celle eller tekst")
    return arr.astype(int)


def _floats(values: list) -> np.ndarray:
    """Numbers; a blank cell ("") is missing (NaN), never 0."""
    arr = np.array(values, dtype=object)
    arr[arr == ""] = np.nan
    try:
        return arr.astype(float)
    except (TypeError, ValueError):
        return np.array([_num(v) for v in values], dtype=float)


def _typed_trindata(c: _Columns, value: str) -> pd.DataFrame:
    """Only the step table's own columns; names and groups come from the Kommuner table."""
    return pd.DataFrame({"aar": _ints(c["aar"], "TrinData.aar"),
                         "kommunekode": _codes(c["kommunekode"], 3),
                         "trin": _ints(c["trin"], "TrinData.trin"), "maal": _codes(c["maal"]),
                         "dranst": _codes(c["dranst"]), value: _floats(c[value])})


def _typed_befolkning(c: _Columns) -> pd.DataFrame:
    out = pd.DataFrame({"aar": _ints(c["aar"], "Befolkning.aar"),
                        "kommunekode": _codes(c["kommunekode"], 3)})
    for col in ("pop_0_17", "pop_0_22", "pop_ialt"):
        out[col] = _floats(c[col])
        if (out[col] < 0).any():
            row = out[out[col] < 0].iloc[0]
            raise ParseError(f"tabellen Befolkning har et negativt folketal ({col}, {row['kommunekode']} "
                             f"{int(row['aar'])}) – byg projektmappen igen")
    return out


def _typed_kommuner(c: _Columns) -> pd.DataFrame:
    return pd.DataFrame({"kommunekode": _codes(c["kommunekode"], 3),
                         "kommune": [str(x) for x in c["kommune"]],
                         "regionskode": _codes(c["regionskode"], 3),
                         "region": [str(x) for x in c["region"]],
                         "kommunegruppe_kode": _codes(c["kommunegruppe_kode"]),
                         "kommunegruppe": [str(x) for x in c["kommunegruppe"]]})


def _typed_landstal(c: _Columns, value: str) -> pd.DataFrame:
    return pd.DataFrame({"aar": _ints(c["aar"], "Landstal.aar"), "trin": _ints(c["trin"], "Landstal.trin"),
                         "maal": _codes(c["maal"]), "dranst": _codes(c["dranst"]),
                         value: _floats(c[value]), "gyldig": _ints(c["gyldig"], "Landstal.gyldig")})


def _typed_boern(c: _Columns) -> pd.DataFrame:
    out = pd.DataFrame({"aar": _ints(c["aar"], "Boern.aar"), "kommunekode": _codes(c["kommunekode"], 3),
                        "trin": _ints(c["trin"], "Boern.trin"), "boern": _floats(c["boern"])})
    if (out["boern"] < 0).any():
        raise ParseError("tabellen Boern har et negativt antal børn – byg projektmappen igen")
    return out


def file_version(path: str | os.PathLike) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def read_tables(path: str | os.PathLike) -> WorkbookTables:
    """Read the five tables of a built workbook; ParseError when it is not one."""
    path = str(Path(path).resolve())
    if not os.path.isfile(path):
        raise ParseError("filen findes ikke (er projektmappen gemt?)")
    version = file_version(path)
    from ..sources import limits
    data = limits.check_file(Path(path), limits.WORKBOOK)
    # the limits every file the project reads is held to (a stray far cell or a deflate bomb
    # would otherwise make the reader allocate gigabytes)
    limits.check_xlsx(data, Path(path).name, limits.WORKBOOK,
                      read=lambda zf: limits.members_for_tables(zf, set(TABLES)))
    try:
        book = python_calamine.load_workbook(io.BytesIO(data), load_tables=True)
    except Exception as e:
        raise ParseError("filen kan ikke læses som en Excel-projektmappe (.xlsx/.xlsm)") from e
    raw = {name: _table(book, name) for name in TABLES if name not in OPTIONAL_TABLES}
    for name in OPTIONAL_TABLES:
        try:
            raw[name] = _table(book, name)
        except ParseError:      # a workbook without it (made before it existed, or by hand)
            raw[name] = (list(layout.columns(name, _value_column(raw["TrinData"][0]))), [])
    value = _value_column(raw["TrinData"][0])
    c = {name: _columns(cols, rows, name, value) for name, (cols, rows) in raw.items()}
    if not c["TrinData"]["aar"]:
        raise ParseError("tabellen TrinData er tom")
    prisindeks = pd.DataFrame({"aar": _ints(c["Prisindeks"]["aar"], "Prisindeks.aar"),
                               "indeks": _floats(c["Prisindeks"]["indeks"])})
    info = {str(f).strip(): v for f, v in zip(c["ModelInfo"]["felt"], c["ModelInfo"]["vaerdi"])
            if str(f).strip()}
    try:
        return WorkbookTables(path, version, value, _typed_trindata(c["TrinData"], value),
                              _typed_befolkning(c["Befolkning"]), prisindeks,
                              _typed_kommuner(c["Kommuner"]), info,
                              _typed_landstal(c["Landstal"], value), _typed_boern(c["Boern"]))
    except (TypeError, ValueError) as e:
        raise ParseError("en tabel har en værdi af forkert slags (tal hvor der skal stå tekst "
                         "eller omvendt)") from e


class BookCache:
    """Loaded data per workbook path, refreshed when the file's mtime or size changes.

    ``build`` turns the tables into whatever the functions look things up in (see udf_core).
    """

    def __init__(self, build):
        self._build = build
        self._items: dict[str, tuple[tuple[int, int], object]] = {}
        self._resolved: dict[object, str] = {}
        self._lock = threading.Lock()

    def get(self, path: str | os.PathLike):
        key = self._resolved.get(path)
        if key is None:
            key = self._resolved[path] = str(Path(path).resolve())
        try:
            version = file_version(key)
        except OSError:
            version = None
        hit = self._items.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                return hit[1]
            was_enabled = gc.isenabled()
            gc.disable()  # the load makes ~10^6 short-lived objects; collections would only slow it
            try:
                tables = read_tables(key)
                item = self._build(tables)
            finally:
                if was_enabled:
                    gc.enable()
            self._items[key] = (tables.version, item)
            return item

    def clear(self) -> None:
        self._items.clear()
        self._resolved.clear()
