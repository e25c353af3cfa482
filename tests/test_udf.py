"""TRAPPE functions called the way xlwings calls them on Windows: floats, None, lists of lists.

On Linux ``@xw.func``/``@xw.arg`` are identity decorators (xlwings 0.37.8), so the decorated
functions are called directly. The workbook is SYNTHETIC (tests/udf_synthetic_book.py); expected
values come from trappe_xl.model run on the *original* synthetic frames (not the ones read back
from the workbook) and, for a few figures, from sums done by hand on the raw rows.
"""

from __future__ import annotations

import math
import os
from types import SimpleNamespace

import pandas as pd
import pytest

from trappe_xl import model, udf
from trappe_xl.udf import answers as udf_core
from trappe_xl.udf import tables as udf_data
from trappe_xl.reference import all_kommunekoder, members_of_kommunegruppe, members_of_region
from udf_synthetic_book import (NAN_STEP, NO_POP, NO_ROWS, NO_SOURCE, NO_TRIN_1, STEPS,
                                synthetic_deflator, synthetic_population, synthetic_steps,
                                write_synthetic_book)

V = "beloeb_1000kr"


@pytest.fixture(scope="module")
def frames():
    return synthetic_steps(), synthetic_population(), synthetic_deflator()


@pytest.fixture(scope="module")
def book_path(tmp_path_factory, frames):
    return write_synthetic_book(tmp_path_factory.mktemp("udf") / "syntetisk.xlsx", *frames)


@pytest.fixture(autouse=True)
def selected(book_path):
    udf.use_workbook(book_path)
    yield
    udf.use_workbook(None)


def expected(frames, members, valg: model.Valg, years, totals=True) -> dict:
    steps, pop, defl = frames
    s = model.serie(steps, pop, defl, valg, members, years, with_totals=totals)
    return {(int(a), int(t)): v for a, t, v in zip(s["aar"], s["trin"], s["vaerdi"])}


def is_msg(x) -> bool:
    return isinstance(x, str) and x.startswith("#TRAPPE: ")


# -- hand-computed figures (independent of the model) -----------------------------------------
def test_step_equals_hand_sum_of_raw_rows(frames):
    steps = frames[0]
    rows = steps[(steps.kommunekode == "751") & (steps.aar == 2019) & (steps.trin == 5)
                 & (steps.maal == "udgifter")]
    assert len(rows) == 2  # dranst 1 and 2
    assert udf.TRAPPE_STEP("Aarhus", 2019.0, 5.0, "udgifter") == pytest.approx(rows[V].sum(), abs=1e-9)
    no_refusion = rows[rows.dranst == "1"][V].sum()
    assert udf.TRAPPE_STEP(751.0, 2019.0, 5.0, "udgifter", None, None, "uden") == pytest.approx(no_refusion)


def test_per_child_and_fixed_prices_by_hand(frames):
    steps, pop, defl = frames
    amount = steps[(steps.kommunekode == "751") & (steps.aar == 2019) & (steps.trin == 6)
                   & (steps.maal == "netto")][V].sum()
    kids = pop[(pop.kommunekode == "751") & (pop.aar == 2019)
               & pop.alder.isin([str(a) for a in range(18)])]["antal"].sum()
    idx = dict(zip(defl.aar, defl.indeks))
    got = udf.TRAPPE_STEP("Aarhus", 2019.0, 6.0, None, "pr. 0-17-årig", 2020.0)
    assert got == pytest.approx(amount * idx[2020] / idx[2019] / kids * 1000, rel=1e-12)


