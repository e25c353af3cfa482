"""The TRAPPE functions give the dashboard's numbers: build the workbook with the real writer
(SYNTHETIC function-level data, so key 1.0 gives the combined steps 23/45 and trin 1–5 have no
source), let LibreOffice recalculate every formula, and compare each figure of sections A–D on
Analyse (all nine step columns, hidden ones included) with the UDF called on the built workbook
the way Excel would call it: a number where Analyse has one, a Danish message where it has "–"."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from lo import cell_values, recalc
from wb_fixtures import SELECTIONS, synthetic_bookdata
from trappe_xl import model, reference, udf
from trappe_xl.workbook import dashboard as D
from trappe_xl.workbook import layout
from trappe_xl.workbook.calc import TRIN_ORDER
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.formulas import MISSING
from trappe_xl.workbook.selection import Selection, resolve
from trappe_xl.workbook.writer import write_workbook

pytestmark = pytest.mark.libreoffice

COLS = (*TRIN_ORDER, model.TRIN_I_ALT_PAA_TRIN, model.TRIN_I_ALT)


@pytest.fixture(scope="module")
def built(tmp_path_factory, soffice):
    data = synthetic_bookdata()
    src = tmp_path_factory.mktemp("books")
    paths = {name: write_workbook(data, sel, src / f"{name}.xlsx") for name, sel in SELECTIONS.items()}
    outs = recalc(list(paths.values()), tmp_path_factory.mktemp("lo"), soffice)
    return data, paths, dict(zip(SELECTIONS, outs))


def _args(sel: Selection) -> tuple:
    """maal, enhed, priser, refusion as the dashboard's input cells show them (Danish labels)."""
    return (layout.MAAL_VALG[sel.maal], layout.ENHED_VALG[sel.enhed],
            "løbende" if sel.prisaar is None else float(sel.prisaar),
            layout.REFUSION_VALG[sel.refusion])


def _group_arg(sel: Selection):
    """What a user would pass as the comparison group: a range of names, a region name ..."""
    k = reference.kommune_by_code()[sel.kommune]
    if sel.sammenligning == "gruppe":
        names = [[reference.kommune_by_code()[c].navn] for c in sel.gruppe]
        return names + [[None]] * (layout.MAX_GROUP - len(names))  # the blank cells of ValgGruppe
    return {"region": k.regionsnavn, "kommunegruppe": k.kommunegruppe, "land": "Hele landet"}[sel.sammenligning]


def _trin_arg(t: int):
    return {model.TRIN_I_ALT: "i alt", model.TRIN_I_ALT_PAA_TRIN: "i alt på trin"}.get(t, float(t))


def udf_figures(sel: Selection, years_all, hidden=frozenset(),
                value: str = "beloeb_1000kr", derived: bool = False, dash=None,
                per_child: bool = False) -> dict[str, object]:
    """A1 of every dashboard figure -> the UDF's answer for it (``hidden``: the data's hidden
    step columns, which place section D's comparison column)."""
    sel = resolve(sel, years_all, value, derived, per_child)
    dash = dash or D.Dash(n=len(years_all), hidden=hidden)
    args = _args(sel)
    kommune = reference.kommune_by_code()[sel.kommune].navn
    basis = [[float(sel.basis_fra), float(sel.basis_til)]]
    out: dict[str, object] = {}
    for c0, who, level in ((D.K0, kommune, udf.TRAPPE_STEP), (D.C0, _group_arg(sel), udf.TRAPPE_SAMMENLIGN)):
        for i, y in enumerate(range(sel.fra_aar, sel.til_aar + 1)):
            for j, t in enumerate(COLS):
                out[a1(dash.a_rows()[i], c0 + j)] = level(who, float(y), _trin_arg(t), *args)
                out[a1(dash.c_rows()[i], c0 + j)] = udf.TRAPPE_MERUDGIFT(who, basis, float(y), _trin_arg(t), *args)
                if t in TRIN_ORDER:      # shares of the step columns (not of the totals)
                    out[a1(dash.b_rows()[i], c0 + j)] = udf.TRAPPE_ANDEL(who, float(y), float(t), *args)
        for r, t in zip(dash.d_rows(), dash.stair_steps):
            out[a1(r, dash.d_cols[0 if c0 == D.K0 else 1])] = level(who, float(sel.trappe_aar), float(t), *args)
    return out


