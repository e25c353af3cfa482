"""Statistikbanken API bodies (format BULK or CSV, valuePresentation=Code) -> canonical frames.

A body is UTF-8 with a BOM, ';'-separated, CRLF, and its header is the variable ids plus INDHOLD,
e.g. ``OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD``. Every field is read as text, so codes
such as "101" or "001" stay strings; INDHOLD ".."/"."/"" becomes NaN, never 0.

The area and value rules (:func:`normalise_area`, :func:`read_number` / :func:`read_numbers`,
the one number reader of every export) and the canonical builder (:func:`build_accounts`) are shared
with ``exports.py``. Nothing is dropped silently: a value, year, code or area that cannot be read
exactly is an error naming its line and the value.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import frames, reference
from ..model import children as _children
from ..errors import (AmbiguousNumberError, DuplicateRowsError, LimitError, NumberError, ParseError,
                      UnknownAreaError, WrongTableError)

MISSING_MARKERS = frozenset({"..", ".", ""})
#: DST's symbol table: "-" = nul (the figure is zero), unlike ".." (confidential/uncertain) and
#: "." (not available), which are missing.
NIL_MARKER = "-"
ARTS = tuple(frames.ART_TO_MAAL)  # TOT, UE, I
NOT_STATED = "*"                   # dranst not stated in the source

#: table -> (required columns, optional columns) of a body, INDHOLD excluded
LAYOUTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "REGK31": (frozenset({"OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID"}), frozenset()),
    "REGK100": (frozenset({"OMRÅDE", "FUNKTION", "DRANST", "GRUPPERING", "ART", "PRISENHED", "TID"}),
                frozenset({"EJER"})),
    "FOLK1A": (frozenset({"OMRÅDE", "ALDER", "TID"}), frozenset({"KØN", "CIVILSTAND"})),
    "BEF1A07": (frozenset({"OMRÅDE", "ALDER", "TID"}), frozenset({"KØN", "KOEN", "CIVILSTAND"})),
    "PRIS8": (frozenset({"TID"}), frozenset({"TYPE"})),
    "NAN1": (frozenset({"TRANSAKT", "PRISENHED", "TID"}), frozenset()),
}
ACCOUNT_TABLES = ("REGK31", "REGK100")
POPULATION_TABLES = ("FOLK1A", "BEF1A07")
DEFLATOR_TABLES = ("PRIS8", "NAN1")
#: DST's counts of children (anbragte pr. 31.12.; børn med indsatser i året): Dataset.children;
#: DST's national figures by measure, for Kontrol (BU28: net expenditure, mio. kr.), kept there
#: too with area 000, the value in ``antal`` (the table names are model.children's)
COUNT_TABLES = _children.COUNT_TABLES
NATIONAL_TABLES = (_children.NATIONAL_TABLE,)
#: the ids DST (or third-party pulls of it) gives the counts tables' area variable
COUNT_AREA_IDS = ("ADMKOM", "KOMMUNEDK", "OMRÅDE", "KOMMUNE")
#: area codes of the counts tables that are not one of the 98: DST's "uoplyst kommune"
COUNT_UNKNOWN_AREAS = ("998", "999")


@dataclass(frozen=True)
class ParseReport:
    """What one body or export held: coverage and anything left out on purpose."""

    table: str
    unit: str | None = None
    rows: int = 0
    kommuner: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    functions: tuple[str, ...] = ()
    dranst: tuple[str, ...] = ()
    arts: tuple[str, ...] = ()
    aggregates: tuple[str, ...] = ()
    missing_values: int = 0
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One Danish line for the user."""
        years = f"{self.years[0]}–{self.years[-1]}" if self.years else "ingen år"
        parts = [f"{self.table}: {self.rows:,} rækker".replace(",", "."),
                 f"{len(self.kommuner)} kommuner", f"år {years}"]
        if self.functions:
            parts.append("funktioner " + ", ".join(self.functions))
        if self.unit:
            parts.append("enhed " + frames.UNIT_LABELS.get(self.unit, self.unit))
        if self.missing_values:
            parts.append(f"{self.missing_values} manglende værdier ('..')")
        return "; ".join(parts) + "".join(f" [{n}]" for n in self.notes)


@dataclass(frozen=True)
class ParsedAccounts:
    accounts: pd.DataFrame
    aggregates: pd.DataFrame
    report: ParseReport


# -- bytes -> text table ---------------------------------------------------------------------

def decode(body: bytes, what: str = "svaret") -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"{what} er ikke UTF-8 (byte {e.start}): forventede et svar fra "
                         "Statistikbanken i UTF-8") from e


#: the largest API body or file read at all (a REGK100 BULK part under DST's 1,000,000-cell cap is
#: about 40 MB); larger ones are refused before they are decoded.
MAX_BODY_BYTES = 256 * 2**20
#: fields in one line: no Statistikbanken table has more than a handful of variables.
MAX_FIELDS = 1000


def check_size(n_bytes: int, what: str, limit: int = MAX_BODY_BYTES) -> None:
    if n_bytes > limit:
        raise LimitError(f"{what} fylder {n_bytes / 2**20:,.0f} MB; grænsen er {limit // 2**20} MB "
                         "(del eksporten op, fx ét år pr. fil)".replace(",", "."))


