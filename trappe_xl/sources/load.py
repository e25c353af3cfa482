"""A snapshot folder -> :class:`trappe_xl.dataset.Dataset`, re-parsing the raw bytes it holds.

Every part in ``manifest.json`` says how its file is parsed again:

- ``{"kind": "statbank", "table": "REGK31", "format": "BULK"|"CSV", "file": ..., "options": {...}}``
  (REGK31/REGK100 -> accounts, FOLK1A/BEF1A07 -> population, PRIS8/NAN1 -> deflator; ``options``
  are passed to the parse function, e.g. ``{"transakt": "P3S13D"}`` for NAN1)
- ``{"kind": "tableinfo", "table": ..., "file": ...}``: DST's tableinfo JSON (``updated``, ``text``)
- ``{"kind": "export", "table": ..., "file": ..., "options": {"name", "year", "art"}}``
- ``{"kind": "population-export" | "index-export", "table": "FOLK1A"|"BEF1A07" | "NAN1"|"PL",
  "file": ..., "options": {"name"}}``: hand-downloaded population / price-index files
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .. import frames, reference
from ..dataset import Dataset
from ..model.children import empty_children
from ..errors import ParseError, SnapshotError
from . import parse
from .exports import parse_export
from .population_export import parse_population_export
from .price_export import parse_index_export
from .snapshot import latest_snapshot, read_bytes, read_manifest, snapshots_root

STATBANK_FORMATS = ("BULK", "CSV")


def combine_accounts(parts: list[pd.DataFrame], what: str) -> pd.DataFrame:
    """Concatenate account frames of one unit; duplicate keys across parts -> DuplicateRowsError."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return frames.empty_accounts()
    units = sorted({frames.value_column(p) for p in parts})
    if len(units) != 1:
        raise ParseError(f"{what}: blander enheder {units}; tal i forskellige enheder må aldrig blandes")
    out = pd.concat(parts, ignore_index=True)
    parse.check_duplicates(out, frames.ACCOUNT_KEYS, what)
    return parse.sort_accounts(out)


def _combine(parts: list[pd.DataFrame], keys: list[str], empty: pd.DataFrame, what: str) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty
    out = pd.concat(parts, ignore_index=True)
    parse.check_duplicates(out, keys, what)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


FUNCTION_TABLE, GROUPING_TABLE = "REGK31", "REGK100"


def prefer_groupings(by_table: dict[str, pd.DataFrame], what: str, notes: list[str]) -> pd.DataFrame:
    """One accounts frame from per-table frames without counting a krone twice.

    REGK31 (function level) and REGK100 (grouping level) hold the same money. When a snapshot has
    both, REGK100 is used; REGK31 rows are kept only for (aar, kommune, funktion, dranst, art) that
    REGK100 lacks, and where both have a figure, REGK100's sum over groupings is compared with
    REGK31 and the differences are noted (DST rounds each grouping to whole 1.000 kr.).
    """
    f31, f100 = by_table.get(FUNCTION_TABLE), by_table.get(GROUPING_TABLE)
    if f31 is None or f100 is None or not len(f31) or not len(f100):
        return combine_accounts([f for f in by_table.values()], what)
    v = frames.value_column(f100)
    keys = [k for k in frames.ACCOUNT_KEYS if k != "gruppering"]
    sums = f100.groupby(keys)[v].sum(min_count=1)
    f31_idx = f31.set_index(keys)
    only31 = ~f31_idx.index.isin(sums.index)
    both = f31_idx.loc[~only31, v]
    gap = (sums.reindex(both.index) - both).abs()
    n_rounding = int((gap > 0.5).sum())
    if n_rounding:
        notes.append(f"REGK100 (sum over grupperinger) og REGK31 afviger for {n_rounding} "
                     f"konto-år; største forskel {gap.max():,.1f} – REGK100 er brugt")
    if only31.any():
        notes.append(f"{int(only31.sum())} REGK31-rækker uden modstykke i REGK100 er medtaget "
                     "på funktionsniveau (gruppering '*')")
    rest = [f for t, f in by_table.items() if t not in (FUNCTION_TABLE, GROUPING_TABLE)]
    return combine_accounts([f100, f31[only31], *rest], what)