#: the UDF's reasons for a missing figure: no data, a step without a source that year, a single
#: step the data only know combined (trin 2–3, 4–5)
WHY_MISSING = re.compile(r"#TRAPPE: (ingen data for |(trin \d(–\d)?|ikke fordelt) har ingen kilde i data "
                         r"for \d{4} – |beløbet for .+ kendes kun samlet som trin \d–\d|intet børnetal for |"
                         r"en andel findes ikke i kr. pr. barn)")


def _same(got, udf_value) -> bool:
    """The dashboard shows "–" exactly where the UDF says why there is no figure."""
    if isinstance(udf_value, str):
        return got == MISSING and bool(WHY_MISSING.match(udf_value))
    return isinstance(got, (int, float)) and math.isclose(got, udf_value, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_every_dashboard_figure_equals_the_udf(built, name):
    data, paths, outs = built
    udf.use_workbook(paths[name])
    try:
        want = udf_figures(SELECTIONS[name], data.years, D.hidden_steps(data.steps["trin"].unique()))
    finally:
        udf.use_workbook(None)
    got = cell_values(outs[name], layout.ANALYSE)
    assert len(want) > 100
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} of {len(want)} figures differ, e.g. {list(bad.items())[:6]}"
    texts = [w for w in want.values() if isinstance(w, str)]
    numbers = [w for w in want.values() if isinstance(w, float)]
    assert len(numbers) > 60
    # the compared cells hold every reason for "–": trin 1 without a source, trin 2–5 known only
    # combined (function-level data), and a hole for the selections that meet one
    assert any("trin 1 har ingen kilde" in w for w in texts)
    assert any("kendes kun samlet som trin 2–3" in w for w in texts)
    assert any("kendes kun samlet som trin 4–5" in w for w in texts)
    if name == "udgifter_no_refusion":       # Dragør 2019 has no accounts: the hole is compared
        assert sum(w.startswith("#TRAPPE: ingen data for Dragør 2019") for w in texts) >= 9


@pytest.mark.parametrize("name", ["default", "own_group_per_child"])
def test_array_functions_equal_section_a(built, name):
    data, paths, outs = built
    sel = resolve(SELECTIONS[name], data.years, data.value)
    got = cell_values(outs[name], layout.ANALYSE)
    dash = D.Dash(n=len(data.years))
    udf.use_workbook(paths[name])
    try:
        args = _args(sel)
        kommune = reference.kommune_by_code()[sel.kommune].navn
        serie = udf.TRAPPE_SERIE(kommune, float(sel.fra_aar), float(sel.til_aar), None, *args)
        group = udf.TRAPPE_SERIE(_group_arg(sel), float(sel.fra_aar), float(sel.til_aar), None, *args)
        trin = udf.TRAPPE_TRIN(kommune, float(sel.fra_aar), *args)
    finally:
        udf.use_workbook(None)
    # the tables show Analyse's visible step columns (function-level data: 1, 2–3, 4–5, 6, 0)
    visible = [t for t in TRIN_ORDER if t not in D.hidden_steps(data.steps["trin"].unique())]
    assert visible == [1, 23, 45, 6, 0]
    assert serie[0] == ["År", *[D.step_label(t) for t in visible], "I alt"]
    shown = [COLS.index(t) for t in (*visible, model.TRIN_I_ALT)]
    blanks = 0
    for c0, table in ((D.K0, serie), (D.C0, group)):
        for i, row in enumerate(table[1:]):
            cells = [got.get(a1(dash.a_rows()[i], c0 + j)) for j in shown]
            for cell, v in zip(cells, row[1:]):
                assert (cell == MISSING and v is None) or math.isclose(cell, v, rel_tol=1e-9)
                blanks += v is None
            assert row[1] is None                               # trin 1: no source, empty
    assert blanks >= 2 * len(serie[1:])
    first = [got.get(a1(dash.a_rows()[0], D.K0 + j)) for j in shown]
    # compared pair by pair: pytest.approx refuses None inside a list from pytest 9.2 on
    got_trin, want = [r[0] for r in trin], [None if c == MISSING else c for c in first]
    assert len(got_trin) == len(want)
    for g, w in zip(got_trin, want):
        assert (g is None and w is None) or (g is not None and w is not None and math.isclose(g, w, rel_tol=1e-9))


