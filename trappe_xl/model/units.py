"""Choices (Valg), comparison units (who is in a group), population bases and price levels."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import reference
from ..errors import MissingIndexYearError, SelectionError
from ..frames import ART_TO_MAAL, empty_deflator, empty_population

MAAL = tuple(ART_TO_MAAL.values())
ENHEDER = ("1000kr", "pr_0_17", "pr_0_22", "kr_pr_indbygger", "pr_barn")
#: kr. per child in the measure: each step's amount ÷ the children on that step (model.children)
PER_CHILD = "pr_barn"
#: enhed -> the ages (FOLK1A "alder" strings) that make up the population base
ALDRE = {"pr_0_17": tuple(str(a) for a in range(18)), "pr_0_22": tuple(str(a) for a in range(23)),
         "kr_pr_indbygger": ("IALT",)}
ENHED_LABELS = {"1000kr": "1.000 kr.", "pr_0_17": "kr. pr. 0-17-årig", "pr_0_22": "kr. pr. 0-22-årig",
                "kr_pr_indbygger": "kr. pr. indbygger", "pr_barn": "kr. pr. barn i indsatsen"}


@dataclass(frozen=True)
class Valg:
    """An analysis selection.

    maal      netto | udgifter | indtaegter
    enhed     1000kr | pr_0_17 | pr_0_22 for ``beloeb_1000kr`` data; kr_pr_indbygger for
              ``kr_pr_indbygger`` data (the only unit there)
    prisaar   None = løbende priser; a year = faste priser in that year's price level
    refusion  False drops dranst 2 (statsrefusion); dranst "*" (not stated) cannot be split and stays
    """

    maal: str = "netto"
    enhed: str = "1000kr"
    prisaar: int | None = None
    refusion: bool = True

    def __post_init__(self) -> None:
        if self.maal not in MAAL:
            raise SelectionError(f"ukendt mål {self.maal!r}; vælg et af {list(MAAL)}")
        if self.enhed not in ENHEDER:
            raise SelectionError(f"ukendt enhed {self.enhed!r}; vælg en af {list(ENHEDER)}")
        if self.prisaar is not None and not isinstance(self.prisaar, int):
            raise SelectionError(f"prisår skal være et årstal eller tomt, ikke {self.prisaar!r}")

    def check_value_column(self, value: str) -> None:
        """The unit must fit the data: amounts cannot be turned into kr. pr. indbygger (the
        accounts' own per-capita figure); per-capita data give amounts and per child only
        derived with population (:func:`derived_amounts`, which the model applies itself)."""
        if self.enhed == "kr_pr_indbygger" and value != "kr_pr_indbygger":
            raise SelectionError(f"enheden {self.enhed!r} passer ikke til data i {value}; "
                                 "brug 1000kr, pr_0_17 eller pr_0_22")


def kommune(kode: str) -> tuple[str, ...]:
    if kode not in reference.kommunekoder():
        raise SelectionError(f"{kode!r} er ikke en kommunekode (fx '101' København)")
    return (kode,)


def gruppe(koder) -> tuple[str, ...]:
    """A user-chosen group: any non-empty set of municipality codes (sorted, no duplicates)."""
    koder = tuple(sorted(set(koder)))
    unknown = [k for k in koder if k not in reference.kommunekoder()]
    if not koder or unknown:
        raise SelectionError(f"gruppen skal bestå af kendte kommunekoder; ukendte: {unknown or 'ingen valgt'}")
    return koder


def region(regionskode: str) -> tuple[str, ...]:
    members = reference.members_of_region(regionskode)
    if not members:
        raise SelectionError(f"{regionskode!r} er ikke en regionskode ({', '.join(reference.REGION_CODES)})")
    return members


def kommunegruppe(gruppe_kode: str) -> tuple[str, ...]:
    members = reference.members_of_kommunegruppe(gruppe_kode)
    if not members:
        raise SelectionError(f"{gruppe_kode!r} er ikke en DST-kommunegruppe "
                             f"({', '.join(reference.kommunegrupper())})")
    return members


def hele_landet() -> tuple[str, ...]:
    return reference.all_kommunekoder()


def population_base(population: pd.DataFrame | None, enhed: str) -> pd.Series:
    """Σ antal over the unit's ages per (aar, kommunekode); missing if any needed age is missing
    or absent."""
    ages = ALDRE[enhed]
    if population is None:
        population = empty_population()
    rows = population[population["alder"].isin(ages)]
    grouped = rows["antal"].astype(float).groupby([rows["aar"], rows["kommunekode"]])
    total = grouped.sum(skipna=False, min_count=1)
    complete = grouped.count() == len(ages)
    return total.where(complete)


#: the column of the derived amounts (1.000 kr. from kr. pr. indbygger × folketal)
DERIVED_VALUE = "beloeb_1000kr"


def derived_amounts(steps: pd.DataFrame, population: pd.DataFrame | None) -> pd.DataFrame:
    """kr. pr. indbygger steps as amounts in 1.000 kr.: each row's kr. pr. indbygger × the
    kommune's inhabitants (alder IALT) that year ÷ 1.000 — derived, not DST's figure: DST rounds
    kr. pr. indbygger to whole kroner, so each derived row may be off by up to ±0,5 kr. × the
    inhabitants (:func:`rounding_bound`). A row without inhabitants is missing (never 0), so its
    kommune-year has no data in the derived units. The returned frame has ``beloeb_1000kr``
    in place of ``kr_pr_indbygger`` and is then read as 1.000 kr. data."""
    ialt = population_base(population, "kr_pr_indbygger")
    keys = pd.MultiIndex.from_arrays([steps["aar"].astype(int), steps["kommunekode"].astype(str)])
    inhabitants = ialt.reindex(keys).to_numpy(dtype=float) if len(ialt) else float("nan")
    out = steps.drop(columns=["kr_pr_indbygger"])
    out[DERIVED_VALUE] = steps["kr_pr_indbygger"].to_numpy(dtype=float) * inhabitants / 1000.0
    return out


def rounding_bound(population: pd.DataFrame | None) -> pd.Series:
    """Per (aar, kommunekode): the most one derived row (1.000 kr.) can be off because DST
    rounds kr. pr. indbygger to whole kroner: 0,5 kr. × inhabitants ÷ 1.000."""
    return population_base(population, "kr_pr_indbygger") * 0.5 / 1000.0


def per_child_offered(value_column: str, derived: bool, has_children: bool) -> bool:
    """Is kr. pr. barn i indsatsen offered? Children on the steps, and amounts to divide: 1.000 kr.
    data, or kr. pr. indbygger data with the derived amounts (population). One rule for the
    workbook's Enhed list, the xlwings functions and the LAMBDA names."""
    return has_children and (value_column == "beloeb_1000kr" or derived)


def has_population(population: pd.DataFrame | None) -> bool:
    """Does the population give any unit's base (0-17, 0-22 or all inhabitants) for some
    kommune-year? A workbook built without FOLK1A has none: then a group's kr. pr. indbygger
    cannot be weighted and is the plain mean (:func:`serie`). Bases, not raw rows, so the
    answer is the same for the population the build reads and the one a workbook's Befolkning
    table gives back (its pop_0_17/pop_0_22/pop_ialt are these bases)."""
    return population is not None and len(population) > 0 and any(
        bool(population_base(population, enhed).notna().any()) for enhed in ALDRE)


def price_factors(deflator: pd.DataFrame, prisaar: int | None, years) -> pd.Series:
    """Factor per year that turns løbende priser into prisaar's level: indeks[prisaar]/indeks[aar].
    None -> 1.0 (løbende priser). A needed year without a (positive) index -> MissingIndexYearError."""
    years = sorted(set(int(y) for y in years))
    if prisaar is None:
        return pd.Series(1.0, index=pd.Index(years, name="aar"))
    idx = (deflator if deflator is not None else empty_deflator())
    idx = idx[idx["indeks"] > 0].set_index("aar")["indeks"].astype(float)
    missing = sorted(set(years + [prisaar]) - set(idx.index))
    if missing:
        raise MissingIndexYearError(f"prisindekset mangler år {', '.join(map(str, missing))}; faste "
                                    f"priser i {prisaar}-niveau kan ikke beregnes")
    return (idx[prisaar] / idx.loc[years]).rename_axis("aar")
