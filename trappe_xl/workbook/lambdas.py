"""The TRAPPE functions as Excel LAMBDA names: the same answers as the xlwings UDFs, no Python.

``lambda_names(value_column, years, trin_codes)`` gives {name: formula} for the workbook writer's
``define_name``: TRAPPE_STEP, TRAPPE_SAMMENLIGN, TRAPPE_ANDEL, TRAPPE_MERUDGIFT and TRAPPE_SERIE,
with the xlwings functions' argument names, order and defaults, over the workbook's own defined
names (TD_* = TrinData, DK_* = Daekning, PI_* = Prisindeks, KOM_* = Kommuner; writer.py).

File format (what Excel itself writes; XlsxWriter adds no prefixes inside a defined name):
``_xlfn.LAMBDA``/``_xlfn.LET``/``_xlfn.ISOMITTED`` for the functions newer than the file format,
``_xlpm.x`` for a parameter or LET variable, ``_xlop.x`` where an optional parameter ``[x]`` is
declared. Every other function in the bodies is an Excel 2007 function (SUMPRODUCT, MMULT,
TRANSPOSE, MATCH, INDEX, IF, IFERROR, ...), so a body with its arguments substituted is an
ordinary formula LibreOffice evaluates — that is how tests/test_udf_lambdas.py checks it:
:func:`expand` substitutes the arguments and the LET variables into the body.

Semantics are trappe_xl.model's (as the dashboard's formulas, workbook/formulas.py): a member-year
counts when it has data for the measure (TrinData.gyldig / Daekning.har_data), per child =
Σ amounts / Σ children over members with data and population, faste priser = indeks[prisår] /
indeks[år]; a missing figure is the text "#TRAPPE: ingen data …" (an empty cell in TRAPPE_SERIE).
A step with no TrinData row at all in the year for the measure has no source (model.covered): it
answers the xlwings route's "#TRAPPE: trin 1 har ingen kilde i data for …" (an empty cell in
TRAPPE_SERIE), never 0. The xlwings route's "kendes kun samlet som trin 2–3" is not repeated here.
The arguments accept the forms docs/udf.md lists for this route (kommune name or code; a range
of kommuner, a region, a DST kommunegruppe or "Hele landet"; trin number, name, "i alt",
"i alt på trin"; the units, measures, price and refusion words of the xlwings route).
"""

from __future__ import annotations

import logging

import re

from ..errors import TrappeError
from ..reference import ALLE_TRIN, IKKE_FORDELT, TRIN, trin_korte_navne, trin_navne

