"""Calls of the TRAPPE functions the way users write them, as hypothesis strategies.

Each argument is an :class:`Arg`: the formula text Excel stores (None = left out) and the value
xlwings hands the Python function for it (a one-cell reference arrives as its value, a range as
a list of rows, an empty cell as None). References point into :data:`ARGS_SHEET`, a sheet the
evaluator (tests/excel_eval.py) is given beside the workbook; :func:`args_sheet` lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

ARGS_SHEET = "Argumenter"


@dataclass(frozen=True)
class Arg:
    formula: str | None
    xl: object

    def __repr__(self):
        return self.formula if self.formula is not None else "<udeladt>"


OMIT = Arg(None, None)


def lit(v) -> Arg:
    """A literal in the formula: text in quotes, a number, TRUE/FALSE."""
    if isinstance(v, bool):
        return Arg("TRUE" if v else "FALSE", v)
    if isinstance(v, str):
        return Arg('"' + v.replace('"', '""') + '"', v)
    return Arg(repr(float(v)) if not float(v).is_integer() else str(int(v)), float(v))


def _col(c: int) -> str:
    out, c = "", c + 1
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


class Cells:
    """The Argumenter sheet: one column per one-cell value or vertical range, one row (from row
    40) per horizontal range."""

    def __init__(self):
        self.grid: dict[tuple[int, int], object] = {}
        self.col = 0
        self.row = 40

    def _xl(self, v):
        return None if v is None else (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)

    def one(self, v) -> Arg:
        c = self.col
        self.col += 1
        if v is not None:
            self.grid[(0, c)] = self._xl(v)
        return Arg(f"{ARGS_SHEET}!${_col(c)}$1", self._xl(v))

    def column(self, values) -> Arg:
        c = self.col
        self.col += 1
        for r, v in enumerate(values):
            if v is not None:
                self.grid[(r, c)] = self._xl(v)
        ref = f"{ARGS_SHEET}!${_col(c)}$1:${_col(c)}${len(values)}"
        return Arg(ref, [[self._xl(v)] for v in values])

    def row_of(self, values) -> Arg:
        r = self.row
        self.row += 1
        for c, v in enumerate(values):
            if v is not None:
                self.grid[(r, c)] = self._xl(v)
        ref = f"{ARGS_SHEET}!$A${r + 1}:${_col(len(values) - 1)}${r + 1}"
        return Arg(ref, [[self._xl(v) for v in values]])

    def block(self, rows) -> Arg:
        """A range of several rows and columns, from row 60."""
        r0 = 60 + 3 * sum(1 for (r, _) in self.grid if r >= 60 and _ == 0 and (r - 60) % 3 == 0)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    self.grid[(r0 + i, j)] = self._xl(v)
        ref = f"{ARGS_SHEET}!$A${r0 + 1}:${_col(len(rows[0]) - 1)}${r0 + len(rows)}"
        return Arg(ref, [[self._xl(v) for v in row] for row in rows])

    def sheet(self) -> list[list]:
        rows = max(r for r, _ in self.grid) + 1
        cols = max(c for _, c in self.grid) + 1
        out = [["" for _ in range(cols)] for _ in range(rows)]
        for (r, c), v in self.grid.items():
            out[r][c] = v
        return out


def _both(values):
    return [lit(v) for v in values]


class Forms:
    """The argument forms for one workbook (its years, its kinds of step)."""

    def __init__(self, years, value_column: str = "beloeb_1000kr", population: bool = True,
                 index_years=(), codes=(1, 2, 3, 4, 5, 6, 0), measures=("netto", "udgifter", "indtaegter"),
                 children: bool = False):
        y = [int(v) for v in years]
        self.years = y
        cells = self.cells = Cells()
        one = cells.one
        # who ----------------------------------------------------------------------------------
        names = ["Aarhus", "Odense", "København", "københavn", "Gladsaxe", "Aarhus Kommune", " Frederiksberg ",
                 "Læsø", "Ærø", "Vesthimmerlands", "Halsnæs", "Lyngby-Taarbæk"]
        codes = [751, 461, 101, 147, 159, 825, 860, 999, 0, 751.5]
        code_texts = ["751", "0751", "461", "101", " 159", "999"]
        bad = ["Arhus", "*", "Aar*", "?", "~", "", "kommune", True, "Region*"]
        groups = ["Hele landet", "hele landet", "Region Hovedstaden", "Hovedstaden", "region midtjylland",
                  "Landkommuner", "Storbykommuner", "Kommunegruppe 1", "Region Atlantis", "084"]
        one_cell = [one(v) for v in (461, "461", "Aarhus", "  odense ", None, "Hele landet",
                                     "Region Syddanmark", True, 2019.5, "Arhus", "*")]
        ranges = [cells.column(v) for v in (
            ["Aarhus", "Odense", None], [155, 157, 159, 101], ["Aarhus", "Arhus"], ["Aarhus", "*"],
            ["Aarhus", 751], [None, None], ["Region Hovedstaden", "Aarhus"], ["461", "Gladsaxe"],
            ["Aarhus", "Odense"], ["Hele landet", "Aarhus"])]
        ranges.append(cells.row_of(["Aarhus", "Odense", "Gladsaxe"]))
        ranges.append(cells.block([["Aarhus", "Odense"], ["Gladsaxe", None]]))   # two rows and columns
        self.kommune = st.sampled_from(_both(names + codes + code_texts + bad) + one_cell + ranges[:2])
        self.gruppe = st.sampled_from(_both(names + codes + code_texts + bad + groups) + one_cell + ranges)
        # years --------------------------------------------------------------------------------
        good = [*y, *[str(v) for v in y], f" {y[0]} "]
        wrong = [y[0] - 1, y[-1] + 1, 2031, f"{y[0]}.5", y[0] + 0.5, "år", "", True, "2O19"]
        year_cells = [one(v) for v in (y[0], str(y[-1]), None)]
        self.aar = st.sampled_from(_both(good + wrong) + year_cells)
        self.good_year = st.sampled_from(_both(y))
        self.good_basis = st.sampled_from(_both([f"{y[0]}-{y[1]}", f"{y[0]}–{y[-2]}"]) + [cells.row_of([y[0], y[1]])])
        basis = [y[0], f"{y[0]}-{y[1]}", f"{y[0]}–{y[-1]}", f"{y[1]}-{y[0]}", str(y[1]), f"{y[0]} - {y[1]}",
                 y[0] - 1, "alle", ""]
        self.basis = st.sampled_from(_both(basis) + [cells.row_of([y[0], y[1]]), cells.row_of([y[1], y[0]]),
                                                     cells.row_of([y[0], y[1], y[-1]]), cells.row_of([y[0], None]),
                                                     one(y[0])])
        # steps -----------------------------------------------------------------------------------
        trin = [1, 2, 3, 4, 5, 6, 0, 23, 45, 7, 8, 9, -1, 2.5, "1", "3", "7", "8", "2-3", "4-5", "2–3", "Trin 4–5",
                "trin 3", "Trin 2–3 samlet", "Trin 4–5 samlet", "Plejefamilie", "plejefamilie",
                "Institution", "Forebyggende", "ikke fordelt", "i alt", "I alt", "i alt på trin", "trin 1-6",
                "total", "*", "?", "~", "trin*", "øverst", "", True]
        trin_cells = [one(v) for v in (3, "2-3", "i alt", None)]
        self.trin = st.sampled_from(_both(trin) + trin_cells)
        self.trin_opt = st.sampled_from([OMIT, OMIT, *_both(trin), *trin_cells])
        # choices ---------------------------------------------------------------------------------
        self.maal = st.sampled_from([OMIT, OMIT, *_both(["", "netto", "Netto", "udgifter", "Udgifter (brutto)",
                                                          "brutto", "indtægter", "indtaegt", "overskud", "*", 1]),
                                     one("udgifter")])
        self.enhed = st.sampled_from([OMIT, OMIT, *_both(["", "1.000 kr.", "1000 kr", "tkr", "pr. 0-17-årig",
                                                           "kr. pr. 0-22-årig", "pr 0-22", "kr. pr. indbygger",
                                                           "pr. indbygger", "euro", "*", 1000]),
                                      one("pr. 0-17-årig")])
        self.priser = st.sampled_from([OMIT, OMIT, *_both(["", "løbende", "Løbende priser", y[0], y[-1], str(y[1]),
                                                            f"faste {y[-1]}", f"{y[0]}-priser", 1999, "dyre",
                                                            "*", y[0] + 0.5]),
                                       one(y[-1])])
        self.refusion = st.sampled_from([OMIT, OMIT, *_both(["", "med", "uden", "Uden refusion", "ja", "nej",
                                                              "måske", "*", True, False, 1, 0, 2])])
        self.af = st.sampled_from([OMIT, OMIT, *_both(["", "i alt", "i alt på trin", "trin 1-6", "trin 1–6",
                                                        "total", "halvdelen", "*", 3])])

        # arguments that are right for this workbook (so numbers and tables are compared often)
        self.good_kommune = st.sampled_from(_both(["Aarhus", "Odense", "københavn", "Gladsaxe", 751, 101, "461",
                                                    "Aarhus Kommune", "Læsø"]) + one_cell[:4])
        groups = [*_both(["Hele landet", "Region Hovedstaden", "Syddanmark", "Landkommuner", "Storbykommuner",
                          "084"]), ranges[0], ranges[1], ranges[7], ranges[8], ranges[-2]]
        weighted_without_population = value_column == "kr_pr_indbygger" and not population
        # "Hele landet" is DST's own figure on kr. pr. indbygger data (no population needed)
        self.good_gruppe = st.sampled_from(_both(["Aarhus", 751, "Odense", "Hele landet", "Hele landet"]) + one_cell[:4]
                                           + ([] if weighted_without_population else groups))
        steps = ([23, 45, 6, 0, "2-3", "4-5", "Trin 2–3 samlet", "Institution"] if 23 in codes
                 else [2, 3, 4, 5, 6, 0, "Plejefamilie", "trin 3", "Forebyggende"])
        self.good_trin = st.sampled_from(_both([*steps, "i alt", "i alt på trin", "ikke fordelt"]) + trin_cells[1:3])
        units = (["1.000 kr.", "tkr"] + (["pr. 0-17-årig", "kr. pr. 0-22-årig"] if population else [])
                 if value_column == "beloeb_1000kr" else ["kr. pr. indbygger"])
        if value_column == "kr_pr_indbygger" and population:   # derived with the inhabitants
            units += ["1.000 kr. (afledt)", "tkr", "pr. 0-17-årig", "kr. pr. 0-22-årig (afledt)"]
        if children:        # kr. pr. barn i indsatsen (drawn often: it has its own divisors)
            units += ["kr. pr. barn i indsatsen", "pr. barn", "kr. pr. barn i indsatsen"]
        words = {"netto": "netto", "udgifter": "udgifter", "indtaegter": "Indtægter"}
        self.good_maal = st.sampled_from([OMIT, *_both(["", *[words[m] for m in measures]])])
        self.good_enhed = st.sampled_from([OMIT, *_both(["", *units])])
        idx = [int(v) for v in index_years]
        self.good_priser = st.sampled_from([OMIT, *_both(["løbende", *([idx[-1], str(idx[0])] if idx else [])])])
        self.good_refusion = st.sampled_from([OMIT, *_both(["med", "uden", False])])

    def _good(self, draw, extra=()) -> list[Arg]:
        return [draw(self.good_maal), draw(self.good_enhed), draw(self.good_priser), draw(self.good_refusion),
                *[draw(s) for s in extra]]

    def _choices(self, draw, extra=()) -> list[Arg]:
        return [draw(self.maal), draw(self.enhed), draw(self.priser), draw(self.refusion),
                *[draw(s) for s in extra]]

    def calls(self):
        """(function name, [Arg, ...]) with trailing left-out arguments dropped."""
        @st.composite
        def call(draw):
            fn = draw(st.sampled_from(["TRAPPE_STEP", "TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL",
                                       "TRAPPE_MERUDGIFT", "TRAPPE_SERIE"]))
            # half the calls have arguments that are all right for the workbook, so numbers and
            # tables are compared as often as refusals
            if draw(st.booleans()):
                y, t, who, grp = self.good_year, self.good_trin, self.good_kommune, self.good_gruppe
                choices = self._good
            else:
                y, t, who, grp = self.aar, self.trin, self.kommune, self.gruppe
                choices = self._choices
            if fn == "TRAPPE_STEP":
                args = [draw(who), draw(y), draw(t), *choices(draw)]
            elif fn == "TRAPPE_SAMMENLIGN":
                args = [draw(grp), draw(y), draw(t), *choices(draw)]
            elif fn == "TRAPPE_ANDEL":
                args = [draw(grp), draw(y), draw(t), *choices(draw, [self.af])]
            elif fn == "TRAPPE_MERUDGIFT":
                args = [draw(grp), draw(self.basis if y is self.aar else st.one_of(self.good_year, self.good_basis)),
                        draw(y), draw(t), *choices(draw)]
            else:
                lo, hi = sorted([draw(self.good_year), draw(self.good_year)], key=lambda a: a.xl) \
                    if y is self.good_year else (draw(y), draw(y))
                args = [draw(grp), lo, hi, draw(self.trin_opt if y is self.aar else st.sampled_from([OMIT, OMIT]) | self.good_trin),
                        *choices(draw)]
            while args and args[-1] is OMIT:
                args.pop()
            return fn, args
        return call()
