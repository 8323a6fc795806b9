"""Uncertainty and sensitivity analysis: estimators, fast path = full rebuild, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.index import CompositeIndex
from benchmark.index.sensitivity import (
    Replicator,
    default_inputs,
    parse_inputs,
    saltelli_design,
    sensitivity,
    sobol_indices,
    uncertainty,
)
from benchmark.index.stats import rank_rows
from benchmark.paths import resource


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    z = -np.pi + 2 * np.pi * x  # inputs uniform on [-pi, pi]
    return np.sin(z[..., 0]) + a * np.sin(z[..., 1]) ** 2 + b * z[..., 2] ** 4 * np.sin(z[..., 0])


def test_sobol_estimators_on_the_ishigami_function():
    # analytical indices (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity
    # Analysis: The Primer, sec. 4.8): a = 7, b = 0.1
    a, b = 7.0, 0.1
    var = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    s1_true = np.array([v1, v2, 0.0]) / var
    st_true = np.array([v1 + v13, v2, v13]) / var
    n = 2**14
    a_m, b_m, ab = saltelli_design(n, 3, seed=1)
    s1, st = sobol_indices(ishigami(a_m), ishigami(b_m), ishigami(ab))
    np.testing.assert_allclose(s1[:, 0], s1_true, atol=0.02)
    np.testing.assert_allclose(st[:, 0], st_true, atol=0.02)


@pytest.fixture(scope="module")
def asem(shared_data):
    d = shared_data / "coinr_asem"
    coin = CompositeIndex(pd.read_csv(d / "asem_idata.csv"), pd.read_csv(d / "asem_imeta.csv"))
    return coin.build(resource("index", "asem_example.yaml"))


def _full_rebuild(coin, rep, u):
    """The same replication done the slow way: a complete CompositeIndex per draw."""
    spec = dict(coin.spec)
    weights = rep.hm.weight_vector(coin.framework.weight)
    for i, inp in enumerate(rep.inputs):
        if inp.kind == "weights":
            sets = rep.noise_sets(i, 1024)
            weights = weights * sets[min(int(u[i] * len(sets)), len(sets) - 1)]
        else:
            spec[inp.step] = inp.options[min(int(u[i] * inp.n_options), inp.n_options - 1)]
    spec["weight"] = {"method": "manual", "weights": dict(zip(rep.hm.codes, weights.tolist(), strict=True))}
    order = ["denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate"]
    built = coin._sibling()._build([(s, spec[s]) for s in order if s in spec])
    return built.data["Aggregated"].set_index("uCode")[coin.framework.top].reindex(rep.units).to_numpy()


def test_fast_replications_equal_full_rebuilds(asem):
    inputs = parse_inputs(default_inputs(asem), asem)
    rep = Replicator(asem, inputs, seed=3)
    design = np.random.default_rng(5).random((8, len(inputs)))
    fast = rep.scores(design)
    for r, u in enumerate(design):
        np.testing.assert_allclose(fast[r], _full_rebuild(asem, rep, u), atol=1e-9)
    # processing the draws in small chunks changes nothing
    small = Replicator(asem, inputs, seed=3, chunk=2)
    np.testing.assert_array_equal(small.scores(design), fast)


def test_fast_path_with_missing_values_and_harmonic_mean(asem):
    # no imputation: the normalised data keep their gaps, and means must skip them
    gappy = asem.variant("impute", None)
    assert gappy.data["Normalised"].isna().any().any()
    inputs = parse_inputs([
        {"name": "w", "type": "weights", "levels": [1, 2, 3], "noise": 0.5},
        {"name": "agg", "type": "choice", "step": "aggregate",
         "options": [{"method": "harmonic"}, {"method": "arithmetic"}]},
        {"name": "norm", "type": "choice", "step": "normalise",
         "options": [{"method": "minmax", "range": [1, 100]}]},
    ], gappy)
    rep = Replicator(gappy, inputs, seed=0)
    design = np.random.default_rng(1).random((6, 3))
    fast = rep.scores(design)
    # without imputation, screening (90 % data) drops units: they have no score in any draw
    screened_out = ~pd.Index(rep.units).isin(gappy.data["Screened"]["uCode"])
    assert 0 < screened_out.sum() < len(rep.units)
    assert np.isnan(fast[:, screened_out]).all() and np.isfinite(fast[:, ~screened_out]).all()
    for r, u in enumerate(design):
        np.testing.assert_allclose(fast[r], _full_rebuild(gappy, rep, u), rtol=1e-9)


def test_weights_only_is_one_data_set(asem):
    ua = uncertainty(asem, [{"name": "w", "type": "weights", "levels": [2, 3], "noise": 0.25}], n=500, seed=2)
    assert ua.ranks.shape == (500, 51)
    s = ua.summary
    assert (s["Q5"] <= s["Median"]).all() and (s["Median"] <= s["Q95"]).all()
    assert (s["Min"] <= s["Q5"]).all() and (s["Q95"] <= s["Max"]).all()
    # every replication is a permutation-with-ties of 1..51
    assert np.all(np.sort(ua.ranks, axis=1)[:, 0] == 1)
    # the leader is robust to weight noise; the ranks do move for someone
    assert s.set_index("uCode").loc["CHE", "Q95"] <= 2
    assert (s["Max"] - s["Min"]).max() > 0


def test_zero_uncertainty_reproduces_the_nominal_ranking(asem):
    ua = uncertainty(asem, [
        {"name": "w", "type": "weights", "levels": [2], "noise": 0.0},
        {"name": "n", "type": "choice", "step": "normalise", "options": [dict(asem.spec)["normalise"]]},
    ], n=50, seed=0)
    nominal = asem.ranks().reindex(ua.units).to_numpy(float)
    assert np.all(ua.ranks == nominal[None, :])
    assert np.all(ua.mean_abs_rank_shift() == 0)


def test_slow_path_for_topsis_matches_a_variant(asem):
    ua = uncertainty(asem, [{"name": "agg", "type": "choice", "step": "aggregate",
                             "options": [{"method": "topsis"}]}], n=3, seed=0)
    expected = asem.variant("aggregate", {"method": "topsis"}).ranks().reindex(ua.units).to_numpy(float)
    assert np.all(ua.ranks == expected[None, :])


def test_sobol_on_the_index(asem):
    inputs = default_inputs(asem) + [
        # a choice between two identical options cannot matter: its indices must be 0
        {"name": "dummy", "type": "choice", "step": "screen",
         "options": [{"min_data": 0.9}, {"min_data": 0.9}]},
    ]
    sa = sensitivity(asem, inputs, n=128, seed=4, n_boot=50)
    idx = sa.indices.set_index("input")
    assert sa.runs == 128 * (len(inputs) + 2)
    assert idx.loc["dummy", "ST"] == 0 and idx.loc["dummy", "S1"] == 0
    # aggregation (arithmetic vs geometric with zeros) dominates, as in COINr's example
    assert idx["ST"].idxmax() == "aggregation"
    assert (idx["ST"] >= -1e-12).all()
    assert list(sa.unit_st.columns) == ["uCode"] + [i["name"] for i in inputs]


def test_rank_rows_matches_scipy():
    from scipy.stats import rankdata

    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=(200, 30)).astype(float)
    x[3, 4] = np.nan
    ours = rank_rows(x)
    ref = rankdata(-x, method="min", axis=1, nan_policy="omit")
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("inputs, message", [
    ([], "non-empty"),
    ([{"type": "weights", "levels": [4]}], "between 1 and 3"),
    ([{"type": "choice", "step": "normalise", "options": [{"method": "nope"}]}], "unknown method"),
    ([{"type": "param", "step": "treat", "param": "winmax"}], "values"),
    ([{"type": "dice"}], "step must be"),
    ([{"type": "choice", "step": "aggregate", "options": [{}]},
      {"type": "param", "step": "aggregate", "param": "method", "values": ["geometric"]}], "same step"),
])
def test_bad_uncertain_inputs(asem, inputs, message):
    with pytest.raises(TalentbenchError, match=message):
        uncertainty(asem, inputs, n=2)


def test_weighting_method_as_an_uncertain_input(asem):
    opts = [{"method": "entropy", "levels": [1]}, {"method": "pca"}]
    ua = uncertainty(asem, [{"name": "weighting", "type": "choice", "step": "weight", "options": opts}],
                     n=40, seed=1)
    picked = np.minimum((ua.design[:, 0] * 2).astype(int), 1)
    for k, opt in enumerate(opts):
        expected = asem.variant("weight", opt).ranks().reindex(ua.units).to_numpy(float)
        assert np.all(ua.ranks[picked == k] == expected[None, :])
    assert set(picked) == {0, 1}
