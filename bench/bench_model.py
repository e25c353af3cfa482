"""Benchmark: apply the packaged key + build the step table on the full-size SYNTHETIC data set.

    python bench/bench_model.py [--runs 7] [--level grouping|function]

Prints median and min over the runs, row counts and peak memory (ru_maxrss). Target: apply key +
step table ≤ 1 s median on the project's 2-core machines.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import make_accounts, make_deflator, make_population  # noqa: E402  (after path setup)

from trappe_xl import model  # noqa: E402
from trappe_xl.key import load_key  # noqa: E402


def timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--level", default="grouping", choices=["grouping", "function"])
    args = ap.parse_args()
    key = load_key()
    accounts = make_accounts(args.level, seed=0)
    population, deflator = make_population(), make_deflator()
    times, steps = timed(lambda: model.step_table(model.apply_key(accounts, key)), args.runs)
    detail_rows = len(model.apply_key(accounts, key))
    print(f"SYNTHETIC data, level={args.level}: {len(accounts):,} account rows -> {detail_rows:,} detail rows "
          f"-> {len(steps):,} step rows")
    print(f"apply_key + step_table: median {statistics.median(times):.3f} s, min {min(times):.3f} s "
          f"({args.runs} runs)")
    ct, _ = timed(lambda: model.assert_conserved(accounts, steps, key), args.runs)
    print(f"assert_conserved:       median {statistics.median(ct):.3f} s, min {min(ct):.3f} s")
    valg = model.Valg(enhed="pr_0_22", prisaar=2024)
    st, _ = timed(lambda: model.serie(steps, population, deflator, valg, model.hele_landet(),
                                      range(2007, 2025), with_totals=True), args.runs)
    print(f"serie (hele landet, pr. 0-22-årig, faste priser): median {statistics.median(st):.3f} s, "
          f"min {min(st):.3f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