def test_group_per_child_is_sum_over_sum_without_members_lacking_population(frames):
    steps, pop, _ = frames
    members = ["101", NO_POP[0], "751"]
    sel = steps[steps.kommunekode.isin(["101", "751"]) & (steps.aar == NO_POP[1])
                & (steps.trin == 2) & (steps.maal == "netto")]
    kids = pop[pop.kommunekode.isin(["101", "751"]) & (pop.aar == NO_POP[1])
               & pop.alder.isin([str(a) for a in range(23)])]["antal"].sum()
    got = udf.TRAPPE_SAMMENLIGN([["København"], ["Frederiksberg"], [751.0]], 2017.0, 2.0, None, "pr_0_22")
    assert got == pytest.approx(sel[V].sum() / kids * 1000, rel=1e-12)
    # in 1.000 kr. the same member without population counts
    all3 = steps[steps.kommunekode.isin(members) & (steps.aar == 2017) & (steps.trin == 2)
                 & (steps.maal == "netto")][V].sum()
    assert udf.TRAPPE_SAMMENLIGN(members, 2017, 2) == pytest.approx(all3)


# -- the fast path equals the model --------------------------------------------------------------
VALG = [model.Valg(), model.Valg("udgifter", "pr_0_17", 2018, True),
        model.Valg("indtaegter", "pr_0_22", None, False), model.Valg("netto", "1000kr", 2020, False)]
ARGS = {VALG[0]: (None, None, None, None), VALG[1]: ("udgifter", "pr. 0-17-årig", 2018.0, None),
        VALG[2]: ("Indtægter", "pr_0_22", "løbende", "uden"), VALG[3]: (None, "1.000 kr.", 2020.0, "uden")}


@pytest.mark.parametrize("valg", VALG, ids=lambda v: f"{v.maal}-{v.enhed}-{v.prisaar}-{v.refusion}")
def test_step_equals_model_for_every_kommune_year_trin(frames, valg):
    koder = all_kommunekoder() if valg == VALG[0] else all_kommunekoder()[::7] + ("461", "147", "851")
    years = [2017, 2018, 2019, 2020] if valg.prisaar else [2016, 2017, 2018, 2019, 2020]
    checked = 0
    for kode in koder:
        want = expected(frames, (kode,), valg, years)
        for (aar, trin), w in want.items():
            t = "i alt" if trin == 8 else ("i alt på trin" if trin == 7 else float(trin))
            got = udf.TRAPPE_STEP(float(kode), float(aar), t, *ARGS[valg])
            if trin not in (*STEPS, 7, 8):      # a combined step: these data have none
                assert math.isnan(w) and got.startswith(f"#TRAPPE: ukendt trin {trin} – brug 1–6 eller 0")
            elif (aar, valg.maal, trin) in NO_SOURCE:
                assert math.isnan(w)
                assert got == (f"#TRAPPE: {'ikke fordelt' if trin == 0 else f'trin {trin}'} har ingen "
                               f"kilde i data for {aar} – intet i regnskabet hører til trinnet "
                               "(vises som – i Analyse)"), (kode, aar, trin, got)
            elif math.isnan(w):
                assert is_msg(got) and ("ingen data" in got or "ingen befolkningstal" in got), \
                    (kode, aar, trin, got)
            else:
                assert got == pytest.approx(w, rel=1e-12, abs=1e-12), (kode, aar, trin)
                checked += 1
    assert checked > len(koder) * len(years) * 9 * 0.8


def test_missing_is_a_message_never_zero():
    assert NAN_STEP == ("461", 2019)  # Odense's netto trin 3 is missing in 2019
    assert udf.TRAPPE_STEP("Odense", 2019, 3) == "#TRAPPE: ingen data for Odense 2019 trin 3"
    assert udf.TRAPPE_STEP("Odense", 2019, 5).startswith("#TRAPPE: ingen data")  # whole year out
    other_measure = udf.TRAPPE_STEP("Odense", 2019, 5, "udgifter")
    assert isinstance(other_measure, float) and other_measure != 0
    assert udf.TRAPPE_STEP(NO_ROWS[0], NO_ROWS[1], 2) == "#TRAPPE: ingen data for Aalborg 2018 trin 2"
    assert udf.TRAPPE_STEP("Frederiksberg", 2017, 4, None, "pr_0_17") == \
        "#TRAPPE: ingen befolkningstal (0-17-årige) for Frederiksberg 2017"
    assert udf.TRAPPE_STEP(NO_TRIN_1, 2019, 1) == 0.0  # the step has a source, the kommune no row: 0


