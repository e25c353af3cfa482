"""imports.run_import with every table the model uses (SYNTHETIC exports in Statistikbanken's shapes,
see statbank_exports.py; the shipped REAL snapshot in data/ where a test says so): routing, one
snapshot per command, a single file added to the newest snapshot's other tables, and the named
errors — each with file and row — that leave every snapshot as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import statbank_exports as X
from trappe_xl import cli
from trappe_xl.errors import (DuplicateTableYearError, MixedUnitsError, PopulationAgesError,
                              PriceIndexGapError)
from trappe_xl.sources.imports import run_import
from trappe_xl.sources.load import load_snapshot
from trappe_xl.sources.snapshot import list_snapshots

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "snapshots" / "2026-11-24T042710Z_import"
K = ("101", "147", "751", "851")
T0 = datetime(2026, 12, 1, 9, 0, 0, tzinfo=timezone.utc)


class Clock:
    """Each call one minute later: every import gets its own snapshot name."""

    def __init__(self):
        self.t = T0

    def __call__(self):
        self.t += timedelta(minutes=1)
        return self.t


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def quiet(*_):
    pass


# -- every table, codes and labels, CSV and XLSX ---------------------------------------------------

def _export(table: str, labels: bool, fmt: str, folder: Path) -> Path:
    t = {"REGK31": lambda: X.regk31((2019, 2020), K), "REGK100": lambda: X.regk100((2019,), K),
         "FOLK1A": lambda: X.folk1a((2019, 2020), K), "BEF1A07": lambda: X.bef1a07(K),
         "NAN1": lambda: X.nan1(range(2015, 2021))}[table]()
    name = f"{table.lower()}_{'labels' if labels else 'codes'}.{fmt}"
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return write(folder / name, X.long_csv(t, labels=labels, bom=labels))
    if table == "REGK100":  # Statistikbanken's table view names Ejerforhold only in a header row
        return write(folder / name, X.long_xlsx(t, folder / name, labels=labels))
    return write(folder / name, X.wide_xlsx(t, folder / name, labels=labels))


def _expected_accounts(table: str) -> dict:
    years = (2019, 2020) if table == "REGK31" else (2019,)
    return {(y, k): sum(X.amount(y, k, f, d) for f in ("52821", "52822") for d in ("1", "2"))
            for y in years for k in K}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("table", ["REGK31", "REGK100", "FOLK1A", "BEF1A07", "NAN1"])
def test_each_table_is_recognised_and_imported(table, labels, fmt, tmp_path):
    f = _export(table, labels, fmt, tmp_path / "in")
    lines: list[str] = []
    snap = run_import(tmp_path / "data", [f], out=lines.append, now=Clock())
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    (part,) = manifest["parts"]
    assert part["table"] == table and part["file"] == f"import/{f.name}"
    assert (snap / part["file"]).read_bytes() == f.read_bytes()
    ds = load_snapshot(snap)
    if table.startswith("REGK"):
        assert part["kind"] == "export"
        acc = ds.accounts.groupby(["aar", "kommunekode"])["beloeb_1000kr"].sum()
        want = _expected_accounts(table)
        assert acc.index.tolist() == sorted(want) and all(abs(acc[k] - v) < 1e-6 for k, v in want.items())
    elif table in ("FOLK1A", "BEF1A07"):
        assert part["kind"] == "population-export"
        years = (2007,) if table == "BEF1A07" else (2019, 2020)
        got = {(int(a), k, al): v for a, k, al, v in ds.population.itertuples(index=False)}
        kids = {(y, k, str(a)): X.children(y, k, a) for y in years for k in K for a in range(23)}
        assert {key: got[key] for key in kids} == kids
    else:
        assert part["kind"] == "index-export"
        want = {y: X.nan1_values(y)[0] / X.nan1_values(y)[1] * 100 for y in range(2015, 2021)}
        got = dict(zip(ds.deflator["aar"], ds.deflator["indeks"]))
        assert got.keys() == want.keys() and all(abs(got[y] - want[y]) < 1e-9 for y in want)
    assert lines[0].startswith(f"{f.name}: {table}") and lines[-1].startswith("Snapshot gemt:")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_own_pl_index_is_recognised(fmt, tmp_path):
    if fmt == "csv":
        f = write(tmp_path / "kl_pl.csv", "år;indeks\r\n2019;100\r\n2020;101,8\r\n".encode())
    else:
        import xlsxwriter
        f = tmp_path / "kl_pl.xlsx"
        wb = xlsxwriter.Workbook(f)
        ws = wb.add_worksheet()
        for i, row in enumerate([["år", "indeks"], [2019, 100], [2020, 101.8]]):
            ws.write_row(i, 0, row)
        wb.close()
    snap = run_import(tmp_path / "data", [f], out=quiet, now=Clock())
    ds = load_snapshot(snap)
    assert dict(zip(ds.deflator["aar"], ds.deflator["indeks"])) == {2019: 100.0, 2020: 101.8}
    assert ds.meta["tables"]["PL"]["text"].startswith("eget prisindeks")


# -- one snapshot per command; a single file keeps the newest snapshot's other tables ---------------

@pytest.fixture()
def three_files(tmp_path) -> list[Path]:
    d = tmp_path / "in"
    return [write(d / "REGK31.csv", X.long_csv(X.regk31((2019, 2020), K), labels=True)),
            write(d / "FOLK1A.csv", X.long_csv(X.folk1a((2019, 2020), K))),
            write(d / "NAN1.xlsx", X.wide_xlsx(X.nan1((2019, 2020)), d / "NAN1.xlsx"))]


def test_files_given_together_make_one_snapshot(tmp_path, three_files):
    lines: list[str] = []
    snap = run_import(tmp_path / "data", three_files, out=lines.append, now=Clock())
    assert list_snapshots(tmp_path / "data") == [snap]
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert [(p["kind"], p["table"]) for p in manifest["parts"]] == [
        ("export", "REGK31"), ("population-export", "FOLK1A"), ("index-export", "NAN1")]
    assert "kept_from" not in manifest
    ds = load_snapshot(snap)
    assert len(ds.accounts) and len(ds.population) and len(ds.deflator)
    assert not any("beholder" in line for line in lines)
    total = next(line for line in lines if line.startswith("I alt:"))
    assert "befolkning år 2019–2020; prisindeks år 2019–2020" in total
    # 4 synthetic kommuner: each year says how many of the 98 it covers and which are missing
    assert [l[:56] for l in lines if l.startswith("Bemærk")] == [
        "Bemærk: Regnskabet for 2019 dækker 4 af de 98 kommuner; ",
        "Bemærk: Regnskabet for 2020 dækker 4 af de 98 kommuner; "]
    assert len(lines) == 3 + 2 + 2


def test_single_file_keeps_the_newest_snapshots_other_tables(tmp_path, three_files):
    clock = Clock()
    first = run_import(tmp_path / "data", three_files, out=quiet, now=clock)
    before = tree_hash(first)
    pl = write(tmp_path / "in" / "pl.csv", b"2019;100\r\n2020;102,5\r\n")
    # an own index is another price basis than NAN1's: not merged, refused without --erstat
    with pytest.raises(MixedUnitsError, match=r"pl\.csv: prisindekset PL kan ikke lægges sammen med NAN1.*--erstat"):
        run_import(tmp_path / "data", [pl], out=quiet, now=clock)
    lines: list[str] = []
    second = run_import(tmp_path / "data", [pl], out=lines.append, now=clock, replace=True)
    assert list_snapshots(tmp_path / "data") == [first, second] and tree_hash(first) == before
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert [p["table"] for p in manifest["parts"]] == ["REGK31", "FOLK1A", "PL"]  # NAN1 replaced
    assert manifest["kept_from"] == {"snapshot": first.name, "tables": ["FOLK1A", "REGK31"]}
    for rel in ("import/REGK31.csv", "import/FOLK1A.csv"):
        assert (second / rel).read_bytes() == (first / rel).read_bytes()
    assert any("beholder FOLK1A, REGK31 fra det nyeste snapshot" in line
               and "NAN1 derfra er erstattet af den nye fil (--erstat)" in line for line in lines)
    ds = load_snapshot(second)
    assert dict(zip(ds.deflator["aar"], ds.deflator["indeks"])) == {2019: 100.0, 2020: 102.5}
    pd_first = load_snapshot(first)
    assert ds.accounts.equals(pd_first.accounts) and ds.population.equals(pd_first.population)


def test_alone_makes_a_snapshot_of_the_file_only(tmp_path, three_files):
    clock = Clock()
    run_import(tmp_path / "data", three_files, out=quiet, now=clock)
    snap = run_import(tmp_path / "data", [three_files[1]], out=quiet, now=clock, alone=True)
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert [p["table"] for p in manifest["parts"]] == ["FOLK1A"]


@pytest.fixture()
def shipped(tmp_path) -> Path:
    """A data dir holding a copy of the project's shipped REAL snapshot (REGK31, kr. pr. indbygger)."""
    data = tmp_path / "data"
    shutil.copytree(SHIPPED, data / "snapshots" / SHIPPED.name)
    return data


