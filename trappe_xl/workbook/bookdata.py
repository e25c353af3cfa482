"""Everything the writer puts into the workbook, as plain frames in layout.py's column orders.

Built once per build from the model's outputs; the writer only lays it out. Kept free of XlsxWriter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .. import model, reference
from ..frames import ART_TO_MAAL, value_column
from . import layout

#: population column -> the model's unit whose population base it holds
POP_COLUMNS = {"pop_0_17": "pr_0_17", "pop_0_22": "pr_0_22", "pop_ialt": "kr_pr_indbygger"}


@dataclass(frozen=True)
class BookData:
    """Inputs of one workbook. ``steps``/``detail``/``kontrol`` come from trappe_xl.model."""

    steps: pd.DataFrame
    detail: pd.DataFrame
    kontrol: pd.DataFrame
    population: pd.DataFrame
    deflator: pd.DataFrame
    key_rules: pd.DataFrame
    key_version: str
    meta: dict = field(default_factory=dict)
    synthetic: bool = False
    #: DST's own "Hele landet" (kommunekode "000") through the key, in the same unit (step table
    #: columns); empty when the snapshot has no national rows. Never mixed into ``steps``.
    land_steps: pd.DataFrame | None = None
    #: children on the steps (model.children.ChildCounts); None = the data hold no counts
    children: object = None
    #: (comparison, BU28's codes) of model.children.national_check; None without BU28
    national: tuple | None = None

    @property
    def per_child(self) -> bool:
        """kr. pr. barn i indsatsen is offered: children in the data, and amounts (1.000 kr.
        data, or kr. pr. indbygger data with the derived amounts)."""
        return model.units.per_child_offered(self.value, self.derived_units, self.child_steps is not None)

    @property
    def child_steps(self) -> pd.DataFrame | None:
        """Children per (aar, kommunekode, trin) for the per-child unit, or None."""
        c = self.children
        return None if c is None or c.steps.empty else c.steps

    @property
    def has_land(self) -> bool:
        """kr. pr. indbygger data with DST's national figure: the dashboard shows it for
        "Hele landet" (a population-weighted figure needs population the data may lack)."""
        return (self.value == "kr_pr_indbygger" and self.land_steps is not None
                and len(self.land_steps) > 0)

    @property
    def has_population(self) -> bool:
        """Does the data hold any population figure (none without FOLK1A)?"""
        return model.has_population(self.population)

    @property
    def derived_units(self) -> bool:
        """kr. pr. indbygger data with population: 1.000 kr. and kr. pr. barn are offered,
        derived as kr. pr. indbygger × folketal (model.derived_amounts), labelled "afledt"."""
        return self.value == "kr_pr_indbygger" and self.has_population

    @property
    def plain_mean(self) -> bool:
        """kr. pr. indbygger data without population: a comparison cannot be weighted by
        inhabitants and is the plain (uvægtet) mean of the kommuners own figures (model.serie)."""
        return self.value == "kr_pr_indbygger" and not self.has_population

    @cached_property
    def placering(self) -> pd.DataFrame:
        """:func:`placering` of this book, computed once (Kontrol and Analyse's note both read it)."""
        return placering(self)

    @property
    def value(self) -> str:
        return value_column(self.steps)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(int(y) for y in self.steps["aar"].unique()))

    @property
    def period(self) -> tuple[int, int]:
        return min(self.years), max(self.years)


def kommuner_frame() -> pd.DataFrame:
    rows = [(k.kode, k.navn, k.regionskode, k.regionsnavn, k.kommunegruppe_kode, k.kommunegruppe)
            for k in reference.kommuner()]
    return pd.DataFrame(rows, columns=list(layout.TABLES["Kommuner"][1]))


