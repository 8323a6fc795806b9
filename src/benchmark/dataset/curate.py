"""Turn candidate provisions (extractor output or gold labels) into sourced provision rows.

A candidate carries the extraction contract columns; curation adds where it comes from:
city, scope/district, the official URL the document cites for it, that source's date and the
document's status mark. Pure functions over DataFrames; file reading is at the edges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from benchmark.dataset import provenance as pv
from benchmark.dataset.schema import CANDIDATE_COLUMNS, PROVISION_COLUMNS
from benchmark.errors import TalentbenchError

# Documents outside the mainland benchmark (other currencies, other systems).
NON_MAINLAND = ("香港", "澳门")
XLSX_ROW_SEP = "#R"
_DISTRICT_DOC_RE = re.compile(r"^(.+?)(?:-区级.*|各区.*)$")


def city_of_doc(doc: str) -> tuple[str, bool]:
    """(city short name, is a district-level document) for a corpus file name."""
    if XLSX_ROW_SEP in doc:
        return doc, False  # a table row: its city is read from the row (see enrich)
    stem = doc[:-3] if doc.endswith(".md") else doc
    m = _DISTRICT_DOC_RE.match(stem)
    return (m.group(1), True) if m else (stem, False)


def is_mainland(doc: str) -> bool:
    return city_of_doc(doc)[0] not in NON_MAINLAND


def read_corpus(corpus_dir: Path) -> dict[str, str]:
    """{file name: text} for every Markdown or plain-text document (``parse`` writes .txt),
    read exactly as the extractor's offsets assume (no newline translation)."""
    if not corpus_dir.is_dir():
        raise TalentbenchError(f"corpus folder not found: {corpus_dir}")
    paths = sorted([*corpus_dir.glob("*.md"), *corpus_dir.glob("*.txt")])
    texts = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            texts[path.name] = handle.read()
    return texts


