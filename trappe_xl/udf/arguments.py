"""Turn what Excel sends to a TRAPPE function into checked, canonical arguments.

Excel (through xlwings on Windows) sends numbers as floats (``2019.0``), empty and error cells as
``None``, text as ``str`` and ranges as lists or lists of lists. Every parser here accepts those
forms and raises :class:`~trappe_xl.errors.SelectionError` with a short Danish message when the
argument cannot be used; :func:`trappe_xl.udf_core.guarded` turns that message into the cell text
``#TRAPPE: …``. Nothing here knows about xlwings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..errors import SelectionError
from ..model.units import per_child_offered
from ..reference import ALLE_TRIN
# the accepted words, one list for both routes (the LAMBDA names use the same); ``parse_trin``
# returns I_ALT / I_ALT_PAA_TRIN for "i alt" (Σ trin 1–6 and ikke fordelt) / "i alt på trin"
from ..words import (ENHED_KEYS as _ENHED_KEYS, I_ALT, I_ALT_PAA_TRIN, JA as _JA, combined_parts,
                     LOEBENDE as _LOEBENDE, MAAL_ALIASES, NEJ as _NEJ, TOTALS as _TOTALS, trin_names)

MAAL_HELP = "netto, udgifter eller indtægter"

ENHED_LABELS = {"1000kr": "1.000 kr.", "pr_0_17": "kr. pr. 0-17-årig",
                "pr_0_22": "kr. pr. 0-22-årig", "kr_pr_indbygger": "kr. pr. indbygger",
                "pr_barn": "kr. pr. barn i indsatsen"}
#: value column of the data -> the units the model offers for it (first = default)
UNITS_FOR = {"beloeb_1000kr": ("1000kr", "pr_0_17", "pr_0_22"),
             "kr_pr_indbygger": ("kr_pr_indbygger",)}
#: kr. pr. indbygger data with population: the amount units too, derived (model.derived_amounts)
DERIVED_UNITS = ("kr_pr_indbygger", "1000kr", "pr_0_17", "pr_0_22")


def units_for(value_column: str, derived: bool = False, children: bool = False) -> tuple[str, ...]:
    """The units a workbook answers in (first = default); ``children``: the workbook holds
    children on the steps (table Boern), so kr. pr. barn i indsatsen too (on kr. pr. indbygger
    data only with the derived amounts)."""
    units = DERIVED_UNITS if value_column == "kr_pr_indbygger" and derived else UNITS_FOR[value_column]
    if per_child_offered(value_column, derived, children):
        units = (*units, "pr_barn")
    return units


def is_empty(x: object) -> bool:
    """An empty cell, an error cell (both arrive as None) or a blank string."""
    return x is None or (isinstance(x, str) and not x.strip()) or (
        isinstance(x, float) and math.isnan(x))


def show(x: object) -> str:
    """How an argument is quoted back in a message, in words a user knows: 2019.0 -> 2019, text in
    quotes, a date as a date, a one-cell range as its cell, a range as its size — never Python's
    own notation."""
    import datetime as _dt
    if isinstance(x, bool):
        return "SAND" if x else "FALSK"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, str):
        text = x.strip()
        return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"
    if isinstance(x, (_dt.datetime, _dt.date)):
        return f"datoen {x:%d-%m-%Y}"
    if isinstance(x, (list, tuple)):
        cells = list(flatten(x))
        return show(cells[0]) if len(cells) == 1 else f"et område med {len(cells)} celler"
    return f"en værdi af typen {type(x).__name__}"


def whole_number(x: object, what: str) -> int:
    """A whole number from a float/int/digit text; anything else is a SelectionError."""
    if isinstance(x, bool):
        raise SelectionError(f"{what} skal være et tal, ikke {show(x)}")
    if isinstance(x, (int, float)):
        if isinstance(x, float) and (math.isnan(x) or not x.is_integer()):
            raise SelectionError(f"{what} skal være et helt tal, ikke {show(x)}")
        return int(x)
    if isinstance(x, str) and re.fullmatch(r"\s*[0-9]+(\.0+)?\s*", x):   # ASCII digits only
        return int(float(x))
    raise SelectionError(f"{what} skal være et tal, ikke {show(x)}")


def parse_aar(x: object, years: Sequence[int], what: str = "år") -> int:
    """A year of the data (Excel sends 2019.0)."""
    if is_empty(x):
        raise SelectionError(f"{what} mangler")
    aar = whole_number(x, what)
    if aar not in years:
        raise SelectionError(f"{what} {aar} ligger uden for data ({years[0]}–{years[-1]})")
    return aar


def parse_aar_periode(x: object, years: Sequence[int], what: str = "basisår") -> tuple[int, ...]:
    """One year (2015), a text period ('2015-2017') or a range of two cells [[2015, 2017]]."""
    if isinstance(x, (list, tuple)):
        cells = [c for c in flatten(x) if not is_empty(c)]
        if len(cells) not in (1, 2):
            raise SelectionError(f"{what} skal være ét år eller to celler (fra og til)")
        lo, hi = (cells[0], cells[-1])
    elif isinstance(x, str) and re.fullmatch(r"\s*\d{4}\s*[-–]\s*\d{4}\s*", x):
        lo, hi = re.split(r"[-–]", x)
    else:
        lo = hi = x
    a, b = parse_aar(lo, years, what), parse_aar(hi, years, what)
    if a > b:
        raise SelectionError(f"{what}: fra-år {a} ligger efter til-år {b}")
    return tuple(range(a, b + 1))


def parse_trin(x: object, allow_total: bool = True,
               codes: Sequence[int] = ALLE_TRIN) -> int | str:
    """1–6, 0 = ikke fordelt, a step's (short) name, 'trin 3'; a combined step of the data
    ('2-3', 'Trin 2–3', 23 -> 23 when ``codes`` holds it); 'i alt' -> :data:`I_ALT`,
    'i alt på trin' -> :data:`I_ALT_PAA_TRIN` (when ``allow_total``)."""
    if is_empty(x):
        raise SelectionError("trin mangler")
    if isinstance(x, str):
        text = " ".join(x.strip().casefold().split())
        if allow_total and text.replace("–", "-") in _TOTALS:
            return _TOTALS[text.replace("–", "-")]
    asked = x
    if isinstance(x, str):
        named = trin_names().get(text)
        if named is None:
            m = re.fullmatch(r"(trin\s*)?([0-9]+)(\s*[-–]\s*([0-9]+))?", text)
            if m is None:
                raise SelectionError(f"ukendt trin {show(x)} – brug 1–6, 0 (ikke fordelt) eller et trins navn")
            x = m.group(2) + (m.group(4) or "")
        else:
            x = named      # a name is checked against the data's codes too ("Trin 2–3 samlet")
    t = whole_number(x, "trin")
    if t not in codes:
        combined = [c for c in codes if combined_parts(c)]
        also = "".join(f", {c // 10}-{c % 10}" for c in combined if c < 100)
        raise SelectionError(f"ukendt trin {show(asked)} – brug 1–6{also} eller 0 (ikke fordelt på trin)")
    return t


def parse_maal(x: object) -> str:
    if is_empty(x):
        return "netto"
    maal = MAAL_ALIASES.get(str(x).strip().casefold()) if isinstance(x, str) else None
    if maal is None:
        raise SelectionError(f"ukendt mål {show(x)} – brug {MAAL_HELP}")
    return maal


def parse_enhed(x: object, value_column: str, derived: bool = False, children: bool = False) -> str:
    """The model's enhed code; default is the data's first unit (1.000 kr. or kr. pr. indbygger).
    ``derived``: kr. pr. indbygger data with population also answer in the derived amount units
    ("1.000 kr. (afledt)" is read as 1.000 kr.)."""
    units = units_for(value_column, derived, children)
    if is_empty(x):
        return units[0]
    text = show(x).strip("'").casefold() if isinstance(x, (str, int, float)) else ""
    key = re.sub(r"[\s._\-()]|årig|aarig|arig|kroner|afledt", "", text)
    enhed = _ENHED_KEYS.get(key) or _ENHED_KEYS.get(key.replace("kr", "", 1))
    if enhed is None:
        raise SelectionError(f"ukendt enhed {show(x)} – brug {' / '.join(ENHED_LABELS[u] for u in units)}")
    if enhed not in units:
        raise SelectionError(f"enheden {ENHED_LABELS[enhed]} findes ikke for disse data "
                             f"(kun {' / '.join(ENHED_LABELS[u] for u in units)})")
    return enhed


def parse_priser(x: object, index_years: Sequence[int]) -> int | None:
    """None = løbende priser; a year = faste priser i det års niveau ('2020', 2020.0, 'faste 2020')."""
    if is_empty(x):
        return None
    if isinstance(x, str):
        text = x.strip().casefold()
        if text in _LOEBENDE:
            return None
        m = re.fullmatch(r"(faste\s*(priser)?\s*)?(\d{4})(\s*-?\s*priser)?", text)
        if m is None:
            raise SelectionError(f"ukendte priser {show(x)} – brug 'løbende' eller et prisår som 2024")
        x = m.group(3)
    aar = whole_number(x, "prisår")
    if not index_years:
        raise SelectionError("projektmappen har intet prisindeks – brug løbende priser")
    if aar not in index_years:
        span = f" ({index_years[0]}–{index_years[-1]})" if index_years else ""
        raise SelectionError(f"prisår {aar} findes ikke i prisindekset{span}")
    return aar


def parse_refusion(x: object) -> bool:
    """Include statsrefusion (dranst 2)? Default yes."""
    if is_empty(x):
        return True
    if isinstance(x, bool):
        return x
    text = show(x).strip("'").casefold()
    if text in _JA:
        return True
    if text in _NEJ:
        return False
    raise SelectionError(f"refusion skal være 'med' eller 'uden', ikke {show(x)}")


def parse_flag(x: object, what: str, default: bool) -> bool:
    """A yes/no option such as 'etiketter' (SAND/FALSK arrive as bool, 1/0 as floats)."""
    if is_empty(x):
        return default
    if isinstance(x, bool):
        return x
    text = show(x).strip("'").casefold()
    if text in _JA or text == "sand":
        return True
    if text in _NEJ:
        return False
    raise SelectionError(f"{what} skal være SAND eller FALSK, ikke {show(x)}")


def flatten(x: object) -> list:
    """Cells of a range in reading order (a scalar becomes a one-element list)."""
    if isinstance(x, (list, tuple)):
        out: list = []
        for item in x:
            out.extend(flatten(item))
        return out
    return [x]


def nonempty(cells: Iterable) -> list:
    return [c for c in cells if not is_empty(c)]
