"""Coverage of the dataset per registry city, so that a gap is never read as a zero."""

from __future__ import annotations

import pandas as pd

from benchmark.city_registry import load_cities

COVERAGE_COLUMNS = ["city", "province", "level", "n_provisions", "n_features", "n_sources",
                    "latest_source_date", "n_confirmed", "n_to_check", "n_old_rule", "in_corpus"]


def coverage(
    provisions: pd.DataFrame | None = None,
    features: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per registry city: how many provisions and features are known, from how many
    distinct source URLs, and the most recent source date (empty when none is known)."""
    from benchmark.dataset.tables import load_features, load_provisions

    provisions = load_provisions() if provisions is None else provisions
    features = load_features() if features is None else features
    cities = load_cities() if cities is None else cities
    rows = []
    for _, c in cities.iterrows():
        p = provisions[provisions["city"] == c["city"]]
        f = features[features["city"] == c["city"]]
        urls = pd.concat([p["source_url"], f["source_url"]]).dropna()
        dates = pd.concat([p["source_date"], f["source_date"]]).dropna().astype(str)
        dates = dates[dates.str.match(r"^\d{4}-\d{2}-\d{2}$")]
        status = p["status"].value_counts()
        rows.append({
            "city": c["city"],
            "province": c["province"],
            "level": c["admin_level"],
            "n_provisions": len(p),
            "n_features": len(f),
            "n_sources": urls.nunique(),
            "latest_source_date": dates.max() if len(dates) else pd.NA,
            "n_confirmed": int(status.get("confirmed", 0)),
            "n_to_check": int(status.get("to_check", 0)),
            "n_old_rule": int(status.get("old_rule", 0)),
            "in_corpus": c["in_corpus"],
        })
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
