"""What the dashboard's input cells hold: one frozen selection, checked against the data.

The writer puts a Selection into the input cells (and computes the cached values for it); tests build
the same workbook with other selections and compare LibreOffice's recalculated values to the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import reference
from ..errors import SelectionError
from . import layout


@dataclass(frozen=True)
class Selection:
    kommune: str = "101"
    sammenligning: str = "land"            # layout.SAMMENLIGNING_VALG keys
    gruppe: tuple[str, ...] = ()          # kommunekoder, used when sammenligning == "gruppe"
    fra_aar: int | None = None            # None: first data year
    til_aar: int | None = None            # None: last data year
    basis_fra: int | None = None          # None: fra_aar
    basis_til: int | None = None          # None: basis_fra
    maal: str = "netto"
    enhed: str | None = None              # None: "1000kr", or the data's only unit
    prisaar: int | None = None            # None: løbende priser
    refusion: bool = True
    trappe_aar: int | None = None         # None: til_aar


def resolve(sel: Selection, years: tuple[int, ...], value_column: str,
            derived: bool = False, per_child: bool = False) -> Selection:
    """Fill the defaults from the data and check every choice; SelectionError names the bad one.
    ``derived``: kr. pr. indbygger data with population also offer the derived amount units;
    ``per_child``: the data hold children on the steps (BookData.per_child)."""
    if not years:
        raise SelectionError("ingen år i data – kan ikke lave en analyse")
    lo, hi = min(years), max(years)
    enhed = sel.enhed or ("kr_pr_indbygger" if value_column == "kr_pr_indbygger" else "1000kr")
    fra = sel.fra_aar if sel.fra_aar is not None else lo
    til = sel.til_aar if sel.til_aar is not None else hi
    bfra = sel.basis_fra if sel.basis_fra is not None else fra
    btil = sel.basis_til if sel.basis_til is not None else bfra
    out = replace(sel, enhed=enhed, fra_aar=fra, til_aar=til, basis_fra=bfra, basis_til=btil,
                  trappe_aar=sel.trappe_aar if sel.trappe_aar is not None else til,
                  gruppe=tuple(dict.fromkeys(sel.gruppe)))
    _check(out, lo, hi, value_column, derived, per_child)
    return out


def _check(sel: Selection, lo: int, hi: int, value_column: str, derived: bool = False,
           per_child: bool = False) -> None:
    koder = reference.kommunekoder()
    if sel.kommune not in koder:
        raise SelectionError(f"ukendt kommunekode {sel.kommune!r}")
    if sel.sammenligning not in layout.SAMMENLIGNING_VALG:
        raise SelectionError(f"ukendt sammenligning {sel.sammenligning!r}; "
                             f"vælg en af {sorted(layout.SAMMENLIGNING_VALG)}")
    bad = [k for k in sel.gruppe if k not in koder]
    if bad or len(sel.gruppe) > layout.MAX_GROUP:
        raise SelectionError(f"egen gruppe: højst {layout.MAX_GROUP} gyldige kommunekoder "
                             f"(ukendte: {bad})")
    if sel.sammenligning == "gruppe" and not sel.gruppe:
        raise SelectionError("sammenligning 'Egen gruppe' kræver mindst én kommune i gruppen")
    for name in ("fra_aar", "til_aar", "basis_fra", "basis_til", "trappe_aar"):
        y = getattr(sel, name)
        if not lo <= y <= hi:
            raise SelectionError(f"{name} = {y} ligger uden for data ({lo}-{hi})")
    if sel.fra_aar > sel.til_aar or sel.basis_fra > sel.basis_til:
        raise SelectionError("årsintervaller skal gå forlæns (fra ≤ til)")
    if sel.maal not in layout.MAAL_VALG:
        raise SelectionError(f"ukendt mål {sel.maal!r}")
    allowed = ({"kr_pr_indbygger"} if value_column == "kr_pr_indbygger"
               else {"1000kr", "pr_0_17", "pr_0_22"})
    if value_column == "kr_pr_indbygger" and derived:
        allowed |= {"1000kr", "pr_0_17", "pr_0_22"}
    if per_child:
        allowed |= {"pr_barn"}
    if sel.enhed not in allowed:
        raise SelectionError(f"enhed {sel.enhed!r} findes ikke for data i {value_column}; "
                             f"mulige: {sorted(allowed)}")


def members(sel: Selection) -> tuple[str, ...]:
    """Kommunekoder of the comparison unit, in DST order."""
    k = reference.kommune_by_code()[sel.kommune]
    if sel.sammenligning == "gruppe":
        wanted = set(sel.gruppe)
        return tuple(c for c in reference.all_kommunekoder() if c in wanted)
    if sel.sammenligning == "region":
        return reference.members_of_region(k.regionskode)
    if sel.sammenligning == "kommunegruppe":
        return reference.members_of_kommunegruppe(k.kommunegruppe_kode)
    return reference.all_kommunekoder()


def comparison_label(sel: Selection) -> str:
    k = reference.kommune_by_code()[sel.kommune]
    if sel.sammenligning == "region":
        return k.regionsnavn
    if sel.sammenligning == "kommunegruppe":
        return k.kommunegruppe
    if sel.sammenligning == "gruppe":
        return "Egen gruppe"
    return "Hele landet"