def test_population_alone_onto_the_shipped_snapshot(shipped, tmp_path):
    pop = write(tmp_path / "in" / "folk1a.xlsx",
                X.wide_xlsx(X.folk1a(range(2016, 2025), K, quarters=("K1",)), tmp_path / "in" / "folk1a.xlsx"))
    lines: list[str] = []
    snap = run_import(shipped, [pop], out=lines.append, now=Clock())
    ds = load_snapshot(snap)
    assert ds.meta["unit"] == "kr_pr_indbygger" and len(ds.accounts) == 1764  # the real figures, kept
    assert set(ds.population["kommunekode"]) == set(K)
    assert any(f"beholder REGK31 fra det nyeste snapshot {SHIPPED.name}" in line for line in lines)


def test_1000kr_accounts_alone_onto_per_inhabitant_snapshot_is_refused(shipped, tmp_path):
    before = tree_hash(shipped)
    f = write(tmp_path / "in" / "regk100.csv", X.long_csv(X.regk100((2019,), K), labels=True))
    with pytest.raises(MixedUnitsError, match=r"regk100\.csv, række 2: 1\.000 kr\. .* kan ikke blandes med "
                                               r"kr\. pr\. indbygger .*REGK31 i snapshot 2026-11-24T042710Z_import"):
        run_import(shipped, [f], out=quiet, now=Clock())
    assert tree_hash(shipped) == before
    snap = run_import(shipped, [f], out=quiet, now=Clock(), alone=True)
    assert load_snapshot(snap).meta["unit"] == "beloeb_1000kr"


