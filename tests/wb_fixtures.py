"""Small SYNTHETIC data sets for the workbook tests (made-up figures, never real)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.synthetic import make_accounts, make_deflator, make_population  # noqa: E402
from trappe_xl.dataset import Dataset  # noqa: E402
from trappe_xl.key import load_key  # noqa: E402
from trappe_xl.pipeline import prepare  # noqa: E402
from trappe_xl.workbook.selection import Selection  # noqa: E402

YEARS = (2018, 2019, 2020, 2021)


def synthetic_bookdata(holes: bool = True):
    """Function-level synthetic accounts for 4 years, with population and price index; with
    ``holes`` one kommune-year is missing entirely and one has a missing value, and three
    kommune-years with data lack a population base: Gladsaxe 2020 and Aarhus' group member 461
    2020 the 0-22-year-olds only (0-17 is there), København 2021 both."""
    acc = make_accounts(level="function", years=YEARS, seed=3)
    if holes:
        acc = acc[~((acc["kommunekode"] == "155") & (acc["aar"] == 2019))].copy()
        i = acc.index[(acc["kommunekode"] == "157") & (acc["aar"] == 2020)][0]
        acc.loc[i, "beloeb_1000kr"] = np.nan
    pop = make_population(years=YEARS)
    if holes:
        drop = (((pop["kommunekode"] == "159") & (pop["aar"] == 2020) & pop["alder"].isin(["18", "22"]))
                | ((pop["kommunekode"] == "461") & (pop["aar"] == 2020) & (pop["alder"] == "20"))
                | ((pop["kommunekode"] == "101") & (pop["aar"] == 2021) & (pop["alder"] == "5")))
        pop = pop[~drop]
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=pop,
                 deflator=make_deflator(years=YEARS),
                 meta={"name": "synthetic-workbook-test", "created": "2026-11-24T04:13:00Z",
                       "source": "synthetic", "tables": {}})
    return prepare(ds, load_key(), synthetic=True)


#: The input selections every real-engine test builds (workbook formulas and TRAPPE functions
#: are both checked against the model on these; the issue asks for the same ≥ 5 combinations).
SELECTIONS = {
    "default": Selection(),
    "region_kommune": Selection(kommune="147", sammenligning="region", basis_fra=2018,
                                basis_til=2019),
    "own_group_per_child": Selection(kommune="157", sammenligning="gruppe",
                                     gruppe=("155", "157", "159", "101"), enhed="pr_0_17"),
    "fixed_prices_kgroup": Selection(kommune="751", sammenligning="kommunegruppe", prisaar=2019,
                                     enhed="pr_0_22", basis_fra=2020),
    "udgifter_no_refusion": Selection(kommune="155", maal="udgifter", refusion=False,
                                      fra_aar=2019, til_aar=2021, basis_fra=2019, trappe_aar=2019),
    "indtaegter_land": Selection(kommune="860", maal="indtaegter", basis_fra=2019, basis_til=2021),
}
