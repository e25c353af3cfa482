"""The TRAPPE functions without xlwings: parse Excel's arguments, look up, answer or explain.

Each ``trappe_*`` function takes a :class:`~trappe_xl.udf_book.TrappeBook` and the raw arguments
as Excel sends them. It returns a number, a list of lists (a spilled array; ``None`` = empty cell)
or raises a :class:`~trappe_xl.errors.TrappeError` whose message is Danish. :func:`guarded` turns
any failure into the cell text ``#TRAPPE: …`` — never a traceback, never a made-up number.

Missing data: a single figure answers ``#TRAPPE: ingen data for …``; inside an array a missing
figure is an empty cell, and an array with no figure at all answers the message. A step without
a source that year (no TrinData row for it at all, e.g. trin 1: ``model.covered``) is missing the
same way, never 0: a single figure answers ``#TRAPPE: trin 1 har ingen kilde i data for …``, a
table leaves the cell empty, and the totals sum only the steps that have a source.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from datetime import date, datetime, timezone
from collections.abc import Callable

from .. import model
from ..errors import SelectionError, TrappeError
from ..reference import IKKE_FORDELT
from ..words import CHILD_MISSING, NO_SHARE_PER_CHILD, TOTAL_LABELS as TOTAL_LABEL, combined_parts, trin_label
from .book import TrappeBook
from .arguments import (ENHED_LABELS, I_ALT, I_ALT_PAA_TRIN, is_empty, parse_aar,
                        parse_aar_periode, parse_enhed, parse_flag, parse_maal, parse_priser,
                        parse_refusion, parse_trin, show)
from .places import Gruppe

log = logging.getLogger(__name__)
PREFIX = "#TRAPPE: "
TOTAL_TRIN = {I_ALT: model.TRIN_I_ALT, I_ALT_PAA_TRIN: model.TRIN_I_ALT_PAA_TRIN}
assert set(TOTAL_LABEL) == {model.TRIN_I_ALT, model.TRIN_I_ALT_PAA_TRIN}


def row_trin(book: TrappeBook) -> tuple[int, ...]:
    """What TRAPPE_TRIN/SERIE show: the step columns of Analyse (1–6 and the combined steps the
    data can fill, ikke fordelt), then i alt."""
    return (*book.shown_codes, model.TRIN_I_ALT)


#: the longest cell text a function answers (a cell shows its first ~50 characters; the whole
#: text is in the formula bar)
MAX_MESSAGE = 200


def message(text: str) -> str:
    """``#TRAPPE: text`` on one line, cut at MAX_MESSAGE characters."""
    out = PREFIX + " ".join(str(text).split())
    return out if len(out) <= MAX_MESSAGE else out[:MAX_MESSAGE - 1] + "…"


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


def trin_text(trin: int) -> str:
    """'trin 3', 'trin 2–3', 'ikke fordelt', 'i alt' for messages."""
    if trin in TOTAL_LABEL or trin == IKKE_FORDELT:
        return trin_label(trin).lower()
    parts = combined_parts(trin)
    return f"trin {parts[0]}–{parts[-1]}" if parts else f"trin {trin}"


def combined_only(book: TrappeBook, members: tuple[str, ...], who: str, aar: int, trin: int,
                  maal: str) -> None:
    """A single step asked for where the data only know it together with its neighbour (the key
    keeps 5.28.21 at function level as trin 2–3): say so instead of answering a part as 0."""
    if isinstance(trin, int) and trin in range(1, 7):
        code = book.only_combined(members, aar, trin, maal)
        if code is not None:
            parts = combined_parts(code)
            raise SelectionError(f"beløbet for {who} {aar} kendes kun samlet som trin "
                                 f"{parts[0]}–{parts[-1]} – brug trin \"{parts[0]}-{parts[-1]}\"")


MAAL_TEXT = {"netto": "netto", "udgifter": "udgifter", "indtaegter": "indtægter"}


def no_source(book: TrappeBook, aar: int, trin, maal: str) -> None:
    """A step the key placed nothing of the data on that year (trin 1 always: tidlige indsatser
    are booked outside 5.28) has no figure: say so instead of answering 0. When the data hold
    nothing at all for the measure that year but do for another, that is the reason given."""
    if isinstance(trin, int) and trin in book.trin_index and not book.has_source(aar, maal, trin):
        if not any(book.sourced(aar, maal).values()):
            other = [m for m in MAAL_TEXT if m != maal and any(book.sourced(aar, m).values())]
            if other:
                raise SelectionError(f"data har ingen {MAAL_TEXT[maal]} for {aar}, kun "
                                     f"{' og '.join(MAAL_TEXT[m] for m in other)} – brug mål "
                                     f"\"{MAAL_TEXT[other[0]]}\"")
        raise SelectionError(f"{trin_text(trin)} har ingen kilde i data for {aar} – intet i "
                             "regnskabet hører til trinnet (vises som – i Analyse)")


