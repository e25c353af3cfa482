"""Sheet Analyse: title, inputs, notes, the result sections A-C (+ uvægtet, D), each with its
charts underneath, and the print setup (A4 landscape, one page per analysis, the title, the
selection, the data period and the source repeated at the top of every page)."""

from __future__ import annotations

import math

from .. import reference
from . import charts, dashboard, layout
from .bookdata import BookData
from .calc import CalcLayout, Cache
from .cells import col_letter
from .dashboard import (C0, COL_WIDTHS, COUNT_COL, COUNTED_COL, K0, LAST_COL, LEGEND_ROW, NCOL,
                        SELECTION_ROW, STEPS, TOP, Dash)
from .inputs import input_lists, input_values
from .notes import write_notes
from .selection import Selection

SOURCE = "Kilde: Danmarks Statistik, Statistikbanken (CC BY 4.0)"
LEGEND = ("Forklaring: – = ingen data eller kan ikke beregnes (vises aldrig som 0) · "
          "gule celler kan ændres · tallene regner om med det samme")
PRICE = "&\", \"&hPrisTekst"
#: printed scale limits (percent): never shrink below MIN_SCALE
MIN_SCALE, MAX_SCALE = 70, 100
#: A4 landscape in px at 96 dpi, less the margins below and the repeated rows 0-2
PAGE_W_IN, PAGE_H_IN = 11.69, 8.27
MARGIN_LR, MARGIN_TB = 0.4, 0.6


def no_dranst(data: BookData) -> bool:
    """True when the source states no dranst: med and uden refusion are the same numbers."""
    return not data.steps["dranst"].astype(str).isin(["1", "2"]).any()


#: the uvægtet block's title in a derived unit (1.000 kr., kr. pr. barn on kr. pr. indbygger data)
U_ONLY = "vises kun for enheden kr. pr. indbygger"


def titles(sel: Selection, cache: Cache, nodranst: bool = False,
           value: str = "beloeb_1000kr") -> dict[str, tuple[str, str]]:
    """Section titles: formula and cached text (measure, unit, price basis and refusion in each)."""
    unit, maal = layout.enhed_label(sel.enhed, value), layout.MAAL_VALG[sel.maal]
    pris = cache.helpers["hPrisTekst"]
    ref_f = dashboard.refusion_formula(nodranst)
    ref_v = dashboard.refusion_value(nodranst, sel.refusion)
    basis_f = '"&ValgMaal&", "&ValgEnhed' + PRICE + '&", "&' + ref_f
    basis_v = f"{maal}, {unit}, {pris}, {ref_v}"
    out = {
        "A": ('="A) Udvikling pr. trin – ' + basis_f, f"A) Udvikling pr. trin – {basis_v}"),
        "B": ('="B) Fordeling på trin – andel af i alt (' + basis_f + '&")"',
              f"B) Fordeling på trin – andel af i alt ({basis_v})"),
        "C": ('="C) Merudgift i forhold til basisniveauet – ' + basis_f,
              f"C) Merudgift i forhold til basisniveauet – {basis_v}"),
        "U": ('="Uvægtet gennemsnit af kommunerne (ikke befolkningsvægtet og ikke DST\'s landstal)'
              ' – "&ValgMaal&", "&ValgEnhed' + PRICE + '&", "&' + ref_f,
              "Uvægtet gennemsnit af kommunerne (ikke befolkningsvægtet og ikke DST's landstal) – "
              f"{basis_v}"),
        "D": ('="D) Trappen i "&ValgTrappeAar&" – ' + basis_f,
              f"D) Trappen i {sel.trappe_aar} – {basis_v}"),
    }
    # reversed years empty the year sections: each says so in its title (not only a note)
    heads = {"A": "A) Udvikling pr. trin", "B": "B) Fordeling på trin",
             "C": "C) Merudgift i forhold til basisniveauet", "U": "Uvægtet gennemsnit af kommunerne"}
    # the plain mean is of the kommuners kr. pr. indbygger: in a derived unit it says so
    f, v = out["U"]
    only = f"{heads['U']} – {U_ONLY}"
    out["U"] = (f'=IF(hEnhed<>4,"{only}",{f[1:]})',
                v if sel.enhed == "kr_pr_indbygger" else only)
    for key, head in heads.items():
        f, v = out[key]
        guard = f'IF(ValgFraAar>ValgTilAar,"{head} – {REVERSED_YEARS}",'
        if key == "C":
            guard += f'IF(ValgBasisFra>ValgBasisTil,"{head} – {REVERSED_BASIS}",'
            out[key] = ("=" + guard + f[1:] + "))", v)
        else:
            out[key] = ("=" + guard + f[1:] + ")", v)
    return out


