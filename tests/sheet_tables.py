"""Read a data sheet's table back as a test sees it: the header row is Danish ("år", "mål",
"beløb (1.000 kr.)"); rows come back keyed by the canonical column names (layout.canonical)."""

from __future__ import annotations

from trappe_xl.workbook import layout


def sheet_table(rows: list, table: str) -> list[dict]:
    """The table's data rows (sheet rows as tuples, e.g. ``ws.iter_rows(values_only=True)``) as
    dicts keyed by canonical column name; the header row is found by its first Danish header."""
    first = layout.header(layout.TABLES[table][1][0])
    at = next(i for i, r in enumerate(rows) if r and r[0] == first)
    # the table's own header cells: up to the first empty one (other tables may sit to the right)
    width = next((j for j, h in enumerate(rows[at]) if h is None), len(rows[at]))
    head = layout.canonical(rows[at][:width], layout.any_columns(table))
    return [dict(zip(head, r[:width])) for r in rows[at + 1:] if r and r[0] is not None]
