import numpy as np
import pandas as pd
import pytest

from benchmark.outcomes import policy_outcome


def test_a_policy_score_that_follows_the_attraction_rank_correlates_positively(shared_data):
    ranking = pd.read_csv(shared_data / "talent_attraction_rankings.csv")
    ranks = ranking[ranking["data_year"] == 2022].head(10)
    stats = pd.DataFrame({"city": ranks["city"], "talent_attraction_rank_2022": ranks["rank"]})
    # Scores that fall as the rank number grows: a perfect monotone relation.
    results = pd.DataFrame({"city": ranks["city"], "TPI": np.linspace(90, 10, len(ranks))})
    outcome = policy_outcome(results, stats, "TPI")
    assert outcome.n == 10
    assert outcome.rho == pytest.approx(1.0)
    reversed_outcome = policy_outcome(results.assign(TPI=results["TPI"][::-1].to_numpy()), stats, "TPI")
    assert reversed_outcome.rho == pytest.approx(-1.0)


def test_cities_without_an_outcome_are_left_out_and_too_few_give_nothing():
    results = pd.DataFrame({"city": list("abcdef"), "TPI": [1.0, 2, 3, 4, 5, 6]})
    stats = pd.DataFrame({"city": list("abcdef"), "talent_attraction_rank_2022": [6, 5, np.nan, 3, 2, 1]})
    outcome = policy_outcome(results, stats, "TPI")
    assert outcome.n == 5 and "c" not in set(outcome.table["city"])
    assert policy_outcome(results.head(4), stats, "TPI") is None