def check_step(book: TrappeBook, members: tuple[str, ...], who: str, aar: int, trin, maal: str) -> None:
    """The step can be answered for these members and year: not only known combined, not
    without a source."""
    if book.combined:
        combined_only(book, members, who, aar, trin, maal)
    no_source(book, aar, trin, maal)


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


NO_POPULATION = "ingen befolkningstal i projektmappen"


def _valg(book: TrappeBook, maal: object, enhed: object, priser: object, refusion: object) -> model.Valg:
    """Parse the four choices; a choice the workbook has no data for (per child without any
    population, faste priser without a price index) is refused here with what is missing."""
    m = parse_maal(maal)
    e = parse_enhed(enhed, book.value, book.derived, book.children is not None)
    r = parse_refusion(refusion)
    if e in PER_CHILD and not book.has_population:
        raise SelectionError(f"{NO_POPULATION} – vælg 1.000 kr.")
    return model.Valg(maal=m, enhed=e, prisaar=parse_priser(priser, book.index_years), refusion=r)


def valg(book: TrappeBook, maal: object, enhed: object, priser: object, refusion: object) -> model.Valg:
    return memo(book, "valg", lambda *a: _valg(book, *a), maal, enhed, priser, refusion)


def _check_index(book: TrappeBook, aar: int, v: model.Valg) -> None:
    if v.prisaar is not None:
        book.price_factor(aar, v.prisaar)  # raises MissingIndexYearError with a Danish message


def _what(book: TrappeBook, who: str, aar: int | None = None, trin: int | None = None,
          v: model.Valg | None = None) -> str:
    parts = [who] + ([str(aar)] if aar is not None else [])
    if trin is not None:
        parts.append(trin_text(trin))
    if v is not None and v.enhed in (*PER_CHILD, model.PER_CHILD):
        parts.append(f"({ENHED_LABELS[v.enhed]})")
    return " ".join(parts)


PER_CHILD = ("pr_0_17", "pr_0_22")


def no_data(what: str) -> SelectionError:
    return SelectionError(f"ingen data for {what}")


def uses_land(book: TrappeBook, g: Gruppe, v: model.Valg) -> bool:
    """"Hele landet" on kr. pr. indbygger data is DST's own national figure (Landstal), as the
    Analyse sheet shows it, not a weighted mean of the kommuner."""
    return g.land and book.has_land and v.enhed == "kr_pr_indbygger"


# -- one kommune (fast path) -------------------------------------------------------------------
def kommune_figures(book: TrappeBook, kode: str, aar: int, v: model.Valg) -> dict[int, float]:
    """Trin 1–6, 0, 7 (Σ 1–6) and 8 (Σ 0–6) for one kommune-year; NaN = missing."""
    _check_index(book, aar, v)
    row = book.kommune_row(kode, aar, v).tolist()
    source = book.sourced(aar, v.maal)
    # a step without a source is missing and adds nothing to the totals (as model.serie)
    out = {t: row[i] if source[t] else math.nan for t, i in book.trin_index.items()}
    if v.enhed == model.PER_CHILD:
        # i alt per child: Σ amounts ÷ Σ children over the steps that have both (model._per_child)
        kids = book.kids[book.kode_pos[kode], book.year_pos[aar]]
        both = [(out[t] * kids[i] / 1000.0, kids[i]) for t, i in book.trin_index.items()
                if t != IKKE_FORDELT and not math.isnan(out[t])]
        tot = (sum(a for a, _ in both) / sum(k for _, k in both) * 1000.0) if both else math.nan
        out[model.TRIN_I_ALT_PAA_TRIN] = out[model.TRIN_I_ALT] = tot
        return out
    on = [out[t] for t in book.trin_codes if t != IKKE_FORDELT and source[t]]
    paa_trin = sum(on) if on else math.nan
    out[model.TRIN_I_ALT_PAA_TRIN] = paa_trin
    alle = on + ([out[IKKE_FORDELT]] if source[IKKE_FORDELT] else [])
    out[model.TRIN_I_ALT] = sum(alle) if alle else math.nan
    return out


def trappe_step(book: TrappeBook, kommune, aar, trin, maal=None, enhed=None, priser=None,
                refusion=None) -> float:
    """TRAPPE_STEP: one kommune's figure for one year and step (or 'i alt')."""
    kode = memo(book, "kommune", book.places.kommune, kommune)
    y = memo(book, "aar", lambda x: parse_aar(x, book.years), aar)
    t = memo(book, "trin", lambda x: parse_trin(x, codes=book.trin_codes), trin)
    v = valg(book, maal, enhed, priser, refusion)
    check_step(book, (kode,), book.places.navn(kode), y, t, v.maal)
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
    has_data = not math.isnan(book.amounts(v.maal, v.refusion, book._derives(v))[
        book.kode_pos[kode], book.year_pos[aar], 0])
    if v.enhed == model.PER_CHILD and has_data:
        return SelectionError(f"intet børnetal for {_what(book, navn, aar, trin)}{CHILD_MISSING}")
    if v.enhed in ("pr_0_17", "pr_0_22"):
        amounts = book.amounts(v.maal, v.refusion)[book.kode_pos[kode], book.year_pos[aar]]
        if not math.isnan(amounts[0]):
            ages = "0-17" if v.enhed == "pr_0_17" else "0-22"
            return SelectionError(f"ingen befolkningstal ({ages}-årige) for {navn} {aar}")
    return no_data(_what(book, navn, aar, trin))


