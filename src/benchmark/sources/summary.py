"""What a crawl did: counts by outcome and reason, bytes, time — for the CLI and for tests."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class CrawlSummary:
    """What a crawl did, for the CLI summary and for tests."""

    run_id: str
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    failed: collections.Counter = field(default_factory=collections.Counter)
    skipped: collections.Counter = field(default_factory=collections.Counter)
    blocked: collections.Counter = field(default_factory=collections.Counter)
    wire_bytes: int = 0
    new_bytes: int = 0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    def add(self, row: dict[str, Any]) -> None:
        outcome = row["outcome"]
        self.outcomes[outcome] += 1
        reason = row.get("reason") or "-"
        if outcome == "failed":
            self.failed[reason] += 1
        elif outcome == "skipped":
            self.skipped[reason] += 1
        elif outcome == "blocked_robots":
            self.blocked[reason] += 1
        self.wire_bytes += int(row.get("wire_bytes") or 0)

    def lines(self) -> list[str]:
        o = self.outcomes
        fetched = o["stored"] + o["unchanged"]
        lines = [
            f"crawl {self.run_id} in {self.seconds:.1f} s: fetched {fetched} "
            f"({o['stored']} new or changed, {o['unchanged']} unchanged), {o['failed']} failed, "
            f"{o['blocked_robots']} blocked by robots.txt, {o['skipped']} skipped",
            f"transferred {self.wire_bytes:,} bytes; {self.new_bytes:,} bytes of new content stored",
        ]
        for title, counter in (("failed", self.failed), ("blocked", self.blocked), ("skipped", self.skipped)):
            if counter:
                detail = ", ".join(f"{reason} {n}" for reason, n in counter.most_common())
                lines.append(f"  {title}: {detail}")
        return lines
