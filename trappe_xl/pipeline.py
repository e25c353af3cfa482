"""build: snapshot -> key -> model -> workbook; check: a built workbook against the model.

Reads top to bottom as named steps; every step says one line through ``say``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

from . import model
from .dataset import Dataset
from .errors import TrappeError
from .key import Key, load_key
from .reference import HELE_LANDET
from .workbook import layout
from .workbook.bookdata import BookData, trindata
from .workbook.readback import analyse_differences
from .workbook.selection import Selection
from .workbook.writer import write_workbook

WORKBOOK_DIR = Path("workbooks")


def workbook_name(first: int, last: int) -> str:
    return f"Indsatstrappens_Udgiftsmodel_{first}-{last}.xlsx"


def load_dataset(data_dir: Path | str, snapshot: Path | str | None) -> Dataset:
    from .sources.load import load_latest, load_snapshot
    return load_snapshot(snapshot) if snapshot else load_latest(data_dir)


def prepare(ds: Dataset, key: Key, *, synthetic: bool = False) -> BookData:
    """Apply the key, sum the steps and prove conservation (ConservationError if it fails)."""
    detail = model.apply_key(ds.accounts, key, land=_land_rows(ds))
    steps = model.step_table(detail)
    kontrol = model.assert_conserved(ds.accounts, steps, key)
    return BookData(steps=steps, detail=detail, kontrol=kontrol, population=ds.population,
                    deflator=ds.deflator, key_rules=key.rules, key_version=key.stamp,
                    meta=dict(ds.meta), synthetic=synthetic, land_steps=land_steps(ds, key))


def _land_rows(ds: Dataset):
    """DST's "Hele landet" rows (area "000") as accounts, or None."""
    agg = ds.aggregates
    if agg is None or agg.empty or "kommunekode" not in agg.columns:
        return None
    land = agg[agg["kommunekode"] == HELE_LANDET]
    return None if land.empty else land


def land_steps(ds: Dataset, key: Key):
    """DST's "Hele landet" rows (area "000") through the same key: a step table of its own."""
    land = _land_rows(ds)
    return None if land is None else model.step_table(model.apply_key(land, key))


def build(data_dir: Path | str, snapshot: Path | str | None = None, out: Path | str | None = None,
          say: Callable[[str], None] = print, *, selection: Selection | None = None,
          synthetic: bool = False, lambdas: bool = True) -> Path:
    ds = load_dataset(data_dir, snapshot)
    say(f"snapshot: {ds.meta.get('name', '?')} ({len(ds.accounts):,} regnskabsrækker)")
    key = load_key()
    say(f"nøgle: {key.stamp}")
    data = prepare(ds, key, synthetic=synthetic)
    first, last = data.period
    say(f"model: {len(data.steps):,} trinrækker {first}-{last}; kontrol OK "
        f"({len(data.kontrol):,} summer)")
    out = Path(out) if out else WORKBOOK_DIR / workbook_name(first, last)
    write_workbook(data, selection or Selection(), out, lambdas=lambdas)
    say(f"skrevet: {out}")
    return out


def check(workbook: Path | str, data_dir: Path | str, snapshot: Path | str | None = None,
          say: Callable[[str], None] = print) -> bool:
    """Compare a built workbook's TrinData, Kontrol and the cached values of Analyse (for the
    choices its input cells hold) with the model."""
    import openpyxl
    ds = load_dataset(data_dir, snapshot)
    data = prepare(ds, load_key())
    try:
        wb = openpyxl.load_workbook(workbook, data_only=True, read_only=False)
    except Exception as e:  # openpyxl raises many kinds for a bad file
        raise TrappeError(f"kan ikke læse projektmappen {workbook}: {e}") from e
    problems = _check_trindata(wb, data) + _check_kontrol(wb) + analyse_differences(wb, data)
    for p in problems[:20]:
        say(f"AFVIGELSE: {p}")
    say("check OK: projektmappen stemmer med modellen" if not problems
        else f"check FEJLEDE: {len(problems)} afvigelser")
    return not problems


def _table_rows(wb, table: str) -> list[dict]:
    sheet = layout.TABLES[table][0]
    ws = wb[sheet]
    tab = ws.tables[table]
    rows = list(ws[tab.ref])
    head = [c.value for c in rows[0]]
    return [dict(zip(head, (c.value for c in r))) for r in rows[1:]]


def _check_trindata(wb, data: BookData) -> list[str]:
    want = trindata(data)
    got = _table_rows(wb, "TrinData")
    if len(got) != len(want):
        return [f"TrinData har {len(got)} rækker, modellen {len(want)}"]
    out = []
    for g, w in zip(got, want.itertuples(index=False)):
        wv, gv = getattr(w, data.value), g[data.value]
        same = (gv is None and math.isnan(wv)) or (gv is not None and abs(gv - wv) <= 1e-6)
        if not same or str(g["kommunekode"]) != w.kommunekode or int(g["aar"]) != w.aar:
            out.append(f"TrinData {w.aar} {w.kommunekode} trin {w.trin}: {gv} ≠ {wv}")
    return out


def _check_kontrol(wb) -> list[str]:
    return [f"Kontrol {r['aar']} {r['kommunekode']} {r['maal']}: forskel {r['forskel']}"
            for r in _table_rows(wb, "Kontrol") if not r["ok"]]
