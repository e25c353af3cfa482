"""The LAMBDA names give the xlwings functions' answers in LibreOffice, a real engine.

LibreOffice evaluates neither LAMBDA nor LET, so every call's body is expanded
(``lambdas.expand``: arguments substituted, the helper names' bodies put in, each LET variable
computed once in helper cells of its own), written into the built workbook itself, recalculated
by LibreOffice in ONE run for all calls, and compared with the xlwings function called with the
same arguments on the same file. The helper cells take the shape the in-suite evaluator
(tests/excel_eval.py) gives each variable; LibreOffice computes their values itself, so the
run also checks the evaluator that tests/test_udf_lambda_contract.py relies on: its answer to
every call here must be LibreOffice's. The workbooks are SYNTHETIC (tests/wb_fixtures.py:
1.000 kr., population and price index, with holes; grouping level) and the shipped real
snapshot (kr. pr. indbygger, no population, no price index).
"""

from __future__ import annotations

import html
import itertools
import math
import re
from pathlib import Path

import pytest

import excel_eval as E
from lo import recalc
from test_udf_lambda_contract import agree
from wb_fixtures import synthetic_bookdata
from bench.synthetic import make_accounts, make_deflator, make_population
from trappe_xl import udf
from trappe_xl.dataset import Dataset
from trappe_xl.errors import TrappeError
from trappe_xl.key import load_key
from trappe_xl.reference import ALLE_TRIN
from trappe_xl.pipeline import load_dataset, prepare
from trappe_xl.workbook import lambdas as L
from trappe_xl.workbook.cells import a1
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook

pytestmark = pytest.mark.libreoffice
REPO = Path(__file__).resolve().parents[1]
ARGS_SHEET, TEST_SHEET, HELP_SHEET = "LambdaArgs", "LambdaTest", "LambdaHjaelp"
#: ranges a user would pass (written on ARGS_SHEET): name -> (cells, as xlwings sends them)
RANGES = {
    "gruppe_navne": (["Aarhus", "Odense", None], [["Aarhus"], ["Odense"], [None]]),
    "gruppe_koder": ([155, 157, 159, 101], [[155.0], [157.0], [159.0], [101.0]]),
    "gruppe_ukendt": (["Aarhus", "Arhus"], [["Aarhus"], ["Arhus"]]),
    "basis_celler": ([2018, 2019], [[2018.0, 2019.0]]),
    # one cell holding a code or a name, as users type them (xlwings sends a single value)
    "en_kode_tal": ([461], 461.0),
    "en_kode_tekst": (["461"], "461"),
    "et_navn": (["Aarhus"], "Aarhus"),
    "gruppe_stjerne": (["Aarhus", "*"], [["Aarhus"], ["*"]]),
}


def _range_ref(name: str) -> str:
    i = list(RANGES).index(name)
    cells, _ = RANGES[name]
    horizontal = name.startswith("basis")
    last = (0, i + len(cells) - 1) if horizontal else (len(cells) - 1, i)
    if horizontal:
        return f"{ARGS_SHEET}!$A${10 + i}:${chr(64 + len(cells))}${10 + i}"
    col = chr(65 + i)
    return f"{ARGS_SHEET}!${col}$1:${col}${last[0] + 1}"


class R:
    """A range argument: its formula reference and what xlwings would send."""

    def __init__(self, name):
        self.name = name


def _formula_arg(x) -> str | None:
    if x is None:
        return None
    if isinstance(x, R):
        return _range_ref(x.name)
    if isinstance(x, str):
        return '"' + x.replace('"', '""') + '"'
    return repr(float(x)) if isinstance(x, float) else str(x)


def _xlwings_arg(x):
    if isinstance(x, R):
        return RANGES[x.name][1]
    return float(x) if isinstance(x, int) and not isinstance(x, bool) else x


# -- the calls -------------------------------------------------------------------------------------
KOMMUNER = ["Aarhus", 751, "751", "københavn", "Gladsaxe", 157, "Odense", 155]
GROUPS = ["Hele landet", "Region Hovedstaden", "Hovedstaden", "Landkommuner", R("gruppe_navne"),
          R("gruppe_koder"), "Aarhus", 159]
TRIN = [1, 2, "2-3", 3, 23, 4, 5, "Trin 4–5 samlet", 6, 0, "i alt", "i alt på trin", "Plejefamilie",
        "trin 3", "ikke fordelt", "trin 4-5"]
