"""Matrix stage: provisions -> city x indicator, on real provisions from the gold labels."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.framework import load_framework
from benchmark.matrix import build_matrix, provision_values


def gold_rows(shared_data, doc: str, city: str) -> pd.DataFrame:
    lines = (shared_data / "gold" / f"{doc}.jsonl").read_text(encoding="utf-8").splitlines()
    table = pd.DataFrame([json.loads(line) for line in lines if line.strip()])
    return table.assign(city=city, scope="city", source_url="https://example.invalid/" + doc)


@pytest.fixture(scope="module")
def framework():
    return load_framework()


def test_recurring_amounts_are_valued_over_their_duration(framework):
    rows = pd.DataFrame({
        "amount_cny": [10000, 1000, 2000, 50000],
        "amount_max_cny": [np.nan, np.nan, np.nan, 80000],
        "period": ["year", "month", "month", "once"],
        "duration_months": [36, np.nan, 60, np.nan],
    })
    # 1万/年 x 3 years; 1000/月 with no stated duration -> default 12 months;
    # 2000/月 for 60 months capped at the 36-month horizon; a range counts at its upper end.
    assert provision_values(rows, framework).tolist() == [30000, 12000, 72000, 80000]


def test_hangzhou_graduate_packages_from_gold(shared_data, framework):
    rows = gold_rows(shared_data, "杭州.md", "杭州")
    matrix, provenance = build_matrix(rows, framework, ["杭州"])
    # 本科 living allowance 1万 + graduate rent subsidy 1万/年 for 36 months.
    assert matrix.loc["杭州", "pkg_bachelor"] == pytest.approx(10000 + 30000)
    assert matrix.loc["杭州", "pkg_phd"] == pytest.approx(100000 + 30000)
    assert set(provenance["city"]) == {"杭州"}
    assert (provenance["n_provisions"] > 0).all()


def test_unknown_stays_nan_never_zero(shared_data, framework):
    rows = gold_rows(shared_data, "长沙.md", "长沙")
    matrix, _ = build_matrix(rows, framework, ["长沙", "无数据城"])
    assert matrix.loc["无数据城"].isna().all()
    assert matrix.loc["长沙", "max_purchase"] != 0  # no purchase subsidy in the text -> NaN, not 0
    assert np.isnan(matrix.loc["长沙", "max_purchase"])


def test_missing_columns_is_a_clear_error(framework):
    with pytest.raises(TalentbenchError, match="lacks columns: .*benefit"):
        build_matrix(pd.DataFrame({"city": ["杭州"]}), framework)


def test_feature_indicators_read_non_monetary_features_and_keep_unknown_unknown(framework):
    features = pd.DataFrame({
        "city": ["杭州", "杭州", "杭州", "东莞", "东莞"],
        "scope": ["city"] * 5,
        "feature": ["talent_apartment", "one_stop_service", "hukou_min_degree", "hukou_min_degree",
                    "hukou_age_limit_bachelor"],
        "value": ["true", "true", "college", "bachelor", "45"],
        "source_url": ["u1", "u2", "u3", "u4", "u5"],
    })
    no_provisions = pd.DataFrame(columns=["city", "scope", "tier", "benefit", "amount_cny",
                                          "amount_max_cny", "period", "duration_months", "source_url"])
    matrix, provenance = build_matrix(no_provisions, framework, ["杭州", "东莞", "武汉"], features)
    assert matrix.loc["杭州", "n_services"] == 2
    assert matrix.loc["杭州", "hukou_degree"] > matrix.loc["东莞", "hukou_degree"]  # 大专 opens more than 本科
    assert matrix.loc["东莞", "hukou_age_bachelor"] == 45
    assert matrix.loc["武汉"].isna().all()
    assert np.isnan(matrix.loc["东莞", "n_services"])  # nothing stated about services: unknown
    assert set(provenance.loc[provenance["indicator"] == "n_services", "source_urls"]) == {"u1 u2"}


def test_a_package_combines_city_wide_offers_with_one_district_never_two(framework):
    rows = pd.DataFrame({
        "city": ["广州"] * 4,
        "district": [None, "南沙区", "南沙区", "黄埔区"],
        "scope": ["city", "district", "district", "district"],
        "tier": ["bachelor"] * 4,
        "benefit": ["rent_subsidy", "living_allowance", "rent_subsidy", "settling_allowance"],
        "amount_cny": [1000.0, 30000.0, 500.0, 50000.0],
        "amount_max_cny": [np.nan] * 4,
        "period": ["month", "once", "month", "once"],
        "duration_months": [12, np.nan, 12, np.nan],
        "source_url": ["u"] * 4,
    })
    matrix, _ = build_matrix(rows, framework, ["广州"])
    # 南沙: city rent 12000 (beats its own 6000) + 30000 = 42000; 黄埔: 12000 + 50000 = 62000.
    # Adding 南沙's and 黄埔's offers together (92000) would be a package nobody can get.
    assert matrix.loc["广州", "pkg_bachelor"] == pytest.approx(62000)
