"""Apply the analyst's reviewed work to one version of the source texts.

The reviewed work is the curated tables (``provisions.csv``, ``features.csv``: every provision
and feature an analyst accepted, corrected or added, each with its exact evidence quote) and
the decisions behind them (``review_decisions.csv``, ``feature_review.csv``). A version of the
sources (a corpus folder) is read against it:

* a reviewed provision whose evidence quote is in this version of its document is **in**, with
  its offsets, official URL and status mark read again from this version (so a 待复核 that the
  source has since marked 已坐实 changes status). A status the analyst set by hand (a decision
  with a status) stands;
* a reviewed provision whose quote this version does not contain is **absent** from it (a newer
  text added it, or an older one worded it otherwise): it stays out of this snapshot;
* an extractor candidate nobody has reviewed (its key matches no decision and no reviewed
  provision, and no reviewed provision quotes the same words) is **pending**: it never enters the
  scores, but the snapshot keeps it, with its evidence, official URL and status mark, so that
  `talentbench diff` shows the new provisions a source added before an analyst has read them.

Non-monetary features follow the same rules, identified by (document, feature).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from benchmark.dataset import provenance as pv
from benchmark.dataset.curate import enrich, is_mainland
from benchmark.dataset.review import provision_key, with_keys
from benchmark.dataset.schema import FEATURE_COLUMNS, PROVISION_COLUMNS
from benchmark.dataset.tables import coerce_provisions, provision_failures
from benchmark.errors import TalentbenchError

PENDING_COLUMNS = [*PROVISION_COLUMNS, "key"]
ABSENT_COLUMNS = ["kind", "city", "doc", "tier", "benefit", "feature", "amount_cny", "evidence", "reason"]


@dataclass
class CuratedVersion:
    provisions: pd.DataFrame  # reviewed provisions this version states (PROVISION_COLUMNS)
    features: pd.DataFrame  # reviewed features this version states (FEATURE_COLUMNS)
    pending: pd.DataFrame  # candidates no analyst has reviewed (PENDING_COLUMNS, review='pending')
    pending_features: pd.DataFrame  # feature candidates no analyst has reviewed (FEATURE_COLUMNS)
    absent: pd.DataFrame  # reviewed rows of these documents that this version does not state


def _span(text: str, evidence: object, start: object, end: object) -> tuple[int, int] | None:
    if not isinstance(evidence, str) or not evidence:
        return None
    if pd.notna(start) and pd.notna(end) and text[int(start):int(end)] == evidence:
        return int(start), int(end)
    return pv.locate_evidence(text, evidence, hint=int(start) if pd.notna(start) else None)


def _status_overrides(decisions: pd.DataFrame | None) -> set:
    """(doc, evidence) and keys of the rows whose status an analyst set by hand."""
    if decisions is None or not len(decisions) or "status" not in decisions:
        return set()
    fixed = decisions[decisions["status"].notna()]
    quoted = fixed[fixed["evidence"].notna()]
    return set(zip(quoted["doc"], quoted["evidence"], strict=True)) | set(fixed["key"].dropna())


def relocate_provisions(reviewed: pd.DataFrame, texts: Mapping[str, str],
                        decisions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """The reviewed provisions this version of the texts states, provenance re-read from it."""
    overrides = _status_overrides(decisions)
    rows, absent = [], []
    for r in reviewed[reviewed["doc"].isin(list(texts))].to_dict("records"):
        text = texts[r["doc"]]
        span = _span(text, r["evidence"], r["start"], r["end"])
        if span is None:
            absent.append({"kind": "provision", "reason": "evidence not in this version", **r})
            continue
        start, end = span
        row = dict(r, start=start, end=end)
        url = r["source_url"]
        if not (isinstance(url, str) and url in text):
            url, _how = pv.locate_source(text, start, end)
            row["source_url"] = url
            row["source_date"] = pv.source_date(text, url) if url else None
        key = provision_key(r["doc"], r["tier"], r["benefit"], r["period"], r["amount_cny"])
        if (r["doc"], r["evidence"]) not in overrides and key not in overrides:
            row["status"] = pv.status_at(text, start)
        if not isinstance(row["source_url"], str):
            absent.append({"kind": "provision", "reason": "no official source cited in this version", **r})
            continue
        rows.append(row)
    table = coerce_provisions(pd.DataFrame(rows, columns=PROVISION_COLUMNS))
    return table, absent


_PROVENANCE = ("evidence", "start", "end", "source_url", "source_date", "status")


def _key(r) -> str:
    return provision_key(r["doc"], r["tier"], r["benefit"], r["period"], r["amount_cny"])


def match_candidates(candidates: pd.DataFrame, reviewed: pd.DataFrame, found: pd.DataFrame,
                     decisions: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reviewed decisions applied to this version's candidates, where the keys match.

    A candidate whose key an analyst decided (``review_decisions``: accept / correct / reject),
    or whose key is that of a reviewed provision, takes the reviewed values with this version's
    evidence, offsets, source and status mark — unless a reviewed provision with the same
    identity was already found by its quote. Returns (rows derived this way, candidates pending
    review: no decision, no reviewed provision, no reviewed quote).
    """
    from benchmark.dataset.review import CLEARABLE, FIELDS, REVIEW_OF

    if not len(candidates):
        return pd.DataFrame(columns=PROVISION_COLUMNS), pd.DataFrame(columns=PENDING_COLUMNS)
    keyed = with_keys(candidates).drop_duplicates("key")
    decided = (decisions.drop_duplicates("key", keep="last").set_index("key")
               if decisions is not None and len(decisions) else pd.DataFrame())
    by_key = {_key(r): r for r in reviewed.to_dict("records")}
    overrides = _status_overrides(decisions)
    covered = {(r["doc"], _key(r)) for r in found.to_dict("records")}
    quoted = set(zip(reviewed["doc"], reviewed["evidence"], strict=True))
    derived, pending = [], []
    for c in keyed.to_dict("records"):
        if c["key"] in by_key:
            # a reviewed provision with this identity stands (also over a rejected duplicate of
            # it: an analyst rejects an extraction and adds the provision with its district)
            r = by_key[c["key"]]
            row = {**{col: r.get(col) for col in PROVISION_COLUMNS},
                   **{col: c.get(col) for col in _PROVENANCE}}
            if c["key"] in overrides or (r["doc"], r["evidence"]) in overrides:
                row["status"] = r["status"]
        elif c["key"] in decided.index:
            d = decided.loc[c["key"]]
            if d["decision"] not in REVIEW_OF:
                continue  # rejected: stays out
            row = {col: c.get(col) for col in PROVISION_COLUMNS}
            for col in FIELDS:
                if col not in _PROVENANCE and _filled(d.get(col)):
                    row[col] = None if (col in CLEARABLE and d[col] == "-") else d[col]
            if _filled(d.get("status")):
                row["status"] = d["status"]
            row["review"] = REVIEW_OF[d["decision"]]
        else:
            if (c["doc"], c["evidence"]) not in quoted:
                pending.append({**c, "review": "pending"})
            continue
        ident = (row["doc"], _key(row))
        if ident in covered:
            continue
        covered.add(ident)
        derived.append(row)
    return (pd.DataFrame(derived, columns=PROVISION_COLUMNS),
            pd.DataFrame(pending, columns=PENDING_COLUMNS))


