"""Uncertainty and sensitivity analysis of an index's ranks (Monte Carlo, Sobol indices).

An *uncertain input* is one method choice that could reasonably have been made otherwise:

- ``weights``: every weight of the nodes at ``levels`` is multiplied by (1 + noise * U(-1, 1)),
  independently (COINr's ``get_noisy_weights``);
- ``choice``: one of several parameter sets for a step (``step``, ``options``);
- ``param``: one parameter of a step takes one of ``values`` (e.g. treat's winmax 1..5).

Each input is one dimension u in [0, 1) of the design: a choice or param takes option
floor(u * k); a weights input takes one of a fixed table of noisy weight sets (COINr's way),
so Sobol indices are per input, not per weight. Each replication picks a value for every
input, rebuilds what changed and ranks the units.
Steps before aggregation are rebuilt once per distinct combination of choices (there are
few); aggregation with means is done for all weight draws at once as matrix products (see
:mod:`benchmark.index.vectorised`), so thousands of replications take a second.

Variance-based sensitivity uses Saltelli's design: two quasi-random matrices A and B and,
for each input i, A with column i taken from B. First-order indices use Saltelli et al.
(2010, eq. b), total-order indices Jansen (1999); both are checked on the Ishigami function.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.index.aggregate import MEANS, Aggregate
from benchmark.index.coin import STEP_ORDER, CompositeIndex, make_step
from benchmark.index.vectorised import HierarchyMatrices, aggregate_draws, rank_rows

PRE_AGGREGATE = ("denominate", "impute", "screen", "treat", "normalise")


@dataclass
class UncertainInput:
    """One uncertain method choice; see the module docstring for the three kinds."""

    name: str
    kind: str
    step: str | None = None
    options: list[dict] = field(default_factory=list)
    param: str | None = None
    levels: list[int] = field(default_factory=list)
    noise: float = 0.0

    @property
    def n_options(self) -> int:
        return len(self.options)


def parse_inputs(raw: list[dict] | dict, coin: CompositeIndex) -> list[UncertainInput]:
    """Validate a list of uncertain-input specs (YAML/JSON shape) against an index."""
    if isinstance(raw, dict):
        raw = raw.get("inputs", raw.get("uncertain", []))
    if not isinstance(raw, list) or not raw:
        raise TalentbenchError("sensitivity needs a non-empty list of uncertain inputs")
    nominal = dict(coin.spec)
    fw = coin.framework
    out: list[UncertainInput] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise TalentbenchError(f"uncertain input #{i + 1} must be a mapping")
        kind = item.get("type")
        name = str(item.get("name") or f"input{i + 1}")
        if kind == "weights":
            levels = item.get("levels", [2])
            levels = [int(v) for v in (levels if isinstance(levels, list) else [levels])]
            bad = [v for v in levels if v < 1 or v >= fw.max_level]
            if bad:
                raise TalentbenchError(f"{name}: weight levels must be between 1 and {fw.max_level - 1}")
            noise = float(item.get("noise", 0.25))
            if not 0 <= noise < 1:
                raise TalentbenchError(f"{name}: noise must be in [0, 1)")
            out.append(UncertainInput(name, "weights", levels=levels, noise=noise))
            continue
        step = item.get("step")
        if step not in STEP_ORDER:
            raise TalentbenchError(f"{name}: step must be one of {', '.join(STEP_ORDER)}")
        if kind == "choice":
            options = item.get("options")
            if not isinstance(options, list) or len(options) < 1 or not all(
                    isinstance(o, dict) or (step == "weight" and isinstance(o, list)) for o in options):
                raise TalentbenchError(f"{name}: a choice needs a list of parameter mappings under 'options'")
            out.append(UncertainInput(name, "choice", step=step, options=copy.deepcopy(options)))
        elif kind == "param":
            param, values = item.get("param"), item.get("values")
            if not param or not isinstance(values, list) or not values:
                raise TalentbenchError(f"{name}: a param input needs 'param' and a list of 'values'")
            base = nominal.get(step, {})
            out.append(UncertainInput(name, "param", step=step, param=str(param),
                                      options=[{**base, str(param): v} for v in values]))
        else:
            raise TalentbenchError(f"{name}: type must be weights, choice or param")
    steps_used = [u.step for u in out if u.step]
    if len(set(steps_used)) != len(steps_used):
        raise TalentbenchError("two uncertain inputs act on the same step; combine them in one choice")
    # validate every option now, before any replication runs
    for u in out:
        for o in u.options:
            make_step(u.step, o)
    return out


def default_inputs(coin: CompositeIndex) -> list[dict]:
    """COINr's example analysis: noisy weights, two normalisations, winmax 1-5, two means."""
    fw = coin.framework
    inputs: list[dict] = [{"name": "weights", "type": "weights", "levels": list(range(2, fw.max_level)),
                           "noise": 0.25}]
    if "treat" in dict(coin.spec):
        inputs.append({"name": "winmax", "type": "param", "step": "treat", "param": "winmax",
                       "values": [1, 2, 3, 4, 5]})
    inputs.append({"name": "normalisation", "type": "choice", "step": "normalise",
                   "options": [{"method": "minmax", "range": [1, 100]},
                               {"method": "zscore", "mean": 10, "sd": 2}]})
    inputs.append({"name": "aggregation", "type": "choice", "step": "aggregate",
                   "options": [{"method": "arithmetic"}, {"method": "geometric"}]})
    return inputs


