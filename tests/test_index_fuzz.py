"""Random frameworks, data and specs: the engine either builds a sane index or says why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.index import CompositeIndex

SPEC_CHOICES = {
    "impute": [None, {"method": "mean"}, {"method": "median_group", "group": "grp"}],
    "screen": [None, {"min_data": 0.5}],
    "treat": [None, {"method": "winsorise_log", "winmax": 3}, {"method": "log", "all": True}],
    "normalise": [{"method": "minmax", "range": [0, 100]}, {"method": "minmax", "range": [1, 100]},
                  {"method": "zscore", "mean": 10, "sd": 2}, {"method": "rank"}],
    "weight": [None, {"method": "equal"}, {"method": "entropy", "levels": [1]}, {"method": "critic"},
               {"method": "pca", "levels": [1]}],
    "aggregate": [{"method": "arithmetic"}, {"method": "geometric"}, {"method": "harmonic"},
                  {"method": "topsis"}, {"method": "vikor"}, {"method": "copeland"}],
}


def random_case(rng: np.random.Generator):
    depth = int(rng.integers(2, 5))
    n_ind = int(rng.integers(2, 9))
    codes = [f"i{j}" for j in range(n_ind)]
    rows, level_nodes = [], codes
    for lev in range(2, depth + 1):
        n_par = 1 if lev == depth else int(rng.integers(1, max(2, len(level_nodes))))
        parents = [f"L{lev}_{k}" for k in range(n_par)]
        assign = [parents[k % n_par] for k in range(len(level_nodes))]
        rng.shuffle(assign)
        assign[:n_par] = parents  # every parent gets at least one child
        for node, parent in zip(level_nodes, assign, strict=True):
            rows.append({"Level": lev - 1, "iCode": node, "Direction": int(rng.choice([-1, 1])),
                         "Weight": float(rng.choice([0.5, 1, 2])), "Parent": parent,
                         "Type": "Indicator" if lev == 2 else "Aggregate"})
        level_nodes = parents
    rows.append({"Level": depth, "iCode": level_nodes[0], "Direction": 1, "Weight": 1, "Parent": None,
                 "Type": "Aggregate"})
    rows.append({"Level": None, "iCode": "grp", "Direction": None, "Weight": None, "Parent": None, "Type": "Group"})
    n_units = int(rng.integers(3, 30))
    x = rng.lognormal(sigma=rng.uniform(0.1, 2), size=(n_units, n_ind))
    x[rng.random(x.shape) < rng.uniform(0, 0.3)] = np.nan
    if rng.random() < 0.3:
        x[:, 0] = 5.0  # a constant indicator
    data = pd.DataFrame(x, columns=codes)
    data.insert(0, "uCode", [f"u{i}" for i in range(n_units)])
    data["grp"] = rng.choice(["a", "b"], n_units)
    steps = []
    for step, options in SPEC_CHOICES.items():
        choice = options[int(rng.integers(len(options)))]
        if choice is not None:
            steps.append({step: choice})
    return data, pd.DataFrame(rows), {"steps": steps}


def test_random_indices_build_or_fail_cleanly():
    rng = np.random.default_rng(2024)
    built = refused = 0
    for _ in range(100):
        data, meta, spec = random_case(rng)
        try:
            coin = CompositeIndex(data, meta).build(spec)
        except TalentbenchError:
            refused += 1
            continue
        built += 1
        res = coin.results
        fw = coin.framework
        ranks = res["Rank"].dropna().to_numpy(int)
        scores = res[fw.top].dropna().to_numpy(float)
        assert len(ranks) == len(scores)
        assert np.all(np.diff(scores) <= 1e-9)  # sorted by rank = by descending score
        if len(ranks):
            assert ranks[0] == 1 and np.all(np.diff(ranks) >= 0)
        steps = dict(coin.spec)
        if steps["aggregate"]["method"] in ("arithmetic", "geometric", "harmonic") and \
                steps["normalise"]["method"] == "minmax":
            lo, hi = steps["normalise"]["range"]
            agg = coin.data["Aggregated"][list(fw.aggregates)].to_numpy(float)
            ok = agg[~np.isnan(agg)]
            assert np.all(ok >= lo - 1e-9) and np.all(ok <= hi + 1e-9)
    assert built >= 80 and built + refused == 100
