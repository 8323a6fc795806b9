"""The assessment as one object, in the spirit of COINr's coin.

``assess()`` computes every stage — provisions, profile values, matrix, index stages,
uncertainty, validity checks, clusters, peers — from its ``Inputs`` and keeps them, with the log
of method choices, in one ``Assessment``. A variant is the same assessment with one input
changed (``a.variant(spec=...)``, ``a.variant(step=("impute", {"method": "median"}))``,
``a.variant(statuses=("confirmed", "to_check"))``); ``a.compare(b)`` shows what moved; a what-if
changes provisions or indicator values of a focal city (``benchmark.whatif``); ``a.report()``
renders the PDF. Tables are plain DataFrames. Nothing here writes files except ``report``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.clusters import PolicyClusters, nearest_peers
from benchmark.errors import TalentbenchError
from benchmark.indicator_framework import Framework, load_framework
from benchmark.matrix import build_matrix
from benchmark.outcomes import policy_outcome
from benchmark.paths import read_yaml, resource

CONTEXT_COLUMNS = ["popu_2020", "popu_growth", "urbanisation"]
CONTEXT_NAMES = {"popu_2020": "2020年常住人口", "popu_growth": "2010–2020年人口增长率",
                 "urbanisation": "2020年城镇化率"}


def load_method_yaml(path: Path | None, default: str, label: str, list_key: str) -> dict:
    """Read a method YAML (index spec, uncertainty inputs) that must hold a list under ``list_key``."""
    path = Path(path) if path else resource("framework", default)
    config = read_yaml(path, label)
    if not isinstance(config, dict) or not isinstance(config.get(list_key), list):
        raise TalentbenchError(f"{label} {path.name} needs a list under {list_key!r}")
    return config


def load_uncertainty(path: Path | None) -> dict:
    """The uncertain method choices (resources/framework/uncertainty.yaml), checked against
    ``benchmark.schemas.UncertaintyFile``: one clear line for a wrong type or an absurd number."""
    from benchmark.schemas import UncertaintyFile, check_yaml

    path = Path(path) if path else resource("framework", "uncertainty.yaml")
    model = check_yaml(UncertaintyFile, read_yaml(path, "uncertainty spec"), path, "uncertainty spec")
    return model.model_dump()


def read_provisions_csv(path: Path) -> pd.DataFrame:
    """Read a curated provisions CSV given by the user, with a clear error for each way it can be bad."""
    from benchmark import city_registry
    from benchmark.dataset import validate_provisions

    try:
        # as text, like the embedded table: a district called "NA" stays a district, and a "nan"
        # typed into a number is refused rather than read as unknown
        table = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise TalentbenchError(f"provisions file not found: {path}") from None
    except UnicodeDecodeError:
        raise TalentbenchError(f"provisions file {path} is not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TalentbenchError(f"provisions file {path} is not a readable CSV: {str(exc).splitlines()[0]}") from None
    table = validate_provisions(table, where=str(path))
    unknown = sorted(set(table["city"].dropna()) - set(city_registry.load_cities()["city"]))
    if unknown:
        raise TalentbenchError(f"{path}: provisions name cities not in the registry: {', '.join(unknown)}")
    return table


@dataclass(frozen=True)
class Inputs:
    """Everything an assessment is computed from; a variant changes one of these."""

    framework: Framework
    spec: dict  # index method spec (resources/framework/index_spec.yaml)
    uncertain: dict  # uncertain method choices (resources/framework/uncertainty.yaml)
    profile_spec: object  # benchmark.valuation.ProfileSpec
    provisions: pd.DataFrame
    features: pd.DataFrame
    cities: pd.DataFrame  # the peer-city registry
    stats: pd.DataFrame  # census statistics and outcomes, indexed by city
    # Which provisions count: the source's own marks. Old rules (旧口径) never describe the
    # current policy; unverified ones (待复核) only when the analyst asks for them.
    statuses: tuple[str, ...] = ("confirmed",)
    n_clusters: int | str = "auto"
    n_peers: int = 3
    context_columns: tuple[str, ...] = tuple(CONTEXT_COLUMNS)
    # what-if: (city, indicator) -> value, applied to the matrix after it is built
    overrides: dict = field(default_factory=dict)


def load_inputs(provisions_path: Path | None = None, framework_path: Path | None = None,
                spec_path: Path | None = None, uncertainty_path: Path | None = None,
                statuses: tuple[str, ...] = ("confirmed",), n_clusters: int | str = "auto",
                n_peers: int = 3, features_path: Path | None = None) -> Inputs:
    """Read every input (default: the embedded dataset and the packaged method files)."""
    from benchmark import city_registry, dataset
    from benchmark.valuation import load_profiles

    provisions = read_provisions_csv(provisions_path) if provisions_path else dataset.load_provisions()
    cities = city_registry.load_cities()
    return Inputs(
        framework=load_framework(framework_path),
        spec=load_method_yaml(spec_path, "index_spec.yaml", "method spec", "steps"),
        uncertain=load_uncertainty(uncertainty_path),
        profile_spec=load_profiles(), provisions=provisions,
        features=dataset.load_features(Path(features_path) if features_path else None),
        cities=cities, stats=dataset.load_city_stats().set_index("city"), statuses=tuple(statuses),
        n_clusters=n_clusters, n_peers=n_peers)


def build_index(matrix: pd.DataFrame, framework: Framework, spec: dict):
    """The composite index of a city x indicator matrix, in COINr's layout, built from ``spec``.

    Returns the built ``CompositeIndex`` and the indicators left out as too thinly known.
    """
    from benchmark.index import CompositeIndex

    thin = framework.thin_indicators(matrix)
    kept = [ind.code for ind in framework.indicators if ind.code not in thin]
    idata = matrix[kept].reset_index().rename(columns={"city": "uCode"})
    idata.insert(1, "uName", idata["uCode"])
    return CompositeIndex(idata, framework.imeta(exclude=thin)).build(spec), thin


def check_city(city: str, cities: pd.DataFrame) -> str:
    city = str(city).strip()
    if city not in set(cities["city"]):
        raise TalentbenchError(f"unknown city {city!r}: not in the peer-city registry "
                               "(see `talentbench dataset summary`)")
    return city


def _with_only(framework: Framework, codes: list[str]) -> Framework:
    """The framework restricted to some indicators, with no coverage rule (a validity variant)."""
    return replace(framework, indicators=tuple(i for i in framework.indicators if i.code in codes),
                   min_coverage=0.0)


def _district_check(matrix: pd.DataFrame, framework: Framework, spec: dict, kept: list[str],
                    ranks: pd.Series) -> dict | None:
    """Ranks with and without the district top-up indicator(s), whichever the index did not use."""
    from benchmark import validity

    district = [i.code for i in framework.indicators if i.measure == "district_topup"]
    if not district:
        return None
    used = [c for c in district if c in kept]
    if used:
        other = [c for c in kept if c not in used]
        label = "去掉区县加码指标后的排名"
    else:
        other = kept + district
        label = "加入区县加码指标（覆盖不足，未纳入指数）后的排名"
    variant, _ = build_index(matrix[other], _with_only(framework, other), spec)
    return validity.rank_shift_check(ranks, variant.results.set_index("uCode")["Rank"], label)


@dataclass(frozen=True)
class Archetypes:
    k: int
    kmeans: pd.Series  # city -> group (1 = strongest)
    ward: pd.Series
    stability: pd.Series  # city -> share of resamples that keep its grouping
    description: pd.DataFrame  # one row per group: cities, words ("现金高、安居低"), pillar means


@dataclass
class Assessment:
    """Every stage's output of one assessment, its inputs and the log of method choices."""

    inputs: Inputs
    focus: str | None
    usable: pd.DataFrame  # the provisions that count (by status)
    usable_features: pd.DataFrame
    benchmarked: list[str]  # cities with provisions that count
    valuation: object  # benchmark.valuation.Valuation
    matrix: pd.DataFrame
    provenance: pd.DataFrame
    coin: object  # benchmark.index.CompositeIndex
    thin: list[str]  # indicators too thinly known to enter the index
    indicator_codes: list[str]  # the indicators in the index
    results: pd.DataFrame  # ranks, scores, coverage, rank intervals, clusters
    coverage_share: pd.Series  # per city: share of the index's indicators known
    min_data: float  # the coverage a city needs to be ranked
    excluded: list[str]  # cities with provisions the index could not rank
    normalised: pd.DataFrame
    spread: object  # UncertaintyResult
    sobol: pd.DataFrame
    outcome: object  # PolicyOutcome or None
    validity: pd.DataFrame
    clusterer: PolicyClusters
    cluster_profile: pd.DataFrame
    peers: pd.DataFrame | None

    # -- convenient views ---------------------------------------------------------------------

    @property
    def framework(self) -> Framework:
        return self.inputs.framework

    @property
    def profile_spec(self):
        return self.inputs.profile_spec

    @property
    def provisions(self) -> pd.DataFrame:
        return self.inputs.provisions

    @property
    def features(self) -> pd.DataFrame:
        return self.inputs.features

    @property
    def stats(self) -> pd.DataFrame:
        return self.inputs.stats

    @property
    def ranked(self) -> list[str]:
        return self.results["city"].tolist()

    @property
    def profile_values(self) -> pd.DataFrame:
        return self.valuation.values

    @cached_property
    def archetypes(self) -> Archetypes:
        """Policy archetypes: k-means groups checked against Ward clustering, each described in
        words and numbers on the pillar scores, with each city's assignment stability."""
        from benchmark.clusters import assignment_stability, describe_archetypes, ward_labels

        profile, labels, k = self.cluster_profile, self.clusterer.labels_, self.clusterer.k_
        pillars = self.results.set_index("city")[
            [p for p in self.framework.pillars["code"] if p in self.results.columns]].reindex(profile.index)
        return Archetypes(
            k=k, kmeans=labels, ward=ward_labels(profile, k),
            stability=assignment_stability(profile, labels, k),
            description=describe_archetypes(pillars.fillna(pillars.median()), labels, self.framework.node_names()))

    @property
    def log(self) -> pd.DataFrame:
        """Every method choice of this assessment, one row each (what a variant changes)."""
        rows = [{"stage": "provisions", "choice": "statuses", "value": ", ".join(self.inputs.statuses)},
                {"stage": "valuation", "choice": "horizon_months", "value": self.profile_spec.horizon_months},
                {"stage": "valuation", "choice": "profiles",
                 "value": ", ".join(p.code for p in (*self.profile_spec.profiles, *self.profile_spec.ladder))},
                {"stage": "matrix", "choice": "min_coverage", "value": self.framework.min_coverage},
                {"stage": "matrix", "choice": "indicators", "value": ", ".join(self.indicator_codes)}]
        rows += [{"stage": "index", "choice": step, "value": params} for step, params in self.coin.spec]
        rows += [{"stage": "uncertainty", "choice": u["name"], "value": u.get("options", u.get("noise"))}
                 for u in self.inputs.uncertain["inputs"]]
        rows += [{"stage": "peers", "choice": "variables", "value": ", ".join(self.inputs.context_columns)},
                 {"stage": "peers", "choice": "n_peers", "value": self.inputs.n_peers},
                 {"stage": "clusters", "choice": "n_clusters", "value": self.inputs.n_clusters}]
        rows += [{"stage": "what-if", "choice": f"{c} · {i}", "value": v}
                 for (c, i), v in self.inputs.overrides.items()]
        return pd.DataFrame(rows)

    def peers_of(self, city: str) -> list[str]:
        """A city's peers (同类城市): the nearest ranked cities by census context."""
        city = check_city(city, self.inputs.cities)
        if self.peers is not None and city in set(self.peers["city"]):
            return self.peers.set_index("city").at[city, "peers"].split(",")
        context = self.stats.reindex([*self.ranked, city])[list(self.inputs.context_columns)]
        if city in self.ranked or city not in self.stats.index or context.loc[city].isna().any():
            labels = self.clusterer.labels_  # no census context: the same policy cluster, if any
            if city not in labels.index:
                return []
            return [c for c in labels.index[labels == labels[city]] if c != city]
        table = nearest_peers(context.dropna(), n_peers=self.inputs.n_peers).set_index("city")
        return table.at[city, "peers"].split(",")

    def rank_among(self, city: str, group: list[str]) -> dict:
        """The city's rank within ``group`` (itself included): nominal and 5–95 % interval over the
        Monte Carlo replications. NaN when the city is not ranked."""
        members = [c for c in dict.fromkeys([city, *group]) if c in self.spread.units]
        if city not in members:
            return {"rank": np.nan, "q05": np.nan, "q95": np.nan, "n": len(members)}
        from benchmark.index.stats import rank_rows

        idx = [self.spread.units.index(c) for c in members]
        reps = rank_rows(self.spread.scores[:, idx])[:, 0]
        scores = self.results.set_index("city")[self.framework.index_code].reindex(members)
        nominal = int((scores > scores[city]).sum() + 1)
        reps = reps[~np.isnan(reps)]
        if pd.isna(scores[city]) or not len(reps):  # screened out: not ranked
            return {"rank": np.nan, "q05": np.nan, "q95": np.nan, "n": int(scores.notna().sum())}
        return {"rank": nominal, "q05": float(np.percentile(reps, 5)), "q95": float(np.percentile(reps, 95)),
                "n": int(scores.notna().sum())}

    # -- one choice changed -------------------------------------------------------------------

    def variant(self, step: tuple[str, dict] | None = None, weights: dict[str, float] | None = None,
                focus: str | None = None, **changes) -> Assessment:
        """The same assessment with one choice changed.

        ``step=("impute", {"method": "median"})`` replaces one index step's parameters;
        ``weights={"HOUSE": 2}`` changes pillar or indicator weights; any other keyword replaces
        an input (``statuses``, ``spec``, ``provisions``, ``n_peers``, ``overrides`` …).
        """
        inputs = self.inputs
        if step is not None:
            name, params = step
            spec = copy.deepcopy(inputs.spec)
            for entry in spec["steps"]:
                if name in entry:
                    entry[name] = params
                    break
            else:
                raise TalentbenchError(f"the method spec has no step {name!r}")
            changes["spec"] = spec
        if weights:
            changes["framework"] = _reweighted(inputs.framework, weights)
        unknown = sorted(set(changes) - set(Inputs.__dataclass_fields__))
        if unknown:
            raise TalentbenchError(f"unknown assessment input(s): {', '.join(unknown)}")
        return assess(inputs=replace(inputs, **changes), focus=focus if focus is not None else self.focus)

    def compare(self, other: Assessment, label: str = "variant") -> pd.DataFrame:
        """Ranks, scores and coverage of this assessment against another, one row per city."""
        code = self.framework.index_code
        cols = ["city", "Rank", code, "coverage", "rank_q05", "rank_q95"]
        mine = self.results[cols].set_index("city")
        theirs = other.results[cols].set_index("city").add_suffix(f"_{label}")
        table = mine.join(theirs, how="outer")
        table["rank_change"] = table[f"Rank_{label}"].astype("Float64") - table["Rank"].astype("Float64")
        return table.sort_values(["Rank", f"Rank_{label}"]).reset_index()

    # -- rendering ----------------------------------------------------------------------------

    def report(self, path: Path | str | None = None, focus: str | None = None, workdir: Path | None = None) -> Path:
        """Render the PDF report (for ``focus``, default this assessment's focal city)."""
        from benchmark.report.assemble import render_report

        workdir = Path(workdir) if workdir else Path(".").resolve()
        return render_report(self, focus or self.focus, workdir, Path(path) if path else None)


