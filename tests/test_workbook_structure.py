"""Structure of the built workbook, read back with openpyxl: sheets, Tables, names, validations,
protection, print setup, determinism."""

from __future__ import annotations

import hashlib
import re

import openpyxl
import pytest

from wb_fixtures import synthetic_bookdata
from trappe_xl.workbook import bookdata, layout
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
        want = layout.columns(name, data.value)
        # the header row a user sees is Danish ("år", "mål", "beløb (1.000 kr.)"); the readers
        # map it back to the canonical names
        assert cols == [layout.header(c) for c in want]
        assert tuple(layout.canonical(cols, want)) == want
        assert not {"aar", "maal", "beloeb_1000kr", "vaerdi", "fra_aar", "gyldig"} & set(cols)
    # sheet names in proper Danish (before: "Noegle")
    assert "Nøgle" in wb.sheetnames and not any("oe" in n or "aa" in n.lower() for n in wb.sheetnames)


def test_trindata_codes_are_text_and_missing_blank(built):
    data, _, wb = built
    ws = wb[layout.TRINDATA]
    ref = ws.tables["TrinData"].ref
    rows = list(ws[ref])
    head = layout.canonical([c.value for c in rows[0]], layout.columns("TrinData", data.value))
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
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 = default
    assert ws.print_area and ws.print_title_rows == "$1:$3"
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
    head = layout.canonical([c.value for c in rows[0]], layout.TABLES["Kontrol"][1])
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


def test_year_names_cover_exactly_that_years_trindata_rows(built):
    data, _, wb = built
    ws = wb[layout.TRINDATA]
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == layout.header("aar"))
    aar = [c.value for c in ws["A"][header:]]           # every data row, in sheet order
    covered = 0
    for y in data.years:
        for col in ("aar", "vaerdi", "gyldig", "kommunekode"):
            assert f"TD_{y}_{col}" in wb.defined_names
        ref = wb.defined_names[f"TD_{y}_aar"].attr_text.split("!")[1].replace("$", "")
        first, last = (int(x[1:]) for x in ref.split(":"))
        assert aar[first - header - 1:last - header] == [y] * (last - first + 1)
        assert aar.count(y) == last - first + 1            # nothing of that year outside
        covered += last - first + 1
    assert covered == len(bookdata.trindata(data))
    assert ws.protection.sort is True   # openpyxl: True = sorting is *blocked* (row order is used)


def test_year_ranges_refuse_a_table_not_sorted_by_year():
    import pandas as pd

    from trappe_xl.errors import TrappeError
    from trappe_xl.workbook.datasheets import year_ranges

    frame = pd.DataFrame({"aar": [2019, 2020, 2019], "v": [1.0, 2.0, 3.0]})
    with pytest.raises(TrappeError, match="sorteret"):
        year_ranges("TrinData", frame, (3, 0, 6, 1), "TD")
    ok = year_ranges("TrinData", frame.sort_values("aar"), (3, 0, 6, 1), "TD")
    assert ok["TD_2019_v"] == "=TrinData!$B$5:$B$6" and ok["TD_2020_aar"] == "=TrinData!$A$7:$A$7"


def test_kommune_lists_are_alphabetical(built):
    """The kommune drop-downs (Kommune and Egen gruppe) list the 98 names A–Å (Æ, Ø, Å last),
    not in DST's order."""
    from trappe_xl import reference
    _, _, wb = built
    ws = wb[layout.ANALYSE]
    kommune_cell = wb.defined_names["ValgKommune"].attr_text.split("!")[1].replace("$", "")
    group_first = wb.defined_names["ValgGruppe"].attr_text.split("!")[1].replace("$", "").split(":")[0]
    sources = {}
    for dv in ws.data_validations.dataValidation:
        for cell in (kommune_cell, group_first):
            if cell in dv.sqref:
                sources[cell] = dv.formula1
    assert set(sources) == {kommune_cell, group_first}
    assert sources[kommune_cell] == sources[group_first]
    sheet, cells = sources[kommune_cell].lstrip("=").split("!")
    names = [c.value for row in wb[sheet][cells.replace("$", "")] for c in row]
    assert set(names) == {k.navn for k in reference.kommuner()} and len(names) == 98
    assert names[0] == "Aabenraa" and names[-1] == "Ærø"
    danish = [n.casefold().replace("æ", "{").replace("ø", "|").replace("å", "}") for n in names]
    assert danish == sorted(danish)
    assert names.index("Ærø") > names.index("Vordingborg") and names.index("Odense") < names.index("Odsherred")
    dst = [k.navn for k in reference.kommuner()]
    assert names != dst


