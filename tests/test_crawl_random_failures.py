"""30 % of responses fail at random (500/503, connection resets, truncated bodies): with
retries every page still ends up stored exactly once."""

from __future__ import annotations

from fixtures.sites.harness import fast_settings, manifest_by_path, write_registry
from fixtures.sites.portal import build_portal
from fixtures.sites.server import FixtureServer

from benchmark.raw_store import RawStore
from benchmark.sources import Crawler, load_entry_points


def test_flaky_portals_end_fully_stored_without_duplicates(tmp_path):
    with (FixtureServer() as other,
          FixtureServer(failure_rate=0.3, seed=7) as city_a,
          FixtureServer(failure_rate=0.3, seed=8) as city_b):
        sites = {}
        for server in (city_a, city_b):
            sites[server.base_url] = build_portal(server.base_url, other.base_url, traps=False)
            server.routes.update(sites[server.base_url].routes)
        registry = write_registry(tmp_path / "registry.csv", [
            ("甲市", "hrss", city_a.base_url + "/"), ("乙市", "gov_xxgk", city_b.base_url + "/")])
        store = RawStore(tmp_path / "raw")
        settings = fast_settings(max_retries=12, backoff_seconds=0.005, backoff_max_seconds=0.02)
        summary = Crawler(store, settings, seed=3).run(load_entry_points(registry))

        injected = city_a.failures_injected + city_b.failures_injected
        requests = len(city_a.hits) + len(city_b.hits)
        assert 0.2 < injected / requests < 0.4  # the servers really did fail about 30 %
        assert summary.outcomes["failed"] == 0
        assert other.hits == []
        manifest = store.manifest()
        stored = manifest[manifest["outcome"] == "stored"]
        assert stored["url"].is_unique  # no page stored twice
        for server in (city_a, city_b):
            paths = set(manifest_by_path(store, server.base_url).query("outcome == 'stored'")["path"])
            assert sites[server.base_url].stored <= paths
        assert len(stored) == sum(len(s.stored) for s in sites.values())
        # one object per distinct body, every one intact (read() verifies the hash)
        objects = [p for p in store.objects.rglob("*") if p.is_file()]
        assert len(objects) == stored["sha256"].nunique()
        for sha in stored["sha256"]:
            store.read(sha)
        # the bodies are the ones the server holds, not truncated copies
        site_a = sites[city_a.base_url]
        for path in site_a.stored:
            row = stored[stored["url"] == city_a.base_url + path].iloc[0]
            final_path = row["final_url"].replace(city_a.base_url, "")  # redirects end elsewhere
            assert store.read(row["sha256"]) == site_a.routes[final_path].body
