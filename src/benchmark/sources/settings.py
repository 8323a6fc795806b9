"""Fetch policy as data: ``resources/crawl/settings.yaml``, with per-host overrides.

The file's schema is declared once, with pydantic, on :class:`FetchPolicy` itself: strict
types (no ``"3"`` for a number, no ``"yes"`` for true), finite numbers in sane ranges, and
unknown keys refused. A wrong file is refused when it is loaded, with one line naming the
file, the key path and the rule, instead of making every page of a crawl fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass

from benchmark import __version__
from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource
from benchmark.schemas import number_as_text_hint

DAY = 86_400.0
GIB = 1 << 30


def _printable_ascii(value: str) -> str:
    # It goes into an HTTP header: a newline or a non-ASCII character would make httpx
    # refuse every single request of the crawl.
    if not all(" " <= ch <= "~" for ch in value):
        raise ValueError("must be printable ASCII on one line")
    return value


_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._:[]")


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if not value or len(value) > 300 or not set(value) <= _HOST_CHARS:
        raise ValueError("must be a host name, optionally with :port")
    return value


Timeout = Annotated[float, Field(gt=0, le=DAY, allow_inf_nan=False)]
Delay = Annotated[float, Field(ge=0, le=DAY, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=1, le=10 * GIB)]

_STRICT = ConfigDict(strict=True, extra="forbid")


@pydantic_dataclass(frozen=True, config=_STRICT)
class FetchPolicy:
    """How politely and defensively one host is fetched. Defaults mirror settings.yaml."""

    user_agent: Annotated[str, Field(min_length=1, max_length=500),
                          AfterValidator(_printable_ascii)] = (
        "talentbench/{version} (talent-policy research crawler; obeys robots.txt)"
    )
    connect_timeout_seconds: Timeout = 10.0
    read_timeout_seconds: Timeout = 30.0
    max_fetch_seconds: Timeout = 300.0  # all attempts, backoff and redirects of one URL
    max_body_bytes: Bytes = 50 * 1024 * 1024
    max_retries: Annotated[int, Field(ge=0, le=20)] = 3
    backoff_seconds: Delay = 2.0
    backoff_max_seconds: Delay = 60.0
    host_interval_seconds: Delay = 2.0
    host_concurrency: Annotated[int, Field(ge=1, le=64)] = 1
    total_concurrency: Annotated[int, Field(ge=1, le=1024)] = 32
    max_crawl_delay_seconds: Delay = 30.0
    max_redirects: Annotated[int, Field(ge=0, le=50)] = 5
    max_depth: Annotated[int, Field(ge=0, le=1000)] = 4
    max_list_pages: Annotated[int, Field(ge=0, le=1_000_000)] = 30
    max_pages_per_host: Annotated[int, Field(ge=0, le=100_000_000)] = 3000
    link_scan_max_bytes: Annotated[int, Field(ge=0, le=10 * GIB)] = 5 * 1024 * 1024
    tls_verify: bool = True  # some portals serve broken certificate chains; see settings.yaml

    @property
    def user_agent_header(self) -> str:
        return self.user_agent.replace("{version}", __version__)

    def replace(self, **changes: Any) -> FetchPolicy:
        """A copy with some values changed, checked like the settings file."""
        return _checked(lambda: dataclasses.replace(self, **changes), "crawl setting ")

    @classmethod
    def from_mapping(cls, values: dict[str, Any], base: FetchPolicy | None = None) -> FetchPolicy:
        return (base or cls()).replace(**values)


@dataclasses.dataclass(frozen=True)
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
        raw = read_yaml(path, "crawl settings")
        where = f"crawl settings {path}: "
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise TalentbenchError(f"{where}must be a mapping of defaults, hosts and extra_hosts, "
                                   f"not {_kind(raw)}")
        unknown = sorted(str(key) for key in raw if key not in ("defaults", "hosts", "extra_hosts"))
        if unknown:
            raise TalentbenchError(f"{where}{unknown[0]}: unknown section "
                                   "(expected defaults, hosts, extra_hosts)")
        defaults_raw = _mapping(raw.get("defaults"), "defaults", where)
        defaults = _checked(lambda: FetchPolicy(**_string_keys(defaults_raw, "defaults", where)),
                            where + "defaults.")
        hosts: dict[str, FetchPolicy] = {}
        for host, values in _mapping(raw.get("hosts"), "hosts", where).items():
            name = _checked_host(host, f"hosts.{host}", where)
            overrides = _string_keys(_mapping(values, f"hosts.{host}", where),
                                     f"hosts.{host}", where)
            hosts[name] = _checked(lambda o=overrides: dataclasses.replace(defaults, **o),
                                   f"{where}hosts.{host}.")
        extra: dict[str, tuple[str, ...]] = {}
        for city, names in _mapping(raw.get("extra_hosts"), "extra_hosts", where).items():
            if not isinstance(city, str) or not city.strip():
                raise TalentbenchError(f"{where}extra_hosts.{city}: a city must be a name")
            if not isinstance(names, list):
                raise TalentbenchError(f"{where}extra_hosts.{city}: must be a list of host names, "
                                       f"not {_kind(names)}")
            extra[city.strip()] = tuple(
                _checked_host(name, f"extra_hosts.{city}[{i}]", where)
                for i, name in enumerate(names)
            )
        return cls(defaults=defaults, hosts=hosts, extra_hosts=extra)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _mapping(value: Any, key: str, where: str) -> dict[Any, Any]:
    if value is None:  # a section with everything commented out
        return {}
    if not isinstance(value, dict):
        raise TalentbenchError(f"{where}{key}: must be a mapping, not {_kind(value)}")
    return value


def _string_keys(values: dict[Any, Any], key: str, where: str) -> dict[str, Any]:
    for name in values:
        if not isinstance(name, str):
            raise TalentbenchError(f"{where}{key}.{name}: unknown crawl setting")
    return values


def _checked_host(value: Any, path: str, where: str) -> str:
    if not isinstance(value, str):
        raise TalentbenchError(f"{where}{path}: must be a host name, not {_kind(value)}")
    try:
        return _host_name(value)
    except ValueError as exc:
        raise TalentbenchError(f"{where}{path}: {exc}") from None


def _checked(make: Callable[[], FetchPolicy], prefix: str) -> FetchPolicy:
    """``make()``, with a pydantic error turned into one line: key path, rule, value given."""
    try:
        return make()
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        key = ".".join(str(part) for part in first["loc"])
        rule = _rule(first)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise TalentbenchError(f"{prefix}{key}: {rule}{more}") from None
    except TypeError as exc:  # dataclasses.replace with a name that is not a field
        raise TalentbenchError(f"{prefix.rstrip('.')}: {exc}") from None


def _rule(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return "unknown crawl setting (see resources/crawl/settings.yaml for the known ones)"
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    message = message.replace("Input should be", "must be")
    given = error.get("input")
    shown = repr(given)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{message[0].lower()}{message[1:]}, got {shown}{number_as_text_hint(error)}"
