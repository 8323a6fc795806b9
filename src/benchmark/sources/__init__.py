"""Sources stage: crawl the registry's official portals into the raw store.

Modules, each small and testable on its own:

- ``registry``  entry points (``city,kind,url``) from the peer-city registry; the allow-list they imply
- ``settings``  fetch policy as data (``resources/crawl/settings.yaml``), per-host overrides
- ``links``     link extraction (pages decoded by ``benchmark.encoding``), keyword/section/pagination rules
                (``resources/crawl/rules.yaml``)
- ``robots``    robots.txt per RFC 9309 (via protego)
- ``ratelimit`` per-host start interval and concurrency, global in-flight cap
- ``fetcher``   one GET: retries with jittered backoff, Retry-After, hop-by-hop redirect checks,
                conditional headers, streaming size cap, total-time cap
- ``engine``    the crawl loop: per-host queues and workers, manifest rows for every outcome
- ``summary``   counts by outcome and reason for the CLI

Engine choice: an httpx + asyncio fetcher, not Scrapy
-----------------------------------------------------
* What is ours is the policy, not the HTTP: conditional GETs fed from *our* manifest, content
  hashes against *our* content-addressed store, an allow-list per city, every refusal recorded
  with a reason. In Scrapy each of these is a downloader middleware or pipeline working around
  its own HTTP cache, dupefilter and redirect middleware; here each is a few plain lines.
* Scrapy runs on the Twisted reactor, which cannot be restarted in one process. That fights a
  library that is called from a CLI, from notebooks and from pytest many times per session;
  asyncio is in the standard library and ``asyncio.run`` can be called any number of times.
* httpx gives us exactly the hard parts we need: streaming bodies (size cap applied to the
  *decoded* stream, so gzip bombs stop at the cap), per-request timeouts, connection pooling,
  HTTP/2 if wanted, and a pluggable transport for tests. robots.txt is parsed by protego, the
  same parser Scrapy uses.
* Cost: we write our own scheduler (the per-host queues in ``engine``, ~100 lines). Scrapy's AutoThrottle and
  its broad-crawl tuning we replace with fixed per-host intervals from configuration, which is
  what government portals ask of us anyway.

How it scales to thousands of portals without a rewrite
-------------------------------------------------------
* The unit of scheduling is the host. Each host has its own queue and worker(s), its own
  interval and concurrency (settings.yaml, raised by robots.txt Crawl-delay), and a global cap
  bounds requests in flight. Thousands of hosts are thousands of cheap asyncio tasks in one
  process; a slow or dead portal only ever occupies its own worker.
* Scale out by sharding hosts: ``talentbench crawl --shard i/N`` takes the entry points whose
  host hashes (CRC32) to shard i. A host always lands in the same shard, so politeness stays a
  local decision and shards never need to talk to each other. Run N shards as N processes, or
  N machines / CI jobs / Kubernetes pods.
* The raw store needs no coordination: objects are content-addressed and written with
  create-if-absent, so any number of writers can share ``objects/`` (a shared volume today; an
  S3-style bucket later behind the same ``put``/``read``). The manifest is append-only rows;
  writers open it per batch and wait their turn, which is enough for a handful of processes.
  Beyond that, each shard writes its own manifest file (same schema) and readers union them
  (DuckDB reads many files in one query) — ``latest()`` is already defined as "newest stored
  row per URL", which is a merge-friendly definition.
* Crawls are incremental by construction: validators (ETag / Last-Modified) and hashes come
  from the manifest, so a re-crawl of an unchanged portal is one small request per page, and
  ``--max-age`` skips recently fetched pages outright to resume an interrupted crawl.
* Limits that matter at scale are configuration: per-host page caps, list-page caps, depth,
  body size, total fetch time.
"""

from benchmark.sources.engine import Crawler, CrawlItem, CrawlSummary
from benchmark.sources.entry_points import (
    EntryPoint,
    allowed_hosts,
    load_entry_points,
    select_cities,
    select_shard,
)
from benchmark.sources.links import Link, LinkRules, extract_links
from benchmark.sources.settings import CrawlSettings, FetchPolicy

__all__ = [
    "CrawlItem",
    "CrawlSettings",
    "CrawlSummary",
    "Crawler",
    "EntryPoint",
    "FetchPolicy",
    "Link",
    "LinkRules",
    "allowed_hosts",
    "extract_links",
    "load_entry_points",
    "select_cities",
    "select_shard",
]
