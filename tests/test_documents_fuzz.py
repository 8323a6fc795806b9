"""Mutation fuzzing, test-sized: every mutant ends as a document with a known failure reason.

A parser bug shows up as ``parser-error`` (an exception the parser did not expect), a crash of
the worker, or a timeout; none is allowed. ``benchmarks/bench_parse_fuzz.py`` runs the same
with 10 000 inputs per parser and reports the time per input.
"""

import pytest
from fixtures.documents.fuzzing import FUZZ_TARGETS, mutants, seed_bodies

from benchmark.documents.convert import reason_category
from benchmark.documents.guard import GuardedParser

COUNTS = {"html": 250, "pdf": 250, "docx": 400, "xlsx": 400, "xml": 10_000}
BUGS = {"parser-error", "parser-crashed", "timeout"}


@pytest.fixture(scope="module")
def guarded():
    with GuardedParser(timeout=5) as parser:
        yield parser


@pytest.mark.parametrize("target", sorted(FUZZ_TARGETS))
def test_mutants_never_escape_and_always_have_a_reason(guarded, target):
    spec = FUZZ_TARGETS[target]
    seeds = seed_bodies(target)
    outcomes: dict[str, int] = {}
    for index, body in enumerate(
        mutants(seeds, spec["family"], COUNTS[target], seed=7, zip_members=spec["zip_members"])
    ):
        document = guarded.parse(body, spec["content_type"], spec["url"])
        category = "ok" if document.status == "ok" else reason_category(document.reason)
        assert category, f"{target} mutant {index}: {document.status} without a reason"
        assert category not in BUGS, f"{target} mutant {index}: {document.reason}"
        outcomes[category] = outcomes.get(category, 0) + 1
    assert sum(outcomes.values()) == COUNTS[target]
    assert outcomes.get("ok", 0) > 0, outcomes  # the mutants still exercise the happy path
    assert len(outcomes) > 1, outcomes  # ... and the failure paths
