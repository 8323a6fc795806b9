"""Hostile input, issue 11: every subcommand x every kind of bad input gets one clear line.

The catalogue is tests/hostile_cases.py (also run by benchmarks/bench_hostile.py, which prints
the counts). Each case asserts a non-zero exit, exactly one ``talentbench: error:`` line, no
traceback, bounded time, and that nothing already stored in the working folder changed. The
property tests below mutate one value of each valid method file at random.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml
from hostile_cases import ASEM, cases, execute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.errors import TalentbenchError
from benchmark.paths import resource

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_with_one_line_and_nothing_stored_changes(case, tmp_path):
    outcome = execute(case, tmp_path)
    assert outcome.kind == "refused", (outcome.kind, repr(outcome.error), outcome.stderr[-500:])
    assert outcome.code != 0
    assert not outcome.changed, outcome.changed
    assert outcome.seconds < 30, outcome.seconds


def test_the_catalogue_covers_every_subcommand():
    from benchmark.cli import cli

    covered = {c.command.split()[0] for c in CASES}
    assert set(cli.commands) - covered == set(), set(cli.commands) - covered


# -- property tests: one value of a valid method file replaced by something hostile -----------

HOSTILE = st.one_of(
    st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -1e308, -1, 0, 10**30, "", "many",
                     "1e23", True, None, [], {}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.text(max_size=12),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
)


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))
    yield path


def _with(data, path, value):
    data = copy.deepcopy(data)
    if not path:
        return value
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def _mutants(name: tuple[str, str]):
    data = yaml.safe_load(resource(*name).read_text(encoding="utf-8"))
    return data, st.sampled_from(list(_leaves(data)))


def _write(tmp: Path, data) -> Path:
    path = tmp / "mutant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _refused_cleanly_or_accepted(action) -> None:
    try:
        action()
    except TalentbenchError as exc:
        assert str(exc).strip(), "an error says what is wrong"


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
UNCERTAINTY, UNCERTAINTY_LEAVES = _mutants(("framework", "uncertainty.yaml"))
FRAMEWORK, FRAMEWORK_LEAVES = _mutants(("framework", "talent_policy_index.yaml"))
SPEC, SPEC_LEAVES = _mutants(("framework", "index_spec.yaml"))


@pytest.fixture(scope="module")
def asem_coin():
    if not ASEM.is_dir():
        pytest.skip("the COINr example data (../shared/data/coinr_asem) is not here")
    from benchmark.index import CompositeIndex

    return CompositeIndex.from_csv(ASEM / "asem_idata.csv", ASEM / "asem_imeta.csv")


@FUZZ
@given(path=UNCERTAINTY_LEAVES, value=HOSTILE)
def test_any_value_in_the_uncertainty_file_is_used_or_refused_cleanly(tmp_path, asem_coin, path, value):
    from benchmark.assessment import load_uncertainty
    from benchmark.index.sensitivity import parse_inputs

    mutant = _write(tmp_path, _with(UNCERTAINTY, path, value))

    def load_and_parse():
        loaded = load_uncertainty(mutant)
        for key in ("replications", "sobol_base", "seed"):
            assert isinstance(loaded[key], int) and loaded[key] >= 0
        coin = asem_coin.build(resource("index", "asem_example.yaml"))
        parse_inputs(loaded["inputs"], coin)

    _refused_cleanly_or_accepted(load_and_parse)


@FUZZ
@given(path=FRAMEWORK_LEAVES, value=HOSTILE)
def test_any_value_in_the_framework_is_used_or_refused_cleanly(tmp_path, path, value):
    from benchmark.indicator_framework import load_framework

    mutant = _write(tmp_path, _with(FRAMEWORK, path, value))

    def load():
        framework = load_framework(mutant)
        for indicator in framework.indicators:
            assert math.isfinite(indicator.weight) and indicator.weight >= 0

    _refused_cleanly_or_accepted(load)


@FUZZ
@given(path=SPEC_LEAVES, value=HOSTILE)
def test_any_value_in_the_index_spec_is_used_or_refused_cleanly(tmp_path, asem_coin, path, value):
    import numpy as np

    mutant = _write(tmp_path, _with(SPEC, path, value))

    def build():
        coin = asem_coin.build(mutant)
        scores = coin.results.select_dtypes("number").to_numpy(float)
        assert not np.isinf(scores).any(), "an accepted spec never produces infinite scores"

    _refused_cleanly_or_accepted(build)