def test_a_step_without_a_source_is_missing_never_zero(frames):
    """No kommune has a trin-1 row in 2018 (nor an ikke-fordelt row for indtægter in 2020): the
    step has no source that year. Single figures say so, tables leave the cell empty, the totals
    sum the steps that have a source (checked against the raw rows, not the model)."""
    steps = frames[0]
    assert (2018, "netto", 1) in NO_SOURCE and (2020, "indtaegter", 0) in NO_SOURCE
    assert not ((steps.aar == 2018) & (steps.trin == 1)).any()
    no_trin_1 = ("#TRAPPE: trin 1 har ingen kilde i data for 2018 – intet i regnskabet hører til "
                 "trinnet (vises som – i Analyse)")
    assert udf.TRAPPE_STEP("Aarhus", 2018, 1) == no_trin_1
    assert udf.TRAPPE_STEP(NO_TRIN_1, 2018.0, "Tidlig indsats", "udgifter", "pr. 0-17-årig") == no_trin_1
    assert udf.TRAPPE_SAMMENLIGN("Hele landet", 2018, 1) == no_trin_1
    assert udf.TRAPPE_ANDEL("Region Hovedstaden", 2018, 1) == no_trin_1
    assert udf.TRAPPE_MERUDGIFT("Aarhus", 2018, 2020, 1) == no_trin_1          # in the basis
    assert udf.TRAPPE_MERUDGIFT("Aarhus", "2017-2019", 2020, 1) == no_trin_1
    assert udf.TRAPPE_MERUDGIFT("Aarhus", 2016, 2018, 1) == no_trin_1          # the year itself
    assert isinstance(udf.TRAPPE_MERUDGIFT("Aarhus", 2017, 2020, 1), float)
    assert isinstance(udf.TRAPPE_STEP("Aarhus", 2019, 1), float)             # other years have one
    no_ikke_fordelt = ("#TRAPPE: ikke fordelt har ingen kilde i data for 2020 – intet i "
                       "regnskabet hører til trinnet (vises som – i Analyse)")
    assert udf.TRAPPE_STEP("Aarhus", 2020, "ikke fordelt", "indtægter") == no_ikke_fordelt
    assert isinstance(udf.TRAPPE_STEP("Aarhus", 2020, "ikke fordelt"), float)  # netto has rows
    # totals: Σ of the rows that exist (trin 1 adds nothing), not NaN and not a made-up 0 step
    rows = steps[(steps.kommunekode == "751") & (steps.aar == 2018) & (steps.maal == "netto")]
    assert udf.TRAPPE_STEP("Aarhus", 2018, "i alt") == pytest.approx(rows[V].sum())
    assert udf.TRAPPE_STEP("Aarhus", 2018, "i alt på trin") == pytest.approx(rows[rows.trin != 0][V].sum())
    col = udf.TRAPPE_TRIN("Aarhus", 2018.0, None, None, None, None, None, True)
    assert col[0] == ["1 Tidlig indsats", None]                                # empty, not 0
    assert col[-1] == ["I alt", pytest.approx(rows[V].sum())]
    assert all(isinstance(v, float) for _, v in col[1:])
    s = udf.TRAPPE_SERIE("Aarhus", 2016, 2020, None, "indtægter")
    by_year = {r[0]: r[1:] for r in s[1:]}
    assert by_year[2018][0] is None and by_year[2018][6] is not None
    assert by_year[2020][6] is None and by_year[2020][0] is not None           # ikke fordelt
    inc = steps[(steps.kommunekode == "751") & (steps.aar == 2020) & (steps.maal == "indtaegter")]
    assert by_year[2020][7] == pytest.approx(inc[V].sum())
    assert all(v is not None for y in (2016, 2017, 2019) for v in by_year[y])
    g = udf.TRAPPE_SERIE("Hele landet", 2017, 2019, 1.0)
    assert [r[1] is None for r in g[1:]] == [False, True, False]
    # shares of 2018 are of the sourced steps' total: they sum to 1 without trin 1
    shares = [udf.TRAPPE_ANDEL("Hele landet", 2018.0, float(t)) for t in STEPS if t != 1]
    assert sum(shares) == pytest.approx(1.0)
    on = [udf.TRAPPE_ANDEL("Aarhus", 2018.0, t, None, None, None, None, "i alt på trin") for t in range(2, 7)]
    assert sum(on) == pytest.approx(1.0)


