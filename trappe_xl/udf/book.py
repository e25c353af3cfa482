"""One workbook's data, ready for the TRAPPE functions: model frames, fast arrays, cached results.

Numbers come from ``trappe_xl.model`` in two ways, which the tests prove equal:

* groups (and andele/merudgift): ``model.serie``/``andele``/``merudgift`` on the frames read back
  from the workbook, cached per (members, Valg), so a grid of calls costs one model run per group;
* one kommune (TRAPPE_STEP/TRIN/SERIE, called by the thousand): arrays built once at load with the
  same rules as ``model.member_table`` (a kommune-year with any missing step is missing whole, a
  step without the kommune's rows is 0, price factor indeks[prisår]/indeks[år], per child
  (a·f)/b·1000); a step without any row that year (no source, :meth:`TrappeBook.sourced`) is
  made missing by the callers (answers.kommune_figures, answers.check_step).
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import pandas as pd

from .. import model
from ..errors import MissingIndexYearError
from ..reference import ALLE_TRIN, IKKE_FORDELT, SAMLET_TRIN
from ..workbook.dashboard import hidden_steps
from .tables import WorkbookTables
from ..words import combined_parts
from .places import Places

STEP_COLUMNS = ["aar", "kommunekode", "trin", "maal", "dranst"]


def step_codes(present) -> tuple[int, ...]:
    """The step codes a workbook answers for, in the key's order (reference.ALLE_TRIN): the
    single steps 1–6 and 0 always (one the data cannot fill answers why), a combined step
    (23 = trin 2–3, 45 = trin 4–5) only when its TrinData holds it."""
    present = {int(t) for t in present}
    return tuple(t for t in ALLE_TRIN if t not in SAMLET_TRIN or t in present)


def shown_codes(present) -> tuple[int, ...]:
    """The step columns TRAPPE_TRIN/TRAPPE_SERIE show: the dashboard's (ALLE_TRIN less the
    columns the data can never fill, dashboard.hidden_steps), so a table matches Analyse."""
    hidden = hidden_steps(present)
    return tuple(t for t in ALLE_TRIN if t not in hidden)


BASE_COLUMN = {"pr_0_17": "pop_0_17", "pr_0_22": "pop_0_22", "kr_pr_indbygger": "pop_ialt"}
_ZERO_AGES = tuple(str(a) for a in range(1, 18)) + tuple(str(a) for a in range(19, 23))


def canonical_population(befolkning: pd.DataFrame) -> pd.DataFrame:
    """Befolkning (pop_0_17, pop_0_22, pop_ialt) -> the model's (aar, kommunekode, alder, antal).

    The workbook keeps only the sums, so they are laid out as ages whose sums are the same numbers:
    alder "0" = pop_0_17, "18" = pop_0_22 − pop_0_17, the other ages 0, "IALT" = pop_ialt.
    model.population_base then gives back exactly pop_0_17 and pop_0_22 (whole numbers add exactly).
    """
    b = befolkning
    parts = [b.assign(alder="0", antal=b["pop_0_17"]),
             b.assign(alder="18", antal=b["pop_0_22"] - b["pop_0_17"]),
             b.assign(alder="IALT", antal=b["pop_ialt"])]
    parts += [b.assign(alder=a, antal=b["pop_0_17"] * 0.0) for a in _ZERO_AGES]
    out = pd.concat(parts, ignore_index=True)[["aar", "kommunekode", "alder", "antal"]]
    return out.astype({"aar": int, "kommunekode": str, "alder": str, "antal": float})


class TrappeBook:
    """Everything the TRAPPE functions need from one workbook version."""

    def __init__(self, tables: WorkbookTables):
        self.tables = tables
        self.value = tables.value_column
        td = tables.trindata
        self.steps = td[[*STEP_COLUMNS, self.value]].copy()
        self.deflator = tables.prisindeks.dropna(subset=["indeks"]).reset_index(drop=True)
        self.places: Places = tables.places()
        self.years: tuple[int, ...] = tuple(sorted(int(y) for y in td["aar"].unique()))
        self.year_pos = {y: i for i, y in enumerate(self.years)}
        self.indeks = dict(zip(self.deflator["aar"].astype(int), self.deflator["indeks"].astype(float)))
        self.index_years: tuple[int, ...] = tuple(sorted(self.indeks))
        self.kode_pos = {k.kode: i for i, k in enumerate(self.places.kommuner)}
        self.trin_codes: tuple[int, ...] = step_codes(td["trin"].unique())
        self.shown_codes: tuple[int, ...] = shown_codes(td["trin"].unique())
        self.trin_index = {t: i for i, t in enumerate(self.trin_codes)}
        self._rows: dict[str, np.ndarray] = {}
        self._sourced: dict[str, np.ndarray] = {}
        #: does TrinData hold combined steps (23 = trin 2–3, 45 = trin 4–5)?
        self.combined = any(combined_parts(t) for t in self.trin_codes)
        self._amounts: dict[tuple[str, bool, bool], np.ndarray] = {}
        self._results: dict[tuple, dict[tuple[int, int], float]] = {}
        self.memo: dict[tuple, object] = {}  # parsed arguments (see udf_core.memo)

    @cached_property
    def population(self) -> pd.DataFrame:
        """Canonical population for model runs (built on the first group/per-child query)."""
        return canonical_population(self.tables.befolkning)

    @cached_property
    def has_population(self) -> bool:
        """Does the workbook hold any population figure (Befolkning is empty without FOLK1A)?"""
        b = self.tables.befolkning
        return bool(len(b)) and bool(b[["pop_0_17", "pop_0_22", "pop_ialt"]].notna().any().any())

    @cached_property
    def derived(self) -> bool:
        """kr. pr. indbygger data with population: 1.000 kr. and per child are answered too,
        derived as kr. pr. indbygger × folketal (model.derived_amounts), as Analyse does."""
        return self.value == "kr_pr_indbygger" and self.has_population

    @cached_property
    def derived_steps(self) -> pd.DataFrame:
        """The step rows as derived 1.000 kr. (model.derived_amounts)."""
        return model.derived_amounts(self.steps, self.population)

    @cached_property
    def children(self) -> pd.DataFrame | None:
        """Children in the measure per (aar, kommunekode, trin) (table Boern), or None."""
        b = self.tables.boern
        return None if b is None or b.empty else b

    @cached_property
    def kids(self) -> np.ndarray:
        """[kommune, år, trin] children on the step (NaN = no count)."""
        arr = np.full((len(self.kode_pos), len(self.years), len(self.trin_codes)), np.nan)
        b = self.children
        if b is None:
            return arr
        ki = b["kommunekode"].map(self.kode_pos)
        yi = b["aar"].map(self.year_pos)
        ti = b["trin"].map(self.trin_index)
        ok = ki.notna() & yi.notna() & ti.notna()
        arr[ki[ok].astype(int).to_numpy(), yi[ok].astype(int).to_numpy(),
            ti[ok].astype(int).to_numpy()] = b.loc[ok, "boern"].to_numpy(float)
        return arr

    def _derives(self, valg: model.Valg) -> bool:
        return self.value == "kr_pr_indbygger" and valg.enhed != "kr_pr_indbygger"

    @property
    def info(self) -> dict[str, object]:
        return self.tables.info

    # -- fast path: one kommune ----------------------------------------------------------------
    def amounts(self, maal: str, refusion: bool, derived: bool = False) -> np.ndarray:
        """[kommune, år, trin] in løbende priser, NaN where the kommune-year has no (whole) data;
        ``derived``: the derived 1.000 kr. of kr. pr. indbygger data (NaN without inhabitants)."""
        key = (maal, refusion, derived)
        if key not in self._amounts:
            self._amounts[key] = self._build_amounts(maal, refusion, derived)
        return self._amounts[key]

    def _build_amounts(self, maal: str, refusion: bool, derived: bool) -> np.ndarray:
        steps, value = (self.derived_steps, model.DERIVED_VALUE) if derived else (self.steps, self.value)
        s = steps[steps["maal"] == maal]
        if not refusion:
            s = s[s["dranst"] != "2"]
        summed = s.groupby(["kommunekode", "aar", "trin"])[value].sum(skipna=False, min_count=1)
        out = np.full((len(self.kode_pos), len(self.years), len(self.trin_codes)), np.nan)
        present = np.zeros(out.shape[:2], dtype=bool)
        incomplete = np.zeros(out.shape[:2], dtype=bool)
        ki = summed.index.get_level_values("kommunekode").map(self.kode_pos)
        keep = ~pd.isna(ki)
        ki = np.asarray(ki[keep], dtype=int)
        yi = summed.index.get_level_values("aar")[keep].map(self.year_pos).to_numpy(dtype=int)
        ti = summed.index.get_level_values("trin")[keep].map(self.trin_index).to_numpy(dtype=int)
        vals = summed.to_numpy()[keep]
        present[ki, yi] = True
        np.logical_or.at(incomplete, (ki, yi), np.isnan(vals))
        out[present] = 0.0
        out[ki, yi, ti] = vals
        out[incomplete] = np.nan
        return out

    def has_rows(self, maal: str) -> np.ndarray:
        """[kommune, år, trin] True where TrinData has a row (for the combined-step check)."""
        if maal not in self._rows:
            s = self.steps[self.steps["maal"] == maal]
            out = np.zeros((len(self.kode_pos), len(self.years), len(self.trin_codes)), dtype=bool)
            ki = s["kommunekode"].map(self.kode_pos)
            ok = ki.notna().to_numpy()
            out[ki[ok].astype(int).to_numpy(), s["aar"][ok].map(self.year_pos).to_numpy(dtype=int),
                s["trin"][ok].map(self.trin_index).to_numpy(dtype=int)] = True
            self._rows[maal] = out
        return self._rows[maal]

    def _source_table(self, maal: str) -> np.ndarray:
        """[år, trin] True where TrinData holds any row for the step that year and measure."""
        table = self._sourced.get(maal)
        if table is None:
            table = self._sourced[maal] = self.has_rows(maal).any(axis=0)
        return table

    def sourced(self, aar: int, maal: str) -> dict[int, bool]:
        """Per step code: does TrinData hold any row for it that year and measure (any kommune,
        any dranst)? A step without one has no source in the data (model.covered): missing,
        never 0."""
        have = self._source_table(maal)[self.year_pos[aar]].tolist()
        return {t: have[i] for t, i in self.trin_index.items()}

    def has_source(self, aar: int, maal: str, trin: int) -> bool:
        """:meth:`sourced` for one step (the TRAPPE_STEP fast path)."""
        return bool(self._source_table(maal)[self.year_pos[aar], self.trin_index[trin]])

    def only_combined(self, members: tuple[str, ...], aar: int, trin: int, maal: str) -> int | None:
        """The combined step (23, 45) whose amount holds ``trin`` for these members and year when
        some member has rows only for the combined step, not for ``trin`` itself; else None."""
        rows = self.has_rows(maal)
        y = self.year_pos[aar]
        for code in self.trin_codes:
            parts = combined_parts(code)
            if trin not in parts:
                continue
            for kode in members:
                k = self.kode_pos[kode]
                if rows[k, y, self.trin_index[code]] and not rows[k, y, self.trin_index[trin]]:
                    return code
        return None

    @cached_property
    def bases(self) -> dict[str, np.ndarray]:
        """[kommune, år] population base per unit (NaN = missing)."""
        b = self.tables.befolkning
        out = {}
        for enhed, col in BASE_COLUMN.items():
            arr = np.full((len(self.kode_pos), len(self.years)), np.nan)
            ki = b["kommunekode"].map(self.kode_pos)
            yi = b["aar"].map(self.year_pos)
            ok = ki.notna() & yi.notna()
            arr[ki[ok].astype(int).to_numpy(), yi[ok].astype(int).to_numpy()] = b.loc[ok, col].to_numpy(float)
            out[enhed] = arr
        return out

    def price_factor(self, aar: int, prisaar: int | None) -> float:
        if prisaar is None:
            return 1.0
        missing = [y for y in (aar, prisaar) if y not in self.indeks]
        if missing:
            years = ", ".join(map(str, sorted(set(missing))))
            raise MissingIndexYearError(f"prisindekset mangler år {years}")
        return self.indeks[prisaar] / self.indeks[aar]

    def kommune_row(self, kode: str, aar: int, valg: model.Valg) -> np.ndarray:
        """Trin 1–6, 0 for one kommune and year, exactly as model.serie gives them (NaN = missing)."""
        row = self.amounts(valg.maal, valg.refusion, self._derives(valg))[self.kode_pos[kode],
                                                                          self.year_pos[aar]]
        f = self.price_factor(aar, valg.prisaar)
        row = row * f
        if valg.enhed in ("pr_0_17", "pr_0_22"):
            b = self.bases[valg.enhed][self.kode_pos[kode], self.year_pos[aar]]
            if math.isnan(b) or b <= 0:
                return np.full(len(self.trin_codes), np.nan)
            row = row / b * 1000.0
        elif valg.enhed == model.PER_CHILD:
            kids = self.kids[self.kode_pos[kode], self.year_pos[aar]]
            row = np.where(kids > 0, row / np.where(kids > 0, kids, 1.0) * 1000.0, np.nan)
        return row

    def kommune_value(self, kode: str, aar: int, trin: int, valg: model.Valg) -> float:
        """One figure (the TRAPPE_STEP fast path): plain float arithmetic, no arrays made."""
        a = float(self.amounts(valg.maal, valg.refusion, self._derives(valg))[
            self.kode_pos[kode], self.year_pos[aar], self.trin_index[trin]])
        if valg.prisaar is not None:
            a = a * self.price_factor(aar, valg.prisaar)
        if valg.enhed in ("pr_0_17", "pr_0_22"):
            b = float(self.bases[valg.enhed][self.kode_pos[kode], self.year_pos[aar]])
            if math.isnan(b) or b <= 0:
                return math.nan
            return a / b * 1000.0
        if valg.enhed == model.PER_CHILD:
            k = float(self.kids[self.kode_pos[kode], self.year_pos[aar], self.trin_index[trin]])
            return a / k * 1000.0 if k > 0 else math.nan
        return a

    # -- DST's own Hele landet (Landstal) ----------------------------------------------------
    @cached_property
    def has_land(self) -> bool:
        """kr. pr. indbygger data with DST's national figure: "Hele landet" is that figure,
        as on Analyse (workbook.bookdata.BookData.has_land)."""
        land = self.tables.landstal
        return self.value == "kr_pr_indbygger" and land is not None and len(land) > 0

    def land_series(self, valg: model.Valg) -> dict[tuple[int, int], float]:
        """{(aar, trin): value} of DST's national figure, as Analyse's comparison cells compute it
        (formulas.land_value): rows of the measure whose gyldig says data for the refusion
        choice; a year without such rows, or a step without any Landstal row that year, is
        missing; the totals (7, 8) are Σ of the steps that have a figure."""
        key = ("land", valg)
        if key in self._results:
            return self._results[key]
        land = self.tables.landstal
        lo = 4 if valg.refusion else 8
        ok = (land["maal"] == valg.maal) & (land["gyldig"] >= lo) & (land["gyldig"] <= lo + 7)
        use = ok & ((land["dranst"] != "2") | valg.refusion)
        out: dict[tuple[int, int], float] = {}
        for y in self.years_for(valg):
            has = bool((ok & (land["aar"] == y)).any())
            f = self.price_factor(y, valg.prisaar)
            steps = {}
            for t in self.trin_codes:
                source = bool(((land["aar"] == y) & (land["trin"] == t) & (land["maal"] == valg.maal)).any())
                rows = land.loc[use & (land["aar"] == y) & (land["trin"] == t), self.value]
                steps[t] = float(rows.sum()) * f if has and source else math.nan
            out.update({(y, t): v for t, v in steps.items()})
            on = [v for t, v in steps.items() if t != IKKE_FORDELT and not math.isnan(v)]
            alle = [v for v in steps.values() if not math.isnan(v)]
            out[(y, model.TRIN_I_ALT_PAA_TRIN)] = sum(on) if on else math.nan
            out[(y, model.TRIN_I_ALT)] = sum(alle) if alle else math.nan
        self._results[key] = out
        return out

    # -- model path: groups, shares, merudgift -------------------------------------------------
    def years_for(self, valg: model.Valg) -> list[int]:
        """The years a cached model run covers: all, or (faste priser) those with an index."""
        if valg.prisaar is None:
            return list(self.years)
        return [y for y in self.years if y in self.indeks]

    def _cached(self, key: tuple, run) -> dict[tuple[int, int], float]:
        """{(aar, trin): value} of one model run, computed once per key."""
        hit = self._results.get(key)
        if hit is None:
            frame, column = run()
            hit = {(int(a), int(t)): float(v)
                   for a, t, v in zip(frame["aar"], frame["trin"], frame[column])}
            self._results[key] = hit
        return hit

    def serie(self, members: tuple[str, ...], valg: model.Valg) -> dict[tuple[int, int], float]:
        """model.serie with totals (trin 7, 8) over all years: {(aar, trin): vaerdi}."""
        return self._cached(("serie", members, valg), lambda: (model.serie(
            self.steps, self.population, self.deflator, valg, members, self.years_for(valg),
            with_totals=True, children=self.children), "vaerdi"))

    def andele(self, members: tuple[str, ...], valg: model.Valg, column: str) -> dict[tuple[int, int], float]:
        """model.andele: {(aar, trin): andel or andel_paa_trin}."""
        return self._cached(("andele", members, valg, column), lambda: (model.andele(
            self.steps, self.population, self.deflator, valg, members, self.years_for(valg)), column))

    def merudgift(self, members: tuple[str, ...], valg: model.Valg,
                  basis: tuple[int, ...]) -> dict[tuple[int, int], float]:
        """model.merudgift with totals: {(aar, trin): merudgift}."""
        return self._cached(("merudgift", members, valg, basis), lambda: (model.merudgift(
            self.steps, self.population, self.deflator, valg, members, self.years_for(valg),
            basisaar=basis, children=self.children), "merudgift"))
