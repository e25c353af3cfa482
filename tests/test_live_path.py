"""The live path through the real command line, against a stand-in for Statistikbanken served on
127.0.0.1 and reached through TRAPPE_STATBANK_URL (tests/statbank_fake.py: DST's documented
behaviour and its quirks; SYNTHETIC figures). Each quirk is a way the first real contact failed
before: FUNKTION 52825/52826 missing, omitted zero rows and header-only parts, an inactive optional
table, a value-level surprise published as the newest snapshot, no final line break, a grouping the
key does not know."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from datetime import datetime, timezone

import httpx
import pytest

from statbank_fake import FakeStatbank, expected_accounts, serve
from trappe_xl.errors import StatbankError
from trappe_xl.sources import snapshot
from trappe_xl.sources.fetch import run_fetch
from trappe_xl.sources.load import load_snapshot

REPO = Path(__file__).resolve().parents[1]
YEARS = (2023, 2024)


def cli(args: list[str], cwd: Path, url: str | None, **env) -> subprocess.CompletedProcess:
    """``python build.py ARGS`` in ``cwd`` (so the default workbooks/ lands there)."""
    e = {k: v for k, v in os.environ.items() if k != "TRAPPE_STATBANK_URL"}
    if url:
        e["TRAPPE_STATBANK_URL"] = url
    e.update(env)
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd, env=e,
                          capture_output=True, text=True, timeout=600)


def fetch(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    return cli(["fetch", "--data-dir", str(tmp_path / "data"), "--years", "2023-2024", *extra], tmp_path, url)


def _shipped_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns(".*"))
    return data


# -- 1. codes the table lacks ------------------------------------------------------------------

def test_missing_52825_52826_are_left_out_named_and_the_fetch_and_build_succeed(tmp_path):
    with serve(FakeStatbank(quirks={"no_52825"}, years=YEARS)) as url:
        r = fetch(tmp_path, url)
    assert r.returncode == 0, r.stderr
    assert "REGK31: FUNKTION 52825, 52826 findes ikke i tabellen og hentes ikke" in r.stdout
    assert "REGK100: FUNKTION 52825, 52826 findes ikke i tabellen og hentes ikke" in r.stdout
    b = cli(["build", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "b.xlsx")], tmp_path, None)
    assert b.returncode == 0, b.stderr
    assert (tmp_path / "b.xlsx").is_file()


def test_a_missing_core_code_stops_with_a_danish_message_naming_it(tmp_path):
    fake = FakeStatbank(years=YEARS)
    for table in ("REGK31", "REGK100"):
        var = next(v for v in fake.infos[table]["variables"] if v["id"] == "FUNKTION")
        var["values"] = [v for v in var["values"] if v["id"] != "52822"]
    with serve(fake) as url:
        r = fetch(tmp_path, url)
    assert r.returncode == 2
    assert "REGK31: variablen FUNKTION har ikke koden/koderne 52822" in r.stderr
    assert fake.data_calls() == [] and snapshot.list_snapshots(tmp_path / "data") == []


def test_bare_main_command_builds_offline_when_the_fetch_fails(tmp_path):
    """Before: a TableInfoError in the fetch made the bare command exit 2 with no workbook."""
    _shipped_copy(tmp_path)
    fake = FakeStatbank(years=YEARS)
    del fake.infos["REGK31"]                                   # the service refuses a table
    with serve(fake) as url:
        r = cli(["--data-dir", "data"], tmp_path, url)
    assert r.returncode == 0, r.stderr
    assert "Hentning fra Statistikbanken mislykkedes" in r.stdout and "Tabellen blev ikke fundet" in r.stdout
    assert "bygger på det nyeste snapshot" in r.stdout
    assert list((tmp_path / "workbooks").glob("Indsatstrappens_Udgiftsmodel_2016-2024.xlsx"))


def test_bare_main_command_with_the_service_down_still_writes_a_workbook(tmp_path):
    _shipped_copy(tmp_path)
    with serve(FakeStatbank(years=YEARS), fail=True) as url:
        r = cli(["--data-dir", "data"], tmp_path, url)
    assert r.returncode == 0, r.stderr
    assert f"Offline: Statistikbanken ({url}) svarer ikke" in r.stdout
    assert list((tmp_path / "workbooks").glob("*.xlsx"))


# -- 2. BULK as documented -----------------------------------------------------------------------

def test_omitted_zero_rows_are_zero_and_a_header_only_part_is_valid(tmp_path):
    quirks = {"omit_zeros", "header_only_regk100_2024", "no_final_newline", "header_like_tableinfo"}
    fake = FakeStatbank(quirks=quirks, years=YEARS)
    with serve(fake) as url:
        r = fetch(tmp_path, url, "--tables", "REGK31", "REGK100")
    assert r.returncode == 0, r.stderr
    assert "REGK100 2024: 0 rækker" in r.stdout
    ds = load_snapshot(snapshot.latest_snapshot(tmp_path / "data"))
    acc = ds.accounts
    # REGK31 2024 (REGK100 has no 2024 rows, so all of it is used): every cell asked for is
    # there; those BULK left out are 0, not missing
    want31 = expected_accounts("REGK31", fake.infos, (2024,), quirks)
    zeros = [k for k, v in want31.items() if v == 0]
    assert zeros, "the stand-in must leave some rows out"
    f31 = acc[acc["gruppering"] == "*"].set_index(["aar", "kommunekode", "funktion", "dranst", "gruppering", "art"])
    for (y, k, f, d, g, a) in zeros[:50]:
        assert f31.loc[(y, k, f"5.28.{f[3:]}", d, g, a), "beloeb_1000kr"] == 0.0
    assert f31["beloeb_1000kr"].notna().all()
    assert len(f31) == len(want31)
    # REGK100 2023 has its groupings (summed over ejer); 2024 came as a header only, so 2024 is
    # REGK31's function-level figure and no krone counts twice
    want100 = expected_accounts("REGK100", fake.infos, (2023,), quirks)
    g100 = acc[(acc["aar"] == 2023) & (acc["gruppering"] != "*")]
    got = {(int(r.aar), r.kommunekode, r.funktion, r.dranst, r.gruppering, r.art): r.beloeb_1000kr
           for r in g100.itertuples()}
    assert {k: v for k, v in got.items()} == {(y, k, f"5.28.{f[3:]}", d, g, a): float(v)
                                             for (y, k, f, d, g, a), v in want100.items()}
    assert set(acc.loc[acc["aar"] == 2024, "gruppering"]) == {"*"}


def test_population_age_left_out_is_zero_children(tmp_path):
    fake = FakeStatbank(quirks={"omit_zeros"}, years=YEARS)
    run_fetch(tmp_path, years=YEARS, tables=["FOLK1A"], out=lambda s: None, client=fake.client())
    pop = load_snapshot(snapshot.latest_snapshot(tmp_path)).population
    assert len(pop) == 2 * 98 * 24                      # ages 0-22 and IALT, every kommune, both years
    assert pop["antal"].notna().all() and (pop["antal"] == 0).any()


# -- 3. optional stays optional ----------------------------------------------------------------

def test_inactive_optional_table_failing_at_its_data_call_is_left_out_and_the_rest_kept(tmp_path):
    """Before: BEF1A07's data error aborted the whole fetch after the other downloads."""
    with serve(FakeStatbank(quirks={"inactive_bef1a07"}, years=(2007, 2008))) as url:
        r = cli(["fetch", "--data-dir", str(tmp_path / "data"), "--years", "2007-2008"], tmp_path, url)
    assert r.returncode == 0, r.stderr
    assert "Udeladt (valgfri tabel): BEF1A07" in r.stdout and "Tabellen er ikke aktiv" in r.stdout
    manifest = snapshot.read_manifest(snapshot.latest_snapshot(tmp_path / "data"))
    assert "BEF1A07" not in manifest["tables"] and "BEF1A07" in manifest["skipped"]
    assert {"REGK31", "REGK100", "FOLK1A", "NAN1", "REGKC"} <= set(manifest["tables"])


