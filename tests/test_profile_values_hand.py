"""Profile values against values computed by hand from the texts, before the code was run on them.

tests/data/profile_values_hand.csv was written by an analyst from the corpus and
shared/spec/valuation.md alone (its `reasoning` column lists every provision counted and every
one left out, with the rule), without looking at the code or the curated tables.
"""

import math
from pathlib import Path

import pandas as pd
import pytest

from benchmark import city_registry, dataset
from benchmark.valuation import value_profiles

HAND = pd.read_csv(Path(__file__).parent / "data" / "profile_values_hand.csv")


@pytest.fixture(scope="module")
def values():
    result = value_profiles(dataset.load_provisions(), dataset.load_features(),
                            cities=list(city_registry.load_cities()["city"]))
    return result.values.set_index(["city", "profile", "scope"])


def test_the_hand_set_covers_the_acceptance_cases():
    city_rows = HAND[HAND["scope"] == "city"]
    assert city_rows["city"].nunique() >= 8
    assert set(city_rows["profile"]) == {"bachelor", "master", "phd"}
    assert (city_rows["value_cny"] == 0).any()  # a city stating no city-wide cash subsidy
    assert HAND["reasoning"].str.contains("互斥").any()  # a stated exclusion


@pytest.mark.parametrize("row", HAND.to_dict("records"), ids=lambda r: f"{r['city']}-{r['profile']}-{r['scope']}")
def test_value_matches_the_hand_computation(values, row):
    got = values.loc[(row["city"], row["profile"], row["scope"])]
    expected = row["value_cny"]
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got["value_cny"]), f"expected unknown, got {got['value_cny']}"
    else:
        assert got["value_cny"] == pytest.approx(expected), row["reasoning"][:300]
    if row["scope"] == "district" and isinstance(row.get("district"), str):
        assert got["district"] in row["district"].split("|")
