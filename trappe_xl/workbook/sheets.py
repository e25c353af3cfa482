"""The reading sheets around the data: Kontrol, Om data (+ ModelInfo), Rettelser, Forside,
Vejledning. Texts come from the jinja2 templates (text.py)."""

from __future__ import annotations

import re

import pandas as pd

from .. import model, reference
from ..frames import UNIT_LABELS
from ..model.apply import UKENDT_ATTR, UKENDT_COLUMNS, unknown_code_lines
from ..sources.diff import fmt_da
from ..sources.load import coverage_gaps
from . import bookdata, layout, text
from .bookdata import BookData
from .cells import sheet_ref
from .datasheets import data_sheet, write_table

SOURCE = "Kilde: Danmarks Statistik, Statistikbanken (CC BY 4.0)"
TEXT_WIDTH = 72          # characters: the text column of Om data, Vejledning and Rettelser (fits
#                          A4 portrait at 100 % also with a font wider than Calibri)
_YEAR_FROM_NAME = re.compile(r"år (\d{4}) taget fra filnavnet")
DRANST_NOTE = ("Dranst (drift/statsrefusion) er ikke angivet i kilden: tallene kan ikke deles i med "
               "og uden refusion, så de to valg giver de samme tal.")


def _years_text(years: list[int]) -> str:
    """2016, 2017, 2018 -> "2016-2018"; gaps are listed ("2016-2018, 2020")."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def source_notes(notes: list[str]) -> list[str]:
    """The snapshot's notes for a reader: the per-file "år X taget fra filnavnet" said once with
    the years, "dranst ikke angivet" explained, each note once, as sentences."""
    years = [int(m.group(1)) for n in notes if (m := _YEAR_FROM_NAME.fullmatch(str(n).strip()))]
    out: list[str] = []
    if years:
        out.append(f"Årstallet står ikke i filerne og er taget fra filnavnet (år {_years_text(years)}).")
    for n in dict.fromkeys(str(n).strip() for n in notes):
        if not n or _YEAR_FROM_NAME.fullmatch(n):
            continue
        if n == "dranst ikke angivet i kilden":
            out.append(DRANST_NOTE)
            continue
        out.append(n[0].upper() + n[1:] + ("" if n.endswith(".") else "."))
    return out


def kontrol_sheet(wb, fmt, data: BookData) -> None:
    k = bookdata.kontrol(data)
    ws, pos = data_sheet(wb, layout.KONTROL, k, "Kontrol", fmt,
                         title="Kontrol: kildetotal = Σ trin (1-6 og samlet 2–3/4–5) + ikke fordelt",
                         note=f"{int(k['ok'].sum())} af {len(k)} kontroller OK")
    col = pos[3] + 2
    ws.write_string(0, col, "Dækning (år × funktion: antal kommuner med data)", fmt["h2"])
    cov = (data.detail.dropna(subset=[data.value]).groupby(["aar", "funktion"])["kommunekode"]
           .nunique().unstack("funktion"))
    cpos = write_table(ws, cov.reset_index().rename(columns=str).fillna(0), "Daekningsoversigt", fmt,
                       first_row=3, first_col=col)
    col = cpos[3] + 2
    how = ("gennemsnit af kommunernes kr. pr. indbygger" if data.value == "kr_pr_indbygger"
           else "sum over kommunerne, 1.000 kr.")
    ws.write_string(0, col, "Hvad nøglen placerer (år × funktion × mål)", fmt["h2"])
    ws.write_string(1, col, f"{how}: på ét trin, kun samlet for to trin (funktionsniveau: "
                    "trin 2–3 / 4–5) og ikke fordelt på trin (gruppering uden kendt indhold)",
                    fmt["note"])
    ppos = write_table(ws, data.placering, "Placering", fmt, first_row=3, first_col=col)
    col = ppos[3] + 2
    unknown = unknown_frame(data)
    ws.write_string(0, col, "Koder, som nøglen ikke kender (lagt under ikke fordelt på trin)", fmt["h2"])
    ws.write_string(1, col, "Ingen: nøglen dækker hver funktion og gruppering i data." if unknown.empty
                    else f"{len(unknown)} kode{'' if len(unknown) == 1 else 'r'}: beløbet tæller med i 'ikke fordelt på trin' og i "
                         "kontrollen; tilføj en regel i nøglen (python build.py build --streng stopper "
                         "på dem)", fmt["note"])
    upos = write_table(ws, unknown, "UkendteKoder", fmt, first_row=3, first_col=col)
    # below the unknown codes, in their columns (a wider sheet prints too small to read)
    row = _bu28(ws, fmt, data, upos[2] + 3, col) + 3
    warnings = list(data.meta.get("boerneadvarsler", []))
    if data.children is not None:
        ws.write_string(row, col, "Børnetal: koder, som børnenøglen ikke kender, og kontroller", fmt["h2"])
        ws.write_string(row + 1, col, "Ingen advarsler: børnenøglen kender hver kode, og ANBAAR12's "
                        "anbringelsessteder summer til i alt." if not warnings else
                        f"{len(warnings)} advarsel{'' if len(warnings) == 1 else 'er'} (arket Børn viser "
                        "hver kode med sin regel; python build.py build --streng stopper på ukendte koder):",
                        fmt["note"])
        for i, w in enumerate(warnings):
            ws.write_string(row + 3 + i, col, w, fmt["warn"])


def _bu28(ws, fmt, data: BookData, row: int, col: int) -> int:
    """The national step totals against BU28 (model.children.national_check) from ``row``;
    returns the table's last row."""
    from ..model.children import NATIONAL_COLUMNS, unclassified
    table, classes = data.national or (pd.DataFrame(columns=NATIONAL_COLUMNS), None)
    ws.write_string(row, col, "Landstal mod BU28 (netto, mio. kr.): Σ af de 98 kommuners trin mod "
                    "Danmarks Statistiks nettoudgifter pr. foranstaltning", fmt["h2"])
    left = [] if classes is None else unclassified(classes)
    note = ("BU28's foranstaltninger er lagt på trin efter deres tekst (børnenøglen, foreløbig); "
            "forskellen er bl.a. det, nøglen lægger under ikke fordelt på trin.")
    if data.national is None:
        note = "BU28 er ikke i data: python build.py fetch henter den."
    elif table.empty:
        note = ("Ingen sammenligning: " + ("regnskabet er i kr. pr. indbygger uden folketal"
                if data.value == "kr_pr_indbygger" and not data.has_population
                else "ingen af BU28's foranstaltninger og år svarer til data") + ". " + note)
    if left:
        note += " Ikke sammenlignet (ingen regel): " + ", ".join(left) + "."
    if len(table):
        per_step = table.drop_duplicates("trin").set_index("trin")["bu28_koder"]
        note += " BU28-koder pr. trin: " + "; ".join(
            f"{ {23: '2–3', 45: '4–5', 6: '6'}[t]}: {k}" for t, k in per_step.items()) + "."
    ws.write_string(row + 1, col, note, fmt["note"])
    shown = table.assign(trin=table["trin"].map({23: "2–3", 45: "4–5", 6: "6"}))
    pos = write_table(ws, shown[list(layout.TABLES["BU28Kontrol"][1])], "BU28Kontrol", fmt,
                      first_row=row + 3, first_col=col, formats={"forskel_pct": fmt["pct"]})
    return pos[2]


