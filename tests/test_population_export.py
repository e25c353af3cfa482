"""population_export: FOLK1A / BEF1A07 downloaded by hand -> canonical population (SYNTHETIC figures
in Statistikbanken's shapes, see statbank_exports.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import xlsxwriter

import statbank_exports as X
from trappe_xl.errors import (DuplicateRowsError, ParseError, PopulationAgesError, UnknownAreaError,
                              WrongTableError)
from trappe_xl.sources.parse import parse_population
from trappe_xl.sources.population_export import parse_population_export

K = ("101", "147", "751", "851")
YEARS = (2019, 2020)


def expected(years=YEARS, kommuner=K, with_total=True) -> dict[tuple[int, str, str], float]:
    """Independently: 1 January (K1), both sexes, every civil status, per age — straight from the
    synthetic generator, never from the parser."""
    out = {}
    for y in years:
        for k in kommuner:
            for a in range(23):
                out[(y, k, str(a))] = float(X.children(y, k, a))
            if with_total:
                out[(y, k, "IALT")] = float(sum(X.children(y, k, a) * 4 for a in range(23)))
    return out


def as_dict(frame: pd.DataFrame) -> dict:
    return {(int(a), k, al): v for a, k, al, v in frame[["aar", "kommunekode", "alder", "antal"]].itertuples(index=False)}


def render(t, shape: str, labels: bool, tmp_path) -> tuple[bytes, str]:
    if shape == "csv-header-bom":
        return X.long_csv(t, labels=labels), "folk.csv"
    if shape == "csv-comma-noheader":
        return X.long_csv(t, labels=labels, delim=",", bom=False, header=False), "folk.csv"
    if shape == "csv-wide":
        return X.wide_csv(t, labels=labels), "folk.csv"
    if shape == "xlsx-wide":
        return X.wide_xlsx(t, tmp_path / "folk.xlsx", labels=labels), "folk.xlsx"
    if shape == "xlsx-long":
        return X.long_xlsx(t, tmp_path / "folk.xlsx", labels=labels), "folk.xlsx"
    raise AssertionError(shape)


SHAPES = ("csv-header-bom", "csv-comma-noheader", "csv-wide", "xlsx-wide", "xlsx-long")


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("shape", SHAPES)
def test_folk1a_every_shape_gives_k1_totals_once(shape, labels, tmp_path):
    data, name = render(X.folk1a(YEARS, K), shape, labels, tmp_path)
    p = parse_population_export(data, name)
    assert p.table == "FOLK1A"
    assert as_dict(p.frame) == expected()  # K1 only; KØN/CIVILSTAND totals, never their parts too
    assert p.report.kommuner == tuple(sorted(K))  # Hele landet and the region left out
    assert any("K1" in n for n in p.report.notes)


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("shape", ["csv-header-bom", "xlsx-wide", "csv-comma-noheader"])
def test_bef1a07_sums_the_sexes_when_there_is_no_total(shape, labels, tmp_path):
    data, name = render(X.bef1a07(K), shape, labels, tmp_path)
    p = parse_population_export(data, name)
    assert p.table == "BEF1A07" and p.report.years == (2007,)
    assert as_dict(p.frame) == expected((2007,), with_total=False)


def test_folk1a_codes_export_and_api_body_use_the_same_parser():
    """A codes export with the API's header is an API body: both paths give the same frame."""
    t = X.folk1a(YEARS, K)
    body = X.long_csv(t, labels=False)
    api = parse_population("FOLK1A", body).frame
    pd.testing.assert_frame_equal(parse_population_export(body, "folk.csv").frame, api)


def test_parts_only_are_summed():
    t = X.folk1a(YEARS, K, quarters=("K1",))
    t.records = [r for r in t.records if r["KØN"][0] != "TOT" and r["CIVILSTAND"][0] != "TOT"]
    p = parse_population_export(X.long_csv(t, labels=True), "folk.csv")
    assert as_dict(p.frame) == expected()


