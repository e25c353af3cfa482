"""Statistikbanken labels -> codes, for exports downloaded by hand (see ``exports.py``).

Each ``*_code`` function accepts DST's code, DST's label, or "code label" ("1 Driftskonti",
"5.28.21 Rådgivning …") and raises a named error for anything it does not know.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Callable, Iterable

import pandas as pd

from .. import frames, reference
from ..errors import ParseError, UnknownAreaError
from .parse import DST_GROUP_AREAS, area_kind, normalise_area

#: header text (normalised) -> role
HEADER_ROLES = {
    "område": "omraade", "omraade": "omraade", "omrade": "omraade", "kommune": "omraade",
    "funktion": "funktion", "dranst": "dranst", "art": "art", "prisenhed": "prisenhed",
    "tid": "tid", "år": "tid", "aar": "tid", "gruppering": "gruppering", "ejer": "ejer",
    "ejerforhold": "ejer", "indhold": "value", "beløb": "value", "beloeb": "value", "værdi": "value",
    "value": "value", "kr_pr_indbygger": "value", "beloeb_1000kr": "value",
}
ART_LABELS = {"tot": "TOT", "i alt (netto)": "TOT", "i alt": "TOT", "netto": "TOT",
              "ue": "UE", "bruttoudgifter": "UE", "udgifter": "UE", "i": "I", "indtægter": "I"}
DRANST_LABELS = {"driftskonti": "1", "statsrefusion": "2", "anlægskonti": "3", "renter": "4",
                 "finansforskydninger": "5", "afdrag på lån": "6", "finansiering": "7"}
#: spellings seen in real files besides DST's names (key: normalised)
AREA_VARIANTS = {"høje taastrup": "169", "århus": "751", "hele landet": reference.HELE_LANDET,
                 "christiansø": reference.CHRISTIANSOE}


def norm(text: str) -> str:
    """Case, hyphens and runs of whitespace do not matter: 'Høje-Taastrup ' == 'høje taastrup'."""
    return re.sub(r"\s+", " ", str(text).replace("-", " ").replace("\u00a0", " ")).strip().casefold()


def header_role(cell: str) -> str | None:
    return HEADER_ROLES.get(norm(cell).replace(" ", "_")) or HEADER_ROLES.get(norm(cell))


def unit_from_header(header: str | None) -> str | None:
    h = norm(header or "").replace(" ", "_")
    return h if h in frames.VALUE_COLUMNS.values() else None


#: DST's municipality groups by name. The REGK tables list them as areas 910, 920, 930, 940, 960
#: (parse.DST_GROUP_AREAS); which name has which code is not verified and does not matter: each is
#: an aggregate, kept apart and never a municipality
KOMMUNEGRUPPE_AREAS = dict(zip(("hovedstadskommuner", "storbykommuner", "provinsbykommuner",
                                "oplandskommuner", "landkommuner"), DST_GROUP_AREAS))


@cache
def _areas() -> dict[str, str]:
    out = {norm(k.navn): k.kode for k in reference.kommuner()}
    out.update({norm(name): code for code, name in reference.regioner().items()})
    out.update(KOMMUNEGRUPPE_AREAS)
    out.update(AREA_VARIANTS)
    return out


def area_code(label: str) -> str:
    s = str(label).strip()
    if re.fullmatch(r"\d{1,3}", s):
        return normalise_area(s)
    m = re.fullmatch(r"(\d{1,3})\s+\S.*", s)
    if m:
        return normalise_area(m.group(1))
    code = _areas().get(norm(s))
    if code is None:
        raise UnknownAreaError(f"ukendt område {label!r}: hverken en af de 98 kommuner, en region, "
                               "en af Danmarks Statistiks kommunegrupper eller 'Hele landet'")
    return code


def funktion_code(label: str) -> str:
    s = str(label).strip()
    m = re.match(r"(\d)\.(\d\d)\.(\d\d)(?:\s|$)", s)
    if m:
        return f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
    if re.fullmatch(r"\d{4,5}", s):
        return frames.funktion_code(s)
    raise ParseError(f"funktion {label!r} kendes ikke (forventede fx '5.28.21 …' eller 52821)")


def dranst_code(label: str) -> str:
    s = str(label).strip()
    if s == "*":
        return s
    m = re.fullmatch(r"(\d)(?:\s+\S.*)?", s)
    if m:
        return m.group(1)
    if norm(s) in DRANST_LABELS:
        return DRANST_LABELS[norm(s)]
    raise ParseError(f"dranst {label!r} kendes ikke (forventede fx '1 Driftskonti' eller 1)")


def gruppering_code(label: str) -> str:
    m = re.fullmatch(r"(\d{1,3})(?:\s+\S.*)?", str(label).strip())
    if not m:
        raise ParseError(f"gruppering {label!r} kendes ikke (forventede fx '001 …' eller 001)")
    return frames.gruppering_code(m.group(1))


def art_code(label: str) -> str:
    s = norm(label)
    code = ART_LABELS.get(s)
    if code is None and " " in s:  # "TOT I alt (netto)": code and label must agree
        first, rest = s.split(" ", 1)
        code = ART_LABELS.get(first) if ART_LABELS.get(first) == ART_LABELS.get(rest) else None
    if code is None:
        raise ParseError(f"art {label!r} kendes ikke (forventede 'I alt (netto)', 'Bruttoudgifter', "
                         "'Indtægter' eller TOT/UE/I)")
    return code


def prisenhed_code(label: str) -> str:
    s = str(label).strip()
    if s.upper() in frames.VALUE_COLUMNS:
        return s.upper()
    n = norm(s)
    if "løbende" in n and "indbygger" in n:
        return "INDL"
    if "løbende" in n and "1.000 kr" in n:
        return "LOBM"
    raise ParseError(f"prisenhed {label!r} understøttes ikke (kun løbende priser: 1.000 kr. eller "
                     "pr. indbygger)")


def year(text: str, name: str = "") -> int:
    s = str(text).strip()
    if not re.fullmatch(r"(?:19|20)\d\d", s):
        raise ParseError(f"{name}: {text!r} er ikke et årstal")
    return int(s)


def map_unique(values: Iterable[str], fn: Callable[[str], str]) -> pd.Series:
    """Apply ``fn`` once per distinct value (fast on long exports)."""
    s = pd.Series(list(values), dtype=str)
    return s.map({v: fn(v) for v in s.unique()})


def _known_area(label: str) -> str:
    code = area_code(label)
    area_kind(code)
    return code


ROLE_TESTS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("prisenhed", prisenhed_code), ("art", art_code), ("funktion", funktion_code),
    ("tid", year), ("omraade", _known_area), ("dranst", dranst_code),
    ("gruppering", gruppering_code),
)


def _mostly_areas(vals: list[str]) -> bool:
    """A column of area codes/names with some unknown ones: call it 'omraade' so the unknown
    ones are named by an UnknownAreaError later instead of a vague layout error."""
    ok = 0
    for v in vals:
        try:
            area_code(v)
            ok += 1
        except ParseError:
            pass
    return ok > 0 and ok * 2 >= len(vals)


def detect_role(values: Iterable[str], name: str) -> str:
    """The role of an unnamed column: the first whose mapping accepts every distinct value."""
    vals = [v for v in values if v != ""]
    for role, fn in ROLE_TESTS:
        try:
            for v in vals:
                fn(v)
            return role
        except (ParseError, ValueError):
            continue
    if _mostly_areas(vals):
        return "omraade"
    raise ParseError(f"{name}: kan ikke se, hvad kolonnen med fx {vals[:3]} indeholder")
