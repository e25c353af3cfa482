"""build: snapshot -> key -> model -> workbook; check: a built workbook against the model.

Reads top to bottom as named steps; every step says one line through ``say``.

Writing the workbook is safe against crashes and concurrent runs (``_output``): ``--out`` is checked
first (a folder, a device or an unwritable place is refused before anything is built); one lock per
output file (``.<name>.lock`` beside it, held with flock, removed when done) lets one run at a time
write it, and the lock holder removes the temporary files that killed runs left; the workbook is
written under a unique temporary name in the same folder, fsynced, renamed over the output, the
folder fsynced, and "skrevet" is said only after checking that the output is the file this run
wrote.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterator
from xml.etree import ElementTree

import pandas as pd
from xlsxwriter.exceptions import FileCreateError

from . import model
from .dataset import Dataset
from .errors import OutputError, SnapshotError, TrappeError, describe_oserror
from .key import Key, load_key
from .model.apply import UKENDT_ATTR, UKENDT_COLUMNS, unknown_code_lines
from .reference import HELE_LANDET
from .workbook import layout
from .workbook.bookdata import BookData, trindata
from .workbook.readback import analyse_differences
from .workbook.selection import Selection
from .workbook.writer import write_workbook

WORKBOOK_DIR = Path("workbooks")


def workbook_name(first: int, last: int) -> str:
    return f"Indsatstrappens_Udgiftsmodel_{first}-{last}.xlsx"


def load_dataset(data_dir: Path | str, snapshot: Path | str | None) -> Dataset:
    from .sources.load import load_latest, load_snapshot
    return load_snapshot(snapshot) if snapshot else load_latest(data_dir)


def prepare(ds: Dataset, key: Key, *, synthetic: bool = False, strict: bool = False) -> BookData:
    """Apply the key, sum the steps and prove conservation (ConservationError if it fails).

    A function or grouping the key does not know goes to "ikke fordelt på trin" and is named in
    ``meta["ukendte_koder"]``; ``strict`` stops on it instead (KeyCoverageError)."""
    detail = model.apply_key(ds.accounts, key, land=_land_rows(ds), strict=strict)
    steps = model.step_table(detail)
    kontrol = model.assert_conserved(ds.accounts, steps, key)
    meta = {**ds.meta, UKENDT_ATTR: list(detail.attrs.get(UKENDT_ATTR, []))}
    children = child_counts(ds, strict=strict)
    if children is not None:
        meta["boerneadvarsler"] = list(children.warnings)
    national = national_check(ds, steps)
    return BookData(steps=steps, detail=detail, kontrol=kontrol, population=ds.population,
                    deflator=ds.deflator, key_rules=key.rules, key_version=key.stamp,
                    meta=meta, synthetic=synthetic, land_steps=land_steps(ds, key, strict=strict),
                    children=children, national=national)


def national_check(ds: Dataset, steps):
    """Kontrol's comparison of the national step totals with BU28 (model.children.national_check),
    or None when the snapshot has no BU28. kr. pr. indbygger accounts are compared through the
    derived amounts (population needed)."""
    from .frames import value_column
    from .model.children import national_check as check
    if ds.children is None or not (ds.children["tabel"] == "BU28").any():
        return None
    amounts = steps
    if value_column(steps) == "kr_pr_indbygger":
        amounts = model.derived_amounts(steps, ds.population) if model.has_population(ds.population) else None
    return check(ds.children, ds.meta.get("boernetekster", {}), amounts)


def child_counts(ds: Dataset, *, strict: bool = False):
    """Children per kommune, year and step through the count key (model.children), or None when
    the snapshot holds no counts. A code the count key does not know is named in the warnings;
    ``strict`` stops on it (KeyCoverageError), as for the accounts."""
    from .errors import KeyCoverageError
    from .model.children import children_per_step
    if ds.children is None or ds.children.empty:
        return None
    counts = children_per_step(ds.children, ds.meta.get("boernetekster", {}))
    if strict and counts.unknown:
        raise KeyCoverageError("børnenøglen dækker ikke koden/koderne " + ", ".join(counts.unknown)
                               + " – tilføj en regel i trappe_xl/data/boernenoegle.csv (--streng)")
    return counts


def _land_rows(ds: Dataset):
    """DST's "Hele landet" rows (area "000") as accounts, or None."""
    agg = ds.aggregates
    if agg is None or agg.empty or "kommunekode" not in agg.columns:
        return None
    land = agg[agg["kommunekode"] == HELE_LANDET]
    return None if land.empty else land


def land_steps(ds: Dataset, key: Key, *, strict: bool = False):
    """DST's "Hele landet" rows (area "000") through the same key: a step table of its own."""
    land = _land_rows(ds)
    return None if land is None else model.step_table(model.apply_key(land, key, strict=strict))


