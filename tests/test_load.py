"""load.load_snapshot / load_latest: re-parse a snapshot's raw bytes into a Dataset."""

from __future__ import annotations

import math

import pytest


from recordings import load_cassette
from trappe_xl import reference
from trappe_xl.errors import DuplicateRowsError, ParseError, SnapshotError
from trappe_xl.sources.load import load_latest, load_snapshot
from trappe_xl.sources.snapshot import SnapshotWriter

BOM = "\ufeff"


def _body(head: str, *lines: str) -> bytes:
    return (BOM + "\r\n".join([head, *lines]) + "\r\n").encode("utf-8")


REGK31_A = _body("OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD",
                 "101;52821;1;TOT;LOBM;2019;100", "147;52821;1;TOT;LOBM;2019;..", "000;52821;1;TOT;LOBM;2019;999")
REGK31_B = _body("OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD",
                 "101;52821;1;TOT;LOBM;2020;110", "101;52822;2;I;LOBM;2020;-5")
FOLK1A = _body("OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD", "101;TOT;7;TOT;2019K1;6000", "147;TOT;7;TOT;2019K1;900")
PRIS8 = _body("TYPE;TID;INDHOLD", "INDEKS;2019;100", "INDEKS;2020;101,5")


def _snapshot(data_dir, name, files: dict[str, bytes], parts: list[dict]):
    with SnapshotWriter(data_dir, name, source="fetch", created="2026-11-24T04:13:00Z") as w:
        for rel, data in files.items():
            w.add(rel, data)
        w.manifest["parts"].extend(parts)
    return w.final


def _synthetic_fetch(tmp_path, shared_data, name="2026-11-24T041300Z_fetch"):
    (info,) = load_cassette(shared_data / "statbank-recordings" / "table_info_straf42_da.yml")
    files = {"REGK31/part-001.csv": REGK31_A, "REGK31/part-002.csv": REGK31_B, "FOLK1A/part-001.csv": FOLK1A,
             "PRIS8/part-001.csv": PRIS8, "tableinfo/STRAF42.json": info.body}
    parts = [{"kind": "statbank", "table": "REGK31", "format": "BULK", "file": "REGK31/part-001.csv"},
             {"kind": "statbank", "table": "REGK31", "format": "CSV", "file": "REGK31/part-002.csv"},
             {"kind": "statbank", "table": "FOLK1A", "format": "BULK", "file": "FOLK1A/part-001.csv"},
             {"kind": "statbank", "table": "PRIS8", "format": "BULK", "file": "PRIS8/part-001.csv"},
             {"kind": "tableinfo", "table": "STRAF42", "file": "tableinfo/STRAF42.json"}]
    return _snapshot(tmp_path, name, files, parts)


def test_load_snapshot_combines_every_part(tmp_path, shared_data):
    ds = load_snapshot(_synthetic_fetch(tmp_path, shared_data))
    acc = ds.accounts
    assert acc[["aar", "kommunekode", "funktion", "dranst", "art"]].values.tolist() == [
        [2019, "101", "5.28.21", "1", "TOT"], [2019, "147", "5.28.21", "1", "TOT"],
        [2020, "101", "5.28.21", "1", "TOT"], [2020, "101", "5.28.22", "2", "I"]]
    assert acc["beloeb_1000kr"].iloc[0] == 100 and math.isnan(acc["beloeb_1000kr"].iloc[1])
    assert ds.aggregates["kommunekode"].tolist() == ["000"]
    assert ds.population["antal"].tolist() == [6000.0, 900.0]
    assert ds.deflator.values.tolist() == [[2019, 100.0], [2020, 101.5]]
    m = ds.meta
    assert m["unit"] == "beloeb_1000kr" and m["source"] == "fetch"
    assert m["tables"]["STRAF42"]["updated"] == "2025-03-25T08:00:00"
    mangler = m["coverage"].pop("mangler")
    assert m["coverage"] == {"years": [2019, 2020], "functions": ["5.28.21", "5.28.22"],
                             "n_kommuner": {"2019": 2, "2020": 1}, "dranst": ["1", "2"], "arts": ["I", "TOT"]}
    # the kommuner each year lacks, named (here all but the two / the one in the synthetic parts)
    assert {y: len(c) for y, c in mangler.items()} == {"2019": 96, "2020": 97}
    have = set(acc.loc[acc["aar"] == 2019, "kommunekode"])
    assert set(mangler["2019"]) == set(reference.all_kommunekoder()) - have


