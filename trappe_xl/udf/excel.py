"""TRAPPE-funktionerne til Excel (xlwings UDFs): tynde indpakninger om trappe_xl.udf_core.

The only module that imports xlwings. Each function reads the data of the workbook it is called
from (``caller.sheet.book.fullname``; outside Excel: :func:`use_workbook`), cached by file path,
mtime and size. Docstrings and ``doc=`` texts are Danish because Excel shows them as function help
(Excel cuts them at 255 characters).

The parameters carry no type hints on purpose: xlwings would treat a hint as a converter.
"""

from __future__ import annotations

import os

import xlwings as xw

from . import answers as core
from ..errors import TrappeError
from .book import TrappeBook
from .tables import BookCache

CATEGORY = "TRAPPE"
_CACHE = BookCache(TrappeBook)
_selected: str | None = None

D_KOMMUNE = "Kommunens navn eller kode, fx \"Aarhus\" eller 751"
D_GRUPPE = ("Kommune, område med kommunenavne/-koder, region (\"Region Hovedstaden\"), "
            "kommunegruppe (\"Landkommuner\") eller \"Hele landet\"")
D_AAR = "Regnskabsår, fx 2019"
D_TRIN = ("Trin 1-6, 0 = ikke fordelt på trin, \"2-3\"/\"4-5\" = samlet trin (data på funktionsniveau), "
          "\"i alt\" eller trinnets navn")
D_MAAL = "\"netto\" (standard), \"udgifter\" eller \"indtægter\""
D_ENHED = ("\"1.000 kr.\" (standard), \"pr. 0-17-årig\", \"pr. 0-22-årig\" eller, med børnetal, "
           "\"pr. barn i indsatsen\" (data i kr. pr. indbygger: den enhed og de afledte)")
D_PRISER = "\"løbende\" (standard) eller et prisår, fx 2024, for faste priser i det års niveau"
D_REFUSION = "\"med\" (standard) eller \"uden\" statsrefusion (dranst 2)"


def use_workbook(path: str | os.PathLike | None) -> None:
    """Outside Excel (tests, scripts, notebooks): read the TRAPPE data from this built workbook.

    ``None`` forgets the choice. Inside Excel the calling workbook always wins.
    """
    global _selected
    _selected = None if path is None else os.fspath(path)


def clear_cache() -> None:
    _CACHE.clear()


def _book(caller) -> TrappeBook:
    path = _caller_path(caller) or _selected
    if not path:
        raise TrappeError("ingen projektmappe – gem projektmappen, eller kald "
                          "trappe_xl.udf.use_workbook(sti) uden for Excel")
    try:
        return _CACHE.get(path)
    except TrappeError as e:
        raise TrappeError(f"kan ikke læse TRAPPE-data i {os.path.basename(path)}: {e}") from e


def _caller_path(caller) -> str | None:
    if caller is None:
        return None
    path = caller.sheet.book.fullname
    return path if os.path.isfile(path) else None


@core.guarded
def _run(fn, caller, *args):
    return fn(_book(caller), *args)


def _choices(fn):
    """The four choices every figure function takes (mål, enhed, priser, refusion), documented once."""
    for name, doc in (("refusion", D_REFUSION), ("priser", D_PRISER), ("enhed", D_ENHED),
                      ("maal", D_MAAL)):
        fn = xw.arg(name, doc=doc)(fn)
    return fn


@xw.func(category=CATEGORY)
@xw.arg("kommune", doc=D_KOMMUNE)
@xw.arg("aar", doc=D_AAR)
@xw.arg("trin", doc=D_TRIN)
@_choices
def TRAPPE_STEP(kommune, aar, trin, maal=None, enhed=None, priser=None, refusion=None, caller=None):
    """Én kommunes udgift på ét trin af indsatstrappen i ét år (samme tal som projektmappens
    formler). Mangler data, svarer den "#TRAPPE: ingen data for …"; har trinnet ingen kilde, siger den det."""
    return _run(core.trappe_step, caller, kommune, aar, trin, maal, enhed, priser, refusion)


