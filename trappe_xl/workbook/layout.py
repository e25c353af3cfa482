"""The workbook's contract: sheet names, Excel Table names and column orders, input cell names.

The writer, the tests and the UDFs (which read a built workbook back) all import from here; change
a name here and everything follows. Column lists hold the *canonical* names; the value column is
whatever ``frames.value_column`` says for the data (``beloeb_1000kr`` or ``kr_pr_indbygger``) and is
appended where ``VALUE`` stands.
"""

from __future__ import annotations

from ..frames import VALUE_COLUMNS
from ..reference import COUNT_STEPS as _COUNT_STEPS

VALUE = "<value>"

# Sheets, in workbook order.
FORSIDE = "Forside"
ANALYSE = "Analyse"
TRINDATA = "TrinData"
LANDSTAL = "Landstal"   # DST's own "Hele landet" figures through the key (never in TrinData)
REGNSKAB = "Regnskab"
NOEGLE = "Nøgle"
KOMMUNER = "Kommuner"
BEFOLKNING = "Befolkning"
BOERN = "Børn"          # children on the steps (ANBAAR12, ISBU02) and the count key
PRISINDEKS = "Prisindeks"
KONTROL = "Kontrol"
OM_DATA = "Om data"
RETTELSER = "Rettelser"
XLWINGS_CONF = "xlwings.conf"
# Added by the workbook writer (extension; the names above are unchanged):
VEJLEDNING = "Vejledning"
BOERN_KRONER = "Børn og kroner"   # one kommune's children and kroner per child over time (story.py)
BEREGNING = "Beregning"  # hidden: drop-down lists, helper cells, chart data, the Daekning table
SHEETS = (FORSIDE, ANALYSE, VEJLEDNING, BOERN_KRONER, TRINDATA, LANDSTAL, REGNSKAB, NOEGLE, KOMMUNER, BEFOLKNING,
          BOERN, PRISINDEKS, KONTROL, OM_DATA, RETTELSER, BEREGNING, XLWINGS_CONF)

# Excel Tables (ListObjects): name -> (sheet, columns)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "TrinData": (TRINDATA, ("aar", "kommunekode", "kommune", "regionskode", "kommunegruppe_kode",
                            "trin", "maal", "dranst", VALUE,
                            # extension for the dashboard formulas: gyldig = GYLDIG_DOC below;
                            # pop_ialt (only with kr. pr. indbygger data, see ONLY_WITH) weights
                            # the comparison's figure by inhabitants
                            "gyldig", "pop_ialt",
                            # kr. pr. indbygger data: the row as 1.000 kr., derived with the
                            # kommune's inhabitants (model.derived_amounts; blank without them)
                            "afledt_1000kr",
                            # children on the row's step that kommune-year (model.children; blank
                            # where the step has no count): kr. pr. barn i indsatsen
                            "boern")),
    # DST's "Hele landet" (area "000") through the key: same columns as TrinData's step part plus
    # gyldig (its population part is 0); read by the dashboard for comparison "Hele landet" with
    # kr. pr. indbygger data.
    "Landstal": (LANDSTAL, ("aar", "kommunekode", "trin", "maal", "dranst", VALUE, "gyldig")),
    # Wide by maal so the detail fits a sheet (1,048,576 rows): one row per account key x rule;
    # <maal>_<value> = the step amount (source x andel), kilde_<maal> = the source amount; blank =
    # missing in DST or no such measure for the account.
    "Regnskab": (REGNSKAB, ("aar", "kommunekode", "funktion", "gruppering", "dranst", "regel_id",
                            "trin", "andel", "andel_grundlag", "netto_" + VALUE, "udgifter_" + VALUE,
                            "indtaegter_" + VALUE, "kilde_netto", "kilde_udgifter",
                            "kilde_indtaegter")),
    "Noegle": (NOEGLE, ("regel_id", "funktion", "gruppering", "dranst", "art", "trin", "andel",
                        "fra_aar", "til_aar", "grundlag", "kilde", "status", "dst_tekst")),
    "Kommuner": (KOMMUNER, ("kommunekode", "kommune", "regionskode", "region",
                            "kommunegruppe_kode", "kommunegruppe")),
    "Befolkning": (BEFOLKNING, ("aar", "kommunekode", "regionskode", "kommunegruppe_kode",
                                "pop_0_17", "pop_0_22", "pop_ialt")),
    "Prisindeks": (PRISINDEKS, ("aar", "indeks")),
    # children in the measure during the year per kommune and step (model.children): ISBU02's
    # group total for trin 2/3, the mean of ANBAAR12's 31.12. counts of y-1 and y for 4, 5, 4-5, 6
    "Boern": (BOERN, ("aar", "kommunekode", "kommune", "trin", "boern", "kilde")),
    # the count key applied to the codes the data hold: each DST code, its role and step
    "BoerneKoder": (BOERN, ("tabel", "kode", "tekst", "rolle", "trin", "regel_id", "status")),
    # the national step totals (netto, Σ 98 kommuner, mio. kr.) against BU28's measures
    "BU28Kontrol": (KONTROL, ("aar", "trin", "vores_mio_kr", "bu28_mio_kr", "forskel", "forskel_pct")),
    "Kontrol": (KONTROL, ("aar", "kommunekode", "kommune", "maal", "dranst", "kilde_total",
                          "trin_total", "ikke_fordelt", "forskel", "ok")),
    # per year x function x measure: on one step, only on a combined step, not placed (bookdata)
    "Placering": (KONTROL, ("aar", "funktion", "maal", "kilde_i_alt", "paa_et_trin", "samlet_trin",
                            "ikke_fordelt", "ikke_fordelt_pct")),
    "ModelInfo": (OM_DATA, ("felt", "vaerdi")),
    # extension: one row per aar x kommune x maal x refusion choice; har_data = 1 when the kommune
    # has any non-missing step value that year for that measure (dranst 2 left out for "uden").
    "Daekning": (BEREGNING, ("aar", "kommunekode", "regionskode", "kommunegruppe_kode", "maal",
                             "refusion", "har_data", "pop_0_17", "pop_0_22", "pop_ialt",
                             # children per step of the kommune-year (blank: no count)
                             "boern_2", "boern_3", "boern_23", "boern_4", "boern_5", "boern_45",
                             "boern_6")),
}

