"""The real peer-city dataset: curated provisions, non-monetary features and city statistics.

Public API::

    load_provisions()  load_features()  load_city_stats()  coverage(provisions, features)
    build_queue(candidates, decisions)  apply_review(queue, decisions)  curated(decisions)
    conflicts(candidates, decisions)  read_queue(path)  write_queue(queue, path)

The tables are package data under ``resources/dataset`` and are rebuilt reproducibly from the
corpus plus the analyst's review decisions (``scripts/curate_dataset.py`` or
``talentbench dataset curate``).
"""

from benchmark.dataset.coverage import coverage
from benchmark.dataset.review import (
    apply_review,
    build_queue,
    conflicts,
    curated,
    read_queue,
    write_queue,
)
from benchmark.dataset.schema import (
    CANDIDATE_COLUMNS,
    CONTEXT_COLUMNS,
    FEATURE_COLUMNS,
    PROVISION_COLUMNS,
)
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
    "CONTEXT_COLUMNS",
    "FEATURE_COLUMNS",
    "PROVISION_COLUMNS",
    "apply_review",
    "build_queue",
    "coerce_provisions",
    "conflicts",
    "coverage",
    "curated",
    "load_city_stats",
    "load_features",
    "load_provisions",
    "provision_problems",
    "read_queue",
    "validate_provisions",
    "write_queue",
]
