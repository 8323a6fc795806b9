"""Figures of the benchmark, with Chinese labels. Each function takes tables and writes one PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (CI has no display)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from benchmark.fonts import CJKFont, use_in_matplotlib  # noqa: E402
from benchmark.store import atomic_output  # noqa: E402

DPI = 200


def setup(font: CJKFont) -> None:
    use_in_matplotlib(font)
    sns.set_theme(style="whitegrid", font=plt.rcParams["font.sans-serif"][0])
    plt.rcParams["axes.unicode_minus"] = False


def _save(fig: plt.Figure, path: Path) -> Path:
    """Write the figure as PNG (``path``, for the PDF) and SVG beside it (vector, for slides)."""
    try:
        with atomic_output(path) as tmp:
            fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
        with atomic_output(path.with_suffix(".svg")) as tmp:
            fig.savefig(tmp, bbox_inches="tight", format="svg")
    finally:
        plt.close(fig)
    return path


def ranking_bar(results: pd.DataFrame, score_col: str, title: str, path: Path) -> Path:
    """Horizontal bars of the composite score, best city on top, coloured by cluster if known."""
    data = results.sort_values(score_col, ascending=True)
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.32 * len(data) + 1)))
    if "cluster" in data:
        palette = sns.color_palette("Set2", int(data["cluster"].max()))
        colors = [palette[int(c) - 1] for c in data["cluster"]]
    else:
        colors = sns.color_palette("Blues_d", len(data))
    ax.barh(data["city"], data[score_col], color=colors)
    for y, value in enumerate(data[score_col]):
        ax.text(value, y, f" {value:.1f}", va="center", fontsize=8)
    ax.set_xlabel("综合得分（0–100）")
    ax.set_title(title)
    if "cluster" in data:
        handles = [plt.Rectangle((0, 0), 1, 1, color=palette[k]) for k in range(len(palette))]
        ax.legend(handles, [f"第{k + 1}组" for k in range(len(palette))], title="政策类型聚类",
                  loc="lower right", fontsize=8)
    return _save(fig, path)


def indicator_heatmap(normalised: pd.DataFrame, labels: dict[str, str], title: str, path: Path,
                      known: pd.DataFrame | None = None) -> Path:
    """City x indicator heatmap of normalised scores; cells with no source data are marked 无数据."""
    data = normalised.rename(columns=labels)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * data.shape[1], max(3.0, 0.34 * len(data) + 1.5)))
    sns.heatmap(data, cmap="YlGnBu", vmin=0, vmax=100, annot=True, fmt=".0f", annot_kws={"size": 7},
                cbar_kws={"label": "标准化得分"}, linewidths=0.4, linecolor="white", ax=ax)
    if known is not None:
        unknown = ~known.reindex(index=normalised.index, columns=normalised.columns).fillna(False).astype(bool)
        for (i, j) in zip(*np.nonzero(unknown.to_numpy()), strict=True):
            ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, hatch="///", edgecolor="grey", lw=0))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title + ("（斜线 = 无数据，不插补）" if known is not None else ""))
    plt.setp(ax.get_xticklabels(), rotation=40, ha="right")
    return _save(fig, path)


def cluster_map(normalised: pd.DataFrame, clusters: pd.Series, title: str, path: Path) -> Path:
    """Cities on the first two principal components of their indicator profile, by cluster."""
    # The same standardised profile the k-means clustering sees.
    values = StandardScaler().fit_transform(normalised.to_numpy(dtype=float))
    pca = PCA(n_components=2).fit(values)
    xy = pca.transform(values)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    palette = sns.color_palette("Set2", int(clusters.max()))
    for k in sorted(clusters.unique()):
        mask = (clusters == k).to_numpy()
        ax.scatter(xy[mask, 0], xy[mask, 1], s=60, color=palette[int(k) - 1], label=f"第{k}组")
    for (x, y), city in zip(xy, normalised.index, strict=True):
        ax.annotate(city, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    ratio = pca.explained_variance_ratio_
    ax.set_xlabel(f"主成分1（解释方差 {ratio[0]:.0%}）")
    ax.set_ylabel(f"主成分2（解释方差 {ratio[1]:.0%}）")
    ax.set_title(title)
    ax.legend(title="政策类型聚类", fontsize=8)
    return _save(fig, path)


def rank_uncertainty(summary: pd.DataFrame, title: str, path: Path) -> Path:
    """Each city's nominal rank with the 5-95 % interval of its rank over the Monte Carlo runs."""
    data = summary.sort_values("Nominal", ascending=False)
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.32 * len(data) + 1)))
    y = np.arange(len(data))
    ax.hlines(y, data["Q5"], data["Q95"], color="#7a9cc6", lw=5, alpha=0.6, label="5%–95% 区间")
    ax.scatter(data["Median"], y, marker="|", s=200, color="#2b4c7e", label="中位排名", zorder=3)
    ax.scatter(data["Nominal"], y, color="#d1495b", s=30, label="名义排名", zorder=4)
    ax.set_yticks(y, data["uCode"])
    ax.set_xlabel("排名（1 = 最好）")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
    return _save(fig, path)


def policy_vs_outcome(table: pd.DataFrame, score_col: str, outcome_col: str, title: str,
                      path: Path) -> Path:
    """Policy score against the talent-attraction rank (best rank at the top)."""
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.scatter(table[score_col], table[outcome_col], s=50, color="#2b6ca3")
    for row in table.itertuples(index=False):
        ax.annotate(row.city, (getattr(row, score_col), getattr(row, outcome_col)),
                    textcoords="offset points", xytext=(4, 3), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("人才政策综合指数")
    ax.set_ylabel("人才吸引力排名（2022，1 = 最高）")
    ax.set_title(title)
    return _save(fig, path)


def radar(values: pd.DataFrame, labels: dict[str, str], title: str, path: Path) -> Path:
    """Radar chart of normalised scores (0–100): one line per row of ``values`` (e.g. the focal
    city, the peer median, the best peer), one axis per column; NaN axes are left open."""
    columns = list(values.columns)
    angles = np.linspace(0, 2 * np.pi, len(columns), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(6.5, 6.5), subplot_kw={"polar": True})
    palette = ["#d1495b", "#2b6ca3", "#66a182", "#edae49"]
    for (name, row), color in zip(values.iterrows(), palette, strict=False):
        data = row.to_numpy(dtype=float)
        closed = np.append(data, data[0])
        ax.plot(angles + angles[:1], closed, color=color, lw=2, label=name)
        ax.fill(angles + angles[:1], np.nan_to_num(closed), color=color, alpha=0.08)
        ax.scatter(angles, data, color=color, s=18, zorder=3)
    ax.set_xticks(angles, [labels.get(c, c) for c in columns], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"], fontsize=7)
    ax.set_title(title, pad=24)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, fontsize=8, frameon=False)
    return _save(fig, path)


def pillar_heatmap(pillars: pd.DataFrame, labels: dict[str, str], title: str, path: Path) -> Path:
    """City x pillar scores (0–100); unknown pillars left blank."""
    data = pillars.rename(columns=labels)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * data.shape[1], max(3.0, 0.34 * len(data) + 1.4)))
    sns.heatmap(data, cmap="YlGnBu", vmin=0, vmax=100, annot=True, fmt=".0f", annot_kws={"size": 8},
                cbar_kws={"label": "支柱得分"}, linewidths=0.4, linecolor="white", ax=ax)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title)
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    return _save(fig, path)
