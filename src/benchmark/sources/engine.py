"""The crawl: entry points -> list pages -> talent-policy articles -> attachments.

One asyncio event loop drives every host. Each host has its own queue of pages and its own
worker(s), so politeness (interval, concurrency, robots.txt Crawl-delay) is decided per host
and a slow or broken portal never holds up the others. Every fetch, refusal and failure
becomes one manifest row in the raw store.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.raw_store import RawStore, utc_now, validator_headers
from benchmark.sources.decoding import accept_encoding
from benchmark.sources.entry_points import EntryPoint, allowed_hosts
from benchmark.sources.fetcher import Fetcher, FetchResult
from benchmark.sources.links import LinkRules, extract_links
from benchmark.sources.ratelimit import HostLimiter
from benchmark.sources.robots import ROBOTS_MAX_BYTES, RobotsRules
from benchmark.sources.settings import CrawlSettings
from benchmark.sources.summary import CrawlSummary
from benchmark.sources.urls import host_key, origin

_FLUSH_EVERY = 200  # manifest rows buffered before one transaction writes them
LISTING_ROLES = ("entry", "section", "list")


@dataclass(frozen=True)
class CrawlItem:
    url: str
    city: str
    kind: str
    role: str  # entry | section | list | article | attachment
    depth: int
    parent_url: str | None = None
    anchor_text: str | None = None
    list_pages: int = 0  # pagination pages walked to reach this listing


ProgressCallback = Callable[[int, int, str], None]  # (done, discovered, url)


class Crawler:
    """Crawl registry entry points into a :class:`RawStore`.

    Parameters are data, the work happens in :meth:`run`: the same crawler object can be
    run again for an incremental crawl (conditional GETs against what the store holds),
    one run at a time.

    ``max_age`` skips (without any request) URLs fetched successfully more recently than
    that, which is how an interrupted crawl resumes cheaply; ``None`` revalidates everything.
    """

    def __init__(
        self,
        store: RawStore,
        settings: CrawlSettings | None = None,
        rules: LinkRules | None = None,
        *,
        max_age: timedelta | None = None,
        progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        seed: int | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or CrawlSettings.load()
        self.rules = rules or LinkRules.load()
        self.max_age = max_age
        self.progress = progress
        self.transport = transport
        self.seed = seed

    # ------------------------------------------------------------------ public
    def run(self, entries: Iterable[EntryPoint]) -> CrawlSummary:
        entries = list(entries)
        if not entries:
            raise TalentbenchError("nothing to crawl: no entry points selected")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._crawl(entries))
        # Called from a running event loop (a notebook): crawl on a loop of its own thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, self._crawl(entries)).result()

    async def crawl(self, entries: Iterable[EntryPoint]) -> CrawlSummary:
        """The same as :meth:`run`, for callers already inside an event loop."""
        entries = list(entries)
        if not entries:
            raise TalentbenchError("nothing to crawl: no entry points selected")
        return await self._crawl(entries)

    # ------------------------------------------------------------------- setup
    async def _crawl(self, entries: list[EntryPoint]) -> CrawlSummary:
        self.run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        self.summary = CrawlSummary(run_id=self.run_id)
        self.allow = allowed_hosts(entries, self.settings.extra_hosts)
        self.any_allowed = frozenset().union(*self.allow.values())
        self.known = self._load_validators()
        self.seen: set[str] = set()
        self.queues: dict[str, collections.deque[CrawlItem]] = {}
        self.workers: dict[str, int] = collections.defaultdict(int)
        self.pages_per_host: collections.Counter = collections.Counter()
        self.robots: dict[str, RobotsRules] = {}
        self.robots_locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        self.rows: list[dict[str, Any]] = []
        self.pending = 0
        self.done = 0
        self.finished = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()
        defaults = self.settings.defaults
        self.agent = defaults.user_agent_header
        self.limiter = HostLimiter(defaults.total_concurrency)
        headers = {
            "User-Agent": self.agent,
            "Accept": "text/html,application/xhtml+xml,application/pdf,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
            # Only what our bounded decoders handle (httpx would offer whatever it can decode).
            "Accept-Encoding": accept_encoding(),
        }

        def make_client(verify: bool) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                headers=headers,
                verify=verify,
                follow_redirects=False,  # every hop is checked against allow-list and robots.txt
                trust_env=False,  # no proxies or netrc from the environment
                transport=self.transport,
                limits=httpx.Limits(
                    max_connections=defaults.total_concurrency,
                    max_keepalive_connections=defaults.total_concurrency,
                ),
            )

        loop = asyncio.get_running_loop()
        started = loop.time()
        self.fetcher = Fetcher(make_client, self.limiter, self.settings, random.Random(self.seed))
        try:
            for entry in entries:
                self._enqueue(
                    CrawlItem(url=entry.url, city=entry.city, kind=entry.kind, role="entry", depth=0)
                )
                if entry.example_url:
                    # The page the corpus cites: fetched even if no listing links to it
                    # (many portals build their lists with JavaScript).
                    self._enqueue(CrawlItem(
                        url=entry.example_url, city=entry.city, kind=entry.kind, role="article",
                        depth=1, parent_url=entry.url,
                    ))
            if self.pending:
                await self.finished.wait()
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            await self.fetcher.aclose()
            self._flush(final=True)
            self.summary.seconds = loop.time() - started
        return self.summary

    def _load_validators(self) -> dict[str, dict[str, Any]]:
        frame = self.store.validators()
        return {row["url"]: row for row in frame.to_dict("records")}

    # --------------------------------------------------------------- frontier
    def _enqueue(self, item: CrawlItem) -> None:
        if item.url in self.seen:
            return
        self.seen.add(item.url)
        host = host_key(item.url)
        if host not in self.allow.get(item.city, ()):
            # Recorded, never requested: the registry's domains are the only ones we visit.
            self._record(item, outcome="skipped", reason="off_allowlist")
            return
        policy = self.settings.for_host(host)
        if self.pages_per_host[host] >= policy.max_pages_per_host:
            self._record(item, outcome="skipped", reason="max_pages_per_host")
            return
        self.pages_per_host[host] += 1
        self.limiter.configure(host, policy.host_interval_seconds, policy.host_concurrency)
        self.queues.setdefault(host, collections.deque()).append(item)
        self.pending += 1
        while self.workers[host] < policy.host_concurrency:
            self.workers[host] += 1
            task = asyncio.get_running_loop().create_task(self._host_worker(host))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _host_worker(self, host: str) -> None:
        queue = self.queues[host]
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._process(item)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one bad page must not stop the crawl
                    self._record(item, outcome="failed", reason=f"internal_error: {type(exc).__name__}")
                finally:
                    self.pending -= 1
                    self.done += 1
                    self._report_progress(item.url)
                    if self.pending == 0:
                        self.finished.set()
        finally:
            self.workers[host] -= 1

    def _report_progress(self, url: str) -> None:
        if self.progress is None:
            return
        try:
            self.progress(self.done, self.done + self.pending, url)
        except Exception:  # noqa: BLE001 - a broken progress display must not stall the crawl
            self.progress = None

    # ------------------------------------------------------------------ a page
    async def _process(self, item: CrawlItem) -> None:
        refusal = await self._robots_refusal(item.url, item.city, item.kind)
        if refusal is not None:
            self._record(item, outcome=refusal[0], reason=refusal[1])
            return
        previous = self.known.get(item.url)
        if previous is not None and self._fresh(previous) and self.store.has(previous["sha256"]):
            self._record(item, outcome="skipped", reason="fresh", sha256=previous["sha256"])
            content_type = previous.get("content_type")
            head = self._stored_head(item, previous["sha256"], content_type)
            if head is not None:
                self._discover(item, head, previous.get("final_url") or item.url, content_type)
            return
        conditional = {}
        if previous is not None and self.store.has(previous["sha256"]):
            conditional = validator_headers(previous["etag"], previous["last_modified"])
        result = await self.fetcher.fetch(
            item.url, conditional, guard=lambda url: self._guard(url, item.city, item.kind)
        )
        if result.final_url:
            self.seen.add(result.final_url)  # a link to where a redirect led is not fetched again
        head = await self._settle(item, result, previous)
        if head is not None:
            content_type = result.content_type or (previous or {}).get("content_type")
            self._discover(item, head, result.final_url or item.url, content_type)

    def _fresh(self, previous: dict[str, Any]) -> bool:
        if self.max_age is None or previous.get("fetched_at") is None:
            return False
        fetched = pd.Timestamp(previous["fetched_at"])
        fetched = fetched.tz_localize("UTC") if fetched.tzinfo is None else fetched
        return datetime.now(UTC) - fetched.to_pydatetime() < self.max_age

    def _scan_limit(self, item: CrawlItem) -> int:
        return self.settings.for_host(host_key(item.url)).link_scan_max_bytes

    def _stored_head(self, item: CrawlItem, sha256: str, content_type: str | None) -> bytes | None:
        """The start of a stored body, if this page is one we look for links in."""
        if not _wants_links(item, content_type):
            return None
        limit = ROBOTS_MAX_BYTES if item.role == "robots" else self._scan_limit(item)
        return self.store.read_prefix(sha256, limit)

    async def _settle(
        self, item: CrawlItem, result: FetchResult, previous: dict[str, Any] | None
    ) -> bytes | None:
        """Store and record one fetch; return the start of the body to scan (if any)."""
        fields = _result_fields(result)
        if result.outcome == "body" and result.body is not None:
            body = result.body
            try:
                digest = body.sha256
                if previous is not None and previous["sha256"] == digest and self.store.has(digest):
                    self._record(item, outcome="unchanged", sha256=digest, size=body.size, **fields)
                else:
                    # Writing (and fsync-ing) a body is blocking disk I/O: keep it off the loop.
                    await asyncio.to_thread(self.store.put_stream, body.chunks())
                    self.summary.new_bytes += body.size
                    self._record(item, outcome="stored", sha256=digest, size=body.size, **fields)
                if not _wants_links(item, result.content_type):
                    return None
                limit = ROBOTS_MAX_BYTES if item.role == "robots" else self._scan_limit(item)
                return body.head(limit)
            finally:
                body.close()
        if result.outcome == "not_modified":
            if previous is None or not self.store.has(previous["sha256"]):
                self._record(item, outcome="failed", reason="not_modified_without_copy", **fields)
                return None
            # A 304 may omit validators; keep the ones we sent so the next crawl can send them.
            fields["etag"] = fields["etag"] or previous.get("etag")
            fields["last_modified"] = fields["last_modified"] or previous.get("last_modified")
            fields["content_type"] = fields["content_type"] or previous.get("content_type")
            self._record(item, outcome="unchanged", sha256=previous["sha256"],
                         size=self.store.path_for(previous["sha256"]).stat().st_size, **fields)
            return self._stored_head(item, previous["sha256"], fields["content_type"])
        self._record(item, outcome=result.outcome, reason=result.reason, **fields)
        return None

    def _discover(self, item: CrawlItem, body: bytes, base_url: str, content_type: str | None) -> None:
        if item.role in ("attachment", "robots") or not _looks_like_html(body, content_type):
            return
        policy = self.settings.for_host(host_key(item.url))
        from_role = "listing" if item.role in LISTING_ROLES else "article"
        for link, role in self.rules.follow(extract_links(body, base_url, content_type), from_role):
            if role == "pagination":
                if item.list_pages + 1 > policy.max_list_pages:
                    continue
                child = CrawlItem(
                    url=link.url, city=item.city, kind=item.kind, role="list", depth=item.depth,
                    parent_url=item.url, anchor_text=link.text, list_pages=item.list_pages + 1,
                )
            else:
                depth = item.depth + 1
                # Attachments are leaves: always take them from a page we chose to read.
                if role != "attachment" and depth > policy.max_depth:
                    continue
                child = CrawlItem(
                    url=link.url, city=item.city, kind=item.kind, role=role, depth=depth,
                    parent_url=item.url, anchor_text=link.text,
                )
            self._enqueue(child)

    # ----------------------------------------------------- allow-list, robots
    async def _guard(self, url: str, city: str, kind: str) -> tuple[str, str] | None:
        """Refusal for a redirect target: off the city's allow-list or disallowed by robots.txt."""
        if host_key(url) not in self.allow.get(city, ()):
            return ("failed", "off_allowlist")
        return await self._robots_refusal(url, city, kind)

    async def _robots_refusal(self, url: str, city: str, kind: str) -> tuple[str, str] | None:
        rules = await self._robots_for(url, city, kind)
        if rules.can_fetch(url, self.agent):
            return None
        return rules.refusal()

    async def _robots_for(self, url: str, city: str, kind: str) -> RobotsRules:
        host = host_key(url)
        async with self.robots_locks[host]:
            if host in self.robots:
                return self.robots[host]
            robots_url = origin(url) + "/robots.txt"
            item = CrawlItem(url=robots_url, city=city, kind=kind, role="robots", depth=0)
            previous = self.known.get(robots_url)
            conditional = validator_headers(previous["etag"], previous["last_modified"]) if previous else {}

            async def same_crawl_hosts(target: str) -> tuple[str, str] | None:
                return None if host_key(target) in self.any_allowed else ("failed", "off_allowlist")

            result = await self.fetcher.fetch(robots_url, conditional, guard=same_crawl_hosts)
            body = await self._settle(item, result, previous)
            status = 200 if body is not None else result.status
            if result.outcome == "failed" and result.reason in ("off_allowlist", "redirect_loop",
                                                                "too_many_redirects"):
                status = 500  # a robots.txt we cannot follow counts as unavailable: keep out
            rules = RobotsRules.from_fetch(status, body)
            delay = rules.crawl_delay(self.agent)
            if delay:
                policy = self.settings.for_host(host)
                self.limiter.slow_down(host, min(delay, policy.max_crawl_delay_seconds))
            self.robots[host] = rules
            return rules

    # ---------------------------------------------------------------- manifest
    def _record(self, item: CrawlItem, **fields: Any) -> None:
        row = {
            "run_id": self.run_id,
            "url": item.url,
            "city": item.city,
            "kind": item.kind,
            "role": item.role,
            "depth": item.depth,
            "parent_url": item.parent_url,
            "anchor_text": item.anchor_text,
            "fetched_at": utc_now(),
            **fields,
        }
        self.rows.append(row)
        self.summary.add(row)
        if len(self.rows) >= _FLUSH_EVERY:
            self._flush()

    def _flush(self, final: bool = False) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        try:
            self.store.record_many(rows)
        except TalentbenchError:
            # Manifest busy for too long: keep the rows and try again later; only the
            # final flush may give up (and then says so).
            self.rows = rows + self.rows
            if final:
                raise


def _result_fields(result: FetchResult) -> dict[str, Any]:
    headers = result.headers or {}
    return {
        "final_url": result.final_url,
        "status": result.status,
        "content_type": headers.get("content-type"),
        "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        "headers": headers or None,
        "wire_bytes": result.wire_bytes,
        "elapsed_ms": round(result.elapsed_ms, 1),
    }


def _wants_links(item: CrawlItem, content_type: str | None) -> bool:
    """Whether a body is worth reading back for links (robots.txt: for its rules)."""
    if item.role == "robots":
        return True
    if item.role == "attachment":
        return False
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in ("", "text/html", "application/xhtml+xml", "text/plain", "application/octet-stream")


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind in ("text/html", "application/xhtml+xml"):
            return True
        if kind not in ("", "text/plain", "application/octet-stream"):
            return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
