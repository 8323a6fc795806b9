"""The data stages before aggregation: denominate, impute, screen, treat, normalise.

Each step follows the scikit-learn habit: parameters are checked in ``__init__`` (so a bad
spec fails before any work), the work happens in ``transform``. A step takes the indicator
table of the previous stage (uCode + one column per indicator) and returns the next one,
plus a dict of details for the audit trail. Formulas follow COINr where COINr has them.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from benchmark.errors import TalentbenchError
from benchmark.index.hierarchy import Hierarchy
from benchmark.index.stats import passes_skew_kurt, rank_min
from benchmark.schemas import Strict, check_yaml


class StepContext:
    """What a step may read besides the previous stage: framework and the full iData."""

    def __init__(self, fw: Hierarchy, idata: pd.DataFrame, data: dict[str, pd.DataFrame]):
        self.fw = fw
        self.idata = idata
        self.data = data

    def unit_column(self, column: str, units: pd.Series) -> pd.Series:
        if column not in self.idata.columns and f"Den_{column}" in self.idata.columns:
            column = f"Den_{column}"
        if column not in self.idata.columns:
            raise TalentbenchError(f"iData has no column {column!r}")
        return self.idata.set_index("uCode")[column].reindex(units.to_numpy())


class Step:
    """Base class: ``name``, allowed parameters with defaults, validation, transform."""

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    methods: ClassVar[tuple[str, ...]] = ()
    schema: ClassVar[type[Strict] | None] = None  # types and ranges of the parameters

    def __init__(self, **params: Any):
        unknown = sorted(map(str, set(params) - set(self.defaults)))
        if unknown:
            raise TalentbenchError(
                f"{self.name}: unknown parameter(s) {unknown}; allowed: {sorted(self.defaults)}"
            )
        if self.schema is not None:
            check_yaml(self.schema, params, None, f"{self.name} step")
        self.params = {**self.defaults, **params}
        if self.methods and self.params.get("method") not in self.methods:
            raise TalentbenchError(
                f"{self.name}: unknown method {self.params.get('method')!r}; "
                f"choose one of {', '.join(self.methods)}"
            )
        self.check()

    def check(self) -> None:
        """Validate parameters (override)."""

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        raise NotImplementedError


def _number(step: str, key: str, value: Any, *, positive: bool = False, minimum: float | None = None) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TalentbenchError(f"{step}: {key} must be a number, got {value!r}") from None
    if not np.isfinite(v) or (positive and v <= 0) or (minimum is not None and v < minimum):
        raise TalentbenchError(f"{step}: {key} out of range: {value!r}")
    return v


def indicator_matrix(data: pd.DataFrame, fw: Hierarchy) -> np.ndarray:
    return np.array(data[list(fw.indicators)].to_numpy(dtype=float), copy=True)


def _with_values(data: pd.DataFrame, fw: Hierarchy, values: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame(values, columns=list(fw.indicators))
    out.insert(0, "uCode", data["uCode"].to_numpy())
    return out


# -- parameter schemas: types and ranges; each step's check() adds what depends on others ----

Number = Annotated[float, Field(ge=-1e15, le=1e15)]
Positive = Annotated[float, Field(gt=0, le=1e15)]
Label = Annotated[str, Field(min_length=1, max_length=200)]


class DenominateParams(Strict):
    denominators: dict[Label, Label] | None = None
    scale: Positive = 1.0


class ImputeParams(Strict):
    method: Label = "mean"
    group: Label | None = None
    imputer: Label = "knn"
    imputer_params: dict[str, Any] | None = None


class ScreenParams(Strict):
    min_data: Annotated[float, Field(ge=0, le=1)] = 0.0
    on: Label | None = None
    exclude: list[Label] | None = None


class TreatParams(Strict):
    method: Label = "winsorise_log"
    winmax: Annotated[float, Field(ge=0, le=10_000)] | None = 5
    skew: Annotated[float, Field(gt=0, le=1e6)] = 2.0
    kurt: Annotated[float, Field(ge=-1e6, le=1e6)] = 3.5
    all: bool = False
    skip: list[Label] | None = None


class NormaliseParams(Strict):
    method: Label = "minmax"
    range: list[Number] | tuple[Number, Number] = [0, 100]
    mean: Number = 0.0
    sd: Positive = 1.0
    targets: dict[Label, Number] | None = None
    cap: bool = False
    goalposts: dict[Label, list[Number]] | None = None
    scale: Positive = 1.0
    truncate: bool = True


# -- denominate ----------------------------------------------------------------------------


class Denominate(Step):
    """Divide indicators by a denominator column of iData (iMeta ``Denominator`` by default)."""

    name = "denominate"
    schema = DenominateParams
    defaults = {"denominators": None, "scale": 1.0}

    def check(self) -> None:
        den = self.params["denominators"]
        if den is not None and not isinstance(den, dict):
            raise TalentbenchError("denominate: denominators must be a mapping iCode -> column")
        self.params["scale"] = _number(self.name, "scale", self.params["scale"], positive=True)

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        mapping = dict(ctx.fw.denominator_of)
        if self.params["denominators"]:
            mapping.update({str(k): str(v) for k, v in self.params["denominators"].items()})
        out = data.copy()
        for code, den_col in mapping.items():
            if code not in ctx.fw.indicators:
                raise TalentbenchError(f"denominate: {code!r} is not an indicator")
            den = ctx.unit_column(den_col, data["uCode"]).to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = out[code].to_numpy(dtype=float) / den * self.params["scale"]
            # a zero denominator gives no usable ratio: missing, not infinite
            ratio[~np.isfinite(ratio)] = np.nan
            out[code] = ratio
        return out, {"denominators": mapping}


# -- impute --------------------------------------------------------------------------------


class Impute(Step):
    """Fill missing values: mean/median overall or by a group column, a scikit-learn imputer, or
    the lowest/highest known value (bounds for "what if the gap were the worst/best case")."""

    name = "impute"
    schema = ImputeParams
    methods = ("mean", "median", "min", "max", "mean_group", "median_group", "sklearn", "none")
    defaults = {"method": "mean", "group": None, "imputer": "knn", "imputer_params": None}

    def check(self) -> None:
        m = self.params["method"]
        if m.endswith("_group") and not self.params["group"]:
            raise TalentbenchError(f"impute: method {m} needs a 'group' column")
        if m == "sklearn" and self.params["imputer"] not in ("knn", "iterative", "simple"):
            raise TalentbenchError("impute: imputer must be one of knn, iterative, simple")

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        m = self.params["method"]
        x = indicator_matrix(data, ctx.fw)
        missing_before = int(np.isnan(x).sum())
        if m == "none" or missing_before == 0:
            return data.copy(), {"imputed": 0, "still_missing": missing_before}
        if m in ("mean", "median", "min", "max"):
            stat = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin, "max": np.nanmax}[m]
            with np.errstate(all="ignore"), _quiet():
                fill = stat(x, axis=0)
            x = np.where(np.isnan(x), fill[None, :], x)
        elif m in ("mean_group", "median_group"):
            groups = ctx.unit_column(self.params["group"], data["uCode"])
            frame = pd.DataFrame(x)
            how = "mean" if m == "mean_group" else "median"
            # units whose group is missing form no group: they are imputed by nothing
            fill = frame.groupby(groups.to_numpy(), dropna=True).transform(how).to_numpy()
            x = np.where(np.isnan(x), fill, x)
        else:
            x = self._sklearn(x)
        still = int(np.isnan(x).sum())
        return _with_values(data, ctx.fw, x), {"imputed": missing_before - still, "still_missing": still}

    def _sklearn(self, x: np.ndarray) -> np.ndarray:
        params = dict(self.params["imputer_params"] or {})
        if self.params["imputer"] == "knn":
            from sklearn.impute import KNNImputer

            est = KNNImputer(**params)
        elif self.params["imputer"] == "simple":
            from sklearn.impute import SimpleImputer

            est = SimpleImputer(**params)
        else:
            from sklearn.experimental import enable_iterative_imputer  # noqa: F401
            from sklearn.impute import IterativeImputer

            est = IterativeImputer(**{"random_state": 0, **params})
        with contextlib.suppress(ValueError):
            est.set_params(keep_empty_features=True)
        try:
            return np.asarray(est.fit_transform(x), dtype=float)
        except (TypeError, ValueError) as exc:
            raise TalentbenchError(f"impute: scikit-learn imputer failed: {exc}") from None


class _quiet:
    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


# -- screen --------------------------------------------------------------------------------


class Screen(Step):
    """Drop units whose share of available indicator values is below ``min_data``.

    Availability is measured on the stage named by ``on`` (default: the incoming data, as
    COINr's example screens the imputed set); ``exclude`` drops named units outright.
    """

    name = "screen"
    schema = ScreenParams
    defaults = {"min_data": 0.0, "on": None, "exclude": None}

    def check(self) -> None:
        v = _number(self.name, "min_data", self.params["min_data"], minimum=0)
        if v > 1:
            raise TalentbenchError("screen: min_data is a fraction between 0 and 1")
        self.params["min_data"] = v

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        source = data
        if self.params["on"]:
            if self.params["on"] not in ctx.data:
                raise TalentbenchError(f"screen: no stage named {self.params['on']!r} to measure availability on")
            source = ctx.data[self.params["on"]].set_index("uCode").reindex(data["uCode"]).reset_index()
        avail = 1.0 - np.isnan(indicator_matrix(source, ctx.fw)).mean(axis=1)
        keep = avail >= self.params["min_data"] - 1e-12
        excluded = set(map(str, self.params["exclude"] or []))
        keep &= ~data["uCode"].isin(excluded).to_numpy()
        if keep.sum() < 2:
            raise TalentbenchError("screen: fewer than two units left after screening")
        removed = data.loc[~keep, "uCode"].tolist()
        table = pd.DataFrame({"uCode": data["uCode"], "Dat_Avail": avail, "Included": keep})
        return data.loc[keep].reset_index(drop=True), {"removed": removed, "availability": table}


# -- treat ---------------------------------------------------------------------------------


def winsorise(x: np.ndarray, winmax: int | None, skew_thresh: float, kurt_thresh: float,
              force: bool = False) -> tuple[np.ndarray, int]:
    """COINr's ``winsorise``: replace the extreme value on the skewed side by the next one.

    Repeats while the skew/kurtosis check fails and fewer than ``winmax`` points are
    Winsorised. The count is COINr's: points tied at the current extreme(s), which grows by
    one per pass because each Winsorised point joins the next extreme value.
    """
    from benchmark.index.stats import skewness

    x = np.array(x, dtype=float)
    passing = passes_skew_kurt(x, skew_thresh, kurt_thresh)[0]
    n_hi = n_lo = 0
    nwin = 0

    def below() -> bool:
        return winmax is None or nwin < winmax

    while (not passing or force) and below():
        finite = ~np.isnan(x)
        if finite.sum() < 3:
            break
        if skewness(x) >= 0:
            top = np.nanmax(x)
            idx = finite & (x == top)
            rest = x[finite & ~idx]
            if rest.size == 0:
                break
            x[idx] = rest.max()
            n_hi = int(idx.sum())
        else:
            bottom = np.nanmin(x)
            idx = finite & (x == bottom)
            rest = x[finite & ~idx]
            if rest.size == 0:
                break
            x[idx] = rest.min()
            n_lo = int(idx.sum())
        nwin = n_hi + n_lo
        passing = passes_skew_kurt(x, skew_thresh, kurt_thresh)[0]
    return x, nwin


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT``: log(x - min(x) + 0.01 * (max(x) - min(x)))."""
    if np.all(np.isnan(x)):
        return np.array(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    if hi == lo:
        return np.array(x, dtype=float)  # no spread: nothing to transform (log 0 would be -inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo))


class Treat(Step):
    """Outlier treatment per indicator.

    ``winsorise_log`` (COINr's default): if |skew| >= skew and kurtosis >= kurt, Winsorise up
    to ``winmax`` points; if the check still fails, log-transform the *original* column
    instead. ``winsorise``: only the first part. ``log``: log-transform failing columns
    (``all: true`` for every column). ``none``: no treatment.
    """

    name = "treat"
    schema = TreatParams
    methods = ("winsorise_log", "winsorise", "log", "none")
    defaults = {"method": "winsorise_log", "winmax": 5, "skew": 2.0, "kurt": 3.5, "all": False,
                "skip": None}

    def check(self) -> None:
        wm = self.params["winmax"]
        if wm is not None:
            v = _number(self.name, "winmax", wm, minimum=0)
            if v != int(v):
                raise TalentbenchError("treat: winmax must be a whole number")
            self.params["winmax"] = int(v)
        self.params["skew"] = _number(self.name, "skew", self.params["skew"], positive=True)
        self.params["kurt"] = _number(self.name, "kurt", self.params["kurt"])

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        p = self.params
        skip = set(p["skip"] or [])
        x = indicator_matrix(data, ctx.fw)
        rows = []
        for j, code in enumerate(ctx.fw.indicators):
            col = x[:, j]
            row: dict[str, Any] = {"iCode": code}
            ok, sk, kt = passes_skew_kurt(col, p["skew"], p["kurt"])
            row.update({"Pass0": ok, "Skew0": sk, "Kurt0": kt, "nwin": np.nan, "Pass1": np.nan,
                        "Skew1": np.nan, "Kurt1": np.nan, "log": False})
            if p["method"] == "none" or code in skip or (ok and not (p["method"] == "log" and p["all"])):
                row["Treatment"] = "none"
                rows.append(row)
                continue
            new = col
            if p["method"] in ("winsorise_log", "winsorise"):
                new, nwin = winsorise(col, p["winmax"], p["skew"], p["kurt"])
                ok, sk, kt = passes_skew_kurt(new, p["skew"], p["kurt"])
                row.update({"nwin": nwin, "Pass1": ok, "Skew1": sk, "Kurt1": kt})
                row["Treatment"] = f"winsorised {nwin} point(s)"
            if p["method"] == "log" or (p["method"] == "winsorise_log" and not ok):
                # COINr logs the original column, not the Winsorised one (combine_treat = FALSE)
                new = log_ct(col)
                ok, sk, kt = passes_skew_kurt(new, p["skew"], p["kurt"])
                row.update({"log": True, "Pass2": ok, "Skew2": sk, "Kurt2": kt, "Treatment": "log"})
            x[:, j] = new
            rows.append(row)
        return _with_values(data, ctx.fw, x), {"details": pd.DataFrame(rows)}


# -- normalise -----------------------------------------------------------------------------


class Normalise(Step):
    """Bring indicators onto a common scale, after multiplying by their Direction (as COINr).

    minmax (``range``), zscore (``mean``, ``sd``), rank (ties share the lowest rank),
    prank (percentile rank), borda, dist2max (distance to the frontier), dist2target
    (iMeta ``Target`` or ``targets``; ``cap``), goalposts (``goalposts: {iCode: [low, high]}``,
    ``scale``), fracmax, none. ``scale`` multiplies the 0-1 distance methods.
    """

    name = "normalise"
    schema = NormaliseParams
    methods = ("minmax", "zscore", "rank", "prank", "borda", "dist2max", "dist2target", "goalposts",
               "fracmax", "none")
    defaults = {"method": "minmax", "range": [0, 100], "mean": 0.0, "sd": 1.0, "targets": None,
                "cap": False, "goalposts": None, "scale": 1.0, "truncate": True}

    def check(self) -> None:
        p = self.params
        r = p["range"]
        if not isinstance(r, list | tuple) or len(r) != 2:
            raise TalentbenchError("normalise: range must be [lower, upper]")
        p["range"] = [_number(self.name, "range", r[0]), _number(self.name, "range", r[1])]
        if p["range"][0] >= p["range"][1]:
            raise TalentbenchError("normalise: range lower bound must be below the upper bound")
        p["mean"] = _number(self.name, "mean", p["mean"])
        p["sd"] = _number(self.name, "sd", p["sd"], positive=True)
        p["scale"] = _number(self.name, "scale", p["scale"], positive=True)
        if p["method"] == "goalposts" and not isinstance(p["goalposts"], dict):
            raise TalentbenchError("normalise: goalposts needs a mapping iCode -> [low, high]")

    def transform(self, data: pd.DataFrame, ctx: StepContext) -> tuple[pd.DataFrame, dict]:
        fw = ctx.fw
        x = indicator_matrix(data, fw)
        out = np.empty_like(x)
        for j, code in enumerate(fw.indicators):
            out[:, j] = self.column(x[:, j], code, fw)
        return _with_values(data, fw, out), {}

    def column(self, x: np.ndarray, code: str, fw: Hierarchy) -> np.ndarray:
        p = self.params
        d = fw.direction[code]
        x = x * d
        m = p["method"]
        with np.errstate(divide="ignore", invalid="ignore"):
            if m == "minmax":
                lo, hi = np.nanmin(x), np.nanmax(x)
                lu = p["range"]
                return (x - lo) / (hi - lo) * (lu[1] - lu[0]) + lu[0]
            if m == "zscore":
                return (x - np.nanmean(x)) / np.nanstd(x, ddof=1) * p["sd"] + p["mean"]
            if m == "rank":
                return rank_min(x)
            if m == "prank":
                return (rank_min(x) - 1) / (np.sum(~np.isnan(x)) - 1)
            if m == "borda":
                return rank_min(x) - 1
            if m == "dist2max":
                lo, hi = np.nanmin(x), np.nanmax(x)
                return (1 - (hi - x) / (hi - lo)) * p["scale"]
            if m == "fracmax":
                return x / np.nanmax(x) * p["scale"]
            if m == "dist2target":
                targets = {**fw.target, **(p["targets"] or {})}
                if code not in targets:
                    raise TalentbenchError(f"normalise: no target for indicator {code!r}")
                # the target lives on the indicator's own scale, so it flips with the data
                targ = float(targets[code]) * d
                y = 1 - (targ - x) / (targ - np.nanmin(x))
                if p["cap"]:
                    y = np.minimum(y, 1.0)
                return y * p["scale"]
            if m == "goalposts":
                if code not in p["goalposts"]:
                    raise TalentbenchError(f"normalise: no goalposts for indicator {code!r}")
                low, high = (float(v) * d for v in p["goalposts"][code])
                if d < 0:
                    low, high = high, low
                y = (x - low) / (high - low)
                if p["truncate"]:
                    y = np.clip(y, 0.0, 1.0)
                return y * p["scale"]
            return x.copy()


STAGE_STEPS: dict[str, type[Step]] = {
    "denominate": Denominate,
    "impute": Impute,
    "screen": Screen,
    "treat": Treat,
    "normalise": Normalise,
}