def population_wide(population: pd.DataFrame) -> pd.DataFrame:
    """aar, kommunekode, pop_0_17, pop_0_22, pop_ialt: the model's own population base per unit
    (model.population_base: missing unless every needed age is present), so the workbook's
    formulas divide by exactly what the model divides by."""
    cols = ["aar", "kommunekode", *POP_COLUMNS]
    if population.empty:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "aar" else (str if c == "kommunekode"
                                                                          else float)) for c in cols})
    bases = pd.concat({name: model.population_base(population, enhed)
                       for name, enhed in POP_COLUMNS.items()}, axis=1)
    return bases.rename_axis(["aar", "kommunekode"]).reset_index()[cols]


def _with_geo(frame: pd.DataFrame) -> pd.DataFrame:
    k = kommuner_frame()[["kommunekode", "kommune", "regionskode", "kommunegruppe_kode"]]
    return frame.merge(k, on="kommunekode", how="left", validate="many_to_one")


def unit_population(data: BookData) -> pd.DataFrame:
    """population_wide for the units' formulas. On kr. pr. indbygger data a per-child base counts
    only where the inhabitants are known too: the derived amounts it divides need them
    (model.derived_amounts), so a kommune-year without them is "–" in every derived unit."""
    pop = population_wide(data.population)
    if data.value == "kr_pr_indbygger":
        known = pop["pop_ialt"] > 0
        pop[["pop_0_17", "pop_0_22"]] = pop[["pop_0_17", "pop_0_22"]].where(known, axis=0)
    return pop


def trindata(data: BookData) -> pd.DataFrame:
    """The step table with names, region, group, the gyldig code and (kr. pr. indbygger data) the
    population weight and the derived 1.000 kr. per row (layout TrinData)."""
    steps = _with_geo(data.steps)
    if data.value == "kr_pr_indbygger":
        steps["afledt_1000kr"] = model.derived_amounts(data.steps, data.population)[
            model.DERIVED_VALUE].to_numpy()
    steps = steps.merge(unit_population(data), on=["aar", "kommunekode"], how="left")
    steps["gyldig"] = 4 * data_state(steps) + population_state(steps)
    kids = data.child_steps
    steps["boern"] = (np.nan if kids is None else steps[["aar", "kommunekode", "trin"]].merge(
        kids[["aar", "kommunekode", "trin", "boern"]], on=["aar", "kommunekode", "trin"],
        how="left")["boern"].to_numpy(float))
    steps = steps.sort_values(["aar", "kommunekode", "maal", "dranst", "trin"], kind="stable")
    return steps[list(layout.columns("TrinData", data.value))].reset_index(drop=True)


def has_data(steps: pd.DataFrame, refusion: bool) -> pd.DataFrame:
    """aar, kommunekode, maal of the kommune-years that count as "has data" (model.member_table):
    step rows exist for the measure (dranst 2 dropped without refusion) and none is missing."""
    v = value_column(steps)
    part = steps if refusion else steps[steps["dranst"] != "2"]
    ok = part[v].notna().groupby([part["aar"], part["kommunekode"], part["maal"]]).all()
    return ok[ok].reset_index()[["aar", "kommunekode", "maal"]]


def daekning(data: BookData) -> pd.DataFrame:
    """aar x kommune x maal x refusion: har_data (1/0) and population (layout Daekning)."""
    frames = [has_data(data.steps, ref).assign(refusion=layout.REFUSION_KODE[ref], har_data=1)
              for ref in (True, False)]
    has = pd.concat(frames, ignore_index=True)
    grid = pd.MultiIndex.from_product(
        [list(data.years), list(reference.all_kommunekoder()), list(layout.MAAL_VALG),
         [layout.REFUSION_KODE[True], layout.REFUSION_KODE[False]]],
        names=["aar", "kommunekode", "maal", "refusion"]).to_frame(index=False)
    out = grid.merge(has, on=["aar", "kommunekode", "maal", "refusion"], how="left")
    out["har_data"] = out["har_data"].fillna(0).astype(int)
    out = _with_geo(out).merge(unit_population(data), on=["aar", "kommunekode"], how="left")
    out = out.merge(daekning_children(data), on=["aar", "kommunekode"], how="left")
    return out[list(layout.TABLES["Daekning"][1])]


