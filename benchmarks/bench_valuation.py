"""Valuation speed: every registry city x profile x scope on the embedded dataset (target < 2 s).

    python benchmarks/bench_valuation.py
"""

from __future__ import annotations

import time

from benchmark import city_registry, dataset
from benchmark.valuation import load_profiles, value_profiles


def main() -> None:
    provisions, features = dataset.load_provisions(), dataset.load_features()
    cities = list(city_registry.load_cities()["city"])
    spec = load_profiles()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        result = value_profiles(provisions, features, spec, cities=cities)
        timings.append(time.perf_counter() - started)
    known = result.values["value_cny"].notna().sum()
    print(f"valued {len(cities)} cities x {len(spec.profiles)} profiles x 2 scopes "
          f"({len(provisions)} provisions, {len(result.items)} line items, {known} known values)")
    print(f"best of 5: {min(timings):.3f} s, worst: {max(timings):.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
