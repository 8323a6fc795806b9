"""City statistics for the registry cities from the 2010/2020 census table.

Derived terms are ratios of census figures; nothing is filled in where the census is silent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CENSUS_SOURCE = "第六次、第七次全国人口普查公报（城市汇编，见 shared/data/census_city_2010_2020.csv）"
STAT_COLUMNS = [
    "city", "census_code", "popu_2020", "popu_2010", "popu_growth",
    "urbanisation", "urbanisation_2010", "household_size_2020", "sex_ratio_2020",
    "age_0_14_2020", "age_15_59_2020", "age_60_plus_2020", "age_65_plus_2020",
    "age_15_59_change_2010_2020", "source",
    "talent_attraction_index_2019", "talent_attraction_index_2021", "talent_attraction_rank_2022",
    "talent_attraction_source",
]
RANKING_SOURCE = ("中国城市人才吸引力排名 2020/2022/2023 (智联招聘 with 恒大研究院 / 泽平宏观), "
                  "shared/data/talent_attraction_rankings.csv; an outcome measure, not a policy input")


def with_rankings(stats: pd.DataFrame, rankings: pd.DataFrame) -> pd.DataFrame:
    """Add the talent-attraction outcome (index 2019, 2021; rank 2022); unranked cities stay NaN."""
    out = stats.copy()
    r = rankings.astype({"data_year": int})
    for year, col, field in ((2019, "talent_attraction_index_2019", "index"),
                             (2021, "talent_attraction_index_2021", "index"),
                             (2022, "talent_attraction_rank_2022", "rank")):
        values = r[r["data_year"] == year].set_index("city")[field]
        out[col] = pd.to_numeric(out["city"].map(values), errors="coerce")
    ranked = out[["talent_attraction_index_2019", "talent_attraction_index_2021",
                  "talent_attraction_rank_2022"]].notna().any(axis=1)
    out["talent_attraction_source"] = np.where(ranked, RANKING_SOURCE, None)
    out["talent_attraction_rank_2022"] = out["talent_attraction_rank_2022"].astype("Int64")
    return out[STAT_COLUMNS]


def city_stats(cities: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """One row per registry city: population, growth, urbanisation and age structure.

    ``cities`` needs city and census_code; ``census`` is the shared census table.
    Column names follow the census table (``popu_2020``); ``popu_growth`` is 2010→2020 growth and
    ``urbanisation`` the 2020 urban share. Growth and urbanisation are fractions (0.12 = 12 %); age shares are percentages as published.
    """
    c = census.rename(columns={"city": "census_city"})
    c["city_code"] = c["city_code"].astype(str)
    num = [col for col in c.columns if col not in ("census_city", "city_code", "province", "province_code")]
    c[num] = c[num].apply(pd.to_numeric, errors="coerce")
    merged = cities[["city", "census_code"]].astype({"census_code": str}).merge(
        c, left_on="census_code", right_on="city_code", how="left"
    )
    out = pd.DataFrame({"city": merged["city"], "census_code": merged["census_code"]})
    out["popu_2020"] = merged["popu_2020"]
    out["popu_2010"] = merged["popu_2010"]
    out["popu_growth"] = merged["popu_2020"] / merged["popu_2010"] - 1
    out["urbanisation"] = merged["popu_urban_2020"] / merged["popu_2020"]
    out["urbanisation_2010"] = merged["popu_urban_2010"] / merged["popu_2010"]
    out["household_size_2020"] = merged["household_2020"]
    out["sex_ratio_2020"] = merged["male_female_2020"]
    out["age_0_14_2020"] = merged["age_0_14_2020"]
    out["age_15_59_2020"] = merged["age_15_59_2020"]
    out["age_60_plus_2020"] = merged["age_60_2020"]
    out["age_65_plus_2020"] = merged["age_65_2020"]
    out["age_15_59_change_2010_2020"] = merged["age_15_59_2020"] - merged["age_15_59_2010"]
    for col in ("popu_2020", "popu_2010"):
        out[col] = out[col].round().astype("Int64")
    for col in ("popu_growth", "urbanisation", "urbanisation_2010"):
        out[col] = out[col].round(6)
    out["age_15_59_change_2010_2020"] = out["age_15_59_change_2010_2020"].round(2)
    out["source"] = np.where(merged["popu_2020"].notna(), CENSUS_SOURCE, None)
    return out


def read_census(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / "census_city_2010_2020.csv", dtype={"city_code": str})
