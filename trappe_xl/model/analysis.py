"""Analyses on the step table: serie (level over time), andele (distribution), merudgift.

A member-year *has data* when it has step rows for the chosen maal and none of them is missing; a
member-year with any missing step is left out whole (so a group's steps always cover the same
members, and shares stay meaningful). Steps with no rows for a member-year that has data are 0 (the
key put nothing there). Group amounts are sums over members with data; per-child figures are
Σ amounts / Σ children over members with both data and population (not a mean of ratios).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SelectionError
from ..words import NO_SHARE_PER_CHILD
from ..frames import value_column
from ..reference import ALLE_TRIN, IKKE_FORDELT, PAA_TRIN
from .units import PER_CHILD, Valg, derived_amounts, has_population, population_base, price_factors

#: extra trin codes for the total rows that ``with_totals=True`` adds
TRIN_I_ALT_PAA_TRIN = 7
TRIN_I_ALT = 8
TOTAL_NAVNE = {TRIN_I_ALT_PAA_TRIN: "I alt på trin (trin 1-6)",
               TRIN_I_ALT: "I alt (trin 1-6 og ikke fordelt)"}
SERIE_COLUMNS = ["aar", "trin", "vaerdi", "n_kommuner", "n_med_data"]
_ORDER = {t: i for i, t in enumerate((*ALLE_TRIN, TRIN_I_ALT_PAA_TRIN, TRIN_I_ALT))}


def _check(members, years) -> tuple[tuple[str, ...], list[int]]:
    members = tuple(members)
    years = sorted(set(int(y) for y in years))
    if not members:
        raise SelectionError("vælg mindst én kommune")
    if not years:
        raise SelectionError("vælg mindst ét år")
    return members, years


def covered(steps: pd.DataFrame, maal: str, years) -> pd.DataFrame:
    """Bool frame (index aar, columns :data:`ALLE_TRIN`): True where the key placed any account of
    the data on the step that year for ``maal`` (a step with a source). False = the data hold
    nothing that could land there (trin 1 always; a function missing from the snapshot; the
    single steps of a combined one): shown as missing ("–"), never as 0."""
    years = sorted(set(int(y) for y in years))
    sel = steps.loc[(steps["maal"] == maal) & steps["aar"].isin(years), ["aar", "trin"]]
    have = pd.Series(True, index=pd.MultiIndex.from_frame(sel.drop_duplicates())).unstack("trin")
    return have.reindex(index=years, columns=list(ALLE_TRIN)).notna()


def member_table(steps: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, valg: Valg,
                 members, years) -> pd.DataFrame:
    """One row per (aar, kommunekode) of members × years: the :data:`ALLE_TRIN` columns (value in
    the chosen price level; NaN for a step with no source that year, see :func:`covered`),
    ``base`` (population base of the unit, NaN if none/not needed), ``valid`` (counts in
    the figure) and ``har_data`` (accounts complete, population or not)."""
    value = value_column(steps)
    valg.check_value_column(value)
    if value == "kr_pr_indbygger" and valg.enhed != "kr_pr_indbygger":
        steps = derived_amounts(steps, population)      # 1.000 kr. and per child, derived
        value = value_column(steps)
    members, years = _check(members, years)
    sel = steps[(steps["maal"] == valg.maal) & steps["kommunekode"].isin(members)
                & steps["aar"].isin(years)]
    if not valg.refusion:
        sel = sel[sel["dranst"] != "2"]
    summed = sel.groupby(["aar", "kommunekode", "trin"])[value].sum(skipna=False, min_count=1)
    incomplete = summed.isna().groupby(level=["aar", "kommunekode"]).any()
    wide = summed.fillna(0.0).unstack("trin", fill_value=0.0).reindex(columns=list(ALLE_TRIN),
                                                                     fill_value=0.0)
    wide.loc[incomplete[incomplete].index] = np.nan
    full = pd.MultiIndex.from_product([years, sorted(members)], names=["aar", "kommunekode"])
    present = full.isin(wide.index)
    wide = wide.reindex(full)
    factors = price_factors(deflator, valg.prisaar, years)
    wide = wide.mul(factors.reindex(wide.index.get_level_values("aar")).to_numpy(), axis=0)
    source = covered(steps, valg.maal, years).reindex(wide.index.get_level_values("aar")).to_numpy()
    has_data = (wide.notna() | ~source).all(axis=1) & present
    wide = wide.where(source)
    if valg.enhed in ("1000kr", PER_CHILD):     # per child: the step's own divisor (serie)
        base = pd.Series(np.nan, index=full)
        valid = has_data
    else:
        base = population_base(population, valg.enhed).reindex(full)
        valid = has_data & base.notna() & (base > 0)
        if valg.enhed == "kr_pr_indbygger" and len(members) == 1:
            valid = has_data  # one municipality's own figure needs no weight
    out = wide.copy()
    out["base"] = base.to_numpy()
    out["valid"] = valid.to_numpy()
    out["har_data"] = has_data.to_numpy()
    return out


def _long(wide: pd.DataFrame, n_kommuner: int, n_med_data: pd.Series, with_totals: bool) -> pd.DataFrame:
    wide = wide.where(n_med_data.reindex(wide.index).gt(0), axis=0)
    if with_totals:  # steps with no source (NaN in every row of a year with data) add nothing
        wide[TRIN_I_ALT_PAA_TRIN] = wide[list(PAA_TRIN)].sum(axis=1, min_count=1)
        wide[TRIN_I_ALT] = wide[list(ALLE_TRIN)].sum(axis=1, min_count=1)
    long = wide.melt(ignore_index=False, var_name="trin", value_name="vaerdi").reset_index()
    long["trin"] = long["trin"].astype(int)
    long["n_kommuner"] = n_kommuner
    long["n_med_data"] = long["aar"].map(n_med_data).astype(int)
    long = long.sort_values(["aar", "trin"], key=lambda s: s.map(_ORDER) if s.name == "trin" else s)
    return long[SERIE_COLUMNS].reset_index(drop=True)


def children_wide(children: pd.DataFrame | None, index: pd.MultiIndex) -> pd.DataFrame:
    """Children per (aar, kommunekode) of ``index`` × :data:`ALLE_TRIN` (model.children's step
    frame; NaN where the step has no count: trin 1, ikke fordelt, a year outside the tables)."""
    cols = list(ALLE_TRIN)
    if children is None or children.empty:
        return pd.DataFrame(np.nan, index=index, columns=cols)
    wide = children.set_index(["aar", "kommunekode", "trin"])["boern"].unstack("trin")
    return wide.reindex(index=index, columns=cols).astype(float)


def _per_child(table: pd.DataFrame, children: pd.DataFrame | None, n_members: int,
               with_totals: bool) -> pd.DataFrame:
    """kr. per child in the measure: per step Σ amounts ÷ Σ children × 1000 over the members with
    both (data and a count > 0); i alt (trin 7 and 8) = Σ amounts ÷ Σ children over the steps that
    have both (ikke fordelt has no children, so it adds nothing)."""
    valid = table["valid"]
    amounts = table[list(ALLE_TRIN)].where(valid, axis=0)
    kids = children_wide(children, table.index)
    both = amounts.notna() & kids.notna() & (kids > 0)
    num = amounts.where(both).groupby(level="aar").sum(min_count=1)
    den = kids.where(both).groupby(level="aar").sum(min_count=1)
    wide = num / den * 1000.0
    n_med_data = valid.groupby(level="aar").sum()
    if with_totals:
        on = list(PAA_TRIN)
        tot = num[on].sum(axis=1, min_count=1) / den[on].sum(axis=1, min_count=1) * 1000.0
        wide[TRIN_I_ALT_PAA_TRIN] = tot
        wide[TRIN_I_ALT] = tot
    return _long(wide, n_members, n_med_data, False)


def serie(steps: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, valg: Valg,
          members, years, with_totals: bool = False, children: pd.DataFrame | None = None) -> pd.DataFrame:
    """The figure of one municipality or a group per aar × trin: columns
    ``aar, trin, vaerdi, n_kommuner, n_med_data``, trin 1–6 then 0 (ikke fordelt).

    Units: ``1000kr`` Σ amounts; ``pr_0_17``/``pr_0_22`` Σ amounts / Σ children × 1000 (kr.);
    ``kr_pr_indbygger`` the population-weighted (alder IALT) figure, missing for a year without
    population (one municipality: its own figure); when the population holds no figure at all
    (data without FOLK1A) the plain mean of the members' own figures (:func:`gennemsnit`), which
    the workbook and the functions label "uvægtet gennemsnit". ``with_totals`` adds trin 7 = i alt på trin (Σ 1–6) and
    trin 8 = i alt (Σ 0–6); names in :data:`TOTAL_NAVNE`. No member with data -> NaN, never 0.
    """
    if (valg.enhed == "kr_pr_indbygger" and len(set(members)) > 1
            and not has_population(population)):
        return gennemsnit(steps, population, deflator, valg, members, years, with_totals)
    table = member_table(steps, population, deflator, valg, members, years)
    if valg.enhed == PER_CHILD:
        return _per_child(table, children, len(set(members)), with_totals)
    valid = table["valid"]
    amounts = table[list(ALLE_TRIN)].where(valid, axis=0)
    by_year = amounts.groupby(level="aar")
    n_med_data = valid.groupby(level="aar").sum()
    if valg.enhed == "1000kr" or (valg.enhed == "kr_pr_indbygger" and len(set(members)) == 1):
        wide = by_year.sum(min_count=1)
    elif valg.enhed == "kr_pr_indbygger":
        base = table["base"].where(valid)
        wide = amounts.mul(base, axis=0).groupby(level="aar").sum(min_count=1).div(
            base.groupby(level="aar").sum(), axis=0)
    else:
        base = table["base"].where(valid)
        wide = by_year.sum(min_count=1).div(base.groupby(level="aar").sum(), axis=0) * 1000.0
    return _long(wide, len(set(members)), n_med_data, with_totals)


def gennemsnit(steps: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, valg: Valg,
               members, years, with_totals: bool = False) -> pd.DataFrame:
    """Plain (unweighted) average of the members' own figures, over members with data — a separate,
    labelled output next to the group figure of :func:`serie`. Same columns as ``serie``."""
    table = member_table(steps, population, deflator, valg, members, years)
    valid = table["valid"]
    figures = table[list(ALLE_TRIN)]
    if valg.enhed == "kr_pr_indbygger":
        # a member's own kr. pr. indbygger figure needs no population: every member with data counts
        valid = table["har_data"]
    if valg.enhed in ("pr_0_17", "pr_0_22"):
        figures = figures.div(table["base"], axis=0) * 1000.0
    figures = figures.where(valid, axis=0)
    wide = figures.groupby(level="aar").mean()
    return _long(wide, len(set(members)), valid.groupby(level="aar").sum(), with_totals)


def andele(steps: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, valg: Valg,
           members, years) -> pd.DataFrame:
    """Each step's share: ``andel`` of i alt (trin 0–6, so the seven shares sum to 1) and
    ``andel_paa_trin`` of i alt på trin (1–6; NaN for trin 0). NaN when the total is 0 or missing.
    Not in kr. pr. barn: figures with different divisors have no shares."""
    if valg.enhed == PER_CHILD:
        raise SelectionError(NO_SHARE_PER_CHILD)
    s = serie(steps, population, deflator, valg, members, years)
    # a step with no source is missing in every row of its year and adds nothing to the totals
    total = s.groupby("aar")["vaerdi"].transform(lambda v: v.sum(min_count=1))
    on = s["trin"] != IKKE_FORDELT
    paa_trin = s["vaerdi"].where(on).groupby(s["aar"]).transform(lambda v: v.sum(min_count=1))
    s["andel"] = s["vaerdi"] / total.replace(0, np.nan)
    s["andel_paa_trin"] = (s["vaerdi"] / paa_trin.replace(0, np.nan)).where(on)
    return s


def merudgift(steps: pd.DataFrame, population: pd.DataFrame, deflator: pd.DataFrame, valg: Valg,
              members, years, basisaar=(2015,), children: pd.DataFrame | None = None) -> pd.DataFrame:
    """Value in year t − basis per trin and for the totals (trin 7, 8): ``basis`` is the base year's
    value, or the mean over several base years (missing if any base year is missing). Columns
    ``aar, trin, vaerdi, basis, merudgift, n_kommuner, n_med_data``."""
    basisaar = sorted(set(int(y) for y in basisaar))
    if not basisaar:
        raise SelectionError("vælg mindst ét basisår")
    _, years = _check(members, years)
    s = serie(steps, population, deflator, valg, members, sorted(set(years) | set(basisaar)),
              with_totals=True, children=children)
    basis = (s[s["aar"].isin(basisaar)].groupby("trin")["vaerdi"]
             .agg(lambda v: v.mean() if v.notna().all() else np.nan))
    s = s[s["aar"].isin(years)].copy()
    s["basis"] = s["trin"].map(basis)
    s["merudgift"] = s["vaerdi"] - s["basis"]
    return s[["aar", "trin", "vaerdi", "basis", "merudgift", "n_kommuner", "n_med_data"]].reset_index(drop=True)
