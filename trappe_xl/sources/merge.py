"""The yearly merge: new data add their years to the newest snapshot instead of replacing it.

A table's *place* (:func:`slot`: the table itself; every price index shares one place) in the new
snapshot holds the new parts plus the newest snapshot's parts of the same place for every year the
new parts do not cover. A kept part whose years are all covered is dropped; one that is partly
covered keeps its bytes and gets ``skip_years`` (the loader leaves those years out). Parts of places
the new data do not touch are kept whole. Snapshots are never changed: this only decides what the
new one holds.

Also here: what changed between two sets of rows (per table and year for the import summary, per
kommune × funktion × år for the build's "Ændringer").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import frames, reference
from ..errors import MixedUnitsError, SnapshotError, TrappeError
from .load import part_rows, skip_years
from .parse import DEFLATOR_TABLES
from .price_export import INDEX_TABLES
from .snapshot import read_bytes

INDEX_SLOT = "prisindeks"
KEYS = {"regnskab": list(frames.ACCOUNT_KEYS), "befolkning": ["aar", "kommunekode", "alder"],
        "prisindeks": ["aar"], "boern": ["tabel", "aar", "kommunekode", "kode"]}


def slot(table: str) -> str:
    """What a table fills in a snapshot: its own place, except that every price index (NAN1,
    PRIS8, PL) fills the one price-index place (two indexes are never combined)."""
    t = str(table).upper()
    return INDEX_SLOT if t in (*DEFLATOR_TABLES, *INDEX_TABLES) else t


def value_of(rows: pd.DataFrame) -> str:
    """The value column of a frame of accounts, population or price-index rows."""
    for c in ("antal", "indeks"):
        if c in rows:
            return c
    return frames.value_column(rows)


def request_years(request: dict) -> set[int]:
    """The years a data request asks for (its time variable's codes: 2024, 2024K1 -> 2024)."""
    tid = next(v["values"] for v in request["variables"] if str(v["code"]).upper() == "TID")
    return {int(str(t)[:4]) for t in tid if str(t)[:4].isdigit()}


def part_years(path: Path, manifest: dict, part: dict) -> set[int]:
    """The years a part holds, after its ``skip_years``: from its stored request (fetched parts),
    its ``year`` option (one-year exports), else by reading it."""
    skip = set(skip_years(part))
    rel = part.get("request_file")
    if isinstance(rel, str):
        try:
            request = json.loads(read_bytes(path, rel, manifest=manifest).decode("utf-8"))
            return request_years(request) - skip
        except (TrappeError, UnicodeDecodeError, ValueError, KeyError, StopIteration, TypeError):
            pass
    year = (part.get("options") or {}).get("year")
    if isinstance(year, int):
        return {year} - skip
    _, rows = part_rows(path, manifest, part)
    return {int(y) for y in rows["aar"].unique()} if "aar" in rows else set()


@dataclass
class Merged:
    """What the new snapshot takes from the newest one (``snapshot``)."""

    snapshot: Path
    parts: list[dict] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)        # tables kept whole (places not touched)
    merged: dict[str, list[int]] = field(default_factory=dict)   # table -> years kept beside the new
    replaced: list[str] = field(default_factory=list)    # tables none of whose years are kept
    old_parts: list[dict] = field(default_factory=list)  # the touched places' parts, as they were


def plan_merge(prev: Path, manifest: dict, new_years: dict[str, set[int]], *,
               replace: bool = False, new_tableinfo: set[str] = frozenset()) -> Merged:
    """The newest snapshot's parts for a new snapshot whose new data fill the places in
    ``new_years`` (place -> years). ``replace``: the touched places keep nothing (``--erstat``).
    ``new_tableinfo``: tables whose tableinfo the new data bring (the old one is left out)."""
    out = Merged(prev)
    infos: list[dict] = []           # the touched tables' tableinfo parts, kept only with their data
    for part in manifest["parts"]:
        table = str(part.get("table", ""))
        place = slot(table)
        if part.get("kind") == "tableinfo" and table in new_tableinfo:
            continue                                    # the new data bring a newer one
        if place in new_years and part.get("kind") == "tableinfo":
            infos.append(part)
            continue
        if place in new_years:
            out.old_parts.append(part)
            if replace:
                continue
            years = part_years(prev, manifest, part)
            covered = years & new_years[place]
            if years and years <= new_years[place]:
                continue
            if covered:
                part = {**part, "skip_years": sorted(set(skip_years(part)) | covered)}
            out.merged.setdefault(table, []).extend(sorted(years - covered))
        else:
            out.kept.append(table)
        out.parts.append(part)
        for key in ("file", "request_file"):
            if rel := part.get(key):
                out.files.append((rel, read_bytes(prev, rel, manifest=manifest)))
    with_data = {str(p.get("table")) for p in out.parts}
    for part in reversed(infos):      # before the data parts they describe, in their own order
        if str(part.get("table")) in with_data:
            out.parts.insert(0, part)
            out.files.insert(0, (part["file"], read_bytes(prev, part["file"], manifest=manifest)))
    touched = {str(p.get("table")) for p in out.old_parts}
    out.replaced = sorted(t for t in touched if t not in out.merged)
    out.kept = sorted(set(out.kept) - touched)
    kept_tables = {str(p.get("table")) for p in out.parts}
    out.tables = {t: info for t, info in manifest.get("tables", {}).items()
                  if t in kept_tables and t not in new_tableinfo}
    return out


