"""fetch: planning, dry run, cell-limit splitting, snapshot publishing, failure safety, the diff."""

from __future__ import annotations

import itertools
import json
import sys
import types
from datetime import datetime, timezone

import httpx
import numpy as np
import pandas as pd
import pytest

from statbank_fake import SYNTHETIC_UPDATED, FakeStatbank, data_body, synthetic_tableinfos
from trappe_xl.dataset import Dataset
from trappe_xl.errors import SelectionError, StatbankError, TableInfoError
from trappe_xl.frames import empty_deflator, empty_population
from trappe_xl.sources import snapshot
from trappe_xl.sources.fetch import diff_datasets, plan_requests, progress_line, run_fetch
from trappe_xl.sources.fetch_plan import plan_table, table_specs
from trappe_xl.sources.statbank import DATA_URL, TABLEINFO_URL
from trappe_xl.reference import HELE_LANDET, all_kommunekoder

POP_REQUEST = [HELE_LANDET, *all_kommunekoder()]

NOW = datetime(2026, 11, 24, 4, 13, 0, tzinfo=timezone.utc)
AGES = [str(a) for a in range(23)]


def _body(table, fmt, variables):
    return {"table": table, "format": fmt, "lang": "da", "valuePresentation": "Code",
            "variables": [{"code": c, "values": v} for c, v in variables]}


# -- dry run ---------------------------------------------------------------------------------

def test_dry_run_2007_2024_prints_exact_requests_and_sends_nothing(tmp_path, monkeypatch):
    def refuse(request):
        raise AssertionError(f"dry run sent {request.url}")
    from trappe_xl.sources.statbank import StatbankClient
    monkeypatch.setenv("TRAPPE_STATBANK_URL", "https://spejl.example/statbank/v1/")
    client = StatbankClient(httpx.Client(transport=httpx.MockTransport(refuse)))
    lines: list[str] = []
    assert run_fetch(tmp_path, years=(2007, 2024), dry_run=True, out=lines.append, client=client) is None
    assert not (tmp_path / "snapshots").exists()
    assert lines[0] == "Statistikbankens adresse: https://spejl.example/statbank/v1 (fra TRAPPE_STATBANK_URL)"
    assert "Tørkørsel" in lines[1] and "tableinfo hentes heller ikke" in lines[1].lower()
    posts = [l for l in lines if l.startswith("POST ")]
    base = "https://spejl.example/statbank/v1"
    tableinfo = [json.loads(l.split(" ", 2)[2]) for l in posts if l.split()[1] == f"{base}/tableinfo"]
    data = [json.loads(l.split(" ", 2)[2]) for l in posts if l.split()[1] == f"{base}/data"]
    assert len(tableinfo) + len(data) == len(posts)
    assert [t["table"] for t in tableinfo] == ["REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1", "REGKC",
                                               "ANBAAR12", "ISBU02", "BU28"]
    funcs = ["52820", "52821", "52822", "52823", "52824", "52825", "52826"]
    areas = ["000", "081", "082", "083", "084", "085", *all_kommunekoder(), "910", "920", "930", "940", "960"]
    regk31 = [_body("REGK31", "BULK", [("OMRÅDE", areas), ("FUNKTION", funcs), ("DRANST", ["1", "2"]),
                                       ("ART", ["TOT", "UE", "I"]), ("PRISENHED", ["LOBM"]), ("Tid", [str(y)])])
              for y in range(2007, 2025)]
    assert data[:18] == regk31
    # REGK100: 109 areas x 7 functions x 2 x 5 ejer x 130 grupperinger x 3 arts (estimates) > 1e6
    # cells per year, so each year is split by FUNKTION, then by ART, into 5 requests of at most
    # 1e6 cells (statbank-first-contact: about 5 parts a year with live counts)
    regk100 = [d for d in data if d["table"] == "REGK100"]
    assert len(regk100) == 18 * 5
    year = [{v["code"]: v["values"] for v in d["variables"]} for d in regk100[:5]]
    assert [(p["FUNKTION"], p["ART"]) for p in year] == [
        (funcs[0:3], ["TOT", "UE"]), (funcs[0:3], ["I"]), (funcs[3:6], ["TOT", "UE"]), (funcs[3:6], ["I"]),
        (funcs[6:], ["TOT", "UE", "I"])]
    assert all(len(p["OMRÅDE"]) * len(p["FUNKTION"]) * 2 * 5 * 130 * len(p["ART"]) <= 1_000_000 for p in year)
    assert {v["code"]: v["values"] for v in regk100[0]["variables"]}["EJER"] == ["*"]
    folk = [d for d in data if d["table"] == "FOLK1A"]
    assert folk == [_body("FOLK1A", "BULK", [("OMRÅDE", POP_REQUEST), ("KØN", ["TOT"]), ("ALDER", AGES + ["IALT"]),
                                             ("CIVILSTAND", ["TOT"]), ("Tid", [f"{y}K1"])])
                    for y in range(2008, 2025)]
    assert [d for d in data if d["table"] == "BEF1A07"] == [
        _body("BEF1A07", "CSV", [("OMRÅDE", POP_REQUEST), ("KØN", ["TOT"]), ("ALDER", AGES + ["IALT"]), ("Tid", ["2007"])])]
    assert data[-26] == _body("NAN1", "BULK", [("TRANSAKT", ["P3S13D"]), ("PRISENHED", ["V_M", "LAN_M"]),
                                               ("Tid", [str(y) for y in range(2007, 2025)])])
    # the counts: every area and code ("*": the parser names what it does not know), one year each
    # BU28 (national net expenditure by measure): every measure, all years in one request
    assert data[-1] == _body("BU28", "BULK", [("FORANSTALTNING", ["*"]),
                                              ("Tid", [str(y) for y in range(2007, 2025)])])
    assert data[-25:-1] == [
        *(_body("ANBAAR12", "BULK", [("ADMKOM", ["*"]), ("ANBSTED", ["*"]), ("Tid", [str(y)])])
          for y in range(2011, 2025)),
        *(_body("ISBU02", "BULK", [("KOMMUNEDK", ["*"]), ("INDSATSER", ["*"]), ("Tid", [str(y)])])
          for y in range(2015, 2025))]
    assert len(data) == 18 + 90 + 17 + 1 + 1 + 14 + 10 + 1     # REGKC: tableinfo only


