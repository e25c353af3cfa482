"""Structure of the built workbook, read back with openpyxl: sheets, Tables, names, validations,
protection, print setup, determinism."""

from __future__ import annotations

import hashlib

import openpyxl
import pytest

from wb_fixtures import synthetic_bookdata
from trappe_xl.workbook import layout
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data = synthetic_bookdata()
    path = write_workbook(data, Selection(), tmp_path_factory.mktemp("s") / "book.xlsx")
    return data, path, openpyxl.load_workbook(path)


def test_sheets_in_layout_order(built):
    _, _, wb = built
    assert wb.sheetnames == list(layout.SHEETS)
    assert wb[layout.BEREGNING].sheet_state == "hidden"


def test_tables_with_layout_columns(built):
    data, _, wb = built
    for name, (sheet, _) in layout.TABLES.items():
        ws = wb[sheet]
        assert name in ws.tables, f"{name} missing on {sheet}"
        cols = [c.name for c in ws.tables[name].tableColumns]
        assert tuple(cols) == layout.columns(name, data.value)


def test_trindata_codes_are_text_and_missing_blank(built):
    data, _, wb = built
    ws = wb[layout.TRINDATA]
    ref = ws.tables["TrinData"].ref
    rows = list(ws[ref])
    head = [c.value for c in rows[0]]
    assert len(rows) - 1 == len(data.steps)
    kcol = head.index("kommunekode")
    assert all(isinstance(r[kcol].value, str) for r in rows[1:200])
    vcol = head.index(data.value)
    n_missing = int(data.steps[data.value].isna().sum())
    assert n_missing > 0
    assert sum(r[vcol].value is None for r in rows[1:]) == n_missing


def test_input_names_validations_and_protection(built):
    _, _, wb = built
    for name in (*layout.INPUT_NAMES, "ValgGruppe"):
        assert name in wb.defined_names, name
    ws = wb[layout.ANALYSE]
    validated = {str(dv.sqref) for dv in ws.data_validations.dataValidation}
    for name in layout.INPUT_NAMES:
        if name == "ValgGruppe":
            continue
        ref = wb.defined_names[name].attr_text.split("!")[1].replace("$", "")
        assert ref in validated, name
        assert ws[ref].protection.locked is False
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws["A20"].protection.locked is True
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area
    assert wb[layout.XLWINGS_CONF]["A1"].value == "UDF Modules"
    assert wb[layout.XLWINGS_CONF]["B1"].value == layout.UDF_MODULE


def test_document_properties_and_banner(built):
    data, _, wb = built
    first, last = data.period
    assert wb.properties.title == f"Indsatstrappens Udgiftsmodel {first}-{last}"
    assert data.key_version in wb.properties.subject
    assert wb.properties.created.year == 2026
    assert "SYNTETISKE DATA" in str(wb[layout.ANALYSE]["A2"].value)


def test_kontrol_sheet_equals_model_conservation(built):
    data, _, wb = built
    ws = wb[layout.KONTROL]
    rows = list(ws[ws.tables["Kontrol"].ref])
    head = [c.value for c in rows[0]]
    got = [dict(zip(head, (c.value for c in r))) for r in rows[1:]]
    assert len(got) == len(data.kontrol)
    want = data.kontrol.reset_index(drop=True)
    for g, w in zip(got, want.itertuples()):
        assert (g["aar"], g["kommunekode"], g["maal"]) == (w.aar, w.kommunekode, w.maal)
        assert g["ok"] == int(w.ok) == 1
        if g["kilde_total"] is not None:
            assert abs(g["kilde_total"] - (g["trin_total"] + g["ikke_fordelt"])) < 1e-3


def test_same_inputs_identical_bytes(built, tmp_path):
    data, path, _ = built
    again = write_workbook(data, Selection(), tmp_path / "again.xlsx")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
