"""The workbook's contract: sheet names, Excel Table names and column orders, input cell names.

The writer, the tests and the UDFs (which read a built workbook back) all import from here; change
a name here and everything follows. Column lists hold the *canonical* names; the value column is
whatever ``frames.value_column`` says for the data (``beloeb_1000kr`` or ``kr_pr_indbygger``) and is
appended where ``VALUE`` stands.
"""

from __future__ import annotations

VALUE = "<value>"

# Sheets, in workbook order.
FORSIDE = "Forside"
ANALYSE = "Analyse"
TRINDATA = "TrinData"
REGNSKAB = "Regnskab"
NOEGLE = "Noegle"
KOMMUNER = "Kommuner"
BEFOLKNING = "Befolkning"
PRISINDEKS = "Prisindeks"
KONTROL = "Kontrol"
OM_DATA = "Om data"
RETTELSER = "Rettelser"
XLWINGS_CONF = "xlwings.conf"
SHEETS = (FORSIDE, ANALYSE, TRINDATA, REGNSKAB, NOEGLE, KOMMUNER, BEFOLKNING, PRISINDEKS,
          KONTROL, OM_DATA, RETTELSER, XLWINGS_CONF)

# Excel Tables (ListObjects): name -> (sheet, columns)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "TrinData": (TRINDATA, ("aar", "kommunekode", "kommune", "regionskode", "kommunegruppe_kode",
                            "trin", "maal", "dranst", VALUE)),
    "Regnskab": (REGNSKAB, ("aar", "kommunekode", "funktion", "gruppering", "dranst", "art",
                            "kilde_vaerdi", "regel_id", "trin", "andel", VALUE)),
    "Noegle": (NOEGLE, ("regel_id", "funktion", "gruppering", "dranst", "art", "trin", "andel",
                        "fra_aar", "til_aar", "grundlag", "kilde", "status")),
    "Kommuner": (KOMMUNER, ("kommunekode", "kommune", "regionskode", "region",
                            "kommunegruppe_kode", "kommunegruppe")),
    "Befolkning": (BEFOLKNING, ("aar", "kommunekode", "regionskode", "kommunegruppe_kode",
                                "pop_0_17", "pop_0_22", "pop_ialt")),
    "Prisindeks": (PRISINDEKS, ("aar", "indeks")),
    "Kontrol": (KONTROL, ("aar", "kommunekode", "kommune", "maal", "dranst", "kilde_total",
                          "trin_total", "ikke_fordelt", "forskel", "ok")),
    "ModelInfo": (OM_DATA, ("felt", "vaerdi")),
}

# Defined names of the dashboard's input cells (sheet Analyse).
INPUT_NAMES = ("ValgKommune", "ValgSammenligning", "ValgGruppe", "ValgFraAar", "ValgTilAar",
               "ValgBasisFra", "ValgBasisTil", "ValgMaal", "ValgEnhed", "ValgPriser", "ValgPrisaar",
               "ValgRefusion", "ValgTrappeAar")
MAX_GROUP = 10

# UDF module named in the xlwings.conf sheet.
UDF_MODULE = "trappe_xl.udf"


def columns(table: str, value_column: str) -> tuple[str, ...]:
    """The table's columns with the data's value column in place of VALUE."""
    return tuple(value_column if c == VALUE else c for c in TABLES[table][1])