def test_full_age_list_without_total_gets_the_total_as_the_sum():
    t = X.folk1a((2019,), ("101",), ages=range(126), quarters=("K1",), parts=False, total_age=False)
    p = parse_population_export(X.long_csv(t), "folk.csv")
    got = as_dict(p.frame)
    assert set(a for _, _, a in got) == {*map(str, range(23)), "IALT"}
    assert got[(2019, "101", "IALT")] == sum(X.children(2019, "101", a) for a in range(126))
    assert any("summen af alle aldre" in n for n in p.report.notes)


def test_full_age_list_with_total_keeps_the_total_and_drops_ages_over_22():
    t = X.folk1a((2019,), ("101",), ages=range(126), quarters=("K1",), parts=False)
    p = parse_population_export(X.long_csv(t, labels=True), "folk.csv")
    got = as_dict(p.frame)
    assert got[(2019, "101", "IALT")] == sum(X.children(2019, "101", a) * 4 for a in range(23))
    assert "23" not in {a for _, _, a in got}
    assert any("over 22" in n for n in p.report.notes)


def _rows(t, keep) -> X.Table:
    t.records = [r for r in t.records if keep(r)]
    return t


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
def test_one_age_only_is_named_with_file_and_row(labels):
    t = _rows(X.folk1a(YEARS, K, quarters=("K1",), parts=False), lambda r: r["ALDER"][0] == "7")
    with pytest.raises(PopulationAgesError, match=r"folk\.csv, række 2: kun én alder \(7 år\)"):
        parse_population_export(X.long_csv(t, labels=labels), "folk.csv")


def test_total_only_is_one_age_only():
    t = _rows(X.folk1a(YEARS, K, quarters=("K1",), parts=False), lambda r: r["ALDER"][0] == "IALT")
    with pytest.raises(PopulationAgesError, match=r"række 5: kun én alder \(i alt\)"):
        parse_population_export(X.wide_csv(t), "folk.csv")


def test_missing_ages_are_named():
    t = _rows(X.folk1a(YEARS, K, quarters=("K1",), parts=False), lambda r: r["ALDER"][0] not in ("18", "19", "20", "22"))
    with pytest.raises(PopulationAgesError, match=r"alder 18–20, 22 år mangler"):
        parse_population_export(X.long_csv(t), "folk.csv")


def test_no_first_quarter_is_refused():
    t = X.folk1a(YEARS, K, quarters=("K2",), parts=False)
    with pytest.raises(ParseError, match="1. kvartal"):
        parse_population_export(X.long_csv(t), "folk.csv")


def test_unknown_area_is_named_with_its_row():
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    t.records[30]["OMRÅDE"] = ("999", "Atlantis")
    with pytest.raises(UnknownAreaError, match=r"folk\.csv, række 32: 'Atlantis'"):
        parse_population_export(X.long_csv(t, labels=True), "folk.csv")


def test_same_figure_twice_in_one_file_names_both_rows():
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    t.records.append(dict(t.records[3]))
    with pytest.raises(DuplicateRowsError, match=r"række 5 og \d+"):
        parse_population_export(X.long_csv(t), "folk.csv")


def test_bad_number_is_named_with_its_row():
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    t.records[40]["value"] = "12x"
    with pytest.raises(ParseError, match=r"række 42: antal '12x' er ikke et tal"):
        parse_population_export(X.long_csv(t), "folk.csv")


def test_missing_value_stays_missing():
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    rec = next(r for r in t.records if r["OMRÅDE"][0] == "147" and r["ALDER"][0] == "3")
    rec["value"] = ".."
    p = parse_population_export(X.long_csv(t), "folk.csv")
    got = as_dict(p.frame)
    assert p.report.missing_values == 1 and math.isnan(got.pop((2019, "147", "3")))
    assert got == {k: v for k, v in expected((2019,)).items() if k != (2019, "147", "3")}


