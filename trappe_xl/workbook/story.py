"""Sheet "Børn og kroner": one kommune over time, children and kroner per child on each step
against the comparison, driven by Analyse's choices (kommune, comparison, years, mål, priser,
refusion) — did the spending move because there are more children or because each costs more?

1. Børn i indsatsen per year and step, the kommune's and the comparison's (Beregning's K_boern /
   S_boern: the comparison's members with data and a count).
2. Kroner pr. barn i indsatsen per year and step, in any unit chosen on Analyse (this sheet always
   divides Beregning's K_beloeb/S_beloeb by K_boern/S_boern, as Analyse does in that unit).
3. From the first to the last year: the change in the kommune's spending on each step split into
   the change in children and in kroner per child (spending = kroner per child × children).

Cached values: Beregning's cached amounts and children (results._children_cache) divided as the
formulas divide them.
"""

from __future__ import annotations

import math

from . import calc, formulas as F, layout
from .calc import CalcLayout
from .cells import a1, absref, area, sheet_ref
from .dashboard import step_label
from .formats import step_colour
from .formulas import MISSING

TOP = 5                  # first header row of table 1
LABEL_COL = 0
MIRROR_COL = 40          # chart data (numbers or NA()), hidden columns


def shown_steps(data) -> tuple[int, ...]:
    """The count steps that can have both kroner and children in these data (in step order)."""
    if not data.per_child:
        return ()
    have = set(int(t) for t in data.steps["trin"].unique())
    kids = set(int(t) for t in data.child_steps["trin"].unique())
    return tuple(t for t in calc.COUNT_STEPS if t in have and t in kids)


def _lookup(lay: CalcLayout, col: int, y: str) -> str:
    return f"INDEX({lay.col_range(col)},MATCH({y},hAar,0))"


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v)


def cached(cache) -> dict:
    """{(kind, year, trin): value} for the built selection: kind "kb"/"cb" children, "kk"/"ck"
    kroner per child of the kommune and the comparison — Beregning's amounts (model.member_table,
    results._children_cache) ÷ its children, as the sheet's formulas (formulas.per_child) divide."""
    out = {}
    for (y, t), k in cache.kb.items():
        out[("kb", y, t)] = k
        out[("cb", y, t)] = cache.cb[(y, t)]
        for kind, amount, kids in (("kk", cache.ka[(y, t)], k), ("ck", cache.ca[(y, t)], cache.cb[(y, t)])):
            if _num(amount) and kids > 0:
                out[(kind, y, t)] = amount / (kids / 1000)
    return out