MAAL = [None, "netto", "udgifter", "indtægter", "brutto"]
ENHED = [None, "1.000 kr.", "pr. 0-17-årig", "pr. 0-22-årig", "kr. pr. 0-17-årig"]
PRISER = [None, "løbende", 2019, 2021, "2020"]
REFUSION = [None, "med", "uden"]


def synthetic_calls(years) -> list[tuple[str, tuple]]:
    """≥ 240 calls: every step (single, combined, without a source), measure, unit, price basis,
    refusion and comparison form, plus bad arguments. Choices are combined by a fixed stride so
    all values meet several others."""
    y = list(years)
    choices = list(itertools.product(MAAL, ENHED, PRISER, REFUSION))
    pick = [choices[(i * 37) % len(choices)] for i in range(len(choices))]
    calls = []
    for i, c in enumerate(pick[:60]):
        calls.append(("TRAPPE_STEP", (KOMMUNER[i % len(KOMMUNER)], y[i % len(y)], TRIN[i % len(TRIN)], *c)))
    for i, c in enumerate(pick[60:100]):
        calls.append(("TRAPPE_SAMMENLIGN", (GROUPS[i % len(GROUPS)], y[(i + 1) % len(y)],
                                            TRIN[(i + 3) % len(TRIN)], *c)))
    for i, c in enumerate(pick[100:140]):
        af = [None, "i alt", "i alt på trin"][i % 3]
        t = [1, 2, "2-3", 3, 45, 6, 0, "Institution"][i % 8]
        calls.append(("TRAPPE_ANDEL", ((GROUPS + KOMMUNER)[i % 16], y[i % len(y)], t, *c, af)))
    basis = [y[0], f"{y[0]}-{y[1]}", R("basis_celler"), y[1], f"{y[0]}–{y[2]}"]
    for i, c in enumerate(pick[140:180]):
        calls.append(("TRAPPE_MERUDGIFT", ((GROUPS + KOMMUNER)[(i * 3) % 16], basis[i % len(basis)],
                                           y[-1 - i % 2], TRIN[i % len(TRIN)], *c)))
    for i, c in enumerate(pick[196:226]):     # the steps function-level data fill
        t = ["2-3", 45, 6, 0, "i alt", "i alt på trin"][i % 6]
        calls.append(("TRAPPE_STEP", (KOMMUNER[(i + 3) % len(KOMMUNER)], y[(i + 2) % len(y)], t, *c)))
    for i, c in enumerate(pick[180:196]):
        trin = [None, 3, "i alt", "i alt på trin", "2-3", 1, None, 6][i % 8]
        calls.append(("TRAPPE_SERIE", ((GROUPS + KOMMUNER)[(i * 5) % 16], y[i % 2], y[-1 - (i % 2)],
                                       trin, *c)))
    bad = [("TRAPPE_STEP", ("Arhus", y[1], 3)), ("TRAPPE_STEP", ("Aarhus", 2031, 3)),
           ("TRAPPE_STEP", ("Aarhus", 2019.5, 3)), ("TRAPPE_STEP", ("Aarhus", y[1], 9)),
           ("TRAPPE_STEP", ("Aarhus", y[1], "øverst")), ("TRAPPE_STEP", ("Aarhus", y[1], 3, "overskud")),
           ("TRAPPE_STEP", ("Aarhus", y[1], 3, None, "euro")), ("TRAPPE_STEP", ("Aarhus", y[1], 3, None, None, "dyre")),
           ("TRAPPE_STEP", ("Aarhus", y[1], 3, None, None, 1999)),
           ("TRAPPE_STEP", ("Aarhus", y[1], 3, None, None, None, "måske")),
           ("TRAPPE_STEP", ("Region Hovedstaden", y[1], 3)), ("TRAPPE_STEP", (None, y[1], 3)),
           ("TRAPPE_SAMMENLIGN", (R("gruppe_ukendt"), y[1], 3)), ("TRAPPE_SAMMENLIGN", ("Region Atlantis", y[1], 3)),
           ("TRAPPE_ANDEL", ("Aarhus", y[1], "i alt")), ("TRAPPE_ANDEL", ("Aarhus", y[1], 2, None, None, None, None, "halvdelen")),
           ("TRAPPE_ANDEL", ("Aarhus", y[1], 0, None, None, None, None, "i alt på trin")),
           ("TRAPPE_MERUDGIFT", ("Aarhus", f"{y[2]}-{y[0]}", y[-1], 3)), ("TRAPPE_MERUDGIFT", ("Aarhus", 2000, y[-1], 3)),
           ("TRAPPE_SERIE", ("Aarhus", y[2], y[0])), ("TRAPPE_SERIE", ("Aarhus", 2000, y[0])),
           ("TRAPPE_SERIE", ("Aarhus", y[0], y[1], 9))]
    # as users write them: a code or a name in one cell; internal and wildcard codes refused
    cells = [("TRAPPE_STEP", (R(r), y[1], t)) for r in ("en_kode_tal", "en_kode_tekst", "et_navn")
             for t in (3, "2-3", 45)]
    cells += [("TRAPPE_SAMMENLIGN", (R("en_kode_tal"), y[1], 5)), ("TRAPPE_ANDEL", (R("et_navn"), y[1], 2)),
              ("TRAPPE_MERUDGIFT", (R("en_kode_tekst"), y[0], y[1], 6)),
              ("TRAPPE_SERIE", (R("en_kode_tal"), y[0], y[1], 3))]
    refused = [("TRAPPE_STEP", ("Aarhus", y[1], t)) for t in (7, 8, "7", "*", "?", "~", "trin*")]
    refused += [("TRAPPE_STEP", ("*", y[1], 3)), ("TRAPPE_STEP", ("Aarhus", y[1], 3, "*")),
                ("TRAPPE_STEP", ("Aarhus", y[1], 3, None, "*")),
                ("TRAPPE_SAMMENLIGN", (R("gruppe_stjerne"), y[1], 3)), ("TRAPPE_SAMMENLIGN", ("Region*", y[1], 3)),
                ("TRAPPE_SERIE", ("Aarhus", y[0], y[1], 7))]
    # every third of the combinations (LibreOffice computes each call's steps in cells of their
    # own; tests/test_udf_lambda_contract.py runs thousands of calls on the evaluator)
    sure = [("TRAPPE_STEP", ("Aarhus", y[1], 3, None, None, None, "uden")),     # each kind still once
            ("TRAPPE_SAMMENLIGN", ("Region Hovedstaden", y[1], 1)), ("TRAPPE_MERUDGIFT", ("Aarhus", y[0], y[1], 1))]
    return calls[::3] + sure + bad + cells + refused


