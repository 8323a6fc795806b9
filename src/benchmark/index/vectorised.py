"""Aggregation of many weight sets at once: the fast path of Monte Carlo analysis.

With the normalised data fixed, every weighted mean is a matrix product: for arithmetic
means the numerator of all parents over all draws is ``X @ (W * M)``, where ``M`` is the
children-to-parent membership matrix and ``W`` the draws' weights; the denominator is the
same product with the availability mask instead of ``X`` (missing values re-normalise the
weights, as COINr does). Geometric and harmonic means are the same product on ``log x`` and
``1 / x``. So D replications cost a few BLAS calls instead of D pipeline runs.
"""

from __future__ import annotations

import numpy as np

from benchmark.index.hierarchy import Hierarchy
from benchmark.index.stats import rank_rows

__all__ = ["HierarchyMatrices", "aggregate_draws", "rank_rows"]

# log(0) and 1/0 stand-ins: finite, so that 0 * BIG stays 0 in matrix products, and large
# enough that a zero value drives a geometric/harmonic mean to 0 as it should.
_BIG = 1e250


class HierarchyMatrices:
    """Membership matrices of a framework, one per level, in a fixed code order."""

    def __init__(self, fw: Hierarchy):
        self.fw = fw
        self.codes = list(fw.codes)
        self.position = {c: i for i, c in enumerate(self.codes)}
        self.levels = list(range(2, fw.max_level + 1))
        self.children: dict[int, list[str]] = {}
        self.parents: dict[int, list[str]] = {}
        self.membership: dict[int, np.ndarray] = {}
        for lev in self.levels:
            parents = fw.nodes_at(lev)
            kids = fw.nodes_at(lev - 1)
            m = np.zeros((len(kids), len(parents)))
            for j, p in enumerate(parents):
                for k in fw.children(p):
                    m[kids.index(k), j] = 1.0
            self.children[lev] = kids
            self.parents[lev] = parents
            self.membership[lev] = m

    def weight_vector(self, weights: dict[str, float]) -> np.ndarray:
        return np.array([weights[c] for c in self.codes], dtype=float)

    def child_columns(self, lev: int) -> np.ndarray:
        return np.array([self.position[c] for c in self.children[lev]])


def _transform(x: np.ndarray, method: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            return x
        if method == "geometric":
            # negative values have no geometric mean: NaN marks the replication as failed
            y = np.where(x < 0, np.nan, np.log(np.where(x > 0, x, 1.0)))
            return np.where(x == 0, -_BIG, y)
        y = np.where(x < 0, np.nan, 1.0 / np.where(x > 0, x, 1.0))
        return np.where(x == 0, _BIG, y)


def _inverse(num: np.ndarray, den: np.ndarray, method: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method == "arithmetic":
            out = num / den
        elif method == "geometric":
            out = np.exp(num / den)
        else:
            out = den / num
    return np.where(den > 0, out, np.nan)


def aggregate_draws(x: np.ndarray, hm: HierarchyMatrices, weights: np.ndarray,
                    methods: dict[int, str]) -> np.ndarray:
    """Top-level scores for every draw.

    ``x``: normalised indicators (units x indicators, NaN allowed); ``weights``: one row of
    weights per draw in ``hm.codes`` order; ``methods``: mean per level (arithmetic,
    geometric, harmonic). Returns an array draws x units.
    """
    n_draws = weights.shape[0]
    values: np.ndarray = x[None, :, :]  # (1 or D, units, children)
    for lev in hm.levels:
        method = methods[lev]
        m = hm.membership[lev]
        w = weights[:, hm.child_columns(lev)]  # (D, k)
        constant_w = bool(np.all(w == w[:1]))
        avail = ~np.isnan(values)
        t = np.where(avail, _transform(values, method), 0.0)
        bad = np.isnan(t)  # negative values under geometric/harmonic
        t = np.where(bad, 0.0, t)
        if values.shape[0] == 1 and constant_w:
            wm = w[0][:, None] * m  # (k, p)
            num = t @ wm
            den = avail.astype(float) @ wm
            fail = bad.astype(float) @ m
        elif values.shape[0] == 1:
            # one data set, many weight sets: one wide matrix product
            wm = w[:, :, None] * m[None]  # (D, k, p)
            k, p = m.shape
            flat = wm.transpose(1, 0, 2).reshape(k, n_draws * p)
            num = (t[0] @ flat).reshape(-1, n_draws, p).transpose(1, 0, 2)
            den = (avail[0].astype(float) @ flat).reshape(-1, n_draws, p).transpose(1, 0, 2)
            fail = np.broadcast_to((bad[0].astype(float) @ m)[None], num.shape)
        else:
            wt = w[:, None, :]  # (D, 1, k)
            num = (t * wt) @ m
            den = (avail * wt) @ m
            fail = bad.astype(float) @ m
        out = _inverse(num, den, method)
        values = np.where(fail > 0, np.nan, out)
    top = values[..., 0]
    return np.broadcast_to(top, (n_draws, top.shape[-1])).copy()