def test_trin_column_row_and_labels(frames):
    col = udf.TRAPPE_TRIN("Aarhus", 2019.0)
    assert len(col) == 8 and all(len(r) == 1 for r in col)
    want = expected(frames, ("751",), model.Valg(), [2019])
    assert [r[0] for r in col] == pytest.approx([want[(2019, t)] for t in (*STEPS, 8)], rel=1e-12)
    row = udf.TRAPPE_TRIN("Aarhus", 2019.0, None, None, None, None, True, True)
    assert len(row) == 2 and row[0][0] == "1 Tidlig indsats" and row[0][-1] == "I alt"
    assert row[1] == [r[0] for r in col]
    labelled = udf.TRAPPE_TRIN("Aarhus", 2019.0, None, None, None, None, None, True)
    assert labelled[6] == ["Ikke fordelt", col[6][0]]
    assert udf.TRAPPE_TRIN("Odense", 2019) == "#TRAPPE: ingen data for Odense 2019"


def test_serie_kommune_and_group(frames):
    s = udf.TRAPPE_SERIE("Aarhus", 2016.0, 2020.0)
    assert s[0] == ["År", "1 Tidlig indsats", "2 Forebyggende", "3 Hjemmebaserede", "4 Slægt/netværk",
                    "5 Plejefamilie", "6 Institution", "Ikke fordelt", "I alt"]
    assert [r[0] for r in s[1:]] == [2016, 2017, 2018, 2019, 2020]
    want = expected(frames, ("751",), model.Valg(), range(2016, 2021))
    assert s[4][1:] == pytest.approx([want[(2019, t)] for t in (*STEPS, 8)], rel=1e-12)
    region = members_of_region("081")
    g = udf.TRAPPE_SERIE("Region Nordjylland", 2017, 2019, 6.0, None, "pr. 0-22-årig", 2018)
    want = expected(frames, region, model.Valg(enhed="pr_0_22", prisaar=2018), [2017, 2018, 2019])
    assert g[0] == ["År", "6 Institution"]
    assert [r[1] for r in g[1:]] == pytest.approx([want[(y, 6)] for y in (2017, 2018, 2019)], rel=1e-12)
    odense = udf.TRAPPE_SERIE("Odense", 2018, 2020)
    assert odense[2][1:] == [None] * 8 and odense[1][2] is not None  # 2019 missing -> empty cells
    assert odense[1][1] is None and odense[3][1] is not None        # 2018: trin 1 has no source


@pytest.mark.parametrize("gruppe, members", [
    ("Hele landet", all_kommunekoder()), ("Region Hovedstaden", members_of_region("084")),
    ("Landkommuner", members_of_kommunegruppe("5")), ("084", members_of_region("084")),
    ([["Aarhus", "Odense"], ["København", None]], ("101", "461", "751"))])
def test_sammenlign_equals_model(frames, gruppe, members):
    for valg in VALG[:3]:
        want = expected(frames, tuple(members), valg, [2017, 2018, 2019, 2020] if valg.prisaar else [2019])
        for trin, t in ((3, 3.0), (0, "ikke fordelt"), (8, "I alt")):
            got = udf.TRAPPE_SAMMENLIGN(gruppe, 2019.0, t, *ARGS[valg])
            assert got == pytest.approx(want[(2019, trin)], rel=1e-12), (gruppe, valg, trin)


