"""``build.py import FILES``: hand-downloaded Statistikbanken exports -> one new snapshot.

Every file is parsed first, strictly (a row that cannot be read exactly is an error naming file,
line and value; see ``exports.py``); only when all parse and together hold no duplicate keys is ONE
snapshot published, holding each file's bytes unchanged under ``import/<name>`` and a manifest
part saying how to parse it again. Any error -> nothing is written.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from .. import frames
from ..errors import ParseError
from .exports import ParsedExport, parse_export
from . import limits
from .load import combine_accounts, coverage
from .snapshot import SnapshotWriter


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _read_all(files: list[Path], table: str | None) -> list[tuple[Path, bytes, ParsedExport]]:
    names = [f.name for f in files]
    if dup := sorted({n for n in names if names.count(n) > 1}):
        raise ParseError(f"flere filer hedder det samme: {', '.join(dup)}")
    out = []
    for f in files:
        data = limits.check_file(f)   # a regular file under the size cap, else a named error
        out.append((f, data, parse_export(data, f.name, table=table)))
    return out


def coverage_line(cov: dict, unit: str | None) -> str:
    years = cov["years"]
    span = f"{years[0]}–{years[-1]}" if years else "ingen"
    n = max(cov["n_kommuner"].values(), default=0)
    return (f"I alt: {n} kommuner, år {span}, funktioner {', '.join(cov['functions'])}, "
            f"enhed {frames.UNIT_LABELS.get(unit, unit)}")


def run_import(data_dir: Path | str, files: Iterable[Path | str], table: str | None = None,
               out: Callable[[str], None] = print, *,
               now: Callable[[], datetime] = _utcnow) -> Path:
    """Parse every file, then publish one snapshot ``<UTC stamp>_import``; returns its folder."""
    files = [Path(f) for f in files]
    if not files:
        raise ParseError("ingen filer at importere")
    parsed = _read_all(files, table)
    accounts = combine_accounts([p.parsed.accounts for _, _, p in parsed], "de importerede filer")
    combine_accounts([p.parsed.aggregates for _, _, p in parsed], "de importerede filer (landstal)")
    stamp = now().astimezone(timezone.utc)
    name = stamp.strftime("%Y-%m-%dT%H%M%SZ") + "_import"
    with SnapshotWriter(data_dir, name, source="import",
                        created=stamp.strftime("%Y-%m-%dT%H:%M:%SZ")) as w:
        for f, data, p in parsed:
            rel = f"import/{f.name}"
            w.add(rel, data)
            w.manifest["parts"].append({"kind": "export", "table": p.table, "file": rel,
                                        "options": {"name": f.name, **p.options}})
            w.manifest["tables"].setdefault(p.table, {"source": "eksport hentet manuelt"})
    for f, _, p in parsed:
        out(f"{f.name}: {p.parsed.report.summary()}")
    out(coverage_line(coverage(accounts), frames.value_column(accounts)))
    out(f"Snapshot gemt: {w.final}")
    return w.final
