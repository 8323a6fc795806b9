"""Non-monetary features: found in the text, reviewed, sourced; absent means unknown."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmark import dataset
from benchmark.dataset import curate
from benchmark.dataset import provenance as pv
from benchmark.dataset.features import FeatureExtractor, curate_features, read_feature_review
from benchmark.dataset.schema import FEATURE_COLUMNS
from benchmark.errors import TalentbenchError


@pytest.fixture(scope="module")
def texts(shared_data):
    return curate.read_corpus(shared_data / "policy_corpus")


def test_extractor_reads_hangzhou_hukou_route(texts):
    found = FeatureExtractor().transform({"杭州.md": texts["杭州.md"]}).set_index("feature")
    assert found.loc["settle_before_job", "value"] == "true"
    assert found.loc["hukou_min_degree", "value"] == "college"
    assert found.loc["hukou_age_limit_bachelor", "value"] == "45"
    for row in found.itertuples():
        assert texts["杭州.md"][row.start:row.end] == row.evidence


def test_hedged_lines_are_not_features():
    text = "## 1. 住房\n- 是否存在人才公寓仍待复核；\n- 本市提供人才公寓，见 https://a.gov.cn/x.html\n"
    found = FeatureExtractor().transform({"某市.md": text})
    assert found["evidence"].tolist() == ["人才公寓"]
    assert found["start"].item() == text.index("本市提供人才公寓") + 4
    assert found["source_url"].item() == "https://a.gov.cn/x.html"


def test_shipped_features_are_reviewed_and_sourced(texts):
    feats = dataset.load_features()
    assert list(feats.columns) == FEATURE_COLUMNS and len(feats) >= 40
    assert set(feats["review"]) <= {"accepted", "corrected"}
    assert feats["source_url"].map(pv.is_official).all()
    for row in feats.itertuples():
        assert texts[row.doc][row.start:row.end] == row.evidence
    # nothing says "false": a feature the text never states is simply not in the table
    assert "false" not in set(feats["value"])
    assert feats["city"].nunique() >= 20


def test_rejected_and_unreviewed_candidates_stay_out(texts):
    cands = FeatureExtractor().transform({"杭州.md": texts["杭州.md"]})
    review = pd.DataFrame([
        {"doc": "杭州.md", "feature": "settle_before_job", "decision": "accept"},
        {"doc": "杭州.md", "feature": "hukou_min_degree", "decision": "reject"},
        {"doc": "杭州.md", "feature": "hukou_age_limit_bachelor", "decision": "correct", "value": "40"},
    ]).reindex(columns=read_feature_review().columns).astype(object)
    out = curate_features(cands, review, texts).set_index("feature")
    assert set(out.index) == {"settle_before_job", "hukou_age_limit_bachelor"}
    assert out.loc["hukou_age_limit_bachelor", "value"] == "40"
    assert out.loc["hukou_age_limit_bachelor", "review"] == "corrected"
    review.loc[2, "evidence"] = "不在原文里的一句话"
    with pytest.raises(TalentbenchError, match="evidence not in"):
        curate_features(cands, review, texts)


def test_features_are_reproducible_from_corpus_and_review(texts):
    rebuilt = curate_features(FeatureExtractor().transform(texts), read_feature_review(), texts)
    shipped = dataset.load_features()
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True).astype(str),
                                  shipped.reset_index(drop=True).astype(str))
