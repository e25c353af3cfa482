"""The translation key (kontoplan -> indsatstrappe): load, validate, resolve which rule wins.

One CSV row per rule (``trappe_xl/data/trappenoegle.csv``; how to read and change it: docs/key.md).
A *rule group* is the set of rows that share a pattern (funktion, gruppering, dranst, art) and a year
range; its rows split an amount over steps and their ``andel`` sum to 1.

Patterns: ``gruppering`` is a three-digit code, ``funktion`` (function-level rows only: data with no
grouping, written ``"*"`` in the frames) or ``"*"`` (any row of the function). ``trin`` is 1–6, 0
(ikke fordelt) or a combined step (23, 45; function level only, never a share).

Specificity: a pattern field is *exact* when it is not ``"*"``. A group's specificity is the number
of exact fields among gruppering, dranst and art (0-3). For an account row, the matching group with
the highest specificity wins. Two matching groups with the same specificity are a tie, which
:func:`load_key` rejects up front unless a more specific group covers every row both would match.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path

import pandas as pd

from .errors import KeyValidationError
from .reference import ALLE_TRIN, SAMLET_TRIN

ANY = "*"
#: gruppering pattern that matches function-level account rows only (no grouping in the source,
#: e.g. REGK31 or a per-inhabitant export); the data frames write such rows with gruppering "*".
FUNKTIONSNIVEAU = "funktion"
COLUMNS = ["regel_id", "funktion", "gruppering", "dranst", "art", "trin", "andel", "fra_aar",
           "til_aar", "grundlag", "kilde", "status"]
PATTERN = ["funktion", "gruppering", "dranst", "art"]
SPECIFIC_FIELDS = ["gruppering", "dranst", "art"]
DRANST_VALUES = {"1", "2", ANY}
ART_VALUES = {"TOT", "UE", "I", ANY}
STATUS_VALUES = {"officiel", "foreløbig"}
#: the account area every data row in it must be covered, whatever the key claims
SCOPE_PREFIX = "5.28."
#: stands in for an open ``til_aar`` in comparisons
OPEN_END = 9999
SHARE_TOLERANCE = 1e-9
_FUNKTION = re.compile(r"^\d\.\d{2}\.\d{2}$")
_GRUPPERING = re.compile(r"^\d{3}$")


@dataclass(frozen=True)
class Key:
    """A validated key. ``rules`` has :data:`COLUMNS` plus ``gruppe`` (rule-group id) and
    ``specificitet``; ``til_aar`` is ``pd.NA`` when open."""

    rules: pd.DataFrame
    version: str
    dato: str
    sha256: str

    @property
    def stamp(self) -> str:
        """"<version> (<dato>)": the model version every output carries."""
        return f"{self.version} ({self.dato})"

    @property
    def funktioner(self) -> frozenset[str]:
        return frozenset(self.rules["funktion"])

    def in_scope(self, funktion: pd.Series) -> pd.Series:
        """True for account rows the key must cover: 5.28.xx and every function the key names."""
        return funktion.str.startswith(SCOPE_PREFIX) | funktion.isin(self.funktioner)


def _fail(problem: str, ids) -> None:
    ids = sorted(set(map(str, ids)))
    raise KeyValidationError(f"Oversættelsesnøglen er ugyldig: {problem} (regel_id: {', '.join(ids)})")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise KeyValidationError(f"Oversættelsesnøglen {path} kan ikke læses: {e}") from e
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise KeyValidationError(f"Oversættelsesnøglen {path} mangler kolonnerne {missing}")
    return frame[COLUMNS].apply(lambda s: s.str.strip())


def _check_values(raw: pd.DataFrame) -> pd.DataFrame:
    """Field-by-field checks; returns the typed frame."""
    ids = raw["regel_id"]
    if (ids == "").any():
        _fail("regel_id mangler", raw.index[ids == ""].map(lambda i: f"række {i + 2}"))
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        _fail("regel_id er brugt mere end én gang", dup)

    def bad(mask: pd.Series, problem: str) -> None:
        if mask.any():
            _fail(problem, ids[mask])

    bad(~raw["funktion"].str.fullmatch(_FUNKTION), "funktion skal skrives som 5.28.21")
    bad(~(raw["gruppering"].str.fullmatch(_GRUPPERING) | raw["gruppering"].isin([ANY, FUNKTIONSNIVEAU])),
        f"gruppering skal være en kode på tre cifre (fx 001), {FUNKTIONSNIVEAU} eller *")
    bad(~raw["dranst"].isin(DRANST_VALUES), "dranst skal være 1, 2 eller *")
    bad(~raw["art"].isin(ART_VALUES), "art skal være TOT, UE, I eller *")
    codes = [str(t) for t in ALLE_TRIN]
    bad(~raw["trin"].isin(codes), f"trin skal være en af {', '.join(codes)} (23 = trin 2–3 samlet, "
        "45 = trin 4–5 samlet, 0 = ikke fordelt)")
    combined = raw["trin"].isin([str(t) for t in SAMLET_TRIN])
    bad(combined & (raw["gruppering"] != FUNKTIONSNIVEAU),
        f"et samlet trin (23, 45) gælder kun regnskab på funktionsniveau (gruppering {FUNKTIONSNIVEAU}); "
        "en gruppering med kendt indhold hører til ét trin")
    andel = pd.to_numeric(raw["andel"], errors="coerce")
    bad(andel.isna() | (andel <= 0) | (andel > 1), "andel skal være et tal med 0 < andel ≤ 1")
    bad((andel < 1) & (raw["status"] != "officiel"),
        "en andel under 1 deler et beløb og kræver en offentliggjort fordeling (status officiel); "
        "uden den vises beløbet samlet (trin 23/45) eller som ikke fordelt (trin 0)")
    fra = pd.to_numeric(raw["fra_aar"], errors="coerce")
    til = pd.to_numeric(raw["til_aar"].replace("", str(OPEN_END)), errors="coerce")
    bad(~raw["fra_aar"].str.fullmatch(r"\d{4}"), "fra_aar skal være et årstal")
    bad(~(raw["til_aar"].str.fullmatch(r"\d{4}") | (raw["til_aar"] == "")),
        "til_aar skal være et årstal eller tom (åben)")
    bad(til < fra, "til_aar ligger før fra_aar")
    bad(raw["grundlag"] == "", "grundlag mangler (lov, kontoplan eller begrundelse)")
    bad(raw["kilde"] == "", "kilde mangler")
    bad(~raw["status"].isin(STATUS_VALUES), "status skal være officiel eller foreløbig")
    rules = raw.copy()
    rules["trin"] = rules["trin"].astype(int)
    rules["andel"] = andel.astype(float)
    rules["fra_aar"] = fra.astype(int)
    rules["til_aar"] = til.astype(int)
    return rules


def _check_groups(rules: pd.DataFrame) -> pd.DataFrame:
    """Shares per group sum to 1, one row per trin, no overlapping years; adds ``gruppe``."""
    keys = [*PATTERN, "fra_aar", "til_aar"]
    rules["gruppe"] = rules.groupby(keys, sort=True).ngroup()
    for _, g in rules.groupby("gruppe"):
        if g["trin"].duplicated().any():
            _fail("samme trin optræder to gange for samme konto og år", g["regel_id"])
        total = g["andel"].sum()
        if abs(total - 1) > SHARE_TOLERANCE:
            _fail(f"andelene for samme konto og år summerer til {total:g}, ikke 1", g["regel_id"])
    spans = rules.drop_duplicates("gruppe")
    for _, same in spans.groupby(PATTERN):
        same = same.sort_values("fra_aar")
        for (_, a), (_, b) in combinations(same.iterrows(), 2):
            if a["fra_aar"] <= b["til_aar"] and b["fra_aar"] <= a["til_aar"]:
                both = rules.loc[rules["gruppe"].isin([a["gruppe"], b["gruppe"]]), "regel_id"]
                _fail("årsintervallerne overlapper for samme konto", both)
    rules["specificitet"] = sum((rules[f] != ANY).astype(int) for f in SPECIFIC_FIELDS)
    return rules


def _covers(general: pd.Series, specific: dict) -> bool:
    return all(general[f] == ANY or general[f] == specific[f] for f in PATTERN)


def _check_ties(rules: pd.DataFrame) -> None:
    """Two equally specific groups that can match the same row must be resolved by a more
    specific group for every such year; otherwise the key is ambiguous."""
    groups = rules.drop_duplicates("gruppe").to_dict("records")
    by_funktion: dict[str, list[dict]] = {}
    for g in groups:
        by_funktion.setdefault(g["funktion"], []).append(g)
    for members in by_funktion.values():
        for a, b in combinations(members, 2):
            if a["specificitet"] != b["specificitet"] or a["gruppe"] == b["gruppe"]:
                continue
            if any(a[f] != b[f] and ANY not in (a[f], b[f]) for f in SPECIFIC_FIELDS):
                continue  # can never match the same row
            lo, hi = max(a["fra_aar"], b["fra_aar"]), min(a["til_aar"], b["til_aar"])
            if lo > hi:
                continue
            meet = {f: a[f] if a[f] != ANY else b[f] for f in PATTERN}
            resolvers = [c for c in members if c["specificitet"] > a["specificitet"]
                         and _covers(pd.Series(c), meet)]
            open_years = [y for y in _years(lo, hi, members)
                          if not any(c["fra_aar"] <= y <= c["til_aar"] for c in resolvers)]
            if open_years:
                ids = rules.loc[rules["gruppe"].isin([a["gruppe"], b["gruppe"]]), "regel_id"]
                _fail(f"to regler er lige specifikke og rammer begge {meet['funktion']} "
                      f"gruppering {meet['gruppering']}, dranst {meet['dranst']}, art {meet['art']} "
                      f"fra {open_years[0]}; tilføj en mere specifik regel", ids)


def _years(lo: int, hi: int, groups: list[dict]) -> list[int]:
    """The years in [lo, hi] where coverage can change (every boundary), so checks stay finite."""
    marks = {lo} | {g["fra_aar"] for g in groups} | {g["til_aar"] + 1 for g in groups}
    return sorted(y for y in marks if lo <= y <= hi)


def validate(raw: pd.DataFrame) -> pd.DataFrame:
    """Validate a raw key (all columns as strings) and return the typed rules frame."""
    rules = _check_groups(_check_values(raw.reset_index(drop=True)))
    _check_ties(rules)
    return rules.sort_values(["funktion", "regel_id"]).reset_index(drop=True)


def _default_path() -> Path:
    return Path(str(resources.files("trappe_xl.data").joinpath("trappenoegle.csv")))


def load_key(path: Path | str | None = None, version_path: Path | str | None = None) -> Key:
    """Load and validate a key. Default: the packaged key and its ``trappenoegle_version.json``
    (for another CSV, the JSON beside it with the same stem + ``_version.json`` when present)."""
    path = Path(path) if path is not None else _default_path()
    rules = validate(_read_csv(path))
    vpath = Path(version_path) if version_path else path.with_name(f"{path.stem}_version.json")
    if vpath.is_file():
        meta = json.loads(vpath.read_text(encoding="utf-8"))
        version, dato = str(meta["version"]), str(meta["dato"])
    else:
        version, dato = "uversioneret", ""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    rules["til_aar"] = rules["til_aar"].astype("Int64").mask(rules["til_aar"] == OPEN_END)
    return Key(rules=rules, version=version, dato=dato, sha256=digest)
