"""Statistikbanken API bodies (format BULK or CSV, valuePresentation=Code) -> canonical frames.

A body is UTF-8 with a BOM, ';'-separated, CRLF, and its header is the variable ids plus INDHOLD,
e.g. ``OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD``. Every field is read as text, so codes
such as "101" or "001" stay strings; INDHOLD ".."/"."/"" becomes NaN, never 0.

The area and value rules (:func:`normalise_area`, :func:`to_numbers`) and the canonical builder
(:func:`build_accounts`) are shared with ``exports.py``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from .. import frames, reference
from ..errors import DuplicateRowsError, ParseError, UnknownAreaError, WrongTableError

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


def read_statbank_csv(body: bytes, what: str = "svaret") -> pd.DataFrame:
    """A BULK/CSV body as a frame of strings; refuses ragged or truncated bodies."""
    rows = [r for r in csv.reader(io.StringIO(decode(body, what), newline=""), delimiter=";") if r]
    if not rows:
        raise ParseError(f"{what} er tomt: ingen kolonneoverskrift")
    header = [h.strip() for h in rows[0]]
    if "INDHOLD" not in header:
        raise ParseError(f"{what} mangler kolonnen INDHOLD (overskrift: {';'.join(header)})")
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            last = " – sidste linje, svaret ser afkortet ud" if i == len(rows) else ""
            raise ParseError(f"{what}, linje {i}: {len(row)} felter, overskriften har "
                             f"{len(header)}{last}: {';'.join(row)!r}")
    if len(rows) == 1:
        raise ParseError(f"{what} har ingen datarækker")
    return pd.DataFrame(rows[1:], columns=header, dtype=str)


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


# -- field rules -------------------------------------------------------------------------------

def to_numbers(text: pd.Series, what: str = "INDHOLD") -> pd.Series:
    """Text -> float. '..', '.', '' -> NaN; '-' -> 0 (DST's symbol for "nul", a real zero);
    decimal comma or point; anything else -> ParseError."""
    s = text.astype(str).str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "")
    s = s.mask(s == NIL_MARKER, "0")
    missing = s.isin(MISSING_MARKERS)
    both = s.str.contains(".", regex=False) & s.str.contains(",", regex=False)
    s = s.where(~both, s.str.replace(".", "", regex=False)).str.replace(",", ".", regex=False)
    out = pd.to_numeric(s.where(~missing), errors="coerce").astype(float)
    bad = out.isna() & ~missing
    if bad.any():
        examples = ", ".join(repr(v) for v in text[bad].unique()[:5])
        raise ParseError(f"{what}: {int(bad.sum())} værdi(er) er ikke tal: {examples}")
    return out


def normalise_area(code: str) -> str:
    """DST area code -> 3-digit string: "0" -> "000", "84" -> "084", "101" -> "101"."""
    c = str(code).strip()
    return c.zfill(3) if c.isdigit() and len(c) <= 3 else c


def area_kind(code: str) -> str:
    """'kommune', 'aggregate' (000, regions, 9xx groups) or 'christiansoe'; else UnknownAreaError."""
    if code in reference.kommunekoder():
        return "kommune"
    if code == reference.CHRISTIANSOE:
        return "christiansoe"
    if code == reference.HELE_LANDET or code in reference.REGION_CODES or re.fullmatch(r"9\d\d", code):
        return "aggregate"
    raise UnknownAreaError(f"ukendt områdekode {code!r}: hverken en af de 98 kommuner eller et kendt "
                           "aggregat (000, 081–085, 9xx)")


def classify_areas(codes: pd.Series) -> pd.Series:
    kinds: dict[str, str] = {}
    unknown = []
    for c in codes.unique():
        try:
            kinds[c] = area_kind(c)
        except UnknownAreaError:
            unknown.append(c)
    if unknown:
        raise UnknownAreaError(f"ukendte områdekoder {', '.join(map(repr, sorted(unknown)[:10]))}: "
                               "hverken blandt de 98 kommuner eller kendte aggregater (000, 081–085, 9xx)")
    return codes.map(kinds)


def years(tid: pd.Series, what: str = "TID") -> pd.Series:
    s = tid.astype(str).str.strip()
    bad = ~s.str.fullmatch(r"\d{4}")
    if bad.any():
        raise ParseError(f"{what}: forventede årstal, fik {', '.join(map(repr, s[bad].unique()[:5]))}")
    return s.astype(int)


def funktioner(codes: pd.Series) -> pd.Series:
    out = {}
    for c in codes.unique():
        try:
            out[c] = frames.funktion_code(c)
        except ValueError:
            raise ParseError(f"FUNKTION: {c!r} er ikke en DST-funktionskode (fx 52821)") from None
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
        raise DuplicateRowsError(f"{what}: {int(dup.sum())} rækker med samme nøgle, fx {ex}")


def build_accounts(long: pd.DataFrame, *, table: str, unit: str, what: str,
                   notes: tuple[str, ...] = ()) -> ParsedAccounts:
    """Coded long frame (aar, kommunekode = area code, funktion, dranst, gruppering, art, value
    [, ejer]) -> ParsedAccounts. Sums over ejer (min_count=1), checks arts and duplicates, splits
    municipalities from aggregates and drops Christiansø with a note."""
    bad_art = sorted(set(long["art"]) - set(ARTS))
    if bad_art:
        raise ParseError(f"{what}: ukendt ART {bad_art}; kendte: {', '.join(ARTS)}")
    long = long.rename(columns={"value": unit})
    if "ejer" in long.columns:
        long = (long.groupby(frames.ACCOUNT_KEYS, sort=False, as_index=False)[unit]
                .sum(min_count=1))
    else:
        check_duplicates(long, frames.ACCOUNT_KEYS, what)
    kinds = classify_areas(long["kommunekode"])
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


def parse_accounts(table: str, body: bytes) -> ParsedAccounts:
    """REGK31 / REGK100 body -> accounts (98 municipalities) + aggregates + report."""
    if table not in ACCOUNT_TABLES:
        raise ParseError(f"{table} er ikke en regnskabstabel ({', '.join(ACCOUNT_TABLES)})")
    raw = read_statbank_csv(body, f"{table}-svaret")
    check_layout(list(raw.columns), table)
    long = pd.DataFrame({
        "aar": years(raw["TID"]),
        "kommunekode": raw["OMRÅDE"].map(normalise_area),
        "funktion": funktioner(raw["FUNKTION"].str.strip()),
        "dranst": raw["DRANST"].str.strip(),
        "gruppering": raw["GRUPPERING"].str.strip() if "GRUPPERING" in raw else frames.FUNCTION_LEVEL,
        "art": raw["ART"].str.strip(),
        "value": to_numbers(raw["INDHOLD"]),
    })
    if "EJER" in raw:
        long["ejer"] = raw["EJER"].str.strip()
        check_duplicates(long, [*frames.ACCOUNT_KEYS, "ejer"], f"{table}-svaret")
    return build_accounts(long, table=table, unit=single_unit(raw["PRISENHED"]),
                          what=f"{table}-svaret")


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


def parse_population(table: str, body: bytes, *, quarter: str = "K1") -> ParsedFrame:
    """FOLK1A (TID 2019K1; only ``quarter`` kept = 1 January) or BEF1A07 (TID 2007) -> population.

    KØN / CIVILSTAND: the total (TOT) is kept when present, else the parts are summed (min_count=1).
    Aggregate areas are dropped (the model sums municipalities itself), as is Christiansø.
    """
    if table not in POPULATION_TABLES:
        raise ParseError(f"{table} er ikke en befolkningstabel ({', '.join(POPULATION_TABLES)})")
    what = f"{table}-svaret"
    return population_from_raw(table, read_statbank_csv(body, what), what, quarter=quarter)


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
    long = pd.DataFrame({"aar": years(raw["TID"]), "kommunekode": raw["OMRÅDE"].map(normalise_area),
                         "alder": raw["ALDER"].str.strip(), "antal": to_numbers(raw["INDHOLD"])})
    for c in breakdown:
        long[c] = raw[c].str.strip()
    check_duplicates(long, ["aar", "kommunekode", "alder", *breakdown], what)
    kinds = classify_areas(long["kommunekode"])
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
    return deflator_from_raw(table, read_statbank_csv(body, what), what, pris8_type=pris8_type,
                             transakt=transakt, current=current, chained=chained)


def deflator_from_raw(table: str, raw: pd.DataFrame, what: str, *, pris8_type: str = PRIS8_TYPE,
                      transakt: str = NAN1_TRANSAKT, current: str = NAN1_CURRENT,
                      chained: str = NAN1_CHAINED) -> ParsedFrame:
    """:func:`parse_deflator` on a frame of coded text columns: the one price-index parser, shared
    by API bodies and hand-downloaded exports (price_export.py)."""
    check_layout(list(raw.columns), table)
    if table == "PRIS8":
        if "TYPE" in raw:
            raw = _only(raw, "TYPE", pris8_type, what)
        out = pd.DataFrame({"aar": years(raw["TID"]), "indeks": to_numbers(raw["INDHOLD"])})
        check_duplicates(out, ["aar"], what)
        notes = (f"PRIS8 {pris8_type}",)
    else:
        raw = _only(raw, "TRANSAKT", transakt, what)
        long = pd.DataFrame({"aar": years(raw["TID"]), "enhed": raw["PRISENHED"].str.strip(),
                             "v": to_numbers(raw["INDHOLD"])})
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


def _only(raw: pd.DataFrame, column: str, code: str, what: str) -> pd.DataFrame:
    values = raw[column].str.strip()
    if not (values == code).any():
        raise ParseError(f"{what}: {column}={code} findes ikke (fandt {sorted(values.unique())[:10]})")
    return raw[values == code]