def build(data_dir: Path | str, snapshot: Path | str | None = None, out: Path | str | None = None,
          say: Callable[[str], None] = print, *, selection: Selection | None = None,
          synthetic: bool = False, lambdas: bool = True, strict: bool = False,
          compare_with: Path | str | None = None) -> Path:
    with contextlib.ExitStack() as stack:
        # an explicit --out is checked and locked before the work: a folder, a device, an
        # unwritable place or a busy output is refused at once
        tmp = stack.enter_context(_output(Path(out), say)) if out else None
        ds = load_dataset(data_dir, snapshot)
        _remove_stale_snapshots(data_dir, say)
        say(f"snapshot: {ds.meta.get('name', '?')} ({len(ds.accounts):,} regnskabsrækker)")
        key = load_key()
        say(f"nøgle: {key.stamp}")
        data = prepare(ds, key, synthetic=synthetic, strict=strict)
        for line in unknown_code_lines(pd.DataFrame(data.meta[UKENDT_ATTR], columns=UKENDT_COLUMNS),
                                       data.value):
            say(f"ADVARSEL: {line} (Kontrol og Om data nævner den; --streng stopper i stedet)")
        for line in data.meta.get("boerneadvarsler", []):
            say(f"ADVARSEL: {line} (arket {layout.BOERN} nævner den)")
        if data.children is not None:
            say(f"børn: {len(data.children.steps):,} tal pr. kommune, år og trin (ANBAAR12, ISBU02)")
        first, last = data.period
        say(f"model: {len(data.steps):,} trinrækker {first}-{last}; kontrol OK "
            f"({len(data.kontrol):,} summer)")
        out = Path(out) if out else WORKBOOK_DIR / workbook_name(first, last)
        _compare(data, ds, data_dir, out, compare_with, say)
        if tmp is None:
            tmp = stack.enter_context(_output(out, say))
        try:
            write_workbook(data, selection or Selection(), tmp, lambdas=lambdas)
        except FileCreateError as e:       # XlsxWriter wraps the OSError (a full disk, say)
            inner = e.args[0] if e.args and isinstance(e.args[0], OSError) else None
            raise OutputError(f"kan ikke skrive projektmappen {out}: "
                              f"{describe_oserror(inner) if inner else e}") from None
    say(f"skrevet: {out}")        # only after the rename of this run's own file succeeded
    return out


def previous_snapshot(data_dir: Path | str, out: Path, compare_with: Path | str | None
                      ) -> tuple[Path | None, str]:
    """The snapshot to compare the build with, and where it came from: ``compare_with`` (a
    snapshot folder, or a snapshot's name in ``data_dir``), else the snapshot the previous
    workbook names — ``out`` if it exists, else the newest workbook beside it that names one."""
    from .sources.snapshot import plain_name, snapshots_root
    root = snapshots_root(data_dir)
    if compare_with is not None:
        p = Path(compare_with)
        p = p if p.is_dir() else root / str(compare_with)
        if not p.is_dir() or not plain_name(p.name):
            raise SnapshotError(f"--sammenlign-med {compare_with}: intet snapshot af det navn i {root}")
        return p, f"--sammenlign-med {p.name}"
    folder = out.parent if out.parent.is_dir() else None
    books = [out] if out.is_file() else (sorted(folder.glob("*.xlsx"), key=_mtime) if folder else [])
    for wb in reversed(books):
        try:
            name = workbook_snapshot(wb)
        except TrappeError:
            continue
        if name and plain_name(name) and (root / name).is_dir():
            return root / name, f"projektmappen {wb.name}"
    return None, ""


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:
        return 0.0


def _compare(data: BookData, ds: Dataset, data_dir, out: Path, compare_with, say) -> None:
    """Changes against the previous workbook's snapshot: console lines and data.meta["aendringer"]
    (the Rettelser sheet's "Ændringer"). Nothing when it is the same snapshot (so the same inputs
    still give the same bytes)."""
    from .sources.merge import compare
    prev, where = previous_snapshot(data_dir, out, compare_with)
    if prev is None or prev.name == ds.meta.get("name"):
        return
    try:
        old = load_dataset(data_dir, prev)
    except TrappeError as e:
        say(f"ændringer: snapshot {prev.name} ({where}) kan ikke læses – {e}")
        return
    result = compare(old, ds, prev.name)
    data.meta["aendringer"] = result
    say(f"ændringer mod snapshot {prev.name} ({where}):")
    for line in result.lines or ["ingen ændringer i regnskabstallene"]:
        say(f"  {line}")
    if len(result.table):
        say(f"  alle {len(result.table):,} reviderede tal står i arket Rettelser (tabellen Aendringer)"
            .replace(",", "."))


