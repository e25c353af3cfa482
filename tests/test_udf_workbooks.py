"""Every kind of workbook the build can make answers every TRAPPE function with a number, a table or
a short Danish '#TRAPPE:' message — never "intern fejl", never a traceback, never English.

Kinds: the shipped real snapshot (kr. pr. indbygger, no population, no price index, function
level: only the combined steps 23/45); SYNTHETIC accounts only (function level, so also 23/45);
accounts + population; + price index; grouping level (trin 1–6, 0); and (tables only, written by
tests/udf_synthetic_book.py) a step table that mixes single steps and the combined steps 23/45.
On the shipped and the accounts-only workbook every TRAPPE_STEP equals TrinData summed by hand,
and a step without a source (no TrinData row that year) answers that, never 0.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from trappe_xl import reference, udf
from trappe_xl.dataset import Dataset
from trappe_xl.frames import empty_deflator, empty_population
from trappe_xl.key import load_key
from trappe_xl.pipeline import build, prepare
from trappe_xl.reference import ALLE_TRIN, SAMLET_TRIN, kommune_by_code
from trappe_xl.workbook.bookdata import trindata
from trappe_xl.workbook.selection import Selection
from trappe_xl.workbook.writer import write_workbook
from bench.synthetic import make_accounts, make_deflator, make_population
from udf_synthetic_book import synthetic_deflator, synthetic_population, synthetic_steps, write_synthetic_book

REPO = Path(__file__).resolve().parents[1]
YEARS = (2019, 2020)
#: words that would mean an English (developer) text reached a cell
ENGLISH = re.compile(r"\b(workbook|table|not found|expected|error|cannot|has no|missing|invalid)\b",
                     re.IGNORECASE)


def _dataset(level="function", population=True, deflator=True) -> Dataset:
    acc = make_accounts(level=level, years=YEARS, seed=5)
    return Dataset(accounts=acc, aggregates=acc.iloc[:0],
                   population=make_population(years=YEARS) if population else empty_population(),
                   deflator=make_deflator(years=YEARS) if deflator else empty_deflator(),
                   meta={"name": "synthetic-udf-kinds", "created": "2026-12-01T10:00:00Z",
                         "source": "synthetic", "tables": {}})


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """kind -> (path, BookData or None) for every kind of workbook."""
    root = tmp_path_factory.mktemp("kinds")
    out = {}
    shipped = build(REPO / "data", out=root / "shipped.xlsx", say=lambda _: None)
    from trappe_xl.pipeline import load_dataset
    out["shipped"] = (shipped, prepare(load_dataset(REPO / "data", None), load_key()))
    kinds = {"accounts_only": dict(population=False, deflator=False),
             "accounts_population": dict(population=True, deflator=False),
             "accounts_population_index": dict(population=True, deflator=True),
             "grouping_level": dict(level="grouping", population=True, deflator=True)}
    for name, opts in kinds.items():
        data = prepare(_dataset(**opts), load_key(), synthetic=True)
        out[name] = (write_workbook(data, Selection(kommune="751"), root / f"{name}.xlsx"), data)
    steps = combined_steps()
    out["combined_steps"] = (write_synthetic_book(root / "combined.xlsx", steps,
                                                  synthetic_population(), synthetic_deflator()), None)
    return out


def combined_steps() -> pd.DataFrame:
    """SYNTHETIC steps where Aarhus (751) and Odense (461) have trin 2 and 3 only as the combined
    23 (and 4/5 as 45) in every year, as the function-level key will give them."""
    steps = synthetic_steps()
    for kode in ("751", "461"):
        for parts, code in (((2, 3), 23), ((4, 5), 45)):
            sel = (steps["kommunekode"] == kode) & steps["trin"].isin(parts)
            summed = (steps[sel].groupby(["aar", "kommunekode", "maal", "dranst"], as_index=False)
                      .agg(**{"beloeb_1000kr": ("beloeb_1000kr", lambda v: v.sum(min_count=len(v)))}))
            steps = pd.concat([steps[~sel], summed.assign(trin=code)], ignore_index=True)
    return steps[["aar", "kommunekode", "trin", "maal", "dranst", "beloeb_1000kr"]]


def _calls(years: tuple[int, ...]):
    """(function, args) covering every function, measure, unit, price basis, refusion and group
    form; some are refused on some kinds of workbook — with a message."""
    y0, y1 = years[0], years[-1]
    groups = ["Hele landet", "Region Midtjylland", "Landkommuner", [["Aarhus"], ["Odense"], [None]], "Aarhus"]
    choices = [(None, None, None, None), ("udgifter", "pr. 0-17-årig", None, "uden"),
               ("indtægter", "pr. 0-22-årig", float(y1), None), ("netto", "kr. pr. indbygger", None, "med"),
               (None, "1.000 kr.", float(y0), "uden"), (None, None, "løbende", None)]
    out = []
    for c in choices:
        for trin in (1.0, 2.0, 3.0, 6.0, 0.0, "i alt", "i alt på trin", "Plejefamilie", "2-3", "4-5"):
            out.append((udf.TRAPPE_STEP, ("Aarhus", float(y1), trin, *c)))
        out.append((udf.TRAPPE_TRIN, (751.0, float(y1), *c, True, True)))
        out.append((udf.TRAPPE_ANDEL, ("Aarhus", float(y1), "2-3", *c, None)))
        for g in groups:
            out.append((udf.TRAPPE_SAMMENLIGN, (g, float(y1), 3.0, *c)))
            out.append((udf.TRAPPE_SAMMENLIGN, (g, float(y1), "i alt", *c)))
            out.append((udf.TRAPPE_SERIE, (g, float(y0), float(y1), None, *c)))
            out.append((udf.TRAPPE_ANDEL, (g, float(y1), 5.0, *c, None)))
            out.append((udf.TRAPPE_MERUDGIFT, (g, float(y0), float(y1), "i alt", *c)))
            out.append((udf.TRAPPE_MERUDGIFT, (g, f"{y0}-{y1}", float(y1), 6.0, *c)))
    out += [(udf.TRAPPE_INFO, ()), (udf.TRAPPE_INFO, ("snapshot",)), (udf.TRAPPE_INFO, ("oprettet",)),
            (udf.TRAPPE_STEP, ("Arhus", float(y1), 3.0)), (udf.TRAPPE_STEP, ("Aarhus", 1999.0, 3.0)),
            (udf.TRAPPE_STEP, ("Aarhus", float(y1), 9.0)), (udf.TRAPPE_STEP, ("Aarhus", float(y1), 3.0, None, None, 1999.0))]
    return out


def _ok(answer) -> bool:
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return math.isfinite(answer)
    if isinstance(answer, str):
        return (answer.startswith("#TRAPPE: ") and "intern fejl" not in answer
                and not ENGLISH.search(answer) and len(answer) < 200) or not answer.startswith("#")
    if isinstance(answer, datetime):
        return True
    if isinstance(answer, list):
        return all(isinstance(r, list) and all(c is None or _ok(c) for c in r) for r in answer)
    return False


KINDS = ["shipped", "accounts_only", "accounts_population", "accounts_population_index",
         "grouping_level", "combined_steps"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_function_answers_on_every_kind_of_workbook(books, kind, caplog, capfd):
    path, data = books[kind]
    years = data.years if data is not None else (2019, 2020)
    udf.use_workbook(path)
    udf.clear_cache()
    caplog.set_level(logging.DEBUG)
    try:
        answers = [(fn.__name__, args, fn(*args)) for fn, args in _calls(years)]
    finally:
        udf.use_workbook(None)
    bad = [(n, a, r) for n, a, r in answers if not _ok(r)]
    assert not bad, bad[:5]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in capfd.readouterr().err
    numbers = [r for _, _, r in answers if isinstance(r, float)]
    assert len(numbers) >= 20, f"{kind}: too few figures ({len(numbers)}) – the workbook answers nothing"
    info = dict(answers[-7][2]) if isinstance(answers[-7][2], list) else {}
    if kind != "combined_steps":
        assert isinstance(info.get("oprettet"), datetime)      # a date, not a Python repr


def _messages(books, kind):
    path, data = books[kind]
    udf.use_workbook(path)
    udf.clear_cache()
    return data


def test_shipped_workbook_names_what_is_missing(books):
    data = _messages(books, "shipped")
    try:
        y = data.years[-1]
        assert isinstance(udf.TRAPPE_STEP("Odense", y, "2-3"), float)
        assert udf.TRAPPE_STEP("Odense", y, 2) == \
            f'#TRAPPE: beløbet for Odense {y} kendes kun samlet som trin 2–3 – brug trin "2-3"'
        # the snapshot holds 5.28.21 and 5.28.22 only: trin 1, 6 and ikke fordelt have no source
        for t, text in ((1, "trin 1"), (6, "trin 6"), ("ikke fordelt", "ikke fordelt")):
            assert udf.TRAPPE_STEP("Odense", y, t) == (f"#TRAPPE: {text} har ingen kilde i data for {y} – "
                                                       "intet i regnskabet hører til trinnet (vises som – i Analyse)")
        col = udf.TRAPPE_TRIN("Odense", y, None, None, None, None, None, True)
        assert [r[0] for r in col] == ["1 Tidlig indsats", "Trin 2–3 samlet", "Trin 4–5 samlet",
                                       "6 Institution", "Ikke fordelt", "I alt"]
        assert [r[1] is None for r in col] == [True, False, False, True, True, False]
        assert col[-1][1] == pytest.approx(col[1][1] + col[2][1])
        assert udf.TRAPPE_STEP("Odense", y, 2, None, None, y) == \
            "#TRAPPE: projektmappen har intet prisindeks – brug løbende priser"
        assert "findes ikke for disse data (kun kr. pr. indbygger)" in udf.TRAPPE_STEP("Odense", y, 2, None, "1.000 kr.")
        # "Hele landet" is DST's own figure (as Analyse); without population a region is the
        # plain mean of its kommuners own kr. pr. indbygger (each kommune counts once)
        assert isinstance(udf.TRAPPE_SAMMENLIGN("Hele landet", y, "2-3"), float)
        syd = [k.navn for k in reference.kommune_by_code().values() if k.regionsnavn == "Region Syddanmark"]
        own = [udf.TRAPPE_STEP(k, y, "2-3") for k in syd]
        figures = [v for v in own if isinstance(v, float)]
        assert len(figures) == len(syd) == 22
        assert udf.TRAPPE_SAMMENLIGN("Region Syddanmark", y, "2-3") == pytest.approx(
            sum(figures) / len(figures), rel=1e-12)
        assert udf.TRAPPE_INFO("foerste_aar") == data.years[0]
    finally:
        udf.use_workbook(None)


def test_accounts_only_workbook_names_what_is_missing(books):
    _messages(books, "accounts_only")
    try:
        assert udf.TRAPPE_STEP("Odense", 2020, 2, None, "pr. 0-17-årig") == \
            "#TRAPPE: ingen befolkningstal i projektmappen – vælg 1.000 kr."
        assert udf.TRAPPE_SAMMENLIGN("Hele landet", 2020, 2, None, "pr. 0-22-årig") == \
            "#TRAPPE: ingen befolkningstal i projektmappen – vælg 1.000 kr."
        assert udf.TRAPPE_STEP("Odense", 2020, 2, None, None, 2020) == \
            "#TRAPPE: projektmappen har intet prisindeks – brug løbende priser"
        assert isinstance(udf.TRAPPE_SAMMENLIGN("Hele landet", 2020, "2-3"), float)
        assert udf.TRAPPE_SAMMENLIGN("Hele landet", 2020, 2) == \
            '#TRAPPE: beløbet for Hele landet 2020 kendes kun samlet som trin 2–3 – brug trin "2-3"'
        assert udf.TRAPPE_SAMMENLIGN("Hele landet", 2020, 1) == \
            "#TRAPPE: trin 1 har ingen kilde i data for 2020 – intet i regnskabet hører til trinnet (vises som – i Analyse)"
    finally:
        udf.use_workbook(None)


@pytest.mark.parametrize("kind", ["shipped", "accounts_only"])
def test_step_equals_trindata_on_every_cell(books, kind):
    """Every kommune × year × trin × measure: TRAPPE_STEP = Σ dranst of TrinData's rows (0 where
    the kommune has none but the step has a source); a message where the kommune-year has no
    data, where the step has no TrinData row at all that year (no source), and where the
    kommune's amount for the step is only known as part of a combined step."""
    path, data = books[kind]
    td = trindata(data)
    v = data.value
    sums = td.groupby(["kommunekode", "aar", "maal", "trin"])[v].sum(min_count=1)
    complete = td.groupby(["kommunekode", "aar", "maal"])[v].apply(lambda s: s.notna().all())
    sourced = set(zip(td["aar"], td["maal"], td["trin"]))
    has_rows = set(zip(td["kommunekode"], td["aar"], td["maal"], td["trin"]))
    combined_of = {p: c for c, parts in SAMLET_TRIN.items() for p in parts}
    seen = {"samlet": 0, "kilde": 0, "ingen data": 0}
    udf.use_workbook(path)
    udf.clear_cache()
    checked = 0
    try:
        for (kode, aar, maal), whole in complete.items():
            label = {"netto": "netto", "udgifter": "udgifter", "indtaegter": "indtægter"}[maal]
            for trin in ALLE_TRIN:
                got = udf.TRAPPE_STEP(kode, float(aar), float(trin), label)
                c = combined_of.get(trin)
                if c is not None and (kode, aar, maal, c) in has_rows and (kode, aar, maal, trin) not in has_rows:
                    assert got == (f"#TRAPPE: beløbet for {kommune_by_code()[kode].navn} {aar} kendes kun "
                                   f'samlet som trin {c // 10}–{c % 10} – brug trin "{c // 10}-{c % 10}"'), got
                    seen["samlet"] += 1
                    continue
                if (aar, maal, trin) not in sourced:
                    what = "ikke fordelt" if trin == 0 else (f"trin {trin // 10}–{trin % 10}" if trin > 9
                                                             else f"trin {trin}")
                    assert got == (f"#TRAPPE: {what} har ingen kilde i data for {aar} – intet i "
                                   "regnskabet hører til trinnet (vises som – i Analyse)"), (kode, aar, got)
                    seen["kilde"] += 1
                    continue
                if not whole:
                    seen["ingen data"] += 1
                    assert isinstance(got, str) and got.startswith("#TRAPPE: ingen data"), (kode, aar, got)
                    continue
                want = sums.get((kode, aar, maal, trin), 0.0)
                want = 0.0 if (isinstance(want, float) and math.isnan(want)) else float(want)
                assert got == pytest.approx(want, rel=1e-12, abs=1e-9), (kode, aar, maal, trin)
                checked += 1
        assert checked > 0.9 * len(complete) * 2          # 23 and 45 at least
        assert seen["samlet"] > 0 and seen["kilde"] > 0, seen
        missing = set(kommune_by_code()) - set(td["kommunekode"])
        for kode in sorted(missing)[:3]:
            assert udf.TRAPPE_STEP(kode, float(data.years[0]), 2.0).startswith("#TRAPPE: ingen data")
    finally:
        udf.use_workbook(None)


