"""Write the distributable workbook (.xlsx, no macros). The only module that imports XlsxWriter.

``write_workbook(data, selection, out)`` lays out every sheet of layout.SHEETS; the selection is what
the input cells hold and what the cached formula values are computed for. Output is deterministic:
document dates come from the snapshot's ``created`` and XlsxWriter stamps zip entries 1980-01-01.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import xlsxwriter

from .. import reference
from ..frames import UNIT_LABELS
from . import bookdata, calc, charts, dashboard, dashvalues, layout, text
from .bookdata import BookData
from .cells import absref, sheet_ref
from .datasheets import column_ranges, data_sheet, write_table
from .formats import make_formats
from .results import compute_cache
from .selection import Selection, resolve

SOURCE = "Kilde: Danmarks Statistik, Statistikbanken (CC BY 4.0)"


def _created(meta: dict) -> datetime:
    raw = str(meta.get("created") or "2000-01-01T00:00:00Z")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        return datetime(2000, 1, 1)


def input_values(data: BookData, sel: Selection) -> dict:
    k = reference.kommune_by_code()
    names = [k[c].navn for c in sel.gruppe] + [""] * (layout.MAX_GROUP - len(sel.gruppe))
    return {"ValgKommune": k[sel.kommune].navn,
            "ValgSammenligning": layout.SAMMENLIGNING_VALG[sel.sammenligning],
            "ValgFraAar": sel.fra_aar, "ValgTilAar": sel.til_aar, "ValgBasisFra": sel.basis_fra,
            "ValgBasisTil": sel.basis_til, "ValgMaal": layout.MAAL_VALG[sel.maal],
            "ValgEnhed": layout.ENHED_VALG[sel.enhed],
            "ValgPriser": layout.PRISER_VALG["loebende" if sel.prisaar is None else "faste"],
            "ValgPrisaar": sel.prisaar if sel.prisaar is not None else sel.til_aar,
            "ValgRefusion": layout.REFUSION_VALG[sel.refusion], "ValgTrappeAar": sel.trappe_aar,
            "ValgGruppe": names}


def input_lists(data: BookData, kommune_range: str) -> dict:
    years = [str(y) for y in data.years]
    enheder = (["kr_pr_indbygger"] if data.value == "kr_pr_indbygger"
               else ["1000kr", "pr_0_17", "pr_0_22"])
    return {"ValgKommune": kommune_range,
            "ValgSammenligning": list(layout.SAMMENLIGNING_VALG.values()),
            "ValgFraAar": years, "ValgTilAar": years, "ValgBasisFra": years, "ValgBasisTil": years,
            "ValgTrappeAar": years, "ValgPrisaar": years,
            "ValgMaal": list(layout.MAAL_VALG.values()),
            "ValgEnhed": [layout.ENHED_VALG[e] for e in enheder],
            "ValgPriser": list(layout.PRISER_VALG.values()),
            "ValgRefusion": list(layout.REFUSION_VALG.values())}


TRAP_CELL = "Z1"  # Beregning: test-only formula with a deliberately wrong cached value


def write_workbook(data: BookData, selection: Selection, out: Path | str, *,
                   trap: bool = False) -> Path:
    """Write the workbook for ``selection``. ``trap`` (tests only) adds =1+1 cached as 999 in
    Beregning!Z1, to prove a spreadsheet engine really recalculated."""
    out = Path(out)
    sel = resolve(selection, data.years, data.value)
    cache = compute_cache(data, sel)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, "in_memory": True})
    try:
        _fill(wb, data, sel, cache)
        if trap:
            wb.get_worksheet_by_name(layout.BEREGNING).write_formula(TRAP_CELL, "=1+1", None, 999)
        wb.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def _fill(wb, data: BookData, sel: Selection, cache) -> None:
    fmt = make_formats(wb)
    first, last = data.period
    meta = data.meta
    wb.set_properties({"title": f"Indsatstrappens Udgiftsmodel {first}-{last}",
                       "subject": f"Dataperiode {first}-{last}; nøgle {data.key_version}",
                       "author": "trappe-xl", "company": "trappe-xl",
                       "keywords": f"indsatstrappe, {first}-{last}, nøgle {data.key_version}",
                       "comments": SOURCE + (" · SYNTETISKE DATA" if data.synthetic else ""),
                       "created": _created(meta)})
    wb.set_custom_property("Dataperiode", f"{first}-{last}")
    wb.set_custom_property("Noegleversion", str(data.key_version))
    wb.set_custom_property("Snapshot", str(meta.get("name", "")))
    ws = {name: wb.add_worksheet(name) for name in (layout.FORSIDE, layout.ANALYSE, layout.VEJLEDNING)}
    names: dict[str, str] = {}
    # data sheets
    td = bookdata.trindata(data)
    td_ws, pos = data_sheet(wb, layout.TRINDATA, td, "TrinData", fmt,
                            title="Trintabel (summeret pr. år, kommune, trin, mål og dranst)",
                            note=SOURCE)
    names.update(column_ranges(layout.TRINDATA, td, pos, "TD"))
    names["TD_vaerdi"] = names[f"TD_{data.value}"]
    data_sheet(wb, layout.REGNSKAB, bookdata.regnskab(data), "Regnskab", fmt,
               title="Regnskabsrækker × nøgleregler (drill-down)", note=SOURCE)
    rules = data.key_rules[list(layout.TABLES["Noegle"][1])]
    data_sheet(wb, layout.NOEGLE, rules, "Noegle", fmt,
               title=f"Oversættelsesnøgle, version {data.key_version}",
               note="Regler med status 'foreløbig' er rekonstruerede (se kolonnen grundlag).")
    kom = bookdata.kommuner_frame()
    _, kpos = data_sheet(wb, layout.KOMMUNER, kom, "Kommuner", fmt, title="Kommuner",
                         note="Kilde: Danmarks Statistik (områdekoder, regioner, kommunegrupper)")
    names.update(column_ranges(layout.KOMMUNER, kom, kpos, "KOM"))
    bef = bookdata.befolkning(data)
    data_sheet(wb, layout.BEFOLKNING, bef, "Befolkning", fmt, title="Befolkning 1. januar",
               note=SOURCE + " (FOLK1A/BEF1A07)" + ("" if len(bef) else " – ingen befolkningstal i data"))
    pi = data.deflator[["aar", "indeks"]].sort_values("aar")
    _, ppos = data_sheet(wb, layout.PRISINDEKS, pi, "Prisindeks", fmt, title="Prisindeks",
                         note=SOURCE + ("" if len(pi) else " – intet prisindeks i data"))
    names.update(column_ranges(layout.PRISINDEKS, pi, ppos, "PI"))
    _kontrol_sheet(wb, fmt, data)
    _text_sheets(wb, fmt, data)
    # Beregning (hidden)
    bw = wb.add_worksheet(layout.BEREGNING)
    lay = calc.CalcLayout(years=data.years, weighted=data.value == "kr_pr_indbygger")
    calc.write_helpers(bw, wb, fmt, cache, dashboard.group_cells())
    calc.write_block(bw, wb, fmt, lay, cache)
    dk = bookdata.daekning(data)
    dpos = write_table(bw, dk, "Daekning", fmt, first_row=0, first_col=calc.DAEKNING_COL)
    names.update(column_ranges(layout.BEREGNING, dk, dpos, "DK"))
    for name, ref in names.items():
        wb.define_name(name, ref)
    # Analyse
    dash = dashboard.Dash(n=len(data.years))
    kinds = ("K", "C")
    vals = dashvalues.compute(dash, cache, sel, data.years, kinds,
                              reference.kommune_by_code()[sel.kommune].navn)
    _analyse(wb, ws[layout.ANALYSE], fmt, data, sel, lay, dash, vals, kpos, cache)
    charts.write_mirror(bw, dash, vals)
    bw.hide()
    bw.protect("")
    _forside(ws[layout.FORSIDE], fmt, data)
    _vejledning(ws[layout.VEJLEDNING], fmt, data)
    conf = wb.add_worksheet(layout.XLWINGS_CONF)
    conf.write_string(0, 0, "UDF Modules")
    conf.write_string(0, 1, layout.UDF_MODULE)
    conf.hide()
    wb.worksheets()[1].activate()


def _analyse(wb, ws, fmt, data, sel, lay, dash, vals, kpos, cache) -> None:
    r0, c0, r1, _ = kpos
    from .cells import col_letter
    kommune_range = f"={layout.KOMMUNER}!${col_letter(c0 + 1)}${r0 + 2}:${col_letter(c0 + 1)}${r1 + 1}"
    ws.write_string(0, 0, "Indsatstrappens Udgiftsmodel – analyse", fmt["title"])
    if data.synthetic:
        ws.merge_range(1, 0, 1, 10, "SYNTETISKE DATA – ikke rigtige tal", fmt["banner"])
    else:
        ws.write_string(1, 0, f"{SOURCE} · data {data.period[0]}-{data.period[1]} · nøgle "
                              f"{data.key_version}", fmt["note"])
    dashboard.write_inputs(ws, fmt, input_values(data, sel), input_lists(data, kommune_range), wb)
    _notes(ws, fmt, data, sel, cache)
    w = dashboard.Writer(ws, fmt, lay, dash, lambda r, c: vals.get((r, c), ""))
    unit = layout.ENHED_VALG[sel.enhed]
    ws.write_formula(dashboard.TOP - 1, 0, '="A) Udvikling pr. trin – "&ValgEnhed&", "&ValgMaal',
                     fmt["h2"], f"A) Udvikling pr. trin – {unit}, {layout.MAAL_VALG[sel.maal]}")
    w.section_a(("K", "C"))
    ws.write_string(dash.b_top - 1, 0, "B) Fordeling på trin (andel af i alt)", fmt["h2"])
    w.section_b()
    ws.write_string(dash.c_top - 1, 0, "C) Merudgift i forhold til basisniveauet", fmt["h2"])
    w.section_c()
    ws.write_string(dash.d_top, 0, "D) Trappen i det valgte år", fmt["h2"])
    w.section_d()
    if data.value == "kr_pr_indbygger":
        _unweighted_block(ws, fmt, lay, dash, data, sel, cache)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 22, 10)
    ws.freeze_panes(dashboard.TOP + 2, 1)
    charts.add_charts(wb, ws, dash, anchor_col=23)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, dash.last_row, 34)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _unweighted_block(ws, fmt, lay, dash, data, sel, cache) -> None:
    """kr. pr. indbygger data: the plain average of the members, labelled unweighted."""
    row = dash.last_row + 2
    ws.write_string(row, 0, "Uvægtet gennemsnit af sammenligningens kommuner (ikke befolkningsvægtet)",
                    fmt["h2"])
    ws.write_string(row + 1, 0, "År", fmt["head"])
    for j, h in enumerate(dashboard.headers()[:7]):
        ws.write_string(row + 1, dashboard.K0 + j, h, fmt["head"])
    for i, ra in enumerate(dash.a_rows()):
        r = row + 2 + i
        y = f"$A${ra + 1}"
        yv = sel.fra_aar + i if sel.fra_aar + i <= sel.til_aar else ""
        ws.write_formula(r, 0, f"={y}", fmt["year"], yv)
        for j, t in enumerate(calc.TRIN_ORDER):
            v = "" if yv == "" else cache.u.get((yv, t))
            ws.write_formula(r, dashboard.K0 + j,
                             "=" + f'IF({y}="","",INDEX({lay.col_range(lay.u_col(t))},MATCH({y},hAar,0)))',
                             fmt["num"], "–" if v is None else v)


def _notes(ws, fmt, data, sel, cache) -> None:
    r, c = dashboard.NOTE_ROW, dashboard.NOTE_COL
    ws.write_string(r - 1, c, "Bemærkninger", fmt["bold"])
    notes = [
        ('="Sammenligning: "&hSamTekst&" ("&hAntal&" kommuner)"',
         f"Sammenligning: {cache.helpers['hSamTekst']} ({cache.helpers['hAntal']} kommuner)"),
        ('=IF(AND(hPriser=2,COUNT(PI_indeks)=0),"Faste priser kræver et prisindeks – data har '
         'intet, så tallene vises som –.","")',
         "Faste priser kræver et prisindeks – data har intet, så tallene vises som –."
         if sel.prisaar is not None and data.deflator.empty else ""),
        ('=IF(SUMIFS(DK_har_data,DK_maal,hMaal)=0,"Ingen data for målet "&ValgMaal&" – vises som –.","")',
         "" if (data.steps["maal"] == sel.maal).any() else
         f"Ingen data for målet {layout.MAAL_VALG[sel.maal]} – vises som –."),
        ('=IF(AND(hEnhed>=2,COUNT(DK_pop_ialt)=0),"Enheden kræver befolkningstal – data har ingen, '
         'så sammenligningen vises som –.","")',
         "Enheden kræver befolkningstal – data har ingen, så sammenligningen vises som –."
         if sel.enhed != "1000kr" and data.population.empty else ""),
    ]
    for i, (f, v) in enumerate(notes):
        ws.write_formula(r + i, c, f, fmt["warn"] if i else fmt["note"], v)
    ws.write_string(r + len(notes), c, "– = ingen data (aldrig 0). Gule celler kan ændres.",
                    fmt["note"])
    if data.value == "kr_pr_indbygger":
        ws.write_string(r + len(notes) + 1, c, "Data er kr. pr. indbygger (alle aldre): kun denne "
                        "enhed. Sammenligning vægtes med befolkningen; se uvægtet gennemsnit nederst.",
                        fmt["note"])


def _kontrol_sheet(wb, fmt, data: BookData) -> None:
    k = bookdata.kontrol(data)
    ws, pos = data_sheet(wb, layout.KONTROL, k, "Kontrol", fmt,
                         title="Kontrol: kildetotal = Σ trin 1-6 + ikke fordelt",
                         note=f"{int(k['ok'].sum())} af {len(k)} kontroller OK")
    col = pos[3] + 2
    ws.write_string(0, col, "Dækning (år × funktion: antal kommuner med data)", fmt["h2"])
    cov = (data.detail.dropna(subset=[data.value]).groupby(["aar", "funktion"])["kommunekode"]
           .nunique().unstack("funktion"))
    write_table(ws, cov.reset_index().rename(columns=str).fillna(0), "Daekningsoversigt", fmt,
                first_row=3, first_col=col)


def _text_sheets(wb, fmt, data: BookData) -> None:
    meta = data.meta
    first, last = data.period
    ctx = dict(snapshot=meta.get("name", "ukendt"), created=meta.get("created", "ukendt"),
               source=meta.get("source", "ukendt"), tables=meta.get("tables", {}),
               unit=UNIT_LABELS[data.value], first=first, last=last,
               functions=", ".join(sorted(data.detail["funktion"].unique())),
               key_version=data.key_version, notes=meta.get("notes", []), synthetic=data.synthetic)
    ws = wb.add_worksheet(layout.OM_DATA)
    ws.set_column(0, 0, 110)
    r = text.write_lines(ws, fmt, text.render("om_data", **ctx))
    info = pd.DataFrame({"felt": ["dataperiode", "foerste_aar", "sidste_aar", "snapshot", "oprettet",
                                  "noegleversion", "enhed", "kilde", "syntetisk"],
                         "vaerdi": [f"{first}-{last}", str(first), str(last), ctx["snapshot"],
                                    str(ctx["created"]), str(data.key_version), data.value,
                                    SOURCE, "ja" if data.synthetic else "nej"]})
    write_table(ws, info, "ModelInfo", fmt, first_row=r + 1)
    ws.protect("")
    rw = wb.add_worksheet(layout.RETTELSER)
    rw.set_column(0, 0, 120)
    text.write_lines(rw, fmt, text.render("rettelser", built=str(ctx["created"])[:10], **{
        k: v for k, v in ctx.items() if k in ("snapshot", "key_version")}))
    rw.protect("")


def _forside(ws, fmt, data: BookData) -> None:
    first, last = data.period
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 100)
    if data.synthetic:
        ws.merge_range(0, 1, 0, 8, "SYNTETISKE DATA – ikke rigtige tal", fmt["banner"])
    r = text.write_lines(ws, fmt, text.render(
        "forside", first=first, last=last, unit=UNIT_LABELS[data.value],
        key_version=data.key_version, snapshot=data.meta.get("name", "ukendt")), first_row=1, col=1)
    for sheet in layout.SHEETS:
        if sheet in (layout.FORSIDE, layout.BEREGNING, layout.XLWINGS_CONF):
            continue
        ws.write_url(r, 1, f"internal:{sheet_ref(sheet, 'A1')}", fmt["link"], string=sheet)
        r += 1
    # the staircase, drawn with cells: step t starts t rows lower, further right
    names = reference.trin_navne()
    top = r + 2
    ws.write_string(top - 1, 1, "Indsatstrappen", fmt["h2"])
    for t in range(6, 0, -1):
        row = top + (6 - t)
        ws.write_string(row, 2 + t, f"{t}", fmt[f"step{t}"])
        ws.write_string(row, 9, names[t])
    ws.set_column(3, 8, 4)
    ws.write_string(top + 7, 1, f"{names[0]}: udgifter, der ikke kan henføres til ét trin.", fmt["note"])
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, top + 8, 12)
    ws.protect("")


def _vejledning(ws, fmt, data: BookData) -> None:
    ws.set_column(0, 0, 120)
    text.write_lines(ws, fmt, text.render("vejledning", indl=data.value == "kr_pr_indbygger"))
    ws.protect("")


__all__ = ["write_workbook", "absref"]