@pytest.mark.parametrize("level", ["function", "grouping"])
def test_inputs_and_staircase_sit_in_visible_columns(tmp_path, level):
    """Every input (the twelve choices and the own group) and section D's two columns are in
    columns the sheet shows, wide enough to read: on function-level data trin 2–5's columns are
    hidden, on grouping-level data the combined steps' (before: the own group sat in hidden F:G
    and D's comparison in hidden C on function-level data; the inputs showed 7 characters)."""
    import lambda_kinds as K
    from openpyxl.utils import column_index_from_string, get_column_letter
    from trappe_xl.workbook import dashboard
    data = K._synthetic(level, True, 7)
    path = write_workbook(data, Selection(), tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.ANALYSE]
    hidden = {c for c in range(1, 40) if ws.column_dimensions[get_column_letter(c)].hidden}
    assert hidden, "the data hide no step column; the test needs data that do"

    def width(c):
        return ws.column_dimensions[get_column_letter(c)].width or 8.43

    merged = {str(m).split(":")[0]: str(m) for m in ws.merged_cells.ranges}
    for name in (*layout.INPUT_NAMES, "ValgGruppe"):
        first = wb.defined_names[name].attr_text.split("!")[1].replace("$", "").split(":")[0]
        area = merged[first]
        a, b = area.split(":")
        c0 = column_index_from_string("".join(ch for ch in a if ch.isalpha()))
        c1 = column_index_from_string("".join(ch for ch in b if ch.isalpha()))
        assert c0 not in hidden, (name, area)
        shown = sum(width(c) for c in range(c0, c1 + 1) if c not in hidden)
        assert shown >= (20 if name != "ValgGruppe" else 14), (name, area, shown)
    dash = dashboard.Dash.for_book(data)
    top = dash.d_top + 1
    for c in dash.d_cols:
        assert c + 1 not in hidden
    assert ws.cell(top + 1, dash.d_cols[0] + 1).value == "=ValgKommune"
    assert ws.cell(top + 1, dash.d_cols[1] + 1).value == "=hSamTekst"
    # each of D's two columns is two visible columns merged, so a long name wraps between words
    for first, last in dash.d_spans:
        assert first + 1 not in hidden and last + 1 not in hidden and first < last
        cell = f"{get_column_letter(first + 1)}{top + 1}"
        assert merged[cell] == f"{cell}:{get_column_letter(last + 1)}{top + 1}"
        assert sum(width(c) for c in range(first + 1, last + 2) if c not in hidden) >= 14
    heads = {ws.cell(dashboard.GROUP_ROW, c).value: c for c in range(1, 40) if ws.cell(dashboard.GROUP_ROW, c).value}
    assert "Egen gruppe" in heads and "Bemærkninger" in heads
    assert heads["Bemærkninger"] not in hidden and heads["Bemærkninger"] > heads["Egen gruppe"] + 1


def test_every_sheet_prints_on_a4_and_data_sheets_fit_the_width(built):
    """What a user prints: every visible sheet on A4 (Forside printed on US Letter before); the
    data sheets landscape, all columns on the page's width and the table header on every page
    (before: 217 pages, columns split over pages, header-only pages)."""
    _, _, wb = built
    data_sheets = {sheet for sheet, _ in layout.TABLES.values()} - {layout.OM_DATA, layout.BEREGNING}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" or ws.title == layout.XLWINGS_CONF:
            continue
        assert ws.page_setup.paperSize in (9, "9"), ws.title
        if ws.title in data_sheets:
            assert ws.page_setup.orientation == "landscape", ws.title
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
            assert ws.print_title_rows, ws.title


def test_chart_axis_titles_are_not_linked_to_cells(built):
    """LibreOffice keeps a chart title linked to a cell at its saved text when the inputs change
    (the axes read "1.000 kr., løbende priser" after choosing kr. pr. 0-17-årig): the amount axes
    carry a fixed title; the unit is in each section's title, a formula that recalculates."""
    import zipfile
    from trappe_xl.workbook import charts
    _, path, _ = built
    z = zipfile.ZipFile(path)
    xmls = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(xmls) >= 7
    for xml in xmls:
        for ax in re.findall(r"<c:valAx>.*?</c:valAx>", xml, re.S):
            title = re.search(r"<c:title>.*?</c:title>", ax, re.S)
            assert title and "<c:strRef>" not in title.group(0), title
        assert charts.AMOUNT_AXIS in xml or "Andel" in xml


def test_merudgift_charts_put_year_labels_below_negative_bars(built):
    """Section C's charts (merudgift, often negative) draw the year labels at the bottom of the
    plot, not on the zero line through the bars."""
    import zipfile
    _, path, _ = built
    z = zipfile.ZipFile(path)
    xmls = [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    merudgift = [x for x in xmls if "C) Merudgift" in x or "C) Kommunens merudgift" in x]
    assert len(merudgift) == 2
    for xml in merudgift:
        cat = re.search(r"<c:catAx>.*?</c:catAx>", xml, re.S).group(0)
        assert '<c:tickLblPos val="low"/>' in cat


@pytest.mark.parametrize("level", ["function", "grouping"])
def test_staircase_shows_only_the_steps_the_data_can_fill(tmp_path, level):
    """Section D (table and chart) lists the staircase less the steps the data can never fill:
    on function-level data 1, 2–3, 4–5, 6 (before: also 2, 3, 4, 5, always empty, so the chart
    did not read as a staircase); on grouping-level data 1–6 without the combined steps."""
    import zipfile
    import lambda_kinds as K
    from trappe_xl.workbook import dashboard
    data = K._synthetic(level, True, 7)
    path = write_workbook(data, Selection(), tmp_path / "b.xlsx")
    dash = dashboard.Dash.for_book(data)
    want = {"function": (1, 23, 45, 6), "grouping": (1, 2, 3, 4, 5, 6)}[level]
    assert dash.stair_steps == want
    ws = openpyxl.load_workbook(path)[layout.ANALYSE]
    labels = [ws.cell(r + 1, 1).value for r in dash.d_rows()]
    assert labels == [dashboard.step_label(t) for t in want]
    assert ws.cell(dash.d_rows()[-1] + 2, 1).value is None      # nothing after the last step
    z = zipfile.ZipFile(path)
    stair = [z.read(n).decode("utf-8") for n in z.namelist()
             if n.startswith("xl/charts/chart") and "D) Trappen" in z.read(n).decode("utf-8")]
    assert len(stair) == 1
    first, last = dash.d_rows()[0] + 1, dash.d_rows()[-1] + 1
    cats = set(re.findall(r"<c:cat>.*?<c:f>([^<]*)</c:f>", stair[0], re.S))
    assert cats == {f"Analyse!$A${first}:$A${last}"}, cats