def test_combined_steps_are_named_and_never_split(books):
    steps = combined_steps()
    _messages(books, "combined_steps")
    try:
        want = steps[(steps.kommunekode == "751") & (steps.aar == 2019) & (steps.trin == 23)
                     & (steps.maal == "netto")]["beloeb_1000kr"].sum()
        for arg in ("2-3", "Trin 2–3", 23.0, "trin 2 - 3"):
            assert udf.TRAPPE_STEP("Aarhus", 2019.0, arg) == pytest.approx(want), arg
        msg = udf.TRAPPE_STEP("Aarhus", 2019.0, 2.0)
        assert msg == '#TRAPPE: beløbet for Aarhus 2019 kendes kun samlet som trin 2–3 – brug trin "2-3"'
        assert "kendes kun samlet som trin 4–5" in udf.TRAPPE_STEP("Aarhus", 2019.0, "Plejefamilie")
        assert "kendes kun samlet som trin 2–3" in udf.TRAPPE_SAMMENLIGN("Region Midtjylland", 2019.0, 3.0)
        assert isinstance(udf.TRAPPE_STEP("København", 2019.0, 2.0), float)   # has its own trin 2
        col = udf.TRAPPE_TRIN("Aarhus", 2019.0, None, None, None, None, None, True)
        labels = [r[0] for r in col]
        assert labels == ["1 Tidlig indsats", "2 Forebyggende", "3 Hjemmebaserede", "Trin 2–3 samlet",
                          "4 Slægt/netværk", "5 Plejefamilie", "Trin 4–5 samlet", "6 Institution",
                          "Ikke fordelt", "I alt"]       # Analyse's columns: these data fill all
        values = dict((r[0], r[1]) for r in col)
        assert values["Trin 2–3 samlet"] == pytest.approx(want)
        on_steps = udf.TRAPPE_STEP("Aarhus", 2019.0, "i alt på trin")
        rows = steps[(steps.kommunekode == "751") & (steps.aar == 2019) & (steps.maal == "netto")
                     & (steps.trin != 0)]
        assert on_steps == pytest.approx(rows["beloeb_1000kr"].sum())
        assert "ukendt trin '7-8'" in udf.TRAPPE_STEP("Aarhus", 2019.0, "7-8")     # as the user wrote it
    finally:
        udf.use_workbook(None)