def shipped_calls(years) -> list[tuple[str, tuple]]:
    """kr. pr. indbygger data without population or price index."""
    y = list(years)
    calls = []
    for i, t in enumerate(TRIN):
        calls.append(("TRAPPE_STEP", (KOMMUNER[i % len(KOMMUNER)], y[i % len(y)], t)))
    calls += [("TRAPPE_STEP", ("Odense", y[-1], 2, "netto", "kr. pr. indbygger", "løbende", "med")),
              ("TRAPPE_STEP", ("Odense", y[-1], 2, None, "1.000 kr.")),
              ("TRAPPE_STEP", ("Odense", y[-1], 2, None, None, y[-1])),
              ("TRAPPE_STEP", ("Odense", y[-1], 2, "udgifter")),
              ("TRAPPE_SAMMENLIGN", ("Hele landet", y[-1], 2)), ("TRAPPE_SAMMENLIGN", ("Aarhus", y[-1], 3)),
              ("TRAPPE_ANDEL", ("Odense", y[-1], 2)), ("TRAPPE_ANDEL", ("Region Syddanmark", y[-1], 5)),
              ("TRAPPE_MERUDGIFT", ("Odense", y[0], y[-1], "i alt")),
              ("TRAPPE_MERUDGIFT", ("Odense", f"{y[0]}-{y[2]}", y[-1], 5)),
              ("TRAPPE_SERIE", ("Odense", y[0], y[3])), ("TRAPPE_SERIE", ("Odense", y[1], y[4], 2)),
              ("TRAPPE_SERIE", ("Hele landet", y[1], y[4], 2))]
    return calls


# -- writing the expanded calls into the workbook -----------------------------------------------------
def _serie_shape(fn: str, args: tuple, answer) -> tuple[int, int]:
    if fn == "TRAPPE_SERIE" and isinstance(answer, list):
        return len(answer), len(answer[0])
    return 1, 1


HELPER_CALL = re.compile(r"(?<![A-Za-z0-9_.])(_TRAPPE_[A-Z]+)\(")


