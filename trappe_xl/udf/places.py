"""Municipalities and groups as a TRAPPE function's user names them.

A kommune is a code (``"101"``, ``101.0``) or its DST name, case-insensitive ("københavn").
A near miss is refused with a hint ("ukendt kommune 'Arhus' – mente du Aarhus?"), never guessed.
A group is a range of kommuner, a region ("Region Hovedstaden", "Hovedstaden", "084"), a DST
kommunegruppe ("Hovedstadskommuner") or "Hele landet".
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from ..errors import SelectionError
from ..words import HELE_LANDET_NAMES   # one list for both routes (workbook.lambdas too)
from .arguments import flatten, is_empty, show


@dataclass(frozen=True)
class Sted:
    kode: str
    navn: str
    regionskode: str
    region: str
    gruppe_kode: str
    gruppe: str


@dataclass(frozen=True)
class Gruppe:
    """What a group argument names: a label for messages/headers and its member codes."""
    label: str
    members: tuple[str, ...]
    #: "Hele landet" by name: on kr. pr. indbygger data DST's own figure (as Analyse shows it)
    land: bool = False


def _fold(text: str) -> str:
    """For hints only: lower case, å->aa, no spaces/hyphens."""
    t = text.casefold().replace("å", "aa").replace("ø", "oe").replace("æ", "ae")
    return "".join(ch for ch in t if ch.isalnum())


class Places:
    """Name/code lookups over the workbook's Kommuner table (in its order)."""

    def __init__(self, kommuner: list[Sted]):
        self.kommuner = tuple(kommuner)
        self.by_code = {k.kode: k for k in kommuner}
        self.by_name = {k.navn.casefold(): k.kode for k in kommuner}
        self.order = {k.kode: i for i, k in enumerate(kommuner)}
        self.regions: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.groups: dict[str, tuple[str, tuple[str, ...]]] = {}
        for k in kommuner:
            name, members = self.regions.get(k.regionskode, (k.region, ()))
            self.regions[k.regionskode] = (name, (*members, k.kode))
            name, members = self.groups.get(k.gruppe_kode, (k.gruppe, ()))
            self.groups[k.gruppe_kode] = (name, (*members, k.kode))

    def navn(self, kode: str) -> str:
        return self.by_code[kode].navn

    # -- one kommune ---------------------------------------------------------------------------
    def kommune(self, x: object, alone: bool = True) -> str:
        """The kommunekode of a code or name (a one-cell range counts as its cell); SelectionError
        with a hint otherwise."""
        if isinstance(x, (list, tuple)):
            cells = flatten(x)
            if len(cells) != 1:
                raise SelectionError(f"kommune skal være én kommune, ikke {show(x)} – brug "
                                     "TRAPPE_SAMMENLIGN for en gruppe")
            x = cells[0]
        if is_empty(x):
            raise SelectionError("kommune mangler")
        if isinstance(x, bool):
            raise SelectionError(f"ukendt kommune {show(x)}")
        if isinstance(x, (int, float)):
            if isinstance(x, float) and (math.isnan(x) or not x.is_integer()):
                raise SelectionError(f"ukendt kommunekode {show(x)}")
            return self._code(str(int(x)).zfill(3), x)
        if not isinstance(x, str):
            raise SelectionError(f"ukendt kommune {show(x)}")
        text = " ".join(x.split())
        if text.isascii() and text.isdigit():
            return self._code(text.zfill(3), x)
        key = text.casefold().removesuffix(" kommune")
        if key in self.by_name:
            return self.by_name[key]
        if alone and self._named_group(text.casefold()) is not None:
            raise SelectionError(f"{show(x)} er en gruppe, ikke én kommune – brug TRAPPE_SAMMENLIGN")
        raise SelectionError(f"ukendt kommune {show(x)}{self._hint(text)}")

    def _code(self, kode: str, x: object) -> str:
        if kode not in self.by_code:
            raise SelectionError(f"ukendt kommunekode {show(x)}")
        return kode

    def _hint(self, text: str) -> str:
        folded = {_fold(k.navn): k.navn for k in self.kommuner}
        near = difflib.get_close_matches(_fold(text), list(folded), n=1, cutoff=0.75)
        return f" – mente du {folded[near[0]]}?" if near else ""

    # -- groups --------------------------------------------------------------------------------
    def gruppe(self, x: object) -> Gruppe:
        """A range of kommuner, a region, a kommunegruppe, "Hele landet" or one kommune."""
        if isinstance(x, (list, tuple)):
            cells = [c for c in flatten(x) if not is_empty(c)]
            if not cells:
                raise SelectionError("gruppen er tom – markér celler med kommunenavne eller -koder")
            if len(cells) > 1:
                return self._range(cells)
            x = cells[0]
        if is_empty(x):
            raise SelectionError("gruppe mangler")
        if isinstance(x, str):
            named = self._named_group(" ".join(x.split()).casefold())
            if named is not None:
                return named
        kode = self.kommune(x)
        return Gruppe(self.navn(kode), (kode,))

    def _named_group(self, key: str) -> Gruppe | None:
        if key in HELE_LANDET_NAMES:
            return Gruppe("Hele landet", tuple(k.kode for k in self.kommuner), land=True)
        for kode, (name, members) in self.regions.items():
            if key in (kode, name.casefold(), name.casefold().removeprefix("region ")):
                return Gruppe(name, members)
        for kode, (name, members) in self.groups.items():
            if key in (name.casefold(), f"kommunegruppe {kode}"):
                return Gruppe(name, members)
        return None

    def _range(self, cells: list) -> Gruppe:
        codes: list[str] = []
        for cell in cells:
            try:
                kode = self.kommune(cell, alone=False)
            except SelectionError as e:
                raise SelectionError(f"gruppen: {e}") from None
            if kode in codes:
                raise SelectionError(f"gruppen: {self.navn(kode)} står mere end én gang")
            codes.append(kode)
        codes.sort(key=self.order.__getitem__)
        label = ", ".join(self.navn(c) for c in codes[:3]) + (" …" if len(codes) > 3 else "")
        return Gruppe(label, tuple(codes))
