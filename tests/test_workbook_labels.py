"""Analyse as an analyst reads it: every label says what the number is, every choice the data
cannot serve is left out of the drop-down or answered by a Danish line, the step colours read as
the staircase. Real shipped snapshot (kr. pr. indbygger, no dranst) and SYNTHETIC data."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from lo import cell_values, recalc
from wb_fixtures import synthetic_bookdata
from trappe_xl.key import load_key
from trappe_xl.pipeline import prepare
from trappe_xl.sources.load import load_snapshot
from trappe_xl.workbook import analyse, dashboard as D, formats, inputs, layout, notes, sheets
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"


@pytest.fixture(scope="module")
def real():
    return prepare(load_snapshot(SNAPSHOT), load_key())


def _set(path: Path, values: dict) -> None:
    wb = openpyxl.load_workbook(path)
    for name, v in values.items():
        ref = wb.defined_names[name].attr_text.split("!")[1].replace("$", "")
        wb[layout.ANALYSE][ref] = v
    wb.save(path)


def _notes(got: dict) -> list[str]:
    """The notes block, found by its heading (its column follows the visible columns)."""
    col = next(c for c in range(40) if got.get(a1(D.NOTE_ROW - 1, c)) == "Bemærkninger")
    return [str(got.get(a1(D.NOTE_ROW + i, col), "")) for i in range(D.NOTE_ROWS)]


def test_dropdowns_offer_only_what_the_real_data_hold(real):
    lists = inputs.input_lists(real, "=Kommuner!$B$2:$B$99")
    assert lists["ValgMaal"] == ["Netto"]
    assert lists["ValgEnhed"] == ["kr. pr. indbygger"]
    assert lists["ValgPriser"] == ["Løbende priser"]
    line = inputs.unavailable_text(real)
    assert line.startswith("Kan ikke vælges") and "Udgifter (brutto)" in line and "faste priser" in line


def test_synthetic_data_offer_every_choice():
    data = synthetic_bookdata()
    lists = inputs.input_lists(data, "=x")
    assert lists["ValgMaal"] == list(layout.MAAL_VALG.values())
    assert lists["ValgPriser"] == list(layout.PRISER_VALG.values())
    assert len(lists["ValgEnhed"]) == 3
    # the one unit these data lack is kr. pr. barn i indsatsen: no counts of children
    assert inputs.unavailable_text(data) == ("Kan ikke vælges (findes ikke i data): kr. pr. barn i "
                                             "indsatsen (ingen børnetal: ANBAAR12 og ISBU02 hentes med fetch).")


def test_no_dranst_is_said_in_titles_and_source_notes(real):
    assert analyse.no_dranst(real)
    assert not analyse.no_dranst(synthetic_bookdata())
    said = sheets.source_notes(real.meta["notes"])
    assert said[0] == "Årstallet står ikke i filerne og er taget fra filnavnet (år 2016-2024)."
    assert sheets.DRANST_NOTE in said and len(said) == 2


def test_source_notes_list_gaps_and_keep_other_notes():
    said = sheets.source_notes(["år 2016 taget fra filnavnet", "år 2018 taget fra filnavnet",
                                "år 2017 taget fra filnavnet", "år 2020 taget fra filnavnet",
                                "noget andet", "noget andet"])
    assert said == ["Årstallet står ikke i filerne og er taget fra filnavnet (år 2016-2018, 2020).",
                    "Noget andet."]


def test_step_colours_read_as_a_staircase(monkeypatch):
    lum = [formats.luminance(formats.step_colour(t)) for t in (1, 2, 3, 4, 5, 6)]
    assert lum == sorted(lum, reverse=True) and lum[0] - lum[-1] > 0.5   # light -> dark
    grey = formats.step_colour(0)
    assert grey[1:3] == grey[3:5] == grey[5:7]                            # ikke fordelt: grey
    monkeypatch.setattr("trappe_xl.reference.SAMLET_TRIN", {23: (2, 3), 45: (4, 5)}, raising=False)
    for code, (lo, hi) in ((23, (2, 3)), (45, (4, 5))):
        mid = formats.luminance(formats.step_colour(code))
        assert formats.luminance(formats.step_colour(hi)) < mid < formats.luminance(formats.step_colour(lo))
    assert {23, 45} <= set(formats.step_codes())


def test_layout_fits_a_laptop_and_a4():
    # 1366 px wide screen less row headers and scroll bar: inputs, table A and its charts
    # data of one level: function level hides trin 2-5 (only combined), grouping level hides 23/45
    function_level, grouping_level = D.hidden_steps({23, 45, 0}), D.hidden_steps({1, 2, 3, 4, 5, 6, 0})
    assert function_level == {2, 3, 4, 5} and grouping_level == {23, 45}
    assert D.hidden_steps({2, 3, 23, 45}) == {4, 5}
    for hidden in (function_level, grouping_level):
        assert analyse.table_width_px(hidden) <= 1366 - 60
    for n in (4, 9, 12):
        dash = D.Dash(n, weighted=True, hidden=grouping_level)
        assert analyse.print_scale(dash) >= analyse.MIN_SCALE
        assert analyse.page_fits(dash, analyse.print_scale(dash))
        assert len(dash.pages()) == 6   # inputs, A, B, C, uvægtet, D


EDITS = {"reversed_years": {"ValgFraAar": 2022, "ValgTilAar": 2018},
         "reversed_base": {"ValgBasisFra": 2020, "ValgBasisTil": 2017},
         "uden_refusion": {"ValgRefusion": layout.REFUSION_VALG[False]}}


@pytest.fixture(scope="module")
def edited(real, tmp_path_factory, soffice):
    src = tmp_path_factory.mktemp("labels")
    paths = {}
    for name, values in EDITS.items():
        paths[name] = write_workbook(real, Selection(kommune="461", sammenligning="region"),
                                     src / f"{name}.xlsx")
        _set(paths[name], values)
    paths["land"] = write_workbook(real, Selection(), src / "land.xlsx")
    outs = recalc(list(paths.values()), tmp_path_factory.mktemp("labels-lo"), soffice)
    return {name: cell_values(out, layout.ANALYSE) for name, out in zip(paths, outs)}


@pytest.mark.libreoffice
def test_reversed_years_are_answered_not_blank(edited):
    got = edited["reversed_years"]
    assert notes.YEARS_NOTE in _notes(got)
    dash = D.Dash(9)        # kr. pr. indbygger without population: no uvægtet block
    assert all(got.get(a1(r, D.K0)) is None for r in dash.a_rows())
    # each year section says why it is empty in its own title
    from trappe_xl.workbook import analyse
    for row, head in ((D.TOP - 1, "A) Udvikling pr. trin"), (dash.b_top - 1, "B) Fordeling på trin"),
                      (dash.c_top - 1, "C) Merudgift")):
        title = str(got.get(a1(row, 0)))
        assert title.startswith(head) and analyse.REVERSED_YEARS in title, title
    assert analyse.REVERSED_YEARS not in str(got.get(a1(dash.d_top, 0)))


@pytest.mark.libreoffice
def test_reversed_base_shows_dash_and_a_note(edited):
    got = edited["reversed_base"]
    assert notes.BASIS_NOTE in _notes(got)
    from trappe_xl.workbook import analyse
    assert analyse.REVERSED_BASIS in str(got.get(a1(D.Dash(9).c_top - 1, 0)))
    base = D.Dash(9).c_base_row
    assert [got.get(a1(base, D.K0 + j)) for j in range(D.NCOL)] == ["–"] * D.NCOL


@pytest.mark.libreoffice
def test_uden_refusion_says_the_source_has_no_dranst(edited):
    got = edited["uden_refusion"]
    assert notes.DRANST_NOTE in _notes(got)
    assert D.NO_DRANST_TEXT in got[a1(D.TOP - 1, 0)]
    assert D.NO_DRANST_TEXT in got[a1(D.SELECTION_ROW, 0)]


@pytest.mark.libreoffice
def test_labels_say_whose_figure(edited):
    got = edited["land"]
    dash = D.Dash(9)
    assert got[a1(D.TOP, D.K0)] == "Kommune: København"
    assert got[a1(D.TOP, D.C0)] == "Sammenligning: " + layout.LAND_LABEL
    title = got[a1(D.TOP - 1, 0)]
    assert all(w in title for w in ("Netto", "kr. pr. indbygger", "løbende priser", "refusion"))
    region = edited["uden_refusion"]
    # no population: the region's figure is the plain mean of its 22 kommuner, and says so
    assert region[a1(D.TOP, D.C0)] == ("Sammenligning: Region Syddanmark" + layout.MEAN_SUFFIX
                                       + D.METHOD["mean"])
    r0 = dash.a_rows()[0]
    assert region[a1(r0, D.COUNT_COL)] == 22 and region[a1(r0, D.COUNTED_COL)] == 22
    assert got[a1(r0, D.COUNT_COL)] == 98
    assert got[a1(D.SELECTION_ROW, 0)].startswith("Valg: København sammenlignet med Hele landet")
