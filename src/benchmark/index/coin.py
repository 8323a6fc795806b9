"""CompositeIndex: framework + every stage's data + the log of choices that made them.

The spec is data: ``{"steps": [{"denominate": {}}, {"impute": {...}}, ...]}`` (or a YAML
file of that shape). Steps run in the canonical order below; a step left out is skipped and
its stage is the previous stage's data. Because the object keeps the spec, a variant is
"this index with one choice changed", rebuilt from the same inputs.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.index.aggregate import Aggregate
from benchmark.index.hierarchy import Hierarchy, build_hierarchy, validate_idata
from benchmark.index.stages import STAGE_STEPS, StepContext
from benchmark.index.stats import rank_min
from benchmark.index.weights import Weight, WeightSequence
from benchmark.paths import read_yaml

# step name -> the data set it writes
STEP_ORDER = ("denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate")
STAGE_OF = {"denominate": "Denominated", "impute": "Imputed", "screen": "Screened",
            "treat": "Treated", "normalise": "Normalised", "aggregate": "Aggregated"}
STAGES = ("Raw",) + tuple(STAGE_OF.values())
ALIASES = {"weights": "weight", "normalize": "normalise", "denominator": "denominate"}


def load_spec(spec: dict | str | Path | None) -> list[tuple[str, dict]]:
    """Parse a method spec (dict or YAML path) into ordered (step, params) pairs."""
    if spec is None:
        return []
    if isinstance(spec, str | Path):
        path = spec
        data = read_yaml(path, "method spec")
        try:
            if data is None:
                raise TalentbenchError("the file is empty; it needs a list of steps under 'steps'")
            steps = load_spec(data)
            for name, params in steps:
                make_step(name, params)  # every parameter checked now, naming the file
        except TalentbenchError as exc:
            raise TalentbenchError(f"method spec {path}: {exc}") from None
        return steps
    if isinstance(spec, list):
        spec = {"steps": spec}
    if not isinstance(spec, dict) or "steps" not in spec or not isinstance(spec["steps"], list):
        raise TalentbenchError("a spec must be a mapping with a list under 'steps'")
    steps: list[tuple[str, dict]] = []
    for entry in spec["steps"]:
        if isinstance(entry, str):
            name, params = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, params = next(iter(entry.items()))
        else:
            raise TalentbenchError(f"each step must be 'name: {{params}}', got {entry!r}")
        name = ALIASES.get(str(name), str(name))
        if name not in STEP_ORDER:
            raise TalentbenchError(f"unknown step {name!r}; steps are {', '.join(STEP_ORDER)}")
        if params is None:
            params = {}
        if name == "weight" and isinstance(params, list):
            steps.append((name, [dict(p) if isinstance(p, dict) else p for p in params]))
            continue
        if not isinstance(params, dict):
            raise TalentbenchError(f"parameters of step {name!r} must be a mapping")
        params = dict(params)
        if True in params and "on" not in params:
            # YAML 1.1 reads an unquoted key `on` as the boolean true
            params["on"] = params.pop(True)
        steps.append((name, params))
    names = [n for n, _ in steps]
    if len(set(names)) != len(names):
        raise TalentbenchError(f"a step appears twice in the spec: {names}")
    if names != sorted(names, key=STEP_ORDER.index):
        raise TalentbenchError(f"steps must come in the order {', '.join(STEP_ORDER)}")
    return steps


def make_step(name: str, params: dict | list) -> Any:
    if name == "weight":
        return WeightSequence(params) if isinstance(params, list) else Weight(**params)
    if name == "aggregate":
        return Aggregate(**params)
    return STAGE_STEPS[name](**params)


class CompositeIndex:
    """A composite indicator in COINr's layout (iData + iMeta), built from a method spec."""

    def __init__(self, idata: pd.DataFrame, imeta: pd.DataFrame):
        self.framework: Hierarchy = build_hierarchy(imeta)
        self.idata: pd.DataFrame = validate_idata(idata, self.framework)
        self.imeta = imeta
        self.spec: list[tuple[str, dict]] = []
        self.log: list[dict[str, Any]] = []
        self.data: dict[str, pd.DataFrame] = {}
        self.analysis: dict[str, Any] = {}
        self.weights: dict[str, float] = dict(self.framework.weight)
        self._results: pd.DataFrame | None = None

    @classmethod
    def from_csv(cls, data_path: str | Path, meta_path: str | Path) -> CompositeIndex:
        idata, imeta = _read_csv(data_path, "iData"), _read_csv(meta_path, "iMeta")
        try:
            return cls(idata, imeta)
        except TalentbenchError as exc:
            # the tables' checks name the table; the user needs the file
            text = str(exc)
            path = {"iData": data_path, "iMeta": meta_path}.get(text[:5])
            raise TalentbenchError(f"{text} ({path})" if path else text) from None

    # -- building ---------------------------------------------------------------------------

    def build(self, spec: dict | str | Path | None = None) -> CompositeIndex:
        """Run the spec's steps in order; returns self."""
        return self._build(load_spec(spec))

    def _build(self, steps: list[tuple[str, dict]], *, reuse: CompositeIndex | None = None,
               first_changed: str | None = None, upto: str | None = None) -> CompositeIndex:
        """Run ``steps``. With ``reuse``, stages before ``first_changed`` are taken from it
        (same inputs, same choices, so the same data); ``upto`` stops after that step."""
        # Missing values are part of the method (they propagate or are skipped by design), so
        # numpy's warnings about all-missing slices are noise here, not news.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._run_steps(steps, reuse=reuse, first_changed=first_changed, upto=upto)

    def _run_steps(self, steps: list[tuple[str, dict]], *, reuse: CompositeIndex | None,
                   first_changed: str | None, upto: str | None) -> CompositeIndex:
        objects = [(name, make_step(name, params)) for name, params in steps]  # validate first
        fw = self.framework
        self.spec = [(n, copy.deepcopy(p)) for n, p in steps]
        self.log, self.analysis = [], {}
        raw = self.idata[["uCode"] + list(fw.indicators)].copy() if reuse is None else reuse.data["Raw"]
        self.data = {"Raw": raw}
        ctx = StepContext(fw, self.idata, self.data)
        current = raw
        weights, plan = dict(fw.weight), {}
        done = dict(objects)
        reusing = reuse is not None
        for name in STEP_ORDER:
            if reusing and name == first_changed:
                reusing = False
            step = done.get(name)
            if name == "weight":
                if step is not None:
                    weights, plan, details = step.resolve(fw)
                    self.analysis["Weights"] = details
                    self.log.append({"step": name, "params": copy.deepcopy(step.params)})
            elif name == "aggregate":
                if step is None:
                    step = Aggregate()
                    self.log.append({"step": name, "params": copy.deepcopy(step.params), "default": True})
                else:
                    self.log.append({"step": name, "params": copy.deepcopy(step.params)})
                current, used = step.transform(current, fw, weights, plan)
                self.weights = used
                self.data["Aggregated"] = current
            else:
                stage = STAGE_OF[name]
                if reusing:
                    current = reuse.data[stage]
                    if stage in reuse.analysis:
                        self.analysis[stage] = reuse.analysis[stage]
                    if step is not None:
                        self.log.append({"step": name, "params": copy.deepcopy(step.params)})
                elif step is not None:
                    current, details = step.transform(current, ctx)
                    if details:
                        self.analysis[stage] = details
                    self.log.append({"step": name, "params": copy.deepcopy(step.params)})
                self.data[stage] = current
            if name == upto:
                break
        self._results = None
        return self

    def variant(self, step: str, params: dict | list | None, *, merge: bool = False) -> CompositeIndex:
        """A new index: same data and spec with one step's params replaced (or removed if None)."""
        step = ALIASES.get(step, step)
        if step not in STEP_ORDER:
            raise TalentbenchError(f"unknown step {step!r}; steps are {', '.join(STEP_ORDER)}")
        if "Aggregated" not in self.data:
            raise TalentbenchError("build the index before making a variant of it")
        new_steps = []
        found = False
        for name, p in self.spec:
            if name == step:
                found = True
                if params is None:
                    continue
                p = {**p, **params} if merge and isinstance(p, dict) and isinstance(params, dict) else params
            new_steps.append((name, copy.deepcopy(p)))
        if not found and params is not None:
            new_steps.append((step, copy.deepcopy(params)))
            new_steps.sort(key=lambda s: STEP_ORDER.index(s[0]))
        return self._sibling()._build(new_steps, reuse=self, first_changed=step)

    def _sibling(self) -> CompositeIndex:
        """An unbuilt index on the same (already validated) inputs."""
        other = CompositeIndex.__new__(CompositeIndex)
        other.framework, other.idata, other.imeta = self.framework, self.idata, self.imeta
        other.data, other.analysis, other.log, other._results = {}, {}, [], None
        other.spec, other.weights = [], dict(self.framework.weight)
        return other

    # -- results ----------------------------------------------------------------------------

    @property
    def results(self) -> pd.DataFrame:
        """uCode, uName, Rank of the top-level index, then every aggregate (top level first)."""
        if "Aggregated" not in self.data:
            raise TalentbenchError("the index is not built yet: call build() first")
        if self._results is None:
            fw = self.framework
            agg = self.data["Aggregated"]
            order = sorted(fw.aggregates, key=lambda c: (-fw.level[c], fw.aggregates.index(c)))
            names = self.idata.set_index("uCode")["uName"].reindex(agg["uCode"]).to_numpy()
            table = pd.DataFrame({"uCode": agg["uCode"].to_numpy(), "uName": names})
            top = agg[fw.top].to_numpy(dtype=float)
            rank = rank_min(top, descending=True)
            table["Rank"] = pd.array(np.where(np.isnan(rank), None, rank), dtype="Int64")
            for code in order:
                table[code] = agg[code].to_numpy()
            self._results = table.sort_values(
                ["Rank", "uCode"], na_position="last", kind="stable"
            ).reset_index(drop=True)
        return self._results.copy()

    def compare(self, other: CompositeIndex, label: str = "variant") -> pd.DataFrame:
        """Ranks and top-level scores of this index against another (e.g. a variant).

        One row per unit of either index: ranks, scores, rank change (other - this) and its
        absolute value; units missing from one index (screened out) have NaN there.
        """
        top = self.framework.top
        if other.framework.top != top:
            raise TalentbenchError("can only compare indices with the same top-level code")
        mine = self.results.set_index("uCode")[["Rank", top]].rename(columns={"Rank": "Rank", top: "Score"})
        theirs = other.results.set_index("uCode")[["Rank", top]].rename(
            columns={"Rank": f"Rank_{label}", top: f"Score_{label}"})
        table = mine.join(theirs, how="outer")
        table["RankChange"] = table[f"Rank_{label}"].astype("Float64") - table["Rank"].astype("Float64")
        table["AbsRankChange"] = table["RankChange"].abs()
        return table.sort_values(["Rank", f"Rank_{label}"]).reset_index()

    def ranks(self) -> pd.Series:
        r = self.results
        return pd.Series(r["Rank"].to_numpy(), index=r["uCode"].to_numpy(), name="Rank")

    def __repr__(self) -> str:
        built = ", ".join(self.data) or "not built"
        return (f"CompositeIndex({len(self.idata)} units, {len(self.framework.indicators)} indicators, "
                f"{self.framework.max_level} levels; {built})")


def _read_csv(path: str | Path, label: str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise TalentbenchError(f"{label} file not found: {path}")
    try:
        # codes are labels, not numbers: "001" must stay "001"
        codes = {c: str for c in ("uCode", "uName", "iCode", "Parent", "Type", "Denominator")}
        return pd.read_csv(path, na_values=["NA"], keep_default_na=True, dtype=codes)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TalentbenchError(f"{label} file {path} is not a readable CSV: {exc}".splitlines()[0]) from None
