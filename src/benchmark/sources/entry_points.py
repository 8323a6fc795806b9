"""Entry points from the peer-city registry, and the allow-list they imply."""

from __future__ import annotations

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
    """Read ``city,kind,url[,example_url,...]`` rows, checked against a pandera schema; a bad
    row is reported with its line number. Rows with neither city nor url are skipped."""
    import pandas as pd
    import pandera.pandas as pa

    from benchmark.schemas import table_problems

    path = Path(path) if path is not None else default_registry()
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=False)
    except FileNotFoundError:
        raise TalentbenchError(f"registry file not found: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        # ValueError covers pandas' EmptyDataError (a file without even a header)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TalentbenchError(f"cannot read registry {path}: {first}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise TalentbenchError(f"registry {path} lacks column(s): {', '.join(missing)}")
    table = table.apply(lambda column: column.str.strip())
    table = table[(table["city"] != "") | (table["url"] != "")]
    web = pa.Check(lambda s: s.map(lambda v: normalize_url(v) is not None), name="an http(s) URL")
    optional_web = pa.Check(lambda s: s.map(lambda v: v == "" or normalize_url(v) is not None),
                            name="empty or an http(s) URL")
    schema = {
        "city": pa.Column(None, pa.Check(lambda s: s != "", name="a city name")),
        "kind": pa.Column(None, pa.Check(lambda s: s.isin(KINDS), name=f"one of {', '.join(KINDS)}")),
        "url": pa.Column(None, web),
        "example_url": pa.Column(None, optional_web),
    }
    problems = table_problems(table, schema)  # the index still counts the skipped blank rows
    if problems:
        raise TalentbenchError(f"registry {path} {problems[0]}")
    entries = [
        EntryPoint(city=row["city"], kind=row["kind"], url=normalize_url(row["url"]),
                   example_url=normalize_url(row["example_url"]) if row.get("example_url") else None)
        for row in table.to_dict("records")
    ]
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
