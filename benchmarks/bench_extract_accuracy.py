"""Extraction accuracy on the gold set: overall, and on a fixed development / held-out split.

The split puts every third gold document (in sorted order) in the held-out part, so the same
documents are held out on every run. Usage::

    python benchmarks/bench_extract_accuracy.py [--gold DIR] [--docs DIR] [--errors]
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=SHARED / "gold")
    parser.add_argument("--docs", type=Path, default=SHARED / "policy_corpus")
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()

    from benchmark.provisions.evaluate import evaluate, format_report, load_gold
    from benchmark.provisions.extract import extract_text, read_document

    gold = load_gold(args.gold)
    predicted = {doc: extract_text(read_document(args.docs / doc), doc) for doc in gold}
    names = sorted(gold)
    held_out = names[2::3]
    development = [n for n in names if n not in held_out]

    result = evaluate(gold, predicted)
    print(format_report(result, show_errors=args.errors))
    print()
    for label, subset in (("development", development), ("held-out", held_out)):
        part = evaluate({d: gold[d] for d in subset}, predicted)
        o = part.overall
        print(f"{label:12s} ({len(subset):2d} docs, {sum(len(gold[d]) for d in subset):3d} gold records): "
              f"P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f}")
    print("held-out documents:", ", ".join(held_out))
    empty = [d for d in names if not gold[d]]
    emitted = {d: len(predicted[d]) for d in empty}
    print("documents with an empty gold file:", ", ".join(f"{d}={n}" for d, n in emitted.items()),
          "(records emitted)")


if __name__ == "__main__":
    main()
