"""Argument parsing of the TRAPPE functions: what Excel sends -> canonical values or a Danish error."""

from __future__ import annotations

import math

import pytest

from trappe_xl.errors import SelectionError
from trappe_xl.reference import kommuner, members_of_kommunegruppe, members_of_region
from trappe_xl.udf.arguments import (I_ALT, show, parse_aar, parse_aar_periode, parse_enhed, parse_flag,
                                 parse_maal, parse_priser, parse_refusion, parse_trin)
from trappe_xl.udf.places import Places, Sted

YEARS = tuple(range(2016, 2025))


@pytest.fixture(scope="module")
def places() -> Places:
    return Places([Sted(k.kode, k.navn, k.regionskode, k.regionsnavn, k.kommunegruppe_kode,
                        k.kommunegruppe) for k in kommuner()])


@pytest.mark.parametrize("x", [2019.0, 2019, "2019", " 2019 ", "2019.0"])
def test_year_forms_excel_sends(x):
    assert parse_aar(x, YEARS) == 2019


@pytest.mark.parametrize("x, fragment", [
    (2030.0, r"uden for data \(2016–2024\)"), (2019.5, "helt tal"), ("i fjor", "skal være et tal"),
    (None, "mangler"), ("", "mangler"), (True, "skal være et tal")])
def test_year_errors(x, fragment):
    with pytest.raises(SelectionError, match=fragment):
        parse_aar(x, YEARS)


def test_base_period_forms():
    assert parse_aar_periode(2016.0, YEARS) == (2016,)
    assert parse_aar_periode("2016-2018", YEARS) == (2016, 2017, 2018)
    assert parse_aar_periode([[2017.0, 2019.0]], YEARS) == (2017, 2018, 2019)
    with pytest.raises(SelectionError, match="efter til-år"):
        parse_aar_periode("2019-2017", YEARS)


@pytest.mark.parametrize("x, trin", [
    (3.0, 3), (3, 3), ("3", 3), ("Trin 3", 3), (0.0, 0), ("ikke fordelt", 0),
    ("Ikke fordelt på trin", 0), ("anbringelse på institution", 6), ("Plejefamilie", 5),
    ("i alt", I_ALT), ("I ALT", I_ALT)])
def test_step_forms(x, trin):
    assert parse_trin(x) == trin


@pytest.mark.parametrize("x, fragment", [
    (7.0, "ukendt trin 7"), (-1.0, "ukendt trin -1"), ("trin 9", "ukendt trin 'trin 9'"),
    ("himmelen", "ukendt trin 'himmelen'"), (2.5, "helt tal"), (None, "trin mangler")])
def test_step_errors(x, fragment):
    with pytest.raises(SelectionError, match=fragment):
        parse_trin(x)


def test_combined_steps_only_where_the_data_hold_them():
    """Key 1.0: 23 = trin 2–3, 45 = trin 4–5 (function-level data). Named, numbered or written as
    a range they answer where the data's codes hold them, and are unknown elsewhere."""
    function_level = (1, 2, 3, 23, 4, 5, 45, 6, 0)
    grouping_level = (1, 2, 3, 4, 5, 6, 0)
    for x, code in (("2-3", 23), ("Trin 2–3", 23), ("trin 2 - 3", 23), (23.0, 23), ("Trin 2–3 samlet", 23),
                    ("4-5", 45), ("Trin 4–5 samlet", 45), (45, 45)):
        assert parse_trin(x, codes=function_level) == code, x
        with pytest.raises(SelectionError) as e:
            parse_trin(x, codes=grouping_level)
        assert str(e.value) == f"ukendt trin {show(x)} – brug 1–6 eller 0 (ikke fordelt på trin)"   # as written
    with pytest.raises(SelectionError, match="ukendt trin 7 – brug 1–6, 2-3, 4-5 eller 0"):
        parse_trin(7, codes=function_level)


def test_total_refused_where_not_allowed():
    with pytest.raises(SelectionError):
        parse_trin("i alt", allow_total=False)


def test_maal():
    assert parse_maal(None) == "netto"
    assert parse_maal("Udgifter") == "udgifter"
    assert parse_maal("brutto") == "udgifter"
    assert parse_maal("Indtægter") == "indtaegter"
    with pytest.raises(SelectionError, match="ukendt mål 'overskud'"):
        parse_maal("overskud")
    with pytest.raises(SelectionError, match="ukendt mål 3"):
        parse_maal(3.0)


@pytest.mark.parametrize("x, enhed", [
    (None, "1000kr"), ("1.000 kr.", "1000kr"), ("1000kr", "1000kr"), ("pr. 0-17-årig", "pr_0_17"),
    ("pr_0_22", "pr_0_22"), ("0-22", "pr_0_22"), ("kr. pr. 0-17-årig", "pr_0_17")])