class Writer:
    """Puts each call's expanded body into LambdaTest (one area per call); each LET variable and
    each call of a helper name (expanded the same way) gets an area of its own on LambdaHjaelp,
    of the shape the evaluator gives it (a variable holding a reference, or more than 200
    values, stays in the formula). LibreOffice computes every area itself."""

    def __init__(self, book: E.Book):
        self.book = book
        self.help: list[list] = []
        book.sheets[HELP_SHEET] = self.help
        book.text_sheets.add(HELP_SHEET)
        self.cells: list[tuple[int, int, int, int, str]] = []   # helper formulas
        self.tests: list[tuple[int, int, int, int, str]] = []
        self.where: list[tuple[int, int, int, int]] = []
        self.calls: dict[tuple, str] = {}
        self.trow = 0

    def _block(self, expr: str, force: bool = False) -> str | None:
        value = self.book.eval(self.book.parsed(expr), {})
        if not force and (isinstance(value, E.Ref) or (E.is_array(value) and value.size > 200)):
            return None
        block = E.as2d(self.book.deref(value))
        r0 = len(self.help)
        for row in block:
            self.help.append([None if v is E.BLANK else bool(v) if isinstance(v, (bool, E.np.bool_))
                              else float(v) if isinstance(v, (int, float, E.np.floating)) else v for v in row])
        rows, cols = block.shape
        self.cells.append((r0, 0, r0 + rows - 1, cols - 1, "=" + expr))
        return f"{HELP_SHEET}!$A${r0 + 1}" if (rows, cols) == (1, 1) else \
            f"{HELP_SHEET}!$A${r0 + 1}:${_col(cols - 1)}${r0 + rows}"

    def _cellify(self, text: str) -> str:
        """Each call of a helper name in ``text`` (innermost first) replaced by the area that
        computes it."""
        while True:
            for m in HELPER_CALL.finditer(text):
                args, end = L._call_args(text, m.end())
                if any(HELPER_CALL.search(a) for a in args):
                    continue
                key = (m.group(1), tuple(args))
                if key not in self.calls:
                    body = L.expand(self.book.names[m.group(1)], args, self._helper)
                    self.calls[key] = self._block(self._cellify(body), force=True)
                text = text[:m.start()] + self.calls[key] + text[end:]
                break
            else:
                return text

    def _helper(self, var: str, expr: str) -> str | None:
        return self._block(self._cellify(expr))

    def add(self, fn: str, args: tuple, shape: tuple[int, int]) -> None:
        body = L.expand(self.book.names[fn], [_formula_arg(a) for a in args], self._helper)
        body = self._cellify(body)
        r0 = self.trow
        self.tests.append((r0, 0, r0 + shape[0] - 1, shape[1] - 1, "=" + body))
        self.where.append((r0, 0, r0 + shape[0] - 1, shape[1] - 1))
        self.trow += shape[0] + 1

    def __call__(self, wb) -> None:
        args = wb.add_worksheet(ARGS_SHEET)
        for (r, c), v in _args_cells().items():
            if isinstance(v, str):
                args.write_string(r, c, v)
            else:
                args.write_number(r, c, v)
        for sheet, formulas in ((HELP_SHEET, self.cells), (TEST_SHEET, self.tests)):
            ws = wb.add_worksheet(sheet)
            for r0, c0, r1, c1, f in formulas:     # array formulas: Excel evaluates a name so
                ws.write_array_formula(r0, c0, r1, c1, "{" + f + "}")


def _args_cells() -> dict[tuple[int, int], object]:
    """The LambdaArgs cells: RANGES laid out as _range_ref reads them."""
    out = {}
    for i, (name, (cells, _)) in enumerate(RANGES.items()):
        for j, v in enumerate(cells):
            r, c = (9 + i, j) if name.startswith("basis") else (j, i)
            if v is not None:
                out[(r, c)] = float(v) if isinstance(v, int) else v
    return out


def _args_sheet() -> list[list]:
    cells = _args_cells()
    rows = max(r for r, _ in cells) + 1
    grid = [["" for _ in range(10)] for _ in range(rows)]
    for (r, c), v in cells.items():
        grid[r][c] = v
    return grid


def _col(c: int) -> str:
    return a1(0, c)[:-1]


