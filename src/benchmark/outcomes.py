"""Policy against outcome: does a generous talent policy go with attracting talent?

The outcome is an external measure (城市人才吸引力排名, data year 2022), never an input of the
index. With a dozen or so cities and one year, this is a description, not a causal estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import spearmanr

OUTCOME_COLUMN = "talent_attraction_rank_2022"


@dataclass(frozen=True)
class PolicyOutcome:
    table: pd.DataFrame  # city, policy score, outcome rank
    rho: float  # Spearman correlation of the policy score with the outcome (rank 1 = best -> sign flipped)
    p_value: float
    n: int


def policy_outcome(results: pd.DataFrame, stats: pd.DataFrame, score_column: str,
                   outcome_column: str = OUTCOME_COLUMN) -> PolicyOutcome | None:
    """Spearman correlation between a city's policy score and its talent-attraction rank.

    ``rho`` > 0 means cities with higher policy scores tend to rank better on attraction.
    None when fewer than 5 cities have both (too few to say anything).
    """
    table = (results[["city", score_column]]
             .merge(stats[["city", outcome_column]], on="city", how="inner")
             .dropna())
    if len(table) < 5:
        return None
    rho, p_value = spearmanr(table[score_column], -table[outcome_column])
    return PolicyOutcome(table.reset_index(drop=True), float(rho), float(p_value), len(table))
