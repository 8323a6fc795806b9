"""`talentbench refresh`: the scheduled, incremental refresh that publishes benchmark snapshots.

See :mod:`benchmark.refresh.engine` for the stages, caching and exit codes,
:mod:`benchmark.refresh.curate` for how reviewed work is applied to a new version of the sources
and :mod:`benchmark.refresh.lock` for the single-run lock.
"""

from benchmark.refresh.engine import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_PUBLISHED,
    EXIT_UNCHANGED,
    RefreshOptions,
    RefreshOutcome,
    refresh,
)

__all__ = ["EXIT_BUSY", "EXIT_FAILED", "EXIT_PUBLISHED", "EXIT_UNCHANGED", "RefreshOptions",
           "RefreshOutcome", "refresh"]
