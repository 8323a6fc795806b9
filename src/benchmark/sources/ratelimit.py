"""Politeness: a minimum gap between request starts per host, and caps on requests in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class _HostState:
    def __init__(self, concurrency: int) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.next_start = 0.0
        self.interval = 0.0


class HostLimiter:
    """Per-host concurrency and start interval, plus a global in-flight cap across hosts."""

    def __init__(self, total_concurrency: int) -> None:
        self._global = asyncio.Semaphore(total_concurrency)
        self._hosts: dict[str, _HostState] = {}

    def configure(self, host: str, interval: float, concurrency: int) -> None:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _HostState(concurrency)
        state.interval = max(state.interval, interval)

    def slow_down(self, host: str, interval: float) -> None:
        """Raise a host's interval (robots.txt Crawl-delay); never lowers it."""
        self.configure(host, interval, 1)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        state = self._hosts.get(host) or self._hosts.setdefault(host, _HostState(1))
        async with state.semaphore:
            # Reserve this request's start time first, so concurrent requests to one host
            # queue up behind each other; wait for it before taking a global slot, so that
            # waiting on a slow host costs the other hosts nothing.
            start_at = max(time.monotonic(), state.next_start)
            state.next_start = start_at + state.interval
            while (delay := start_at - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            async with self._global:
                # Count the gap from when this request really starts: a late start (a loaded
                # event loop, a busy global pool) must not shorten the gap to the next one.
                state.next_start = max(state.next_start, time.monotonic() + state.interval)
                yield
