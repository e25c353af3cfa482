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
            "ValgEnhed": layout.ENHED_VALG[sel.enhed],
            "ValgPriser": layout.PRISER_VALG["loebende" if sel.prisaar is None else "faste"],
            "ValgPrisaar": sel.prisaar if sel.prisaar is not None else sel.til_aar,
            "ValgRefusion": layout.REFUSION_VALG[sel.refusion], "ValgTrappeAar": sel.trappe_aar,
            "ValgGruppe": names}


def input_lists(data: BookData, kommune_range: str) -> dict:
    years = [str(y) for y in data.years]
    enheder = (["kr_pr_indbygger"] if data.value == "kr_pr_indbygger"
               else ["1000kr", "pr_0_17", "pr_0_22"])
    return {"ValgKommune": kommune_range,
            "ValgSammenligning": list(layout.SAMMENLIGNING_VALG.values()),
            "ValgFraAar": years, "ValgTilAar": years, "ValgBasisFra": years, "ValgBasisTil": years,
            "ValgTrappeAar": years, "ValgPrisaar": years,
            "ValgMaal": list(layout.MAAL_VALG.values()),
            "ValgEnhed": [layout.ENHED_VALG[e] for e in enheder],
            "ValgPriser": list(layout.PRISER_VALG.values()),
            "ValgRefusion": list(layout.REFUSION_VALG.values())}
