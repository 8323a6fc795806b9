"""`talentbench run`: the whole job on a provisions table, from profile values to PDF report.

The pipeline wires the stages together and does the I/O; each stage is a pure function or
estimator in its own module. ``assess`` computes every stage into one ``Assessment`` (no
output written); ``focus_view`` adds a focal city's comparison with its peers; ``run`` writes
the tables, figures and the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from benchmark.clusters import PolicyClusters, coverage_gaps, nearest_peers, peer_comparison
from benchmark.errors import TalentbenchError
from benchmark.fonts import find_cjk_font
from benchmark.indicator_framework import Framework, load_framework
from benchmark.matrix import build_matrix
from benchmark.outcomes import OUTCOME_COLUMN, policy_outcome
from benchmark.paths import read_yaml, resource
from benchmark.store import write_tables

CONTEXT_COLUMNS = ["popu_2020", "popu_growth", "urbanisation"]


@dataclass
class RunConfig:
    workdir: Path
    provisions_path: Path | None = None
    framework_path: Path | None = None
    spec_path: Path | None = None
    uncertainty_path: Path | None = None
    n_clusters: int | str = "auto"
    n_peers: int = 3
    focus: str | None = None
    # Which provisions count: the source's own marks. Old rules (旧口径) never describe the
    # current policy; unverified ones (待复核) only when the analyst asks for them.
    statuses: tuple[str, ...] = ("confirmed",)


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    index_code: str
    benchmarked: list[str]  # cities with scored (confirmed) provisions
    not_ranked: list[str]  # cities with provisions of some status that the index could not rank
    outputs: dict[str, Path] = field(default_factory=dict)


def load_method_yaml(path: Path | None, default: str, label: str, list_key: str) -> dict:
    """Read a method YAML (index spec, uncertainty inputs) that must hold a list under ``list_key``."""
    path = Path(path) if path else resource("framework", default)
    config = read_yaml(path, label)
    if not isinstance(config, dict) or not isinstance(config.get(list_key), list):
        raise TalentbenchError(f"{label} {path.name} needs a list under {list_key!r}")
    return config


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


def read_provisions_csv(path: Path) -> pd.DataFrame:
    """Read a curated provisions CSV given by the user, with a clear error for each way it can be bad."""
    from benchmark.dataset import validate_provisions

    try:
        table = pd.read_csv(path, encoding="utf-8")
    except FileNotFoundError:
        raise TalentbenchError(f"provisions file not found: {path}") from None
    except UnicodeDecodeError:
        raise TalentbenchError(f"provisions file {path} is not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TalentbenchError(f"provisions file {path} is not a readable CSV: {str(exc).splitlines()[0]}") from None
    return validate_provisions(table, where=str(path))


def _peers_for(focus: str, peers: pd.DataFrame | None, clusters: pd.Series) -> list[str]:
    if peers is not None and focus in set(peers["city"]):
        return peers.set_index("city").at[focus, "peers"].split(",")
    if focus in clusters.index:  # no census context: fall back to the same policy cluster
        return [c for c in clusters.index[clusters == clusters[focus]] if c != focus]
    return []


def _label(city: str, coverage: float) -> str:
    """A city name with its coverage, as every ranking figure shows it."""
    return f"{city}（覆盖{coverage:.0%}）"


@dataclass
class Assessment:
    """Every stage's output of one assessment, and the choices that made it."""

    config: RunConfig
    framework: Framework
    profile_spec: object  # benchmark.valuation.ProfileSpec
    uncertain: dict
    provisions: pd.DataFrame  # every provision, any status
    usable: pd.DataFrame  # the provisions that count (by status)
    features: pd.DataFrame
    usable_features: pd.DataFrame
    benchmarked: list[str]  # cities with provisions that count
    registry: pd.DataFrame
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
    stats: pd.DataFrame
    context_columns: list[str]

    @property
    def ranked(self) -> list[str]:
        return self.results["city"].tolist()


@dataclass
class FocusView:
    """A focal city against its peers: line-item comparison and the other indicators."""

    city: str
    peers: list[str]
    comparison: pd.DataFrame  # long: profile x benefit x city (compare.line_item_comparison)
    summary: pd.DataFrame  # profile x benefit: focus vs each peer (compare.focus_summary)
    items: pd.DataFrame  # the focus city's counted line items at city scope
    other: pd.DataFrame | None  # the non-profile indicators (clusters.peer_comparison)
    gaps: pd.DataFrame  # talent groups only the peers pay


def _with_only(framework: Framework, codes: list[str]) -> Framework:
    """The framework restricted to some indicators, with no coverage rule (a validity variant)."""
    from dataclasses import replace

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


