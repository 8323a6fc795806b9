"""Matrix stage: profile values, provisions and features -> city x indicator."""

import numpy as np
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.indicator_framework import load_framework
from benchmark.matrix import build_matrix, provision_values
from benchmark.valuation import value_profiles

COLUMNS = ["city", "district", "scope", "tier", "benefit", "amount_cny", "amount_max_cny", "period",
           "duration_months", "is_cap", "source_url", "status", "doc", "start", "end", "evidence"]


def rows(*records: dict) -> pd.DataFrame:
    base = {"district": None, "scope": "city", "amount_max_cny": np.nan, "duration_months": np.nan,
            "is_cap": False, "status": "confirmed", "doc": "d.md", "start": 0, "end": 1, "evidence": "…",
            "source_url": "https://example.gov.cn/x"}
    return pd.DataFrame([{**base, **r} for r in records])[COLUMNS]


@pytest.fixture(scope="module")
def framework():
    return load_framework()


def matrix_of(provisions, framework, cities, features=None):
    return build_matrix(provisions, framework, value_profiles(provisions, features), cities, features)


def test_recurring_amounts_are_valued_over_their_duration():
    table = pd.DataFrame({
        "amount_cny": [10000, 1000, 2000, 50000],
        "amount_max_cny": [np.nan, np.nan, np.nan, 80000],
        "period": ["year", "month", "month", "once"],
        "duration_months": [36, np.nan, 60, np.nan],
        "is_cap": [False] * 4,
    })
    # 1万/年 x 3 years; 1000/月 with no stated duration -> default 12 months;
    # 2000/月 for 60 months capped at the 36-month horizon; a range counts at its upper end.
    assert provision_values(table).tolist() == [30000, 12000, 72000, 80000]


def test_profile_values_are_city_scope_and_the_district_top_up_is_its_own_column(framework):
    provisions = rows(
        {"city": "广州", "tier": "bachelor", "benefit": "rent_subsidy", "amount_cny": 1000.0,
         "period": "month", "duration_months": 12},
        {"city": "广州", "district": "南沙区", "scope": "district", "tier": "bachelor",
         "benefit": "living_allowance", "amount_cny": 30000.0, "period": "once"},
        {"city": "广州", "district": "黄埔区", "scope": "district", "tier": "bachelor",
         "benefit": "settling_allowance", "amount_cny": 50000.0, "period": "once"},
    )
    matrix, provenance = matrix_of(provisions, framework, ["广州"])
    assert matrix.loc["广州", "val_bachelor"] == 12000  # the districts' offers are not the city's
    # the best district (黄埔: 12000 + 50000) adds 50000 for a bachelor; nothing is known for
    # masters and PhDs, so the average is over the bachelor alone
    assert matrix.loc["广州", "district_topup"] == pytest.approx(50000)
    traced = provenance.set_index("indicator")
    assert traced.at["val_bachelor", "n_provisions"] == 1


def test_unknown_stays_nan_never_zero(framework):
    provisions = rows({"city": "长沙", "tier": "phd", "benefit": "living_allowance", "amount_cny": 1e5,
                       "period": "once"})
    matrix, _ = matrix_of(provisions, framework, ["长沙", "无数据城"])
    assert matrix.loc["无数据城"].isna().all()
    assert matrix.loc["长沙", "val_phd"] == 1e5
    assert np.isnan(matrix.loc["长沙", "val_bachelor"])  # nothing for bachelors: unknown, not 0
    assert np.isnan(matrix.loc["长沙", "district_topup"])  # no district offer known: unknown


def test_missing_columns_is_a_clear_error(framework):
    with pytest.raises(TalentbenchError, match="lacks columns: .*benefit"):
        build_matrix(pd.DataFrame({"city": ["杭州"]}), framework, None)


def test_checklists_count_each_type_once_and_keep_silence_unknown(framework):
    features = pd.DataFrame({
        "city": ["杭州", "杭州", "杭州", "杭州", "东莞", "东莞"],
        "scope": ["city", "city", "city", "city", "city", "city"],
        "feature": ["talent_apartment", "talent_apartment", "one_stop_service", "hukou_min_degree",
                    "hukou_min_degree", "hukou_age_limit_bachelor"],
        "value": ["true", "true", "true", "college", "bachelor", "45"],
        "source_url": ["u1", "u1b", "u2", "u3", "u4", "u5"],
        "status": ["confirmed"] * 6,
    })
    provisions = rows({"city": "杭州", "tier": "phd", "benefit": "rent_subsidy", "amount_cny": 1000.0,
                       "period": "month"},
                      {"city": "杭州", "tier": "bachelor", "benefit": "rent_subsidy", "amount_cny": 800.0,
                       "period": "month"},
                      {"city": "杭州", "district": "西湖区", "scope": "district", "tier": "phd",
                       "benefit": "housing_purchase", "amount_cny": 1e5, "period": "once"})
    matrix, provenance = matrix_of(provisions, framework, ["杭州", "东莞", "武汉"], features)
    # two talent-apartment statements and two rent subsidies are one type each; a district's
    # purchase subsidy is not the city's
    assert matrix.loc["杭州", "housing_checklist"] == 2
    assert matrix.loc["杭州", "services_checklist"] == 1
    assert matrix.loc["杭州", "hukou_degree"] > matrix.loc["东莞", "hukou_degree"]  # 大专 opens more than 本科
    assert matrix.loc["东莞", "hukou_age_bachelor"] == 45
    assert matrix.loc["武汉"].isna().all()
    assert np.isnan(matrix.loc["东莞", "housing_checklist"])  # nothing stated about housing: unknown
    urls = provenance.set_index(["city", "indicator"]).at[("杭州", "housing_checklist"), "source_urls"]
    assert set(urls.split()) == {"u1", "u1b", "https://example.gov.cn/x"}