#: the shipped snapshot (kr. pr. indbygger, no population): every comparison but Hele landet is
#: the plain mean of the kommuners own figures, on Analyse and in the functions alike
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "snapshots" / "2026-11-24T042710Z_import"
SHIPPED_SELECTIONS = {
    "region": Selection(kommune="461", sammenligning="region", basis_fra=2016, basis_til=2018),
    "kommunegruppe": Selection(kommune="147", sammenligning="kommunegruppe", trappe_aar=2021),
    "gruppe": Selection(kommune="751", sammenligning="gruppe", gruppe=("461", "751", "851", "101"),
                        fra_aar=2018, til_aar=2023, basis_fra=2019),
    "land": Selection(kommune="101"),
}


#: the shipped accounts with SYNTHETIC population (what a user who imports FOLK1A gets):
#: 1.000 kr. and per child derived as kr. pr. indbygger × folketal, kr. pr. indbygger weighted
DERIVED_SELECTIONS = {
    "afledt_1000kr_region": Selection(kommune="461", sammenligning="region", enhed="1000kr"),
    "afledt_pr_0_17_gruppe": Selection(kommune="751", sammenligning="gruppe", enhed="pr_0_17",
                                       gruppe=("461", "751", "851", "101"), basis_fra=2019),
    "afledt_pr_0_22_land": Selection(kommune="147", enhed="pr_0_22", trappe_aar=2020),
    "indbygger_vaegtet_kgruppe": Selection(kommune="147", sammenligning="kommunegruppe"),
}


def _built(tmp_path_factory, soffice, data, selections, name):
    src = tmp_path_factory.mktemp(name)
    paths = {n: write_workbook(data, sel, src / f"{n}.xlsx") for n, sel in selections.items()}
    outs = recalc(list(paths.values()), tmp_path_factory.mktemp(name + "-lo"), soffice)
    return data, paths, dict(zip(selections, outs))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, soffice):
    from trappe_xl.key import load_key
    from trappe_xl.pipeline import prepare
    from trappe_xl.sources.load import load_snapshot
    data = prepare(load_snapshot(SHIPPED), load_key())
    return _built(tmp_path_factory, soffice, data, SHIPPED_SELECTIONS, "shipped")


@pytest.fixture(scope="module")
def derived(tmp_path_factory, soffice):
    import lambda_kinds
    data = lambda_kinds.shipped_with_population()
    return _built(tmp_path_factory, soffice, data, DERIVED_SELECTIONS, "derived")


