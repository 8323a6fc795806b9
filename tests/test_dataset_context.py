"""Scope, conditions and relations of the curated provisions, kept through the review workflow."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmark import dataset
from benchmark.dataset import curate
from benchmark.dataset.build import build_all, source_texts
from benchmark.dataset.review import (
    apply_review,
    build_queue,
    conflicts,
    curated,
    read_queue,
    write_queue,
)
from benchmark.dataset.schema import CONTEXT_COLUMNS, SCOPES
from benchmark.dataset.tables import context_problems
from benchmark.paths import resource
from benchmark.provisions import extract_text, read_document
from benchmark.provisions.context import split_codes, split_evidence


@pytest.fixture(scope="module")
def provisions():
    return dataset.load_provisions()


@pytest.fixture(scope="module")
def sources(shared_data):
    return source_texts(shared_data)


@pytest.fixture(scope="module")
def taiyuan(shared_data):
    """太原.md as the extractor reads it, with provenance: the candidates of a review queue."""
    corpus = shared_data / "policy_corpus"
    text = read_document(corpus / "太原.md")
    cands = pd.DataFrame(extract_text(text, "太原.md"))
    return curate.enrich(cands, {"太原.md": text})


# --- the curated table ----------------------------------------------------------------------

def test_every_curated_provision_has_a_valid_scope(provisions):
    assert provisions["scope"].notna().all()
    assert set(provisions["scope"]) <= set(SCOPES)
    district = provisions["scope"] == "district"
    assert provisions.loc[district, "district"].notna().all()
    assert provisions.loc[~district, "district"].isna().all()


def test_context_codes_are_in_the_vocabulary_and_quoted_from_the_document(provisions, sources):
    for row in provisions.to_dict("records"):
        assert context_problems(row, sources[row["doc"]]) == [], (row["doc"], row["tier"], row["benefit"])
        for part in split_evidence(row["context_evidence"]):
            assert part in sources[row["doc"]], (row["doc"], part)
    assert provisions["conditions"].notna().sum() >= 100
    assert provisions["relations"].notna().sum() >= 20


def _rows(provisions, doc, **where):
    mask = provisions["doc"] == doc
    for col, value in where.items():
        mask &= provisions[col] == value
    return provisions[mask]


def test_the_cases_the_analyst_was_told_about(provisions):
    # 太原: 生活补助 and 租房补贴 exclude each other
    ty = _rows(provisions, "太原.md")
    for benefit in ("living_allowance", "rent_subsidy"):
        rel = ty.loc[ty["benefit"] == benefit, "relations"]
        assert rel.map(lambda v: "exclusive:living_allowance+rent_subsidy" in split_codes(v)).all(), benefit
    # 马尾 (福州): 购房 / 租赁 / 人才公寓 三者择一
    mawei = _rows(provisions, "福州.md", district="马尾区")
    assert len(mawei) > 20
    assert mawei["relations"].map(lambda v: "exclusive:housing_purchase+rent_subsidy" in split_codes(v)).all()
    # 杭州 B/C/D类 purchase subsidies stay class tiers
    hz = _rows(provisions, "杭州.md", benefit="housing_purchase")
    assert dict(zip(hz["tier"], hz["amount_cny"], strict=True)) == {
        "class_B": 2_000_000.0, "class_C": 1_500_000.0, "class_D": 1_000_000.0}
    # a rent reduction inside talent flats is no rent subsidy (武汉 经开区 减免, 市级 免缴租金)
    rent = provisions[provisions["benefit"] == "rent_subsidy"]
    assert not rent["evidence"].str.contains("减免|免缴|零租金").any()
    # project funding is no personal start-up grant
    assert not _rows(provisions, "南京.md", benefit="startup_funding").shape[0]
    assert not provisions["evidence"].str.contains("外国专家工作室").loc[
        provisions["benefit"] == "startup_funding"].any()


def test_tier_specific_conditions_are_kept_apart(provisions):
    # 南沙区 生活补贴: 本科≤30、硕士≤35、博士≤40
    nansha = _rows(provisions, "广州-区级配套补充表.md", benefit="living_allowance")
    ages = {r.tier: [c for c in split_codes(r.conditions) if c.startswith("age_max=")]
            for r in nansha.itertuples()}
    assert ages["bachelor"] == ["age_max=30"] and ages["master"] == ["age_max=35"]
    assert ages["phd"] == ["age_max=40"]
    # 太原: 博士 need no 双一流, 硕士/本科 do
    ty = _rows(provisions, "太原.md", benefit="living_allowance").set_index("tier")["conditions"]
    assert "school=double_first_class" not in split_codes(ty["phd"])
    assert "school=double_first_class" in split_codes(ty["bachelor"])


def test_no_citywide_cash_subsidy_is_a_confirmed_statement(shared_data):
    feats = dataset.load_features()
    rows = feats[feats["feature"] == "no_citywide_cash_subsidy"]
    assert set(rows["city"]) == {"北京", "上海", "广州"}
    assert (rows["status"] == "confirmed").all() and (rows["value"] == "true").all()
    texts = curate.read_corpus(shared_data / "policy_corpus")
    for row in rows.itertuples():
        assert texts[row.doc][row.start:row.end] == row.evidence
        assert "找不到" not in row.evidence and "未找到" not in row.evidence


def test_curate_script_reproduces_the_shipped_tables(shared_data, tmp_path):
    build_all(shared_data, tmp_path)
    for name in ("provisions.csv", "features.csv"):
        assert (tmp_path / "dataset" / name).read_bytes() == resource("dataset", name).read_bytes(), name


# --- the review workflow --------------------------------------------------------------------

def test_the_queue_shows_the_extracted_context(taiyuan):
    queue = build_queue(taiyuan)
    assert list(queue.columns[-3:]) == CONTEXT_COLUMNS
    living = queue[(queue["tier"] == "bachelor") & (queue["benefit"] == "living_allowance")]
    assert "exclusive:living_allowance+rent_subsidy" in living["relations"].item()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_review_round_trip_keeps_conditions_and_relations(tmp_path, taiyuan, suffix):
    queue = build_queue(taiyuan)
    pick = queue.index[(queue["tier"] == "phd") & (queue["benefit"] == "living_allowance")][0]
    queue.loc[pick, "decision"] = "correct"
    # the analyst: 博士 need no 双一流; the relation stands; evidence is the document's words
    queue.loc[pick, "conditions"] = "hukou_required;first_time"
    queue.loc[pick, "context_evidence"] = "**具有太原市户籍** … 2018 年 1 月 1 日后首次在并参加工作"
    other = queue.index[(queue["tier"] == "phd") & (queue["benefit"] == "housing_purchase")][0]
    queue.loc[other, "decision"] = "accept"
    queue.loc[other, "conditions"] = "-"  # none stated for this one, whatever was proposed

    back = read_queue(write_queue(queue, tmp_path / f"queue{suffix}"))
    assert list(back.columns) == list(queue.columns)
    decisions = apply_review(back)
    table = curated(decisions).set_index("benefit")
    assert table.loc["living_allowance", "conditions"] == "hukou_required;first_time"
    assert table.loc["living_allowance", "relations"] == "exclusive:living_allowance+rent_subsidy"
    assert "具有太原市户籍" in table.loc["living_allowance", "context_evidence"]
    assert pd.isna(table.loc["housing_purchase", "conditions"])

    # re-extraction: the reviewed values are shown, not the new run's proposal
    again = build_queue(taiyuan, decisions)
    row = again[(again["tier"] == "phd") & (again["benefit"] == "living_allowance")]
    assert row["reviewed"].item() and row["conditions"].item() == "hukou_required;first_time"
    # ... and the disagreement is listed, the decision kept
    found = conflicts(taiyuan, decisions)
    assert "context_changed" in set(found["kind"])
    assert curated(apply_review(again, decisions)).equals(curated(decisions))


def test_curation_resolves_a_dash_to_none(shared_data, taiyuan):
    text = read_document(shared_data / "policy_corpus" / "太原.md")
    queue = build_queue(taiyuan)
    pick = queue.index[(queue["tier"] == "bachelor") & (queue["benefit"] == "living_allowance")][0]
    queue.loc[pick, "decision"] = "accept"
    queue.loc[pick, "relations"] = "-"
    decisions = apply_review(queue).iloc[[-1]].reset_index(drop=True)
    # only the decided fields; the rest comes from the candidate
    sparse = decisions[["key", "decision", "note", "relations"]].reindex(columns=decisions.columns)
    table = curate.curate_provisions(taiyuan, sparse, {"太原.md": text})
    assert len(table) == 1 and pd.isna(table["relations"].item())
    assert "school=double_first_class" in split_codes(table["conditions"].item())