def _answers(path, calls):
    udf.use_workbook(path)
    udf.clear_cache()
    try:
        return [getattr(udf, fn)(*[_xlwings_arg(a) for a in args]) for fn, args in calls]
    finally:
        udf.use_workbook(None)


def _read(path: Path, where) -> list:
    from python_calamine import CalamineWorkbook
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(TEST_SHEET).to_python(skip_empty_area=False)
    out = []
    for r0, c0, r1, c1 in where:
        block = [[rows[r][c] if r < len(rows) and c < len(rows[r]) else "" for c in range(c0, c1 + 1)]
                 for r in range(r0, r1 + 1)]
        out.append(block[0][0] if (r1, c1) == (r0, c0) else block)
    return out


NO_SOURCE = re.compile(r"#TRAPPE: (trin \d(–\d)?|ikke fordelt) har ingen kilde i data for \d{4} – intet i "
                       r"regnskabet hører til trinnet \(vises som – i Analyse\)")
COMBINED = re.compile(r"#TRAPPE: beløbet for .+ \d{4} kendes kun samlet som trin (\d)–(\d) – brug trin")


def grouping_bookdata():
    """SYNTHETIC grouping-level accounts (REGK100 shape): trin 1–6 and 0, no combined step."""
    acc = make_accounts(level="grouping", years=(2019, 2020, 2021), seed=4)
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=make_population(years=(2019, 2020, 2021)),
                 deflator=make_deflator(years=(2019, 2020, 2021)),
                 meta={"name": "synthetic-lambda-grouping", "created": "2026-12-04T10:00:00Z",
                       "source": "synthetic", "tables": {}})
    return prepare(ds, load_key(), synthetic=True)


def grouping_calls(years) -> list[tuple[str, tuple]]:
    """Grouping-level data: every single step answers, trin 1 has no source, "2-3" is unknown."""
    y = list(years)
    calls = [("TRAPPE_STEP", (KOMMUNER[i % len(KOMMUNER)], y[i % len(y)], t)) for i, t in enumerate(TRIN)]
    calls += [("TRAPPE_SAMMENLIGN", (g, y[1], t)) for g, t in zip(GROUPS, (1, 2, 3, 4, 5, 6, 0, "i alt"))]
    calls += [("TRAPPE_ANDEL", (g, y[2], t, None, None, None, None, af))
              for g, t, af in zip(GROUPS, (2, 3, 1, 5, 6, 0, 4, 2), (None, "i alt på trin") * 4)]
    calls += [("TRAPPE_MERUDGIFT", ("Aarhus", y[0], y[2], 1)), ("TRAPPE_MERUDGIFT", ("Odense", f"{y[0]}-{y[1]}", y[2], 3)),
              ("TRAPPE_MERUDGIFT", ("Hele landet", y[0], y[2], "i alt på trin", "udgifter", "pr. 0-22-årig"))]
    calls += [("TRAPPE_SERIE", (g, y[0], y[-1], t, *c)) for g, t, c in (
        ("Aarhus", None, ()), ("Region Hovedstaden", None, ("udgifter", "pr. 0-17-årig", y[0], "uden")),
        (R("gruppe_koder"), 1, ()), ("Odense", 2, ("indtægter",)), ("Hele landet", "i alt på trin", ()))]
    return calls


B = "kr. pr. barn i indsatsen"


def children_calls(years) -> list[tuple[str, tuple]]:
    """The fetched workbook with children (ANBAAR12, ISBU02): kr. pr. barn i indsatsen on every
    step, i alt, steps without children (1, ikke fordelt), groups, merudgift, series, the refusal
    of a share, and the other units beside it."""
    y = list(years)
    calls = [("TRAPPE_STEP", (KOMMUNER[i % len(KOMMUNER)], y[i % len(y)], t, None, B))
             for i, t in enumerate((1, 2, 3, 4, 5, 6, 0, "i alt", "i alt på trin", "Plejefamilie"))]
    calls += [("TRAPPE_STEP", ("Odense", y[0], 4, "udgifter", B, y[-1], "uden")),
              ("TRAPPE_STEP", ("Aarhus", y[-1], 2)), ("TRAPPE_STEP", ("Aarhus", y[-1], 2, None, "pr. 0-17-årig"))]
    calls += [("TRAPPE_SAMMENLIGN", (g, y[i % len(y)], t, None, B))
              for i, (g, t) in enumerate(zip(GROUPS, (1, 2, 3, 4, 5, 6, 0, "i alt")))]
    calls += [("TRAPPE_ANDEL", ("Aarhus", y[1], 3, None, B)), ("TRAPPE_ANDEL", ("Aarhus", y[1], 3))]
    calls += [("TRAPPE_MERUDGIFT", ("Aarhus", y[0], y[2], 5, None, B)),
              ("TRAPPE_MERUDGIFT", ("Region Hovedstaden", f"{y[0]}-{y[1]}", y[2], "i alt", "netto", B)),
              ("TRAPPE_MERUDGIFT", ("Odense", y[0], y[2], 1, None, B))]
    calls += [("TRAPPE_SERIE", (g, y[0], y[-1], t, *c)) for g, t, c in (
        ("Aarhus", None, (None, B)), ("Region Hovedstaden", None, ("udgifter", B, y[0], "uden")),
        (R("gruppe_koder"), 6, (None, B)), ("Odense", 1, (None, B)), ("Hele landet", "i alt på trin", (None, B)))]
    return calls


