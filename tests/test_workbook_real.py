"""The shipped data path end to end: the REAL snapshot in data/ (DST REGK31, kr. pr. indbygger,
netto only, no population, no price index) -> workbook -> LibreOffice recalculation; every result
cell on Analyse equals trappe_xl.model computed here, and choices the data cannot answer show a
Danish note and "–", never a number. "Hele landet" is DST's own national figure through the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from lo import cell_values, recalc
from wb_expect import differences, expected
from trappe_xl import model
from trappe_xl.key import load_key
from trappe_xl.pipeline import prepare
from trappe_xl.sources.load import load_snapshot
from trappe_xl.workbook import dashboard as D
from trappe_xl.workbook import layout, notes
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection, members, resolve
from trappe_xl.workbook.writer import TRAP_CELL, write_workbook

pytestmark = pytest.mark.libreoffice

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"

SELECTIONS = {
    "land_kbh": Selection(),
    "region_aarhus": Selection(kommune="751", sammenligning="region", basis_fra=2016,
                               basis_til=2018),
    "group_odense": Selection(kommune="461", sammenligning="gruppe",
                              gruppe=("461", "751", "851", "101"), fra_aar=2018, til_aar=2023,
                              basis_fra=2019, trappe_aar=2020),
    "kgroup_frb_base2020": Selection(kommune="147", sammenligning="kommunegruppe", basis_fra=2020,
                                     basis_til=2022, trappe_aar=2021),
    "land_uden_refusion": Selection(kommune="563", refusion=False, basis_fra=2019),
    "fixed_prices": Selection(kommune="101", prisaar=2020),
    "udgifter": Selection(kommune="101", maal="udgifter"),
    "indtaegter_region": Selection(kommune="851", maal="indtaegter", sammenligning="region"),
}
#: books whose Enhed cell is changed to a per-child unit after writing (the writer refuses it)
PER_CHILD = {"per_child_land": (Selection(), "pr_0_17"),
             "per_child_region": (Selection(kommune="751", sammenligning="region"), "pr_0_22")}


@pytest.fixture(scope="module")
def real():
    ds = load_snapshot(SNAPSHOT)
    data = prepare(ds, load_key())
    land = ds.aggregates[ds.aggregates["kommunekode"] == "000"]
    land_steps = model.step_table(model.apply_key(land, load_key()))  # computed here, not by bookdata
    return data, land_steps


@pytest.fixture(scope="module")
def books(real, tmp_path_factory, soffice):
    data, _ = real
    src = tmp_path_factory.mktemp("real")
    paths = {name: write_workbook(data, sel, src / f"{name}.xlsx", trap=True)
             for name, sel in SELECTIONS.items()}
    for name, (sel, enhed) in PER_CHILD.items():
        path = write_workbook(data, sel, src / f"{name}.xlsx")
        wb = openpyxl.load_workbook(path)
        ref = wb.defined_names["ValgEnhed"].attr_text.split("!")[1].replace("$", "")
        wb[layout.ANALYSE][ref] = layout.ENHED_VALG[enhed]
        wb.save(path)
        paths[name] = path
    outs = recalc(list(paths.values()), tmp_path_factory.mktemp("real-lo"), soffice)
    return paths, dict(zip(paths, outs))


def test_real_snapshot_facts(real):
    data, land_steps = real
    assert data.value == "kr_pr_indbygger" and data.population.empty and data.deflator.empty
    assert data.years == tuple(range(2016, 2025))
    assert data.has_land and len(land_steps) == len(data.land_steps)
    # DST's 2016 national figure for 5.28.21 is 921 kr. pr. indbygger: whole, on the combined
    # step trin 2–3 (function level), never split into invented halves
    row = land_steps[(land_steps["aar"] == 2016) & (land_steps["trin"] == 23)]
    assert float(row["kr_pr_indbygger"].iloc[0]) == pytest.approx(921)
    assert set(land_steps["trin"]) == {23, 45} and set(data.steps["trin"]) == {23, 45}


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_real_libreoffice_equals_model(real, books, name):
    data, land_steps = real
    sel = resolve(SELECTIONS[name], data.years, data.value)
    want = expected(data, sel, land_steps=land_steps)
    got = cell_values(books[1][name], layout.ANALYSE)
    assert len(want) > 200
    bad = differences(got, want)
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:8]}"
    assert cell_values(books[1][name], layout.BEREGNING)[TRAP_CELL] == 2  # really recalculated


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_real_cached_values_equal_model(real, books, name):
    data, land_steps = real
    sel = resolve(SELECTIONS[name], data.years, data.value)
    bad = differences(cell_values(books[0][name], layout.ANALYSE),
                      expected(data, sel, land_steps=land_steps))
    assert not bad, f"{len(bad)} cached cells differ, e.g. {list(bad.items())[:8]}"


@pytest.mark.parametrize("name", list(PER_CHILD))
def test_real_per_child_is_dash_with_note(real, books, name):
    data, land_steps = real
    sel, enhed = PER_CHILD[name]
    sel = resolve(sel, data.years, data.value)
    want = expected(data, sel, enhed=enhed, land_steps=land_steps)
    got = cell_values(books[1][name], layout.ANALYSE)
    bad = differences(got, want)
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:8]}"
    shown = [got.get(a1(r, c)) for r in D.Dash(9, True).a_rows()
             for c in range(D.K0, D.K0 + D.NCOL)]
    assert shown == ["–"] * len(shown)
    assert notes.KR_UNIT_NOTE in _notes(got)
    # no figure at all; "Kommuner med data" still counts the members that have data (all of them)
    count_col = a1(0, D.COUNT_COL).rstrip("1")
    numbers = {k: w for k, w in want.items() if not (isinstance(w, float) and np.isnan(w))}
    assert all(w == 0 for k, w in numbers.items() if not k.startswith(count_col))
    assert {got[k] for k in numbers if k.startswith(count_col)} == {len(members(sel))}


def _notes(got: dict) -> list[str]:
    """The notes block, found by its heading (its column follows the visible columns)."""
    col = next(c for c in range(40) if got.get(a1(D.NOTE_ROW - 1, c)) == "Bemærkninger")
    return [str(got.get(a1(D.NOTE_ROW + i, col), "")) for i in range(D.NOTE_ROWS)]


@pytest.mark.parametrize("name,note", [("fixed_prices", notes.PRICE_NOTE),
                                       ("udgifter", "Ingen data for målet Udgifter (brutto)"),
                                       ("indtaegter_region", "Ingen data for målet Indtægter"),
                                       ("region_aarhus", notes.KR_MEAN_NOTE),
                                       ("land_kbh", notes.LAND_NOTE)])
def test_real_notes_in_danish(books, name, note):
    got = cell_values(books[1][name], layout.ANALYSE)
    assert any(note in n for n in _notes(got)), _notes(got)


@pytest.mark.parametrize("name", ["fixed_prices", "udgifter", "indtaegter_region"])
def test_real_unavailable_choices_show_no_number(real, books, name):
    data, _ = real
    got = cell_values(books[1][name], layout.ANALYSE)
    dash = D.Dash.for_book(data)
    rows = [*dash.a_rows(), *dash.b_rows(), dash.c_base_row, *dash.c_rows(), *dash.u_rows(),
            *dash.d_rows()]
    cells = [got.get(a1(r, c)) for r in rows for c in [*range(D.K0, D.K0 + D.NCOL),
                                                        *range(D.C0, D.C0 + D.NCOL)]
             if got.get(a1(r, c)) is not None]
    assert cells and all(v == "–" for v in cells), [v for v in cells if v != "–"][:5]


def test_real_land_label_and_plain_mean(real, books):
    """Without population the comparisons A–D show are the plain mean of the kommuners own
    kr. pr. indbygger, labelled so (never DST's figure); "Hele landet" stays DST's own."""
    data, _ = real
    dash = D.Dash.for_book(data)
    assert not data.has_population and data.plain_mean and not dash.weighted
    assert not dash.u_rows()    # no separate uvægtet block: A–D show it
    got = cell_values(books[1]["land_kbh"], layout.ANALYSE)
    assert got[a1(D.TOP, D.C0)] == "Sammenligning: " + layout.LAND_LABEL
    region = cell_values(books[1]["region_aarhus"], layout.ANALYSE)
    label = "Region Midtjylland" + layout.MEAN_SUFFIX
    assert region[a1(D.TOP, D.C0)] == "Sammenligning: " + label + D.METHOD["mean"]
    assert "DST's tal" in notes.KR_MEAN_NOTE and "uvægtet" in layout.MEAN_SUFFIX
    assert region[a1(dash.d_top + 1, dash.d_cols[1])] == label
    # every member with data is in the figure (no population needed)
    r0 = dash.a_rows()[0]
    assert region[a1(r0, D.COUNTED_COL)] == region[a1(r0, D.COUNT_COL)] == 19
    assert isinstance(region[a1(r0, D.C0 + D.TOTAL_COL)], float)
