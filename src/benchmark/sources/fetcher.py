"""One polite, defensive HTTP GET: retries, backoff, redirects checked hop by hop, size cap.

The fetcher never raises for anything a server can do; every way a fetch can go wrong comes
back as a :class:`FetchResult` with a short machine-readable ``reason``.

``max_fetch_seconds`` is one budget for the whole fetch of a URL: every attempt, every backoff
sleep and every redirect hop draws on it, so a server dripping bytes costs at most that long
however many retries are allowed. Time spent queueing for a politeness slot is not charged.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import random
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from benchmark.sources.decoding import BodyDecoder, DecodingRefused
from benchmark.sources.ratelimit import HostLimiter
from benchmark.sources.settings import CrawlSettings, FetchPolicy
from benchmark.sources.urls import host_key, normalize_url

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
SPOOL_IN_MEMORY_BYTES = 2 * 1024 * 1024  # larger bodies wait on disk until they are stored

# Decides whether a URL may be requested: None, or (outcome, reason) to refuse it.
Guard = Callable[[str], Awaitable[tuple[str, str] | None]]


class SpooledBody:
    """A response body: hashed while it streams in, kept in memory up to a limit, then on disk.

    So a 50 MB attachment costs 50 MB of temporary disk, not 50 MB of RAM per request in flight.
    """

    def __init__(self, memory_limit: int) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=memory_limit)  # noqa: SIM115 - close()
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._file.write(chunk)
        self.size += len(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def head(self, limit: int) -> bytes:
        """The first ``limit`` bytes (what link discovery and robots.txt parsing look at)."""
        self._file.seek(0)
        return self._file.read(limit)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        self._file.seek(0)
        while chunk := self._file.read(size):
            yield chunk

    def read(self) -> bytes:
        return self.head(self.size)

    def close(self) -> None:
        self._file.close()


@dataclass
class FetchResult:
    url: str
    outcome: str  # body | not_modified | failed | blocked_robots | skipped
    final_url: str | None = None
    status: int | None = None
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: SpooledBody | None = None
    wire_bytes: int = 0
    elapsed_ms: float = 0.0
    attempts: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class _TransientError(Exception):
    """A failure worth retrying (timeout, reset, truncation)."""

    def __init__(self, reason: str, wire_bytes: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wire_bytes = wire_bytes


class _PermanentError(Exception):
    def __init__(self, reason: str, status: int | None = None, wire_bytes: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wire_bytes = wire_bytes


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: SpooledBody | None
    wire_bytes: int


class _Budget:
    """Seconds one URL may still spend on requests and backoff sleeps."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def charge(self, since: float) -> None:
        self.left -= time.monotonic() - since


def raw_body_limit(max_body_bytes: int) -> int:
    """Cap on the bytes read off the wire for a body whose decoded size may be ``max_body_bytes``.

    Compression grows incompressible data by well under 1 % per layer, so an honest encoded
    body is never much bigger than its decoded form; this stops a server from streaming
    endless bytes that decode to nothing (padding after a gzip member, empty deflate blocks).
    """
    return max_body_bytes + max_body_bytes // 32 + 64 * 1024


@dataclass
class _Attempts:
    """What the retry loop ended with: a response, or the last failure's reason."""

    response: _Response | None
    reason: str | None
    status: int | None
    attempts: int
    wire_bytes: int


def _header_bytes(response: httpx.Response) -> int:
    return sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17


def _network_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.RemoteProtocolError):
        message = str(exc).lower()
        return "truncated" if "incomplete" in message or "message body" in message else "connection_reset"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection_reset"
    return "network_error"


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _retry_after(headers: dict[str, str], cap: float) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), cap)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), cap)


