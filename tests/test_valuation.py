"""Valuation stage: each rule of shared/spec/valuation.md on small provision tables, then on the
embedded dataset (speed, completeness of the line items)."""

import numpy as np
import pandas as pd

from benchmark.valuation import ITEM_COLUMNS, VALUE_COLUMNS, load_profiles, value_profiles

BASE = {"city": "甲市", "district": None, "scope": "city", "tier": "bachelor", "benefit": "living_allowance",
        "amount_cny": 10000.0, "amount_max_cny": np.nan, "period": "once", "duration_months": pd.NA,
        "is_cap": False, "source_url": "https://example.gov.cn/a", "status": "confirmed",
        "evidence": "…", "doc": "甲市.md", "start": 0, "end": 1, "conditions": "", "relations": ""}


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{**BASE, **row} for row in rows])


def value(rows: pd.DataFrame, profile: str = "bachelor", scope: str = "city", features=None) -> float:
    v = value_profiles(rows, features).values
    return v[(v["profile"] == profile) & (v["scope"] == scope)]["value_cny"].item()


def items(rows: pd.DataFrame, profile: str = "bachelor", scope: str = "city") -> pd.DataFrame:
    return value_profiles(rows).explain("甲市", profile, scope)


def test_rule3_amounts_over_the_36_month_horizon():
    spec = load_profiles()
    assert spec.horizon_months == 36
    assert value(table({"period": "month", "amount_cny": 1000.0, "duration_months": 24})) == 24000
    assert value(table({"period": "month", "amount_cny": 1000.0, "duration_months": 60})) == 36000
    assert value(table({"period": "year", "amount_cny": 10000.0, "duration_months": 60})) == 30000
    assert value(table({"period": "once", "amount_cny": 30000.0, "amount_max_cny": 60000.0})) == 60000
    rows = table({"period": "month", "amount_cny": 1000.0, "benefit": "rent_subsidy"})
    assert value(rows) == 12000  # no stated duration: 12 months, flagged
    v = value_profiles(rows).values
    assert "duration_assumed" in v.loc[(v["profile"] == "bachelor") & (v["scope"] == "city"), "flags"].item()


def test_rule1_only_confirmed_provisions_for_this_profile_count():
    rows = table(
        {"amount_cny": 10000.0},
        {"amount_cny": 99000.0, "benefit": "settling_allowance", "status": "to_check"},
        {"amount_cny": 500000.0, "benefit": "settling_allowance", "tier": "class_A"},
        {"amount_cny": 30000.0, "benefit": "settling_allowance", "tier": "phd"},
    )
    assert value(rows, "bachelor") == 10000
    assert value(rows, "phd") == 30000
    left = items(rows).set_index("amount_cny")["rule"]
    assert left[99000.0] == "status" and left[500000.0] == "tier" and left[30000.0] == "tier"


def test_rule1_stated_conditions_and_age_limits():
    rows = table(
        {"tier": "young", "amount_cny": 20000.0, "conditions": "age_max=25"},
        {"tier": "graduate", "benefit": "settling_allowance", "amount_cny": 50000.0,
         "conditions": "school=double_first_class"},
        {"tier": "any", "benefit": "other_cash", "amount_cny": 7000.0, "conditions": "first_time;social_insurance"},
    )
    # bachelor (23) is within 25; master (26) is not; the 双一流-only offer excludes everyone
    assert value(rows, "bachelor") == 27000
    assert value(rows, "master") == 7000
    rules = items(rows, "master").set_index("amount_cny")["rule"]
    assert rules[20000.0] == "age" and rules[50000.0] == "condition"


def test_rule2_funding_and_rewards_are_not_paid_to_the_person():
    rows = table({"benefit": "startup_funding", "amount_cny": 200000.0, "tier": "any"})
    assert np.isnan(value(rows))
    assert items(rows)["rule"].tolist() == ["benefit"]


