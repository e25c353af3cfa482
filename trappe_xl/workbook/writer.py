"""Write the distributable workbook (.xlsx, no macros). The only module that imports XlsxWriter.

``write_workbook(data, selection, out)`` lays out every sheet of layout.SHEETS; the selection is what
the input cells hold and what the cached formula values are computed for. Output is deterministic:
document dates come from the snapshot's ``created`` and XlsxWriter stamps zip entries 1980-01-01.
The file is written next to ``out`` under a temporary name and renamed only when complete, so a
failure (e.g. SheetLimitError) never leaves a broken workbook.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import xlsxwriter

from .. import reference
from . import bookdata, calc, charts, dashboard, dashvalues, layout, sheets, story
from .analyse import write_analyse
from .bookdata import BookData
from .cells import absref
from .datasheets import check_rows, column_ranges, data_sheet, write_table, year_ranges
from .formats import make_formats
from .inputs import input_lists, input_values
from .lambdas import lambda_names, step_codes
from .results import compute_cache
from .selection import Selection, resolve
from .sheets import dst_grouping_texts

SOURCE = sheets.SOURCE
TRAP_CELL = "Z1"  # Beregning: test-only formula with a deliberately wrong cached value


def _created(meta: dict) -> datetime:
    raw = str(meta.get("created") or "2000-01-01T00:00:00Z")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        return datetime(2000, 1, 1)


def write_workbook(data: BookData, selection: Selection, out: Path | str, *,
                   trap: bool = False, lambdas: bool = True, extra=None) -> Path:
    """Write the workbook for ``selection``. ``trap`` (tests only) adds =1+1 cached as 999 in
    Beregning!Z1, to prove a spreadsheet engine really recalculated. ``lambdas=False`` leaves out
    the TRAPPE_* LAMBDA names (for a copy that uses the xlwings functions of the same names: a
    workbook name and a UDF with one name break Excel's function lookup, docs/udf.md). ``extra(wb)`` (tests only) may
    add sheets to the XlsxWriter workbook before it is closed.

    Raises SelectionError for a selection the data cannot have and SheetLimitError when a table
    would not fit on a sheet (checked before anything is written)."""
    out = Path(out)
    sel = resolve(selection, data.years, data.value, data.derived_units,
                  data.per_child)
    regnskab = bookdata.regnskab(data)
    check_rows(layout.REGNSKAB, len(regnskab), first_row=3)
    cache = compute_cache(data, sel)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, "in_memory": True})
    try:
        _fill(wb, data, sel, cache, regnskab, lambdas)
        if trap:
            wb.get_worksheet_by_name(layout.BEREGNING).write_formula(TRAP_CELL, "=1+1", None, 999)
        if extra is not None:
            extra(wb)
        wb.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def _properties(wb, data: BookData) -> None:
    first, last = data.period
    wb.set_properties({"title": f"Indsatstrappens Udgiftsmodel {first}-{last}",
                       "subject": f"Dataperiode {first}-{last}; nøgle {data.key_version}",
                       "author": "trappe-xl", "company": "trappe-xl",
                       "keywords": f"indsatstrappe, {first}-{last}, nøgle {data.key_version}",
                       "comments": SOURCE + (" · SYNTETISKE DATA" if data.synthetic else ""),
                       "created": _created(data.meta)})
    wb.set_custom_property("Dataperiode", f"{first}-{last}")
    wb.set_custom_property("Noegleversion", str(data.key_version))
    wb.set_custom_property("Snapshot", str(data.meta.get("name", "")))


def dst_texts(data: BookData) -> list[str]:
    """Per key rule: DST's own text for its grouping (REGKC), "" where none (or not a grouping)."""
    texts = dst_grouping_texts(data)
    return [texts.get(f"{f} {g}", "") for f, g in zip(data.key_rules["funktion"], data.key_rules["gruppering"])]


def _data_sheets(wb, fmt, data: BookData, regnskab) -> dict[str, str]:
    """TrinData, Landstal, Regnskab, Nøgle, Kommuner, Befolkning, Prisindeks as Tables; returns
    the defined names of their columns."""
    names: dict[str, str] = {}
    td = bookdata.trindata(data)
    _, pos = data_sheet(wb, layout.TRINDATA, td, "TrinData", fmt,
                        title="Trintabel (summeret pr. år, kommune, trin, mål og dranst)",
                        note=f"{SOURCE} · {layout.GYLDIG_DOC}" + (
                            " · afledt beløb (1.000 kr.) = kr. pr. indbygger × indbyggere ÷ 1.000 "
                            "(tomt uden befolkningstal)" if data.value == "kr_pr_indbygger" else ""),
                        sortable=False)
    names.update(column_ranges(layout.TRINDATA, td, pos, "TD"))
    names["TD_vaerdi"] = names[f"TD_{data.value}"]
    names.update(year_ranges(layout.TRINDATA, td, pos, "TD"))
    for y in data.years:
        names[f"TD_{y}_vaerdi"] = names[f"TD_{y}_{data.value}"]
    ls = bookdata.landstal(data)
    _, lpos = data_sheet(wb, layout.LANDSTAL, ls, "Landstal", fmt,
                         title="Hele landet: Danmarks Statistiks eget landstal ført gennem nøglen",
                         note=SOURCE + (" – bruges som 'Hele landet' for kr. pr. indbygger"
                                        if len(ls) else " – ingen landstal i data"))
    names.update(column_ranges(layout.LANDSTAL, ls, lpos, "LS"))
    names["LS_vaerdi"] = names[f"LS_{data.value}"]
    data_sheet(wb, layout.REGNSKAB, regnskab, "Regnskab", fmt,
               title="Regnskabsrækker × nøgleregler (drill-down; netto, udgifter og indtægter)",
               note=SOURCE + " · tom celle = ingen værdi")
    rules = data.key_rules.assign(dst_tekst=dst_texts(data))[list(layout.TABLES["Noegle"][1])]
    data_sheet(wb, layout.NOEGLE, rules, "Noegle", fmt,
               title=f"Oversættelsesnøgle, version {data.key_version}",
               note="Regler med status 'foreløbig' er rekonstruerede (se kolonnen grundlag). "
                    "gruppering 'funktion' = regnskab uden grupperinger; trin 23/45 = trin 2–3/4–5 "
                    "samlet; trin 0 = ikke fordelt. dst_tekst = Danmarks Statistiks tekst for "
                    "grupperingen (REGKC), når snapshottet har den. Ændringer: arket Rettelser.")
    kom = bookdata.kommuner_frame()
    _, kpos = data_sheet(wb, layout.KOMMUNER, kom, "Kommuner", fmt, title="Kommuner",
                         note="Kilde: Danmarks Statistik (områdekoder, regioner, kommunegrupper)")
    names.update(column_ranges(layout.KOMMUNER, kom, kpos, "KOM"))
    bef = bookdata.befolkning(data)
    data_sheet(wb, layout.BEFOLKNING, bef, "Befolkning", fmt, title="Befolkning 1. januar",
               note=SOURCE + " (FOLK1A/BEF1A07)" + ("" if len(bef) else " – ingen befolkningstal i data"))
    _boern_sheet(wb, fmt, data, names)
    pi = data.deflator[["aar", "indeks"]].sort_values("aar")
    _, ppos = data_sheet(wb, layout.PRISINDEKS, pi, "Prisindeks", fmt, title="Prisindeks",
                         note=SOURCE + ("" if len(pi) else " – intet prisindeks i data"))
    names.update(column_ranges(layout.PRISINDEKS, pi, ppos, "PI"))
    return names


def _boern_sheet(wb, fmt, data: BookData, names: dict[str, str]) -> None:
    """Sheet Børn: children in the measure per kommune, year and step, and beside it every DST
    code of the counts with its role and step (the count key, trappe_xl/data/boernenoegle.csv)."""
    b = bookdata.boern(data)
    warnings = list((data.meta or {}).get("boerneadvarsler", []))
    note = (f"{SOURCE} (ANBAAR12, ISBU02) · trin 2 og 3: ISBU02's gruppetotal (unikke børn i året); "
            "trin 4, 5, 4–5 og 6: gennemsnittet af ANBAAR12's anbragte pr. 31.12. året før og året. "
            "Et tomt trin har intet børnetal. Nøglen: tabellen til højre."
            if len(b) else "Ingen børnetal i data: hent ANBAAR12 og ISBU02 (python build.py fetch).")
    if warnings:
        note += " ADVARSEL: " + " · ".join(warnings)
    ws, pos = data_sheet(wb, layout.BOERN, b, "Boern", fmt, title="Børn i indsatsen pr. kommune, år og trin",
                         note=note)
    names.update(column_ranges(layout.BOERN, b, pos, "BD"))
    write_table(ws, bookdata.boernekoder(data), "BoerneKoder", fmt, first_row=pos[0],
                first_col=pos[3] + 2)


def _fill(wb, data: BookData, sel: Selection, cache, regnskab, lambdas: bool = True) -> None:
    fmt = make_formats(wb)
    _properties(wb, data)
    ws = {name: wb.add_worksheet(name) for name in (layout.FORSIDE, layout.ANALYSE, layout.VEJLEDNING,
                                                    layout.BOERN_KRONER)}
    names = _data_sheets(wb, fmt, data, regnskab)
    sheets.kontrol_sheet(wb, fmt, data)
    sheets.text_sheets(wb, fmt, data)
    dash = dashboard.Dash.for_book(data)
    # Beregning (hidden)
    bw = wb.add_worksheet(layout.BEREGNING)
    lay = calc.CalcLayout(years=data.years, weighted=data.value == "kr_pr_indbygger",
                          land=data.has_land, mean=data.plain_mean, derived=data.derived_units,
                          children=data.per_child)
    calc.write_helpers(bw, wb, fmt, cache, dashboard.group_cells(dash), lay)
    calc.write_block(bw, wb, fmt, lay, cache)
    dk = bookdata.daekning(data)
    dpos = write_table(bw, dk, "Daekning", fmt, first_row=0, first_col=calc.DAEKNING_COL)
    names.update(column_ranges(layout.BEREGNING, dk, dpos, "DK"))
    for name, ref in names.items():
        wb.define_name(name, ref)
    if lambdas:     # the TRAPPE functions as LAMBDA names over the names above (lambdas.py)
        # what the functions see: udf.book's has_population (Befolkning holds a base, the same
        # fact as data.has_population) and index years (Prisindeks rows with an index)
        index_years = data.deflator.dropna(subset=["indeks"])["aar"] if len(data.deflator) else []
        for name, formula in lambda_names(data.value, data.years, step_codes(data.steps), strict=False,
                                          has_population=data.has_population,
                                          index_years=sorted(int(y) for y in index_years),
                                          has_land=data.has_land,
                                          has_children=data.per_child).items():
            wb.define_name(name, formula)
    # Analyse
    vals = dashvalues.compute(dash, cache, sel, data.years, ("K", "C"),
                              reference.kommune_by_code()[sel.kommune].navn, mean=data.plain_mean)
    write_analyse(wb, ws[layout.ANALYSE], fmt, data, sel, lay, dash, vals, cache)
    charts.write_mirror(bw, dash, vals, data.per_child, sel.enhed == "pr_barn")
    story.write_story(wb, ws[layout.BOERN_KRONER], fmt, data, sel, lay, cache)
    bw.hide()
    bw.protect("")
    sheets.forside(ws[layout.FORSIDE], fmt, data)
    sheets.vejledning(ws[layout.VEJLEDNING], fmt, data)
    conf = wb.add_worksheet(layout.XLWINGS_CONF)
    conf.write_string(0, 0, "UDF Modules")
    conf.write_string(0, 1, layout.UDF_MODULE)
    conf.hide()
    wb.worksheets()[1].activate()


__all__ = ["write_workbook", "absref", "input_values", "input_lists", "TRAP_CELL"]
