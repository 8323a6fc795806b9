"""Conditions and relations read around an amount (resources/dataset/conditions.yaml)."""

from __future__ import annotations

import pytest

from benchmark.errors import TalentbenchError
from benchmark.provisions import PROVISION_COLUMNS, extract_text, read_document
from benchmark.provisions.context import (
    EVIDENCE_SEP,
    condition_problems,
    default_vocabulary,
    excludes_profiles,
    load_context_vocabulary,
    relation_problems,
    split_codes,
    split_evidence,
)


@pytest.fixture(scope="module")
def corpus(shared_data):
    folder = shared_data / "policy_corpus"
    return {p.name: read_document(p) for p in sorted(folder.glob("*.md"))}


@pytest.fixture(scope="module")
def records(corpus):
    return {doc: extract_text(text, doc) for doc, text in corpus.items()}


def _find(records, doc, tier, benefit, amount):
    hits = [r for r in records[doc] if r["tier"] == tier and r["benefit"] == benefit
            and r["amount_cny"] == amount]
    assert hits, (doc, tier, benefit, amount)
    return hits[0]


def test_records_carry_the_context_columns(records):
    for doc_records in records.values():
        for record in doc_records:
            assert list(record) == PROVISION_COLUMNS
            assert PROVISION_COLUMNS[-3:] == ["conditions", "relations", "context_evidence"]


def test_taiyuan_living_allowance_and_rent_subsidy_exclude_each_other(records):
    # 太原.md: 生活补助 "与租房补贴只能二选一，不得同时申请"; 租房补贴 "与生活补助互斥"
    for tier, benefit, amount in [("bachelor", "living_allowance", 1500), ("phd", "living_allowance", 5000),
                                  ("bachelor", "rent_subsidy", 1000), ("master", "rent_subsidy", 1200)]:
        record = _find(records, "太原.md", tier, benefit, amount)
        assert "exclusive:living_allowance+rent_subsidy" in split_codes(record["relations"])
    # the purchase subsidy is not part of that exclusion
    purchase = _find(records, "太原.md", "bachelor", "housing_purchase", 50000)
    assert not any(c.startswith("exclusive:") for c in split_codes(purchase["relations"]))


def test_a_double_first_class_condition_is_read_from_the_eligibility_list(records):
    # 太原 生活补助 申请对象: "…“双一流”建设高校及建设学科的全日制硕士研究生、本科生"
    record = _find(records, "太原.md", "bachelor", "living_allowance", 1500)
    assert "school=double_first_class" in split_codes(record["conditions"])
    # 非双一流 (a negation) is no 双一流 condition
    rent = _find(records, "太原.md", "bachelor", "rent_subsidy", 1000)
    assert "school=double_first_class" not in split_codes(rent["conditions"])


def test_an_age_limit_is_read_with_its_number(records):
    # 青岛.md 安家费: "硕士研究生年龄 **35 周岁以下（不含）**"
    record = _find(records, "青岛.md", "master", "settling_allowance", 100000)
    assert "age_max=35" in split_codes(record["conditions"])


def test_context_evidence_is_the_documents_own_words(records, corpus):
    stated = 0
    for doc, doc_records in records.items():
        for record in doc_records:
            parts = split_evidence(record["context_evidence"])
            assert bool(parts) == bool(record["conditions"] or record["relations"]), record
            for part in parts:
                assert part in corpus[doc], (doc, part)
            stated += bool(parts)
            assert condition_problems(record["conditions"]) == []
            assert relation_problems(record["relations"]) == []
    assert stated >= 20


def test_on_top_of_city_is_read_from_a_district_sentence():
    # the corpus states no district amount "on top of" the city's in so many words; the cue
    # works on the policies' usual wording
    text = ("## 某某区人才补贴\n"
            "在享受市级政策基础上，对新引进的本科毕业生给予**每月1000元**租房补贴。\n")
    (record,) = extract_text(text, "某市-区级.md")
    assert split_codes(record["relations"]) == ["on_top_of_city"]
    assert "在享受市级政策基础上" in record["context_evidence"]


def test_the_corpus_has_no_on_top_of_city_statement(records):
    assert not any("on_top_of_city" in split_codes(r["relations"])
                   for doc_records in records.values() for r in doc_records)


def test_vocabulary_decides_which_conditions_exclude_a_standard_profile():
    vocab = default_vocabulary()
    assert excludes_profiles("school=double_first_class", vocab)
    assert excludes_profiles("industry=集成电路", vocab)
    assert excludes_profiles("employer=企业", vocab)
    assert not excludes_profiles("age_max=35", vocab)  # valuation compares the profile's age
    assert not excludes_profiles("graduated_within=2", vocab)
    assert not excludes_profiles("hukou_required", vocab)
    with pytest.raises(TalentbenchError):
        excludes_profiles("age_max=young", vocab)
    for entry in vocab.conditions.values():
        assert entry.label and entry.cues, entry.code


def test_codes_are_checked():
    assert condition_problems("age_max=35;school=world_top;employer=高校") == []
    assert condition_problems("age_max=old") and condition_problems("school=elite")
    assert relation_problems("exclusive:living_allowance+rent_subsidy;stacks:rent_subsidy;on_top_of_city") == []
    assert relation_problems("exclusive:rent_subsidy")  # one benefit cannot exclude itself
    assert relation_problems("exclusive:living_allowance+free_lunch")
    assert relation_problems("sometimes:rent_subsidy")
    assert split_codes("-") == [] and split_codes(None) == []
    assert split_evidence(f"a{EVIDENCE_SEP}b") == ["a", "b"]


def test_a_broken_vocabulary_file_fails_clearly(tmp_path):
    bad = tmp_path / "conditions.yaml"
    bad.write_text("conditions:\n  - code: age_max\n    value: int\n    label: 年龄\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="excludes_profiles"):
        load_context_vocabulary(bad)
