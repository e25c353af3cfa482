"""What the dashboard's input cells hold for a selection, and the drop-down list of each."""

from __future__ import annotations

from .. import reference
from . import layout
from .bookdata import BookData
from .selection import Selection


def input_values(data: BookData, sel: Selection) -> dict:
    k = reference.kommune_by_code()
    names = [k[c].navn for c in sel.gruppe] + [""] * (layout.MAX_GROUP - len(sel.gruppe))
    return {"ValgKommune": k[sel.kommune].navn,
            "ValgSammenligning": layout.SAMMENLIGNING_VALG[sel.sammenligning],
            "ValgFraAar": sel.fra_aar, "ValgTilAar": sel.til_aar, "ValgBasisFra": sel.basis_fra,
            "ValgBasisTil": sel.basis_til, "ValgMaal": layout.MAAL_VALG[sel.maal],
            "ValgEnhed": layout.enhed_label(sel.enhed, data.value),
            "ValgPriser": layout.PRISER_VALG["loebende" if sel.prisaar is None else "faste"],
            "ValgPrisaar": sel.prisaar if sel.prisaar is not None else sel.til_aar,
            "ValgRefusion": layout.REFUSION_VALG[sel.refusion], "ValgTrappeAar": sel.trappe_aar,
            "ValgGruppe": names}


def available(data: BookData) -> dict[str, list[str]]:
    """The codes of the choices the embedded data can serve (the drop-downs offer only these)."""
    maal = [m for m in layout.MAAL_VALG if (data.steps["maal"] == m).any()]
    if data.value == "kr_pr_indbygger":       # amounts and per child derived with population
        enheder = ["kr_pr_indbygger"] + (["1000kr", "pr_0_17", "pr_0_22"] if data.derived_units else [])
    else:
        enheder = ["1000kr"] + ([] if data.population.empty else ["pr_0_17", "pr_0_22"])
    if data.per_child:
        enheder.append("pr_barn")
    priser = ["loebende"] + ([] if data.deflator.empty else ["faste"])
    return {"ValgMaal": maal or list(layout.MAAL_VALG), "ValgEnhed": enheder,
            "ValgPriser": priser}


def unavailable_text(data: BookData) -> str:
    """One Danish line naming the choices the drop-downs leave out and why ("" when none)."""
    ok = available(data)
    parts = []
    maal = [layout.MAAL_VALG[m] for m in layout.MAAL_VALG if m not in ok["ValgMaal"]]
    if maal:
        parts.append(", ".join(maal))
    if data.value != "kr_pr_indbygger" and "pr_0_17" not in ok["ValgEnhed"]:
        parts.append("kr. pr. barn (ingen befolkningstal)")
    if data.value == "kr_pr_indbygger" and not data.derived_units:
        parts.append("1.000 kr., kr. pr. barn (afledes af kr. pr. indbygger × folketal: ingen "
                     "befolkningstal)")
    if data.child_steps is None:
        parts.append("kr. pr. barn i indsatsen (ingen børnetal: ANBAAR12 og ISBU02 hentes med fetch)")
    if "faste" not in ok["ValgPriser"]:
        parts.append("faste priser (intet prisindeks)")
    return ("Kan ikke vælges (findes ikke i data): " + "; ".join(parts) + "."
            if parts else "")


def input_lists(data: BookData, kommune_range: str) -> dict:
    years = [str(y) for y in data.years]
    ok = available(data)
    return {"ValgKommune": kommune_range,
            "ValgSammenligning": list(layout.SAMMENLIGNING_VALG.values()),
            "ValgFraAar": years, "ValgTilAar": years, "ValgBasisFra": years, "ValgBasisTil": years,
            "ValgTrappeAar": years, "ValgPrisaar": years,
            "ValgMaal": [layout.MAAL_VALG[m] for m in ok["ValgMaal"]],
            "ValgEnhed": [layout.enhed_label(e, data.value) for e in ok["ValgEnhed"]],
            "ValgPriser": [layout.PRISER_VALG[p] for p in ok["ValgPriser"]],
            "ValgRefusion": list(layout.REFUSION_VALG.values())}