# -- 4. validate before publishing -------------------------------------------------------------

def test_area_texts_instead_of_codes_publish_nothing_and_name_table_line_and_value(tmp_path):
    """Before: the snapshot was published, the fetch said OK, and every later build failed."""
    data = _shipped_copy(tmp_path)
    before = snapshot.list_snapshots(data)
    with serve(FakeStatbank(quirks={"area_texts"}, years=YEARS)) as url:
        r = cli(["fetch", "--data-dir", "data", "--years", "2023-2024"], tmp_path, url)
        assert r.returncode == 2
        assert "REGK31 2023" in r.stderr and "REGK31-svaret" in r.stderr and "'København'" in r.stderr
        assert "linje" in r.stderr and "Intet snapshot er gemt" in r.stderr
        assert snapshot.list_snapshots(data) == before
        # the bare main command then still builds from the newest (good) snapshot
        b = cli(["--data-dir", "data"], tmp_path, url)
    assert b.returncode == 0, b.stderr
    assert "Hentning fra Statistikbanken mislykkedes" in b.stdout
    assert list((tmp_path / "workbooks").glob("*.xlsx"))


def test_a_snapshot_level_surprise_is_caught_before_publishing(tmp_path, monkeypatch):
    """The whole snapshot goes through the build's loader before the rename: here two parts that
    each read fine but disagree on the unit (kr. pr. indbygger beside 1.000 kr.)."""
    fake = FakeStatbank(years=YEARS)

    def indl_2024(body, data):
        year = [v for v in body["variables"] if v["code"] == "Tid"][0]["values"]
        return data.replace(b";LOBM;", b";INDL;") if body["table"] == "REGK31" and year == ["2024"] else data
    fake.mangle = indl_2024
    from trappe_xl.errors import FetchValidationError
    with pytest.raises(FetchValidationError, match="intet snapshot er gemt.*enheder"):
        run_fetch(tmp_path, years=YEARS, tables=["REGK31"], out=lambda s: None, client=fake.client())
    assert snapshot.list_snapshots(tmp_path) == []
    assert len(list((tmp_path / "snapshots" / ".statbank-cache").glob("*.part"))) == 2