def test_andel_equals_model_and_sums_to_one(frames):
    steps, pop, defl = frames
    a = model.andele(steps, pop, defl, model.Valg(), all_kommunekoder(), [2019])
    shares = [udf.TRAPPE_ANDEL("Hele landet", 2019.0, float(t)) for t in STEPS]
    assert shares == pytest.approx(list(a.set_index("trin").loc[list(STEPS), "andel"]), rel=1e-12)
    assert sum(shares) == pytest.approx(1.0)
    on = [udf.TRAPPE_ANDEL("Aarhus", 2019.0, t, None, None, None, None, "i alt på trin") for t in range(1, 7)]
    assert sum(on) == pytest.approx(1.0)
    assert udf.TRAPPE_ANDEL("Aarhus", 2019.0, 0, None, None, None, None, "i alt på trin").startswith("#TRAPPE")


def test_merudgift_equals_model_and_hand(frames):
    steps, pop, defl = frames
    m = model.merudgift(steps, pop, defl, model.Valg(prisaar=2020), ("751",), [2020], basisaar=(2017, 2018))
    want = float(m[m.trin == 6]["merudgift"].iloc[0])
    assert udf.TRAPPE_MERUDGIFT("Aarhus", "2017-2018", 2020.0, 6.0, None, None, 2020.0) == pytest.approx(want)
    assert udf.TRAPPE_MERUDGIFT("Aarhus", [[2017.0, 2018.0]], 2020.0, 6.0, None, None, 2020.0) == pytest.approx(want)
    v = {y: udf.TRAPPE_STEP("Aarhus", y, 6, None, None, 2020) for y in (2017, 2018, 2020)}
    assert want == pytest.approx(v[2020] - (v[2017] + v[2018]) / 2)
    region = members_of_region("083")
    m = model.merudgift(steps, pop, defl, model.Valg(), region, [2020], basisaar=(2016,))
    want = float(m[m.trin == 8]["merudgift"].iloc[0])
    assert udf.TRAPPE_MERUDGIFT("Region Syddanmark", 2016.0, 2020.0, "i alt") == pytest.approx(want)


def test_info():
    assert udf.TRAPPE_INFO("snapshot") == "SYNTETISK-test"
    table = udf.TRAPPE_INFO()
    assert ["Dataperiode", "2016-2020"] in table
    assert udf.TRAPPE_INFO("farve").startswith("#TRAPPE: ukendt felt 'farve' – kendte felter: Dataperiode")


