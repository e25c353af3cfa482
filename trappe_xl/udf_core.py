"""The TRAPPE functions without xlwings: parse Excel's arguments, look up, answer or explain.

Each ``trappe_*`` function takes a :class:`~trappe_xl.udf_book.TrappeBook` and the raw arguments
as Excel sends them. It returns a number, a list of lists (a spilled array; ``None`` = empty cell)
or raises a :class:`~trappe_xl.errors.TrappeError` whose message is Danish. :func:`guarded` turns
any failure into the cell text ``#TRAPPE: …`` — never a traceback, never a made-up number.

Missing data: a single figure answers ``#TRAPPE: ingen data for …``; inside an array a missing
figure is an empty cell, and an array with no figure at all answers the message.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable

from . import model
from .errors import SelectionError, TrappeError
from .reference import ALLE_TRIN, IKKE_FORDELT, trin_korte_navne
from .udf_book import TRIN_INDEX, TrappeBook
from .udf_parse import (ENHED_LABELS, I_ALT, I_ALT_PAA_TRIN, is_empty, parse_aar,
                        parse_aar_periode, parse_enhed, parse_flag, parse_maal, parse_priser,
                        parse_refusion, parse_trin, show)
from .udf_places import Gruppe

log = logging.getLogger(__name__)
PREFIX = "#TRAPPE: "
TOTAL_TRIN = {I_ALT: model.TRIN_I_ALT, I_ALT_PAA_TRIN: model.TRIN_I_ALT_PAA_TRIN}
TOTAL_LABEL = {model.TRIN_I_ALT: "I alt", model.TRIN_I_ALT_PAA_TRIN: "I alt på trin"}
ROW_TRIN = (*ALLE_TRIN, model.TRIN_I_ALT)  # what TRAPPE_TRIN/SERIE show: 1–6, ikke fordelt, i alt


def message(text: str) -> str:
    return PREFIX + text


def guarded(fn: Callable) -> Callable:
    """Wrap a core function so that every failure becomes a short Danish cell text."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TrappeError as e:
            return message(str(e))
        except Exception:  # a bug: log it for the developer, show the user a plain sentence
            log.exception("TRAPPE function %s failed", fn.__name__)
            return message("intern fejl – se Python-loggen (rapportér gerne fejlen)")

    return wrapper


def trin_label(trin: int) -> str:
    if trin in TOTAL_LABEL:
        return TOTAL_LABEL[trin]
    name = trin_korte_navne()[trin]
    return name if trin == IKKE_FORDELT else f"{trin} {name}"


def _trin_code(t: int | str) -> int:
    return TOTAL_TRIN.get(t, t) if isinstance(t, str) else t