# -- incremental and resumable -----------------------------------------------------------------

def test_nothing_new_at_dst_reuses_everything_and_says_intet_nyt(tmp_path):
    fake = FakeStatbank(years=YEARS)
    first = run_fetch(tmp_path, years=YEARS, out=lambda s: None, client=fake.client())
    n = len(fake.data_calls())
    lines: list[str] = []
    again = run_fetch(tmp_path, years=YEARS, out=lines.append, client=fake.client())
    assert again == first and len(fake.data_calls()) == n            # no data call at all
    assert any(l.startswith("Intet nyt") for l in lines)
    assert snapshot.list_snapshots(tmp_path) == [first]


def test_an_interrupted_fetch_resumes_from_the_parts_it_had(tmp_path):
    fake = FakeStatbank(years=YEARS, script=[None, None, httpx.Response(500)])
    with pytest.raises(StatbankError, match="Intet snapshot er gemt; 1 hentede dele"):
        run_fetch(tmp_path, years=YEARS, tables=["REGK31"], out=lambda s: None,
                  client=fake.client(max_attempts=1))
    # (the first part was kept, the second failed)
    fake2 = FakeStatbank(years=YEARS)
    lines: list[str] = []
    run_fetch(tmp_path, years=YEARS, tables=["REGK31"], out=lines.append, client=fake2.client())
    assert len(fake2.data_calls()) == 1
    assert "Dele: 1 hentet, 0 genbrugt fra –, 1 fra en afbrudt kørsel" in lines
    assert not (tmp_path / "snapshots" / ".statbank-cache").exists()


def test_a_new_updated_stamp_downloads_again(tmp_path):
    fake = FakeStatbank(years=YEARS)
    run_fetch(tmp_path, years=YEARS, tables=["REGK31"], out=lambda s: None, client=fake.client())
    fake.infos["REGK31"]["updated"] = "2099-06-01T08:00:00"
    lines: list[str] = []
    run_fetch(tmp_path, years=YEARS, tables=["REGK31"], out=lines.append, client=fake.client(),
              now=datetime(2026, 12, 8, tzinfo=timezone.utc))
    assert "Dele: 2 hentet, 0 genbrugt" in "\n".join(lines)
    assert len(snapshot.list_snapshots(tmp_path)) == 2


# -- new codes and the yearly build --------------------------------------------------------------

#: the settled groupings of the stand-in and the step their content belongs on (SEL/Barnets lov;
#: docs/key.md): § 11 forebyggende → 2; § 52 stk. 3 støtte i hjemmet → 3; netværksplejefamilier → 4;
#: plejefamilier → 5; døgninstitutioner, opholdssteder, sikrede → 6; ikke-autoriserede → ikke fordelt
STEP_OF = {("52821", "016"): 2, ("52821", "017"): 2, ("52821", "002"): 3, ("52821", "003"): 3,
           ("52821", "005"): 3, ("52822", "002"): 5, ("52822", "004"): 5, ("52822", "005"): 4,
           ("52820", "003"): 6, ("52823", "001"): 6, ("52823", "002"): 6, ("52824", "001"): 6}


