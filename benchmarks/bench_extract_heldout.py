"""Extraction accuracy on documents with no gold file, against the curated dataset.

The project's curated table (``resources/dataset/provisions.csv``) holds analyst-reviewed
provision rows (accepted or corrected, per ``shared/spec/provisions.md``) for some corpus
documents that have no hand-labelled gold file. Those rows are a second, independent check of
the extractor: documents it was not tuned on. This script turns them into gold-like records
(the contract's fields), runs the extractor on the same documents, scores them with the
project's evaluation (``benchmark.provisions.evaluate``) and prints overall and per-document
P/R/F1 and every disagreement.

Which documents:
- a corpus file (``*.md`` in ``--docs``) that has curated rows and no ``<doc>.jsonl`` in
  ``--gold``. Rows whose ``doc`` is not a corpus file (the ``.xlsx`` table) are left out: the
  extractor does not read that table.
- district-scoped rows are kept. The contract is the same for a city's file and for a
  district's: a provision is a benefit the *text* states, whatever level of government pays
  it (the gold files of the two district-supplement documents label district provisions
  too). So a city file's district rows (福州.md's 长乐/马尾 tables) are provisions of that
  file. The district-supplement files themselves (``*区级*``, ``*各区*``) either have a gold
  file or no curated rows, so none of them is in this set.
- a document with no curated row is not in the set: the curated table is not exhaustive
  (a provision may have been kept once under another document), so its silence is no label.

A second, separately reported part scores the rows of the structured table
(``talent_subsidies_by_city.xlsx``) that have curated rows, each row read as a small document
of ``header: value`` lines exactly as the dataset review reads it
(``benchmark.dataset.curate.read_xlsx_documents``). Rows whose candidates were all rejected
for dataset reasons (no official link, a duplicate of a corpus provision) are not scored.

Usage::

    python benchmarks/bench_extract_heldout.py [--gold DIR] [--docs DIR] [--dataset CSV]
                                               [--table XLSX] [--quiet]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DATASET = REPO / "src" / "benchmark" / "resources" / "dataset" / "provisions.csv"
TABLE = "talent_subsidies_by_city.xlsx"
CONTRACT_FIELDS = ("doc", "tier", "benefit", "amount_cny", "amount_max_cny", "period",
                   "duration_months", "is_cap", "evidence")


def _none_if_nan(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


def curated_records(dataset: Path, docs_dir: Path, gold_dir: Path) -> dict[str, list[dict]]:
    """{doc: gold-like records} for corpus documents with curated rows and no gold file."""
    frame = pd.read_csv(dataset)
    labelled = {p.name[: -len(".jsonl")] for p in gold_dir.glob("*.jsonl")}
    corpus = {p.name for p in docs_dir.glob("*.md")}
    return _records(frame[frame["doc"].isin(corpus - labelled)])


def curated_table_records(dataset: Path) -> dict[str, list[dict]]:
    """{table row document: gold-like records} for the structured table's curated rows."""
    frame = pd.read_csv(dataset)
    return _records(frame[frame["doc"].str.startswith(TABLE + "#")])


