"""Fuzz the crawler's parsers on full-size portal pages and print the figures.

    python benchmarks/bench_crawl_fuzz.py [--inputs 20000]

Link extraction (decoding + lxml + rules) on mutated full pages (~20 KB each, with the
navigation real portals carry) and robots.txt parsing on mutated files. Counts exceptions
(must be 0) and the slowest single input (must stay under 5 s).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.sites.fuzzing import mutate, seed_pages, seed_robots  # noqa: E402

from benchmark.sources import LinkRules, extract_links  # noqa: E402
from benchmark.sources.robots import RobotsRules  # noqa: E402

AGENT = "talentbench/0.1.0"


def fuzz(name, seeds, inputs, work, seed):
    rng = random.Random(seed)
    errors, slowest, total = 0, 0.0, 0.0
    for _ in range(inputs):
        body = mutate(rng.choice(seeds), rng)
        started = time.perf_counter()
        try:
            work(body)
        except Exception:  # noqa: BLE001 - counting is the point
            errors += 1
            if errors <= 3:
                traceback.print_exc()
        spent = time.perf_counter() - started
        slowest = max(slowest, spent)
        total += spent
    print(f"{name:16s} {inputs:>7,} inputs  exceptions {errors}  slowest {slowest * 1000:7.1f} ms  "
          f"mean {total / inputs * 1000:6.2f} ms  ({inputs / total:,.0f} inputs/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    args = parser.parse_args()
    rules = LinkRules.load()

    def links(body: bytes) -> None:
        found = extract_links(body, "http://127.0.0.1:8000/xxgk/zcwj/index.html")
        list(rules.follow(found, "listing"))

    def robots(body: bytes) -> None:
        parsed = RobotsRules.from_fetch(200, body)
        parsed.can_fetch("http://127.0.0.1:8000/private/a.html", AGENT)
        parsed.crawl_delay(AGENT)

    fuzz("links (full page)", seed_pages(boilerplate=True), args.inputs, links, 1)
    fuzz("links (content)", seed_pages(), args.inputs, links, 2)
    fuzz("robots.txt", seed_robots(), args.inputs, robots, 3)


if __name__ == "__main__":
    main()