def test_fetch_then_build_puts_every_settled_grouping_on_its_step_and_a_new_one_on_ikke_fordelt(tmp_path):
    quirks = {"new_grouping", "omit_zeros", "no_52825"}
    fake = FakeStatbank(quirks=quirks, years=YEARS)
    with serve(fake) as url:
        r = fetch(tmp_path, url)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "b.xlsx"
    b = cli(["build", "--data-dir", str(tmp_path / "data"), "--out", str(out)], tmp_path, None)
    assert b.returncode == 0, b.stderr
    assert "ADVARSEL: 5.28.21 gruppering 030, år 2023-2024" in b.stdout
    from trappe_xl import udf
    udf.use_workbook(str(out))
    want = expected_accounts("REGK100", fake.infos, YEARS, quirks)
    for kode, navn in (("101", "København"), ("461", "Odense")):
        for trin in (2, 3, 4, 5, 6):
            total = sum(v for (y, k, f, d, g, a), v in want.items()
                        if y == 2024 and k == kode and a == "TOT" and STEP_OF.get((f, g)) == trin)
            assert udf.TRAPPE_STEP(navn, 2024, trin) == pytest.approx(total), (navn, trin)
        unplaced = sum(v for (y, k, f, d, g, a), v in want.items()
                       if y == 2024 and k == kode and a == "TOT" and (f, g) not in STEP_OF)
        assert udf.TRAPPE_STEP(navn, 2024, 0) == pytest.approx(unplaced)
    import openpyxl
    wb = openpyxl.load_workbook(out, read_only=True)
    om = " ".join(str(c) for row in wb["Om data"].iter_rows(values_only=True) for c in row if c)
    assert "Koder, som nøglen ikke kender" in om and "5.28.21 gruppering 030, år 2023-2024" in om
    kontrol = [row for row in wb["Kontrol"].iter_rows(values_only=True)]
    assert any(row and "5.28.21" in row and "030" in row for row in kontrol)
    from trappe_xl.workbook import layout
    noegle = list(wb[layout.NOEGLE].iter_rows(values_only=True))
    head = next(i for i, row in enumerate(noegle) if row and row[0] == layout.header("regel_id"))
    cols = layout.canonical(noegle[head], layout.TABLES["Noegle"][1])
    texts = {(r[cols.index("funktion")], r[cols.index("gruppering")]): r[cols.index("dst_tekst")]
             for r in noegle[head + 1:] if r[0]}
    assert texts[("5.28.22", "004")] == "Plejefamilier"           # DST's text (REGKC) beside the rule
    strict = cli(["build", "--streng", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "s.xlsx")],
                 tmp_path, None)
    assert strict.returncode == 2 and "5.28.21 gruppering 030" in strict.stderr
    assert not (tmp_path / "s.xlsx").exists()


# -- the first-contact check -------------------------------------------------------------------

def test_tjek_reports_each_assumption_and_writes_nothing(tmp_path):
    quirks = {"no_52825", "no_final_newline", "header_like_tableinfo", "new_area", "inactive_bef1a07"}
    fake = FakeStatbank(quirks=quirks, years=YEARS)
    with serve(fake) as url:
        r = cli(["fetch", "--tjek", "--data-dir", str(tmp_path / "data")], tmp_path, url)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert f"Statistikbankens adresse: {url} (fra TRAPPE_STATBANK_URL)" in text
    assert "FUNKTION: afviger: 52825, 52826 findes ikke og hentes ikke" in text
    assert "ukendte koder 950" in text
    assert "sidste linje: afviger: intet linjeskift efter sidste linje" in text
    assert "overskrift: afviger: OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;Tid;INDHOLD" in text
    assert "BOM: bekræftet" in text and "grupperingskodernes form: bekræftet" in text
    assert "datakald: afviger:" in text and "Tabellen er ikke aktiv" in text
    assert "grupperingstekster (DRANSTFUNKGRP): bekræftet" in text
    assert "intet stopper hentningen" in text
    assert not (tmp_path / "data").exists()
    assert {p for p, _ in fake.calls} == {"/v1/tableinfo", "/v1/data"}
    assert "børnenøglen: bekræftet – alle 15 koder har en regel" in text        # ANBAAR12
    assert "gruppetotal for trin 2: bekræftet – 100 'Forebyggende indsatser (SEL §11 / BL §30)'" in text
    assert "gruppetotal for trin 3: bekræftet – 200" in text
    assert len(fake.data_calls()) == 8                                   # one per data table