def _records(frame: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in frame.to_dict("records"):
        record = {name: _none_if_nan(row[name]) for name in CONTRACT_FIELDS}
        record["amount_cny"] = float(record["amount_cny"])
        if record["duration_months"] is not None:
            record["duration_months"] = int(record["duration_months"])
        record["is_cap"] = bool(record["is_cap"])
        record["scope"] = row["scope"] if not pd.isna(row["district"]) else "city"
        record["district"] = _none_if_nan(row["district"])
        out.setdefault(row["doc"], []).append(record)
    return out


def _describe(r: dict) -> str:
    amount = f"{r['amount_cny']:g}"
    if r.get("amount_max_cny") is not None and not pd.isna(r.get("amount_max_cny")):
        amount += f"-{r['amount_max_cny']:g}"
    where = f" [{r['district']}]" if r.get("district") else ""
    evidence = " ".join(str(r.get("evidence") or "").split())[:90]
    return (f"{r['tier']:>10s} {r['benefit']:<18s} {amount}/{r['period']} "
            f"dur={r.get('duration_months')} cap={r.get('is_cap')}{where} | {evidence}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=SHARED / "gold")
    parser.add_argument("--docs", type=Path, default=SHARED / "policy_corpus")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--table", type=Path, default=SHARED / TABLE,
                        help="structured table whose curated rows are scored too (skipped if absent)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no disagreements")
    args = parser.parse_args()

    from benchmark.provisions.evaluate import evaluate
    from benchmark.provisions.extract import extract_text, read_document

    curated = curated_records(args.dataset, args.docs, args.gold)
    if not curated:
        raise SystemExit("no corpus document with curated rows and without a gold file")
    predicted = {doc: extract_text(read_document(args.docs / doc), doc) for doc in curated}
    labelled = {p.name[: -len(".jsonl")] for p in args.gold.glob("*.jsonl")}
    silent = sorted(p.name for p in args.docs.glob("*.md") if p.name not in labelled and p.name not in curated)
    report("held-out corpus documents (curated rows)", evaluate(curated, predicted), curated, predicted,
           args.quiet)
    print("not scored (no gold file and no curated row, so no label either way):", ", ".join(silent))

    if args.table.exists():
        from benchmark.dataset.curate import read_xlsx_documents

        table_curated = curated_table_records(args.dataset)
        rows = read_xlsx_documents(args.table)
        table_predicted = {doc: extract_text(rows[doc], doc) for doc in table_curated if doc in rows}
        print()
        report(f"structured table rows ({TABLE}, curated rows)", evaluate(table_curated, table_predicted),
               table_curated, table_predicted, args.quiet)
        both = {**curated, **table_curated}
        o = evaluate(both, {**predicted, **table_predicted}).overall
        print(f"\nboth parts pooled: P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f} "
              f"(tp={o['tp']} fp={o['fp']} fn={o['fn']})")


def report(title: str, result, curated: dict, predicted: dict, quiet: bool) -> None:
    o = result.overall
    print(f"{title}: {len(curated)} docs, {sum(len(v) for v in curated.values())} curated records, "
          f"{sum(len(v) for v in predicted.values())} extracted: "
          f"P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f} "
          f"(tp={o['tp']} fp={o['fp']} fn={o['fn']})")
    print("per document:")
    for row in result.per_document.itertuples():
        print(f"  {row.doc:34s} P={row.precision:.3f} R={row.recall:.3f} F1={row.f1:.3f} "
              f"(tp={row.tp} fp={row.fp} fn={row.fn})")
    print("per benefit:")
    for row in result.per_benefit.itertuples():
        print(f"  {row.benefit:18s} P={row.precision:.3f} R={row.recall:.3f} F1={row.f1:.3f}")
    print("fields on matched pairs:",
          ", ".join(f"{k} {v['agree']}/{v['pairs']}" for k, v in result.field_accuracy.items()))
    if quiet:
        return
    print("disagreements (curated row not extracted = miss; extracted, not curated = extra):")
    for score in result.scores:
        if not score.misses and not score.false_alarms:
            continue
        print(f"  {score.doc}")
        for r in score.misses:
            print("    miss  ", _describe(r))
        for r in score.false_alarms:
            print("    extra ", _describe(r))
    print("field disagreements on matched pairs:")
    for score in result.scores:
        for g, p in score.matched:
            diffs = [k for k in ("duration_months", "is_cap", "amount_max_cny")
                     if not _equal(g.get(k), p.get(k))]
            if diffs:
                print(f"  {score.doc} {g['tier']} {g['benefit']} {g['amount_cny']:g}: "
                      + ", ".join(f"{k} curated={g.get(k)} extracted={p.get(k)}" for k in diffs))

def _equal(a: object, b: object) -> bool:
    a, b = _none_if_nan(a), _none_if_nan(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return abs(float(a) - float(b)) <= 0.005 * max(abs(float(a)), abs(float(b)))


if __name__ == "__main__":
    main()
