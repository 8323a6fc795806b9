"""Extraction F1 on the unseen set: synthetic official documents the extractor was not built on.

Each document in ``benchmarks/unseen/docs`` goes the way a crawled page or attachment goes:
``parse_bytes`` (documents stage) → its text → ``extract_text``; the records are scored against
the hand-written labels in ``benchmarks/unseen/labels`` (written before the extractor ever ran
on these documents). F1 is printed overall, per batch and per layout (HTML table, DOCX table,
PDF table, prose). Usage::

    python benchmarks/bench_extract_unseen.py [--errors] [--batch corpus_a]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNSEEN = REPO / "benchmarks" / "unseen"
LAYOUT_NAMES = {"html": "HTML table", "docx": "DOCX table", "pdf": "PDF table", "prose": "prose"}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def extract_unseen(batches: tuple[str, ...] = ()) -> tuple[dict, dict, dict]:
    """(gold, predicted, layout by doc) of the unseen set, documents built if missing."""
    sys.path.insert(0, str(UNSEEN))
    from make_unseen import load_definitions, render

    from benchmark.documents import parse_bytes
    from benchmark.provisions.evaluate import load_gold
    from benchmark.provisions.extract import extract_text

    gold_all = load_gold(UNSEEN / "labels")
    gold, predicted, layouts = {}, {}, {}
    for doc in load_definitions(*batches):
        name = doc["name"]
        path = UNSEEN / "docs" / name
        body = path.read_bytes() if path.exists() else render(doc)
        parsed = parse_bytes(body, CONTENT_TYPES[path.suffix], f"https://www.example.gov.cn/{name}")
        if parsed.status != "ok":
            print(f"{name}: {parsed.status} {parsed.reason}")
        gold[name] = gold_all[name]
        predicted[name] = extract_text(parsed.text, name)
        layouts[name] = (doc["batch"], LAYOUT_NAMES[doc["layout"]])
    return gold, predicted, layouts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    parser.add_argument("--batch", action="append", default=[], help="corpus_a, corpus_b (default both)")
    args = parser.parse_args()

    from benchmark.provisions.evaluate import evaluate, format_report

    gold, predicted, layouts = extract_unseen(tuple(args.batch))
    if args.errors:
        print(format_report(evaluate(gold, predicted), show_errors=True))
        print()

    def line(label: str, docs: list[str]) -> None:
        o = evaluate({d: gold[d] for d in docs}, predicted).overall
        print(f"{label:24s} {len(docs):3d} docs {sum(len(gold[d]) for d in docs):4d} gold  "
              f"P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f}")

    shared = REPO.parent / "shared" / "data"
    if (shared / "gold").is_dir():
        from benchmark.provisions.evaluate import load_gold
        from benchmark.provisions.extract import extract_text, read_document

        dev = load_gold(shared / "gold")
        o = evaluate(dev, {d: extract_text(read_document(shared / "policy_corpus" / d), d) for d in dev}).overall
        print(f"{'dev gold':24s} {len(dev):3d} docs {sum(map(len, dev.values())):4d} gold  "
              f"P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f}")
    print("before the table work (batch A, recorded in unseen/RESULTS.md):")
    blocks = (UNSEEN / "RESULTS.md").read_text(encoding="utf-8").split("\n\n")
    for row in next(b for b in blocks if b.startswith("| layout")).splitlines()[2:]:
        print("  " + " ".join(part.strip() for part in row.strip("|").split("|")))
    print("now:")
    line("unseen, all", sorted(gold))
    for batch in sorted({b for b, _ in layouts.values()}):
        line(f"  {batch}", [d for d in gold if layouts[d][0] == batch])
    for layout in LAYOUT_NAMES.values():
        docs = [d for d in gold if layouts[d][1] == layout]
        if docs:
            line(f"  layout {layout}", docs)


if __name__ == "__main__":
    main()