def children_bookdata():
    import lambda_kinds
    return lambda_kinds.fetched_with_children()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, soffice):
    root = tmp_path_factory.mktemp("lambdas")
    synthetic = synthetic_bookdata()
    shipped = prepare(load_dataset(REPO / "data", None), load_key())
    out = {}
    for kind, data, calls_of in (("synthetic", synthetic, synthetic_calls),
                                 ("shipped", shipped, shipped_calls),
                                 ("grouping", grouping_bookdata(), grouping_calls),
                                 ("children", children_bookdata(), children_calls)):
        plain = write_workbook(data, Selection(), root / f"{kind}_plain.xlsx")
        calls = calls_of(data.years)
        want = _answers(plain, calls)
        book = E.Book(plain, {ARGS_SHEET: _args_sheet()})
        evaluated = [E.plain(book.call(fn, [_formula_arg(a) for a in args])) for fn, args in calls]
        w = Writer(book)
        for (fn, args), answer in zip(calls, want):
            w.add(fn, args, _serie_shape(fn, args, answer))
        path = write_workbook(data, Selection(), root / f"{kind}.xlsx", extra=w)
        out[kind] = (path, calls, want, w.where, evaluated, w)
    recalculated = recalc([v[0] for v in out.values()], root / "lo", soffice)
    return {kind: (lo_path, *rest[1:]) for (kind, rest), lo_path in zip(out.items(), recalculated)}


@pytest.mark.parametrize("kind", ["synthetic", "shipped", "grouping", "children"])
def test_lambda_bodies_equal_the_xlwings_functions(recalculated, kind):
    """LibreOffice's answer to every expanded call is the xlwings function's, number, table and
    message alike (tests/test_udf_lambda_contract.agree), and the evaluator's answer is
    LibreOffice's."""
    path, calls, want, where, evaluated, _ = recalculated[kind]
    got = _read(path, where)
    bad = [(fn, args, g, w) for (fn, args), g, w in zip(calls, got, want) if not agree(g, w)]
    assert not bad, f"{len(bad)} of {len(calls)} differ, e.g. {bad[:4]}"
    engines = [(fn, args, g, e) for (fn, args), g, e in zip(calls, got, evaluated)
               if not (agree(e, g) if not isinstance(g, list) else agree(e, [[None if c == "" else c for c in r] for r in g]))]
    assert not engines, f"evaluator and LibreOffice differ on {len(engines)}: {engines[:4]}"
    numbers = sum(isinstance(w, float) for w in want)
    texts = [w for w in want if isinstance(w, str)]
    no_source = [w for w in texts if NO_SOURCE.fullmatch(w)]
    # empty table cells where a step has no source (trin 1 in every kind of data here)
    blanks = sum(c is None for w in want if isinstance(w, list) for r in w[1:] for c in r[1:])
    if kind == "synthetic":
        assert len(calls) >= 120 and numbers >= 35
        assert len(texts) >= 30                                       # bad arguments and holes
        assert sum(isinstance(w, list) for w in want) >= 3
        assert len(no_source) >= 5 and sum(bool(COMBINED.match(w)) for w in texts) >= 3
    assert len(no_source) >= 3 and blanks >= 4, (len(no_source), blanks)
    if kind == "children":      # kr. pr. barn i indsatsen answers in numbers, tables and messages
        assert numbers >= 15 and any("intet børnetal" in t for t in texts), (numbers, texts)
        assert any("en andel findes ikke i kr. pr. barn" in t for t in texts)
    for fn in ("TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_MERUDGIFT"):
        assert any(f == fn and NO_SOURCE.fullmatch(w) for (f, _), w in zip(calls, want) if isinstance(w, str)) \
            or kind != "synthetic", fn