@pytest.mark.parametrize("name", list(DERIVED_SELECTIONS))
def test_derived_units_on_analyse_equal_the_udf(derived, name):
    """Issue 19 point 7: kr. pr. indbygger accounts with population offer 1.000 kr. and kr. pr.
    barn, derived (kr. pr. indbygger × folketal ÷ 1.000) and marked "(afledt)": every figure of
    A–D, recalculated by LibreOffice, equals the functions on the same workbook, and the amount
    equals the hand derivation from TrinData's own rows."""
    data, paths, outs = derived
    assert data.derived_units
    sel = resolve(DERIVED_SELECTIONS[name], data.years, data.value, True)
    udf.use_workbook(paths[name])
    try:
        want = udf_figures(sel, data.years, value=data.value, derived=True, dash=D.Dash.for_book(data))
        step = udf.TRAPPE_STEP("Odense", 2020.0, "2-3", "netto", "1.000 kr. (afledt)")
    finally:
        udf.use_workbook(None)
    got = cell_values(outs[name], layout.ANALYSE)
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} of {len(want)} figures differ, e.g. {list(bad.items())[:6]}"
    assert sum(isinstance(w, float) for w in want.values()) > 60
    title = str(got.get(a1(D.TOP - 1, 0)))
    if sel.enhed != "kr_pr_indbygger":
        assert layout.enhed_label(sel.enhed, data.value) in title and "(afledt)" in title
    # by hand: Odense's 2020 trin 2–3 netto rows × Odense's inhabitants 1 January 2020 ÷ 1.000
    rows = data.steps[(data.steps["kommunekode"] == "461") & (data.steps["aar"] == 2020)
                      & (data.steps["trin"] == 23) & (data.steps["maal"] == "netto")]
    pop = data.population
    ialt = float(pop[(pop["kommunekode"] == "461") & (pop["aar"] == 2020) & (pop["alder"] == "IALT")]["antal"].iloc[0])
    assert math.isclose(step, float(rows["kr_pr_indbygger"].sum()) * ialt / 1000, rel_tol=1e-12)


@pytest.mark.parametrize("name", list(SHIPPED_SELECTIONS))
def test_shipped_workbook_comparisons_equal_the_udf(shipped, name):
    """Issue 19 point 6: on the workbook `python build.py` makes, sections A–D show a number for
    every comparison (the plain mean without population, DST's own figure for Hele landet), and
    each equals TRAPPE_SAMMENLIGN/ANDEL/MERUDGIFT on the same workbook."""
    data, paths, outs = shipped
    assert data.plain_mean
    sel = resolve(SHIPPED_SELECTIONS[name], data.years, data.value)
    hidden = D.hidden_steps(data.steps["trin"].unique())
    udf.use_workbook(paths[name])
    try:
        want = udf_figures(sel, data.years, hidden, data.value, dash=D.Dash.for_book(data))
        mean_check = None
        if name == "region":        # the region's figure is the plain mean of TRAPPE_STEP
            syd = [k.navn for k in reference.kommune_by_code().values()
                   if k.regionskode == reference.kommune_by_code()[sel.kommune].regionskode]
            own = [udf.TRAPPE_STEP(k, 2020.0, "2-3") for k in syd]
            mean_check = (sum(own) / len(own),
                          udf.TRAPPE_SAMMENLIGN(_group_arg(sel), 2020.0, "2-3"))
    finally:
        udf.use_workbook(None)
    got = cell_values(outs[name], layout.ANALYSE)
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} of {len(want)} figures differ, e.g. {list(bad.items())[:6]}"
    dash = D.Dash.for_book(data)
    comparison = [got.get(a1(r, D.C0 + j)) for r in dash.a_rows() for j in range(D.NCOL)]
    assert sum(isinstance(v, float) for v in comparison) >= 3 * (sel.til_aar - sel.fra_aar + 1)
    if mean_check:
        assert math.isclose(*mean_check, rel_tol=1e-12)
        assert got[a1(D.TOP, D.C0)].endswith(D.METHOD["mean"])


def test_uvaegtet_block_is_only_for_kr_pr_indbygger(derived):
    """With population the uvægtet block (after C) is the plain mean of the kommuners kr. pr.
    indbygger; in a derived unit it shows "–" and its title says why (before: kr. pr. indbygger
    means under a 1.000 kr. title)."""
    from trappe_xl.workbook import analyse
    data, _, outs = derived
    dash = D.Dash.for_book(data)
    assert dash.weighted and dash.u_rows()
    amounts = cell_values(outs["afledt_1000kr_region"], layout.ANALYSE)
    cells = [amounts.get(a1(r, D.C0 + j)) for r in dash.u_rows() for j in range(D.NCOL)]
    assert cells and set(cells) == {MISSING}
    assert analyse.U_ONLY in str(amounts.get(a1(dash.u_top - 1, 0)))
    per_inhabitant = cell_values(outs["indbygger_vaegtet_kgruppe"], layout.ANALYSE)
    numbers = [per_inhabitant.get(a1(r, D.C0 + D.TOTAL_COL)) for r in dash.u_rows()]
    assert all(isinstance(v, float) for v in numbers)
    assert analyse.U_ONLY not in str(per_inhabitant.get(a1(dash.u_top - 1, 0)))


