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

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import SnapshotError, describe_oserror

SNAPSHOT_DIR = "snapshots"
MANIFEST = "manifest.json"
FORMAT = 1
KILDE = "Danmarks Statistik, Statistikbanken (CC BY 4.0)"
TMP_PREFIX = ".tmp-"
#: the largest file a snapshot may hold (checked before it is read)
MAX_FILE_BYTES = 256 * 2**20


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plain_name(name) -> bool:
    """A snapshot name is a plain folder name inside ``snapshots/``: no path separator, not
    hidden, not '.' or '..'."""
    return (isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name
            and "\x00" not in name and not name.startswith("."))


def snapshots_root(data_dir: Path | str) -> Path:
    return Path(data_dir) / SNAPSHOT_DIR


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_data_dir(data_dir: Path) -> None:
    for p in (data_dir, data_dir / SNAPSHOT_DIR):
        if p.exists() and not p.is_dir():
            raise SnapshotError(f"data-mappen {p} er ikke en mappe (--data-dir skal pege på en mappe)")


def _remove_stale(root: Path) -> list[str]:
    """Remove the temporary folders of killed writers. Call only while holding the lock on
    ``root`` exclusively: then no writer is alive, so every temporary folder is stale."""
    removed = []
    for p in root.iterdir():
        if p.name.startswith(TMP_PREFIX):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def remove_stale_temporaries(data_dir: Path | str) -> list[str]:
    """Remove what killed writers left in ``data_dir/snapshots`` when no writer is at work (the
    folder's lock is free); returns the names removed. Never raises: a read-only or missing data
    folder simply has nothing to clean."""
    root = snapshots_root(data_dir)
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return _remove_stale(root)
    except OSError:
        return []
    finally:
        os.close(fd)


def _join_writers(root: Path, prefix: str) -> tuple[int, list[str], Path]:
    """Take the shared writers' lock on ``root`` (first, when no writer is at work, remove what
    killed runs left) and make a private temporary folder ``<prefix>…`` in it. Returns the lock's
    descriptor (closing it drops the lock), the stale names removed and the folder."""
    fd = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        removed: list[str] = []
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            removed = _remove_stale(root)
        except BlockingIOError:
            pass                    # another writer is at work: its temporary folder is live
        fcntl.flock(fd, fcntl.LOCK_SH)
        return fd, removed, Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    except OSError as e:
        if fd is not None:
            os.close(fd)
        raise SnapshotError(f"kan ikke skrive i data-mappen {root}: {describe_oserror(e)}") from None


@contextlib.contextmanager
def staging_area(data_dir: Path | str):
    """A private temporary folder inside ``data_dir/snapshots`` (hidden, ``.tmp-stage-…``) for
    work that must not be published yet, such as an import staging its snapshot to load it. Held
    under the same shared lock as a writer, so a killed run's folder is removed by the next
    writer, never a live one's; removed at the end."""
    data_dir = Path(data_dir)
    _check_data_dir(data_dir)
    fd, _, tmp = _join_writers(snapshots_root(data_dir), f"{TMP_PREFIX}stage-")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)


