"""Benchmark the workbook build on full-size SYNTHETIC data (bench/synthetic.py; made-up figures).

Prints, from one run: median build time of write_workbook vs. XlsxWriter alone dumping the same
detail table (the wide Regnskab table; ratio target ≤ 1.3), file sizes (ratio target ≤ 1.2),
LibreOffice load and full forced recalculation (doc.calculateAll() through UNO, target ≤ 10 s;
bench/lo_uno_recalc.py under /usr/bin/python3) — for the default inputs and for the heaviest ones
(own group of 10 municipalities, per 0-22-year-old, fixed prices, without refusion: SUMPRODUCT over
the group's codes with the population criteria) — and peak memory (ru_maxrss of this process and
of the soffice run). Run: python bench/bench_workbook.py [runs]   (default 3; each build ~ a minute)
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import xlsxwriter  # noqa: E402

from bench.synthetic import make_accounts, make_deflator, make_population  # noqa: E402
from trappe_xl.dataset import Dataset  # noqa: E402
from trappe_xl.key import load_key  # noqa: E402
from trappe_xl.pipeline import prepare  # noqa: E402
from trappe_xl.workbook import bookdata, layout  # noqa: E402
from trappe_xl.workbook.selection import Selection  # noqa: E402
from trappe_xl.workbook.writer import write_workbook  # noqa: E402

UNO_PYTHON = "/usr/bin/python3"
#: the inputs that make the most formula work: own group (10 SUMIFS per cell) x per child (the
#: population criteria) x fixed prices x without refusion
HEAVY = Selection(kommune="751", sammenligning="gruppe",
                  gruppe=("101", "147", "461", "561", "621", "657", "710", "740", "846", "851"),
                  enhed="pr_0_22", prisaar=2015, refusion=False, basis_fra=2010, basis_til=2012)


def plain_dump(frame, path: Path) -> None:
    """XlsxWriter alone: the same table, one write_row per row, no formats, no Table."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, list(frame.columns))
    for i, row in enumerate(frame.astype(object).where(frame.notna(), None).itertuples(index=False), 1):
        ws.write_row(i, 0, row)
    wb.close()


def lo_recalc(book: Path) -> dict:
    """Load + calculateAll() timings and peak memory of a UNO-driven soffice (see lo_uno_recalc)."""
    soffice = shutil.which("soffice")
    if not soffice or not Path(UNO_PYTHON).exists():
        return {}
    cmd = ["/usr/bin/time", "-f", "%M", UNO_PYTHON, str(REPO / "bench" / "lo_uno_recalc.py"),
           str(book), soffice]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["peak_mb"] = int(res.stderr.strip().splitlines()[-1]) / 1024
    return out


def main(runs: int = 3) -> None:
    t = time.perf_counter()
    acc = make_accounts(level="grouping")
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=make_population(),
                 deflator=make_deflator(), meta={"name": "SYNTHETIC-bench", "created": "2026-11-24T00:00:00Z"})
    data = prepare(ds, load_key(), synthetic=True)
    t_prep = time.perf_counter() - t
    detail = bookdata.regnskab(data)
    out = Path(tempfile.mkdtemp(prefix="bench-wb-"))
    t_build, t_dump = [], []
    for _ in range(runs):
        t = time.perf_counter(); write_workbook(data, Selection(), out / "book.xlsx"); t_build.append(time.perf_counter() - t)
        t = time.perf_counter(); plain_dump(detail, out / "dump.xlsx"); t_dump.append(time.perf_counter() - t)
    b, d = statistics.median(t_build), statistics.median(t_dump)
    sb, sd = (out / "book.xlsx").stat().st_size, (out / "dump.xlsx").stat().st_size
    lo = lo_recalc(out / "book.xlsx")
    lo_heavy = {}
    if lo:
        write_workbook(data, HEAVY, out / "heavy.xlsx")
        lo_heavy = lo_recalc(out / "heavy.xlsx")
    rows = [("SYNTHETIC accounts rows", f"{len(acc):,}"),
            ("detail rows (apply_key)", f"{len(data.detail):,}"),
            ("Regnskab rows (wide by maal)", f"{len(detail):,} (sheet limit {layout.MAX_SHEET_ROWS:,})"),
            ("TrinData rows", f"{len(data.steps):,}"),
            ("prepare (key+model+conservation)", f"{t_prep:.1f} s"),
            (f"build median of {runs}", f"{b:.1f} s (all: {', '.join(f'{x:.1f}' for x in t_build)})"),
            (f"plain dump median of {runs}", f"{d:.1f} s (all: {', '.join(f'{x:.1f}' for x in t_dump)})"),
            ("build / dump", f"{b / d:.2f} (target ≤ 1.3)"),
            ("file size book / dump", f"{sb / 1e6:.1f} MB / {sd / 1e6:.1f} MB = {sb / sd:.2f} (target ≤ 1.2)")]
    if lo:
        rows += [("LibreOffice load (UNO)", f"{lo['load_s']:.1f} s"),
                 ("LibreOffice calculateAll()", f"{lo['calculate_all_s']:.1f} s (target ≤ 10 s)"),
                 ("  same, heaviest inputs", f"{lo_heavy['calculate_all_s']:.1f} s (target ≤ 10 s)"),
                 ("LibreOffice peak memory", f"{lo['peak_mb']:.0f} MB")]
    rows.append(("peak memory (this process)",
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