# -- named errors with file and row ----------------------------------------------------------------

def test_per_inhabitant_and_1000kr_given_together_are_refused(tmp_path):
    d = tmp_path / "in"
    a = write(d / "kr.csv", X.long_csv(X.regk31((2019,), K), labels=True))
    b = write(d / "indl.csv", X.long_csv(X.regk31((2020,), K, unit=("INDL", "Pr. indbygger, løbende priser (kr.)")),
                                         labels=True))
    with pytest.raises(MixedUnitsError, match=r"indl\.csv, række 2: kr\. pr\. indbygger .* kan ikke blandes "
                                               r"med 1\.000 kr\. .* i kr\.csv"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())
    assert list_snapshots(tmp_path / "data") == []


def test_two_population_files_for_the_same_year(tmp_path):
    d = tmp_path / "in"
    a = write(d / "folk_2019_2020.csv", X.long_csv(X.folk1a((2019, 2020), K)))
    b = write(d / "folk_2020.xlsx", X.wide_xlsx(X.folk1a((2020,), K, quarters=("K1",)), d / "folk_2020.xlsx"))
    with pytest.raises(DuplicateTableYearError, match=r"folk_2020\.xlsx, række 5: FOLK1A 2020 findes også i "
                                                       r"folk_2019_2020\.csv \(række \d+\)"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())