# -- bad input: a short Danish message, never a traceback, never a number ------------------------
BAD = [
    (udf.TRAPPE_STEP, ("Arhus", 2019.0, 3.0), "ukendt kommune 'Arhus' – mente du Aarhus?"),
    (udf.TRAPPE_STEP, ("Århus", 2019.0, 3.0), "mente du Aarhus?"),
    (udf.TRAPPE_STEP, ("Atlantis", 2019.0, 3.0), "ukendt kommune 'Atlantis'"),
    (udf.TRAPPE_STEP, (999.0, 2019.0, 3.0), "ukendt kommunekode 999"),
    (udf.TRAPPE_STEP, (None, 2019.0, 3.0), "kommune mangler"),
    (udf.TRAPPE_STEP, ("Aarhus", 2031.0, 3.0), "år 2031 ligger uden for data (2016–2020)"),
    (udf.TRAPPE_STEP, ("Aarhus", None, 3.0), "år mangler"),
    (udf.TRAPPE_STEP, ("Aarhus", "sidste år", 3.0), "år skal være et tal, ikke 'sidste år'"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.5, 3.0), "år skal være et helt tal"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 7.0), "ukendt trin 7"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, None), "trin mangler"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, "øverst"), "ukendt trin 'øverst'"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 3.0, "overskud"), "ukendt mål 'overskud'"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 3.0, None, "euro"), "ukendt enhed 'euro'"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 3.0, None, None, "dyre"), "ukendte priser 'dyre'"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 3.0, None, None, 1999.0), "prisår 1999 findes ikke i prisindekset"),
    (udf.TRAPPE_STEP, ("Aarhus", 2016.0, 3.0, None, None, 2019.0), "prisindekset mangler år 2016"),
    (udf.TRAPPE_STEP, ("Aarhus", 2019.0, 3.0, None, None, None, "måske"), "refusion skal være"),
    (udf.TRAPPE_TRIN, ("Aarhus", 2019.0, None, None, None, None, "skævt"), "vandret skal være SAND eller FALSK"),
    (udf.TRAPPE_SAMMENLIGN, ([[None, None]], 2019.0, 3.0), "gruppen er tom"),
    (udf.TRAPPE_SAMMENLIGN, ([["Aarhus"], ["Arhus"]], 2019.0, 3.0), "gruppen: ukendt kommune 'Arhus' – mente du Aarhus?"),
    (udf.TRAPPE_SAMMENLIGN, ([["Aarhus"], [751.0]], 2019.0, 3.0), "Aarhus står mere end én gang"),
    (udf.TRAPPE_SAMMENLIGN, ([[101.0], [12.5]], 2019.0, 3.0), "gruppen: ukendt kommunekode 12.5"),
    (udf.TRAPPE_SAMMENLIGN, ("Region Atlantis", 2019.0, 3.0), "ukendt kommune 'Region Atlantis'"),
    (udf.TRAPPE_SERIE, ("Aarhus", 2020.0, 2017.0), "fra-år 2020 ligger efter til-år 2017"),
    (udf.TRAPPE_SERIE, ("Aarhus", 2010.0, 2017.0), "fra-år 2010 ligger uden for data"),
    (udf.TRAPPE_SERIE, ("Aarhus", 2016.0, 2017.0, 9.0), "ukendt trin 9"),
    (udf.TRAPPE_ANDEL, ("Aarhus", 2019.0, "i alt"), "ukendt trin 'i alt'"),
    (udf.TRAPPE_ANDEL, ("Aarhus", 2019.0, 2.0, None, None, None, None, "halvdelen"), "af skal være 'i alt' eller 'i alt på trin', ikke 'halvdelen'"),
    (udf.TRAPPE_MERUDGIFT, ("Aarhus", "2019-2017", 2020.0, 3.0), "fra-år 2019 ligger efter til-år 2017"),
    (udf.TRAPPE_MERUDGIFT, ("Aarhus", [[2016.0, 2017.0, 2018.0]], 2020.0, 3.0), "ét år eller to celler"),
    (udf.TRAPPE_MERUDGIFT, ("Odense", 2019.0, 2020.0, 3.0), "ingen data for Odense 2020 trin 3 eller basisår 2019"),
]


@pytest.mark.parametrize("fn, args, text", BAD, ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(BAD)])
def test_bad_input_gives_a_danish_message(fn, args, text):
    got = fn(*args)
    assert is_msg(got), got
    assert text in got, got
    assert "Traceback" not in got and len(got) < 200


def test_per_inhabitant_data_derives_amounts_only_with_population(tmp_path, frames):
    steps, pop, defl = frames
    per_inh = steps.rename(columns={V: "kr_pr_indbygger"})
    path = write_synthetic_book(tmp_path / "syntetisk_indl.xlsx", per_inh, pop, defl)
    udf.use_workbook(path)
    want = model.serie(per_inh, pop, defl, model.Valg(enhed="kr_pr_indbygger"), ("101",), [2019])
    got = udf.TRAPPE_STEP("København", 2019.0, 4.0)
    assert got == pytest.approx(float(want[want.trin == 4]["vaerdi"].iloc[0]))
    region = members_of_region("085")
    want = model.serie(per_inh, pop, defl, model.Valg(enhed="kr_pr_indbygger"), region, [2019])
    got = udf.TRAPPE_SAMMENLIGN("Region Sjælland", 2019.0, 4.0)
    assert got == pytest.approx(float(want[want.trin == 4]["vaerdi"].iloc[0]), rel=1e-12)
    # with population, 1.000 kr. is derived (kr. pr. indbygger × folketal ÷ 1.000), as model.serie
    want = model.serie(per_inh, pop, defl, model.Valg(enhed="1000kr"), ("101",), [2019])
    got = udf.TRAPPE_STEP("København", 2019.0, 4.0, None, "1.000 kr. (afledt)")
    assert got == pytest.approx(float(want[want.trin == 4]["vaerdi"].iloc[0]), rel=1e-12)
    # without population there is nothing to derive it from: kr. pr. indbygger is the one unit
    bare = write_synthetic_book(tmp_path / "syntetisk_indl_bare.xlsx", per_inh, pop.iloc[:0], defl)
    udf.use_workbook(bare)
    assert "findes ikke for disse data" in udf.TRAPPE_STEP("København", 2019.0, 4.0, None, "1.000 kr.")