@xw.func(category=CATEGORY)
@xw.arg("kommune", doc=D_KOMMUNE)
@xw.arg("aar", doc=D_AAR)
@_choices
@xw.arg("vandret", doc="SAND = som række; FALSK (standard) = som kolonne")
@xw.arg("etiketter", doc="SAND = vis trinnenes navne ved siden af tallene")
def TRAPPE_TRIN(kommune, aar, maal=None, enhed=None, priser=None, refusion=None, vandret=None,
                etiketter=None, caller=None):
    """Alle trin for én kommune og ét år (trinnene fra arket Analyse, ikke fordelt og i alt) som
    et dynamisk område (kolonne eller række). Tomme celler = manglende data eller trin uden kilde."""
    return _run(core.trappe_trin, caller, kommune, aar, maal, enhed, priser, refusion, vandret,
                etiketter)


@xw.func(category=CATEGORY)
@xw.arg("kommune_eller_gruppe", doc=D_GRUPPE)
@xw.arg("fra_aar", doc="Første år")
@xw.arg("til_aar", doc="Sidste år")
@xw.arg("trin", doc="Tom = alle trin, ikke fordelt og i alt; ellers ét trin")
@_choices
def TRAPPE_SERIE(kommune_eller_gruppe, fra_aar, til_aar, trin=None, maal=None, enhed=None,
                 priser=None, refusion=None, caller=None):
    """Udviklingen over år: en tabel med overskrift og én række pr. år (år × trin) for en kommune
    eller en gruppe. Spilles ud som dynamisk matrix. Tomme celler = manglende data eller trin uden kilde."""
    return _run(core.trappe_serie, caller, kommune_eller_gruppe, fra_aar, til_aar, trin, maal,
                enhed, priser, refusion)


@xw.func(category=CATEGORY)
@xw.arg("gruppe", doc=D_GRUPPE)
@xw.arg("aar", doc=D_AAR)
@xw.arg("trin", doc=D_TRIN)
@_choices
def TRAPPE_SAMMENLIGN(gruppe, aar, trin, maal=None, enhed=None, priser=None, refusion=None,
                      caller=None):
    """Tallet for en sammenligningsgruppe: sum over kommuner med data; pr. barn = samlet udgift
    delt med samlet antal børn (som modellen og projektmappen regner)."""
    return _run(core.trappe_sammenlign, caller, gruppe, aar, trin, maal, enhed, priser, refusion)


@xw.func(category=CATEGORY)
@xw.arg("kommune_eller_gruppe", doc=D_GRUPPE)
@xw.arg("aar", doc=D_AAR)
@xw.arg("trin", doc="Trin 1-6 eller 0 = ikke fordelt på trin")
@_choices
@xw.arg("af", doc="\"i alt\" (standard, trin 1-6 og ikke fordelt) eller \"i alt på trin\"")
def TRAPPE_ANDEL(kommune_eller_gruppe, aar, trin, maal=None, enhed=None, priser=None,
                 refusion=None, af=None, caller=None):
    """Trinnets andel (0-1) af i alt for en kommune eller gruppe i et år. Formatér cellen som
    procent."""
    return _run(core.trappe_andel, caller, kommune_eller_gruppe, aar, trin, maal, enhed, priser,
                refusion, af)


@xw.func(category=CATEGORY)
@xw.arg("kommune_eller_gruppe", doc=D_GRUPPE)
@xw.arg("basisaar", doc="Basisår (fx 2015) eller periode (\"2015-2017\" eller to celler): gennemsnit")
@xw.arg("aar", doc=D_AAR)
@xw.arg("trin", doc=D_TRIN)
@_choices
def TRAPPE_MERUDGIFT(kommune_eller_gruppe, basisaar, aar, trin, maal=None, enhed=None, priser=None,
                     refusion=None, caller=None):
    """Merudgift: årets tal minus basisniveauet (basisåret eller gennemsnittet af basisperioden).
    Brug faste priser for at sammenligne over tid."""
    return _run(core.trappe_merudgift, caller, kommune_eller_gruppe, basisaar, aar, trin, maal,
                enhed, priser, refusion)


@xw.func(category=CATEGORY)
@xw.arg("felt", doc="Tom = alle felter som tabel; ellers et feltnavn fra arket 'Om data'")
def TRAPPE_INFO(felt=None, caller=None):
    """Om data: dataperiode, snapshot-datoer, nøgleversion m.m. fra projektmappen."""
    return _run(core.trappe_info, caller, felt)
