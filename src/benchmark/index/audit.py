"""Statistical audit of a built index (OECD/JRC Handbook, step 4 and 7).

- indicator statistics: availability, spread, skew and kurtosis (COINr's definitions), flags;
- correlations within and across levels: every node against its parent and against the index,
  and the correlation matrix of the children of each aggregate;
- Cronbach's alpha of each aggregate's children (internal consistency);
- PCA per aggregate: variance explained by the first component, eigenvalues above 1,
  first-component loadings (does the group measure one thing?).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.index.coin import CompositeIndex
from benchmark.index.stats import kurtosis, skewness


def _stage(coin: CompositeIndex, stage: str) -> pd.DataFrame:
    if stage not in coin.data:
        raise TalentbenchError(f"no data set {stage!r}; available: {', '.join(coin.data)}")
    return coin.data[stage].set_index("uCode")


def indicator_stats(coin: CompositeIndex, stage: str = "Raw", skew_thresh: float = 2.0,
                    kurt_thresh: float = 3.5, min_avail: float = 0.65) -> pd.DataFrame:
    """One row per indicator: availability, min/max/mean/median/sd, skew, kurtosis and flags."""
    data = _stage(coin, stage)
    rows = []
    for code in coin.framework.indicators:
        x = data[code].to_numpy(dtype=float)
        ok = x[~np.isnan(x)]
        sk, kt = skewness(x), kurtosis(x)
        rows.append({
            "iCode": code,
            "Availability": ok.size / x.size if x.size else np.nan,
            "N": ok.size,
            "Min": ok.min() if ok.size else np.nan,
            "Max": ok.max() if ok.size else np.nan,
            "Mean": ok.mean() if ok.size else np.nan,
            "Median": np.median(ok) if ok.size else np.nan,
            "SD": ok.std(ddof=1) if ok.size > 1 else np.nan,
            "Skew": sk,
            "Kurt": kt,
            "Unique": np.unique(ok).size,
            "ZeroShare": float(np.mean(ok == 0)) if ok.size else np.nan,
            "FlagOutliers": bool(abs(sk) >= skew_thresh and kt >= kurt_thresh) if np.isfinite(sk) else False,
            "FlagLowData": bool(ok.size / x.size < min_avail) if x.size else True,
            "FlagConstant": bool(np.unique(ok).size <= 1),
        })
    return pd.DataFrame(rows)


def _corr(a: np.ndarray, b: np.ndarray, method: str = "pearson") -> float:
    s = pd.Series(a).corr(pd.Series(b), method=method)
    return float(s) if pd.notna(s) else np.nan


def parent_correlations(coin: CompositeIndex, stage: str = "Aggregated", method: str = "pearson") -> pd.DataFrame:
    """Every node's correlation with its parent, its grandparents and the top index."""
    data = _stage(coin, stage)
    fw = coin.framework
    rows = []
    for code in fw.codes:
        if code not in data.columns or fw.parent[code] is None:
            continue
        row = {"iCode": code, "Level": fw.level[code], "Parent": fw.parent[code]}
        for ancestor in fw.lineage(code)[1:]:
            row[f"r_L{fw.level[ancestor]}"] = _corr(data[code].to_numpy(float), data[ancestor].to_numpy(float), method)
            if ancestor == fw.parent[code]:
                row["r_parent"] = row[f"r_L{fw.level[ancestor]}"]
        rows.append(row)
    return pd.DataFrame(rows)


def group_correlations(coin: CompositeIndex, parent: str, stage: str = "Aggregated",
                       method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix of the children of ``parent``."""
    fw = coin.framework
    if parent not in fw.aggregates:
        raise TalentbenchError(f"{parent!r} is not an aggregate of the framework")
    data = _stage(coin, stage)
    return data[fw.children(parent)].corr(method=method)


def level_correlations(coin: CompositeIndex, level: int, stage: str = "Aggregated",
                       method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix of all nodes at one level (across groups)."""
    codes = coin.framework.nodes_at(level)
    if not codes:
        raise TalentbenchError(f"the framework has no level {level}")
    return _stage(coin, stage)[codes].corr(method=method)


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha: k/(k-1) * (1 - sum of item variances / variance of the total).

    Rows with a missing value are dropped (listwise), as is usual for alpha.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return np.nan
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return np.nan
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def pca_summary(x: np.ndarray) -> dict:
    """PCA of standardised columns: eigenvalues, share of the first, loadings of the first."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    sd = x.std(axis=0, ddof=1)
    keep = sd > 0
    if keep.sum() < 2 or x.shape[0] < 3:
        return {"eigenvalues": np.array([]), "var_pc1": np.nan, "n_eig_gt1": 0,
                "loadings_pc1": np.full(x.shape[1], np.nan)}
    z = (x[:, keep] - x[:, keep].mean(axis=0)) / sd[keep]
    values, vectors = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    v1 = vectors[:, 0]
    if v1.sum() < 0:  # eigenvector sign is arbitrary: make the component point "up"
        v1 = -v1
    loadings = np.full(x.shape[1], np.nan)
    loadings[keep] = v1 * np.sqrt(values[0])
    return {"eigenvalues": values, "var_pc1": float(values[0] / values.sum()),
            "n_eig_gt1": int(np.sum(values > 1)), "loadings_pc1": loadings}


def consistency(coin: CompositeIndex, stage: str = "Aggregated") -> pd.DataFrame:
    """One row per aggregate: Cronbach's alpha, PCA of its children, mean inner correlation."""
    data = _stage(coin, stage)
    fw = coin.framework
    rows = []
    for parent in fw.aggregates:
        kids = fw.children(parent)
        if not all(k in data.columns for k in kids):
            continue
        x = data[kids].to_numpy(dtype=float)
        pca = pca_summary(x)
        corr = data[kids].corr().to_numpy()
        inner = corr[np.triu_indices(len(kids), 1)]
        rows.append({
            "iCode": parent,
            "Level": fw.level[parent],
            "n_children": len(kids),
            "CronbachAlpha": cronbach_alpha(x),
            "PCA_var_pc1": pca["var_pc1"],
            "PCA_n_eig_gt1": pca["n_eig_gt1"],
            "MeanInnerCorr": float(np.nanmean(inner)) if inner.size else np.nan,
            "MinLoadingPC1": float(np.nanmin(pca["loadings_pc1"])) if len(kids) > 1 else np.nan,
        })
    return pd.DataFrame(rows)


def pca_loadings(coin: CompositeIndex, stage: str = "Aggregated") -> pd.DataFrame:
    """First-component loadings of every node within its parent's group."""
    data = _stage(coin, stage)
    fw = coin.framework
    rows = []
    for parent in fw.aggregates:
        kids = fw.children(parent)
        loads = pca_summary(data[kids].to_numpy(dtype=float))["loadings_pc1"]
        rows += [{"iCode": k, "Parent": parent, "LoadingPC1": float(v)} for k, v in zip(kids, loads, strict=True)]
    return pd.DataFrame(rows)


def audit(coin: CompositeIndex) -> dict[str, pd.DataFrame]:
    """The full audit as tables, ready to write out."""
    if "Aggregated" not in coin.data:
        raise TalentbenchError("build the index before auditing it")
    return {
        "indicator_stats": indicator_stats(coin, "Raw"),
        "normalised_stats": indicator_stats(coin, "Normalised"),
        "parent_correlations": parent_correlations(coin),
        "consistency": consistency(coin),
        "pca_loadings": pca_loadings(coin),
    }