def assess(config: RunConfig, progress: Callable[[str], None] = lambda _: None) -> Assessment:
    """Compute every stage of the assessment from the inputs ``config`` names; writes nothing."""
    from benchmark import city_registry, dataset, validity
    from benchmark.index.sensitivity import sensitivity, uncertainty
    from benchmark.valuation import load_profiles, value_profiles

    progress("读取数据集")
    framework = load_framework(config.framework_path)
    spec = load_method_yaml(config.spec_path, "index_spec.yaml", "method spec", "steps")
    uncertain = load_method_yaml(config.uncertainty_path, "uncertainty.yaml", "uncertainty spec", "inputs")
    profile_spec = load_profiles()
    provisions = (read_provisions_csv(config.provisions_path) if config.provisions_path
                  else dataset.load_provisions())
    cities = city_registry.load_cities()
    unknown = sorted(set(provisions["city"]) - set(cities["city"]))
    if unknown:
        raise TalentbenchError(f"provisions name cities not in the registry: {', '.join(unknown)}")
    usable = provisions[provisions["status"].isin(config.statuses)]
    benchmarked = [c for c in cities["city"] if c in set(usable["city"])]
    if config.focus:
        check_city(config.focus, cities)

    progress("画像估值（本科/硕士/博士）")
    features = dataset.load_features()
    usable_features = features[features["status"].isin(config.statuses)]
    # every registry city, so that any city can be the focus (with nothing known, nothing counts)
    valuation = value_profiles(provisions, usable_features, profile_spec, config.statuses,
                               cities=list(cities["city"]),
                               profiles=[p.code for p in (*profile_spec.profiles, *profile_spec.ladder)])

    progress("构建城市×指标矩阵")
    matrix, provenance = build_matrix(usable, framework, valuation, benchmarked, usable_features)

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
    stats = dataset.load_city_stats().set_index("city")
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
    clusterer = PolicyClusters(n_clusters=config.n_clusters).fit(profile)
    results["cluster"] = results["city"].map(clusterer.labels_)
    context_columns = [c for c in CONTEXT_COLUMNS if c in stats.columns]
    context = stats.reindex(benchmarked)[context_columns]
    has_context = len(context_columns) > 0 and len(context.dropna()) > config.n_peers
    peers = nearest_peers(context, n_peers=config.n_peers) if has_context else None
    return Assessment(
        config=config, framework=framework, profile_spec=profile_spec, uncertain=uncertain,
        provisions=provisions, usable=usable, features=features, usable_features=usable_features,
        benchmarked=benchmarked, registry=cities, valuation=valuation, matrix=matrix,
        provenance=provenance, coin=coin, thin=thin, indicator_codes=kept, results=results,
        coverage_share=coverage_share, min_data=min_data, excluded=excluded, normalised=normalised,
        spread=spread, sobol=sobol, outcome=outcome, validity=validity.as_table(checks),
        clusterer=clusterer, cluster_profile=profile, peers=peers, stats=stats,
        context_columns=context_columns)


def check_city(city: str, registry: pd.DataFrame) -> str:
    if city.strip() not in set(registry["city"]):
        raise TalentbenchError(f"unknown city {city.strip()!r}: not in the peer-city registry "
                               "(see `talentbench dataset summary`)")
    return city.strip()


def focus_peers(a: Assessment, focus: str) -> list[str]:
    """The focal city's peers (同类城市): nearest by census context among the benchmarked cities."""
    if focus in a.benchmarked:
        return _peers_for(focus, a.peers, a.clusterer.labels_)
    context = a.stats.reindex([*a.benchmarked, focus])[a.context_columns]
    if a.peers is None or focus not in a.stats.index or context.loc[focus].isna().any():
        return []
    # a city with no confirmed data still has peers: the nearest benchmarked cities
    table = nearest_peers(context, n_peers=a.config.n_peers).set_index("city")
    return table.at[focus, "peers"].split(",")


def focus_view(a: Assessment, focus: str) -> FocusView:
    """The focal city against its peers, item by item (any registry city can be the focus)."""
    from benchmark.compare import focus_summary, line_item_comparison

    focus = check_city(focus, a.registry)
    peers = focus_peers(a, focus)
    comparison = line_item_comparison(a.valuation, [focus, *peers], a.profile_spec.codes,
                                      list(a.profile_spec.counted_benefits), a.config.statuses)
    items = a.valuation.items
    other = [i.code for i in a.framework.indicators if not i.from_profiles]
    return FocusView(
        city=focus, peers=peers, comparison=comparison,
        summary=focus_summary(comparison, focus, peers),
        items=items[(items["city"] == focus) & (items["scope"] == "city") & items["counted"]],
        other=peer_comparison(a.matrix[other], focus, peers) if focus in a.matrix.index else None,
        gaps=coverage_gaps(a.usable, focus, peers))