class Replicator:
    """Evaluates many replications of an index, each a point of the unit hypercube."""

    def __init__(self, coin: CompositeIndex, inputs: list[UncertainInput], seed: int = 0,
                 chunk: int = 2000):
        if "Aggregated" not in coin.data:
            raise TalentbenchError("build the index before analysing its sensitivity")
        self.coin = coin
        self.inputs = inputs
        self.fw = coin.framework
        self.hm = HierarchyMatrices(self.fw)
        self.units = coin.data["Raw"]["uCode"].tolist()
        self.rng = np.random.default_rng(seed)
        self.chunk = chunk
        self.nominal = dict(coin.spec)
        self._prefix_cache: dict[tuple, np.ndarray] = {}
        self._stage_cache: dict[tuple, CompositeIndex] = {}
        self._noise_sets: dict[int, np.ndarray] = {}
        self.failed = 0

    # -- mapping of the unit hypercube to choices ------------------------------------------

    def option_index(self, u: np.ndarray, inp: UncertainInput) -> np.ndarray:
        return np.minimum((u * inp.n_options).astype(int), inp.n_options - 1)

    def noise_sets(self, i: int, k: int) -> np.ndarray:
        """k noisy multiplier vectors (one per code) for weights input ``i``."""
        if i not in self._noise_sets or len(self._noise_sets[i]) < k:
            inp = self.inputs[i]
            mult = np.ones((k, len(self.hm.codes)))
            cols = [j for j, c in enumerate(self.hm.codes) if self.fw.level[c] in inp.levels]
            mult[:, cols] = 1 + inp.noise * (self.rng.random((k, len(cols))) * 2 - 1)
            self._noise_sets[i] = mult
        return self._noise_sets[i]

    # -- evaluation -----------------------------------------------------------------------

    def _normalised(self, key: tuple[tuple[str, int], ...]) -> np.ndarray:
        """Normalised indicator matrix (all units, NaN rows for screened-out units)."""
        pre = tuple(sorted((item for item in key if item[0] in PRE_AGGREGATE),
                           key=lambda item: STEP_ORDER.index(item[0])))
        if pre not in self._prefix_cache:
            built = self._built_prefix(pre, len(pre))
            norm = built.data["Normalised"].set_index("uCode").reindex(self.units)
            self._prefix_cache[pre] = norm[list(self.fw.indicators)].to_numpy(dtype=float)
        return self._prefix_cache[pre]

    def _built_prefix(self, pre: tuple[tuple[str, int], ...], k: int) -> CompositeIndex:
        """The index with the first ``k`` varied steps set as in ``pre``, built just far
        enough for the next varied step (or to normalisation). Shared prefixes are built once:
        with winmax x normalisation, the treatment runs once per winmax, not per pair."""
        if k == 0:
            return self.coin
        cache_key = pre[:k]
        if cache_key not in self._stage_cache:
            steps = dict(self.nominal)
            for step, idx in cache_key:
                steps[step] = self._options_of(step)[idx]
            ordered = [(s, steps[s]) for s in STEP_ORDER if s in steps]
            upto = "normalise"
            if k < len(pre):
                upto = STEP_ORDER[STEP_ORDER.index(pre[k][0]) - 1]
            previous = self._built_prefix(pre, k - 1)
            self._stage_cache[cache_key] = self.coin._sibling()._build(
                ordered, reuse=previous, first_changed=cache_key[-1][0], upto=upto)
        return self._stage_cache[cache_key]

    def _options_of(self, step: str) -> list[dict]:
        return next(u.options for u in self.inputs if u.step == step)

    def scores(self, design: np.ndarray) -> np.ndarray:
        """Top-level scores (replications x units) for a design in [0, 1)^d."""
        design = np.atleast_2d(np.asarray(design, dtype=float))
        n, d = design.shape
        if d != len(self.inputs):
            raise TalentbenchError(f"design has {d} columns for {len(self.inputs)} inputs")
        choice_cols = [i for i, u in enumerate(self.inputs) if u.kind != "weights"]
        idx = np.column_stack([self.option_index(design[:, i], self.inputs[i]) for i in choice_cols]) \
            if choice_cols else np.zeros((n, 0), dtype=int)
        # one fixed table of noisy weight sets per weights input for the whole design, so that
        # a point of the hypercube means the same weights in every group of replications
        for i, inp in enumerate(self.inputs):
            if inp.kind == "weights":
                self.noise_sets(i, max(n, 1024))
        out = np.full((n, len(self.units)), np.nan)
        combos, inverse = np.unique(idx, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        with warnings.catch_warnings():
            # missing values propagate by design (e.g. units screened out in some draws)
            warnings.simplefilter("ignore", RuntimeWarning)
            for c, combo in enumerate(combos):
                rows = np.flatnonzero(inverse == c)
                key = tuple((self.inputs[i].step, int(v)) for i, v in zip(choice_cols, combo, strict=True))
                out[rows] = self._scores_for(key, design[rows])
        return out

    def _scores_for(self, key: tuple[tuple[str, int], ...], design: np.ndarray) -> np.ndarray:
        chosen = dict(key)
        x = self._normalised(key)
        weight_params = (self._options_of("weight")[chosen["weight"]] if "weight" in chosen
                         else self.nominal.get("weight"))
        if weight_params is not None:
            base, plan, _ = make_step("weight", weight_params).resolve(self.fw)
        else:
            base, plan = dict(self.fw.weight), {}
        agg_params = (self._options_of("aggregate")[chosen["aggregate"]] if "aggregate" in chosen
                      else self.nominal.get("aggregate", {}))
        aggregator = Aggregate(**agg_params)
        methods = aggregator.methods_by_level(self.fw)
        weights = np.tile(self.hm.weight_vector(base), (len(design), 1))
        for i, inp in enumerate(self.inputs):
            if inp.kind == "weights":
                sets = self._noise_sets[i]
                pick = np.minimum((design[:, i] * len(sets)).astype(int), len(sets) - 1)
                weights *= sets[pick]
        fast = not plan and aggregator.params["dat_thresh"] is None and all(
            m in MEANS for m in methods.values())
        if fast:
            parts = [aggregate_draws(x, self.hm, weights[s:s + self.chunk], methods)
                     for s in range(0, len(weights), self.chunk)]
            return np.vstack(parts)
        return self._slow_scores(x, weights, plan, aggregator)

    def _slow_scores(self, x: np.ndarray, weights: np.ndarray, plan: dict, aggregator: Aggregate) -> np.ndarray:
        """One aggregation per replication: TOPSIS/VIKOR/Copeland or data-driven weights."""
        frame = pd.DataFrame(x, columns=list(self.fw.indicators))
        frame.insert(0, "uCode", self.units)
        keep = ~np.all(np.isnan(x), axis=1)
        frame = frame.loc[keep].reset_index(drop=True)
        # replications that share their weights (no weight noise) share their result
        distinct, which = np.unique(weights, axis=0, return_inverse=True)
        which = np.asarray(which).reshape(-1)
        out = np.full((len(weights), len(self.units)), np.nan)
        for r, wrow in enumerate(distinct):
            wdict = dict(zip(self.hm.codes, wrow.tolist(), strict=True))
            try:
                agg, _ = aggregator.transform(frame, self.fw, wdict, plan)
            except TalentbenchError:
                self.failed += int(np.sum(which == r))
                continue
            rows = np.flatnonzero(which == r)
            out[np.ix_(rows, np.flatnonzero(keep))] = agg[self.fw.top].to_numpy(dtype=float)[None, :]
        return out


@dataclass
class UncertaintyResult:
    """Ranks of every replication and their summary per unit."""

    units: list[str]
    nominal: np.ndarray
    ranks: np.ndarray
    scores: np.ndarray
    design: np.ndarray
    inputs: list[UncertainInput]

    @property
    def summary(self) -> pd.DataFrame:
        r = self.ranks
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                table = pd.DataFrame({
                    "uCode": self.units,
                    "Nominal": self.nominal,
                    "Mean": np.nanmean(r, axis=0),
                    "Median": np.nanmedian(r, axis=0),
                    "Q5": np.nanpercentile(r, 5, axis=0),
                    "Q95": np.nanpercentile(r, 95, axis=0),
                    "Min": np.nanmin(r, axis=0),
                    "Max": np.nanmax(r, axis=0),
                    "Valid": np.sum(~np.isnan(r), axis=0),
                })
        return table.sort_values(["Nominal", "uCode"], na_position="last").reset_index(drop=True)

    def mean_abs_rank_shift(self) -> np.ndarray:
        """Per replication: mean over units of |rank - nominal rank| (the sensitivity target)."""
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.nanmean(np.abs(self.ranks - self.nominal[None, :]), axis=1)


def _nominal_ranks(coin: CompositeIndex, units: list[str]) -> np.ndarray:
    ranks = coin.ranks()
    return np.array([float(ranks.get(u)) if pd.notna(ranks.get(u)) else np.nan for u in units])


def uncertainty(coin: CompositeIndex, inputs: list[dict] | None = None, n: int = 1000,
                seed: int = 0) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis: ``n`` replications with random choices."""
    if n < 1:
        raise TalentbenchError("the number of replications must be at least 1")
    parsed = parse_inputs(inputs if inputs is not None else default_inputs(coin), coin)
    rep = Replicator(coin, parsed, seed=seed)
    design = np.random.default_rng(seed + 1).random((n, len(parsed)))
    scores = rep.scores(design)
    return UncertaintyResult(rep.units, _nominal_ranks(coin, rep.units), rank_rows(scores), scores,
                             design, parsed)


def sobol_indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total Sobol indices from Saltelli's design.

    ``f_a``, ``f_b``: outputs (N, q) at matrices A and B; ``f_ab``: (d, N, q), outputs at A
    with column i from B. Returns (S1, ST), each (d, q). First order: Saltelli et al. 2010,
    mean(f_B (f_ABi - f_A)) / V; total: Jansen 1999, mean((f_A - f_ABi)^2) / 2V.
    """
    f_a = np.atleast_2d(np.asarray(f_a, dtype=float).T).T
    f_b = np.atleast_2d(np.asarray(f_b, dtype=float).T).T
    f_ab = np.asarray(f_ab, dtype=float).reshape((f_ab.shape[0],) + f_a.shape)
    var = np.var(np.concatenate([f_a, f_b]), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.mean(f_b[None] * (f_ab - f_a[None]), axis=1) / var
        st = 0.5 * np.mean((f_a[None] - f_ab) ** 2, axis=1) / var
    return s1, st


def saltelli_design(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, B (n x d) from a scrambled Sobol' sequence in 2d dimensions, and the d AB matrices."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # n need not be a power of two
        base = qmc.Sobol(2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    ab = np.repeat(a[None], d, axis=0)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    return a, b, ab


@dataclass
class SensitivityResult:
    indices: pd.DataFrame  # per input: S1, ST (and bootstrap intervals) on the target
    unit_st: pd.DataFrame  # per unit and input: total index on the unit's rank
    uncertainty: UncertaintyResult
    runs: int
    unit_s1: pd.DataFrame | None = None  # per unit and input: first-order index on the rank


def sensitivity(coin: CompositeIndex, inputs: list[dict] | None = None, n: int = 256, seed: int = 0,
                n_boot: int = 200) -> SensitivityResult:
    """Sobol first-order and total indices of each uncertain input on the ranks.

    Target: mean absolute rank shift from the nominal ranking (one number per replication);
    also the total index of each input on every unit's rank. Runs n * (d + 2) replications.
    """
    if n < 2:
        raise TalentbenchError("sensitivity needs n >= 2 base samples")
    parsed = parse_inputs(inputs if inputs is not None else default_inputs(coin), coin)
    d = len(parsed)
    rep = Replicator(coin, parsed, seed=seed)
    a, b, ab = saltelli_design(n, d, seed)
    design = np.vstack([a, b, ab.reshape(d * n, d)])
    scores = rep.scores(design)
    ranks = rank_rows(scores)
    nominal = _nominal_ranks(coin, rep.units)
    ua = UncertaintyResult(rep.units, nominal, ranks, scores, design, parsed)
    target = ua.mean_abs_rank_shift()
    f_a, f_b, f_ab = target[:n], target[n:2 * n], target[2 * n:].reshape(d, n)
    s1, st = sobol_indices(f_a, f_b, f_ab)
    rng = np.random.default_rng(seed + 2)
    boots1, bootst = [], []
    for _ in range(n_boot):
        k = rng.integers(0, n, n)
        b1, bt = sobol_indices(f_a[k], f_b[k], f_ab[:, k])
        boots1.append(b1[:, 0])
        bootst.append(bt[:, 0])
    indices = pd.DataFrame({"input": [u.name for u in parsed], "S1": s1[:, 0], "ST": st[:, 0]})
    if n_boot:
        indices["S1_low"], indices["S1_high"] = np.nanpercentile(boots1, [5, 95], axis=0)
        indices["ST_low"], indices["ST_high"] = np.nanpercentile(bootst, [5, 95], axis=0)
    # per unit: a unit without a rank in a replication (e.g. screened out) counts as last
    r = np.nan_to_num(ranks, nan=float(len(rep.units) + 1))
    s1_units, st_units = sobol_indices(r[:n], r[n:2 * n], r[2 * n:].reshape(d, n, -1))
    names = [u.name for u in parsed]
    unit_st = pd.DataFrame(st_units.T, columns=names)
    unit_st.insert(0, "uCode", rep.units)
    unit_s1 = pd.DataFrame(s1_units.T, columns=names)
    unit_s1.insert(0, "uCode", rep.units)
    return SensitivityResult(indices, unit_st, ua, len(design), unit_s1)


def inputs_from_yaml(path: str) -> list[dict]:
    """The uncertain inputs of a YAML file: a list of inputs, or a mapping with the list under
    ``inputs`` (the layout of resources/framework/uncertainty.yaml); checked against
    ``benchmark.schemas.UncertaintyFile``."""
    from benchmark.paths import read_yaml
    from benchmark.schemas import UncertaintyFile, check_yaml

    raw = read_yaml(path, "uncertain-inputs file")
    if isinstance(raw, list):
        raw = {"inputs": raw}
    model = check_yaml(UncertaintyFile, raw, path, "uncertain-inputs file")
    return [u.model_dump() for u in model.inputs]


__all__ = ["Replicator", "SensitivityResult", "UncertainInput", "UncertaintyResult", "default_inputs",
           "parse_inputs", "saltelli_design", "sensitivity", "sobol_indices", "uncertainty"]

