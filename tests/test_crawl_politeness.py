"""Politeness measured at the server: per-host interval and concurrency, global cap,
robots.txt Crawl-delay, and hosts crawled in parallel with each other."""

from __future__ import annotations

import time

from fixtures.sites.harness import RecordingTransport, fast_settings, write_registry
from fixtures.sites.server import FixtureServer, Route

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, load_entry_points


def small_site(delay: float = 0.0, robots: bytes = b"User-agent: *\nDisallow:\n") -> dict[str, Route]:
    items = "".join(f"<li><a href='/art/{i}.html'>人才政策{i}</a></li>" for i in range(4))
    routes = {
        "/robots.txt": Route(body=robots, content_type="text/plain"),
        "/": Route(body=f"<html><body><ul>{items}</ul></body></html>".encode(), delay=delay),
    }
    for i in range(4):
        routes[f"/art/{i}.html"] = Route(body=f"<html>人才政策{i}</html>".encode(), delay=delay)
    return routes


def crawl(tmp_path, servers, transport=None, **settings):
    registry = write_registry(tmp_path / "registry.csv", [
        (f"城市{i}", "hrss", s.base_url + "/") for i, s in enumerate(servers)])
    store = RawStore(tmp_path / "raw")
    started = time.monotonic()
    crawler = Crawler(store, fast_settings(**settings), transport=transport)
    summary = crawler.run(load_entry_points(registry))
    return summary, time.monotonic() - started


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_host_interval_spaces_request_starts(tmp_path):
    transport = RecordingTransport()
    with FixtureServer(small_site()) as server:
        summary, _ = crawl(tmp_path, [server], transport=transport, host_interval_seconds=0.08)
        served = [h.started for h in server.hits]
    assert summary.outcomes["stored"] == 6
    sent = [t for t, _ in transport.sent]
    assert len(sent) == len(served) == 6
    # as the crawler sent them: never closer than the interval (less a few ms of event-loop
    # jitter between a slot opening and the request reaching the transport), and on average
    # at least the interval
    assert min(gaps(sent)) >= 0.072, gaps(sent)
    assert sent[-1] - sent[0] >= 0.08 * (len(sent) - 1) - 0.005, gaps(sent)
    # as the server saw them (thread scheduling on a busy machine blurs single gaps)
    assert served[-1] - served[1] >= 0.08 * (len(served) - 2) - 0.03, gaps(served)


def test_robots_crawl_delay_slows_a_host_down(tmp_path):
    robots = b"User-agent: *\nCrawl-delay: 0.2\nDisallow: /private/\n"
    transport = RecordingTransport()
    with FixtureServer(small_site(robots=robots)) as server:
        crawl(tmp_path, [server], transport=transport, host_interval_seconds=0.0)
    sent = [t for t, _ in transport.sent]
    assert len(sent) == 6
    # every request after robots.txt waits (less a few ms of event-loop jitter, as above)
    assert min(gaps(sent)[1:]) >= 0.18, gaps(sent)
    assert sent[-1] - sent[1] >= 0.2 * (len(sent) - 2) - 0.005, gaps(sent)


def test_hosts_are_crawled_in_parallel_but_each_host_serially(tmp_path):
    with (FixtureServer(small_site(delay=0.15)) as a, FixtureServer(small_site(delay=0.15)) as b,
          FixtureServer(small_site(delay=0.15)) as c):
        summary, seconds = crawl(tmp_path, [a, b, c], host_concurrency=1, total_concurrency=8)
        hits = {s.host: list(s.hits) for s in (a, b, c)}
    assert summary.outcomes["stored"] == 18
    # one host at a time: each request starts after the previous one on that host ended
    for host_hits in hits.values():
        for before, after in zip(host_hits, host_hits[1:], strict=False):
            assert after.started >= before.ended - 0.01
    # 15 slow pages in a row would take >= 2.25 s; three hosts side by side take about a third
    assert seconds < 1.6, seconds
    overlapping = [(x, y) for x in hits[a.host] for y in hits[b.host]
                   if x.started < y.ended and y.started < x.ended]
    assert overlapping


def test_total_concurrency_caps_requests_across_hosts(tmp_path):
    with FixtureServer(small_site(delay=0.05)) as a, FixtureServer(small_site(delay=0.05)) as b:
        crawl(tmp_path, [a, b], total_concurrency=1)
        hits = sorted(a.hits + b.hits, key=lambda h: h.started)
    for before, after in zip(hits, hits[1:], strict=False):
        assert after.started >= before.ended - 0.01


def test_registry_example_url_is_crawled_even_when_nothing_links_to_it(tmp_path):
    routes = small_site()
    routes["/hidden/cited.html"] = Route(body="<html>人才引进办法</html>".encode())
    with FixtureServer(routes) as server:
        path = tmp_path / "registry.csv"
        path.write_text(f"city,kind,url,example_url\n甲市,hrss,{server.base_url}/,"
                        f"{server.base_url}/hidden/cited.html\n", encoding="utf-8")
        store = RawStore(tmp_path / "raw")
        Crawler(store, fast_settings()).run(load_entry_points(path))
    row = store.latest().set_index("url").loc[server.base_url + "/hidden/cited.html"]
    assert row["role"] == "article" and row["parent_url"] == server.base_url + "/"


def test_crawl_runs_from_inside_a_running_event_loop(tmp_path):
    """Notebooks run an event loop already; run() must still work there."""
    import asyncio

    with FixtureServer(small_site()) as server:
        registry = write_registry(tmp_path / "registry.csv", [("甲市", "hrss", server.base_url + "/")])
        crawler = Crawler(RawStore(tmp_path / "raw"), fast_settings())

        async def inside_a_loop():
            return crawler.run(load_entry_points(registry))

        summary = asyncio.run(inside_a_loop())
    assert summary.outcomes["stored"] == 6
