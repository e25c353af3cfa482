"""exports.py: hand-downloaded exports -> canonical rows (real REGK31 extract + synthetic fixtures)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from trappe_xl import reference
from trappe_xl.errors import DuplicateRowsError, ParseError, UnknownAreaError, WrongTableError
from trappe_xl.sources.exports import parse_export

FIX = Path(__file__).parent / "fixtures" / "exports"
EXTRACT = "regk31-extract"


def _independent_expectation(shared_data: Path) -> dict[tuple[int, str, str], float]:
    """The tidy file read with the csv module and our reference names only: (aar, kode, funktion) -> value."""
    by_name = {k.navn: k.kode for k in reference.kommuner()}
    out = {}
    with open(shared_data / EXTRACT / "regk31_528_21-22_pr_indbygger_2016-2024.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["omraade"] != "Hele landet":
                out[(int(r["aar"]), by_name[r["omraade"]], r["funktion"])] = float(r["kr_pr_indbygger"])
    return out


def _as_dict(acc: pd.DataFrame) -> dict[tuple[int, str, str], float]:
    return {(int(a), k, f): v for a, k, f, v in acc[["aar", "kommunekode", "funktion", "kr_pr_indbygger"]].itertuples(index=False)}


def test_real_extract_as_published_gives_1764_rows_equal_to_the_file(shared_data):
    expected = _independent_expectation(shared_data)
    parts = []
    for f in sorted((shared_data / EXTRACT / "as-published").glob("*.csv")):
        p = parse_export(f.read_bytes(), f.name)
        assert p.options == {"table": "REGK31", "year": int(f.stem)}
        assert p.parsed.aggregates["kommunekode"].unique().tolist() == ["000"]
        parts.append(p.parsed.accounts)
    acc = pd.concat(parts, ignore_index=True)
    assert len(acc) == 1764 == 98 * 9 * 2
    assert set(acc["dranst"]) == {"*"} and set(acc["art"]) == {"TOT"} and set(acc["gruppering"]) == {"*"}
    assert _as_dict(acc) == expected
    assert expected[(2023, "563", "5.28.22")] == -1  # Fanø's real oddity kept


def test_real_extract_tidy_file_gives_the_same_rows(shared_data):
    f = shared_data / EXTRACT / "regk31_528_21-22_pr_indbygger_2016-2024.csv"
    p = parse_export(f.read_bytes(), f.name)
    assert len(p.parsed.accounts) == 1764 and p.parsed.report.kommuner == tuple(sorted(reference.kommunekoder()))
    assert _as_dict(p.parsed.accounts) == _independent_expectation(shared_data)
    assert len(p.parsed.aggregates) == 18
    assert any("dranst ikke angivet" in n for n in p.parsed.report.notes)


def _canon(data: bytes, name: str = "x.csv") -> pd.DataFrame:
    return parse_export(data, name).parsed.accounts


def test_codes_and_labels_fixtures_agree():
    codes = _canon((FIX / "synthetic_regk31_codes_2019.csv").read_bytes())
    labels = _canon((FIX / "synthetic_regk31_labels_2019.csv").read_bytes())
    pd.testing.assert_frame_equal(codes, labels)
    acc = codes.set_index("kommunekode")
    assert acc.loc["101", "beloeb_1000kr"] == 1234.5 and math.isnan(acc.loc["147", "beloeb_1000kr"])
    assert acc.loc["169", "art"] == "UE" and acc.loc["169", "beloeb_1000kr"] == -12  # "Høje Taastrup"


LINES = [["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", "København", "379"],
         ["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", " høje-taastrup ", "12,5"],
         ["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", "Region Sjælland", ".."]]


def _csv(rows, delim=";", bom=False, quote=csv.QUOTE_ALL, header=None) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, quoting=quote, lineterminator="\r\n")
    if header:
        w.writerow(header)
    w.writerows(rows)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


@pytest.mark.parametrize("delim", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("quote", [csv.QUOTE_ALL, csv.QUOTE_MINIMAL])
@pytest.mark.parametrize("header", [None, ["Prisenhed", "Art", "Funktion", "Område", "Beløb"]])
def test_delimiters_bom_quotes_and_header_all_read_alike(delim, bom, quote, header):
    p = parse_export(_csv(LINES, delim, bom, quote, header), "synthetic_2020.csv").parsed
    assert p.accounts[["aar", "kommunekode", "kr_pr_indbygger"]].values.tolist() == [[2020, "101", 379.0], [2020, "169", 12.5]]
    assert p.aggregates["kommunekode"].tolist() == ["085"] and math.isnan(p.aggregates["kr_pr_indbygger"].iloc[0])


def test_unknown_area_name_is_named():
    rows = LINES[:1] + [["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.22 Plejefamilier", "Atlantis", "1"]]
    with pytest.raises(UnknownAreaError, match="Atlantis"):
        parse_export(_csv(rows), "synthetic_2020.csv")


def test_unknown_municipality_code_is_named():
    head = ["OMRÅDE", "FUNKTION", "ART", "PRISENHED", "TID", "INDHOLD"]
    with pytest.raises(UnknownAreaError, match="'102'"):
        parse_export(_csv([["102", "52821", "TOT", "INDL", "2019", "1"]], header=head), "synthetic.csv")


def test_year_missing_everywhere_is_refused():
    with pytest.raises(ParseError, match="filnavnet"):
        parse_export(_csv(LINES), "synthetic_export.csv")


def test_duplicate_rows_in_one_export_are_refused():
    with pytest.raises(DuplicateRowsError):
        parse_export(_csv(LINES[:1] * 2), "synthetic_2020.csv")


def test_population_export_is_wrong_table():
    head = ["Område", "Køn", "Alder", "Civilstand", "Tid", "Indhold"]
    with pytest.raises(WrongTableError):
        parse_export(_csv([["København", "I alt", "7 år", "I alt", "2019K1", "6000"]], header=head), "synthetic.csv")


def test_headerless_export_without_funktion_is_wrong_table():
    rows = [["København", "Mænd", "2019K1", "6000"], ["Aarhus", "Mænd", "2019K1", "5000"]]
    with pytest.raises((WrongTableError, ParseError)):
        parse_export(_csv(rows), "synthetic.csv")


def test_regk100_export_refused_when_regk31_asked():
    head = ["Område", "Funktion", "Gruppering", "Art", "Prisenhed", "Tid", "Indhold"]
    rows = [["København", "5.28.21 X", "001 Y", "I alt (netto)", "1.000 kr., løbende priser", "2019", "1"]]
    with pytest.raises(WrongTableError, match="REGK100"):
        parse_export(_csv(rows, header=head), "synthetic.csv", table="REGK31")
    p = parse_export(_csv(rows, header=head), "synthetic.csv", table="REGK100")
    assert p.parsed.accounts["gruppering"].tolist() == ["001"]


def _dst_like_xlsx(path: Path) -> None:
    """A synthetic workbook laid out like DST's xlsx export: title rows, years across, blank repeats."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write(0, 0, "Kommunernes regnskaber på funktioner (SYNTETISKE TAL)")
    ws.write(1, 0, "Enhed: kr.")
    ws.write_row(3, 4, ["2019", "2020"])
    ws.write_row(4, 0, ["Pr. indbygger, løbende priser (kr.)", "I alt (netto)", "5.28.21 Rådgivning …", "Hele landet", 900, 910])
    ws.write_row(5, 3, ["København", 1000, ".."])
    ws.write_row(6, 2, ["5.28.22 Plejefamilier", "København", 400.5, 410])
    ws.write(8, 0, "Kilde: syntetisk")
    wb.close()