def write_story(wb, ws, fmt: dict, data, sel, lay: CalcLayout, cache) -> None:
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 8)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.write_formula(0, 0, '="Børn og kroner pr. barn – "&ValgKommune&" mod "&hSamTekst', fmt["title"],
                     f"Børn og kroner pr. barn – {_kommune(sel)} mod {cache.helpers['hSamTekst']}")
    ws.write_string(1, 0, "Hvor mange børn er der på hvert trin, og hvad koster hvert barn? Valgene "
                    "(kommune, sammenligning, år, mål, priser, refusion) træffes på arket Analyse.",
                    fmt["note"])
    steps = shown_steps(data)
    if not steps:
        ws.write_string(3, 0, "Ingen børnetal i data: hent ANBAAR12 og ISBU02 med python build.py "
                        "fetch (arket Børn viser, hvad data rummer).", fmt["warn"])
        return
    ws.write_formula(2, 0, '="Mål: "&ValgMaal&", "&hPrisTekst&", "&ValgRefusion&" · år "&ValgFraAar'
                     '&"-"&ValgTilAar', fmt["selection"],
                     f"Mål: {layout.MAAL_VALG[sel.maal]}, {cache.helpers['hPrisTekst']}, "
                     f"{layout.REFUSION_VALG[sel.refusion]} · år {sel.fra_aar}-{sel.til_aar}")
    vals = cached(cache)
    n = len(data.years)
    t1 = TOP
    t2 = t1 + n + 4
    t3 = t2 + n + 4
    years_rows = {}
    for top, title in ((t1, "1) Børn i indsatsen (trin 2–3: børn i løbet af året, ISBU02; trin 4–6: "
                             "gennemsnit af anbragte pr. 31.12. året før og året, ANBAAR12)"),
                       (t2, "2) Kroner pr. barn i indsatsen (trinnets beløb ÷ børn på trinnet)")):
        ws.write_string(top - 1, 0, title, fmt["h2"])
        ws.write_string(top, 0, "År", fmt["dhead"])
        for j, t in enumerate(steps):
            c = 1 + 2 * j
            ws.merge_range(top, c, top, c + 1, step_label(t), fmt["dhead"])
            ws.write_formula(top + 1, c, "=ValgKommune", fmt["dhead"], _kommune(sel))
            ws.write_formula(top + 1, c + 1, "=hSamTekst", fmt["dhead"], cache.helpers["hSamTekst"])
            ws.set_column(c, c + 1, 12)
        ws.set_row(top + 1, 30)
        rows = []
        for i in range(n):
            r = top + 2 + i
            rows.append(r)
            y = sel.fra_aar + i if sel.fra_aar + i <= sel.til_aar else ""
            ws.write_formula(r, 0, f'=IF(ValgFraAar+{i}<=ValgTilAar,ValgFraAar+{i},"")', fmt["year"], y)
        years_rows[top] = rows
    for i, (r1, r2) in enumerate(zip(years_rows[t1], years_rows[t2])):
        y = sel.fra_aar + i if sel.fra_aar + i <= sel.til_aar else ""
        for j, t in enumerate(steps):
            c = 1 + 2 * j
            yc1, yc2 = a1(r1, 0, abs_col=True), a1(r2, 0, abs_col=True)
            for dc, kind, kcol in ((0, "kb", lay.kb_col(t)), (1, "cb", lay.cb_col(t))):
                f = (f'=IF({yc1}="","",IF(IFERROR({_lookup(lay, kcol, yc1)},0)>0,'
                     f'{_lookup(lay, kcol, yc1)},"{MISSING}"))')
                v = "" if y == "" else vals.get((kind, y, t), 0.0)
                ws.write_formula(r1, c + dc, f, fmt["dnum"], v if _num(v) and v > 0 else ("" if y == "" else MISSING))
            # Beregning's amounts and children of the count step that year (any unit chosen)
            kf = F.per_child(_lookup(lay, lay.ka_col(t), yc2), _lookup(lay, lay.kb_col(t), yc2))
            gf = F.per_child(_lookup(lay, lay.ca_col(t), yc2), _lookup(lay, lay.cb_col(t), yc2))
            for dc, kind, f in ((0, "kk", kf), (1, "ck", gf)):
                v = "" if y == "" else vals.get((kind, y, t), math.nan)
                ws.write_formula(r2, c + dc, f'=IF({yc2}="","",{f[1:]})', fmt["dnum"],
                                 v if _num(v) else ("" if y == "" else MISSING))
    _changes(ws, fmt, sel, steps, years_rows, t3, vals)
    _charts(wb, ws, steps, years_rows, t3 + len(steps) + 3, vals, sel)


def _kommune(sel) -> str:
    from .. import reference
    return reference.kommune_by_code()[sel.kommune].navn


