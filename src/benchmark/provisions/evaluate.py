"""Score extracted provisions against hand-labelled gold records (the contract's matching rule).

Two records match when ``doc``, ``tier``, ``benefit``, ``period`` are equal and ``amount_cny``
agrees within 0.5 %. Records are compared as sets per document (a provision said twice counts
once). Precision/recall/F1 are given overall, per benefit and per document; ``duration_months``,
``is_cap`` and ``amount_max_cny`` are scored on matched pairs only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from benchmark.errors import TalentbenchError

KEY_FIELDS = ("doc", "tier", "benefit", "period")
AMOUNT_TOLERANCE = 0.005


def load_gold(gold_dir: Path | str) -> dict[str, list[dict]]:
    """``<doc>.jsonl`` files of a folder → {doc: records}; an empty file is a doc with none."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise TalentbenchError(f"gold folder not found: {gold_dir}")
    gold: dict[str, list[dict]] = {}
    for path in sorted(gold_dir.glob("*.jsonl")):
        doc = path.name[: -len(".jsonl")]
        records = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TalentbenchError(f"{path}:{number}: not JSON: {exc.msg}") from exc
            missing = [k for k in (*KEY_FIELDS, "amount_cny") if k not in record]
            if missing:
                raise TalentbenchError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
            records.append(record)
        gold[doc] = records
    if not gold:
        raise TalentbenchError(f"no gold .jsonl files in {gold_dir}")
    return gold


def _amount_agrees(a: float, b: float) -> bool:
    a, b = float(a), float(b)
    return abs(a - b) <= AMOUNT_TOLERANCE * max(abs(a), abs(b)) or a == b


def _dedupe(records: list[dict]) -> list[dict]:
    """One record per (key fields, amount within tolerance): the first one said."""
    kept: list[dict] = []
    for record in records:
        if not any(_same(record, k) for k in kept):
            kept.append(record)
    return kept


def _same(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in KEY_FIELDS) and _amount_agrees(a["amount_cny"], b["amount_cny"])


@dataclass
class DocScore:
    doc: str
    matched: list[tuple[dict, dict]] = field(default_factory=list)  # (gold, predicted)
    misses: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)


def match_document(doc: str, gold: list[dict], predicted: list[dict]) -> DocScore:
    """Greedy one-to-one matching of deduplicated gold and predicted records of one document."""
    score = DocScore(doc)
    remaining = _dedupe(predicted)
    for g in _dedupe(gold):
        partner = next((p for p in remaining if _same(g, p)), None)
        if partner is None:
            score.misses.append(g)
        else:
            remaining.remove(partner)
            score.matched.append((g, partner))
    score.false_alarms = remaining
    return score


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


@dataclass
class Evaluation:
    overall: dict
    per_benefit: pd.DataFrame
    per_document: pd.DataFrame
    field_accuracy: dict
    scores: list[DocScore]

    def misses(self) -> list[dict]:
        return [m for s in self.scores for m in s.misses]

    def false_alarms(self) -> list[dict]:
        return [f for s in self.scores for f in s.false_alarms]


def evaluate(gold: dict[str, list[dict]], predicted: dict[str, list[dict]]) -> Evaluation:
    """Score ``predicted`` ({doc: records}) against ``gold`` on the documents of ``gold``."""
    scores = [match_document(doc, gold[doc], predicted.get(doc, [])) for doc in sorted(gold)]
    tp = sum(len(s.matched) for s in scores)
    fp = sum(len(s.false_alarms) for s in scores)
    fn = sum(len(s.misses) for s in scores)
    overall = _prf(tp, fp, fn)

    per_doc = pd.DataFrame(
        [{"doc": s.doc, **_prf(len(s.matched), len(s.false_alarms), len(s.misses))} for s in scores]
    )
    benefits = sorted({r["benefit"] for s in scores for r in
                       [*(g for g, _ in s.matched), *s.misses, *s.false_alarms]})
    rows = []
    for benefit in benefits:
        btp = sum(1 for s in scores for g, _ in s.matched if g["benefit"] == benefit)
        bfp = sum(1 for s in scores for p in s.false_alarms if p["benefit"] == benefit)
        bfn = sum(1 for s in scores for g in s.misses if g["benefit"] == benefit)
        rows.append({"benefit": benefit, **_prf(btp, bfp, bfn)})
    per_benefit = pd.DataFrame(rows, columns=["benefit", "tp", "fp", "fn", "precision", "recall", "f1"])

    pairs = [pair for s in scores for pair in s.matched]
    field_accuracy = {}
    for name in ("duration_months", "is_cap", "amount_max_cny"):
        agree = sum(1 for g, p in pairs if _field_equal(g.get(name), p.get(name)))
        field_accuracy[name] = {"agree": agree, "pairs": len(pairs),
                                "accuracy": agree / len(pairs) if pairs else 1.0}
    return Evaluation(overall, per_benefit, per_doc, field_accuracy, scores)