def _num(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


MEMO_LIMIT = 100_000


def memo(book: TrappeBook, kind: str, fn: Callable, *args):
    """fn(*args), remembered per workbook for scalar arguments: a grid of calls parses "Aarhus",
    2019.0 or "pr. 0-17-årig" once. Keys carry the type, so True and 1.0 never share an answer;
    failures are not remembered (they raise again, cheaply)."""
    if any(isinstance(a, (list, tuple, dict)) for a in args):
        return fn(*args)
    key = (kind, *((a.__class__, a) for a in args))
    try:
        return book.memo[key]
    except KeyError:
        pass
    value = fn(*args)
    if len(book.memo) >= MEMO_LIMIT:
        book.memo.clear()
    book.memo[key] = value
    return value


def _valg(book: TrappeBook, maal: object, enhed: object, priser: object, refusion: object) -> model.Valg:
    return model.Valg(maal=parse_maal(maal), enhed=parse_enhed(enhed, book.value),
                      prisaar=parse_priser(priser, book.index_years), refusion=parse_refusion(refusion))


def valg(book: TrappeBook, maal: object, enhed: object, priser: object, refusion: object) -> model.Valg:
    return memo(book, "valg", lambda *a: _valg(book, *a), maal, enhed, priser, refusion)


def _check_index(book: TrappeBook, aar: int, v: model.Valg) -> None:
    if v.prisaar is not None:
        book.price_factor(aar, v.prisaar)  # raises MissingIndexYearError with a Danish message


def _what(book: TrappeBook, who: str, aar: int | None = None, trin: int | None = None,
          v: model.Valg | None = None) -> str:
    parts = [who] + ([str(aar)] if aar is not None else [])
    if trin is not None:
        parts.append(trin_label(trin).lower() if trin in TOTAL_LABEL or trin == IKKE_FORDELT
                     else f"trin {trin}")
    if v is not None and v.enhed in ("pr_0_17", "pr_0_22"):
        parts.append(f"({ENHED_LABELS[v.enhed]})")
    return " ".join(parts)


def no_data(what: str) -> SelectionError:
    return SelectionError(f"ingen data for {what}")


# -- one kommune (fast path) -------------------------------------------------------------------
def kommune_figures(book: TrappeBook, kode: str, aar: int, v: model.Valg) -> dict[int, float]:
    """Trin 1–6, 0, 7 (Σ 1–6) and 8 (Σ 0–6) for one kommune-year; NaN = missing."""
    _check_index(book, aar, v)
    row = book.kommune_row(kode, aar, v)
    out = {t: float(row[TRIN_INDEX[t]]) for t in ALLE_TRIN}
    paa_trin = 0.0
    for t in ALLE_TRIN[:6]:
        paa_trin += out[t]
    out[model.TRIN_I_ALT_PAA_TRIN] = paa_trin
    total = 0.0
    for t in ALLE_TRIN:
        total += out[t]
    out[model.TRIN_I_ALT] = total
    return out


def trappe_step(book: TrappeBook, kommune, aar, trin, maal=None, enhed=None, priser=None,
                refusion=None) -> float:
    """TRAPPE_STEP: one kommune's figure for one year and step (or 'i alt')."""
    kode = memo(book, "kommune", book.places.kommune, kommune)
    y = memo(book, "aar", lambda x: parse_aar(x, book.years), aar)
    t = memo(book, "trin", parse_trin, trin)
    v = valg(book, maal, enhed, priser, refusion)
    if isinstance(t, str):
        value = kommune_figures(book, kode, y, v)[_trin_code(t)]
    else:
        _check_index(book, y, v)
        value = book.kommune_value(kode, y, t, v)
    if math.isnan(value):
        raise _missing(book, kode, y, _trin_code(t), v)
    return value


def _missing(book: TrappeBook, kode: str, aar: int, trin: int | None, v: model.Valg) -> SelectionError:
    """Say *why* a kommune's figure is missing: no population for a per-child unit, or no data."""
    navn = book.places.navn(kode)
    if v.enhed in ("pr_0_17", "pr_0_22"):
        amounts = book.amounts(v.maal, v.refusion)[book.kode_pos[kode], book.year_pos[aar]]
        if not math.isnan(amounts[0]):
            ages = "0-17" if v.enhed == "pr_0_17" else "0-22"
            return SelectionError(f"ingen befolkningstal ({ages}-årige) for {navn} {aar}")
    return no_data(_what(book, navn, aar, trin))


def trappe_trin(book: TrappeBook, kommune, aar, maal=None, enhed=None, priser=None, refusion=None,
                vandret=None, etiketter=None) -> list[list]:
    """TRAPPE_TRIN: trin 1–6, ikke fordelt, i alt for one kommune-year as a column (or a row)."""
    kode = book.places.kommune(kommune)
    y = parse_aar(aar, book.years)
    v = valg(book, maal, enhed, priser, refusion)
    row_wise = parse_flag(vandret, "vandret", False)
    labels = parse_flag(etiketter, "etiketter", False)
    figures = kommune_figures(book, kode, y, v)
    values = [_num(figures[t]) for t in ROW_TRIN]
    if all(x is None for x in values):
        raise _missing(book, kode, y, None, v)
    cols = [[trin_label(t) for t in ROW_TRIN], values] if labels else [values]
    return cols if row_wise else [list(r) for r in zip(*cols)]


# -- groups (model path) -----------------------------------------------------------------------
def group_figure(book: TrappeBook, g: Gruppe, aar: int, trin: int, v: model.Valg) -> float:
    _check_index(book, aar, v)
    if len(g.members) == 1:
        return kommune_figures(book, g.members[0], aar, v)[trin]
    return book.serie(g.members, v).get((aar, trin), math.nan)


def trappe_sammenlign(book: TrappeBook, gruppe, aar, trin, maal=None, enhed=None, priser=None,
                      refusion=None) -> float:
    """TRAPPE_SAMMENLIGN: the figure of a group (Σ over members with data; per child Σ/Σ)."""
    g = book.places.gruppe(gruppe)
    y = parse_aar(aar, book.years)
    t = _trin_code(parse_trin(trin))
    v = valg(book, maal, enhed, priser, refusion)
    value = group_figure(book, g, y, t, v)
    if math.isnan(value):
        raise no_data(_what(book, g.label, y, t, v))
    return value


def trappe_serie(book: TrappeBook, hvem, fra_aar, til_aar, trin=None, maal=None, enhed=None,
                 priser=None, refusion=None) -> list[list]:
    """TRAPPE_SERIE: header row, then one row per year: År, trin 1–6, ikke fordelt, i alt
    (or År and the one step asked for)."""
    g = book.places.gruppe(hvem)
    lo, hi = parse_aar(fra_aar, book.years, "fra-år"), parse_aar(til_aar, book.years, "til-år")
    if lo > hi:
        raise SelectionError(f"fra-år {lo} ligger efter til-år {hi}")
    shown = ROW_TRIN if is_empty(trin) else (_trin_code(parse_trin(trin)),)
    v = valg(book, maal, enhed, priser, refusion)
    years = [y for y in book.years if lo <= y <= hi]
    rows: list[list] = [["År", *(trin_label(t) for t in shown)]]
    for y in years:
        _check_index(book, y, v)
        if len(g.members) == 1:
            fig = kommune_figures(book, g.members[0], y, v)
            rows.append([y, *(_num(fig[t]) for t in shown)])
        else:
            rows.append([y, *(_num(group_figure(book, g, y, t, v)) for t in shown)])
    if all(x is None for r in rows[1:] for x in r[1:]):
        raise no_data(_what(book, g.label, v=v) + f" {lo}–{hi}")
    return rows


def trappe_andel(book: TrappeBook, hvem, aar, trin, maal=None, enhed=None, priser=None,
                 refusion=None, af=None) -> float:
    """TRAPPE_ANDEL: a step's share (0–1) of i alt (default) or of i alt på trin (af='trin 1-6')."""
    g = book.places.gruppe(hvem)
    y = parse_aar(aar, book.years)
    t = parse_trin(trin, allow_total=False)
    v = valg(book, maal, enhed, priser, refusion)
    column = "andel" if is_empty(af) or parse_trin(af) == I_ALT else "andel_paa_trin"
    if column == "andel_paa_trin" and parse_trin(af) != I_ALT_PAA_TRIN:
        raise SelectionError(f"af skal være 'i alt' eller 'i alt på trin', ikke {show(af)}")
    if column == "andel_paa_trin" and t == IKKE_FORDELT:
        raise SelectionError("ikke fordelt har ingen andel af i alt på trin (trin 1–6)")
    _check_index(book, y, v)
    value = book.andele(g.members, v, column).get((y, t), math.nan)
    if math.isnan(value):
        raise no_data(_what(book, g.label, y, t) + " (eller i alt er 0)")
    return value


def trappe_merudgift(book: TrappeBook, hvem, basisaar, aar, trin, maal=None, enhed=None,
                     priser=None, refusion=None) -> float:
    """TRAPPE_MERUDGIFT: the year's figure minus the basis (one year or the mean of a period)."""
    g = book.places.gruppe(hvem)
    basis = parse_aar_periode(basisaar, book.years)
    y = parse_aar(aar, book.years)
    t = _trin_code(parse_trin(trin))
    v = valg(book, maal, enhed, priser, refusion)
    for year in (*basis, y):
        _check_index(book, year, v)
    value = book.merudgift(g.members, v, basis).get((y, t), math.nan)
    if math.isnan(value):
        span = f"{basis[0]}" if len(basis) == 1 else f"{basis[0]}–{basis[-1]}"
        raise no_data(_what(book, g.label, y, t, v) + f" eller basisår {span}")
    return value


# -- info --------------------------------------------------------------------------------------
def trappe_info(book: TrappeBook, felt=None):
    """TRAPPE_INFO: the workbook's ModelInfo (data period, snapshot, key version); one field or all."""
    info = book.info
    if is_empty(felt):
        return [[k, _cell(v)] for k, v in info.items()]
    key = str(felt).strip().casefold()
    for k, v in info.items():
        if k.casefold() == key:
            return _cell(v)
    raise SelectionError(f"ukendt felt {show(felt)} – kendte felter: {', '.join(info)}")


def _cell(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
