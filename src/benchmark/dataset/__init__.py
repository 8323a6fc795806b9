"""The real peer-city dataset: curated provisions, non-monetary features and city statistics.

Public API::

    load_provisions()  load_features()  load_city_stats()  coverage(provisions, features)

The tables are package data under ``resources/dataset`` and are rebuilt reproducibly from the
corpus plus the analyst's review decisions (``scripts/curate_dataset.py``).
"""

from benchmark.dataset.schema import CANDIDATE_COLUMNS, FEATURE_COLUMNS, PROVISION_COLUMNS
from benchmark.dataset.tables import (
    coerce_provisions,
    load_city_stats,
    load_features,
    load_provisions,
    provision_problems,
    validate_provisions,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "FEATURE_COLUMNS",
    "PROVISION_COLUMNS",
    "coerce_provisions",
    "coverage",
    "load_city_stats",
    "load_features",
    "load_provisions",
    "provision_problems",
    "validate_provisions",
]


def coverage(provisions=None, features=None):  # noqa: ANN001, ANN201 - re-exported lazily
    from benchmark.dataset.coverage import coverage as _coverage

    return _coverage(provisions, features)
