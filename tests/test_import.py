"""imports.run_import: parse all, then publish one snapshot holding the raw bytes unchanged."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from trappe_xl.errors import DuplicateRowsError, ParseError, UnknownAreaError
from trappe_xl.sources.imports import run_import
from trappe_xl.sources.load import load_snapshot
from trappe_xl.sources.snapshot import list_snapshots

NOW = datetime(2026, 11, 24, 4, 13, 0, tzinfo=timezone.utc)


def _now() -> datetime:
    return NOW


def test_import_real_extract_publishes_one_snapshot(tmp_path, shared_data):
    files = sorted((shared_data / "regk31-extract" / "as-published").glob("*.csv"))
    lines: list[str] = []
    snap = run_import(tmp_path, files, out=lines.append, now=_now)
    assert snap.name == "2026-11-24T041300Z_import" and list_snapshots(tmp_path) == [snap]
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"] == "import" and manifest["created"] == "2026-11-24T04:13:00Z"
    assert [p["file"] for p in manifest["parts"]] == [f"import/{f.name}" for f in files]
    assert manifest["parts"][0] == {"kind": "export", "table": "REGK31", "file": "import/2016.csv",
                                    "options": {"name": "2016.csv", "table": "REGK31", "year": 2016}}
    for f in files:  # raw bytes unchanged
        assert (snap / "import" / f.name).read_bytes() == f.read_bytes()
    assert len(lines) == len(files) + 2
    assert lines[0].startswith("2016.csv: REGK31: 196 rækker; 98 kommuner")
    assert "98 kommuner, år 2016–2024, funktioner 5.28.21, 5.28.22" in lines[-2]
    ds = load_snapshot(snap)
    assert len(ds.accounts) == 1764 and ds.meta["source"] == "import"


def test_one_bad_file_means_nothing_is_written(tmp_path, shared_data):
    good = shared_data / "regk31-extract" / "as-published" / "2016.csv"
    bad = tmp_path / "in" / "2017.csv"
    bad.parent.mkdir()
    bad.write_text(good.read_text(encoding="utf-8").replace('"Fanø"', '"Atlantis"'), encoding="utf-8")
    with pytest.raises(UnknownAreaError, match="Atlantis"):
        run_import(tmp_path / "data", [good, bad], out=lambda s: None, now=_now)
    assert not (tmp_path / "data").exists() or list_snapshots(tmp_path / "data") == []


def test_files_that_overlap_are_duplicates(tmp_path, shared_data):
    good = shared_data / "regk31-extract" / "as-published" / "2016.csv"
    copy = tmp_path / "in" / "kopi_2016.csv"
    copy.parent.mkdir()
    shutil.copy(good, copy)
    with pytest.raises(DuplicateRowsError):
        run_import(tmp_path / "data", [good, copy], out=lambda s: None, now=_now)
    assert list_snapshots(tmp_path / "data") == []
    assert not list((tmp_path / "data").rglob("*.csv"))  # not even a temporary copy left behind


def test_missing_file_and_no_files(tmp_path):
    with pytest.raises(ParseError, match="findes ikke"):
        run_import(tmp_path, [tmp_path / "nope_2016.csv"], out=lambda s: None, now=_now)
    with pytest.raises(ParseError, match="ingen filer"):
        run_import(tmp_path, [], out=lambda s: None, now=_now)


def test_tidy_and_as_published_together_are_duplicates(tmp_path, shared_data):
    d = shared_data / "regk31-extract"
    with pytest.raises(DuplicateRowsError):
        run_import(tmp_path, [d / "as-published" / "2016.csv", d / "regk31_528_21-22_pr_indbygger_2016-2024.csv"],
                   out=lambda s: None, now=_now)
