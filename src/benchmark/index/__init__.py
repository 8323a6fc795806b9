"""Composite index engine (OECD/JRC Handbook method), reproducing COINr and going beyond it.

    from benchmark.index import CompositeIndex
    coin = CompositeIndex(idata, imeta).build("spec.yaml")    # or a dict {"steps": [...]}
    coin.data["Normalised"]; coin.results; coin.log; coin.analysis
    z = coin.variant("normalise", {"method": "zscore", "mean": 10, "sd": 2})
    coin.compare(z)

Input is COINr's layout: iData (uCode, uName, group columns, denominator columns, indicators)
and iMeta (Level, iCode, iName, Direction, Weight, Parent, Type, Denominator, Target). The
spec is a list of steps, run in this order; a step left out is skipped:

- ``denominate: {denominators: {iCode: column}, scale: 1}`` (default: iMeta Denominator)
- ``impute: {method: mean|median|mean_group|median_group|sklearn|none, group: COLUMN,
  imputer: knn|iterative|simple, imputer_params: {...}}``
- ``screen: {min_data: 0.9, on: STAGE, exclude: [uCode, ...]}``
- ``treat: {method: winsorise_log|winsorise|log|none, winmax: 5, skew: 2, kurt: 3.5,
  all: false, skip: [iCode, ...]}``
- ``normalise: {method: minmax|zscore|rank|prank|borda|dist2max|dist2target|goalposts|
  fracmax|none, range: [0, 100], mean: 0, sd: 1, targets: {...}, cap: false,
  goalposts: {iCode: [low, high]}, scale: 1, truncate: true}``
- ``weight: {method: meta|equal|manual|ahp|entropy|critic|pca, levels: [...],
  weights: {...}, matrices: {parent: {codes: [...], matrix: [[...]]}}, force: false}``,
  or a list of such mappings applied in order (e.g. entropy within pillars, AHP above)
- ``aggregate: {method: arithmetic|geometric|harmonic|topsis|vikor|copeland (or one per
  level), dat_thresh: null, vikor_v: 0.5, copeland: classic|coinr}``

Uncertainty and sensitivity analysis: :mod:`benchmark.index.sensitivity`; statistical
audit: :mod:`benchmark.index.audit`. Example specs: ``resources/index/``.
"""

from benchmark.index.coin import STAGES, CompositeIndex, load_spec
from benchmark.index.hierarchy import Hierarchy, build_hierarchy

__all__ = ["STAGES", "CompositeIndex", "Hierarchy", "build_hierarchy", "load_spec"]
