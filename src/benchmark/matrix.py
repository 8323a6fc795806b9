"""Profile values, provisions and features -> feature matrix: one row per city, one column per
indicator of the framework.

Pure functions over DataFrames. Unknown stays unknown: a city with nothing known for an
indicator gets NaN, which the index keeps as a gap (and its uncertainty analysis varies).
"""

from __future__ import annotations

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.indicator_framework import Framework, Indicator
from benchmark.valuation import Valuation, provision_value

REQUIRED_COLUMNS = ("city", "scope", "tier", "benefit", "amount_cny", "amount_max_cny", "period",
                    "duration_months", "source_url")
TRACE_COLUMNS = ["city", "indicator", "value", "n_provisions", "source_urls"]


def _profile_measure(valuation: Valuation, indicator: Indicator) -> tuple[pd.Series, pd.DataFrame]:
    """The indicator's values and the counted line items behind them."""
    values = valuation.values
    if indicator.measure == "profile_value":
        rows = values[(values["scope"] == "city") & (values["profile"] == indicator.profiles[0])]
        series = rows.set_index("city")["value_cny"]
        items = valuation.items[(valuation.items["scope"] == "city")
                                & (valuation.items["profile"] == indicator.profiles[0])]
        return series, items[items["counted"]]
    # district_topup: what the best district adds to the city's own value, per profile, averaged.
    # A city with no district offer known has no top-up to speak of: NaN, not 0.
    chosen = values[values["profile"].isin(indicator.profiles)]
    wide = chosen.pivot_table(index=["city", "profile"], columns="scope", values="value_cny", dropna=False)
    wide = wide.reindex(columns=["city", "district"])
    topup = (wide["district"] - wide["city"].fillna(0)).groupby(level="city").mean()
    items = valuation.items[(valuation.items["scope"] == "district")
                            & valuation.items["profile"].isin(indicator.profiles)]
    return topup, items[items["counted"] & (items["place"] != "")]


def _select(provisions: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    mask = pd.Series(True, index=provisions.index)
    if indicator.scope != "any":
        mask &= provisions["scope"] == indicator.scope
    if indicator.tiers:
        mask &= provisions["tier"].isin(indicator.tiers)
    if indicator.benefits:
        mask &= provisions["benefit"].isin(indicator.benefits)
    return provisions[mask]


def _feature_measure(features: pd.DataFrame, indicator: Indicator) -> tuple[pd.Series, pd.DataFrame]:
    rows = features[features["feature"].isin(indicator.features)]
    if indicator.scope != "any":
        rows = rows[rows["scope"] == indicator.scope]
    values = rows["value"].astype(str).str.strip().str.lower()
    if indicator.measure == "feature_value":
        return pd.to_numeric(values, errors="coerce").groupby(rows["city"]).max(), rows
    if indicator.measure == "feature_ordinal":
        return values.map(dict(indicator.levels)).groupby(rows["city"]).max(), rows
    raise TalentbenchError(f"unknown feature measure {indicator.measure!r}")


def _checklist(provisions: pd.DataFrame, features: pd.DataFrame, indicator: Indicator
               ) -> tuple[pd.Series, pd.DataFrame]:
    """How many of the checklist's types each city's sources confirm, each type counted once, at
    the indicator's scope (city-wide by default, so that district detail does not count).

    A city whose sources confirm none of them is unknown (NaN): silence is not a "no".
    """
    if indicator.scope != "any":
        provisions = provisions[provisions["scope"] == indicator.scope]
        features = features[features["scope"] == indicator.scope]
    present = []
    for item in indicator.items:
        if item.startswith("benefit:"):
            rows = provisions[provisions["benefit"] == item.removeprefix("benefit:")]
        else:
            rows = features[(features["feature"] == item)
                            & (features["value"].astype(str).str.strip().str.lower() == "true")]
        present.append(rows.assign(item=item)[["city", "item", "source_url"]])
    evidence = pd.concat(present, ignore_index=True)
    counts = evidence.drop_duplicates(["city", "item"]).groupby("city").size().astype(float)
    return counts, evidence


def check_provisions(provisions: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in provisions.columns]
    if missing:
        raise TalentbenchError(f"provisions table lacks columns: {', '.join(missing)}")


def provision_values(provisions: pd.DataFrame, horizon_months: int = 36, default_months: int = 12) -> pd.Series:
    """Yuan value of each provision over the horizon (valuation rule 3)."""
    from benchmark.valuation import ProfileSpec

    spec = ProfileSpec(profiles=(), horizon_months=horizon_months, default_months=default_months)
    return pd.Series([provision_value(row, spec)[0] for _, row in provisions.iterrows()],
                     index=provisions.index, dtype=float)


def build_matrix(
    provisions: pd.DataFrame,
    framework: Framework,
    valuation: Valuation,
    cities: list[str] | None = None,
    features: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (matrix, provenance).

    ``provisions``: the provisions that count (already filtered by status); ``valuation``: the
    profile values of the valuation stage; ``features``: the non-monetary features that count.
    ``matrix``: index = city, one float column per indicator, NaN where nothing is known.
    ``provenance``: one row per (city, indicator) with a value: how many provisions (or
    features) are behind it and their source URLs, so every cell can be traced.
    """
    check_provisions(provisions)
    if features is None:
        features = pd.DataFrame(columns=["city", "scope", "feature", "value", "source_url"])
    cities = list(cities) if cities is not None else sorted(provisions["city"].unique())
    columns, trace = {}, []
    for indicator in framework.indicators:
        if indicator.from_profiles:
            series, behind = _profile_measure(valuation, indicator)
        elif indicator.from_features:
            series, behind = _feature_measure(features, indicator)
        elif indicator.measure == "checklist":
            series, behind = _checklist(provisions, features, indicator)
        else:
            behind = _select(provisions, indicator)
            values = provision_values(behind)
            series = values.groupby(behind["city"]).max() if len(behind) else pd.Series(dtype=float)
        columns[indicator.code] = series
        known = series.dropna()
        if known.empty:  # nothing known (e.g. no city's provisions count): nothing to trace
            continue
        for city, group in behind[behind["city"].isin(known.index)].groupby("city"):
            trace.append({
                "city": city,
                "indicator": indicator.code,
                "value": float(known[city]),
                "n_provisions": len(group),
                "source_urls": " ".join(sorted(set(group["source_url"].dropna()))),
            })
        # a stated zero (valuation rule 7) has no provision behind it but is known
        for city in known.index.difference(behind["city"]):
            trace.append({"city": city, "indicator": indicator.code, "value": float(known[city]),
                          "n_provisions": 0, "source_urls": ""})
    matrix = pd.DataFrame(columns).reindex(index=cities).astype(float)
    matrix.index.name = "city"
    provenance = pd.DataFrame(trace, columns=TRACE_COLUMNS)
    provenance = provenance[provenance["city"].isin(cities)].reset_index(drop=True)
    return matrix, provenance
