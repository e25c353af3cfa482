"""The canonical frames every layer passes on: column names, dtypes and the value-column rule.

accounts   aar:int, kommunekode:str ("101"), funktion:str ("5.28.21"), dranst:str ("1"),
           gruppering:str ("*" when function level, else "001"), art:str ("TOT"|"UE"|"I"),
           <value column>: float, NaN = missing (DST ".."), never 0 in its place.
population aar:int, kommunekode:str, alder:str ("0".."22" or "IALT"), antal: float (NaN = missing)
deflator   aar:int, indeks: float

The value column's *name* carries the unit, so two units can never be summed by mistake:
``beloeb_1000kr`` for Statistikbanken's prisenhed LOBM (1.000 kr., løbende priser) and
``kr_pr_indbygger`` for prisenhed INDL (kr. pr. indbygger, løbende priser). A frame holds exactly
one of them; :func:`value_column` finds it and refuses anything else.
"""

from __future__ import annotations

import pandas as pd

from .errors import TrappeError

ACCOUNT_KEYS = ["aar", "kommunekode", "funktion", "dranst", "gruppering", "art"]
POPULATION_COLUMNS = ["aar", "kommunekode", "alder", "antal"]
DEFLATOR_COLUMNS = ["aar", "indeks"]

#: DST prisenhed code -> canonical value column
VALUE_COLUMNS = {"LOBM": "beloeb_1000kr", "INDL": "kr_pr_indbygger"}
#: value column -> Danish unit label
UNIT_LABELS = {"beloeb_1000kr": "1.000 kr. (løbende priser)",
               "kr_pr_indbygger": "kr. pr. indbygger (alle aldre, løbende priser)"}
#: DST art -> maal (the measure the workbook and the model speak of)
ART_TO_MAAL = {"TOT": "netto", "UE": "udgifter", "I": "indtaegter"}
MAAL_LABELS = {"netto": "Netto", "udgifter": "Udgifter (brutto)", "indtaegter": "Indtægter"}
FUNCTION_LEVEL = "*"


def value_column(frame: pd.DataFrame) -> str:
    """The one value column of ``frame`` (``beloeb_1000kr`` or ``kr_pr_indbygger``)."""
    present = [c for c in VALUE_COLUMNS.values() if c in frame.columns]
    if len(present) != 1:
        raise TrappeError(
            f"expected exactly one value column of {sorted(VALUE_COLUMNS.values())}, found {present}: "
            "figures in different units must never be mixed")
    return present[0]


def gruppering_code(code: str) -> str:
    """DST writes a grouping as ``002`` or ``2`` depending on the rendering: one code, three digits.
    Anything that is not one to three digits (``"*"`` = function level) is returned unchanged."""
    c = str(code).strip()
    return c.zfill(3) if c.isdigit() and len(c) <= 3 else c


def funktion_code(dst_code: str | int) -> str:
    """DST's numeric function code -> kontoplan notation: 52821 -> "5.28.21", 2201 -> "0.22.01"."""
    s = str(dst_code).strip()
    if not s.isdigit() or len(s) not in (4, 5):
        raise ValueError(f"not a DST function code: {dst_code!r}")
    s = s.zfill(5)
    return f"{int(s[0])}.{s[1:3]}.{s[3:5]}"


def funktion_dst(code: str) -> str:
    """Kontoplan notation -> DST's code: "5.28.21" -> "52821"."""
    h, m, f = code.split(".")
    return f"{int(h)}{m}{f}"


def empty_accounts(value: str = "beloeb_1000kr") -> pd.DataFrame:
    return pd.DataFrame({**{c: pd.Series(dtype=int if c == "aar" else str) for c in ACCOUNT_KEYS},
                         value: pd.Series(dtype=float)})


def empty_population() -> pd.DataFrame:
    return pd.DataFrame({"aar": pd.Series(dtype=int), "kommunekode": pd.Series(dtype=str),
                         "alder": pd.Series(dtype=str), "antal": pd.Series(dtype=float)})


def empty_deflator() -> pd.DataFrame:
    return pd.DataFrame({"aar": pd.Series(dtype=int), "indeks": pd.Series(dtype=float)})
