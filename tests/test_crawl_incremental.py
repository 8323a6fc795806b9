"""Re-crawls: unchanged pages cost one small request, changes are picked up, interrupted
crawls resume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fixtures.sites.harness import fast_settings, manifest_by_path, write_registry
from fixtures.sites.portal import build_portal, html, page
from fixtures.sites.server import FixtureServer

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, load_entry_points


@pytest.fixture(params=[False], ids=["one-page-without-validators"])
def portal(tmp_path, request):
    with FixtureServer() as other, FixtureServer() as server:
        site = build_portal(server.base_url, other.base_url, traps=False,
                            validators_everywhere=request.param)
        server.routes.update(site.routes)
        registry = write_registry(tmp_path / "registry.csv", [("测试市", "hrss", server.base_url + "/")])
        yield site, server, load_entry_points(registry), RawStore(tmp_path / "raw")


def _objects(store: RawStore) -> list:
    return sorted(p for p in store.objects.rglob("*") if p.is_file())


@pytest.mark.parametrize("portal", [True], indirect=True, ids=["validators-everywhere"])
def test_second_crawl_of_unchanged_site_costs_under_5_percent(portal):
    site, server, entries, store = portal
    first = Crawler(store, fast_settings()).run(entries)
    first_bytes = server.bytes_sent()
    first_objects = _objects(store)
    assert first.outcomes["stored"] == len(site.stored)
    server.reset_log()

    second = Crawler(store, fast_settings()).run(entries)
    second_bytes = server.bytes_sent()
    assert second.outcomes["stored"] == 0
    assert second.outcomes["unchanged"] == len(site.stored)
    assert second_bytes < 0.05 * first_bytes, (second_bytes, first_bytes)
    assert second.wire_bytes < 0.05 * first.wire_bytes  # the crawler's own count agrees
    # conditional GETs went out, and objects were neither added nor touched
    # every request was conditional and answered 304, apart from the redirect hops before one
    assert all("if-none-match" in h.headers or "if-modified-since" in h.headers
               for h in server.hits)
    statuses = sorted(h.status for h in server.hits)
    assert statuses == [301, 302] + [304] * len(site.stored)
    assert _objects(store) == first_objects


def test_page_without_validators_is_recognised_by_its_hash(portal):
    site, server, entries, store = portal
    Crawler(store, fast_settings()).run(entries)
    objects = _objects(store)
    server.reset_log()
    summary = Crawler(store, fast_settings()).run(entries)
    path = "/xxgk/zcwj/art/t20240320_1005.html"
    full_bodies = [h.path for h in server.hits if h.status == 200]
    assert full_bodies == [path]  # the only page downloaded in full...
    manifest = manifest_by_path(store, server.base_url)
    assert list(manifest.loc[manifest["path"] == path, "outcome"]) == ["stored", "unchanged"]
    assert summary.outcomes["stored"] == 0  # ...and its hash showed nothing changed
    assert _objects(store) == objects


def test_a_changed_page_is_stored_again_and_old_body_kept(portal):
    site, server, entries, store = portal
    Crawler(store, fast_settings()).run(entries)
    path = "/xxgk/zcwj/art/t20240401_1006.html"
    old_sha = store.latest().set_index("url").loc[server.base_url + path, "sha256"]
    server.routes[path] = html(page("人才绿卡实施办法（修订）", "<p>修订。</p>"), "gbk")
    summary = Crawler(store, fast_settings()).run(entries)
    assert summary.outcomes["stored"] == 1
    latest = store.latest().set_index("url").loc[server.base_url + path]
    assert latest["sha256"] != old_sha
    assert "修订".encode("gbk") in store.read(latest["sha256"])
    assert store.read(old_sha)  # the old snapshot is still there
    manifest = manifest_by_path(store, server.base_url)
    assert list(manifest.loc[manifest["path"] == path, "outcome"]) == ["stored", "stored"]


def test_interrupted_crawl_resumes_without_refetching(portal):
    site, server, entries, store = portal

    def interrupt_after_ten(done: int, total: int, url: str) -> None:
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Crawler(store, fast_settings(), progress=interrupt_after_ten).run(entries)
    before = store.manifest()
    assert 5 <= (before["outcome"] == "stored").sum() < len(site.stored)  # rows written so far survive
    fetched_before = set(before.loc[before["outcome"] == "stored", "url"])
    server.reset_log()

    Crawler(store, fast_settings(), max_age=timedelta(hours=1)).run(entries)
    manifest = manifest_by_path(store, server.base_url)
    stored = manifest[manifest["outcome"] == "stored"]
    assert set(stored["path"]) == site.stored and stored["url"].is_unique
    # pages finished before the interruption were not requested again (robots.txt aside)
    requested = {server.base_url + p for p in server.paths()} - {server.base_url + "/robots.txt"}
    assert not requested & fetched_before


def test_max_age_skips_every_request_but_robots(portal):
    site, server, entries, store = portal
    Crawler(store, fast_settings()).run(entries)
    server.reset_log()
    summary = Crawler(store, fast_settings(), max_age=timedelta(hours=1)).run(entries)
    assert server.paths() == ["/robots.txt"]
    assert summary.skipped["fresh"] == len(site.stored) - 1