def test_bad_years_and_tables_are_selection_errors(tmp_path):
    with pytest.raises(SelectionError):
        run_fetch(tmp_path, years=(2024, 2007), dry_run=True, out=lambda s: None)
    with pytest.raises(SelectionError):
        run_fetch(tmp_path, years=(2006, 2010), dry_run=True, out=lambda s: None)
    with pytest.raises(SelectionError, match="REGK99"):
        run_fetch(tmp_path, tables=["REGK99"], dry_run=True, out=lambda s: None)


# -- planning against tableinfo --------------------------------------------------------------

def test_missing_code_in_tableinfo_names_table_variable_and_code(tmp_path):
    infos = synthetic_tableinfos()
    regk31 = next(v for v in infos["REGK31"]["variables"] if v["id"] == "FUNKTION")
    regk31["values"] = [v for v in regk31["values"] if v["id"] != "52824"]
    with pytest.raises(TableInfoError, match=r"REGK31.*FUNKTION.*52824"):
        plan_requests((2019, 2019), ["REGK31"], infos)
    fake = FakeStatbank(infos)
    with pytest.raises(TableInfoError, match="52824"):
        run_fetch(tmp_path, years=(2019, 2019), tables=["REGK31"], out=lambda s: None,
                  client=fake.client(), now=NOW)
    assert fake.data_calls() == []                       # nothing asked before the check
    assert snapshot.list_snapshots(tmp_path) == []       # nothing published
    assert not (tmp_path / "snapshots").exists() or list((tmp_path / "snapshots").iterdir()) == []


def test_years_the_table_lacks_are_left_out_and_said_none_at_all_stops():
    notes: list[str] = []
    reqs = plan_requests((2024, 2025), ["REGK31"], synthetic_tableinfos(), notes=notes)
    assert [r.label for r in reqs] == ["2024"]
    assert notes == ["REGK31: Tid 2025 findes ikke i tabellen og hentes ikke"]
    with pytest.raises(TableInfoError, match=r"REGK31: ingen af årene 2025–2026"):
        plan_requests((2025, 2026), ["REGK31"], synthetic_tableinfos())


def test_open_end_fetches_up_to_the_newest_year_each_table_has():
    reqs = plan_requests((2023, None), ["REGK31", "FOLK1A"], synthetic_tableinfos())
    assert [(r.table, r.label) for r in reqs] == [("REGK31", "2023"), ("REGK31", "2024"),
                                                  ("FOLK1A", "2023K1"), ("FOLK1A", "2024K1")]