def test_nothing_new_also_when_an_optional_table_keeps_failing(tmp_path):
    """An inactive optional table that failed last time does not make every re-run a download."""
    fake = FakeStatbank(quirks={"inactive_bef1a07"}, years=(2007, 2008))
    first = run_fetch(tmp_path, years=(2007, 2008), out=lambda s: None, client=fake.client(),
                      now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert "BEF1A07" in snapshot.read_manifest(first)["skipped"]
    n = len(fake.data_calls())
    lines: list[str] = []
    again = run_fetch(tmp_path, years=(2007, 2008), out=lines.append, client=fake.client(),
                      now=datetime(2026, 6, 2, tzinfo=timezone.utc))
    assert again == first and len(fake.data_calls()) == n
    assert any(l.startswith("Intet nyt") for l in lines)


# -- children on the steps: ANBAAR12 and ISBU02 -------------------------------------------------

def test_fetch_then_build_gives_kr_per_child_for_every_kommune_year_and_step(tmp_path):
    """The issue's "done when": against the stand-in, ``fetch`` then ``build`` give for every
    kommune and year with both halves TRAPPE_STEP(kommune; år; trin; "netto"; "pr. barn i
    indsatsen") = the step's netto kroner ÷ the children (ISBU02's group total for trin 2 and 3,
    the mean of ANBAAR12 at 31.12. y−1 and y for 4–6), for steps 2–6."""
    from statbank_fake import expected_children
    from trappe_xl.udf import answers
    from trappe_xl.udf.book import TrappeBook
    from trappe_xl.udf.tables import read_tables
    quirks = {"new_measure"}
    fake = FakeStatbank(quirks=quirks, years=YEARS)
    with serve(fake) as url:
        r = fetch(tmp_path, url)
    assert r.returncode == 0, r.stderr
    asked = {(d["table"], d["variables"][-1]["values"][0]) for d in fake.data_calls()
             if d["table"] in ("ANBAAR12", "ISBU02")}
    # the year before the first is fetched for ANBAAR12 (the mean needs it)
    assert asked == {("ANBAAR12", "2022"), ("ANBAAR12", "2023"), ("ANBAAR12", "2024"),
                     ("ISBU02", "2023"), ("ISBU02", "2024")}
    out = tmp_path / "b.xlsx"
    b = cli(["build", "--data-dir", str(tmp_path / "data"), "--out", str(out)], tmp_path, None)
    assert b.returncode == 0, b.stderr
    assert "ADVARSEL: ISBU02: koden 250 'Særlig støtte (SEL §54 c / BL §99)' kendes ikke" in b.stdout
    book = TrappeBook(read_tables(out))
    kids = book.children.set_index(["aar", "kommunekode", "trin"])["boern"]
    n = 0
    for kode in book.kode_pos:
        for y in YEARS:
            for trin in (2, 3, 4, 5, 6):
                want = expected_children(y, kode, trin, quirks)
                assert kids[(y, kode, trin)] == want
                netto = answers.trappe_step(book, kode, y, trin, "netto")
                got = answers.trappe_step(book, kode, y, trin, "netto", "pr. barn i indsatsen")
                assert got == pytest.approx(netto / want * 1000.0, rel=1e-12)
                n += 1
    assert n == 98 * 2 * 5
    # a group: Σ kroner ÷ Σ children over its members; i alt: over the steps with both
    members = [k for k in book.kode_pos if book.places.by_code[k].regionskode == "084"]
    kr = sum(answers.trappe_step(book, k, 2024, 5, "netto") for k in members)
    ch = sum(expected_children(2024, k, 5, quirks) for k in members)
    assert answers.trappe_sammenlign(book, "Region Hovedstaden", 2024, 5, "netto",
                                     "pr. barn i indsatsen") == pytest.approx(kr / ch * 1000.0)
    steps = (2, 3, 4, 5, 6)
    kr = sum(answers.trappe_step(book, "101", 2024, t, "netto") for t in steps)
    ch = sum(expected_children(2024, "101", t, quirks) for t in steps)
    assert answers.trappe_step(book, "101", 2024, "i alt", "netto",
                               "pr. barn i indsatsen") == pytest.approx(kr / ch * 1000.0)
    with pytest.raises(Exception, match="intet børnetal"):
        answers.trappe_step(book, "101", 2024, 0, "netto", "pr. barn i indsatsen")
    # --streng stops on the measure the count key does not know, naming it
    s = cli(["build", "--streng", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "s.xlsx")],
            tmp_path, None)
    assert s.returncode != 0 and "250 'Særlig støtte" in s.stderr + s.stdout


