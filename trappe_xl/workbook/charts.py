"""Charts on Analyse, each under (or, for D, beside) the table it shows. They read a mirror of the
result cells on Beregning where anything that is not a number is NA(), so missing years leave a
gap and are never drawn as 0. Step series, colours and order come from dashboard.STEPS and
formats.step_colour, so a combined step ("Trin 2-3") gets its series and colour with no re-layout."""

from __future__ import annotations

from . import layout
from .calc import DAEKNING_COL
from .cells import area, col_letter, sheet_ref
from .dashboard import (C0, K0, NCOL, ROW_PX, STEPS, TOTAL_COL, Dash,
                        step_label)
from .formats import step_colour

#: first column of the chart mirror on Beregning: right of the Daekning table, whose place
#: follows the number of steps (calc.DAEKNING_COL)
MIRROR_COL = DAEKNING_COL + len(layout.TABLES["Daekning"][1]) + 2
#: Beregning cells (row, MIRROR_COL) the charts read their texts from
UNIT_ROW, KOMMUNE_ROW, SAM_ROW = 0, 1, 2
NO_DATA = " – ingen data"
KOMMUNE_COLOUR, SAM_COLOUR = "#1F4E79", "#ED7D31"
GAP = 8


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def mirror_rows(dash: Dash) -> list[int]:
    return [*dash.a_rows(), *dash.b_rows(), dash.c_base_row, *dash.c_rows(), *dash.d_rows()]


def write_mirror(ws, dash: Dash, vals: dict, per_child: bool = False, chosen: bool = False) -> None:
    """The chart data on Beregning (same rows and columns as on Analyse, shifted right).
    ``per_child``: kr. pr. barn i indsatsen can be chosen (hEnhed=5); the kommune's steps are
    then left out of the two stacked charts (A and C), since figures per child of different
    steps do not add up; ``chosen``: it is the unit the book is built with (cached values)."""
    stacked = {*dash.a_rows(), *dash.c_rows()}
    for r in mirror_rows(dash):
        for c in [*range(K0, K0 + NCOL), *range(C0, C0 + NCOL)]:
            if (r, c) not in vals:
                continue
            src = sheet_ref(layout.ANALYSE, f"${col_letter(c)}${r + 1}")
            v = vals[(r, c)]
            f = f"IF(ISNUMBER({src}),{src},NA())"
            if per_child and r in stacked and K0 <= c < K0 + len(STEPS):
                f = f"IF(hEnhed=5,NA(),{f})"
                v = None if chosen else v
            ws.write_formula(r, MIRROR_COL + c, "=" + f, None, v if _num(v) else "#N/A")


def write_texts(ws, texts: dict) -> None:
    """The chart texts (unit, series names) on Beregning, above the mirror."""
    for row, (formula, value) in texts.items():
        ws.write_formula(row, MIRROR_COL, formula, None, value)


def chart_texts(dash: Dash, vals: dict, unit: str, kommune: str, sam: str) -> dict:
    """{Beregning row: (formula, cached text)}: the unit of the amount axes and the two series
    names; a series with no number in table A says "– ingen data" in the legend."""
    a = dash.a_rows()

    def named(c0: int, name_f: str, name_v: str) -> tuple[str, str]:
        rng = sheet_ref(layout.ANALYSE, area(a[0], c0 + TOTAL_COL, a[-1], c0 + TOTAL_COL))
        has = any(_num(vals.get((r, c0 + TOTAL_COL))) for r in a)
        return (f'=IF(COUNT({rng})=0,{name_f}&"{NO_DATA}",{name_f})',
                name_v if has else name_v + NO_DATA)

    return {UNIT_ROW: ('=ValgEnhed&", "&hPrisTekst', unit),
            KOMMUNE_ROW: named(K0, "ValgKommune", kommune),
            SAM_ROW: named(C0, "hSamTekst", sam)}


def _m(r1: int, c: int, r2: int | None = None) -> str:
    return "=" + sheet_ref(layout.BEREGNING, area(r1, MIRROR_COL + c, r2 if r2 is not None else r1,
                                                   MIRROR_COL + c))


def _text(row: int) -> str:
    return "=" + sheet_ref(layout.BEREGNING, area(row, MIRROR_COL, row, MIRROR_COL))


def _cats(rows: range, col: int = 0) -> str:
    return "=" + sheet_ref(layout.ANALYSE, area(rows[0], col, rows[-1], col))


def _has_data(vals: dict, rows, col: int) -> bool:
    return any(_num(vals.get((r, col))) for r in rows)


def _series_steps(chart, rows: range, c0: int, vals: dict) -> list[int]:
    """One series per step in the staircase's colours; returns the series without data."""
    empty = []
    for j, t in enumerate(STEPS):
        chart.add_series({"name": step_label(t), "categories": _cats(rows),
                          "values": _m(rows[0], c0 + j, rows[-1]),
                          "fill": {"color": step_colour(t)}, "border": {"none": True},
                          "gap": 60})
        if not _has_data(vals, rows, c0 + j):
            empty.append(j)
    return empty


