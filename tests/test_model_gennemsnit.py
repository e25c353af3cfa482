"""model.gennemsnit for kr. pr. indbygger data without population: the plain mean of the members'
own figures needs no population (bug fixed: it used to give NaN). Hand-made SYNTHETIC figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trappe_xl import model
from trappe_xl.frames import empty_deflator, empty_population


def _steps():
    rows = [(2020, "101", 2, "netto", "*", 100.0), (2020, "101", 3, "netto", "*", 50.0),
            (2020, "147", 2, "netto", "*", 300.0),  # no trin-3 row: 0 there
            (2020, "151", 2, "netto", "*", np.nan),  # missing: left out whole
            (2021, "101", 2, "netto", "*", 10.0)]
    return pd.DataFrame(rows, columns=["aar", "kommunekode", "trin", "maal", "dranst",
                                       "kr_pr_indbygger"])


def test_plain_mean_without_population():
    g = model.gennemsnit(_steps(), empty_population(), empty_deflator(),
                         model.Valg(enhed="kr_pr_indbygger"), ("101", "147", "151"), [2020, 2021])
    v = {(r.aar, r.trin): r.vaerdi for r in g.itertuples()}
    n = {r.aar: r.n_med_data for r in g.itertuples()}
    assert v[(2020, 2)] == pytest.approx((100 + 300) / 2)
    assert v[(2020, 3)] == pytest.approx((50 + 0) / 2)
    assert v[(2021, 2)] == pytest.approx(10.0)
    assert n == {2020: 2, 2021: 1}


def test_group_without_any_population_is_the_plain_mean():
    """model.serie (the comparison A–D and the functions show) falls back to the plain mean only
    when the data hold no population at all; it is then exactly model.gennemsnit."""
    args = (_steps(), empty_population(), empty_deflator(), model.Valg(enhed="kr_pr_indbygger"),
            ("101", "147", "151"), [2020, 2021])
    pd.testing.assert_frame_equal(model.serie(*args), model.gennemsnit(*args))
    assert not model.has_population(empty_population())


def test_population_without_any_base_counts_as_none():
    """Rows of some ages only give no unit's base (0-17, 0-22, inhabitants): the population is
    as good as absent, as a workbook's Befolkning table (which holds the bases) shows it — so the
    build, the sheet and the functions all take the plain mean."""
    ages = pd.DataFrame({"aar": [2020, 2020], "kommunekode": ["101", "147"], "alder": ["3", "4"],
                         "antal": [10.0, 12.0]})
    assert not model.has_population(ages)
    args = (_steps(), ages, empty_deflator(), model.Valg(enhed="kr_pr_indbygger"),
            ("101", "147", "151"), [2020, 2021])
    pd.testing.assert_frame_equal(model.serie(*args), model.gennemsnit(*args))
    full = ages.assign(alder="IALT")
    assert model.has_population(full)