PREFIX = "#TRAPPE: "
#: the public names, in the order they are defined
log = logging.getLogger(__name__)
NAMES = ("TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL", "TRAPPE_MERUDGIFT", "TRAPPE_SERIE")
#: parameters of each name, as the xlwings functions have them; the optional ones (in [ ])
PARAMS = {
    "TRAPPE_STEP": (("kommune", "aar", "trin"), ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_SAMMENLIGN": (("gruppe", "aar", "trin"), ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_ANDEL": (("kommune_eller_gruppe", "aar", "trin"),
                     ("maal", "enhed", "priser", "refusion", "af")),
    "TRAPPE_MERUDGIFT": (("kommune_eller_gruppe", "basisaar", "aar", "trin"),
                         ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_SERIE": (("kommune_eller_gruppe", "fra_aar", "til_aar"),
                     ("trin", "maal", "enhed", "priser", "refusion")),
}
I_ALT, I_ALT_PAA_TRIN = 8, 7           # model.TRIN_I_ALT, model.TRIN_I_ALT_PAA_TRIN
MAAL = {"netto": "netto", "i alt (netto)": "netto", "udgifter (brutto)": "udgifter",
        "udgifter": "udgifter", "udgift": "udgifter", "brutto": "udgifter",
        "indtægter": "indtaegter", "indtaegter": "indtaegter", "indtægt": "indtaegter",
        "indtaegt": "indtaegter"}
ENHED_KEYS = {"1000kr": 1, "1000": 1, "tkr": 1, "ialt": 1, "pr017": 2, "017": 2, "krpr017": 2,
              "pr022": 3, "022": 3, "krpr022": 3, "krprindbygger": 4, "prindbygger": 4}
ENHED_OF_VALUE = {"beloeb_1000kr": (1, 2, 3), "kr_pr_indbygger": (4,)}
LOEBENDE = ("løbende", "lobende", "loebende", "løbende priser", "lobende priser", "loebende priser",
            "lb", "løb")
JA = ("ja", "med", "med refusion", "inkl", "inkl.", "sand", "true", "1")
NEJ = ("nej", "uden", "uden refusion", "ekskl", "ekskl.", "falsk", "false", "0")
TOTALS = {"i alt": I_ALT, "ialt": I_ALT, "total": I_ALT, "i alt (trin 1-6 og ikke fordelt)": I_ALT,
          "i alt på trin": I_ALT_PAA_TRIN, "i alt paa trin": I_ALT_PAA_TRIN,
          "trin 1-6": I_ALT_PAA_TRIN, "i alt på trin (trin 1-6)": I_ALT_PAA_TRIN}


UNKNOWN = '"?"'
#: defined name holding the workbook's years as a row constant {2016,2017,…} (keeps the bodies
#: short: Excel allows 8,192 characters in a name's formula)
YEARS_NAME = "TRAPPE_AARENE"


# -- formula text helpers ------------------------------------------------------------------------
def _s(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _arr(values, column: bool = False) -> str:
    """An array constant: {1,2,3} (a row) or {1;2;3} (a column)."""
    sep = ";" if column else ","
    return "{" + sep.join(_s(v) if isinstance(v, str) else str(v) for v in values) + "}"


def _lookup(key: str, table: dict, default: str) -> str:
    """INDEX({values},MATCH(TRUE,{keys}=key,0)) — #N/A (so ``default``) for an unknown key. The
    keys are compared with "=", never MATCHed as lookup values: MATCH with match type 0 reads
    * ? ~ in a user's text as wildcards (Excel and LibreOffice alike), "=" does not."""
    return (f"IFERROR(INDEX({_arr(list(table.values()))},MATCH(TRUE,{_arr(list(table))}={key},0)),"
            f"{default})")


def _literal(text: str) -> str:
    """A user's text as MATCH's lookup value that matches only itself (* ? ~ escaped with ~),
    where the lookup array is a range and "=" cannot stand in (a range of the user's cells)."""
    return f"SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({text},\"~\",\"~~\"),\"*\",\"~*\"),\"?\",\"~?\")"


def _p(name: str) -> str:
    return f"_xlpm.{name}"


def _let(bindings: list[tuple[str, str]], body: str) -> str:
    parts = [f"{_p(n)},{expr}" for n, expr in bindings]
    return f"_xlfn.LET({','.join(parts)},{body})"


def _msg(text: str) -> str:
    return _s(PREFIX + text)


def trin_labels(codes) -> dict[int, str]:
    """The column labels of TRAPPE_SERIE (as trappe_xl.udf.answers.trin_label)."""
    short = trin_korte_navne()
    out = {}
    for t in codes:
        name = short.get(t, f"Trin {str(t)[0]}–{str(t)[-1]}" if t > 9 else str(t))
        out[t] = name if (t == IKKE_FORDELT or t > 9) else f"{t} {name}"
    out[I_ALT] = "I alt"
    out[I_ALT_PAA_TRIN] = "I alt på trin"
    return out


def _trin_names(codes) -> dict[str, int]:
    names: dict[str, int] = {}
    for table in (trin_navne(), trin_korte_navne()):
        names.update({n.casefold(): t for t, n in table.items() if t in codes})
    names.update({"ikke fordelt": IKKE_FORDELT, "ikke fordelt på trin": IKKE_FORDELT,
                  "ikke fordelt paa trin": IKKE_FORDELT})
    return names


# -- the pieces every body shares ------------------------------------------------------------------
class _Body:
    """Formula pieces for one workbook: its value column, years and step codes."""

    def __init__(self, value_column: str, years, trin_codes):
        self.value = value_column
        self.weighted = value_column == "kr_pr_indbygger"
        self.years = tuple(int(y) for y in years)
        #: the step columns TRAPPE_SERIE shows (Analyse's: step_codes)
        self.codes = tuple(int(t) for t in trin_codes)
        #: the step codes an argument may name: 1–6 and 0 always (one the data cannot fill
        #: answers that it has no source), a combined step where the data hold it
        self.accept = tuple(t for t in ALLE_TRIN if t in TRIN or t == IKKE_FORDELT or t in self.codes)
        self.yr = YEARS_NAME
        self.span = f"{self.years[0]}–{self.years[-1]}"

    # arguments -------------------------------------------------------------------------------
    def members(self, g: str, group: bool) -> list[tuple[str, str]]:
        """km: member mask over Kommuner (98 rows); nm: number of members; un: cells of a range
        naming no kommune (or group); koder: the members' codes ("" for the others).
        A range is matched cell by cell (MATCH into it); a single value is compared directly
        (MATCH into a single value is not an array in every engine)."""
        arg, g = g, _p("gg")           # the argument bound once under a short name
        one = [f"(KOM_kommunekode=({g}&\"\"))", f"(KOM_kommune=({g}&\"\"))"]
        many = [f"ISNUMBER(MATCH(KOM_kommunekode,{g}&\"\",0))", f"ISNUMBER(MATCH(KOM_kommune,{g},0))"]
        lit = _p("gl")
        unknown = [f"ISNA(MATCH({lit},KOM_kommunekode,0))", f"ISNA(MATCH({lit},KOM_kommune,0))"]
        if group:
            one += [f"(KOM_region=({g}&\"\"))", f"(KOM_region=(\"Region \"&{g}))",
                    f"(KOM_kommunegruppe=({g}&\"\"))", f"(({g}&\"\")=\"hele landet\")"]
            many += [f"ISNUMBER(MATCH(KOM_region,{g},0))",
                     f"ISNUMBER(MATCH(KOM_region,\"Region \"&{g},0))",
                     f"ISNUMBER(MATCH(KOM_kommunegruppe,{g},0))",
                     f"ISNUMBER(MATCH(\"hele landet\",{g},0))"]
            unknown += [f"ISNA(MATCH({lit},KOM_region,0))", f"ISNA(MATCH(\"Region \"&{lit},KOM_region,0))",
                        f"ISNA(MATCH({lit},KOM_kommunegruppe,0))", f"(({g}&\"\")<>\"hele landet\")"]
        # a range of two or more cells is matched cell by cell; one cell (or a value) directly:
        # MATCH's lookup array must be an array, and a one-cell reference &"" is a single value
        return [("gg", arg), ("nc", f"IF(ISREF({g}),ROWS({g})*COLUMNS({g}),1)"),
                ("km", f"IF({_p('nc')}>1,(({'+'.join(many)})>0)*1,(({'+'.join(one)})>0)*1)"),
                ("nm", f"SUM({_p('km')})"),
                ("gl", _literal(f"({g}&\"\")")),
                ("un", f"IF(ISREF({g}),SUMPRODUCT((({g}&\"\")<>\"\")*{'*'.join(unknown)}),0)"),
                ("koder", f"REPT(KOM_kommunekode,{_p('km')})")]

    def year(self, name: str, x: str) -> tuple[str, str]:
        return name, f"IF(ISNUMBER({x}),{x},IFERROR(VALUE(TRIM({x}&\"\")),-1))"

    def trin(self, x: str, totals: bool) -> list[tuple[str, str]]:
        names = _trin_names(self.accept)
        if totals:
            names.update(TOTALS)
        strip = "tx"
        for old in ("trin", "-", "–", " "):
            strip = f"SUBSTITUTE({strip},{_s(old)},\"\")"
        strip = strip.replace("tx", _p("tx"), 1)
        named = _lookup(_p("tx"), names, "-1")
        parsed = f"IF(ISNUMBER({x}),{x},IF({_p('tn')}<>-1,{_p('tn')},IFERROR(VALUE({strip}),-1)))"
        # the codes of "i alt"/"i alt på trin" are accepted only when the text named them: a user
        # who types 7 or 8 asks for a step that does not exist
        ok = f"ISNUMBER(MATCH({_p('tt')},{_arr(self.accept)},0))"
        if totals:      # a name maps only to an accepted code or to i alt / i alt på trin
            ok = f"OR({ok},AND({_p('tn')}>0,{_p('tn')}={_p('tt')}))"
        return [("tx", f"LOWER(TRIM({x}&\"\"))"), ("tn", named), ("tt", parsed), ("tok", ok)]

    def choices(self, maal: str, enhed: str, priser: str, refusion: str) -> list[tuple[str, str]]:
        units = ENHED_OF_VALUE[self.value]
        key = f"LOWER({enhed}&\"\")"
        for old in (" ", ".", "_", "-", "årig", "aarig", "arig", "kroner"):
            key = f"SUBSTITUTE({key},{_s(old)},\"\")"
        lookup = _lookup(_p("ek"), ENHED_KEYS,
                         _lookup(f"SUBSTITUTE({_p('ek')},\"kr\",\"\",1)", ENHED_KEYS, "-1"))
        strip_p = _p("px")
        for old in ("faste", "priser", "-", " "):
            strip_p = f"SUBSTITUTE({strip_p},{_s(old)},\"\")"
        return [
            ("mx", f"LOWER(TRIM({maal}&\"\"))"),
            ("mm", f"IF({_p('mx')}=\"\",\"netto\",{_lookup(_p('mx'), MAAL, UNKNOWN)})"),
            ("ek", key),
            ("ee", f"IF({_p('ek')}=\"\",{units[0]},{lookup})"),
            ("eok", f"ISNUMBER(MATCH({_p('ee')},{_arr(units)},0))"),
            ("px", f"LOWER(TRIM({priser}&\"\"))"),
            ("pa", f"IF(OR({_p('px')}=\"\",{_p('px')}={_arr(LOEBENDE)}),0,IF(ISNUMBER({priser}),{priser},"
                   f"IFERROR(VALUE({strip_p}),-1)))"),
            ("rx", f"LOWER(TRIM({refusion}&\"\"))"),
            ("rf", f"IF({_p('rx')}=\"\",1,IF(OR({_p('rx')}={_arr(JA)}),1,IF(OR({_p('rx')}={_arr(NEJ)}),0,-1)))"),
            ("per", f"OR({_p('ee')}=2,{_p('ee')}=3)"),
            ("wt", f"AND({_p('ee')}=4,{_p('nm')}>1)" if self.weighted else "FALSE"),
        ]

    def checks(self, kind: str) -> list[tuple[str, str]]:
        """(condition, message) in the order the xlwings functions check their arguments."""
        who = ("ukendt kommune – brug et kommunenavn eller en kommunekode"
               if kind == "kommune" else
               "ukendt kommune eller gruppe – brug kommuner, en region, en kommunegruppe eller \"Hele landet\"")
        return [(f"OR({_p('un')}>0,{_p('nm')}=0{',' + _p('nm') + '<>1' if kind == 'kommune' else ''})",
                 _msg(who))]

    def choice_checks(self) -> list[tuple[str, str]]:
        units = " / ".join({1: "1.000 kr.", 2: "kr. pr. 0-17-årig", 3: "kr. pr. 0-22-årig",
                            4: "kr. pr. indbygger"}[u] for u in ENHED_OF_VALUE[self.value])
        return [
            (f"{_p('mm')}=\"?\"", _msg("ukendt mål – brug netto, udgifter eller indtægter")),
            (f"NOT({_p('eok')})", _msg(f"ukendt enhed for disse data – brug {units}")),
            (f"AND({_p('pa')}<>0,ISNA(MATCH({_p('pa')},PI_aar,0)))",
             _msg("ukendte priser eller prisår uden prisindeks – brug \"løbende\" eller et prisår "
                  "fra arket Prisindeks")),
            (f"{_p('rf')}<0", _msg("refusion skal være \"med\" eller \"uden\"")),
        ]

    def year_check(self, name: str, what: str) -> tuple[str, str]:
        return (f"ISNA(MATCH({_p(name)},{self.yr},0))",
                _msg(f"{what} ligger uden for data ({self.span})"))

    def no_source(self, y: str, t: str) -> str:
        """True when step ``t`` (not a total) has no TrinData row at all in year ``y`` for the
        measure: the step has no source (model.covered), so it is missing, never 0."""
        return (f"AND({t}<>{I_ALT},{t}<>{I_ALT_PAA_TRIN},"
                f"COUNTIFS(TD_aar,{y},TD_trin,{t},TD_maal,{_p('mm')})=0)")

    def no_source_msg(self, y: str, t: str) -> str:
        """The xlwings route's text: "#TRAPPE: trin 1 har ingen kilde i data for 2024 – …"."""
        what = f"IF({t}=0,\"ikke fordelt\",\"trin \"&IF({t}>9,INT({t}/10)&\"–\"&MOD({t},10),{t}))"
        return (f"{_s(PREFIX)}&{what}&\" har ingen kilde i data for \"&{y}&"
                f"\" – intet i regnskabet hører til trinnet (vises som – i Analyse)\"")

    def index_check(self, name: str) -> tuple[str, str]:
        return (f"AND({_p('pa')}<>0,ISNA(MATCH({_p(name)},PI_aar,0)))",
                _msg("prisindekset mangler et af årene – brug løbende priser"))

    # data ------------------------------------------------------------------------------------
    def rows(self) -> list[tuple[str, str]]:
        """rm: TrinData rows of the members that count (measure, refusion, data, population);
        dm: the same Daekning rows; pop: their population base for the unit."""
        d = f"INT(TD_gyldig/4)"
        pop = (f"IF({_p('per')},(MOD(TD_gyldig,4)>={_p('ee')}-1)*(MOD(TD_gyldig,4)<={_p('ee')}),1)"
               if not self.weighted else f"IF({_p('wt')},(TD_pop_ialt>0)*1,1)")
        rm = (f"ISNUMBER(MATCH(TD_kommunekode,{_p('koder')},0))*(TD_maal={_p('mm')})"
              f"*(((TD_dranst<>\"2\")+{_p('rf')})>0)*({d}>=2-{_p('rf')})*({d}<=3-{_p('rf')})*{pop}")
        dkpop = f"IF({_p('ee')}=2,DK_pop_0_17,IF({_p('ee')}=3,DK_pop_0_22,DK_pop_ialt))"
        need_pop = f"OR({_p('per')},{_p('wt')})"
        dm = (f"ISNUMBER(MATCH(DK_kommunekode,{_p('koder')},0))*(DK_maal={_p('mm')})"
              f"*(DK_refusion=IF({_p('rf')}=1,\"med\",\"uden\"))*(DK_har_data=1)"
              f"*IF({need_pop},({dkpop}>0)*1,1)")
        weight = "TD_pop_ialt" if self.weighted else "1"
        return [("rm", rm), ("dm", dm), ("pop", f"IF({_p('wt')},DK_pop_ialt,{dkpop})"),
                ("ww", f"IF({_p('wt')},{weight},1)" if self.weighted else "1")]

    def trin_mask(self, t: str) -> str:
        return f"IF({t}={I_ALT},1,IF({t}={I_ALT_PAA_TRIN},(TD_trin<>0)*1,(TD_trin={t})*1))"

    def pf(self, y: str) -> str:
        return (f"IF({_p('pa')}=0,1,INDEX(PI_indeks,MATCH({_p('pa')},PI_aar,0))"
                f"/INDEX(PI_indeks,MATCH({y},PI_aar,0)))")

    def den(self, p: str) -> str:
        return f"IF({_p('per')},{p}/1000,IF({_p('wt')},{p},1))"

    def scalar(self, y: str, t: str) -> tuple[str, str, str]:
        """(amount, members counted, divisor) of one year and step code (a scalar)."""
        amount = f"SUMPRODUCT(TD_vaerdi*{_p('ww')},{_p('rm')}*(TD_aar={y})*{self.trin_mask(t)})"
        n = f"SUMPRODUCT({_p('dm')}*(DK_aar={y}))"
        p = f"SUMPRODUCT({_p('dm')}*{_p('pop')}*(DK_aar={y}))"
        return amount, n, p

    def vector(self, tmask: str) -> list[tuple[str, str]]:
        """fz/ok: the figure and whether it exists, per year of the workbook (a row {y1,y2,…})."""
        yr = self.yr
        by_year = f"(TD_aar={yr})*1"
        return [
            ("av", f"MMULT(TRANSPOSE(TD_vaerdi*{_p('ww')}*{_p('rm')}*{tmask}),{by_year})"),
            ("nv", f"MMULT(TRANSPOSE({_p('dm')}*1),(DK_aar={yr})*1)"),
            ("pw", f"MMULT(TRANSPOSE({_p('dm')}*{_p('pop')}),(DK_aar={yr})*1)"),
            ("fac", f"IF({_p('pa')}=0,1,INDEX(PI_indeks,MATCH({_p('pa')},PI_aar,0))"
                    f"/SUMIFS(PI_indeks,PI_aar,{yr}))/{self.den(_p('pw'))}"),
            ("fw", f"{_p('av')}*{_p('fac')}"),
            ("ok", f"({_p('nv')}>0)*ISNUMBER({_p('fw')})"),
            ("fz", f"IF({_p('ok')}=1,{_p('fw')},0)"),
        ]


def _guard(checks: list[tuple[str, str]], value: str) -> str:
    out = value
    for cond, msg in reversed(checks):
        out = f"IF({cond},{msg},{out})"
    return out


def _lambda(name: str, body: str, optional: bool = True) -> str:
    """_xlfn.LAMBDA(required…, optional…, body); optional parameters are declared _xlop. and
    turned into "" when omitted, so the body sees an empty argument as a blank cell."""
    req, opt = PARAMS[name]
    decl = [_p(n) for n in req] + [(f"_xlop.{n}" if optional else _p(n)) for n in opt]
    if optional and opt:
        body = _let([(f"{n}_", f"IF(_xlfn.ISOMITTED({_p(n)}),\"\",{_p(n)})") for n in opt], body)
    return f"_xlfn.LAMBDA({','.join(decl)},{body})"


def _opt(n: str) -> str:
    return _p(f"{n}_")


def bodies(value_column: str, years, trin_codes) -> dict[str, str]:
    """name -> the body (a LET over the parameters), optional parameters read as ``_xlpm.<n>_``."""
    b = _Body(value_column, years, trin_codes)
    choices = b.choices(_opt("maal"), _opt("enhed"), _opt("priser"), _opt("refusion"))
    out = {}

    def single(name: str, who: str, kind: str, andel: bool = False) -> str:
        binds = [*b.members(_p(who), kind == "gruppe"), b.year("yy", _p("aar")),
                 *b.trin(_p("trin"), totals=not andel), *choices, *b.rows()]
        checks = [*b.checks(kind), b.year_check("yy", "året"),
                  (f"NOT({_p('tok')})", _msg("ukendt trin – brug 1–6, 0 (ikke fordelt) eller et trins navn"
                                             + ("" if andel else ", \"i alt\" eller \"i alt på trin\""))),
                  *b.choice_checks(),
                  (b.no_source(_p("yy"), _p("tt")), b.no_source_msg(_p("yy"), _p("tt"))),
                  b.index_check("yy")]
        amount, n, p = b.scalar(_p("yy"), _p("tt"))
        binds += [("aa", amount), ("nn", n), ("pb", p), ("pf", b.pf(_p("yy")))]
        if not andel:
            value = (f"IF({_p('nn')}=0,{_msg('ingen data for det valgte år og trin')},"
                     f"IFERROR({_p('aa')}*{_p('pf')}/{b.den(_p('pb'))},{_msg('ingen data for det valgte år og trin')}))")
            return _let(binds, _guard(checks, value))
        # TRAPPE_ANDEL: share of i alt (af empty/"i alt") or of i alt på trin
        binds += [("ax", f"LOWER(TRIM({_opt('af')}&\"\"))"),
                  ("afk", f"IF(OR({_p('ax')}=\"\",{_p('ax')}=\"i alt\",{_p('ax')}=\"ialt\",{_p('ax')}=\"total\"),"
                         f"{I_ALT},IF(OR({_p('ax')}=\"i alt på trin\",{_p('ax')}=\"i alt paa trin\","
                         f"{_p('ax')}=\"trin 1-6\",{_p('ax')}=\"trin 1–6\"),{I_ALT_PAA_TRIN},-1))")]
        total = b.scalar(_p("yy"), _p("afk"))[0]
        binds += [("tot", total)]
        checks += [(f"{_p('afk')}<0", _msg("af skal være \"i alt\" eller \"i alt på trin\"")),
                   (f"AND({_p('afk')}={I_ALT_PAA_TRIN},{_p('tt')}=0)",
                    _msg("ikke fordelt har ingen andel af i alt på trin (trin 1–6)"))]
        value = (f"IF(OR({_p('nn')}=0,{_p('tot')}=0),{_msg('ingen data for det valgte år og trin (eller i alt er 0)')},"
                 f"{_p('aa')}/{_p('tot')})")
        return _let(binds, _guard(checks, value))

    out["TRAPPE_STEP"] = single("TRAPPE_STEP", "kommune", "kommune")
    out["TRAPPE_SAMMENLIGN"] = single("TRAPPE_SAMMENLIGN", "gruppe", "gruppe")
    out["TRAPPE_ANDEL"] = single("TRAPPE_ANDEL", "kommune_eller_gruppe", "gruppe", andel=True)

    # TRAPPE_MERUDGIFT: the year's figure minus the mean of the basis years (all must exist)
    bb = _p("basisaar")
    binds = [*b.members(_p("kommune_eller_gruppe"), True), b.year("yy", _p("aar")),
             ("lo", f"IF(COUNT({bb})>0,MIN({bb}),IFERROR(VALUE(LEFT(TRIM({bb}&\"\"),4)),-1))"),
             ("hi", f"IF(COUNT({bb})>0,MAX({bb}),IFERROR(VALUE(RIGHT(TRIM({bb}&\"\"),4)),-1))"),
             *b.trin(_p("trin"), totals=True), *choices, *b.rows(),
             *b.vector(b.trin_mask(_p("tt"))),
             ("inb", f"({b.yr}>={_p('lo')})*({b.yr}<={_p('hi')})"),
             ("isy", f"({b.yr}={_p('yy')})*1"),
             # the first year without a source for the step: basis years first, then the year
             ("sv", f"MMULT(TRANSPOSE((TD_trin={_p('tt')})*(TD_maal={_p('mm')})),(TD_aar={b.yr})*1)"),
             ("nb", f"MIN(IF({_p('inb')}*({_p('sv')}=0),{b.yr},9999))"),
             ("nsy", f"IF(OR({_p('tt')}={I_ALT},{_p('tt')}={I_ALT_PAA_TRIN}),0,IF({_p('nb')}<9999,{_p('nb')},"
                     f"IF(SUMPRODUCT({_p('isy')}*({_p('sv')}=0))>0,{_p('yy')},0)))")]
    checks = [*b.checks("gruppe"), (f"COUNT({bb})>2", _msg("basisår skal være ét år eller to celler (fra og til)")),
              b.year_check("lo", "basisåret"), b.year_check("hi", "basisåret"),
              (f"{_p('lo')}>{_p('hi')}", _msg("basisår: fra-år ligger efter til-år")),
              b.year_check("yy", "året"),
              (f"NOT({_p('tok')})", _msg("ukendt trin – brug 1–6, 0 (ikke fordelt) eller et trins navn")),
              *b.choice_checks(), b.index_check("yy"), b.index_check("lo"), b.index_check("hi"),
              (f"{_p('nsy')}>0", b.no_source_msg(_p("nsy"), _p("tt")))]
    missing = _msg("ingen data for det valgte år eller basisår")
    value = (f"IF(OR(SUMPRODUCT({_p('isy')}*{_p('ok')})=0,"
             f"SUMPRODUCT({_p('inb')}*{_p('ok')})<SUMPRODUCT({_p('inb')})),{missing},"
             f"SUMPRODUCT({_p('isy')}*{_p('fz')})-SUMPRODUCT({_p('inb')}*{_p('fz')})/SUMPRODUCT({_p('inb')}))")
    out["TRAPPE_MERUDGIFT"] = _let(binds, _guard(checks, value))

    # TRAPPE_SERIE: header row, then År and the steps (Analyse's step columns, i alt) per year;
    # a cell is empty where the member-years have no data or the step has no source that year
    shown = (*[t for t in b.codes if t != IKKE_FORDELT], IKKE_FORDELT)
    labels = trin_labels(b.accept)
    k = len(shown) + 1                                      # + i alt
    ix = "ROW(INDEX(KOM_kommunekode,1):INDEX(KOM_kommunekode,{n}))-ROW(INDEX(KOM_kommunekode,1))"
    all_labels = _arr(["År", *[labels[t] for t in shown], labels[I_ALT]])
    code_list = (*b.accept, I_ALT_PAA_TRIN, I_ALT)
    cc = _p("cc")
    binds = [*b.members(_p("kommune_eller_gruppe"), True), b.year("lo", _p("fra_aar")),
             b.year("hi", _p("til_aar")), ("tomt", f"({_opt('trin')}&\"\")=\"\""),
             *b.trin(f"IF({_p('tomt')},\"i alt\",{_opt('trin')})", totals=True), *choices, *b.rows(),
             *b.vector("1"),
             # the table's columns as step codes: -1 (År, matches no row), the steps, 8 (i alt);
             # cm: which TrinData rows each column sums (one pass over TrinData per matrix)
             ("cc", f"IF({_p('tomt')},{_arr([-1, *shown, I_ALT])},IF({{1,0}},-1,{_p('tt')}))"),
             ("cm", f"(((TD_trin={cc})+({cc}={I_ALT})+({cc}={I_ALT_PAA_TRIN})*(TD_trin<>0))>0)*1"),
             ("fy", f"MMULT(TRANSPOSE((TD_aar={b.yr})*TD_vaerdi*{_p('ww')}*{_p('rm')}),{_p('cm')})"
                    f"*TRANSPOSE({_p('fac')})"),
             ("sc", f"MMULT(TRANSPOSE((TD_aar={b.yr})*(TD_maal={_p('mm')})),{_p('cm')})"),
             ("nn", f"{_p('hi')}-{_p('lo')}+1"),
             ("ii", ix.format(n=f"{_p('nn')}+1")),
             ("ss", f"(({_p('lo')}+{_p('ii')}-1)={b.yr})*({_p('ii')}>0)"),
             ("jj", f"IF({_p('tomt')},{_arr(list(range(k + 1)))},{{0,1}})"),
             ("has", f"MMULT({_p('ss')},TRANSPOSE({_p('ok')}))*MMULT({_p('ss')},({_p('sc')}>0)*1)*({_p('jj')}>0)"),
             ("vals", f"MMULT({_p('ss')},IFERROR({_p('fy')},0))"),
             ("hdr", f"IF({_p('tomt')},{all_labels},IF({_p('jj')}=0,\"År\","
                     f"INDEX({_arr([labels[t] for t in code_list])},MATCH({_p('tt')},{_arr(code_list)},0))))")]
    checks = [*b.checks("gruppe"), b.year_check("lo", "fra-året"), b.year_check("hi", "til-året"),
              (f"{_p('lo')}>{_p('hi')}", _msg("fra-år ligger efter til-år")),
              (f"NOT({_p('tok')})", _msg("ukendt trin – brug 1–6, 0 (ikke fordelt) eller et trins navn")),
              *b.choice_checks(), b.index_check("lo"), b.index_check("hi")]
    table = (f"IF({_p('ii')}=0,{_p('hdr')},IF({_p('jj')}=0,{_p('lo')}+{_p('ii')}-1,"
             f"IF({_p('has')}>0,{_p('vals')},\"\")))")
    value = (f"IF(SUM({_p('has')})=0,{_msg('ingen data for de valgte år')},"
             f"{table})")
    out["TRAPPE_SERIE"] = _let(binds, _guard(checks, value))
    return out


MAX_NAME_FORMULA = 8192    # Excel's limit on a defined name's formula


def step_codes(steps) -> tuple[int, ...]:
    """The step codes the dashboard shows for these data, in its order (1–6 and the combined
    steps less the columns the data can never fill, dashboard.hidden_steps; then 0)."""
    from .dashboard import hidden_steps
    hidden = hidden_steps(steps["trin"].unique())
    return tuple(t for t in ALLE_TRIN if t not in hidden)


def lambda_names(value_column: str, years, trin_codes, strict: bool = True) -> dict[str, str]:
    """{name: formula} for XlsxWriter's define_name: the years constant and the LAMBDA names.
    A name longer than Excel allows raises (``strict``) or is left out (the build then says so:
    only data that mix grouping and function level need every step code in TRAPPE_SERIE)."""
    out = {YEARS_NAME: "=" + _arr([int(y) for y in years])}
    out.update({n: "=" + _lambda(n, body) for n, body in bodies(value_column, years, trin_codes).items()})
    too_long = [n for n, f in out.items() if len(f) - 1 > MAX_NAME_FORMULA]
    if too_long and strict:
        raise TrappeError(f"LAMBDA-navnene {', '.join(too_long)} bliver længere end Excels "
                          f"{MAX_NAME_FORMULA} tegn")
    for n in too_long:
        log.warning("LAMBDA-navnet %s er længere end Excels %d tegn og udelades", n, MAX_NAME_FORMULA)
        del out[n]
    return out


# -- expansion for engines without LAMBDA/LET (tests) -------------------------------------------------
_TOKEN = re.compile(r'"(?:[^"]|"")*"|_xlpm\.[A-Za-z0-9_]+|_xlfn\.(?:LET|LAMBDA|ISOMITTED)\(|[(),{}]|[^"(),{}_]+|_')


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of text (inside strings, (), {} commas do not split)."""
    out, depth, cur, i = [], 0, [], 0
    for m in re.finditer(r'"(?:[^"]|"")*"|[(){}]|,|[^"(){},]+', text):
        tok = m.group(0)
        if tok in "({":
            depth += 1
        elif tok in ")}":
            depth -= 1
        if tok == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(tok)
    out.append("".join(cur))
    return out


def _call_args(text: str, start: int) -> tuple[list[str], int]:
    """Arguments of the call whose "(" ends just before ``start``; and the index after ")"."""
    depth, i = 1, start
    while depth:
        ch = text[i]
        if ch == '"':
            i = text.index('"', i + 1)
            while text.startswith('""', i):
                i = text.index('"', i + 2)
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        i += 1
    return _split_args(text[start:i - 1]), i


def _substitute(text: str, values: dict[str, str]) -> str:
    """Replace _xlpm.<name> (outside strings) by (value)."""
    def repl(m):
        tok = m.group(0)
        if tok.startswith("_xlpm."):
            name = tok[6:]
            return f"({values[name]})" if name in values else tok
        return tok
    return re.sub(r'"(?:[^"]|"")*"|_xlpm\.[A-Za-z0-9_]+', repl, text)


#: shapes of the array LET variables the tests may put in cells: "years" = 1 × number of years,
#: "kommuner" = the Kommuner table's rows × 1
VAR_SHAPES = {**{v: "years" for v in ("av", "nv", "pw", "fac", "fw", "ok", "fz", "inb", "isy", "sv")},
              "km": "kommuner", "koder": "kommuner"}
#: LET variables that hold arrays (members, rows, per-year vectors, the SERIE grid); the others
#: are scalars, which :func:`expand` can hand to ``scalar_cell`` instead of repeating them.
ARRAY_VARS = frozenset({"gg", "gl", "km", "koder", "rm", "dm", "pop", "ww", "av", "nv", "pw", "fac", "fw", "ok",
                        "fz", "inb", "isy", "sv", "cc", "cm", "fy", "sc", "ii", "ss", "jj", "has",
                        "vals", "hdr"})


def _expand_lets(text: str, values: dict[str, str], scalar_cell=None) -> str:
    """Inline every _xlfn.LET(...): each binding's expression replaces its variable, in order;
    ``scalar_cell(var, expr) -> reference or None`` (optional) may take a variable's expression
    (to compute it once, in cells) instead of repeating it."""
    while True:
        m = re.search(r"_xlfn\.LET\(", text)
        if m is None:
            return _substitute(text, values)
        args, end = _call_args(text, m.end())
        inner = dict(values)
        for name, expr in zip(args[:-1:2], args[1:-1:2]):
            var = name.strip()[6:]
            value = _expand_lets(expr, inner, scalar_cell)
            if scalar_cell is not None:
                value = scalar_cell(var, value) or value
            inner[var] = value
        body = _expand_lets(args[-1], inner, scalar_cell)
        text = text[:m.start()] + "(" + body + ")" + text[end:]


def expand(name_formula: str, args: list[str | None], scalar_cell=None) -> str:
    """The body of a LAMBDA name with the call's arguments put in (formula texts; None = omitted):
    an ordinary formula (no LAMBDA, LET or ISOMITTED) for an engine without them. With
    ``scalar_cell(var, expr) -> reference or None`` a LET variable can be computed once (in cells
    the caller writes; :data:`VAR_SHAPES` says their shape) instead of being repeated."""
    text = name_formula.lstrip("=")
    m = re.match(r"_xlfn\.LAMBDA\(", text)
    if m is None:
        raise ValueError("not a LAMBDA")
    params, end = _call_args(text, m.end())
    if end != len(text):
        raise ValueError("text after the LAMBDA")
    decl, body = [p.strip() for p in params[:-1]], params[-1]
    if len(args) > len(decl):
        raise ValueError(f"{len(args)} arguments for {len(decl)} parameters")
    args = list(args) + [None] * (len(decl) - len(args))
    omitted = {d[6:]: a is None for d, a in zip(decl, args)}

    def isomitted(mm):
        return "TRUE" if omitted[mm.group(1)] else "FALSE"
    body = re.sub(r"_xlfn\.ISOMITTED\(_xlpm\.([A-Za-z0-9_]+)\)", isomitted, body)
    values = {d[6:]: ('""' if a is None else a) for d, a in zip(decl, args)}
    return _expand_lets(body, values, scalar_cell)
