"""Sheet Analyse: input cells (drop-downs) and the result tables A–D, all formulas over Beregning.

Positions are fixed by :class:`Dash` so charts and tests can find every block.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import reference
from . import layout
from .calc import COL_CN, COL_CNALLE, TRIN_ORDER, CalcLayout, total_col
from .cells import a1, absref, area, sheet_ref
from .formulas import MISSING

INPUT_COL = 1           # input values sit in B (merged B:D); labels in A
INPUT_SPAN = 3
INPUT_ROWS = {"ValgKommune": 3, "ValgSammenligning": 4, "ValgFraAar": 5, "ValgTilAar": 6,
              "ValgBasisFra": 7, "ValgBasisTil": 8, "ValgMaal": 9, "ValgEnhed": 10,
              "ValgPriser": 11, "ValgPrisaar": 12, "ValgRefusion": 13, "ValgTrappeAar": 14}
INPUT_LABELS = {"ValgKommune": "Kommune", "ValgSammenligning": "Sammenlign",
                "ValgFraAar": "Fra år", "ValgTilAar": "Til år", "ValgBasisFra": "Basisår fra",
                "ValgBasisTil": "Basisår til", "ValgMaal": "Mål", "ValgEnhed": "Enhed",
                "ValgPriser": "Priser", "ValgPrisaar": "Prisår (faste)",
                "ValgRefusion": "Refusion", "ValgTrappeAar": "År for trappen"}
GROUP_ROW = 4                 # own group in rows 5-14, in the columns Dash.inputs gives
NOTE_ROW = 4                  # notes from row 5 (heading in row 4), column Dash.inputs.note;
#                               texts run to the right over empty cells
NOTE_ROWS = 11                # rows of the "Bemærkninger" block (I5:I15)
SELECTION_ROW = 2             # the selection in one line; rows 0-2 repeat on every printed page
LEGEND_ROW = 16
#: the steps of the result tables, in column order (trin 1-6, ikke fordelt; combined steps such as
#: 23 "Trin 2-3" join here when the data have them - every block, colour and chart series follows)
STEPS = TRIN_ORDER
#: the steps of the staircase (section D): every step but "ikke fordelt"
STAIR_STEPS = tuple(t for t in STEPS if t != reference.IKKE_FORDELT)
NCOL = len(STEPS) + 2   # steps, i alt på trin, i alt
K0 = 1                  # first value column of the kommune block (B)
C0 = K0 + NCOL + 1      # first value column of the comparison block (one narrow gap column)
COUNT_COL = C0 + NCOL   # "Kommuner med data"
COUNTED_COL = COUNT_COL + 1   # "heraf i tallet": members the comparison's figure is made of
LAST_COL = COUNTED_COL
TOP = 18                # row of section A's block titles (section title one row above)
CHART_ROWS = 14         # rows reserved under a table for its charts (fewer with many years)
ROW_PX, HEAD_PX, STAIR_PX, D_HEAD_PX = 20, 40, 32, 64
#: column widths (characters): A labels/years, value columns, gap, the two count columns
COL_WIDTHS = {"label": 15, "value": 7.3, "gap": 1.2, "count": 8.6}


@dataclass(frozen=True)
class InputCols:
    value_last: int      # the input values are merged from B (INPUT_COL) to here
    group_first: int     # the own-group cells, merged across group_first..group_last
    group_last: int
    note: int            # the notes ("Bemærkninger") column


@dataclass(frozen=True)
class Dash:
    """Row positions of Analyse. Every section is its own printed page: a title row, the block
    titles, the column headers, one row per year slot, then its charts underneath."""

    n: int                    # year slots = number of data years
    #: kr. pr. indbygger data with population: the comparison is weighted by inhabitants and the
    #: uvægtet block follows section C (without population A–D show the uvægtet mean itself)
    weighted: bool = False
    #: step columns hidden because the data cannot fill them (see :func:`hidden_steps`)
    hidden: frozenset = frozenset()

    @classmethod
    def for_book(cls, data) -> "Dash":
        """The layout of a book's Analyse (a BookData: its years, unit and step codes)."""
        return cls(n=len(data.years),
                   weighted=data.value == "kr_pr_indbygger" and not data.plain_mean,
                   hidden=hidden_steps(data.steps["trin"].unique()))

    @property
    def hidden_cols(self) -> frozenset:
        """Analyse's columns of the hidden steps (both blocks)."""
        return frozenset(c0 + STEPS.index(t) for t in self.hidden for c0 in (K0, C0))

    def visible_from(self, col: int, n: int) -> tuple[int, ...]:
        """The first ``n`` visible columns from ``col`` on."""
        out, c = [], col
        while len(out) < n:
            if c not in self.hidden_cols:
                out.append(c)
            c += 1
        return tuple(out)

    @property
    def d_spans(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Section D's kommune and comparison columns, each two visible columns merged from B
        (so a name such as "Storbykommuner (uvægtet gnsn.)" wraps between words)."""
        v = self.visible_from(K0, 4)
        return (v[0], v[1]), (v[2], v[3])

    @property
    def d_cols(self) -> tuple[int, int]:
        """The first column of each of section D's two merged columns (:attr:`d_spans`)."""
        return self.d_spans[0][0], self.d_spans[1][0]

    @property
    def inputs(self) -> "InputCols":
        """Where the inputs sit: each value over three visible columns from B, the own group
        over the next two visible columns, the notes after them (so no input or note is in a
        hidden step column)."""
        value = self.visible_from(INPUT_COL, 3)
        group = self.visible_from(value[-1] + 1, 2)
        return InputCols(value_last=value[-1], group_first=group[0], group_last=group[-1],
                         note=self.visible_from(group[-1] + 1, 1)[0])

    @property
    def chart_rows(self) -> int:
        """Rows of the charts under a table: lower with many years so a section stays one page."""
        return CHART_ROWS if self.n <= 12 else CHART_ROWS - 4

    def a_rows(self) -> range:
        return range(TOP + 2, TOP + 2 + self.n)

    @property
    def a_chart_row(self) -> int:
        return TOP + 2 + self.n + 1

    @property
    def b_top(self) -> int:
        return self.a_chart_row + self.chart_rows + 1

    def b_rows(self) -> range:
        return range(self.b_top + 2, self.b_top + 2 + self.n)

    @property
    def b_chart_row(self) -> int:
        return self.b_top + 2 + self.n + 1

    @property
    def c_top(self) -> int:
        return self.b_chart_row + self.chart_rows + 1

    @property
    def c_base_row(self) -> int:
        return self.c_top + 2

    def c_rows(self) -> range:
        return range(self.c_top + 3, self.c_top + 3 + self.n)

    @property
    def c_chart_row(self) -> int:
        return self.c_top + 3 + self.n + 1

    @property
    def c_end(self) -> int:
        return self.c_chart_row + self.chart_rows

    @property
    def u_top(self) -> int:
        return self.c_end + 2

    def u_rows(self) -> range:
        return range(self.u_top + 2, self.u_top + 2 + self.n) if self.weighted else range(0)

    @property
    def d_top(self) -> int:
        return (self.u_rows()[-1] if self.weighted and self.n else self.c_end) + 2

    @property
    def stair_steps(self) -> tuple[int, ...]:
        """Section D's steps: the staircase less the steps the data can never fill (hidden), so
        its table and chart read as a staircase (function-level data: 1, 2–3, 4–5, 6)."""
        return tuple(t for t in STAIR_STEPS if t not in self.hidden)

    def d_rows(self) -> range:
        return range(self.d_top + 2, self.d_top + 2 + len(self.stair_steps))

    @property
    def last_row(self) -> int:
        return max(self.d_top + 2 + len(self.stair_steps), self.d_top + 1 + self.chart_rows)

    @property
    def print_last_row(self) -> int:
        return self.last_row

    def head_rows(self) -> tuple[int, ...]:
        """Rows of column headers (taller, wrapped text)."""
        rows = [TOP + 1, self.b_top + 1, self.c_top + 1, self.d_top + 1]
        return tuple(rows + ([self.u_top + 1] if self.weighted else []))

    def page_starts(self) -> tuple[int, ...]:
        """First row of each printed page after the first: one page per analysis."""
        starts = [TOP - 1, self.b_top - 1, self.c_top - 1]
        if self.weighted:
            starts.append(self.u_top - 1)
        return (*starts, self.d_top)

    def row_px(self, r: int) -> int:
        if r == self.d_top + 1:         # D's header: the comparison's name in a narrow column
            return D_HEAD_PX
        if r in self.head_rows():
            return HEAD_PX
        if r in self.d_rows():
            return STAIR_PX
        return ROW_PX

    def pages(self) -> list[tuple[int, int]]:
        """(first, last) row of every printed page (the repeated rows 0-2 not counted)."""
        starts = [SELECTION_ROW + 1, *self.page_starts()]
        ends = [s - 1 for s in starts[1:]] + [self.last_row]
        return list(zip(starts, ends))

    def page_height_px(self, page: tuple[int, int]) -> int:
        return sum(self.row_px(r) for r in range(page[0], page[1] + 1))


# "Ikke fordelt" comes last so "I alt på trin" is the sum of the columns before it
assert STEPS[-1] == reference.IKKE_FORDELT, STEPS
N_STAIR, N_ALL = len(STAIR_STEPS), len(STEPS)
TOTAL_STAIR_COL, TOTAL_COL = N_ALL, N_ALL + 1   # offsets of "I alt på trin" and "I alt"

#: line breaks so the short step names fit the narrow dashboard columns (display only)
_BREAKS = {"Hjemmebaserede": "Hjemme-\nbaserede", "Slægt/netværk": "Slægt/\nnetværk",
           "Forebyggende": "Forebyg-\ngende"}


def hidden_steps(present) -> frozenset:
    """Step columns the data can never fill, hidden so the tables fit a laptop's width: the
    combined steps when the data have none, and the single steps of a combined step when the
    data hold that function only combined (they would read "–" in every year)."""
    present = set(int(t) for t in present)
    hide = set()
    for code, parts in reference.SAMLET_TRIN.items():
        if code not in present:
            hide.add(code)
        elif not present & set(parts):
            hide.update(parts)
    return frozenset(hide)


def step_label(t: int) -> str:
    short = reference.trin_korte_navne()
    return f"{t} {short[t]}" if t in reference.TRIN else short[t]


def headers() -> list[str]:
    """Column headers of the result tables: "1 Tidlig indsats" … "Ikke fordelt", totals."""
    short = reference.trin_korte_navne()
    return ([f"{t} {_BREAKS.get(short[t], short[t])}" if t in reference.TRIN
             else _BREAKS.get(short[t], short[t]) for t in STEPS]
            + ["I alt på trin", "I alt"])


REFUSION_TEXT = {True: "med refusion", False: "uden refusion"}
#: the refusion part of every title when the source states no dranst (drift/statsrefusion)
NO_DRANST_TEXT = "refusion ikke angivet i kilden"


def refusion_formula(no_dranst: bool) -> str:
    """Formula text of the refusion part of a title."""
    if no_dranst:
        return f'"{NO_DRANST_TEXT}"'
    return f'IF(hRef="med","{REFUSION_TEXT[True]}","{REFUSION_TEXT[False]}")'


def refusion_value(no_dranst: bool, refusion: bool) -> str:
    return NO_DRANST_TEXT if no_dranst else REFUSION_TEXT[refusion]


#: what the comparison's figure is, by unit (the block title says it after the name)
METHOD = {"land": "", "sum": " – sum af kommunerne",
          "per_child": " – samlet udgift delt med samlet antal børn i kommunerne",
          "weighted": " – befolkningsvægtet gennemsnit af kommunerne",
          # after "<name> (uvægtet gnsn.)"; the note (notes.KR_MEAN_NOTE) says why and that it is
          # not DST's figure – the title must fit the printed width
          "mean": " – hver kommune tæller lige meget"}


def method_formula(mean: bool = False) -> str:
    """``mean``: kr. pr. indbygger is the plain mean (CalcLayout.mean), not weighted."""
    per_inhabitant = METHOD["mean" if mean else "weighted"]
    return (f'IF(hLand,"{METHOD["land"]}",IF(hEnhed=4,"{per_inhabitant}",'
            f'IF(hEnhed=1,"{METHOD["sum"]}","{METHOD["per_child"]}")))')


def method_value(land: bool, enhed: str, mean: bool = False) -> str:
    if land:
        return METHOD["land"]
    return {"kr_pr_indbygger": METHOD["mean" if mean else "weighted"],
            "1000kr": METHOD["sum"]}.get(enhed, METHOD["per_child"])


def kommune_title() -> str:
    return '="Kommune: "&ValgKommune'


def comparison_title(mean: bool = False) -> str:
    return '="Sammenligning: "&hSamTekst&' + method_formula(mean)


#: the plain-mean block: whose figure it is (never DST's national figure)
U_PREFIX = "Uvægtet gennemsnit af kommunerne: "


def u_title() -> str:
    return f'="{U_PREFIX}"&IF(hLand,"{reference_land()}",hSamTekst)'


def reference_land() -> str:
    return layout.SAMMENLIGNING_VALG["land"]


def write_inputs(ws, fmt, sel_cells: dict, lists: dict, wb, dash: "Dash") -> None:
    cols = dash.inputs
    for name, row in INPUT_ROWS.items():
        ws.write_string(row, 0, INPUT_LABELS[name], fmt["label"])
        value = sel_cells[name]
        f = fmt["input_year"] if isinstance(value, int) else fmt["input"]
        ws.merge_range(row, INPUT_COL, row, cols.value_last, "", f)
        (ws.write_number if isinstance(value, int) else ws.write_string)(row, INPUT_COL, value, f)
        wb.define_name(name, "=" + sheet_ref(layout.ANALYSE, absref(row, INPUT_COL)))
        src = lists[name]
        ws.data_validation(row, INPUT_COL, row, INPUT_COL,
                           {"validate": "list", "source": src, "error_title": "Ugyldigt valg",
                            "error_message": "Vælg en værdi fra listen."})
    ws.write_string(GROUP_ROW - 1, cols.group_first, "Egen gruppe",
                    fmt["bold"])
    for i in range(layout.MAX_GROUP):
        name = sel_cells["ValgGruppe"][i]
        ws.merge_range(GROUP_ROW + i, cols.group_first, GROUP_ROW + i, cols.group_last, "", fmt["input"])
        ws.write_string(GROUP_ROW + i, cols.group_first, name, fmt["input"]) if name else \
            ws.write_blank(GROUP_ROW + i, cols.group_first, None, fmt["input"])
    ws.data_validation(GROUP_ROW, cols.group_first, GROUP_ROW + layout.MAX_GROUP - 1, cols.group_first,
                       {"validate": "list", "source": lists["ValgKommune"],
                        "ignore_blank": True})
    wb.define_name("ValgGruppe", "=" + sheet_ref(layout.ANALYSE, area(
        GROUP_ROW, cols.group_first, GROUP_ROW + layout.MAX_GROUP - 1, cols.group_first)))


def group_cells(dash: "Dash") -> list[str]:
    col = dash.inputs.group_first
    return [sheet_ref(layout.ANALYSE, absref(GROUP_ROW + i, col)) for i in range(layout.MAX_GROUP)]


def _slot_year(i: int) -> str:
    return f'=IF(ValgFraAar+{i}<=ValgTilAar,ValgFraAar+{i},"")'


def _lookup(lay: CalcLayout, col: int, year_cell: str) -> str:
    return (f'IF({year_cell}="","",INDEX({lay.col_range(col)},MATCH({year_cell},hAar,0)))')


def _total(row: int, c0: int, trin_count: int, year_cell: str) -> str:
    """Σ of the step cells. A step with no source reads "–" and adds nothing; a kommune-year
    without data has every step "–", so its total is "–" too (never 0)."""
    rng = f"{a1(row, c0)}:{a1(row, c0 + trin_count - 1)}"
    return f'=IF({year_cell}="","",IF(COUNT({rng})=0,"{MISSING}",SUM({rng})))'


def _per_child_total(lay: CalcLayout, kind: str, plain: str, year_cell: str) -> str:
    """A total cell: in kr. pr. barn (hEnhed=5) Beregning's i alt (Σ kroner ÷ Σ children over the
    steps with both), never a sum of the steps' per-child figures; else ``plain``."""
    if not lay.children or kind not in ("K", "C"):
        return plain
    head = f'=IF({year_cell}="","",'
    assert plain.startswith(head)
    child = f"INDEX({lay.col_range(total_col(kind))},MATCH({year_cell},hAar,0))"
    return f"{head}IF(hEnhed=5,{child},{plain[len(head):-1]}))"


class Writer:
    """Writes the result sections; ``vals`` gives the cached value of any cell it writes."""

    def __init__(self, ws, fmt, lay: CalcLayout, dash: Dash, vals):
        self.ws, self.fmt, self.lay, self.dash, self.vals = ws, fmt, lay, dash, vals

    def cell(self, row: int, col: int, formula: str, f=None) -> None:
        self.ws.write_formula(row, col, formula, f or self.fmt["dnum"], self.vals(row, col))

    def head(self, row: int, title_k: str, title_c: str, counts: bool = False) -> None:
        ws, fmt = self.ws, self.fmt
        ws.write_string(row, 0, "År", fmt["dhead"])
        for j, h in enumerate(headers()):
            ws.write_string(row, K0 + j, h, fmt["dhead"])
            ws.write_string(row, C0 + j, h, fmt["dhead"])
        if counts:
            ws.write_string(row, COUNT_COL, "Kommuner med data", fmt["dhead"])
            ws.write_string(row, COUNTED_COL, "heraf i tallet", fmt["dhead"])
        ws.write_formula(row - 1, K0, title_k, fmt["bold"], self.vals(row - 1, K0))
        ws.write_formula(row - 1, C0, title_c, fmt["bold"], self.vals(row - 1, C0))

    def section_a(self, kinds: tuple[str, str]) -> None:
        d, lay = self.dash, self.lay
        self.head(TOP + 1, kommune_title(), comparison_title(self.lay.mean), counts=True)
        for i, r in enumerate(d.a_rows()):
            self.cell(r, 0, _slot_year(i), self.fmt["year"])
            y = a1(r, 0, abs_col=True)
            for c0, kind in ((K0, kinds[0]), (C0, kinds[1])):
                for j, t in enumerate(STEPS):
                    col = {"K": lay.k_col, "C": lay.c_col, "U": lay.u_col}[kind](t)
                    self.cell(r, c0 + j, "=" + _lookup(lay, col, y))
                for j, n in ((TOTAL_STAIR_COL, N_STAIR), (TOTAL_COL, N_ALL)):
                    self.cell(r, c0 + j, _per_child_total(lay, kind, _total(r, c0, n, y), y),
                              self.fmt["dnumb"])
            self.cell(r, COUNT_COL, "=" + _lookup(lay, COL_CNALLE, y), self.fmt["dint"])
            self.cell(r, COUNTED_COL, "=" + _lookup(lay, COL_CN, y), self.fmt["dint"])

    def section_b(self) -> None:
        d = self.dash
        self.head(d.b_top + 1, kommune_title(), comparison_title(self.lay.mean))
        for ra, rb in zip(d.a_rows(), d.b_rows()):
            y = a1(ra, 0, abs_col=True)
            self.cell(rb, 0, f"={y}", self.fmt["year"])
            for c0 in (K0, C0):
                tot = a1(ra, c0 + TOTAL_COL)
                for j in range(NCOL):
                    v = a1(ra, c0 + j)
                    f = (f'IF(AND(ISNUMBER({v}),ISNUMBER({tot})),'
                         f'IF({tot}<>0,{v}/{tot},"{MISSING}"),"{MISSING}")')
                    if self.lay.children:   # figures with different divisors have no shares
                        f = f'IF(hEnhed=5,"{MISSING}",{f})'
                    self.cell(rb, c0 + j, f'=IF({y}="","",{f})', self.fmt["dpct"])

    def section_c(self) -> None:
        d, lay, fmt = self.dash, self.lay, self.fmt
        self.head(d.c_top + 1, kommune_title(), comparison_title(self.lay.mean))
        rb = d.c_base_row
        self.ws.write_formula(rb, 0, '="Basis "&ValgBasisFra&"-"&ValgBasisTil', fmt["bold"],
                              self.vals(rb, 0))
        nb = "(ValgBasisTil-ValgBasisFra+1)"
        inrange = "(hAar>=ValgBasisFra)*(hAar<=ValgBasisTil)"
        for c0, kind in ((K0, "K"), (C0, "C")):
            for j, t in enumerate(STEPS):
                col = lay.col_range({"K": lay.k_col, "C": lay.c_col}[kind](t))
                # a backward base period (fra > til) has no years: "–", never a number
                f = (f'=IF(OR({nb}<1,SUMPRODUCT({inrange}*ISNUMBER({col}))<{nb}),"{MISSING}",'
                     f'SUMPRODUCT({inrange},{col})/{nb})')
                self.cell(rb, c0 + j, f, fmt["dnumb"])
            for j, n in ((TOTAL_STAIR_COL, N_STAIR), (TOTAL_COL, N_ALL)):
                rng = f"{a1(rb, c0)}:{a1(rb, c0 + n - 1)}"
                f = f'IF(COUNT({rng})=0,"{MISSING}",SUM({rng}))'
                if lay.children:    # kr. pr. barn: the base years' mean of i alt itself
                    tc = lay.col_range(total_col(kind))
                    f = (f'IF(hEnhed=5,IF(OR({nb}<1,SUMPRODUCT({inrange}*ISNUMBER({tc}))<{nb}),'
                         f'"{MISSING}",SUMPRODUCT({inrange},{tc})/{nb}),{f})')
                self.cell(rb, c0 + j, "=" + f, fmt["dnumb"])
        for ra, rc in zip(d.a_rows(), d.c_rows()):
            y = a1(ra, 0, abs_col=True)
            self.cell(rc, 0, f"={y}", fmt["year"])
            for c0 in (K0, C0):
                for j in range(NCOL):
                    v, b = a1(ra, c0 + j), a1(rb, c0 + j, abs_row=True)
                    f = (f'=IF({y}="","",IF(AND(ISNUMBER({v}),ISNUMBER({b})),{v}-{b},'
                         f'"{MISSING}"))')
                    self.cell(rc, c0 + j, f)

    def section_u(self) -> None:
        """kr. pr. indbygger data: the plain mean of the comparison's members (not weighted)."""
        d, lay, fmt = self.dash, self.lay, self.fmt
        self.head(d.u_top + 1, kommune_title(), u_title())
        self.ws.write_string(d.u_top + 1, COUNT_COL, "Kommuner med data", fmt["dhead"])
        for ra, ru in zip(d.a_rows(), d.u_rows()):
            y = a1(ra, 0, abs_col=True)
            self.cell(ru, 0, f"={y}", fmt["year"])
            for j, t in enumerate(STEPS):
                self.cell(ru, K0 + j, f"={a1(ra, K0 + j)}")
                self.cell(ru, C0 + j, "=" + _lookup(lay, lay.u_col(t), y))
            for c0 in (K0, C0):
                self.cell(ru, c0 + TOTAL_STAIR_COL, _total(ru, c0, N_STAIR, y), fmt["dnumb"])
                self.cell(ru, c0 + TOTAL_COL, _total(ru, c0, N_ALL, y), fmt["dnumb"])
            self.cell(ru, COUNT_COL, "=" + _lookup(lay, COL_CNALLE, y), fmt["dint"])

    def section_d(self) -> None:
        d, lay, fmt, ws = self.dash, self.lay, self.fmt, self.ws
        top = d.d_top + 1
        ws.write_string(top, 0, "Trin", fmt["dhead"])
        for (first, last), head in zip(d.d_spans, ("=ValgKommune", "=hSamTekst")):
            ws.merge_range(top, first, top, last, "", fmt["dhead"])
            ws.write_formula(top, first, head, fmt["dhead"], self.vals(top, first))
        for r, t in zip(d.d_rows(), d.stair_steps):
            ws.write_string(r, 0, step_label(t), fmt[f"step{t}"])
            for (first, last), kind in zip(d.d_spans, ("K", "C")):
                col = lay.col_range({"K": lay.k_col, "C": lay.c_col}[kind](t))
                ws.merge_range(r, first, r, last, "", fmt["dstair"])
                self.cell(r, first, f"=IFERROR(INDEX({col},MATCH(ValgTrappeAar,hAar,0)),\"{MISSING}\")",
                          fmt["dstair"])
