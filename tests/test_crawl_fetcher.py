"""Fetch-level defences: a server dripping bytes, Retry-After, 429, odd redirects."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from fixtures.sites.harness import (
    crawl_site,
    entry_with,
    fast_settings,
    write_registry,
)
from fixtures.sites.server import FixtureServer, Route

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, load_entry_points


def test_a_server_dripping_bytes_hits_the_total_time_cap(tmp_path):
    # each byte arrives well within the read timeout, but the whole body would take 60 s
    routes = {"/": entry_with({"人才政策（龟速）": "/drip.html"}),
              "/drip.html": Route(body=b"x" * 300, drip_seconds=0.2)}
    with FixtureServer(routes) as server:
        summary, manifest = crawl_site(tmp_path, server, read_timeout_seconds=0.5, max_fetch_seconds=1.0,
                                  max_retries=0)
    assert manifest.loc["/drip.html", "reason"] == "timeout"
    assert manifest.loc["/drip.html", "elapsed_ms"] < 2500


def test_retry_after_is_honoured_up_to_the_cap(tmp_path):
    busy = Route(body=b"<html>ok</html>", fail_times=2, fail_status=429,
                 fail_headers={"Retry-After": "0.3"})
    routes = {"/": entry_with({"人才政策（限流）": "/busy.html"}), "/busy.html": busy}
    with FixtureServer(routes) as server:
        summary, manifest = crawl_site(tmp_path, server, max_retries=3, backoff_seconds=0.01,
                                  backoff_max_seconds=1.0)
        starts = [h.started for h in server.hits if h.path == "/busy.html"]
    assert manifest.loc["/busy.html", "outcome"] == "stored"
    assert len(starts) == 3  # 429, 429, 200
    assert all(b - a >= 0.28 for a, b in zip(starts, starts[1:], strict=False))  # waited as told


def test_retry_after_beyond_the_cap_is_cut_to_the_cap(tmp_path):
    busy = Route(body=b"<html>ok</html>", fail_times=1, fail_status=503,
                 fail_headers={"Retry-After": "3600"})
    routes = {"/": entry_with({"人才政策（维护）": "/busy.html"}), "/busy.html": busy}
    with FixtureServer(routes) as server:
        summary, manifest = crawl_site(tmp_path, server, max_retries=1, backoff_max_seconds=0.2)
    assert manifest.loc["/busy.html", "outcome"] == "stored"
    assert summary.seconds < 3


def test_redirect_without_location_and_to_a_non_http_scheme(tmp_path):
    routes = {"/": entry_with({"人才政策A": "/nowhere.html", "人才政策B": "/ftp.html"}),
              "/nowhere.html": Route(status=302),
              "/ftp.html": Route(status=301, headers={"Location": "ftp://files.example/a.pdf"})}
    with FixtureServer(routes) as server:
        summary, manifest = crawl_site(tmp_path, server)
    assert manifest.loc["/nowhere.html", "reason"] == "bad_redirect"
    assert manifest.loc["/ftp.html", "reason"] == "bad_redirect"
    assert summary.failed["bad_redirect"] == 2


@pytest.fixture
def self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_broken_certificate_is_a_tls_error_unless_the_host_opts_out(tmp_path, self_signed):
    routes = {"/": entry_with({"人才政策": "/a.html"}), "/a.html": Route(body=b"<html>ok</html>")}
    (tmp_path / "strict").mkdir()
    with FixtureServer(routes, tls=self_signed) as server:
        summary, manifest = crawl_site(tmp_path / "strict", server)
        assert summary.failed["tls_error"] == 1  # robots.txt; the pages are then not tried
        assert manifest.loc["/", "reason"] == "host_unreachable"
        assert server.hits == []  # no request got through the handshake

        from benchmark.sources import CrawlSettings
        relaxed = fast_settings()
        relaxed = CrawlSettings(defaults=relaxed.defaults, extra_hosts={},
                                hosts={server.host: relaxed.defaults.replace(tls_verify=False)})
        registry = write_registry(tmp_path / "registry.csv", [("甲市", "hrss", server.base_url + "/")])
        store = RawStore(tmp_path / "relaxed")
        summary = Crawler(store, relaxed).run(load_entry_points(registry))
    assert summary.outcomes["stored"] == 2  # the page and its link (no robots.txt: a 404)
    assert set(store.latest()["url"]) == {server.base_url + "/", server.base_url + "/a.html"}
