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


def rank_min(values: np.ndarray, descending: bool = False) -> np.ndarray:
    """Ranks with ties sharing the lowest rank (R's ``ties.method = 'min'``); NaN stays NaN."""
    from scipy.stats import rankdata

    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    if ok.any():
        out[ok] = rankdata(-v[ok] if descending else v[ok], method="min")
    return out