def _changes(ws, fmt, sel, steps, years_rows, top: int, vals) -> None:
    """3) the kommune's first and last year: spending = kroner per child × children, and how
    much of its change each of the two carries (as ratios, not shares of a sum)."""
    ws.write_formula(top - 1, 0, '="3) "&ValgKommune&", "&ValgFraAar&" til "&ValgTilAar&": hvad flyttede sig?"',
                     fmt["h2"], f"3) {_kommune(sel)}, {sel.fra_aar} til {sel.til_aar}: hvad flyttede sig?")
    heads = ["Trin", "Udgift, ændring", "Børn, ændring", "Kr. pr. barn, ændring"]
    ws.merge_range(top, 0, top, 2, heads[0], fmt["dhead"])
    for j, h in enumerate(heads[1:]):
        ws.merge_range(top, 3 + 2 * j, top, 4 + 2 * j, h, fmt["dhead"])
    n_last = sel.til_aar - sel.fra_aar
    r1, r2 = years_rows[TOP], years_rows[max(years_rows)]
    for i, t in enumerate(steps):
        r = top + 1 + i
        c = 1 + 2 * steps.index(t)
        ws.merge_range(r, 0, r, 2, step_label(t), fmt.get(f"step{t}", fmt["bold"]))
        kids0, kids1 = a1(r1[0], c), f"INDEX({a1(r1[0], c)}:{a1(r1[-1], c)},{n_last + 1})"
        kr0, kr1 = a1(r2[0], c), f"INDEX({a1(r2[0], c)}:{a1(r2[-1], c)},{n_last + 1})"
        ratio = 'IF(AND(ISNUMBER({a}),ISNUMBER({b})),IF({a}<>0,{b}/{a}-1,"{m}"),"{m}")'
        spend = (f'IF(AND(ISNUMBER({kr0}),ISNUMBER({kids0}),ISNUMBER({kr1}),ISNUMBER({kids1})),'
                 f'IF({kr0}*{kids0}<>0,({kr1}*{kids1})/({kr0}*{kids0})-1,"{MISSING}"),"{MISSING}")')
        y0, y1 = sel.fra_aar, sel.til_aar
        k0, k1 = vals.get(("kb", y0, t)), vals.get(("kb", y1, t))
        p0, p1 = vals.get(("kk", y0, t)), vals.get(("kk", y1, t))
        k0 = k0 if _num(k0) and k0 > 0 else None
        k1 = k1 if _num(k1) and k1 > 0 else None

        def ch(a, b):
            return b / a - 1 if _num(a) and _num(b) and a != 0 else MISSING
        cached = [ch(p0 * k0 if _num(p0) and k0 else None, p1 * k1 if _num(p1) and k1 else None),
                  ch(k0, k1), ch(p0 if _num(p0) else None, p1 if _num(p1) else None)]
        for j, (f, v) in enumerate(zip((spend, ratio.format(a=kids0, b=kids1, m=MISSING),
                                        ratio.format(a=kr0, b=kr1, m=MISSING)), cached)):
            ws.merge_range(r, 3 + 2 * j, r, 4 + 2 * j, "", fmt["dpct"])
            ws.write_formula(r, 3 + 2 * j, "=" + f, fmt["dpct"], v)


def _charts(wb, ws, steps, years_rows, row: int, vals, sel) -> None:
    """Two line charts over the years, one series per step: children and kroner per child of
    the kommune (chart data mirrored to hidden columns as numbers or NA(), never "–")."""
    cats_rows = years_rows[TOP]
    for block, (top, title, axis) in enumerate(((TOP, "Børn i indsatsen – kommunen", "Børn"),
                                                (max(years_rows), "Kroner pr. barn – kommunen",
                                                 "Kr. pr. barn"))):
        rows = years_rows[top]
        chart = wb.add_chart({"type": "line"})
        for j, t in enumerate(steps):
            src_c = 1 + 2 * j
            mc = MIRROR_COL + block * 10 + j
            for i, r in enumerate(rows):
                y = sel.fra_aar + i
                v = vals.get(("kb" if block == 0 else "kk", y, t)) if y <= sel.til_aar else None
                ok = _num(v) and (block == 1 or v > 0)
                ws.write_formula(r, mc, f"=IF(ISNUMBER({a1(r, src_c)}),{a1(r, src_c)},NA())", None,
                                 v if ok else "#N/A")
            chart.add_series({"name": step_label(t),
                              "categories": "=" + sheet_ref(layout.BOERN_KRONER, area(cats_rows[0], 0, cats_rows[-1], 0)),
                              "values": "=" + sheet_ref(layout.BOERN_KRONER, area(rows[0], mc, rows[-1], mc)),
                              "line": {"color": step_colour(t), "width": 2.25},
                              "marker": {"type": "circle", "size": 5, "fill": {"color": step_colour(t)},
                                         "border": {"color": step_colour(t)}}})
        chart.set_title({"name": title, "name_font": {"size": 10, "bold": True}})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        chart.set_x_axis({"name": "År", "num_font": {"size": 8}})
        chart.set_y_axis({"name": axis, "num_font": {"size": 8}, "num_format": "#,##0",
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.show_blanks_as("gap")
        chart.show_hidden_data()        # the chart data sit in hidden columns
        chart.set_size({"width": 520, "height": 300})
        ws.insert_chart(row, block * 7, chart, {"x_offset": 5, "y_offset": 5, "object_position": 1})
    ws.set_column(MIRROR_COL, MIRROR_COL + 20, None, None, {"hidden": True})