class _Collected:
    def __init__(self) -> None:
        self.accounts: dict[str, list[pd.DataFrame]] = {}
        self.aggregates: dict[str, list[pd.DataFrame]] = {}
        self.population: list[pd.DataFrame] = []
        self.deflator: list[pd.DataFrame] = []
        self.children: list[pd.DataFrame] = []
        self.texts: dict[str, dict[str, str]] = {}   # counts' code texts from hand-made exports
        self.tables: dict[str, dict] = {}
        self.infos: dict[str, dict] = {}     # DST's tableinfo per table, as stored
        self.notes: list[str] = []

    def note(self, report: parse.ParseReport) -> None:
        self.notes.extend(n for n in report.notes if n not in self.notes)

    def _lists(self) -> list[list[pd.DataFrame]]:
        return [*self.accounts.values(), *self.aggregates.values(), self.population, self.deflator,
                self.children]

    def mark(self) -> dict[int, int]:
        """Where each list of frames ends now (for :meth:`drop_years`)."""
        return {id(lst): len(lst) for lst in self._lists()}

    def drop_years(self, since: dict[int, int], years: list[int]) -> None:
        """Leave ``years`` out of every frame added after ``since`` (a part's ``skip_years``)."""
        for lst in self._lists():
            for i in range(since.get(id(lst), 0), len(lst)):
                lst[i] = lst[i][~lst[i]["aar"].isin(years)].reset_index(drop=True)

    def frames(self) -> tuple[str, pd.DataFrame]:
        """(kind, rows) of what was collected: "regnskab" (kommuner and aggregates together),
        "befolkning" or "prisindeks"."""
        acc = [f for lst in (*self.accounts.values(), *self.aggregates.values()) for f in lst if len(f)]
        if acc or self.accounts:
            return "regnskab", pd.concat(acc, ignore_index=True) if acc else frames.empty_accounts()
        if self.population:
            return "befolkning", pd.concat(self.population, ignore_index=True)
        if self.deflator:
            return "prisindeks", pd.concat(self.deflator, ignore_index=True)
        if self.children:
            return "boern", pd.concat(self.children, ignore_index=True)
        return "", pd.DataFrame()


def _request(path: Path, part: dict, manifest: dict) -> dict | None:
    """The data request a fetched part answers (stored beside it), or None for older snapshots."""
    rel = part.get("request_file")
    if rel is None:
        return None
    if not isinstance(rel, str) or rel not in manifest["files"]:
        raise SnapshotError(f"del {part['file']}: 'request_file' {rel!r} står ikke blandt manifestets filer")
    try:
        request = json.loads(read_bytes(path, rel, manifest=manifest).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"del {part['file']}: forespørgslen {rel} er ikke gyldig JSON ({e})") from None
    if not isinstance(request, dict):
        raise SnapshotError(f"del {part['file']}: forespørgslen {rel} er ikke et JSON-objekt")
    return request


def _statbank(part: dict, body: bytes, c: _Collected, request: dict | None = None) -> None:
    table, options = part["table"], part.get("options") or {}
    fmt = str(part.get("format", "BULK")).upper()
    if fmt not in STATBANK_FORMATS:
        raise SnapshotError(f"del {part['file']}: format {fmt!r} kan ikke læses (kun BULK/CSV)")
    allowed = {"FOLK1A": {"quarter"}, "BEF1A07": {"quarter"}, "PRIS8": {"pris8_type"},
               "NAN1": {"transakt", "current", "chained"}}.get(table, set())
    if bad := sorted(set(options) - allowed) or [k for k, v in options.items() if not isinstance(v, str)]:
        raise SnapshotError(f"del {part['file']}: ukendte eller ugyldige 'options' {bad} i manifest.json")
    if table not in (*parse.ACCOUNT_TABLES, *parse.POPULATION_TABLES, *parse.DEFLATOR_TABLES,
                     *parse.COUNT_TABLES, *parse.NATIONAL_TABLES):
        raise SnapshotError(f"del {part['file']}: tabellen {table!r} kendes ikke")
    p = parse.parse_body(table, body, request=request, info=c.infos.get(table), **options)
    if table in parse.ACCOUNT_TABLES:
        c.accounts.setdefault(table, []).append(p.accounts)
        c.aggregates.setdefault(table, []).append(p.aggregates)
    elif table in parse.POPULATION_TABLES:
        c.population.append(p.frame)
    elif table in (*parse.COUNT_TABLES, *parse.NATIONAL_TABLES):
        c.children.append(p.frame)
    else:
        c.deflator.append(p.frame)
    c.note(p.report)


def _tableinfo(part: dict, body: bytes, c: _Collected) -> None:
    try:
        info = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"del {part['file']}: tableinfo er ikke gyldig JSON ({e})") from e
    if not isinstance(info, dict):
        raise SnapshotError(f"del {part['file']}: tableinfo er ikke et JSON-objekt")
    c.infos[part["table"]] = info
    c.tables.setdefault(part["table"], {}).update(
        {k: info[k] for k in ("updated", "text", "unit") if k in info})


