"""The TRAPPE functions as Excel LAMBDA names: the same answers as the xlwings UDFs, no Python.

``lambda_names(value_column, years, trin_codes, ...)`` gives {name: formula} for the workbook
writer's ``define_name``: the five public names TRAPPE_STEP, TRAPPE_SAMMENLIGN, TRAPPE_ANDEL,
TRAPPE_MERUDGIFT and TRAPPE_SERIE (the xlwings functions' argument names, order and defaults),
the helper names they call (``_TRAPPE_VIS``, ``_TRAPPE_AAR``, ``_TRAPPE_TRIN``, ``_TRAPPE_VALG``,
``_TRAPPE_HVEM``, ``_TRAPPE_KILDE``: one per parser of trappe_xl/udf/arguments.py and places.py,
so each rule is written once) and TRAPPE_AARENE, the workbook's years as a row constant. They
read the workbook's own names: TD_* (TrinData), DK_* (Daekning), PI_* (Prisindeks), KOM_*
(Kommuner), LS_* (Landstal: "Hele landet" on kr. pr. indbygger data is DST's own figure, as on
Analyse); writer.py.

How a body is written here: each name is ONE laid-out text below (:data:`BODIES`), in the order
Excel evaluates it, with ``#`` comments. :func:`compile_formula` strips comments and whitespace,
writes a lower-case word as a parameter or LET variable (``_xlpm.x``), prefixes the functions
newer than the file format (``_xlfn.LET``/``LAMBDA``/``ISOMITTED``/``TEXTJOIN``) and fills
``@name`` with this workbook's constants (its years, step codes, units, messages). Excel function
names and defined names are upper case, so the rule is unambiguous; no variable is named like
an Excel function (a test checks it).

Semantics are trappe_xl.udf's, check by check in the same order, with the same messages
(``#TRAPPE: …``, whitespace collapsed, cut at 200 characters, as ``answers.message``): a
wrong argument names itself as ``arguments.show`` does; a step without a TrinData row that year
has no source (never 0); a single step the data only know combined with its neighbour answers
"kendes kun samlet"; a missing figure is "ingen data for …" (an empty cell in TRAPPE_SERIE).
Documented differences (docs/udf.md): the xlwings route adds a spelling hint to an unknown
kommune name ("– mente du Aarhus?"); a number quoted back in a message follows Excel's
locale (2019,5 in a Danish Excel).
"""

from __future__ import annotations

import logging
import re

from .. import words
from ..model.units import per_child_offered
from ..errors import TrappeError
from ..reference import ALLE_TRIN, COUNT_STEPS, IKKE_FORDELT, SAMLET_TRIN, TRIN

