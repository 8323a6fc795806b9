"""Fuzz the crawler's own parsers (HTML decoding + link extraction + rules, robots.txt) with
10 000+ mutated inputs: nothing may raise, nothing may take more than 5 s.

The inputs are the fixture portal's real pages (without their shared navigation) and
robots.txt files, mutated by byte flips, insertions of hostile fragments, truncation,
duplication and re-encoding. ``benchmarks/bench_crawl_fuzz.py`` runs the same on full pages.
"""

from __future__ import annotations

import random
import time

from fixtures.sites.fuzzing import mutate, seed_pages, seed_robots

from benchmark.sources import LinkRules, extract_links
from benchmark.sources.robots import RobotsRules

AGENT = "talentbench/0.1.0"


def test_link_extraction_survives_10000_mutated_pages():
    rng = random.Random(20241126)
    rules = LinkRules.load()
    seeds = seed_pages()
    slowest = 0.0
    followed = 0
    for i in range(10_000):
        body = mutate(rng.choice(seeds), rng)
        started = time.perf_counter()
        ctype = rng.choice([None, "text/html", "text/html; charset=gbk", "text/html; charset=utf-8",
                            "text/html; charset=bogus"])
        links = extract_links(body, "http://127.0.0.1:8000/xxgk/index.html", ctype)
        followed += sum(1 for _ in rules.follow(links, "listing" if i % 2 else "article"))
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 5.0
    assert followed > 10_000  # mutated pages still yield links: the fuzzing reached the rules


def test_robots_parsing_survives_10000_mutated_files():
    rng = random.Random(7)
    seeds = seed_robots()
    slowest = 0.0
    for _ in range(10_000):
        body = mutate(rng.choice(seeds), rng)
        started = time.perf_counter()
        rules = RobotsRules.from_fetch(200, body)
        rules.can_fetch("http://127.0.0.1:8000/private/x.html", AGENT)
        rules.crawl_delay(AGENT)
        slowest = max(slowest, time.perf_counter() - started)
    assert slowest < 5.0