def _export(part: dict, body: bytes, c: _Collected) -> None:
    o = part.get("options") or {}
    if (not isinstance(o.get("name", ""), str) or not isinstance(o.get("year") or 0, int)
            or not isinstance(o.get("art") or "", str) or not isinstance(o.get("table") or "", str)):
        raise SnapshotError(f"del {part['file']}: ugyldige 'options' i manifest.json: {o!r}")
    p = parse_export(body, o.get("name", Path(part["file"]).name), table=o.get("table", part.get("table")),
                     year=o.get("year"), art=o.get("art")).parsed
    c.accounts.setdefault(f"export:{p.report.table}", []).append(p.accounts)
    c.aggregates.setdefault(f"export:{p.report.table}", []).append(p.aggregates)
    c.note(p.report)
    c.tables.setdefault(p.report.table, {}).setdefault("source", "eksport hentet manuelt")


def _population_export(part: dict, body: bytes, c: _Collected) -> None:
    name = (part.get("options") or {}).get("name", Path(part["file"]).name)
    p = parse_population_export(body, name, table=part.get("table"))
    c.population.append(p.frame)
    c.note(p.report)


def _index_export(part: dict, body: bytes, c: _Collected) -> None:
    name = (part.get("options") or {}).get("name", Path(part["file"]).name)
    p = parse_index_export(body, name, table=part.get("table"))
    c.deflator.append(p.frame)
    c.note(p.report)


def _counts_export(part: dict, body: bytes, c: _Collected) -> None:
    from .counts_export import parse_counts_export
    name = (part.get("options") or {}).get("name", Path(part["file"]).name)
    p = parse_counts_export(body, name, table=part.get("table"))
    c.children.append(p.frame)
    c.texts.setdefault(p.table, {}).update(p.texts)
    c.note(p.report)


READERS = {"statbank": _statbank, "tableinfo": _tableinfo, "export": _export,
           "population-export": _population_export, "index-export": _index_export,
           "counts-export": _counts_export}


