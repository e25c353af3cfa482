"""``trappe-xl fetch``: Statistikbanken -> a new, immutable snapshot (raw bytes + manifest).

Order:

1. tableinfo for every table; the plan is made from it (a planned code the table lacks is left out
   and said; a code the model needs at its core stops the fetch, naming it). An optional table
   (BEF1A07, REGKC) that fails here or later is named and left out; the rest is kept.
2. data requests, one progress line each. A part already downloaded for the same request and the
   same table ``updated`` stamp is not downloaded again: it is taken from the newest snapshot or
   from the part cache (``<data-dir>/snapshots/.statbank-cache``), where every downloaded part is
   kept until a snapshot holding it is published — an interrupted or failed run resumes there.
   When every part would come from the newest snapshot unchanged, nothing is written: "intet nyt".
3. the snapshot is written through SnapshotWriter and, before it is published, loaded by the same
   strict loader the build uses (:func:`trappe_xl.sources.load.load_snapshot`). If that fails,
   nothing is published and the message names table, line and value.

Afterwards the new snapshot is compared with the previous one (:func:`diff_datasets`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import FetchValidationError, StatbankError, TrappeError
from .diff import diff_datasets
from .fetch_plan import (ACCOUNT_FUNCTIONS, Request, TableSpec, check_tables, check_years, plan_requests,
                         plan_table, table_specs)
from .snapshot import SnapshotWriter, list_snapshots, read_bytes, read_manifest, snapshots_root
from .statbank import (BASE_URL_ENV, StatbankClient, base_url, check_table_body, network_available,
                       tableinfo_url)

__all__ = ["ACCOUNT_FUNCTIONS", "Request", "diff_datasets", "network_available", "plan_requests",
           "run_fetch", "snapshot_name"]

Out = Callable[[str], None]
BAR_FROM = 10  # show a text progress bar when a fetch has at least this many requests
CACHE_DIR = ".statbank-cache"


def snapshot_name(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ") + "_fetch"


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def progress_line(req: Request, rows: int, i: int, total: int, how: str = "") -> str:
    """E.g. "REGK31 2019: 12.345 rækker (3/36) [###.......]  8%"."""
    line = f"{req.table} {req.label}: {_n(rows)} rækker{how} ({i}/{total})"
    if total >= BAR_FROM:
        done = round(20 * i / total)
        line += f" [{'#' * done}{'.' * (20 - done)}] {round(100 * i / total):3d}%"
    return line


def _tableinfo_body(table: str) -> dict:
    return {"table": table, "format": "JSON", "lang": "da"}


def _address_line() -> str:
    src = f"fra {BASE_URL_ENV}" if os.environ.get(BASE_URL_ENV, "").strip() else "standard"
    return f"Statistikbankens adresse: {base_url()} ({src})"


def print_dry_run(years: tuple[int, int | None], tables: list[str], functions: Sequence[str], out: Out) -> None:
    requests = plan_requests(years, tables, None, functions=functions)
    out(_address_line())
    out(f"Tørkørsel: intet sendes. Tableinfo hentes heller ikke, så koderne er ikke kontrolleret, og "
        f"'*' (alle værdier) er talt med et skøn ved opdelingen. {len(tables)} tableinfo-kald og "
        f"{len(requests)} dataforespørgsler ville blive sendt:")
    for table in tables:
        out(f"POST {tableinfo_url()} {json.dumps(_tableinfo_body(table), ensure_ascii=False)}")
    for req in requests:
        out(f"POST {req.url} {req.body_json()}")


# -- parts: what was asked, what came back, from where ----------------------------------------

def part_key(request: dict, updated) -> str:
    """The identity of one downloaded part: the exact request and the table's ``updated`` stamp."""
    text = json.dumps({"request": request, "updated": updated}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PartCache:
    """Downloaded parts kept under ``<data-dir>/snapshots/.statbank-cache`` until a snapshot that
    holds them is published: a failed or interrupted fetch resumes from here."""

    def __init__(self, data_dir: Path | str):
        self.dir = snapshots_root(data_dir) / CACHE_DIR

    def get(self, key: str) -> bytes | None:
        try:
            return (self.dir / f"{key}.part").read_bytes()
        except OSError:
            return None

    def put(self, key: str, body: bytes) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f".{key}.{os.getpid()}.tmp"
            tmp.write_bytes(body)
            os.replace(tmp, self.dir / f"{key}.part")
        except OSError:
            pass            # a cache that cannot be written only costs a download next time

    def count(self) -> int:
        try:
            return sum(1 for p in self.dir.iterdir() if p.suffix == ".part")
        except OSError:
            return 0

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Previous:
    """The newest snapshot's fetched parts, by :func:`part_key`."""

    path: Path | None = None
    manifest: dict = field(default_factory=dict)
    parts: dict[str, dict] = field(default_factory=dict)     # key -> manifest part

    @classmethod
    def read(cls, data_dir: Path | str) -> "Previous":
        snaps = list_snapshots(data_dir)
        if not snaps:
            return cls()
        path = snaps[-1]
        try:
            manifest = read_manifest(path, verify=False)
        except TrappeError:
            return cls(path)
        tables = manifest.get("tables", {})
        parts = {}
        for part in manifest["parts"]:
            if part.get("kind") != "statbank" or not isinstance(part.get("request_file"), str):
                continue
            try:
                request = json.loads(read_bytes(path, part["request_file"]).decode("utf-8"))
            except (TrappeError, UnicodeDecodeError, json.JSONDecodeError):
                continue
            stamp = part.get("updated", (tables.get(part["table"]) or {}).get("updated"))
            parts[part_key(request, stamp)] = part
        return cls(path, manifest, parts)

    def body(self, key: str) -> bytes | None:
        part = self.parts.get(key)
        if part is None or self.path is None:
            return None
        try:
            return read_bytes(self.path, part["file"], manifest=self.manifest)
        except TrappeError:
            return None

    def has_everything(self, plans: dict[str, "TablePlan"], specs: dict[str, TableSpec]) -> bool:
        """Nothing new at DST: every planned part is in this snapshot (same request, same
        ``updated``), every tableinfo-only table has the same stamp, and an optional table that
        failed here before is not counted as new (it is tried again when its stamp changes)."""
        if self.path is None:
            return False
        old = self.manifest.get("tables", {})
        failed = self.manifest.get("skipped", {})
        wanted: set[str] = set()
        for table, plan in plans.items():
            if specs[table].info_only:
                if (old.get(table) or {}).get("updated") != plan.updated:
                    return False
            elif not (specs[table].optional and table in failed and table not in old):
                wanted.update(plan.keys())
        return bool(wanted) and wanted <= set(self.parts)


@dataclass
class TablePlan:
    table: str
    info: dict
    raw: bytes
    requests: list[Request]
    updated: object = None

    def keys(self) -> list[str]:
        return [part_key(r.body, self.updated) for r in self.requests]


def _tableinfos(client: StatbankClient, specs: dict[str, TableSpec], tables: list[str],
                years: tuple[int, int | None], out: Out) -> tuple[dict[str, TablePlan], dict[str, str]]:
    """Fetch tableinfo per table and plan its requests from it. Optional tables that fail are
    left out and named; a required one raises."""
    plans, skipped = {}, {}
    for table in tables:
        spec = specs[table]
        notes: list[str] = []
        try:
            info, raw = client.tableinfo(table)
            requests = plan_table(spec, years, info, notes=notes)
        except StatbankError as e:  # TableInfoError included
            if not spec.optional:
                raise
            skipped[table] = str(e)
            out(f"{table} springes over (valgfri tabel): {e}")
            continue
        for note in notes:
            out(note)
        plans[table] = TablePlan(table, info, raw, requests, info.get("updated"))
        what = "kun tableinfo (tekster)" if spec.info_only else f"{len(requests)} forespørgsler"
        out(f"{table}: tableinfo hentet (opdateret {info.get('updated', '?')}), {what}")
    return plans, skipped


@dataclass
class Fetched:
    request: Request
    body: bytes
    rows: int


def _download(client: StatbankClient, plans: dict[str, TablePlan], specs: dict[str, TableSpec],
              previous: Previous, cache: PartCache, skipped: dict[str, str],
              out: Out) -> tuple[dict[str, list[Fetched]], dict[str, int]]:
    """Every planned part: from the newest snapshot, the part cache, or Statistikbanken."""
    got: dict[str, list[Fetched]] = {}
    counts = {"hentet": 0, "genbrugt": 0, "fra afbrudt kørsel": 0}
    total = sum(len(p.requests) for p in plans.values())
    i = 0
    for table, plan in list(plans.items()):
        parts: list[Fetched] = []
        try:
            for req, key in zip(plan.requests, plan.keys()):
                i += 1
                columns = [v["code"] for v in req.body.get("variables", [])]
                what = f"{table} {req.label}"
                body, how = previous.body(key), "genbrugt"
                if body is None:
                    body, how = cache.get(key), "fra afbrudt kørsel"
                if body is not None:
                    try:
                        rows = check_table_body(body, columns, what=what)
                    except StatbankError:
                        body = None
                if body is None:
                    body, rows = client.data(req.body, what=what)
                    check_part(table, req.body, plan.info, body, what)   # before it is kept
                    cache.put(key, body)
                    how = "hentet"
                counts[how] += 1
                parts.append(Fetched(req, body, rows))
                out(progress_line(req, rows, i, total, "" if how == "hentet" else f", {how}"))
        except (StatbankError, FetchValidationError) as e:
            if not specs[table].optional:
                n = cache.count()
                raise type(e)(f"{e}. Intet snapshot er gemt; {n} hentede dele ligger i "
                              f"{cache.dir} og hentes ikke igen ved næste forsøg") from None
            skipped[table] = str(e)
            del plans[table]
            i += len(plan.requests) - len(parts) - 1
            out(f"{table} springes over (valgfri tabel): {e}")
            continue
        got[table] = parts
    return got, counts


def check_part(table: str, request: dict, info: dict, body: bytes, what: str) -> None:
    """One downloaded part through the strict parser the build uses: a value-level surprise
    (area texts for codes, an unknown area, a value that is not a number) stops the fetch here,
    naming the part, line and value, and the part is not kept for a next try."""
    from .parse import parse_body  # the parse layer; imported late on purpose
    try:
        parse_body(table, body, request=request, info=info)
    except TrappeError as e:
        raise FetchValidationError(f"{what}: {e}") from None


def _write(w: SnapshotWriter, plans: dict[str, TablePlan], got: dict[str, list[Fetched]],
           merged=None) -> None:
    """The new tableinfos, then what the newest snapshot keeps (:mod:`merge`), then the new parts
    (a table's tableinfo comes before its data: the loader needs it to put omitted rows back)."""
    for table, plan in plans.items():
        w.add(f"{table}/tableinfo.json", plan.raw)
        w.manifest["tables"][table] = {"updated": plan.info.get("updated"), "text": plan.info.get("text")}
        w.manifest["parts"].append({"kind": "tableinfo", "table": table, "file": f"{table}/tableinfo.json"})
    taken = set(w.manifest["files"])
    if merged is not None:
        for rel, data in merged.files:
            w.add(rel, data)
        w.manifest["parts"].extend(merged.parts)
        for t, info in merged.tables.items():
            w.manifest["tables"].setdefault(t, info)
        taken |= {rel for rel, _ in merged.files}
    for table, parts in got.items():
        n = 0
        for f in parts:
            n += 1
            while f"{table}/part-{n:03d}.csv" in taken:
                n += 1
            file, request_file = f"{table}/part-{n:03d}.csv", f"{table}/part-{n:03d}.request.json"
            w.add(file, f.body)
            w.add(request_file, json.dumps(f.request.body, ensure_ascii=False, indent=1).encode("utf-8"))
            w.manifest["parts"].append({"kind": "statbank", "table": table, "format": f.request.body["format"],
                                        "file": file, "request_file": request_file,
                                        "updated": plans[table].updated})


def _merge_plan(previous: "Previous", plans: dict[str, TablePlan]):
    """What the newest snapshot keeps beside the new parts: tables not fetched now whole, and of
    the fetched tables the years not fetched now (``fetch --years 2025`` adds a year)."""
    if previous.path is None or not previous.manifest:
        return None
    from .merge import plan_merge, request_years, slot
    new_years: dict[str, set[int]] = {}
    for table, plan in plans.items():
        for req in plan.requests:
            new_years.setdefault(slot(table), set()).update(request_years(req.body))
    return plan_merge(previous.path, previous.manifest, new_years, new_tableinfo=set(plans))


def _validate(folder: Path):
    """The strict loader on the finished, unpublished snapshot (FetchValidationError if it fails)."""
    from .load import load_snapshot  # the parse layer; imported late on purpose
    try:
        return load_snapshot(folder)
    except TrappeError as e:
        raise FetchValidationError(str(e)) from None


def report_changes(previous: Path | None, new: Path, out: Out, new_data=None) -> None:
    """Print what changed against ``previous`` (loads both snapshots; never fails the fetch)."""
    if previous is None:
        out("Første snapshot – intet at sammenligne med.")
        return
    try:
        from .load import load_snapshot  # the parse layer; imported late on purpose
        lines = diff_datasets(load_snapshot(previous), new_data if new_data is not None else load_snapshot(new))
    except ImportError as e:
        out(f"Ændringer kan ikke vises endnu (trappe_xl.sources.load mangler: {e}).")
        return
    except TrappeError as e:
        out(f"Ændringer mod {previous.name} kan ikke vises: {e}")
        return
    out(f"Ændringer i forhold til {previous.name}:")
    for line in lines:
        out(line)


def run_fetch(data_dir: Path | str, years: tuple[int, int | None] = (2007, None),
              tables: Sequence[str] | None = None, dry_run: bool = False, out: Out = print,
              client: StatbankClient | None = None, now: datetime | None = None,
              functions: Sequence[str] = ACCOUNT_FUNCTIONS) -> Path | None:
    """Fetch ``tables`` (default all) for ``years`` (last None = the newest each table has) into a
    new snapshot; return its folder, or the newest snapshot when nothing is new at DST.

    ``dry_run`` prints every request and sends nothing (returns None).
    """
    years = check_years(years)
    specs = table_specs(functions)
    names = check_tables(tables, specs)
    if dry_run:
        print_dry_run(years, names, functions, out)
        return None
    now = now or datetime.now(timezone.utc)
    previous = Previous.read(data_dir)
    cache = PartCache(data_dir)
    own_client = client is None
    client = client or StatbankClient()
    try:
        plans, skipped = _tableinfos(client, specs, names, years, out)
        if previous.has_everything(plans, specs):
            out(f"Intet nyt: Statistikbanken har ikke opdateret tabellerne siden snapshot "
                f"{previous.path.name}; intet er hentet eller gemt.")
            return previous.path
        total = sum(len(p.requests) for p in plans.values())
        out(f"Henter {total} dele fra Statistikbanken ({base_url()}) for {years[0]}–"
            f"{years[1] or 'nyeste år'} …")
        got, counts = _download(client, plans, specs, previous, cache, skipped, out)
    finally:
        if own_client:
            client.close()
    created = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    merged = _merge_plan(previous, plans)
    try:
        with SnapshotWriter(data_dir, snapshot_name(now), source="fetch", created=created,
                            validate=_validate) as w:
            w.manifest["years"] = [years[0], years[1]]
            if skipped:
                w.manifest["skipped"] = skipped
            if merged is not None and (merged.kept or merged.merged):
                w.manifest["kept_from"] = {"snapshot": merged.snapshot.name, "tables": merged.kept,
                                           "years": {t: sorted(y) for t, y in merged.merged.items()}}
            _write(w, plans, got, merged)
    except FetchValidationError as e:
        raise FetchValidationError(
            f"de hentede data består ikke kontrollen, så intet snapshot er gemt: {e}. De "
            f"{cache.count()} hentede dele ligger i {cache.dir} og hentes ikke igen ved næste "
            "forsøg") from None
    cache.clear()
    out(f"Snapshot gemt: {w.final}")
    out(f"Dele: {counts['hentet']} hentet, {counts['genbrugt']} genbrugt fra "
        f"{previous.path.name if previous.path else '–'}, {counts['fra afbrudt kørsel']} fra en "
        "afbrudt kørsel")
    for table, why in skipped.items():
        out(f"Udeladt (valgfri tabel): {table} – {why}")
    if merged is not None and (merged.kept or merged.merged):
        from .merge import years_text
        kept = [*merged.kept, *(f"{t} {years_text(y)}" for t, y in sorted(merged.merged.items()))]
        out(f"Beholdt fra {merged.snapshot.name}: {', '.join(kept)}")
    report_changes(previous.path, w.final, out, w.validated)
    return w.final

