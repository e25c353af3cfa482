"""A SYNTHETIC workbook for the TRAPPE function tests: only the tables the UDFs read.

Every figure here is random, made up for testing, and must never be read as a real municipal
figure. The tables are laid out by the workbook's own frame builders (trappe_xl.workbook.bookdata)
in layout.py's names and column orders, so the UDF reader meets the same contract as in a built
workbook; the full writer is exercised in test_udf_consistency.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from trappe_xl.reference import IKKE_FORDELT, TRIN, all_kommunekoder
from trappe_xl.workbook import bookdata, layout

YEARS = (2016, 2017, 2018, 2019, 2020)
NO_ROWS = ("851", 2018)          # kommune-year without any step row (no accounts)
NAN_STEP = ("461", 2019)         # kommune-year with one missing (DST "..") step value
NO_POP = ("147", 2017)           # kommune-year without population
NO_TRIN_1 = "101"                # never has a trin-1 row, while others have: 0, not missing
#: steps with no TrinData row at all that year and measure (no source: missing, never 0)
NO_SOURCE = {(2018, maal, 1) for maal in ("netto", "udgifter", "indtaegter")} | {(2020, "indtaegter", 0)}
#: the step codes of grouping-level data (no combined steps): the key's order, 0 last
STEPS = (*TRIN, IKKE_FORDELT)
INFO = {"Dataperiode": "2016-2020", "Snapshot": "SYNTETISK-test", "Nøgleversion": "syntetisk-1 (2026-01-01)",
        "Data": "SYNTETISKE DATA – kun til test"}


def synthetic_steps(seed: int = 7, value: str = "beloeb_1000kr") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for aar in YEARS:
        for kode in all_kommunekoder():
            if (kode, aar) == NO_ROWS:
                continue
            for maal, sign in (("netto", 1), ("udgifter", 1), ("indtaegter", -1)):
                for dranst in ("1", "2"):
                    for trin in STEPS:
                        if (kode == NO_TRIN_1 and trin == 1) or (aar, maal, trin) in NO_SOURCE:
                            continue
                        v = sign * float(rng.integers(0, 90_000)) / (10 if dranst == "1" else 100)
                        if dranst == "2":
                            v = -abs(v)
                        rows.append((aar, kode, trin, maal, dranst, v))
    steps = pd.DataFrame(rows, columns=["aar", "kommunekode", "trin", "maal", "dranst", value])
    bad = ((steps["kommunekode"] == NAN_STEP[0]) & (steps["aar"] == NAN_STEP[1])
           & (steps["maal"] == "netto") & (steps["dranst"] == "1") & (steps["trin"] == 3))
    steps.loc[bad, value] = np.nan
    return steps.astype({"aar": int, "trin": int})


def synthetic_population(seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for aar in YEARS:
        for kode in all_kommunekoder():
            if (kode, aar) == NO_POP:
                continue
            per_age = rng.integers(50, 5000)
            rows += [(aar, kode, str(a), float(per_age + a)) for a in range(23)]
            rows.append((aar, kode, "IALT", float(per_age * 60)))
    return pd.DataFrame(rows, columns=["aar", "kommunekode", "alder", "antal"])


def synthetic_deflator() -> pd.DataFrame:
    """No index for 2016, so faste priser for 2016 must answer a message."""
    return pd.DataFrame({"aar": [2017, 2018, 2019, 2020], "indeks": [97.25, 100.0, 101.5, 103.75]})


def _table(ws, frame: pd.DataFrame, name: str, first_row: int = 2) -> None:
    ws.write_string(0, 0, f"{name} (SYNTETISK)")
    cols = list(frame.columns)
    data = [[None if (isinstance(v, float) and np.isnan(v)) else
             (v.item() if hasattr(v, "item") else v) for v in row]
            for row in frame.itertuples(index=False, name=None)]
    last = first_row + max(len(data), 1)
    ws.add_table(first_row, 0, last, len(cols) - 1,
                 {"name": name, "columns": [{"header": c} for c in cols], "data": data})


def write_synthetic_book(path: Path, steps: pd.DataFrame, population: pd.DataFrame,
                         deflator: pd.DataFrame, info: dict | None = None) -> Path:
    data = bookdata.BookData(steps=steps, detail=pd.DataFrame(), kontrol=pd.DataFrame(),
                             population=population, deflator=deflator, key_rules=pd.DataFrame(),
                             key_version="syntetisk-1", synthetic=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    frames = {"TrinData": bookdata.trindata(data), "Befolkning": bookdata.befolkning(data),
              "Prisindeks": deflator[["aar", "indeks"]], "Kommuner": bookdata.kommuner_frame(),
              "ModelInfo": pd.DataFrame({"felt": list((info or INFO)),
                                         "vaerdi": list((info or INFO).values())})}
    sheets: dict[str, object] = {}
    for name, frame in frames.items():
        sheet = layout.TABLES[name][0]
        if sheet not in sheets:
            sheets[sheet] = wb.add_worksheet(sheet)
        _table(sheets[sheet], frame, name)
    wb.close()
    return path
