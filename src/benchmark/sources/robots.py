"""robots.txt as RFC 9309 says: 4xx means no rules, 5xx or unreachable means keep out."""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

# RFC 9309 2.5: crawlers may ignore anything past 500 KiB.
ROBOTS_MAX_BYTES = 500 * 1024


@dataclass
class RobotsRules:
    """What one host's robots.txt allows us (by our product token)."""

    parser: Protego | None
    allow_all: bool = False
    unreachable: bool = False
    host_down: bool = False  # not even an HTTP answer: report pages as failed, not blocked

    @classmethod
    def from_fetch(cls, status: int | None, body: bytes | None) -> RobotsRules:
        if status is not None and 200 <= status < 300:
            # RFC 9309: robots.txt is UTF-8; undecodable bytes can only be in values we ignore.
            text = (body or b"")[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
            try:
                return cls(parser=Protego.parse(text))
            except Exception:  # noqa: BLE001 - a garbled robots.txt means no usable rules
                return cls(parser=None, allow_all=True)
        if status is not None and 400 <= status < 500:
            return cls(parser=None, allow_all=True)
        # 5xx, a redirect we could not follow, a timeout or a reset: assume complete disallow.
        return cls(parser=None, unreachable=True, host_down=status is None)

    def can_fetch(self, url: str, agent: str) -> bool:
        if self.unreachable:
            return False
        if self.allow_all or self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, agent))

    def refusal(self) -> tuple[str, str]:
        """(manifest outcome, reason) for a page these rules keep us from fetching."""
        if self.host_down:
            return ("failed", "host_unreachable")
        return ("blocked_robots", "robots_unreachable" if self.unreachable else "robots_disallow")

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        rate = self.parser.request_rate(agent)
        if rate is not None and rate.requests:
            per_request = rate.seconds / rate.requests
            delay = max(delay or 0.0, per_request)
        return float(delay) if delay is not None else None