def _field_equal(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or (isinstance(b, float) and pd.isna(b))
    if b is None or (isinstance(b, float) and pd.isna(b)):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return _amount_agrees(float(a), float(b))


def evaluate_folders(gold_dir: Path | str, docs_dir: Path | str) -> Evaluation:
    """Extract every gold document from ``docs_dir`` and score it."""
    from benchmark.provisions.extract import extract_text, read_document

    gold = load_gold(gold_dir)
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise TalentbenchError(f"documents folder not found: {docs_dir}")
    predicted = {}
    for doc in gold:
        path = docs_dir / doc
        if not path.is_file():
            raise TalentbenchError(f"gold names {doc} but {path} does not exist")
        predicted[doc] = extract_text(read_document(path), doc)
    return evaluate(gold, predicted)


def format_report(result: Evaluation, show_errors: bool = True) -> str:
    """A plain-text report: figures, then every miss and false alarm with its evidence."""
    o = result.overall
    out = [
        f"overall  P={o['precision']:.3f} R={o['recall']:.3f} F1={o['f1']:.3f} "
        f"(tp={o['tp']} fp={o['fp']} fn={o['fn']})",
        "",
        "per benefit:",
        result.per_benefit.to_string(index=False, float_format=lambda x: f"{x:.3f}"),
        "",
        "per document:",
        result.per_document.to_string(index=False, float_format=lambda x: f"{x:.3f}"),
        "",
        "fields on matched pairs:",
    ]
    for name, acc in result.field_accuracy.items():
        out.append(f"  {name}: {acc['accuracy']:.3f} ({acc['agree']}/{acc['pairs']})")
    if show_errors:
        out += ["", "misses (in gold, not extracted):"]
        out += [f"  {_describe(r)}" for r in result.misses()] or ["  none"]
        out += ["", "false alarms (extracted, not in gold):"]
        out += [f"  {_describe(r)}" for r in result.false_alarms()] or ["  none"]
        wrong = [(g, p) for s in result.scores for g, p in s.matched
                 if not _field_equal(g.get("duration_months"), p.get("duration_months"))
                 or not _field_equal(g.get("is_cap"), p.get("is_cap"))
                 or not _field_equal(g.get("amount_max_cny"), p.get("amount_max_cny"))]
        out += ["", "matched with a differing duration/is_cap/amount_max:"]
        for g, p in wrong:
            out.append(f"  {_describe(g)}  | got duration={p.get('duration_months')} "
                       f"is_cap={p.get('is_cap')} max={p.get('amount_max_cny')}")
        if not wrong:
            out.append("  none")
    return "\n".join(out)


def _describe(r: dict) -> str:
    amount = f"{r['amount_cny']:g}"
    if r.get("amount_max_cny") not in (None,) and not pd.isna(r.get("amount_max_cny")):
        amount += f"-{r['amount_max_cny']:g}"
    return (f"{r['doc']} | {r['tier']} {r['benefit']} {amount}/{r['period']} "
            f"dur={r.get('duration_months')} cap={r.get('is_cap')} | {str(r.get('evidence', ''))[:80]}")
