"""pipeline.build / check on a SYNTHETIC dataset (load step replaced; no network, no snapshot)."""

from __future__ import annotations

import openpyxl
import pytest

from wb_fixtures import YEARS, synthetic_bookdata
from trappe_xl import pipeline
from trappe_xl.dataset import Dataset
from trappe_xl.workbook import layout


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
    col = head.index("beloeb_1000kr")
    row = ws[ref][5]
    row[col].value = (row[col].value or 0) + 1000
    wb.save(tmp_path / "tampered.xlsx")
    said: list[str] = []
    assert pipeline.check(tmp_path / "tampered.xlsx", tmp_path, say=said.append) is False
    assert any("AFVIGELSE" in s for s in said)