#: the section titles when the years are reversed (the sections are empty then)
REVERSED_YEARS = "ingen år at vise: Fra år ligger efter Til år"
REVERSED_BASIS = "intet basisniveau: Basisår fra ligger efter Basisår til"


def selection_line(sel: Selection, cache: Cache, kommune: str, nodranst: bool,
                   value: str = "beloeb_1000kr") -> tuple[str, str]:
    """The selection in one line (repeated on every printed page): formula and cached text."""
    ref_f = dashboard.refusion_formula(nodranst)
    f = ('="Valg: "&ValgKommune&" sammenlignet med "&hSamTekst&" · år "&ValgFraAar&"-"&ValgTilAar'
         '&" · basis "&ValgBasisFra&"-"&ValgBasisTil&" · "&ValgMaal&", "&ValgEnhed' + PRICE
         + '&", "&' + ref_f)
    v = (f"Valg: {kommune} sammenlignet med {cache.helpers['hSamTekst']} · år {sel.fra_aar}-"
         f"{sel.til_aar} · basis {sel.basis_fra}-{sel.basis_til} · {layout.MAAL_VALG[sel.maal]}, "
         f"{layout.enhed_label(sel.enhed, value)}, {cache.helpers['hPrisTekst']}, "
         f"{dashboard.refusion_value(nodranst, sel.refusion)}")
    return f, v


def source_line(data: BookData) -> str:
    return (f"{SOURCE} · data {data.period[0]}-{data.period[1]} · nøgle {data.key_version}")


#: Beregning's column with the kommune names in alphabetical order (the drop-down lists); right
#: of the chart data (charts.MIRROR_COL + the dashboard's columns)
KOMMUNE_LIST_COL = 120


def danish_order(name: str) -> str:
    """Sort key of a name in Danish alphabetical order: Æ, Ø, Å after Z."""
    return name.casefold().replace("æ", "{").replace("ø", "|").replace("å", "}")


def alphabetical_kommuner(calc_ws) -> str:
    """Write the 98 kommune names A–Å on Beregning; the range for the drop-downs."""
    names = sorted((k.navn for k in reference.kommuner()), key=danish_order)
    calc_ws.write_string(0, KOMMUNE_LIST_COL, "Kommuner A–Å (rullelister)")
    for i, n in enumerate(names, start=1):
        calc_ws.write_string(i, KOMMUNE_LIST_COL, n)
    col = col_letter(KOMMUNE_LIST_COL)
    return f"={layout.BEREGNING}!${col}$2:${col}${len(names) + 1}"