def test_rule4_offers_of_one_benefit_are_alternatives_unless_they_add_up():
    two = table({"amount_cny": 10000.0}, {"amount_cny": 30000.0, "doc": "甲市-2.md"})
    assert value(two) == 30000
    stacked = table({"amount_cny": 10000.0, "relations": "stacks:living_allowance"},
                    {"amount_cny": 30000.0, "relations": "stacks:living_allowance"})
    assert value(stacked) == 40000


def test_rule5_a_person_rents_or_buys():
    rows = table({"benefit": "rent_subsidy", "period": "month", "amount_cny": 1000.0, "duration_months": 36},
                 {"benefit": "housing_purchase", "amount_cny": 50000.0})
    assert value(rows) == 50000
    assert items(rows).set_index("benefit").at["rent_subsidy", "rule"] == "housing"
    both = rows.assign(relations="stacks:housing_purchase+rent_subsidy")
    assert value(both) == 86000


def test_rule6_a_stated_exclusion_counts_only_the_larger():
    # 太原-style: 生活补助 与 租房补贴 互斥
    rows = table({"benefit": "living_allowance", "period": "month", "amount_cny": 1500.0, "duration_months": 36,
                  "relations": "exclusive:living_allowance+rent_subsidy"},
                 {"benefit": "rent_subsidy", "period": "month", "amount_cny": 1000.0, "duration_months": 24,
                  "relations": "exclusive:living_allowance+rent_subsidy"},
                 {"benefit": "other_cash", "amount_cny": 30000.0})
    assert value(rows) == 54000 + 30000
    assert items(rows).set_index("benefit").at["rent_subsidy", "rule"] == "exclusive"
    assert value(rows.assign(relations="")) == 54000 + 24000 + 30000


def test_district_scope_best_district_named_and_never_two_districts_together():
    rows = table(
        {"benefit": "rent_subsidy", "period": "month", "amount_cny": 1000.0, "duration_months": 12},
        {"scope": "district", "district": "南区", "benefit": "living_allowance", "amount_cny": 30000.0},
        {"scope": "district", "district": "南区", "benefit": "rent_subsidy", "period": "month",
         "amount_cny": 500.0, "duration_months": 12},
        {"scope": "district", "district": "北区", "benefit": "settling_allowance", "amount_cny": 50000.0},
    )
    assert value(rows, scope="city") == 12000  # district offers never enter the city's value
    v = value_profiles(rows).values
    best = v[(v["profile"] == "bachelor") & (v["scope"] == "district")].iloc[0]
    # 南区: city rent 12000 (beats its own 6000) + 30000 = 42000; 北区: 12000 + 50000 = 62000.
    assert best["district"] == "北区" and best["value_cny"] == 62000


def test_a_district_top_up_on_the_city_offer_adds_when_the_text_says_so():
    rows = table({"amount_cny": 10000.0},
                 {"scope": "district", "district": "南区", "amount_cny": 5000.0, "relations": "on_top_of_city"})
    assert value(rows, scope="district") == 15000
    assert value(rows.assign(relations=""), scope="district") == 10000


def test_provincial_programmes_are_left_out():
    rows = table({"scope": "province", "amount_cny": 80000.0}, {"amount_cny": 10000.0})
    assert value(rows) == 10000
    assert "province" in set(items(rows)["rule"])


def test_rule7_unknown_is_not_zero_unless_the_source_says_none():
    rows = table({"tier": "phd", "amount_cny": 100000.0})
    assert np.isnan(value(rows, "bachelor"))
    none = pd.DataFrame({"city": ["甲市"], "feature": ["no_citywide_cash_subsidy"], "value": ["true"],
                         "status": ["confirmed"]})
    assert value(rows, "bachelor", features=none) == 0
    assert value(rows, "phd", features=none) == 100000  # a stated amount still counts
    unconfirmed = none.assign(status="to_check")
    assert np.isnan(value(rows, "bachelor", features=unconfirmed))


