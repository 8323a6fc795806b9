"""The crawl settings file is checked when it is loaded: wrong types, absurd numbers and unknown
keys are one clear line naming the file, the key path and the rule — never a crawl in which
every page fails."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from fixtures.sites.bombs import billion_laughs_yaml
from fixtures.sites.harness import write_registry

from benchmark.cli import main
from benchmark.errors import TalentbenchError
from benchmark.sources import CrawlSettings, FetchPolicy

BAD_FILES = [
    ("defaults: {max_retries: three}", "defaults.max_retries", "valid integer"),
    ("defaults: {max_retries: '3'}", "defaults.max_retries", "YAML read it as text"),
    ("defaults: {max_retries: 3.0}", "defaults.max_retries", "valid integer"),
    ("defaults: {max_retries: 1000}", "defaults.max_retries", "less than or equal to 20"),
    ("defaults: {tls_verify: 'yes'}", "defaults.tls_verify", "valid boolean"),
    ("defaults: {tls_verify: 1}", "defaults.tls_verify", "valid boolean"),
    ("defaults: {user_agent: 5}", "defaults.user_agent", "valid string"),
    ("defaults: {user_agent: \"bot\\r\\nX-Evil: 1\"}", "defaults.user_agent", "printable ASCII"),
    ("defaults: {user_agent: 人才爬虫}", "defaults.user_agent", "printable ASCII"),
    ("defaults: {max_body_bytes: -1}", "defaults.max_body_bytes", "greater than or equal to 1"),
    ("defaults: {max_body_bytes: 1.0e+12}", "defaults.max_body_bytes", "valid integer"),
    ("defaults: {max_body_bytes: 100000000000}", "defaults.max_body_bytes", "less than or equal"),
    ("defaults: {max_fetch_seconds: .inf}", "defaults.max_fetch_seconds", "finite number"),
    ("defaults: {max_fetch_seconds: .nan}", "defaults.max_fetch_seconds", "finite number"),
    ("defaults: {max_fetch_seconds: 0}", "defaults.max_fetch_seconds", "greater than 0"),
    ("defaults: {read_timeout_seconds: 1e9}", "defaults.read_timeout_seconds", "as text"),
    ("defaults: {connect_timeout_seconds: 90000}", "defaults.connect_timeout_seconds",
     "less than or equal to 86400"),
    ("defaults: {backoff_seconds: -0.5}", "defaults.backoff_seconds", "greater than or equal to 0"),
    ("defaults: {host_concurrency: 0}", "defaults.host_concurrency", "greater than or equal to 1"),
    ("defaults: {max_retries: null}", "defaults.max_retries", "valid integer"),
    ("defaults: {max_retrys: 1}", "defaults.max_retrys", "unknown crawl setting"),
    ("defaults: [max_retries, 3]", "defaults", "must be a mapping, not a list"),
    ("defaults: 3", "defaults", "must be a mapping, not a number"),
    ("hosts: [a.gov.cn, b.gov.cn]", "hosts", "must be a mapping, not a list"),
    ("hosts: {example.com: {max_retries: three}}", "hosts.example.com.max_retries",
     "valid integer"),
    ("hosts: {example.com: {tls_verify: 'no'}}", "hosts.example.com.tls_verify", "valid boolean"),
    ("hosts: {example.com: [1, 2]}", "hosts.example.com", "must be a mapping"),
    ("hosts: {example.com: {speed: 2}}", "hosts.example.com.speed", "unknown crawl setting"),
    ("hosts: {8080: {max_retries: 1}}", "hosts.8080", "must be a host name"),
    ("hosts: {'exa mple.com': {max_retries: 1}}", "hosts.exa mple.com", "must be a host name"),
    ("extra_hosts: {深圳: files.sz.gov.cn}", "extra_hosts.深圳", "must be a list of host names"),
    ("extra_hosts: {深圳: [{a: 1}]}", "extra_hosts.深圳[0]", "must be a host name"),
    ("extra_hosts: [深圳]", "extra_hosts", "must be a mapping"),
    ("default: {max_retries: 1}", "default", "unknown section"),
    ("- defaults", "", "must be a mapping of defaults, hosts and extra_hosts"),
]


@pytest.mark.parametrize(("text", "key", "rule"), BAD_FILES)
def test_a_wrong_settings_file_is_one_line_naming_file_key_and_rule(tmp_path, text, key, rule):
    path = tmp_path / "settings.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(TalentbenchError) as error:
        CrawlSettings.load(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"crawl settings {path}: {key}"), message
    assert rule in message, message


def test_a_good_file_loads_with_host_overrides_inheriting_the_defaults(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(
        "defaults:\n  max_retries: 1\n  connect_timeout_seconds: 5   # an int for seconds is fine\n"
        "  tls_verify: true\n"
        "hosts:\n  Slow.Gov.CN: {host_interval_seconds: 9}\n  'files.gov.cn:8443':\n"
        "extra_hosts:\n  深圳: [FILES.sz.gov.cn]\n", encoding="utf-8")
    settings = CrawlSettings.load(path)
    slow = settings.for_host("slow.gov.cn")
    assert (slow.host_interval_seconds, slow.max_retries, slow.connect_timeout_seconds) == (9, 1, 5)
    assert isinstance(slow.connect_timeout_seconds, float)
    assert settings.for_host("files.gov.cn:8443") == settings.defaults
    assert settings.for_host("other.gov.cn") is settings.defaults
    assert settings.extra_hosts == {"深圳": ("files.sz.gov.cn",)}


def test_empty_sections_and_an_empty_file_mean_the_defaults(tmp_path):
    path = tmp_path / "settings.yaml"
    for text in ("", "defaults:\nhosts:\nextra_hosts:\n", "hosts: {}\n"):
        path.write_text(text, encoding="utf-8")
        assert CrawlSettings.load(path).defaults == FetchPolicy()


def test_the_packaged_file_matches_the_declared_defaults():
    assert CrawlSettings.load().defaults == FetchPolicy()


def test_changes_made_in_code_are_checked_the_same_way():
    policy = FetchPolicy()
    assert policy.replace(max_retries=0).max_retries == 0
    assert CrawlSettings().with_defaults(max_fetch_seconds=2).defaults.max_fetch_seconds == 2.0
    for change, key in [({"max_retries": "3"}, "max_retries"),
                        ({"tls_verify": "yes"}, "tls_verify"),
                        ({"max_fetch_seconds": float("inf")}, "max_fetch_seconds"),
                        ({"not_a_setting": 1}, "not_a_setting")]:
        with pytest.raises(TalentbenchError, match=key):
            policy.replace(**change)
    with pytest.raises(TalentbenchError, match="max_body_bytes"):
        FetchPolicy.from_mapping({"max_body_bytes": 0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]


def test_a_billion_laughs_settings_file_is_refused_unexpanded(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(billion_laughs_yaml(), encoding="utf-8")  # 64^12 leaves if expanded
    with pytest.raises(TalentbenchError, match="aliases"):
        CrawlSettings.load(path)


def test_crawl_command_refuses_a_bad_settings_file_before_crawling(tmp_path, capsys):
    # port 9 (discard): were the crawl to start, it would record failures and exit 0
    registry = write_registry(tmp_path / "registry.csv", [("测试市", "hrss", "http://127.0.0.1:9/")])
    bad = tmp_path / "bad.yaml"
    bad.write_text("hosts:\n  example.com:\n    max_retries: three\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["crawl", "--registry", str(registry), "--settings", str(bad),
              "--raw-dir", str(tmp_path / "raw"), "--no-progress"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert out == ""
    assert err == (f"talentbench: error: crawl settings {bad}: hosts.example.com.max_retries: "
                   "must be a valid integer, got 'three'\n")
    assert not (tmp_path / "raw").exists()  # nothing was crawled or stored


def test_crawl_command_error_has_no_traceback_in_a_real_process(tmp_path):
    registry = write_registry(tmp_path / "registry.csv", [("测试市", "hrss", "http://127.0.0.1:9/")])
    bad = tmp_path / "bad.yaml"
    bad.write_text('defaults:\n  tls_verify: "yes"\n  max_fetch_seconds: .inf\n',
                   encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "benchmark", "crawl", "--registry", str(registry),
                          "--settings", str(bad), "--raw-dir", str(tmp_path / "raw")],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith(f"talentbench: error: crawl settings {bad}: defaults.")
    assert "(and 1 more problem(s))" in lines[0]
