"""Re-crawls: unchanged pages cost one small request, changes are picked up, interrupted
crawls resume."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import yaml
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


def _object_stats(store: RawStore) -> dict:
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in _objects(store)}


def test_a_changed_page_is_stored_again_and_old_body_kept(portal):
    site, server, entries, store = portal
    Crawler(store, fast_settings()).run(entries)
    objects_before = _object_stats(store)
    manifest_before = store.manifest()
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
    # nothing stored earlier was overwritten or deleted: objects untouched, manifest appended to
    objects_after = _object_stats(store)
    assert {p: objects_after.get(p) for p in objects_before} == objects_before
    assert len(objects_after) == len(objects_before) + 1
    earlier = manifest.drop(columns="path").head(len(manifest_before))
    assert earlier.equals(manifest_before)


def test_ctrl_c_keeps_what_was_fetched_and_a_rerun_resumes(portal, tmp_path):
    """A real SIGINT to a running `talentbench crawl`: rows fetched so far are written on the
    way out, and a rerun with --max-age picks up where it stopped without refetching."""
    site, server, entries, store = portal
    # The server holds one listing page for 30 s: the crawl is certainly mid-way when the
    # signal arrives, whatever the machine's load.
    held = "/xxgk/zcwj/index_1.html"
    original = server.routes[held]
    server.routes[held] = dataclasses.replace(original, delay=30.0)
    settings = tmp_path / "patient.yaml"
    settings.write_text(yaml.safe_dump({"defaults": {
        "host_interval_seconds": 0, "read_timeout_seconds": 60, "max_fetch_seconds": 60,
        "max_retries": 0}}))
    registry = write_registry(tmp_path / "again.csv", [("测试市", "hrss", server.base_url + "/")])
    command = [sys.executable, "-m", "benchmark", "crawl", "--registry", str(registry),
               "--raw-dir", str(store.root), "--settings", str(settings), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while held not in server.paths() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)  # let the other pages in flight finish
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    server.routes[held] = original
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] in ("talentbench: aborted", "talentbench: interrupted")
    assert "Traceback" not in err
    before = store.manifest()
    fetched_before = set(before.loc[before["outcome"] == "stored", "url"])
    assert 5 <= len(fetched_before) < len(site.stored)  # rows fetched so far survived
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
