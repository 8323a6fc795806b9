"""Weighting methods: equal, manual, AHP, entropy, CRITIC, PCA.

Weights are relative within each group of siblings (the children of one aggregate), as in
COINr: aggregation divides by their sum. Data-driven methods (entropy, CRITIC, PCA) need the
values of the children, so the ``weight`` step records a plan and the aggregation step
resolves it level by level, when those values exist.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmark.errors import TalentbenchError
from benchmark.index.hierarchy import Hierarchy

# Saaty's random consistency index by matrix order (Saaty 1980, table 1.7 of "The Analytic
# Hierarchy Process"); orders 1 and 2 are always consistent.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}

DATA_DRIVEN = ("entropy", "critic", "pca")


def ahp_weights(matrix: Any, *, force: bool = False, max_cr: float = 0.1) -> tuple[np.ndarray, float, float]:
    """Principal-eigenvector weights of a pairwise comparison matrix, with Saaty's CR.

    Returns (weights summing to 1, consistency ratio, lambda_max). Refuses a matrix whose
    consistency ratio exceeds ``max_cr`` unless ``force``.
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise TalentbenchError("AHP: the pairwise matrix must be square")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise TalentbenchError("AHP: pairwise judgements must be positive numbers")
    if not np.allclose(np.diag(a), 1.0):
        raise TalentbenchError("AHP: the diagonal of the pairwise matrix must be 1")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        raise TalentbenchError("AHP: the pairwise matrix must be reciprocal (a_ji = 1 / a_ij)")
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    if n <= 2:
        cr = 0.0
    else:
        ri = RANDOM_INDEX.get(n, 1.59)
        cr = max(0.0, (lam - n) / (n - 1)) / ri
    if cr > max_cr and not force:
        raise TalentbenchError(
            f"AHP: consistency ratio {cr:.3f} exceeds {max_cr}; revise the judgements or set force: true"
        )
    return w, float(cr), lam


def entropy_weights(x: np.ndarray) -> np.ndarray:
    """Shannon entropy weights: columns that discriminate more between units weigh more.

    p_ij = x_ij / sum_i x_ij, E_j = -sum_i p_ij ln p_ij / ln n, w_j = (1 - E_j) / sum(1 - E).
    Needs non-negative data (e.g. after min-max normalisation); missing values are skipped.
    """
    x = np.asarray(x, dtype=float)
    if np.nanmin(x) < 0:
        raise TalentbenchError("entropy weights need non-negative data: normalise with min-max first")
    n = np.sum(~np.isnan(x), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / np.nansum(x, axis=0)
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -np.nansum(plogp, axis=0) / np.log(n)
    d = 1 - e
    d = np.where(np.isfinite(d), d, 0.0)
    return _share(d, "entropy")


def critic_weights(x: np.ndarray, benefit: np.ndarray | None = None) -> np.ndarray:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    Columns are min-max scaled to [0, 1] (cost columns reversed when ``benefit`` marks them);
    C_j = sigma_j * sum_k (1 - r_jk) with sigma the standard deviation of the scaled column
    and r Pearson's correlation of the columns *as given*, as in the worked example of Tus &
    Aytac Adali (2019); w_j = C_j / sum C. In the index every column is already a benefit,
    so the two readings of r coincide.
    """
    import pandas as pd

    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - lo) / (hi - lo)
    if benefit is not None:
        cost = ~(np.asarray(benefit) > 0)
        z[:, cost] = 1 - z[:, cost]
    z = np.where(np.isfinite(z), z, np.nan)
    sigma = pd.DataFrame(z).std(ddof=1).to_numpy()
    r = pd.DataFrame(x).corr().to_numpy()
    r = np.where(np.isfinite(r), r, 0.0)
    c = np.nan_to_num(sigma) * np.sum(1 - r, axis=1)
    return _share(c, "CRITIC")


def varimax(loadings: np.ndarray, max_iter: int = 500, tol: float = 1e-10) -> np.ndarray:
    """Kaiser's varimax rotation of a loadings matrix (indicators x factors)."""
    p, k = loadings.shape
    if k < 2:
        return loadings.copy()
    rotation = np.eye(k)
    criterion = 0.0
    for _ in range(max_iter):
        rotated = loadings @ rotation
        u, s, vt = np.linalg.svd(loadings.T @ (rotated**3 - rotated @ np.diag(np.sum(rotated**2, axis=0)) / p))
        rotation = u @ vt
        if s.sum() < criterion * (1 + tol):
            break
        criterion = s.sum()
    return loadings @ rotation


def pca_weights(x: np.ndarray, method: str = "handbook") -> np.ndarray:
    """Weights from principal components of the standardised columns.

    ``handbook`` (OECD/JRC Handbook on Constructing Composite Indicators, 2008, sec. 6.1):
    keep the components with eigenvalue > 1 that each explain > 10 % of the variance (at
    least one), rotate their loadings by varimax, scale the squared loadings of each factor
    to sum 1, give each indicator to the factor where that share is largest, and weight it by
    its share times the factor's part of the explained variance. With one retained factor
    this is simply the squared loadings of the first component, which is ``pc1``.
    Missing values are replaced by column means for this purpose only.
    """
    x = np.asarray(x, dtype=float)
    mean = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), mean, x)
    sd = x.std(axis=0, ddof=1)
    sd[sd == 0] = np.inf
    z = (x - x.mean(axis=0)) / sd
    corr = np.atleast_2d(np.cov(z, rowvar=False))
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    if method == "pc1":
        return _share(vectors[:, 0] ** 2, "PCA")
    share = values / values.sum()
    keep = max(1, int(np.sum((values > 1) & (share > 0.10))))
    loadings = vectors[:, :keep] * np.sqrt(np.maximum(values[:keep], 0))
    rotated = varimax(loadings)
    squared = rotated**2
    factor_var = squared.sum(axis=0)
    scaled = squared / factor_var
    owner = np.argmax(scaled, axis=1)
    factor_weight = factor_var / factor_var.sum()
    w = scaled[np.arange(len(owner)), owner] * factor_weight[owner]
    return _share(w, "PCA")


