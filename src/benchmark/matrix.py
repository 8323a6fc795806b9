"""Provisions -> feature matrix: one row per city, one column per indicator of the framework.

Pure functions over DataFrames. Unknown stays unknown: a city with no provision matching an
indicator gets NaN, which the index's impute and screen steps handle explicitly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.framework import Framework, Indicator

REQUIRED_COLUMNS = ("city", "scope", "tier", "benefit", "amount_cny", "amount_max_cny", "period",
                    "duration_months", "source_url")


def provision_values(provisions: pd.DataFrame, framework: Framework) -> pd.Series:
    """Comparable yuan value of each provision.

    One-off amounts count as stated (the upper end of a range: the most the text grants);
    recurring amounts are multiplied out over their stated duration, capped at the framework's
    horizon, or over ``default_months`` when no duration is stated.
    """
    amount = provisions["amount_max_cny"].fillna(provisions["amount_cny"]).astype(float)
    months = (
        provisions["duration_months"].astype(float).fillna(framework.default_months)
        .clip(upper=framework.horizon_months)
    )
    per_month = np.where(provisions["period"] == "year", amount / 12.0, amount)
    recurring = provisions["period"].isin(["month", "year"])
    return pd.Series(np.where(recurring, per_month * months, amount), index=provisions.index)


def _select(provisions: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    mask = pd.Series(True, index=provisions.index)
    if indicator.scope != "any":
        mask &= provisions["scope"] == indicator.scope
    if indicator.tiers:
        mask &= provisions["tier"].isin(indicator.tiers)
    if indicator.benefits:
        mask &= provisions["benefit"].isin(indicator.benefits)
    return provisions[mask]


def package_by_place(rows: pd.DataFrame) -> pd.Series:
    """What one person can combine, at the best place in each city.

    A place is the city as a whole or one of its districts; a district's package is the
    city-wide offers plus that district's own. Within a place, the most generous offer of each
    benefit type is added up; offers of two different districts are never added together.
    """
    district = rows["district"] if "district" in rows else pd.Series(None, index=rows.index, dtype=object)
    rows = rows.assign(place=district.astype(object).where(district.notna(), "").astype(str))
    districts = rows.loc[rows["place"] != "", ["city", "place"]].drop_duplicates()
    city_wide = rows[rows["place"] == ""].drop(columns="place")
    everywhere = city_wide.merge(districts, on="city")  # city-wide offers hold in every district
    expanded = pd.concat([rows, everywhere], ignore_index=True)
    per_place = expanded.groupby(["city", "place", "benefit"])["value_cny"].max().groupby(["city", "place"]).sum()
    return per_place.groupby("city").max()


def _measure(rows: pd.DataFrame, measure: str) -> pd.Series:
    if measure == "max_value":
        return rows.groupby("city")["value_cny"].max()
    if measure == "package_value":
        return package_by_place(rows)
    raise TalentbenchError(f"unknown measure {measure!r}")


def _feature_measure(features: pd.DataFrame, indicator: Indicator) -> pd.Series:
    rows = features[features["feature"].isin(indicator.features)]
    if indicator.scope != "any":
        rows = rows[rows["scope"] == indicator.scope]
    values = rows["value"].astype(str).str.strip().str.lower()
    if indicator.measure == "count_true":
        # Only what a source states is counted; a city with no stated feature stays unknown.
        return (values == "true").groupby(rows["city"]).sum().astype(float)
    if indicator.measure == "feature_value":
        return pd.to_numeric(values, errors="coerce").groupby(rows["city"]).max()
    if indicator.measure == "feature_ordinal":
        return values.map(dict(indicator.levels)).groupby(rows["city"]).max()
    raise TalentbenchError(f"unknown feature measure {indicator.measure!r}")


def check_provisions(provisions: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in provisions.columns]
    if missing:
        raise TalentbenchError(f"provisions table lacks columns: {', '.join(missing)}")


def build_matrix(
    provisions: pd.DataFrame,
    framework: Framework,
    cities: list[str] | None = None,
    features: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (matrix, provenance).

    ``matrix``: index = city, one float column per indicator, NaN where nothing is known.
    ``provenance``: one row per (city, indicator) that has a value, with the number of
    provisions (or features) behind it and their source URLs, so every cell can be traced.
    ``features``: the non-monetary features table (city, scope, feature, value, source_url),
    needed only when the framework has feature indicators.
    """
    check_provisions(provisions)
    if features is None:
        features = pd.DataFrame(columns=["city", "scope", "feature", "value", "source_url"])
    rows = provisions.assign(value_cny=provision_values(provisions, framework))
    cities = list(cities) if cities is not None else sorted(rows["city"].unique())
    columns, trace = {}, []
    for indicator in framework.indicators:
        if indicator.from_features:
            columns[indicator.code] = _feature_measure(features, indicator)
            selected = features[features["feature"].isin(indicator.features)]
            selected = selected[selected["city"].isin(columns[indicator.code].dropna().index)]
        else:
            selected = _select(rows, indicator)
            columns[indicator.code] = _measure(selected, indicator.measure) if len(selected) else pd.Series(dtype=float)
        for city, group in selected.groupby("city"):
            trace.append({
                "city": city,
                "indicator": indicator.code,
                "value": float(columns[indicator.code].get(city, np.nan)),
                "n_provisions": len(group),
                "source_urls": " ".join(sorted(set(group["source_url"].dropna()))),
            })
    matrix = pd.DataFrame(columns).reindex(index=cities).astype(float)
    matrix.index.name = "city"
    provenance = pd.DataFrame(trace, columns=["city", "indicator", "value", "n_provisions", "source_urls"])
    return matrix, provenance