def from_documents_table(cands: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Provenance for candidates extracted from ``talentbench parse`` output.

    Such a document is the official page itself, named ``<doc_id>.txt``: its city, URL and
    dates come from the documents table rather than from citations inside the text.
    """
    meta = documents.drop_duplicates("doc_id").set_index("doc_id")
    doc_ids = cands["doc"].str.removesuffix(".txt")
    known = doc_ids.isin(meta.index)
    if not known.all():
        missing = sorted(set(cands.loc[~known, "doc"]))[:5]
        raise TalentbenchError(f"candidates name documents not in the documents table: {', '.join(missing)}")
    rows = meta.loc[doc_ids]
    date = rows["issue_date"].fillna(rows["publish_date"]) if "publish_date" in rows else rows["issue_date"]
    out = cands.reindex(columns=PROVISION_COLUMNS).assign(
        city=rows["city"].to_numpy(), scope="city", district=None,
        source_url=rows["url"].to_numpy(), source_date=date.astype("string").to_numpy(),
        # The official text itself, not a summary with 已坐实/待复核 marks: the review decides.
        status="confirmed", review=None)
    return out[PROVISION_COLUMNS]


def read_xlsx_documents(path: Path) -> dict[str, str]:
    """Each data row of a structured policy table as a small document ``<file>#R<row>``.

    The text is ``header: value`` per non-empty cell, one per line, so that evidence offsets,
    the cited link and the row's city can be read exactly like a corpus document.
    """
    import openpyxl

    if not path.exists():
        raise TalentbenchError(f"table not found: {path}")
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows)]
    docs = {}
    for n, values in enumerate(rows, start=2):
        cells = [(h, str(v).strip()) for h, v in zip(header, values, strict=False)
                 if v is not None and str(v).strip()]
        if cells:
            docs[f"{path.name}{XLSX_ROW_SEP}{n}"] = "\n".join(f"{h}: {v}" for h, v in cells) + "\n"
    return docs


def _table_field(text: str, name: str) -> str | None:
    m = re.search(rf"^{name}: (.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else None


def read_gold(gold_dir: Path, texts: Mapping[str, str]) -> pd.DataFrame:
    """Hand-labelled provisions as a candidate table (offsets located in the document text)."""
    from benchmark.provisions.evaluate import load_gold

    rows = [record for records in load_gold(gold_dir).values() for record in records]
    return locate_offsets(pd.DataFrame(rows, columns=CANDIDATE_COLUMNS), texts)


def locate_offsets(cands: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """Fill start/end where missing, from the evidence quote (the first exact occurrence)."""
    out = cands.copy()
    for i, row in out.iterrows():
        if pd.notna(row.get("start")) and pd.notna(row.get("end")):
            continue
        text = texts.get(row["doc"])
        span = pv.locate_evidence(text, row["evidence"]) if text is not None else None
        if span:
            out.at[i, "start"], out.at[i, "end"] = span
    return out


def enrich(cands: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """Add city/scope/district/source/date/status to each candidate (PROVISION_COLUMNS, review empty).

    Candidates of documents outside the mainland benchmark are dropped.
    """
    rows = []
    for _, c in cands.iterrows():
        doc = c["doc"]
        if not is_mainland(doc):
            continue
        text = texts.get(doc)
        city, district_doc = city_of_doc(doc)
        table_district = None
        if XLSX_ROW_SEP in doc and text is not None:
            # a table row names its city (市, or 省 for a municipality) and district (区县)
            full = _table_field(text, "市") or _table_field(text, "省") or ""
            city = full[:-1] if full.endswith("市") else full
            table_district = _table_field(text, "区县")
            district_doc = table_district is not None
        row = {col: c.get(col) for col in CANDIDATE_COLUMNS}
        row.update(city=city, scope="district" if district_doc else "city", district=table_district)
        row.update(source_url=None, source_date=None, status=None, review=None)
        start = c.get("start")
        if text is not None and pd.notna(start):
            start, end = int(start), int(c["end"])
            if text[start:end] != c["evidence"]:
                raise TalentbenchError(f"{doc}: evidence does not match text[{start}:{end}]")
            url, _how = pv.locate_source(text, start, end)
            row["source_url"] = url
            row["source_date"] = pv.source_date(text, url) if url else None
            row["status"] = pv.status_at(text, start)
            if district_doc and table_district is None:
                row["district"] = pv.district_at(text, start)
        rows.append(row)
    return pd.DataFrame(rows, columns=PROVISION_COLUMNS)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and (
        not isinstance(value, str) or value.strip() != ""
    ) and value is not pd.NA


def resolve_decisions(
    decisions: pd.DataFrame, candidates: pd.DataFrame, texts: Mapping[str, str]
) -> pd.DataFrame:
    """Complete sparse decisions: fields the analyst left empty come from the candidate with the
    same key, or (for ``add`` rows with no candidate) from the document via the evidence quote.
    """
    from benchmark.dataset.review import CLEARABLE, FIELDS, provision_key, with_keys

    by_key = with_keys(candidates).drop_duplicates("key").set_index("key") if len(candidates) else None
    rows = []
    for _, d in decisions.iterrows():
        key = d.get("key")
        if not _filled(key):
            key = provision_key(d["doc"], d["tier"], d["benefit"], d["period"], d["amount_cny"],
                                d.get("district"))
        moved = _filled(d.get("start")) or _filled(d.get("evidence"))
        if by_key is not None and key in by_key.index and not moved:
            base = by_key.loc[key].to_dict()
        elif by_key is not None and key in by_key.index:
            # the analyst moved the evidence: read its provenance again at the new place
            cand = by_key.loc[[key]].reset_index(drop=True)
            for col in ("evidence", "start", "end"):
                if _filled(d.get(col)):
                    cand.at[0, col] = int(float(d[col])) if col != "evidence" else d[col]
            if not _filled(d.get("start")):
                cand.at[0, "start"] = cand.at[0, "end"] = None
                cand = locate_offsets(cand, texts)
            base = enrich(cand, texts).iloc[0].to_dict()
        else:
            cand = pd.DataFrame([{c: d.get(c) if _filled(d.get(c)) else None
                                  for c in CANDIDATE_COLUMNS}])
            for col in ("amount_cny", "amount_max_cny", "start", "end"):
                cand[col] = pd.to_numeric(cand[col])
            cand = locate_offsets(cand, texts)
            if pd.isna(cand.at[0, "start"]):
                raise TalentbenchError(
                    f"review decision {key}: evidence {d['evidence']!r} not found in {d['doc']}"
                )
            base = enrich(cand, texts).iloc[0].to_dict()
        row = {"key": key, "decision": d["decision"], "note": d.get("note")}
        for col in FIELDS:
            row[col] = d[col] if _filled(d.get(col)) else base.get(col)
        if _filled(d.get("source_url")) and not _filled(d.get("source_date")):
            # a source chosen by the analyst carries the date the document gives for it
            text = texts.get(row["doc"])
            row["source_date"] = pv.source_date(text, row["source_url"]) if text else None
        for col in CLEARABLE:
            # an explicit "-" clears a value the candidate had (e.g. a district on a city row,
            # conditions the extractor proposed that the text does not state)
            if row[col] == "-":
                row[col] = None
        rows.append(row)
    from benchmark.dataset.review import DECISION_COLUMNS

    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def curate_provisions(
    candidates: pd.DataFrame,
    decisions: pd.DataFrame,
    texts: Mapping[str, str],
    auto_accept_docs: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """The curated provisions table from enriched candidates and the analyst's decisions.

    Candidates of ``auto_accept_docs`` (hand-labelled gold documents) count as accepted unless
    a decision says otherwise; other candidates without a decision stay out (pending review).
    """
    from benchmark.dataset.review import curated, with_keys

    resolved = resolve_decisions(decisions, candidates, texts)
    keyed = with_keys(candidates).drop_duplicates("key")
    auto = keyed[keyed["doc"].isin(auto_accept_docs) & ~keyed["key"].isin(resolved["key"])]
    auto = auto.assign(decision="accept", note="hand-labelled gold")
    everything = pd.concat([auto.reindex(columns=resolved.columns), resolved], ignore_index=True)
    table = curated(everything)
    return table.sort_values(["city", "doc", "start", "tier"], kind="stable").reset_index(drop=True)
