"""parse.py: Statistikbanken BULK/CSV bodies -> canonical frames (synthetic bodies + real STRAF42)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from recordings import load_cassette
from trappe_xl.errors import DuplicateRowsError, ParseError, UnknownAreaError, WrongTableError
from trappe_xl.sources import parse

BOM = "\ufeff"
REGK31_HEAD = "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"


def body(*lines: str, head: str = REGK31_HEAD, bom: bool = True) -> bytes:
    """A synthetic body in DST's byte format: BOM, ';', CRLF."""
    return ((BOM if bom else "") + "\r\n".join([head, *lines]) + "\r\n").encode("utf-8")


SYNTHETIC = ["101;52821;1;TOT;LOBM;2019;1234,5", "147;52822;2;I;LOBM;2019;-7,25",
             "0;52821;1;TOT;LOBM;2019;5000", "84;52821;1;TOT;LOBM;2019;900", "85;52821;1;TOT;LOBM;2019;1"]


def test_bom_and_no_bom_give_the_same_rows():
    a = parse.parse_accounts("REGK31", body(*SYNTHETIC))
    b = parse.parse_accounts("REGK31", body(*SYNTHETIC, bom=False))
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    assert a.accounts["kommunekode"].tolist() == ["101", "147"]


def test_codes_stay_strings_and_values_are_read_exactly():
    p = parse.parse_accounts("REGK31", body(*SYNTHETIC))
    acc = p.accounts.set_index("kommunekode")
    assert acc.loc["101", "funktion"] == "5.28.21" and acc.loc["147", "funktion"] == "5.28.22"
    assert acc.loc["101", "beloeb_1000kr"] == 1234.5          # decimal comma
    assert acc.loc["147", "beloeb_1000kr"] == -7.25
    assert acc.loc["147", "dranst"] == "2" and acc.loc["101", "gruppering"] == "*"
    assert p.accounts["aar"].dtype.kind == "i"
    assert sorted(p.aggregates["kommunekode"]) == ["000", "084", "085"]  # kept apart, 3-digit
    assert p.report.unit == "beloeb_1000kr" and p.report.aggregates == ("000", "084", "085")


def test_a_body_with_decimal_points_only_reads_them_as_points():
    p = parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1.234", "147;52822;2;I;LOBM;2019;-7.25"))
    assert p.accounts["beloeb_1000kr"].tolist() == [1.234, -7.25]