#: Columns a table has only for data in one value column: TrinData.pop_ialt only with
#: kr. pr. indbygger data (1.000 kr. data has per-child units, whose filter is in gyldig).
ONLY_WITH = {("TrinData", "pop_ialt"): "kr_pr_indbygger", ("TrinData", "afledt_1000kr"): "kr_pr_indbygger"}

#: TrinData.gyldig / Landstal.gyldig: whether the row's kommune-year counts in a comparison, as one
#: number so SUMIFS can test it with ranges: 4 x data + population, where
#: data 0 = no data for the measure, 1 = data only with refusion, 2 = with and without, 3 = only
#: without refusion (so "med" = data 1-2, "uden" = data 2-3), and population 0 = neither base,
#: 1 = only children 0-17, 2 = both, 3 = only 0-22-year-olds (so "0-17" = 1-2, "0-22" = 2-3).
GYLDIG_DOC = ("gyldig (kode) = 4 × data + befolkning: data 1 = kun med refusion, 2 = med og uden, 3 = kun "
              "uden refusion (0 = ingen data); befolkning 1 = kun 0-17-årige, 2 = begge, 3 = kun "
              "0-22-årige (0 = ingen)")

# Defined names of the dashboard's input cells (sheet Analyse).
INPUT_NAMES = ("ValgKommune", "ValgSammenligning", "ValgGruppe", "ValgFraAar", "ValgTilAar",
               "ValgBasisFra", "ValgBasisTil", "ValgMaal", "ValgEnhed", "ValgPriser", "ValgPrisaar",
               "ValgRefusion", "ValgTrappeAar")
MAX_GROUP = 10

# Texts the input cells accept (drop-down lists), code -> Danish label.
SAMMENLIGNING_VALG = {"gruppe": "Egen gruppe", "region": "Regionen", "kommunegruppe":
                      "Kommunegruppen (DST)", "land": "Hele landet"}
MAAL_VALG = {"netto": "Netto", "udgifter": "Udgifter (brutto)", "indtaegter": "Indtægter"}
ENHED_VALG = {"1000kr": "1.000 kr.", "pr_0_17": "kr. pr. 0-17-årig", "pr_0_22": "kr. pr. 0-22-årig",
              "kr_pr_indbygger": "kr. pr. indbygger", "pr_barn": "kr. pr. barn i indsatsen"}
#: the steps a count of children can stand on: Daekning.boern_<trin>
COUNT_STEPS = _COUNT_STEPS
#: the amount units on kr. pr. indbygger data with population: derived (model.derived_amounts),
#: so their labels say so wherever they show (drop-down, titles)
DERIVED_MARK = " (afledt)"
ENHED_AFLEDT = {k: v + DERIVED_MARK for k, v in ENHED_VALG.items() if k != "kr_pr_indbygger"}
PRISER_VALG = {"loebende": "Løbende priser", "faste": "Faste priser"}
REFUSION_VALG = {True: "Med refusion", False: "Uden refusion"}
#: Daekning.refusion codes
REFUSION_KODE = {True: "med", False: "uden"}

