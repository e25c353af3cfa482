"""Snapshots under ``data/snapshots/``: immutable folders of raw bytes plus a checksummed manifest.

A snapshot is written into a hidden temporary folder next to its final place and renamed only when
every file and the manifest are on disk, so an interrupted or failed fetch/import leaves no
half-written snapshot and the previous ones untouched. An existing snapshot is never overwritten.

manifest.json::

    {"format": 1, "name": ..., "created": "2026-11-24T04:13:00Z", "source": "fetch" | "import",
     "kilde": "Danmarks Statistik, Statistikbanken (CC BY 4.0)",
     "tables": {"REGK31": {"updated": "...", ...}},          # DST tableinfo facts per table
     "parts": [{"file": "REGK31/part-001.csv", "table": "REGK31", "kind": "statbank-bulk", ...}],
     "files": {"REGK31/part-001.csv": {"sha256": "...", "bytes": 123}, ...}}

``parts`` say how each raw file is parsed again (see trappe_xl.dataset); ``files`` cover every file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import SnapshotError

SNAPSHOT_DIR = "snapshots"
MANIFEST = "manifest.json"
FORMAT = 1
KILDE = "Danmarks Statistik, Statistikbanken (CC BY 4.0)"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snapshots_root(data_dir: Path | str) -> Path:
    return Path(data_dir) / SNAPSHOT_DIR


class SnapshotWriter:
    """Collects files for one snapshot; publishes them atomically on a clean ``with`` exit.

    >>> with SnapshotWriter(data_dir, "2026-11-24T041300Z_fetch", source="fetch") as w:
    ...     w.add("REGK31/part-001.csv", body)
    ...     w.manifest["parts"].append({...})
    """

    def __init__(self, data_dir: Path | str, name: str, *, source: str, created: str):
        if not name or "/" in name or name.startswith("."):
            raise SnapshotError(f"invalid snapshot name {name!r}")
        self.root = snapshots_root(data_dir)
        self.final = self.root / name
        self.manifest: dict[str, Any] = {"format": FORMAT, "name": name, "created": created,
                                         "source": source, "kilde": KILDE, "tables": {},
                                         "parts": [], "files": {}}
        self._tmp: Path | None = None

    def __enter__(self) -> "SnapshotWriter":
        if self.final.exists():
            raise SnapshotError(f"snapshot {self.final} exists already; snapshots are never overwritten")
        self.root.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{self.final.name}-", dir=self.root))
        return self

    def add(self, relpath: str, data: bytes) -> None:
        if self._tmp is None:
            raise SnapshotError("SnapshotWriter.add outside its with-block")
        rel = Path(relpath)
        # only plain relative names, written exactly as stored ("./x", "a//b" would dodge the checks)
        if (rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.as_posix() != relpath
                or relpath == MANIFEST):
            raise SnapshotError(f"invalid file name in snapshot: {relpath!r}")
        if relpath in self.manifest["files"]:
            raise SnapshotError(f"file {relpath!r} added twice to snapshot")
        target = self._tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self.manifest["files"][relpath] = {"sha256": sha256(data), "bytes": len(data)}

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._tmp is not None
        try:
            if exc_type is not None:
                return
            if not self.manifest["files"]:
                raise SnapshotError("refusing to publish an empty snapshot")
            data = json.dumps(self.manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
            with open(self._tmp / MANIFEST, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if self.final.exists():
                raise SnapshotError(f"snapshot {self.final} appeared while writing; not overwritten")
            os.rename(self._tmp, self.final)
            self._tmp = None
        finally:
            if self._tmp is not None and self._tmp.exists():
                shutil.rmtree(self._tmp, ignore_errors=True)


def list_snapshots(data_dir: Path | str) -> list[Path]:
    """Published snapshots (folders with a manifest), oldest first (names start with a UTC stamp)."""
    root = snapshots_root(data_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())


def latest_snapshot(data_dir: Path | str) -> Path | None:
    snaps = list_snapshots(data_dir)
    return snaps[-1] if snaps else None


def read_manifest(path: Path | str, *, verify: bool = True) -> dict[str, Any]:
    """Read a snapshot's manifest; with ``verify`` check every file's size and sha256."""
    path = Path(path)
    mf = path / MANIFEST
    if not mf.is_file():
        raise SnapshotError(f"{path} is not a snapshot: no {MANIFEST}")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SnapshotError(f"{mf} is not valid JSON: {e}") from e
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{mf}: unknown snapshot format {manifest.get('format')!r}")
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("parts"), list):
        raise SnapshotError(f"{mf}: manifest lacks its 'files'/'parts' lists")
    if verify:
        for rel, info in manifest["files"].items():
            data = read_bytes(path, rel, manifest=None)
            if len(data) != info["bytes"] or sha256(data) != info["sha256"]:
                raise SnapshotError(f"{path / rel} does not match its checksum in {MANIFEST}")
    return manifest


def read_bytes(path: Path | str, relpath: str, *, manifest: dict | None = None) -> bytes:
    """One raw file of a snapshot (checked against ``manifest`` when given)."""
    f = Path(path) / relpath
    if not f.is_file():
        raise SnapshotError(f"snapshot file missing: {f}")
    data = f.read_bytes()
    if manifest is not None:
        info = manifest["files"].get(relpath)
        if info is None or sha256(data) != info["sha256"]:
            raise SnapshotError(f"{f} does not match its checksum in {MANIFEST}")
    return data