def test_units_for_amount_data(x, enhed):
    assert parse_enhed(x, "beloeb_1000kr") == enhed


def test_units_for_per_inhabitant_data():
    assert parse_enhed(None, "kr_pr_indbygger") == "kr_pr_indbygger"
    assert parse_enhed("kr. pr. indbygger", "kr_pr_indbygger") == "kr_pr_indbygger"
    with pytest.raises(SelectionError, match="findes ikke for disse data"):
        parse_enhed("1.000 kr.", "kr_pr_indbygger")
    with pytest.raises(SelectionError, match="ukendt enhed 'euro'"):
        parse_enhed("euro", "beloeb_1000kr")


def test_prices():
    idx = (2016, 2017, 2018, 2019, 2020)
    assert parse_priser(None, idx) is None
    assert parse_priser("løbende", idx) is None
    assert parse_priser("Løbende priser", idx) is None
    assert parse_priser(2018.0, idx) == 2018
    assert parse_priser("faste 2018", idx) == 2018
    assert parse_priser("2018-priser", idx) == 2018
    with pytest.raises(SelectionError, match="prisår 2031 findes ikke"):
        parse_priser(2031.0, idx)
    with pytest.raises(SelectionError, match="ukendte priser 'dyre'"):
        parse_priser("dyre", idx)


def test_refusion_and_flags():
    assert parse_refusion(None) is True
    assert parse_refusion("uden") is False
    assert parse_refusion(0.0) is False
    assert parse_refusion(True) is True
    with pytest.raises(SelectionError):
        parse_refusion("måske")
    assert parse_flag(None, "etiketter", False) is False
    assert parse_flag(1.0, "etiketter", False) is True
    assert parse_flag("FALSK", "etiketter", True) is False


@pytest.mark.parametrize("x, kode", [
    ("København", "101"), ("københavn", "101"), ("KØBENHAVN", "101"), (101.0, "101"), ("101", "101"),
    (101, "101"), ("Aarhus", "751"), ("aarhus kommune", "751"), ("  Høje-Taastrup ", "169")])
def test_kommune_forms(places, x, kode):
    assert places.kommune(x) == kode


@pytest.mark.parametrize("x, message", [
    ("Arhus", "ukendt kommune 'Arhus' – mente du Aarhus?"),
    ("Århus", "ukendt kommune 'Århus' – mente du Aarhus?"),
    ("Kobenhavn", "mente du København?"),
    ("Atlantis", "ukendt kommune 'Atlantis'"),
    (102.0, "ukendt kommunekode 102"),
    (101.5, "ukendt kommunekode 101.5"),
    (None, "kommune mangler")])
def test_kommune_errors(places, x, message):
    with pytest.raises(SelectionError) as e:
        places.kommune(x)
    assert message in str(e.value)


def test_no_hint_for_nonsense(places):
    with pytest.raises(SelectionError) as e:
        places.kommune("Atlantis")
    assert "mente du" not in str(e.value)


def test_groups(places):
    assert places.gruppe("Hele landet").members == tuple(k.kode for k in kommuner())
    assert len(places.gruppe("hele landet").members) == 98
    assert set(places.gruppe("Region Hovedstaden").members) == set(members_of_region("084"))
    assert set(places.gruppe("nordjylland").members) == set(members_of_region("081"))
    assert set(places.gruppe("Landkommuner").members) == set(members_of_kommunegruppe("5"))
    assert places.gruppe("Aarhus").members == ("751",)
    rng = [["Aarhus", None], [101.0, "Odense"]]
    g = places.gruppe(rng)
    assert set(g.members) == {"751", "101", "461"}
    assert g.members[0] == "101"  # DST order
    assert places.gruppe([[None], ["147"], [""]]).members == ("147",)


@pytest.mark.parametrize("x, fragment", [
    ([[None, None]], "gruppen er tom"),
    ([["Aarhus"], ["Arhus"]], "gruppen: ukendt kommune 'Arhus' – mente du Aarhus?"),
    ([["Aarhus"], ["751"]], "Aarhus står mere end én gang"),
    ([[101.0], [3.5]], "gruppen: ukendt kommunekode 3.5"),
    ("Region Atlantis", "ukendt kommune"),
    (None, "gruppe mangler")])
def test_group_errors(places, x, fragment):
    with pytest.raises(SelectionError) as e:
        places.gruppe(x)
    assert fragment in str(e.value)


def test_nan_is_empty():
    with pytest.raises(SelectionError, match="mangler"):
        parse_aar(math.nan, YEARS)
