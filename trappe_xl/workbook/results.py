"""Cached values: what the model says the formulas on Beregning must show for one selection.

The writer stores these as each formula's cached result; LibreOffice must recompute the same.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import model
from ..model.analysis import children_wide
from ..reference import HELE_LANDET
from ..errors import MissingIndexYearError
from . import bookdata, layout
from .bookdata import BookData
from . import calc
from .calc import TRIN_ORDER, Cache
from .selection import Selection, comparison_label, members

ENHED_CODE = {"1000kr": 1, "pr_0_17": 2, "pr_0_22": 3, "kr_pr_indbygger": 4, "pr_barn": 5}
SAM_CODE = {"gruppe": 1, "region": 2, "kommunegruppe": 3, "land": 4}
POP_COL = {"pr_0_17": "pop_0_17", "pr_0_22": "pop_0_22", "kr_pr_indbygger": "pop_ialt"}


def valg_of(sel: Selection) -> model.Valg:
    return model.Valg(maal=sel.maal, enhed=sel.enhed, prisaar=sel.prisaar, refusion=sel.refusion)


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def index_years(data: BookData, sel: Selection) -> list[int]:
    """Years whose figures exist in the chosen price level (all years for løbende priser)."""
    if sel.prisaar is None:
        return list(data.years)
    have = set(data.deflator.loc[data.deflator["indeks"] > 0, "aar"].astype(int))
    if sel.prisaar not in have:
        return []
    return [y for y in data.years if y in have]


def _per_year_trin(fn, data: BookData, sel: Selection, mem: tuple[str, ...]) -> dict:
    """{(aar, trin): value or None} from a model analysis (``model.serie``/``model.gennemsnit``)
    over the years the price basis allows."""
    years = index_years(data, sel)
    out = {(y, t): None for y in data.years for t in TRIN_ORDER}
    if not years:
        return out
    if fn is model.serie:       # kr. pr. barn: the children, and i alt (trin 7) for the totals
        s = fn(data.steps, data.population, data.deflator, valg_of(sel), mem, years,
               with_totals=sel.enhed == model.PER_CHILD, children=data.child_steps)
    else:
        s = fn(data.steps, data.population, data.deflator, valg_of(sel), mem, years)
    for r in s.itertuples(index=False):
        out[(int(r.aar), int(r.trin))] = _num(r.vaerdi)
    return out


def serie_values(data: BookData, sel: Selection, mem: tuple[str, ...]) -> dict:
    return _per_year_trin(model.serie, data, sel, mem)


def _pf(data: BookData, sel: Selection, y: int):
    try:
        return float(model.price_factors(data.deflator, sel.prisaar, [y]).iloc[0])
    except MissingIndexYearError:
        return None


def unweighted(data: BookData, sel: Selection, mem: tuple[str, ...]) -> dict:
    """Plain mean over members with data (model.gennemsnit; population not needed)."""
    return _per_year_trin(model.gennemsnit, data, sel, mem)


def uses_land(data: BookData, sel: Selection) -> bool:
    """The comparison is DST's own national figure (kr. pr. indbygger data, "Hele landet")."""
    return data.has_land and sel.sammenligning == "land" and sel.enhed == "kr_pr_indbygger"


def land_has(data: BookData, sel: Selection) -> dict[int, int]:
    if not data.has_land:
        return {}
    has = bookdata.has_data(data.land_steps, sel.refusion)
    years = set(has.loc[has["maal"] == sel.maal, "aar"].astype(int))
    return {y: int(y in years) for y in data.years}


def compute_cache(data: BookData, sel: Selection) -> Cache:
    mem = members(sel)
    k = reference_kommune(sel)
    dk = bookdata.daekning(data)
    dk = dk[(dk["maal"] == sel.maal) & (dk["refusion"] == layout.REFUSION_KODE[sel.refusion])]
    mine = dk[dk["kommunekode"] == sel.kommune].set_index("aar")
    group = dk[dk["kommunekode"].isin(mem) & (dk["har_data"] == 1)]
    popcol = POP_COL.get(sel.enhed)
    khar, kden, cn, cden, cnalle, pf = {}, {}, {}, {}, {}, {}
    for y in data.years:
        pf[y] = 1.0 if sel.prisaar is None else _pf(data, sel, y)
        khar[y] = int(mine.loc[y, "har_data"]) if y in mine.index else 0
        g = group[group["aar"] == y]
        cnalle[y] = int(len(g))
        if popcol is None:
            if data.derived_units:      # 1.000 kr. derived with the inhabitants: needs them
                ialt = mine.loc[y, "pop_ialt"] if y in mine.index else float("nan")
                kden[y] = 1.0 if khar[y] and ialt > 0 else None
                cn[y], cden[y] = int((g["pop_ialt"] > 0).sum()), 1.0
                continue
            kden[y] = 1.0 if khar[y] else None
            cn[y], cden[y] = int(len(g)), 1.0
            continue
        pop = mine.loc[y, popcol] if y in mine.index else float("nan")
        if sel.enhed == "kr_pr_indbygger":
            kden[y] = 1.0 if khar[y] else None
        else:
            kden[y] = pop / 1000 if khar[y] and pop == pop and pop > 0 else None
        # the plain mean (kr. pr. indbygger without population) counts every member with data
        valid = g if data.plain_mean and sel.enhed == "kr_pr_indbygger" else g[g[popcol] > 0]
        cn[y] = int(len(valid))
        total = float(g[popcol].sum())
        cden[y] = total if sel.enhed == "kr_pr_indbygger" else total / 1000
    koder = [reference_code(c) for c in sel.gruppe] + ["ingen"] * (layout.MAX_GROUP - len(sel.gruppe))
    cache = Cache(helpers=helper_values(sel), grp_koder=koder, pf=pf, khar=khar, kden=kden, cn=cn,
                  cden=cden, cnalle=cnalle, k=serie_values(data, sel, (sel.kommune,)),
                  c=serie_values(data, sel, mem))
    if data.value == "kr_pr_indbygger" and not data.plain_mean:
        # the plain mean of the kommuners own kr. pr. indbygger ("–" in the derived units)
        cache.u = (unweighted(data, sel, mem) if sel.enhed == "kr_pr_indbygger"
                   else {(y, t): None for y in data.years for t in TRIN_ORDER})
    if data.per_child:
        _children_cache(cache, data, sel, mine, group)
    cache.lhar = land_has(data, sel)
    if uses_land(data, sel):
        cache.c = serie_values(_land_view(data), sel, (HELE_LANDET,))
        cache.cn = dict(cnalle)
        cache.helpers["hSamTekst"] = layout.LAND_LABEL
        cache.helpers["hLand"] = True
    elif data.plain_mean:
        cache.helpers["hSamTekst"] += layout.MEAN_SUFFIX
    return cache