def read_statbank_csv(body: bytes, what: str = "svaret") -> pd.DataFrame:
    """A BULK/CSV body as a frame of strings indexed by line number, columns = the header's ids in
    upper case (DST writes ``TID`` for the tableinfo id ``Tid``; ids compare case-insensitively).

    Complete means every line has the header's number of fields; a final line break is not
    required (unverified for BULK), and a header with no rows is a valid, all-zero answer (BULK
    omits zero rows). A ragged line -> ParseError naming it."""
    check_size(len(body), what)
    text = decode(body, what)
    if "\x00" in text:
        raise ParseError(f"{what} indeholder NUL-tegn: det er ikke en tekstfil fra Statistikbanken")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    rows, lines = [], []
    try:
        for r in reader:
            if len(r) > MAX_FIELDS:
                raise LimitError(f"{what}, linje {reader.line_num}: {len(r)} felter; grænsen er {MAX_FIELDS}")
            if r:
                rows.append(r)
                lines.append(reader.line_num)
    except csv.Error as e:
        raise ParseError(f"{what}, linje {reader.line_num}: kan ikke læses som CSV ({e})") from None
    if not rows:
        raise ParseError(f"{what} er tomt: ingen kolonneoverskrift")
    header = [h.strip().upper() for h in rows[0]]
    if "INDHOLD" not in header:
        raise ParseError(f"{what} mangler kolonnen INDHOLD (overskrift: {';'.join(header)})")
    if dup := sorted({h for h in header if header.count(h) > 1}):
        raise ParseError(f"{what}: kolonnen {', '.join(dup)} står flere gange i overskriften")
    for i, row in enumerate(rows[1:], start=1):
        if len(row) != len(header):
            last = " – sidste linje, svaret ser afkortet ud" if i == len(rows) - 1 else ""
            raise ParseError(f"{what}, linje {lines[i]}: {len(row)} felter, overskriften har "
                             f"{len(header)}{last}: {_short(';'.join(row))}")
    return pd.DataFrame(rows[1:], columns=header, index=lines[1:], dtype=str)


def _short(text, n: int = 60) -> str:
    """repr of a value, cut to ``n`` characters for a message."""
    r = repr(text)
    return r if len(r) <= n else r[:n - 1] + "…"


def check_layout(columns: list[str], table: str) -> None:
    """Wrong table -> WrongTableError; a missing or unexpected column -> ParseError naming it."""
    if table not in LAYOUTS:
        raise ParseError(f"ukendt tabel {table!r}; kendte: {', '.join(LAYOUTS)}")
    cols = set(columns) - {"INDHOLD"}
    required, optional = LAYOUTS[table]
    if required <= cols <= required | optional:
        return
    for other, (req, opt) in LAYOUTS.items():
        if other != table and req <= cols <= req | opt:
            raise WrongTableError(f"data ser ud til at være fra {other}, ikke {table} "
                                  f"(kolonner: {', '.join(columns)})")
    if missing := sorted(required - cols):
        raise ParseError(f"{table}: mangler kolonne(r) {', '.join(missing)} "
                         f"(kolonner: {', '.join(columns)})")
    raise ParseError(f"{table}: uventede kolonne(r) {', '.join(sorted(cols - required - optional))}")


# -- numbers ------------------------------------------------------------------------------------
#
# ONE reader for every value of every export and API body. Statistikbanken writes numbers in two
# settings: Danish (decimal comma, thousands point: ``1.234,5``) and English (decimal point,
# thousands comma: ``1,234.5``); either may also group thousands with a space. A value is read
# exactly under one convention or refused; a value that reads as two different numbers
# (``1.234`` = 1234 or 1.234) is accepted only when the convention is known.

DANISH = ","    #: decimal comma, thousands point or space
ENGLISH = "."   #: decimal point, thousands comma or space
_SPACES = " \u00a0\u202f\u2009"       # space, no-break space, narrow no-break space, thin space
_MINUS = "-\u2212"                     # hyphen-minus, minus sign
_MAX_DIGITS = 15                        # more significant digits than a float holds exactly
_NUMBER = {
    dec: re.compile(
        r"(?P<int>[1-9][0-9]{0,2}(?P<sep>[" + re.escape(thou + _SPACES) + r"])[0-9]{3}(?:(?P=sep)[0-9]{3})*"
        r"|[0-9]+)(?:" + re.escape(dec) + r"(?P<frac>[0-9]+))?")
    for dec, thou in ((DANISH, "."), (ENGLISH, ","))}


def _read_as(text: str, decimal: str) -> float | None:
    """``text`` (already stripped, no sign) under one convention; None if it does not fit."""
    m = _NUMBER[decimal].fullmatch(text)
    if m is None:
        return None
    digits = re.sub(r"[^0-9]", "", m.group("int"))
    frac = m.group("frac") or ""
    if len((digits + frac).strip("0")) > _MAX_DIGITS:
        raise NumberError(f"{_short(text)} har flere cifre, end et tal kan holde præcist")
    value = float(f"{digits}.{frac}" if frac else digits)
    if not math.isfinite(value):
        raise NumberError(f"{_short(text)} er for stort")
    return value


def read_number(text, *, decimal: str | None) -> float | None:
    """One value -> float; None for DST's missing markers ('..', '.', ''); '-' (DST's "nul") -> 0.

    ``decimal`` is the file's convention: ``","`` (Danish settings), ``"."`` (English settings) or
    None (unknown: a value is accepted only if it reads the same under both). Numbers already typed
    (an XLSX number cell) are taken as they are if finite. Anything else raises NumberError
    (AmbiguousNumberError for a value that reads two ways), e.g. '12x4', '1234 kr', 'NaN', '1e5',
    '1.23' with Danish settings (a thousands group must have 3 digits).
    """
    if decimal not in (DANISH, ENGLISH, None):
        raise ValueError(f"decimal must be ',', '.' or None, not {decimal!r}")
    if isinstance(text, bool):
        raise NumberError(f"{_short(text)} er ikke et tal")
    if isinstance(text, (int, float)):
        if not math.isfinite(text):
            raise NumberError(f"{_short(text)} er ikke et endeligt tal")
        return float(text)
    if not isinstance(text, str):
        raise NumberError(f"{_short(text)} er ikke et tal")
    s = text.strip(_SPACES + "\t")
    if s in MISSING_MARKERS:
        return None
    if s == NIL_MARKER:
        return 0.0
    sign = 1.0
    if s[:1] in _MINUS:
        sign, s = -1.0, s[1:]
    elif s[:1] == "+":
        s = s[1:]
    if decimal is not None:
        value = _read_as(s, decimal)
        if value is None:
            setting = "danske" if decimal == DANISH else "engelske"
            raise NumberError(f"{_short(text)} er ikke et tal (filen bruger {setting} talformater: "
                              f"decimaltegn {decimal!r})")
        return sign * value
    da, en = _read_as(s, DANISH), _read_as(s, ENGLISH)
    if da is None and en is None:
        raise NumberError(f"{_short(text)} er ikke et tal")
    if da is not None and en is not None and da != en:
        raise AmbiguousNumberError(
            f"{_short(text)} kan betyde både {_show(sign * da)} (danske indstillinger) og "
            f"{_show(sign * en)} (engelske indstillinger), og intet andet i filen afgør hvilket")
    return sign * (da if da is not None else en)


