"""The workbook's population columns are the model's population base, case for case."""

import math

from trappe_xl import model
from trappe_xl.workbook import bookdata
from wb_fixtures import synthetic_bookdata


def test_absent_or_missing_age_makes_the_workbook_population_missing_as_in_the_model():
    pop = synthetic_bookdata(holes=False).population.copy()
    absent = (pop["aar"] == 2019) & (pop["kommunekode"] == "101") & (pop["alder"] == "5")
    nan_age = (pop["aar"] == 2020) & (pop["kommunekode"] == "147") & (pop["alder"] == "20")
    pop.loc[nan_age, "antal"] = float("nan")
    pop = pop[~absent]
    wide = bookdata.population_wide(pop).set_index(["aar", "kommunekode"])
    assert math.isnan(wide.loc[(2019, "101"), "pop_0_17"])        # an absent age is not 0
    assert math.isnan(wide.loc[(2019, "101"), "pop_0_22"])
    assert not math.isnan(wide.loc[(2020, "147"), "pop_0_17"])    # age 20 is not in 0-17
    assert math.isnan(wide.loc[(2020, "147"), "pop_0_22"])
    ages = [str(a) for a in range(18)]
    one = pop[(pop["aar"] == 2018) & (pop["kommunekode"] == "151") & pop["alder"].isin(ages)]
    assert wide.loc[(2018, "151"), "pop_0_17"] == one["antal"].sum()   # summed by hand
    for col, enhed in bookdata.POP_COLUMNS.items():
        base = model.population_base(pop, enhed)
        assert wide[col].equals(base.reindex(wide.index).rename(col))


def _codes(td, aar, kode, maal="netto"):
    rows = td[(td["aar"] == aar) & (td["kommunekode"] == kode) & (td["maal"] == maal)]
    return set(rows["gyldig"])


def test_gyldig_codes_data_and_population_state_as_documented():
    data = synthetic_bookdata()
    td = bookdata.trindata(data)
    assert "pop_0_17" not in td and "pop_ialt" not in td     # 1.000 kr. data: no per-row population
    assert _codes(td, 2018, "101") == {4 * 2 + 2}            # data with and without refusion, both bases
    assert _codes(td, 2020, "159") == {4 * 2 + 1}            # 0-22 base missing: only 0-17
    assert _codes(td, 2020, "461") == {4 * 2 + 1}
    assert _codes(td, 2021, "101") == {4 * 2 + 0}            # no base at all
    assert td[(td["aar"] == 2019) & (td["kommunekode"] == "155")].empty   # no rows, no code
    # 157/2020 has one missing amount: that measure does not count there, with or without refusion
    missing = data.steps[(data.steps["aar"] == 2020) & (data.steps["kommunekode"] == "157")
                         & data.steps[data.value].isna()]
    assert len(missing) and _codes(td, 2020, "157", missing["maal"].iloc[0]) == {4 * 0 + 2}
    # every code decodes to the has_data flags the model's members use
    for ref, states in ((True, {1, 2}), (False, {2, 3})):
        ok = bookdata.has_data(data.steps, ref).assign(ok=True)
        merged = td.merge(ok, on=["aar", "kommunekode", "maal"], how="left")
        assert ((merged["gyldig"] // 4).isin(states) == merged["ok"].fillna(False).astype(bool)).all()


def test_landstal_gyldig_has_no_population_part():
    import pandas as pd
    ls = pd.DataFrame({"aar": [2020] * 3, "kommunekode": ["000"] * 3, "trin": [1, 1, 2],
                       "maal": ["netto"] * 3, "dranst": ["1", "2", "1"],
                       "kr_pr_indbygger": [1.0, float("nan"), 3.0]})
    # dranst 2 missing: the national figure counts only without refusion (data state 3)
    assert set(4 * bookdata.data_state(ls)) == {12}