def _children_cache(cache: Cache, data: BookData, sel: Selection, mine: pd.DataFrame,
                    group: pd.DataFrame) -> None:
    """Children per count step (the kommune's; the comparison's members with data and a count,
    and inhabitants on derived data), the amounts they divide (1.000 kr. in the chosen prices:
    the kommune's; Σ over those members) and i alt in kr. pr. barn, as calc's K_boern/S_boern,
    K_beloeb/S_beloeb and K/S_i_alt_pr_barn cells."""
    v = model.Valg(maal=sel.maal, enhed=model.PER_CHILD, prisaar=sel.prisaar, refusion=sel.refusion)
    years = index_years(data, sel)
    steps = list(calc.COUNT_STEPS)
    ka = ca = None
    if years:
        own = model.member_table(data.steps, data.population, data.deflator, v, (sel.kommune,), years)
        ka = own[steps].where(own["valid"], axis=0).droplevel("kommunekode")
        table = model.member_table(data.steps, data.population, data.deflator, v, members(sel), years)
        amounts = table[steps].where(table["valid"], axis=0)
        kids = children_wide(data.child_steps, table.index)[steps]
        summed = amounts.where(kids > 0, 0.0).where(amounts.notna()).groupby(level="aar").sum(min_count=1)
        n = table["valid"].groupby(level="aar").sum()
        ca = summed.where(n.reindex(summed.index) > 0, axis=0)
    for y in data.years:
        g = group[group["aar"] == y]
        if data.derived_units:
            g = g[g["pop_ialt"] > 0]
        for t in steps:
            col = f"boern_{t}"
            own_kids = mine.loc[y, col] if y in mine.index else float("nan")
            cache.kb[(y, t)] = float(own_kids) if own_kids == own_kids else 0.0
            cache.cb[(y, t)] = float(g.loc[g[col] > 0, col].sum())
            cache.ka[(y, t)] = _num(ka.loc[y, t]) if ka is not None and y in ka.index else None
            cache.ca[(y, t)] = _num(ca.loc[y, t]) if ca is not None and y in ca.index else None
        per_child = sel.enhed == model.PER_CHILD
        cache.ki[y] = cache.k.get((y, model.TRIN_I_ALT_PAA_TRIN)) if per_child else None
        cache.ci[y] = cache.c.get((y, model.TRIN_I_ALT_PAA_TRIN)) if per_child else None


def _land_view(data: BookData) -> BookData:
    from dataclasses import replace
    return replace(data, steps=data.land_steps)


def reference_kommune(sel: Selection):
    from .. import reference
    return reference.kommune_by_code()[sel.kommune]


def reference_code(code: str) -> str:
    return code


def gyldig_criteria(refusion: bool, enhed: int) -> dict[str, object]:
    """The values of calc's hGyldig* helper cells (TrinData.gyldig ranges, layout.GYLDIG_DOC)."""
    lo = 4 if refusion else 8
    pop = lo + (2 if enhed == 3 else 1)
    return {"hGyldigLo": lo, "hGyldigPop": pop, "hGyldigA": f">={lo}", "hGyldigB": f"<={lo + 7}",
            "hGyldigC": f">={pop}", "hGyldigD": f"<={pop + 5}", "hGyldigE": f"<>{pop + 2}",
            "hGyldigF": f"<>{pop + 3}"}


def helper_values(sel: Selection) -> dict[str, object]:
    k = reference_kommune(sel)
    sam = SAM_CODE[sel.sammenligning]
    ref = layout.REFUSION_KODE[sel.refusion]
    antal = len(members(sel))
    return {"hKode": k.kode, "hRegion": k.regionskode, "hGruppe": k.kommunegruppe_kode,
            "hMaal": sel.maal, "hRef": ref, "hDranst": "<>ingen" if sel.refusion else "<>2",
            **gyldig_criteria(sel.refusion, ENHED_CODE[sel.enhed]),
            "hEnhed": ENHED_CODE[sel.enhed], "hSam": sam,
            "hPriser": 1 if sel.prisaar is None else 2,
            "hPrisaar": sel.prisaar if sel.prisaar is not None else sel.til_aar,
            "hRegKrit": k.regionskode if sam == 2 else "<>ingen",
            "hGrpKrit": k.kommunegruppe_kode if sam == 3 else "<>ingen",
            "hAntal": antal, "hSamTekst": comparison_label(sel),
            "hEnhedOK": True, "hLand": False,
            "hPrisTekst": "løbende priser" if sel.prisaar is None
            else f"faste priser ({sel.prisaar}-niveau)"}


__all__ = ["compute_cache", "valg_of", "pd"]
