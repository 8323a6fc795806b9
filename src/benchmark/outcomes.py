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


@dataclass(frozen=True)
class Effectiveness:
    """The index and its pillars against the talent-attraction outcome (效用评估)."""

    correlations: pd.DataFrame  # one row per score (index, pillars): Spearman rho, p, n
    regression: pd.DataFrame  # OLS of the outcome rank on the index and log population: coef, se, p
    n: int
    statements: list[str]  # what the data can and cannot show, in plain Chinese


def effectiveness(results: pd.DataFrame, stats: pd.DataFrame, index_code: str, pillars: list[str],
                  names: dict[str, str], outcome_column: str = OUTCOME_COLUMN) -> Effectiveness | None:
    """Rank correlations of the index and each pillar with the outcome, and an ordinary least
    squares regression of the outcome rank on the index, controlling for city size (log of the
    2020 population). None when fewer than 5 ranked cities have an outcome.

    The outcome is a rank (1 = most attractive): a negative coefficient on the index means higher
    scores go with better ranks. With a dozen cities and one year this describes an association;
    it cannot show that a policy caused anything.
    """
    import numpy as np
    from scipy import stats as st

    data = results.merge(stats[["city", outcome_column, "popu_2020"]], on="city", how="inner")
    data = data.dropna(subset=[index_code, outcome_column, "popu_2020"])
    n = len(data)
    if n < 5:
        return None
    rows = []
    for code in [index_code, *pillars]:
        sub = data.dropna(subset=[code])
        if len(sub) < 5 or sub[code].nunique() < 2:
            rows.append({"score": names.get(code, code), "rho": np.nan, "p": np.nan, "n": len(sub)})
            continue
        rho, p = spearmanr(sub[code], -sub[outcome_column])
        rows.append({"score": names.get(code, code), "rho": float(rho), "p": float(p), "n": len(sub)})
    y = data[outcome_column].to_numpy(dtype=float)
    X = np.column_stack([np.ones(n), data[index_code].to_numpy(dtype=float),
                         np.log(data["popu_2020"].to_numpy(dtype=float))])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    dof = n - X.shape[1]
    sigma2 = float(resid @ resid) / dof if dof > 0 else np.nan
    cov = sigma2 * np.linalg.pinv(X.T @ X)
    se = np.sqrt(np.diag(cov))
    t = coef / se
    p = 2 * st.t.sf(np.abs(t), dof) if dof > 0 else np.full(3, np.nan)
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    regression = pd.DataFrame({"term": ["常数", names.get(index_code, index_code), "ln(2020年常住人口)"],
                               "coef": coef, "se": se, "p": p})
    index_row = regression.iloc[1]
    direction = "较好（排名靠前）" if index_row["coef"] < 0 else "较差（排名靠后）"
    statements = [
        f"样本：{n} 个既有综合指数又有 2022 年人才吸引力排名的城市，仅一年截面数据。",
        f"综合指数与人才吸引力的斯皮尔曼相关 ρ = {rows[0]['rho']:.2f}（p = {rows[0]['p']:.2f}）。",
        f"控制城市规模（常住人口对数）后，综合指数每高 10 分，人才吸引力排名平均{direction} "
        f"{abs(index_row['coef']) * 10:.1f} 位（p = {index_row['p']:.2f}，R² = {r2:.2f}）。",
        "这只是相关：人才吸引力还取决于产业、收入、房价等政策以外的因素，吸引力强的城市也可能因此少发补贴；"
        "样本小、只有一年，不能据此推断政策的因果效果。",
    ]
    if index_row["p"] >= 0.1:
        statements.insert(3, "该系数在统计上与零没有显著差别（p ≥ 0.1）：数据不足以说明两者有关系。")
    return Effectiveness(pd.DataFrame(rows), regression, n, statements)