class Fetcher:
    """GETs through a shared httpx client under the host limiter's politeness rules."""

    def __init__(
        self,
        make_client: Callable[[bool], httpx.AsyncClient],
        limiter: HostLimiter,
        settings: CrawlSettings,
        rng: random.Random | None = None,
    ) -> None:
        self.make_client = make_client
        self.clients: dict[bool, httpx.AsyncClient] = {}
        self.limiter = limiter
        self.settings = settings
        self.rng = rng or random.Random()

    def client_for(self, policy: FetchPolicy) -> httpx.AsyncClient:
        """One shared client per TLS-verification mode (httpx sets verification per client)."""
        verify = policy.tls_verify
        if verify not in self.clients:
            self.clients[verify] = self.make_client(verify)
        return self.clients[verify]

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def fetch(
        self, url: str, headers: dict[str, str] | None = None, guard: Guard | None = None
    ) -> FetchResult:
        """GET ``url``, following redirects only to URLs ``guard`` accepts."""
        started = time.monotonic()
        chain = [url]
        current = url
        wire = 0
        attempts = 0
        budget = _Budget(self.settings.for_host(host_key(url)).max_fetch_seconds)
        result: FetchResult
        while True:
            policy = self.settings.for_host(host_key(current))
            tried = await self._get_with_retries(current, headers or {}, policy, budget)
            attempts += tried.attempts
            wire += tried.wire_bytes
            response = tried.response
            if response is None:
                result = FetchResult(
                    url=url, outcome="failed", final_url=current, status=tried.status,
                    reason=tried.reason,
                )
                break
            status = response.status
            if status in REDIRECT_STATUSES:
                target = normalize_url(response.headers.get("location", ""), current)
                refusal = None
                if target is None:
                    refusal = ("failed", "bad_redirect")
                elif target in chain:
                    refusal = ("failed", "redirect_loop")
                elif len(chain) > policy.max_redirects:
                    refusal = ("failed", "too_many_redirects")
                elif guard is not None:
                    refusal = await guard(target)  # allow-list and robots.txt of the target
                if refusal is not None:
                    refused_as, why = refusal
                    result = FetchResult(
                        url=url, outcome=refused_as, final_url=target or current, status=status,
                        reason=why, headers=response.headers,
                    )
                    break
                chain.append(target)
                current = target
                continue
            if status == 304:
                result = FetchResult(
                    url=url, outcome="not_modified", final_url=current, status=status,
                    headers=response.headers,
                )
            elif 200 <= status < 300:
                result = FetchResult(
                    url=url, outcome="body", final_url=current, status=status,
                    headers=response.headers, body=response.body,
                )
            else:
                result = FetchResult(
                    url=url, outcome="failed", final_url=current, status=status,
                    reason=f"http_{status}", headers=response.headers,
                )
            break
        result.wire_bytes = wire
        result.attempts = attempts
        result.elapsed_ms = (time.monotonic() - started) * 1000
        return result

    async def _get_with_retries(
        self, url: str, headers: dict[str, str], policy: FetchPolicy, budget: _Budget
    ) -> _Attempts:
        wire = 0
        reason: str | None = None
        status: int | None = None
        host = host_key(url)
        attempts = 0
        for attempt in range(policy.max_retries + 1):
            if budget.left <= 0:  # spent by earlier attempts or redirect hops
                reason = reason or "timeout"
                break
            wait: float | None = None
            attempts += 1
            try:
                async with self.limiter.slot(host):
                    began = time.monotonic()
                    try:
                        response = await asyncio.wait_for(
                            self._get_once(url, headers, policy), timeout=budget.left
                        )
                    finally:
                        budget.charge(began)
            except TimeoutError:
                reason, status = "timeout", None
            except _TransientError as exc:
                reason, status = exc.reason, None
                wire += exc.wire_bytes
            except _PermanentError as exc:
                wire += exc.wire_bytes
                return _Attempts(None, exc.reason, exc.status, attempts, wire)
            else:
                wire += response.wire_bytes
                if response.status not in RETRY_STATUSES:
                    return _Attempts(response, None, response.status, attempts, wire)
                reason, status = f"http_{response.status}", response.status
                wait = _retry_after(response.headers, policy.backoff_max_seconds)
            if attempt < policy.max_retries:
                if wait is None:
                    base = min(policy.backoff_seconds * 2**attempt, policy.backoff_max_seconds)
                    wait = base * self.rng.uniform(0.5, 1.0)  # jitter spreads retries out
                if wait >= budget.left:
                    break  # the retry could not start before the budget is spent
                began = time.monotonic()
                await asyncio.sleep(wait)
                budget.charge(began)
        return _Attempts(None, reason, status, attempts, wire)

    async def _get_once(self, url: str, headers: dict[str, str], policy: FetchPolicy) -> _Response:
        timeout = httpx.Timeout(
            policy.read_timeout_seconds, connect=policy.connect_timeout_seconds
        )
        try:
            client = self.client_for(policy)
            request = client.build_request("GET", url, headers=headers, timeout=timeout)
            response = await client.send(request, stream=True)
        except httpx.InvalidURL:
            raise _PermanentError("bad_url") from None
        except httpx.UnsupportedProtocol:
            raise _PermanentError("bad_url") from None
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise _PermanentError("tls_error") from None  # retrying will not fix a certificate
            raise _TransientError(_network_reason(exc)) from None
        except httpx.HTTPError as exc:
            raise _TransientError(_network_reason(exc)) from None
        head = _header_bytes(response)
        response_headers = {k.lower(): v for k, v in response.headers.multi_items()}
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES or status == 304 or status >= 400:
                # Nothing in these bodies is kept; don't spend bandwidth on them.
                return _Response(status, response_headers, None, head)
            try:
                decoder = BodyDecoder.for_headers(
                    response.headers.get_list("content-encoding"), policy.max_body_bytes
                )
            except DecodingRefused as exc:
                raise _PermanentError(exc.reason, status, head) from None
            raw_limit = raw_body_limit(policy.max_body_bytes)
            # An unencoded body's declared length is its decoded length: refuse it unread.
            declared_limit = raw_limit if decoder.compressed else policy.max_body_bytes
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > declared_limit:
                raise _PermanentError("too_large", status, head)
            body = SpooledBody(SPOOL_IN_MEMORY_BYTES)
            try:
                # aiter_raw: the bytes as sent, so httpx's unbounded decoders never run; ours
                # hand back at most 64 KiB at a time and stop at max_body_bytes decoded.
                async for raw in response.aiter_raw():
                    if response.num_bytes_downloaded > raw_limit:
                        raise DecodingRefused("too_large", "raw body")
                    for piece in decoder.feed(raw):
                        body.write(piece)
                for piece in decoder.finish():
                    body.write(piece)
            except DecodingRefused as exc:
                body.close()
                wire = head + response.num_bytes_downloaded
                raise _PermanentError(exc.reason, status, wire) from None
            except BaseException:
                body.close()
                raise
            return _Response(status, response_headers, body, head + response.num_bytes_downloaded)
        except httpx.HTTPError as exc:
            raise _TransientError(_network_reason(exc), head + response.num_bytes_downloaded) from None
        finally:
            await response.aclose()
