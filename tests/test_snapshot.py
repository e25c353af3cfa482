"""trappe_xl.sources.snapshot: atomic publish, never overwrite, failures leave nothing, checksums."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from trappe_xl.errors import SnapshotError
from trappe_xl.sources import snapshot
from trappe_xl.sources.snapshot import SnapshotWriter, latest_snapshot, list_snapshots, read_bytes, read_manifest

CREATED = "2026-11-24T04:13:00Z"
BODY = "\ufeffOMRÅDE;TID;INDHOLD\r\n101;2019;1\r\n".encode("utf-8")  # synthetic figure


def _write(data_dir, name="2026-11-24T041300Z_fetch", files=None):
    with SnapshotWriter(data_dir, name, source="fetch", created=CREATED) as w:
        for rel, data in (files or {"REGK31/part-001.csv": BODY}).items():
            w.add(rel, data)
        w.manifest["parts"].append({"kind": "statbank", "table": "REGK31", "file": "REGK31/part-001.csv"})
    return w.final


def _entries(data_dir):
    root = data_dir / "snapshots"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_publish_writes_files_and_manifest_with_checksums(tmp_path):
    path = _write(tmp_path)
    assert path == tmp_path / "snapshots" / "2026-11-24T041300Z_fetch"
    assert (path / "REGK31/part-001.csv").read_bytes() == BODY
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == {"REGK31/part-001.csv": {"sha256": hashlib.sha256(BODY).hexdigest(),
                                                         "bytes": len(BODY)}}
    assert manifest["created"] == CREATED and manifest["source"] == "fetch"
    assert manifest["kilde"].startswith("Danmarks Statistik")
    assert read_manifest(path) == manifest
    assert _entries(tmp_path) == [path.name]   # no temporary folder left beside it


def test_nothing_is_visible_before_the_with_block_ends(tmp_path):
    with SnapshotWriter(tmp_path, "s1", source="fetch", created=CREATED) as w:
        w.add("a.csv", BODY)
        assert list_snapshots(tmp_path) == []
        assert not w.final.exists()
    assert list_snapshots(tmp_path) == [w.final]


def test_existing_snapshot_is_never_overwritten(tmp_path):
    path = _write(tmp_path)
    with pytest.raises(SnapshotError, match="overskrives aldrig"):
        _write(tmp_path, files={"REGK31/part-001.csv": b"other"})
    assert (path / "REGK31/part-001.csv").read_bytes() == BODY


def test_snapshot_appearing_while_writing_is_not_overwritten(tmp_path):
    with pytest.raises(SnapshotError, match="dukkede op"):
        with SnapshotWriter(tmp_path, "s1", source="fetch", created=CREATED) as w:
            w.add("a.csv", BODY)
            (w.final / "x").mkdir(parents=True)   # someone else published meanwhile
    assert _entries(tmp_path) == ["s1"] and list((tmp_path / "snapshots/s1").iterdir()) == [tmp_path / "snapshots/s1/x"]


def test_exception_inside_block_leaves_nothing(tmp_path):
    previous = _write(tmp_path, name="2026-01-01T000000Z_fetch")
    with pytest.raises(RuntimeError):
        with SnapshotWriter(tmp_path, "2026-02-01T000000Z_fetch", source="fetch", created=CREATED) as w:
            w.add("a.csv", BODY)
            raise RuntimeError("network died")
    assert _entries(tmp_path) == [previous.name]
    assert read_manifest(previous)["files"]


def test_failed_rename_leaves_nothing(tmp_path, monkeypatch):
    def broken_rename(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(snapshot.os, "rename", broken_rename)
    with pytest.raises(SnapshotError, match="disk full"):
        _write(tmp_path)
    assert _entries(tmp_path) == []


def test_empty_snapshot_is_refused(tmp_path):
    with pytest.raises(SnapshotError, match="tomt snapshot"):
        with SnapshotWriter(tmp_path, "s1", source="fetch", created=CREATED):
            pass
    assert _entries(tmp_path) == []


@pytest.mark.parametrize("name", ["", "a/b", ".hidden"])
def test_invalid_snapshot_names(tmp_path, name):
    with pytest.raises(SnapshotError):
        SnapshotWriter(tmp_path, name, source="fetch", created=CREATED)


@pytest.mark.parametrize("rel", ["/etc/x", "../x", "a/../../x", "manifest.json", "./manifest.json", "a//b", ""])
def test_invalid_file_names_are_refused(tmp_path, rel):
    with pytest.raises(SnapshotError):
        with SnapshotWriter(tmp_path, "s1", source="fetch", created=CREATED) as w:
            w.add(rel, BODY)
    assert _entries(tmp_path) == []


def test_same_file_twice_is_refused(tmp_path):
    with pytest.raises(SnapshotError, match="to gange"):
        with SnapshotWriter(tmp_path, "s1", source="fetch", created=CREATED) as w:
            w.add("a.csv", BODY)
            w.add("a.csv", BODY)


def test_checksum_verify_detects_changed_and_missing_files(tmp_path):
    path = _write(tmp_path)
    f = path / "REGK31/part-001.csv"
    os.chmod(f, 0o644)
    f.write_bytes(BODY.replace(b"1\r\n", b"2\r\n"))        # same size, other bytes
    with pytest.raises(SnapshotError, match="checksum"):
        read_manifest(path)
    manifest = read_manifest(path, verify=False)
    with pytest.raises(SnapshotError, match="checksum"):
        read_bytes(path, "REGK31/part-001.csv", manifest=manifest)
    f.unlink()
    with pytest.raises(SnapshotError, match="mangler"):
        read_manifest(path)


def test_read_manifest_refuses_non_snapshots(tmp_path):
    with pytest.raises(SnapshotError, match="ikke et snapshot"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SnapshotError, match="ikke gyldig JSON"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(SnapshotError, match="ukendt snapshot-format"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1}), encoding="utf-8")
    with pytest.raises(SnapshotError, match="files"):
        read_manifest(tmp_path)


def test_list_and_latest_ignore_temporary_and_unfinished_folders(tmp_path):
    a = _write(tmp_path, name="2026-01-01T000000Z_fetch")
    b = _write(tmp_path, name="2026-03-01T000000Z_import")
    (tmp_path / "snapshots/.tmp-2026-04-01T000000Z_fetch-x").mkdir()
    (tmp_path / "snapshots/2026-05-01T000000Z_fetch").mkdir()          # no manifest: not a snapshot
    assert list_snapshots(tmp_path) == [a, b]
    assert latest_snapshot(tmp_path) == b
    assert latest_snapshot(tmp_path / "nowhere") is None
