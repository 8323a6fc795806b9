"""`talentbench crawl` end to end: summary, errors as one line, default raw folder."""

from __future__ import annotations

import pytest
import yaml
from fixtures.sites.harness import write_registry
from fixtures.sites.portal import build_portal
from fixtures.sites.server import FixtureServer

from benchmark.cli import main
from benchmark.raw_store import RawStore


@pytest.fixture
def fast_settings_file(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump({"defaults": {
        "connect_timeout_seconds": 0.5, "read_timeout_seconds": 0.5, "max_fetch_seconds": 3,
        "max_retries": 1, "backoff_seconds": 0.01, "host_interval_seconds": 0,
        "max_body_bytes": 1 << 20}}), encoding="utf-8")
    return path


def run_cli(args, capsys):
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_crawl_command_fetches_into_the_default_raw_store(tmp_path, monkeypatch, capsys,
                                                         fast_settings_file):
    monkeypatch.setenv("TALENTBENCH_HOME", str(tmp_path / "home"))
    with FixtureServer() as other, FixtureServer() as server:
        site = build_portal(server.base_url, other.base_url, traps=False)
        server.routes.update(site.routes)
        registry = write_registry(tmp_path / "registry.csv", [
            ("测试市", "gov_xxgk", server.base_url + "/"), ("别的市", "hrss", other.base_url + "/")])
        args = ["crawl", "--registry", str(registry), "--cities", "测试市",
                "--settings", str(fast_settings_file)]
        code, out, err = run_cli(args, capsys)
        assert code == 0, err
        assert other.hits == []  # --cities kept the other city out
        assert f"fetched {len(site.stored)} ({len(site.stored)} new or changed, 0 unchanged)" in out
        assert "blocked by robots.txt" in out and "skipped: off_allowlist 1" in out
        store = RawStore(tmp_path / "home" / "data" / "raw")
        assert len(store.latest(include_robots=True)) == len(site.stored)

        code, out, _ = run_cli(args + ["--no-progress"], capsys)
        assert code == 0
        assert f"fetched {len(site.stored)} (0 new or changed, {len(site.stored)} unchanged)" in out


@pytest.mark.parametrize(("extra", "message"), [
    (["--cities", "火星市"], "unknown city 火星市"),
    (["--shard", "three"], "--shard must look like i/N"),
    (["--shard", "4/4"], "shard must be i/N"),
    (["--max-age", "-1"], "--max-age must be a number of hours from 0 to"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, extra, message):
    registry = write_registry(tmp_path / "registry.csv", [("测试市", "hrss", "http://127.0.0.1:9/")])
    code, out, err = run_cli(["crawl", "--registry", str(registry), *extra], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("talentbench: error: ") and message in err


def test_missing_registry_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(["crawl", "--registry", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and err.strip() == f"talentbench: error: registry file not found: {tmp_path / 'nope.csv'}"


def test_shards_split_the_work_and_a_dead_portal_is_a_recorded_failure(
        tmp_path, capsys, fast_settings_file):
    # port 9 (discard) refuses connections: robots.txt fails, and the page is not tried
    registry = write_registry(tmp_path / "registry.csv", [("测试市", "hrss", "http://127.0.0.1:9/")])
    outs = [run_cli(["crawl", "--registry", str(registry), "--shard", f"{i}/2",
                     "--settings", str(fast_settings_file),
                     "--raw-dir", str(tmp_path / "raw"), "--no-progress"], capsys) for i in range(2)]
    assert [o[0] for o in outs] == [0, 0]
    nothing = [o for o in outs if "has no entry points" in o[1]]
    assert len(nothing) == 1
    manifest = RawStore(tmp_path / "raw").manifest()
    assert list(zip(manifest["role"], manifest["outcome"], manifest["reason"], strict=True)) == [
        ("robots", "failed", "connect_error"), ("entry", "failed", "host_unreachable")]