def test_a_body_mixing_decimal_comma_and_point_is_refused():
    with pytest.raises(ParseError, match="både dansk.*linje 2.*engelsk.*linje 3"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1234,5", "147;52822;2;I;LOBM;2019;-7.25"))


@pytest.mark.parametrize("code", ["950", "999", "970"])
def test_unknown_9xx_area_codes_are_named_not_dropped(code):
    with pytest.raises(UnknownAreaError, match=f"'{code}' \\(linje 3\\)"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1", f"{code};52821;1;TOT;LOBM;2019;2"))


@pytest.mark.parametrize("marker", ["..", ".", ""])
def test_missing_markers_become_nan_never_zero(marker):
    p = parse.parse_accounts("REGK31", body(f"101;52821;1;TOT;LOBM;2019;{marker}", "147;52821;1;TOT;LOBM;2019;0"))
    acc = p.accounts.set_index("kommunekode")["beloeb_1000kr"]
    assert math.isnan(acc["101"]) and acc["147"] == 0.0
    assert p.report.missing_values == 1


def test_indl_maps_to_kr_pr_indbygger():
    p = parse.parse_accounts("REGK31", body("101;52821;1;TOT;INDL;2019;952"))
    assert list(p.accounts.columns)[-1] == "kr_pr_indbygger"


def test_two_price_units_are_refused():
    with pytest.raises(ParseError, match="præcis én prisenhed"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;INDL;2019;1", "101;52821;1;UE;LOBM;2019;1"))


def test_unknown_municipality_code_is_named():
    with pytest.raises(UnknownAreaError, match="'102'"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1", "102;52821;1;TOT;LOBM;2019;1"))


def test_christiansoe_is_dropped_and_reported():
    p = parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1", "411;52821;1;TOT;LOBM;2019;2"))
    assert p.accounts["kommunekode"].tolist() == ["101"] and p.aggregates.empty
    assert any("Christiansø" in n for n in p.report.notes)


def test_duplicate_rows_are_refused_with_an_example():
    with pytest.raises(DuplicateRowsError, match="'kommunekode': '101'"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1", "101;52821;1;TOT;LOBM;2019;2"))


def test_missing_column_is_named():
    head = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD"
    with pytest.raises(ParseError, match="DRANST") as e:
        parse.parse_accounts("REGK31", body("101;52821;TOT;LOBM;2019;1", head=head))
    assert not isinstance(e.value, WrongTableError)


def test_population_body_as_accounts_is_wrong_table():
    pop = body("101;TOT;7;TOT;2019K1;6000", head="OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD")
    with pytest.raises(WrongTableError, match="FOLK1A"):
        parse.parse_accounts("REGK31", pop)


def test_regk100_body_as_regk31_is_wrong_table():
    b = body("101;52821;1;1;001;TOT;LOBM;2019;1", head="OMRÅDE;FUNKTION;DRANST;EJER;GRUPPERING;ART;PRISENHED;TID;INDHOLD")
    with pytest.raises(WrongTableError, match="REGK100"):
        parse.parse_accounts("REGK31", b)


def test_truncated_body_is_refused():
    b = body(*SYNTHETIC)[:-12]  # cut inside the last line
    with pytest.raises(ParseError, match="afkortet"):
        parse.parse_accounts("REGK31", b)


def test_regk100_sums_over_ejer_with_min_count():
    head = "OMRÅDE;FUNKTION;DRANST;EJER;GRUPPERING;ART;PRISENHED;TID;INDHOLD"
    p = parse.parse_accounts("REGK100", body(
        "101;52821;1;1;001;TOT;LOBM;2019;10", "101;52821;1;2;001;TOT;LOBM;2019;..",
        "101;52821;1;4;001;TOT;LOBM;2019;2,5",
        "101;52821;1;1;002;TOT;LOBM;2019;..", "101;52821;1;2;002;TOT;LOBM;2019;..", head=head))
    acc = p.accounts.set_index("gruppering")["beloeb_1000kr"]
    assert acc["001"] == 12.5               # missing parts do not make the sum missing
    assert math.isnan(acc["002"])           # all parts missing stays missing, not 0
    assert len(p.accounts) == 2


def test_regk100_duplicate_ejer_rows_are_refused():
    head = "OMRÅDE;FUNKTION;DRANST;EJER;GRUPPERING;ART;PRISENHED;TID;INDHOLD"
    with pytest.raises(DuplicateRowsError):
        parse.parse_accounts("REGK100", body("101;52821;1;1;001;TOT;LOBM;2019;10",
                                             "101;52821;1;1;001;TOT;LOBM;2019;10", head=head))


def test_non_numeric_value_is_refused():
    with pytest.raises(ParseError, match="linje 2: 'abc' er ikke et tal"):
        parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;abc"))


def test_real_straf42_csv_recording_reads_through_the_generic_reader(shared_data):
    (it,) = load_cassette(shared_data / "statbank-recordings" / "data_straf42_csv.yml")
    assert it.body.startswith(b"\xef\xbb\xbf") and b"\r\n" in it.body  # really DST's byte format
    raw = parse.read_statbank_csv(it.body)
    assert list(raw.columns) == ["HERKOMST1", "TID", "INDHOLD"]
    assert raw.iloc[0].tolist() == ["Total", "2023", "233454"]
    assert parse.to_numbers(raw["INDHOLD"]).tolist() == [233454.0]
    assert parse.years(raw["TID"]).tolist() == [2023]
    with pytest.raises(ParseError, match="ukendt tabel"):
        parse.check_layout(list(raw.columns), "STRAF42")


# -- population -------------------------------------------------------------------------------

FOLK_HEAD = "OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD"


def test_folk1a_keeps_q1_and_totals():
    p = parse.parse_population("FOLK1A", body(
        "101;TOT;7;TOT;2019K1;6000", "101;1;7;TOT;2019K1;3100", "101;2;7;TOT;2019K1;2900",
        "101;TOT;7;TOT;2019K2;6100", "000;TOT;7;TOT;2019K1;60000", "147;TOT;IALT;TOT;2019K1;..",
        head=FOLK_HEAD))
    pop = p.frame
    assert list(pop.columns) == ["aar", "kommunekode", "alder", "antal"]
    assert pop[["aar", "kommunekode", "alder"]].values.tolist() == [[2019, "101", "7"], [2019, "147", "IALT"]]
    assert pop["antal"].iloc[0] == 6000 and math.isnan(pop["antal"].iloc[1])
    assert any("K1" in n for n in p.report.notes)


def test_bef1a07_sums_sexes_when_no_total():
    p = parse.parse_population("BEF1A07", body("101;1;0;2007;10", "101;2;0;2007;11",
                                               head="OMRÅDE;KØN;ALDER;TID;INDHOLD"))
    assert p.frame.values.tolist() == [[2007, "101", "0", 21.0]]


def test_bef1a07_koen_spelling_keeps_total():
    p = parse.parse_population("BEF1A07", body("101;TOT;0;2007;21", "101;1;0;2007;10",
                                               head="OMRÅDE;KOEN;ALDER;TID;INDHOLD"))
    assert p.frame.values.tolist() == [[2007, "101", "0", 21.0]]


def test_accounts_body_as_population_is_wrong_table():
    with pytest.raises(WrongTableError, match="REGK31"):
        parse.parse_population("FOLK1A", body(*SYNTHETIC))


# -- deflator ---------------------------------------------------------------------------------

def test_pris8_one_series():
    p = parse.parse_deflator("PRIS8", body("INDEKS;2019;1000,5", "INDEKS;2020;1010", head="TYPE;TID;INDHOLD"))
    assert p.frame.values.tolist() == [[2019, 1000.5], [2020, 1010.0]]


def test_nan1_implicit_deflator():
    head = "TRANSAKT;PRISENHED;TID;INDHOLD"
    p = parse.parse_deflator("NAN1", body("P3S13D;V_M;2019;550", "P3S13D;LAN_M;2019;500",
                                          "P3S13D;V_M;2020;600", "P3S13D;LAN_M;2020;..",
                                          "B1GQK;V_M;2019;2000", head=head))
    f = p.frame.set_index("aar")["indeks"]
    assert f[2019] == pytest.approx(550 / 500 * 100) and math.isnan(f[2020])


def test_nan1_missing_transakt_is_named():
    with pytest.raises(ParseError, match="P3S13D"):
        parse.parse_deflator("NAN1", body("B1GQK;V_M;2019;1", head="TRANSAKT;PRISENHED;TID;INDHOLD"))


def test_dst_symbols_dots_are_missing_dash_is_zero():
    import math

    import pandas as pd
    from trappe_xl.errors import ParseError

    out = parse.to_numbers(pd.Series(["..", ".", "", "-", "12,5", "-3"]))
    assert [math.isnan(v) for v in out[:3]] == [True, True, True]
    assert out[3:].tolist() == [0.0, 12.5, -3.0]
    with pytest.raises(ParseError, match="'n/a' er ikke et tal"):
        parse.to_numbers(pd.Series(["12", "n/a"]))


@pytest.mark.parametrize("code", parse.DST_GROUP_AREAS)
def test_dsts_municipality_group_areas_are_kept_apart_as_aggregates(code):
    """A live REGK fetch asks for every area: DST's group areas come back and are no kommune."""
    p = parse.parse_accounts("REGK31", body("101;52821;1;TOT;LOBM;2019;1", f"{code};52821;1;TOT;LOBM;2019;2"))
    assert p.accounts["kommunekode"].tolist() == ["101"]
    assert p.aggregates["kommunekode"].tolist() == [code]


def test_regk100_grouping_codes_are_padded_to_three_digits():
    head = "OMRÅDE;FUNKTION;DRANST;EJER;GRUPPERING;ART;PRISENHED;TID;INDHOLD"
    text = "\n".join([head, "101;52821;1;1;2;TOT;LOBM;2019;5", "101;52821;1;2;002;TOT;LOBM;2019;7",
                      "101;52821;1;1;999;TOT;LOBM;2019;1"]) + "\n"
    p = parse.parse_accounts("REGK100", text.encode("utf-8"))
    got = p.accounts.set_index("gruppering")["beloeb_1000kr"].to_dict()
    assert got == {"002": 12.0, "999": 1.0}   # "2" and "002" are one code, summed over EJER