# -- where the data come from ----------------------------------------------------------------------
def test_reads_once_and_again_after_a_rebuild(monkeypatch, tmp_path, frames):
    path = write_synthetic_book(tmp_path / "syntetisk_cache.xlsx", *frames)
    calls = []
    real = udf_data.read_tables
    monkeypatch.setattr(udf_data, "read_tables", lambda p: calls.append(p) or real(p))
    udf.use_workbook(path)
    first = [udf.TRAPPE_STEP("Aarhus", 2019.0, t) for t in range(7)]
    assert len(calls) == 1
    steps2 = frames[0].copy()
    steps2[V] = steps2[V] * 2
    write_synthetic_book(path, steps2, frames[1], frames[2])
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10_000_000))
    again = [udf.TRAPPE_STEP("Aarhus", 2019.0, t) for t in range(7)]
    assert len(calls) == 2
    assert again == pytest.approx([2 * x for x in first])


def test_caller_workbook_wins(tmp_path, frames, book_path):
    other = write_synthetic_book(tmp_path / "syntetisk_anden.xlsx",
                                 frames[0].assign(**{V: frames[0][V] + 1}), frames[1], frames[2])
    caller = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(fullname=str(other))))
    base = udf.TRAPPE_STEP("Aarhus", 2019.0, 3.0)
    via_caller = udf.TRAPPE_STEP("Aarhus", 2019.0, 3.0, caller=caller)
    assert via_caller == pytest.approx(base + 2)  # two dranst rows, each +1


def test_no_workbook_and_not_a_trappe_workbook(tmp_path):
    udf.use_workbook(None)
    assert udf.TRAPPE_STEP("Aarhus", 2019.0, 3.0).startswith("#TRAPPE: ingen projektmappe")
    plain = tmp_path / "tom.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(plain, index=False)
    udf.use_workbook(plain)
    got = udf.TRAPPE_STEP("Aarhus", 2019.0, 3.0)
    assert got.startswith("#TRAPPE: kan ikke læse TRAPPE-data i tom.xlsx") and "TrinData" in got
    udf.use_workbook(tmp_path / "findes_ikke.xlsx")
    assert udf.TRAPPE_INFO().startswith("#TRAPPE: ingen projektmappe") or "findes" in udf.TRAPPE_INFO()


def test_a_bug_becomes_a_plain_message(monkeypatch):
    def boom(*a, **k):
        raise ZeroDivisionError("bug")
    monkeypatch.setattr(udf_core.TrappeBook, "kommune_value", boom)
    got = udf.TRAPPE_STEP("Aarhus", 2019.0, 3.0)
    assert got.startswith("#TRAPPE: intern fejl")


def test_only_udf_imports_xlwings():
    import pathlib
    pkg = pathlib.Path(udf.__file__).parents[1]
    importers = sorted(p.relative_to(pkg).as_posix() for p in pkg.rglob("*.py")
                       if "import xlwings" in p.read_text(encoding="utf-8"))
    assert importers == ["udf/excel.py"]


def test_excel_help_texts_fit():
    for name in ("TRAPPE_STEP", "TRAPPE_TRIN", "TRAPPE_SERIE", "TRAPPE_SAMMENLIGN", "TRAPPE_ANDEL",
                 "TRAPPE_MERUDGIFT", "TRAPPE_INFO"):
        fn = getattr(udf, name)
        assert fn.__doc__ and len(" ".join(fn.__doc__.split())) <= 255, name
