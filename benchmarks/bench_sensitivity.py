"""Monte Carlo replications per second of the index engine's uncertainty analysis.

Two cases:

1. COINr's ASEM example (51 units, 49 indicators, 4 levels) with the four uncertain inputs of
   COINr's own sensitivity example: weights noise 25 % at levels 2 and 3, normalisation
   min-max [1, 100] vs z-score (10, 2), Winsorisation limit winmax 1-5, arithmetic vs
   geometric aggregation. COINr needs about 83 ms per replication on these machines
   (about 12 per second); the target is >= 100x that (>= 1 200 per second).
2. A synthetic case, 300 units x 100 indicators (10 pillars, 3 sub-indices), same four
   inputs; the target is 10 000 replications in under 30 s using under 2 GB.

Timings include everything `uncertainty()` does: rebuilding the treated/normalised data for
each distinct method combination, aggregating every weight draw, ranking.

    python benchmarks/bench_sensitivity.py [--shared ../shared/data] [--quick]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.index import CompositeIndex
from benchmark.index.sensitivity import sensitivity, uncertainty

COINR_SECONDS_PER_REP = 0.083

ASEM_SPEC = {"steps": [
    {"denominate": {}},
    {"impute": {"method": "mean_group", "group": "EurAsia_group"}},
    {"screen": {"min_data": 0.9}},
    {"treat": {"method": "winsorise_log", "winmax": 5, "skew": 2, "kurt": 3.5}},
    {"normalise": {"method": "minmax", "range": [0, 100]}},
    {"aggregate": {"method": "arithmetic"}},
]}


def four_inputs(weight_levels: list[int]) -> list[dict]:
    return [
        {"name": "weights", "type": "weights", "levels": weight_levels, "noise": 0.25},
        {"name": "normalisation", "type": "choice", "step": "normalise",
         "options": [{"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}]},
        {"name": "winmax", "type": "param", "step": "treat", "param": "winmax", "values": [1, 2, 3, 4, 5]},
        {"name": "aggregation", "type": "choice", "step": "aggregate",
         "options": [{"method": "arithmetic"}, {"method": "geometric"}]},
    ]


def synthetic(n_units: int = 300, n_ind: int = 100, n_pillars: int = 10, seed: int = 0):
    """Skewed, correlated, partly missing indicators in a 4-level framework."""
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n_units, 1))
    raw = np.exp(0.6 * factor + rng.normal(scale=0.8, size=(n_units, n_ind)))  # log-normal: heavy tails
    raw[rng.random(raw.shape) < 0.03] = np.nan
    codes = [f"x{j:03d}" for j in range(n_ind)]
    idata = pd.DataFrame(raw, columns=codes)
    idata.insert(0, "uCode", [f"U{i:03d}" for i in range(n_units)])
    idata.insert(1, "uName", idata["uCode"])
    pillars = [f"P{p:02d}" for p in range(n_pillars)]
    subs = ["S1", "S2", "S3"]
    rows = [{"Level": 1, "iCode": c, "Direction": -1 if j % 7 == 0 else 1, "Weight": 1,
             "Parent": pillars[j * n_pillars // n_ind], "Type": "Indicator"} for j, c in enumerate(codes)]
    rows += [{"Level": 2, "iCode": p, "Direction": 1, "Weight": 1, "Parent": subs[min(k * 3 // n_pillars, 2)],
              "Type": "Aggregate"} for k, p in enumerate(pillars)]
    rows += [{"Level": 3, "iCode": s, "Direction": 1, "Weight": 1, "Parent": "Index", "Type": "Aggregate"}
             for s in subs]
    rows.append({"Level": 4, "iCode": "Index", "Direction": 1, "Weight": 1, "Parent": None, "Type": "Aggregate"})
    spec = {"steps": [{"impute": {"method": "mean"}},
                      {"treat": {"method": "winsorise_log", "winmax": 5}},
                      {"normalise": {"method": "minmax", "range": [0, 100]}},
                      {"aggregate": {"method": "arithmetic"}}]}
    return idata, pd.DataFrame(rows), spec


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed_ua(coin: CompositeIndex, inputs: list[dict], n: int, seed: int = 0) -> tuple[float, object]:
    start = time.perf_counter()
    ua = uncertainty(coin, inputs, n=n, seed=seed)
    return time.perf_counter() - start, ua


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="smaller runs (for a smoke test)")
    args = parser.parse_args(argv)
    big = 2_000 if args.quick else 10_000

    print("== ASEM (COINr example): 51 units x 49 indicators, 4 uncertain inputs ==")
    d = args.shared / "coinr_asem"
    if not (d / "asem_idata.csv").is_file():
        print(f"COINr reference data not found under {d}; pass --shared", file=sys.stderr)
        return 2
    coin = CompositeIndex(pd.read_csv(d / "asem_idata.csv"), pd.read_csv(d / "asem_imeta.csv")).build(ASEM_SPEC)
    inputs = four_inputs([2, 3])
    uncertainty(coin, inputs, n=10)  # warm-up: imports, BLAS threads
    coinr_rate = 1 / COINR_SECONDS_PER_REP
    for n in (1_000, big):
        secs, ua = timed_ua(coin, inputs, n)
        rate = n / secs
        verdict = "meets" if rate >= 1200 else "MISSES"
        print(f"  N = {n:>6}: {secs:6.3f} s  -> {rate:10,.0f} replications/s  "
              f"({rate / coinr_rate:,.0f}x COINr's ~{coinr_rate:.0f}/s; {verdict} the >= 1,200/s target)")
    s = ua.summary.set_index("uCode")
    print("  top 5 (nominal, median, 5%-95% rank):",
          "; ".join(f"{u} {int(r.Nominal)}, {r.Median:g}, [{r.Q5:g}, {r.Q95:g}]" for u, r in s.head(5).iterrows()))
    start = time.perf_counter()
    sa = sensitivity(coin, inputs, n=512, seed=0)
    secs = time.perf_counter() - start
    print(f"  Sobol, N = 512 base samples ({sa.runs} runs incl. bootstrap CIs): {secs:.2f} s")
    for row in sa.indices.itertuples():
        print(f"    {row.input:<14} S1 = {row.S1:6.3f} [{row.S1_low:6.3f}, {row.S1_high:6.3f}]  "
              f"ST = {row.ST:6.3f} [{row.ST_low:6.3f}, {row.ST_high:6.3f}]")

    print("\n== Synthetic: 300 units x 100 indicators (10 pillars, 3 sub-indices), 4 uncertain inputs ==")
    idata, imeta, spec = synthetic()
    coin = CompositeIndex(idata, imeta).build(spec)
    before = peak_rss_mb()
    for label, levels in (("weights noise at levels 2, 3", [2, 3]),
                          ("weights noise at levels 1, 2, 3 (every indicator weight too)", [1, 2, 3])):
        secs, ua = timed_ua(coin, four_inputs(levels), big)
        verdict = "meets" if secs * 10_000 / big < 30 else "MISSES"
        print(f"  {label}: N = {big}: {secs:6.2f} s -> {big / secs:8,.0f} replications/s "
              f"({verdict} the 10,000 in < 30 s target)")
    peak = peak_rss_mb()
    print(f"  peak resident memory of the whole process: {peak:,.0f} MB "
          f"(before the synthetic runs: {before:,.0f} MB; {'meets' if peak < 2048 else 'MISSES'} "
          f"the < 2,048 MB target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
