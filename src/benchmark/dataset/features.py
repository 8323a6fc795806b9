"""Non-monetary features per city (落户 route, talent housing, family services, one-stop window).

:class:`FeatureExtractor` finds candidate clauses with the rules of ``feature_rules.yaml``;
:func:`curate_features` applies the analyst's decisions (``feature_review.csv``: accept /
correct / reject per document and feature) and gives the curated features table. A feature a
city's documents never mention is simply absent: unknown, not "no".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import yaml

from benchmark.dataset import provenance as pv
from benchmark.dataset.curate import city_of_doc, is_mainland
from benchmark.dataset.schema import FEATURE_COLUMNS
from benchmark.errors import TalentbenchError
from benchmark.paths import resource

FEATURE_DECISIONS = ("accept", "correct", "reject", "add")
# A line that only asks, doubts or points elsewhere does not state a feature.
HEDGE_RE = re.compile(r"是否|尚未|待复核|待核|待补|可能|线索|核实|不宜|暂不|仍需|取决于|不能|未见|未抓到|本轮未|？|\?")
FEATURE_REVIEW_COLUMNS = ["doc", "feature", "decision", "value", "evidence", "source_url", "status",
                          "note"]


def load_rules(path: Path | None = None) -> dict:
    path = path or resource("dataset", "feature_rules.yaml")
    try:
        rules = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["features"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise TalentbenchError(f"cannot read feature rules {path}: {exc}") from None
    for name, rule in rules.items():
        try:
            # one pattern, or a list tried in order: the strongest wording first, looser ones
            # only for documents where no stronger wording is found
            patterns = rule["pattern"] if isinstance(rule["pattern"], list) else [rule["pattern"]]
            rule["_res"] = [re.compile(p) for p in patterns]
            rule["_ctx"] = re.compile(rule["context"]) if rule.get("context") else None
        except (re.error, KeyError) as exc:
            raise TalentbenchError(f"feature rule {name}: bad pattern ({exc})") from None
    return rules


class FeatureExtractor:
    """Candidate features of documents: the first clause per (document, feature) a rule finds
    (with several patterns, the first clause of the first pattern that finds one).

    Parameters follow scikit-learn style: configuration in ``__init__``, work in ``transform``.
    """

    def __init__(self, rules_path: Path | None = None):
        self.rules_path = rules_path

    def transform(self, texts: Mapping[str, str]) -> pd.DataFrame:
        rules = load_rules(self.rules_path)
        rows = []
        for doc, text in texts.items():
            if not is_mainland(doc):
                continue
            for name, rule in rules.items():
                row = self._first(doc, text, name, rule)
                if row:
                    rows.append(row)
        return pd.DataFrame(rows, columns=FEATURE_COLUMNS)

    @staticmethod
    def _first(doc: str, text: str, name: str, rule: dict) -> dict | None:
        secs = pv.sections(text)
        matches = (m for pattern in rule["_res"] for m in pattern.finditer(text))
        for m in matches:
            lo = text.rfind("\n", 0, m.start()) + 1
            hi = text.find("\n", m.end())
            line = text[lo : hi if hi >= 0 else len(text)]
            if HEDGE_RE.search(line) or line.lstrip().startswith("#") or _hedged_list(text, lo):
                continue
            if rule["_ctx"] is not None:
                heads = " ".join(s.title for s in pv.enclosing_sections(text, m.start(), secs))
                if not (rule["_ctx"].search(line) or rule["_ctx"].search(heads)):
                    continue
            if rule["value"] == "group":
                raw = m.group(1)
                value = str(rule.get("map", {}).get(raw, raw))
            else:
                value = str(rule["value"])
            city, district_doc = city_of_doc(doc)
            url, _ = pv.locate_source(text, m.start(), m.end())
            return {
                "city": city, "district": pv.district_at(text, m.start()) if district_doc else None,
                "scope": "district" if district_doc else "city", "feature": name, "value": value,
                "unit": rule.get("unit"), "source_url": url,
                "source_date": pv.source_date(text, url) if url else None,
                "status": pv.status_at(text, m.start()), "evidence": m.group(0), "doc": doc,
                "start": m.start(), "end": m.end(), "review": None,
            }
        return None


_LIST_ITEM_RE = re.compile(r"\s*(?:[-*+]|\d+[.、)）])\s")


def _hedged_list(text: str, line_start: int) -> bool:
    """A list item under a lead-in that hedges ("可能涉及：", then "- 子女教育") is hedged too."""
    if not _LIST_ITEM_RE.match(text, line_start):
        return False
    hi = line_start - 1
    while hi > 0:
        lo = text.rfind("\n", 0, hi) + 1
        line = text[lo:hi]
        if line.strip() and not _LIST_ITEM_RE.match(line):
            return bool(HEDGE_RE.search(line)) and not line.lstrip().startswith(("#", "|"))
        if not line.strip():
            return False  # a blank line ends the list: no lead-in
        hi = lo - 1
    return False


def read_feature_review(path: Path | None = None) -> pd.DataFrame:
    path = path or resource("dataset", "feature_review.csv")
    if not path.exists():
        return pd.DataFrame(columns=FEATURE_REVIEW_COLUMNS)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    bad = sorted(set(df["decision"].dropna()) - set(FEATURE_DECISIONS))
    if bad:
        raise TalentbenchError(f"{path.name}: unknown decision(s) {bad}")
    return df.reindex(columns=FEATURE_REVIEW_COLUMNS)


def _added(d: dict, texts: Mapping[str, str]) -> dict:
    """A feature the rules missed, stated by the analyst with its evidence quote."""
    text = texts.get(d["doc"])
    span = pv.locate_evidence(text, d["evidence"]) if text and isinstance(d["evidence"], str) else None
    if span is None:
        raise TalentbenchError(f"feature review ({d['doc']}, {d['feature']}): evidence not in {d['doc']}")
    rules = load_rules()
    if d["feature"] not in rules or pd.isna(d["value"]):
        raise TalentbenchError(f"feature review ({d['doc']}, {d['feature']}): unknown feature or no value")
    city, district_doc = city_of_doc(d["doc"])
    url = d["source_url"] if isinstance(d["source_url"], str) else pv.locate_source(text, *span)[0]
    return {
        "city": city, "district": pv.district_at(text, span[0]) if district_doc else None,
        "scope": "district" if district_doc else "city", "feature": d["feature"],
        "value": d["value"], "unit": rules[d["feature"]].get("unit"), "source_url": url,
        "source_date": pv.source_date(text, url) if url else None,
        "status": d["status"] if isinstance(d["status"], str) else pv.status_at(text, span[0]),
        "evidence": d["evidence"], "doc": d["doc"], "start": span[0], "end": span[1],
        "review": "corrected",
    }


def curate_features(candidates: pd.DataFrame, review: pd.DataFrame,
                    texts: Mapping[str, str]) -> pd.DataFrame:
    """Reviewed features: accepted candidates, corrected ones (value/evidence/source as the
    analyst set them, evidence re-located in the document) and ones the analyst added —
    rejected and unreviewed candidates stay out."""
    decided = review.set_index(["doc", "feature"])
    rows = []
    for _, c in candidates.iterrows():
        ident = (c["doc"], c["feature"])
        if ident not in decided.index:
            continue
        d = decided.loc[ident]
        if d["decision"] == "reject":
            continue
        if d["decision"] == "add":
            # the row would be shipped twice (candidate + addition): the analyst must correct it
            raise TalentbenchError(f"feature review {ident}: 'add' but the rules found a candidate "
                                   f"({c['evidence']!r}); use 'correct'")
        row = c.to_dict()
        row["review"] = "accepted" if d["decision"] == "accept" else "corrected"
        if d["decision"] == "correct":
            text = texts[c["doc"]]
            if pd.notna(d["evidence"]):
                span = pv.locate_evidence(text, d["evidence"])
                if span is None:
                    raise TalentbenchError(f"feature review {ident}: evidence not in {c['doc']}")
                row.update(evidence=d["evidence"], start=span[0], end=span[1])
                url, _ = pv.locate_source(text, *span)
                row.update(source_url=url, status=pv.status_at(text, span[0]))
            for col in ("value", "source_url", "status"):
                if pd.notna(d[col]):
                    row[col] = d[col]
            row["source_date"] = pv.source_date(text, row["source_url"]) if row["source_url"] else None
        rows.append(row)
    rows += [_added(d, texts) for d in review[review["decision"] == "add"].to_dict("records")]
    out = pd.DataFrame(rows, columns=FEATURE_COLUMNS)
    missing = out["source_url"].isna()
    if missing.any():
        first = out.loc[missing].iloc[0]
        raise TalentbenchError(f"feature without a source: {first['doc']} {first['feature']}")
    return out.sort_values(["city", "feature", "doc"]).reset_index(drop=True)
