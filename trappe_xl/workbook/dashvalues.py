"""The cached value of every formula cell on Analyse, derived from the Beregning cache exactly as
the formulas derive it (so the file shows the model's numbers before any recalculation)."""

from __future__ import annotations

from . import dashboard as D
from .calc import Cache
from .dashboard import C0, COUNT_COL, COUNTED_COL, K0, N_ALL, N_STAIR, NCOL, STEPS, TOP, Dash
from .formulas import MISSING
from .selection import Selection


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _total(vals: list, n: int):
    """As dashboard._total: Σ of the numeric steps (a step with no source is "–" and adds
    nothing); "–" when no step has a number."""
    part = [v for v in vals[:n] if _num(v)]
    return sum(part) if part else MISSING


def compute(dash: Dash, cache: Cache, sel: Selection, years: tuple[int, ...], kinds: tuple[str, str],
            kommune_navn: str, mean: bool = False) -> dict[tuple[int, int], object]:
    """``mean``: the comparison is the plain mean (CalcLayout.mean)."""
    out: dict[tuple[int, int], object] = {}
    label = cache.helpers["hSamTekst"]
    land = bool(cache.helpers["hLand"])
    k_title = f"Kommune: {kommune_navn}"
    c_title = f"Sammenligning: {label}{D.method_value(land, sel.enhed, mean)}"
    src = {"K": cache.k, "C": cache.c, "U": cache.u}
    per_child = sel.enhed == "pr_barn"       # i alt = Σ kroner ÷ Σ children (calc's K/S_i_alt)
    totals = {"K": cache.ki, "C": cache.ci}
    rows: dict[int, dict[int, list]] = {}
    out[(TOP, K0)], out[(TOP, C0)] = k_title, c_title
    for i, r in enumerate(dash.a_rows()):
        y = sel.fra_aar + i if sel.fra_aar + i <= sel.til_aar else ""
        out[(r, 0)] = y
        rows[i] = {}
        for c0, kind in ((K0, kinds[0]), (C0, kinds[1])):
            vals = ["" if y == "" else _cell(src[kind].get((y, t))) for t in STEPS]
            if y != "" and per_child and kind in totals:
                vals += [_cell(totals[kind].get(y))] * 2
            elif y != "":
                vals += [_total(vals, N_STAIR), _total(vals, N_ALL)]
            else:
                vals += ["", ""]
            for j, v in enumerate(vals):
                out[(r, c0 + j)] = v
            rows[i][c0] = vals
        out[(r, COUNT_COL)] = "" if y == "" else cache.cnalle[y]
        out[(r, COUNTED_COL)] = "" if y == "" else cache.cn[y]
    # B: shares of i alt
    out[(dash.b_top, K0)], out[(dash.b_top, C0)] = k_title, c_title
    for i, rb in enumerate(dash.b_rows()):
        y = out[(dash.a_rows()[i], 0)]
        out[(rb, 0)] = y
        for c0 in (K0, C0):
            vals = rows[i][c0]
            tot = vals[D.TOTAL_COL]
            for j in range(NCOL):
                v = vals[j]
                if y == "":
                    out[(rb, c0 + j)] = ""
                elif per_child:
                    out[(rb, c0 + j)] = MISSING
                elif _num(v) and _num(tot):
                    out[(rb, c0 + j)] = v / tot if tot != 0 else MISSING
                else:
                    out[(rb, c0 + j)] = MISSING
    # C: merudgift against the base-year mean
    out[(dash.c_top, K0)], out[(dash.c_top, C0)] = k_title, c_title
    rb = dash.c_base_row
    out[(rb, 0)] = f"Basis {sel.basis_fra}-{sel.basis_til}"
    base_years = [y for y in years if sel.basis_fra <= y <= sel.basis_til]
    bases: dict[int, list] = {}
    for c0, kind in ((K0, "K"), (C0, "C")):
        b = []
        for t in STEPS:
            got = [src[kind].get((y, t)) for y in base_years]
            b.append(sum(got) / len(got) if got and all(_num(v) for v in got) else MISSING)
        if per_child:
            got = [totals[kind].get(y) for y in base_years]
            b += [sum(got) / len(got) if got and all(_num(v) for v in got) else MISSING] * 2
        else:
            b += [_total(b, N_STAIR), _total(b, N_ALL)]
        bases[c0] = b
        for j, v in enumerate(b):
            out[(rb, c0 + j)] = v
    for i, rc in enumerate(dash.c_rows()):
        y = out[(dash.a_rows()[i], 0)]
        out[(rc, 0)] = y
        for c0 in (K0, C0):
            for j in range(NCOL):
                v, b = rows[i][c0][j], bases[c0][j]
                out[(rc, c0 + j)] = "" if y == "" else (v - b if _num(v) and _num(b) else MISSING)
    # U: the plain mean (kr. pr. indbygger data), next to the kommune's own figures again
    if dash.weighted:
        out[(dash.u_top, K0)] = k_title
        out[(dash.u_top, C0)] = D.U_PREFIX + (D.reference_land() if land else label)
        for i, ru in enumerate(dash.u_rows()):
            y = out[(dash.a_rows()[i], 0)]
            out[(ru, 0)] = y
            u = ["" if y == "" else _cell(cache.u.get((y, t))) for t in STEPS]
            u += ["", ""] if y == "" else [_total(u, N_STAIR), _total(u, N_ALL)]
            for j in range(NCOL):
                out[(ru, K0 + j)] = rows[i][K0][j]
                out[(ru, C0 + j)] = u[j]
            out[(ru, COUNT_COL)] = "" if y == "" else cache.cnalle[y]
    # D: the staircase year
    top = dash.d_top + 1
    kc, cc = dash.d_cols
    out[(top, kc)], out[(top, cc)] = kommune_navn, label
    for r, t in zip(dash.d_rows(), dash.stair_steps):
        for col, kind in zip(dash.d_cols, ("K", "C")):
            out[(r, col)] = _cell(src[kind].get((sel.trappe_aar, t)))
    return out


def _cell(v):
    return MISSING if v is None else v
