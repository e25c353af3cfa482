"""``trappe-xl fetch``: Statistikbanken -> a new, immutable snapshot (raw bytes + manifest).

Order: tableinfo for every table first (every requested code checked before any data is asked
for), then the data requests, one progress line each. Everything goes through SnapshotWriter, so a
failure anywhere publishes nothing and leaves earlier snapshots untouched. Afterwards the new
snapshot is compared with the previous one (:func:`diff_datasets`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from ..errors import StatbankError, TrappeError
from .diff import diff_datasets
from .fetch_plan import (ACCOUNT_FUNCTIONS, Request, TableSpec, check_tables, check_years, plan_requests,
                         plan_table, table_specs)
from .snapshot import SnapshotWriter, list_snapshots
from .statbank import TABLEINFO_URL, StatbankClient, network_available

__all__ = ["ACCOUNT_FUNCTIONS", "Request", "diff_datasets", "network_available", "plan_requests",
           "run_fetch", "snapshot_name"]

Out = Callable[[str], None]
BAR_FROM = 10  # show a text progress bar when a fetch has at least this many requests


def snapshot_name(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ") + "_fetch"


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def progress_line(req: Request, rows: int, i: int, total: int) -> str:
    """E.g. "REGK31 2019: 12.345 rækker (3/36) [###.......]  8%"."""
    line = f"{req.table} {req.label}: {_n(rows)} rækker ({i}/{total})"
    if total >= BAR_FROM:
        done = round(20 * i / total)
        line += f" [{'#' * done}{'.' * (20 - done)}] {round(100 * i / total):3d}%"
    return line


def _tableinfo_body(table: str) -> dict:
    return {"table": table, "format": "JSON", "lang": "da"}


def print_dry_run(years: tuple[int, int], tables: list[str], functions: Sequence[str], out: Out) -> None:
    requests = plan_requests(years, tables, None, functions=functions)
    out(f"Tørkørsel: intet sendes. Tableinfo hentes heller ikke, så koderne er ikke kontrolleret, og "
        f"'*' (alle værdier) er talt med et skøn ved opdelingen. {len(tables)} tableinfo-kald og "
        f"{len(requests)} dataforespørgsler ville blive sendt:")
    for table in tables:
        out(f"POST {TABLEINFO_URL} {json.dumps(_tableinfo_body(table), ensure_ascii=False)}")
    for req in requests:
        out(f"POST {req.url} {req.body_json()}")


def _tableinfos(client: StatbankClient, specs: dict[str, TableSpec], tables: list[str],
                years: tuple[int, int], out: Out) -> tuple[dict, dict, dict[str, list[Request]], dict]:
    """Fetch + check tableinfo per table; plan its requests. Optional tables that fail are skipped."""
    infos, raws, plans, skipped = {}, {}, {}, {}
    for table in tables:
        spec = specs[table]
        try:
            info, raw = client.tableinfo(table)
            plans[table] = plan_table(spec, years, info)
        except StatbankError as e:  # TableInfoError included
            if not spec.optional:
                raise
            skipped[table] = str(e)
            out(f"{table} springes over (valgfri tabel): {e}")
            continue
        infos[table], raws[table] = info, raw
        out(f"{table}: tableinfo hentet (opdateret {info.get('updated', '?')}), "
            f"{len(plans[table])} forespørgsler")
    return infos, raws, plans, skipped


def _fetch_into(w: SnapshotWriter, client: StatbankClient, infos: dict, raws: dict,
                plans: dict[str, list[Request]], out: Out) -> None:
    for table, raw in raws.items():
        w.add(f"{table}/tableinfo.json", raw)
        w.manifest["tables"][table] = {"updated": infos[table].get("updated"), "text": infos[table].get("text")}
        w.manifest["parts"].append({"kind": "tableinfo", "table": table, "file": f"{table}/tableinfo.json"})
    total = sum(len(p) for p in plans.values())
    i = 0
    for table, requests in plans.items():
        for n, req in enumerate(requests, start=1):
            i += 1
            body, rows = client.data(req.body, what=f"{table} {req.label}")
            file, request_file = f"{table}/part-{n:03d}.csv", f"{table}/part-{n:03d}.request.json"
            w.add(file, body)
            w.add(request_file, json.dumps(req.body, ensure_ascii=False, indent=1).encode("utf-8"))
            w.manifest["parts"].append({"kind": "statbank", "table": table, "format": req.body["format"],
                                        "file": file, "request_file": request_file})
            out(progress_line(req, rows, i, total))


def report_changes(previous: Path | None, new: Path, out: Out) -> None:
    """Print what changed against ``previous`` (loads both snapshots; never fails the fetch)."""
    if previous is None:
        out("Første snapshot – intet at sammenligne med.")
        return
    try:
        from .load import load_snapshot  # the parse layer; imported late on purpose
        lines = diff_datasets(load_snapshot(previous), load_snapshot(new))
    except ImportError as e:
        out(f"Ændringer kan ikke vises endnu (trappe_xl.sources.load mangler: {e}).")
        return
    except TrappeError as e:
        out(f"Ændringer mod {previous.name} kan ikke vises: {e}")
        return
    out(f"Ændringer i forhold til {previous.name}:")
    for line in lines:
        out(line)


def run_fetch(data_dir: Path | str, years: tuple[int, int] = (2007, 2024), tables: Sequence[str] | None = None,
              dry_run: bool = False, out: Out = print, client: StatbankClient | None = None,
              now: datetime | None = None, functions: Sequence[str] = ACCOUNT_FUNCTIONS) -> Path | None:
    """Fetch ``tables`` (default all) for ``years`` into a new snapshot; return its folder.

    ``dry_run`` prints every request and sends nothing (returns None).
    """
    years = check_years(years)
    specs = table_specs(functions)
    names = check_tables(tables, specs)
    if dry_run:
        print_dry_run(years, names, functions, out)
        return None
    now = now or datetime.now(timezone.utc)
    previous = (list_snapshots(data_dir) or [None])[-1]
    own_client = client is None
    client = client or StatbankClient()
    try:
        infos, raws, plans, skipped = _tableinfos(client, specs, names, years, out)
        total = sum(len(p) for p in plans.values())
        out(f"Henter {total} dele fra Statistikbanken for {years[0]}–{years[1]} …")
        created = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with SnapshotWriter(data_dir, snapshot_name(now), source="fetch", created=created) as w:
            w.manifest["years"] = list(years)
            if skipped:
                w.manifest["skipped"] = skipped
            _fetch_into(w, client, infos, raws, plans, out)
    finally:
        if own_client:
            client.close()
    out(f"Snapshot gemt: {w.final}")
    report_changes(previous, w.final, out)
    return w.final
