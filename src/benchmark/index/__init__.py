"""Composite index engine (OECD/JRC Handbook method, COINr-compatible).

``CompositeIndex(idata, imeta).build(spec)`` runs denominate -> impute -> screen -> treat ->
normalise -> weight -> aggregate; see :mod:`benchmark.index.coin`. Uncertainty and
sensitivity analysis live in :mod:`benchmark.index.sensitivity`, the statistical audit in
:mod:`benchmark.index.audit`.
"""

from benchmark.index.coin import STAGES, CompositeIndex, load_spec
from benchmark.index.framework import Framework, build_framework

__all__ = ["STAGES", "CompositeIndex", "Framework", "build_framework", "load_spec"]
