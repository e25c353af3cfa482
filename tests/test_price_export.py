"""price_export: NAN1 as exported and a user's own two-column PL index -> canonical price index
(SYNTHETIC figures in Statistikbanken's shapes, see statbank_exports.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

import statbank_exports as X
from trappe_xl.errors import DuplicateRowsError, ParseError, PriceIndexGapError
from trappe_xl.sources.parse import parse_deflator
from trappe_xl.sources.price_export import parse_index_export

YEARS = range(2007, 2013)


def nan1_expected(years=YEARS) -> dict[int, float]:
    """Independently: current / chained × 100 for P.3, from the generator's own figures."""
    return {y: X.nan1_values(y)[0] / X.nan1_values(y)[1] * 100 for y in years}


def as_dict(frame: pd.DataFrame) -> dict[int, float]:
    return {int(a): float(v) for a, v in frame[["aar", "indeks"]].itertuples(index=False)}


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-9 for k in a)


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("shape", ["csv-header-bom", "csv-comma-noheader", "csv-wide", "xlsx-wide",
                                   "xlsx-long"])
def test_nan1_every_shape_gives_the_p3_deflator(shape, labels, tmp_path):
    t = X.nan1(YEARS)
    data, name = {
        "csv-header-bom": lambda: (X.long_csv(t, labels=labels), "nan1.csv"),
        "csv-comma-noheader": lambda: (X.long_csv(t, labels=labels, delim=",", bom=False, header=False), "nan1.csv"),
        "csv-wide": lambda: (X.wide_csv(t, labels=labels), "nan1.csv"),
        "xlsx-wide": lambda: (X.wide_xlsx(t, tmp_path / "nan1.xlsx", labels=labels), "nan1.xlsx"),
        "xlsx-long": lambda: (X.long_xlsx(t, tmp_path / "nan1.xlsx", labels=labels), "nan1.xlsx"),
    }[shape]()
    p = parse_index_export(data, name)
    assert p.table == "NAN1"
    assert close(as_dict(p.frame), nan1_expected())


def test_nan1_codes_export_and_api_body_use_the_same_parser():
    body = X.long_csv(X.nan1(YEARS))
    pd.testing.assert_frame_equal(parse_index_export(body, "nan1.csv").frame,
                                  parse_deflator("NAN1", body).frame)


def test_nan1_year_without_value_is_a_gap_named_with_its_row():
    t = X.nan1(YEARS)
    rec = next(r for r in t.records if r["TRANSAKT"][0] == "P3S13D" and r["PRISENHED"][0] == "LAN_M"
               and r["TID"][0] == "2010")
    rec["value"] = ".."
    with pytest.raises(PriceIndexGapError, match=r"nan1\.csv, række 11: prisindekset har ingen værdi for 2010"):
        parse_index_export(X.long_csv(t), "nan1.csv")


def test_nan1_skipped_year_is_a_gap():
    t = X.nan1([2007, 2008, 2010, 2011])
    with pytest.raises(PriceIndexGapError, match=r"række 4: prisindekset springer fra 2008 til 2010 \(2009 mangler\)"):
        parse_index_export(X.long_csv(t, labels=True), "nan1.csv")


def test_nan1_without_chained_prices_is_refused():
    t = X.nan1(YEARS)
    t.records = [r for r in t.records if r["PRISENHED"][0] == "V_M"]
    with pytest.raises(ParseError, match="kædede værdier"):
        parse_index_export(X.long_csv(t, labels=True), "nan1.csv")


def test_nan1_without_p3_is_refused():
    t = X.nan1(YEARS)
    t.records = [r for r in t.records if r["TRANSAKT"][0] != "P3S13D"]
    with pytest.raises(ParseError, match="P.3 Offentlige forbrugsudgifter"):
        parse_index_export(X.long_csv(t, labels=True), "nan1.csv", table="NAN1")


# -- the user's own index (år; indeks) --------------------------------------------------------------

PL = {2007: 87.25, 2008: 90.5, 2009: 93.0, 2010: 94.75, 2011: 96.0}


def _pl_csv(delim=";", decimal=",", header="år;indeks", bom=False) -> bytes:
    lines = ([header.replace(";", delim)] if header else [])
    lines += [f"{y}{delim}{str(v).replace('.', decimal)}" for y, v in PL.items()]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("data", [
    _pl_csv(), _pl_csv(bom=True), _pl_csv(header=None), _pl_csv(header="År;PL-indeks (serviceudgifter)"),
    _pl_csv(delim=",", decimal="."), _pl_csv(delim="\t", decimal=","),
], ids=["semicolon", "bom", "no-header", "own-header", "comma-point", "tab"])
def test_own_pl_index_two_columns(data):
    p = parse_index_export(data, "pl.csv")
    assert p.table == "PL" and as_dict(p.frame) == PL


def test_own_pl_index_xlsx(tmp_path):
    path = tmp_path / "pl.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["År", "Indeks"])
    for i, (y, v) in enumerate(PL.items(), start=1):
        ws.write_row(i, 0, [y, v])
    wb.close()
    p = parse_index_export(path.read_bytes(), "pl.xlsx")
    assert p.table == "PL" and as_dict(p.frame) == PL


def test_pl_comma_separated_with_decimal_comma_is_explained():
    data = ("\r\n".join(f"{y},{str(v).replace('.', ',')}" for y, v in PL.items() if v % 1) + "\r\n").encode()
    with pytest.raises(ParseError, match=r"pl\.csv, række 1: tre felter .* semikolon"):
        parse_index_export(data, "pl.csv")


@pytest.mark.parametrize("data,error,message", [
    (b"aar;indeks\r\n2007;87,25\r\n2008;90,5\r\n2011;96\r\n", PriceIndexGapError,
     r"pl\.csv, række 4: prisindekset springer fra 2008 til 2011 \(2009–2010 mangler\)"),
    (b"2007;87,25\r\n2008;..\r\n2009;93\r\n", PriceIndexGapError,
     r"række 2: prisindekset har ingen værdi for 2008"),
    (b"2007;87,25\r\n2008;90\r\n2008;91\r\n", DuplicateRowsError, r"række 2 og 3: året 2008"),
    (b"2007;87,25\r\n2008;90 kr\r\n", ParseError, r"række 2: indeks '90 kr' er ikke et tal"),
], ids=["gap", "missing-value", "year-twice", "bad-number"])
def test_pl_bad_index_names_its_row(data, error, message):
    with pytest.raises(error, match=message):
        parse_index_export(data, "pl.csv")