def _remove_stale_snapshots(data_dir: Path | str, say: Callable[[str], None]) -> None:
    from .sources.snapshot import remove_stale_temporaries
    if removed := remove_stale_temporaries(data_dir):
        say(f"ryddet op efter afbrudte kørsler: {', '.join(removed)}")


# -- the output file -------------------------------------------------------------------------------

def check_out(out: Path) -> None:
    """Refuse an output path that cannot become a workbook file, with a Danish message."""
    try:
        st = out.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"--out {out}: {describe_oserror(e)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"--out {out} er en mappe; angiv et filnavn, fx {out / 'model.xlsx'}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"--out {out} er ikke en almindelig fil (fx en enhed); angiv et filnavn")
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"--out {out}: {parent} er ikke en mappe")


def _temp_names(out: Path) -> tuple[str, str]:
    """Prefixes of this output's temporary files: ours ``.<name>.<random>.tmp`` and the writer's
    own ``..<name>.<random>.tmp.tmp`` inside it (and the old fixed ``.<name>.tmp``)."""
    return f".{out.name}.", f"..{out.name}."


def _lock(out: Path) -> int:
    """Take the output's lock file exclusively or refuse at once; the lock file is unlinked by
    its holder when done, so after getting it we check it is still the one at the path."""
    path = out.with_name(f".{out.name}.lock")
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputError(f"kan ikke skrive i {out.parent}: {describe_oserror(e)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(f"en anden kørsel skriver allerede {out}; prøv igen, når den er færdig") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def _output(out: Path, say: Callable[[str], None]) -> Iterator[Path]:
    """Yield a unique temporary path next to ``out``; on a clean exit make it ``out`` durably."""
    check_out(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"kan ikke oprette mappen {out.parent}: {describe_oserror(e)}") from None
    fd = _lock(out)
    lock_path = out.with_name(f".{out.name}.lock")
    tmp: Path | None = None
    try:
        stale = _remove_stale_outputs(out)
        if stale:
            say(f"ryddet op efter afbrudte kørsler: {', '.join(stale)}")
        try:
            handle, name = tempfile.mkstemp(prefix=_temp_names(out)[0], suffix=".tmp", dir=out.parent)
            os.close(handle)
        except OSError as e:
            raise OutputError(f"kan ikke skrive i {out.parent}: {describe_oserror(e)}") from None
        tmp = Path(name)
        yield tmp
        try:
            with open(tmp, "rb+") as fh:
                os.fchmod(fh.fileno(), 0o666 & ~_umask())   # mkstemp made it private
                os.fsync(fh.fileno())
                written = os.fstat(fh.fileno())
            os.replace(tmp, out)
            tmp = None
            from .sources.snapshot import fsync_dir
            fsync_dir(out.parent)
            now = os.stat(out)
        except OSError as e:
            raise OutputError(f"kan ikke skrive {out}: {describe_oserror(e)}") from None
        if not os.path.samestat(written, now):
            raise OutputError(f"{out} er ikke den fil, denne kørsel skrev; en anden proces har "
                              "skrevet den samtidig")
    except OSError as e:
        raise OutputError(f"kan ikke skrive {out}: {describe_oserror(e)}") from None
    finally:
        if tmp is not None:
            for p in (tmp, tmp.with_name(f".{tmp.name}.tmp")):
                with contextlib.suppress(OSError):
                    p.unlink()
        with contextlib.suppress(OSError):
            os.unlink(lock_path)
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_stale_outputs(out: Path) -> list[str]:
    """Temporary files of this output left by killed runs (safe: we hold the output's lock, and
    only a lock holder makes them)."""
    removed = []
    ours, writers = _temp_names(out)
    for p in out.parent.iterdir():
        if p.name.startswith((ours, writers)) and p.name.endswith(".tmp") and p.is_file():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p.name)
    return removed


# -- check -----------------------------------------------------------------------------------------

#: a workbook read back by ``check`` may unpack to at most this much (a built one is far smaller)
MAX_CHECK_UNCOMPRESSED = 2 * 2**30


def workbook_snapshot(workbook: Path) -> str | None:
    """The snapshot a built workbook names (its custom document property ``Snapshot``)."""
    try:
        with zipfile.ZipFile(workbook) as zf:
            names = set(zf.namelist())
            total = sum(i.file_size for i in zf.infolist())
            if total > MAX_CHECK_UNCOMPRESSED:
                raise TrappeError(f"{workbook} fylder udpakket {total // 2**20} MB; det er ikke en "
                                  "projektmappe fra trappe-xl")
            if "docProps/custom.xml" not in names:
                return None
            with zf.open("docProps/custom.xml") as fh:
                xml = fh.read(1_000_000)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise TrappeError(f"kan ikke læse projektmappen {workbook}: den er ikke en .xlsx-fil ({e})") from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    for prop in root:
        if prop.get("name") == "Snapshot":
            text = "".join(prop.itertext()).strip()
            return text or None
    return None