def _same_value(lo, ev) -> bool:
    """One helper cell: LibreOffice's value (openpyxl: errors as '#VALUE!', empty as None) and
    the evaluator's (floats, text, TRUE/FALSE, errors)."""
    if isinstance(ev, E.Err):
        return lo == ev.code
    if isinstance(ev, bool) or isinstance(lo, bool):
        # LibreOffice's IFERROR in an array formula gives TRUE/FALSE as 1/0
        return isinstance(lo, (bool, int, float)) and isinstance(ev, (bool, int, float)) and float(lo) == float(ev)
    if ev is None:
        return lo is None
    if isinstance(ev, float):
        return isinstance(lo, (int, float)) and math.isclose(lo, ev, rel_tol=1e-9, abs_tol=1e-9)
    return (lo if lo is not None else "") == ev


@pytest.mark.parametrize("kind", ["synthetic", "shipped", "grouping", "children"])
def test_every_intermediate_value_is_libreoffices(recalculated, kind):
    """Each LET variable and helper call the evaluator computed is what LibreOffice computed in
    its cell: the evaluator's Excel semantics (tests/excel_eval.py) hold on every step of every
    body, not only on the answers."""
    import openpyxl
    path, *_, w = recalculated[kind]
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True)[HELP_SHEET]
    lo = [list(r) for r in ws.iter_rows(values_only=True)]
    checked, bad = 0, []
    for r0, c0, r1, c1, formula in w.cells:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                got = lo[r][c] if r < len(lo) and c < len(lo[r]) else None
                checked += 1
                if not _same_value(got, w.help[r][c]):
                    bad.append((r + 1, c + 1, got, w.help[r][c], formula[:160]))
    assert checked > 5000
    assert not bad, f"{len(bad)} of {checked} cells differ, e.g. {bad[:3]}"


def test_serie_leaves_a_step_without_a_source_empty(recalculated):
    """Grouping-level data: TRAPPE_SERIE's trin-1 column is empty in LibreOffice as in xlwings,
    and its i alt sums the steps that have a source."""
    path, calls, want, where, *_ = recalculated["grouping"]
    got = _read(path, where)
    i = calls.index(("TRAPPE_SERIE", ("Aarhus", 2019, 2021, None)))
    table = got[i]
    assert table[0][:3] == ["År", "1 Tidlig indsats", "2 Forebyggende"] and table[0][-2:] == ["Ikke fordelt", "I alt"]
    assert len(table[0]) == 9                                 # År, 1–6, ikke fordelt, i alt
    summed = 0
    for row, w in zip(table[1:], want[i][1:]):
        assert row[1] in ("", None) and w[1] is None         # trin 1: no source, not 0
        if w[-1] is None:                                    # Aarhus has no (whole) data that year
            assert all(c in ("", None) for c in row[1:])
            continue
        assert row[-1] == pytest.approx(sum(row[2:-1]), rel=1e-12)
        summed += 1
    assert summed >= 1


def test_lambda_names_fit_excels_limit(capsys):
    """Every name stays under Excel's 8,192 characters for the step columns the dashboard shows
    on the shipped (function-level) data and on grouping-level data, and for all nine codes."""
    shipped = prepare(load_dataset(REPO / "data", None), load_key())
    cases = {"shipped": (shipped.value, shipped.years, L.step_codes(shipped.steps)),
             "grouping": ("beloeb_1000kr", range(2007, 2025), L.step_codes(grouping_bookdata().steps)),
             "alle ni": ("beloeb_1000kr", range(2007, 2025), ALLE_TRIN)}
    assert cases["shipped"][2] == (1, 23, 45, 6, 0)
    assert cases["grouping"][2] == (1, 2, 3, 4, 5, 6, 0)
    with capsys.disabled():
        for case, (value, years, codes) in cases.items():
            names = L.lambda_names(value, years, codes, index_years=years)   # strict: raises if too long
            assert set(L.NAMES) | set(L.HELPERS) <= set(names)
            lengths = {n: len(names[n]) - 1 for n in (*L.HELPERS, *L.NAMES)}
            print(f"\nLAMBDA-længder ({case}, trin {codes}): {lengths}")
            assert max(lengths.values()) <= L.MAX_NAME_FORMULA


