"""Aggregation up the hierarchy: weighted means and multi-criteria methods.

Row-wise means (arithmetic, geometric, harmonic) skip missing values and re-normalise the
weights over what is available, exactly like COINr's ``a_amean``/``a_gmean``/``a_hmean``.
Unlike COINr, a zero in a geometric or harmonic mean is not an error: it makes the mean
zero, its mathematical value; negative values are refused.
TOPSIS, VIKOR and Copeland rank units against each other, so they see the whole group of
children at once. Every function returns a score where higher is better.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field

from benchmark.errors import TalentbenchError
from benchmark.index.hierarchy import Hierarchy
from benchmark.index.weights import DATA_DRIVEN_FUNCS
from benchmark.schemas import Strict, check_yaml

MEANS = ("arithmetic", "geometric", "harmonic")
GROUP_METHODS = ("topsis", "vikor", "copeland")
METHODS = MEANS + GROUP_METHODS


def weighted_mean(x: np.ndarray, w: np.ndarray, method: str = "arithmetic") -> np.ndarray:
    """Row-wise weighted mean of ``x`` (units x children), NaN skipped, weights re-normalised."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    avail = ~np.isnan(x)
    den = avail.astype(float) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            out = np.where(avail, x, 0.0) @ w / den
        elif method == "geometric":
            if np.any(x[avail] < 0):
                raise TalentbenchError(
                    "geometric mean needs non-negative values: normalise to a positive range, "
                    "e.g. minmax with range [1, 100]"
                )
            # a zero value makes the (weighted) product zero: log 0 = -inf, exp(-inf) = 0
            logs = np.where(avail, np.log(np.where(avail, x, 1.0)), 0.0)
            logs[:, w == 0] = 0.0
            out = np.exp(logs @ w / den)
        elif method == "harmonic":
            if np.any(x[avail] < 0):
                raise TalentbenchError("harmonic mean needs non-negative values: normalise to e.g. [1, 100]")
            inv = np.where(avail, 1.0 / np.where(avail, x, 1.0), 0.0)
            inv[:, w == 0] = 0.0
            out = den / (inv @ w)
        else:
            raise TalentbenchError(f"unknown mean {method!r}")
    out[den <= 0] = np.nan
    return out


def _benefit_mask(benefit: np.ndarray | None, k: int) -> np.ndarray:
    if benefit is None:
        return np.ones(k, dtype=bool)
    b = np.asarray(benefit)
    return b > 0 if b.dtype != bool else b


def topsis(x: np.ndarray, w: np.ndarray, benefit: np.ndarray | None = None) -> np.ndarray:
    """TOPSIS closeness to the ideal (Hwang & Yoon 1981).

    Vector normalisation r_ij = x_ij / sqrt(sum_i x_ij^2), v = w r, ideal = best value of
    each column (max for benefit columns, min for cost columns; in the index every column is
    a benefit because directions were applied at normalisation), score = d- / (d+ + d-).
    Missing values are left out of the sums.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float) / np.sum(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x / np.sqrt(np.nansum(x**2, axis=0))
    v = r * w
    up = _benefit_mask(benefit, x.shape[1])
    hi, lo = np.nanmax(v, axis=0), np.nanmin(v, axis=0)
    best, worst = np.where(up, hi, lo), np.where(up, lo, hi)
    d_plus = np.sqrt(np.nansum((v - best) ** 2, axis=1))
    d_minus = np.sqrt(np.nansum((v - worst) ** 2, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return d_minus / (d_plus + d_minus)


def vikor_sr_q(x: np.ndarray, w: np.ndarray, v: float = 0.5,
               benefit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VIKOR's S (group utility), R (individual regret) and Q (Opricovic & Tzeng 2004).

    Lower Q is better. Columns are benefits unless ``benefit`` says otherwise; columns
    without spread carry no regret.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float) / np.sum(w)
    up = _benefit_mask(benefit, x.shape[1])
    hi, lo = np.nanmax(x, axis=0), np.nanmin(x, axis=0)
    best, worst = np.where(up, hi, lo), np.where(up, lo, hi)
    spread = best - worst
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(spread != 0, (best - x) / spread, 0.0) * w
    s = np.nansum(gap, axis=1)
    r = np.nanmax(np.where(np.isnan(gap), -np.inf, gap), axis=1)
    s_range = s.max() - s.min()
    r_range = r.max() - r.min()
    qs = (s - s.min()) / s_range if s_range > 0 else np.zeros_like(s)
    qr = (r - r.min()) / r_range if r_range > 0 else np.zeros_like(r)
    return s, r, v * qs + (1 - v) * qr


def vikor(x: np.ndarray, w: np.ndarray, v: float = 0.5) -> np.ndarray:
    """VIKOR as a score where higher is better: 1 - Q."""
    return 1.0 - vikor_sr_q(x, w, v)[2]


def outranking_matrix(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """e_ij = sum of weights of criteria where unit i beats j, plus half those where they tie."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float) / np.sum(w)
    a, b = x[:, None, :], x[None, :, :]
    e = ((a > b) * w).sum(axis=2) + 0.5 * ((a == b) * w).sum(axis=2)
    np.fill_diagonal(e, 0.0)
    return e


