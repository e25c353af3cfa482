"""Formula text for the hidden calculation block (sheet Beregning).

Only SUMIFS/COUNTIFS/SUMPRODUCT/INDEX/MATCH/IF/IFERROR: FILTER, UNIQUE, LET and XLOOKUP are #NAME?
in the LibreOffice that CI has. Names used here are defined by calc.py:

TD_<col>   TrinData columns (TD_vaerdi = the value column), TD_<year>_<col> the same column over
only that year's rows (TrinData is sorted by year, so a year is one block of rows: every formula
of a year reads 1/n of the table — calc.py passes td="TD_<year>"), DK_<col> Daekning columns,
LS_<col> the Landstal table (LS_vaerdi = its value column),
PI_aar/PI_indeks the price index, KOM_<col> the Kommuner table;
hKode hRegion hGruppe hMaal hDranst hRef hGyldigLo hGyldigPop hGyldigA..hGyldigF hEnhed hSam hPriser hPrisaar hRegKrit
hGrpKrit hGrpKoder hLand hEnhedOK: helper cells derived from the inputs.

Semantics follow trappe_xl.model (member_table/serie): a member-year counts when it has step rows
for the measure and none is missing (TrinData.gyldig / Daekning.har_data); its steps without rows
are 0, except a step with no TrinData row at all that year (no source: :func:`no_source`), "–";
per child = Σ amounts / Σ children over members with data and population. TrinData.gyldig
codes both conditions in one number (layout.GYLDIG_DOC), tested with ranges: hGyldigA/B = data
with/without refusion, hGyldigC-F = that and the unit's population base.
Missing data: a cell with no data returns the text "–" (never 0); the chart-data block turns
anything that is not a number into NA(), so charts leave a gap instead of plotting 0.
"""

from __future__ import annotations

MISSING = "–"


def _members(fn: str, head: str, rest: str, table: str) -> str:
    """fn over the comparison unit: own group = Σ over the (≤10) group codes; else region/group/land."""
    own = f"SUMPRODUCT({fn}({head}{table}_kommunekode,hGrpKoder,{rest}))"
    other = f"{fn}({head}{rest},{table}_regionskode,hRegKrit,{table}_kommunegruppe_kode,hGrpKrit)"
    return f"IF(hSam=1,{own},{other})"


def _by_unit(fn: str, head: str, rest: str, table: str, derived: bool = False) -> str:
    """Daekning rows per child / per inhabitant: only members that have population (> 0);
    ``derived`` (kr. pr. indbygger data): 1.000 kr. is derived with the inhabitants, so it too
    counts only members that have them."""
    p17 = _members(fn, head, rest + f',{table}_pop_0_17,">0"', table)
    p22 = _members(fn, head, rest + f',{table}_pop_0_22,">0"', table)
    pia = _members(fn, head, rest + f',{table}_pop_ialt,">0"', table)
    if derived:
        return f"IF(hEnhed=2,{p17},IF(hEnhed=3,{p22},{pia}))"
    plain = _members(fn, head, rest, table)
    return f"IF(hEnhed=2,{p17},IF(hEnhed=3,{p22},IF(hEnhed=4,{pia},{plain})))"


def _td_data(td: str) -> str:
    return f",{td}_gyldig,hGyldigA,{td}_gyldig,hGyldigB"


def _td_data_pop(td: str) -> str:
    return "".join(f",{td}_gyldig,hGyldig{c}" for c in "CDEF")


def _td_rest(year: str, trin: int, td: str) -> str:
    return f"{td}_aar,{year},{td}_trin,{trin},{td}_maal,hMaal,{td}_dranst,hDranst"


def no_source(trin: int, td: str = "TD", year: str | None = None) -> str:
    """True when the key placed nothing of the data on the step that year for the measure (no
    row at all): the step has no source and shows "–", never 0 (model.covered). ``td`` is a
    year block (TD_<år>) or, with ``year``, a whole table (LS = Landstal)."""
    in_year = f",{td}_aar,{year}" if year is not None else ""
    return f"COUNTIFS({td}_trin,{trin},{td}_maal,hMaal{in_year})=0"


def kommune_value(year: str, trin: int, pf: str, den: str, td: str = "TD", col: str = "vaerdi") -> str:
    """den is NA() when the kommune has no data that year (so the cell shows "–"); ``col`` the
    TrinData column summed (afledt_1000kr: the derived amounts)."""
    tot = f"SUMIFS({td}_{col},{td}_kommunekode,hKode,{_td_rest(year, trin, td)})"
    return f'=IF({no_source(trin, td)},"{MISSING}",IFERROR({tot}*{pf}/{den},"{MISSING}"))'


