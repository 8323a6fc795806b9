"""Stages of the index engine on small hand-made frameworks, and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.index import CompositeIndex
from benchmark.index.stages import log_ct, winsorise
from benchmark.index.stats import kurtosis, rank_min, skewness


def small_meta(levels: int = 3) -> pd.DataFrame:
    """i1..i4 -> P1 (i1, i2), P2 (i3, i4) -> ... -> top; i4 has Direction -1."""
    rows = [
        {"Level": 1, "iCode": "i1", "Direction": 1, "Weight": 1, "Parent": "P1", "Type": "Indicator"},
        {"Level": 1, "iCode": "i2", "Direction": 1, "Weight": 3, "Parent": "P1", "Type": "Indicator"},
        {"Level": 1, "iCode": "i3", "Direction": 1, "Weight": 1, "Parent": "P2", "Type": "Indicator"},
        {"Level": 1, "iCode": "i4", "Direction": -1, "Weight": 1, "Parent": "P2", "Type": "Indicator"},
        {"Level": 2, "iCode": "P1", "Direction": 1, "Weight": 1, "Parent": "L3", "Type": "Aggregate"},
        {"Level": 2, "iCode": "P2", "Direction": 1, "Weight": 2, "Parent": "L3", "Type": "Aggregate"},
    ]
    for lev in range(3, levels + 1):
        parent = f"L{lev + 1}" if lev < levels else None
        rows.append({"Level": lev, "iCode": f"L{lev}", "Direction": 1, "Weight": 1, "Parent": parent,
                     "Type": "Aggregate"})
    rows.append({"Level": None, "iCode": "grp", "Direction": None, "Weight": None, "Parent": None, "Type": "Group"})
    rows.append({"Level": None, "iCode": "pop", "Direction": None, "Weight": None, "Parent": None,
                 "Type": "Denominator"})
    return pd.DataFrame(rows)


def small_data() -> pd.DataFrame:
    return pd.DataFrame({
        "uCode": ["A", "B", "C", "D", "E", "F"],
        "uName": ["Aa", "Bb", "Cc", "Dd", "Ee", "Ff"],
        "grp": ["x", "x", "x", "y", "y", "y"],
        "pop": [1.0, 2, 4, 1, 2, 5],
        "i1": [1.0, 2, np.nan, 4, 5, 6],
        "i2": [10.0, 30, 20, np.nan, np.nan, 60],
        "i3": [5.0, 5, 6, 7, 8, 9],
        "i4": [1.0, 2, 3, 4, 5, 6],
    })


def test_impute_mean_median_overall_and_by_group():
    coin = CompositeIndex(small_data(), small_meta())
    imp = coin.build({"steps": [{"impute": {"method": "mean"}}]}).data["Imputed"].set_index("uCode")
    assert imp.loc["C", "i1"] == pytest.approx(np.mean([1, 2, 4, 5, 6]))
    imp = coin.build({"steps": [{"impute": {"method": "median_group", "group": "grp"}}]}).data["Imputed"]
    imp = imp.set_index("uCode")
    assert imp.loc["C", "i1"] == pytest.approx(1.5)  # median of group x
    assert imp.loc["D", "i2"] == pytest.approx(60) and imp.loc["E", "i2"] == pytest.approx(60)
    knn = coin.build({"steps": [{"impute": {"method": "sklearn", "imputer": "knn",
                                            "imputer_params": {"n_neighbors": 2}}}]})
    filled = knn.data["Imputed"].set_index("uCode")
    raw = knn.data["Raw"].set_index("uCode")
    assert not filled.isna().any().any()
    observed = raw.notna()
    np.testing.assert_allclose(filled[observed].to_numpy(float)[observed.to_numpy()],
                               raw[observed].to_numpy(float)[observed.to_numpy()])


def test_denominate_and_screen():
    meta = small_meta()
    meta["Denominator"] = [None, None, "pop", None, None, None, None, None, None]
    coin = CompositeIndex(small_data(), meta).build({"steps": [
        {"denominate": {}}, {"screen": {"min_data": 0.8, "on": "Raw"}}]})
    den = coin.data["Denominated"].set_index("uCode")
    np.testing.assert_allclose(den["i3"], [5, 2.5, 1.5, 7, 4, 1.8])
    np.testing.assert_allclose(den["i1"].dropna(), [1, 2, 4, 5, 6])  # untouched
    # C, D and E miss one of four indicators (75 % < 80 %)
    assert coin.data["Screened"]["uCode"].tolist() == ["A", "B", "F"]
    assert coin.analysis["Screened"]["removed"] == ["C", "D", "E"]
    assert set(coin.results["uCode"]) == {"A", "B", "F"}
    with pytest.raises(TalentbenchError, match="fewer than two units"):
        CompositeIndex(small_data(), meta).build({"steps": [{"screen": {"min_data": 1.0, "exclude": ["A", "B"]}}]})


def test_skew_kurtosis_are_e1071_type_2():
    # Excel SKEW / KURT of 1..10 plus 30, 100 (COINr's winsorise() example data)
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    n = x.size
    m = x.mean()
    g1 = np.mean((x - m) ** 3) / np.mean((x - m) ** 2) ** 1.5
    assert skewness(x) == pytest.approx(g1 * np.sqrt(n * (n - 1)) / (n - 2))
    s = x.std(ddof=1)
    excel_kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(((x - m) / s) ** 4) - 3 * (n - 1) ** 2 / (
        (n - 2) * (n - 3))
    assert kurtosis(x) == pytest.approx(excel_kurt)


def test_winsorise_then_log_like_coinr():
    from benchmark.index.stats import passes_skew_kurt

    x = np.array([*range(1, 21), 60, 80, 100.0])
    assert not passes_skew_kurt(x, 2, 3.5)[0]
    # one pass: 100 -> 80; still failing, so with winmax = 1 that is all
    w1, n1 = winsorise(x, winmax=1, skew_thresh=2, kurt_thresh=3.5)
    assert n1 == 1 and w1.max() == 80 and not passes_skew_kurt(w1, 2, 3.5)[0]
    # second pass: both points now at 80 go to 60; COINr counts the points tied at the
    # maximum, so nwin = 2, and the check passes, so a larger winmax changes nothing
    for winmax in (2, 5):
        w, n = winsorise(x, winmax=winmax, skew_thresh=2, kurt_thresh=3.5)
        assert n == 2 and w.max() == 60 and (w == 60).sum() == 3 and passes_skew_kurt(w, 2, 3.5)[0]
    # low outliers (negative skew) are Winsorised from below
    wl, nl = winsorise(-x, winmax=1, skew_thresh=2, kurt_thresh=3.5)
    assert nl == 1 and wl.min() == -80
    np.testing.assert_allclose(log_ct(x), np.log(x - 1 + 0.01 * 99))
    meta = small_meta()
    data = small_data()
    data["i3"] = [1.0, 1.1, 1.2, 1.0, 1.3, 50]
    coin = CompositeIndex(data, meta).build({"steps": [{"treat": {"method": "winsorise_log", "winmax": 0}}]})
    det = coin.analysis["Treated"]["details"].set_index("iCode")
    assert bool(det.loc["i3", "log"]) and not det.loc["i1", "log"]
    np.testing.assert_allclose(coin.data["Treated"]["i3"], log_ct(data["i3"].to_numpy()))


def test_normalise_methods_and_direction():
    coin = CompositeIndex(small_data(), small_meta()).build({"steps": [
        {"impute": {"method": "mean"}}, {"normalise": {"method": "minmax", "range": [1, 10]}}]})
    norm = coin.data["Normalised"].set_index("uCode")
    assert norm["i3"].min() == 1 and norm["i3"].max() == 10
    # i4 has Direction -1: its largest raw value gets the lowest score
    assert norm.loc["F", "i4"] == 1 and norm.loc["A", "i4"] == 10
    z = coin.variant("normalise", {"method": "zscore", "mean": 10, "sd": 2}).data["Normalised"]
    np.testing.assert_allclose(z[["i1", "i2", "i3", "i4"]].std(ddof=1), 2)
    r = coin.variant("normalise", {"method": "rank"}).data["Normalised"].set_index("uCode")
    assert r["i3"].tolist() == [1, 1, 3, 4, 5, 6]  # ties share the lowest rank
    assert r.loc["A", "i4"] == 6
    t = coin.variant("normalise", {"method": "dist2target", "targets": {"i1": 5, "i2": 40, "i3": 8, "i4": 2},
                                   "cap": True}).data["Normalised"].set_index("uCode")
    assert t.loc["E", "i1"] == 1 and t.loc["F", "i1"] == 1  # at or beyond target: capped
    assert t.loc["A", "i1"] == 0
    # negative direction: target 2 on i4 means 1 and 2 reach it, 6 is the worst
    assert t.loc["A", "i4"] == 1 and t.loc["B", "i4"] == 1 and t.loc["F", "i4"] == 0
    g = coin.variant("normalise", {"method": "goalposts", "scale": 100, "goalposts": {
        "i1": [0, 4], "i2": [0, 100], "i3": [5, 9], "i4": [1, 6]}}).data["Normalised"].set_index("uCode")
    assert g.loc["B", "i1"] == 50 and g.loc["F", "i1"] == 100
    # goalposts are given on the raw scale; Direction -1 makes the low post the good end
    assert g.loc["A", "i4"] == pytest.approx(100) and g.loc["F", "i4"] == pytest.approx(0)


def test_deep_hierarchy_nan_aware_aggregation_and_results_layout():
    coin = CompositeIndex(small_data(), small_meta(levels=5)).build({"steps": [
        {"normalise": {"method": "minmax", "range": [0, 100]}}]})
    agg = coin.data["Aggregated"].set_index("uCode")
    # C has no i1: P1 is i2 alone; D has no i2: P1 is i1 alone (weights re-normalised)
    assert agg.loc["C", "P1"] == pytest.approx(agg.loc["C", "i2"])
    assert agg.loc["D", "P1"] == pytest.approx(agg.loc["D", "i1"])
    assert agg.loc["A", "P1"] == pytest.approx((agg.loc["A", "i1"] + 3 * agg.loc["A", "i2"]) / 4)
    np.testing.assert_allclose(agg["L3"], (agg["P1"] + 2 * agg["P2"]) / 3)
    np.testing.assert_allclose(agg["L5"], agg["L3"])  # single-child chain up to level 5
    res = coin.results
    assert list(res.columns) == ["uCode", "uName", "Rank", "L5", "L4", "L3", "P1", "P2"]
    assert res["Rank"].tolist() == sorted(res["Rank"].tolist())
    assert res["uName"].iloc[0] == dict(zip("ABCDEF", ["Aa", "Bb", "Cc", "Dd", "Ee", "Ff"], strict=True))[res["uCode"].iloc[0]]
    log = [entry["step"] for entry in coin.log]
    assert log == ["normalise", "aggregate"]
    # stages left out of the spec are the previous stage's data
    pd.testing.assert_frame_equal(coin.data["Treated"], coin.data["Raw"])


def test_rank_min_ties_and_nan():
    np.testing.assert_array_equal(rank_min(np.array([3.0, 1, 3, np.nan, 2]), descending=True), [1, 4, 1, np.nan, 3])


def test_variant_does_not_touch_the_original_and_can_add_or_drop_steps():
    coin = CompositeIndex(small_data(), small_meta()).build({"steps": [{"impute": {"method": "mean"}},
                                                                       {"normalise": {}}]})
    before = coin.data["Aggregated"].copy()
    added = coin.variant("treat", {"method": "winsorise", "winmax": 1})
    assert [e["step"] for e in added.log] == ["impute", "treat", "normalise", "aggregate"]
    dropped = coin.variant("impute", None)
    assert dropped.data["Imputed"].isna().any().any()
    pd.testing.assert_frame_equal(coin.data["Aggregated"], before)
    merged = coin.variant("normalise", {"range": [1, 2]}, merge=True)
    assert merged.log[1]["params"]["method"] == "minmax" and merged.log[1]["params"]["range"] == [1.0, 2.0]


# -- bad inputs ---------------------------------------------------------------------------


def _meta_with(changes: dict) -> pd.DataFrame:
    meta = small_meta()
    for (row, col), value in changes.items():
        meta.loc[row, col] = value
    return meta


@pytest.mark.parametrize("meta, message", [
    (small_meta().drop(columns=["Parent"]), "missing required column"),
    (_meta_with({(0, "Parent"): "Nowhere"}), "Parent 'Nowhere' of 'i1'"),
    (_meta_with({(4, "Parent"): "P2", (5, "Parent"): "P1"}), "cycle"),
    (_meta_with({(3, "Direction"): 2}), "Direction of 'i4'"),
    (_meta_with({(1, "Weight"): -1}), "weight of 'i2'"),
    (_meta_with({(4, "Level"): 3}), "expected Level 2"),
    (_meta_with({(2, "iCode"): "i1"}), "duplicate iCode"),
    (_meta_with({(0, "Type"): "Indikator"}), "Type of 'i1'"),
])
def test_bad_meta_is_a_clear_error(meta, message):
    with pytest.raises(TalentbenchError, match=message):
        CompositeIndex(small_data(), meta)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.drop(columns=["i3"]), "missing column"),
    (lambda d: d.assign(i2=["1", "2", "three", "4", "5", "6"]), "'i2' of iData is not numeric"),
    (lambda d: d.drop(columns=["uCode"]), "no uCode"),
    (lambda d: d.assign(uCode=["A", "A", "C", "D", "E", "F"]), "duplicate uCode"),
])
def test_bad_data_is_a_clear_error(mutate, message):
    with pytest.raises(TalentbenchError, match=message):
        CompositeIndex(mutate(small_data()), small_meta())


def test_numeric_text_columns_are_accepted():
    data = small_data().astype({"i3": str})
    coin = CompositeIndex(data, small_meta())
    assert coin.idata["i3"].dtype == float


@pytest.mark.parametrize("spec, message", [
    ({"steps": [{"normalise": {"method": "bogus"}}]}, "unknown method 'bogus'"),
    ({"steps": [{"normalise": {"rnage": [0, 1]}}]}, "unknown parameter"),
    ({"steps": [{"frobnicate": {}}]}, "unknown step"),
    ({"steps": [{"normalise": {}}, {"impute": {}}]}, "order"),
    ({"steps": [{"impute": {}}, {"impute": {}}]}, "twice"),
    ({"steps": [{"impute": {"method": "mean_group"}}]}, "needs a 'group'"),
    ({"stages": []}, "list under 'steps'"),
    ({"steps": [{"normalise": {"range": [5, 1]}}]}, "lower bound"),
    ({"steps": [{"aggregate": {"method": ["arithmetic"]}}]}, "one per level"),
])
def test_bad_spec_is_a_clear_error(spec, message):
    coin = CompositeIndex(small_data(), small_meta())
    with pytest.raises(TalentbenchError, match=message):
        coin.build(spec)


def test_spec_yaml_file_errors(tmp_path):
    coin = CompositeIndex(small_data(), small_meta())
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [normalise: {method: minmax", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="not valid YAML"):
        coin.build(bad)
    with pytest.raises(TalentbenchError, match="not found"):
        coin.build(tmp_path / "missing.yaml")


def test_log_regenerates_the_index(tmp_path):
    import yaml

    coin = CompositeIndex(small_data(), small_meta()).build({"steps": [
        {"impute": {"method": "median"}}, {"treat": {"winmax": 1}}, {"normalise": {"range": [1, 100]}},
        {"weight": {"method": "manual", "weights": {"i2": 1}}}, {"aggregate": {"method": "geometric"}}]})
    # the log holds every parameter, defaults included, and rebuilds the same index
    treat = next(e for e in coin.log if e["step"] == "treat")["params"]
    assert treat == {"method": "winsorise_log", "winmax": 1, "skew": 2.0, "kurt": 3.5, "all": False, "skip": None}
    path = tmp_path / "log.yaml"
    path.write_text(yaml.safe_dump({"steps": [{e["step"]: e["params"]} for e in coin.log]}), encoding="utf-8")
    again = CompositeIndex(small_data(), small_meta()).build(path)
    pd.testing.assert_frame_equal(again.data["Aggregated"], coin.data["Aggregated"])
    pd.testing.assert_frame_equal(again.results, coin.results)


def test_unquoted_yaml_on_key(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("steps:\n  - screen: {min_data: 1.0, on: Raw}\n", encoding="utf-8")
    coin = CompositeIndex(small_data(), small_meta()).build(path)
    assert coin.log[0]["params"]["on"] == "Raw"
    assert coin.data["Screened"]["uCode"].tolist() == ["A", "B", "F"]


def test_csv_codes_stay_labels(tmp_path):
    data = small_data()
    data["uCode"] = ["001", "002", "003", "004", "005", "010"]
    data.to_csv(tmp_path / "d.csv", index=False)
    small_meta().to_csv(tmp_path / "m.csv", index=False)
    coin = CompositeIndex.from_csv(tmp_path / "d.csv", tmp_path / "m.csv").build({"steps": [{"impute": {}}]})
    assert sorted(coin.results["uCode"]) == ["001", "002", "003", "004", "005", "010"]
