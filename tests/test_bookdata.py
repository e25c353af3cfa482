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