log = logging.getLogger(__name__)
MAX_MESSAGE = 200            # answers.MAX_MESSAGE
#: the public names, in the order they are defined
NAMES = ("TRAPPE_STEP", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL", "TRAPPE_MERUDGIFT", "TRAPPE_SERIE")
#: the helper names the public ones call (defined first)
HELPERS = ("_TRAPPE_VIS", "_TRAPPE_AAR", "_TRAPPE_TRIN", "_TRAPPE_VALG", "_TRAPPE_HVEM", "_TRAPPE_KILDE")
#: parameters of each name: (required, optional); the public ones as the xlwings functions
PARAMS = {
    "TRAPPE_STEP": (("kommune", "aar", "trin"), ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_SAMMENLIGN": (("gruppe", "aar", "trin"), ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_ANDEL": (("kommune_eller_gruppe", "aar", "trin"),
                     ("maal", "enhed", "priser", "refusion", "af")),
    "TRAPPE_MERUDGIFT": (("kommune_eller_gruppe", "basisaar", "aar", "trin"),
                         ("maal", "enhed", "priser", "refusion")),
    "TRAPPE_SERIE": (("kommune_eller_gruppe", "fra_aar", "til_aar"),
                     ("trin", "maal", "enhed", "priser", "refusion")),
    "_TRAPPE_VIS": (("x",), ()),
    "_TRAPPE_AAR": (("x", "hvad"), ()),
    "_TRAPPE_TRIN": (("x", "totaler"), ()),
    "_TRAPPE_VALG": (("maal", "enhed", "priser", "refusion"), ()),
    "_TRAPPE_HVEM": (("x", "gruppe", "hvad"), ()),
    "_TRAPPE_KILDE": (("km", "aar", "tt", "mm", "hv", "liste"), ()),
}
I_ALT, I_ALT_PAA_TRIN = 8, 7           # model.TRIN_I_ALT, model.TRIN_I_ALT_PAA_TRIN
#: defined name holding the workbook's years as a row constant {2016,2017,…}
YEARS_NAME = "TRAPPE_AARENE"
MAX_NAME_FORMULA = 8192    # Excel's limit on a defined name's formula

# the words both routes accept (trappe_xl.words), with the codes the bodies compute in
UNIT_NUMBER = {"1000kr": 1, "pr_0_17": 2, "pr_0_22": 3, "kr_pr_indbygger": 4, "pr_barn": 5}

ENHED_KEYS = {k: UNIT_NUMBER[v] for k, v in words.ENHED_KEYS.items()}
ENHED_LABELS = {1: "1.000 kr.", 2: "kr. pr. 0-17-årig", 3: "kr. pr. 0-22-årig", 4: "kr. pr. indbygger",
                5: "kr. pr. barn i indsatsen"}
ENHED_OF_VALUE = {"beloeb_1000kr": (1, 2, 3), "kr_pr_indbygger": (4,)}
TOTALS = {k: {words.I_ALT: I_ALT, words.I_ALT_PAA_TRIN: I_ALT_PAA_TRIN}[v] for k, v in words.TOTALS.items()}
MAAL_CODES = ("netto", "udgifter", "indtaegter")
MAAL_TEXT = ("netto", "udgifter", "indtægter")


# -- the bodies --------------------------------------------------------------------------------------
# A word in lower case is a parameter or LET variable; @name is a constant of the workbook
# (:func:`constants`). Each helper returns its value, or the message text (without "#TRAPPE: ")
# when the argument is wrong; the public names put "#TRAPPE: " in front (@BESKED).

VIS = """
# arguments.show: how an argument is quoted back in a message
LET(
  ant, IF(ISREF(x), ROWS(x)*COLUMNS(x), 1),
  tk, TRIM(x&""),
  IF(ant>1, "et område med "&ant&" celler",
  IF(ISLOGICAL(x), IF(x, "SAND", "FALSK"),
  IF(ISNUMBER(x), x&"",
  "'"&IF(LEN(tk)>40, LEFT(tk, 40)&"…", tk)&"'"))))
"""

AAR = """
# arguments.parse_aar: a year of the data (2019, "2019", "2019.0"), or why not
LET(
  ant, IF(ISREF(x), ROWS(x)*COLUMNS(x), 1),
  tk, IF(ant>1, "", TRIM(x&"")),
  # a year typed as text: digits, optionally followed by .0
  p, IFERROR(FIND(".", tk), LEN(tk)+1),
  h, LEFT(tk, p-1),
  r, MID(tk, p+1, 99),
  cif, AND(IFERROR(h=TEXT(--h, REPT("0", LEN(h))), FALSE),
           OR(p>LEN(tk), AND(r<>"", SUBSTITUTE(r, "0", "")=""))),
  y, IF(ISNUMBER(x), x, IF(cif, --h, -1)),
  IF(ant>1, hvad&" skal være et tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(NOT(ISNUMBER(x)), tk=""), hvad&" mangler",
  IF(ISLOGICAL(x), hvad&" skal være et tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(ISNUMBER(x), IFERROR(x<>INT(x), FALSE)), hvad&" skal være et helt tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(ISTEXT(x), NOT(cif)), hvad&" skal være et tal, ikke "&_TRAPPE_VIS(x),
  IF(ISNA(MATCH(y, TRAPPE_AARENE, 0)), hvad&" "&y&" ligger uden for data (@SPAN)",
  y)))))))
"""

TRIN_ = """
# arguments.parse_trin: a step code of the data (1–6, 0, a combined step the data hold),
# 8 = "i alt", 7 = "i alt på trin" (when totaler), or why not
LET(
  ant, IF(ISREF(x), ROWS(x)*COLUMNS(x), 1),
  s, IF(ant>1, "", LOWER(TRIM(x&""))),
  u, SUBSTITUTE(s, "–", "-"),
  tot, IF(AND(totaler, ISTEXT(x)), IFERROR(INDEX(@TOTAL_CODES, MATCH(TRUE, @TOTAL_NAMES=u, 0)), 0), 0),
  nav, IFERROR(INDEX(@NAME_CODES, MATCH(TRUE, @NAMES=s, 0)), -1),
  # "3", "trin 3", "2-3", "Trin 2–3": digits, optionally "trin" before and "-digits" after
  a, IF(LEFT(u, 4)="trin", TRIM(MID(u, 5, 99)), u),
  d, IFERROR(FIND("-", a), 0),
  p1, IF(d>0, TRIM(LEFT(a, d-1)), a),
  p2, IF(d>0, TRIM(MID(a, d+1, 99)), "0"),
  cif, AND(IFERROR(p1=TEXT(--p1, REPT("0", LEN(p1))), FALSE),
           IFERROR(p2=TEXT(--p2, REPT("0", LEN(p2))), FALSE)),
  v, IF(ISTEXT(x), IF(nav>=0, nav, IF(cif, --(p1&IF(d>0, p2, "")), -1)), x),
  IF(ant>1, "trin skal være et tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(NOT(ISNUMBER(x)), s=""), "trin mangler",
  IF(tot>0, tot,
  IF(ISLOGICAL(x), "trin skal være et tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(ISNUMBER(x), IFERROR(x<>INT(x), FALSE)), "trin skal være et helt tal, ikke "&_TRAPPE_VIS(x),
  IF(AND(ISTEXT(x), v<0), "ukendt trin "&_TRAPPE_VIS(x)&" – brug 1–6, 0 (ikke fordelt) eller et trins navn",
  IF(ISNA(MATCH(v, @ACCEPT, 0)), "ukendt trin "&_TRAPPE_VIS(x)&" – brug 1–6@ALSO eller 0 (ikke fordelt på trin)",
  v))))))))
"""

VALG = """
# answers.valg: {"", mål, enhed, prisår (0 = løbende), refusion (1/0)} or {the message, …};
# mål, enhed, refusion, per child without population, then priser (the xlwings order)
LET(
  mx, LOWER(TRIM(maal&"")),
  mm, IF(ISTEXT(maal), IF(mx="", "netto", IFERROR(INDEX(@MAAL_VALUES, MATCH(TRUE, @MAAL_KEYS=mx, 0)), "?")),
         IF(OR(ISNUMBER(maal), ISLOGICAL(maal)), "?", "netto")),
  et, IF(ISLOGICAL(enhed), IF(enhed, "sand", "falsk"), LOWER(TRIM(enhed&""))),
  ek, @ENHED_KEY,
  ee, IF(AND(NOT(ISNUMBER(enhed)), NOT(ISLOGICAL(enhed)), et=""), @DEFAULT_UNIT,
         IFERROR(INDEX(@ENHED_CODES, MATCH(TRUE, @ENHED_NAMES=ek, 0)),
         IFERROR(INDEX(@ENHED_CODES, MATCH(TRUE, @ENHED_NAMES=SUBSTITUTE(ek, "kr", "", 1), 0)), -1))),
  rx, LOWER(TRIM(refusion&"")),
  rf, IF(ISLOGICAL(refusion), IF(refusion, 1, 0),
         IF(rx="", 1, IF(OR(rx=@JA), 1, IF(OR(rx=@NEJ), 0, -1)))),
  # priser: "løbende", a year (2020, "2020", "faste 2020", "2020-priser")
  px, LOWER(TRIM(priser&"")),
  lb, AND(NOT(ISNUMBER(priser)), NOT(ISLOGICAL(priser)), OR(px="", px=@LOEBENDE)),
  f1, IF(LEFT(px, 5)="faste", TRIM(MID(px, 6, 99)), px),
  f2, IF(AND(LEFT(px, 5)="faste", LEFT(f1, 6)="priser"), TRIM(MID(f1, 7, 99)), f1),
  rest, SUBSTITUTE(MID(f2, 5, 99), " ", ""),
  pok, AND(IFERROR(LEFT(f2, 4)=TEXT(--LEFT(f2, 4), "0000"), FALSE),
           OR(rest="", rest="priser", rest="-priser")),
  pa, IF(lb, 0, IF(ISNUMBER(priser), priser, IF(ISTEXT(priser), IF(pok, --LEFT(f2, 4), -1), -2))),
  fejl,
    IF(mm="?", "ukendt mål "&_TRAPPE_VIS(maal)&" – brug netto, udgifter eller indtægter",
    IF(ee<0, "ukendt enhed "&_TRAPPE_VIS(enhed)&" – brug @UNITS",
    IF(ISNA(MATCH(ee, @UNIT_CODES, 0)),
       "enheden "&INDEX(@UNIT_LABELS, ee)&" findes ikke for disse data (kun @UNITS)",
    IF(rf<0, "refusion skal være 'med' eller 'uden', ikke "&_TRAPPE_VIS(refusion),
    IF(AND(OR(ee=2, ee=3), NOT(@HAS_POPULATION)), "ingen befolkningstal i projektmappen – vælg 1.000 kr.",
    IF(lb, "",
    IF(pa=-2, "prisår skal være et tal, ikke "&_TRAPPE_VIS(priser),
    IF(pa=-1, "ukendte priser "&_TRAPPE_VIS(priser)&" – brug 'løbende' eller et prisår som 2024",
    IF(pa<>INT(pa), "prisår skal være et helt tal, ikke "&_TRAPPE_VIS(priser),
    IF(NOT(@HAS_INDEX), "projektmappen har intet prisindeks – brug løbende priser",
    IF(ISNA(MATCH(pa, PI_aar, 0)), "prisår "&pa&" findes ikke i prisindekset (@INDEX_SPAN)",
    ""))))))))))),
  IF(fejl<>"", IF({1,1,1,1,1}, fejl), CHOOSE({1,2,3,4,5}, "", mm, ee, pa, rf)))
"""

HVEM = """
# places.kommune (gruppe = 0) and places.gruppe (gruppe = 1): hvad = 0 gives the members as a
# 98 × 1 mask over Kommuner (or the message, repeated), hvad = 1 the label messages use
LET(
  nc, IF(ISREF(x), ROWS(x)*COLUMNS(x), 1),
  bred, IF(ISREF(x), COLUMNS(x), 1),
  sq, ROW(INDEX(TD_aar, 1):INDEX(TD_aar, nc))-ROW(INDEX(TD_aar, 1))+1,
  # the cells in reading order, row by row (as xlwings hands a range over), as one column
  rk, INT((sq-1)/bred)+1,
  kol, MOD(sq-1, bred)+1,
  ct, IF(nc>1, INDEX(TRIM(x&""), rk, kol), TRIM(x&"")),
  lg, IF(nc>1, INDEX(ISLOGICAL(x)*1, rk, kol), ISLOGICAL(x)*1)=1,
  tl, IF(nc>1, INDEX(ISNUMBER(x)*1, rk, kol), ISNUMBER(x)*1)=1,
  te, IF(nc>1, INDEX(ISTEXT(x)*1, rk, kol), ISTEXT(x)*1)=1,
  cn, IF(nc>1, INDEX(IF(ISNUMBER(x), x, 0), rk, kol), IF(ISNUMBER(x), x, 0)),
  cf, IFERROR(ct=TEXT(--ct, REPT("0", LEN(ct))), FALSE)*te,
  # each cell as a code (a number, or digits as text) or as a name ("Aarhus Kommune" = "Aarhus")
  cc, IF(lg, "#", IF(tl, IF(cn=INT(cn), TEXT(cn, "000"), "#"),
         IF(cf, IF(LEN(ct)<3, TEXT(--ct, "000"), ct), "#"))),
  kk, IF(lg+tl+cf, "#", IF(RIGHT(LOWER(ct), 8)=" kommune", LEFT(ct, LEN(ct)-8), ct)),
  # which kommune each cell names: Kommuner rows × cells ("=" ignores case, reads no wildcards)
  mt, (KOM_kommunekode=TRANSPOSE(cc))+(KOM_kommune=TRANSPOSE(kk)),
  en, (KOM_kommunekode<>"")*1,
  fd, MMULT(TRANSPOSE(mt), en),
  ce, ct="",
  dp, IF(nc=1, 0, MMULT(MMULT(TRANSPOSE(mt), mt)*(sq>TRANSPOSE(sq)), sq^0)),
  ne, SUM(1-ce),
  rg, AND(nc>1, ne>1),
  jb, MIN(IF((1-ce)*(((fd=0)+(dp>0))>0), sq, nc+1)),
  jj, IF(rg, MIN(jb, nc), IFERROR(MATCH(FALSE, ce, 0), 1)),
  bc, IF(nc=1, x, INDEX(x, INDEX(rk, jj), INDEX(kol, jj))),
  bt, TRIM(bc&""),
  kind, IF(OR(ISNUMBER(bc), AND(ISTEXT(bc), IFERROR(bt=TEXT(--bt, REPT("0", LEN(bt))), FALSE))),
           "kommunekode", "kommune"),
  # a named group: Hele landet, a region (code, name, name without "Region"), a kommunegruppe
  gk, LOWER(bt),
  tx, AND(NOT(rg), ISTEXT(bc)),
  hl, AND(tx, OR(gk=@HELE_LANDET)),
  rr, ((KOM_regionskode=gk)+(KOM_region=gk)+(KOM_region="region "&gk))*tx,
  gg, ((KOM_kommunegruppe=gk)+(("kommunegruppe "&KOM_kommunegruppe_kode)=gk))*tx,
  nr, SUM(rr),
  ng, SUM(gg),
  named, AND(gruppe, hl+nr+ng>0),
  km, IF(named, IF(hl, en, IF(nr>0, (rr>0)*1, (gg>0)*1)), (IF(nc=1, mt, MMULT(mt, sq^0))>0)*1),
  fejl,
    IF(gruppe,
      IF(AND(nc>1, ne=0), "gruppen er tom – markér celler med kommunenavne eller -koder",
      IF(rg, IF(jb>nc, "",
             IF(INDEX(fd, jb)=0, "gruppen: ukendt "&kind&" "&_TRAPPE_VIS(bc),
                "gruppen: "&INDEX(KOM_kommune, MATCH(1, MMULT(mt, (sq=jb)*1), 0))&" står mere end én gang")),
      IF(ne=0, "gruppe mangler",
      IF(named, "",
      IF(SUM(fd)=0, "ukendt "&kind&" "&_TRAPPE_VIS(bc), ""))))),
      IF(nc<>1, "kommune skal være én kommune, ikke et område med "&nc&" celler – brug TRAPPE_SAMMENLIGN for en gruppe",
      IF(ne=0, "kommune mangler",
      IF(SUM(fd)=0, IF(AND(hl+nr+ng>0, kind="kommune"),
                       _TRAPPE_VIS(bc)&" er en gruppe, ikke én kommune – brug TRAPPE_SAMMENLIGN",
                       "ukendt "&kind&" "&_TRAPPE_VIS(bc)), "")))),
  # the label: "Aarhus", "Region Hovedstaden", "Hele landet", "Aarhus, Odense, Gladsaxe …"
  ix, ROW(KOM_kommunekode)-ROW(INDEX(KOM_kommunekode, 1))+1,
  nm, SUM(km),
  th, IF(nm>3, SMALL(IF(km=1, ix), 3), 999),
  navne, TEXTJOIN(", ", TRUE, IF((km=1)*(ix<=th), KOM_kommune, ""))&IF(nm>3, " …", ""),
  IF(hvad=2, (named*hl)*1,
  IF(hvad=1,
     IF(named, IF(hl, "Hele landet", IF(nr>0, INDEX(KOM_region, MATCH(1, (rr>0)*1, 0)),
        INDEX(KOM_kommunegruppe, MATCH(1, (gg>0)*1, 0)))), navne),
     IF(fejl<>"", IF(en, fejl), km))))
"""

KILDE = '''
# answers.check_step for members km, step tt, measure mm, label hv in year aar: "" or why the
# step cannot be answered (liste = 0); for a row of years (liste = 1) a 1/0 per year instead
LET(
  koder, REPT(KOM_kommunekode, km),
  enkelt, AND(tt>=1, tt<=6),
  # a single step the data only know together with its neighbour (function-level trin 2–3)
  kc, IF(enkelt, INDEX(@COMBINED_OF, MAX(tt, 1)), 0),
  ks, IF(kc>0, MMULT(TRANSPOSE(km), (COUNTIFS(TD_kommunekode, koder, TD_aar, aar, TD_trin, kc, TD_maal, mm)>0)
                                  *(COUNTIFS(TD_kommunekode, koder, TD_aar, aar, TD_trin, tt, TD_maal, mm)=0)), 0),
  # a step with no TrinData row at all that year for the measure has no source
  ingen, AND(tt<>@I_ALT, tt<>@I_ALT_PAA_TRIN)*(COUNTIFS(TD_aar, aar, TD_trin, tt, TD_maal, mm)=0),
  IF(liste, (((ks>0)+ingen)>0)*1, LET(
  tom, COUNTIFS(TD_aar, aar, TD_maal, mm)=0,
  andre, (COUNTIFS(TD_aar, aar, TD_maal, @MAAL_COL)>0)*(@MAAL_COL<>mm),
  navn, IF(tt=0, "ikke fordelt", "trin "&IF(tt>9, INT(tt/10)&"–"&MOD(tt, 10), tt)),
  IF(ks>0, "beløbet for "&hv&" "&aar&" kendes kun samlet som trin "&INT(kc/10)&"–"&MOD(kc, 10)
           &" – brug trin """&INT(kc/10)&"-"&MOD(kc, 10)&"""",
  IF(ingen*tom*(SUM(andre)>0), "data har ingen "&INDEX(@MAAL_TEXT, MATCH(mm, @MAAL_CODES, 0))&" for "&aar
           &", kun "&TEXTJOIN(" og ", TRUE, IF(andre, @MAAL_TEXT_COL, ""))
           &" – brug mål """&INDEX(@MAAL_TEXT_COL, MATCH(1, andre, 0))&"""",
  IF(ingen, navn&" har ingen kilde i data for "&aar&" – intet i regnskabet hører til trinnet (vises som – i Analyse)",
  ""))))))
'''

# -- the public names: arguments first (the helpers), then the data ---------------------------------
# @ROWS binds the TrinData/Daekning rows of the members that count: rm (TrinData), dm (Daekning),
# d0 (Daekning without the population condition), pop (their population base), ww (weights)
ROWS_ = """
  koder, REPT(KOM_kommunekode, km),
  nm, SUM(km),
  per, OR(ee=2, ee=3),
  wt, @WEIGHTED,
  # kr. pr. indbygger without any population: a group's figure is the plain mean (model.serie)
  mn, @MEAN,
  # kr. pr. indbygger data with population: 1.000 kr. and per child from the derived amounts
  dv, @DERIVED,
  vc, @VAL,
  # kr. pr. barn i indsatsen: only TrinData rows whose step has children count (TrinData.boern),
  # each step divided by its children (Daekning.boern_<trin>, one column per count step)
  ch, ee=5,
  cb, IF(ch, (TD_boern>0)*1, 1),
  kbm, IF(ch, @KBM, 0),
  kbz, IF(ch, IF(ISNUMBER(kbm), kbm, 0), 0),
  gy, INT(TD_gyldig/4),
  rm, ISNUMBER(MATCH(TD_kommunekode, koder, 0))*(TD_maal=mm)*(((TD_dranst<>"2")+rf)>0)
      *(gy>=2-rf)*(gy<=3-rf)*@POP_ROWS,
  dkpop, IF(ee=2, DK_pop_0_17, IF(ee=3, DK_pop_0_22, DK_pop_ialt)),
  d0, ISNUMBER(MATCH(DK_kommunekode, koder, 0))*(DK_maal=mm)*(DK_refusion=IF(rf=1, "med", "uden"))*(DK_har_data=1),
  dm, d0*IF(OR(per, wt, dv), (dkpop>0)*1, 1),
  pop, IF(wt, DK_pop_ialt, dkpop),
  ww, @WW,
"""

#: "Hele landet" on kr. pr. indbygger data is DST's own figure (Landstal, LS_*), as Analyse's
#: comparison cells (workbook.formulas.land_value) and udf.book.land_series: per step code (a
#: column, @CODES_COL) and year (a row) the sum of the measure's rows whose gyldig says data for
#: the refusion choice; a step counts where Landstal has a row for it that year; the totals are
#: Σ of the steps that count. ``lmask`` picks the code (or the totals) whose figure is wanted.
LAND = """
  ld, AND(@HAS_LAND, ee=4, _TRAPPE_HVEM({who}, 1, 2)=1),
  llo, IF(rf=1, 4, 8),
  lhv, IF(ld, (COUNTIFS(LS_aar, TRAPPE_AARENE, LS_maal, mm, LS_gyldig, ">="&llo, LS_gyldig, "<="&(llo+7))>0)*1, 0),
  lsv, IF(ld, SUMIFS(LS_vaerdi, LS_aar, TRAPPE_AARENE, LS_trin, @CODES_COL, LS_maal, mm, LS_gyldig, ">="&llo,
                     LS_gyldig, "<="&(llo+7), LS_dranst, IF(rf=1, "<>ingen", "<>2")), 0),
  lsr, IF(ld, (COUNTIFS(LS_trin, @CODES_COL, LS_maal, mm, LS_aar, TRAPPE_AARENE)>0)*1, 0),
  lpf, IF(pa=0, 1, INDEX(PI_indeks, MATCH(pa, PI_aar, 0))/SUMIFS(PI_indeks, PI_aar, TRAPPE_AARENE)),
"""


def _land_figure(mask: str, name: str) -> str:
    """``name``v: DST's figure per year for the codes of ``mask`` (K × 1); ``name``k: 1 where
    it exists."""
    return (f"  {name}v, IF(ld, MMULT(TRANSPOSE({mask}), lsv*lsr)*lpf, 0),\n"
            f"  {name}k, IF(ld, lhv*(MMULT(TRANSPOSE({mask}), lsr)>0)*ISNUMBER({name}v), 0),\n")


LMASK = "IF({t}=@I_ALT, @CODES_COL^0, IF({t}=@I_ALT_PAA_TRIN, (@CODES_COL<>0)*1, (@CODES_COL={t})*1))"

#: the price factor indeks[prisår] / indeks[år] for year(s) y
PF = "IF(pa=0, 1, INDEX(PI_indeks, MATCH(pa, PI_aar, 0))/SUMIFS(PI_indeks, PI_aar, {y}))"
#: "trin 3" / "i alt" as answers.trin_text
TRIN_TEXT = ('IF(tt=@I_ALT, "i alt", IF(tt=@I_ALT_PAA_TRIN, "i alt på trin", IF(tt=0, "ikke fordelt", '
             '"trin "&IF(tt>9, INT(tt/10)&"–"&MOD(tt, 10), tt))))')
UNIT_NOTE = 'IF(OR(per, ee=5), " ("&INDEX(@UNIT_LABELS, ee)&")", "")'
INDEX_CHECK = 'IF(AND(pa<>0, ISNA(MATCH({y}, PI_aar, 0))), "prisindekset mangler år "&{y}, "")'


def _one_figure(name: str, who: str, kind: str, andel: bool = False) -> str:
    """TRAPPE_STEP, TRAPPE_SAMMENLIGN, TRAPPE_ANDEL: one figure of one year and step."""
    step = "1" if not andel else "0"
    choices = ('IF(INDEX(vv, 1, 1)<>"", INDEX(vv, 1, 1), IF(INDEX(vv, 1, 3)=5, "@NO_SHARE_PER_CHILD", ""))'
               if andel else "INDEX(vv, 1, 1)")
    head = f"""
LET(
  hm, _TRAPPE_HVEM({who}, {kind}, 0),
  yy, _TRAPPE_AAR(aar, "år"),
  tt, _TRAPPE_TRIN(trin, {step}),
  vv, _TRAPPE_VALG(maal_, enhed_, priser_, refusion_),
  arg, IF(ISTEXT(INDEX(hm, 1, 1)), INDEX(hm, 1, 1), IF(ISTEXT(yy), yy, IF(ISTEXT(tt), tt, {choices}))),
  IF(arg<>"", @BESKED(arg), LET(
  km, hm,
  hv, _TRAPPE_HVEM({who}, {kind}, 1),
  mm, INDEX(vv, 1, 2), ee, INDEX(vv, 1, 3), pa, INDEX(vv, 1, 4), rf, INDEX(vv, 1, 5),
  @ROWS
  # the figure: Σ amounts of the members with data × price factor / their children
  tmask, IF(tt=@I_ALT, 1, IF(tt=@I_ALT_PAA_TRIN, (TD_trin<>0)*1, (TD_trin=tt)*1)),
  aa, SUMPRODUCT(vc*ww, rm*(TD_aar=yy)*tmask*cb),
  nn, SUMPRODUCT(dm*(DK_aar=yy)),
  n0, SUMPRODUCT(d0*(DK_aar=yy)),
  pb, SUMPRODUCT(dm*pop*(DK_aar=yy)),
  pf, {PF.format(y="yy")},
  # per child: the members' children per count step (1 x 7); i alt: over the steps with a source
  ckv, IF(ch, MMULT(TRANSPOSE(dm*(DK_aar=yy)), kbz), 0),
  csv, IF(ch, (MMULT(TRANSPOSE((TD_aar=yy)*(TD_maal=mm)), (TD_trin=@COUNT_STEPS)*1)>0)*1, 0),
  ckd, IF(ch, IF(OR(tt=@I_ALT, tt=@I_ALT_PAA_TRIN), SUMPRODUCT(ckv*csv),
                 IFERROR(INDEX(ckv, 1, MATCH(tt, @COUNT_STEPS, 0)), 0)), 0),
  tal, IFERROR(aa*pf/IF(ch, ckd/1000, IF(per, pb/1000, IF(wt, pb, IF(mn, nn, 1)))), NA()),"""
    if kind == "0":        # TRAPPE_STEP: answers._missing
        missing = (f'IF(AND(ch, nn>0), "intet børnetal for "&hv&" "&yy&" "&{TRIN_TEXT}&"@CHILD_MISSING", '
                   'IF(AND(per, n0>0), "ingen befolkningstal ("&IF(ee=2, "0-17", "0-22")&"-årige) for "&hv&" "&yy, '
                   f'"ingen data for "&hv&" "&yy&" "&{TRIN_TEXT}))')
    else:
        missing = f'"ingen data for "&hv&" "&yy&" "&{TRIN_TEXT}&{UNIT_NOTE}'
    land = ""
    if kind == "1":         # a group: "Hele landet" may be DST's own figure
        land = (LAND.format(who=who) + _land_figure(LMASK.format(t="tt"), "lt")
                + "  iy, MATCH(yy, TRAPPE_AARENE, 0),\n")
    checks = land + f"""
  kch, _TRAPPE_KILDE(km, yy, tt, mm, hv, 0),
  ich, {INDEX_CHECK.format(y="yy")},"""
    if not andel:
        value = 'IF(ld, IF(INDEX(ltk, 1, iy)=1, INDEX(ltv, 1, iy), NA()), tal)' if kind == "1" else "tal"
        gone = "IF(ld, ISNA(talx), OR(nn=0, ISNA(tal)))" if kind == "1" else "OR(nn=0, ISNA(tal))"
        return head + checks + f"""
  talx, {value},
  fejl,
    IF(kch<>"", kch,
    IF(ich<>"", ich,
    IF({gone}, {missing}, ""))),
  IF(fejl<>"", @BESKED(fejl), talx))))
"""
    # TRAPPE_ANDEL: the step's share of i alt (af empty or "i alt") or of i alt på trin
    return head + checks + f"""
  af0, AND(NOT(ISNUMBER(af_)), NOT(ISLOGICAL(af_)), TRIM(af_&"")=""),
  afk, IF(af0, @I_ALT, _TRAPPE_TRIN(af_, 1)),
  hel, IF(AND(ISNUMBER(afk), OR(afk=@I_ALT, afk=@I_ALT_PAA_TRIN)), afk, -1),
  tot, SUMPRODUCT(vc*ww, rm*(TD_aar=yy)*IF(hel=@I_ALT_PAA_TRIN, (TD_trin<>0)*1, 1)),
{_land_figure(LMASK.format(t="hel"), "lw")}  andel, IF(ld, IF(AND(INDEX(ltk, 1, iy)=1, INDEX(lwk, 1, iy)=1, INDEX(lwv, 1, iy)<>0),
                   INDEX(ltv, 1, iy)/INDEX(lwv, 1, iy), NA()),
            IF(OR(nn=0, tot=0), NA(), aa/tot)),
  fejl,
    IF(kch<>"", kch,
    IF(hel<0, "af skal være 'i alt' eller 'i alt på trin', ikke "&_TRAPPE_VIS(af_),
    IF(AND(hel=@I_ALT_PAA_TRIN, tt=0), "ikke fordelt har ingen andel af i alt på trin (trin 1–6)",
    IF(ich<>"", ich,
    IF(ISNA(andel), "ingen data for "&hv&" "&yy&" "&{TRIN_TEXT}&" (eller i alt er 0)", ""))))),
  IF(fejl<>"", @BESKED(fejl), andel))))
"""


#: per year of the workbook (a row over TRAPPE_AARENE): fz = the figure (0 where missing), ok =
#: whether it exists; for step mask tmask
VECTOR = f"""
  av, MMULT(TRANSPOSE(vc*ww*rm*tmask*cb), (TD_aar=TRAPPE_AARENE)*1),
  nv, MMULT(TRANSPOSE(dm*1), (DK_aar=TRAPPE_AARENE)*1),
  pw, MMULT(TRANSPOSE(dm*pop), (DK_aar=TRAPPE_AARENE)*1),
  # per child: children per count step and year (7 x years), the steps with a source, i alt
  kby, IF(ch, MMULT(TRANSPOSE(kbz*dm), (DK_aar=TRAPPE_AARENE)*1), 0),
  sry, IF(ch, (MMULT(TRANSPOSE((TD_trin=@COUNT_STEPS)*(TD_maal=mm)), (TD_aar=TRAPPE_AARENE)*1)>0)*1, 0),
  tky, IF(ch, MMULT(@COUNT_STEPS^0, kby*sry), 0),
  kyv, IF(ch, IF(OR(tt=@I_ALT, tt=@I_ALT_PAA_TRIN), tky, IFERROR(INDEX(kby, MATCH(tt, @COUNT_STEPS, 0), 0), 0)), 0),
  fac, {PF.format(y="TRAPPE_AARENE")}/IF(ch, kyv/1000, IF(per, pw/1000, IF(wt, pw, IF(mn, nv, 1)))),
  fw, av*fac,
  ok, (nv>0)*ISNUMBER(fw),
  fz, IF(ok=1, fw, 0),
"""

MERUDGIFT = f"""
# TRAPPE_MERUDGIFT: the year's figure minus the basis (one year, or the mean of a period)
LET(
  hm, _TRAPPE_HVEM(kommune_eller_gruppe, 1, 0),
  # basisår (arguments.parse_aar_periode): one year, "2016-2018", or a range of one or two cells
  nb, IF(ISREF(basisaar), ROWS(basisaar)*COLUMNS(basisaar), 1),
  bf, IF(nb>1, TRIM(basisaar&"")<>"", TRUE),
  bp, IF(nb>1, (ROW(basisaar)-MIN(ROW(basisaar)))*COLUMNS(basisaar)+COLUMN(basisaar)-MIN(COLUMN(basisaar)), 0),
  p1, MIN(IF(bf, bp, nb)),
  p2, MAX(IF(bf, bp, -1)),
  bs, SUBSTITUTE(SUBSTITUTE(TRIM(basisaar&""), " ", ""), "–", "-"),
  spand, AND(nb=1, ISTEXT(basisaar), LEN(bs)=9, MID(bs, 5, 1)="-",
             IFERROR(LEFT(bs, 4)=TEXT(--LEFT(bs, 4), "0000"), FALSE),
             IFERROR(RIGHT(bs, 4)=TEXT(--RIGHT(bs, 4), "0000"), FALSE)),
  lo, IF(nb>1, IF(SUM(bf*1)=0, "", _TRAPPE_AAR(INDEX(basisaar, INT(p1/COLUMNS(basisaar))+1, MOD(p1, COLUMNS(basisaar))+1), "basisår")),
         _TRAPPE_AAR(IF(spand, LEFT(bs, 4), basisaar), "basisår")),
  hi, IF(nb>1, IF(SUM(bf*1)=0, "", _TRAPPE_AAR(INDEX(basisaar, INT(p2/COLUMNS(basisaar))+1, MOD(p2, COLUMNS(basisaar))+1), "basisår")),
         _TRAPPE_AAR(IF(spand, RIGHT(bs, 4), basisaar), "basisår")),
  yy, _TRAPPE_AAR(aar, "år"),
  tt, _TRAPPE_TRIN(trin, 1),
  vv, _TRAPPE_VALG(maal_, enhed_, priser_, refusion_),
  arg, IF(ISTEXT(INDEX(hm, 1, 1)), INDEX(hm, 1, 1),
       IF(AND(nb>1, OR(SUM(bf*1)=0, SUM(bf*1)>2)), "basisår skal være ét år eller to celler (fra og til)",
       IF(ISTEXT(lo), lo, IF(ISTEXT(hi), hi,
       IF(lo>hi, "basisår: fra-år "&lo&" ligger efter til-år "&hi,
       IF(ISTEXT(yy), yy, IF(ISTEXT(tt), tt, INDEX(vv, 1, 1)))))))),
  IF(arg<>"", @BESKED(arg), LET(
  km, hm,
  hv, _TRAPPE_HVEM(kommune_eller_gruppe, 1, 1),
  mm, INDEX(vv, 1, 2), ee, INDEX(vv, 1, 3), pa, INDEX(vv, 1, 4), rf, INDEX(vv, 1, 5),
  @ROWS
  tmask, IF(tt=@I_ALT, 1, IF(tt=@I_ALT_PAA_TRIN, (TD_trin<>0)*1, (TD_trin=tt)*1)),
  {VECTOR}
  {LAND.format(who="kommune_eller_gruppe")}{_land_figure(LMASK.format(t="tt"), "lt")}
  okx, IF(ld, ltk, ok),
  fzx, IF(ld, IF(ltk=1, ltv, 0), fz),
  inb, (TRAPPE_AARENE>=lo)*(TRAPPE_AARENE<=hi),
  isy, (TRAPPE_AARENE=yy)*1,
  # each year's checks (price index, then answers.check_step): basis years first, then the year
  ip, (pa<>0)*ISNA(MATCH(TRAPPE_AARENE, PI_aar, 0)),
  bad, ((ip+_TRAPPE_KILDE(km, TRAPPE_AARENE, tt, mm, hv, 1))>0)*1,
  fbb, MIN(IF(inb*bad, TRAPPE_AARENE, 9999)),
  fb, IF(fbb<9999, fbb, IF(SUMPRODUCT(isy*bad)>0, yy, 9999)),
  fejl,
    IF(fb<9999, IF(INDEX(ip, 1, MATCH(fb, TRAPPE_AARENE, 0)), "prisindekset mangler år "&fb,
                   _TRAPPE_KILDE(km, fb, tt, mm, hv, 0)),
    IF(OR(SUMPRODUCT(isy*okx)=0, SUMPRODUCT(inb*okx)<SUMPRODUCT(inb)),
       "ingen data for "&hv&" "&yy&" "&{TRIN_TEXT}&{UNIT_NOTE}&" eller basisår "&IF(lo=hi, lo, lo&"–"&hi),
    "")),
  IF(fejl<>"", @BESKED(fejl),
     SUMPRODUCT(isy*fzx)-SUMPRODUCT(inb*fzx)/SUMPRODUCT(inb)))))
"""

SERIE = f"""
# TRAPPE_SERIE: a header row, then År and the steps (Analyse's step columns and i alt, or the
# one step asked for) per year; a cell is empty where the figure is missing
LET(
  hm, _TRAPPE_HVEM(kommune_eller_gruppe, 1, 0),
  lo, _TRAPPE_AAR(fra_aar, "fra-år"),
  hi, _TRAPPE_AAR(til_aar, "til-år"),
  tomt, AND(NOT(ISNUMBER(trin_)), NOT(ISLOGICAL(trin_)), TRIM(trin_&"")=""),
  tt, IF(tomt, @I_ALT, _TRAPPE_TRIN(trin_, 1)),
  vv, _TRAPPE_VALG(maal_, enhed_, priser_, refusion_),
  arg, IF(ISTEXT(INDEX(hm, 1, 1)), INDEX(hm, 1, 1), IF(ISTEXT(lo), lo, IF(ISTEXT(hi), hi,
       IF(lo>hi, "fra-år "&lo&" ligger efter til-år "&hi,
       IF(ISTEXT(tt), tt, INDEX(vv, 1, 1)))))),
  IF(arg<>"", @BESKED(arg), LET(
  km, hm,
  hv, _TRAPPE_HVEM(kommune_eller_gruppe, 1, 1),
  mm, INDEX(vv, 1, 2), ee, INDEX(vv, 1, 3), pa, INDEX(vv, 1, 4), rf, INDEX(vv, 1, 5),
  @ROWS
  tmask, 1,
  {VECTOR}
  # the columns as step codes: -1 (År), the steps, 8 (i alt); cm: the TrinData rows each sums
  cc, IF(tomt, @SHOWN_CODES, IF({{1,0}}, -1, tt)),
  cm, (((TD_trin=cc)+(cc=@I_ALT)+(cc=@I_ALT_PAA_TRIN)*(TD_trin<>0))>0)*1,
  kyc, IF(ch, MMULT(TRANSPOSE(kby), (TRANSPOSE(@COUNT_STEPS)=cc)*1)
             + TRANSPOSE(tky)*(((cc=@I_ALT)+(cc=@I_ALT_PAA_TRIN))>0), 1),
  fy, IF(ch, MMULT(TRANSPOSE((TD_aar=TRAPPE_AARENE)*vc*ww*rm*cb), cm)
             *TRANSPOSE({PF.format(y="TRAPPE_AARENE")})/(kyc/1000),
         MMULT(TRANSPOSE((TD_aar=TRAPPE_AARENE)*vc*ww*rm), cm)*TRANSPOSE(fac)),
  sc, MMULT(TRANSPOSE((TD_aar=TRAPPE_AARENE)*(TD_maal=mm)), cm),
  {LAND.format(who="kommune_eller_gruppe")}  cml, (((@CODES_COL=cc)+(cc=@I_ALT)+(cc=@I_ALT_PAA_TRIN)*(@CODES_COL<>0))>0)*1,
  fyl, IF(ld, MMULT(TRANSPOSE(lsv*lsr), cml)*TRANSPOSE(lpf), 0),
  scl, IF(ld, MMULT(TRANSPOSE(lsr), cml), 0),
  okx, IF(ld, lhv*ISNUMBER(lpf), ok),
  fyx, IF(ld, fyl, fy),
  scx, IF(ld, scl, sc),
  nn, hi-lo+1,
  ii, ROW(INDEX(KOM_kommunekode, 1):INDEX(KOM_kommunekode, nn+1))-ROW(INDEX(KOM_kommunekode, 1)),
  ss, ((lo+ii-1)=TRAPPE_AARENE)*(ii>0),
  jj, IF(tomt, @COLUMN_NUMBERS, {{0,1}}),
  has, MMULT(ss, TRANSPOSE(okx))*MMULT(ss, (scx>0)*1)*(jj>0)*IF(ch, MMULT(ss, (kyc>0)*1), 1),
  vals, MMULT(ss, IFERROR(fyx, 0)),
  hdr, IF(jj=0, "År", IF(tomt, INDEX(@ALL_LABELS, 1, jj+1), INDEX(@CODE_LABELS, IFERROR(MATCH(tt, @LABEL_CODES, 0), 1)))),
  # the first year without a price index stops the table (answers._check_index)
  ix, MIN(IF(ISNA(MATCH(TRAPPE_AARENE, PI_aar, 0))*(TRAPPE_AARENE>=lo)*(TRAPPE_AARENE<=hi), TRAPPE_AARENE, 9999)),
  fejl,
    IF(AND(pa<>0, ix<9999), "prisindekset mangler år "&ix,
    IF(SUM(has)=0, "ingen data for "&hv&{UNIT_NOTE}&" "&lo&"–"&hi, "")),
  IF(fejl<>"", @BESKED(fejl),
     IF(ii=0, hdr, IF(jj=0, lo+ii-1, IF(has>0, vals, "")))))))
"""

BESKED = 'LET(besked, "#TRAPPE: "&TRIM({m}), IF(LEN(besked)>@MAX, LEFT(besked, @MAX-1)&"…", besked))'

BODIES = {
    "_TRAPPE_VIS": VIS,
    "_TRAPPE_AAR": AAR,
    "_TRAPPE_TRIN": TRIN_,
    "_TRAPPE_VALG": VALG,
    "_TRAPPE_HVEM": HVEM,
    "_TRAPPE_KILDE": KILDE,
    "TRAPPE_STEP": _one_figure("TRAPPE_STEP", "kommune", "0"),
    "TRAPPE_SAMMENLIGN": _one_figure("TRAPPE_SAMMENLIGN", "gruppe", "1"),
    "TRAPPE_ANDEL": _one_figure("TRAPPE_ANDEL", "kommune_eller_gruppe", "1", andel=True),
    "TRAPPE_MERUDGIFT": MERUDGIFT,
    "TRAPPE_SERIE": SERIE,
}


# -- constants of one workbook -------------------------------------------------------------------------
def _s(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _arr(values, column: bool = False) -> str:
    """An array constant: {1,2,3} (a row) or {1;2;3} (a column)."""
    sep = ";" if column else ","
    return "{" + sep.join(_s(v) if isinstance(v, str) else str(v) for v in values) + "}"


def _enhed_key(x: str) -> str:
    """arguments.parse_enhed's key: without whitespace . _ - ( ) and the words
    årig/aarig/arig/kroner/afledt."""
    for old in (" ", ".", "_", "-", "(", ")", "årig", "aarig", "arig", "kroner", "afledt"):
        x = f"SUBSTITUTE({x},{_s(old)},\"\")"
    return x


#: TrinData rows whose population part (TrinData.gyldig) has the per-child base of unit ee
CHILD_ROWS = "IF(per, (MOD(TD_gyldig, 4)>=ee-1)*(MOD(TD_gyldig, 4)<=ee), 1)"


def constants(value_column: str, years, trin_codes, *, has_population: bool = True,
              index_years=(), has_land: bool = False, has_children: bool = False) -> dict[str, str]:
    """@name -> formula text for one workbook: its years, step codes, units and words."""
    years = tuple(int(y) for y in years)
    codes = tuple(int(t) for t in trin_codes)
    accept = tuple(t for t in ALLE_TRIN if t in TRIN or t == IKKE_FORDELT or t in codes)
    combined = [t for t in accept if t in SAMLET_TRIN]
    derived = value_column == "kr_pr_indbygger" and has_population
    units = (4, 1, 2, 3) if derived else ENHED_OF_VALUE[value_column]
    if per_child_offered(value_column, derived, has_children):
        units = (*units, 5)           # kr. pr. barn i indsatsen
    shown = (*[t for t in codes if t != IKKE_FORDELT], IKKE_FORDELT)
    labels = {t: words.trin_label(t) for t in (*accept, I_ALT, I_ALT_PAA_TRIN)}
    label_codes = (*accept, I_ALT_PAA_TRIN, I_ALT)
    names = words.trin_names()
    comb_of = [next((c for c in combined if t in SAMLET_TRIN[c]), 0) for t in range(1, 7)]
    index_years = tuple(int(y) for y in index_years)
    return {
        "SPAN": f"{years[0]}–{years[-1]}",
        "ACCEPT": _arr(accept),
        "ALSO": "".join(f", {c // 10}-{c % 10}" for c in combined),
        "TOTAL_NAMES": _arr(list(TOTALS)), "TOTAL_CODES": _arr(list(TOTALS.values())),
        "NAMES": _arr(list(names)), "NAME_CODES": _arr(list(names.values())),
        "MAAL_KEYS": _arr(list(words.MAAL_ALIASES)), "MAAL_VALUES": _arr(list(words.MAAL_ALIASES.values())),
        "MAAL_CODES": _arr(MAAL_CODES), "MAAL_TEXT": _arr(MAAL_TEXT),
        "MAAL_COL": _arr(MAAL_CODES, column=True), "MAAL_TEXT_COL": _arr(MAAL_TEXT, column=True),
        "ENHED_KEY": _enhed_key("et"),
        "ENHED_NAMES": _arr(list(ENHED_KEYS)), "ENHED_CODES": _arr(list(ENHED_KEYS.values())),
        "DEFAULT_UNIT": str(units[0]), "UNIT_CODES": _arr(units),
        "UNITS": " / ".join(ENHED_LABELS[u] for u in units),
        "UNIT_LABELS": _arr([ENHED_LABELS[u] for u in (1, 2, 3, 4, 5)]),
        "JA": _arr(words.JA), "NEJ": _arr(words.NEJ), "LOEBENDE": _arr(words.LOEBENDE),
        "HAS_POPULATION": "TRUE" if has_population else "FALSE",
        "HAS_INDEX": "TRUE" if index_years else "FALSE",
        "HAS_LAND": "TRUE" if has_land else "FALSE",
        "CODES_COL": _arr(accept, column=True),
        "INDEX_SPAN": f"{index_years[0]}–{index_years[-1]}" if index_years else "",
        "HELE_LANDET": _arr(words.HELE_LANDET_NAMES),
        "I_ALT": str(I_ALT), "I_ALT_PAA_TRIN": str(I_ALT_PAA_TRIN),
        "COMBINED_OF": _arr(comb_of),
        "WEIGHTED": ("AND(ee=4, nm>1)" if value_column == "kr_pr_indbygger" and has_population
                     else "FALSE"),
        "MEAN": ("AND(ee=4, nm>1)" if value_column == "kr_pr_indbygger" and not has_population
                 else "FALSE"),
        "POP_ROWS": ("IF(wt, (TD_pop_ialt>0)*1, " + (CHILD_ROWS if derived else "1") + ")"
                     if value_column == "kr_pr_indbygger" else CHILD_ROWS),
        "DERIVED": "OR(ee<4, ee=5)" if derived else "FALSE",
        "COUNT_STEPS": _arr(COUNT_STEPS),
        "KBM": ("CHOOSE(" + _arr(list(range(1, len(COUNT_STEPS) + 1))) + ", "
                + ", ".join(f"DK_boern_{t}" for t in COUNT_STEPS) + ")") if has_children else "0",
        "CHILD_MISSING": words.CHILD_MISSING, "NO_SHARE_PER_CHILD": words.NO_SHARE_PER_CHILD,
        "VAL": "IF(ee=4, TD_vaerdi, TD_afledt_1000kr)" if derived else "TD_vaerdi",
        "WW": "IF(wt, TD_pop_ialt, 1)" if value_column == "kr_pr_indbygger" else "1",
        "SHOWN_CODES": _arr([-1, *shown, I_ALT]),
        "COLUMN_NUMBERS": _arr(list(range(len(shown) + 2))),
        "ALL_LABELS": _arr(["År", *[labels[t] for t in shown], labels[I_ALT]]),
        "CODE_LABELS": _arr([labels[t] for t in label_codes]), "LABEL_CODES": _arr(label_codes),
        "MAX": str(MAX_MESSAGE),
    }


# -- the compiler: laid-out text -> the formula Excel stores -----------------------------------------
_NEW_FUNCTIONS = ("LET", "LAMBDA", "ISOMITTED", "TEXTJOIN")
_TOKEN = re.compile(r'"(?:[^"]|"")*"|#[^\n]*|\s+|@[A-Z_]+(?:\([^()]*\))?|[A-Za-z_][A-Za-z0-9_.]*|.', re.S)


def compile_formula(text: str, consts: dict[str, str]) -> str:
    """The stored form of a laid-out body: no comments or whitespace, ``_xlpm.`` before each
    lower-case word (a parameter or LET variable), ``_xlfn.`` before the newer functions,
    ``@NAME`` replaced by ``consts`` (``@BESKED(x)`` by the message wrapper)."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        tok = m.group(0)
        pos = m.end()
        if tok.startswith('"'):
            out.append(_fill_string(tok, consts))
        elif tok.startswith("#") or tok.isspace():
            continue
        elif tok.startswith("@"):
            if tok.startswith("@BESKED("):
                out.append(compile_formula(BESKED.format(m=tok[8:-1]), consts))
            elif tok[1:] == "ROWS":
                out.append(compile_formula(ROWS_, consts).rstrip(","))
                out.append(",")
            else:
                out.append(compile_formula(consts[tok[1:]], consts) if tok[1:] in _FORMULA_CONSTS
                           else consts[tok[1:]])
        elif re.match(r"[A-Za-z_]", tok):
            follows = text[pos:pos + 1] == "("
            if follows and tok in _NEW_FUNCTIONS:
                out.append("_xlfn." + tok)
            elif not follows and tok[0].islower():
                out.append("_xlpm." + tok)
            else:
                out.append(tok)
        else:
            out.append(tok)
    return "".join(out)


#: constants that are formula text with variables in them (compiled like a body)
_FORMULA_CONSTS = {"ENHED_KEY", "WEIGHTED", "MEAN", "POP_ROWS", "WW", "DERIVED", "VAL", "KBM"}


def _fill_string(tok: str, consts: dict[str, str]) -> str:
    """A string literal with @NAME inside it filled in (the constant's plain text)."""
    return re.sub(r"@([A-Z_]+)", lambda m: consts[m.group(1)].replace('"', '""'), tok)


def _lambda(name: str, body: str) -> str:
    """_xlfn.LAMBDA(required…, optional…, body); optional parameters are declared _xlop. and
    bound as <name>_ = "" when omitted, so the body sees an empty argument as a blank cell."""
    req, opt = PARAMS[name]
    decl = [f"_xlpm.{n}" for n in req] + [f"_xlop.{n}" for n in opt]
    if opt:
        binds = ",".join(f"_xlpm.{n}_,IF(_xlfn.ISOMITTED(_xlpm.{n}),\"\",_xlpm.{n})" for n in opt)
        body = f"_xlfn.LET({binds},{body})"
    return f"_xlfn.LAMBDA({','.join(decl)},{body})"


def step_codes(steps) -> tuple[int, ...]:
    """The step codes the dashboard shows for these data, in its order (1–6 and the combined
    steps less the columns the data can never fill, dashboard.hidden_steps; then 0)."""
    from .dashboard import hidden_steps
    hidden = hidden_steps(steps["trin"].unique())
    return tuple(t for t in ALLE_TRIN if t not in hidden)


def lambda_names(value_column: str, years, trin_codes, strict: bool = True, *,
                 has_population: bool = True, index_years=(), has_land: bool = False,
                 has_children: bool = False) -> dict[str, str]:
    """{name: formula} for XlsxWriter's define_name: the years constant, the helpers and the
    public LAMBDA names. A name longer than Excel allows raises (``strict``) or is left out with
    a warning (a public name; the helpers are short)."""
    consts = constants(value_column, years, trin_codes, has_population=has_population,
                       index_years=index_years, has_land=has_land, has_children=has_children)
    out = {YEARS_NAME: "=" + _arr([int(y) for y in years])}
    for name, body in BODIES.items():
        out[name] = "=" + _lambda(name, compile_formula(body, consts))
    too_long = [n for n, f in out.items() if len(f) - 1 > MAX_NAME_FORMULA]
    if too_long and strict:
        raise TrappeError(f"LAMBDA-navnene {', '.join(too_long)} bliver længere end Excels "
                          f"{MAX_NAME_FORMULA} tegn")
    for n in too_long:
        log.warning("LAMBDA-navnet %s er længere end Excels %d tegn og udelades", n, MAX_NAME_FORMULA)
        del out[n]
    return out


# -- expansion for engines without LAMBDA/LET (tests) -------------------------------------------------
def _split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of text (inside strings, (), {} commas do not split)."""
    out, depth, cur = [], 0, []
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
    an ordinary formula (no LAMBDA, LET or ISOMITTED; a call of a helper name stays a call, which
    the caller computes the same way) for an engine without them. With ``scalar_cell(var, expr)
    -> reference or None`` a LET variable can be computed once (in cells the caller writes)
    instead of being repeated."""
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
