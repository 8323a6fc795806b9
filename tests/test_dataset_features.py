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
    # "add" is for what the rules missed; on a found candidate it would ship the feature twice
    review.loc[2, ["decision", "evidence"]] = ["add", "本科**45周岁以下"]
    with pytest.raises(TalentbenchError, match="use 'correct'"):
        curate_features(cands, review, texts)


def test_features_are_reproducible_from_corpus_and_review(texts):
    rebuilt = curate_features(FeatureExtractor().transform(texts), read_feature_review(), texts)
    shipped = dataset.load_features()
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True).astype(str),
                                  shipped.reset_index(drop=True).astype(str))


def _line_with(text: str, needle: str) -> str:
    """The whole corpus line holding ``needle`` (tests run the rules on real sentences)."""
    pos = text.index(needle)
    return text[text.rfind("\n", 0, pos) + 1 : text.find("\n", pos)]


def test_later_pattern_only_where_no_stronger_wording(texts):
    # 成都 lists "本科及以上学历" as a condition under a 落户 heading: the fallback pattern finds it
    chengdu = FeatureExtractor().transform({"成都.md": texts["成都.md"]}).set_index("feature")
    assert chengdu.loc["hukou_min_degree", "value"] == "bachelor"
    assert chengdu.loc["hukou_min_degree", "evidence"] == "本科及以上学历"
    # 东莞 also has "本科以上学历" (the 非全日制 route) earlier in the text, but its
    # "大专及以上毕业生…先入户" wording of the first pattern wins
    dongguan = FeatureExtractor().transform({"东莞.md": texts["东莞.md"]}).set_index("feature")
    assert texts["东莞.md"].index("本科以上学历") < dongguan.loc["hukou_min_degree", "start"]
    assert dongguan.loc["hukou_min_degree", "value"] == "college"
    # without a 落户 line or heading, "及以上学历" is not a 落户 condition
    text = "## 2. 生活补贴\n- 具有本科及以上学历的毕业生，见 https://a.gov.cn/x.html\n"
    assert FeatureExtractor().transform({"某市.md": text}).empty


def test_list_under_a_hedged_lead_in_is_hedged(texts):
    changchun = texts["长春.md"]
    line = _line_with(changchun, "配偶安置")
    pos = changchun.index(line)
    lead = changchun.rfind("\n可能涉及：\n", 0, pos)
    assert lead >= 0 and all(item.startswith("- ") for item in changchun[lead + 7 : pos].splitlines())
    found = FeatureExtractor().transform({"长春.md": changchun})
    assert "spouse_employment" not in set(found["feature"])
    # the same list item under a lead-in that states it is a feature
    text = f"## 3. 服务\n已明确：\n{line}\n来源 https://a.gov.cn/x.html\n"
    found = FeatureExtractor().transform({"某市.md": text}).set_index("feature")
    assert found.loc["spouse_employment", "evidence"] == "配偶安置"


def test_rental_talent_housing_is_a_talent_apartment(texts):
    rental = [_line_with(texts["青岛.md"], "人才住房**按批次持续配租**"),
              _line_with(texts["珠海.md"], "人才住房租赁管理实施细则")]
    for line in rental:
        found = FeatureExtractor().transform({"某市.md": line + "\nhttps://a.gov.cn/x.html\n"})
        assert found["feature"].tolist() == ["talent_apartment"], line
    # 人才住房 alone is often a purchase subsidy (杭州 高层次人才住房补贴): not an apartment
    purchase = _line_with(texts["杭州.md"], "高层次人才住房支持已由")
    found = FeatureExtractor().transform({"某市.md": purchase + "\nhttps://a.gov.cn/x.html\n"})
    assert "talent_apartment" not in set(found["feature"])


def test_guaranteed_commodity_housing_is_price_capped(texts):
    line = _line_with(texts["厦门.md"], "的保障性商品房")
    found = FeatureExtractor().transform({"某市.md": line + "\nhttps://a.gov.cn/x.html\n"})
    assert found.set_index("feature").loc["price_capped_housing", "evidence"] == "保障性商品房"


def test_hukou_degree_coverage_and_reviewed_values():
    feats = dataset.load_features()
    degree = feats[feats["feature"] == "hukou_min_degree"].set_index("city")["value"]
    assert set(degree) <= {"college", "bachelor", "master"}
    assert degree.index.nunique() >= 9
    assert degree["成都"] == "bachelor" and degree["天津"] == "bachelor" and degree["武汉"] == "college"
    # 长春 lists services only as "可能涉及": no feature of it is shipped
    assert "长春" not in set(feats["city"])