def test_two_accounts_files_for_the_same_table_and_year(tmp_path):
    d = tmp_path / "in"
    a = write(d / "a.csv", X.long_csv(X.regk31((2019,), K), labels=True))
    b = write(d / "b.csv", X.long_csv(X.regk31((2019,), K, with_land=False)))
    with pytest.raises(DuplicateTableYearError, match=r"b\.csv, række 2: REGK31 2019 \(område 101, funktion "
                                                       r"5\.28\.21\) findes også i a\.csv, række 6"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())


def test_same_function_split_over_two_files_is_fine(tmp_path):
    t = X.regk31((2019,), K)
    f21 = X.Table("REGK31", t.variables, [r for r in t.records if r["FUNKTION"][0] == "52821"])
    f22 = X.Table("REGK31", t.variables, [r for r in t.records if r["FUNKTION"][0] == "52822"])
    d = tmp_path / "in"
    snap = run_import(tmp_path / "data", [write(d / "f21.csv", X.long_csv(f21)), write(d / "f22.csv", X.long_csv(f22))],
                      out=quiet, now=Clock())
    assert len(load_snapshot(snap).accounts) == len(K) * 4


def test_two_index_files_for_the_same_year(tmp_path):
    d = tmp_path / "in"
    a = write(d / "pl_a.csv", b"2019;100\r\n2020;101\r\n")
    b = write(d / "pl_b.csv", b"2020;101\r\n2021;103\r\n")
    with pytest.raises(DuplicateTableYearError, match=r"pl_b\.csv, række 1: PL 2020 findes også i pl_a\.csv \(række 2\)"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())


def test_index_gap_between_two_files(tmp_path):
    d = tmp_path / "in"
    a = write(d / "pl_a.csv", b"2019;100\r\n2020;101\r\n")
    b = write(d / "pl_b.csv", b"aar;indeks\r\n2022;103\r\n")
    with pytest.raises(PriceIndexGapError, match=r"pl_b\.csv, række 2: prisindekset springer fra 2020 "
                                                  r"\(pl_a\.csv, række 2\) til 2022"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())


def test_two_kinds_of_price_index_are_refused(tmp_path):
    d = tmp_path / "in"
    a = write(d / "nan1.csv", X.long_csv(X.nan1((2019, 2020))))
    b = write(d / "pl.csv", b"2021;100\r\n")
    with pytest.raises(MixedUnitsError, match="to forskellige prisindeks"):
        run_import(tmp_path / "data", [a, b], out=quiet, now=Clock())


def test_coverage_warnings(tmp_path):
    d = tmp_path / "in"
    files = [write(d / "r.csv", X.long_csv(X.regk31((2019, 2020, 2021), K))),
             write(d / "f.csv", X.long_csv(X.folk1a((2020,), K))),
             write(d / "p.csv", b"2019;100\r\n2020;101\r\n")]
    lines: list[str] = []
    run_import(tmp_path / "data", files, out=lines.append, now=Clock())
    assert "Bemærk: befolkningstal mangler for 2019, 2021 – kr. pr. 0–17-/0–22-årig vises som – for de år" in lines
    assert "Bemærk: prisindekset mangler 2021 – faste priser vises som – for de år" in lines


def test_failed_imports_never_touch_the_newest_good_snapshot(tmp_path, three_files):
    clock = Clock()
    good = run_import(tmp_path / "data", three_files, out=quiet, now=clock)
    before = tree_hash(tmp_path / "data")
    d = tmp_path / "bad"
    one_age = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    one_age.records = [r for r in one_age.records if r["ALDER"][0] == "5"]
    bad = [write(d / "one_age.csv", X.long_csv(one_age)),
           write(d / "gap.csv", b"2019;100\r\n2021;102\r\n")]
    for f in bad:
        with pytest.raises((PopulationAgesError, PriceIndexGapError)):
            run_import(tmp_path / "data", [f], out=quiet, now=clock)
    with pytest.raises(DuplicateTableYearError):
        run_import(tmp_path / "data", [three_files[0], write(d / "again.csv", three_files[0].read_bytes())],
                   out=quiet, now=clock)
    assert tree_hash(tmp_path / "data") == before and list_snapshots(tmp_path / "data") == [good]


