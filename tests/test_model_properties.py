"""Property-based tests (hypothesis) on SYNTHETIC random accounts and random valid keys."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthetic import key_row, synthetic_accounts, synthetic_population, write_key
from trappe_xl import model
from trappe_xl.key import load_key

FUNCS = ["5.28.20", "5.28.21", "5.28.22", "5.28.23"]
GROUPINGS = ["*", "001", "002"]
KOMMUNER = ["101", "147", "155", "185"]
YEARS = [2018, 2019, 2020]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def shares(draw) -> list[tuple[int, float]]:
    """A random split over 1-3 distinct trin whose shares sum to exactly 1 (multiples of 1/8)."""
    trin = draw(st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True))
    cuts = sorted(draw(st.lists(st.integers(1, 7), min_size=len(trin) - 1, max_size=len(trin) - 1, unique=True)))
    bounds = [0, *cuts, 8]
    return [(t, (bounds[i + 1] - bounds[i]) / 8) for i, t in enumerate(trin)]


@st.composite
def random_key_rows(draw) -> list[dict]:
    """Per function a '*' group plus maybe an exact-grouping group: always valid, always covering."""
    rows, n = [], 0
    for f in FUNCS:
        grouping = draw(st.sampled_from(GROUPINGS))  # "*" = no grouping-level group
        patterns = {("*", "*"), (grouping, "*")}
        if draw(st.booleans()):  # dranst-1 groups; with a grouping group also (grouping, "1"),
            patterns |= {("*", "1"), (grouping, "1")}  # so no two equally specific groups tie
        for g, d in sorted(patterns):
            for t, a in draw(shares()):
                n += 1
                rows.append(key_row(f"P{n}", f, gruppering=g, dranst=d, trin=t, andel=a))
    return rows


amount = st.one_of(st.floats(-5e4, 5e4, allow_nan=False).map(lambda x: round(x, 3)), st.just(math.nan))


@st.composite
def random_accounts(draw) -> pd.DataFrame:
    keys = draw(st.lists(st.tuples(st.sampled_from(YEARS), st.sampled_from(KOMMUNER), st.sampled_from(FUNCS),
                                   st.sampled_from(["1", "2"]), st.sampled_from(GROUPINGS),
                                   st.sampled_from(["TOT", "UE", "I"])), min_size=1, max_size=60, unique=True))
    return synthetic_accounts([(*k, draw(amount)) for k in keys])


@SETTINGS
@given(rows=random_key_rows(), accounts=random_accounts())
def test_conservation_holds_for_random_accounts_and_keys(tmp_path, rows, accounts):
    key = load_key(write_key(tmp_path / "k.csv", rows))
    steps = model.step_table(model.apply_key(accounts, key))
    kontrol = model.assert_conserved(accounts, steps, key)
    assert kontrol["ok"].all()
    assert len(kontrol) == len(accounts.groupby(["aar", "kommunekode", "art", "dranst"]))


@SETTINGS
@given(rows=random_key_rows(), accounts=random_accounts())
def test_detail_shares_per_account_row_sum_to_one(tmp_path, rows, accounts):
    key = load_key(write_key(tmp_path / "k.csv", rows))
    d = model.apply_key(accounts, key)
    per_row = d.groupby(["aar", "kommunekode", "funktion", "dranst", "gruppering", "art"])["andel"].sum()
    assert np.allclose(per_row.to_numpy(), 1.0)
    assert len(per_row) == len(accounts)


def _steps_from(values: dict[tuple[int, str], float]) -> pd.DataFrame:
    return pd.DataFrame([(aar, k, 3, "netto", "1", v) for (aar, k), v in values.items()],
                        columns=["aar", "kommunekode", "trin", "maal", "dranst", "beloeb_1000kr"])


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(KOMMUNER), st.tuples(amount, st.integers(0, 400)), min_size=1))
def test_group_per_child_is_sum_over_sum(data):
    steps = _steps_from({(2020, k): v for k, (v, _) in data.items()})
    pop = synthetic_population({(2020, k): n for k, (_, n) in data.items()}, ages=range(18))
    got = model.serie(steps, pop, None, model.Valg(enhed="pr_0_17"), tuple(KOMMUNER), [2020])
    trin3 = got.set_index("trin").loc[3]
    with_both = [(v, 18 * n) for v, n in data.values() if not math.isnan(v) and n > 0]
    assert trin3["n_med_data"] == len(with_both)
    if with_both:
        expected = sum(v for v, _ in with_both) * 1000 / sum(c for _, c in with_both)
        assert math.isclose(trin3["vaerdi"], expected, rel_tol=1e-9, abs_tol=1e-9)
    else:
        assert math.isnan(trin3["vaerdi"])


@SETTINGS
@given(rows=random_key_rows(), accounts=random_accounts(), basis=st.sampled_from(YEARS))
def test_merudgift_of_base_year_is_zero_and_shares_sum_to_one(tmp_path, rows, accounts, basis):
    key = load_key(write_key(tmp_path / "k.csv", rows))
    steps = model.step_table(model.apply_key(accounts, key))
    members = tuple(sorted(set(accounts["kommunekode"])))
    m = model.merudgift(steps, None, None, model.Valg(), members, YEARS, basisaar=(basis,))
    at_base = m[m["aar"] == basis]["merudgift"]
    assert ((at_base == 0) | at_base.isna()).all()
    a = model.andele(steps, None, None, model.Valg(), members, YEARS)
    for _, year in a.groupby("aar"):
        total = year["vaerdi"].sum(skipna=False)
        if not math.isnan(total) and abs(total) > 1.0:
            assert math.isclose(year["andel"].sum(), 1.0, rel_tol=1e-6, abs_tol=1e-9)
