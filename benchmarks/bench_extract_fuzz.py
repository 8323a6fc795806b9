"""Fuzz run: random and mutated policy text through ``extract_text``; no exception, no hang.

Prints how many inputs ran, how many records came out, the slowest input's time, and any
failure (with the input that caused it). Usage::

    python benchmarks/bench_extract_fuzz.py [--inputs 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fixtures.text_fuzzing import mutated_texts  # noqa: E402

CORPUS = REPO.parent / "shared" / "data" / "policy_corpus"
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from benchmark.provisions import extract_text

    corpus = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md"))]
    for document in corpus:  # warm-up: compiled regexes, jieba's dictionary
        extract_text(document, "warm-up.md")
    rng = random.Random(args.seed)
    records = failures = 0
    slowest = (0.0, "")
    started = time.perf_counter()
    for n, text in enumerate(mutated_texts(corpus, rng, args.inputs, chunk=600, random_length=200), 1):
        t0 = time.perf_counter()
        try:
            out = extract_text(text, "fuzz.md")
            bad = [r for r in out if text[r["start"]:r["end"]] != r["evidence"]]
            if bad:
                raise AssertionError(f"evidence mismatch: {bad[0]}")
        except Exception as exc:  # report every failure with its input, keep going
            failures += 1
            print(f"FAIL #{n}: {type(exc).__name__}: {exc}\n  input: {text[:200]!r}", file=sys.stderr)
            continue
        elapsed = time.perf_counter() - t0
        if elapsed > slowest[0]:
            slowest = (elapsed, text[:60])
        records += len(out)
    total = time.perf_counter() - started
    print(f"inputs: {args.inputs}  records: {records}  failures: {failures}")
    print(f"total {total:.1f} s, slowest input {slowest[0] * 1000:.1f} ms ({slowest[1]!r}...)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