def test_christiansoe_and_kommunegruppe_labels_are_never_municipalities():
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False, aggregates=("000",))
    extra = [dict(r, **{"OMRÅDE": ("411", "Christiansø")}) for r in t.records if r["OMRÅDE"][0] == "101"]
    extra += [dict(r, **{"OMRÅDE": ("950", "Landkommuner")}) for r in t.records if r["OMRÅDE"][0] == "101"]
    t.records += extra
    p = parse_population_export(X.long_csv(t, labels=True), "folk.csv")
    assert as_dict(p.frame) == expected((2019,))


def test_years_without_quarters_after_2007_are_not_bef1a07():
    t = X.bef1a07(K)
    for r in t.records:
        r["TID"] = ("2019", "2019")
    with pytest.raises(WrongTableError, match="FOLK1A har kvartaler"):
        parse_population_export(X.long_csv(t), "folk.csv")


def test_asked_table_must_match():
    with pytest.raises(WrongTableError, match="FOLK1A, ikke BEF1A07"):
        parse_population_export(X.long_csv(X.folk1a((2019,), K)), "folk.csv", table="BEF1A07")


def test_bef1a07_with_civil_status_parts_is_summed_once():
    t = X.bef1a07(K)
    t.variables = ("OMRÅDE", "KOEN", "ALDER", "CIVILSTAND", "TID")
    split = []
    for r in t.records:
        v = int(r["value"])
        split += [dict(r, CIVILSTAND=("U", "Ugift"), value=v - v // 3), dict(r, CIVILSTAND=("G", "Gift/separeret"), value=v // 3)]
    t.records = split
    p = parse_population_export(X.long_csv(t, labels=True), "bef.csv")
    assert as_dict(p.frame) == expected((2007,), with_total=False)
    assert "civilstand: delene lagt sammen" in p.report.notes and "køn: delene lagt sammen" in p.report.notes


def test_single_quarter_without_time_column_takes_it_from_the_title(tmp_path):
    t = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    t.variables = ("OMRÅDE", "ALDER", "KØN", "CIVILSTAND")  # Tid only in the title
    rows, _ = X.wide_rows(t, labels=True, across="KØN")
    rows[0] = ["Folketal den 1. i kvartalet efter område, alder og civilstand, 2019K1 (SYNTETISKE TAL)"]
    data = ("\r\n".join(";".join(r) for r in rows) + "\r\n").encode()
    p = parse_population_export(data, "folk.csv")
    assert as_dict(p.frame) == expected((2019,)) and "tid 2019K1 taget fra titlen/filnavnet" in p.report.notes


def test_two_variables_across_with_merged_headings(tmp_path):
    """Statistikbanken's table view with Tid and Køn both in the columns: the quarter heads a merged
    cell over its three sexes (blank to the right), the sexes are the row below."""
    t = X.folk1a(YEARS, K, quarters=("K1", "K2"))
    down = ("OMRÅDE", "ALDER", "CIVILSTAND")
    heads, cells = [], {}
    for r in t.records:
        h = (r["TID"][1], r["KØN"][1])
        if h not in heads:
            heads.append(h)
        cells.setdefault(tuple(r[v][1] for v in down), {})[h] = str(r["value"])
    top = [h[0] if i == 0 or heads[i - 1][0] != h[0] else "" for i, h in enumerate(heads)]
    path = tmp_path / "folk.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write(0, 0, "Folketal den 1. i kvartalet (SYNTETISKE TAL)")
    ws.write_row(2, 3, top)
    ws.write_row(3, 3, [h[1] for h in heads])
    for i, (key, vals) in enumerate(cells.items(), start=4):
        ws.write_row(i, 0, list(key))
        ws.write_row(i, 3, [int(vals[h]) for h in heads])
    wb.close()
    p = parse_population_export(path.read_bytes(), "folk.xlsx")
    assert as_dict(p.frame) == expected()