def _filled(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and pd.isna(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def relocate_features(reviewed: pd.DataFrame, texts: Mapping[str, str],
                      review: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[dict]]:
    overrides = set()
    if review is not None and len(review):
        fixed = review[review["status"].notna()]
        overrides = set(zip(fixed["doc"], fixed["feature"], strict=True))
    rows, absent = [], []
    for r in reviewed[reviewed["doc"].isin(list(texts))].to_dict("records"):
        text = texts[r["doc"]]
        span = _span(text, r["evidence"], r["start"], r["end"])
        if span is None:
            absent.append({"kind": "feature", "reason": "evidence not in this version", **r})
            continue
        row = dict(r, start=span[0], end=span[1])
        if not (isinstance(r["source_url"], str) and r["source_url"] in text):
            url, _ = pv.locate_source(text, *span)
            row.update(source_url=url, source_date=pv.source_date(text, url) if url else None)
        if (r["doc"], r["feature"]) not in overrides:
            row["status"] = pv.status_at(text, span[0])
        if not isinstance(row["source_url"], str):
            absent.append({"kind": "feature", "reason": "no official source cited in this version", **r})
            continue
        rows.append(row)
    out = pd.DataFrame(rows, columns=FEATURE_COLUMNS)
    for col in ("start", "end"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out, absent


def pending_features(candidates: pd.DataFrame, reviewed: pd.DataFrame,
                     review: pd.DataFrame | None) -> pd.DataFrame:
    decided = set(zip(reviewed["doc"], reviewed["feature"], strict=True))
    if review is not None and len(review):
        decided |= set(zip(review["doc"], review["feature"], strict=True))
    keep = [(d, f) not in decided for d, f in zip(candidates["doc"], candidates["feature"], strict=True)]
    out = candidates[keep].copy()
    out["review"] = "pending"
    return out.reindex(columns=FEATURE_COLUMNS).reset_index(drop=True)


def extract_candidates(texts: Mapping[str, str]) -> pd.DataFrame:
    """Extractor output for every mainland document, enriched with city, source and status."""
    from benchmark.provisions import extract_text

    records = [rec for doc, text in texts.items() if is_mainland(doc) for rec in extract_text(text, doc)]
    from benchmark.dataset.schema import CANDIDATE_COLUMNS

    cands = pd.DataFrame(records).reindex(columns=CANDIDATE_COLUMNS)
    return enrich(cands, texts)


def curate_version(texts: Mapping[str, str], candidates: pd.DataFrame, feature_candidates: pd.DataFrame,
                   reviewed: pd.DataFrame, decisions: pd.DataFrame | None,
                   reviewed_features: pd.DataFrame, feature_review: pd.DataFrame | None) -> CuratedVersion:
    """Everything the reviewed work says about this version of the texts (see the module doc)."""
    provisions, absent = relocate_provisions(reviewed, texts, decisions)
    derived, pending = match_candidates(candidates, reviewed, provisions, decisions)
    if len(derived):
        found_again = {(r["doc"], _key(r)) for r in derived.to_dict("records")}
        absent = [a for a in absent if (a["doc"], _key(a)) not in found_again]
        provisions = pd.concat([provisions, coerce_provisions(derived)], ignore_index=True)
    failures = provision_failures(provisions)
    whole = [problem for position, problem in failures if position is None]
    if whole:
        raise TalentbenchError(f"reviewed provisions: {whole[0]}")
    if failures:  # a reviewed row that no longer validates in this version stays out, listed
        bad = sorted({position for position, _ in failures})
        for position in bad:
            absent.append({"kind": "provision", "reason": "invalid in this version",
                           **provisions.iloc[position].to_dict()})
        provisions = provisions.drop(index=provisions.index[bad]).reset_index(drop=True)
    features, absent_f = relocate_features(reviewed_features, texts, feature_review)
    pending_f = pending_features(feature_candidates, reviewed_features, feature_review)
    gone = pd.DataFrame(absent + absent_f).reindex(columns=ABSENT_COLUMNS)
    sort = ["city", "doc", "start", "tier"]
    return CuratedVersion(
        provisions=provisions.sort_values(sort, kind="stable").reset_index(drop=True),
        features=features.sort_values(["city", "feature", "doc"], kind="stable").reset_index(drop=True),
        pending=pending.sort_values(sort, kind="stable").reset_index(drop=True),
        pending_features=pending_f, absent=gone)