def children_lines(data: BookData) -> list[str]:
    """What Om data says about the counts of children: coverage per table and every warning of
    the count key (unknown codes, places that do not add up); [] without counts."""
    if data.children is None:
        return []
    steps = data.children.steps
    out = []
    for table, classes in data.children.classes.items():
        known = int((classes["regel_id"] != "").sum())
        out.append(f"{table}: {len(classes)} koder, {known} med en regel i børnenøglen")
    if len(steps):
        out.append(f"Børnetal for {steps['kommunekode'].nunique()} kommuner, år "
                   f"{int(steps['aar'].min())}-{int(steps['aar'].max())}")
    out += [f"ADVARSEL: {w}" for w in data.meta.get("boerneadvarsler", [])]
    return out


def unknown_frame(data: BookData) -> pd.DataFrame:
    """The codes the key does not cover (model.apply.unknown_codes), as the Kontrol table shows them."""
    return pd.DataFrame(data.meta.get(UKENDT_ATTR, []), columns=UKENDT_COLUMNS)


def dst_grouping_texts(data: BookData) -> dict[str, str]:
    """DST's grouping texts (REGKC) keyed "5.28.22 001", when the snapshot has them."""
    return dict(data.meta.get("grupperingstekster") or {})


def groupings_not_in_key(data: BookData) -> list[str]:
    """Groupings DST lists (REGKC) under a function the key has rules for, that no rule names
    (neither the code itself nor "*" for the function), as "5.28.21 030 Tekst"."""
    rules = data.key_rules
    out = []
    for code, tekst in sorted(dst_grouping_texts(data).items()):
        funktion, _, grp = code.partition(" ")
        mine = rules[rules["funktion"] == funktion]
        if mine.empty or (mine["gruppering"].isin([grp, "*"])).any():
            continue
        out.append(f"{code} {tekst}".strip())
    return out


