"""The offline path end to end, as a user without network would walk it: accounts + population +
price index downloaded by hand from Statistikbanken (SYNTHETIC files in its shapes: REGK31 with
labels as CSV, BEF1A07 for 2007 as its XLSX table view, FOLK1A with codes as CSV with every quarter
and the KØN/CIVILSTAND totals beside their parts, NAN1 with labels as XLSX), then
``python build.py import …`` and ``build``. The per-child, fixed-price and group figures on the
Analyse sheet must equal a calculation made here from the synthetic generator alone — never from
trappe_xl's model — in the cached values the writer stores and, with LibreOffice, after a forced
recalculation of every formula."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import statbank_exports as X
from lo import cell_values, recalc
from wb_expect import ORDER
from sheet_tables import sheet_table
from trappe_xl import cli, pipeline
from trappe_xl.workbook import dashboard as D
from trappe_xl.workbook import layout
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection

K = ("101", "147", "157", "159", "751")     # four in Region Hovedstaden, Aarhus in Midtjylland
YEARS = (2007, 2008, 2009)
FUNKTIONER, DRANST = ("52821", "52822"), ("1", "2")

# -- the independent calculation -------------------------------------------------------------------


def netto(y: int, k: str, funktioner=FUNKTIONER) -> float:
    """1.000 kr., netto incl. statsrefusion (dranst 1 + 2), from the generator's own amounts."""
    return sum(X.amount(y, k, f, d) for f in funktioner for d in DRANST)


def kids(y: int, k: str, top: int) -> int:
    return sum(X.children(y, k, a) for a in range(top + 1))


def index(y: int) -> float:
    cur, chained = X.nan1_values(y)
    return cur / chained * 100


def figure(y: int, members, enhed: str, prisaar: int | None, funktioner=FUNKTIONER) -> float:
    """Σ amounts (× price factor) [/ Σ children × 1000] over the members: a group's figure."""
    factor = index(prisaar) / index(y) if prisaar else 1.0
    amount = sum(netto(y, k, funktioner) for k in members) * factor
    if enhed == "1000kr":
        return amount
    top = 17 if enhed == "pr_0_17" else 22
    return amount * 1000 / sum(kids(y, k, top) for k in members)


HOVEDSTADEN = ("101", "147", "157", "159")
#: name -> (selection, kommune members, comparison members)
CASES = {
    "own_group_per_0_17_fixed_2009": (
        Selection(kommune="147", sammenligning="gruppe", gruppe=("101", "147", "157"), enhed="pr_0_17",
                  prisaar=2009), ("147",), ("101", "147", "157")),
    "region_per_0_22": (Selection(kommune="751", sammenligning="region", enhed="pr_0_22"),
                        ("751",), ("751",)),
    "region_1000kr_fixed_2007": (Selection(kommune="101", sammenligning="region", prisaar=2007),
                                 ("101",), HOVEDSTADEN),
    "land_per_0_17": (Selection(kommune="159", sammenligning="land", enhed="pr_0_17"), ("159",), K),
}


def expected_cells(sel: Selection, kommune, group) -> dict[str, float]:
    """Section A, "I alt" and trin 2–3 / 4–5 samlet (= 5.28.21 / 5.28.22 at function level), for the
    kommune block and the comparison block, every year."""
    dash = D.Dash(n=len(YEARS))
    enhed = sel.enhed or "1000kr"
    out = {}
    for i, y in enumerate(YEARS):
        for c0, members in ((D.K0, kommune), (D.C0, group)):
            out[a1(dash.a_rows()[i], c0 + ORDER.index(8))] = figure(y, members, enhed, sel.prisaar)
            # function-level accounts: each function once, on its combined step (key 1.0)
            out[a1(dash.a_rows()[i], c0 + ORDER.index(23))] = \
                figure(y, members, enhed, sel.prisaar, ("52821",))
            out[a1(dash.a_rows()[i], c0 + ORDER.index(45))] = \
                figure(y, members, enhed, sel.prisaar, ("52822",))
        out[a1(dash.a_rows()[i], D.COUNT_COL)] = len(group)
    return out


def got_cells(values: dict, want: dict) -> dict[str, object]:
    out = {}
    for ref in want:
        parts = ref.split("+")
        vals = [values.get(p) for p in parts]
        out[ref] = sum(vals) if all(isinstance(v, (int, float)) for v in vals) else vals
    return out


def assert_close(got: dict, want: dict) -> None:
    bad = {k: (got[k], w) for k, w in want.items()
           if not (isinstance(got[k], (int, float)) and abs(got[k] - w) <= 1e-6 * max(1.0, abs(w)))}
    assert not bad, bad


# -- the user's steps ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("hentet-i-haanden")
    files = {
        "REGK31_2007-2009.csv": X.long_csv(X.regk31(YEARS, K), labels=True),
        "BEF1A07.xlsx": X.wide_xlsx(X.bef1a07(K), d / "BEF1A07.xlsx", labels=False, across="ALDER"),
        "FOLK1A.csv": X.long_csv(X.folk1a(YEARS[1:], K, quarters=("K1", "K2", "K3", "K4")), bom=False),
        "NAN1.xlsx": X.wide_xlsx(X.nan1(range(2005, 2011)), d / "NAN1.xlsx", labels=True),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    return [d / name for name in files]


@pytest.fixture(scope="module")
def books(downloads, tmp_path_factory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("data")
    assert cli.main(["--data-dir", str(data), "import", *map(str, downloads)]) == 0
    out = tmp_path_factory.mktemp("workbooks")
    books = {name: pipeline.build(data, out=out / f"{name}.xlsx", say=lambda s: None, selection=sel)
             for name, (sel, _, _) in CASES.items()}
    assert cli.main(["--data-dir", str(data), "check", str(books["land_per_0_17"])]) == 0
    return books


@pytest.mark.parametrize("case", CASES)
def test_cached_figures_match_the_independent_calculation(books, case):
    sel, kommune, group = CASES[case]
    wb = openpyxl.load_workbook(books[case], data_only=True)
    ws = wb[layout.ANALYSE]
    want = expected_cells(sel, kommune, group)
    values = {ref: ws[ref].value for key in want for ref in key.split("+")}
    assert_close(got_cells(values, want), want)


def test_reference_sheets_hold_the_imported_population_and_index(books):
    wb = openpyxl.load_workbook(books["land_per_0_17"], data_only=True)
    pi = {r[0]: r[1] for r in wb[layout.PRISINDEKS].iter_rows(values_only=True) if isinstance(r[0], int)}
    assert pi.keys() == set(range(2005, 2011)) and all(abs(pi[y] - index(y)) < 1e-9 for y in pi)
    bef = sheet_table(list(wb[layout.BEFOLKNING].iter_rows(values_only=True)), "Befolkning")
    got = {(r["aar"], r["kommunekode"]): (r["pop_0_17"], r["pop_0_22"]) for r in bef}
    assert got == {(y, k): (kids(y, k, 17), kids(y, k, 22)) for y in YEARS for k in K}


@pytest.mark.libreoffice
def test_recalculated_formulas_match_the_independent_calculation(books, soffice, tmp_path):
    names = list(CASES)
    outs = recalc([books[n] for n in names], tmp_path, soffice)
    for name, path in zip(names, outs):
        sel, kommune, group = CASES[name]
        want = expected_cells(sel, kommune, group)
        assert_close(got_cells(cell_values(path, layout.ANALYSE), want), want)