def group_value_sum(year: str, trin: int, pf: str, den: str, n: str, td: str = "TD",
                    col: str = "vaerdi") -> str:
    """Amount units (1.000 kr. and per child): Σ amounts × price factor / divisor (``col``:
    afledt_1000kr on kr. pr. indbygger data, where a member without inhabitants has no amount)."""
    rest = _td_rest(year, trin, td)
    per_child = _members("SUMIFS", f"{td}_{col},", rest + _td_data_pop(td), td)
    plain = _members("SUMIFS", f"{td}_{col},", rest + _td_data(td), td)
    tot = f"IF(OR(hEnhed=2,hEnhed=3),{per_child},{plain})"
    return f'=IF(OR({n}=0,{no_source(trin, td)}),"{MISSING}",IFERROR({tot}*{pf}/{den},"{MISSING}"))'


def _member_mask(table: str) -> str:
    return (f"((hSam=1)*ISNUMBER(MATCH({table}_kommunekode,hGrpKoder,0))"
            f"+(hSam=2)*({table}_regionskode=hRegion)+(hSam=3)*({table}_kommunegruppe_kode=hGruppe)"
            f"+(hSam=4))")


def _td_mask(year: str, trin: int, td: str) -> str:
    valid = f'({td}_gyldig>=hGyldigLo)*({td}_gyldig<=hGyldigLo+7)'
    dranst = f'(((hRef="med")+({td}_dranst<>"2"))>0)'
    return (f"({td}_aar={year})*({td}_trin={trin})*({td}_maal=hMaal)*{dranst}*{valid}"
            f"*{_member_mask(td)}")


def group_value_weighted(year: str, trin: int, pf: str, den: str, n: str, td: str = "TD") -> str:
    """kr. pr. indbygger data: population-weighted figure Σ(v·pop) / Σ pop over members with both."""
    num = f"SUMPRODUCT({td}_vaerdi,{td}_pop_ialt,{_td_mask(year, trin, td)})"
    return f'=IF(OR({n}=0,{no_source(trin, td)}),"{MISSING}",IFERROR({num}*{pf}/{den},"{MISSING}"))'


def group_value_mean(year: str, trin: int, pf: str, n_all: str, td: str = "TD") -> str:
    """Unweighted mean over the members with data (no population needed; labelled so)."""
    num = f"SUMPRODUCT({td}_vaerdi,{_td_mask(year, trin, td)})"
    return f'=IF(OR({n_all}=0,{no_source(trin, td)}),"{MISSING}",IFERROR({num}*{pf}/{n_all},"{MISSING}"))'


def _ls_rest(year: str) -> str:
    return f"LS_aar,{year},LS_maal,hMaal,LS_gyldig,hGyldigA,LS_gyldig,hGyldigB"


def land_has(year: str) -> str:
    """1 when DST's national figure has data that year for the measure (Landstal.gyldig), else 0."""
    return f"=IF(COUNTIFS({_ls_rest(year)})>0,1,0)"


def land_value(year: str, trin: int, pf: str, has: str) -> str:
    """DST's own "Hele landet" figure on a step (kr. pr. indbygger); "–" without data."""
    tot = f"SUMIFS(LS_vaerdi,{_ls_rest(year)},LS_trin,{trin},LS_dranst,hDranst)"
    return f'IF(OR({has}=0,{no_source(trin, "LS", year)}),"{MISSING}",IFERROR({tot}*{pf},"{MISSING}"))'


def comparison_value(land: str, other: str) -> str:
    """The comparison cell: DST's national figure when hLand, else the members' figure."""
    return f"=IF(hLand,{land},{other[1:]})"



def _dk_rest(year: str) -> str:
    return f"DK_aar,{year},DK_maal,hMaal,DK_refusion,hRef,DK_har_data,1"


def by_unit(per_inhabitant: str, amounts: str) -> str:
    """kr. pr. indbygger data with derived units: the figure of hEnhed=4 or of the amounts."""
    return f"=IF(hEnhed=4,{per_inhabitant[1:]},{amounts[1:]})"


def price_factor(year: str) -> str:
    """1 for løbende priser, index(prisår)/index(år) for faste; NA() (so every figure is "–") when
    the index lacks a year or the unit does not exist in the data (hEnhedOK)."""
    return (f"=IF(NOT(hEnhedOK),NA(),IF(hPriser=1,1,IFERROR(INDEX(PI_indeks,MATCH(hPrisaar,PI_aar,0))"
            f"/INDEX(PI_indeks,MATCH({year},PI_aar,0)),NA())))")


def kommune_has(year: str) -> str:
    return f"=SUMIFS(DK_har_data,DK_kommunekode,hKode,{_dk_rest(year)})"


