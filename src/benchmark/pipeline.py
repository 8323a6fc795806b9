"""`talentbench run`: the whole job on a provisions table, from matrix to PDF report.

The pipeline wires the stages together and does the I/O; each stage is a pure function or
estimator in its own module.
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
from benchmark.framework import Framework, load_framework
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


def run(config: RunConfig, progress: Callable[[str], None] = lambda _: None) -> RunResult:
    """Run the main job; ``progress`` is told the name of each stage as it starts."""
    from benchmark import dataset, registry, validity
    from benchmark.compare import focus_summary, line_item_comparison
    from benchmark.index.sensitivity import sensitivity, uncertainty
    from benchmark.report import figures
    from benchmark.report import tables as display
    from benchmark.report.pdf import ReportContent, write_report
    from benchmark.valuation import load_profiles, value_profiles

    progress("检查中文字体")
    font = find_cjk_font()  # fail before any work if the report cannot be written

    progress("读取数据集")
    framework = load_framework(config.framework_path)
    spec = load_method_yaml(config.spec_path, "index_spec.yaml", "method spec", "steps")
    uncertain = load_method_yaml(config.uncertainty_path, "uncertainty.yaml", "uncertainty spec", "inputs")
    profile_spec = load_profiles()
    provisions = (read_provisions_csv(config.provisions_path) if config.provisions_path
                  else dataset.load_provisions())
    cities = registry.load_cities()
    unknown = sorted(set(provisions["city"]) - set(cities["city"]))
    if unknown:
        raise TalentbenchError(f"provisions name cities not in the registry: {', '.join(unknown)}")
    usable = provisions[provisions["status"].isin(config.statuses)]
    left_out = provisions["status"].value_counts().drop(list(config.statuses), errors="ignore")
    benchmarked = [c for c in cities["city"] if c in set(usable["city"])]
    focus = config.focus.strip() if config.focus else None
    if focus and focus not in set(cities["city"]):
        raise TalentbenchError(f"unknown city {focus!r}: not in the peer-city registry "
                               "(see `talentbench dataset summary`)")

    progress("画像估值（本科/硕士/博士）")
    features = dataset.load_features()
    usable_features = features[features["status"].isin(config.statuses)]
    valuation = value_profiles(provisions, usable_features, profile_spec, config.statuses,
                               cities=sorted(set(benchmarked) | ({focus} if focus else set())))

    progress("构建城市×指标矩阵")
    matrix, provenance = build_matrix(usable, framework, valuation, benchmarked, usable_features)

    progress("计算综合指数")
    coin, thin = build_index(matrix, framework, spec)
    indicator_codes = [ind.code for ind in framework.indicators if ind.code not in thin]
    results = coin.results.rename(columns={"uCode": "city"}).drop(columns=["uName"], errors="ignore")
    ranked = results["city"].tolist()
    # Coverage: the share of the index's indicators a city's own sources give a value for.
    coverage_share = matrix[indicator_codes].notna().mean(axis=1)
    results.insert(results.columns.get_loc("city") + 1, "coverage", results["city"].map(coverage_share))
    min_data = next((float(p.get("min_data", 0)) for step, p in coin.spec if step == "screen"), 0.0)
    # Every city the dataset knows something about but the index could not rank: too few
    # indicators from its own sources, or only unverified / old-rule provisions.
    excluded = [c for c in cities["city"] if c in set(provisions["city"]) and c not in set(ranked)]
    normalised = coin.data["Normalised"].set_index("uCode")[indicator_codes].reindex(ranked)

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
    scores = results.set_index("city")[framework.index_code]
    stats = dataset.load_city_stats().set_index("city")
    outcome = policy_outcome(results, stats.reset_index(), framework.index_code)
    checks = validity.source_detail_checks(scores, usable)
    district_codes = [ind.code for ind in framework.indicators
                      if ind.measure == "district_topup" and ind.code in indicator_codes]
    if district_codes:
        without = build_index(matrix.drop(columns=district_codes),
                              _without(framework, district_codes), spec)[0]
        checks.append(validity.rank_shift_check(
            results.set_index("city")["Rank"], without.results.set_index("uCode")["Rank"],
            "去掉区县加码指标后的排名"))
    checks.append(validity.outcome_check(outcome.rho if outcome else None,
                                         outcome.p_value if outcome else None, outcome.n if outcome else 0))
    aggregated = coin.data["Aggregated"].set_index("uCode")
    pillar_members = {p: [i.code for i in framework.indicators if i.pillar == p and i.code in indicator_codes]
                      for p in framework.pillars["code"]}
    checks += validity.pillar_checks(normalised, aggregated, {p: m for p, m in pillar_members.items() if m},
                                     framework.node_names(), framework.index_code)
    validity_table = validity.as_table(checks)

    progress("聚类与同类城市")
    # k-means needs a complete profile: clusters are formed on the gaps filled with the median of
    # the known values (stated in the report); the index itself never fills them.
    profile = normalised.dropna(axis=1, how="all")
    profile = profile.fillna(profile.median())
    clusterer = PolicyClusters(n_clusters=config.n_clusters).fit(profile)
    results["cluster"] = results["city"].map(clusterer.labels_)
    context = stats.reindex(benchmarked)[[c for c in CONTEXT_COLUMNS if c in stats.columns]]
    has_context = context.shape[1] > 0 and len(context.dropna()) > config.n_peers
    peers = nearest_peers(context, n_peers=config.n_peers) if has_context else None
    comparison = focus_table = focus_items = focus_other = focus_gaps = None
    focus_peers: list[str] = []
    if focus:
        if focus in benchmarked:
            focus_peers = _peers_for(focus, peers, clusterer.labels_)
        elif has_context and focus in stats.index:
            # a city with no confirmed data still has peers: the nearest benchmarked cities
            with_focus = stats.reindex([*benchmarked, focus])[context.columns]
            table = nearest_peers(with_focus, n_peers=config.n_peers).set_index("city")
            focus_peers = table.at[focus, "peers"].split(",") if focus in table.index else []
        comparison = line_item_comparison(valuation, [focus, *focus_peers], profile_spec.codes,
                                          list(profile_spec.counted_benefits), config.statuses)
        focus_table = focus_summary(comparison, focus, focus_peers)
        focus_items = valuation.items[(valuation.items["city"] == focus) & (valuation.items["scope"] == "city")
                                      & valuation.items["counted"]]
        # the indicators that are not profile values (services, 落户, funding), as before
        other = [i.code for i in framework.indicators if not i.from_profiles]
        if focus in matrix.index:
            focus_other = peer_comparison(matrix[other], focus, focus_peers)
        focus_gaps = coverage_gaps(usable, focus, focus_peers)

    progress("绘制图表")
    figdir = config.workdir / "figures"
    figures.setup(font)
    labels = {c: _label(c, coverage_share.get(c, float("nan"))) for c in ranked}
    with warnings.catch_warnings():
        # A glyph missing from the CJK font is a defect, not noise: fail loudly.
        warnings.filterwarnings("error", message=".*missing from font.*")
        figure_paths = [
            ("图1 人才政策综合指数排名（括号内为数据覆盖率：有来源数据的指标占比）", figures.ranking_bar(
                results.assign(city=results["city"].map(labels)), framework.index_code,
                f"{framework.index_name}排名", figdir / "ranking.png")),
            ("图2 城市×指标标准化得分（空白斜线格 = 无数据，不插补）", figures.indicator_heatmap(
                normalised.rename(index=labels), framework.indicator_names(), "城市×指标标准化得分",
                figdir / "heatmap.png", known=matrix.reindex(ranked)[indicator_codes].notna().rename(index=labels))),
            ("图3 政策类型聚类（主成分平面）", figures.cluster_map(
                profile, clusterer.labels_, "政策类型聚类", figdir / "clusters.png")),
            (f"图4 排名的不确定性（{len(spread.ranks)} 次蒙特卡洛模拟：" + "、".join(
                i["name"] for i in uncertain["inputs"]) + "；缺口越多，区间越宽）", figures.rank_uncertainty(
                spread.summary.dropna(subset=["Nominal"]).assign(
                    uCode=lambda d: d["uCode"].map(labels)), "排名不确定性", figdir / "rank_uncertainty.png")),
        ]
        if outcome is not None:
            figure_paths.append((
                f"图5 政策力度与人才吸引力（斯皮尔曼相关 ρ = {outcome.rho:.2f}，p = {outcome.p_value:.2f}，"
                f"n = {outcome.n}；相关不代表因果）",
                figures.policy_vs_outcome(outcome.table, framework.index_code, OUTCOME_COLUMN,
                                          "政策力度与人才吸引力", figdir / "policy_vs_outcome.png")))

    progress("写入表格")
    coverage = dataset.coverage(provisions, features)
    tables = {
        "provisions": provisions,
        "profile_values": valuation.values,
        "profile_items": valuation.items,
        "matrix": matrix.reset_index(),
        "matrix_provenance": provenance,
        "results": results,
        "coverage": coverage,
        "validity": validity_table,
        "rank_uncertainty": rank_spread,
        "sensitivity": sobol,
        "policy_outcome": outcome.table if outcome is not None else pd.DataFrame(columns=["city"]),
        **{f"index_{stage.lower()}": df for stage, df in coin.data.items()},
    }
    # Written on every run, empty when not asked for, so no table from an earlier run lingers.
    tables["peers"] = peers if peers is not None else pd.DataFrame(columns=["city", "peers", "distances"])
    tables["focus_comparison"] = (comparison.assign(focus=focus) if comparison is not None
                                  else pd.DataFrame(columns=["profile", "benefit", "city", "focus"]))
    outputs = write_tables(tables, config.workdir / "data" / "processed")

    progress("生成PDF报告")
    counts = usable.groupby("city").size()
    sources = (provisions.dropna(subset=["source_url"]).groupby(["city", "source_url"]).size()
               .rename("条目数").reset_index().rename(columns={"city": "城市", "source_url": "官方来源"}))
    names = framework.indicator_names()
    method = [display.describe_step(step, params) for step, params in coin.spec]
    method.insert(0, "估值：每个城市按“画像”计算一个标准人可得的现金（本科/硕士/博士应届毕业生，23/26/29 岁，"
                     "首次在该市全职就业、缴纳社保、落户、无房），36 个月内；只计已坐实条目；同一补贴多项择最大，"
                     "租房与购房择一（来源写明可同时享受者除外），来源写明互斥者只计较大者；"
                     "市级与区级分开：市级值只含全市适用的政策，最优区县的加码单列为一个指标。")
    if len(left_out):
        method.insert(1, "未计入的条目：" + "、".join(
            f"{display.STATUS_NAMES.get(k, k)} {v} 条" for k, v in left_out.items()) + "（见数据覆盖表）。")
    if thin:
        method.insert(1, f"数据覆盖不足 {framework.min_coverage:.0%} 城市、未纳入指数的指标："
                         + "、".join(names[c] for c in thin))
    method.append("聚类：k-means 需要完整数据，聚类时以已知值的中位数暂填缺口（只用于分组，不进入排名）。")
    title = "城市人才政策比较报告" + (f"：{focus}与同类城市" if focus else "")
    content = ReportContent(
        title=title,
        subtitle=f"{framework.index_name} · {len(ranked)} 个城市参与排名",
        ranking=display.ranking_table(results, framework, counts,
                                      matrix[indicator_codes].isna().sum(axis=1)),
        figures=figure_paths,
        focus=None if focus_table is None else display.profile_focus_table(focus_table, focus_peers),
        focus_city=focus,
        focus_peers=focus_peers,
        focus_items=None if focus_items is None else display.line_items_table(focus_items),
        focus_other=None if focus_other is None else display.focus_table(
            focus_other, framework, usable, focus, focus_peers),
        focus_gaps=None if focus_gaps is None else display.gaps_table(focus_gaps),
        peers=None if peers is None else peers.rename(
            columns={"city": "城市", "peers": "同类城市（最相近在前）", "distances": "距离"}),
        clusters=display.cluster_table(results, framework),
        coverage=display.coverage_table(coverage),
        excluded=excluded,
        validity=display.validity_table(validity_table),
        method=method,
        sources=sources,
        # Small negative estimates are sampling error around zero (Saltelli et al. 2010).
        sensitivity=sobol[["input", "S1", "ST"]].assign(
            S1=sobol["S1"].clip(lower=0), ST=sobol["ST"].clip(lower=0)).round(3).rename(
            columns={"input": "不确定输入", "S1": "一阶Sobol指数", "ST": "总效应Sobol指数"}),
        notes=([f"注意：{focus}已坐实的数据不足，未参与综合排名，逐项比较仅供参考。"]
               if focus and focus not in set(ranked) else []) + [
            f"数据：{len(usable)} 条{'、'.join(display.STATUS_NAMES.get(s, s) for s in config.statuses)}的货币类人才政策条目"
            f"（{usable['city'].nunique()} 个城市），每条均附官方来源链接与原文证据。",
            f"排名旁注明数据覆盖率（有来源数据的指标占比）；覆盖率低于 {min_data:.0%} 的城市列为“数据不足”，不参与排名。",
            "“无数据”表示来源未能证实该项政策，不等于没有该项政策；缺口不插补，其可能影响体现在排名区间中。",
        ],
    )
    report_name = f"talent_policy_report_{focus}.pdf" if focus else "talent_policy_report.pdf"
    outputs["report"] = write_report(content, config.workdir / "reports" / report_name, font)
    outputs.update({f"figure_{Path(p).stem}": p for _, p in figure_paths})
    return RunResult(tables=tables, index_code=framework.index_code, benchmarked=benchmarked,
                     not_ranked=excluded, outputs=outputs)


def _without(framework: Framework, codes: list[str]) -> Framework:
    """The framework with some indicators removed (a validity variant)."""
    from dataclasses import replace

    return replace(framework, indicators=tuple(i for i in framework.indicators if i.code not in codes))
