"""Sheet Analyse: input cells (drop-downs) and the result tables A–D, all formulas over Beregning.

Positions are fixed by :class:`Dash` so charts and tests can find every block.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import reference
from . import layout
from .calc import COL_CN, TRIN_ORDER, CalcLayout
from .cells import a1, absref, area, sheet_ref
from .formulas import MISSING

INPUT_COL = 1           # input values sit in B (merged B:D); labels in A
INPUT_SPAN = 3
INPUT_ROWS = {"ValgKommune": 3, "ValgSammenligning": 4, "ValgFraAar": 5, "ValgTilAar": 6,
              "ValgBasisFra": 7, "ValgBasisTil": 8, "ValgMaal": 9, "ValgEnhed": 10,
              "ValgPriser": 11, "ValgPrisaar": 12, "ValgRefusion": 13, "ValgTrappeAar": 14}
INPUT_LABELS = {"ValgKommune": "Kommune", "ValgSammenligning": "Sammenlign med",
                "ValgFraAar": "Fra år", "ValgTilAar": "Til år", "ValgBasisFra": "Basisår fra",
                "ValgBasisTil": "Basisår til", "ValgMaal": "Mål", "ValgEnhed": "Enhed",
                "ValgPriser": "Priser", "ValgPrisaar": "Prisår (faste)",
                "ValgRefusion": "Refusion", "ValgTrappeAar": "År for trappen"}
GROUP_COL, GROUP_ROW = 5, 4   # F5:F14 (merged F:G)
NOTE_COL, NOTE_ROW = 8, 3     # I4 onwards; the texts run to the right over empty cells
LEGEND_ROW = 15
K0, C0 = 1, 11          # first value column of the kommune / comparison blocks (B, L)
NCOL = 9                # trin 1-6, 0, i alt på trin, i alt
COUNT_COL = C0 + NCOL   # "Kommuner med data" (U)
CHART_COL = COUNT_COL + 2
CHART_WIDTH = 400       # px; four charts stacked to the right of the tables
TOP = 17                # row of section A's block titles (section title one row above)
ROW_PX, HEAD_PX = 20, 40


@dataclass(frozen=True)
class Dash:
    n: int                    # year slots = number of data years
    weighted: bool = False    # kr. pr. indbygger data: the uvægtet block follows section C

    def a_rows(self) -> range:
        return range(TOP + 2, TOP + 2 + self.n)

    @property
    def b_top(self) -> int:
        return TOP + 2 + self.n + 1

    def b_rows(self) -> range:
        return range(self.b_top + 2, self.b_top + 2 + self.n)

    @property
    def c_top(self) -> int:
        return self.b_top + 2 + self.n + 1

    @property
    def c_base_row(self) -> int:
        return self.c_top + 2

    def c_rows(self) -> range:
        return range(self.c_top + 3, self.c_top + 3 + self.n)

    @property
    def print_last_row(self) -> int:
        """Last row of the printed page: inputs and sections A-C (charts beside them)."""
        return self.c_rows()[-1] if self.n else self.c_base_row

    @property
    def u_top(self) -> int:
        return self.print_last_row + 3

    def u_rows(self) -> range:
        return range(self.u_top + 2, self.u_top + 2 + self.n) if self.weighted else range(0)

    @property
    def d_top(self) -> int:
        return (self.u_rows()[-1] if self.weighted and self.n else self.print_last_row) + 3

    def d_rows(self) -> range:
        return range(self.d_top + 2, self.d_top + 8)

    @property
    def last_row(self) -> int:
        return self.d_top + 8

    def head_rows(self) -> tuple[int, ...]:
        """Rows of column headers (taller, wrapped text)."""
        rows = [TOP + 1, self.b_top + 1, self.c_top + 1, self.d_top + 1]
        return tuple(rows + ([self.u_top + 1] if self.weighted else []))

    def print_height_px(self) -> int:
        heads = set(self.head_rows())
        return sum(HEAD_PX if r in heads else ROW_PX for r in range(self.print_last_row + 1))


#: line breaks so the short step names fit the narrow dashboard columns (display only)
_BREAKS = {"Hjemmebaserede": "Hjemme-\nbaserede", "Slægt/netværk": "Slægt/\nnetværk"}


def headers() -> list[str]:
    """Column headers of the result tables: "1 Tidlig indsats" … "Ikke fordelt", totals."""
    short = reference.trin_korte_navne()
    return ([f"{t} {_BREAKS.get(short[t], short[t])}" if t else short[t] for t in TRIN_ORDER]
            + ["I alt på trin", "I alt"])


def write_inputs(ws, fmt, sel_cells: dict, lists: dict, wb) -> None:
    for name, row in INPUT_ROWS.items():
        ws.write_string(row, 0, INPUT_LABELS[name], fmt["label"])
        value = sel_cells[name]
        f = fmt["input_year"] if isinstance(value, int) else fmt["input"]
        ws.merge_range(row, INPUT_COL, row, INPUT_COL + INPUT_SPAN - 1, "", f)
        (ws.write_number if isinstance(value, int) else ws.write_string)(row, INPUT_COL, value, f)
        wb.define_name(name, "=" + sheet_ref(layout.ANALYSE, absref(row, INPUT_COL)))
        src = lists[name]
        ws.data_validation(row, INPUT_COL, row, INPUT_COL,
                           {"validate": "list", "source": src, "error_title": "Ugyldigt valg",
                            "error_message": "Vælg en værdi fra listen."})
    ws.write_string(GROUP_ROW - 1, GROUP_COL, f"Egen gruppe (op til {layout.MAX_GROUP})",
                    fmt["bold"])
    for i in range(layout.MAX_GROUP):
        name = sel_cells["ValgGruppe"][i]
        ws.merge_range(GROUP_ROW + i, GROUP_COL, GROUP_ROW + i, GROUP_COL + 1, "", fmt["input"])
        ws.write_string(GROUP_ROW + i, GROUP_COL, name, fmt["input"]) if name else \
            ws.write_blank(GROUP_ROW + i, GROUP_COL, None, fmt["input"])
    ws.data_validation(GROUP_ROW, GROUP_COL, GROUP_ROW + layout.MAX_GROUP - 1, GROUP_COL,
                       {"validate": "list", "source": lists["ValgKommune"],
                        "ignore_blank": True})
    wb.define_name("ValgGruppe", "=" + sheet_ref(layout.ANALYSE, area(
        GROUP_ROW, GROUP_COL, GROUP_ROW + layout.MAX_GROUP - 1, GROUP_COL)))


def group_cells() -> list[str]:
    return [sheet_ref(layout.ANALYSE, absref(GROUP_ROW + i, GROUP_COL))
            for i in range(layout.MAX_GROUP)]


def _slot_year(i: int) -> str:
    return f'=IF(ValgFraAar+{i}<=ValgTilAar,ValgFraAar+{i},"")'


def _lookup(lay: CalcLayout, col: int, year_cell: str) -> str:
    return (f'IF({year_cell}="","",INDEX({lay.col_range(col)},MATCH({year_cell},hAar,0)))')


def _total(row: int, c0: int, trin_count: int, year_cell: str) -> str:
    rng = f"{a1(row, c0)}:{a1(row, c0 + trin_count - 1)}"
    return f'=IF({year_cell}="","",IF(COUNT({rng})<{trin_count},"{MISSING}",SUM({rng})))'


class Writer:
    """Writes the result sections; ``vals`` gives the cached value of any cell it writes."""

    def __init__(self, ws, fmt, lay: CalcLayout, dash: Dash, vals):
        self.ws, self.fmt, self.lay, self.dash, self.vals = ws, fmt, lay, dash, vals

    def cell(self, row: int, col: int, formula: str, f=None) -> None:
        self.ws.write_formula(row, col, formula, f or self.fmt["dnum"], self.vals(row, col))

    def head(self, row: int, title_k: str, title_c: str, extra: str | None = None) -> None:
        ws, fmt = self.ws, self.fmt
        ws.write_string(row, 0, "År", fmt["dhead"])
        for j, h in enumerate(headers()):
            ws.write_string(row, K0 + j, h, fmt["dhead"])
            ws.write_string(row, C0 + j, h, fmt["dhead"])
        if extra:
            ws.write_string(row, COUNT_COL, extra, fmt["dhead"])
        ws.write_formula(row - 1, K0, title_k, fmt["bold"], self.vals(row - 1, K0))
        ws.write_formula(row - 1, C0, title_c, fmt["bold"], self.vals(row - 1, C0))

    def section_a(self, kinds: tuple[str, str]) -> None:
        d, lay = self.dash, self.lay
        self.head(TOP + 1, "=ValgKommune", "=hSamTekst", "Kommuner med data")
        for i, r in enumerate(d.a_rows()):
            self.cell(r, 0, _slot_year(i), self.fmt["year"])
            y = a1(r, 0, abs_col=True)
            for c0, kind in ((K0, kinds[0]), (C0, kinds[1])):
                for j, t in enumerate(TRIN_ORDER):
                    col = {"K": lay.k_col, "C": lay.c_col, "U": lay.u_col}[kind](t)
                    self.cell(r, c0 + j, "=" + _lookup(lay, col, y))
                self.cell(r, c0 + 7, _total(r, c0, 6, y), self.fmt["dnumb"])
                self.cell(r, c0 + 8, _total(r, c0, 7, y), self.fmt["dnumb"])
            self.cell(r, COUNT_COL, "=" + _lookup(lay, COL_CN, y), self.fmt["dint"])

    def section_b(self) -> None:
        d = self.dash
        self.head(d.b_top + 1, '="Kommune: "&ValgKommune', '="Sammenligning: "&hSamTekst')
        for ra, rb in zip(d.a_rows(), d.b_rows()):
            y = a1(ra, 0, abs_col=True)
            self.cell(rb, 0, f"={y}", self.fmt["year"])
            for c0 in (K0, C0):
                tot = a1(ra, c0 + 8)
                for j in range(NCOL):
                    v = a1(ra, c0 + j)
                    f = (f'=IF({y}="","",IF(AND(ISNUMBER({v}),ISNUMBER({tot})),'
                         f'IF({tot}<>0,{v}/{tot},"{MISSING}"),"{MISSING}"))')
                    self.cell(rb, c0 + j, f, self.fmt["dpct"])

    def section_c(self) -> None:
        d, lay, fmt = self.dash, self.lay, self.fmt
        self.head(d.c_top + 1, '="Kommune: "&ValgKommune', '="Sammenligning: "&hSamTekst')
        rb = d.c_base_row
        self.ws.write_formula(rb, 0, '="Basis "&ValgBasisFra&"-"&ValgBasisTil', fmt["bold"],
                              self.vals(rb, 0))
        nb = "(ValgBasisTil-ValgBasisFra+1)"
        inrange = "(hAar>=ValgBasisFra)*(hAar<=ValgBasisTil)"
        for c0, kind in ((K0, "K"), (C0, "C")):
            for j, t in enumerate(TRIN_ORDER):
                col = lay.col_range({"K": lay.k_col, "C": lay.c_col}[kind](t))
                f = (f'=IF(SUMPRODUCT({inrange}*ISNUMBER({col}))<{nb},"{MISSING}",'
                     f'SUMPRODUCT({inrange},{col})/{nb})')
                self.cell(rb, c0 + j, f, fmt["dnumb"])
            for j, n in ((7, 6), (8, 7)):
                rng = f"{a1(rb, c0)}:{a1(rb, c0 + n - 1)}"
                self.cell(rb, c0 + j, f'=IF(COUNT({rng})<{n},"{MISSING}",SUM({rng}))', fmt["dnumb"])
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
        self.head(d.u_top + 1, '="Kommune: "&ValgKommune', '="Uvægtet: "&hSamTekst')
        for ra, ru in zip(d.a_rows(), d.u_rows()):
            y = a1(ra, 0, abs_col=True)
            self.cell(ru, 0, f"={y}", fmt["year"])
            for j, t in enumerate(TRIN_ORDER):
                self.cell(ru, K0 + j, f"={a1(ra, K0 + j)}")
                self.cell(ru, C0 + j, "=" + _lookup(lay, lay.u_col(t), y))
            for c0 in (K0, C0):
                self.cell(ru, c0 + 7, _total(ru, c0, 6, y), fmt["dnumb"])
                self.cell(ru, c0 + 8, _total(ru, c0, 7, y), fmt["dnumb"])

    def section_d(self) -> None:
        d, lay, fmt, ws = self.dash, self.lay, self.fmt, self.ws
        top = d.d_top + 1
        ws.write_string(top, 0, "Trin", fmt["dhead"])
        ws.write_formula(top, K0, "=ValgKommune", fmt["dhead"], self.vals(top, K0))
        ws.write_formula(top, K0 + 1, "=hSamTekst", fmt["dhead"], self.vals(top, K0 + 1))
        names = reference.trin_navne()
        for i, r in enumerate(d.d_rows()):
            t = i + 1
            ws.write_string(r, 0, f"{t} {names[t]}", fmt[f"step{t}"])
            for j, kind in enumerate(("K", "C")):
                col = lay.col_range({"K": lay.k_col, "C": lay.c_col}[kind](t))
                self.cell(r, K0 + j, f"=IFERROR(INDEX({col},MATCH(ValgTrappeAar,hAar,0)),\"{MISSING}\")")
