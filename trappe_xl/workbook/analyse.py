"""Sheet Analyse: title, inputs, notes, the result sections A-C (+ uvægtet, D), charts and the
print setup (one landscape A4 page: inputs, A-C and the charts beside them)."""

from __future__ import annotations

from .. import reference
from . import charts, dashboard, layout
from .bookdata import BookData
from .calc import CalcLayout, Cache
from .cells import col_letter
from .dashboard import C0, CHART_COL, COUNT_COL, K0, LEGEND_ROW, NCOL, TOP, Dash
from .inputs import input_lists, input_values
from .notes import write_notes
from .selection import Selection

SOURCE = "Kilde: Danmarks Statistik, Statistikbanken (CC BY 4.0)"
LEGEND = ("Forklaring: – = ingen data eller kan ikke beregnes (vises aldrig som 0) · "
          "gule celler kan ændres · tallene regner om med det samme")
PRICE = "&\", \"&hPrisTekst"


def titles(sel: Selection, cache: Cache) -> dict[str, tuple[str, str]]:
    """Section titles: formula and cached text (unit, measure and price basis in each)."""
    unit, maal = layout.ENHED_VALG[sel.enhed], layout.MAAL_VALG[sel.maal]
    pris = cache.helpers["hPrisTekst"]
    return {
        "A": ('="A) Udvikling pr. trin – "&ValgMaal&", "&ValgEnhed' + PRICE,
              f"A) Udvikling pr. trin – {maal}, {unit}, {pris}"),
        "B": ('="B) Fordeling på trin – andel af i alt ("&ValgMaal&", "&ValgEnhed' + PRICE + '&")"',
              f"B) Fordeling på trin – andel af i alt ({maal}, {unit}, {pris})"),
        "C": ('="C) Merudgift i forhold til basisniveauet – "&ValgMaal&", "&ValgEnhed' + PRICE,
              f"C) Merudgift i forhold til basisniveauet – {maal}, {unit}, {pris}"),
        "U": ('="Uvægtet gennemsnit af sammenligningens kommuner (ikke befolkningsvægtet) – "'
              '&ValgEnhed' + PRICE,
              "Uvægtet gennemsnit af sammenligningens kommuner (ikke befolkningsvægtet) – "
              f"{unit}, {pris}"),
        "D": ('="D) Trappen i "&ValgTrappeAar&" – "&ValgMaal&", "&ValgEnhed' + PRICE,
              f"D) Trappen i {sel.trappe_aar} – {maal}, {unit}, {pris}"),
    }


def write_analyse(wb, ws, fmt, data: BookData, sel: Selection, lay: CalcLayout, dash: Dash,
                  vals: dict, kpos, cache: Cache) -> None:
    r0, c0, r1, _ = kpos
    kommune_range = f"={layout.KOMMUNER}!${col_letter(c0 + 1)}${r0 + 2}:${col_letter(c0 + 1)}${r1 + 1}"
    ws.write_string(0, 0, "Indsatstrappens Udgiftsmodel – analyse", fmt["title"])
    if data.synthetic:
        ws.merge_range(1, 0, 1, 10, "SYNTETISKE DATA – ikke rigtige tal", fmt["banner"])
    else:
        ws.write_string(1, 0, f"{SOURCE} · data {data.period[0]}-{data.period[1]} · nøgle "
                              f"{data.key_version}", fmt["note"])
    dashboard.write_inputs(ws, fmt, input_values(data, sel), input_lists(data, kommune_range), wb)
    write_notes(ws, fmt, data, sel, cache)
    ws.write_string(LEGEND_ROW, 0, LEGEND, fmt["legend"])
    w = dashboard.Writer(ws, fmt, lay, dash, lambda r, c: vals.get((r, c), ""))
    t = titles(sel, cache)
    for key, row in (("A", TOP - 1), ("B", dash.b_top - 1), ("C", dash.c_top - 1),
                     ("D", dash.d_top)):
        ws.write_formula(row, 0, t[key][0], fmt["h2"], t[key][1])
    w.section_a(("K", "C"))
    w.section_b()
    w.section_c()
    if dash.weighted:
        ws.write_formula(dash.u_top - 1, 0, t["U"][0], fmt["h2"], t["U"][1])
        w.section_u()
    w.section_d()
    _columns(ws, dash)
    charts.add_charts(wb, ws, dash)
    _print_setup(ws, dash)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _columns(ws, dash: Dash) -> None:
    ws.set_column(0, 0, 15)
    ws.set_column(K0, K0 + NCOL - 1, 9)
    ws.set_column(K0 + NCOL, C0 - 1, 1.5)
    ws.set_column(C0, C0 + NCOL - 1, 9)
    ws.set_column(COUNT_COL, COUNT_COL, 8)
    ws.set_column(COUNT_COL + 1, COUNT_COL + 1, 1.5)
    for r in dash.head_rows():
        ws.set_row(r, dashboard.HEAD_PX * 0.75)


def _print_setup(ws, dash: Dash) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.3, right=0.3, top=0.4, bottom=0.4)
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, dash.print_last_row, CHART_COL + charts.CHART_COLS - 1)
    ws.set_footer("&L&8Indsatstrappens Udgiftsmodel&R&8Side &P af &N")


__all__ = ["write_analyse", "titles", "reference"]