def test_cli_names_the_error_file_and_row(tmp_path, capsys):
    one_age = X.folk1a((2019,), K, quarters=("K1",), parts=False)
    one_age.records = [r for r in one_age.records if r["ALDER"][0] == "IALT"]
    f = write(tmp_path / "FOLK1A.csv", X.long_csv(one_age, labels=True))
    assert cli.main(["--data-dir", str(tmp_path / "data"), "import", str(f)]) == 2
    err = capsys.readouterr().err
    assert "PopulationAgesError" in err and "FOLK1A.csv, række 2: kun én alder (i alt)" in err


def test_cli_table_option_and_alone(tmp_path, capsys, three_files):
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", *map(str, three_files)]) == 0
    assert cli.main(["--data-dir", str(data), "import", "--table", "folk1a", "--alone", str(three_files[1])]) == 0
    manifest = json.loads((list_snapshots(data)[-1] / "manifest.json").read_text(encoding="utf-8"))
    assert [p["table"] for p in manifest["parts"]] == ["FOLK1A"]
    assert cli.main(["--data-dir", str(data), "import", "--table", "NAN1", str(three_files[1])]) == 2


def test_dsts_real_export_held_by_the_project_reimports_identically(tmp_path):
    """REAL data without ../shared: the shipped snapshot keeps DST's own export files byte for byte;
    importing them again gives the same 1,764 municipal figures and DST's Hele landet."""
    files = sorted((SHIPPED / "import").glob("*.csv"))
    lines: list[str] = []
    snap = run_import(tmp_path / "data", files, out=lines.append, now=Clock())
    new, shipped = load_snapshot(snap), load_snapshot(SHIPPED)
    assert len(new.accounts) == 1764 and new.accounts.equals(shipped.accounts)
    assert new.aggregates.equals(shipped.aggregates) and set(new.aggregates["kommunekode"]) == {"000"}
    assert "98 kommuner, år 2016–2024, funktioner 5.28.21, 5.28.22" in lines[-2]


def test_single_file_onto_a_fetched_snapshot_keeps_its_parts_and_tableinfo(tmp_path):
    """A fetch snapshot (SYNTHETIC fake Statistikbanken): an own PL index alone replaces NAN1 (data
    and tableinfo) and keeps every other table's raw answers, requests and DST stamps."""
    from statbank_fake import FakeStatbank
    from trappe_xl.sources.fetch import run_fetch
    data = tmp_path / "data"
    fetched = run_fetch(data, years=(2008, 2009), tables=["REGK31", "FOLK1A", "NAN1"], out=quiet,
                        client=FakeStatbank().client(), now=T0)
    before = tree_hash(fetched)
    pl = write(tmp_path / "in" / "pl.csv", b"2008;100\r\n2009;101,5\r\n")
    snap = run_import(data, [pl], out=quiet, now=Clock(), replace=True)
    assert tree_hash(fetched) == before
    old = json.loads((fetched / "manifest.json").read_text(encoding="utf-8"))
    new = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    kept = [p for p in old["parts"] if p["table"] != "NAN1"]
    assert new["parts"] == [*kept, {"kind": "index-export", "table": "PL", "file": "import/pl.csv",
                                    "options": {"name": "pl.csv"}}]
    for p in kept:
        for rel in filter(None, (p.get("file"), p.get("request_file"))):
            assert (snap / rel).read_bytes() == (fetched / rel).read_bytes()
    assert new["tables"]["REGK31"] == old["tables"]["REGK31"] and "NAN1" not in new["tables"]
    a, b = load_snapshot(fetched), load_snapshot(snap)
    assert b.accounts.equals(a.accounts) and b.population.equals(a.population)
    assert dict(zip(b.deflator["aar"], b.deflator["indeks"])) == {2008: 100.0, 2009: 101.5}
