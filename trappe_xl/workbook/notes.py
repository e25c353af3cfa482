"""The "Bemærkninger" block on Analyse: Danish notes that say why figures show "–".

Each note is a formula over the inputs (so it follows the user's choices in Excel/LibreOffice)
written with the text the model's view of the built selection gives as its cached value.
"""

from __future__ import annotations

from . import layout
from .bookdata import BookData
from .calc import Cache
from .dashboard import NOTE_ROW, NOTE_ROWS
from .inputs import unavailable_text
from .selection import Selection

PRICE_NOTE = "Faste priser kræver et prisindeks – data har intet, så alle tal vises som –."
POP_NOTE = "Enheden kræver befolkningstal – data har ingen, så tallene vises som –."
KR_UNIT_NOTE = ("Enheden findes ikke i disse data (de er i kr. pr. indbygger) – alle tal vises "
                "som –.")
KR_MEAN_NOTE = ("Ingen befolkningstal i data: sammenligningen er det uvægtede gennemsnit af "
                "kommunernes kr. pr. indbygger (ikke DST's tal).")
LAND_NOTE = "Hele landet = Danmarks Statistiks eget landstal (kr. pr. indbygger) gennem nøglen."
KR_INFO = "Data er kr. pr. indbygger (alle aldre): kun denne enhed kan vælges."
KR_INFO_DERIVED = ("Data er kr. pr. indbygger (alle aldre); 1.000 kr. og kr. pr. barn er afledt "
                   "med folketallet.")
DERIVED_NOTE = ("Afledt: kr. pr. indbygger × folketal ÷ 1.000 (DST afrunder kr. pr. indbygger til "
                "hele kroner – usikkerheden står på Om data).")
YEARS_NOTE = "Fra år ligger efter Til år – der er ingen år at vise. Vælg Fra år før Til år."
BASIS_NOTE = ("Basisår fra ligger efter Basisår til – basisniveauet og merudgiften (C) kan ikke "
              "beregnes.")
DRANST_NOTE = ("Uden refusion: kilden angiver ikke dranst (drift/statsrefusion), så tallene er de "
               "samme som med refusion.")


def coverage_note(data: BookData) -> list[str]:
    """Static lines fixed by the data and the key (at most two): functions the key places on
    steps that the data lack (their steps read "–", never 0), and how much of the data the key
    could put on one step only combined (function level) or not at all (Kontrol has it per
    function and year)."""
    out = []
    present = sorted(set(data.detail["funktion"].astype(str)))
    missing = sorted(set(data.key_rules["funktion"].astype(str)) - set(present))
    if missing:
        out.append(f"OBS: data dækker kun {_span(present)} – mangler {_span(missing)}: trin uden "
                   "kilde vises som –, \"I alt\" er de dækkede.")
    placed = data.placering
    netto = placed[placed["maal"] == "netto"]
    total = netto["kilde_i_alt"].sum()
    if len(netto) and total:
        comb, ikke = netto["samlet_trin"].sum() / total, netto["ikke_fordelt"].sum() / total
        parts = []
        if comb:
            parts.append(f"{_pct(comb)} kun samlet som trin 2–3/4–5 (funktionsniveau, ingen andel "
                         "opfundet)")
        if ikke:
            parts.append(f"{_pct(ikke)} ikke fordelt (indhold ukendt)")
        if parts:
            first, last = data.period
            out.append(f"Nøglen {first}–{last}, netto: " + "; ".join(parts) + " – se Kontrol.")
    return out


def _span(funktioner: list[str]) -> str:
    """"5.28.20, 5.28.23–26": consecutive functions of one hovedfunktion as a range."""
    runs: list[list[str]] = []
    for f in sorted(funktioner):
        head, _, last = f.rpartition(".")
        prev = runs[-1][-1] if runs else None
        if prev and prev.rpartition(".")[0] == head and int(prev.rpartition(".")[2]) + 1 == int(last):
            runs[-1].append(f)
        else:
            runs.append([f])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1].rpartition('.')[2]}" for r in runs)


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %".replace(".", ",")


#: kr. pr. barn i indsatsen (model.children): what the figure is, and what it is not
CHILD_NOTE = ("Kr. pr. barn: trinnets beløb ÷ børn på trinnet (arket Børn); i alt = Σ beløb ÷ Σ børn; "
              "fordelingen (B) og de stablede figurer vises ikke.")


