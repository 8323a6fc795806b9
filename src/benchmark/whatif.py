"""What-if and the reverse question for a focal city.

- ``what_if``: change provisions ("博士购房补贴提高到30万") or indicator values and see the new
  profile values, score, rank and rank interval — the same assessment with one input changed.
- ``lift_to``: for each indicator of the index, the smallest value that lifts the city to rank
  ``k`` among its peers, found by bisection on the index alone and then checked by building the
  index with that value (``reaches`` says whether the check held).

Hypothetical provisions are marked as such (``source_url`` what-if://…, review ``what-if``) so
they can never be mistaken for sourced ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmark.assessment import Assessment
from benchmark.errors import TalentbenchError

WHAT_IF_URL = "what-if://hypothetical"


@dataclass(frozen=True)
class ProvisionChange:
    """A city-wide provision of one tier and benefit set to a new amount (replacing the city's
    confirmed city-scope provisions of that tier and benefit, or added if there are none)."""

    tier: str
    benefit: str
    amount_cny: float
    period: str = "once"
    duration_months: int | None = None


def _check(change: ProvisionChange) -> None:
    from benchmark.indicator_framework import vocabulary

    vocab = vocabulary()
    if change.tier not in vocab.tiers:
        raise TalentbenchError(f"what-if: unknown tier {change.tier!r}; use one of {', '.join(vocab.tiers)}")
    if change.benefit not in vocab.benefits:
        raise TalentbenchError(f"what-if: unknown benefit {change.benefit!r}; use one of {', '.join(vocab.benefits)}")
    if change.period not in vocab.periods:
        raise TalentbenchError(f"what-if: period must be one of {', '.join(vocab.periods)}, not {change.period!r}")
    if not np.isfinite(change.amount_cny) or change.amount_cny < 0:
        raise TalentbenchError(f"what-if: amount must be a finite number ≥ 0, not {change.amount_cny!r}")


def apply_changes(provisions: pd.DataFrame, city: str, changes: list[ProvisionChange]) -> pd.DataFrame:
    """The provisions table with the city's changes applied (a new table; the input is unchanged).

    The hypothetical row states no conditions or relations and points at no document: it is
    the analyst's assumption, not a text."""
    table = provisions.copy()
    for change in changes:
        _check(change)
        same = ((table["city"] == city) & (table["scope"] == "city") & (table["tier"] == change.tier)
                & (table["benefit"] == change.benefit) & (table["status"] == "confirmed"))
        template = table[same].iloc[0].to_dict() if same.any() else {c: pd.NA for c in table.columns}
        table = table[~same]
        row = {**template, "city": city, "district": pd.NA, "scope": "city", "tier": change.tier,
               "benefit": change.benefit, "amount_cny": float(change.amount_cny), "amount_max_cny": np.nan,
               "period": change.period, "duration_months": change.duration_months, "is_cap": False,
               "status": "confirmed", "source_url": WHAT_IF_URL, "review": "what-if",
               "evidence": f"假设：{change.tier} {change.benefit} {change.amount_cny:g}元/{change.period}",
               "conditions": pd.NA, "relations": pd.NA, "context_evidence": pd.NA, "doc": "what-if",
               "start": pd.NA, "end": pd.NA, "source_date": pd.NA}
        table = pd.concat([table, pd.DataFrame([row]).astype(table.dtypes.to_dict(), errors="ignore")],
                          ignore_index=True)
    return table


@dataclass
class WhatIf:
    before: Assessment
    after: Assessment
    city: str

    def summary(self) -> pd.DataFrame:
        """The city's profile values, score, rank, interval and rank among peers, before and after."""
        rows = []
        for label, a in (("before", self.before), ("after", self.after)):
            values = a.valuation.values
            mine = values[(values["city"] == self.city) & (values["scope"] == "city")].set_index("profile")
            res = a.results.set_index("city")
            known = self.city in res.index
            among = a.rank_among(self.city, self.before.peers_of(self.city))
            rows.append({
                "case": label,
                **{f"value_{p}": mine["value_cny"].get(p, np.nan) for p in a.profile_spec.codes},
                "score": res.at[self.city, a.framework.index_code] if known else np.nan,
                "rank": res.at[self.city, "Rank"] if known else pd.NA,
                "rank_q05": res.at[self.city, "rank_q05"] if known else np.nan,
                "rank_q95": res.at[self.city, "rank_q95"] if known else np.nan,
                "rank_among_peers": among["rank"], "peers_q05": among["q05"], "peers_q95": among["q95"],
            })
        return pd.DataFrame(rows)


def what_if(a: Assessment, city: str, provisions: list[ProvisionChange] | None = None,
            indicators: dict[str, float] | None = None) -> WhatIf:
    """The assessment with the city's provisions and/or indicator values changed."""
    from benchmark.assessment import check_city

    city = check_city(city, a.inputs.cities)
    changes: dict = {}
    if provisions:
        changes["provisions"] = apply_changes(a.provisions, city, provisions)
    if indicators:
        unknown = sorted(set(indicators) - set(a.matrix.columns))
        if unknown:
            raise TalentbenchError(f"what-if: unknown indicator(s) {', '.join(unknown)}")
        changes["overrides"] = {**a.inputs.overrides, **{(city, k): v for k, v in indicators.items()}}
    if not changes:
        raise TalentbenchError("what-if: give at least one provision or indicator change")
    return WhatIf(before=a, after=a.variant(**changes), city=city)


