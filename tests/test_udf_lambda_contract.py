"""The LAMBDA names and the xlwings functions are one contract: every answer alike.

For each kind of workbook the build makes (tests/lambda_kinds.py: the shipped snapshot; the same
with population and price index; grouping level with and without them; function level), calls
are generated as users write them (tests/lambda_calls.py: literals, codes as numbers and as text
in one cell, names in cells, ranges, omitted and empty optional arguments, wrong types, unknown
and internal codes, wildcard characters, reversed years). Each call is answered by the xlwings
function (trappe_xl.udf) and by the LAMBDA name itself: tests/excel_eval.py parses the stored
``_xlfn.LAMBDA`` text from the workbook file and evaluates it with Excel's semantics (checked
against LibreOffice in tests/test_udf_lambdas.py). Numbers, tables and messages must be equal.

The one difference docs/udf.md names: the xlwings route adds a spelling hint to an unknown
kommune name (" – mente du Aarhus?"); the LAMBDA names do not. A number quoted back in a message
follows Excel's locale in Excel (2019,5 in Danish); the evaluator writes it as English Excel does.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

import excel_eval as E
import lambda_calls as C
import lambda_kinds as K
from trappe_xl import udf
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook

CALLS_PER_KIND = 2000
#: the documented difference: the xlwings route's spelling hint
HINT = re.compile(r" – mente du [^?]*\?$")


def agree(lam, want) -> bool:
    """The LAMBDA's answer equals the xlwings function's: a number (to 1e-9), a table cell by
    cell (empty = None / ""), a message letter by letter (less the xlwings spelling hint)."""
    if isinstance(want, str):
        return lam == HINT.sub("", want)
    if isinstance(want, bool) or want is None:
        return lam == want
    if isinstance(want, (int, float)):
        return isinstance(lam, float) and math.isclose(lam, float(want), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(want, list):
        if not isinstance(lam, list) or len(lam) != len(want):
            return False
        return all(isinstance(r, list) and len(r) == len(w) and all(
            (a in ("", None) and b in ("", None)) or (b not in ("", None) and agree(a, b))
            for a, b in zip(r, w)) for r, w in zip(lam, want))
    return False


class Kind:
    """One workbook, its argument cells and the evaluator over its stored names."""

    def __init__(self, name: str, root):
        self.data = K.KINDS[name]()
        self.path = write_workbook(self.data, Selection(), root / f"{name}.xlsx")
        d = self.data.deflator
        self.forms = C.Forms(self.data.years, self.data.value, len(self.data.population) > 0,
                             sorted(d.dropna(subset=["indeks"])["aar"]) if len(d) else (),
                             tuple(int(t) for t in self.data.steps["trin"].unique()),
                             tuple(self.data.steps["maal"].unique()), self.data.per_child)
        self.book = E.Book(self.path, {C.ARGS_SHEET: self.forms.cells.sheet()})
        #: answers in kr. pr. barn i indsatsen that are numbers or tables (not refusals)
        self.per_child_answers = 0

    def answers(self, fn: str, args: list[C.Arg]):
        want = getattr(udf, fn)(*[a.xl for a in args])
        if any(isinstance(a.xl, str) and "barn" in a.xl for a in args) and isinstance(want, (float, list)):
            self.per_child_answers += 1
        got = E.plain(self.book.call(fn, [a.formula for a in args]))
        return got, want


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    root = tmp_path_factory.mktemp("kontrakt")
    made: dict[str, Kind] = {}

    def get(name: str) -> Kind:
        if name not in made:
            made[name] = Kind(name, root)
        udf.use_workbook(made[name].path)
        udf.clear_cache()
        return made[name]
    yield get
    udf.use_workbook(None)


@pytest.mark.parametrize("name", list(K.KINDS))
def test_the_lambda_names_answer_as_the_xlwings_functions(kinds, name):
    kind = kinds(name)
    seen: Counter = Counter()

    @settings(max_examples=CALLS_PER_KIND, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(kind.forms.calls())
    def one(call):
        fn, args = call
        got, want = kind.answers(fn, args)
        seen[fn] += 1
        seen["number" if isinstance(want, float) else "table" if isinstance(want, list) else
             "no source" if isinstance(want, str) and "ingen kilde" in want else
             "combined" if isinstance(want, str) and "kendes kun samlet" in want else
             "message" if isinstance(want, str) else "other"] += 1
        assert agree(got, want), f"{fn}({', '.join(map(repr, args))}):\n  LAMBDA  {got!r}\n  xlwings {want!r}"

    one()
    assert sum(seen[f] for f in ("TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL",
                                 "TRAPPE_MERUDGIFT", "TRAPPE_SERIE")) >= CALLS_PER_KIND, seen
    # the calls reach every function, and numbers, tables and refusals alike
    assert min(seen[f] for f in ("TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL",
                                 "TRAPPE_MERUDGIFT", "TRAPPE_SERIE")) >= 150, seen
    assert seen["number"] >= 100 and seen["table"] >= 30 and seen["message"] >= 500, seen
    assert seen["no source"] >= 10, seen
    if name in ("shipped", "shipped_population", "function"):     # function-level data
        assert seen["combined"] >= 10, seen
    if name == "children":      # kr. pr. barn i indsatsen: numbers and tables on both routes
        assert kind.per_child_answers >= 50, kind.per_child_answers


@pytest.mark.parametrize("cell", [461, "461", "Aarhus"])
def test_a_code_or_name_in_one_cell_gives_the_same_number(kinds, cell):
    """TRAPPE_STEP(A2;2024;45) with A2 = 461, "461" or "Aarhus" on the workbook build.py makes
    (before: every LAMBDA name answered "ukendt kommune" for a code in one cell)."""
    kind = kinds("shipped")
    cells = C.Cells()
    ref = cells.one(cell)
    book = E.Book(kind.path, {C.ARGS_SHEET: cells.sheet()})
    year = max(kind.data.years)
    assert year == 2024
    got = E.plain(book.call("TRAPPE_STEP", [ref.formula, str(year), "45"]))
    want = udf.TRAPPE_STEP(ref.xl, float(year), 45.0)
    assert isinstance(want, float) and isinstance(got, float), (got, want)
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("trin", ["7", "8", '"7"', '"*"', '"?"', '"~"', '"trin*"'])
def test_internal_codes_and_wildcards_are_refused_alike(kinds, trin):
    kind = kinds("grouping")
    args = ['"Aarhus"', str(kind.data.years[1]), trin]
    got = E.plain(kind.book.call("TRAPPE_STEP", args))
    xl = float(trin) if trin.isdigit() else trin.strip('"')
    want = udf.TRAPPE_STEP("Aarhus", float(kind.data.years[1]), xl)
    assert want.startswith("#TRAPPE: ukendt trin") and got == want


def test_the_agreement_rule_tells_a_difference():
    """The comparison itself: a different number, cell or word is a disagreement."""
    assert agree(1.0, 1.0) and not agree(1.0 + 1e-6, 1.0) and not agree("1", 1.0)
    assert agree("#TRAPPE: ukendt kommune 'Arhus'", "#TRAPPE: ukendt kommune 'Arhus' – mente du Aarhus?")
    assert not agree("#TRAPPE: ukendt kommune", "#TRAPPE: ukendt kommune 'Arhus'")
    assert agree([["År", "I alt"], [2019.0, ""]], [["År", "I alt"], [2019, None]])
    assert not agree([["År", "I alt"], [2019.0, 0.0]], [["År", "I alt"], [2019, None]])


@pytest.mark.parametrize("name", list(K.KINDS))
def test_vejledning_example_answers_a_figure(kinds, name):
    """Vejledning's example call is built from the workbook's own data: on every kind of
    workbook it answers a number, the same on both routes (before: "Odense";2019;6 answered
    "trin 6 har ingen kilde" on the shipped workbook)."""
    from python_calamine import CalamineWorkbook
    kind = kinds(name)
    rows = CalamineWorkbook.from_path(str(kind.path)).get_sheet_by_name("Vejledning").to_python()
    text = " ".join(str(c) for r in rows for c in r if c)
    m = re.search(r'=TRAPPE_STEP\(("[^"]+");(\d{4});("?[0-9-]+"?)\)', text)
    assert m, "no example call in Vejledning"
    args = [m.group(1), m.group(2), m.group(3)]
    got = E.plain(kind.book.call("TRAPPE_STEP", args))
    want = udf.TRAPPE_STEP(m.group(1).strip('"'), float(m.group(2)),
                           m.group(3).strip('"') if m.group(3).startswith('"') else float(m.group(3)))
    assert isinstance(want, float) and agree(got, want), (m.group(0), got, want)
    if 23 in set(kind.data.steps["trin"]):
        assert '"2-3"' in text and '"4-5"' in text


def test_hele_landet_is_dsts_figure_on_both_routes_as_on_analyse(kinds):
    """On the shipped kr.-pr.-indbygger workbook "Hele landet" is DST's own national figure (the
    Landstal sheet through the key), as Analyse shows it, on both routes (before: the functions
    refused it for want of population to weight the kommuner; TRAPPE_STEP now points to
    TRAPPE_SAMMENLIGN)."""
    from trappe_xl.workbook import bookdata
    kind = kinds("shipped")
    land = bookdata.landstal(kind.data)
    value = kind.data.value
    for year, trin, code in ((2020, '"2-3"', 23), (2024, '"4-5"', 45)):
        rows = land[(land["aar"] == year) & (land["trin"] == code) & (land["maal"] == "netto")]
        want = float(rows[value].sum())
        py = udf.TRAPPE_SAMMENLIGN("Hele landet", float(year), trin.strip('"'))
        lam = E.plain(kind.book.call("TRAPPE_SAMMENLIGN", ['"Hele landet"', str(year), trin]))
        assert py == pytest.approx(want) and lam == pytest.approx(want), (year, trin, py, lam, want)
    total = E.plain(kind.book.call("TRAPPE_SAMMENLIGN", ['"Hele landet"', "2024", '"i alt"']))
    assert total == udf.TRAPPE_SAMMENLIGN("Hele landet", 2024.0, "i alt")
    step = udf.TRAPPE_STEP("Hele landet", 2024.0, "2-3")
    assert step == E.plain(kind.book.call("TRAPPE_STEP", ['"Hele landet"', "2024", '"2-3"']))
    assert step == "#TRAPPE: 'Hele landet' er en gruppe, ikke én kommune – brug TRAPPE_SAMMENLIGN"


def test_a_group_without_population_is_the_plain_mean_on_both_routes(kinds):
    """On the shipped workbook (no population) a region's kr. pr. indbygger is the plain mean of
    its kommuners own figures, as Analyse shows it, on both routes (before: refused)."""
    kind = kinds("shipped")
    from trappe_xl import reference
    syd = [k.navn for k in reference.kommune_by_code().values() if k.regionsnavn == "Region Syddanmark"]
    for year, trin in ((2020, "2-3"), (2024, "4-5"), (2019, "i alt")):
        own = [udf.TRAPPE_STEP(k, float(year), trin) for k in syd]
        want = sum(own) / len(own)
        py = udf.TRAPPE_SAMMENLIGN("Region Syddanmark", float(year), trin)
        lam = E.plain(kind.book.call("TRAPPE_SAMMENLIGN", ['"Region Syddanmark"', str(year), f'"{trin}"']))
        assert py == pytest.approx(want, rel=1e-12) and lam == pytest.approx(want, rel=1e-12)
    serie = E.plain(kind.book.call("TRAPPE_SERIE", ['"Region Syddanmark"', "2016", "2024"]))
    assert agree(serie, udf.TRAPPE_SERIE("Region Syddanmark", 2016.0, 2024.0))


def test_derived_units_answer_alike_on_both_routes(kinds):
    """The shipped accounts with population: 1.000 kr. and kr. pr. barn are derived
    (kr. pr. indbygger × folketal), on both routes, in every function (a number each time)."""
    kind = kinds("shipped_population")

    def formula(x) -> str | None:      # None = left out
        return None if x is None else (f'"{x}"' if isinstance(x, str) else str(x))

    calls = [("TRAPPE_STEP", ["Odense", 2020, "2-3", "netto", "1.000 kr. (afledt)"]),
             ("TRAPPE_STEP", [751, 2024, "i alt", None, "pr. 0-17-årig"]),
             ("TRAPPE_SAMMENLIGN", ["Region Syddanmark", 2019, "4-5", "netto", "tkr"]),
             ("TRAPPE_SAMMENLIGN", ["Hele landet", 2022, "2-3", "netto", "kr. pr. 0-22-årig (afledt)"]),
             ("TRAPPE_ANDEL", ["Storbykommuner", 2021, "2-3", "netto", "1.000 kr."]),
             ("TRAPPE_MERUDGIFT", ["Aarhus", 2016, 2024, "4-5", "netto", "1.000 kr."]),
             ("TRAPPE_SERIE", ["Region Hovedstaden", 2016, 2024, None, "netto", "pr. 0-22-årig"])]
    for fn, args in calls:
        want = getattr(udf, fn)(*[float(a) if isinstance(a, int) else a for a in args])
        got = E.plain(kind.book.call(fn, [formula(a) for a in args]))
        assert agree(got, want), (fn, args, got, want)
        assert isinstance(want, (float, list)), (fn, args, want)