def _show(v: float) -> str:
    return repr(int(v)) if v.is_integer() else repr(v)


def number_convention(text) -> str | None:
    """DANISH or ENGLISH if ``text`` reads under only that convention, else None."""
    if not isinstance(text, str):
        return None
    s = text.strip(_SPACES + "\t").lstrip(_MINUS + "+")
    try:
        da, en = _read_as(s, DANISH), _read_as(s, ENGLISH)
    except NumberError:
        return None
    if (da is None) == (en is None):
        return None
    return DANISH if da is not None else ENGLISH


def infer_decimal(values, *, hint: str | None = None, what: str = "INDHOLD") -> str | None:
    """The decimal convention the values themselves show, else ``hint``.

    A value that fits only one convention (``12,5`` Danish; ``7.25``, ``0.123`` English;
    ``1.234.567`` Danish) decides; values deciding both ways -> NumberError naming one of each.
    ``hint`` (e.g. Danish labels in the file, or an API body asked for with lang=da) is used only
    when no value decides; None leaves ambiguous values to be refused by :func:`read_number`.
    """
    found: dict[str, object] = {}
    for v in values:
        conv = number_convention(v)
        if conv is not None:
            found.setdefault(conv, v)
            if len(found) == 2:
                e = NumberError(f"{what}: tallene bruger både dansk ({_short(found[DANISH])}) og "
                                f"engelsk ({_short(found[ENGLISH])}) decimaltegn")
                e.examples = (found[DANISH], found[ENGLISH])
                raise e
    return next(iter(found)) if found else hint


def _location(idx) -> str:
    return idx if isinstance(idx, str) else f"linje {idx}"


