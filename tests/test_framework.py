import pytest

from benchmark.errors import TalentbenchError
from benchmark.indicator_framework import load_framework, vocabulary


def test_packaged_framework_is_a_valid_three_level_hierarchy():
    framework = load_framework()
    meta = framework.imeta()
    assert set(meta["Level"]) == {1, 2, 3}
    indicators = meta[meta["Level"] == 1]
    assert set(indicators["Parent"]) <= set(meta.loc[meta["Level"] == 2, "iCode"])
    assert meta.loc[meta["Level"] == 3, "iCode"].item() == framework.index_code
    vocab = vocabulary()
    for ind in framework.indicators:
        assert set(ind.benefits) <= set(vocab.benefits)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("index: {code: X, name: x}\npillars: []\n", "pillars: List should have at least 1 item"),
        ("index: {code: X, name: x}\npillars: [{code: P, name: p}]\nindicators:\n"
         "  - {code: a, name: a, pillar: Q, measure: max_value}\n", "unknown pillar 'Q'"),
        ("index: {code: X, name: x}\npillars: [{code: P, name: p}]\nindicators:\n"
         "  - {code: a, name: a, pillar: P, measure: max_value, benefits: [cash]}\n", "vocabulary"),
        ("index: [unclosed\n", "not valid YAML"),
        ("index: {code: X, name: x}\npillars: [{code: P, name: p}]\nindicators:\n"
         "  - {code: a, name: a, pillar: P, measure: profile_value}\n", "needs a 'profile'"),
        ("index: {code: X, name: x}\npillars: [{code: P, name: p}]\nindicators:\n"
         "  - {code: a, name: a, pillar: P, measure: profile_value, profile: phdd}\n", "no such profile"),
        ("index: {code: X, name: x}\npillars: [{code: P, name: p}]\nindicators:\n"
         "  - {code: a, name: a, pillar: P, measure: checklist, items: [benefit:cash]}\n", "vocabulary"),
    ],
)
def test_bad_frameworks_are_rejected_with_a_reason(tmp_path, text, message):
    path = tmp_path / "fw.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TalentbenchError, match=message):
        load_framework(path)


def test_thin_indicators_leave_the_index_and_take_empty_pillars_with_them():
    import numpy as np
    import pandas as pd

    framework = load_framework()
    codes = [ind.code for ind in framework.indicators]
    matrix = pd.DataFrame(1.0, index=list("abcde"), columns=codes)
    high = [ind.code for ind in framework.indicators if ind.pillar == "HIGH"]
    matrix.loc[["a", "b", "c", "d"], high] = np.nan  # known for 1 in 5
    thin = framework.thin_indicators(matrix)
    assert set(thin) == set(high)
    meta = framework.imeta(exclude=thin)
    assert "HIGH" not in set(meta["iCode"])  # every HIGH indicator gone, so is the pillar
    assert set(meta.loc[meta["Level"] == 1, "iCode"]) == set(codes) - set(thin)
