"""Rerun the reliability probe's categories and print tried / handled / defects per category.

    python bench/probe_reliability.py [--calls 2000] [--seed 1]

Categories (the case tables live in tests/test_reliability.py; this script runs them outside
pytest and adds generated function calls):

- eksportfiler: bad and crafted export files through ``import`` (BAD_FILES);
- stier: bad input paths (BAD_PATHS);
- snapshots: tampered snapshots through ``build`` (BAD_SNAPSHOTS);
- funktioner: TRAPPE_STEP on the shipped workbook with generated arguments as users write them
  (text, numbers, dates, ranges, booleans, other scripts' digits, empty cells, very long text);
- projektmapper: crafted workbooks (a stray far cell, a deflate bomb, not a ZIP) read by the
  functions and by ``check``.

A case is *handled* when the outcome is the promised one: a refusal is exit code 2 with ONE Danish
line starting "fejl" that matches the case's pattern, nothing published; a function answer is a
number or a "#TRAPPE: " text of at most 200 characters with no Python notation in it. Anything
else (a traceback, exit 3, an English library text, a number where a refusal was due) is a
*defect* and is listed. Exit code 1 when there are defects.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import test_reliability as R  # noqa: E402  (the case tables)
from trappe_xl import cli, udf  # noqa: E402

SHIPPED_SNAPSHOT = REPO / "data" / "snapshots" / R.SHIPPED_NAME
#: words of the libraries' own English messages (a Danish line never has them)
ENGLISH = re.compile(r"\b(the|is not|cannot|detect|invalid|larger than|unrecognized)\b", re.IGNORECASE)


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def refused(argv, pattern: str, data_dir: Path) -> str | None:
    """None when the command refused as promised, else what went wrong."""
    before = R.tree(data_dir)
    try:
        code, out, err = run(argv)
    except BaseException as e:  # noqa: BLE001 - a probe reports, it does not stop
        return f"unntaget {type(e).__name__}: {e}"
    lines = err.strip().splitlines()
    if code != 2 or len(lines) != 1 or not lines[0].startswith("fejl"):
        return f"exit {code}: {err.strip()[:160] or out.strip()[-160:]}"
    if not re.search(pattern, lines[0]):
        return f"forkert besked: {lines[0][:160]}"
    if ENGLISH.search(lines[0].split(":", 1)[-1]):
        return f"engelsk tekst: {lines[0][:160]}"
    if R.tree(data_dir) != before:
        return "et snapshot blev ændret"
    return None


def fresh_data(tmp: Path) -> Path:
    d = Path(tempfile.mkdtemp(dir=tmp)) / "data"
    shutil.copytree(SHIPPED_SNAPSHOT, d / "snapshots" / R.SHIPPED_NAME)
    return d


def probe_files(tmp: Path) -> tuple[int, list[str]]:
    text = (SHIPPED_SNAPSHOT / "import" / "2019.csv").read_text(encoding="utf-8")
    defects = []
    for case, name, make, pattern in R.BAD_FILES:
        d = fresh_data(tmp)
        f = d.parent / "in" / name
        f.parent.mkdir()
        content = make(text)
        f.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        if why := refused(["import", f, "--data-dir", d], pattern, d):
            defects.append(f"{case}: {why}")
    return len(R.BAD_FILES), defects


def probe_paths(tmp: Path) -> tuple[int, list[str]]:
    defects, tried = [], 0
    for case, make, pattern in R.BAD_PATHS:
        d = fresh_data(tmp)
        work = d.parent / "in"
        work.mkdir()
        files = make(work)
        if not files:
            continue
        tried += 1
        if why := refused(["import", *files, "--data-dir", d], pattern, d):
            defects.append(f"{case}: {why}")
    return tried, defects


def probe_snapshots(tmp: Path) -> tuple[int, list[str]]:
    defects = []
    for case, edit, pattern in R.BAD_SNAPSHOTS:
        d = fresh_data(tmp)
        R._evil_snapshot(d, edit)
        if why := refused(["build", "--data-dir", d, "--out", d.parent / "m.xlsx"], pattern, d):
            defects.append(f"{case}: {why}")
    return len(R.BAD_SNAPSHOTS), defects


def shipped_workbook(tmp: Path) -> Path:
    out = tmp / "shipped.xlsx"
    code, _, err = run(["build", "--data-dir", REPO / "data", "--out", out])
    if code != 0:
        raise SystemExit(f"kan ikke bygge den medfølgende projektmappe: {err}")
    return out


ODD = [None, "", "   ", 0, -1, 2.5, float("nan"), 1e300, True, False, "٢٠٢٤", "２０２４", "x" * 400,
       [["Aarhus"]], [["Aarhus", "Odense"]], [[2019.0, 2020.0]], "*", "?", "~", "i alt", "7", "8",
       "3-2", "2-3", "4-5", "1-6", "udgifter", "indtægter", "pr. 0-17-årig", "1.000 kr.", "løbende",
       "uden", "med", 2019, 2024.0, "2019", "Aarhus", "aarhus", "751", 751, 461.0, "Hele landet",
       "Region Midtjylland", "Landkommuner", "Arhus", "København Kommune"]


def probe_functions(book: Path, calls: int, rng: random.Random) -> tuple[int, list[str]]:
    import datetime
    pool = ODD + [datetime.datetime(2024, 1, 1), datetime.date(2019, 5, 1)]
    defects = []
    udf.use_workbook(str(book))
    try:
        for _ in range(calls):
            args = [rng.choice(pool) for _ in range(rng.randint(3, 7))]
            try:
                got = udf.TRAPPE_STEP(*args)
            except BaseException as e:  # noqa: BLE001
                defects.append(f"TRAPPE_STEP{tuple(args)!r:.120}: undtagelse {type(e).__name__}")
                continue
            if isinstance(got, float):
                if not math.isfinite(got):
                    defects.append(f"TRAPPE_STEP{tuple(args)!r:.120}: {got}")
                continue
            if (not isinstance(got, str) or not got.startswith("#TRAPPE: ") or len(got) > 200
                    or "intern fejl" in got or re.search(r"datetime|\[\[|\bNone\b|nan\b", got)):
                defects.append(f"TRAPPE_STEP{tuple(args)!r:.120}: {got!r:.160}")
    finally:
        udf.use_workbook(None)
    return calls, defects


def probe_workbooks(book: Path, tmp: Path) -> tuple[int, list[str]]:
    src = book.read_bytes()
    crafted = {"stray-cell": R._with_stray_cell(src, "BXY200001"),
               "deflate-bomb": R.bomb(1100 * 2**20), "not-a-zip": b"not a workbook at all",
               "cut-in-half": src[: len(src) // 2]}
    defects, tried = [], 0
    for case, data in crafted.items():
        f = tmp / f"{case}.xlsx"
        f.write_bytes(data)
        tried += 1
        udf.use_workbook(str(f))
        try:
            got = udf.TRAPPE_STEP("København", 2020, "2-3")
        except BaseException as e:  # noqa: BLE001
            got = f"undtagelse {type(e).__name__}"
        finally:
            udf.use_workbook(None)
        if not (isinstance(got, str) and got.startswith("#TRAPPE: ") and "intern fejl" not in got):
            defects.append(f"{case} (TRAPPE_STEP): {got!r:.160}")
        tried += 1
        if why := refused(["check", f, "--data-dir", REPO / "data"], r".", REPO / "data"):
            defects.append(f"{case} (check): {why}")
    return tried, defects


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000, help="generated function calls")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    results = {}
    with tempfile.TemporaryDirectory(prefix="trappe-probe-") as t:
        tmp = Path(t)
        results["eksportfiler"] = probe_files(tmp)
        results["stier"] = probe_paths(tmp)
        results["snapshots"] = probe_snapshots(tmp)
        book = shipped_workbook(tmp)
        results["funktioner"] = probe_functions(book, args.calls, rng)
        results["projektmapper"] = probe_workbooks(book, tmp)
    print(f"{'kategori':<14} {'prøvet':>7} {'håndteret':>10} {'fejl':>6}")
    total_defects = 0
    for cat, (tried, defects) in results.items():
        total_defects += len(defects)
        print(f"{cat:<14} {tried:>7} {tried - len(defects):>10} {len(defects):>6}")
    for cat, (_, defects) in results.items():
        for d in defects[:20]:
            print(f"  {cat}: {d}")
    return 1 if total_defects else 0


if __name__ == "__main__":
    sys.exit(main())
