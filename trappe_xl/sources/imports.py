"""``build.py import FILES``: hand-downloaded Statistikbanken exports -> one new snapshot.

Each file is recognised by its content (or ``--table``) and parsed by its table's reader:

| what                                   | reader                                  | manifest part kind   |
|----------------------------------------|-----------------------------------------|----------------------|
| REGK31 / REGK100 accounts              | ``exports.parse_export``                | ``export``           |
| FOLK1A / BEF1A07 population            | ``population_export``                   | ``population-export``|
| NAN1 as exported, or an own PL index   | ``price_export``                        | ``index-export``     |
| ANBAAR12 / ISBU02 counts of children   | ``counts_export``                       | ``counts-export``    |

Files given together go into one snapshot of their own. A file given alone goes into a new
snapshot that also keeps the newest snapshot's *other* tables (its bytes copied unchanged; the
same table — or any price index, there is one — is replaced), and the output says so
(``alone=True`` / ``--alone``: only the file).

Nothing is written until every file parses, the files agree with each other (no table and year
twice, one unit of accounts, one kind of price index without gaps) and the new snapshot, staged
in a temporary folder, loads exactly as the build will load it. Every file is read strictly (a row
that cannot be read exactly is an error naming file, line and value; see ``exports.py``) and
within the size limits of ``limits.py``. Snapshots are never changed:
the newest good one stays as it was whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .. import frames
from ..dataset import Dataset
from ..errors import DuplicateTableYearError, MixedUnitsError, ParseError, PriceIndexGapError
from . import exportgrid as eg
from . import labels, population_export, price_export
from .exports import ParsedExport, parse_export
from . import limits
from .load import coverage_gaps, load_snapshot
from . import counts_export
from .parse import ACCOUNT_TABLES, COUNT_TABLES, DEFLATOR_TABLES, POPULATION_TABLES
from .merge import (INDEX_SLOT, Merged, check_compatible, check_no_gap, old_rows, plan_merge, slot,
                    year_lines, years_text)
from .snapshot import SnapshotWriter, latest_snapshot, read_manifest, snapshots_root, staging_area

ACCOUNTS, POPULATION, INDEX, COUNTS = "regnskab", "befolkning", "prisindeks", "boern"
PART_KIND = {ACCOUNTS: "export", POPULATION: "population-export", INDEX: "index-export",
             COUNTS: "counts-export"}
TABLE_KIND = {**{t: ACCOUNTS for t in ACCOUNT_TABLES}, **{t: POPULATION for t in POPULATION_TABLES},
              **{t: INDEX for t in price_export.INDEX_TABLES}, **{t: COUNTS for t in COUNT_TABLES}}
COUNTS_TEXT = {"ANBAAR12": "Anbragte børn og unge pr. 31. december efter administrationskommune og "
                           "anbringelsessted",
               "ISBU02": "Børn og unge med indsatser og støtte i løbet af året efter kommune og indsats"}
EXPORT_SOURCE = "eksport hentet manuelt"
POPULATION_TEXT = {"FOLK1A": "Folketal den 1. i kvartalet (K1 = 1. januar)",
                   "BEF1A07": "Folketal 1. januar 2005–2007 (98 kommuner)"}


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Imported:
    """One file, read and parsed."""

    path: Path
    data: bytes
    grid: eg.Grid
    kind: str
    table: str
    summary: str
    accounts: ParsedExport | None = None
    population: population_export.PopulationExport | None = None
    index: price_export.IndexExport | None = None
    counts: counts_export.CountsExport | None = None
    options: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def unit(self) -> str | None:
        return self.accounts.parsed.report.unit if self.accounts else None

    @cached_property
    def rows(self) -> pd.DataFrame:
        """Every row the file holds (accounts: kommuner and aggregates together), built once."""
        if self.accounts is not None:
            p = self.accounts.parsed
            return pd.concat([p.accounts, p.aggregates], ignore_index=True)
        return (self.population or self.index or self.counts).frame

    @property
    def years(self) -> set[int]:
        return {int(y) for y in self.rows["aar"].unique()}

    def part(self, rel: str) -> dict:
        options = {"name": self.name, **self.options}
        return {"kind": PART_KIND[self.kind], "table": self.table, "file": rel, "options": options}

    def table_info(self) -> dict:
        info = {"source": EXPORT_SOURCE}
        if self.kind == POPULATION:
            info["text"] = POPULATION_TEXT[self.table]
        elif self.kind == INDEX:
            info["text"] = price_export.DESCRIPTION[self.table]
        elif self.kind == COUNTS:
            info["text"] = COUNTS_TEXT[self.table]
        return info


# -- reading ---------------------------------------------------------------------------------------

def kind_of(grid: eg.Grid, table: str | None) -> str:
    """Which reader a file needs: from ``table`` when given, else from the content."""
    if table:
        t = table.upper()
        if t not in TABLE_KIND:
            raise ParseError(f"ukendt tabel {table!r}; kendte: {', '.join(TABLE_KIND)}")
        return TABLE_KIND[t]
    if price_export.looks_like_pl(grid):
        return INDEX
    if population_export.looks_like(grid):
        return POPULATION
    if counts_export.looks_like(grid):
        return COUNTS
    if price_export.looks_like_nan1(grid):
        return INDEX
    return ACCOUNTS


def read_file(path: Path, table: str | None = None) -> Imported:
    data = limits.check_file(path)   # a regular file under the size cap, else a named error
    grid = eg.read_grid(data, path.name)
    kind = kind_of(grid, table)
    if kind == ACCOUNTS and (what := population_export.totals_only(grid)):
        raise ParseError(f"{path.name}: {what}, så det er hverken regnskab (der mangler funktion) eller "
                         f"befolkning, som modellen kan bruge – {population_export.POPULATION_NEEDED}")
    if kind == ACCOUNTS:
        p = parse_export(data, path.name, table=table)
        return Imported(path, data, grid, kind, p.table, p.parsed.report.summary(), accounts=p,
                        options=dict(p.options))
    if kind == POPULATION:
        pop = population_export.parse_population_export(data, path.name, table=table)
        return Imported(path, data, grid, kind, pop.table, pop.summary(), population=pop)
    if kind == COUNTS:
        cnt = counts_export.parse_counts_export(data, path.name, table=table)
        return Imported(path, data, grid, kind, cnt.table, cnt.summary(), counts=cnt)
    idx = price_export.parse_index_export(data, path.name, table=table)
    return Imported(path, data, grid, kind, idx.table, idx.summary(), index=idx)


def _read_all(files: list[Path], table: str | None) -> list[Imported]:
    names = [f.name for f in files]
    if dup := sorted({n for n in names if names.count(n) > 1}):
        raise ParseError(f"flere filer hedder det samme: {', '.join(dup)}")
    return [read_file(f, table) for f in files]


# -- files that must agree -------------------------------------------------------------------------

def _unit_label(unit: str | None) -> str:
    return frames.UNIT_LABELS.get(unit, str(unit))


def unit_row(item: Imported, unit: str) -> int:
    """The first row of an accounts file that states ``unit`` (prisenhed cell or value header)."""
    for n, cells in item.grid.filled():
        for c in cells:
            if labels.unit_from_header(c) == unit:
                return n
            try:
                if frames.VALUE_COLUMNS.get(labels.prisenhed_code(c)) == unit:
                    return n
            except ParseError:
                continue
    return item.grid.rows[0][0]


def _key_row(item: Imported, key: dict) -> int | None:
    """The first row of an accounts file holding the account ``key`` (area, funktion, year)."""
    year = str(key["aar"])
    for n, cells in item.grid.filled():
        if not any(eg.area(c) == key["kommunekode"] for c in cells):
            continue
        if not any(_funktion(c) == key["funktion"] for c in cells):
            continue
        years = [c for c in cells if eg.tid_code(c)]
        if not years or year in years:
            return n
    return None


def _funktion(cell: str) -> str | None:
    try:
        return labels.funktion_code(cell)
    except (ParseError, ValueError):
        return None


def check_units(items: list[Imported]) -> None:
    """Accounts in kr. pr. indbygger and in 1.000 kr. are never combined."""
    acc = [i for i in items if i.kind == ACCOUNTS]
    for a, b in zip(acc, acc[1:]):
        if a.unit != b.unit:
            raise MixedUnitsError(
                f"{b.name}, række {unit_row(b, b.unit)}: {_unit_label(b.unit)} kan ikke blandes med "
                f"{_unit_label(a.unit)} i {a.name} – hent alle regnskabstal i samme prisenhed "
                "(helst 'Løbende priser (1.000 kr.)')")


def check_overlaps(items: list[Imported]) -> None:
    """The same figure (table, year and key) in two files -> DuplicateTableYearError."""
    _overlap_accounts([i for i in items if i.kind == ACCOUNTS])
    _overlap(items, POPULATION, lambda i: i.population.frame, ["aar", "kommunekode", "alder"],
             lambda i, y: i.population.first_rows.get(y))
    _overlap(items, INDEX, lambda i: i.index.frame, ["aar"], lambda i, y: i.index.year_rows.get(y))
    _overlap(items, COUNTS, lambda i: i.counts.frame, ["tabel", "aar", "kommunekode", "kode"],
             lambda i, y: i.counts.first_rows.get(y))


def _stack(items: list[Imported], frame_of, keys: list[str]) -> pd.DataFrame:
    parts = [frame_of(i)[keys].assign(_i=n) for n, i in enumerate(items)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*keys, "_i"])


def _first_duplicate(stacked: pd.DataFrame, keys: list[str]) -> tuple[dict, int, int] | None:
    dup = stacked[stacked.duplicated(keys, keep=False)]
    if dup.empty:
        return None
    key = dup.iloc[0][keys].to_dict()
    same = dup[(dup[keys] == pd.Series(key)).all(axis=1)]["_i"].tolist()
    return key, same[0], same[1]


def _overlap(items, kind, frame_of, keys, row_of) -> None:
    group = [i for i in items if i.kind == kind]
    found = _first_duplicate(_stack(group, frame_of, keys), keys)
    if found:
        key, a, b = found
        x, y, year = group[a], group[b], int(key["aar"])
        raise DuplicateTableYearError(
            f"{y.name}, række {row_of(y, year)}: {y.table} {year} findes også i {x.name} "
            f"(række {row_of(x, year)}) – to filer med samme tabel og år; importér kun den ene")


def _overlap_accounts(group: list[Imported]) -> None:
    keys = frames.ACCOUNT_KEYS

    def both(i: Imported) -> pd.DataFrame:
        p = i.accounts.parsed
        return pd.concat([p.accounts[keys], p.aggregates[keys]], ignore_index=True)

    found = _first_duplicate(_stack(group, both, keys), keys)
    if found:
        key, a, b = found
        x, y = group[a], group[b]
        rows = [_key_row(i, key) for i in (x, y)]
        where = [f", række {r}" if r else "" for r in rows]
        raise DuplicateTableYearError(
            f"{y.name}{where[1]}: {y.table} {key['aar']} (område {key['kommunekode']}, funktion "
            f"{key['funktion']}) findes også i {x.name}{where[0]} – to filer med samme tabel og år; "
            "importér kun den ene")


def check_index(items: list[Imported]) -> None:
    """One kind of price index; several files of it together have no gap."""
    group = [i for i in items if i.kind == INDEX]
    if not group:
        return
    tables = {i.table for i in group}
    if len(tables) > 1:
        a = group[0]
        b = next(i for i in group if i.table != a.table)
        raise MixedUnitsError(f"{b.name}, række {b.grid.rows[0][0]}: to forskellige prisindeks "
                              f"({a.table} i {a.name} og {b.table} i {b.name}) kan ikke kombineres "
                              "– vælg ét")
    owner = {y: (i, r) for i in group for y, r in i.index.year_rows.items()}
    years = sorted(owner)
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            (ia, ra), (ib, rb) = owner[a], owner[b]
            raise PriceIndexGapError(f"{ib.name}, række {rb}: prisindekset springer fra {a} "
                                     f"({ia.name}, række {ra}) til {b} – {a + 1}–{b - 1} mangler")


# -- the snapshot ----------------------------------------------------------------------------------

def merge_with_latest(data_dir: Path, items: list[Imported], *, replace: bool = False
                      ) -> tuple[Merged | None, list[str]]:
    """What the new snapshot keeps from the newest one (:mod:`merge`): other tables whole, and the
    same tables' years the files do not hold (``replace``: none of the same tables). Returns it
    with the summary lines per table and year ("tilføjet", "erstattet (…)", "uændret"); refuses
    files that contradict the snapshot (another unit, other functions, another price index)."""
    prev = latest_snapshot(data_dir)
    if prev is None:
        return None, []
    manifest = read_manifest(prev, verify=True)
    new_years: dict[str, set[int]] = {}
    for i in items:
        new_years.setdefault(slot(i.table), set()).update(i.years)
    merged = plan_merge(prev, manifest, new_years, replace=replace)
    olds = old_rows(prev, manifest, merged.old_parts)
    lines: list[str] = []
    for i in items:
        same_place = {t: r for t, r in olds.items() if slot(t) == slot(i.table)}
        if not replace and same_place:
            old = same_place.get(i.table, pd.concat(list(same_place.values()), ignore_index=True))
            check_compatible(i.table, i.kind, old, i.rows, i.name, set(same_place))
        lines.extend(year_lines(i.table, i.kind, olds.get(i.table), i.rows))
    if not replace and any(slot(t) == INDEX_SLOT for t in merged.merged):
        kept_years = {y for t, ys in merged.merged.items() if slot(t) == INDEX_SLOT for y in ys}
        check_no_gap(kept_years | new_years.get(INDEX_SLOT, set()), "prisindekset")
    _check_kept_units(items, merged)
    return merged, lines


def _check_kept_units(items: list[Imported], merged: Merged) -> None:
    acc = [i for i in items if i.kind == ACCOUNTS]
    kept_acc = sorted(t for t in merged.kept if t in ACCOUNT_TABLES)
    if not acc or not kept_acc:
        return
    prev_unit = load_snapshot(merged.snapshot).meta.get("unit")
    new = acc[0]
    if prev_unit and prev_unit != new.unit:
        raise MixedUnitsError(
            f"{new.name}, række {unit_row(new, new.unit)}: {_unit_label(new.unit)} kan ikke blandes "
            f"med {_unit_label(prev_unit)} ({', '.join(kept_acc)} i snapshot {merged.snapshot.name}) – "
            "importér alle regnskabsfilerne samlet i én kommando, eller brug --alone")


def _write(root: Path, name: str, created: str, files: list[tuple[str, bytes]], parts: list[dict],
           tables: dict, extra: dict) -> Path:
    with SnapshotWriter(root, name, source="import", created=created) as w:
        for rel, data in files:
            w.add(rel, data)
        w.manifest["parts"].extend(parts)
        w.manifest["tables"].update(tables)
        w.manifest.update(extra)
    return w.final


def _free_name(data_dir: Path, name: str) -> str:
    """``name``, or ``name-2`` … when an import in the same second took it (sorts after it)."""
    root, n, out = snapshots_root(data_dir), 1, name
    while (root / out).exists():
        n += 1
        out = f"{name}-{n}"
    return out


def _place(items: list[Imported], taken: set[str]) -> list[str]:
    """import/<file name>, or import-2/<file name> … when a kept file already has that path."""
    out = []
    for item in items:
        n, rel = 1, f"import/{item.name}"
        while rel in taken:
            n += 1
            rel = f"import-{n}/{item.name}"
        taken.add(rel)
        out.append(rel)
    return out


def run_import(data_dir: Path | str, files: Iterable[Path | str], table: str | None = None,
               out: Callable[[str], None] = print, *, now: Callable[[], datetime] = _utcnow,
               alone: bool = False, replace: bool = False) -> Path:
    """Parse every file, check them together and against the newest snapshot, stage and load the
    new snapshot, then publish it as ``<UTC stamp>_import``; returns its folder.

    The new snapshot keeps the newest one's other tables whole and, of the same tables, every
    year the files do not hold (``replace``: nothing of the same tables; ``alone``: nothing)."""
    data_dir = Path(data_dir)
    files = [Path(f) for f in files]
    if not files:
        raise ParseError("ingen filer at importere")
    items = _read_all(files, table)
    check_units(items)
    check_overlaps(items)
    check_index(items)
    merged, changes = (None, []) if alone else merge_with_latest(data_dir, items, replace=replace)
    stamp = now().astimezone(timezone.utc)
    name = _free_name(data_dir, stamp.strftime("%Y-%m-%dT%H%M%SZ") + "_import")
    created = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    taken = {rel for rel, _ in merged.files} if merged else set()
    rels = _place(items, taken)
    all_files = [*(merged.files if merged else []), *((r, i.data) for r, i in zip(rels, items))]
    parts = [*(merged.parts if merged else []), *(i.part(r) for r, i in zip(rels, items))]
    tables = dict(merged.tables) if merged else {}
    for i in items:
        tables.setdefault(i.table, i.table_info())
    extra = {}
    if merged is not None:
        extra["kept_from"] = {"snapshot": merged.snapshot.name, "tables": merged.kept}
        if merged.merged:
            extra["kept_from"]["years"] = {t: sorted(ys) for t, ys in merged.merged.items()}
    with staging_area(data_dir) as tmp:      # inside data/, removed by the next run if killed
        staged = _write(tmp, name, created, all_files, parts, tables, extra)
        ds = load_snapshot(staged)  # exactly what the build will read; any error -> nothing published
    final = _write(data_dir, name, created, all_files, parts, tables, extra)
    for i in items:
        out(f"{i.name}: {i.summary}")
    if merged is not None:
        out(_kept_line(merged, replace))
    for line in changes:
        out(line)
    if merged is not None and changes and all(c.endswith(": uændret") for c in changes):
        out(f"Ingen tal er ændret: filerne giver de samme tal som snapshot {merged.snapshot.name}")
    out(coverage_line(ds.meta["coverage"], ds.meta.get("unit"), ds))
    for line in coverage_warnings(ds):
        out(line)
    out(f"Snapshot gemt: {final}")
    return final


def _kept_line(merged: Merged, replace: bool = False) -> str:
    line = (f"Det nye snapshot beholder {', '.join(merged.kept)} fra det nyeste snapshot "
            f"{merged.snapshot.name} (uændret)" if merged.kept
            else f"Det nye snapshot bygger på det nyeste snapshot {merged.snapshot.name}")
    for t, ys in sorted(merged.merged.items()):
        line += f"; {t} {years_text(ys)} beholdes ved siden af de nye år"
    if merged.replaced:
        line += (f"; {', '.join(merged.replaced)} derfra er erstattet af den nye fil"
                 + (" (--erstat)" if replace else ""))
    return line + " (med --alone får snapshottet kun de nye filer)"


def coverage_line(cov: dict, unit: str | None, ds: Dataset | None = None) -> str:
    years = cov["years"]
    span = f"{years[0]}–{years[-1]}" if years else "ingen"
    n = max(cov["n_kommuner"].values(), default=0)
    line = (f"I alt: {n} kommuner, år {span}, funktioner {', '.join(cov['functions'])}, "
            f"enhed {frames.UNIT_LABELS.get(unit, unit)}")
    if ds is not None and len(ds.population):
        line += f"; befolkning år {eg.span(ds.population['aar'].unique())}"
    if ds is not None and len(ds.deflator):
        line += f"; prisindeks år {eg.span(ds.deflator['aar'])}"
    return line


def coverage_warnings(ds: Dataset) -> list[str]:
    """Years with accounts but no population or price index (shown as – in the workbook)."""
    years = set(ds.meta["coverage"]["years"])
    out = [f"Bemærk: {line}" for line in coverage_gaps(ds.meta["coverage"])]
    if len(ds.population) and (gap := years - set(int(y) for y in ds.population["aar"])):
        out.append(f"Bemærk: befolkningstal mangler for {years_text(gap)} – "
                   "kr. pr. 0–17-/0–22-årig vises som – for de år")
    if len(ds.deflator) and (gap := years - set(int(y) for y in ds.deflator["aar"])):
        out.append(f"Bemærk: prisindekset mangler {years_text(gap)} – faste priser vises som – for de år")
    return out
