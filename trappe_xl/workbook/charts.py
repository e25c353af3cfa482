"""Charts on Analyse. They read a mirror of the result cells on Beregning where anything that is not
a number is NA(), so missing years leave a gap and are never drawn as 0."""

from __future__ import annotations

from .. import reference
from . import layout
from .calc import TRIN_ORDER
from .cells import area, sheet_ref
from .dashboard import C0, K0, NCOL, Dash
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


def add_charts(wb, ws, dash: Dash, anchor_col: int) -> None:
    short = reference.trin_korte_navne()
    a, b = dash.a_rows(), dash.b_rows()
    head_a = a[0] - 1
    size = {"x_scale": 1.25, "y_scale": 1.0}
    # A1: stacked columns, the kommune's steps per year
    ch = wb.add_chart({"type": "column", "subtype": "stacked"})
    for j, t in enumerate(TRIN_ORDER):
        ch.add_series({"name": f"{t} {short[t]}" if t else short[t], "categories": _cats(a),
                       "values": _m(a[0], K0 + j, a[-1]), "fill": {"color": STEP_COLOURS[t]},
                       "gap": 60})
    ch.set_title({"name": "A) Udvikling pr. trin – kommunen", "name_font": {"size": 11}})
    ch.set_legend({"position": "bottom", "font": {"size": 8}})
    ch.show_na_as_empty_cell()
    ws.insert_chart(1, anchor_col, ch, size)
    # A2: lines, i alt kommune vs comparison
    ln = wb.add_chart({"type": "line"})
    for c0 in (K0, C0):
        ln.add_series({"name": _name(head_a - 1, c0), "categories": _cats(a),
                       "values": _m(a[0], c0 + 8, a[-1]), "marker": {"type": "circle"}})
    ln.set_title({"name": "A) I alt – kommune og sammenligning", "name_font": {"size": 11}})
    ln.set_legend({"position": "bottom"})
    ln.show_blanks_as("gap")
    ws.insert_chart(17, anchor_col, ln, size)
    # B: 100 % stacked distribution (kommune)
    pc = wb.add_chart({"type": "column", "subtype": "percent_stacked"})
    for j, t in enumerate(TRIN_ORDER):
        pc.add_series({"name": f"{t} {short[t]}" if t else short[t], "categories": _cats(b),
                       "values": _m(b[0], K0 + j, b[-1]), "fill": {"color": STEP_COLOURS[t]},
                       "gap": 60})
    pc.set_title({"name": "B) Fordeling på trin – kommunen", "name_font": {"size": 11}})
    pc.set_legend({"position": "bottom", "font": {"size": 8}})
    ws.insert_chart(33, anchor_col, pc, size)
    # C: merudgift i alt per year, kommune vs comparison
    c_rows = dash.c_rows()
    mc = wb.add_chart({"type": "column"})
    for c0 in (K0, C0):
        mc.add_series({"name": _name(head_a - 1, c0), "categories": _cats(c_rows),
                       "values": _m(c_rows[0], c0 + 8, c_rows[-1])})
    mc.set_title({"name": "C) Merudgift i alt mod basis", "name_font": {"size": 11}})
    mc.set_legend({"position": "bottom"})
    ws.insert_chart(49, anchor_col, mc, size)
    # D: the staircase for the chosen year
    d = dash.d_rows()
    st = wb.add_chart({"type": "column"})
    for j in range(2):
        st.add_series({"name": _name(d[0] - 1, K0 + j),
                       "categories": "=" + sheet_ref(layout.ANALYSE, area(d[0], 0, d[-1], 0)),
                       "values": _m(d[0], K0 + j, d[-1]), "gap": 20})
    st.set_title({"name": "D) Trappen i det valgte år", "name_font": {"size": 11}})
    st.set_legend({"position": "bottom"})
    ws.insert_chart(dash.d_top, 4, st, {"x_scale": 1.4, "y_scale": 0.9})
