"""What-if and the reverse question: changes flow through every stage, and a lift found for an
indicator does reach the rank it promises (and a smaller one does not)."""

import numpy as np
import pandas as pd
import pytest

import benchmark as tb
from benchmark.whatif import ProvisionChange, lift_to, what_if, with_indicator


@pytest.fixture(scope="module")
def assessed():
    return tb.assess()


def test_a_provision_change_flows_to_profile_values_score_and_rank(assessed):
    a = assessed
    before = a.valuation.values.set_index(["city", "profile", "scope"]).at[("杭州", "phd", "city"), "value_cny"]
    result = what_if(a, "杭州", provisions=[ProvisionChange("phd", "housing_purchase", 300000.0)])
    table = result.summary().set_index("case")
    # 杭州's PhD: 10万 living allowance + 3万 rent (36 months); a 30万 purchase subsidy replaces the
    # rent in the housing part (a person rents or buys): 10万 + 30万
    assert before == 130000
    assert table.at["after", "value_phd"] == 400000
    assert table.at["after", "score"] > table.at["before", "score"]
    assert table.at["after", "rank"] <= table.at["before", "rank"]
    assert table.at["after", "rank_q05"] <= table.at["after", "rank"] <= table.at["after", "rank_q95"]
    # the hypothetical provision is marked as such, and the original dataset is untouched
    hypothetical = result.after.provisions[result.after.provisions["source_url"].str.startswith("what-if")]
    assert len(hypothetical) == 1 and not a.provisions["source_url"].str.startswith("what-if").any()


def test_an_indicator_change_is_a_variant_with_the_method_log_saying_so(assessed):
    after = with_indicator(assessed, "长沙", "housing_checklist", 4)
    assert after.matrix.at["长沙", "housing_checklist"] == 4
    assert ("长沙 · housing_checklist") in set(after.log["choice"])
    moved = assessed.compare(after).set_index("city")
    assert moved.at["长沙", "TPI_variant"] > moved.at["长沙", "TPI"]


@pytest.mark.parametrize("city", ["福州", "太原", "长沙", "广州"])
def test_every_lift_found_reaches_its_rank_and_a_smaller_one_does_not(assessed, city):
    a = assessed
    peers = a.peers_of(city)
    k = max(1, a.rank_among(city, peers)["rank"] - 1)
    lift = lift_to(a, city, k, peers)
    assert len(lift) == len(a.indicator_codes)
    found = lift[lift["reaches"] & (lift["change"] > 0)]
    assert len(found), f"some single indicator lifts {city}"
    for row in found.itertuples():
        reached = with_indicator(a, city, row.indicator, row.needed)
        assert reached.rank_among(city, peers)["rank"] <= k, row.indicator
        is_count = row.indicator.endswith("checklist")
        smaller = row.needed - (1 if is_count else max(0.02 * row.needed, 1.0))
        if smaller > (row.current if pd.notna(row.current) else -np.inf):
            missed = with_indicator(a, city, row.indicator, smaller)
            assert missed.rank_among(city, peers)["rank"] > k, row.indicator  # minimal (to tolerance)
    for row in lift[~lift["reaches"]].itertuples():
        assert np.isnan(row.needed)


def test_variants_change_one_choice(assessed):
    a = assessed
    b = a.variant(step=("impute", {"method": "median"}))
    assert b.inputs.spec != a.inputs.spec and b.inputs.provisions is a.inputs.provisions
    assert not b.coin.data["Imputed"].drop(columns=["uCode", "uName"], errors="ignore").isna().any().any()
    c = a.variant(weights={"HOUSE": 0})
    assert c.framework.pillars.set_index("code").at["HOUSE", "weight"] == 0
    table = a.compare(c)
    assert {"city", "Rank", "Rank_variant", "rank_change"} <= set(table.columns)
    with pytest.raises(tb_error()):
        a.variant(colour="blue")


def tb_error():
    from benchmark.errors import TalentbenchError

    return TalentbenchError
