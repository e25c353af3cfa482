"""Real engine: LibreOffice recalculates the built workbooks; every result on Analyse must equal
the model's value computed here directly with trappe_xl.model (not read from the workbook)."""

from __future__ import annotations

import pytest

from lo import cell_values, recalc
from wb_expect import expected, same
from wb_fixtures import SELECTIONS, synthetic_bookdata
from trappe_xl import reference
from trappe_xl.workbook import dashboard as D
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection, resolve
from trappe_xl.workbook.writer import TRAP_CELL, write_workbook

pytestmark = pytest.mark.libreoffice



@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice):
    data = synthetic_bookdata()
    src = tmp_path_factory.mktemp("books")
    paths = [write_workbook(data, sel, src / f"{name}.xlsx", trap=True)
             for name, sel in SELECTIONS.items()]
    outs = recalc(paths, tmp_path_factory.mktemp("lo"), soffice)
    return data, dict(zip(SELECTIONS, outs)), dict(zip(SELECTIONS, paths))


def _expected(data, sel: Selection) -> dict[str, object]:
    return expected(data, resolve(sel, data.years, data.value))


def _same(got, want) -> bool:
    return same(got, want)


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_libreoffice_equals_model(recalculated, name):
    data, outs, _ = recalculated
    got = cell_values(outs[name], "Analyse")
    want = _expected(data, SELECTIONS[name])
    assert len(want) > 100
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} cells differ, e.g. {list(bad.items())[:8]}"


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_cached_values_equal_model(recalculated, name):
    """Before any recalculation the file already shows the model's numbers."""
    data, _, srcs = recalculated
    got = cell_values(srcs[name], "Analyse")
    want = _expected(data, SELECTIONS[name])
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} cached cells differ, e.g. {list(bad.items())[:8]}"


def test_libreoffice_really_recalculated(recalculated):
    _, outs, srcs = recalculated
    assert cell_values(srcs["default"], "Beregning")[TRAP_CELL] == 999
    assert cell_values(outs["default"], "Beregning")[TRAP_CELL] == 2  # cached 999


def test_selection_with_holes_shows_dash_not_zero(recalculated):
    data, outs, _ = recalculated
    got = cell_values(outs["udgifter_no_refusion"], "Analyse")
    dash = D.Dash(n=len(data.years))
    # kommune 155 has no accounts in 2019 (first shown year): every step is "–", never 0
    assert [got[a1(dash.a_rows()[0], D.K0 + j)] for j in range(D.NCOL)] == ["–"] * D.NCOL
    assert reference.kommune_by_code()["155"].navn == got[a1(D.INPUT_ROWS["ValgKommune"], 1)]