def skip_years(part: dict) -> list[int]:
    """A part's ``skip_years``: years a later part of the same table replaces (the yearly merge
    keeps a file's other years without rewriting its bytes)."""
    years = part.get("skip_years", [])
    if not isinstance(years, list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        raise SnapshotError(f"delen {part.get('file')!r} i manifest.json har ugyldige 'skip_years' {years!r}")
    return years


def _read_part(path: Path, manifest: dict, part: dict, c: _Collected) -> None:
    reader = READERS.get(part.get("kind"))
    if reader is None:
        raise SnapshotError(f"{path}: ukendt del-type {part.get('kind')!r} i manifest.json")
    if not isinstance(part.get("table"), str) or not isinstance(part.get("options") or {}, dict):
        raise SnapshotError(f"{path}: delen {part['file']!r} i manifest.json mangler 'table' "
                            "eller har ugyldige 'options'")
    skip = skip_years(part)
    body = read_bytes(path, part["file"], manifest=manifest)
    since = c.mark()
    if reader is _statbank:
        reader(part, body, c, _request(path, part, manifest))
    else:
        reader(part, body, c)
    if skip:
        c.drop_years(since, skip)


def part_rows(path: Path | str, manifest: dict, part: dict) -> tuple[str, pd.DataFrame]:
    """One part of a snapshot read alone, as the loader reads it (its table's tableinfo first, so
    omitted BULK rows are put back; its ``skip_years`` left out): (kind, rows) as
    :meth:`_Collected.frames` gives them. For the yearly merge, which compares a new file's years
    with the same table's years in the newest snapshot."""
    path = Path(path)
    c = _Collected()
    if part.get("kind") == "statbank":
        for p in manifest["parts"]:
            if p.get("kind") == "tableinfo" and p.get("table") == part.get("table"):
                _read_part(path, manifest, p, c)
    _read_part(path, manifest, part, c)
    return c.frames()


def load_snapshot(path: Path | str) -> Dataset:
    """Verify the manifest's checksums, re-parse every part, combine, and describe the result."""
    path = Path(path)
    manifest = read_manifest(path, verify=True)
    c = _Collected()
    for part in manifest.get("parts", []):
        _read_part(path, manifest, part, c)
    what = f"snapshot {path.name}"
    accounts = prefer_groupings({t: combine_accounts(fs, what) for t, fs in c.accounts.items()},
                                what, c.notes)
    aggregates = prefer_groupings({t: combine_accounts(fs, what) for t, fs in c.aggregates.items()},
                                  f"{what} (landstal/regioner)", [])
    population = _combine(c.population, ["aar", "kommunekode", "alder"], frames.empty_population(), what)
    deflator = _combine(c.deflator, ["aar"], frames.empty_deflator(), what)
    children = _combine(c.children, ["tabel", "aar", "kommunekode", "kode"], empty_children(), what)
    tables = {**manifest.get("tables", {})}
    for t, info in c.tables.items():
        tables[t] = {**tables.get(t, {}), **info}
    meta = {"name": manifest["name"], "created": manifest["created"], "source": manifest["source"],
            "kilde": manifest.get("kilde"), "tables": tables, "unit": _unit(accounts, aggregates),
            "coverage": coverage(accounts), "notes": c.notes,
            "grupperingstekster": grouping_texts(c.infos.get("REGKC")),
            "boernetekster": {t: {**c.texts.get(t, {}), **count_texts(c.infos.get(t))}
                              for t in (*parse.COUNT_TABLES, *parse.NATIONAL_TABLES)
                              if t in c.infos or t in c.texts}}
    return Dataset(accounts, aggregates, population, deflator, meta, children)


def count_texts(info: dict | None) -> dict[str, str]:
    """A counts table's code -> DST's text (place of accommodation / measure), from its tableinfo:
    the variable that is neither time nor the kommune."""
    if not isinstance(info, dict):
        return {}
    for var in info.get("variables", []):
        vid, text = str(var.get("id", "")).upper(), str(var.get("text", "")).lower()
        if var.get("time") or vid == "TID" or vid in parse.COUNT_AREA_IDS or "kommune" in text:
            continue
        return {str(v.get("id")): str(v.get("text", "")) for v in var.get("values", []) if isinstance(v, dict)}
    return {}


#: REGKC's code: dranst (1 digit) + funktion (5 digits) + gruppering (3 digits)
REGKC_CODE = re.compile(r"([0-9])([0-9]{5})([0-9]{3})")


def grouping_texts(info: dict | None) -> dict[str, str]:
    """DST's grouping texts from REGKC's tableinfo, keyed "5.28.22 001" (dranst 1's text when
    the dranst differ). The variable is the one whose codes are dranst+funktion+gruppering."""
    out: dict[str, tuple[str, str]] = {}
    for var in (info or {}).get("variables", []):
        if not isinstance(var, dict):
            continue
        for v in var.get("values", []) or []:
            m = REGKC_CODE.fullmatch(str(v.get("id", "")).strip()) if isinstance(v, dict) else None
            if not m:
                continue
            dranst, funktion, grp = m.groups()
            key = f"{frames.funktion_code(funktion)} {grp}"
            text = str(v.get("text", "")).strip()
            # DST writes the code in front of some texts: keep the words only
            text = re.sub(r"^[0-9.\s]+(?=\D)", "", text).strip() or text
            if key not in out or (dranst == "1" and out[key][0] != "1"):
                out[key] = (dranst, text)
    return {k: t for k, (_, t) in sorted(out.items())}


def _unit(accounts: pd.DataFrame, aggregates: pd.DataFrame) -> str | None:
    units = {frames.value_column(f) for f in (accounts, aggregates) if len(f)}
    if len(units) > 1:
        raise ParseError(f"kommunetal og landstal har forskellige enheder {sorted(units)}")
    return units.pop() if units else None


def coverage(accounts: pd.DataFrame) -> dict:
    """JSON-able: years, functions, n_kommuner per year, dranst values, arts."""
    per_year = accounts.groupby("aar")["kommunekode"].nunique()
    alle = set(reference.all_kommunekoder())
    missing = {str(int(y)): sorted(alle - set(g)) for y, g in accounts.groupby("aar")["kommunekode"]}
    return {"years": [int(y) for y in sorted(accounts["aar"].unique())],
            "mangler": {y: codes for y, codes in missing.items() if codes},
            "functions": sorted(accounts["funktion"].unique().tolist()),
            "n_kommuner": {str(int(y)): int(n) for y, n in per_year.items()},
            "dranst": sorted(accounts["dranst"].unique().tolist()),
            "arts": sorted(accounts["art"].unique().tolist())}


def coverage_gaps(cov: dict) -> list[str]:
    """One Danish line per year whose accounts cover fewer than the 98 kommuner, naming the ones
    missing (a cut file and a deliberate selection look the same: said, not refused)."""
    out = []
    for year, codes in sorted((cov.get("mangler") or {}).items()):
        names = [reference.kommune_by_code()[c].navn for c in codes if c in reference.kommune_by_code()]
        shown = ", ".join(names[:8]) + (f" og {len(names) - 8} andre" if len(names) > 8 else "")
        out.append(f"Regnskabet for {year} dækker {98 - len(codes)} af de 98 kommuner; "
                   f"{len(codes)} mangler: {shown}")
    return out


def load_latest(data_dir: Path | str) -> Dataset:
    snap = latest_snapshot(data_dir)
    if snap is None:
        raise SnapshotError(f"ingen snapshots i {snapshots_root(data_dir)}: kør først "
                            "'python build.py fetch' eller 'python build.py import FILER'")
    return load_snapshot(snap)
