"""The indicator framework and the provision vocabulary, loaded from versioned YAML and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource

PROFILE_MEASURES = {"profile_value", "district_topup"}
PROVISION_MEASURES = {"max_value"}
FEATURE_MEASURES = {"feature_value", "feature_ordinal"}
CHECKLIST_MEASURES = {"checklist"}
MEASURES = PROFILE_MEASURES | PROVISION_MEASURES | FEATURE_MEASURES | CHECKLIST_MEASURES
SCOPES = {"city", "district", "any"}


@dataclass(frozen=True)
class Vocabulary:
    tiers: dict[str, str]
    benefits: dict[str, str]
    periods: dict[str, str]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = read_yaml(resource("framework", "vocabulary.yaml"), "provision vocabulary")
    return Vocabulary(raw["tiers"], raw["benefits"], raw["periods"])


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    pillar: str
    measure: str
    direction: int = 1
    weight: float = 1.0
    tiers: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    scope: str = "city"
    features: tuple[str, ...] = ()  # for feature measures: which non-monetary features
    levels: tuple[tuple[str, float], ...] = ()  # for feature_ordinal: value -> score
    profiles: tuple[str, ...] = ()  # for profile measures: which profiles of the valuation stage
    items: tuple[str, ...] = ()  # for checklist: feature names or benefit:<benefit>

    @property
    def from_features(self) -> bool:
        return self.measure in FEATURE_MEASURES

    @property
    def from_profiles(self) -> bool:
        return self.measure in PROFILE_MEASURES

    @property
    def is_count(self) -> bool:
        """Plain numbers (counts, ages), not yuan."""
        return self.measure in FEATURE_MEASURES | CHECKLIST_MEASURES


@dataclass(frozen=True)
class Framework:
    index_code: str
    index_name: str
    pillars: pd.DataFrame  # code, name, weight
    indicators: tuple[Indicator, ...]
    min_coverage: float = 0.0
    source: str = field(default="", compare=False)

    def indicator_names(self) -> dict[str, str]:
        return {ind.code: ind.name for ind in self.indicators}

    def node_names(self) -> dict[str, str]:
        names = dict(zip(self.pillars["code"], self.pillars["name"], strict=True))
        names[self.index_code] = self.index_name
        return names | self.indicator_names()

    def thin_indicators(self, matrix: pd.DataFrame) -> list[str]:
        """Indicators known for fewer than ``min_coverage`` of the matrix's cities.

        Imputation can fill a few gaps honestly, not a column that is mostly guesses.
        """
        coverage = matrix[[ind.code for ind in self.indicators]].notna().mean()
        return coverage[coverage < self.min_coverage].index.tolist()

    def imeta(self, exclude: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
        """The framework as a COINr iMeta table (Level 1 = indicators, 2 = pillars, 3 = index).

        ``exclude`` leaves indicators out; a pillar left with no indicator goes too.
        """
        kept = [ind for ind in self.indicators if ind.code not in set(exclude)]
        rows = [
            {"Level": 1, "iCode": ind.code, "iName": ind.name, "Direction": ind.direction,
             "Weight": ind.weight, "Parent": ind.pillar, "Type": "Indicator"}
            for ind in kept
        ]
        rows += [
            {"Level": 2, "iCode": p.code, "iName": p.name, "Direction": 1, "Weight": p.weight,
             "Parent": self.index_code, "Type": "Aggregate"}
            for p in self.pillars.itertuples()
            if any(ind.pillar == p.code for ind in kept)
        ]
        rows.append({"Level": 3, "iCode": self.index_code, "iName": self.index_name,
                     "Direction": 1, "Weight": 1.0, "Parent": None, "Type": "Aggregate"})
        return pd.DataFrame(rows)


def _number(value: object, what: str, where: str, low: float, high: float) -> float:
    """A finite number within [low, high], or a one-line error naming the file and the key."""
    import math

    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TalentbenchError(f"{where}: {what} must be a number, not {value!r}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise TalentbenchError(f"{where}: {what} must be a finite number from {low:g} to {high:g}, not {value!r}")
    return number


def _require(mapping: dict, key: str, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise TalentbenchError(f"{where}: missing required key {key!r}")
    return mapping[key]


def load_framework(path: Path | str | None = None) -> Framework:
    """Load and validate an indicator framework YAML (default: the packaged talent-policy index)."""
    path = Path(path) if path else resource("framework", "talent_policy_index.yaml")
    raw = read_yaml(path, "framework file")
    where = f"framework {path.name}"
    index = _require(raw, "index", where)
    entries = _require(raw, "indicators", where)
    pillar_list = _require(raw, "pillars", where)
    if not isinstance(pillar_list, list) or not pillar_list:
        raise TalentbenchError(f"{where}: 'pillars' must be a non-empty list")
    pillars = pd.DataFrame(
        [{"code": _require(p, "code", where), "name": _require(p, "name", where),
          "weight": _number(p.get("weight", 1.0), f"weight of pillar {p.get('code')}", where, 0, 1000)}
         for p in pillar_list]
    )
    vocab = vocabulary()
    indicators = []
    for entry in entries:
        code = _require(entry, "code", where)
        here = f"{where}, indicator {code}"
        indicator = Indicator(
            code=code,
            name=_require(entry, "name", here),
            pillar=_require(entry, "pillar", here),
            measure=_require(entry, "measure", here),
            direction=int(entry.get("direction", 1)),
            weight=_number(entry.get("weight", 1.0), "weight", here, 0, 1000),
            tiers=tuple(entry.get("tiers", ())),
            benefits=tuple(entry.get("benefits", ())),
            scope=entry.get("scope", "city"),
            features=tuple(entry.get("features", ())),
            levels=tuple((str(k), float(v)) for k, v in (entry.get("levels") or {}).items()),
            profiles=tuple(entry.get("profiles") or ([entry["profile"]] if entry.get("profile") else ())),
            items=tuple(entry.get("items", ())),
        )
        if indicator.pillar not in set(pillars["code"]):
            raise TalentbenchError(f"{here}: unknown pillar {indicator.pillar!r}")
        if indicator.measure not in MEASURES:
            raise TalentbenchError(f"{here}: measure must be one of {sorted(MEASURES)}")
        if indicator.scope not in SCOPES:
            raise TalentbenchError(f"{here}: scope must be one of {sorted(SCOPES)}")
        if indicator.from_features and not indicator.features:
            raise TalentbenchError(f"{here}: measure {indicator.measure} needs a list of 'features'")
        if indicator.from_profiles and not indicator.profiles:
            raise TalentbenchError(f"{here}: measure {indicator.measure} needs a 'profile' or 'profiles'")
        if indicator.measure == "checklist" and not indicator.items:
            raise TalentbenchError(f"{here}: measure checklist needs a list of 'items'")
        bad_items = [i for i in indicator.items
                     if i.startswith("benefit:") and i.removeprefix("benefit:") not in vocab.benefits]
        if bad_items:
            raise TalentbenchError(f"{here}: not in the provision vocabulary: {bad_items}")
        if indicator.measure == "feature_ordinal" and not indicator.levels:
            raise TalentbenchError(f"{here}: feature_ordinal needs 'levels' (value: score)")
        if indicator.direction not in (1, -1):
            raise TalentbenchError(f"{here}: direction must be 1 or -1")
        unknown = (set(indicator.tiers) - set(vocab.tiers)) | (set(indicator.benefits) - set(vocab.benefits))
        if unknown:
            raise TalentbenchError(f"{here}: not in the provision vocabulary: {sorted(unknown)}")
        indicators.append(indicator)
    codes = [ind.code for ind in indicators]
    if len(set(codes)) != len(codes):
        raise TalentbenchError(f"{where}: indicator codes must be unique")
    return Framework(
        index_code=_require(index, "code", where),
        index_name=_require(index, "name", where),
        pillars=pillars[["code", "name", "weight"]],
        indicators=tuple(indicators),
        min_coverage=_number(raw.get("min_coverage", 0.0), "min_coverage", where, 0, 1),
        source=str(path),
    )