def _share(v: np.ndarray, label: str) -> np.ndarray:
    total = float(np.sum(v))
    if not np.isfinite(total) or total <= 0:
        # nothing to tell the columns apart: fall back to equal weights
        return np.full(v.shape, 1.0 / v.size)
    return v / total


def _on_usable_columns(func):
    """Apply a data-driven weighting to the columns that carry information.

    A column with fewer than two values or no spread tells units apart in no way: it gets
    weight 0. If no column is usable, weights are equal.
    """

    def wrapped(x: np.ndarray) -> np.ndarray:
        import warnings

        x = np.asarray(x, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            counts = np.sum(~np.isnan(x), axis=0)
            spread = np.nanmax(x, axis=0) - np.nanmin(x, axis=0) if x.size else np.zeros(x.shape[1])
            usable = (counts >= 2) & (np.nan_to_num(spread) > 0)
            w = np.zeros(x.shape[1])
            if usable.sum() == 0:
                return np.full(x.shape[1], 1.0 / x.shape[1])
            if usable.sum() == 1:
                w[usable] = 1.0
                return w
            w[usable] = func(x[:, usable])
        return w

    wrapped.__doc__ = func.__doc__
    return wrapped


DATA_DRIVEN_FUNCS = {"entropy": _on_usable_columns(entropy_weights),
                     "critic": _on_usable_columns(critic_weights),
                     "pca": _on_usable_columns(pca_weights)}


class Weight:
    """The ``weight`` step: fix weights (equal, manual, AHP) or plan data-driven ones.

    Params: ``method`` (equal, manual, ahp, entropy, critic, pca, meta); ``levels``: the
    levels whose *children's* weights it sets, as the level of the children (default all);
    ``weights`` for manual; ``matrices`` for AHP: ``{parent: {codes: [...], matrix: [[...]]}}``;
    ``force`` to accept an AHP matrix with CR > 0.1.
    """

    name = "weight"
    methods = ("meta", "equal", "manual", "ahp") + DATA_DRIVEN
    defaults: dict[str, Any] = {"method": "meta", "levels": None, "weights": None, "matrices": None,
                                "force": False}

    def __init__(self, **params: Any):
        unknown = sorted(map(str, set(params) - set(self.defaults)))
        if unknown:
            raise TalentbenchError(f"weight: unknown parameter(s) {unknown}; allowed: {sorted(self.defaults)}")
        self.params = {**self.defaults, **params}
        if self.params["method"] not in self.methods:
            raise TalentbenchError(
                f"weight: unknown method {self.params['method']!r}; choose one of {', '.join(self.methods)}"
            )
        if self.params["method"] == "manual" and not isinstance(self.params["weights"], dict):
            raise TalentbenchError("weight: manual weights need 'weights: {iCode: weight}'")
        if self.params["method"] == "ahp" and not isinstance(self.params["matrices"], dict):
            raise TalentbenchError("weight: AHP needs 'matrices: {parent: {codes: [...], matrix: [[...]]}}'")

    def resolve(self, fw: Hierarchy, weights: dict[str, float] | None = None,
                plan: dict[int, str] | None = None) -> tuple[dict[str, float], dict[int, str], dict]:
        """Return (fixed weights by code, data-driven method by child level, details).

        Starts from ``weights``/``plan`` (default: iMeta weights, no plan), so that several
        weight steps can be layered; a fixed method takes its levels back from a plan.
        """
        p = self.params
        levels = p["levels"]
        if levels is None:
            levels = list(range(1, fw.max_level))
        levels = [int(v) for v in (levels if isinstance(levels, list) else [levels])]
        bad = [v for v in levels if v < 1 or v >= fw.max_level]
        if bad:
            raise TalentbenchError(f"weight: levels must be between 1 and {fw.max_level - 1}, got {bad}")
        weights = dict(fw.weight if weights is None else weights)
        plan = dict(plan or {})
        details: dict[str, Any] = {}
        m = p["method"]
        if m == "equal":
            for code in fw.codes:
                if fw.level[code] in levels:
                    weights[code] = 1.0
            for lev in levels:
                plan.pop(lev, None)
        elif m == "manual":
            given = {str(k): v for k, v in p["weights"].items()}
            weights = fw.with_weights(given).weight | {c: w for c, w in weights.items() if c not in given}
            for code in given:
                plan.pop(fw.level[code], None)
        elif m == "ahp":
            for parent, spec in p["matrices"].items():
                if parent not in fw.aggregates:
                    raise TalentbenchError(f"weight: AHP matrix given for {parent!r}, not an aggregate")
                children = fw.children(parent)
                codes = list(spec.get("codes", children)) if isinstance(spec, dict) else children
                matrix = spec["matrix"] if isinstance(spec, dict) else spec
                if sorted(codes) != sorted(children):
                    raise TalentbenchError(
                        f"weight: AHP codes for {parent!r} must be exactly its children {children}"
                    )
                w, cr, lam = ahp_weights(matrix, force=bool(p["force"]))
                if len(w) != len(codes):
                    raise TalentbenchError(f"weight: AHP matrix for {parent!r} must be {len(codes)}x{len(codes)}")
                weights.update(dict(zip(codes, w.tolist(), strict=True)))
                details[parent] = {"CR": cr, "lambda_max": lam}
                plan.pop(fw.level[parent] - 1, None)
        elif m in DATA_DRIVEN:
            plan.update(dict.fromkeys(levels, m))
        return weights, plan, details


class WeightSequence:
    """Several weight steps layered in order, e.g. entropy within pillars, AHP above them."""

    name = "weight"

    def __init__(self, steps: list[dict]):
        if not steps or not all(isinstance(s, dict) for s in steps):
            raise TalentbenchError("weight: a list of weightings must hold parameter mappings")
        self.steps = [Weight(**s) for s in steps]
        self.params = [w.params for w in self.steps]

    def resolve(self, fw: Hierarchy) -> tuple[dict[str, float], dict[int, str], dict]:
        weights, plan, details = dict(fw.weight), {}, {}
        for step in self.steps:
            weights, plan, more = step.resolve(fw, weights, plan)
            details.update(more)
        return weights, plan, details
