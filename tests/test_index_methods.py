"""Weighting and multi-criteria methods against worked examples from published sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.index.aggregate import (
    copeland,
    outranking_matrix,
    topsis,
    vikor,
    vikor_sr_q,
    weighted_mean,
)
from benchmark.index.weights import ahp_weights, critic_weights, entropy_weights, pca_weights

# Saaty, T.L. (1990). How to make a decision: The analytic hierarchy process. European Journal
# of Operational Research 48, 9-26. Criteria for buying a house (size, transportation,
# neighbourhood, age, yard, modern facilities, general condition, financing): the paper gives
# the priority vector (.173, .054, .188, .018, .031, .036, .167, .333), lambda_max = 9.669
# and a consistency ratio of 0.169.
SAATY_HOUSE_UPPER = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [None, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [None, None, 1, 6, 3, 4, 6, 1 / 5],
    [None, None, None, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [None, None, None, None, 1, 1 / 2, 1 / 5, 1 / 6],
    [None, None, None, None, None, 1, 1 / 5, 1 / 6],
    [None, None, None, None, None, None, 1, 1 / 2],
    [None, None, None, None, None, None, None, 1],
]


def _reciprocal(upper: list[list]) -> np.ndarray:
    n = len(upper)
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = upper[i][j]
            a[j, i] = 1 / upper[i][j]
    return a


def test_ahp_saaty_1990_house_example():
    a = _reciprocal(SAATY_HOUSE_UPPER)
    with pytest.raises(TalentbenchError, match=r"consistency ratio 0\.169"):
        ahp_weights(a)
    w, cr, lam = ahp_weights(a, force=True)
    np.testing.assert_allclose(w, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=5e-4)
    assert lam == pytest.approx(9.669, abs=5e-4)
    assert cr == pytest.approx(0.169, abs=5e-4)


def test_ahp_consistent_matrix_recovers_ratios():
    true = np.array([0.5, 0.3, 0.15, 0.05])
    a = true[:, None] / true[None, :]
    w, cr, lam = ahp_weights(a)
    np.testing.assert_allclose(w, true, atol=1e-12)
    assert cr == pytest.approx(0.0, abs=1e-9) and lam == pytest.approx(4.0)


@pytest.mark.parametrize("bad, message", [
    ([[1, 2], [2, 1]], "reciprocal"),
    ([[1, -2], [-0.5, 1]], "positive"),
    ([[2, 2], [0.5, 1]], "diagonal"),
    ([[1, 2, 3], [0.5, 1, 2]], "square"),
])
def test_ahp_rejects_malformed_matrices(bad, message):
    with pytest.raises(TalentbenchError, match=message):
        ahp_weights(bad)


def test_entropy_xu_2004():
    # Xu, X. (2004). A note on the subjective and objective integrated approach to determine
    # attribute weights. European Journal of Operational Research 156(2), 530-532.
    x = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]])
    np.testing.assert_allclose(entropy_weights(x), [0.4630, 0.3992, 0.1378, 0.0000], atol=5e-5)


def test_entropy_refuses_negative_data():
    with pytest.raises(TalentbenchError, match="non-negative"):
        entropy_weights(np.array([[1.0, -1.0], [2.0, 3.0]]))


def test_critic_tus_aytac_adali_2019():
    # Tus, A. & Aytac Adali, E. (2019). The new combination with CRITIC and WASPAS methods for
    # the time and attendance software selection problem. OPSEARCH 56(2), 528-538. The first
    # criterion (price) is a cost.
    x = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                  [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]], dtype=float)
    w = critic_weights(x, benefit=np.array([-1, 1, 1, 1, 1, 1]))
    np.testing.assert_allclose(w, [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4)


def test_topsis_hwang_yoon_1981_fighter_aircraft():
    # Hwang, C.L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and
    # Applications. Springer (Lecture Notes in Economics and Mathematical Systems 186),
    # TOPSIS example: four fighter aircraft, six attributes (the fourth, cost, is a cost
    # attribute); relative closeness C* = 0.643, 0.268, 0.613, 0.312.
    x = np.array([[2.0, 1500, 20000, 5.5, 5, 9], [2.5, 2700, 18000, 6.5, 3, 5],
                  [1.8, 2000, 21000, 4.5, 7, 7], [2.2, 1800, 20000, 5.0, 5, 5]])
    w = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.3])
    c = topsis(x, w, benefit=np.array([1, 1, 1, -1, 1, 1]))
    # the book rounds its intermediate tables, hence a tolerance of one unit in the third digit
    np.testing.assert_allclose(c, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert list(np.argsort(-c)) == [0, 2, 3, 1]  # A1 > A3 > A4 > A2, the book's ranking


def test_vikor_papathanasiou_ploskas_2018():
    # Papathanasiou, J. & Ploskas, N. (2018). VIKOR. In: Multiple Criteria Decision Aid,
    # Springer Optimization and Its Applications 136, pp. 31-55, doi:10.1007/978-3-319-91648-4_2.
    # Six alternatives, four benefit criteria, v = 0.625.
    x = np.array([[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7], [6, 9, 5, 4]],
                 dtype=float)
    w = np.array([0.4, 0.3, 0.1, 0.2])
    _, _, q = vikor_sr_q(x, w, v=0.625)
    np.testing.assert_allclose(q, [0.640, 1.000, 0.693, 0.271, 0.000, 0.694], atol=5e-4)
    np.testing.assert_allclose(vikor(x, w, v=0.625), 1 - q)  # the index's score: higher is better


def test_copeland_counts_pairwise_majorities():
    # three units, three equally weighted criteria: A beats B on 2 of 3, B beats C on 2 of 3,
    # C beats A on 2 of 3 (a Condorcet cycle) -> all tie at 0; D is beaten by everyone.
    x = np.array([[3, 2, 1], [1, 3, 2], [2, 1, 3], [0, 0, 0]], dtype=float)
    e = outranking_matrix(x, np.ones(3))
    np.testing.assert_allclose(e + e.T, 1 - np.eye(4))  # complementary by construction
    np.testing.assert_array_equal(copeland(x, np.ones(3)), [1, 1, 1, -3])
    np.testing.assert_allclose(copeland(x, np.ones(3), variant="coinr"), e.sum(axis=1))
    # a heavy weight on the first criterion breaks the cycle in A's favour
    assert np.argmax(copeland(x, np.array([5.0, 1, 1]))) == 0


def test_pca_weights_follow_the_common_factor():
    rng = np.random.default_rng(0)
    factor = rng.normal(size=400)
    x = np.column_stack([factor + rng.normal(scale=s, size=400) for s in (0.1, 0.5, 3.0)])
    w = pca_weights(x)
    assert w.sum() == pytest.approx(1.0)
    assert w[0] > w[1] > w[2]
    np.testing.assert_allclose(pca_weights(x * [1, 100, 0.01]), w)  # scale-free


def test_pca_weights_handbook_two_factors():
    # two independent latent factors measured by 3 and 2 indicators: the Handbook procedure
    # keeps both (eigenvalues > 1), so every indicator counts, each factor by its share of
    # the explained variance (3/5 and 2/5, split evenly among its indicators); the first
    # component alone would ignore the second factor's indicators
    rng = np.random.default_rng(0)
    f1, f2 = rng.normal(size=(2, 2000))
    x = np.column_stack([f1 + rng.normal(scale=0.3, size=2000) for _ in range(3)]
                        + [f2 + rng.normal(scale=0.3, size=2000) for _ in range(2)])
    np.testing.assert_allclose(pca_weights(x), 0.2, atol=0.01)
    pc1 = pca_weights(x, method="pc1")
    assert pc1[:3].sum() > 0.95 and pc1[3:].sum() < 0.05


def test_weighted_means_skip_missing_and_renormalise_like_coinr():
    x = np.array([[10.0, np.nan, 40.0], [np.nan, np.nan, np.nan], [1.0, 4.0, 16.0]])
    w = np.array([1.0, 2.0, 3.0])
    arith = weighted_mean(x, w, "arithmetic")
    assert arith[0] == pytest.approx((10 * 1 + 40 * 3) / 4)
    assert np.isnan(arith[1])
    geo = weighted_mean(x, w, "geometric")
    assert geo[2] == pytest.approx(np.exp((np.log(1) + 2 * np.log(4) + 3 * np.log(16)) / 6))
    harm = weighted_mean(x, w, "harmonic")
    assert harm[0] == pytest.approx(4 / (1 / 10 + 3 / 40))
    assert weighted_mean(np.array([[0.0, 5.0]]), np.ones(2), "geometric")[0] == 0.0


def test_mcda_methods_as_index_aggregation(asem_coin_small):
    coin = asem_coin_small
    for method in ("topsis", "vikor", "copeland"):
        variant = coin.variant("aggregate", {"method": method})
        res = variant.results
        assert res["Rank"].min() == 1 and res["Rank"].notna().all()
        # rankings differ from the arithmetic mean's but agree broadly with it
        both = res.set_index("uCode")["Index"].corr(coin.results.set_index("uCode")["Index"], method="spearman")
        assert 0.5 < both < 1.0


@pytest.fixture(scope="module")
def asem_coin_small(shared_data):
    from benchmark.index import CompositeIndex
    from benchmark.paths import resource

    d = shared_data / "coinr_asem"
    return CompositeIndex(pd.read_csv(d / "asem_idata.csv"), pd.read_csv(d / "asem_imeta.csv")).build(
        resource("index", "asem_example.yaml"))


def test_weight_step_in_the_index(asem_coin_small):
    coin = asem_coin_small
    fw = coin.framework
    # AHP on the two sub-indices: Connectivity three times as important as Sustainability
    ahp = coin.variant("weight", {"method": "ahp", "matrices": {"Index": {"codes": ["Conn", "Sust"],
                                                                         "matrix": [[1, 3], [1 / 3, 1]]}}})
    agg = ahp.data["Aggregated"]
    np.testing.assert_allclose(agg["Index"], 0.75 * agg["Conn"] + 0.25 * agg["Sust"])
    assert ahp.analysis["Weights"]["Index"]["CR"] == 0.0
    # an inconsistent AHP matrix is refused with its CR, unless forced
    house = _reciprocal(SAATY_HOUSE_UPPER).tolist()
    physical = fw.children("Physical")
    with pytest.raises(TalentbenchError, match="consistency ratio"):
        coin.variant("weight", {"method": "ahp", "matrices": {"Physical": {"codes": physical, "matrix": house}}})
    forced = coin.variant("weight", {"method": "ahp", "force": True,
                                     "matrices": {"Physical": {"codes": physical, "matrix": house}}})
    assert forced.weights[physical[7]] == pytest.approx(0.333, abs=5e-4)  # Saaty's "financing"
    # data-driven weights are computed from the children's values and recorded
    ent = coin.variant("weight", {"method": "entropy", "levels": [1]})
    kids = fw.children("Political")
    expected = entropy_weights(ent.data["Normalised"][kids].to_numpy())
    np.testing.assert_allclose([ent.weights[k] for k in kids], expected)
    # manual weights: zero weight removes an indicator from its pillar
    man = coin.variant("weight", {"method": "manual", "weights": {"UNVote": 0}})
    pol = man.data["Aggregated"]
    np.testing.assert_allclose(pol["Political"], pol[["Embs", "IGOs"]].mean(axis=1))
    # equal weights reproduce the nominal index (all ASEM weights are 1)
    eq = coin.variant("weight", {"method": "equal"})
    np.testing.assert_allclose(eq.data["Aggregated"]["Index"], coin.data["Aggregated"]["Index"])


def test_layered_weightings(asem_coin_small):
    coin = asem_coin_small
    layered = coin.variant("weight", [
        {"method": "entropy"},  # every level data-driven...
        {"method": "ahp", "matrices": {"Index": [[1, 3], [1 / 3, 1]]}},  # ...but AHP at the top
    ])
    agg = layered.data["Aggregated"]
    np.testing.assert_allclose(agg["Index"], 0.75 * agg["Conn"] + 0.25 * agg["Sust"])
    kids = coin.framework.children("Social")
    np.testing.assert_allclose([layered.weights[k] for k in kids],
                               entropy_weights(layered.data["Normalised"][kids].to_numpy()))
    assert layered.log[-2]["step"] == "weight" and len(layered.log[-2]["params"]) == 2
    with pytest.raises(TalentbenchError, match="parameter mappings"):
        coin.variant("weight", [])