def _check_workbook_path(workbook: Path) -> None:
    try:
        st = workbook.stat()
    except OSError as e:
        raise TrappeError(f"projektmappen {describe_oserror(e)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise TrappeError(f"projektmappen {workbook} er ikke en almindelig fil")


def check(workbook: Path | str, data_dir: Path | str, snapshot: Path | str | None = None,
          say: Callable[[str], None] = print) -> bool:
    """Compare a built workbook's TrinData, Kontrol and the cached values of Analyse (for the
    choices its input cells hold) with the model of the snapshot the workbook names: found in
    ``data_dir`` by name, or ``snapshot`` if given (which must then be that snapshot)."""
    import openpyxl
    from .sources import limits
    workbook = Path(workbook)
    _check_workbook_path(workbook)
    limits.check_xlsx(limits.check_file(workbook, limits.WORKBOOK), workbook.name, limits.WORKBOOK)
    named = workbook_snapshot(workbook)
    if snapshot is None:
        if not named:
            raise SnapshotError(f"projektmappen {workbook} nævner ikke, hvilket snapshot den er "
                                "bygget af; angiv det med --snapshot MAPPE")
        from .sources.snapshot import plain_name, snapshots_root
        if not plain_name(named):
            raise SnapshotError(f"projektmappen {workbook} nævner snapshottet {named!r}, som ikke er et "
                                f"mappenavn i {snapshots_root(data_dir)}; angiv det med --snapshot MAPPE")
        snapshot = snapshots_root(data_dir) / named
        try:
            ds = load_dataset(data_dir, snapshot)
        except SnapshotError as e:
            raise SnapshotError(f"projektmappen er bygget af snapshot {named}, som ikke kan læses i "
                                f"{snapshots_root(data_dir)} ({e}); angiv det med --snapshot MAPPE") from None
    else:
        ds = load_dataset(data_dir, snapshot)
        if named and ds.meta.get("name") != named:
            raise SnapshotError(f"projektmappen er bygget af snapshot {named}, ikke af "
                                f"{ds.meta.get('name')} ({snapshot}); check sammenligner kun med "
                                "det snapshot, projektmappen er bygget af")
    say(f"sammenligner med snapshot {ds.meta.get('name', '?')}")
    data = prepare(ds, load_key())
    try:
        wb = openpyxl.load_workbook(workbook, data_only=True, read_only=False)
    except Exception as e:  # openpyxl raises many kinds for a bad file
        raise TrappeError(f"kan ikke læse projektmappen {workbook}: {e}") from e
    try:
        problems = _check_trindata(wb, data) + _check_kontrol(wb) + analyse_differences(wb, data)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise TrappeError(f"projektmappen {workbook} har ikke en trappe-xl-projektmappes opbygning "
                          f"({type(e).__name__}: {e})") from None
    for p in problems[:20]:
        say(f"AFVIGELSE: {p}")
    say("check OK: projektmappen stemmer med modellen" if not problems
        else f"check FEJLEDE: {len(problems)} afvigelser")
    return not problems


def _table_rows(wb, table: str) -> list[dict]:
    sheet = layout.TABLES[table][0]
    ws = wb[sheet]
    tab = ws.tables[table]
    rows = list(ws[tab.ref])
    head = layout.canonical([c.value for c in rows[0]], layout.any_columns(table))
    return [dict(zip(head, (c.value for c in r))) for r in rows[1:]]


def _check_trindata(wb, data: BookData) -> list[str]:
    want = trindata(data)
    got = _table_rows(wb, "TrinData")
    if len(got) != len(want):
        return [f"TrinData har {len(got)} rækker, modellen {len(want)}"]
    out = []
    for g, w in zip(got, want.itertuples(index=False)):
        wv, gv = getattr(w, data.value), g[data.value]
        same = (gv is None and math.isnan(wv)) or (gv is not None and abs(gv - wv) <= 1e-6)
        if not same or str(g["kommunekode"]) != w.kommunekode or int(g["aar"]) != w.aar:
            out.append(f"TrinData {w.aar} {w.kommunekode} trin {w.trin}: {gv} ≠ {wv}")
    return out


def _check_kontrol(wb) -> list[str]:
    return [f"Kontrol {r['aar']} {r['kommunekode']} {r['maal']}: forskel {r['forskel']}"
            for r in _table_rows(wb, "Kontrol") if not r["ok"]]
