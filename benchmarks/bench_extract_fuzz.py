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
CORPUS = REPO.parent / "shared" / "data" / "policy_corpus"
ALPHABET = "博士硕本科专万元月年每最高补贴租房购|*#-\n:;,、（）()0123456789.一二三十百千<>/&ABCDE类型第人才%：，；"


def inputs(corpus: list[str], rng: random.Random, count: int):
    for i in range(count):
        if i % 4 == 0:
            yield "".join(rng.choice(ALPHABET) if rng.random() < 0.8 else chr(rng.randint(1, 0x2FFFF))
                          for _ in range(rng.randint(0, 200)))
            continue
        doc = rng.choice(corpus)
        whole = i % 50 == 1
        start = 0 if whole else rng.randint(0, max(0, len(doc) - 600))
        chunk = list(doc[start:] if whole else doc[start:start + rng.randint(1, 600)])
        for _ in range(rng.randint(0, 40 if whole else 10)):
            if not chunk:
                break
            k = rng.randrange(len(chunk))
            op = rng.random()
            if op < 0.25:
                del chunk[k]
            elif op < 0.5:
                chunk.insert(k, chunk[k] * rng.randint(1, 8))
            elif op < 0.75:
                chunk.insert(k, rng.choice(ALPHABET))
            else:
                j = rng.randrange(len(chunk))
                chunk[k], chunk[j] = chunk[j], chunk[k]
        yield "".join(chunk)


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
    for n, text in enumerate(inputs(corpus, rng, args.inputs), 1):
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