def test_next_years_counts_are_added_to_the_ones_held(tmp_path):
    """The yearly cycle for the counts: `fetch --years 2024` after 2022–2023 adds 2024 to the
    children of the earlier years (ANBAAR12 asks for 2023 again: the mean needs it), and the
    build then has kroner per child for 2023 and 2024."""
    from trappe_xl.model.children import children_per_step
    fake = FakeStatbank(years=(2022, 2023, 2024))
    run_fetch(tmp_path, years=(2022, 2023), out=lambda s: None, client=fake.client(),
              now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    second = run_fetch(tmp_path, years=(2024, 2024), out=lambda s: None, client=fake.client(),
                       now=datetime(2027, 6, 1, tzinfo=timezone.utc))
    ds = load_snapshot(second)
    held = ds.children.groupby("tabel")["aar"].agg(lambda a: sorted(set(a))).to_dict()
    assert held == {"ANBAAR12": [2021, 2022, 2023, 2024], "ISBU02": [2022, 2023, 2024],
                    "BU28": [2022, 2023, 2024]}
    steps = children_per_step(ds.children, ds.meta["boernetekster"]).steps
    assert sorted(steps.loc[steps["trin"] == 5, "aar"].unique()) == [2022, 2023, 2024]
    assert sorted(steps.loc[steps["trin"] == 2, "aar"].unique()) == [2022, 2023, 2024]


def test_kontrol_compares_the_national_step_totals_with_bu28(tmp_path):
    """Issue 22: BU28 (national net expenditure by measure, mio. kr.) is fetched and Kontrol shows,
    per year and comparable step (2–3, 4–5, 6), the model's Σ over the 98 kommuner beside BU28's
    measures the count key places there, and the difference: here exactly what the key leaves off
    those steps (ikke fordelt), since the stand-in's BU28 is its own accounts' national sum."""
    import openpyxl
    from statbank_fake import BU28_MEASURES, bu28_value
    from trappe_xl.key import load_key
    from trappe_xl.pipeline import prepare
    from trappe_xl.workbook.selection import Selection
    from trappe_xl.workbook.writer import write_workbook
    snap = run_fetch(tmp_path, years=YEARS, out=lambda s: None, client=FakeStatbank(years=YEARS).client(),
                     now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    data = prepare(load_snapshot(snap), load_key())
    table, classes = data.national
    assert set(classes.loc[classes["regel_id"] != "", "kode"]) == set(BU28_MEASURES)
    assert len(table) == 3 * len(YEARS)
    function_of = {23: ("5.28.21",), 45: ("5.28.22",), 6: ("5.28.20", "5.28.23", "5.28.24")}
    parts = {23: (2, 3, 23), 45: (4, 5, 45), 6: (6,)}
    d = data.detail
    for r in table.itertuples():
        codes = r.bu28_koder.split(", ")
        assert r.bu28_mio_kr == pytest.approx(sum(round(bu28_value(c, str(r.aar)), 1) for c in codes))
        netto = d[(d["aar"] == r.aar) & (d["art"] == "TOT")]
        ours = netto.loc[netto["trin"].isin(parts[r.trin]), "beloeb_1000kr"].sum() / 1000
        assert r.vores_mio_kr == pytest.approx(ours, rel=1e-12)
        # the difference is what the key puts elsewhere (ikke fordelt) of the same functions
        rest = netto[netto["funktion"].isin(function_of[r.trin]) & ~netto["trin"].isin(parts[r.trin])]
        assert r.forskel == pytest.approx(-rest["beloeb_1000kr"].sum() / 1000, abs=0.05 * len(codes))
    out = write_workbook(data, Selection(), tmp_path / "k.xlsx")
    ws = openpyxl.load_workbook(out)["Kontrol"]
    assert "BU28Kontrol" in ws.tables
