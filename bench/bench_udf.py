"""Benchmark the TRAPPE functions on a full-size SYNTHETIC workbook (98 kommuner × 2007–2024).

    python bench/bench_udf.py [--calls 10000] [--workbook PATH]

Builds the workbook with the real pipeline (key + model + writer) from bench/synthetic.py data
(random, made-up figures: never real) into a temporary folder, or into --workbook PATH when that
file does not exist yet (an existing file there is reused: the build takes minutes). Targets:

* warm TRAPPE_STEP core ≤ 20 µs per call (median of --calls calls, varied arguments: trin 0–6,
  so about one call in seven asks for trin 1, which has no source in the data and answers the
  Danish message — the path a user meets for that step);
* first call, including reading the workbook's tables, ≤ 1 s;
* TRAPPE_SERIE for 18 years ≤ 1 ms (one kommune; groups are reported too).

Excel adds its own per-call overhead (COM/VBA round trip, milliseconds) on top of these figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import make_accounts, make_deflator, make_population  # noqa: E402  (after path setup)

from trappe_xl import udf  # noqa: E402
from trappe_xl.udf import answers as udf_core  # noqa: E402
from trappe_xl.dataset import Dataset  # noqa: E402
from trappe_xl.key import load_key  # noqa: E402
from trappe_xl.pipeline import prepare  # noqa: E402
from trappe_xl.reference import kommuner  # noqa: E402
from trappe_xl.workbook.selection import Selection  # noqa: E402
from trappe_xl.workbook.writer import write_workbook  # noqa: E402


def build_synthetic(path: Path) -> Path:
    ds = Dataset(accounts=make_accounts("grouping"), aggregates=make_accounts("grouping").iloc[:0],
                 population=make_population(), deflator=make_deflator(),
                 meta={"name": "SYNTHETIC-bench", "created": "2026-11-24T04:13:00Z",
                       "source": "synthetic", "tables": {}})
    return write_workbook(prepare(ds, load_key(), synthetic=True), Selection(), path)


def per_call(fn, argsets: list[tuple], repeat: int = 1) -> list[float]:
    times = []
    for args in argsets * repeat:
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return times


def us(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1e6:8.1f} µs, p95 {sorted(times)[int(len(times) * .95)] * 1e6:8.1f} µs"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--workbook", type=Path)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-udf-")
    path = args.workbook or Path(tmp.name) / "SYNTETISK_bench.xlsx"
    if not path.is_file():
        t0 = time.perf_counter()
        path = build_synthetic(path)
        print(f"built synthetic workbook in {time.perf_counter() - t0:.1f} s: "
              f"{path.stat().st_size / 1e6:.1f} MB")

    udf.use_workbook(path)
    udf.clear_cache()
    t0 = time.perf_counter()
    first = udf.TRAPPE_STEP("København", 2019.0, 3.0)
    t_first = time.perf_counter() - t0
    book = udf._book(None)
    print(f"first call (read tables + first figure): {t_first:.3f} s  -> {first!r}  "
          f"[{len(book.steps):,} TrinData rows]")

    step = udf_core.guarded(udf_core.trappe_step)  # some synthetic kommune-years are missing
    serie_fn = udf_core.guarded(udf_core.trappe_serie)
    rng = random.Random(1)
    names = [k.navn for k in kommuner()]
    argsets = [(book, rng.choice(names), float(rng.choice(book.years)), float(rng.randint(0, 6)))
               for _ in range(args.calls)]
    per_call(step, argsets[:200])  # build the per-unit arrays once
    print(f"warm TRAPPE_STEP core ({args.calls:,} calls):            "
          f"{us(per_call(step, argsets))}")
    wrapped = [a[1:] for a in argsets]
    print(f"warm TRAPPE_STEP via udf (guard + cache check):  {us(per_call(udf.TRAPPE_STEP, wrapped))}")
    opts = [(book, rng.choice(names), float(rng.choice(book.years)), float(rng.randint(1, 6)),
             "udgifter", "pr. 0-17-årig", 2024.0, "uden") for _ in range(args.calls)]
    per_call(step, opts[:50])
    print(f"warm TRAPPE_STEP core, per child + faste priser: {us(per_call(step, opts))}")

    lo, hi = float(book.years[0]), float(book.years[-1])
    serie = [(book, n, lo, hi) for n in names]
    print(f"TRAPPE_SERIE {int(hi - lo + 1)} years, one kommune:         "
          f"{us(per_call(serie_fn, serie, repeat=10))}")
    t0 = time.perf_counter()
    udf_core.trappe_serie(book, "Region Midtjylland", lo, hi)
    print(f"TRAPPE_SERIE region, first (model run):        {(time.perf_counter() - t0) * 1e3:8.1f} ms")
    print(f"TRAPPE_SERIE region, warm:                     "
          f"{us(per_call(serie_fn, [(book, 'Region Midtjylland', lo, hi)] * 200))}")
    t0 = time.perf_counter()
    udf_core.trappe_sammenlign(book, "Hele landet", 2019.0, 3.0)
    print(f"TRAPPE_SAMMENLIGN Hele landet, first:          {(time.perf_counter() - t0) * 1e3:8.1f} ms")
    print(f"TRAPPE_SAMMENLIGN Hele landet, warm:           "
          f"{us(per_call(udf_core.trappe_sammenlign, [(book, 'Hele landet', 2019.0, 3.0)] * 1000))}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
