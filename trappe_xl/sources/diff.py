"""What changed between two snapshots' accounts: new years, changed values, the largest changes.

Pure: two Datasets in, Danish lines out (the fetch prints them). A value that goes from missing to a
number (or back) counts as changed; missing on both sides does not.
"""

from __future__ import annotations

import math

import pandas as pd

from ..dataset import Dataset
from ..frames import ACCOUNT_KEYS, value_column
from ..reference import kommune_by_code

TOLERANCE = 1e-9


def fmt_da(x: float, decimals: int = 1) -> str:
    """Danish number format: 1234.5 -> "1.234,5"; NaN -> "mangler"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "mangler"
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _years(frame: pd.DataFrame) -> set[int]:
    return {int(y) for y in frame["aar"].unique()} if len(frame) else set()


def _kommune(code: str) -> str:
    k = kommune_by_code().get(str(code))
    return f"{k.navn} ({code})" if k else str(code)


def _changes(old: pd.DataFrame, new: pd.DataFrame, col: str, years: set[int]) -> pd.DataFrame:
    """Rows present in both (for ``years``) whose value differs, with ``gammel``, ``ny``, ``forskel``."""
    a = old[old["aar"].isin(years)][[*ACCOUNT_KEYS, col]]
    b = new[new["aar"].isin(years)][[*ACCOUNT_KEYS, col]]
    m = a.merge(b, on=ACCOUNT_KEYS, how="inner", suffixes=("_gammel", "_ny"))
    m = m.rename(columns={f"{col}_gammel": "gammel", f"{col}_ny": "ny"})
    na_old, na_new = m["gammel"].isna(), m["ny"].isna()
    diff = (m["ny"] - m["gammel"]).abs()
    changed = (na_old != na_new) | (~na_old & ~na_new & (diff > TOLERANCE))
    m = m[changed].copy()
    m["forskel"] = m["ny"] - m["gammel"]
    # missing<->value changes sort first: they matter more than any amount
    m["_rang"] = m["forskel"].abs().fillna(math.inf)
    return m.sort_values(["_rang", *ACCOUNT_KEYS], ascending=[False, *[True] * len(ACCOUNT_KEYS)])


def _describe(row: pd.Series) -> str:
    g = "" if row["gruppering"] == "*" else f" gruppering {row['gruppering']}"
    delta = "" if pd.isna(row["forskel"]) else f" ({'+' if row['forskel'] > 0 else ''}{fmt_da(row['forskel'])})"
    return (f"  {int(row['aar'])} {_kommune(row['kommunekode'])} {row['funktion']}{g} dranst {row['dranst']} "
            f"{row['art']}: {fmt_da(row['gammel'])} → {fmt_da(row['ny'])}{delta}")


def diff_datasets(old: Dataset, new: Dataset, *, top: int = 5) -> list[str]:
    """Danish lines describing how ``new``'s accounts differ from ``old``'s."""
    a, b = old.accounts, new.accounts
    col_a, col_b = value_column(a), value_column(b)
    if col_a != col_b:
        return [f"Enheden er skiftet ({col_a} → {col_b}); tallene kan ikke sammenlignes."]
    lines: list[str] = []
    ya, yb = _years(a), _years(b)
    if yb - ya:
        lines.append("Nye år: " + ", ".join(str(y) for y in sorted(yb - ya)))
    if ya - yb:
        lines.append("År der ikke længere er med: " + ", ".join(str(y) for y in sorted(ya - yb)))
    common = ya & yb
    changes = _changes(a, b, col_a, common)
    keys_a = a[a["aar"].isin(common)][ACCOUNT_KEYS].drop_duplicates()
    keys_b = b[b["aar"].isin(common)][ACCOUNT_KEYS].drop_duplicates()
    both = keys_a.merge(keys_b, on=ACCOUNT_KEYS).shape[0]
    added, removed = len(keys_b) - both, len(keys_a) - both
    lines.append(f"Ændrede værdier i år der findes i begge: {len(changes):,}".replace(",", "."))
    if added or removed:
        lines.append(f"Nye rækker: {added:,}; forsvundne rækker: {removed:,}".replace(",", "."))
    if len(changes):
        lines.append(f"Største ændringer ({col_a}):")
        lines.extend(_describe(r) for _, r in changes.head(top).iterrows())
    if not (yb - ya) and not (ya - yb) and not len(changes) and not (added or removed):
        return ["Ingen ændringer i regnskabstallene siden sidste snapshot."]
    return lines