def test_combined_code_unknown_without_combined_data(books):
    """Grouping-level data have no combined step: "2-3" is unknown there, and the tables show
    trin 1–6; function-level data have only the combined ones (the single steps are hidden)."""
    _messages(books, "grouping_level")
    try:
        got = udf.TRAPPE_STEP("Aarhus", 2020.0, "2-3")
        assert got == "#TRAPPE: ukendt trin '2-3' – brug 1–6 eller 0 (ikke fordelt på trin)"
        assert isinstance(udf.TRAPPE_STEP("Aarhus", 2020.0, 2), float)
        header = udf.TRAPPE_SERIE("Aarhus", 2019.0, 2020.0)[0]
        assert header == ["År", "1 Tidlig indsats", "2 Forebyggende", "3 Hjemmebaserede", "4 Slægt/netværk",
                          "5 Plejefamilie", "6 Institution", "Ikke fordelt", "I alt"]
        _messages(books, "accounts_population_index")
        assert isinstance(udf.TRAPPE_STEP("Aarhus", 2020.0, "2-3"), float)
        header = udf.TRAPPE_SERIE("Aarhus", 2019.0, 2020.0)[0]
        assert header == ["År", "1 Tidlig indsats", "Trin 2–3 samlet", "Trin 4–5 samlet", "6 Institution",
                          "Ikke fordelt", "I alt"]
    finally:
        udf.use_workbook(None)

