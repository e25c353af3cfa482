"""Reference facts: the 98 municipalities (code, DST name, region, DST kommunegruppe) and the steps.

Facts written by the project into ``trappe_xl/data/`` (see docs/reference-data.md for sources).
Codes are strings everywhere: "101", "084", never numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

HELE_LANDET = "000"
#: Christiansø appears in DST's area lists but is not a municipality (no accounts); left out on purpose.
CHRISTIANSOE = "411"
REGION_CODES = ("081", "082", "083", "084", "085")
#: Step 0 is the bucket for amounts that cannot be put on a step ("ikke fordelt på trin").
IKKE_FORDELT = 0
TRIN = (1, 2, 3, 4, 5, 6)
#: Combined steps: a function whose groupings feed two steps, known only at function level, is shown
#: once for both (never split by an invented share). Code -> the steps it spans.
SAMLET_TRIN = {23: (2, 3), 45: (4, 5)}
#: Every step code on the staircase, in display order (a combined step after its two members).
PAA_TRIN = (1, 2, 3, 23, 4, 5, 45, 6)
#: Every step code, "ikke fordelt" last: the rows of every step table.
ALLE_TRIN = (*PAA_TRIN, IKKE_FORDELT)
#: the steps a count of children can stand on (model.children): ISBU02 for 2, 3 (and a group of
#: exactly 2–3), ANBAAR12 for 4, 5, 4–5, 6; trin 1 and ikke fordelt have no children
COUNT_STEPS = (2, 3, 23, 4, 5, 45, 6)


@dataclass(frozen=True)
class Kommune:
    kode: str
    navn: str
    regionskode: str
    regionsnavn: str
    kommunegruppe_kode: str
    kommunegruppe: str
    dst_sortering: int


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("trappe_xl.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def kommuner() -> tuple[Kommune, ...]:
    """The 98 municipalities in Statistikbanken's order."""
    out = [Kommune(r["kommunekode"], r["kommunenavn"], r["regionskode"], r["regionsnavn"],
                   r["kommunegruppe_kode"], r["kommunegruppe"], int(r["dst_sortering"]))
           for r in _rows("kommuner.csv")]
    out.sort(key=lambda k: k.dst_sortering)
    assert len(out) == 98, f"reference holds {len(out)} municipalities, expected 98"
    return tuple(out)


@cache
def kommune_by_code() -> dict[str, Kommune]:
    return {k.kode: k for k in kommuner()}


@cache
def kommunekoder() -> frozenset[str]:
    return frozenset(kommune_by_code())


@cache
def regioner() -> dict[str, str]:
    """Region code -> Danish name, e.g. "084" -> "Region Hovedstaden"."""
    return {k.regionskode: k.regionsnavn for k in kommuner()}


@cache
def kommunegrupper() -> dict[str, str]:
    """DST kommunegruppe code -> name, e.g. "1" -> "Hovedstadskommuner"."""
    return dict(sorted({k.kommunegruppe_kode: k.kommunegruppe for k in kommuner()}.items()))


@cache
def trin_navne() -> dict[int, str]:
    """Step -> Danish name, steps 1-6 then 0 (ikke fordelt på trin)."""
    return {int(r["trin"]): r["navn"] for r in _rows("trin.csv")}


@cache
def trin_korte_navne() -> dict[int, str]:
    return {int(r["trin"]): r["kort"] for r in _rows("trin.csv")}


def members_of_region(regionskode: str) -> tuple[str, ...]:
    return tuple(k.kode for k in kommuner() if k.regionskode == regionskode)


def members_of_kommunegruppe(gruppe_kode: str) -> tuple[str, ...]:
    return tuple(k.kode for k in kommuner() if k.kommunegruppe_kode == gruppe_kode)


def all_kommunekoder() -> tuple[str, ...]:
    return tuple(k.kode for k in kommuner())
