"""Statistical audit: indicator statistics, correlations, Cronbach's alpha, PCA per group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.index import CompositeIndex
from benchmark.index.audit import (
    audit,
    consistency,
    cronbach_alpha,
    group_correlations,
    indicator_stats,
    level_correlations,
    parent_correlations,
    pca_summary,
)
from benchmark.paths import resource


@pytest.fixture(scope="module")
def asem(shared_data):
    d = shared_data / "coinr_asem"
    coin = CompositeIndex(pd.read_csv(d / "asem_idata.csv"), pd.read_csv(d / "asem_imeta.csv"))
    return coin.build(resource("index", "asem_example.yaml"))


def test_cronbach_alpha_known_values():
    rng = np.random.default_rng(0)
    t = rng.normal(size=500)
    same = np.column_stack([t, t, t])
    assert cronbach_alpha(same) == pytest.approx(1.0)
    independent = rng.normal(size=(5000, 4))
    assert abs(cronbach_alpha(independent)) < 0.05
    # k parallel items with inter-item correlation r: alpha = k r / (1 + (k - 1) r)
    k, r = 4, 0.5
    cov = np.full((k, k), r) + (1 - r) * np.eye(k)
    x = rng.multivariate_normal(np.zeros(k), cov, size=20000)
    assert cronbach_alpha(x) == pytest.approx(k * r / (1 + (k - 1) * r), abs=0.02)
    # by hand: items (1,2,3), (2,3,4), (3,5,4) each have variance 1; the totals (6, 10, 11)
    # have variance 7; alpha = 3/2 * (1 - 3/7) = 6/7
    x = np.array([[1, 2, 3], [2, 3, 5], [3, 4, 4]], dtype=float)
    assert cronbach_alpha(x) == pytest.approx(6 / 7)


def test_pca_summary_one_factor():
    rng = np.random.default_rng(1)
    f = rng.normal(size=1000)
    x = np.column_stack([f + rng.normal(scale=0.3, size=1000) for _ in range(5)])
    res = pca_summary(x)
    assert res["n_eig_gt1"] == 1 and res["var_pc1"] > 0.85
    assert (res["loadings_pc1"] > 0.9).all()
    assert res["eigenvalues"].sum() == pytest.approx(5.0)


def test_asem_audit_tables(asem):
    stats = indicator_stats(asem, "Raw").set_index("iCode")
    assert len(stats) == 49
    # the raw-data flags agree with COINr's skew/kurtosis test on the treated stage's input
    assert stats.loc["LPI", "Availability"] == 1.0
    assert stats["Availability"].min() < 1
    treated_input = indicator_stats(asem, "Screened").set_index("iCode")
    details = asem.analysis["Treated"]["details"].set_index("iCode")
    np.testing.assert_array_equal(treated_input["FlagOutliers"].to_numpy(), ~details["Pass0"].to_numpy(bool))

    pc = parent_correlations(asem).set_index("iCode")
    agg = asem.data["Aggregated"]
    assert pc.loc["Goods", "r_parent"] == pytest.approx(agg["Goods"].corr(agg["ConEcFin"]))
    assert pc.loc["Goods", "r_L4"] == pytest.approx(agg["Goods"].corr(agg["Index"]))
    assert pc.loc["Conn", "r_parent"] == pytest.approx(agg["Conn"].corr(agg["Index"]))
    assert "Index" not in pc.index

    g = group_correlations(asem, "Political")
    assert list(g.columns) == ["Embs", "IGOs", "UNVote"] and np.allclose(np.diag(g), 1)
    lv = level_correlations(asem, 2)
    assert lv.shape == (8, 8)

    cons = consistency(asem).set_index("iCode")
    kids = asem.framework.children("Political")
    assert cons.loc["Political", "CronbachAlpha"] == pytest.approx(cronbach_alpha(agg[kids].to_numpy()))
    assert cons.loc["Political", "n_children"] == 3
    assert set(audit(asem)) == {"indicator_stats", "normalised_stats", "parent_correlations", "consistency",
                                "pca_loadings"}