def derived_uncertainty(data: BookData) -> dict | None:
    """For kr. pr. indbygger data with population (the derived units): the largest possible
    rounding error of one kommune-year's i alt (netto), in 1.000 kr. and as a share of it.
    DST rounds each published kr. pr. indbygger to whole kroner; a derived amount is that × the
    inhabitants, so each source line may be off by 0,5 kr. × inhabitants (model.rounding_bound),
    and i alt by that times its source lines (the key's shares of a line sum to 1)."""
    if not data.derived_units:
        return None
    d = data.detail[data.detail["art"] == "TOT"]
    keys = ["aar", "kommunekode"]
    lines = d.drop_duplicates([*keys, "funktion", "gruppering", "dranst"]).groupby(keys).size()
    bound = (lines * model.rounding_bound(data.population).reindex(lines.index)).dropna()
    if bound.empty:
        return None
    total = (model.derived_amounts(d, data.population).groupby(keys)[model.DERIVED_VALUE]
             .sum(min_count=1).reindex(bound.index).abs())
    share = (bound / total.where(total > 0)).dropna()
    aar, kode = bound.idxmax()
    return {"bound": fmt_da(float(bound.max()), 1), "n": int(lines[(aar, kode)]),
            "where": f"{reference.kommune_by_code()[kode].navn} {aar}",
            "share": fmt_da(float(share.max()) * 100, 3) + " %" if len(share) else "ukendt"}


def text_sheets(wb, fmt, data: BookData) -> None:
    meta = data.meta
    first, last = data.period
    ctx = dict(snapshot=meta.get("name", "ukendt"), created=meta.get("created", "ukendt"),
               source=meta.get("source", "ukendt"), tables=meta.get("tables", {}),
               unit=UNIT_LABELS[data.value], first=first, last=last,
               functions=", ".join(sorted(data.detail["funktion"].unique())),
               key_version=data.key_version, notes=source_notes(meta.get("notes", [])),
               synthetic=data.synthetic,
               unknown=unknown_code_lines(unknown_frame(data), data.value),
               not_in_key=groupings_not_in_key(data), has_texts=bool(dst_grouping_texts(data)),
               gaps=coverage_gaps(meta.get("coverage") or {}),
               derived=derived_uncertainty(data), children=children_lines(data))
    ws = wb.add_worksheet(layout.OM_DATA)
    ws.set_column(0, 0, TEXT_WIDTH)
    ws.set_column(1, 1, 40)
    r = text.write_lines(ws, fmt, text.render("om_data", **ctx), width=TEXT_WIDTH)
    info = pd.DataFrame({"felt": ["dataperiode", "første_år", "sidste_år", "snapshot", "oprettet",
                                  "nøgleversion", "enhed", "kilde", "syntetisk"],
                         "vaerdi": [f"{first}-{last}", str(first), str(last), ctx["snapshot"],
                                    str(ctx["created"]), str(data.key_version), data.value,
                                    SOURCE, "ja" if data.synthetic else "nej"]})
    write_table(ws, info, "ModelInfo", fmt, first_row=r + 1)
    ws.set_column(0, 0, TEXT_WIDTH)   # after the table, which sizes its own columns
    ws.set_column(1, 1, 32)
    text.text_page(ws, TEXT_WIDTH, r + 1 + len(info), 1)
    ws.protect("")
    rw = wb.add_worksheet(layout.RETTELSER)
    rw.set_column(0, 0, TEXT_WIDTH)
    r = text.write_lines(rw, fmt, text.render("rettelser", built=str(ctx["created"])[:10], **{
        k: v for k, v in ctx.items() if k in ("snapshot", "key_version")}), width=TEXT_WIDTH)
    last_col = 0
    if (changed := meta.get("aendringer")) is not None:
        r, last_col = _changes(rw, fmt, changed, r + 1)
    text.text_page(rw, TEXT_WIDTH, r, last_col)
    rw.protect("")


