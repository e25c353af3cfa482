"""Read a data sheet's table back as a test sees it: the header row is Danish ("år", "mål",
"beløb (1.000 kr.)"); rows come back keyed by the canonical column names (layout.canonical)."""

from __future__ import annotations

from trappe_xl.workbook import layout


def sheet_table(rows: list, table: str) -> list[dict]:
    """The table's data rows (sheet rows as tuples, e.g. ``ws.iter_rows(values_only=True)``) as
    dicts keyed by canonical column name; the header row is found by its first Danish header."""
    first = layout.header(layout.TABLES[table][1][0])
    at = next(i for i, r in enumerate(rows) if r and r[0] == first)
    head = layout.canonical(rows[at], layout.any_columns(table))
    return [dict(zip(head, r)) for r in rows[at + 1:] if r and r[0] is not None]
