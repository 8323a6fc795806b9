"""Small statistics used by several stages, defined exactly as COINr defines them."""

from __future__ import annotations

import numpy as np


def skewness(x: np.ndarray) -> float:
    """Sample skewness, e1071 type 2 (Excel's SKEW), NaN ignored, as COINr's ``skew()``."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return float("nan")
    y = np.sqrt(n) * np.sum(d**3) / m2**1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis, e1071 type 2 (Excel's KURT), NaN ignored, as COINr's ``kurt()``."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return float("nan")
    r = n * np.sum(d**4) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes_skew_kurt(x: np.ndarray, skew_thresh: float, kurt_thresh: float) -> tuple[bool, float, float]:
    """COINr's ``check_SkewKurt``: passes if |skew| < skew_thresh OR kurtosis < kurt_thresh.

    A column without spread (skew undefined) passes: there is no outlier to treat.
    """
    sk, kt = skewness(x), kurtosis(x)
    if np.isnan(sk) or np.isnan(kt):
        return True, sk, kt
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh), sk, kt


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """Rank each row, highest score = 1, ties share the lowest rank; NaN gets NaN.

    Pure numpy (one argsort per call, all rows at once), so ranking thousands of Monte Carlo
    replications is a single vectorised operation.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    d, n = scores.shape
    key = np.where(np.isnan(scores), np.inf, -scores)
    order = np.argsort(key, axis=1, kind="stable")
    ordered = np.take_along_axis(key, order, axis=1)
    pos = np.broadcast_to(np.arange(1, n + 1, dtype=float), (d, n))
    new_run = np.ones((d, n), dtype=bool)
    new_run[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0.0), axis=1)
    run_start[np.isinf(ordered)] = np.nan
    ranks = np.empty((d, n))
    np.put_along_axis(ranks, order, run_start, axis=1)
    return ranks


def rank_min(values: np.ndarray, descending: bool = False) -> np.ndarray:
    """Ranks with ties sharing the lowest rank (R's ``ties.method = 'min'``); NaN stays NaN."""
    v = np.asarray(values, dtype=float)
    return rank_rows(v[None, :] if descending else -v[None, :])[0]
