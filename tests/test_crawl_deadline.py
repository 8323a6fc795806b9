"""max_fetch_seconds is one budget per URL: retries, backoff sleeps and redirect hops included."""

from __future__ import annotations

from fixtures.sites.harness import (
    crawl_site,
    entry_with,
)
from fixtures.sites.server import FixtureServer, Route


def crawl(tmp_path, server, **settings):
    summary, manifest = crawl_site(tmp_path, server, **settings)
    return manifest, summary.seconds


def test_a_dripping_server_costs_one_budget_not_one_per_retry(tmp_path):
    # One byte every 0.1 s: never silent for a read timeout, 30 s for the whole body.
    # Before: each of the 4 attempts got 1.5 s of its own (6 s and more).
    routes = {"/": entry_with({"人才政策（龟速）": "/drip.html"}),
              "/drip.html": Route(body=b"x" * 300, drip_seconds=0.1)}
    with FixtureServer(routes) as server:
        manifest, seconds = crawl(tmp_path, server, max_fetch_seconds=1.5, max_retries=3,
                                  read_timeout_seconds=1.0, backoff_seconds=0.01)
        drips = server.paths().count("/drip.html")
    row = manifest.loc["/drip.html"]
    assert (row["outcome"], row["reason"]) == ("failed", "timeout")
    assert row["elapsed_ms"] < 2500
    assert drips == 1  # the budget was spent on the first attempt
    assert seconds < 3.5  # the whole crawl: robots.txt, the entry page and this one


def test_backoff_sleeps_draw_on_the_same_budget(tmp_path):
    # Always 503 with Retry-After 1 s: two attempts fit in 1.5 s, a third would start after it.
    busy = Route(body=b"<html>ok</html>", fail_times=99, fail_status=503,
                 fail_headers={"Retry-After": "1"})
    routes = {"/": entry_with({"人才政策（维护）": "/busy.html"}), "/busy.html": busy}
    with FixtureServer(routes) as server:
        manifest, seconds = crawl(tmp_path, server, max_fetch_seconds=1.5, max_retries=3,
                                  backoff_max_seconds=5.0)
        tries = server.paths().count("/busy.html")
    row = manifest.loc["/busy.html"]
    assert (row["outcome"], row["reason"]) == ("failed", "http_503")
    assert tries == 2
    assert row["elapsed_ms"] < 1600  # gave up at once instead of sleeping past the budget
    assert seconds < 3


def test_redirect_hops_share_the_budget(tmp_path):
    # The first hop is slow (1.0 s of a 1.5 s budget), the target drips: the budget, not a
    # fresh 1.5 s for the target, decides when the fetch gives up.
    routes = {"/": entry_with({"人才政策（跳转）": "/moved.html"}),
              "/moved.html": Route(status=302, headers={"Location": "/drip.html"}, delay=1.0),
              "/drip.html": Route(body=b"x" * 300, drip_seconds=0.1)}
    with FixtureServer(routes) as server:
        manifest, _ = crawl(tmp_path, server, max_fetch_seconds=1.5, max_retries=2,
                            read_timeout_seconds=2.0)
    row = manifest.loc["/moved.html"]
    assert (row["outcome"], row["reason"]) == ("failed", "timeout")
    assert row["elapsed_ms"] < 2200


def test_retries_within_the_budget_still_happen(tmp_path):
    flaky = Route(body=b"<html>ok</html>", fail_times=2, fail_status=500)
    routes = {"/": entry_with({"人才政策（偶发错误）": "/flaky.html"}), "/flaky.html": flaky}
    with FixtureServer(routes) as server:
        manifest, _ = crawl(tmp_path, server, max_fetch_seconds=1.5, max_retries=3)
        tries = server.paths().count("/flaky.html")
    assert manifest.loc["/flaky.html", "outcome"] == "stored"
    assert tries == 3
