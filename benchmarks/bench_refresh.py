"""Time a full refresh against a refresh whose inputs did not change (the issue asks <= 5 %).

Both are the real command (`talentbench refresh --offline --corpus ../shared/data/policy_corpus`)
in a fresh TALENTBENCH_HOME, with the packaged method spec (1 000 Monte Carlo runs, Sobol) and the
PDF report; wall-clock time of the whole process, interpreter start-up included.

    .venv/bin/python benchmarks/bench_refresh.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(home: Path, corpus: Path, *extra: str) -> tuple[float, int, str]:
    env = {**os.environ, "TALENTBENCH_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchmark", "refresh", "--offline", "--corpus", str(corpus),
                           "--quiet", *extra], env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.returncode, (done.stdout + done.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("TALENTBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))
                        / "policy_corpus")
    parser.add_argument("--repeat", type=int, default=3, help="no-change refreshes to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        full, code, line = timed(home, args.corpus)
        if code != 0:
            sys.exit(f"full refresh failed (exit {code}): {line}")
        print(f"full refresh:       {full:6.2f} s   exit {code}  {line}")
        same = []
        for _ in range(args.repeat):
            seconds, code, line = timed(home, args.corpus)
            if code != 3:
                sys.exit(f"unchanged refresh should exit 3, got {code}: {line}")
            same.append(seconds)
        best = min(same)
        print(f"no-change refresh:  {best:6.2f} s   exit 3  (best of {args.repeat}: "
              + ", ".join(f"{s:.2f}" for s in same) + ")")
        print(f"ratio:              {best / full:6.1%}   (target <= 5 %)")


if __name__ == "__main__":
    main()
