"""The ladder model on small SYNTHETIC data, with every expectation worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synthetic import (key_row, simple_key_rows, synthetic_accounts, synthetic_deflator,
                       synthetic_population, write_key)
from trappe_xl import model, reference
from trappe_xl.errors import (ConservationError, KeyCoverageError, MissingIndexYearError,
                              SelectionError, TrappeError)
from trappe_xl.key import load_key

NAN = float("nan")
V = "beloeb_1000kr"
KRONE = 1e-3  # one krone in 1.000 kr.
#: the order the hand-worked lists below use: trin 1..6, then 0 (combined steps are tested apart)
STEPS = (1, 2, 3, 4, 5, 6, 0)

# SYNTHETIC key for the hand-computed case: every function 5.28.20-26, easy shares
HAND_KEY = [key_row("H20", "5.28.20", trin=6),
            key_row("H21a", "5.28.21", trin=2, andel=0.6), key_row("H21b", "5.28.21", trin=3, andel=0.4),
            key_row("H22a", "5.28.22", trin=5, andel=0.75), key_row("H22b", "5.28.22", trin=4, andel=0.25),
            key_row("H23a", "5.28.23", trin=6, andel=0.8), key_row("H23b", "5.28.23", trin=3, andel=0.2),
            key_row("H24", "5.28.24", trin=6), key_row("H25", "5.28.25", trin=0),
            key_row("H26", "5.28.26", trin=0)]
# SYNTHETIC net amounts (1.000 kr.) per function 5.28.20 .. 5.28.26
HAND_DATA = {("101", 2020): [100, 200, 80, 50, 10, 5, 3], ("101", 2021): [120, 150, 100, 25, 0, 0, 4],
             ("147", 2020): [40, 50, 20, 0, 0, 1, 0], ("147", 2021): [30, 70, 24, 10, 5, 0, 1],
             ("155", 2020): [200, 300, 160, 100, 20, 10, 10], ("155", 2021): [210, 310, 120, NAN, 20, 0, 0]}
# by hand, trin 1..6, 0 (155/2021 has a missing 5.28.23: missing on trin 3 and 6)
HAND_STEPS = {("101", 2020): [0, 120, 90, 20, 60, 150, 8], ("101", 2021): [0, 90, 65, 25, 75, 140, 4],
              ("147", 2020): [0, 30, 20, 5, 15, 40, 1], ("147", 2021): [0, 42, 30, 6, 18, 43, 1],
              ("155", 2020): [0, 180, 140, 40, 120, 300, 20]}
CHILDREN_PER_AGE = {"101": 10, "147": 5, "155": 20}   # SYNTHETIC: 0-17 = 18 × this
MEMBERS = ("101", "147", "155")


@pytest.fixture
def hand_key(tmp_path):
    return load_key(write_key(tmp_path / "hand.csv", HAND_KEY))


@pytest.fixture
def hand_accounts():
    rows = [(aar, kode, f"5.28.{20 + i}", "1", "*", "TOT", v)
            for (kode, aar), values in HAND_DATA.items() for i, v in enumerate(values)]
    return synthetic_accounts(rows)


@pytest.fixture
def hand_steps(hand_accounts, hand_key):
    return model.step_table(model.apply_key(hand_accounts, hand_key))


@pytest.fixture
def population():
    return synthetic_population({(aar, k): n for k, n in CHILDREN_PER_AGE.items() for aar in (2020, 2021)})


def values(serie: pd.DataFrame, aar: int) -> list[float]:
    s = serie[serie["aar"] == aar]
    return s.set_index("trin").loc[list(STEPS), "vaerdi"].tolist()


# ---------------------------------------------------------------- apply_key / step_table

def test_step_table_matches_hand_computation(hand_steps):
    assert list(hand_steps.columns) == ["aar", "kommunekode", "trin", "maal", "dranst", V]
    for (kode, aar), expected in HAND_STEPS.items():
        got = hand_steps[(hand_steps["kommunekode"] == kode) & (hand_steps["aar"] == aar)]
        got = got.set_index("trin")[V].reindex(list(STEPS)).fillna(0.0)
        assert got.tolist() == pytest.approx(expected, abs=KRONE), (kode, aar)


def test_missing_stays_missing_in_steps(hand_steps):
    s = hand_steps[(hand_steps["kommunekode"] == "155") & (hand_steps["aar"] == 2021)].set_index("trin")[V]
    assert math.isnan(s[3]) and math.isnan(s[6])
    assert s[2] == pytest.approx(310 * 0.6) and s[5] == pytest.approx(120 * 0.75)


def test_detail_rows_keep_regel_id_and_andel(hand_accounts, hand_key):
    d = model.apply_key(hand_accounts, hand_key)
    row = d[(d["kommunekode"] == "101") & (d["aar"] == 2020) & (d["regel_id"] == "H23b")]
    assert len(row) == 1
    assert row["trin"].item() == 3 and row["andel"].item() == 0.2 and row[V].item() == pytest.approx(10.0)
    assert len(d) == 6 * (1 + 2 + 2 + 2 + 1 + 1 + 1)
    assert d.attrs["noegle_version"] == "test-1 (2000-01-01)"


def test_most_specific_rule_wins(tmp_path):
    key = load_key(write_key(tmp_path / "k.csv", simple_key_rows()))
    acc = synthetic_accounts([(2020, "101", "5.28.21", "1", "001", "TOT", 50.0),
                              (2020, "101", "5.28.21", "1", "002", "TOT", 10.0)])
    d = model.apply_key(acc, key)
    assert d.loc[d["gruppering"] == "001", ["regel_id", "trin", V]].values.tolist() == [["S3", 3, 50.0]]
    assert sorted(d.loc[d["gruppering"] == "002", "regel_id"]) == ["S1", "S2"]


def test_year_ranges_pick_the_rule_of_the_year(tmp_path):
    rows = [key_row("OLD", "5.28.20", trin=5, til_aar=2010), key_row("NEW", "5.28.20", trin=6, fra_aar=2011)]
    key = load_key(write_key(tmp_path / "k.csv", rows))
    acc = synthetic_accounts([(2010, "101", "5.28.20", "1", "*", "TOT", 1.0),
                              (2011, "101", "5.28.20", "1", "*", "TOT", 2.0)])
    d = model.apply_key(acc, key)
    assert d.set_index("aar")["regel_id"].to_dict() == {2010: "OLD", 2011: "NEW"}


def test_coverage_error_names_a_new_function(hand_accounts, hand_key):
    new = synthetic_accounts([(2021, "101", "5.28.27", "1", "*", "TOT", 9.0),
                              (2022, "147", "5.28.27", "1", "*", "TOT", 9.0),
                              (2023, "147", "5.28.27", "1", "*", "TOT", 9.0)])
    with pytest.raises(KeyCoverageError, match=r"5\.28\.27 gruppering \* dranst 1 art TOT år 2021-2023") as e:
        model.apply_key(pd.concat([hand_accounts, new], ignore_index=True), hand_key)
    assert e.value.uncovered[["funktion", "aar_liste"]].values.tolist() == [["5.28.27", "2021-2023"]]


def test_coverage_error_names_dranst_and_years(tmp_path):
    key = load_key(write_key(tmp_path / "k.csv", [key_row("D1", "5.28.21", dranst="1", trin=2)]))
    acc = synthetic_accounts([(2019, "101", "5.28.21", "2", "*", "I", -4.0),
                              (2021, "101", "5.28.21", "2", "*", "I", -4.0)])
    with pytest.raises(KeyCoverageError, match=r"5\.28\.21 gruppering \* dranst 2 art I år 2019,2021"):
        model.apply_key(acc, key)


def test_other_functions_are_out_of_scope_unless_the_key_names_them(hand_accounts, hand_key):
    other = synthetic_accounts([(2020, "101", "5.57.72", "1", "*", "TOT", 99.0)])
    d = model.apply_key(pd.concat([hand_accounts, other], ignore_index=True), hand_key)
    assert "5.57.72" not in set(d["funktion"])


def test_unknown_art_is_refused(hand_key):
    acc = synthetic_accounts([(2020, "101", "5.28.20", "1", "*", "NET", 1.0)])
    with pytest.raises(TrappeError, match="ukendte arter"):
        model.apply_key(acc, hand_key)


# ---------------------------------------------------------------- conservation

def test_conservation_holds_on_hand_case(hand_accounts, hand_steps):
    k = model.assert_conserved(hand_accounts, hand_steps)
    row = k[(k["kommunekode"] == "101") & (k["aar"] == 2020)].iloc[0]
    assert row["kilde_total"] == 448 and row["trin_total"] == 440 and row["ikke_fordelt"] == 8
    assert (k["noegle_version"] == "test-1 (2000-01-01)").all()
    missing = k[(k["kommunekode"] == "155") & (k["aar"] == 2021)].iloc[0]
    assert math.isnan(missing["kilde_total"]) and bool(missing["ok"])


def test_conservation_catches_a_lost_krone(hand_accounts, hand_steps):
    broken = hand_steps.copy()
    broken.loc[(broken["kommunekode"] == "147") & (broken["trin"] == 2) & (broken["aar"] == 2020), V] -= 0.002
    k = model.conservation(hand_accounts, broken)
    assert k.loc[~k["ok"], ["aar", "kommunekode"]].values.tolist() == [[2020, "147"]]
    with pytest.raises(ConservationError, match="2020 kommune 147 netto"):
        model.assert_conserved(hand_accounts, broken)


def test_conservation_catches_lost_rows(hand_accounts, hand_steps):
    broken = hand_steps[~((hand_steps["kommunekode"] == "101") & (hand_steps["aar"] == 2021))]
    with pytest.raises(ConservationError):
        model.assert_conserved(hand_accounts, broken)


# ---------------------------------------------------------------- serie / units

def test_group_amounts_are_sums_over_members_with_data(hand_steps, population):
    s = model.serie(hand_steps, population, None, model.Valg(), MEMBERS, [2020, 2021])
    # trin 1 has no source in the data (nothing in 5.28 is placed there): missing, never 0
    assert values(s, 2020) == pytest.approx([NAN, 330, 250, 65, 195, 490, 29], abs=KRONE, nan_ok=True)
    # 155 lacks 5.28.23 in 2021: left out whole, n_med_data says so
    assert values(s, 2021) == pytest.approx([NAN, 132, 95, 31, 93, 183, 5], abs=KRONE, nan_ok=True)
    assert s.groupby("aar")["n_med_data"].first().to_dict() == {2020: 3, 2021: 2}
    assert (s["n_kommuner"] == 3).all()


def test_per_child_is_sum_over_sum(hand_steps, population):
    s = model.serie(hand_steps, population, None, model.Valg(enhed="pr_0_17"), MEMBERS, [2020, 2021])
    children_2020 = 18 * (10 + 5 + 20)
    children_2021 = 18 * (10 + 5)  # 155 has no complete accounts in 2021
    assert values(s, 2020)[1] == pytest.approx(330 * 1000 / children_2020, abs=0.5e-3)
    assert values(s, 2021)[5] == pytest.approx(183 * 1000 / children_2021, abs=0.5e-3)
    s22 = model.serie(hand_steps, population, None, model.Valg(enhed="pr_0_22"), ("101",), [2020])
    assert values(s22, 2020)[5] == pytest.approx(150 * 1000 / (23 * 10))


def test_plain_average_is_a_separate_mean_of_ratios(hand_steps, population):
    valg = model.Valg(enhed="pr_0_17")
    g = model.gennemsnit(hand_steps, population, None, valg, MEMBERS, [2020])
    expected = (120 * 1000 / 180 + 30 * 1000 / 90 + 180 * 1000 / 360) / 3
    assert values(g, 2020)[1] == pytest.approx(expected)
    assert values(model.serie(hand_steps, population, None, valg, MEMBERS, [2020]), 2020)[1] != \
        pytest.approx(expected)


def test_no_population_gives_missing_not_zero(hand_steps):
    empty = synthetic_population({})
    s = model.serie(hand_steps, empty, None, model.Valg(enhed="pr_0_22"), MEMBERS, [2020])
    assert s["vaerdi"].isna().all() and (s["n_med_data"] == 0).all()


def test_year_without_data_is_missing(hand_steps):
    s = model.serie(hand_steps, None, None, model.Valg(), ("101",), [2019, 2020])
    assert s[s["aar"] == 2019]["vaerdi"].isna().all()
    assert s[s["aar"] == 2019]["n_med_data"].eq(0).all()


def test_with_totals_adds_i_alt_rows(hand_steps):
    s = model.serie(hand_steps, None, None, model.Valg(), ("101",), [2020], with_totals=True)
    tot = s.set_index("trin")["vaerdi"]
    assert tot[model.TRIN_I_ALT_PAA_TRIN] == pytest.approx(440) and tot[model.TRIN_I_ALT] == pytest.approx(448)
    assert s["trin"].tolist() == [*reference.ALLE_TRIN, 7, 8]
    assert math.isnan(tot[1]) and math.isnan(tot[23]) and math.isnan(tot[45])  # no source


def test_refusion_false_drops_dranst_2(hand_key):
    acc = synthetic_accounts([(2020, "101", "5.28.20", "1", "*", "TOT", 100.0),
                              (2020, "101", "5.28.20", "2", "*", "TOT", -30.0)])
    steps = model.step_table(model.apply_key(acc, hand_key))
    med = model.serie(steps, None, None, model.Valg(), ("101",), [2020])
    uden = model.serie(steps, None, None, model.Valg(refusion=False), ("101",), [2020])
    assert values(med, 2020)[5] == 70 and values(uden, 2020)[5] == 100


def test_kr_pr_indbygger_group_is_population_weighted(tmp_path):
    rows = [(2016, "101", "5.28.21", "*", "*", "TOT", 100.0), (2016, "147", "5.28.21", "*", "*", "TOT", 200.0)]
    acc = synthetic_accounts(rows, value="kr_pr_indbygger")
    key = load_key(write_key(tmp_path / "k.csv", [key_row("P", "5.28.21", trin=2)]))
    steps = model.step_table(model.apply_key(acc, key))
    pop = synthetic_population({}, ialt={(2016, "101"): 1000, (2016, "147"): 3000})
    valg = model.Valg(enhed="kr_pr_indbygger")
    s = model.serie(steps, pop, None, valg, ("101", "147"), [2016])
    assert values(s, 2016)[1] == pytest.approx((100 * 1000 + 200 * 3000) / 4000)
    # no population at all (data without FOLK1A): the plain mean of the members' own figures
    no_pop = model.serie(steps, synthetic_population({}), None, valg, ("101", "147"), [2016])
    assert values(no_pop, 2016)[1] == 150
    assert set(no_pop["n_med_data"]) == {2}
    # population for some years only: weighted where it exists, missing (never the mean) elsewhere
    rows17 = rows + [(2017, k, f, g, d, a, v * 2) for (_, k, f, g, d, a, v) in rows]
    steps17 = model.step_table(model.apply_key(synthetic_accounts(rows17, value="kr_pr_indbygger"), key))
    part = model.serie(steps17, pop, None, valg, ("101", "147"), [2016, 2017])
    assert values(part, 2016)[1] == pytest.approx(175.0) and math.isnan(values(part, 2017)[1])
    assert values(model.gennemsnit(steps, pop, None, valg, ("101", "147"), [2016]), 2016)[1] == 150
    # 1.000 kr. on kr. pr. indbygger data is derived: kr. pr. indbygger × inhabitants ÷ 1.000
    assert values(model.serie(steps, pop, None, model.Valg(), ("101",), [2016]), 2016)[1] == 100.0
    assert values(model.serie(steps, pop, None, model.Valg(), ("101", "147"), [2016]), 2016)[1] == 700.0
    # without inhabitants there is nothing to derive: missing, never 0
    assert math.isnan(values(model.serie(steps, synthetic_population({}), None, model.Valg(), ("101",),
                                         [2016]), 2016)[1])


def test_amounts_never_become_kr_pr_indbygger(tmp_path):
    rows = [(2016, "101", "5.28.21", "*", "*", "TOT", 100.0)]
    key = load_key(write_key(tmp_path / "k.csv", [key_row("P", "5.28.21", trin=2)]))
    steps = model.step_table(model.apply_key(synthetic_accounts(rows), key))
    pop = synthetic_population({}, ialt={(2016, "101"): 1000})
    with pytest.raises(SelectionError, match="passer ikke"):
        model.serie(steps, pop, None, model.Valg(enhed="kr_pr_indbygger"), ("101",), [2016])


def test_derived_units_from_kr_pr_indbygger(tmp_path):
    """1.000 kr. and per child on kr. pr. indbygger data: each row × the kommune's inhabitants
    ÷ 1.000 (SYNTHETIC hand figures), then read exactly as 1.000 kr. data: groups sum, per child
    Σ amounts / Σ children, a kommune-year without inhabitants is missing whole."""
    rows = [(2016, "101", "5.28.21", "*", "*", "TOT", 100.0), (2016, "101", "5.28.22", "*", "*", "TOT", 50.0),
            (2016, "147", "5.28.21", "*", "*", "TOT", 200.0), (2016, "151", "5.28.21", "*", "*", "TOT", 400.0)]
    acc = synthetic_accounts(rows, value="kr_pr_indbygger")
    key = load_key(write_key(tmp_path / "k.csv", [key_row("P", "5.28.21", trin=2),
                                                   key_row("Q", "5.28.22", trin=5)]))
    steps = model.step_table(model.apply_key(acc, key))
    ialt = {(2016, "101"): 1000, (2016, "147"): 3000}           # 151 has no inhabitants
    pop = synthetic_population({(2016, "101"): 200, (2016, "147"): 500}, ialt=ialt)
    derived = model.derived_amounts(steps, pop)
    assert "kr_pr_indbygger" not in derived and model.DERIVED_VALUE in derived
    got = {(r.kommunekode, r.trin): r.beloeb_1000kr for r in derived.itertuples()}
    assert got[("101", 2)] == 100.0 and got[("101", 5)] == 50.0 and got[("147", 2)] == 600.0
    assert math.isnan(got[("151", 2)])
    group = model.serie(steps, pop, None, model.Valg(), ("101", "147", "151"), [2016])
    assert values(group, 2016)[1] == 700.0 and values(group, 2016)[4] == 50.0   # trin 2, trin 5
    assert set(group["n_med_data"]) == {2}                       # 151 is not in the figure
    child = model.serie(steps, pop, None, model.Valg(enhed="pr_0_17"), ("101", "147"), [2016])
    assert values(child, 2016)[1] == pytest.approx(700.0 / (18 * 200 + 18 * 500) * 1000)
    bound = model.rounding_bound(pop)
    assert bound[(2016, "147")] == pytest.approx(1.5)           # 0,5 kr. × 3.000 ÷ 1.000


# ---------------------------------------------------------------- prices

def test_index_one_everywhere_reproduces_current_prices(hand_steps):
    ones = synthetic_deflator({2020: 1.0, 2021: 1.0})
    fixed = model.serie(hand_steps, None, ones, model.Valg(prisaar=2021), MEMBERS, [2020, 2021])
    current = model.serie(hand_steps, None, None, model.Valg(), MEMBERS, [2020, 2021])
    pd.testing.assert_frame_equal(fixed, current)


def test_fixed_prices_and_back(hand_steps):
    idx = {2020: 100.0, 2021: 104.0}
    fixed = model.serie(hand_steps, None, synthetic_deflator(idx), model.Valg(prisaar=2020), ("101",), [2020, 2021])
    assert values(fixed, 2021)[1] == pytest.approx(90 * 100 / 104)
    back = fixed["vaerdi"] * fixed["aar"].map(idx) / idx[2020]
    current = model.serie(hand_steps, None, None, model.Valg(), ("101",), [2020, 2021])
    assert back.tolist() == pytest.approx(current["vaerdi"].tolist(), nan_ok=True)


def test_missing_index_year_is_named(hand_steps):
    with pytest.raises(MissingIndexYearError, match="mangler år 2021"):
        model.serie(hand_steps, None, synthetic_deflator({2020: 100.0}), model.Valg(prisaar=2020),
                    ("101",), [2020, 2021])


# ---------------------------------------------------------------- andele / merudgift

def test_andele_with_and_without_ikke_fordelt(hand_steps):
    a = model.andele(hand_steps, None, None, model.Valg(), ("101",), [2020])
    by = a.set_index("trin")
    assert by.loc[6, "andel"] == pytest.approx(150 / 448) and by.loc[6, "andel_paa_trin"] == pytest.approx(150 / 440)
    assert by["andel"].sum() == pytest.approx(1) and by["andel_paa_trin"].sum() == pytest.approx(1)
    assert math.isnan(by.loc[0, "andel_paa_trin"])


def test_merudgift_against_one_and_several_base_years(hand_steps):
    m = model.merudgift(hand_steps, None, None, model.Valg(), ("101",), [2020, 2021], basisaar=(2020,))
    assert m[m["aar"] == 2020]["merudgift"].abs().max() == 0
    m21 = m[m["aar"] == 2021].set_index("trin")
    assert m21.loc[6, "merudgift"] == pytest.approx(140 - 150)
    assert m21.loc[model.TRIN_I_ALT, "merudgift"] == pytest.approx(399 - 448)
    mean = model.merudgift(hand_steps, None, None, model.Valg(), ("101",), [2021], basisaar=(2020, 2021))
    assert mean.set_index("trin").loc[2, "basis"] == pytest.approx((120 + 90) / 2)


# ---------------------------------------------------------------- selections

def test_comparison_units():
    assert model.kommune("101") == ("101",)
    assert model.gruppe(["147", "101", "101"]) == ("101", "147")
    assert len(model.hele_landet()) == 98
    assert set(model.region("084")) == set(reference.members_of_region("084"))
    assert model.kommunegruppe("1") == reference.members_of_kommunegruppe("1")
    for call, arg in [(model.kommune, "999"), (model.gruppe, []), (model.region, "086"),
                      (model.kommunegruppe, "9")]:
        with pytest.raises(SelectionError):
            call(arg)


def test_bad_valg_is_refused():
    with pytest.raises(SelectionError, match="ukendt mål"):
        model.Valg(maal="brutto")
    with pytest.raises(SelectionError, match="ukendt enhed"):
        model.Valg(enhed="kr")


def test_default_key_applies_to_real_regk31_extract(shared_data):
    """Real DST figures (kr. pr. indbygger, dranst not stated) run through the packaged key."""
    raw = pd.read_csv(shared_data / "regk31-extract" / "regk31_528_21-22_pr_indbygger_2016-2024.csv",
                      dtype={"funktion": str, "omraade": str})
    names = {k.navn: k.kode for k in reference.kommuner()}
    raw = raw[raw["omraade"].isin(names)]
    acc = pd.DataFrame({"aar": raw["aar"].astype(int), "kommunekode": raw["omraade"].map(names),
                        "funktion": raw["funktion"], "dranst": "*", "gruppering": "*", "art": "TOT",
                        "kr_pr_indbygger": raw["kr_pr_indbygger"].astype(float)})
    key = load_key()
    steps = model.step_table(model.apply_key(acc, key))
    model.assert_conserved(acc, steps, key)
    kbh = steps[(steps["kommunekode"] == "101") & (steps["aar"] == 2016)].set_index("trin")["kr_pr_indbygger"]
    src = acc[(acc["kommunekode"] == "101") & (acc["aar"] == 2016)].set_index("funktion")["kr_pr_indbygger"]
    # function level: each function shown once, whole, on its combined step; no invented halves
    assert kbh[23] == pytest.approx(src["5.28.21"]) and kbh[45] == pytest.approx(src["5.28.22"])
    assert np.isclose(kbh.sum(), src.sum())
    assert set(steps["trin"]) == {23, 45}


def test_empty_accounts_give_empty_outputs(hand_key):
    from trappe_xl.frames import empty_accounts
    steps = model.step_table(model.apply_key(empty_accounts(), hand_key))
    assert steps.empty and list(steps.columns) == ["aar", "kommunekode", "trin", "maal", "dranst", V]
    assert model.assert_conserved(empty_accounts(), steps, hand_key).empty


def test_categorical_input_gives_the_same_steps(hand_accounts, hand_key, hand_steps):
    cat = hand_accounts.astype({c: "category" for c in ["kommunekode", "funktion", "dranst", "gruppering", "art"]})
    pd.testing.assert_frame_equal(model.step_table(model.apply_key(cat, hand_key)), hand_steps)


# ---------------------------------------------------------------- combined steps and their split

def _combined_key(tmp_path):
    return load_key(write_key(tmp_path / "k.csv", [
        key_row("G2", "5.28.21", gruppering="017", trin=2), key_row("G3", "5.28.21", gruppering="002", trin=3),
        key_row("G0", "5.28.21", gruppering="999", trin=0),
        key_row("GF", "5.28.21", gruppering="funktion", trin=23)]))


def test_function_level_without_grouping_data_stays_combined(tmp_path):
    acc = synthetic_accounts([(2019, "101", "5.28.21", "1", "*", "TOT", 300.0)])
    d = model.apply_key(acc, _combined_key(tmp_path))
    assert d[["trin", "andel", V, "andel_grundlag"]].values.tolist() == [[23, 1.0, 300.0, ""]]


def test_function_level_is_split_by_the_kommunes_own_groupings_else_all_kommuners(tmp_path):
    key = _combined_key(tmp_path)
    acc = synthetic_accounts([
        # 101 has grouping data for UE and function-level data for TOT (same year): own shares
        (2019, "101", "5.28.21", "1", "017", "TOT", 10.0), (2019, "101", "5.28.21", "1", "002", "TOT", 30.0),
        (2019, "101", "5.28.21", "1", "999", "TOT", 10.0), (2019, "101", "5.28.21", "1", "*", "UE", 500.0),
        # 147 only grouping data; 153 only function level -> shares of all grouping data
        (2019, "147", "5.28.21", "1", "017", "TOT", 40.0), (2019, "147", "5.28.21", "1", "002", "TOT", 70.0),
        (2019, "153", "5.28.21", "1", "*", "TOT", 200.0),
        # 2020: no grouping data at all -> combined
        (2020, "153", "5.28.21", "1", "*", "TOT", 90.0)])
    acc.loc[acc["art"] == "UE", "art"] = "TOT"  # same art: own shares need the same funktion/dranst/art
    acc = acc[~((acc["kommunekode"] == "101") & (acc["gruppering"] == "*"))]
    acc = pd.concat([acc, synthetic_accounts([(2019, "101", "5.28.21", "2", "*", "TOT", -50.0),
                                              (2019, "101", "5.28.21", "2", "017", "TOT", -5.0),
                                              (2019, "101", "5.28.21", "2", "002", "TOT", -15.0)])],
                    ignore_index=True)
    d = model.apply_key(acc, key)
    steps = model.step_table(d)
    model.assert_conserved(acc, steps, key)
    fl = d[d["gruppering"] == "*"]
    own = fl[(fl["kommunekode"] == "101")].set_index("trin")
    # dranst 2 function-level -50 split by 101's own dranst-2 groupings: 5/20 and 15/20
    assert own[V].to_dict() == pytest.approx({2: -12.5, 3: -37.5})
    assert own["andel_grundlag"].str.startswith("delt efter kommunens egne grupperinger 2019").all()
    alle = fl[fl["kommunekode"] == "153"]
    y19 = alle[alle["aar"] == 2019].set_index("trin")
    # dranst 1: all municipalities' grouping amounts 2019: trin 2 = 50, trin 3 = 100, trin 0 = 10
    assert y19[V].to_dict() == pytest.approx({2: 200 * 50 / 160, 3: 200 * 100 / 160, 0: 200 * 10 / 160})
    assert y19["andel_grundlag"].str.contains("alle kommuners grupperinger").all()
    y20 = alle[alle["aar"] == 2020]
    assert y20["trin"].tolist() == [23] and y20[V].tolist() == [90.0]


def test_hele_landet_shares_come_from_dsts_own_rows_when_given(tmp_path):
    key = _combined_key(tmp_path)
    acc = synthetic_accounts([(2019, "153", "5.28.21", "1", "*", "TOT", 100.0),
                              (2019, "147", "5.28.21", "1", "017", "TOT", 1.0),
                              (2019, "147", "5.28.21", "1", "002", "TOT", 1.0)])
    land = synthetic_accounts([(2019, "000", "5.28.21", "1", "017", "TOT", 25.0),
                               (2019, "000", "5.28.21", "1", "002", "TOT", 75.0)])
    d = model.apply_key(acc, key, land=land)
    row = d[d["kommunekode"] == "153"].set_index("trin")
    assert row[V].to_dict() == pytest.approx({2: 25.0, 3: 75.0})
    assert row["andel_grundlag"].str.contains("Hele landets grupperinger").all()


def test_mixed_signs_are_no_basis_for_a_split(tmp_path):
    acc = synthetic_accounts([(2019, "147", "5.28.21", "1", "017", "TOT", -10.0),
                              (2019, "147", "5.28.21", "1", "002", "TOT", 30.0),
                              (2019, "153", "5.28.21", "1", "*", "TOT", 100.0)])
    d = model.apply_key(acc, _combined_key(tmp_path))
    assert d.loc[d["kommunekode"] == "153", "trin"].tolist() == [23]
