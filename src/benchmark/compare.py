"""Focus city against its peers, item by item, on the valuation's line items.

Every statement of the comparison is backed by both cities' line items: a value is the sum of
the counted provisions of that benefit; where nothing is counted, the cell says why (only a
district offers it, it is for other talent groups, a stated condition, a combination rule) and
says "无数据" only when no confirmed provision of that benefit exists for the city at any scope
and tier. Pure functions over DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmark.valuation import Valuation

NO_DATA = "无数据"
STATED_NONE = "来源声明市级无普惠现金补贴"
TOTAL = "total"
_REASONS = {
    "district": "仅区级",
    "tier": "仅面向其他人才类别",
    "age": "有年龄限制",
    "condition": "有限定条件",
    "province": "仅省级政策",
    "exclusive": "与其他补贴互斥，未计入",
    "housing": "租购择一，未计入",
    "benefit": "非个人到岗补贴",
}
COMPARISON_COLUMNS = ["profile", "benefit", "city", "value_cny", "note", "source_urls"]


# Which reason explains an uncounted benefit best: one that concerns this very person first.
_PRIORITY = ["exclusive", "housing", "district", "age", "condition", "province", "benefit", "tier"]


def _condition_label(code: str) -> str:
    from benchmark.valuation import condition_labels

    family, _, value = code.partition("=")
    labels = condition_labels()
    if code in labels:
        return labels[code]
    return f"{labels.get(family, family)}{'：' + value if value else ''}"


def why_not_counted(items: pd.DataFrame, statuses: tuple[str, ...] = ("confirmed",)) -> str:
    """Why a benefit has no counted value for a city and profile, in words, from its line items.

    ``items``: the line items of that city, profile, scope and benefit (none of them counted).
    """
    known = items[items["status"].isin(statuses)]
    if not len(known):
        return NO_DATA
    order = known["rule"].map({r: i for i, r in enumerate(_PRIORITY)}).fillna(len(_PRIORITY))
    best = known.assign(_order=order).sort_values(["_order", "value_cny"], ascending=[True, False]).iloc[0]
    reason = _REASONS.get(best["rule"], "未计入")
    if best["rule"] == "district":
        from benchmark.report.tables import yuan

        reason += f"（{best['place']} {yuan(best['value_cny'])}）"
    elif best["rule"] in ("age", "condition"):
        unmet = [f.removeprefix("unmet:") for f in str(best["flags"]).split(";") if f.startswith("unmet:")]
        reason += f"（{'、'.join(_condition_label(c) for c in unmet)}）" if unmet else ""
    elif best["rule"] == "tier":
        from benchmark.indicator_framework import vocabulary

        names = vocabulary().tiers
        tiers = sorted(set(known.loc[known["rule"] == "tier", "tier"]))
        reason += f"（{'、'.join(names.get(t, t) for t in tiers[:3])}{'等' if len(tiers) > 3 else ''}）"
    return reason


def line_item_comparison(valuation: Valuation, cities: list[str], profiles: list[str],
                         benefits: list[str], statuses: tuple[str, ...] = ("confirmed",)) -> pd.DataFrame:
    """Long table: one row per (profile, benefit or ``total``, city) at city scope.

    ``value_cny`` is the counted value (NaN when nothing counts), ``note`` says why not, and
    ``source_urls`` lists the official pages of the counted provisions.
    """
    items = valuation.items[(valuation.items["scope"] == "city") & valuation.items["city"].isin(cities)]
    values = valuation.values[(valuation.values["scope"] == "city")].set_index(["city", "profile"])
    rows = []
    for profile in profiles:
        for city in cities:
            mine = items[(items["city"] == city) & (items["profile"] == profile)]
            # the source states the city pays no city-wide cash of this kind (valuation rule 7)
            stated_none = "stated_none" in str(values["flags"].get((city, profile), ""))
            for benefit in benefits:
                these = mine[mine["benefit"] == benefit]
                counted = these[these["counted"]]
                value = counted["value_cny"].sum() if len(counted) else np.nan
                note = "" if len(counted) else why_not_counted(these, statuses)
                if stated_none and note == NO_DATA:
                    value, note = 0.0, ""
                rows.append({"profile": profile, "benefit": benefit, "city": city, "value_cny": value,
                             "note": note, "source_urls": " ".join(sorted(set(counted["source_url"].dropna())))})
            total = values["value_cny"].get((city, profile), np.nan)
            rows.append({"profile": profile, "benefit": TOTAL, "city": city, "value_cny": total,
                         "note": STATED_NONE if stated_none else
                         ("" if pd.notna(total) else why_not_counted(mine, statuses)),
                         "source_urls": " ".join(sorted(set(mine.loc[mine["counted"], "source_url"].dropna())))})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def focus_summary(long: pd.DataFrame, focus: str, peers: list[str]) -> pd.DataFrame:
    """One row per (profile, benefit): the focus city's value, each peer's, and who out-bids it.

    A row is kept when some city has a counted value or the focus city has a confirmed
    provision of that benefit that does not count (the table then says why).
    """
    rows = []
    for (profile, benefit), group in long.groupby(["profile", "benefit"], sort=False):
        by_city = group.set_index("city")
        if by_city["value_cny"].isna().all() and by_city.at[focus, "note"] == NO_DATA:
            continue
        own = by_city.at[focus, "value_cny"]
        others = by_city.loc[[p for p in peers if p in by_city.index], "value_cny"].dropna()
        rows.append({
            "profile": profile, "benefit": benefit, "focus_value": own,
            "focus_note": by_city.at[focus, "note"],
            **{f"peer:{p}": by_city.at[p, "value_cny"] for p in peers if p in by_city.index},
            **{f"note:{p}": by_city.at[p, "note"] for p in peers if p in by_city.index},
            "peer_median": others.median() if len(others) else np.nan,
            "outbid_by": ",".join(others[others > own].sort_values(ascending=False).index)
            if pd.notna(own) else "",
            # where the focal city's own value is unknown: the peers known to offer something
            # (a peer's stated 0 is not an offer the city lacks)
            "only_peers": ",".join(others[others > 0].sort_values(ascending=False).index)
            if pd.isna(own) else "",
            "focus_sources": by_city.at[focus, "source_urls"],
        })
    return pd.DataFrame(rows)


@dataclass
class FocusView:
    """A focal city against its peers: line-item comparison and the other indicators."""

    city: str
    peers: list[str]
    comparison: pd.DataFrame  # long: profile x benefit x city (line_item_comparison)
    summary: pd.DataFrame  # profile x benefit: focus vs each peer (focus_summary)
    items: pd.DataFrame  # the focus city's counted line items at city scope
    other: pd.DataFrame | None  # the non-profile indicators (clusters.peer_comparison)
    gaps: pd.DataFrame  # talent groups only the peers pay


def focus_view(a, focus: str) -> FocusView:
    """The focal city against its peers, item by item (any registry city can be the focus).

    ``a`` is a ``benchmark.assessment.Assessment``.
    """
    from benchmark.clusters import coverage_gaps, peer_comparison

    peers = a.peers_of(focus)
    codes = a.profile_spec.codes
    comparison = line_item_comparison(a.valuation, [focus, *peers], codes,
                                      list(a.profile_spec.counted_benefits), a.inputs.statuses)
    items = a.valuation.items
    other = [i.code for i in a.framework.indicators if not i.from_profiles]
    return FocusView(
        city=focus, peers=peers, comparison=comparison,
        summary=focus_summary(comparison, focus, peers),
        items=items[(items["city"] == focus) & (items["scope"] == "city") & items["counted"]
                    & items["profile"].isin(codes)],
        other=peer_comparison(a.matrix[other], focus, peers) if focus in a.matrix.index else None,
        gaps=coverage_gaps(a.usable, focus, peers))
