"""Provisions -> profile values: what one standard person receives in a city, line by line.

The rules are ``shared/spec/valuation.md``: a profile (a current-year bachelor, master or PhD
graduate) receives, over a 36-month horizon, the confirmed cash provisions that apply to them;
offers of the same benefit are alternatives, a person rents *or* buys, and benefits the text
says cannot be combined count once. City-wide offers and one district's offers are valued
separately (scope ``city`` and ``district``), so that a summary's district detail never
inflates a city's own package.

Every value comes with its line items: the provisions counted and the provisions considered
but left out, each with the rule that left it out. Pure functions over DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource

SCOPES = ("city", "district")
VALUE_COLUMNS = ["city", "profile", "scope", "district", "value_cny", "n_items", "flags"]
ITEM_COLUMNS = [
    "city", "profile", "scope", "district", "counted", "rule", "benefit", "tier", "place",
    "amount_cny", "amount_max_cny", "period", "duration_months", "months_counted", "value_cny",
    "flags", "conditions", "relations", "status", "doc", "start", "end", "evidence", "source_url",
    "source_date",
]
# Why a provision was considered but not counted (the explain listing shows these in words).
RULES = {
    "status": "rule 1: not confirmed by the source (待复核/旧口径)",
    "tier": "rule 1: its talent group is not this profile",
    "age": "rule 1: the profile is above the stated age limit",
    "condition": "rule 1: a stated condition the profile does not meet",
    "benefit": "rule 2: not paid to the person for arriving (funding/reward)",
    "province": "scope: a provincial programme, the same in every city of the province",
    "district": "scope: a district's offer, not city-wide",
    "other_district": "scope: another district's offer",
    "alternative": "rule 4: a smaller offer of the same benefit (alternatives: the largest counts)",
    "exclusive": "rule 6: the text says it cannot be combined with a larger benefit",
    "housing": "rule 5: a person rents or buys: the larger housing benefit counts",
}


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    degree: str | None = None  # a graduate profile's degree tier
    age: int | None = None
    rung: str | None = None  # a high-level profile's rung of the ladder crosswalk


@dataclass(frozen=True)
class ProfileSpec:
    profiles: tuple[Profile, ...]  # the default set (graduates)
    horizon_months: int = 36
    default_months: int = 12
    counted_benefits: tuple[str, ...] = ()
    housing_benefits: tuple[str, ...] = ("rent_subsidy", "housing_purchase")
    open_tiers: tuple[str, ...] = ("graduate", "any", "young")
    # condition code -> does it exclude these profiles (age limits are decided by age)
    excluding_conditions: frozenset[str] = frozenset()
    ladder: tuple[Profile, ...] = ()  # high-level profiles, valued on request

    def profile(self, code: str) -> Profile:
        for p in (*self.profiles, *self.ladder):
            if p.code == code:
                return p
        raise TalentbenchError(f"unknown profile {code!r}; choose from "
                               f"{', '.join([*self.codes, *(p.code for p in self.ladder)])}")

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.profiles]


def _whole(value: object, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TalentbenchError(f"{where}: {what} must be a positive whole number, not {value!r}")
    return value


def excluding_conditions() -> frozenset[str]:
    """Condition codes (``school=double_first_class``) or code families (``industry``) that
    exclude the graduate profiles: the ``excludes_profiles`` flags of the condition vocabulary
    (``resources/dataset/conditions.yaml``, read and checked by benchmark.provisions.context)."""
    from benchmark.provisions.context import default_vocabulary

    return frozenset(c.code for c in default_vocabulary().conditions.values() if c.excludes_profiles)


def condition_labels() -> dict[str, str]:
    """Chinese label of each condition code (for reports)."""
    from benchmark.provisions.context import default_vocabulary

    return {c.code: c.label for c in default_vocabulary().conditions.values()}


def load_profiles(path: Path | str | None = None) -> ProfileSpec:
    """The profile definitions (default: the packaged version-1 profiles), validated."""
    from benchmark.indicator_framework import vocabulary

    path = Path(path) if path else resource("framework", "profiles.yaml")
    raw = read_yaml(path, "profile spec")
    where = f"profile spec {path.name}"
    if not isinstance(raw, dict) or not isinstance(raw.get("profiles"), list) or not raw["profiles"]:
        raise TalentbenchError(f"{where}: needs a non-empty list under 'profiles'")
    vocab = vocabulary()
    profiles = []
    for entry in raw["profiles"]:
        if not isinstance(entry, dict) or not {"code", "degree", "age"} <= set(entry):
            raise TalentbenchError(f"{where}: each profile needs code, degree and age")
        if entry["degree"] not in vocab.tiers:
            raise TalentbenchError(f"{where}: profile {entry['code']}: unknown degree {entry['degree']!r}")
        profiles.append(Profile(str(entry["code"]), str(entry.get("name", entry["code"])),
                                entry["degree"], _whole(entry["age"], "age", where)))
    from benchmark.ladder import RUNGS

    ladder = []
    for entry in raw.get("ladder") or []:
        if not isinstance(entry, dict) or entry.get("rung") not in RUNGS:
            raise TalentbenchError(f"{where}: each ladder profile needs a rung from {', '.join(RUNGS)}")
        ladder.append(Profile(str(entry.get("code", entry["rung"])), str(entry.get("name", entry["rung"])),
                              rung=entry["rung"]))
    codes = [p.code for p in (*profiles, *ladder)]
    if len(set(codes)) != len(codes):
        raise TalentbenchError(f"{where}: profile codes must be unique")
    benefits = tuple(raw.get("counted_benefits") or ())
    unknown = sorted((set(benefits) | set(raw.get("housing_benefits") or ())) - set(vocab.benefits))
    if unknown:
        raise TalentbenchError(f"{where}: not in the provision vocabulary: {', '.join(unknown)}")
    return ProfileSpec(
        profiles=tuple(profiles),
        horizon_months=_whole(raw.get("horizon_months", 36), "horizon_months", where),
        default_months=_whole(raw.get("default_months", 12), "default_months", where),
        counted_benefits=benefits,
        ladder=tuple(ladder),
        housing_benefits=tuple(raw.get("housing_benefits") or ("rent_subsidy", "housing_purchase")),
        open_tiers=tuple(raw.get("open_tiers") or ("graduate", "any", "young")),
        excluding_conditions=excluding_conditions(),
    )


# -- reading the provisions' context columns ------------------------------------------------


def age_limit(conditions: list[str]) -> int | None:
    limits = [int(float(c.split("=", 1)[1])) for c in conditions if c.startswith("age_max=")]
    return min(limits) if limits else None


def unmet_condition(conditions: list[str], profile: Profile, excluding: frozenset[str]) -> str | None:
    """The first stated condition the profile does not meet, or None."""
    limit = age_limit(conditions)
    if limit is not None and profile.age is not None and profile.age > limit:
        return f"age_max={limit}"
    for code in conditions:
        family = code.split("=", 1)[0]
        if code in excluding or family in excluding:
            return code
    return None


def exclusive_sets(relations: list[str]) -> list[frozenset[str]]:
    return [frozenset(r.split(":", 1)[1].split("+")) for r in relations if r.startswith("exclusive:")]


def stacking_sets(relations: list[str]) -> list[frozenset[str]]:
    return [frozenset(r.split(":", 1)[1].split("+")) for r in relations if r.startswith("stacks:")]


# -- valuing one provision ------------------------------------------------------------------


def provision_value(row: pd.Series, spec: ProfileSpec) -> tuple[float, float | None, list[str]]:
    """(yuan over the horizon, months counted or None for one-off amounts, flags) of one provision."""
    flags = []
    amount = row["amount_cny"]
    if pd.notna(row.get("amount_max_cny")) and row["amount_max_cny"] > amount:
        amount = row["amount_max_cny"]
        flags.append("range_max")
    is_cap = row.get("is_cap")
    if is_cap is True or (isinstance(is_cap, np.bool_) and bool(is_cap)):
        flags.append("cap")
    if row["period"] == "once":
        return float(amount), None, flags
    duration = row.get("duration_months")
    if pd.isna(duration):
        duration = spec.default_months
        flags.append("duration_assumed")
    months = min(int(duration), spec.horizon_months)
    if row["period"] == "month":
        return float(amount) * months, float(months), flags
    # paid once a year: whole years only; a yearly amount stated for less than a year is paid once
    years = max(1, months // 12)
    return float(amount) * years, float(years * 12), flags


# -- the valuation --------------------------------------------------------------------------


@dataclass
class Valuation:
    """Profile values and their line items."""

    values: pd.DataFrame  # one row per (city, profile, scope): VALUE_COLUMNS
    items: pd.DataFrame  # one row per (city, profile, scope, provision considered): ITEM_COLUMNS

    def explain(self, city: str, profile: str, scope: str = "city") -> pd.DataFrame:
        rows = self.items[(self.items["city"] == city) & (self.items["profile"] == profile)
                          & (self.items["scope"] == scope)]
        return rows.sort_values(["counted", "value_cny"], ascending=[False, False], kind="stable")

    def wide(self, scope: str = "city") -> pd.DataFrame:
        """city x profile table of values at one scope (NaN = unknown)."""
        rows = self.values[self.values["scope"] == scope]
        return rows.pivot(index="city", columns="profile", values="value_cny")


def _best_offer(group: list[dict], stacked: bool) -> list[dict]:
    """The items of one benefit that count together at one place (rules 4 and 6).

    Offers of the city and offers of the district are alternatives, unless a district offer is
    stated to come on top of the city's (then city + top-up is one alternative); within one
    level, offers add up only where the text says so (``stacks``). The largest alternative wins.
    """
    def level(items: list[dict]) -> list[dict]:
        return list(items) if stacked else items[:1]

    city = [i for i in group if i["place"] == ""]
    on_top = [i for i in group if i["place"] != "" and "on_top_of_city" in i["relation_codes"]]
    standalone = [i for i in group if i["place"] != "" and i not in on_top]
    options = [level(city), level(standalone)]
    if city and on_top:
        options.append(level(city) + level(on_top))
    elif on_top:
        options.append(level(on_top))
    return max((o for o in options if o), key=lambda o: sum(i["value_cny"] for i in o))


def _combine(items: list[dict], spec: ProfileSpec) -> None:
    """Mark which eligible items of one place count (in place): rules 4, 6 and 5, in that order.

    The relations that apply are those stated on the place's own eligible items.
    """
    relations = sorted({r for i in items for r in i["relation_codes"]})
    stacks = stacking_sets(relations)
    by_benefit: dict[str, list[dict]] = {}
    for item in items:
        by_benefit.setdefault(item["benefit"], []).append(item)
    totals: dict[str, float] = {}
    for benefit, group in by_benefit.items():
        group.sort(key=lambda i: i["value_cny"], reverse=True)
        chosen = _best_offer(group, frozenset({benefit}) in stacks)
        for item in group:
            if not any(item is c for c in chosen):
                item.update(counted=False, rule="alternative")
        totals[benefit] = sum(i["value_cny"] for i in chosen)

    def drop(benefit: str, rule: str) -> None:
        for item in by_benefit[benefit]:
            if item["counted"]:
                item.update(counted=False, rule=rule)
        totals.pop(benefit, None)

    for group in exclusive_sets(relations):
        present = sorted((b for b in group if b in totals), key=lambda b: totals[b], reverse=True)
        for benefit in present[1:]:
            drop(benefit, "exclusive")
    housing = sorted((b for b in spec.housing_benefits if b in totals), key=lambda b: totals[b], reverse=True)
    if len(housing) > 1 and frozenset(housing) not in stacks:
        for benefit in housing[1:]:
            drop(benefit, "housing")


class ProfileValuation:
    """Value every city's confirmed provisions for each profile, at city and district scope.

    Parameters
    ----------
    spec : ProfileSpec, optional
        Profiles, horizon and counted benefits (default: ``resources/framework/profiles.yaml``).
    statuses : tuple of str
        Which source marks count (rule 1: confirmed only; ``to_check`` on request).
    """

    def __init__(self, spec: ProfileSpec | None = None, statuses: tuple[str, ...] = ("confirmed",)):
        self.spec = spec
        self.statuses = statuses

    def transform(self, provisions: pd.DataFrame, features: pd.DataFrame | None = None,
                  cities: list[str] | None = None, profiles: list[str] | None = None) -> Valuation:
        spec = self.spec or load_profiles()
        chosen = [spec.profile(p) for p in profiles] if profiles else list(spec.profiles)
        cities = list(cities) if cities is not None else sorted(provisions["city"].unique())
        stated_none = _stated_none(features, self.statuses)
        by_city = {c: g for c, g in provisions.groupby("city", sort=False)}
        values, items = [], []
        for city in cities:
            rows = by_city.get(city, provisions.iloc[0:0])
            for profile in chosen:
                v, i = self._city_profile(city, rows, profile, spec, city in stated_none)
                values += v
                items += i
        values_df = pd.DataFrame(values, columns=VALUE_COLUMNS)
        values_df["value_cny"] = values_df["value_cny"].astype(float)
        values_df["n_items"] = values_df["n_items"].astype(int)
        return Valuation(values_df, pd.DataFrame(items, columns=ITEM_COLUMNS))

    @staticmethod
    def _applies(tier: str, profile: Profile, spec: ProfileSpec, rung_tiers: frozenset[str]) -> bool:
        if profile.rung is not None:  # a high-level profile: the city's categories on its rung
            # with no category of the city known on this rung, nothing can be said of it
            return bool(rung_tiers) and (tier in rung_tiers or tier == "any")
        return tier == profile.degree or tier in spec.open_tiers

    def _considered(self, rows: pd.DataFrame, profile: Profile, spec: ProfileSpec,
                    rung_tiers: frozenset[str] = frozenset()) -> list[dict]:
        """Every provision of the city with its value and, if it cannot count, the rule why."""
        from benchmark.provisions.context import split_codes

        out = []
        for _, row in rows.iterrows():
            value, months, flags = provision_value(row, spec)
            conditions = split_codes(row.get("conditions"))
            relations = split_codes(row.get("relations"))
            scope = row.get("scope")
            item = {
                "benefit": row["benefit"], "tier": row["tier"],
                "place": str(row["district"]) if scope == "district" and pd.notna(row["district"]) else "",
                "amount_cny": row["amount_cny"], "amount_max_cny": row.get("amount_max_cny"),
                "period": row["period"], "duration_months": row.get("duration_months"),
                "months_counted": months, "value_cny": value, "flags": ";".join(flags),
                "conditions": ";".join(conditions), "relations": ";".join(relations),
                "relation_codes": relations, "status": row["status"], "doc": row.get("doc"),
                "start": row.get("start"), "end": row.get("end"), "evidence": row.get("evidence"),
                "source_url": row.get("source_url"), "source_date": row.get("source_date"),
                "counted": True, "rule": "",
            }
            unmet = unmet_condition(conditions, profile, spec.excluding_conditions)
            if row["status"] not in self.statuses:
                item.update(counted=False, rule="status")
            elif scope == "province":
                item.update(counted=False, rule="province")
            elif not self._applies(row["tier"], profile, spec, rung_tiers):
                item.update(counted=False, rule="tier")
            elif unmet is not None:
                item.update(counted=False, rule="age" if unmet.startswith("age_max") else "condition",
                            flags=";".join([*flags, f"unmet:{unmet}"]))
            elif row["benefit"] not in spec.counted_benefits:
                item.update(counted=False, rule="benefit")
            out.append(item)
        return out

    def _city_profile(self, city: str, rows: pd.DataFrame, profile: Profile, spec: ProfileSpec,
                      stated_none: bool) -> tuple[list[dict], list[dict]]:
        considered = self._considered(rows, profile, spec, _rung_tiers(city, profile))
        # a stated absence of city-wide cash concerns ordinary graduates, not high-level talent
        stated_none = stated_none and profile.rung is None
        values, items = [], []
        # city scope: the city's own offers; district offers are listed as such
        city_items = [dict(i) for i in considered]
        for item in city_items:
            if item["counted"] and item["place"] != "":
                item.update(counted=False, rule="district")
        eligible = [i for i in city_items if i["counted"]]
        _combine(eligible, spec)
        counted = [i for i in city_items if i["counted"]]
        value = sum(i["value_cny"] for i in counted) if counted else (0.0 if stated_none else np.nan)
        flags = _value_flags(counted) + (["stated_none"] if not counted and stated_none else [])
        values.append({"city": city, "profile": profile.code, "scope": "city", "district": None,
                       "value_cny": value, "n_items": len(counted), "flags": ";".join(flags)})
        items += [_item_row(city, profile, "city", None, i) for i in city_items]
        # district scope: the best district, its offers combined with the city's (rule 6)
        districts = sorted({i["place"] for i in considered if i["place"] != "" and i["status"] in self.statuses})
        best = None
        for district in districts:
            here = [dict(i) for i in considered]
            for item in here:
                if item["counted"] and item["place"] not in ("", district):
                    item.update(counted=False, rule="other_district")
            eligible = [i for i in here if i["counted"]]
            _combine(eligible, spec)
            counted_here = [i for i in here if i["counted"]]
            total = sum(i["value_cny"] for i in counted_here) if counted_here else np.nan
            if best is None or (not np.isnan(total) and (np.isnan(best[1]) or total > best[1])):
                best = (district, total, here, counted_here)
        if best is not None:
            district, total, here, counted_here = best
            if np.isnan(total) and stated_none:
                total = 0.0
            values.append({"city": city, "profile": profile.code, "scope": "district",
                           "district": district, "value_cny": total, "n_items": len(counted_here),
                           "flags": ";".join(_value_flags(counted_here))})
            items += [_item_row(city, profile, "district", district, i) for i in here]
        else:
            values.append({"city": city, "profile": profile.code, "scope": "district", "district": None,
                           "value_cny": np.nan, "n_items": 0, "flags": "no_district_provisions"})
        return values, items


@lru_cache(maxsize=1)
def _crosswalk() -> pd.DataFrame:
    from benchmark.ladder import load_crosswalk

    return load_crosswalk()


def _rung_tiers(city: str, profile: Profile) -> frozenset[str]:
    """The city's tiers on the profile's rung, leaving out a tier its texts put on several rungs
    (a provision coded with such a tier cannot say which rung it pays)."""
    if profile.rung is None:
        return frozenset()
    from benchmark.ladder import rung_tiers

    walk = _crosswalk()
    if city not in set(walk["city"]):
        return frozenset()
    by_rung = rung_tiers(walk, city)
    mine = set(by_rung[profile.rung])
    elsewhere = {t for rung, tiers in by_rung.items() if rung != profile.rung for t in tiers}
    return frozenset(mine - elsewhere)


def _value_flags(counted: list[dict]) -> list[str]:
    return sorted({f for i in counted for f in i["flags"].split(";") if f})


def _item_row(city: str, profile: Profile, scope: str, district: str | None, item: dict) -> dict:
    row = {k: v for k, v in item.items() if k != "relation_codes"}
    return {**row, "city": city, "profile": profile.code, "scope": scope, "district": district}


def _stated_none(features: pd.DataFrame | None, statuses: tuple[str, ...]) -> set[str]:
    """Cities whose source states that the city offers no city-wide cash subsidy (rule 7: 0)."""
    if features is None or not len(features):
        return set()
    rows = features[(features["feature"] == "no_citywide_cash_subsidy") & features["status"].isin(statuses)
                    & (features["value"].astype(str).str.lower() == "true")]
    return set(rows["city"])


def value_profiles(provisions: pd.DataFrame, features: pd.DataFrame | None = None,
                   spec: ProfileSpec | None = None, statuses: tuple[str, ...] = ("confirmed",),
                   cities: list[str] | None = None, profiles: list[str] | None = None) -> Valuation:
    """Convenience wrapper: ``ProfileValuation(spec, statuses).transform(...)``."""
    return ProfileValuation(spec, statuses).transform(provisions, features, cities, profiles)
