"""Leader's reports for every ranked city: one assessment, one PDF per focal city (target < 30 s).

    python benchmarks/bench_reports.py [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import benchmark as tb
from benchmark import dataset
from benchmark.fonts import find_cjk_font
from benchmark.report.assemble import draw_figures, render_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="talentbench-reports-"))
    started = time.perf_counter()
    a = tb.assess()
    assessed = time.perf_counter()
    font = find_cjk_font()
    figures = draw_figures(a, out / "figures", font)
    coverage = dataset.coverage(a.provisions, a.features)
    drawn = time.perf_counter()
    per_city = []
    for city in a.ranked:
        t = time.perf_counter()
        render_report(a, city, out, font=font, figures=figures, coverage=coverage)
        per_city.append((city, time.perf_counter() - t))
    total = time.perf_counter() - started
    print(f"assessment {assessed - started:.1f} s, common figures {drawn - assessed:.1f} s, "
          f"{len(per_city)} focal-city reports {sum(t for _, t in per_city):.1f} s "
          f"(slowest {max(per_city, key=lambda p: p[1])[0]} {max(t for _, t in per_city):.1f} s)")
    print(f"total {total:.1f} s for every ranked city (target < 30 s); reports in {out / 'reports'}")


if __name__ == "__main__":
    main()