# -- kr. pr. barn i indsatsen (issue 22): the workbook fetch + build make from the stand-in --------

PER_CHILD_SELECTIONS = {
    "region": Selection(kommune="101", sammenligning="region", enhed="pr_barn", fra_aar=2022,
                        basis_fra=2023, basis_til=2023),
    "egen_gruppe_udgifter_uden": Selection(kommune="751", sammenligning="gruppe",
                                           gruppe=("461", "101", "147"), enhed="pr_barn",
                                           maal="udgifter", refusion=False, basis_fra=2022,
                                           basis_til=2023, trappe_aar=2023),
    "land_faste": Selection(kommune="147", sammenligning="land", enhed="pr_barn", prisaar=2023),
    "kommunegruppe_1000kr": Selection(kommune="851", sammenligning="kommunegruppe"),
}


@pytest.fixture(scope="module")
def per_child(tmp_path_factory, soffice):
    from statbank_fake import FakeStatbank
    from trappe_xl.key import load_key
    from trappe_xl.pipeline import prepare
    from trappe_xl.sources.fetch import run_fetch
    from trappe_xl.sources.load import load_snapshot
    d = tmp_path_factory.mktemp("fetched")
    snap = run_fetch(d, (2022, 2024), client=FakeStatbank(years=(2022, 2023, 2024)).client(),
                     out=lambda s: None)
    data = prepare(load_snapshot(snap), load_key())
    return _built(tmp_path_factory, soffice, data, PER_CHILD_SELECTIONS, "per_child")


@pytest.mark.parametrize("name", list(PER_CHILD_SELECTIONS))
def test_per_child_on_analyse_equals_the_udf(per_child, name):
    """Issue 22: on the workbook `fetch` + `build` make from the stand-in, every figure of A–D in
    kr. pr. barn i indsatsen, recalculated by LibreOffice, equals TRAPPE_STEP/SAMMENLIGN/MERUDGIFT
    (i alt = Σ kroner ÷ Σ children over the steps with both; shares "–"), and the other units
    still do on the same workbook."""
    data, paths, outs = per_child
    assert data.per_child and "pr_barn" in __import__("trappe_xl.workbook.inputs", fromlist=["x"]).available(data)["ValgEnhed"]
    sel = resolve(PER_CHILD_SELECTIONS[name], data.years, data.value, per_child=True)
    udf.use_workbook(paths[name])
    try:
        want = udf_figures(sel, data.years, D.hidden_steps(data.steps["trin"].unique()),
                           dash=D.Dash.for_book(data), per_child=True)
    finally:
        udf.use_workbook(None)
    # grouping-level data: the combined steps' columns are hidden, and the functions know no 2–3/4–5
    hidden = re.compile(r"#TRAPPE: ukendt trin (23|45) ")
    want = {k: w for k, w in want.items() if not (isinstance(w, str) and hidden.match(w))}
    got = cell_values(outs[name], layout.ANALYSE)
    bad = {k: (got.get(k), w) for k, w in want.items() if not _same(got.get(k), w)}
    assert not bad, f"{len(bad)} of {len(want)} figures differ, e.g. {list(bad.items())[:6]}"
    assert sum(isinstance(w, float) for w in want.values()) > 60
    if sel.enhed == "pr_barn":
        assert "kr. pr. barn i indsatsen" in str(got.get(a1(D.TOP - 1, 0)))
        assert any(isinstance(w, str) and "intet børnetal" in w for w in want.values())