def _reweighted(framework: Framework, weights: dict[str, float]) -> Framework:
    pillars = framework.pillars.copy()
    known = set(pillars["code"]) | {i.code for i in framework.indicators}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise TalentbenchError(f"no pillar or indicator {', '.join(unknown)} in the framework")
    for code, w in weights.items():
        if not (isinstance(w, int | float) and np.isfinite(w) and w >= 0):
            raise TalentbenchError(f"weight of {code} must be a finite number ≥ 0, not {w!r}")
        pillars.loc[pillars["code"] == code, "weight"] = float(w)
    indicators = tuple(replace(i, weight=float(weights[i.code])) if i.code in weights else i
                       for i in framework.indicators)
    return replace(framework, pillars=pillars, indicators=indicators)


def assess(focus: str | None = None, inputs: Inputs | None = None,
           progress: Callable[[str], None] = lambda _: None, **load_options) -> Assessment:
    """Compute every stage of the assessment; writes nothing.

    ``inputs`` default to the embedded dataset and packaged method files (``load_options`` are
    passed to ``load_inputs``: ``provisions_path``, ``statuses``, ``n_peers`` …).
    """
    from benchmark import validity
    from benchmark.index.sensitivity import sensitivity, uncertainty
    from benchmark.valuation import value_profiles

    progress("读取数据集")
    inputs = inputs or load_inputs(**load_options)
    framework, spec, uncertain = inputs.framework, inputs.spec, inputs.uncertain
    cities, stats = inputs.cities, inputs.stats
    if focus:
        focus = check_city(focus, cities)
    provisions = inputs.provisions
    usable = provisions[provisions["status"].isin(inputs.statuses)]
    benchmarked = [c for c in cities["city"] if c in set(usable["city"])]

    progress("画像估值（本科/硕士/博士）")
    usable_features = inputs.features[inputs.features["status"].isin(inputs.statuses)]
    spec_p = inputs.profile_spec
    # every registry city, so that any city can be the focus (with nothing known, nothing counts)
    valuation = value_profiles(provisions, usable_features, spec_p, inputs.statuses, cities=list(cities["city"]),
                               profiles=[p.code for p in (*spec_p.profiles, *spec_p.ladder)])

    progress("构建城市×指标矩阵")
    matrix, provenance = build_matrix(usable, framework, valuation, benchmarked, usable_features)
    for (city, indicator), value in inputs.overrides.items():
        if city not in matrix.index or indicator not in matrix.columns:
            raise TalentbenchError(f"what-if: no matrix cell {city} × {indicator}")
        matrix.loc[city, indicator] = float(value)

    progress("计算综合指数")
    coin, thin = build_index(matrix, framework, spec)
    kept = [ind.code for ind in framework.indicators if ind.code not in thin]
    results = coin.results.rename(columns={"uCode": "city"}).drop(columns=["uName"], errors="ignore")
    ranked = results["city"].tolist()
    # Coverage: the share of the index's indicators a city's own sources give a value for.
    coverage_share = matrix[kept].notna().mean(axis=1)
    results.insert(results.columns.get_loc("city") + 1, "coverage", results["city"].map(coverage_share))
    min_data = next((float(p.get("min_data", 0)) for step, p in coin.spec if step == "screen"), 0.0)
    excluded = [c for c in cities["city"] if c in set(provisions["city"]) and c not in set(ranked)]
    normalised = coin.data["Normalised"].set_index("uCode")[kept].reindex(ranked)

    progress("不确定性与敏感性分析")
    seed = int(uncertain.get("seed", 0))
    spread = uncertainty(coin, uncertain["inputs"], n=int(uncertain.get("replications", 1000)), seed=seed)
    rank_spread = spread.summary.rename(columns={"uCode": "city"})
    results = results.merge(
        rank_spread[["city", "Median", "Q5", "Q95"]].rename(
            columns={"Median": "rank_median", "Q5": "rank_q05", "Q95": "rank_q95"}),
        on="city", how="left")
    sobol = sensitivity(coin, uncertain["inputs"], n=int(uncertain.get("sobol_base", 256)), seed=seed).indices

    progress("有效性检验")
    outcome = policy_outcome(results, stats.reset_index(), framework.index_code)
    ranks = results.set_index("city")["Rank"]
    checks = validity.source_detail_checks(results.set_index("city")[framework.index_code], usable)
    district = _district_check(matrix, framework, spec, kept, ranks)
    checks += [district] if district else []
    checks.append(validity.outcome_check(outcome.rho if outcome else None,
                                         outcome.p_value if outcome else None, outcome.n if outcome else 0))
    members = {p: [i.code for i in framework.indicators if i.pillar == p and i.code in kept]
               for p in framework.pillars["code"]}
    checks += validity.pillar_checks(normalised, coin.data["Aggregated"].set_index("uCode"),
                                     {p: m for p, m in members.items() if m},
                                     framework.node_names(), framework.index_code)

    progress("聚类与同类城市")
    # k-means needs a complete profile: clusters are formed on the gaps filled with the median of
    # the known values (stated in the report); the index itself never fills them.
    profile = normalised.dropna(axis=1, how="all")
    profile = profile.fillna(profile.median())
    clusterer = PolicyClusters(n_clusters=inputs.n_clusters).fit(profile)
    results["cluster"] = results["city"].map(clusterer.labels_)
    context_columns = [c for c in inputs.context_columns if c in stats.columns]
    # Peers are chosen among the ranked cities, so that a rank among peers compares like with like.
    context = stats.reindex(ranked)[context_columns]
    has_context = len(context_columns) > 0 and len(context.dropna()) > inputs.n_peers
    peers = nearest_peers(context, n_peers=inputs.n_peers) if has_context else None
    return Assessment(
        inputs=inputs, focus=focus, usable=usable, usable_features=usable_features,
        benchmarked=benchmarked, valuation=valuation, matrix=matrix, provenance=provenance, coin=coin,
        thin=thin, indicator_codes=kept, results=results, coverage_share=coverage_share,
        min_data=min_data, excluded=excluded, normalised=normalised, spread=spread, sobol=sobol,
        outcome=outcome, validity=validity.as_table(checks), clusterer=clusterer,
        cluster_profile=profile, peers=peers)
