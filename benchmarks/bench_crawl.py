"""Measure the crawler against fixture portals on 127.0.0.1 and print the figures.

    python benchmarks/bench_crawl.py [--hosts 100]

1. First crawl vs. re-crawl of an unchanged portal: bytes on the wire (server-side count).
2. The trap-filled portal: outcome of every trap.
3. 30 % random failures (5xx, resets, truncation) over several seeds: pages stored, duplicates.
4. Scale-out on one process: N portals with a polite per-host interval, crawled side by side.
5. Scale-out over processes: `talentbench crawl --shard i/N` workers sharing one raw store.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.sites.harness import fast_settings, write_registry  # noqa: E402
from fixtures.sites.portal import build_portal  # noqa: E402
from fixtures.sites.server import FixtureServer, Route  # noqa: E402

from benchmark.raw_store import RawStore  # noqa: E402
from benchmark.sources import Crawler, load_entry_points  # noqa: E402


def crawl(store, registry, **settings):
    started = time.perf_counter()
    summary = Crawler(store, fast_settings(**settings), seed=1).run(load_entry_points(registry))
    return summary, time.perf_counter() - started


def recrawl_cost(tmp: Path) -> None:
    print("== 1. re-crawl of an unchanged portal (bytes sent by the server, headers included)")
    for everywhere in (True, False):
        with FixtureServer() as other, FixtureServer() as server:
            site = build_portal(server.base_url, other.base_url, traps=False,
                                validators_everywhere=everywhere)
            server.routes.update(site.routes)
            work = Path(tempfile.mkdtemp(dir=tmp))
            registry = write_registry(work / "r.csv", [("测试市", "hrss", server.base_url + "/")])
            store = RawStore(work / "raw")
            first, t1 = crawl(store, registry)
            b1 = server.bytes_sent()
            server.reset_log()
            second, t2 = crawl(store, registry)
            b2 = server.bytes_sent()
            label = "every page has validators" if everywhere else "one page without validators"
            print(f"  {label:30s} first {b1:>9,} B ({first.outcomes['stored']} stored, {t1:.2f} s)  "
                  f"second {b2:>7,} B ({second.outcomes['unchanged']} unchanged, {t2:.2f} s)  "
                  f"ratio {b2 / b1:6.2%}")


def traps(tmp: Path) -> None:
    print("== 2. trap-filled portal")
    with FixtureServer() as other, FixtureServer() as server:
        site = build_portal(server.base_url, other.base_url, traps=True)
        server.routes.update(site.routes)
        registry = write_registry(tmp / "traps.csv", [("测试市", "hrss", server.base_url + "/")])
        summary, seconds = crawl(RawStore(tmp / "traps"), registry)
        for line in summary.lines():
            print("  " + line)
        print(f"  requests to the other domain: {len(other.hits)}")


def random_failures(tmp: Path, seeds: int) -> None:
    print(f"== 3. 30 % random failures, {seeds} seeds (max_retries=12)")
    complete, dupes, ratios, seconds = 0, 0, [], []
    for seed in range(seeds):
        with FixtureServer() as other, FixtureServer(failure_rate=0.3, seed=seed) as server:
            site = build_portal(server.base_url, other.base_url, traps=False)
            server.routes.update(site.routes)
            registry = write_registry(tmp / f"f{seed}.csv", [("测试市", "hrss", server.base_url + "/")])
            store = RawStore(tmp / f"f{seed}")
            _, secs = crawl(store, registry, max_retries=12, backoff_seconds=0.005,
                            backoff_max_seconds=0.02)
            manifest = store.manifest()
            stored = manifest[manifest["outcome"] == "stored"]
            paths = set(stored["url"].str.replace(server.base_url, "", regex=False))
            complete += paths >= site.stored
            dupes += len(stored) - stored["url"].nunique()
            ratios.append(server.failures_injected / len(server.hits))
            seconds.append(secs)
    print(f"  runs with every page stored: {complete}/{seeds}; duplicate stored rows: {dupes}; "
          f"injected failure rate {statistics.mean(ratios):.1%}; "
          f"crawl time median {statistics.median(seconds):.2f} s")


def scale(tmp: Path, hosts: int, interval: float) -> None:
    print(f"== 4. {hosts} portals side by side, host interval {interval} s, 1 request in flight per host")
    items = "".join(f"<li><a href='/art/{i}.html'>人才政策{i}</a></li>" for i in range(5))
    routes = {"/robots.txt": Route(body=b"User-agent: *\nDisallow:\n", content_type="text/plain"),
              "/": Route(body=f"<html><ul>{items}</ul></html>".encode())}
    routes.update({f"/art/{i}.html": Route(body=f"<html>人才政策{i}</html>".encode() * 200)
                   for i in range(5)})
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(FixtureServer(routes)) for _ in range(hosts)]
        registry = write_registry(tmp / "scale.csv", [(f"城市{i}", "hrss", s.base_url + "/")
                                                     for i, s in enumerate(servers)])
        summary, seconds = crawl(RawStore(tmp / "scale"), registry, host_interval_seconds=interval,
                                 total_concurrency=64)
    pages = summary.outcomes["stored"]
    serial = pages * interval
    print(f"  {pages} fetches in {seconds:.2f} s = {pages / seconds:.0f} fetches/s "
          f"(one host at this interval: {1 / interval:.0f}/s, i.e. {serial:.0f} s for the same work)")


def shards(tmp: Path, hosts: int, n_shards: int, interval: float) -> None:
    """N `talentbench crawl --shard i/N` processes side by side, sharing one raw store."""
    import subprocess

    import yaml

    print(f"== 5. {n_shards} crawl processes (--shard i/{n_shards}) sharing one raw store, {hosts} portals")
    items = "".join(f"<li><a href='/art/{i}.html'>人才政策{i}</a></li>" for i in range(5))
    routes = {"/robots.txt": Route(body=b"User-agent: *\nDisallow:\n", content_type="text/plain"),
              "/": Route(body=f"<html><ul>{items}</ul></html>".encode())}
    routes.update({f"/art/{i}.html": Route(body=f"<html>人才政策{i}</html>".encode() * 200)
                   for i in range(5)})
    settings = tmp / "shard-settings.yaml"
    settings.write_text(yaml.safe_dump({"defaults": {
        "host_interval_seconds": interval, "connect_timeout_seconds": 2, "read_timeout_seconds": 2,
        "max_retries": 1, "backoff_seconds": 0.05}}), encoding="utf-8")
    for label, count in (("1 process", 1), (f"{n_shards} shards", n_shards)):
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(FixtureServer(routes)) for _ in range(hosts)]
            registry = write_registry(tmp / f"shard-{count}.csv", [
                (f"城市{i}", "hrss", s.base_url + "/") for i, s in enumerate(servers)])
            raw = tmp / f"shard-raw-{count}"
            started = time.perf_counter()
            procs = [subprocess.Popen(
                ["talentbench", "crawl", "--registry", str(registry), "--raw-dir", str(raw),
                 "--settings", str(settings), "--no-progress", "--shard", f"{i}/{count}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(count)]
            codes = [proc.wait() for proc in procs]
            seconds = time.perf_counter() - started
            manifest = RawStore(raw).manifest()
        stored = int((manifest["outcome"] == "stored").sum())
        print(f"  {label:10s} exit codes {codes}  {stored} stored, {manifest['url'].nunique()} URLs, "
              f"{int((manifest['outcome'] == 'failed').sum())} failed, {seconds:.2f} s (incl. start-up)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        recrawl_cost(tmp)
        traps(tmp)
        random_failures(tmp, args.seeds)
        scale(tmp, args.hosts, interval=0.5)
        shards(tmp, args.hosts, 2, interval=0.5)


if __name__ == "__main__":
    main()