def read_numbers(values, *, decimal: str | None = None, hint: str | None = None,
                 what: str = "INDHOLD") -> pd.Series:
    """A column of values -> float Series (NaN for missing markers), one convention for all.

    ``decimal`` fixes the convention; without it, it is inferred from the values
    (:func:`infer_decimal` with ``hint``). The index of ``values`` locates an error: a string
    index (``"linje 7"``, ``"række 5, kolonne 2019"``) is used as it is, an int as a line number.
    The first value that cannot be read raises NumberError naming ``what``, its line and itself.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object,
                                                               index=[f"værdi nr. {i + 1}" for i in range(len(values))])
    uniques = pd.unique(s.to_numpy(dtype=object))
    if decimal is None:
        try:
            decimal = infer_decimal((v for v in uniques if isinstance(v, str)), hint=hint, what=what)
        except NumberError as e:
            da, en = e.examples
            raise NumberError(f"{what}: tallene bruger både dansk decimalkomma ({_short(da)}, "
                              f"{_location(s.index[_first(s, da)])}) og engelsk decimalpunktum "
                              f"({_short(en)}, {_location(s.index[_first(s, en)])}); hvilket der "
                              "gælder, kan ikke afgøres") from None
    out: dict = {}
    for v in uniques:
        try:
            out[v] = read_number(v, decimal=decimal)
        except NumberError as e:
            raise type(e)(f"{what}, {_location(s.index[_first(s, v)])}: {e}") from None
    return s.map(out).astype(float)


def _first(s: pd.Series, v) -> int:
    """Position of the first element of ``s`` equal to ``v`` (NaN matches NaN)."""
    for i, x in enumerate(s.to_numpy(dtype=object)):
        if x is v or (type(x) is type(v) and (x == v or (isinstance(x, float) and x != x and v != v))):
            return i
    return 0


def to_numbers(text: pd.Series, what: str = "INDHOLD", *, decimal: str | None = None,
               hint: str | None = DANISH) -> pd.Series:
    """Text -> float through :func:`read_numbers` ('..', '.', '' -> NaN; '-' -> 0). API bodies are
    asked for with lang=da, hence the Danish ``hint``; values that show a convention decide."""
    return read_numbers(text, decimal=decimal, hint=hint, what=what)


# -- field rules -------------------------------------------------------------------------------

def normalise_area(code: str) -> str:
    """DST area code -> 3-digit string: "0" -> "000", "84" -> "084", "101" -> "101"."""
    c = str(code).strip()
    return c.zfill(3) if c.isdigit() and len(c) <= 3 else c


#: DST's area codes for its municipality-type groups in the REGK tables (Statistikbanken's code
#: list, ../shared/docs/key-groupings.md "Source 2"): aggregates, kept apart, never a municipality
DST_GROUP_AREAS = ("910", "920", "930", "940", "960")
KNOWN_AGGREGATES = ("000 (Hele landet), 081–085 (regionerne) og 910, 920, 930, 940, 960 "
                    "(Danmarks Statistiks kommunegrupper)")


def area_kind(code: str) -> str:
    """'kommune', 'aggregate' (000 Hele landet, 081–085 regions, DST's group areas 910–960) or
    'christiansoe'; any other code (e.g. 950, 999) -> UnknownAreaError: it is named, never dropped
    as if it were an aggregate."""
    if code in reference.kommunekoder():
        return "kommune"
    if code == reference.CHRISTIANSOE:
        return "christiansoe"
    if code == reference.HELE_LANDET or code in reference.REGION_CODES or code in DST_GROUP_AREAS:
        return "aggregate"
    raise UnknownAreaError(f"ukendt områdekode {code!r}: hverken en af de 98 kommuner eller et kendt "
                           f"aggregat ({KNOWN_AGGREGATES})")


def classify_areas(codes: pd.Series, what: str | None = None) -> pd.Series:
    """Area codes -> kinds; every unknown code is named (with its first line when the index holds
    line numbers) in one UnknownAreaError."""
    kinds: dict[str, str] = {}
    unknown = []
    for c in codes.unique():
        try:
            kinds[c] = area_kind(c)
        except UnknownAreaError:
            unknown.append(c)
    if unknown:
        shown = ", ".join(f"{c!r} ({_location(codes.index[_first(codes, c)])})" for c in sorted(unknown)[:10])
        more = f" og {len(unknown) - 10} andre" if len(unknown) > 10 else ""
        raise UnknownAreaError(f"{what + ': ' if what else ''}ukendte områdekoder {shown}{more}: hverken "
                               f"blandt de 98 kommuner eller kendte aggregater ({KNOWN_AGGREGATES})")
    return codes.map(kinds)


def years(tid: pd.Series, what: str = "TID") -> pd.Series:
    s = tid.astype(str).str.strip()
    bad = ~s.str.fullmatch(r"[0-9]{4}")
    if bad.any():
        at = _location(s.index[int(np.argmax(bad.to_numpy()))])
        raise ParseError(f"{what}, {at}: forventede årstal, fik {_short(s[bad].iloc[0])}")
    return s.astype(int)


def funktioner(codes: pd.Series, what: str = "FUNKTION") -> pd.Series:
    out = {}
    for c in codes.unique():
        try:
            out[c] = frames.funktion_code(c)
        except ValueError:
            raise ParseError(f"{what}, {_location(codes.index[_first(codes, c)])}: {_short(c)} er "
                             "ikke en DST-funktionskode (fx 52821)") from None
    return codes.map(out)


def single_unit(prisenhed: pd.Series) -> str:
    """Exactly one PRISENHED, mapped to the value column (LOBM -> beloeb_1000kr, INDL -> ...)."""
    found = sorted(prisenhed.astype(str).str.strip().unique())
    if len(found) != 1:
        raise ParseError(f"PRISENHED: forventede præcis én prisenhed, fandt {found}: "
                         "tal i forskellige enheder må aldrig blandes")
    if found[0] not in frames.VALUE_COLUMNS:
        raise ParseError(f"PRISENHED {found[0]!r} understøttes ikke; brug "
                         f"{' eller '.join(frames.VALUE_COLUMNS)}")
    return frames.VALUE_COLUMNS[found[0]]


# -- canonical accounts ------------------------------------------------------------------------

def check_duplicates(frame: pd.DataFrame, keys: list[str], what: str) -> None:
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        ex = frame.loc[dup, keys].drop_duplicates().head(5).to_dict("records")
        where = ""
        if frame.index.dtype == object or frame.index.dtype.kind in "iu":
            first = frame.loc[dup, keys].iloc[0]
            same = frame.index[(frame[keys] == first).all(axis=1).to_numpy()][:2]
            if not isinstance(frame.index, pd.RangeIndex):
                where = f" ({' og '.join(_location(i) for i in same)})"
        raise DuplicateRowsError(f"{what}: {int(dup.sum())} rækker med samme nøgle{where}, fx {ex}")


def build_accounts(long: pd.DataFrame, *, table: str, unit: str, what: str,
                   notes: tuple[str, ...] = ()) -> ParsedAccounts:
    """Coded long frame (aar, kommunekode = area code, funktion, dranst, gruppering, art, value
    [, ejer]) -> ParsedAccounts. Sums over ejer (min_count=1), checks arts and duplicates, splits
    municipalities from aggregates and drops Christiansø with a note."""
    bad_art = sorted(set(long["art"]) - set(ARTS))
    if bad_art:
        at = _location(long.index[_first(long["art"], bad_art[0])])
        raise ParseError(f"{what}, {at}: ukendt ART {bad_art}; kendte: {', '.join(ARTS)}")
    classify_areas(long["kommunekode"], what)          # unknown areas named with their lines
    long = long.rename(columns={"value": unit})
    if "ejer" in long.columns:
        long = (long.groupby(frames.ACCOUNT_KEYS, sort=False, as_index=False)[unit]
                .sum(min_count=1))
    else:
        check_duplicates(long, frames.ACCOUNT_KEYS, what)
    kinds = classify_areas(long["kommunekode"], what)
    notes = list(notes)
    if (kinds == "christiansoe").any():
        notes.append(f"Christiansø (411) udeladt: {int((kinds == 'christiansoe').sum())} rækker")
    cols = [*frames.ACCOUNT_KEYS, unit]
    accounts = sort_accounts(long.loc[kinds == "kommune", cols])
    aggregates = sort_accounts(long.loc[kinds == "aggregate", cols])
    report = ParseReport(
        table=table, unit=unit, rows=len(accounts),
        kommuner=tuple(sorted(accounts["kommunekode"].unique())),
        years=tuple(sorted(int(y) for y in long["aar"].unique())),
        functions=tuple(sorted(long["funktion"].unique())),
        dranst=tuple(sorted(long["dranst"].unique())), arts=tuple(sorted(long["art"].unique())),
        aggregates=tuple(sorted(aggregates["kommunekode"].unique())),
        missing_values=int(accounts[unit].isna().sum()), notes=tuple(notes))
    return ParsedAccounts(accounts, aggregates, report)


def sort_accounts(df: pd.DataFrame) -> pd.DataFrame:
    out = df.sort_values(frames.ACCOUNT_KEYS, kind="stable").reset_index(drop=True)
    out["aar"] = out["aar"].astype(int)
    out[frames.value_column(out)] = out[frames.value_column(out)].astype(float)
    return out


# -- rows BULK leaves out ------------------------------------------------------------------------
#
# DST's streamed formats leave out every observation whose value is 0 ("an absent combination means
# 0"; tableinfo's ``suppressedDataValue`` is the value to use). A fetched part stores the request
# beside its answer, so the parser knows which cells were asked for and puts the omitted ones back.

#: what an added row's "line" reads as in a message
OMITTED_ROW = "udeladt af Statistikbanken (værdi 0)"
OMITTED_NOTE = "rækker, som Statistikbanken udelader i BULK-svar (værdien 0), er sat til 0"


#: a request's value list meaning every code of the variable
ALL_VALUES = "*"


def requested_codes(request: dict | None, info: dict | None) -> dict[str, list[str]] | None:
    """Per variable of a data request (id in upper case): the codes asked for, ``*`` expanded by
    the table's tableinfo. None when there is no request, or a ``*`` that tableinfo cannot expand."""
    if not isinstance(request, dict) or not isinstance(request.get("variables"), list):
        return None
    known = {str(v.get("id", "")).upper(): [str(x.get("id")) for x in v.get("values", [])]
             for v in (info or {}).get("variables", []) if isinstance(v, dict)}
    out: dict[str, list[str]] = {}
    for var in request["variables"]:
        vid, vals = str(var.get("code", "")).upper(), [str(x) for x in var.get("values", [])]
        if vals == [ALL_VALUES]:
            if vid not in known:
                return None
            vals = known[vid]
        out[vid] = vals
    return out


def suppressed_value(info: dict | None) -> float:
    """The value of a row a streamed format leaves out: tableinfo's ``suppressedDataValue`` when it
    states one (DST's missing markers -> NaN), else 0 (DST's documentation)."""
    v = (info or {}).get("suppressedDataValue")
    if v is None or (isinstance(v, str) and not v.strip()):
        return 0.0
    x = read_number(v if isinstance(v, (int, float)) else str(v), decimal=None)
    return math.nan if x is None else float(x)


def fill_omitted(frame: pd.DataFrame, grid: dict[str, list], seen: list[str], value: str,
                 fill) -> tuple[pd.DataFrame, int]:
    """``frame`` plus a row with ``value`` = ``fill`` for every combination of ``grid`` (column ->
    the codes asked for) × the distinct ``seen`` combinations in ``frame`` that it lacks. Rows
    outside the grid are kept (the checks after this name them). Added rows are indexed by
    :data:`OMITTED_ROW`. Returns (frame, rows added)."""
    keys = [*grid, *seen]
    if any(not vals for vals in grid.values()):
        return frame, 0
    full = pd.MultiIndex.from_product(list(grid.values()), names=list(grid)).to_frame(index=False)
    if seen:
        combos = frame[seen].drop_duplicates()
        if combos.empty:
            return frame, 0
        full = full.merge(combos, how="cross")
    full = full.astype({k: frame[k].dtype for k in keys if k in frame})
    have = frame[keys].drop_duplicates()
    m = full.merge(have, on=keys, how="left", indicator=True)
    add = m.loc[m["_merge"] == "left_only", keys].reset_index(drop=True)
    if add.empty:
        return frame, 0
    add[value] = fill
    for c in frame.columns:
        if c not in add:
            add[c] = pd.NA
    add.index = [OMITTED_ROW] * len(add)
    return pd.concat([frame, add[frame.columns]]), len(add)


def fill_omitted_text(raw: pd.DataFrame, grid: dict[str, list], info: dict | None) -> tuple[pd.DataFrame, int]:
    """:func:`fill_omitted` on a body still in text (INDHOLD as DST writes it): every combination
    of ``grid``'s variables the body has as columns, the left-out rows with tableinfo's
    ``suppressedDataValue`` (DST's ".." where that is missing, else e.g. "0")."""
    fill = suppressed_value(info)
    return fill_omitted(raw, {k: v for k, v in grid.items() if k in raw}, [], "INDHOLD",
                        ".." if math.isnan(fill) else repr(fill).removesuffix(".0"))


def parse_accounts(table: str, body: bytes, *, request: dict | None = None,
                   info: dict | None = None) -> ParsedAccounts:
    """REGK31 / REGK100 body -> accounts (98 municipalities) + aggregates + report.

    With the ``request`` the body answers (and the table's ``info`` for ``*``), the rows BULK left
    out are put back as 0 (:func:`fill_omitted`): REGK31 for every cell asked for, REGK100 for every
    area, year, dranst and art asked for × each (funktion, gruppering) the answer holds (summed
    over ejer first). A header with no rows is then a valid all-zero answer."""
    if table not in ACCOUNT_TABLES:
        raise ParseError(f"{table} er ikke en regnskabstabel ({', '.join(ACCOUNT_TABLES)})")
    what = f"{table}-svaret"
    raw = read_statbank_csv(body, what)
    check_layout(list(raw.columns), table)
    grid = requested_codes(request, info)
    if raw.empty and grid is None:
        return ParsedAccounts(frames.empty_accounts(), frames.empty_accounts(),
                              ParseReport(table=table, notes=("svaret har ingen rækker",)))
    long = pd.DataFrame({
        "aar": years(raw["TID"], f"{what}: TID"),
        "kommunekode": raw["OMRÅDE"].map(normalise_area),
        "funktion": funktioner(raw["FUNKTION"].str.strip(), f"{what}: FUNKTION"),
        "dranst": raw["DRANST"].str.strip(),
        "gruppering": (raw["GRUPPERING"].map(frames.gruppering_code)
                       if "GRUPPERING" in raw else frames.FUNCTION_LEVEL),
        "art": raw["ART"].str.strip(),
        "value": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD"),
    }, index=raw.index)
    prisenhed = raw["PRISENHED"]
    notes: tuple[str, ...] = ()
    if "EJER" in raw:
        long["ejer"] = raw["EJER"].str.strip()
        check_duplicates(long, [*frames.ACCOUNT_KEYS, "ejer"], what)
    if grid is not None:
        if "EJER" in raw:               # ejer has no total in DST's tables: sum it here
            long = long.groupby(frames.ACCOUNT_KEYS, sort=False, as_index=False)["value"].sum(min_count=1)
        cells = {"kommunekode": [normalise_area(c) for c in grid.get("OMRÅDE", [])],
                 "aar": [int(t) for t in grid.get("TID", []) if t.isdigit()],
                 "dranst": grid.get("DRANST", []), "art": grid.get("ART", [])}
        if "GRUPPERING" in raw:
            seen = ["funktion", "gruppering"]
        else:
            cells["funktion"] = [frames.funktion_code(c) for c in grid.get("FUNKTION", [])]
            cells["gruppering"] = [frames.FUNCTION_LEVEL]
            seen = []
        long, added = fill_omitted(long, cells, seen, "value", suppressed_value(info))
        notes = (OMITTED_NOTE,) if added else ()
        if raw.empty:                   # an all-zero part: its unit is the one asked for
            prisenhed = pd.Series(grid.get("PRISENHED", []), dtype=str)
    return build_accounts(long, table=table, unit=single_unit(prisenhed), what=what, notes=notes)


# -- population and price index ----------------------------------------------------------------

@dataclass(frozen=True)
class ParsedFrame:
    frame: pd.DataFrame
    report: ParseReport


def _keep_total(raw: pd.DataFrame, column: str, total: str = "TOT") -> pd.DataFrame:
    """Keep the total of a breakdown column when the body has it; otherwise its parts are summed."""
    if column in raw and (raw[column].str.strip() == total).any():
        return raw[raw[column].str.strip() == total]
    return raw


def parse_population(table: str, body: bytes, *, quarter: str = "K1", request: dict | None = None,
                     info: dict | None = None) -> ParsedFrame:
    """FOLK1A (TID 2019K1; only ``quarter`` kept = 1 January) or BEF1A07 (TID 2007) -> population.

    KØN / CIVILSTAND: the total (TOT) is kept when present, else the parts are summed (min_count=1).
    Aggregate areas are dropped (the model sums municipalities itself), as is Christiansø. With the
    ``request`` (and ``info``), an age row BULK left out counts as 0, as DST documents.
    """
    if table not in POPULATION_TABLES:
        raise ParseError(f"{table} er ikke en befolkningstabel ({', '.join(POPULATION_TABLES)})")
    what = f"{table}-svaret"
    raw = read_statbank_csv(body, what)
    grid = requested_codes(request, info)
    added = 0
    if grid is not None:                # an age BULK left out is 0 children, not a missing figure
        raw = raw.assign(**({"OMRÅDE": raw["OMRÅDE"].map(normalise_area)} if "OMRÅDE" in raw else {}))
        if "OMRÅDE" in grid:
            grid = {**grid, "OMRÅDE": [normalise_area(c) for c in grid["OMRÅDE"]]}
        raw, added = fill_omitted_text(raw, grid, info)
    parsed = population_from_raw(table, raw, what, quarter=quarter)
    if not added:
        return parsed
    return ParsedFrame(parsed.frame, dataclasses.replace(
        parsed.report, notes=(*parsed.report.notes, OMITTED_NOTE)))


def population_from_raw(table: str, raw: pd.DataFrame, what: str, *, quarter: str = "K1") -> ParsedFrame:
    """:func:`parse_population` on a frame of coded text columns (API ids + INDHOLD): the one
    population parser, shared by API bodies and hand-downloaded exports (population_export.py)."""
    check_layout(list(raw.columns), table)
    notes = []
    tid = raw["TID"].str.strip()
    if tid.str.contains("K").any():
        other = ~tid.str.endswith(quarter)
        if other.any():
            notes.append(f"kun {quarter} (1. januar) brugt; {int(other.sum())} rækker fra andre kvartaler udeladt")
        raw, tid = raw[~other], tid[~other].str[:4]
    raw = raw.assign(TID=tid)
    breakdown = [c for c in ("KØN", "KOEN", "CIVILSTAND") if c in raw]
    for c in breakdown:
        raw = _keep_total(raw, c)
    long = pd.DataFrame({"aar": years(raw["TID"], f"{what}: TID"),
                         "kommunekode": raw["OMRÅDE"].map(normalise_area),
                         "alder": raw["ALDER"].str.strip(),
                         "antal": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD")})
    for c in breakdown:
        long[c] = raw[c].str.strip()
    check_duplicates(long, ["aar", "kommunekode", "alder", *breakdown], what)
    if (neg := long["antal"] < 0).any():
        at = _location(long.index[int(np.argmax(neg.to_numpy()))])
        raise ParseError(f"{what}, {at}: folketallet {_show(long['antal'][neg].iloc[0])} er negativt – "
                         "et antal personer kan ikke være under 0")
    kinds = classify_areas(long["kommunekode"], what)
    if (kinds != "kommune").any():
        notes.append(f"{int((kinds != 'kommune').sum())} rækker for landet/regioner/Christiansø udeladt")
    pop = (long[kinds == "kommune"].groupby(["aar", "kommunekode", "alder"], as_index=False)["antal"]
           .sum(min_count=1))
    pop = pop.sort_values(["aar", "kommunekode", "alder"], kind="stable").reset_index(drop=True)
    pop["antal"] = pop["antal"].astype(float)
    report = ParseReport(table=table, rows=len(pop), kommuner=tuple(sorted(pop["kommunekode"].unique())),
                         years=tuple(sorted(int(y) for y in pop["aar"].unique())),
                         missing_values=int(pop["antal"].isna().sum()), notes=tuple(notes))
    return ParsedFrame(pop[frames.POPULATION_COLUMNS], report)


#: defaults: PRIS8 series and NAN1 government consumption (current / chained prices, mia. kr.)
PRIS8_TYPE = "INDEKS"
NAN1_TRANSAKT = "P3S13D"
NAN1_CURRENT = "V_M"
NAN1_CHAINED = "LAN_M"


def parse_deflator(table: str, body: bytes, *, pris8_type: str = PRIS8_TYPE,
                   transakt: str = NAN1_TRANSAKT, current: str = NAN1_CURRENT,
                   chained: str = NAN1_CHAINED) -> ParsedFrame:
    """PRIS8 (consumer price index, annual average: one series) or NAN1 (implicit deflator =
    current / chained × 100 for one ``transakt``) -> deflator frame (aar, indeks)."""
    if table not in DEFLATOR_TABLES:
        raise ParseError(f"{table} er ikke en prisindekstabel ({', '.join(DEFLATOR_TABLES)})")
    what = f"{table}-svaret"
    parsed = deflator_from_raw(table, read_statbank_csv(body, what), what, pris8_type=pris8_type,
                               transakt=transakt, current=current, chained=chained)
    bad = parsed.frame[parsed.frame["indeks"].notna()
                       & ~(np.isfinite(parsed.frame["indeks"]) & (parsed.frame["indeks"] > 0))]
    if len(bad):
        y, v = bad.iloc[0]["aar"], bad.iloc[0]["indeks"]
        raise ParseError(f"{what}: prisindekset for {int(y)} er {v} – et prisindeks skal være et "
                         "positivt tal (er de kædede priser 0?)")
    return parsed


def deflator_from_raw(table: str, raw: pd.DataFrame, what: str, *, pris8_type: str = PRIS8_TYPE,
                      transakt: str = NAN1_TRANSAKT, current: str = NAN1_CURRENT,
                      chained: str = NAN1_CHAINED) -> ParsedFrame:
    """:func:`parse_deflator` on a frame of coded text columns: the one price-index parser, shared
    by API bodies and hand-downloaded exports (price_export.py)."""
    check_layout(list(raw.columns), table)
    if table == "PRIS8":
        if "TYPE" in raw:
            raw = _only(raw, "TYPE", pris8_type, what)
        out = pd.DataFrame({"aar": years(raw["TID"], f"{what}: TID"),
                            "indeks": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD")})
        check_duplicates(out, ["aar"], what)
        notes = (f"PRIS8 {pris8_type}",)
    else:
        raw = _only(raw, "TRANSAKT", transakt, what)
        long = pd.DataFrame({"aar": years(raw["TID"], f"{what}: TID"),
                             "enhed": raw["PRISENHED"].str.strip(),
                             "v": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD")})
        check_duplicates(long, ["aar", "enhed"], what)
        wide = long.pivot(index="aar", columns="enhed", values="v")
        for unit in (current, chained):
            if unit not in wide:
                raise ParseError(f"{what}: prisenhed {unit} mangler (fandt {sorted(wide.columns)})")
        out = pd.DataFrame({"aar": wide.index.astype(int),
                            "indeks": (wide[current] / wide[chained] * 100).to_numpy(float)})
        notes = (f"NAN1 {transakt}: {current}/{chained}×100",)
    out = out.sort_values("aar").reset_index(drop=True)
    report = ParseReport(table=table, rows=len(out), years=tuple(int(y) for y in out["aar"]),
                         missing_values=int(out["indeks"].isna().sum()), notes=notes)
    return ParsedFrame(out[frames.DEFLATOR_COLUMNS], report)


def _count_columns(columns: list[str], table: str, info: dict | None) -> tuple[str, str]:
    """(area column, code column) of an ANBAAR12/ISBU02 body: TID, the area (an id of
    :data:`COUNT_AREA_IDS`, or the variable tableinfo calls a kommune) and one other variable."""
    others = [c for c in columns if c not in ("TID", "INDHOLD")]
    texts = {str(v.get("id", "")).upper(): str(v.get("text", "")).lower()
             for v in (info or {}).get("variables", []) if isinstance(v, dict)}
    area = [c for c in others if c in COUNT_AREA_IDS or "kommune" in texts.get(c, "")]
    if "TID" not in columns or len(others) != 2 or len(area) != 1:
        raise ParseError(f"{table}: forventede kolonnerne TID, en kommune (fx {COUNT_AREA_IDS[0]}) og én "
                         f"kode (anbringelsessted/indsats), fik {', '.join(columns)}")
    return area[0], next(c for c in others if c != area[0])


def count_area_kind(code: str) -> str:
    """'kommune', 'aggregate' (000 Hele landet, the regions) or 'uoplyst' (998/999); any other
    code -> UnknownAreaError naming it."""
    if code in COUNT_UNKNOWN_AREAS:
        return "uoplyst"
    kind = area_kind(code)
    return "aggregate" if kind == "christiansoe" else kind


def parse_counts(table: str, body: bytes, *, request: dict | None = None,
                 info: dict | None = None) -> ParsedFrame:
    """ANBAAR12 / ISBU02 body -> children frame (tabel, aar, kommunekode, kode, antal), every area
    kept (the model uses the 98; 000 is DST's national figure, 998 "uoplyst"). With the request,
    a row BULK left out is 0 children, as DST documents. A count below 0 is refused."""
    if table not in COUNT_TABLES:
        raise ParseError(f"{table} er ikke en børnetabel ({', '.join(COUNT_TABLES)})")
    what = f"{table}-svaret"
    raw = read_statbank_csv(body, what)
    area, code = _count_columns(list(raw.columns), table, info)
    raw = raw.assign(**{area: raw[area].map(normalise_area), code: raw[code].str.strip()})
    grid = requested_codes(request, info)
    added = 0
    if grid is not None:
        grid = {k: ([normalise_area(c) for c in v] if k == area else v) for k, v in grid.items()}
        raw, added = fill_omitted_text(raw, grid, info)
    return counts_from_raw(table, raw, what, area=area, code=code,
                           notes=(OMITTED_NOTE,) if added else ())


def counts_from_raw(table: str, raw: pd.DataFrame, what: str, *, area: str, code: str,
                    notes: tuple[str, ...] = ()) -> ParsedFrame:
    """:func:`parse_counts` on a frame of coded text columns: the one counts parser."""
    out = pd.DataFrame({"tabel": table, "aar": years(raw["TID"], f"{what}: TID"),
                        "kommunekode": raw[area].map(normalise_area), "kode": raw[code].str.strip(),
                        "antal": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD")}, index=raw.index)
    check_duplicates(out, ["aar", "kommunekode", "kode"], what)
    if (neg := out["antal"] < 0).any():
        at = _location(out.index[int(np.argmax(neg.to_numpy()))])
        raise ParseError(f"{what}, {at}: antallet {_show(out['antal'][neg].iloc[0])} er negativt – "
                         "et antal børn kan ikke være under 0")
    kinds = {}
    for c in out["kommunekode"].unique():
        try:
            kinds[c] = count_area_kind(c)
        except UnknownAreaError as e:
            at = _location(out.index[_first(out["kommunekode"], c)])
            raise UnknownAreaError(f"{what}, {at}: {e}") from None
    kind = out["kommunekode"].map(kinds)
    extra = list(notes)
    if (kind == "uoplyst").any():
        extra.append(f"{table}: {int((kind == 'uoplyst').sum())} rækker for uoplyst kommune (998/999) "
                     "tælles ikke hos nogen kommune")
    out = out.sort_values(["aar", "kommunekode", "kode"], kind="stable").reset_index(drop=True)
    out["antal"] = out["antal"].astype(float)
    report = ParseReport(table=table, rows=len(out),
                         kommuner=tuple(sorted(out.loc[kind.to_numpy() == "kommune", "kommunekode"].unique())),
                         years=tuple(sorted(int(y) for y in out["aar"].unique())),
                         missing_values=int(out["antal"].isna().sum()), notes=tuple(extra))
    return ParsedFrame(out, report)


def parse_national(table: str, body: bytes, *, request: dict | None = None,
                   info: dict | None = None) -> ParsedFrame:
    """BU28 body (TID and one measure variable) -> rows (tabel, aar, kommunekode 000, kode, antal
    = the figure in the table's unit, mio. kr.); a row BULK left out is 0, as DST documents."""
    if table not in NATIONAL_TABLES:
        raise ParseError(f"{table} er ikke en landstabel ({', '.join(NATIONAL_TABLES)})")
    what = f"{table}-svaret"
    raw = read_statbank_csv(body, what)
    others = [c for c in raw.columns if c not in ("TID", "INDHOLD")]
    if "TID" not in raw or len(others) != 1:
        raise ParseError(f"{table}: forventede kolonnerne TID og én foranstaltning, fik {', '.join(raw.columns)}")
    code = others[0]
    raw = raw.assign(**{code: raw[code].str.strip()})
    grid = requested_codes(request, info)
    notes: tuple[str, ...] = ()
    if grid is not None:
        raw, added = fill_omitted_text(raw, grid, info)
        notes = (OMITTED_NOTE,) if added else ()
    out = pd.DataFrame({"tabel": table, "aar": years(raw["TID"], f"{what}: TID"),
                        "kommunekode": reference.HELE_LANDET, "kode": raw[code],
                        "antal": to_numbers(raw["INDHOLD"], f"{what}: INDHOLD")}, index=raw.index)
    check_duplicates(out, ["aar", "kode"], what)
    out = out.sort_values(["aar", "kode"], kind="stable").reset_index(drop=True)
    out["antal"] = out["antal"].astype(float)
    report = ParseReport(table=table, rows=len(out), years=tuple(sorted(int(y) for y in out["aar"].unique())),
                         missing_values=int(out["antal"].isna().sum()), notes=notes)
    return ParsedFrame(out, report)


def parse_body(table: str, body: bytes, *, request: dict | None = None, info: dict | None = None,
               **options) -> ParsedAccounts | ParsedFrame:
    """One API body of ``table`` through its strict parser (accounts, population or price index);
    ``request``/``info`` put back the rows BULK left out; ``options`` go to the table's parser."""
    if table in ACCOUNT_TABLES:
        return parse_accounts(table, body, request=request, info=info, **options)
    if table in POPULATION_TABLES:
        return parse_population(table, body, request=request, info=info, **options)
    if table in DEFLATOR_TABLES:
        return parse_deflator(table, body, **options)
    if table in COUNT_TABLES:
        return parse_counts(table, body, request=request, info=info)
    if table in NATIONAL_TABLES:
        return parse_national(table, body, request=request, info=info)
    raise ParseError(f"tabellen {table!r} kendes ikke")


def _only(raw: pd.DataFrame, column: str, code: str, what: str) -> pd.DataFrame:
    values = raw[column].str.strip()
    if not (values == code).any():
        raise ParseError(f"{what}: {column}={code} findes ikke (fandt {sorted(values.unique())[:10]})")
    return raw[values == code]