def test_embedded_dataset_values_with_complete_line_items():
    from benchmark import dataset

    provisions, features = dataset.load_provisions(), dataset.load_features()
    result = value_profiles(provisions, features)  # speed: benchmarks/bench_valuation.py
    assert list(result.values.columns) == VALUE_COLUMNS
    assert list(result.items.columns) == ITEM_COLUMNS
    cities = provisions["city"].nunique()
    assert len(result.values) == cities * 3 * 2  # every city x profile x scope
    # every provision of a city is listed once per (profile, city scope), counted or with a rule
    city_items = result.items[result.items["scope"] == "city"]
    assert len(city_items) == len(provisions) * 3
    assert (city_items["counted"] | (city_items["rule"] != "")).all()
    # a counted value is exactly the sum of its counted line items
    sums = city_items[city_items["counted"]].groupby(["city", "profile"])["value_cny"].sum()
    values = result.values[result.values["scope"] == "city"].set_index(["city", "profile"])["value_cny"]
    pd.testing.assert_series_equal(values.dropna().loc[sums.index], sums, check_names=False)


def test_high_level_profiles_read_the_ladder_crosswalk(monkeypatch):
    from benchmark import valuation

    walk = pd.DataFrame({"city": ["甲市"] * 3, "tier": ["class_A", "class_B", "leading"],
                         "rung": ["national_leading", "provincial_leading", "provincial_leading"],
                         "status": ["confirmed"] * 3})
    walk.loc[3] = ["甲市", "leading", "city_level", "confirmed"]  # one tier on two rungs
    monkeypatch.setattr(valuation, "_crosswalk", lambda: walk)
    rows = table({"tier": "class_A", "benefit": "settling_allowance", "amount_cny": 1e6},
                 {"tier": "class_B", "benefit": "settling_allowance", "amount_cny": 5e5},
                 {"tier": "leading", "benefit": "talent_allowance", "amount_cny": 9e5},
                 {"tier": "bachelor", "amount_cny": 10000.0})
    result = value_profiles(rows, profiles=["national_leading", "provincial_leading", "city_level", "bachelor"])
    v = result.values[result.values["scope"] == "city"].set_index("profile")["value_cny"]
    assert v["national_leading"] == 1e6
    # `leading` sits on two rungs in the city's texts: its amount cannot be placed on either
    assert v["provincial_leading"] == 5e5
    assert np.isnan(v["city_level"])
    assert v["bachelor"] == 10000  # class tiers never reach the graduate profiles
    # a city whose texts define no category on a rung stays unknown there, `any` offers or not
    other = table({"city": "乙市", "tier": "any", "amount_cny": 5000.0})
    assert np.isnan(value_profiles(other, profiles=["national_leading"]).values["value_cny"]).all()


def test_rule6_a_district_top_up_and_a_larger_standalone_district_offer():
    rows = table({"amount_cny": 10000.0},
                 {"scope": "district", "district": "南区", "amount_cny": 5000.0, "relations": "on_top_of_city"},
                 {"scope": "district", "district": "南区", "amount_cny": 40000.0, "doc": "南区.md"})
    assert value(rows, scope="district") == 40000  # the larger of 1万 + 0.5万 and 4万


def test_city_offers_that_stack_do_not_pull_in_a_district_offer():
    rows = table({"amount_cny": 100000.0, "relations": "stacks:living_allowance"},
                 {"amount_cny": 50000.0, "relations": "stacks:living_allowance", "doc": "甲市-2.md"},
                 {"scope": "district", "district": "南区", "amount_cny": 20000.0})
    assert value(rows, scope="city") == 150000
    assert value(rows, scope="district") == 150000  # the district's 2万 is an alternative, not more


def test_a_missing_cap_mark_is_not_a_cap_and_no_error():
    rows = table({"amount_cny": 10000.0, "is_cap": pd.NA}, {"amount_cny": 5000.0, "is_cap": np.nan,
                                                            "benefit": "other_cash"})
    result = value_profiles(rows).values
    row = result[(result["profile"] == "bachelor") & (result["scope"] == "city")].iloc[0]
    assert row["value_cny"] == 15000 and "cap" not in row["flags"]