def note_formulas(data: BookData, nodranst: bool = False) -> list[str]:
    """Formulas of the notes, in order (the data's unit decides which unit note applies)."""
    maal = ('=IF(SUMIFS(DK_har_data,DK_maal,hMaal)=0,"Ingen data for målet "&ValgMaal&'
            '" – alle tal vises som –.","")')
    price = f'=IF(AND(hPriser=2,COUNT(PI_indeks)=0),"{PRICE_NOTE}","")'
    if data.value == "kr_pr_indbygger":
        mean = f'IF(NOT(hLand),"{KR_MEAN_NOTE}","")' if data.plain_mean else '""'
        if data.derived_units:
            mean = f'IF(hEnhed<4,"{DERIVED_NOTE}",{mean})'
        if data.per_child:
            mean = f'IF(hEnhed=5,"{CHILD_NOTE}",{mean})'
        unit = f'=IF(NOT(hEnhedOK),"{KR_UNIT_NOTE}",{mean})'
    else:
        pop = f'IF(AND(hEnhed>=2,COUNT(DK_pop_ialt)=0),"{POP_NOTE}","")'
        if data.per_child:
            pop = f'IF(hEnhed=5,"{CHILD_NOTE}",{pop})'
        unit = (f'=IF(NOT(hEnhedOK),"Enheden "&ValgEnhed&" findes ikke i disse data – alle tal '
                f'vises som –.",{pop})')
    land = f'=IF(hLand,"{LAND_NOTE}","")'
    years = (f'=IF(ValgFraAar>ValgTilAar,"{YEARS_NOTE}",IF(ValgBasisFra>ValgBasisTil,'
             f'"{BASIS_NOTE}",""))')
    refusion = f'=IF(hRef="uden","{DRANST_NOTE}","")' if nodranst else '=""'
    return ['="Sammenligning: "&hSamTekst&" ("&hAntal&" kommuner)"', price, maal, unit, land,
            years, refusion]


def note_values(data: BookData, sel: Selection, cache: Cache, nodranst: bool = False) -> list[str]:
    """The cached texts of :func:`note_formulas` for the built selection."""
    h = cache.helpers
    has_maal = bool((data.steps["maal"] == sel.maal).any())
    price = PRICE_NOTE if sel.prisaar is not None and data.deflator.empty else ""
    no_pop = not data.has_population
    if data.value == "kr_pr_indbygger":
        unit = KR_MEAN_NOTE if (not h["hLand"] and data.plain_mean) else ""
        if data.derived_units and sel.enhed != "kr_pr_indbygger":
            unit = DERIVED_NOTE
        if sel.enhed == "pr_barn":
            unit = CHILD_NOTE
    else:
        unit = POP_NOTE if sel.enhed != "1000kr" and no_pop else ""
        if sel.enhed == "pr_barn":
            unit = CHILD_NOTE
    return [f"Sammenligning: {h['hSamTekst']} ({h['hAntal']} kommuner)", price,
            "" if has_maal else f"Ingen data for målet {layout.MAAL_VALG[sel.maal]} – alle tal "
            "vises som –.", unit, LAND_NOTE if h["hLand"] else "",
            "", DRANST_NOTE if nodranst and not sel.refusion else ""]


def static_notes(data: BookData) -> list[str]:
    """Notes fixed by the data: the unit, the choices left out of the drop-downs, coverage."""
    out = ([KR_INFO_DERIVED if data.derived_units else KR_INFO]
           if data.value == "kr_pr_indbygger" else [])
    out += [t for t in [unavailable_text(data)] if t]
    return out


def write_notes(ws, fmt, data: BookData, sel: Selection, cache: Cache,
                nodranst: bool, col: int) -> None:
    """The notes block from row NOTE_ROW in column ``col`` (Dash.inputs.note)."""
    r, c = NOTE_ROW, col
    ws.write_string(r - 1, c, "Bemærkninger", fmt["bold"])
    formulas = note_formulas(data, nodranst)
    for i, (f, v) in enumerate(zip(formulas, note_values(data, sel, cache, nodranst))):
        ws.write_formula(r + i, c, f, fmt["dwarn"] if i else fmt["dnote"], v)
    r += len(formulas)
    lines = [(t, fmt["dnote"]) for t in static_notes(data)]
    lines += [(t, fmt["dwarn"]) for t in coverage_note(data)]
    if len(formulas) + len(lines) > NOTE_ROWS:
        raise AssertionError("the notes need more rows than NOTE_ROWS")
    for i, (line, f) in enumerate(lines):
        ws.write_string(r + i, c, line, f)
