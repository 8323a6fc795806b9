"""Rebuild the curated dataset tables from the corpus, the gold labels and the review decisions.

    python scripts/curate_dataset.py [--shared ../shared/data]

Reproducible: the same corpus + gold + review_decisions.csv give byte-identical tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmark.dataset.build import build_all

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    written = build_all(args.shared)
    for name, (path, n) in written.items():
        print(f"{name}: {n} rows -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