def test_cell_limit_splitting_covers_every_cell_exactly_once():
    infos = synthetic_tableinfos()
    spec = table_specs()["REGK100"]
    whole = plan_table(spec, (2019, 2019), infos["REGK100"], cell_limit=10**9)
    assert len(whole) == 1
    n_grp = len(next(v for v in infos["REGK100"]["variables"] if v["id"] == "GRUPPERING")["values"])
    # 109 areas x 7 functions x 2 dranst x 3 ejer x the grupperinger x 3 arts x 1 x 1 year
    assert whole[0].cells == 109 * 7 * 2 * 3 * n_grp * 3
    limit = 5000
    parts = plan_table(spec, (2019, 2019), infos["REGK100"], cell_limit=limit)
    assert len(parts) > 1
    assert all(p.cells <= limit for p in parts)
    expand = {v["id"]: [x["id"] for x in v["values"]] for v in infos["REGK100"]["variables"]}

    def concrete(body):  # "*" -> every code of the variable, as DST would answer
        return [tuple(c) for c in itertools.product(*[expand[v["code"]] if v["values"] == ["*"] else v["values"]
                                                      for v in body["variables"]])]
    got = [c for p in parts for c in concrete(p.body)]
    assert len(got) == len(set(got)) == whole[0].cells
    assert set(got) == set(concrete(whole[0].body))
    assert [p.cells for p in parts] == [len(concrete(p.body)) for p in parts]


def test_unsplittable_request_is_refused():
    spec = table_specs()["REGK31"]
    with pytest.raises(StatbankError, match="grænsen"):
        plan_table(spec, (2019, 2019), synthetic_tableinfos()["REGK31"], cell_limit=4)


def test_progress_line_format():
    req = plan_requests((2019, 2019), ["REGK31"])[0]
    assert progress_line(req, 12345, 3, 36).startswith("REGK31 2019: 12.345 rækker (3/36) [##")
    assert progress_line(req, 5, 1, 2) == "REGK31 2019: 5 rækker (1/2)"


# -- a full fetch against the fake ----------------------------------------------------------

def test_fetch_writes_snapshot_with_raw_bytes_requests_and_checksums(tmp_path):
    fake = FakeStatbank()
    lines: list[str] = []
    path = run_fetch(tmp_path, years=(2007, 2009), out=lines.append, client=fake.client(), now=NOW)
    assert path == tmp_path / "snapshots" / "2026-11-24T041300Z_fetch"
    manifest = snapshot.read_manifest(path, verify=True)
    assert manifest["source"] == "fetch" and manifest["created"] == "2026-11-24T04:13:00Z"
    assert set(manifest["tables"]) == {"REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1", "REGKC",
                                       "ANBAAR12", "ISBU02", "BU28"}
    assert manifest["tables"]["REGK31"] == {"updated": SYNTHETIC_UPDATED, "text": "synthetic REGK31"}
    parts = [p for p in manifest["parts"] if p["kind"] == "statbank"]
    assert {"kind": "tableinfo", "table": "NAN1", "file": "NAN1/tableinfo.json"} in manifest["parts"]
    assert parts[0] == {"kind": "statbank", "table": "REGK31", "format": "BULK",
                        "file": "REGK31/part-001.csv", "request_file": "REGK31/part-001.request.json",
                        "updated": SYNTHETIC_UPDATED}
    sent = fake.data_calls()
    assert len(parts) == len(sent) == 3 + 3 + 2 + 1 + 1 + 1     # BU28; ANBAAR12/ISBU02 start later
    for part, body in zip(parts, sent):
        stored_request = json.loads((path / part["request_file"]).read_text(encoding="utf-8"))
        assert stored_request == body                                   # the request beside its answer
        assert (path / part["file"]).read_bytes() == data_body(body, fake.infos)
    assert json.loads((path / "REGK31/tableinfo.json").read_bytes()) == fake.infos["REGK31"]
    # BEF1A07 has KOEN without a total here: the variable is left out (DST eliminates it), CSV format
    bef = next(b for b in sent if b["table"] == "BEF1A07")
    assert [v["code"] for v in bef["variables"]] == ["OMRÅDE", "ALDER", "Tid"] and bef["format"] == "CSV"
    n_regk31 = 109 * 7 * 2 * 3  # areas asked for x functions x dranst x arts, one year
    assert f"REGK31 2007: {n_regk31:,} rækker (1/11) [".replace(",", ".") in "\n".join(lines)
    assert "Første snapshot" in lines[-1]


