"""Validity checks of a built index, run on every assessment (the JRC audit of the GTCI reports
the same kinds): does the score measure policy, or how much a source happens to say?

- correlation of the score with the number of provisions a city's sources list, and with the
  share of them that are district-level (a high value means the index rewards source detail);
- ranks with and without the district top-up indicator;
- the index against the talent-attraction outcome (a correlation, not an effect);
- Cronbach's alpha of each pillar's indicators and each pillar's ranks against the index's.

Pure functions over DataFrames; one row per check with a plain-language reading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from benchmark.index.audit import cronbach_alpha

CHECK_COLUMNS = ["check", "subject", "value", "n", "reading"]


def _spearman(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    both = pd.concat([a, b], axis=1).dropna()
    if len(both) < 4 or both.iloc[:, 0].nunique() < 2 or both.iloc[:, 1].nunique() < 2:
        return np.nan, len(both)
    rho, _ = spearmanr(both.iloc[:, 0], both.iloc[:, 1])
    return float(rho), len(both)


def _strength(rho: float) -> str:
    if np.isnan(rho):
        return "样本不足，无法计算"
    size = abs(rho)
    word = "强" if size >= 0.6 else "中等" if size >= 0.3 else "弱"
    return f"{'正' if rho > 0 else '负'}相关（{word}）"


def source_detail_checks(scores: pd.Series, provisions: pd.DataFrame) -> list[dict]:
    """Score against the number of provisions and the district share of them, per city."""
    counted = provisions[provisions["city"].isin(scores.index)]
    n = counted.groupby("city").size().reindex(scores.index)
    district_share = (counted["scope"] == "district").groupby(counted["city"]).mean().reindex(scores.index)
    rows = []
    for subject, other, meaning in (
        ("条目数", n, "得分与来源列出的条目数"),
        ("区级条目占比", district_share, "得分与区级条目占比"),
    ):
        rho, size = _spearman(scores, other)
        rows.append({"check": "score_vs_source_detail", "subject": subject, "value": rho, "n": size,
                     "reading": f"{meaning}的斯皮尔曼相关 ρ = {rho:.2f}，{_strength(rho)}；"
                                "相关越强，指数越可能反映来源的详略而非政策本身。"})
    return rows


def rank_shift_check(ranks: pd.Series, other_ranks: pd.Series, what: str) -> dict:
    """How far ranks move when one choice changes (e.g. without the district indicator)."""
    both = pd.concat([ranks.rename("a"), other_ranks.rename("b")], axis=1).dropna()
    shift = (both["a"] - both["b"]).abs()
    movers = shift[shift >= 2].sort_values(ascending=False)
    rho, size = _spearman(both["a"], both["b"])
    moved = "、".join(f"{c}（{int(both.at[c, 'a'])}→{int(both.at[c, 'b'])}）" for c in movers.index) or "无"
    return {"check": "rank_shift", "subject": what, "value": float(shift.max()) if len(shift) else np.nan,
            "n": size, "reading": f"{what}：名次相关 ρ = {rho:.2f}，最大名次变动 {shift.max():.0f} 位；"
                                  f"变动 2 位及以上的城市：{moved}。"}


def outcome_check(rho: float | None, p_value: float | None, n: int) -> dict:
    if rho is None:
        return {"check": "index_vs_outcome", "subject": "人才吸引力排名", "value": np.nan, "n": n,
                "reading": "同时有指数与人才吸引力排名的城市不足 5 个，不作比较。"}
    return {"check": "index_vs_outcome", "subject": "人才吸引力排名", "value": rho, "n": n,
            "reading": f"综合指数与 2022 年城市人才吸引力排名的斯皮尔曼相关 ρ = {rho:.2f}"
                       f"（p = {p_value:.2f}，n = {n}），{_strength(rho)}；仅为一年截面的相关，不代表因果。"}


def pillar_checks(normalised: pd.DataFrame, aggregated: pd.DataFrame, pillars: dict[str, list[str]],
                  names: dict[str, str], index_code: str) -> list[dict]:
    """Cronbach's alpha of each pillar's indicators; each pillar's ranks against the index's."""
    rows = []
    index_rank = aggregated[index_code].rank(ascending=False)
    for pillar, indicators in pillars.items():
        kids = [i for i in indicators if i in normalised.columns]
        alpha = cronbach_alpha(normalised[kids].to_numpy(dtype=float)) if len(kids) > 1 else np.nan
        complete = int(normalised[kids].notna().all(axis=1).sum())
        rows.append({"check": "cronbach_alpha", "subject": names.get(pillar, pillar), "value": alpha,
                     "n": complete, "reading": (
                         f"{names.get(pillar, pillar)}：{len(kids)} 个指标，Cronbach's α = {alpha:.2f}"
                         f"（{complete} 个指标齐全的城市）" + ("；α < 0.7，指标间一致性不高，应逐项解读。"
                                                     if alpha < 0.7 else "。")
                         if not np.isnan(alpha) else
                         f"{names.get(pillar, pillar)}：{len(kids)} 个指标或齐全城市过少，α 无法计算。")})
        if pillar in aggregated.columns:
            rho, size = _spearman(aggregated[pillar].rank(ascending=False), index_rank)
            rows.append({"check": "pillar_vs_index_rank", "subject": names.get(pillar, pillar), "value": rho,
                         "n": size, "reading": f"{names.get(pillar, pillar)}排名与综合排名的相关 ρ = {rho:.2f}。"})
    return rows


def as_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
