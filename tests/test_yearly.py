"""The yearly cycle: a new year is added to what the user has, a revised year replaces only its
own figures, and the build says what changed (issue: import replaced the history).

Runs on a copy of the shipped REAL snapshot (REGK31 kr. pr. indbygger 2016–2024). The "next year"
and "revised" files are made here from the shipped 2024 file with changed values: SYNTHETIC
figures in DST's real layout, written to the test's temporary folder only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest

import statbank_exports as X
from sheet_tables import sheet_table
from trappe_xl.errors import MixedUnitsError
from trappe_xl.sources.imports import run_import
from trappe_xl.sources.load import load_snapshot
from trappe_xl.sources.snapshot import latest_snapshot, list_snapshots

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "snapshots" / "2026-11-24T042710Z_import"
K = ("101", "147", "751", "851")
LINE = re.compile(r'^(".*","(?P<omraade>[^"]*)",)(?P<v>-?\d+)\r?$')


class Clock:
    def __init__(self):
        self.t = datetime(2027, 1, 1, tzinfo=timezone.utc)

    def __call__(self):
        from datetime import timedelta
        self.t += timedelta(seconds=1)
        return self.t


def quiet(*_):
    pass


@pytest.fixture()
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(SHIPPED, d / "snapshots" / SHIPPED.name)
    return d


def shifted(src: Path, dst: Path, change) -> Path:
    """``src`` (a shipped one-year export) with each value v of area a replaced by change(a, v)."""
    out = []
    for line in src.read_text(encoding="utf-8").splitlines():
        m = LINE.match(line)
        out.append(f"{m.group(1)}{change(m.group('omraade'), int(m.group('v')))}" if m else line)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n".join(out) + "\n", encoding="utf-8")
    return dst


def cli(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def trindata(path: Path) -> dict[tuple, float]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sheet_table(list(wb["TrinData"].iter_rows(values_only=True)), "TrinData")
    return {(r["aar"], r["kommunekode"], r["trin"], r["maal"], r["dranst"]): r["kr_pr_indbygger"]
            for r in rows}


def test_next_year_alone_adds_to_the_history_then_a_revision_moves_only_its_figures(data, tmp_path):
    """Done-when of the issue, through the real command line."""
    new_year = shifted(SHIPPED / "import" / "2024.csv", tmp_path / "in" / "2025.csv", lambda a, v: v + 7)
    r = cli(["import", str(new_year), "--data-dir", str(data)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "REGK31 2025: tilføjet" in r.stdout
    assert "REGK31 2016–2024 beholdes ved siden af de nye år" in r.stdout
    b = cli(["build", "--data-dir", str(data), "--out", str(tmp_path / "wb" / "a.xlsx")], tmp_path)
    assert b.returncode == 0, b.stderr
    before = trindata(SHIPPED_BOOK(tmp_path))
    after = trindata(tmp_path / "wb" / "a.xlsx")
    assert {k[0] for k in after} == set(range(2016, 2026))
    assert {k: v for k, v in after.items() if k[0] <= 2024} == before          # history unchanged
    # DST revises 2024: three kommuner move
    moved = {"København": 5, "Odense": -3, "Aalborg": 11}
    revised = shifted(SHIPPED / "import" / "2024.csv", tmp_path / "in2" / "2024.csv",
                      lambda a, v: v + moved.get(a, 0))
    r = cli(["import", str(revised), "--data-dir", str(data)], tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if l.startswith("REGK31 2024:"))
    assert line.startswith("REGK31 2024: erstattet (6 tal ændret, største ændring Aalborg 5.28.2")
    assert "REGK31 2025: " not in r.stdout                 # 2025 was not in the file
    b = cli(["build", "--data-dir", str(data), "--out", str(tmp_path / "wb" / "b.xlsx")], tmp_path)
    assert b.returncode == 0, b.stderr
    assert "ændringer mod snapshot" in b.stdout and "projektmappen a.xlsx" in b.stdout
    assert "Reviderede tal: 6 i 2024; største ændring Aalborg 5.28.2" in b.stdout
    second = trindata(tmp_path / "wb" / "b.xlsx")
    diff = {k for k in second if second[k] != after[k]}
    kom = {"København": "101", "Odense": "461", "Aalborg": "851"}
    assert {(k[0], k[1]) for k in diff} == {(2024, c) for c in kom.values()}
    # the Rettelser sheet lists every revised figure, old -> new, the largest first
    wb = openpyxl.load_workbook(tmp_path / "wb" / "b.xlsx", read_only=True, data_only=True)
    rows = list(wb["Rettelser"].iter_rows(values_only=True))
    text = " ".join(str(c) for r in rows for c in r if c is not None)
    assert "Ændringer i forhold til snapshot" in text
    from trappe_xl.sources.merge import CHANGE_COLUMNS
    from trappe_xl.workbook import layout
    head = next(i for i, r in enumerate(rows) if r and r[0] == "ændringen")      # Danish header
    cols = layout.canonical(rows[head], CHANGE_COLUMNS)
    table = [dict(zip(cols, r)) for r in rows[head + 1:] if r and r[0] is not None]
    assert len(table) == 6 and [t["kommune"] for t in table[:2]] == ["Aalborg", "Aalborg"]
    for t in table:
        assert t["ny"] - t["gammel"] == moved[t["kommune"]] == t["aendring"] and t["aar"] == 2024
        assert t["aendringen"].startswith(f"{t['kommune']} {t['funktion']} 2024: ")


def SHIPPED_BOOK(tmp_path: Path) -> Path:
    """The workbook built from the shipped snapshot alone (for the before picture)."""
    out = tmp_path / "shipped" / "s.xlsx"
    if not out.exists():
        d = tmp_path / "shipped-data"
        shutil.copytree(SHIPPED, d / "snapshots" / SHIPPED.name)
        r = cli(["build", "--data-dir", str(d), "--out", str(out)], tmp_path)
        assert r.returncode == 0, r.stderr
    return out


def test_reimporting_the_same_file_changes_nothing_and_says_uaendret(data, tmp_path):
    lines: list[str] = []
    snap = run_import(data, [SHIPPED / "import" / "2023.csv"], out=lines.append, now=Clock())
    assert "REGK31 2023: uændret" in lines
    assert any(l.startswith("Ingen tal er ændret") for l in lines)
    a, b = load_snapshot(SHIPPED), load_snapshot(snap)
    assert a.accounts.equals(b.accounts) and a.aggregates.equals(b.aggregates)
    parts = {p["file"]: p for p in json_manifest(snap)["parts"]}
    assert parts["import/2023.csv"].get("skip_years") is None or "import-2/2023.csv" in parts


def json_manifest(snap: Path) -> dict:
    import json
    return json.loads((snap / "manifest.json").read_text(encoding="utf-8"))


def test_a_file_in_another_unit_is_refused_and_nothing_published(data, tmp_path):
    f = tmp_path / "in" / "regk31_1000kr.csv"
    f.parent.mkdir(parents=True)
    f.write_bytes(X.long_csv(X.regk31((2025,), K), labels=True))
    with pytest.raises(MixedUnitsError, match=r"regk31_1000kr\.csv.*1\.000 kr\..*kr\. pr\. indbygger.*--erstat"):
        run_import(data, [f], out=quiet, now=Clock())
    assert list_snapshots(data) == [data / "snapshots" / SHIPPED.name]


def test_a_file_with_other_functions_is_refused(data, tmp_path):
    only21 = tmp_path / "in" / "2025.csv"
    only21.parent.mkdir(parents=True)
    only21.write_text("\n".join(l for l in (SHIPPED / "import" / "2024.csv").read_text(encoding="utf-8").splitlines()
                                if "5.28.21" in l) + "\n", encoding="utf-8")
    with pytest.raises(MixedUnitsError, match=r"2025\.csv: REGK31 mangler 5\.28\.22, som de øvrige år har"):
        run_import(data, [only21], out=quiet, now=Clock())
    # --erstat: the user means it — the table is replaced whole (the old behaviour)
    snap = run_import(data, [only21], out=quiet, now=Clock(), replace=True)
    ds = load_snapshot(snap)
    assert sorted(ds.accounts["aar"].unique()) == [2025] and set(ds.accounts["funktion"]) == {"5.28.21"}


def test_population_years_are_added(data, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    a = d / "folk_2016_2017.csv"
    a.write_bytes(X.long_csv(X.folk1a((2016, 2017), K, quarters=("K1",))))
    b = d / "folk_2018.csv"
    b.write_bytes(X.long_csv(X.folk1a((2018,), K, quarters=("K1",))))
    run_import(data, [a], out=quiet, now=Clock())
    lines: list[str] = []
    snap = run_import(data, [b], out=lines.append, now=Clock())
    assert "FOLK1A 2018: tilføjet" in lines
    ds = load_snapshot(snap)
    assert sorted(ds.population["aar"].unique()) == [2016, 2017, 2018]
    assert len(ds.accounts) == 1764                                  # the real accounts, kept


def test_price_index_years_are_added_and_another_base_is_refused(data, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "pl.csv").write_bytes(b"\xc3\xa5r;indeks\r\n2016;100\r\n2017;101,5\r\n2018;103\r\n")
    (d / "pl2019.csv").write_bytes(b"\xc3\xa5r;indeks\r\n2018;103,2\r\n2019;104,8\r\n")
    (d / "rebased.csv").write_bytes(b"\xc3\xa5r;indeks\r\n2017;50,75\r\n2018;51,6\r\n2019;52,4\r\n")
    (d / "gap.csv").write_bytes(b"\xc3\xa5r;indeks\r\n2021;110\r\n")
    run_import(data, [d / "pl.csv"], out=quiet, now=Clock())
    lines: list[str] = []
    snap = run_import(data, [d / "pl2019.csv"], out=lines.append, now=Clock())
    assert "PL 2019: tilføjet" in lines
    assert any(l.startswith("PL 2018: erstattet (1 tal ændret, største ændring 2018: 103 → 103,2)") for l in lines)
    got = dict(zip(*(load_snapshot(snap).deflator[c] for c in ("aar", "indeks"))))
    assert got == {2016: 100.0, 2017: 101.5, 2018: 103.2, 2019: 104.8}
    with pytest.raises(MixedUnitsError, match="andet basisår"):
        run_import(data, [d / "rebased.csv"], out=quiet, now=Clock())
    with pytest.raises(Exception, match="springe fra 2019 til 2021"):
        run_import(data, [d / "gap.csv"], out=quiet, now=Clock())
    assert latest_snapshot(data) == snap


def test_fetch_of_the_new_year_only_merges_with_the_history(tmp_path):
    from statbank_fake import FakeStatbank
    from trappe_xl.sources.fetch import run_fetch
    fake = FakeStatbank(years=(2023, 2024, 2025))
    first = run_fetch(tmp_path, years=(2023, 2024), out=quiet, client=fake.client(),
                      now=datetime(2026, 6, 1, tzinfo=timezone.utc))
    n = len(fake.data_calls())
    lines: list[str] = []
    snap = run_fetch(tmp_path, years=(2025, 2025), out=lines.append, client=fake.client(),
                     now=datetime(2026, 6, 2, tzinfo=timezone.utc))
    asked = fake.data_calls()[n:]
    assert all(v["values"] in (["2025"], ["2025K1"]) for b in asked for v in b["variables"]
               if v["code"].upper() == "TID")                     # only the new year was fetched
    ds, old = load_snapshot(snap), load_snapshot(first)
    assert sorted(ds.accounts["aar"].unique()) == [2023, 2024, 2025]
    assert sorted(ds.population["aar"].unique()) == [2023, 2024, 2025]
    assert sorted(ds.deflator["aar"].unique()) == [2023, 2024, 2025]
    same = ds.accounts[ds.accounts["aar"] < 2025].reset_index(drop=True)
    assert same.equals(old.accounts)
    assert any(l.startswith("Beholdt fra") and "REGK31 2023–2024" in l for l in lines)
    assert "Nye år: 2025" in lines
