"""Regnskab wide by maal (every krone traceable to its rule, far under the sheet limit), and the
named error instead of a broken file when a table would not fit on a sheet. SYNTHETIC data."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from wb_fixtures import synthetic_bookdata
from trappe_xl.errors import SheetLimitError
from trappe_xl.frames import ART_TO_MAAL
from trappe_xl.workbook import bookdata, layout
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook


@pytest.fixture(scope="module")
def data():
    return synthetic_bookdata()


def test_regnskab_is_wide_one_row_per_account_and_rule(data):
    wide = bookdata.regnskab(data)
    assert tuple(wide.columns) == layout.columns("Regnskab", data.value)
    # the synthetic accounts have TOT, UE and I for every account key: three detail rows per wide row
    assert len(wide) * 3 == len(data.detail)
    keys = ["aar", "kommunekode", "funktion", "gruppering", "dranst", "regel_id"]
    assert not wide.duplicated(keys).any()
    assert wide["kommunekode"].map(type).eq(str).all()


@pytest.mark.parametrize("art", ["TOT", "UE", "I"])
def test_regnskab_keeps_every_krone(data, art):
    """Σ of each measure column equals Σ of the detail rows of that art (independently summed),
    and a missing source value stays missing (never 0)."""
    maal = ART_TO_MAAL[art]
    wide = bookdata.regnskab(data)
    det = data.detail[data.detail["art"].astype(str) == art]
    col = f"{maal}_{data.value}"
    assert wide[col].sum() == pytest.approx(det[data.value].sum(), rel=1e-12)
    assert int(wide[col].isna().sum()) == int(det[data.value].isna().sum())
    both = wide[col].notna()
    assert np.allclose(wide.loc[both, f"kilde_{maal}"] * wide.loc[both, "andel"],
                       wide.loc[both, col])


def test_regnskab_sheet_in_built_workbook(data, tmp_path):
    path = write_workbook(data, Selection(), tmp_path / "b.xlsx")
    ws = openpyxl.load_workbook(path, read_only=False)[layout.REGNSKAB]
    tab = ws.tables["Regnskab"]
    head = [c.value for c in ws[tab.ref][0]]
    assert head == [layout.header(c) for c in layout.columns("Regnskab", data.value)]
    assert len(ws[tab.ref]) - 1 == len(bookdata.regnskab(data))


def test_too_many_rows_raises_named_error_and_writes_nothing(data, tmp_path, monkeypatch):
    out = tmp_path / "book.xlsx"
    n = len(bookdata.regnskab(data))
    monkeypatch.setattr(layout, "MAX_SHEET_ROWS", n)  # the Regnskab table no longer fits
    with pytest.raises(SheetLimitError, match="Regnskab.*højst"):
        write_workbook(data, Selection(), out)
    assert list(tmp_path.iterdir()) == []


def test_limit_checked_for_every_table(data, tmp_path, monkeypatch):
    """A smaller table (TrinData) over the limit also stops the build, leaving no file behind."""
    monkeypatch.setattr(layout, "MAX_SHEET_ROWS", len(data.steps))
    monkeypatch.setattr(bookdata, "regnskab", _small_regnskab)
    with pytest.raises(SheetLimitError, match="TrinData"):
        write_workbook(data, Selection(), tmp_path / "book.xlsx")
    assert list(tmp_path.iterdir()) == []


_REAL_REGNSKAB = bookdata.regnskab


def _small_regnskab(d):
    return _REAL_REGNSKAB(d).head(10)


def test_big_table_skips_xlsxwriter_cell_index_but_stays_a_valid_table(tmp_path, monkeypatch):
    import openpyxl
    import pandas as pd
    import xlsxwriter

    from trappe_xl.errors import TrappeError
    from trappe_xl.workbook import datasheets

    monkeypatch.setattr(datasheets, "BIG_TABLE_CELLS", 5)
    frame = pd.DataFrame({"kode": ["101", "147", "001"], "beloeb_1000kr": [1.5, float("nan"), -2.0]})
    wb = xlsxwriter.Workbook(tmp_path / "t.xlsx")
    fmt = {"num": None, "num1": None, "share": None}
    ws = wb.add_worksheet("Big")
    datasheets.write_table(ws, frame, "BigTable", fmt)
    assert ws.table_cells == {}          # the index was not filled for the big table
    other = wb.add_worksheet("Two")
    datasheets.write_table(other, frame.iloc[:1], "Small", fmt)
    with pytest.raises(TrappeError, match="alene"):
        datasheets.write_table(other, frame, "Second", fmt, first_row=10)
    wb.close()
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert book["Big"].tables["BigTable"].ref == "A1:B4"
    rows = list(book["Big"].iter_rows(values_only=True))
    assert rows == [("kode", layout.header("beloeb_1000kr")), ("101", 1.5), ("147", None), ("001", -2.0)]


def test_big_table_falls_back_to_the_full_add_table_when_xlsxwriter_records_ranges_otherwise(
        tmp_path, monkeypatch):
    import openpyxl
    import pandas as pd
    import xlsxwriter

    from trappe_xl.workbook import datasheets

    monkeypatch.setattr(datasheets, "BIG_TABLE_CELLS", 5)
    # a future XlsxWriter that spells ranges differently: the widened table must not be trusted
    monkeypatch.setattr(datasheets, "xl_range", lambda *a: "not-what-xlsxwriter-wrote")
    frame = pd.DataFrame({"kode": ["101", "147", "001"], "beloeb_1000kr": [1.5, float("nan"), -2.0]})
    wb = xlsxwriter.Workbook(tmp_path / "t.xlsx")
    ws = wb.add_worksheet("Big")
    datasheets.write_table(ws, frame, "BigTable", {"num": None, "num1": None, "share": None})
    assert len(ws.tables) == 1 and len(ws.table_cells) == 8    # the plain call indexed every cell
    wb.close()
    assert openpyxl.load_workbook(tmp_path / "t.xlsx")["Big"].tables["BigTable"].ref == "A1:B4"
