"""Expected Analyse cells computed with trappe_xl.model directly (never read from a workbook).

``expected(data, sel)`` -> {"B20": value}; NaN/None means the cell must show "–". A choice the
data cannot have (unit not in the data, fixed prices without index) expects "–" everywhere.
"""

from __future__ import annotations

import math

import numpy as np

from trappe_xl import model
from trappe_xl.errors import MissingIndexYearError, SelectionError
from trappe_xl.reference import HELE_LANDET
from trappe_xl.workbook import dashboard as D
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection, members

ORDER = [*D.STEPS, model.TRIN_I_ALT_PAA_TRIN, model.TRIN_I_ALT]


def _frames(steps, data, valg, mem, years, base):
    """value, share, merudgift per (aar, trin) and n per aar; all NaN when the choice is impossible."""
    try:
        s = model.serie(steps, data.population, data.deflator, valg, mem, years, with_totals=True)
        sh = model.andele(steps, data.population, data.deflator, valg, mem, years)
        mu = model.merudgift(steps, data.population, data.deflator, valg, mem, years, basisaar=base)
    except (SelectionError, MissingIndexYearError):
        nan = {(y, t): np.nan for y in years for t in ORDER}
        return nan, dict(nan), dict(nan), {y: 0 for y in years}
    v = {(int(r.aar), int(r.trin)): r.vaerdi for r in s.itertuples()}
    share = {(int(r.aar), int(r.trin)): r.andel for r in sh.itertuples()}
    mer = {(int(r.aar), int(r.trin)): r.merudgift for r in mu.itertuples()}
    n = {int(r.aar): int(r.n_med_data) for r in s.itertuples()}
    return v, share, mer, n


def _mean(data, valg, mem, years):
    try:
        g = model.gennemsnit(data.steps, data.population, data.deflator, valg, mem, years,
                             with_totals=True)
    except (SelectionError, MissingIndexYearError):
        return {(y, t): np.nan for y in years for t in ORDER}
    return {(int(r.aar), int(r.trin)): r.vaerdi for r in g.itertuples()}


def members_with_data(steps, sel: Selection, mem) -> dict[int, int]:
    """Members with step rows for the measure, none missing (dranst 2 dropped without refusion)."""
    v = [c for c in ("beloeb_1000kr", "kr_pr_indbygger") if c in steps.columns][0]
    s = steps[(steps["maal"] == sel.maal) & steps["kommunekode"].isin(mem)]
    if not sel.refusion:
        s = s[s["dranst"] != "2"]
    ok = s.groupby(["aar", "kommunekode"])[v].apply(lambda x: bool(x.notna().all()))
    return {int(y): int(g.sum()) for y, g in ok.groupby(level="aar")}


def expected(data, sel: Selection, *, enhed: str | None = None, land_steps=None) -> dict:
    """``sel`` must be resolved. ``enhed`` overrides the unit (to test choices the writer refuses);
    ``land_steps``: DST's national step table, used for "Hele landet" with kr. pr. indbygger."""
    enhed = enhed or sel.enhed
    valg = model.Valg(maal=sel.maal, enhed=enhed, prisaar=sel.prisaar, refusion=sel.refusion)
    years = list(range(sel.fra_aar, sel.til_aar + 1))
    base = tuple(range(sel.basis_fra, sel.basis_til + 1))
    dash = D.Dash.for_book(data)
    weighted = dash.weighted
    land = (land_steps is not None and sel.sammenligning == "land" and enhed == "kr_pr_indbygger")
    out = {}
    # "Kommuner med data": members with data for the measure (no population needed)
    have_all = members_with_data(data.steps, sel, members(sel))
    for c0 in (D.K0, D.C0):
        mem = (sel.kommune,) if c0 == D.K0 else members(sel)
        steps = data.steps
        if c0 == D.C0 and land:
            steps, mem = land_steps, (HELE_LANDET,)
        v, share, mer, n = _frames(steps, data, valg, mem, years, base)
        if c0 == D.C0 and land:
            ok = enhed == "kr_pr_indbygger"
            have = members_with_data(data.steps, sel, members(sel))
            n = {y: have.get(y, 0) if ok else 0 for y in years}
        for i, y in enumerate(years):
            for j, t in enumerate(ORDER):
                out[a1(dash.a_rows()[i], c0 + j)] = v[(y, t)]
                out[a1(dash.c_rows()[i], c0 + j)] = mer[(y, t)]
                if j < D.N_ALL:
                    out[a1(dash.b_rows()[i], c0 + j)] = share[(y, t)]
            if c0 == D.C0:
                out[a1(dash.a_rows()[i], D.COUNT_COL)] = have_all.get(y, 0)
                out[a1(dash.a_rows()[i], D.COUNTED_COL)] = n[y]
        tv, _, _, _ = _frames(steps, data, valg, mem, [sel.trappe_aar], (sel.trappe_aar,))
        for r, t in zip(dash.d_rows(), dash.stair_steps):
            out[a1(r, dash.d_cols[0 if c0 == D.K0 else 1])] = tv[(sel.trappe_aar, t)]
        if weighted:
            u = v if c0 == D.K0 else _mean(data, valg, members(sel), years)
            if c0 == D.C0 and enhed != "kr_pr_indbygger":     # the plain mean is of kr. pr. indbygger
                u = {k: np.nan for k in u}
            for i, y in enumerate(years):
                for j, t in enumerate(ORDER):
                    out[a1(dash.u_rows()[i], c0 + j)] = u[(y, t)]
                if c0 == D.C0:
                    out[a1(dash.u_rows()[i], D.COUNT_COL)] = have_all.get(y, 0)
    return out


def same(got, want) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got == "–"
    return isinstance(got, (int, float)) and abs(got - want) <= 1e-6 * max(1.0, abs(want))


def differences(got: dict, want: dict) -> dict:
    return {k: (got.get(k), w) for k, w in want.items() if not same(got.get(k), w)}
