"""The sheet "Børn og kroner" (issue 22's story): one kommune over time, children and kroner per
child on each step against the comparison, recalculated by LibreOffice on the workbook `fetch` +
`build` make from the stand-in (SYNTHETIC figures), compared with the definition (the stand-in's
own counts) and with the TRAPPE functions on the same workbook."""

from __future__ import annotations

import math

import pytest

from lo import cell_values, recalc
from statbank_fake import FakeStatbank, expected_children
from trappe_xl import reference, udf
from trappe_xl.key import load_key
from trappe_xl.pipeline import prepare
from trappe_xl.sources.fetch import run_fetch
from trappe_xl.sources.load import load_snapshot
from trappe_xl.workbook import layout, story
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection, resolve
from trappe_xl.workbook.writer import write_workbook

pytestmark = pytest.mark.libreoffice

YEARS = (2022, 2023, 2024)
B = "kr. pr. barn i indsatsen"
SELECTIONS = {
    # the unit on Analyse does not matter: this sheet always divides by the children
    "region_1000kr": Selection(kommune="461", sammenligning="region", fra_aar=2022),
    "gruppe_udgifter_uden_faste": Selection(kommune="751", sammenligning="gruppe", gruppe=("101", "147", "851"),
                                            maal="udgifter", refusion=False, prisaar=2024, enhed="pr_barn",
                                            fra_aar=2023),
}


@pytest.fixture(scope="module")
def books(tmp_path_factory, soffice):
    d = tmp_path_factory.mktemp("fetched")
    snap = run_fetch(d, (YEARS[0], YEARS[-1]), client=FakeStatbank(years=YEARS).client(), out=lambda s: None)
    data = prepare(load_snapshot(snap), load_key())
    src = tmp_path_factory.mktemp("story")
    paths = {n: write_workbook(data, sel, src / f"{n}.xlsx") for n, sel in SELECTIONS.items()}
    outs = recalc(list(paths.values()), tmp_path_factory.mktemp("story-lo"), soffice)
    return data, paths, dict(zip(SELECTIONS, outs))


def _rows(data, sel):
    n = len(data.years)
    t1 = story.TOP
    t2 = t1 + n + 4
    return [t1 + 2 + i for i in range(n)], [t2 + 2 + i for i in range(n)], t2 + n + 4


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_story_shows_children_and_kroner_per_child_as_defined(books, name):
    data, paths, outs = books
    sel = resolve(SELECTIONS[name], data.years, data.value, per_child=True)
    got = cell_values(outs[name], layout.BOERN_KRONER)
    steps = story.shown_steps(data)
    assert steps == (2, 3, 4, 5, 6)
    rows1, rows2, t3 = _rows(data, sel)
    kommune = reference.kommune_by_code()[sel.kommune]
    who = ({"region": kommune.regionsnavn} if sel.sammenligning == "region"
           else {"gruppe": [[reference.kommune_by_code()[c].navn] for c in sel.gruppe]})[sel.sammenligning]
    members = ([k for k, v in reference.kommune_by_code().items() if v.regionskode == kommune.regionskode]
               if sel.sammenligning == "region" else list(sel.gruppe))
    args = ({"netto": "netto", "udgifter": "udgifter"}[sel.maal], B,
            "løbende" if sel.prisaar is None else float(sel.prisaar), "med" if sel.refusion else "uden")
    udf.use_workbook(paths[name])
    compared = 0
    try:
        for i, y in enumerate(range(sel.fra_aar, sel.til_aar + 1)):
            assert got[a1(rows1[i], 0)] == y and got[a1(rows2[i], 0)] == y
            for j, t in enumerate(steps):
                c = 1 + 2 * j
                # 1) children: the kommune's own count, the comparison's Σ over its members
                assert got[a1(rows1[i], c)] == expected_children(y, sel.kommune, t)
                assert got[a1(rows1[i], c + 1)] == pytest.approx(sum(expected_children(y, k, t) for k in members))
                # 2) kroner per child = the functions in kr. pr. barn i indsatsen, whatever Analyse shows
                assert got[a1(rows2[i], c)] == pytest.approx(udf.TRAPPE_STEP(kommune.navn, float(y), float(t), *args),
                                                             rel=1e-9)
                assert got[a1(rows2[i], c + 1)] == pytest.approx(udf.TRAPPE_SAMMENLIGN(who, float(y), float(t), *args),
                                                                 rel=1e-9)
                compared += 4
        # 3) first to last year: spending = kroner per child × children
        y0, y1 = sel.fra_aar, sel.til_aar
        for j, t in enumerate(steps):
            k0, k1 = expected_children(y0, sel.kommune, t), expected_children(y1, sel.kommune, t)
            p0 = udf.TRAPPE_STEP(kommune.navn, float(y0), float(t), *args)
            p1 = udf.TRAPPE_STEP(kommune.navn, float(y1), float(t), *args)
            r = t3 + 1 + j
            assert got[a1(r, 3)] == pytest.approx(p1 * k1 / (p0 * k0) - 1, rel=1e-9)
            assert got[a1(r, 5)] == pytest.approx(k1 / k0 - 1, rel=1e-9)
            assert got[a1(r, 7)] == pytest.approx(p1 / p0 - 1, rel=1e-9)
            assert math.isclose((1 + got[a1(r, 5)]) * (1 + got[a1(r, 7)]), 1 + got[a1(r, 3)], rel_tol=1e-9)
    finally:
        udf.use_workbook(None)
    assert compared >= 40


def test_without_counts_the_sheet_says_how_to_get_them(tmp_path):
    from wb_fixtures import synthetic_bookdata
    import openpyxl
    path = write_workbook(synthetic_bookdata(), Selection(), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(path)[layout.BOERN_KRONER]
    assert "Ingen børnetal i data" in str(ws["A4"].value)