#: Excel's and LibreOffice's row limit of one sheet
MAX_SHEET_ROWS = 1_048_576
LAND_LABEL = "Hele landet (DST's landstal)"
#: after a comparison's name when it is the plain mean (kr. pr. indbygger data without population)
MEAN_SUFFIX = " (uvægtet gnsn.)"

# UDF module named in the xlwings.conf sheet.
UDF_MODULE = "trappe_xl.udf"


#: the header row a user sees, in Danish; the canonical ASCII column names stay the columns' ids
#: (defined names such as TD_aar, layout.TABLES, the readers through :func:`canonical`)
HEADERS = {"aar": "år", "maal": "mål", "kommunegruppe_kode": "kommunegruppekode",
           "beloeb_1000kr": "beløb (1.000 kr.)", "kr_pr_indbygger": "kr. pr. indbygger",
           "gyldig": "gyldig (kode)", "pop_ialt": "indbyggere", "pop_0_17": "0-17-årige",
           "pop_0_22": "0-22-årige", "afledt_1000kr": "afledt beløb (1.000 kr.)", "regel_id": "regel",
           "andel_grundlag": "andelens grundlag", "kilde_netto": "kilde netto",
           "kilde_udgifter": "kilde udgifter", "kilde_indtaegter": "kilde indtægter",
           "fra_aar": "fra år", "til_aar": "til år", "dst_tekst": "DST-tekst",
           "kilde_total": "kilde i alt", "trin_total": "trin i alt", "ikke_fordelt": "ikke fordelt",
           "kilde_i_alt": "kilde i alt", "paa_et_trin": "på ét trin", "samlet_trin": "samlet trin",
           "ikke_fordelt_pct": "ikke fordelt (%)", "vaerdi": "værdi", "aar_liste": "år",
           "beloeb": "beløb", "har_data": "har data", "aendringen": "ændringen",
           "aendring": "ændring", "boern": "børn i indsatsen", "vores_mio_kr": "modellen (mio. kr.)",
           "bu28_mio_kr": "BU28 (mio. kr.)", "forskel_pct": "forskel (andel)", "bu28_koder": "BU28-koder"}
_MAAL_HEAD = {"netto_": "netto", "udgifter_": "udgifter", "indtaegter_": "indtægter"}
_UNIT_HEAD = {"beloeb_1000kr": "1.000 kr.", "kr_pr_indbygger": "kr. pr. indbygger"}


def header(col: str) -> str:
    """The Danish header of a column ("aar" -> "år", "netto_kr_pr_indbygger" -> "netto (kr. pr.
    indbygger)"); a column without one shows its name."""
    for prefix, text in _MAAL_HEAD.items():
        if col.startswith(prefix) and col[len(prefix):] in _UNIT_HEAD:
            return f"{text} ({_UNIT_HEAD[col[len(prefix):]]})"
    return HEADERS.get(str(col), str(col))


def any_columns(table: str | None = None) -> set[str]:
    """Every canonical column name ``table`` (or any table) may have, with either value column:
    what :func:`canonical` maps a header row read back to."""
    tables = [TABLES[table]] if table else TABLES.values()
    return {c.replace(VALUE, v) for _, cols in tables for c in cols for v in VALUE_COLUMNS.values()}


def canonical(headers, columns) -> list[str]:
    """A table's header row read back -> its canonical column names (``columns``: the names it
    may hold); a header that is no column's Danish header stays as it is."""
    back = {header(c): c for c in columns}
    return [back.get(str(h), str(h)) for h in headers]


def enhed_label(enhed: str, value_column: str) -> str:
    """The unit's label in the drop-down and the titles: derived units marked on kr. pr.
    indbygger data."""
    if value_column == "kr_pr_indbygger" and enhed in ENHED_AFLEDT:
        return ENHED_AFLEDT[enhed]
    return ENHED_VALG[enhed]


def columns(table: str, value_column: str) -> tuple[str, ...]:
    """The table's columns with the data's value column in place of VALUE (and without the
    columns ONLY_WITH another value column)."""
    return tuple(c.replace(VALUE, value_column) for c in TABLES[table][1]
                 if ONLY_WITH.get((table, c), value_column) == value_column)