def write_analyse(wb, ws, fmt, data: BookData, sel: Selection, lay: CalcLayout, dash: Dash,
                  vals: dict, cache: Cache) -> None:
    kommune_range = alphabetical_kommuner(wb.get_worksheet_by_name(layout.BEREGNING))
    nodranst = no_dranst(data)
    kommune = reference.kommune_by_code()[sel.kommune].navn
    ws.write_string(0, 0, "Indsatstrappens Udgiftsmodel – analyse", fmt["title"])
    if data.synthetic:
        ws.merge_range(1, 0, 1, LAST_COL, "SYNTETISKE DATA – ikke rigtige tal · " + source_line(data),
                       fmt["banner"])
    else:
        ws.write_string(1, 0, source_line(data), fmt["note"])
    f, v = selection_line(sel, cache, kommune, nodranst, data.value)
    ws.write_formula(SELECTION_ROW, 0, f, fmt["selection"], v)
    dashboard.write_inputs(ws, fmt, input_values(data, sel), input_lists(data, kommune_range), wb, dash)
    write_notes(ws, fmt, data, sel, cache, nodranst, dash.inputs.note)
    ws.write_string(LEGEND_ROW, 0, LEGEND, fmt["legend"])
    w = dashboard.Writer(ws, fmt, lay, dash, lambda r, c: vals.get((r, c), ""))
    t = titles(sel, cache, nodranst, data.value)
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
    unit = f"{layout.enhed_label(sel.enhed, data.value)}, {cache.helpers['hPrisTekst']}"
    charts.write_texts(wb.get_worksheet_by_name(layout.BEREGNING),
                       charts.chart_texts(dash, vals, unit, kommune, cache.helpers["hSamTekst"]))
    charts.add_charts(wb, ws, dash, vals,
                      {c: col_px(w) for c, w in column_widths(dash.hidden).items()})
    print_setup(ws, dash)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def col_px(width: float) -> int:
    """Pixel width of a column ``width`` characters wide (Excel's rule for the default font)."""
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def column_widths(hidden=frozenset()) -> dict[int, float]:
    """Width (characters) of every column of the tables, A to the last count column; 0 for the
    columns of ``hidden`` steps (dashboard.hidden_steps)."""
    w = {0: COL_WIDTHS["label"]}
    for c0 in (K0, C0):
        for c in range(c0, c0 + NCOL):
            w[c] = COL_WIDTHS["value"]
        for j, t in enumerate(STEPS):
            if t in hidden:
                w[c0 + j] = 0
    w[K0 + NCOL] = COL_WIDTHS["gap"]
    w[COUNT_COL] = w[COUNTED_COL] = COL_WIDTHS["count"]
    return dict(sorted(w.items()))


def table_width_px(hidden=frozenset()) -> int:
    return sum(col_px(w) for w in column_widths(hidden).values() if w)


def _columns(ws, dash: Dash) -> None:
    for c, width in column_widths(dash.hidden).items():
        if width:
            ws.set_column(c, c, width)
        else:
            ws.set_column(c, c, COL_WIDTHS["value"], None, {"hidden": True})
    for r in dash.head_rows():
        ws.set_row(r, dash.row_px(r) * 0.75)
    for r in dash.d_rows():
        ws.set_row(r, dashboard.STAIR_PX * 0.75)


def print_scale(dash: Dash, char_px: float = 1.0) -> int:
    """The scale (percent) at which the tables fill the width of A4 landscape; ``char_px`` > 1
    for a font wider than Calibri (LibreOffice without Carlito uses DejaVu Sans, about 1.3)."""
    width = (PAGE_W_IN - 2 * MARGIN_LR) * 96
    return min(MAX_SCALE, math.floor(width / (table_width_px(dash.hidden) * char_px) * 100))


def page_fits(dash: Dash, scale: int) -> bool:
    """Every section's page (with the repeated rows 0-2) fits the height of A4 at ``scale``."""
    height = (PAGE_H_IN - 2 * MARGIN_TB - 0.3) * 96
    repeat = 3 * dashboard.ROW_PX
    return all((dash.page_height_px(p) + repeat) * scale / 100 <= height for p in dash.pages())


def print_setup(ws, dash: Dash) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=MARGIN_LR, right=MARGIN_LR, top=MARGIN_TB, bottom=MARGIN_TB)
    # fit to the page width (LibreOffice and Excel then work out the scale from the fonts they
    # have; about 90 % with Calibri), any number of pages tall: one per section (page breaks)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, dash.last_row, LAST_COL)
    ws.repeat_rows(0, SELECTION_ROW)
    ws.set_h_pagebreaks(list(dash.page_starts()))
    ws.set_header("&L&8Indsatstrappens Udgiftsmodel – Analyse&R&8&D")
    ws.set_footer(f"&L&8{SOURCE}&R&8Side &P af &N")


__all__ = ["write_analyse", "titles", "reference", "STEPS"]