def _changes(ws, fmt, changed, row: int) -> tuple[int, int]:
    """"Ændringer" on Rettelser: the summary lines, then every revised figure (largest first) as
    the Table Aendringer. Returns the next free row and the last column used."""
    ws.write_string(row, 0, f"Ændringer i forhold til snapshot {changed.mod}", fmt["h2"])
    r = row + 1
    for line in changed.lines or ["Ingen ændringer i regnskabstallene."]:
        ws.write_string(r, 0, line + ("" if line.endswith(".") else "."))
        r += 1
    if not len(changed.table):
        return r, 0
    ws.write_string(r, 0, "Alle reviderede tal (gammel → ny), største ændring først:", fmt["note"])
    pos = write_table(ws, changed.table.reset_index(drop=True), "Aendringer", fmt, first_row=r + 1)
    ws.set_column(0, 0, TEXT_WIDTH)
    return pos[2] + 1, pos[3]


def forside(ws, fmt, data: BookData) -> None:
    first, last = data.period
    # Narrow grid: the text lines in column B run on over the empty cells to their right, and the
    # staircase below is drawn in columns C–H with its labels from column I.
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 3)
    ws.set_column(2, 7, 6)
    ws.set_column(8, 14, 12)
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
    # The staircase, drawn with cells: step t is column C+t-1, rising one row per step, each
    # column filled down to the ground so the shape reads as stairs; the name beside each tread.
    names = reference.trin_navne()
    top = r + 2
    ws.write_string(top - 1, 1, "Indsatstrappen", fmt["h2"])
    ground = top + 5
    for t in range(1, 7):
        col, tread = 1 + t, ground - (t - 1)
        ws.write_string(tread, col, str(t), fmt[f"step{t}"])
        for row in range(tread + 1, ground + 1):
            ws.write_blank(row, col, None, fmt[f"step{t}"])
        ws.write_string(tread, 8, f"{t}  {names[t]}")
    ws.write_string(ground + 2, 1, f"{names[0]}: udgifter, der ikke kan henføres til ét trin.",
                    fmt["note"])
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, ground + 3, 14)
    ws.protect("")


#: the steps an example call may show, best first (a combined step where the data hold it)
_EXAMPLE_STEPS = (23, 3, 45, 5, 6, 2, 4, 0)


def function_example(data: BookData) -> dict:
    """A TRAPPE_STEP call that answers a figure on these data (Vejledning's example): Odense (or
    the first kommune with data) in the last year, on the first step of _EXAMPLE_STEPS with a
    netto figure; and the combined steps the data hold, for the argument list."""
    s = data.steps
    s = s[(s["maal"] == "netto") & s[data.value].notna()]
    year = int(max(data.years))
    last = s[s["aar"] == year]
    koder = ["461"] + [k for k in reference.kommune_by_code() if k != "461"]
    kode = next((k for k in koder if (last["kommunekode"] == k).any()), None)
    combined = [t for t in (23, 45) if (s["trin"] == t).any()]
    if kode is None:
        return {"eksempel": None, "samlet": combined}
    have = set(last.loc[last["kommunekode"] == kode, "trin"].astype(int))
    trin = next((t for t in _EXAMPLE_STEPS if t in have), None)
    arg = f'"{trin // 10}-{trin % 10}"' if trin and trin > 9 else str(trin)
    navn = reference.kommune_by_code()[kode].navn
    call = f'=TRAPPE_STEP("{navn}";{year};{arg})' if trin is not None else None
    return {"eksempel": call, "samlet": combined}


def vejledning(ws, fmt, data: BookData) -> None:
    ws.set_column(0, 0, TEXT_WIDTH)
    no_dranst = not data.steps["dranst"].astype(str).isin(["1", "2"]).any()
    r = text.write_lines(ws, fmt, text.render("vejledning", indl=data.value == "kr_pr_indbygger",
                                              no_dranst=no_dranst, **function_example(data)),
                         width=TEXT_WIDTH)
    text.text_page(ws, TEXT_WIDTH, r)
    ws.protect("")
