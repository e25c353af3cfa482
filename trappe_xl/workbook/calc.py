"""Sheet Beregning (hidden): helper cells derived from the inputs, the per-year calculation block
over TrinData/Daekning, and the Daekning table. The dashboard reads this block with INDEX/MATCH.

Every formula is written with its cached value (``Cache``), computed by the model for the selection
the workbook is built with, so the file shows right numbers before any recalculation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import reference
from . import formulas as F
from . import layout
from .cells import absref, area, col_letter, sheet_ref

#: every step code in display order: 1, 2, 3, 2–3 samlet, 4, 5, 4–5 samlet, 6, ikke fordelt
TRIN_ORDER = reference.ALLE_TRIN
CALC_ROW = 30          # header row of the per-year block (below the helper cells)
COL_AAR, COL_PF, COL_KHAR, COL_KDEN, COL_CN, COL_CDEN, COL_CNALLE = 0, 1, 2, 3, 4, 5, 6
COL_K = 7
COL_C = COL_K + len(TRIN_ORDER)
COL_U = COL_C + len(TRIN_ORDER)
COL_LHAR = COL_U + len(TRIN_ORDER)   # land_har_data (only with a Landstal table)
# kr. pr. barn i indsatsen (only with children in the data): the kommune's and the comparison's
# children per count step, and i alt in that unit for each
COUNT_STEPS = layout.COUNT_STEPS
COL_KB = COL_LHAR + 1
COL_CB = COL_KB + len(COUNT_STEPS)
COL_KA = COL_CB + len(COUNT_STEPS)      # the amounts on the count steps (1.000 kr., prices)
COL_CA = COL_KA + len(COUNT_STEPS)
COL_KI = COL_CA + len(COUNT_STEPS)
COL_CI = COL_KI + 1
DAEKNING_COL = COL_CI + 2
DERIVED = "afledt_1000kr"      # TrinData's derived 1.000 kr. column (layout.TABLES)


@dataclass
class Cache:
    """Cached values for the Beregning formulas (None = the formula shows "–")."""

    helpers: dict[str, object]
    grp_koder: list[str]
    pf: dict[int, object]
    khar: dict[int, object]
    kden: dict[int, object]
    cn: dict[int, object]
    cden: dict[int, object]
    cnalle: dict[int, object]
    k: dict[tuple[int, int], object]
    c: dict[tuple[int, int], object]
    u: dict[tuple[int, int], object] = field(default_factory=dict)
    lhar: dict[int, int] = field(default_factory=dict)
    #: children per (aar, trin): the kommune's and the comparison's (members with both), and
    #: the amounts they divide (any unit chosen)
    kb: dict[tuple[int, int], float] = field(default_factory=dict)
    cb: dict[tuple[int, int], float] = field(default_factory=dict)
    ka: dict[tuple[int, int], object] = field(default_factory=dict)
    ca: dict[tuple[int, int], object] = field(default_factory=dict)
    #: i alt in kr. pr. barn per year ("–" in the other units)
    ki: dict[int, object] = field(default_factory=dict)
    ci: dict[int, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CalcLayout:
    years: tuple[int, ...]
    weighted: bool                     # kr. pr. indbygger data: weighted + unweighted blocks
    land: bool = False                 # a Landstal table: "Hele landet" = DST's national figure
    #: kr. pr. indbygger data without population: the comparison is the plain mean of the
    #: members' own figures (model.serie), so no separate unweighted block
    mean: bool = False
    #: kr. pr. indbygger data with population: 1.000 kr. and per child derived
    #: (TrinData.afledt_1000kr), every unit offered
    derived: bool = False
    #: children on the steps in the data: kr. pr. barn i indsatsen offered (hEnhed=5)
    children: bool = False

    def row(self, year: int) -> int:
        return CALC_ROW + 1 + self.years.index(year)

    @property
    def last_row(self) -> int:
        return CALC_ROW + len(self.years)

    def col_range(self, col: int) -> str:
        return sheet_ref(layout.BEREGNING, area(CALC_ROW + 1, col, self.last_row, col))

    def k_col(self, trin: int) -> int:
        return COL_K + TRIN_ORDER.index(trin)

    def c_col(self, trin: int) -> int:
        return COL_C + TRIN_ORDER.index(trin)

    def u_col(self, trin: int) -> int:
        return COL_U + TRIN_ORDER.index(trin)

    def kb_col(self, trin: int) -> int:
        return COL_KB + COUNT_STEPS.index(trin)

    def cb_col(self, trin: int) -> int:
        return COL_CB + COUNT_STEPS.index(trin)

    def ka_col(self, trin: int) -> int:
        return COL_KA + COUNT_STEPS.index(trin)

    def ca_col(self, trin: int) -> int:
        return COL_CA + COUNT_STEPS.index(trin)


def _if_chain(cell: str, mapping: dict, default) -> str:
    """IF(cell="label1",v1,IF(cell="label2",v2,default)) from {label: value}."""
    out = _lit(default)
    for label, value in reversed(list(mapping.items())):
        out = f'IF({cell}="{label}",{_lit(value)},{out})'
    return out


def _lit(v) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def helper_formulas(weighted: bool = False, land: bool = False, mean: bool = False,
                    derived: bool = False, children: bool = False) -> dict[str, str]:
    """Helper cells; ``weighted`` = kr. pr. indbygger data, ``land`` = a Landstal table exists,
    ``mean`` = the comparison is the plain mean (CalcLayout.mean): its name says so."""
    suffix = f'&IF(hLand,"","{layout.MEAN_SUFFIX}")' if mean else ""
    kom = "MATCH(ValgKommune,KOM_kommune,0)"
    maal = {label: code for code, label in layout.MAAL_VALG.items()}
    enhed = {layout.ENHED_VALG["pr_0_17"]: 2, layout.ENHED_VALG["pr_0_22"]: 3,
             layout.ENHED_VALG["kr_pr_indbygger"]: 4,
             layout.ENHED_AFLEDT["pr_0_17"]: 2, layout.ENHED_AFLEDT["pr_0_22"]: 3,
             layout.ENHED_VALG["pr_barn"]: 5, layout.ENHED_AFLEDT["pr_barn"]: 5}
    sam = {layout.SAMMENLIGNING_VALG[k]: i for i, k in enumerate(
        ("gruppe", "region", "kommunegruppe"), start=1)}
    return {
        "hKode": f"=INDEX(KOM_kommunekode,{kom})",
        "hRegion": f"=INDEX(KOM_regionskode,{kom})",
        "hGruppe": f"=INDEX(KOM_kommunegruppe_kode,{kom})",
        "hMaal": "=" + _if_chain("ValgMaal", maal, "netto"),
        "hRef": f'=IF(ValgRefusion="{layout.REFUSION_VALG[False]}","uden","med")',
        "hDranst": '=IF(hRef="med","<>ingen","<>2")',
        # TrinData.gyldig ranges (layout.GYLDIG_DOC): A/B data, C-F data and population base
        "hGyldigLo": '=IF(hRef="med",4,8)',
        "hGyldigA": '=">="&hGyldigLo',
        "hGyldigB": '="<="&(hGyldigLo+7)',
        "hGyldigPop": '=hGyldigLo+IF(hEnhed=3,2,1)',
        "hGyldigC": '=">="&hGyldigPop',
        "hGyldigD": '="<="&(hGyldigPop+5)',
        "hGyldigE": '="<>"&(hGyldigPop+2)',
        "hGyldigF": '="<>"&(hGyldigPop+3)',
        "hEnhed": "=" + _if_chain("ValgEnhed", enhed, 1),
        "hSam": "=" + _if_chain("ValgSammenligning", sam, 4),
        "hPriser": f'=IF(ValgPriser="{layout.PRISER_VALG["faste"]}",2,1)',
        "hPrisaar": "=ValgPrisaar",
        "hRegKrit": '=IF(hSam=2,hRegion,"<>ingen")',
        "hGrpKrit": '=IF(hSam=3,hGruppe,"<>ingen")',
        "hEnhedOK": ("=TRUE()" if derived and children else
                     "=hEnhed<5" if derived else "=hEnhed=4" if weighted else
                     "=OR(hEnhed<4,hEnhed=5)" if children else "=hEnhed<4"),
        "hLand": "=AND(hSam=4,hEnhed=4)" if land else "=FALSE()",
        "hPrisTekst": '=IF(hPriser=2,"faste priser ("&hPrisaar&"-niveau)","løbende priser")',
        "hSamTekst": (f'=IF(hSam=1,"{layout.SAMMENLIGNING_VALG["gruppe"]}",IF(hSam=2,'
                      f'INDEX(KOM_region,{kom}),IF(hSam=3,INDEX(KOM_kommunegruppe,{kom}),'
                      f'IF(hLand,"{layout.LAND_LABEL}","{layout.SAMMENLIGNING_VALG["land"]}"))))'
                      + suffix),
        "hAntal": ('=IF(hSam=1,SUMPRODUCT((hGrpKoder<>"ingen")*1),IF(hSam=2,'
                   'SUMPRODUCT((KOM_regionskode=hRegion)*1),IF(hSam=3,'
                   'SUMPRODUCT((KOM_kommunegruppe_kode=hGruppe)*1),ROWS(KOM_kommunekode))))'),
    }


def group_code_formula(slot: int, first_cell_row: int, col: int, group_cells: list[str]) -> str:
    g = group_cells[slot]
    prev = group_cells[:slot]
    dup = "+".join(f'({p}={g})' for p in prev) if prev else "0"
    return (f'=IF({g}="","ingen",IF({dup}>0,"ingen",'
            f'IFERROR(INDEX(KOM_kommunekode,MATCH({g},KOM_kommune,0)),"ingen")))')


def write_helpers(ws, wb, fmt: dict, cache: Cache, group_cells: list[str],
                  lay: "CalcLayout") -> None:
    ws.write_string(0, 0, "Hjælpeceller (beregnes af valgene på Analyse – ret ikke her)", fmt["h2"])
    helpers = helper_formulas(lay.weighted, lay.land, lay.mean, lay.derived, lay.children)
    if len(helpers) >= CALC_ROW:
        raise AssertionError("the helper cells would overlap the per-year block: raise CALC_ROW")
    for i, (name, formula) in enumerate(helpers.items(), start=1):
        ws.write_string(i, 0, name)
        ws.write_formula(i, 1, formula, None, cache.helpers[name])
        wb.define_name(name, "=" + sheet_ref(layout.BEREGNING, absref(i, 1)))
    ws.write_string(0, 3, "hGrpKoder")
    for slot in range(layout.MAX_GROUP):
        ws.write_formula(1 + slot, 3, group_code_formula(slot, 1, 3, group_cells), None,
                         cache.grp_koder[slot])
    wb.define_name("hGrpKoder", "=" + sheet_ref(layout.BEREGNING, area(1, 3, layout.MAX_GROUP, 3)))


def _cached(v):
    return F.MISSING if v is None else v


def write_block(ws, wb, fmt: dict, lay: CalcLayout, cache: Cache) -> None:
    """One row per data year: price factor, divisors, members with data, K/C(/U) per step."""
    heads = ["aar", "prisfaktor", "kommune_har_data", "kommune_divisor", "n_med_data",
             "sammenligning_divisor", "n_med_data_uden_bef"]
    heads += [f"K_trin{t}" for t in TRIN_ORDER] + [f"S_trin{t}" for t in TRIN_ORDER]
    if lay.weighted and not lay.mean:
        heads += [f"U_trin{t}" for t in TRIN_ORDER]
    for j, h in enumerate(heads):
        ws.write_string(CALC_ROW, j, h, fmt["bold"])
    if lay.land:
        ws.write_string(CALC_ROW, COL_LHAR, "land_har_data", fmt["bold"])
    if lay.children:
        for t in COUNT_STEPS:
            ws.write_string(CALC_ROW, lay.kb_col(t), f"K_boern{t}", fmt["bold"])
            ws.write_string(CALC_ROW, lay.cb_col(t), f"S_boern{t}", fmt["bold"])
            ws.write_string(CALC_ROW, lay.ka_col(t), f"K_beloeb{t}", fmt["bold"])
            ws.write_string(CALC_ROW, lay.ca_col(t), f"S_beloeb{t}", fmt["bold"])
        ws.write_string(CALC_ROW, COL_KI, "K_i_alt_pr_barn", fmt["bold"])
        ws.write_string(CALC_ROW, COL_CI, "S_i_alt_pr_barn", fmt["bold"])
    for y in lay.years:
        r = lay.row(y)
        yref = absref(r, COL_AAR)
        td = f"TD_{y}"      # TrinData's columns over this year's rows only (writer.py)
        pf, kden, cden = absref(r, COL_PF), absref(r, COL_KDEN), absref(r, COL_CDEN)
        cn, cnalle = absref(r, COL_CN), absref(r, COL_CNALLE)
        ws.write_number(r, COL_AAR, y)
        ws.write_formula(r, COL_PF, F.price_factor(yref), None, _na(cache.pf[y]))
        ws.write_formula(r, COL_KHAR, F.kommune_has(yref), None, cache.khar[y])
        ws.write_formula(r, COL_KDEN, F.kommune_den(yref, absref(r, COL_KHAR), lay.derived), None,
                         _na(cache.kden[y]))
        lhar = absref(r, COL_LHAR)
        # the plain mean counts every member with data (no population needed)
        n_formula = F.group_n_valid(yref, lay.derived)
        if lay.mean:
            n_formula = f"=IF(hEnhed=4,{F.group_n_data(yref)[1:]},{n_formula[1:]})"
        if lay.land:
            ws.write_formula(r, COL_LHAR, F.land_has(yref), None, cache.lhar[y])
            n_formula = f"=IF(hLand,{F.group_n_data(yref)[1:]},{n_formula[1:]})"
        ws.write_formula(r, COL_CN, n_formula, None, cache.cn[y])
        ws.write_formula(r, COL_CDEN, F.group_den(yref), None, cache.cden[y])
        ws.write_formula(r, COL_CNALLE, F.group_n_data(yref), None, cache.cnalle[y])
        col = DERIVED if lay.derived else "vaerdi"
        if lay.children:        # children and the amounts they divide, per count step
            aden = F.amount_den(yref, absref(r, COL_KHAR), lay.derived)
            for t in COUNT_STEPS:
                ws.write_formula(r, lay.kb_col(t), F.kommune_children(yref, t), None, cache.kb[(y, t)])
                ws.write_formula(r, lay.cb_col(t), F.group_children(yref, t, lay.derived), None,
                                 cache.cb[(y, t)])
                ws.write_formula(r, lay.ka_col(t), F.kommune_value(yref, t, pf, aden, td, col), None,
                                 _cached(cache.ka[(y, t)]))
                ws.write_formula(r, lay.ca_col(t), F.group_amount(yref, t, pf, cnalle, td, col), None,
                                 _cached(cache.ca[(y, t)]))
        for t in TRIN_ORDER:
            kf = F.kommune_value(yref, t, pf, kden, td)
            if lay.derived:
                kf = F.by_unit(kf, F.kommune_value(yref, t, pf, kden, td, DERIVED))
            if lay.children:
                pc = (F.per_child(absref(r, lay.ka_col(t)), absref(r, lay.kb_col(t)))
                      if t in COUNT_STEPS else f'="{F.MISSING}"')
                kf = f"=IF(hEnhed=5,{pc[1:]},{kf[1:]})"
            ws.write_formula(r, lay.k_col(t), kf, None, _cached(cache.k[(y, t)]))
            if lay.mean:
                gf = F.group_value_mean(yref, t, pf, cnalle, td)
            elif lay.weighted:
                gf = F.group_value_weighted(yref, t, pf, cden, cn, td)
                uf = F.group_value_mean(yref, t, pf, cnalle, td)
                if lay.derived:     # the plain mean is of the kommuners kr. pr. indbygger only
                    uf = f'=IF(hEnhed<>4,"{F.MISSING}",{uf[1:]})'
                ws.write_formula(r, lay.u_col(t), uf, None, _cached(cache.u[(y, t)]))
            else:
                gf = F.group_value_sum(yref, t, pf, cden, cn, td)
            if lay.derived:
                gf = F.by_unit(gf, F.group_value_sum(yref, t, pf, cden, cn, td, DERIVED))
            if lay.land:
                gf = F.comparison_value(F.land_value(yref, t, pf, lhar), gf)
            if lay.children:
                pc = (F.per_child(absref(r, lay.ca_col(t)), absref(r, lay.cb_col(t)))
                      if t in COUNT_STEPS else f'="{F.MISSING}"')
                gf = f"=IF(hEnhed=5,{pc[1:]},{gf[1:]})"
            ws.write_formula(r, lay.c_col(t), gf, None, _cached(cache.c[(y, t)]))
        if lay.children:
            for kind, cell_col, kids_col, out_col, vals in (
                    ("K", lay.k_col, lay.kb_col, COL_KI, cache.ki), ("C", lay.c_col, lay.cb_col, COL_CI, cache.ci)):
                total = F.per_child_total([absref(r, cell_col(t)) for t in COUNT_STEPS],
                                          [absref(r, kids_col(t)) for t in COUNT_STEPS])
                ws.write_formula(r, out_col, f'=IF(hEnhed<>5,"{F.MISSING}",{total[1:]})', None,
                                 _cached(vals.get(y)))
    wb.define_name("hAar", "=" + lay.col_range(COL_AAR))
    ws.set_column(0, 0, 14)


def _na(v):
    return "#N/A" if v is None else v


def define_table_names(wb, names: dict[str, str]) -> None:
    for name, ref in names.items():
        wb.define_name(name, ref)


def col_of(lay: CalcLayout, kind: str, trin: int) -> int:
    return {"K": lay.k_col, "C": lay.c_col, "U": lay.u_col}[kind](trin)


def total_col(kind: str) -> int:
    """The Beregning column of i alt in kr. pr. barn for the kommune (K) or the comparison (C)."""
    return {"K": COL_KI, "C": COL_CI}[kind]


__all__ = ["Cache", "CalcLayout", "TRIN_ORDER", "write_helpers", "write_block", "col_letter"]
