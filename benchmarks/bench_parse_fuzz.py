"""Fuzz every document parser with mutated inputs and print time per input and outcomes.

    python benchmarks/bench_parse_fuzz.py [--n 10000] [--parsers html,pdf,docx,xlsx,xml] [--seed 1]

Each parser gets ``--n`` mutants of the fixture files in tests/fixtures/documents (see
``tests/fixtures/documents/fuzzing.py``), parsed one by one through ``GuardedParser`` with the 5 s
per-input limit of the acceptance criteria. Printed per parser: time per input (mean, median,
p99, max; the worker's start-up is excluded), outcome categories, and the count of *escapes*:
``parser-error`` (an exception no parser expected), ``parser-crashed`` (the worker died) and
``timeout`` (over 5 s). Exit status 1 if any input escaped. Mutants that escaped are saved to
``--save-dir`` so they can be turned into regression tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# The mutators are test code (tests/fixtures), not part of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.documents.fuzzing import FUZZ_TARGETS, mutants, seed_bodies  # noqa: E402

from benchmark.documents.convert import reason_category  # noqa: E402
from benchmark.documents.guard import GuardedParser  # noqa: E402

ESCAPES = ("parser-error", "parser-crashed", "timeout")
TIME_LIMIT = 5.0


def fuzz_one(parser: GuardedParser, target: str, n: int, seed: int, save_dir: Path | None) -> int:
    spec = FUZZ_TARGETS[target]
    seeds = seed_bodies(target)
    parser.parse(seeds[0], spec["content_type"], spec["url"])  # start the worker untimed
    times: list[float] = []
    outcomes: Counter[str] = Counter()
    escapes: list[tuple[int, str]] = []
    started = time.perf_counter()
    for index, body in enumerate(mutants(seeds, spec["family"], n, seed=seed, zip_members=spec["zip_members"])):
        t0 = time.perf_counter()
        document = parser.parse(body, spec["content_type"], spec["url"])
        times.append(time.perf_counter() - t0)
        category = "ok" if document.status == "ok" else reason_category(document.reason) or "NO-REASON"
        outcomes[category] += 1
        if category in ESCAPES or category == "NO-REASON":
            escapes.append((index, document.reason))
            if save_dir is not None:
                save_dir.mkdir(parents=True, exist_ok=True)
                (save_dir / f"{target}-{seed}-{index}.bin").write_bytes(body)
    wall = time.perf_counter() - started
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    print(f"\n{target}: {n} mutants of {len(seeds)} seed files in {wall:.1f} s")
    print(
        f"  time per input: mean {statistics.mean(times) * 1000:.1f} ms, "
        f"median {statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {max(times) * 1000:.0f} ms (limit {TIME_LIMIT:.0f} s)"
    )
    print("  outcomes: " + ", ".join(f"{name} {count}" for name, count in outcomes.most_common()))
    print(f"  escapes (parser-error, crash, timeout, no reason): {len(escapes)}")
    for index, reason in escapes[:10]:
        print(f"    mutant {index}: {reason}")
    return len(escapes)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--n", type=int, default=10_000, help="mutants per parser (default 10000)")
    args.add_argument("--parsers", default=",".join(FUZZ_TARGETS), help="comma-separated subset")
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--save-dir", type=Path, default=None, help="keep escaping mutants here")
    options = args.parse_args()
    targets = [t.strip() for t in options.parsers.split(",") if t.strip()]
    unknown = set(targets) - set(FUZZ_TARGETS)
    if unknown:
        print(f"unknown parsers {sorted(unknown)}; choose from {sorted(FUZZ_TARGETS)}", file=sys.stderr)
        return 2
    total = 0
    with GuardedParser(timeout=TIME_LIMIT) as parser:
        for target in targets:
            total += fuzz_one(parser, target, options.n, options.seed, options.save_dir)
        print(f"\nworker restarts: {parser.restarts}; escapes in all: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
