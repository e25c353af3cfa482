"""pipeline.build / check on a SYNTHETIC dataset (load step replaced; no network, no snapshot)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from wb_fixtures import YEARS, synthetic_bookdata
from trappe_xl import pipeline
from trappe_xl.dataset import Dataset
from trappe_xl.workbook import layout
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.dashboard import K0, Dash
from trappe_xl.workbook.selection import Selection


@pytest.fixture()
def synthetic_source(monkeypatch):
    data = synthetic_bookdata()
    from bench.synthetic import make_accounts, make_deflator, make_population
    acc = make_accounts(level="function", years=YEARS, seed=3)
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=make_population(years=YEARS),
                 deflator=make_deflator(years=YEARS),
                 meta={"name": "synthetic", "created": "2026-11-24T04:13:00Z"})
    monkeypatch.setattr(pipeline, "load_dataset", lambda data_dir, snapshot: ds)
    return data


def test_build_names_file_by_period_and_check_passes(tmp_path, synthetic_source, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines: list[str] = []
    out = pipeline.build(tmp_path, say=lines.append, synthetic=True)
    assert out == tmp_path / "workbooks" / "Indsatstrappens_Udgiftsmodel_2018-2021.xlsx" or \
        out.resolve() == (tmp_path / "workbooks" / "Indsatstrappens_Udgiftsmodel_2018-2021.xlsx")
    assert any("kontrol OK" in line for line in lines)
    assert pipeline.check(out, tmp_path, say=lines.append) is True


def test_check_finds_a_tampered_value(tmp_path, synthetic_source):
    out = pipeline.build(tmp_path, out=tmp_path / "b.xlsx", say=lambda s: None)
    wb = openpyxl.load_workbook(out)
    ws = wb[layout.TRINDATA]
    ref = ws.tables["TrinData"].ref
    head = [c.value for c in ws[ref][0]]
    col = head.index(layout.header("beloeb_1000kr"))
    row = ws[ref][5]
    row[col].value = (row[col].value or 0) + 1000
    wb.save(tmp_path / "tampered.xlsx")
    said: list[str] = []
    assert pipeline.check(tmp_path / "tampered.xlsx", tmp_path, say=said.append) is False
    assert any("AFVIGELSE" in s for s in said)


REAL_SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"


def _set_cached(src: Path, dst: Path, sheet_xml: str, cell: str, value: str) -> None:
    """Copy an .xlsx, replacing the cached value of one formula cell in the raw sheet XML."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet_xml:
                text = data.decode("utf-8")
                new, n = re.subn(rf'(<c r="{cell}"[^>]*>(?:<f>[^<]*</f>))<v>[^<]*</v>',
                                 rf"\g<1><v>{value}</v>", text, count=1)
                assert n == 1, f"cell {cell} with a cached value not found"
                data = new.encode("utf-8")
            zout.writestr(item, data)


def test_check_compares_analyse_with_model_on_real_snapshot(tmp_path):
    """The shipped snapshot, a non-default selection: check passes; one tampered cached result
    on Analyse (the kommune's 2018 trin-2 figure) makes it fail and name the cell."""
    sel = Selection(kommune="751", sammenligning="region", basis_fra=2017)
    out = pipeline.build(tmp_path, snapshot=REAL_SNAPSHOT, out=tmp_path / "real.xlsx",
                         say=lambda s: None, selection=sel)
    assert pipeline.check(out, tmp_path, snapshot=REAL_SNAPSHOT, say=lambda s: None) is True
    cell = a1(Dash(n=9, weighted=True).a_rows()[2], K0 + 1)
    _set_cached(out, tmp_path / "tampered.xlsx", "xl/worksheets/sheet2.xml", cell, "12345")
    said: list[str] = []
    assert pipeline.check(tmp_path / "tampered.xlsx", tmp_path, snapshot=REAL_SNAPSHOT,
                          say=said.append) is False
    assert any(f"Analyse!{cell}" in s for s in said), said
