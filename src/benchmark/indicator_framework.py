"""The indicator framework and the provision vocabulary, loaded from versioned YAML and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field

from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource
from benchmark.schemas import Strict, check_yaml

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


Code = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Weight = Annotated[float, Field(ge=0, le=1000)]


class NodeSpec(Strict):
    code: Code
    name: Text


class PillarSpec(NodeSpec):
    weight: Weight = 1.0


class IndicatorSpec(Strict):
    """One indicator of the framework file (the schema is documented at the top of
    resources/framework/talent_policy_index.yaml)."""

    code: Code
    name: Text
    pillar: Code
    measure: Literal[tuple(sorted(MEASURES))]  # type: ignore[valid-type]
    direction: Literal[1, -1] = 1
    weight: Weight = 1.0
    tiers: list[Code] = []
    benefits: list[Code] = []
    scope: Literal[tuple(sorted(SCOPES))] = "city"  # type: ignore[valid-type]
    features: list[Code] = []
    levels: dict[Code, Annotated[float, Field(ge=-1e6, le=1e6)]] = {}
    profile: Code | None = None
    profiles: list[Code] = []
    items: list[Code] = []


class FrameworkFile(Strict):
    version: Annotated[int, Field(ge=1, le=1000)] = 1
    min_coverage: Annotated[float, Field(ge=0, le=1)] = 0.0
    index: NodeSpec
    pillars: Annotated[list[PillarSpec], Field(min_length=1, max_length=100)]
    indicators: Annotated[list[IndicatorSpec], Field(min_length=1, max_length=1000)]


def load_framework(path: Path | str | None = None) -> Framework:
    """Load and validate an indicator framework YAML (default: the packaged talent-policy index).

    The file's shape, types and ranges are ``FrameworkFile``; what follows checks what a schema
    cannot: that names refer to pillars, profiles and vocabulary that exist."""
    path = Path(path) if path else resource("framework", "talent_policy_index.yaml")
    raw = check_yaml(FrameworkFile, read_yaml(path, "framework file"), path, "framework file")
    where = f"framework {path.name}"
    pillars = pd.DataFrame([p.model_dump() for p in raw.pillars], columns=["code", "name", "weight"])
    from benchmark.valuation import load_profiles

    spec = load_profiles()
    profile_codes = [p.code for p in (*spec.profiles, *spec.ladder)]
    vocab = vocabulary()
    indicators = []
    for entry in raw.indicators:
        here = f"{where}, indicator {entry.code}"
        indicator = Indicator(
            code=entry.code, name=entry.name, pillar=entry.pillar, measure=entry.measure,
            direction=entry.direction, weight=entry.weight, tiers=tuple(entry.tiers),
            benefits=tuple(entry.benefits), scope=entry.scope, features=tuple(entry.features),
            levels=tuple(entry.levels.items()),
            profiles=tuple(entry.profiles or ([entry.profile] if entry.profile else ())),
            items=tuple(entry.items),
        )
        if indicator.pillar not in set(pillars["code"]):
            raise TalentbenchError(f"{here}: unknown pillar {indicator.pillar!r}")
        if indicator.from_features and not indicator.features:
            raise TalentbenchError(f"{here}: measure {indicator.measure} needs a list of 'features'")
        if indicator.from_profiles and not indicator.profiles:
            raise TalentbenchError(f"{here}: measure {indicator.measure} needs a 'profile' or 'profiles'")
        unknown_profiles = sorted(set(indicator.profiles) - set(profile_codes))
        if unknown_profiles:  # a misspelt profile would be a column of unknowns, silently dropped
            raise TalentbenchError(f"{here}: no such profile {unknown_profiles} in profiles.yaml "
                                   f"(known: {', '.join(profile_codes)})")
        if indicator.measure == "checklist" and not indicator.items:
            raise TalentbenchError(f"{here}: measure checklist needs a list of 'items'")
        bad_items = [i for i in indicator.items
                     if i.startswith("benefit:") and i.removeprefix("benefit:") not in vocab.benefits]
        if bad_items:
            raise TalentbenchError(f"{here}: not in the provision vocabulary: {bad_items}")
        if indicator.measure == "feature_ordinal" and not indicator.levels:
            raise TalentbenchError(f"{here}: feature_ordinal needs 'levels' (value: score)")
        unknown = (set(indicator.tiers) - set(vocab.tiers)) | (set(indicator.benefits) - set(vocab.benefits))
        if unknown:
            raise TalentbenchError(f"{here}: not in the provision vocabulary: {sorted(unknown)}")
        indicators.append(indicator)
    codes = [ind.code for ind in indicators]
    if len(set(codes)) != len(codes):
        raise TalentbenchError(f"{where}: indicator codes must be unique")
    return Framework(
        index_code=raw.index.code,
        index_name=raw.index.name,
        pillars=pillars,
        indicators=tuple(indicators),
        min_coverage=raw.min_coverage,
        source=str(path),
    )
