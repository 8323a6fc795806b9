"""The peer-city registry: which cities are benchmarked and where each publishes its policies.

``resources/registry/cities.csv``: city, city_full, province, admin_level, new_first_tier,
census_code, in_corpus. ``resources/registry/entry_points.csv``: city, kind, url, cited_in,
example_url. Schemas in ``resources/registry/schema.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.paths import resource

ADMIN_LEVELS = ("municipality", "sub_provincial", "provincial_capital", "prefecture")
ENTRY_KINDS = ("hrss", "talent_office", "housing", "gov_xxgk", "other")
CITY_COLUMNS = ["city", "city_full", "province", "admin_level", "new_first_tier", "census_code",
                "in_corpus"]
ENTRY_COLUMNS = ["city", "kind", "url", "cited_in", "example_url"]


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise TalentbenchError(f"registry table not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TalentbenchError(f"{path.name}: missing columns {', '.join(missing)}")
    return df


def _bool(s: pd.Series) -> pd.Series:
    return s.str.lower().map({"true": True, "false": False}).astype("boolean")


def load_cities(path: Path | None = None) -> pd.DataFrame:
    """One row per registry city (short name ``city`` is the join key everywhere)."""
    df = _read(path or resource("registry", "cities.csv"), CITY_COLUMNS)
    bad = df.loc[~df["admin_level"].isin(ADMIN_LEVELS), "city"].tolist()
    if bad:
        raise TalentbenchError(f"cities.csv: unknown admin_level for {bad}")
    if df["city"].duplicated().any():
        raise TalentbenchError(f"cities.csv: duplicate city {df.loc[df['city'].duplicated(), 'city'].tolist()}")
    df["new_first_tier"] = _bool(df["new_first_tier"])
    df["in_corpus"] = _bool(df["in_corpus"])
    return df[CITY_COLUMNS]


def load_entry_points(path: Path | None = None) -> pd.DataFrame:
    """Official entry points (人社局, 人才办, 住建局, 政府信息公开) per city, as cited in the corpus."""
    df = _read(path or resource("registry", "entry_points.csv"), ENTRY_COLUMNS[:3])
    bad = sorted(set(df["kind"]) - set(ENTRY_KINDS))
    if bad:
        raise TalentbenchError(f"entry_points.csv: unknown kind(s) {bad}")
    return df.reindex(columns=ENTRY_COLUMNS)
