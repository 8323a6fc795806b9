"""Extraction throughput against plain ``jieba.lcut`` on the same text, in the same run.

The policy corpus is repeated until it holds at least ``--mb`` MB (UTF-8), then each
document copy goes through ``extract_text`` and, separately, through ``jieba.lcut``. Both
figures and their ratio are printed. Usage::

    python benchmarks/bench_extract.py [--corpus ../shared/data/policy_corpus] [--mb 10]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "policy_corpus"


def load_documents(corpus: Path, megabytes: float) -> tuple[list[str], int]:
    documents = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.md"))]
    if not documents:
        sys.exit(f"no .md documents in {corpus}")
    one_pass = sum(len(d.encode("utf-8")) for d in documents)
    copies = max(1, -(-int(megabytes * 1_000_000) // one_pass))  # ceiling division
    return documents * copies, one_pass * copies


def time_it(fn, documents: list[str]) -> float:
    started = time.perf_counter()
    for document in documents:
        fn(document)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--mb", type=float, default=10.0, help="repeat the corpus to at least this many MB")
    args = parser.parse_args()

    import jieba

    from benchmark.provisions import extract_text

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # load the dictionary before timing, as extraction's regexes are compiled
    documents, size = load_documents(args.corpus, args.mb)
    extract_text(documents[0], "warm-up.md")

    records = 0

    def extract(document: str) -> None:
        nonlocal records
        records += len(extract_text(document, "bench.md"))

    extract_seconds = time_it(extract, documents)
    jieba_seconds = time_it(jieba.lcut, documents)
    megabytes = size / 1_000_000
    extract_rate, jieba_rate = megabytes / extract_seconds, megabytes / jieba_seconds
    print(f"text: {megabytes:.1f} MB ({len(documents)} documents, corpus repeated), {records} records")
    print(f"extract_text : {extract_rate:6.2f} MB/s  ({extract_seconds:.1f} s)")
    print(f"jieba.lcut   : {jieba_rate:6.2f} MB/s  ({jieba_seconds:.1f} s)")
    print(f"ratio extract/jieba: {extract_rate / jieba_rate:.2f}")


if __name__ == "__main__":
    main()