def draw_figures(a: Assessment, figdir: Path, font) -> list[tuple[str, Path]]:
    """The report's figures as PNG files; returns (caption, path) pairs."""
    from benchmark.report import figures

    figures.setup(font)
    ranked = a.ranked
    labels = {c: _label(c, a.coverage_share.get(c, float("nan"))) for c in ranked}
    names = [i["name"] for i in a.uncertain["inputs"]]
    with warnings.catch_warnings():
        # A glyph missing from the CJK font is a defect, not noise: fail loudly.
        warnings.filterwarnings("error", message=".*missing from font.*")
        paths = [
            ("图1 人才政策综合指数排名（括号内为数据覆盖率：有来源数据的指标占比）", figures.ranking_bar(
                a.results.assign(city=a.results["city"].map(labels)), a.framework.index_code,
                f"{a.framework.index_name}排名", figdir / "ranking.png")),
            ("图2 城市×指标标准化得分（斜线格 = 无数据，不插补）", figures.indicator_heatmap(
                a.normalised.rename(index=labels), a.framework.indicator_names(), "城市×指标标准化得分",
                figdir / "heatmap.png",
                known=a.matrix.reindex(ranked)[a.indicator_codes].notna().rename(index=labels))),
            ("图3 政策类型聚类（主成分平面）", figures.cluster_map(
                a.cluster_profile, a.clusterer.labels_, "政策类型聚类", figdir / "clusters.png")),
            (f"图4 排名的不确定性（{len(a.spread.ranks)} 次蒙特卡洛模拟：" + "、".join(names)
             + "；缺口越多，区间越宽）", figures.rank_uncertainty(
                a.spread.summary.dropna(subset=["Nominal"]).assign(uCode=lambda d: d["uCode"].map(labels)),
                "排名不确定性", figdir / "rank_uncertainty.png")),
        ]
        if a.outcome is not None:
            o = a.outcome
            paths.append((
                f"图5 政策力度与人才吸引力（斯皮尔曼相关 ρ = {o.rho:.2f}，p = {o.p_value:.2f}，"
                f"n = {o.n}；相关不代表因果）",
                figures.policy_vs_outcome(o.table, a.framework.index_code, OUTCOME_COLUMN,
                                          "政策力度与人才吸引力", figdir / "policy_vs_outcome.png")))
    return paths


def assessment_tables(a: Assessment, view: FocusView | None) -> dict[str, pd.DataFrame]:
    """Every table a run stores, by name."""
    from benchmark import dataset

    tables = {
        "provisions": a.provisions,
        "profile_values": a.valuation.values,
        "profile_items": a.valuation.items,
        "matrix": a.matrix.reset_index(),
        "matrix_provenance": a.provenance,
        "results": a.results,
        "coverage": dataset.coverage(a.provisions, a.features),
        "validity": a.validity,
        "rank_uncertainty": a.spread.summary.rename(columns={"uCode": "city"}),
        "sensitivity": a.sobol,
        "policy_outcome": a.outcome.table if a.outcome is not None else pd.DataFrame(columns=["city"]),
        **{f"index_{stage.lower()}": df for stage, df in a.coin.data.items()},
    }
    # Written on every run, empty when not asked for, so no table from an earlier run lingers.
    tables["peers"] = a.peers if a.peers is not None else pd.DataFrame(columns=["city", "peers", "distances"])
    tables["focus_comparison"] = (view.comparison.assign(focus=view.city) if view is not None
                                  else pd.DataFrame(columns=["profile", "benefit", "city", "focus"]))
    return tables


