"""The kinds of workbook the build makes, for the LAMBDA differential test (SYNTHETIC except the
shipped snapshot): value column × level × with/without population and price index."""

from __future__ import annotations

from pathlib import Path

from bench.synthetic import make_accounts, make_deflator, make_population
from trappe_xl.dataset import Dataset
from trappe_xl.key import load_key
from trappe_xl.pipeline import load_dataset, prepare

REPO = Path(__file__).resolve().parents[1]
YEARS = (2019, 2020, 2021, 2022)


def _synthetic(level: str, with_population: bool, seed: int):
    acc = make_accounts(level=level, years=YEARS, seed=seed)
    pop = make_population(years=YEARS) if with_population else make_population(years=YEARS).iloc[:0]
    defl = make_deflator(years=YEARS) if with_population else make_deflator(years=YEARS).iloc[:0]
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=pop, deflator=defl,
                 meta={"name": f"synthetic-{level}", "created": "2026-12-07T10:00:00Z",
                       "source": "synthetic", "tables": {}})
    return prepare(ds, load_key(), synthetic=True)


def shipped():
    """The snapshot `python build.py` builds: kr. pr. indbygger, function level, no population
    and no price index (real figures)."""
    return prepare(load_dataset(REPO / "data", None), load_key())


def shipped_with_population():
    """The shipped accounts with SYNTHETIC population and price index beside them (what a user
    who imports FOLK1A and a price index gets): groups weighted by inhabitants, faste priser."""
    real = load_dataset(REPO / "data", None)
    years = tuple(sorted(int(y) for y in real.accounts["aar"].unique()))
    ds = Dataset(accounts=real.accounts, aggregates=real.aggregates, population=make_population(years=years),
                 deflator=make_deflator(years=years), meta={**real.meta, "name": "shipped+synthetic-population"})
    return prepare(ds, load_key(), synthetic=True)


def fetched_with_children():
    """What `fetch` then `build` give against the stand-in for Statistikbanken (SYNTHETIC
    figures): 1.000 kr. at grouping level, population, price index, and children on the steps
    (ANBAAR12, ISBU02), so kr. pr. barn i indsatsen is offered."""
    import tempfile

    from statbank_fake import FakeStatbank
    from trappe_xl.sources.fetch import run_fetch
    from trappe_xl.sources.load import load_snapshot
    snap = run_fetch(tempfile.mkdtemp(prefix="trappe-kinds-"), (2022, 2024),
                     client=FakeStatbank(quirks={"omit_zeros"}, years=(2022, 2023, 2024)).client(),
                     out=lambda s: None)
    return prepare(load_snapshot(snap), load_key(), synthetic=True)


KINDS = {
    "shipped": shipped,
    "shipped_population": shipped_with_population,
    "grouping": lambda: _synthetic("grouping", True, 4),
    "grouping_bare": lambda: _synthetic("grouping", False, 5),
    "function": lambda: _synthetic("function", True, 6),
    "children": fetched_with_children,
}
