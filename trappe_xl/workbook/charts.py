"""Charts on Analyse. They read a mirror of the result cells on Beregning where anything that is not
a number is NA(), so missing years leave a gap and are never drawn as 0."""

from __future__ import annotations

from .. import reference
from . import layout
from .calc import TRIN_ORDER
from .cells import area, sheet_ref
from .dashboard import C0, CHART_COL, CHART_WIDTH, K0, NCOL, Dash
from .formats import STEP_COLOURS

MIRROR_COL = 45


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def write_mirror(ws, dash: Dash, vals: dict) -> None:
    rows = [*dash.a_rows(), *dash.b_rows(), dash.c_base_row, *dash.c_rows(), *dash.d_rows()]
    for r in rows:
        for c in [*range(K0, K0 + NCOL), *range(C0, C0 + NCOL)]:
            if (r, c) not in vals:
                continue
            src = sheet_ref(layout.ANALYSE, f"${_col(c)}${r + 1}")
            v = vals[(r, c)]
            ws.write_formula(r, MIRROR_COL + c, f"=IF(ISNUMBER({src}),{src},NA())", None,
                             v if _num(v) else "#N/A")


def _col(c: int) -> str:
    from .cells import col_letter
    return col_letter(c)


def _m(r1: int, c: int, r2: int | None = None) -> str:
    return "=" + sheet_ref(layout.BEREGNING, area(r1, MIRROR_COL + c, r2 if r2 is not None else r1,
                                                   MIRROR_COL + c))


def _cats(rows: range) -> str:
    return "=" + sheet_ref(layout.ANALYSE, area(rows[0], 0, rows[-1], 0))


def _name(row: int, col: int) -> str:
    return "=" + sheet_ref(layout.ANALYSE, area(row, col, row, col))


CHART_COLS = 7   # default-width columns the chart stack covers (for the print area)


def _series_steps(chart, rows: range, short: dict) -> None:
    for j, t in enumerate(TRIN_ORDER):
        chart.add_series({"name": f"{t} {short[t]}" if t else short[t], "categories": _cats(rows),
                          "values": _m(rows[0], K0 + j, rows[-1]), "fill": {"color": STEP_COLOURS[t]},
                          "gap": 60})


def _style(chart, title: str, legend_font: int = 8, num_format: str = "#,##0") -> None:
    chart.set_title({"name": title, "name_font": {"size": 10}})
    chart.set_legend({"position": "bottom", "font": {"size": legend_font}})
    chart.set_x_axis({"num_font": {"size": 8}})
    chart.set_y_axis({"num_font": {"size": 8}, "num_format": num_format})


def add_charts(wb, ws, dash: Dash) -> None:
    """Four charts stacked beside the tables (A kommune by step, A totals, B shares, C merudgift),
    together as tall as the printed tables; D's staircase next to table D."""
    short = reference.trin_korte_navne()
    a, b, c_rows = dash.a_rows(), dash.b_rows(), dash.c_rows()
    head_a = a[0] - 1
    height = max(180, dash.print_height_px() // 4 - 8)
    size = {"width": CHART_WIDTH, "height": height}
    made = []
    ch = wb.add_chart({"type": "column", "subtype": "stacked"})
    _series_steps(ch, a, short)
    _style(ch, "A) Kommunen pr. trin")
    ch.show_na_as_empty_cell()
    made.append(ch)
    ln = wb.add_chart({"type": "line"})
    for c0 in (K0, C0):
        ln.add_series({"name": _name(head_a - 1, c0), "categories": _cats(a),
                       "values": _m(a[0], c0 + 8, a[-1]), "marker": {"type": "circle"}})
    _style(ln, "A) I alt – kommune og sammenligning", 9)
    ln.show_blanks_as("gap")
    made.append(ln)
    pc = wb.add_chart({"type": "column", "subtype": "percent_stacked"})
    _series_steps(pc, b, short)
    _style(pc, "B) Fordeling på trin – kommunen", num_format="0%")
    made.append(pc)
    mc = wb.add_chart({"type": "column"})
    for c0 in (K0, C0):
        mc.add_series({"name": _name(head_a - 1, c0), "categories": _cats(c_rows),
                       "values": _m(c_rows[0], c0 + 8, c_rows[-1])})
    _style(mc, "C) Merudgift i alt mod basis", 9)
    made.append(mc)
    y = 0
    for chart in made:
        chart.set_size(size)
        ws.insert_chart(0, CHART_COL, chart, {"y_offset": y, "object_position": 1})
        y += height + 8
    d = dash.d_rows()
    st = wb.add_chart({"type": "column"})
    for j in range(2):
        st.add_series({"name": _name(d[0] - 1, K0 + j),
                       "categories": "=" + sheet_ref(layout.ANALYSE, area(d[0], 0, d[-1], 0)),
                       "values": _m(d[0], K0 + j, d[-1]), "gap": 20})
    _style(st, "D) Trappen i det valgte år", 9)
    st.set_size({"width": 560, "height": 260})
    ws.insert_chart(dash.d_top, 4, st, {"x_offset": 20})