def kommune_den(year: str, has: str, derived: bool = False) -> str:
    """Divisor of the kommune's figures: 1, or its children / 1000; NA() without data
    (``derived``: 1.000 kr. derived from kr. pr. indbygger needs the inhabitants too)."""
    rest = _dk_kommune(year)
    p17 = f"SUMIFS(DK_pop_0_17,{rest})"
    p22 = f"SUMIFS(DK_pop_0_22,{rest})"
    one = f"IF(AND(OR(hEnhed=1,hEnhed=5),SUMIFS(DK_pop_ialt,{rest})<=0),NA(),1)" if derived else "1"
    return (f"=IF({has}=0,NA(),IF(hEnhed=2,IF({p17}>0,{p17}/1000,NA()),"
            f"IF(hEnhed=3,IF({p22}>0,{p22}/1000,NA()),{one})))")


def group_den(year: str) -> str:
    """Divisor of the comparison's figures: 1, Σ children/1000, or Σ inhabitants (weights)."""
    rest = _dk_rest(year)
    p17 = _members("SUMIFS", "DK_pop_0_17,", rest, "DK")
    p22 = _members("SUMIFS", "DK_pop_0_22,", rest, "DK")
    pia = _members("SUMIFS", "DK_pop_ialt,", rest, "DK")
    return f"=IF(hEnhed=2,{p17}/1000,IF(hEnhed=3,{p22}/1000,IF(hEnhed=4,{pia},1)))"


def group_n_valid(year: str, derived: bool = False) -> str:
    """Members counted in the comparison figure that year (with data, and population if needed)."""
    return "=" + _by_unit("SUMIFS", "DK_har_data,", _dk_rest(year), "DK", derived)


def group_n_data(year: str) -> str:
    """Members of the comparison unit with data that year (population not needed)."""
    return "=" + _members("SUMIFS", "DK_har_data,", _dk_rest(year), "DK")


# -- kr. pr. barn i indsatsen (hEnhed=5): each step has its own divisor, the children on it ------

def _dk_kommune(year: str) -> str:
    return f"DK_kommunekode,hKode,DK_aar,{year},DK_maal,hMaal,DK_refusion,hRef"


def kommune_children(year: str, trin: int) -> str:
    """The kommune's children on the step that year (Daekning.boern_<trin>; 0 = no count)."""
    return f"=SUMIFS(DK_boern_{trin},{_dk_kommune(year)})"


def group_children(year: str, trin: int, derived: bool = False) -> str:
    """Σ children on the step over the comparison's members with data and a count (``derived``:
    and inhabitants, which the derived amounts need)."""
    rest = _dk_rest(year) + f',DK_boern_{trin},">0"' + (',DK_pop_ialt,">0"' if derived else "")
    return "=" + _members("SUMIFS", f"DK_boern_{trin},", rest, "DK")


def amount_den(year: str, khar: str, derived: bool = False) -> str:
    """Divisor of the kommune's amount on a count step: 1 with data (and, on derived amounts,
    inhabitants), else NA() so the amount shows "–" (never 0)."""
    if not derived:
        return f"IF({khar}>0,1,NA())"
    return f"IF(AND({khar}>0,SUMIFS(DK_pop_ialt,{_dk_kommune(year)})>0),1,NA())"


def group_amount(year: str, trin: int, pf: str, n: str, td: str = "TD", col: str = "vaerdi") -> str:
    """Σ amounts × price factor over the comparison's members with data and a count on the step
    (TrinData.boern > 0 picks the same members as :func:`group_children`)."""
    rest = _td_rest(year, trin, td) + _td_data(td) + f',{td}_boern,">0"'
    num = _members("SUMIFS", f"{td}_{col},", rest, td)
    return f'=IF(OR({n}=0,{no_source(trin, td)}),"{MISSING}",IFERROR({num}*{pf},"{MISSING}"))'


def per_child(amount: str, kids: str) -> str:
    """kr. pr. barn i indsatsen: the amount (1.000 kr.) ÷ the children × 1.000; "–" without either."""
    return f'=IF(AND(ISNUMBER({amount}),N({kids})>0),{amount}/({kids}/1000),"{MISSING}")'


def per_child_total(values: list[str], kids: list[str]) -> str:
    """I alt in kr. pr. barn: Σ amounts ÷ Σ children over the steps with both = the steps'
    figures weighted by their children (a step that shows "–" adds nothing)."""
    num = "+".join(f"IF(ISNUMBER({v}),{v}*{k},0)" for v, k in zip(values, kids))
    den = "+".join(f"IF(ISNUMBER({v}),{k},0)" for v, k in zip(values, kids))
    return f'=IFERROR(({num})/({den}),"{MISSING}")'
