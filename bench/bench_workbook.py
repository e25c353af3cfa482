"""Benchmark the workbook build on full-size SYNTHETIC data (bench/synthetic.py; made-up figures).

Prints, from one run: median build time of write_workbook vs. XlsxWriter alone dumping the same
detail table (ratio target ≤ 1.3), file sizes (ratio target ≤ 1.2), forced full recalculation in
LibreOffice (target ≤ 10 s) and peak memory (ru_maxrss). Run: python bench/bench_workbook.py [runs]
"""

from __future__ import annotations

import resource
import shutil
import statistics
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
from trappe_xl.workbook import bookdata  # noqa: E402
from trappe_xl.workbook.selection import Selection  # noqa: E402
from trappe_xl.workbook.writer import write_workbook  # noqa: E402


def plain_dump(frame, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, list(frame.columns))
    for i, row in enumerate(frame.astype(object).where(frame.notna(), None).itertuples(index=False), 1):
        ws.write_row(i, 0, row)
    wb.close()


def main(runs: int = 3) -> None:
    acc = make_accounts(level="grouping")
    ds = Dataset(accounts=acc, aggregates=acc.iloc[:0], population=make_population(),
                 deflator=make_deflator(), meta={"name": "SYNTHETIC-bench", "created": "2026-11-24T00:00:00Z"})
    data = prepare(ds, load_key(), synthetic=True)
    detail = bookdata.regnskab(data)
    out = Path(tempfile.mkdtemp(prefix="bench-wb-"))
    t_build, t_dump = [], []
    for _ in range(runs):
        t = time.perf_counter(); write_workbook(data, Selection(), out / "book.xlsx"); t_build.append(time.perf_counter() - t)
        t = time.perf_counter(); plain_dump(detail, out / "dump.xlsx"); t_dump.append(time.perf_counter() - t)
    b, d = statistics.median(t_build), statistics.median(t_dump)
    sb, sd = (out / "book.xlsx").stat().st_size, (out / "dump.xlsx").stat().st_size
    print(f"SYNTHETIC full size: {len(detail):,} detail rows, {len(data.steps):,} TrinData rows")
    print(f"build median {b:.2f} s (min {min(t_build):.2f}); plain dump median {d:.2f} s; ratio {b / d:.2f} (target ≤ 1.3)")
    print(f"file {sb / 1e6:.1f} MB vs dump {sd / 1e6:.1f} MB; ratio {sb / sd:.2f} (target ≤ 1.2)")
    soffice = shutil.which("soffice")
    if soffice:
        from lo import recalc
        t = time.perf_counter(); recalc([out / "book.xlsx"], out / "lo", soffice)
        print(f"LibreOffice forced recalculation incl. load/save: {time.perf_counter() - t:.1f} s (target ≤ 10 s)")
    print(f"peak memory (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
