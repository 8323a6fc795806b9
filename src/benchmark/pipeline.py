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
import yaml

from benchmark.clusters import PolicyClusters, nearest_peers
from benchmark.errors import TalentbenchError
from benchmark.fonts import find_cjk_font
from benchmark.framework import Framework, load_framework
from benchmark.matrix import build_matrix
from benchmark.paths import resource
from benchmark.store import write_tables

CONTEXT_COLUMNS = ["popu_2020", "popu_growth", "urbanisation"]


@dataclass
class RunConfig:
    workdir: Path
    provisions_path: Path | None = None
    framework_path: Path | None = None
    spec_path: Path | None = None
    n_clusters: int | str = "auto"
    n_peers: int = 3


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    outputs: dict[str, Path] = field(default_factory=dict)


def load_spec(path: Path | None) -> dict:
    path = path or resource("framework", "index_spec.yaml")
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TalentbenchError(f"method spec not found: {path}") from None
    except yaml.YAMLError as exc:
        raise TalentbenchError(f"method spec {Path(path).name} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("steps"), list):
        raise TalentbenchError(f"method spec {Path(path).name} needs a list under 'steps'")
    return spec


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


def _ranking_display(results: pd.DataFrame, framework: Framework, counts: pd.Series) -> pd.DataFrame:
    names = framework.node_names()
    pillar_codes = list(framework.pillars["code"])
    shown = results[["Rank", "city", framework.index_code, *pillar_codes, "cluster"]].copy()
    shown["n_provisions"] = shown["city"].map(counts).fillna(0).astype(int)
    for column in [framework.index_code, *pillar_codes]:
        shown[column] = shown[column].round(1)
    return shown.rename(columns={"Rank": "排名", "city": "城市", **names, "cluster": "聚类组",
                                 "n_provisions": "条目数"})


def run(config: RunConfig, progress: Callable[[str], None] = lambda _: None) -> RunResult:
    """Run the main job; ``progress`` is told the name of each stage as it starts."""
    from benchmark import dataset, registry
    from benchmark.index import CompositeIndex
    from benchmark.report import figures
    from benchmark.report.pdf import ReportContent, write_report

    progress("检查中文字体")
    font = find_cjk_font()  # fail before any work if the report cannot be written

    progress("读取数据集")
    framework = load_framework(config.framework_path)
    spec = load_spec(config.spec_path)
    provisions = (read_provisions_csv(config.provisions_path) if config.provisions_path
                  else dataset.load_provisions())
    cities = registry.load_cities()
    unknown = sorted(set(provisions["city"]) - set(cities["city"]))
    if unknown:
        raise TalentbenchError(f"provisions name cities not in the registry: {', '.join(unknown)}")
    benchmarked = [c for c in cities["city"] if c in set(provisions["city"])]

    progress("构建城市×指标矩阵")
    matrix, provenance = build_matrix(provisions, framework, benchmarked)

    progress("计算综合指数")
    idata = matrix.reset_index().rename(columns={"city": "uCode"})
    idata.insert(1, "uName", idata["uCode"])
    coin = CompositeIndex(idata, framework.imeta()).build(spec)
    results = coin.results.rename(columns={"uCode": "city"}).drop(columns=["uName"], errors="ignore")
    ranked = results["city"].tolist()
    excluded = [c for c in benchmarked if c not in set(ranked)]
    indicator_codes = [ind.code for ind in framework.indicators]
    # Figures and clusters list cities in rank order.
    normalised = coin.data["Normalised"].set_index("uCode")[indicator_codes].reindex(ranked)

    progress("聚类与同类城市")
    # A constant indicator normalises to NaN (COINr does the same) and tells clusters nothing.
    profile = normalised.dropna(axis=1, how="all")
    clusterer = PolicyClusters(n_clusters=config.n_clusters).fit(profile)
    results["cluster"] = results["city"].map(clusterer.labels_)
    stats = dataset.load_city_stats().set_index("city")
    context = stats.reindex(ranked)[[c for c in CONTEXT_COLUMNS if c in stats.columns]]
    peers = nearest_peers(context, n_peers=config.n_peers) if len(context.dropna()) > config.n_peers else None

    progress("绘制图表")
    figdir = config.workdir / "figures"
    figures.setup(font)
    with warnings.catch_warnings():
        # A glyph missing from the CJK font is a defect, not noise: fail loudly.
        warnings.filterwarnings("error", message=".*missing from font.*")
        figure_paths = [
            ("图1 人才政策综合指数排名", figures.ranking_bar(
                results, framework.index_code, f"{framework.index_name}排名", figdir / "ranking.png")),
            ("图2 城市×指标标准化得分", figures.indicator_heatmap(
                normalised, framework.indicator_names(), "城市×指标标准化得分", figdir / "heatmap.png",
                known=matrix.reindex(ranked).notna())),
            ("图3 政策类型聚类（主成分平面）", figures.cluster_map(
                profile, clusterer.labels_, "政策类型聚类", figdir / "clusters.png")),
        ]

    progress("写入表格")
    coverage = dataset.coverage(provisions, dataset.load_features())
    tables = {
        "provisions": provisions,
        "matrix": matrix.reset_index(),
        "matrix_provenance": provenance,
        "results": results,
        "coverage": coverage,
        **{f"index_{stage.lower()}": df for stage, df in coin.data.items()},
    }
    if peers is not None:
        tables["peers"] = peers
    outputs = write_tables(tables, config.workdir / "data" / "processed")

    progress("生成PDF报告")
    counts = provisions.groupby("city").size()
    sources = (provisions.dropna(subset=["source_url"]).groupby(["city", "source_url"]).size()
               .rename("条目数").reset_index().rename(columns={"city": "城市", "source_url": "官方来源"}))
    content = ReportContent(
        title="城市人才政策比较报告",
        subtitle=f"{framework.index_name} · {len(ranked)} 个城市参与排名",
        ranking=_ranking_display(results, framework, counts),
        figures=figure_paths,
        peers=None if peers is None else peers.rename(
            columns={"city": "城市", "peers": "同类城市（人口规模、增长、城镇化最相近）", "distances": "距离"}),
        coverage=coverage,
        excluded=excluded,
        method=[f"{entry['step']}: {entry['params']}" for entry in coin.log],
        sources=sources,
        notes=[
            f"数据：{len(provisions)} 条货币类人才政策条目（{provisions['city'].nunique()} 个城市），"
            "每条均附官方来源链接与原文证据。",
            "金额为政策文本所载上限；按月/按年发放者按所述期限折算（最长三年）。",
        ],
    )
    outputs["report"] = write_report(content, config.workdir / "reports" / "talent_policy_report.pdf", font)
    outputs.update({Path(p).stem: p for _, p in figure_paths})
    return RunResult(tables=tables, outputs=outputs)
