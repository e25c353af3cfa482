"""Read a built workbook's input cells back into a Selection and compare the cached values of
Analyse with what the model gives for that selection (used by ``trappe-xl check``)."""

from __future__ import annotations

from .. import reference
from ..errors import SelectionError
from . import dashboard, dashvalues, layout
from .bookdata import BookData
from .cells import a1, parse_a1
from .formulas import MISSING
from .results import compute_cache
from .selection import Selection, resolve


def _cell(wb, name: str):
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    ws = wb[sheet.strip("'")]
    if ":" in ref:
        first, last = (parse_a1(p) for p in ref.split(":"))
        return [ws.cell(r + 1, first[1] + 1).value for r in range(first[0], last[0] + 1)]
    r, c = parse_a1(ref)
    return ws.cell(r + 1, c + 1).value


def _code(mapping: dict, label, what: str):
    for code, text in mapping.items():
        if text == label:
            return code
    raise SelectionError(f"{what}: {label!r} er ikke et gyldigt valg")


def selection_from_inputs(wb) -> Selection:
    """The Selection the input cells of Analyse hold (openpyxl workbook)."""
    by_name = {k.navn: k.kode for k in reference.kommuner()}
    kommune = _cell(wb, "ValgKommune")
    if kommune not in by_name:
        raise SelectionError(f"Kommune: {kommune!r} er ikke en kommune")
    gruppe = tuple(by_name[n] for n in _cell(wb, "ValgGruppe") if n in by_name)
    faste = _cell(wb, "ValgPriser") == layout.PRISER_VALG["faste"]
    return Selection(
        kommune=by_name[kommune],
        sammenligning=_code(layout.SAMMENLIGNING_VALG, _cell(wb, "ValgSammenligning"), "Sammenlign"),
        gruppe=gruppe, fra_aar=int(_cell(wb, "ValgFraAar")), til_aar=int(_cell(wb, "ValgTilAar")),
        basis_fra=int(_cell(wb, "ValgBasisFra")), basis_til=int(_cell(wb, "ValgBasisTil")),
        maal=_code(layout.MAAL_VALG, _cell(wb, "ValgMaal"), "Mål"),
        enhed=_code({**layout.ENHED_VALG, **{f"afledt:{k}": v for k, v in layout.ENHED_AFLEDT.items()}},
                    _cell(wb, "ValgEnhed"), "Enhed").removeprefix("afledt:"),
        prisaar=int(_cell(wb, "ValgPrisaar")) if faste else None,
        refusion=_code(layout.REFUSION_VALG, _cell(wb, "ValgRefusion"), "Refusion"),
        trappe_aar=int(_cell(wb, "ValgTrappeAar")))


def _same(got, want) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-6 * max(1.0, abs(want))
    if want == MISSING:
        return got == MISSING
    return (got in (None, "")) if want == "" else True  # labels are not compared


def analyse_differences(wb, data: BookData) -> list[str]:
    """Cells of Analyse whose cached value differs from the model's value for its inputs."""
    sel = resolve(selection_from_inputs(wb), data.years, data.value, data.derived_units,
                  data.per_child)
    cache = compute_cache(data, sel)
    dash = dashboard.Dash.for_book(data)
    want = dashvalues.compute(dash, cache, sel, data.years, ("K", "C"),
                              reference.kommune_by_code()[sel.kommune].navn)
    ws = wb[layout.ANALYSE]
    out = []
    for (r, c), w in sorted(want.items()):
        got = ws.cell(r + 1, c + 1).value
        if not _same(got, w):
            out.append(f"Analyse!{a1(r, c)}: {got!r} ≠ modellens {w!r}")
    return out