def _group_rank(a: Assessment, city: str, code: str, value: float, group: list[str]) -> float:
    """The city's rank within ``group`` when its ``code`` indicator is ``value``, all else equal.

    Rebuilds the assessment's own index on its validated inputs with one cell changed (the
    index steps only: no valuation, no Monte Carlo), which is what makes a bisection affordable.
    """
    index = a.coin._sibling()
    idata = a.coin.idata.copy()
    idata.loc[idata["uCode"] == city, code] = value
    index.idata = idata
    index._build(list(a.coin.spec))
    scores = index.results.set_index("uCode")[a.framework.index_code]
    members = [c for c in dict.fromkeys([city, *group]) if c in scores.index]
    if city not in members or pd.isna(scores[city]):
        return np.inf
    mine = scores[members]
    return float((mine > mine[city] + 1e-9).sum() + 1)


def lift_to(a: Assessment, city: str, k: int = 1, peers: list[str] | None = None,
            tolerance: float = 0.01) -> pd.DataFrame:
    """For each indicator in the index: the smallest value lifting ``city`` to rank ``k`` among
    itself and its peers, all else equal; checked by building the index with that value.

    Values are searched between the city's current value (or the lowest known value when its own
    is unknown) and 100 times the highest known value; ``needed`` is NaN when no value in that
    range reaches rank ``k``. ``tolerance`` is the relative precision of the bisection.
    """
    peers = peers if peers is not None else a.peers_of(city)
    if not isinstance(k, int | np.integer) or k < 1:
        raise TalentbenchError(f"the target rank must be a whole number ≥ 1, not {k!r}")
    if city not in set(a.ranked):
        raise TalentbenchError(f"{city} is not ranked (too little confirmed data): nothing to lift")
    base = a.matrix
    first = a.indicator_codes[0]
    current_rank = _group_rank(a, city, first, a.coin.idata.set_index("uCode").at[city, first], peers)
    names = a.framework.indicator_names()
    by_code = {i.code: i for i in a.framework.indicators}
    rows = []
    for code in a.indicator_codes:
        column = base[code].dropna()
        if column.empty:
            continue
        now = base.at[city, code]
        lo = now if pd.notna(now) else float(column.min())
        hi = _upper_bound(by_code[code], column, lo)
        def rank_at(value: float, code: str = code) -> float:
            return _group_rank(a, city, code, value, peers)

        row = {"indicator": code, "name": names.get(code, code), "current": now, "rank_now": current_rank,
               "k": k, "needed": np.nan, "change": np.nan, "rank_after": np.nan, "reaches": False}
        if current_rank <= k:  # already there: nothing to change
            row.update(needed=now, change=0.0, rank_after=current_rank, reaches=True)
        elif rank_at(hi) <= k:
            # bracket first: most lifts lie within a few times the largest known value
            for step in (1.0, 2.0, 5.0, 20.0):
                candidate = max(float(column.max()), abs(lo), 1.0) * step
                if lo < candidate < hi and rank_at(candidate) <= k:
                    hi = candidate
                    break
            if pd.notna(now) and rank_at(lo) <= k:
                hi = lo
            while hi - lo > tolerance * max(abs(hi), 1.0):
                mid = (lo + hi) / 2
                if rank_at(mid) <= k:
                    hi = mid
                else:
                    lo = mid
            if by_code[code].measure in ("checklist", "feature_ordinal"):
                hi = float(np.ceil(hi - 1e-9))  # a count of types is a whole number
            after = rank_at(hi)  # the check: the value found does reach rank k
            row.update(needed=hi, change=hi - (now if pd.notna(now) else 0.0), rank_after=after,
                       reaches=bool(after <= k))
        rows.append(row)
    return pd.DataFrame(rows)


def _upper_bound(indicator, column: pd.Series, lo: float) -> float:
    """The largest value an indicator can take: a checklist has as many types as items, an
    ordinal scale its top level; money and ages are searched up to 100 times the largest known."""
    if indicator.measure == "checklist":
        return float(len(indicator.items))
    if indicator.measure == "feature_ordinal":
        return max(score for _, score in indicator.levels)
    return max(float(column.max()), abs(lo), 1.0) * 100


def describe_change(a: Assessment, row: pd.Series) -> str:
    """A lift in words: "博士生可得现金（市级）：从 13.0万元 提高到 41.2万元（+28.2万元）"."""
    from benchmark.report.tables import yuan

    ind = next(i for i in a.framework.indicators if i.code == row["indicator"])
    fmt = (lambda v: f"{v:g}") if ind.is_count else yuan
    now = "未知" if pd.isna(row["current"]) else fmt(row["current"])
    return f"{row['name']}：从 {now} 提高到 {fmt(row['needed'])}"


def with_indicator(a: Assessment, city: str, code: str, value: float) -> Assessment:
    """The assessment with one indicator value of one city set (a checked what-if)."""
    return a.variant(overrides={**a.inputs.overrides, (city, code): value})