def test_tampered_file_is_refused(tmp_path, shared_data):
    snap = _synthetic_fetch(tmp_path, shared_data)
    (snap / "REGK31" / "part-001.csv").write_bytes(REGK31_A.replace(b"100", b"900"))
    with pytest.raises(SnapshotError, match="checksum"):
        load_snapshot(snap)


def test_duplicates_across_parts(tmp_path):
    snap = _snapshot(tmp_path, "s1", {"a.csv": REGK31_A, "b.csv": REGK31_A},
                     [{"kind": "statbank", "table": "REGK31", "file": "a.csv"},
                      {"kind": "statbank", "table": "REGK31", "file": "b.csv"}])
    with pytest.raises(DuplicateRowsError):
        load_snapshot(snap)


def test_mixed_units_across_parts(tmp_path):
    indl = REGK31_B.replace(b"LOBM", b"INDL")
    snap = _snapshot(tmp_path, "s1", {"a.csv": REGK31_A, "b.csv": indl},
                     [{"kind": "statbank", "table": "REGK31", "file": "a.csv"},
                      {"kind": "statbank", "table": "REGK31", "file": "b.csv"}])
    with pytest.raises(ParseError, match="enheder"):
        load_snapshot(snap)


def test_unknown_part_kind(tmp_path):
    snap = _snapshot(tmp_path, "s1", {"a.csv": REGK31_A}, [{"kind": "weird", "table": "X", "file": "a.csv"}])
    with pytest.raises(SnapshotError, match="weird"):
        load_snapshot(snap)


def test_load_latest(tmp_path, shared_data):
    with pytest.raises(SnapshotError, match="ingen snapshots"):
        load_latest(tmp_path)
    _synthetic_fetch(tmp_path, shared_data, "2026-01-01T000000Z_fetch")
    newer = _snapshot(tmp_path, "2026-02-01T000000Z_fetch", {"a.csv": REGK31_B},
                      [{"kind": "statbank", "table": "REGK31", "file": "a.csv"}])
    assert load_latest(tmp_path).meta["name"] == newer.name


def _acc(rows):
    import pandas as pd
    cols = ["aar", "kommunekode", "funktion", "dranst", "gruppering", "art", "beloeb_1000kr"]
    return pd.DataFrame(rows, columns=cols).astype({"aar": int, "beloeb_1000kr": float})


def test_regk31_and_regk100_together_never_count_a_krone_twice():
    from trappe_xl.sources.load import prefer_groupings

    f100 = _acc([(2019, "101", "5.28.21", "1", "001", "TOT", 10.0),
                 (2019, "101", "5.28.21", "1", "002", "TOT", 5.0)])
    f31 = _acc([(2019, "101", "5.28.21", "1", "*", "TOT", 17.0),   # differs from 10 + 5
                (2019, "101", "5.28.22", "1", "*", "TOT", 7.0)])   # absent from REGK100
    notes: list[str] = []
    out = prefer_groupings({"REGK31": f31, "REGK100": f100}, "test", notes)
    assert out["beloeb_1000kr"].sum() == 10 + 5 + 7
    assert set(out["gruppering"]) == {"001", "002", "*"}
    assert out.loc[out["funktion"] == "5.28.21", "gruppering"].tolist() == ["001", "002"]
    assert any("afviger for 1" in n and "2,0" in n.replace(".", ",") for n in notes)
    assert any("1 REGK31-rækker" in n for n in notes)
