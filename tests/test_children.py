"""Children on the steps (model.children, the count key boernenoegle.csv) and the unit kr. pr. barn
i indsatsen (model.serie). Hand-made SYNTHETIC counts; each law text's paragraph -> its step."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from trappe_xl import model
from trappe_xl.errors import KeyValidationError, ParseError, SelectionError, UnknownAreaError
from trappe_xl.model.children import (CHILD_COLUMNS, KEY_COLUMNS, children_per_step, classify,
                                      load_count_key, references)
from trappe_xl.sources.parse import parse_counts

KEY = load_count_key()


# -- the key, from the law texts ---------------------------------------------------------------

@pytest.mark.parametrize("text, rolle, trin", [
    # SEL § 11 / BL § 30: forebyggende indsatser -> trin 2; the group's own total is the step's count
    ("Forebyggende indsatser (SEL §11 / BL §30)", "samlet", 2),
    ("Konsulentbistand, herunder familierettede indsatser (SEL §11.3.1 / BL §30.1.1)", "del", 2),
    ("Netværks- eller samtalegrupper (SEL § 11.3.2)", "del", 2),
    # SEL § 52, stk. 3 / BL § 32: støttende indsatser -> trin 3
    ("Støttende indsatser (SEL §52.3 / BL §32)", "samlet", 3),
    ("Praktisk, pædagogisk eller anden støtte i hjemmet (SEL §52.3.2 / BL §32.1.1)", "del", 3),
    ("Aflastningsophold (BL §32.1.4)", "del", 3),
    # anbringelse (SEL § 52, stk. 3, nr. 7 / BL § 43) is counted from ANBAAR12, not here
    ("Anbringelse uden for hjemmet (SEL §52.3.7 / BL §43)", "anbringelse", 0),
    ("I alt", "i alt", 0),
    # a paragraph the key does not know, or references that disagree: ikke fordelt
    ("Særlig støtte (SEL §54 c / BL §99)", "ikke fordelt", 0),
    ("Blandet (SEL §11.3.1 / BL §32.1.1)", "ikke fordelt", 0),
    ("Uden paragraf", "ikke fordelt", 0),
])
def test_each_measure_goes_to_the_step_its_paragraph_names(text, rolle, trin):
    c = classify("ISBU02", {"x": text}, KEY).iloc[0]
    assert (c["rolle"], c["trin"]) == (rolle, trin)
    assert (c["regel_id"] == "") == (rolle == "ikke fordelt")


@pytest.mark.parametrize("code, trin", [("1", 4), ("21", 5), ("22", 5), ("23", 5), ("24", 5), ("25", 5),
                                        ("26", 5), ("9", 6), ("7", 6), ("8", 6), ("27", 6), ("11", 6),
                                        ("6", 6)])
def test_each_place_of_accommodation_goes_to_its_step(code, trin):
    c = classify("ANBAAR12", {code: "tekst"}, KEY).iloc[0]
    assert (c["rolle"], c["trin"]) == ("trin", trin)


def test_uoplyst_i_alt_and_unknown_places_are_not_on_a_step():
    c = classify("ANBAAR12", {"0": "I alt", "99": "Uoplyst", "42": "Nyt sted"}, KEY).set_index("kode")
    assert list(c["rolle"]) == ["i alt", "ikke fordelt", "ikke fordelt"]
    assert c.loc["99", "regel_id"] == "B015" and c.loc["42", "regel_id"] == ""


def test_every_rule_has_basis_source_and_status():
    rules = KEY.rules
    assert list(rules.columns) == KEY_COLUMNS
    assert (rules["grundlag"] != "").all() and (rules["kilde"] != "").all()
    assert set(rules["status"]) <= {"officiel", "foreløbig"}
    assert (rules.loc[rules["rolle"] == "samlet", "status"] == "foreløbig").all()   # texts assumed


def test_references_are_read_from_the_text():
    assert references("(SEL §11.3.1 / BL §30.1.1)") == ["SEL §11.3.1", "BL §30.1.1"]
    assert references("efter SEL § 52 a og BL § 32") == ["SEL §52a", "BL §32"]


def test_a_bad_key_is_refused_naming_the_rule(tmp_path):
    bad = KEY.rules.copy()
    bad.loc[0, "rolle"] = "måske"
    p = tmp_path / "k.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(KeyValidationError, match=f"rolle.*{bad.loc[0, 'regel_id']}"):
        load_count_key(p)


# -- children per step -------------------------------------------------------------------------

TEXTS = {"ISBU02": {"0": "I alt", "100": "Forebyggende indsatser (SEL §11 / BL §30)",
                    "110": "Konsulentbistand (SEL §11.3.1 / BL §30.1.1)",
                    "120": "Netværksgrupper (SEL §11.3.2 / BL §30.1.2)",
                    "200": "Støttende indsatser (SEL §52.3 / BL §32)",
                    "210": "Praktisk støtte (SEL §52.3.2 / BL §32.1.1)",
                    "300": "Anbringelse (SEL §52.3.7 / BL §43)"}}


def _rows(rows):
    return pd.DataFrame(rows, columns=CHILD_COLUMNS).astype({"aar": int, "antal": float})


def test_measures_use_the_group_total_never_the_sum_of_overlapping_members():
    # 10 children with konsulentbistand, 7 in netværksgrupper, 4 of them in both: the group has 13
    rows = _rows([("ISBU02", 2020, "101", "100", 13), ("ISBU02", 2020, "101", "110", 10),
                  ("ISBU02", 2020, "101", "120", 7), ("ISBU02", 2020, "101", "200", 30),
                  ("ISBU02", 2020, "101", "210", 30), ("ISBU02", 2020, "101", "300", 12),
                  ("ISBU02", 2020, "101", "0", 50), ("ISBU02", 2020, "000", "100", 99)])
    c = children_per_step(rows, TEXTS)
    got = c.steps.set_index("trin")["boern"].to_dict()
    assert got == {2: 13.0, 3: 30.0}                  # not 17 = 10 + 7; no 2–3 group exists
    assert c.warnings == [] and set(c.steps["kommunekode"]) == {"101"}


def test_placements_are_the_mean_of_two_year_ends_and_4_5_is_4_plus_5():
    rows = []
    for y, (net, alm, kom, inst, uopl) in {2019: (2, 10, 4, 6, 1), 2020: (4, 12, 2, 9, 0)}.items():
        for code, n in (("1", net), ("21", alm), ("22", kom), ("9", inst), ("99", uopl)):
            rows.append(("ANBAAR12", y, "147", code, n))
        rows.append(("ANBAAR12", y, "147", "0", net + alm + kom + inst + uopl))
    c = children_per_step(_rows(rows), {})
    got = c.steps.set_index(["aar", "trin"])["boern"].to_dict()
    assert got == {(2020, 4): 3.0, (2020, 5): 14.0, (2020, 45): 17.0, (2020, 6): 7.5}   # 2019 lacks 2018
    assert c.warnings == []


def test_places_that_do_not_add_up_to_i_alt_and_unknown_codes_are_warned():
    rows = _rows([("ANBAAR12", 2020, "101", "0", 10), ("ANBAAR12", 2020, "101", "21", 4),
                  ("ANBAAR12", 2020, "101", "42", 2)])
    c = children_per_step(rows, {})
    assert any("koden 42" in w for w in c.warnings)
    assert any("summer ikke til i alt" in w and "4 børn" in w for w in c.warnings)
    assert c.unknown == ["ANBAAR12 42 '42'"]


# -- the unit --------------------------------------------------------------------------------

def _steps():
    return pd.DataFrame({"aar": 2020, "kommunekode": ["101", "101", "101", "147", "147"],
                         "trin": [2, 45, 0, 2, 45], "maal": "netto", "dranst": "1",
                         "beloeb_1000kr": [100.0, 300.0, 5.0, 50.0, 30.0]})


def _kids():
    return pd.DataFrame({"aar": 2020, "kommunekode": ["101", "101", "147"], "trin": [2, 45, 2],
                         "boern": [10.0, 3.0, 5.0], "kilde": "x"})


def test_kr_per_child_is_amount_over_children_per_kommune_and_group():
    v = model.Valg(enhed="pr_barn")
    one = model.serie(_steps(), None, None, v, ["101"], [2020], with_totals=True, children=_kids())
    one = one.set_index("trin")["vaerdi"]
    assert one[2] == 100.0 / 10 * 1000 and one[45] == 300.0 / 3 * 1000
    assert math.isnan(one[0]) and math.isnan(one[1])          # no children: "–", never 0
    assert one[7] == one[8] == pytest.approx(400.0 / 13 * 1000)   # Σ amounts ÷ Σ children
    grp = model.serie(_steps(), None, None, v, ["101", "147"], [2020], with_totals=True,
                      children=_kids()).set_index("trin")["vaerdi"]
    assert grp[2] == pytest.approx(150.0 / 15 * 1000)
    assert grp[45] == pytest.approx(300.0 / 3 * 1000)          # 147 has no count on 4–5: left out
    assert grp[7] == pytest.approx(450.0 / 18 * 1000)


def test_without_counts_every_step_is_missing_and_shares_are_refused():
    s = model.serie(_steps(), None, None, model.Valg(enhed="pr_barn"), ["101"], [2020])
    assert s["vaerdi"].isna().all()
    with pytest.raises(SelectionError, match="pr. barn"):
        model.andele(_steps(), None, None, model.Valg(enhed="pr_barn"), ["101"], [2020])


# -- the parser --------------------------------------------------------------------------------

def _body(lines):
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_counts_body_puts_back_omitted_rows_as_zero_and_keeps_every_area():
    info = {"variables": [{"id": "ADMKOM", "text": "administrationskommune",
                           "values": [{"id": c} for c in ("0", "101", "998")]},
                          {"id": "ANBSTED", "text": "anbringelsessted", "values": [{"id": "1"}, {"id": "21"}]},
                          {"id": "Tid", "time": True, "values": [{"id": "2020"}]}]}
    req = {"variables": [{"code": "ADMKOM", "values": ["*"]}, {"code": "ANBSTED", "values": ["*"]},
                         {"code": "Tid", "values": ["2020"]}]}
    p = parse_counts("ANBAAR12", _body(["ADMKOM;ANBSTED;TID;INDHOLD", "101;21;2020;7", "0;21;2020;9",
                                        "998;21;2020;2"]), request=req, info=info)
    f = p.frame.set_index(["kommunekode", "kode"])["antal"]
    assert f[("101", "21")] == 7 and f[("101", "1")] == 0 and f[("000", "1")] == 0
    assert f[("998", "21")] == 2
    assert any("uoplyst" in n for n in p.report.notes)


def test_counts_body_refuses_negative_unknown_area_and_wrong_columns():
    with pytest.raises(ParseError, match="negativt"):
        parse_counts("ISBU02", _body(["KOMMUNEDK;INDSATSER;TID;INDHOLD", "101;100;2020;-1"]))
    with pytest.raises(UnknownAreaError, match="'950'"):
        parse_counts("ISBU02", _body(["KOMMUNEDK;INDSATSER;TID;INDHOLD", "950;100;2020;1"]))
    with pytest.raises(ParseError, match="forventede kolonnerne"):
        parse_counts("ISBU02", _body(["OMRÅDE;FUNKTION;DRANST;TID;INDHOLD", "101;52821;1;2020;1"]))


def test_a_place_dst_marks_missing_makes_its_step_missing_not_smaller():
    rows = []
    for y in (2019, 2020):
        rows += [("ANBAAR12", y, "147", "21", 10.0), ("ANBAAR12", y, "147", "22", 4.0),
                 ("ANBAAR12", y, "147", "9", 3.0)]
    rows[4] = ("ANBAAR12", 2020, "147", "22", float("nan"))          # ".." in DST's answer
    c = children_per_step(_rows(rows), {})
    got = c.steps.set_index(["aar", "trin"])["boern"]
    assert math.isnan(got[(2020, 5)]) and math.isnan(got[(2020, 45)])
    assert got[(2020, 6)] == 3.0 and got[(2020, 4)] == 0.0
