"""The data sheets: every frame is written as an Excel Table, column by column.

Writing column-wise lets each column carry its own number format with one call per column
(a written cell shows its own format, never the column's), and keeps per-cell work to XlsxWriter's.
"""

from __future__ import annotations

import math

import pandas as pd
from xlsxwriter.utility import xl_range

from ..errors import SheetLimitError, TrappeError
from .cells import area, sheet_ref
from . import layout

TEXT_WIDTH = {"kommune": 16, "region": 20, "kommunegruppe": 20, "grundlag": 60, "kilde": 40,
              "regel_id": 9, "funktion": 9, "status": 10, "felt": 22, "vaerdi": 60, "tekst": 45,
              "rolle": 13}


def _values(series: pd.Series) -> list:
    if pd.api.types.is_float_dtype(series.dtype):
        return [None if (v is None or math.isnan(v)) else v for v in series.tolist()]
    if pd.api.types.is_bool_dtype(series.dtype):
        return [int(v) for v in series.tolist()]
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
            for v in series.astype(object).tolist()]


def check_rows(sheet: str, n_rows: int, first_row: int = 0) -> None:
    """SheetLimitError when a table of ``n_rows`` (plus header) from ``first_row`` would not fit."""
    last = first_row + 1 + n_rows
    if last > layout.MAX_SHEET_ROWS:
        raise SheetLimitError(
            f"Arket {sheet} ville få {last:,} rækker, men Excel og LibreOffice rummer højst "
            f"{layout.MAX_SHEET_ROWS:,} rækker pr. ark. Projektmappen er ikke skrevet; vælg færre år "
            "eller en grovere detaljering (fx funktionsniveau).")


_AMOUNTS = ("kilde_total", "trin_total", "ikke_fordelt", "pop_0_17", "pop_0_22", "pop_ialt",
            "beloeb_1000kr", "kr_pr_indbygger")
_DETAIL = ("netto_", "udgifter_", "indtaegter_", "kilde_")   # Regnskab: amounts × andel, 1 decimal


def _column_format(name: str, series: pd.Series, fmt: dict):
    if name.startswith(_DETAIL) and name not in _AMOUNTS:
        return fmt["num1"]
    if name in _AMOUNTS:
        return fmt["num"]
    if name in ("forskel",):
        return fmt["num1"]
    if name in ("andel",):
        return fmt["share"]
    return None


def _fast_writer(ws, is_num: bool):
    """XlsxWriter's row/col writer without its A1-notation wrapper (a fifth of the per-cell cost
    in a profile of the full build). ``_write_number``/``_write_string`` are the methods the public
    ``write_number``/``write_string`` call once the wrapper has converted the arguments; fall back
    to the public ones if a future XlsxWriter renames them."""
    name = "_write_number" if is_num else "_write_string"
    return getattr(ws, name, None) or getattr(ws, name.lstrip("_"))


BIG_TABLE_CELLS = 500_000


def _add_table_without_cell_index(ws, n_cells: int, first_row: int, first_col: int, last_row: int,
                                  last_col: int, options: dict) -> None:
    """``ws.add_table`` for big tables without XlsxWriter's per-cell overlap check.

    add_table visits every cell of the range to detect overlapping Tables/merges and records it in
    ``ws.table_cells`` — for Regnskab millions of dict operations, seconds of the build. A big table
    is written alone on its own sheet (its only neighbours are the title lines above it), so the
    check is safe to skip: the Table is added over its header and first data row, then its
    recorded ranges are widened to the full table. Falls back to the plain call when XlsxWriter
    does not record the ranges as expected (a future version), so the file is right either way.
    """
    if n_cells < BIG_TABLE_CELLS or last_row <= first_row + 1:
        ws.add_table(first_row, first_col, last_row, last_col, options)
        return
    if ws.table_cells:
        raise TrappeError(f"ark {ws.get_name()}: en stor tabel skal stå alene på sit ark")
    small, full = (xl_range(first_row, first_col, r, last_col) for r in (first_row + 1, last_row))
    ws.add_table(first_row, first_col, first_row + 1, last_col, dict(options))
    ws.table_cells.clear()      # only this table's two rows were recorded (none before it)
    table = ws.tables[-1]
    keys = [k for k in ("range", "a_range", "autofilter") if k in table]
    if "range" not in keys or any(table[k] != small for k in keys):
        ws.tables.pop()
        ws.add_table(first_row, first_col, last_row, last_col, options)
        return
    for k in keys:
        table[k] = full