def _pair(chart, rows: range, col_k: int, col_c: int, vals: dict, kind: str) -> list[int]:
    """The kommune and the comparison as two series; returns the ones without data."""
    empty = []
    for i, (col, row, colour) in enumerate(((col_k, KOMMUNE_ROW, KOMMUNE_COLOUR),
                                            (col_c, SAM_ROW, SAM_COLOUR))):
        s = {"name": _text(row), "categories": _cats(rows), "values": _m(rows[0], col, rows[-1])}
        if kind == "line":
            s.update({"line": {"color": colour, "width": 2.25},
                      "marker": {"type": "circle", "size": 5,
                                 "fill": {"color": colour}, "border": {"color": colour}}})
        else:
            s.update({"fill": {"color": colour}, "border": {"none": True}, "gap": 40})
        chart.add_series(s)
        if not _has_data(vals, rows, col):
            empty.append(i)
    return empty


def _style(chart, title: str, y_title, x_title: str, empty: list[int],
           num_format: str = "#,##0", low_labels: bool = False) -> None:
    """``low_labels``: the category labels at the bottom of the plot, not on the zero line
    (merudgift can be negative; labels on the zero line run through the bars)."""
    chart.set_title({"name": title, "name_font": {"size": 10, "bold": True}})
    legend = {"position": "right", "font": {"size": 8}}
    if empty:
        legend["delete_series"] = empty
    chart.set_legend(legend)
    chart.set_x_axis({"name": x_title, "name_font": {"size": 8, "bold": False},
                      "num_font": {"size": 8}, **({"label_position": "low"} if low_labels else {})})
    chart.set_y_axis({"name": y_title, "name_font": {"size": 8, "bold": False},
                      "num_font": {"size": 8}, "num_format": num_format,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})


def _width(c_from: int, c_to: int, widths: dict[int, int]) -> int:
    return sum(widths[c] for c in range(c_from, c_to + 1)) - GAP


#: the amount axes' title (the unit itself is in the section title above the charts)
AMOUNT_AXIS = "Beløb (enhed: se afsnittets titel)"


def add_charts(wb, ws, dash: Dash, vals: dict, col_px: dict[int, int]) -> None:
    """A: the kommune's steps and both totals; B: the two distributions; C: merudgift in total
    and per step; each pair side by side under its table. D: the staircase beside table D."""
    a, b, c_rows = dash.a_rows(), dash.b_rows(), dash.c_rows()
    # a fixed axis title: LibreOffice does not update a title linked to a cell when the inputs
    # change; the unit and price basis are in each section's title (a formula) above the charts
    unit = AMOUNT_AXIS
    left = _width(0, K0 + NCOL - 1, col_px)
    right = _width(C0, max(col_px), col_px)

    chart_h = dash.chart_rows * ROW_PX - 6

    def put(chart, row: int, col: int, width: int, height: int | None = None) -> None:
        height = height or chart_h
        chart.set_size({"width": width, "height": height})
        ws.insert_chart(row, col, chart, {"y_offset": 4, "object_position": 1})

    ch = wb.add_chart({"type": "column", "subtype": "stacked"})
    _style(ch, "A) Kommunen pr. trin", unit, "År", _series_steps(ch, a, K0, vals))
    ch.show_na_as_empty_cell()
    put(ch, dash.a_chart_row, 0, left)
    ln = wb.add_chart({"type": "line"})
    empty = _pair(ln, a, K0 + TOTAL_COL, C0 + TOTAL_COL, vals, "line")
    _style(ln, "A) I alt – kommunen og sammenligningen", unit, "År", empty)
    ln.show_blanks_as("gap")
    put(ln, dash.a_chart_row, C0, right)

    for c0, col, title in ((K0, 0, "B) Fordeling på trin – kommunen"),
                           (C0, C0, "B) Fordeling på trin – sammenligningen")):
        pc = wb.add_chart({"type": "column", "subtype": "percent_stacked"})
        _style(pc, title, "Andel af i alt", "År", _series_steps(pc, b, c0, vals), "0%")
        put(pc, dash.b_chart_row, col, left if c0 == K0 else right)

    mc = wb.add_chart({"type": "column"})
    empty = _pair(mc, c_rows, K0 + TOTAL_COL, C0 + TOTAL_COL, vals, "column")
    _style(mc, "C) Merudgift i alt mod basisniveauet", unit, "År", empty, low_labels=True)
    put(mc, dash.c_chart_row, 0, left)
    ms = wb.add_chart({"type": "column", "subtype": "stacked"})
    _style(ms, "C) Kommunens merudgift pr. trin", unit, "År", _series_steps(ms, c_rows, K0, vals),
           low_labels=True)
    put(ms, dash.c_chart_row, C0, right)

    d = dash.d_rows()
    st = wb.add_chart({"type": "column"})
    empty = _pair(st, d, *dash.d_cols, vals, "column")
    _style(st, "D) Trappen i det valgte år", unit, "Trin", empty)
    at = dash.d_spans[1][1] + 2         # right of the comparison column
    put(st, dash.d_top + 1, at, _width(at, max(col_px), col_px),
        max(chart_h, sum(dash.row_px(r) for r in d) + 40))