def test_optional_table_missing_at_dst_is_skipped_and_said(tmp_path):
    infos = synthetic_tableinfos()
    del infos["BEF1A07"]
    fake = FakeStatbank(infos)
    lines: list[str] = []
    path = run_fetch(tmp_path, years=(2007, 2008), tables=["FOLK1A", "BEF1A07"], out=lines.append,
                     client=fake.client(), now=NOW)
    manifest = snapshot.read_manifest(path)
    assert set(manifest["tables"]) == {"FOLK1A"}
    assert "Tabellen blev ikke fundet" in manifest["skipped"]["BEF1A07"]
    assert any(l.startswith("BEF1A07 springes over") for l in lines)


def test_required_table_missing_fails_the_fetch(tmp_path):
    infos = synthetic_tableinfos()
    del infos["FOLK1A"]
    with pytest.raises(StatbankError, match="Tabellen blev ikke fundet"):
        run_fetch(tmp_path, years=(2008, 2008), tables=["FOLK1A"], out=lambda s: None,
                  client=FakeStatbank(infos).client(), now=NOW)


def test_failed_fetch_leaves_previous_snapshot_and_no_temp_folder(tmp_path):
    first = run_fetch(tmp_path, years=(2019, 2019), tables=["REGK31"], out=lambda s: None,
                      client=FakeStatbank().client(), now=NOW)
    before = {p: p.read_bytes() for p in first.rglob("*") if p.is_file()}
    # second fetch: tableinfo ok, 2019 is the same part as before (reused, not asked again), then
    # the 2020 part keeps failing with 500
    script = [None] + [httpx.Response(500)] * 4
    fake = FakeStatbank(script=script)
    with pytest.raises(StatbankError, match="4 forsøg.*Intet snapshot er gemt"):
        run_fetch(tmp_path, years=(2019, 2020), tables=["REGK31"], out=lambda s: None,
                  client=fake.client(), now=datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert len(fake.data_calls()) == 4
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == [first.name]
    assert {p: p.read_bytes() for p in first.rglob("*") if p.is_file()} == before


def test_truncated_body_fails_the_fetch_and_publishes_nothing(tmp_path):
    fake = FakeStatbank(mangle=lambda body, data: data[: len(data) // 2])
    with pytest.raises(StatbankError):
        run_fetch(tmp_path, years=(2019, 2019), tables=["REGK31"], out=lambda s: None,
                  client=fake.client(max_attempts=1), now=NOW)
    assert snapshot.list_snapshots(tmp_path) == []


def test_fetch_reports_changes_against_previous_snapshot(tmp_path, monkeypatch):
    import trappe_xl.sources.merge  # noqa: F401 - imported before the loader is replaced below
    first = run_fetch(tmp_path, years=(2019, 2019), tables=["REGK31"], out=lambda s: None,
                      client=FakeStatbank().client(), now=NOW)
    loaded = {first.name: _dataset([(2019, "101", 100.0)])}
    fake_load = types.ModuleType("trappe_xl.sources.load")
    fake_load.load_snapshot = lambda p: loaded.get(p.name, _dataset([(2019, "101", 130.0), (2020, "101", 1.0)]))
    monkeypatch.setitem(sys.modules, "trappe_xl.sources.load", fake_load)
    lines: list[str] = []
    run_fetch(tmp_path, years=(2019, 2020), tables=["REGK31"], out=lines.append,
              client=FakeStatbank().client(), now=datetime(2026, 11, 25, tzinfo=timezone.utc))
    text = "\n".join(lines)
    assert f"Ændringer i forhold til {first.name}" in text
    assert "Nye år: 2020" in text and "100,0 → 130,0 (+30,0)" in text


# -- diff_datasets ---------------------------------------------------------------------------

def _dataset(rows, funktion="5.28.21"):
    """Synthetic accounts: rows of (aar, kommunekode, beloeb_1000kr)."""
    acc = pd.DataFrame([{"aar": a, "kommunekode": k, "funktion": funktion, "dranst": "1", "gruppering": "*",
                         "art": "TOT", "beloeb_1000kr": v} for a, k, v in rows])
    acc = acc.astype({"aar": int, "beloeb_1000kr": float})
    return Dataset(accounts=acc, aggregates=acc.iloc[0:0], population=empty_population(),
                   deflator=empty_deflator())


def test_diff_reports_new_years_counts_and_largest_changes_in_order():
    old = _dataset([(2022, "101", 100.0), (2022, "147", 50.0), (2022, "851", 10.0), (2023, "101", 7.0),
                    (2023, "147", np.nan)])
    new = _dataset([(2022, "101", 100.0), (2022, "147", 45.0), (2022, "851", 30.0), (2023, "101", 7.0),
                    (2023, "147", 12.0), (2024, "101", 1.0)])
    lines = diff_datasets(old, new)
    assert lines[0] == "Nye år: 2024"
    assert lines[1] == "Ændrede værdier i år der findes i begge: 3"
    assert lines[2] == "Største ændringer (beloeb_1000kr):"
    # missing -> value first, then by size: +20 (Aalborg 851) before -5 (Frederiksberg 147)
    assert lines[3].startswith("  2023 Frederiksberg (147) 5.28.21 dranst 1 TOT: mangler → 12,0")
    assert lines[4] == "  2022 Aalborg (851) 5.28.21 dranst 1 TOT: 10,0 → 30,0 (+20,0)"
    assert lines[5] == "  2022 Frederiksberg (147) 5.28.21 dranst 1 TOT: 50,0 → 45,0 (-5,0)"
    assert len(lines) == 6


def test_diff_of_identical_data_says_no_change():
    rows = [(2022, "101", 1234.5), (2022, "147", np.nan)]
    assert diff_datasets(_dataset(rows), _dataset(rows)) == ["Ingen ændringer i regnskabstallene siden sidste snapshot."]


def test_diff_counts_added_and_removed_rows_and_dropped_years():
    old = _dataset([(2021, "101", 1.0), (2022, "101", 1.0), (2022, "147", 2.0)])
    new = _dataset([(2022, "101", 1.0), (2022, "851", 2.0)])
    lines = diff_datasets(old, new)
    assert "År der ikke længere er med: 2021" in lines
    assert "Nye rækker: 1; forsvundne rækker: 1" in lines


def test_diff_top_limits_lines_and_thousands_are_danish():
    old = _dataset([(2022, k, 0.0) for k in ("101", "147", "151", "153", "155", "157", "159")])
    new = _dataset([(2022, k, 1000.0 * (i + 1)) for i, k in enumerate(("101", "147", "151", "153", "155", "157", "159"))])
    lines = diff_datasets(old, new, top=2)
    assert lines[-2].endswith("0,0 → 7.000,0 (+7.000,0)")
    assert len([l for l in lines if l.startswith("  ")]) == 2


def test_fetch_then_refetch_with_real_loader_reports_the_changed_value(tmp_path):
    """End to end with trappe_xl.sources.load: one synthetic value changes between two fetches."""
    from statbank_fake import synthetic_value
    run_fetch(tmp_path, years=(2019, 2019), tables=["REGK31"], out=lambda s: None,
              client=FakeStatbank().client(), now=NOW)
    cell = ("101", "52821", "1", "TOT", "LOBM", "2019")
    old_value = synthetic_value(cell)
    old_line = (";".join([*cell, str(old_value)]) + "\r\n").encode()
    new_line = (";".join([*cell, str(old_value + 1000)]) + "\r\n").encode()

    def bump(body, data):
        assert body["table"] != "REGK31" or body["variables"][-1]["values"] != ["2019"] or old_line in data
        return data.replace(old_line, new_line)
    lines: list[str] = []
    revised = FakeStatbank(mangle=bump)
    revised.infos["REGK31"]["updated"] = "2099-06-01T08:00:00"     # DST stamps a revision
    run_fetch(tmp_path, years=(2019, 2020), tables=["REGK31"], out=lines.append,
              client=revised.client(), now=datetime(2026, 11, 25, tzinfo=timezone.utc))
    at = lines.index("Ændringer i forhold til 2026-11-24T041300Z_fetch:")
    assert lines[at + 1:] == [
        "Nye år: 2020",
        "Ændrede værdier i år der findes i begge: 1",
        "Største ændringer (beloeb_1000kr):",
        f"  2019 København (101) 5.28.21 dranst 1 TOT: {old_value},0 → {old_value + 1000:,},0 (+1.000,0)".replace(
            f"{old_value + 1000:,}", f"{old_value + 1000:,}".replace(",", ".")),
    ]