def write_table(ws, frame: pd.DataFrame, name: str, fmt: dict, *, first_row: int = 0,
                first_col: int = 0, formats: dict | None = None) -> tuple[int, int, int, int]:
    """Write ``frame`` at (first_row, first_col) with a header row and make it Table ``name``.

    Returns (first_row, first_col, last_row, last_col) of the whole table incl. header.
    Text columns are written as text (codes stay "101", never numbers)."""
    formats = formats or {}
    n = len(frame)
    check_rows(ws.get_name(), n, first_row)
    for j, col in enumerate(frame.columns):
        c = first_col + j
        cf = formats.get(col) or _column_format(col, frame[col], fmt)
        values = _values(frame[col])
        is_num = (pd.api.types.is_numeric_dtype(frame[col].dtype)
                  and not pd.api.types.is_bool_dtype(frame[col].dtype)) or \
            pd.api.types.is_bool_dtype(frame[col].dtype)
        if not is_num:      # an empty text is no cell at all (Regnskab's andel_grundlag is mostly empty)
            values = [None if v is None or v == "" else str(v) for v in values]
        write = _fast_writer(ws, is_num)
        r = first_row + 1
        for v in values:
            if v is not None:
                write(r, c, v, cf)
            r += 1
        width = TEXT_WIDTH.get(col, max(9, min(16, len(layout.header(col)) + 3)))
        ws.set_column(c, c, width)
    last_row = first_row + max(n, 1)
    last_col = first_col + len(frame.columns) - 1
    options = {"name": name, "style": "Table Style Light 9",
               "columns": [{"header": layout.header(c)} for c in frame.columns]}
    _add_table_without_cell_index(ws, n * len(frame.columns), first_row, first_col, last_row,
                                  last_col, options)
    return first_row, first_col, last_row, last_col


def column_ranges(sheet: str, frame: pd.DataFrame, pos: tuple[int, int, int, int],
                  prefix: str) -> dict[str, str]:
    """Defined-name -> absolute range of each data column (e.g. TD_aar -> TrinData!$A$2:$A$99)."""
    r0, c0, r1, _ = pos
    return _column_refs(sheet, frame, c0, r0 + 1, r1, prefix)


def _column_refs(sheet: str, frame: pd.DataFrame, c0: int, first: int, last: int,
                 prefix: str) -> dict[str, str]:
    """prefix_<col> -> =sheet!$X$<first>:$X$<last> (0-based rows) for every column of frame."""
    return {f"{prefix}_{col}": "=" + sheet_ref(sheet, area(first, c0 + j, last, c0 + j))
            for j, col in enumerate(frame.columns)}


def year_ranges(sheet: str, frame: pd.DataFrame, pos: tuple[int, int, int, int],
                prefix: str) -> dict[str, str]:
    """Defined-name -> range of each column over one year's rows (TD_2019_aar -> the rows of
    2019), for a table sorted by ``aar``: formulas for one year then read only its block.
    TrappeError when a year's rows are not one block (the table is not sorted by year)."""
    r0, c0, _, _ = pos
    aar = frame["aar"].to_numpy()
    out: dict[str, str] = {}
    for year in pd.unique(aar):
        rows = (aar == year).nonzero()[0]
        first, last = int(rows[0]), int(rows[-1])
        if last - first + 1 != len(rows):
            raise TrappeError(f"tabellen på arket {sheet} er ikke sorteret efter år ({year})")
        out.update(_column_refs(sheet, frame, c0, r0 + 1 + first, r0 + 1 + last,
                                f"{prefix}_{int(year)}"))
    return out


def print_wide(ws, header_row: int | None = None) -> None:
    """Paper for a data sheet: A4 landscape, every column on the page's width (as many pages
    down as the rows need), the table's header row repeated on each page."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if header_row is not None:
        ws.repeat_rows(header_row)


def data_sheet(wb, sheet_name: str, frame: pd.DataFrame, table: str, fmt: dict, *,
               title: str | None = None, note: str | None = None, protect: bool = True,
               sortable: bool = True):
    """A sheet holding one table (optionally with a title line and a source note above it).
    ``sortable=False`` for a table whose row order formulas rely on (TrinData's year blocks)."""
    ws = wb.add_worksheet(sheet_name)
    row = 0
    if title:
        ws.write_string(0, 0, title, fmt["h2"])
        row = 1
    if note:
        ws.write_string(row, 0, note, fmt["note"])
        row += 1
    if row:
        row += 1
    pos = write_table(ws, frame, table, fmt, first_row=row)
    ws.freeze_panes(row + 1, 0)
    print_wide(ws, header_row=row)
    if protect:
        ws.protect("", {"autofilter": True, "sort": sortable, "select_locked_cells": True,
                        "select_unlocked_cells": True})
    return ws, pos


assert set(layout.TABLES) >= {"TrinData", "Regnskab"}
