"""Small SYNTHETIC frames for model and key tests. Every figure here is made up for testing and must
never be read as a real municipal figure."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from trappe_xl.frames import ACCOUNT_KEYS

KEY_COLUMNS = ["regel_id", "funktion", "gruppering", "dranst", "art", "trin", "andel", "fra_aar",
               "til_aar", "grundlag", "kilde", "status"]


def synthetic_accounts(rows, value: str = "beloeb_1000kr") -> pd.DataFrame:
    """rows: (aar, kommunekode, funktion, dranst, gruppering, art, value) tuples -> accounts frame."""
    frame = pd.DataFrame(list(rows), columns=[*ACCOUNT_KEYS[:1], "kommunekode", "funktion", "dranst",
                                              "gruppering", "art", value])
    frame["aar"] = frame["aar"].astype(int)
    frame[value] = frame[value].astype(float)
    return frame[[*ACCOUNT_KEYS, value]]


def synthetic_population(per_age: dict[tuple[int, str], float], ialt: dict[tuple[int, str], float] | None = None,
                         ages=range(23)) -> pd.DataFrame:
    """per_age[(aar, kommunekode)] = children of *each* age 0..22; ialt optional total population."""
    rows = []
    for (aar, kode), n in per_age.items():
        rows += [(aar, kode, str(a), float(n)) for a in ages]
        if ialt and (aar, kode) in ialt:
            rows.append((aar, kode, "IALT", float(ialt[(aar, kode)])))
    if ialt:
        rows += [(aar, kode, "IALT", float(v)) for (aar, kode), v in ialt.items() if (aar, kode) not in per_age]
    frame = pd.DataFrame(rows, columns=["aar", "kommunekode", "alder", "antal"])
    frame = frame.astype({"aar": int, "kommunekode": str, "alder": str, "antal": float})
    return frame


def synthetic_deflator(indeks: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"aar": list(indeks), "indeks": [float(v) for v in indeks.values()]})


def key_row(regel_id: str, funktion: str = "5.28.21", gruppering: str = "*", dranst: str = "*",
            art: str = "*", trin: int | str = 2, andel: float | str = 1.0, fra_aar: int | str = 2007,
            til_aar: int | str = "", grundlag: str = "syntetisk testregel",
            kilde: str = "test", status: str | None = None) -> dict:
    """One SYNTHETIC key row. A share below 1 needs a published split, so such rows default to
    status "officiel" (the validator refuses an invented share); all others to "foreløbig"."""
    if status is None:
        status = "officiel" if float(andel) < 1 else "foreløbig"
    return dict(regel_id=regel_id, funktion=funktion, gruppering=gruppering, dranst=dranst, art=art,
                trin=trin, andel=andel, fra_aar=fra_aar, til_aar=til_aar, grundlag=grundlag,
                kilde=kilde, status=status)


def write_key(path: Path, rows: list[dict], version: str | None = "test-1") -> Path:
    """Write a SYNTHETIC key CSV (plus a version JSON beside it unless version is None)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=KEY_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    if version is not None:
        path.with_name(f"{path.stem}_version.json").write_text(
            f'{{"version": "{version}", "dato": "2000-01-01"}}', encoding="utf-8")
    return path


def simple_key_rows() -> list[dict]:
    """A SYNTHETIC key: 5.28.21 -> 60 % trin 2 / 40 % trin 3; 5.28.21 grouping 001 -> trin 3;
    5.28.23 -> trin 6; 5.28.25 -> trin 0."""
    return [key_row("S1", "5.28.21", trin=2, andel=0.6), key_row("S2", "5.28.21", trin=3, andel=0.4),
            key_row("S3", "5.28.21", gruppering="001", trin=3),
            key_row("S4", "5.28.23", trin=6), key_row("S5", "5.28.25", trin=0)]
