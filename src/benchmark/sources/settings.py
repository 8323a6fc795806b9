"""Fetch policy as data: ``resources/crawl/settings.yaml``, with per-host overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from benchmark import __version__
from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and defensively one host is fetched. Defaults mirror settings.yaml."""

    user_agent: str = "talentbench/{version} (talent-policy research crawler; obeys robots.txt)"
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 30.0
    max_fetch_seconds: float = 300.0
    max_body_bytes: int = 50 * 1024 * 1024
    max_retries: int = 3
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 60.0
    host_interval_seconds: float = 2.0
    host_concurrency: int = 1
    total_concurrency: int = 32
    max_crawl_delay_seconds: float = 30.0
    max_redirects: int = 5
    max_depth: int = 4
    max_list_pages: int = 30
    max_pages_per_host: int = 3000
    link_scan_max_bytes: int = 5 * 1024 * 1024
    tls_verify: bool = True  # some portals serve broken certificate chains; see settings.yaml

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "tls_verify":
                if not isinstance(value, bool):
                    raise TalentbenchError(f"crawl setting tls_verify must be true or false, not {value!r}")
            elif item.name != "user_agent" and (not isinstance(value, int | float) or value < 0):
                raise TalentbenchError(f"crawl setting {item.name} must be a number >= 0, not {value!r}")
        if self.host_concurrency < 1 or self.total_concurrency < 1:
            raise TalentbenchError("crawl settings host_concurrency and total_concurrency must be >= 1")

    @property
    def user_agent_header(self) -> str:
        return self.user_agent.replace("{version}", __version__)

    def replace(self, **changes: Any) -> FetchPolicy:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: FetchPolicy | None = None) -> FetchPolicy:
        known = {item.name for item in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise TalentbenchError(f"unknown crawl setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(base or cls(), **values)


@dataclass(frozen=True)
class CrawlSettings:
    """Default policy, per-host overrides and per-city extra allowed hosts."""

    defaults: FetchPolicy = field(default_factory=FetchPolicy)
    hosts: dict[str, FetchPolicy] = field(default_factory=dict)
    extra_hosts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def for_host(self, host: str) -> FetchPolicy:
        return self.hosts.get(host) or self.hosts.get(host.split(":")[0]) or self.defaults

    def with_defaults(self, **changes: Any) -> CrawlSettings:
        """Same settings with some defaults changed (host overrides keep their own values)."""
        defaults = self.defaults.replace(**changes)
        return dataclasses.replace(self, defaults=defaults)

    @classmethod
    def load(cls, path: Path | None = None) -> CrawlSettings:
        path = path or resource("crawl", "settings.yaml")
        raw = read_yaml(path, "crawl settings") or {}
        if not isinstance(raw, dict):
            raise TalentbenchError(f"crawl settings {path} must be a mapping")
        defaults = FetchPolicy.from_mapping(raw.get("defaults") or {})
        hosts = {
            str(host).lower(): FetchPolicy.from_mapping(values or {}, defaults)
            for host, values in (raw.get("hosts") or {}).items()
        }
        extra = {
            str(city): tuple(str(h).lower() for h in hosts_)
            for city, hosts_ in (raw.get("extra_hosts") or {}).items()
        }
        return cls(defaults=defaults, hosts=hosts, extra_hosts=extra)
