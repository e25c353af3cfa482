"""Choices (Valg), comparison units (who is in a group), population bases and price levels."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import reference
from ..errors import MissingIndexYearError, SelectionError
from ..frames import ART_TO_MAAL, empty_deflator, empty_population

MAAL = tuple(ART_TO_MAAL.values())
ENHEDER = ("1000kr", "pr_0_17", "pr_0_22", "kr_pr_indbygger")
#: enhed -> the ages (FOLK1A "alder" strings) that make up the population base
ALDRE = {"pr_0_17": tuple(str(a) for a in range(18)), "pr_0_22": tuple(str(a) for a in range(23)),
         "kr_pr_indbygger": ("IALT",)}
ENHED_LABELS = {"1000kr": "1.000 kr.", "pr_0_17": "kr. pr. 0-17-årig", "pr_0_22": "kr. pr. 0-22-årig",
                "kr_pr_indbygger": "kr. pr. indbygger"}


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
        """The unit must fit the data: per-capita data cannot be turned into amounts or per child."""
        fits = (self.enhed == "kr_pr_indbygger") == (value == "kr_pr_indbygger")
        if not fits:
            allowed = "kr_pr_indbygger" if value == "kr_pr_indbygger" else "1000kr, pr_0_17 eller pr_0_22"
            raise SelectionError(f"enheden {self.enhed!r} passer ikke til data i {value}; brug {allowed}")


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


def has_population(population: pd.DataFrame | None) -> bool:
    """Does the population hold any figure at all? A workbook built without FOLK1A has none:
    then a group's kr. pr. indbygger cannot be weighted and is the plain mean (:func:`serie`)."""
    return population is not None and len(population) > 0 and bool(
        population["antal"].astype(float).notna().any())


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