def daekning_children(data: BookData) -> pd.DataFrame:
    """aar, kommunekode, boern_<trin> for the steps a count can stand on (NaN: no count)."""
    cols = [f"boern_{t}" for t in layout.COUNT_STEPS]
    kids = data.child_steps
    if kids is None:
        return pd.DataFrame({"aar": pd.Series(dtype=int), "kommunekode": pd.Series(dtype=str),
                             **{c: pd.Series(dtype=float) for c in cols}})
    wide = kids.pivot_table(index=["aar", "kommunekode"], columns="trin", values="boern", aggfunc="first")
    wide = wide.reindex(columns=list(layout.COUNT_STEPS))
    wide.columns = cols
    return wide.reset_index()


def data_state(steps: pd.DataFrame) -> np.ndarray:
    """Per step row: does its kommune-year count as "has data" for its maal (has_data), as the data
    part of layout.GYLDIG_DOC: 0 neither, 1 only with refusion, 2 both, 3 only without — ordered so
    that "with refusion" is states 1-2 and "without" 2-3, each a range SUMIFS can test."""
    keys = ["aar", "kommunekode", "maal"]
    flags = []
    for ref in (True, False):
        ok = has_data(steps, ref).assign(_ok=True)
        flags.append(steps[keys].merge(ok, on=keys, how="left")["_ok"].fillna(False)
                     .to_numpy(dtype=bool))
    return _pair_state(*flags)


def population_state(frame: pd.DataFrame) -> np.ndarray:
    """Per row: which per-child bases exist (> 0): 0 neither, 1 only 0-17, 2 both, 3 only 0-22 —
    ordered so that "0-17" is states 1-2 and "0-22" 2-3 (layout.GYLDIG_DOC)."""
    return _pair_state((frame["pop_0_17"] > 0).to_numpy(), (frame["pop_0_22"] > 0).to_numpy())


