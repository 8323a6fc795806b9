"""Clusters and peer groups (同类城市).

Two questions, two tools:
- which cities pursue a similar policy mix -> k-means on the normalised indicators
  (``PolicyClusters``, k chosen by silhouette when not given);
- which cities a city should compare itself with -> nearest neighbours on context
  features such as population and growth (``nearest_peers``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from benchmark.errors import TalentbenchError

# The report quotes these: how many bootstrap resamples test a city's grouping, below which
# share of agreeing resamples a grouping should not be read into (a city that changes group in
# about one resample of three is on a border), and how far (in standard deviations of the
# pillar scores) a group's mean must sit from the overall mean to be called a trait of it.
STABILITY_RESAMPLES = 100
STABLE_SHARE = 0.7
ARCHETYPE_SD = 0.5

class PolicyClusters(ClusterMixin, BaseEstimator):
    """K-means on a complete city x indicator table.

    Parameters
    ----------
    n_clusters : int or "auto"
        "auto" tries ``k_min``..``k_max`` and keeps the best silhouette.
    """

    def __init__(self, n_clusters: int | str = "auto", k_min: int = 2, k_max: int = 6,
                 random_state: int = 0):
        self.n_clusters = n_clusters
        self.k_min = k_min
        self.k_max = k_max
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y=None) -> PolicyClusters:
        if X.isna().to_numpy().any():
            raise TalentbenchError("clustering needs a complete table: impute missing values first")
        n = len(X)
        if n < 3:
            raise TalentbenchError(f"clustering needs at least 3 cities, got {n}")
        values = StandardScaler().fit_transform(X.to_numpy(dtype=float))
        values = np.nan_to_num(values)  # a constant column scales to NaN; it carries no information
        if self.n_clusters == "auto":
            candidates = range(self.k_min, min(self.k_max, n - 1) + 1)
        elif not 2 <= int(self.n_clusters) < n:
            raise TalentbenchError(f"the number of clusters must be from 2 to {n - 1} for {n} cities, "
                                   f"not {self.n_clusters}")
        else:
            candidates = [int(self.n_clusters)]
        best = None
        for k in candidates:
            model = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit(values)
            distinct = len(set(model.labels_))
            score = silhouette_score(values, model.labels_) if 1 < distinct < n else -1.0
            if best is None or score > best[0]:
                best = (score, model)
        self.silhouette_, self.model_ = best
        self.k_ = self.model_.n_clusters
        self.labels_ = self._relabel(X, self.model_.labels_)
        return self

    @staticmethod
    def _relabel(X: pd.DataFrame, labels: np.ndarray) -> pd.Series:
        # Number clusters by their mean standardised score, best first, so "1" reads as the top group.
        means = pd.Series(X.rank(pct=True).mean(axis=1).to_numpy()).groupby(labels).mean()
        order = {old: new for new, old in enumerate(means.sort_values(ascending=False).index, start=1)}
        return pd.Series([order[label] for label in labels], index=X.index, name="cluster")


def nearest_peers(context: pd.DataFrame, n_peers: int = 3) -> pd.DataFrame:
    """For each city, its ``n_peers`` most similar cities on standardised context features.

    Returns one row per city with ``peers`` (comma-separated, nearest first) and ``distances``.
    Rows with missing context are left out rather than guessed.
    """
    if context.shape[1] == 0:
        raise TalentbenchError("no context features to find peer cities by")
    complete = context.dropna()
    if len(complete) <= n_peers:
        raise TalentbenchError(f"need more than {n_peers} cities with complete context, got {len(complete)}")
    values = StandardScaler().fit_transform(complete.to_numpy(dtype=float))
    distances, indices = NearestNeighbors(n_neighbors=n_peers + 1).fit(values).kneighbors(values)
    cities = complete.index.to_list()
    rows = []
    for i, city in enumerate(cities):
        # kneighbors returns the city itself among its neighbours; drop it wherever ties put it.
        pairs = [(cities[j], d) for j, d in zip(indices[i], distances[i], strict=True) if cities[j] != city][:n_peers]
        rows.append({"city": city, "peers": ",".join(p for p, _ in pairs),
                     "distances": ",".join(f"{d:.2f}" for _, d in pairs)})
    return pd.DataFrame(rows)


def peer_comparison(matrix: pd.DataFrame, focus: str, peers: list[str]) -> pd.DataFrame:
    """Where ``focus`` stands against ``peers`` on each indicator, in the matrix's own units.

    One row per indicator: the focus city's value, the peers' median, the best peer and its
    value, the focus city's rank among the cities with a known value, and the peers that
    out-bid it. Unknown values stay unknown: they are neither ranked nor counted as lower.
    """
    if focus not in matrix.index:
        raise TalentbenchError(f"{focus} is not in the matrix")
    peers = [p for p in peers if p in matrix.index and p != focus]
    rows = []
    for indicator in matrix.columns:
        own = matrix.at[focus, indicator]
        others = matrix.loc[peers, indicator].dropna()
        best = others.idxmax() if len(others) else None
        known = pd.concat([others, pd.Series({focus: own})]).dropna()
        rows.append({
            "indicator": indicator,
            "focus_value": own,
            "peer_median": others.median() if len(others) else np.nan,
            "best_peer": best,
            "best_value": others.max() if len(others) else np.nan,
            "rank_among_peers": int(known.rank(ascending=False, method="min")[focus]) if pd.notna(own) else None,
            "n_compared": len(known),
            "outbid_by": ",".join(others[others > own].sort_values(ascending=False).index) if pd.notna(own) else "",
        })
    return pd.DataFrame(rows)


def coverage_gaps(provisions: pd.DataFrame, focus: str, peers: list[str], column: str = "tier") -> pd.DataFrame:
    """Talent groups (or benefit types) that peers' provisions cover and the focus city's do not.

    One row per value of ``column`` offered by at least one peer but by no provision of the
    focus city, with the peers that offer it. "Not offered" here means no sourced provision
    is known, which the report words as such.
    """
    offered = provisions.groupby(column)["city"].agg(set)
    rows = []
    for value, cities in offered.items():
        by_peers = [p for p in peers if p in cities]
        if by_peers and focus not in cities:
            rows.append({column: value, "peers": ",".join(by_peers)})
    return pd.DataFrame(rows, columns=[column, "peers"])


# -- archetypes -----------------------------------------------------------------------------


def ward_labels(X: pd.DataFrame, k: int) -> pd.Series:
    """Ward hierarchical clustering of the standardised profile into ``k`` groups."""
    from sklearn.cluster import AgglomerativeClustering

    values = np.nan_to_num(StandardScaler().fit_transform(X.to_numpy(dtype=float)))
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(values)
    return PolicyClusters._relabel(X, labels)


def assignment_stability(X: pd.DataFrame, labels: pd.Series, k: int, n_resamples: int = STABILITY_RESAMPLES,
                         seed: int = 0) -> pd.Series:
    """Per city: how often, over bootstrap resamples of the cities, it is grouped with the cities
    it shares a group with in the full clustering (1 = always, a stable assignment).

    Each resample draws cities with replacement, clusters the distinct ones again with k-means
    and the same k, and counts, for every pair of cities drawn together, whether they are still
    together; a city's stability is the mean over its pairs of "same group then and now".
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    cities = list(X.index)
    same_full = (labels.to_numpy()[:, None] == labels.to_numpy()[None, :])
    # a dozen cities: thread start-up costs ten times the clustering itself
    with threadpool_limits(1):
        agree, seen = _resample(X, same_full, k, n_resamples, rng, seed)
    np.fill_diagonal(seen, 0)
    pair_rate = np.where(seen > 0, agree / np.where(seen > 0, seen, 1), np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a city never drawn with another: NaN
        per_city = np.nanmean(pair_rate, axis=1)
    return pd.Series(per_city, index=cities, name="stability")


def _resample(X: pd.DataFrame, same_full: np.ndarray, k: int, n_resamples: int, rng: np.random.Generator,
              seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(X)
    agree = np.zeros((n, n))
    seen = np.zeros((n, n))
    for _ in range(n_resamples):
        drawn = np.unique(rng.integers(0, n, size=n))
        if len(drawn) <= k:
            continue
        values = np.nan_to_num(StandardScaler().fit_transform(X.iloc[drawn].to_numpy(dtype=float)))
        sub_labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(values).labels_
        same_now = sub_labels[:, None] == sub_labels[None, :]
        ix = np.ix_(drawn, drawn)
        agree[ix] += same_now == same_full[ix]
        seen[ix] += 1
    return agree, seen


def describe_archetypes(profile: pd.DataFrame, labels: pd.Series, names: dict[str, str],
                        high: float = ARCHETYPE_SD) -> pd.DataFrame:
    """Each group in words and numbers: its cities, its mean on each column (0–100 scores) and
    what sets it apart ("现金高、安居低"): columns more than ``high`` standard deviations above
    or below the mean of all cities."""
    z = (profile - profile.mean()) / profile.std(ddof=0).replace(0, np.nan)
    rows = []
    for group in sorted(labels.unique()):
        members = labels.index[labels == group]
        means = profile.loc[members].mean()
        zm = z.loc[members].mean()
        words = [f"{names.get(c, c)}高" for c in zm.index if zm[c] >= high]
        words += [f"{names.get(c, c)}低" for c in zm.index if zm[c] <= -high]
        rows.append({"group": int(group), "cities": "、".join(members), "n": len(members),
                     "description": "、".join(words) or "各项接近平均",
                     **{c: round(float(means[c]), 1) for c in profile.columns}})
    return pd.DataFrame(rows)