def copeland(x: np.ndarray, w: np.ndarray, variant: str = "classic") -> np.ndarray:
    """Copeland score (Munda & Nardo 2009): pairwise wins minus losses on the outranking matrix.

    ``variant="coinr"`` returns COINr's ``a_copeland`` instead (row sums of the matrix).
    """
    e = outranking_matrix(x, w)
    if variant == "coinr":
        return e.sum(axis=1)
    wins = (e > e.T).sum(axis=1)
    losses = (e < e.T).sum(axis=1)
    return (wins - losses).astype(float)


class AggregateParams(Strict):
    """Types and ranges of the aggregate step's parameters."""

    method: Annotated[str, Field(min_length=1)] | Annotated[list[str], Field(min_length=1, max_length=20)] = \
        "arithmetic"
    dat_thresh: Annotated[float, Field(ge=0, le=1)] | None = None
    vikor_v: Annotated[float, Field(ge=0, le=1)] = 0.5
    copeland: Annotated[str, Field(min_length=1)] = "classic"


class Aggregate:
    """The ``aggregate`` step: one method for all levels or a list with one per level."""

    name = "aggregate"
    defaults: dict[str, Any] = {"method": "arithmetic", "dat_thresh": None, "vikor_v": 0.5,
                                "copeland": "classic"}

    def __init__(self, **params: Any):
        unknown = sorted(map(str, set(params) - set(self.defaults)))
        if unknown:
            raise TalentbenchError(f"aggregate: unknown parameter(s) {unknown}; allowed: {sorted(self.defaults)}")
        check_yaml(AggregateParams, params, None, "aggregate step")
        self.params = {**self.defaults, **params}
        methods = self.params["method"]
        for m in methods if isinstance(methods, list) else [methods]:
            if m not in METHODS:
                raise TalentbenchError(f"aggregate: unknown method {m!r}; choose one of {', '.join(METHODS)}")
        t = self.params["dat_thresh"]
        if t is not None and not (isinstance(t, int | float) and 0 <= t <= 1):
            raise TalentbenchError("aggregate: dat_thresh must be a fraction between 0 and 1")

    def methods_by_level(self, fw: Hierarchy) -> dict[int, str]:
        m = self.params["method"]
        if isinstance(m, list):
            if len(m) != fw.max_level - 1:
                raise TalentbenchError(
                    f"aggregate: give one method, or one per level above the indicators ({fw.max_level - 1})"
                )
            return {lev: m[lev - 2] for lev in range(2, fw.max_level + 1)}
        return dict.fromkeys(range(2, fw.max_level + 1), m)

    def transform(self, normalised: pd.DataFrame, fw: Hierarchy, weights: dict[str, float],
                  plan: dict[int, str]) -> tuple[pd.DataFrame, dict[str, float]]:
        methods = self.methods_by_level(fw)
        values = {c: normalised[c].to_numpy(dtype=float) for c in fw.indicators}
        used = dict(weights)
        thresh = self.params["dat_thresh"]
        for lev in range(2, fw.max_level + 1):
            for parent in fw.nodes_at(lev):
                kids = fw.children(parent)
                x = np.column_stack([values[k] for k in kids])
                if plan.get(lev - 1):
                    w = DATA_DRIVEN_FUNCS[plan[lev - 1]](x)
                    used.update(zip(kids, w.tolist(), strict=True))
                else:
                    w = np.array([weights[k] for k in kids])
                y = self.combine(x, w, methods[lev])
                if thresh is not None:
                    y[(~np.isnan(x)).mean(axis=1) < thresh] = np.nan
                values[parent] = y
        out = pd.DataFrame({c: values[c] for c in fw.codes})
        out.insert(0, "uCode", normalised["uCode"].to_numpy())
        return out, used

    def combine(self, x: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
        if method in MEANS:
            return weighted_mean(x, w, method)
        if np.sum(w) <= 0:
            return np.full(x.shape[0], np.nan)
        if method == "topsis":
            return topsis(x, w)
        if method == "vikor":
            return vikor(x, w, float(self.params["vikor_v"]))
        return copeland(x, w, self.params["copeland"])