def test_dst_like_xlsx_is_read(tmp_path):
    f = tmp_path / "synthetic_regk31.xlsx"
    _dst_like_xlsx(f)
    p = parse_export(f.read_bytes(), f.name).parsed
    acc = p.accounts.set_index(["aar", "funktion"])["kr_pr_indbygger"]
    assert acc[(2019, "5.28.21")] == 1000 and math.isnan(acc[(2020, "5.28.21")])
    assert acc[(2019, "5.28.22")] == 400.5 and acc[(2020, "5.28.22")] == 410
    assert set(p.accounts["kommunekode"]) == {"101"}
    assert p.aggregates.set_index("aar")["kr_pr_indbygger"].to_dict() == {2019: 900.0, 2020: 910.0}


def test_kommunegruppe_rows_of_a_label_export_are_kept_apart_as_aggregates():
    """Ticking every area in Statistikbanken also brings DST's municipality groups: no kommune."""
    head = ["Område", "Funktion", "Art", "Prisenhed", "Tid", "Indhold"]
    rows = [["København", "5.28.21 X", "I alt (netto)", "1.000 kr., løbende priser", "2019", "5"],
            ["Landkommuner", "5.28.21 X", "I alt (netto)", "1.000 kr., løbende priser", "2019", "50"]]
    p = parse_export(_csv(rows, header=head), "synthetic.csv").parsed
    assert p.accounts["kommunekode"].tolist() == ["101"]
    assert len(p.aggregates) == 1 and p.aggregates["beloeb_1000kr"].tolist() == [50.0]