def old_rows(prev: Path, manifest: dict, parts: list[dict]) -> dict[str, pd.DataFrame]:
    """Per table: the rows its ``parts`` held in the newest snapshot (each part as the loader reads it)."""
    by_table: dict[str, list[pd.DataFrame]] = {}
    for part in parts:
        if part.get("kind") == "tableinfo":
            continue
        _, rows = part_rows(prev, manifest, part)
        if len(rows):
            by_table.setdefault(str(part["table"]), []).append(rows)
    return {t: pd.concat(fs, ignore_index=True) for t, fs in by_table.items()}


# -- what changed ------------------------------------------------------------------------------

def changes(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows whose value differs between ``old`` and ``new`` on ``keys`` (a row only on one side, a
    missing value on one side, or another number): keys, ``gammel``, ``ny``, ``aendring``; the
    largest change first (new or vanished rows after the numbers)."""
    v_old, v_new = value_of(old), value_of(new)
    a = old[[*keys, v_old]].rename(columns={v_old: "gammel"})
    b = new[[*keys, v_new]].rename(columns={v_new: "ny"})
    m = a.merge(b, on=keys, how="outer")
    same = (m["gammel"] == m["ny"]) | (m["gammel"].isna() & m["ny"].isna())
    m = m[~same].copy()
    m["aendring"] = m["ny"] - m["gammel"]
    m = m.sort_values("aendring", key=lambda s: -s.abs().fillna(-1), kind="stable")
    return m.reset_index(drop=True)


def _n(x) -> str:
    if pd.isna(x):
        return "mangler"
    return (f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}").replace(",", "X").replace(".", ",").replace("X", ".")


def describe(row: pd.Series) -> str:
    """"Odense 5.28.22 2024: 1.234 → 1.240" for one row of :func:`changes`."""
    bits = []
    if "kommunekode" in row:
        k = reference.kommune_by_code().get(row["kommunekode"])
        bits.append(k.navn if k else f"område {row['kommunekode']}")
    if "funktion" in row:
        bits.append(str(row["funktion"]) + ("" if row.get("gruppering", "*") == "*" else f" gruppering {row['gruppering']}"))
    if "dranst" in row and row["dranst"] not in ("1", "*"):
        bits.append(f"dranst {row['dranst']}")
    if "art" in row and row["art"] != "TOT":
        bits.append({"UE": "udgifter", "I": "indtægter"}.get(row["art"], row["art"]))
    if "alder" in row:
        bits.append(f"alder {row['alder']}")
    bits.append(str(int(row["aar"])))
    return f"{' '.join(bits)}: {_n(row['gammel'])} → {_n(row['ny'])}"


def year_lines(table: str, kind: str, old: pd.DataFrame | None, new: pd.DataFrame) -> list[str]:
    """Per year of ``new``: "tilføjet", "erstattet (N tal ændret, største ændring …)" or "uændret"."""
    keys = KEYS[kind]
    out = []
    for year in sorted(int(y) for y in new["aar"].unique()):
        n = new[new["aar"] == year]
        o = None if old is None else old[old["aar"] == year]
        if o is None or o.empty:
            out.append(f"{table} {year}: tilføjet")
            continue
        ch = changes(o, n, keys)
        if ch.empty:
            out.append(f"{table} {year}: uændret")
        else:
            out.append(f"{table} {year}: erstattet ({len(ch)} tal ændret, største ændring "
                       f"{describe(ch.iloc[0])})")
    return out


def check_compatible(table: str, kind: str, old: pd.DataFrame, new: pd.DataFrame, name: str,
                     old_tables: set[str]) -> None:
    """Refuse new data that contradict the newest snapshot's rows of the same place in a way that
    is not a new or revised year: another unit, other functions, another price index or base."""
    hint = " – brug --erstat for at erstatte hele tabellen, eller --alone for et snapshot af kun filen"
    if kind == "regnskab":
        u_old, u_new = frames.value_column(old), frames.value_column(new)
        if u_old != u_new:
            raise MixedUnitsError(f"{name}: {frames.UNIT_LABELS.get(u_new, u_new)} kan ikke lægges til "
                                  f"{table}'s år i {frames.UNIT_LABELS.get(u_old, u_old)}{hint}")
        f_old, f_new = set(old["funktion"]), set(new["funktion"])
        if f_old != f_new:
            more, less = sorted(f_new - f_old), sorted(f_old - f_new)
            what = "; ".join(filter(None, [f"har {', '.join(more)}, som de øvrige år ikke har" if more else "",
                                           f"mangler {', '.join(less)}, som de øvrige år har" if less else ""]))
            raise MixedUnitsError(f"{name}: {table} {what}{hint}")
    elif kind == "prisindeks":
        if old_tables and table not in old_tables:
            raise MixedUnitsError(f"{name}: prisindekset {table} kan ikke lægges sammen med "
                                  f"{', '.join(sorted(old_tables))} fra det nyeste snapshot (to "
                                  f"prisindeks har hver sin basis){hint}")
        both = old.merge(new, on="aar", suffixes=("_g", "_n"))
        if len(both) >= 2:
            ratio = both["indeks_n"] / both["indeks_g"]
            if (ratio - ratio.iloc[0]).abs().max() < 1e-9 and abs(ratio.iloc[0] - 1) > 1e-9:
                raise MixedUnitsError(f"{name}: prisindekset har et andet basisår end det nyeste "
                                      f"snapshots (alle fælles år er ganget med {ratio.iloc[0]:.4f}){hint}")


def check_no_gap(years: set[int], what: str) -> None:
    ys = sorted(years)
    for a, b in zip(ys, ys[1:]):
        if b != a + 1:
            raise SnapshotError(f"{what}: prisindekset ville springe fra {a} til {b} – {a + 1}–{b - 1} "
                                "mangler; importér de manglende år med")


# -- the build's "Ændringer": this snapshot against the previous workbook's ---------------------

#: the first column says the change in words (it lands in Rettelser's wide text column)
CHANGE_COLUMNS = ["aendringen", "aar", "kommunekode", "kommune", "funktion", "gruppering", "dranst",
                  "art", "gammel", "ny", "aendring"]


@dataclass
class Comparison:
    """What changed in the accounts between snapshot ``mod`` and the one being built."""

    mod: str
    lines: list[str]
    table: pd.DataFrame                      # CHANGE_COLUMNS, revised figures, largest first


def years_text(years) -> str:
    """{2019, 2021, 2022, 2023} -> "2019, 2021–2023"."""
    runs: list[list[int]] = []
    for y in sorted(int(y) for y in years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def compare(old, new, mod: str) -> Comparison:
    """Datasets ``old`` -> ``new``: years added and gone, revised figures per kommune × funktion ×
    år (in years both have; old → new), and codes (funktion, gruppering) new or vanished."""
    a = pd.concat([old.accounts, old.aggregates], ignore_index=True)
    b = pd.concat([new.accounts, new.aggregates], ignore_index=True)
    empty = pd.DataFrame(columns=CHANGE_COLUMNS)
    if len(a) and len(b) and frames.value_column(a) != frames.value_column(b):
        return Comparison(mod, [f"Enheden er skiftet fra {frames.UNIT_LABELS[frames.value_column(a)]} til "
                                f"{frames.UNIT_LABELS[frames.value_column(b)]}: tallene kan ikke "
                                "sammenlignes ét for ét"], empty)
    ya, yb = set(a["aar"].astype(int)), set(b["aar"].astype(int))
    lines = []
    if added := yb - ya:
        lines.append(f"År tilføjet: {years_text(added)}")
    if gone := ya - yb:
        lines.append(f"År, der ikke længere er med: {years_text(gone)}")
    both = sorted(ya & yb)
    ch = (changes(a[a["aar"].isin(both)], b[b["aar"].isin(both)], list(frames.ACCOUNT_KEYS))
          if both else empty)
    if len(ch):
        per_year = ch.groupby("aar").size()
        lines.append("Reviderede tal: " + ", ".join(f"{n} i {int(y)}" for y, n in per_year.items())
                     + f"; største ændring {describe(ch.iloc[0])}")
    elif both:
        lines.append(f"Ingen tal er ændret i {years_text(both)}")
    for what, diff in (("Nye koder", _codes(b) - _codes(a)), ("Forsvundne koder", _codes(a) - _codes(b))):
        if diff:
            shown = [f + ("" if g == "*" else f" gruppering {g}") for f, g in sorted(diff)]
            lines.append(f"{what}: {', '.join(shown[:10])}" + (f" (+{len(shown) - 10})" if len(shown) > 10 else ""))
    if not len(ch):
        return Comparison(mod, lines, empty)
    names = {k.kode: k.navn for k in reference.kommuner()} | {reference.HELE_LANDET: "Hele landet"}
    ch["kommune"] = ch["kommunekode"].map(names).fillna("")
    ch["aendringen"] = [describe(r) for _, r in ch.iterrows()]
    return Comparison(mod, lines, ch[CHANGE_COLUMNS])


def _codes(rows: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(rows["funktion"], rows["gruppering"]))