def _pair_state(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two conditions as one state ordered for ranges: 0 neither, 1 only the first, 2 both,
    3 only the second (so "first" is 1-2 and "second" 2-3)."""
    return np.select([first & second, first, second], [2, 1, 3], 0)


def befolkning(data: BookData) -> pd.DataFrame:
    pop = _with_geo(population_wide(data.population))
    return pop[list(layout.TABLES["Befolkning"][1])].sort_values(["aar", "kommunekode"])


REGNSKAB_KEYS = ["aar", "kommunekode", "funktion", "gruppering", "dranst", "regel_id", "trin",
                 "andel", "andel_grundlag"]


def placering(data: BookData) -> pd.DataFrame:
    """Per year × function × measure: how much of the source the key put on one step, how much
    only on a combined step (function level: trin 2–3 / 4–5) and how much it could not place
    (ikke fordelt). 1.000 kr.: sums over the municipalities; kr. pr. indbygger: the unweighted
    mean of the municipalities' own figures (a sum of per-inhabitant figures means nothing)."""
    cols = list(layout.TABLES["Placering"][1])
    d = data.detail
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    v = data.value
    kind = np.select([d["trin"].isin(list(reference.SAMLET_TRIN)).to_numpy(),
                      (d["trin"] == reference.IKKE_FORDELT).to_numpy()],
                     ["samlet_trin", "ikke_fordelt"], "paa_et_trin")
    # categorical keys: the detail has about a million rows, strings would make this slow
    frame = pd.DataFrame({"aar": d["aar"].to_numpy(), "kommunekode": d["kommunekode"].astype("category"),
                          "funktion": d["funktion"].astype("category"),
                          "maal": d["art"].astype("category").cat.rename_categories(
                              lambda a: ART_TO_MAAL.get(a, a)),
                          "del": pd.Categorical(kind), "v": d[v].to_numpy(dtype=float)})
    per_kommune = (frame.groupby(["aar", "funktion", "maal", "kommunekode", "del"], observed=True)["v"]
                   .sum(min_count=1).unstack("del"))
    per_kommune = per_kommune.reindex(columns=["paa_et_trin", "samlet_trin", "ikke_fordelt"])
    per_kommune = per_kommune.fillna(0.0).where(per_kommune.notna().any(axis=1), axis=0)
    agg = "mean" if v == "kr_pr_indbygger" else "sum"
    out = per_kommune.groupby(level=["aar", "funktion", "maal"], observed=True).agg(agg)
    out["kilde_i_alt"] = out.sum(axis=1, min_count=1)
    out["ikke_fordelt_pct"] = out["ikke_fordelt"] / out["kilde_i_alt"].where(out["kilde_i_alt"] != 0)
    out = out.reset_index()
    out = out.astype({"funktion": str, "maal": str}).sort_values(["aar", "funktion", "maal"])
    return out[cols].reset_index(drop=True)


def regnskab(data: BookData) -> pd.DataFrame:
    """Detail rows (apply_key output) wide by maal: one row per account key x rule with the step
    amount and the source amount of netto / udgifter / indtægter (NaN where there is none)."""
    v = data.value
    d = data.detail
    cols = list(layout.columns("Regnskab", v))
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    art = d["art"].astype(str).map(ART_TO_MAAL).to_numpy()
    frame = pd.DataFrame({k: _plain(d[k]) for k in REGNSKAB_KEYS})
    frame["maal"] = art
    frame["step"] = d[v].to_numpy(dtype=float)
    frame["kilde"] = frame["step"] / frame["andel"].where(frame["andel"] != 0)
    wide = frame.set_index([*REGNSKAB_KEYS, "maal"])[["step", "kilde"]].unstack("maal")
    out = pd.DataFrame(index=wide.index)
    for maal in ART_TO_MAAL.values():
        out[f"{maal}_{v}"] = wide["step"][maal] if maal in wide["step"] else np.nan
    for maal in ART_TO_MAAL.values():
        out[f"kilde_{maal}"] = wide["kilde"][maal] if maal in wide["kilde"] else np.nan
    out = out.reset_index().sort_values(REGNSKAB_KEYS[:6], kind="stable")
    return out[cols].reset_index(drop=True)


def _plain(col: pd.Series) -> pd.Series:
    """Categorical code columns as plain strings (ints/floats unchanged)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(str)
    return col


def landstal(data: BookData) -> pd.DataFrame:
    """DST's national figure through the key (layout Landstal), with gyldig as in TrinData."""
    cols = list(layout.columns("Landstal", data.value))
    ls = data.land_steps
    if ls is None or ls.empty:
        return pd.DataFrame({c: pd.Series(dtype=str if c in ("kommunekode", "maal", "dranst")
                                          else float) for c in cols})
    out = ls.assign(gyldig=4 * data_state(ls))      # no population part for the national figure
    return out.sort_values(["aar", "maal", "dranst", "trin"], kind="stable")[cols].reset_index(drop=True)


def kontrol(data: BookData) -> pd.DataFrame:
    k = data.kontrol.merge(kommuner_frame()[["kommunekode", "kommune"]], on="kommunekode",
                           how="left")
    return k[list(layout.TABLES["Kontrol"][1])]


def boern(data: BookData) -> pd.DataFrame:
    """Table Boern: children in the measure per year, kommune and step (empty without counts)."""
    cols = list(layout.TABLES["Boern"][1])
    steps = data.child_steps
    if steps is None:
        return pd.DataFrame({c: pd.Series(dtype=int if c in ("aar", "trin") else
                                          float if c == "boern" else str) for c in cols})
    names = {k: v.navn for k, v in reference.kommune_by_code().items()}
    out = steps.assign(kommune=steps["kommunekode"].map(names))
    return out[cols].reset_index(drop=True)


def boernekoder(data: BookData) -> pd.DataFrame:
    """Table BoerneKoder: every code of ANBAAR12/ISBU02 in the data, with its role and step."""
    cols = list(layout.TABLES["BoerneKoder"][1])
    classes = [] if data.children is None else [c.assign(tabel=t) for t, c in data.children.classes.items()]
    if not classes:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "trin" else str) for c in cols})
    out = pd.concat(classes, ignore_index=True)
    out["trin"] = out["trin"].astype(float).where(out["trin"] > 0)
    return out[cols]