def report_content(a: Assessment, view: FocusView | None, figure_paths: list[tuple[str, Path]],
                   coverage: pd.DataFrame):
    """What the PDF shows, in Chinese display tables."""
    from benchmark.report import tables as display
    from benchmark.report.pdf import ReportContent

    framework, config = a.framework, a.config
    left_out = a.provisions["status"].value_counts().drop(list(config.statuses), errors="ignore")
    sources = (a.provisions.dropna(subset=["source_url"]).groupby(["city", "source_url"]).size()
               .rename("条目数").reset_index().rename(columns={"city": "城市", "source_url": "官方来源"}))
    names = framework.indicator_names()
    method = [display.describe_step(step, params) for step, params in a.coin.spec]
    method.insert(0, "估值：每个城市按“画像”计算一个标准人可得的现金（本科/硕士/博士应届毕业生，23/26/29 岁，"
                     "首次在该市全职就业、缴纳社保、落户、无房），36 个月内；只计已坐实条目；同一补贴多项择最大，"
                     "租房与购房择一（来源写明可同时享受者除外），来源写明互斥者只计较大者；"
                     "市级与区级分开：市级值只含全市适用的政策，最优区县的加码单列为一个指标。")
    if len(left_out):
        method.insert(1, "未计入的条目：" + "、".join(
            f"{display.STATUS_NAMES.get(k, k)} {v} 条" for k, v in left_out.items()) + "（见数据覆盖表）。")
    if a.thin:
        method.insert(1, f"数据覆盖不足 {framework.min_coverage:.0%} 城市、未纳入指数的指标："
                         + "、".join(names[c] for c in a.thin))
    method.append("聚类：k-means 需要完整数据，聚类时以已知值的中位数暂填缺口（只用于分组，不进入排名）。")
    focus = view.city if view else None
    statuses = "、".join(display.STATUS_NAMES.get(s, s) for s in config.statuses)
    return ReportContent(
        title="城市人才政策比较报告" + (f"：{focus}与同类城市" if focus else ""),
        subtitle=f"{framework.index_name} · {len(a.ranked)} 个城市参与排名",
        ranking=display.ranking_table(a.results, framework, a.usable.groupby("city").size(),
                                      a.matrix[a.indicator_codes].isna().sum(axis=1)),
        figures=figure_paths,
        focus=None if view is None else display.profile_focus_table(view.summary, view.peers),
        focus_city=focus,
        focus_peers=[] if view is None else view.peers,
        focus_items=None if view is None else display.line_items_table(view.items),
        focus_other=None if view is None or view.other is None else display.focus_table(
            view.other, framework, a.usable, focus, view.peers),
        focus_gaps=None if view is None else display.gaps_table(view.gaps),
        peers=None if a.peers is None else a.peers.rename(
            columns={"city": "城市", "peers": "同类城市（最相近在前）", "distances": "距离"}),
        clusters=display.cluster_table(a.results, framework),
        coverage=display.coverage_table(coverage),
        excluded=a.excluded,
        validity=display.validity_table(a.validity),
        method=method,
        sources=sources,
        # Small negative estimates are sampling error around zero (Saltelli et al. 2010).
        sensitivity=a.sobol[["input", "S1", "ST"]].assign(
            S1=a.sobol["S1"].clip(lower=0), ST=a.sobol["ST"].clip(lower=0)).round(3).rename(
            columns={"input": "不确定输入", "S1": "一阶Sobol指数", "ST": "总效应Sobol指数"}),
        notes=([f"注意：{focus}已坐实的数据不足，未参与综合排名，逐项比较仅供参考。"]
               if focus and focus not in set(a.ranked) else []) + [
            f"数据：{len(a.usable)} 条{statuses}的货币类人才政策条目（{a.usable['city'].nunique()} 个城市），"
            "每条均附官方来源链接与原文证据。",
            f"排名旁注明数据覆盖率（有来源数据的指标占比）；覆盖率低于 {a.min_data:.0%} 的城市列为“数据不足”，不参与排名。",
            "“无数据”表示来源未能证实该项政策，不等于没有该项政策；缺口不插补，其可能影响体现在排名区间中。",
        ],
    )


def write_report_for(a: Assessment, view: FocusView | None, figure_paths: list[tuple[str, Path]],
                     coverage: pd.DataFrame, reports_dir: Path, font) -> Path:
    """Render the report (for one focal city, or the overview when ``view`` is None)."""
    from benchmark.report.pdf import write_report

    name = f"talent_policy_report_{view.city}.pdf" if view else "talent_policy_report.pdf"
    return write_report(report_content(a, view, figure_paths, coverage), reports_dir / name, font)


def run(config: RunConfig, progress: Callable[[str], None] = lambda _: None) -> RunResult:
    """Run the main job; ``progress`` is told the name of each stage as it starts."""
    progress("检查中文字体")
    font = find_cjk_font()  # fail before any work if the report cannot be written
    a = assess(config, progress)
    view = focus_view(a, config.focus) if config.focus else None

    progress("绘制图表")
    figure_paths = draw_figures(a, config.workdir / "figures", font)

    progress("写入表格")
    tables = assessment_tables(a, view)
    outputs = write_tables(tables, config.workdir / "data" / "processed")

    progress("生成PDF报告")
    outputs["report"] = write_report_for(a, view, figure_paths, tables["coverage"],
                                         config.workdir / "reports", font)
    outputs.update({f"figure_{Path(p).stem}": p for _, p in figure_paths})
    return RunResult(tables=tables, index_code=a.framework.index_code, benchmarked=a.benchmarked,
                     not_ranked=a.excluded, outputs=outputs)