def test_an_over_long_name_is_left_out_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(L, "MAX_NAME_FORMULA", 4000)
    with pytest.raises(TrappeError, match="TRAPPE_SERIE"):
        L.lambda_names("beloeb_1000kr", (2019, 2020), (1, 2, 3, 4, 5, 6, 0))
    names = L.lambda_names("beloeb_1000kr", (2019, 2020), (1, 2, 3, 4, 5, 6, 0), strict=False)
    assert "TRAPPE_SERIE" not in names and "TRAPPE_STEP" in names
    assert "TRAPPE_SERIE er længere end Excels 4000 tegn og udelades" in caplog.text


def test_a_code_in_one_cell_answers_the_same_number_on_both_routes(recalculated):
    """TRAPPE_STEP(A2;…) with A2 = 461, "461" or "Aarhus": before, every LAMBDA name answered
    "ukendt kommune" (MATCH into a one-cell value is no array); trin 7/8 and wildcards were
    accepted. The calls are part of the differential test above; here they are checked alone."""
    path, calls, want, where, *_ = recalculated["synthetic"]
    got = dict(zip(range(len(calls)), _read(path, where)))
    one_cell = [i for i, (fn, a) in enumerate(calls) if a and isinstance(a[0], R)
                and a[0].name in ("en_kode_tal", "en_kode_tekst", "et_navn")]
    assert len(one_cell) == 13
    for i in one_cell:
        assert not isinstance(want[i], str) or "ukendt" not in want[i], (calls[i], want[i])
        assert agree(got[i], want[i]), (calls[i], got[i], want[i])
        if isinstance(want[i], float):
            assert isinstance(got[i], float)
    refused = [i for i, (fn, a) in enumerate(calls)
               if (len(a) > 2 and a[2] in (7, 8, "7", "*", "?", "~", "trin*")) or "*" in a
               or (a and isinstance(a[0], R) and a[0].name == "gruppe_stjerne") or a[0] == "Region*"]
    assert len(refused) >= 12
    for i in refused:
        assert isinstance(want[i], str) and isinstance(got[i], str) and got[i].startswith("#TRAPPE: "), \
            (calls[i], got[i], want[i])


def test_no_lambda_parameter_or_let_name_is_an_excel_function():
    import formulas
    functions = {f.upper() for f in formulas.get_functions()}
    names = L.lambda_names("beloeb_1000kr", range(2007, 2025), ALLE_TRIN)
    used = {v for body in names.values() for v in re.findall(r"_xlpm\.([A-Za-z0-9_]+)", body)}
    assert used and not {v for v in used if v.upper().rstrip("_") in functions}


def test_every_call_kind_is_covered():
    calls = synthetic_calls((2018, 2019, 2020, 2021))
    used = {a for _, args in calls for a in args if not isinstance(a, R)}
    for values in (TRIN, MAAL[1:], ENHED[1:], PRISER[1:], REFUSION[1:], GROUPS[:4]):
        assert set(v for v in values if not isinstance(v, R)) <= used
    assert {fn for fn, _ in calls} == set(L.NAMES)


def test_the_workbook_carries_the_lambda_names(tmp_path):
    data = synthetic_bookdata()
    path = write_workbook(data, Selection(), tmp_path / "navne.xlsx")
    import zipfile
    xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    for name in L.NAMES:
        m = re.search(rf'<definedName name="{name}">(.*?)</definedName>', xml)
        assert m, name
        text = m.group(1)
        assert text.startswith("_xlfn.LAMBDA(_xlpm.") and "_xlop.maal" in text
        assert "_xlfn.LET(" in text and "_xlfn.ISOMITTED(_xlpm.maal)" in text
        assert len(html.unescape(text)) <= L.MAX_NAME_FORMULA
        # every function newer than the file format carries its prefix
        assert not re.search(r"(?<![._A-Za-z])(LET|LAMBDA|ISOMITTED)\(", text)
    without = write_workbook(data, Selection(), tmp_path / "uden.xlsx", lambdas=False)
    xml = zipfile.ZipFile(without).read("xl/workbook.xml").decode("utf-8")
    assert "TRAPPE_STEP" not in xml and "TD_vaerdi" in xml
