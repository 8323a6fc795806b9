"""Column layouts and vocabularies of the curated dataset tables (kept in one place)."""

from __future__ import annotations

PROVISION_COLUMNS = [
    "city", "district", "scope", "tier", "benefit", "amount_cny", "amount_max_cny", "period",
    "duration_months", "is_cap", "source_url", "source_date", "status", "evidence", "doc",
    "start", "end", "review", "conditions", "relations", "context_evidence",
]
# What the text says around a provision (resources/dataset/conditions.yaml): ";"-separated
# condition and relation codes, and the document's words for them (exact substrings joined
# with " … ").
CONTEXT_COLUMNS = ["conditions", "relations", "context_evidence"]
# The extractor's contract columns (../spec/provisions.md) and the context it proposes: what
# any candidate table carries (older candidate files may lack the context columns).
CANDIDATE_COLUMNS = [
    "doc", "tier", "benefit", "amount_cny", "amount_max_cny", "period", "duration_months",
    "is_cap", "start", "end", "evidence", *CONTEXT_COLUMNS,
]
FEATURE_COLUMNS = [
    "city", "district", "scope", "feature", "value", "unit", "source_url", "source_date",
    "status", "evidence", "doc", "start", "end", "review",
]
TIERS = (
    "phd", "postdoc", "master", "bachelor", "college", "vocational", "skilled", "class_A",
    "class_B", "class_C", "class_D", "class_E", "class_F", "top", "leading", "high_level",
    "young", "graduate", "any",
)
BENEFITS = (
    "living_allowance", "housing_purchase", "rent_subsidy", "settling_allowance",
    "talent_allowance", "startup_funding", "research_funding", "employer_reward", "other_cash",
)
PERIODS = ("once", "month", "year")
SCOPES = ("city", "district", "province")
STATUSES = ("confirmed", "to_check", "old_rule")
REVIEWS = ("accepted", "corrected")
