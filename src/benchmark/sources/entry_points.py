"""Entry points from the peer-city registry, and the allow-list they imply."""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmark.errors import TalentbenchError
from benchmark.paths import resource
from benchmark.sources.urls import host_key, normalize_url

REQUIRED_COLUMNS = ("city", "kind", "url")
KINDS = ("hrss", "talent_office", "housing", "gov_xxgk", "other")


def default_registry() -> Path:
    return resource("registry", "entry_points.csv")


@dataclass(frozen=True)
class EntryPoint:
    city: str
    kind: str
    url: str
    example_url: str | None = None  # a page of this site the corpus cites: crawled as a seed

    @property
    def host(self) -> str:
        return host_key(self.url)


def load_entry_points(path: Path | None = None) -> list[EntryPoint]:
    """Read ``city,kind,url[,example_url,...]`` rows; a bad row is reported with its line number."""
    path = Path(path) if path is not None else default_registry()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TalentbenchError(f"registry file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TalentbenchError(f"cannot read registry {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TalentbenchError(f"registry {path} lacks column(s): {', '.join(missing)}")
    entries: list[EntryPoint] = []
    for line, row in enumerate(reader, start=2):
        city, kind, raw_url = ((row.get(c) or "").strip() for c in REQUIRED_COLUMNS)
        if not (city or raw_url):
            continue
        url = normalize_url(raw_url)
        if not city or url is None:
            raise TalentbenchError(f"registry {path} line {line}: need a city and an http(s) url")
        if kind not in KINDS:
            raise TalentbenchError(
                f"registry {path} line {line}: kind {kind!r} is not one of {', '.join(KINDS)}"
            )
        raw_example = (row.get("example_url") or "").strip()
        example = normalize_url(raw_example) if raw_example else None
        if raw_example and example is None:
            raise TalentbenchError(f"registry {path} line {line}: example_url is not an http(s) url")
        entries.append(EntryPoint(city=city, kind=kind, url=url, example_url=example))
    if not entries:
        raise TalentbenchError(f"registry {path} has no entry points")
    return entries


def select_cities(entries: Sequence[EntryPoint], cities: Iterable[str] | None) -> list[EntryPoint]:
    """Entry points of the named cities (all if none named); an unknown city is an error."""
    wanted = [c.strip() for c in (cities or []) if c.strip()]
    if not wanted:
        return list(entries)
    known = list(dict.fromkeys(e.city for e in entries))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        raise TalentbenchError(
            f"unknown city {', '.join(unknown)} (registry has {len(known)}: {shown})"
        )
    return [e for e in entries if e.city in wanted]


def select_shard(entries: Sequence[EntryPoint], shard: int, shards: int) -> list[EntryPoint]:
    """The entry points whose host falls in shard ``shard`` of ``shards`` (stable across runs).

    Sharding by host keeps every host's politeness budget inside one worker.
    """
    if shards < 1 or not 0 <= shard < shards:
        raise TalentbenchError(f"shard must be i/N with 0 <= i < N, not {shard}/{shards}")
    return [e for e in entries if zlib.crc32(e.host.encode()) % shards == shard]


def allowed_hosts(
    entries: Iterable[EntryPoint], extra_hosts: dict[str, tuple[str, ...]] | None = None
) -> dict[str, frozenset[str]]:
    """City -> hosts it may fetch from: its entry points' (and cited pages') hosts plus extras.

    ``www.x.gov.cn`` and ``x.gov.cn`` count as one site (portals link to both spellings);
    any other subdomain has to be listed in the registry or in ``extra_hosts``.
    """
    allow: dict[str, set[str]] = {}
    for entry in entries:
        allow.setdefault(entry.city, set()).add(entry.host)
        if entry.example_url:
            allow[entry.city].add(host_key(entry.example_url))
    for city, hosts in (extra_hosts or {}).items():
        if city in allow:
            allow[city].update(hosts)
    return {city: frozenset(_with_www_twins(hosts)) for city, hosts in allow.items()}


def _with_www_twins(hosts: Iterable[str]) -> set[str]:
    twins = set(hosts)
    for host in hosts:
        name = host.split(":", 1)[0]
        if name.replace(".", "").isdigit() or name == "localhost":
            continue  # an IP address has no www twin
        twins.add(host[4:] if host.startswith("www.") else "www." + host)
    return twins