class SnapshotWriter:
    """Collects files for one snapshot; publishes them atomically on a clean ``with`` exit.

    >>> with SnapshotWriter(data_dir, "2026-11-24T041300Z_fetch", source="fetch") as w:
    ...     w.add("REGK31/part-001.csv", body)
    ...     w.manifest["parts"].append({...})

    Files are written and fsynced in a hidden folder ``.tmp-<name>-*`` beside the final place,
    then the manifest, then the folder is renamed and the rename fsynced. Every writer holds a
    shared lock (flock) on the ``snapshots`` folder itself while it writes; one that gets it
    exclusively first removes the temporary folders that killed runs left behind (the kernel
    drops a killed process's lock, so a folder nobody holds a lock for is stale).
    """

    def __init__(self, data_dir: Path | str, name: str, *, source: str, created: str,
                 validate: Callable[[Path], Any] | None = None):
        if not plain_name(name):
            raise SnapshotError(f"ugyldigt snapshot-navn {name!r}")
        self.data_dir = Path(data_dir)
        self.root = snapshots_root(data_dir)
        self.final = self.root / name
        self.manifest: dict[str, Any] = {"format": FORMAT, "name": name, "created": created,
                                         "source": source, "kilde": KILDE, "tables": {},
                                         "parts": [], "files": {}}
        self._tmp: Path | None = None
        self._lock: int | None = None
        #: called with the finished temporary folder before it is published; raising publishes nothing
        self.validate = validate
        self.validated: Any = None
        self.removed_stale: list[str] = []

    def __enter__(self) -> "SnapshotWriter":
        _check_data_dir(self.data_dir)
        if self.final.exists():
            raise SnapshotError(f"snapshot {self.final} findes allerede; snapshots overskrives aldrig")
        self._lock, self.removed_stale, self._tmp = _join_writers(
            self.root, f"{TMP_PREFIX}{self.final.name}-")
        return self

    def add(self, relpath: str, data: bytes) -> None:
        if self._tmp is None:
            raise SnapshotError("SnapshotWriter.add uden for sin with-blok")
        check_relpath(relpath)
        if relpath == MANIFEST:
            raise SnapshotError(f"ugyldigt filnavn i snapshot: {relpath!r}")
        if relpath in self.manifest["files"]:
            raise SnapshotError(f"filen {relpath!r} er lagt i snapshottet to gange")
        target = self._tmp / relpath
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as e:
            raise SnapshotError(f"kan ikke skrive snapshot-filen {relpath}: {describe_oserror(e)}") from None
        self.manifest["files"][relpath] = {"sha256": sha256(data), "bytes": len(data)}

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._tmp is not None
        try:
            if exc_type is not None:
                return
            if not self.manifest["files"]:
                raise SnapshotError("et tomt snapshot udgives ikke")
            data = json.dumps(self.manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
            try:
                with open(self._tmp / MANIFEST, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                for d in sorted({(self._tmp / rel).parent for rel in self.manifest["files"]}, reverse=True):
                    fsync_dir(d)
                mask = os.umask(0o022)
                os.umask(mask)
                os.chmod(self._tmp, 0o777 & ~mask)     # mkdtemp made it private
                fsync_dir(self._tmp)
            except OSError as e:
                raise SnapshotError(f"kan ikke skrive snapshottet {self.final.name}: "
                                    f"{describe_oserror(e)}") from None
            if self.validate is not None:
                self.validated = self.validate(self._tmp)
            if self.final.exists():
                raise SnapshotError(f"snapshot {self.final} dukkede op undervejs; det overskrives ikke")
            try:
                os.rename(self._tmp, self.final)
            except OSError as e:
                if e.errno in (errno.ENOTEMPTY, errno.EEXIST):   # another run published it meanwhile
                    raise SnapshotError(f"snapshot {self.final} dukkede op undervejs; det overskrives "
                                        "ikke") from None
                raise SnapshotError(f"kan ikke udgive snapshottet {self.final}: {describe_oserror(e)}") from None
            self._tmp = None
            fsync_dir(self.root)
        finally:
            if self._tmp is not None and self._tmp.exists():
                shutil.rmtree(self._tmp, ignore_errors=True)
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)        # closing drops the flock
            self._lock = None


def check_relpath(relpath) -> PurePosixPath:
    """A file name inside a snapshot: relative, '/'-separated, written exactly as stored, without
    '..' ('./x', 'a//b', '/etc/x', '../x', 'a\\b' would dodge the checks or leave the snapshot)."""
    if not isinstance(relpath, str) or not relpath or "\x00" in relpath or "\\" in relpath:
        raise SnapshotError(f"ugyldigt filnavn i snapshot: {relpath!r}")
    rel = PurePosixPath(relpath)
    if rel.is_absolute() or ".." in rel.parts or rel.as_posix() != relpath or relpath.startswith("./"):
        raise SnapshotError(f"ugyldigt filnavn i snapshot: {relpath!r} (kun filer inde i snapshottet)")
    return rel


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
    """Read a snapshot's manifest and check its shape: every file it names lies inside the
    snapshot and every part names one of its files; with ``verify`` check each file's size and
    sha256 too."""
    path = Path(path)
    mf = path / MANIFEST
    if not path.is_dir():
        raise SnapshotError(f"{path} er ikke et snapshot: mappen findes ikke")
    if not mf.is_file():
        raise SnapshotError(f"{path} er ikke et snapshot: ingen {MANIFEST}")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SnapshotError(f"{mf} er ikke gyldig JSON: {e}") from None
    except OSError as e:
        raise SnapshotError(f"{mf} kan ikke læses: {describe_oserror(e)}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{mf}: ukendt snapshot-format "
                            f"{manifest.get('format') if isinstance(manifest, dict) else manifest!r}")
    if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("parts"), list):
        raise SnapshotError(f"{mf}: manifestet mangler sine lister 'files'/'parts'")
    for key in ("name", "created", "source"):
        if not isinstance(manifest.get(key), str):
            raise SnapshotError(f"{mf}: manifestet mangler feltet {key!r}")
    if not plain_name(manifest["name"]):
        raise SnapshotError(f"{mf}: snapshot-navnet {manifest['name']!r} er ikke et mappenavn "
                            "(ingen '/', '..' eller skjulte navne)")
    for rel, info in manifest["files"].items():
        check_relpath(rel)
        if (not isinstance(info, dict) or not isinstance(info.get("bytes"), int)
                or not isinstance(info.get("sha256"), str)):
            raise SnapshotError(f"{mf}: filen {rel!r} mangler 'bytes'/'sha256'")
    for part in manifest["parts"]:
        if not isinstance(part, dict) or not isinstance(part.get("file"), str):
            raise SnapshotError(f"{mf}: en del uden filnavn: {part!r}")
        check_relpath(part["file"])
        if part["file"] not in manifest["files"]:
            raise SnapshotError(f"{mf}: delen {part['file']!r} står ikke blandt manifestets filer")
    if verify:
        for rel, info in manifest["files"].items():
            data = read_bytes(path, rel, manifest=None)
            if len(data) != info["bytes"] or sha256(data) != info["sha256"]:
                raise SnapshotError(f"{path / rel} passer ikke med sin checksum i {MANIFEST}")
    return manifest