def trappe_trin(book: TrappeBook, kommune, aar, maal=None, enhed=None, priser=None, refusion=None,
                vandret=None, etiketter=None) -> list[list]:
    """TRAPPE_TRIN: Analyse's step columns (trin 1–6 or the combined steps, ikke fordelt) and
    i alt for one kommune-year as a column (or a row); a step without a source is empty."""
    kode = book.places.kommune(kommune)
    y = parse_aar(aar, book.years)
    v = valg(book, maal, enhed, priser, refusion)
    row_wise = parse_flag(vandret, "vandret", False)
    labels = parse_flag(etiketter, "etiketter", False)
    figures = kommune_figures(book, kode, y, v)
    shown = row_trin(book)
    values = [_num(figures[t]) for t in shown]
    if all(x is None for x in values):
        raise _missing(book, kode, y, None, v)
    cols = [[trin_label(t) for t in shown], values] if labels else [values]
    return cols if row_wise else [list(r) for r in zip(*cols)]


# -- groups (model path) -----------------------------------------------------------------------
def group_figure(book: TrappeBook, g: Gruppe, aar: int, trin: int, v: model.Valg) -> float:
    _check_index(book, aar, v)
    if uses_land(book, g, v):
        return book.land_series(v).get((aar, trin), math.nan)
    if len(g.members) == 1:
        return kommune_figures(book, g.members[0], aar, v)[trin]
    return book.serie(g.members, v).get((aar, trin), math.nan)


def trappe_sammenlign(book: TrappeBook, gruppe, aar, trin, maal=None, enhed=None, priser=None,
                      refusion=None) -> float:
    """TRAPPE_SAMMENLIGN: the figure of a group (Σ over members with data; per child Σ/Σ)."""
    g = book.places.gruppe(gruppe)
    y = parse_aar(aar, book.years)
    t = _trin_code(parse_trin(trin, codes=book.trin_codes))
    v = valg(book, maal, enhed, priser, refusion)
    check_step(book, g.members, g.label, y, t, v.maal)
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
    shown = row_trin(book) if is_empty(trin) else (_trin_code(parse_trin(trin, codes=book.trin_codes)),)
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
    t = parse_trin(trin, allow_total=False, codes=book.trin_codes)
    v = valg(book, maal, enhed, priser, refusion)
    if v.enhed == model.PER_CHILD:
        raise SelectionError(NO_SHARE_PER_CHILD)
    check_step(book, g.members, g.label, y, t, v.maal)
    try:
        whole = I_ALT if is_empty(af) else parse_trin(af)
    except SelectionError:
        whole = None
    if whole not in (I_ALT, I_ALT_PAA_TRIN):    # af names what the share is of, not a step
        raise SelectionError(f"af skal være 'i alt' eller 'i alt på trin', ikke {show(af)}")
    column = "andel" if whole == I_ALT else "andel_paa_trin"
    if column == "andel_paa_trin" and t == IKKE_FORDELT:
        raise SelectionError("ikke fordelt har ingen andel af i alt på trin (trin 1–6)")
    _check_index(book, y, v)
    if uses_land(book, g, v):
        land = book.land_series(v)
        part, total = land.get((y, t), math.nan), land.get((y, TOTAL_TRIN[whole]), math.nan)
        value = part / total if total and not math.isnan(total) else math.nan
    else:
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
    t = _trin_code(parse_trin(trin, codes=book.trin_codes))
    v = valg(book, maal, enhed, priser, refusion)
    for year in (*basis, y):
        _check_index(book, year, v)
        check_step(book, g.members, g.label, year, t, v.maal)
    if uses_land(book, g, v):
        land = book.land_series(v)
        base = [land.get((b, t), math.nan) for b in basis]
        value = land.get((y, t), math.nan) - sum(base) / len(base)
    else:
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
    key = _ascii(str(felt))
    for k, v in info.items():
        if _ascii(k) == key:        # "første_år" or "foerste_aar" (the names before 2026-12)
            return _cell(v)
    raise SelectionError(f"ukendt felt {show(felt)} – kendte felter: {', '.join(info)}")


def _ascii(name: str) -> str:
    return (name.strip().casefold().replace("ø", "oe").replace("å", "aa").replace("æ", "ae"))


def _cell(v: object) -> object:
    """A ModelInfo value as Excel should show it: whole numbers as numbers, ISO dates and
    timestamps ("2026-11-24T04:27:10Z") as dates (xlwings writes datetime as an Excel date)."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        text = v.strip()
        if re.fullmatch(r"\d{1,9}", text):
            return int(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", text):
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return v
            if when.tzinfo is not None:
                when = when.astimezone(timezone.utc).replace(tzinfo=None)
            return when
    if isinstance(v, date) and not isinstance(v, datetime):
        return datetime(v.year, v.month, v.day)
    return v
