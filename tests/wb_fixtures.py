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

YEARS = (2018, 2019, 2020, 2021)


def synthetic_bookdata(holes: bool = True):
    """Function-level synthetic accounts for 4 years, with population and price index; with
    ``holes`` one kommune-year is missing entirely and one has a missing value."""
    acc = make_accounts(level="function", years=YEARS, seed=3)
    if holes:
        acc = acc[~((acc["kommunekode"] == "155") & (acc["aar"] == 2019))].copy()
        i = acc.index[(acc["kommunekode"] == "157") & (acc["aar"] == 2020)][0]
        acc.loc[i, "beloeb_1000kr"] = np.nan
    pop = make_population(years=YEARS)
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=pop,
                 deflator=make_deflator(years=YEARS),
                 meta={"name": "synthetic-workbook-test", "created": "2026-11-24T04:13:00Z",
                       "source": "synthetic", "tables": {}})
    return prepare(ds, load_key(), synthetic=True)
