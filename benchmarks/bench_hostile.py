"""Hostile input across every subcommand: how many bad inputs are refused cleanly.

Runs the catalogue of tests/hostile_cases.py in-process, each case in a fresh working folder
that holds some stored files, and prints the counts: tried, refused with one line, tracebacks,
messy errors, wrongly accepted, stored files changed, and the slowest refusals.

    python benchmarks/bench_hostile.py [--verbose]
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hostile_cases import cases, execute  # noqa: E402


def main() -> int:
    verbose = "--verbose" in sys.argv
    outcomes = []
    for case in cases():
        with tempfile.TemporaryDirectory() as tmp:
            outcomes.append(execute(case, Path(tmp)))
    kinds = Counter(o.kind for o in outcomes)
    changed = [o for o in outcomes if o.changed]
    print(f"inputs tried        {len(outcomes)}")
    for kind in ("refused", "traceback", "internal", "messy", "accepted"):
        print(f"{kind:<19} {kinds.get(kind, 0)}")
    print(f"stored files changed {len(changed)}")
    slow = sorted(outcomes, key=lambda o: -o.seconds)[:5]
    print("slowest: " + ", ".join(f"{o.case.id} {o.seconds:.1f}s" for o in slow))
    for o in outcomes:
        if o.kind != "refused" or o.changed or verbose:
            detail = repr(o.error)[:200] if o.error else (o.stderr.strip().splitlines() or [""])[-1][:200]
            print(f"  [{o.kind}] {o.case.id}: {detail}" + (f" CHANGED {o.changed}" if o.changed else ""))
    return 0 if kinds.get("refused", 0) == len(outcomes) and not changed else 1


if __name__ == "__main__":
    sys.exit(main())