def read_bytes(path: Path | str, relpath: str, *, manifest: dict | None = None) -> bytes:
    """One raw file of a snapshot (checked against ``manifest`` when given). Only regular files
    inside the snapshot folder are read: no '..', no absolute path, no symlink leading out."""
    check_relpath(relpath)
    base = Path(path)
    f = base / relpath
    try:
        inside = f.resolve().is_relative_to(base.resolve())
        st = f.stat()
    except FileNotFoundError:
        raise SnapshotError(f"snapshot-fil mangler: {f}") from None
    except OSError as e:
        raise SnapshotError(f"snapshot-filen {f} kan ikke læses: {describe_oserror(e)}") from None
    if not inside:
        raise SnapshotError(f"{f} peger uden for snapshottet {base}; kun filer inde i snapshottet læses")
    if not stat.S_ISREG(st.st_mode):
        raise SnapshotError(f"snapshot-filen {f} er ikke en almindelig fil")
    if st.st_size > MAX_FILE_BYTES:
        raise SnapshotError(f"snapshot-filen {f} fylder {st.st_size // 2**20} MB; grænsen er "
                            f"{MAX_FILE_BYTES // 2**20} MB")
    try:
        data = f.read_bytes()
    except OSError as e:
        raise SnapshotError(f"snapshot-filen {f} kan ikke læses: {describe_oserror(e)}") from None
    if manifest is not None:
        info = manifest["files"].get(relpath)
        if info is None or sha256(data) != info["sha256"]:
            raise SnapshotError(f"{f} passer ikke med sin checksum i {MANIFEST}")
    return data
