"""An assessment -> the report's figures, stored tables and the PDF's sections (in Chinese).

The leader's report for a focal city answers, in order: where do we stand among our peers and
how sure is that (one-page summary), what does a graduate receive here and in each peer, item by
item with sources, the ranking and its uncertainty, peers and policy archetypes, what would lift
the city, what the data says about effectiveness, validity checks, the method in plain words, and
an appendix that traces every number to its official URL and date.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from reportlab.lib.units import mm

from benchmark.clusters import ARCHETYPE_SD, STABILITY_RESAMPLES, STABLE_SHARE
from benchmark.paths import read_yaml, resource
from benchmark.report import tables as display
from benchmark.report.pdf import PAGE_WIDTH, Figure, ReportContent, Section, TableBlock, Text


def _label(city: str, coverage: float) -> str:
    """A city name with its coverage, as every ranking figure shows it."""
    return f"{city}（覆盖{coverage:.0%}）"


def _pillar_scores(a) -> pd.DataFrame:
    pillars = [p for p in a.framework.pillars["code"] if p in a.results.columns]
    return a.results.set_index("city")[pillars]


def draw_figures(a, figdir: Path, font) -> dict[str, tuple[str, Path]]:
    """The report's common figures (the same for every focal city) as PNG, with an SVG beside
    each for slides; returns {name: (caption, png path)}."""
    from benchmark.outcomes import OUTCOME_COLUMN
    from benchmark.report import figures

    figures.setup(font)
    ranked = a.ranked
    labels = {c: _label(c, a.coverage_share.get(c, float("nan"))) for c in ranked}
    names = [i["name"] for i in a.inputs.uncertain["inputs"]]
    node_names = a.framework.node_names()
    out: dict[str, tuple[str, Path]] = {}
    with warnings.catch_warnings():
        # A glyph missing from the CJK font is a defect, not noise: fail loudly.
        warnings.filterwarnings("error", message=".*missing from font.*")
        out["ranking"] = ("人才政策综合指数排名（括号内为数据覆盖率：有来源数据的指标占比）", figures.ranking_bar(
            a.results.assign(city=a.results["city"].map(labels)), a.framework.index_code,
            f"{a.framework.index_name}排名", figdir / "ranking.png"))
        out["rank_uncertainty"] = (
            f"排名的不确定性（{len(a.spread.ranks)} 次蒙特卡洛模拟：" + "、".join(names) + "；缺口越多，区间越宽）",
            figures.rank_uncertainty(
                a.spread.summary.dropna(subset=["Nominal"]).assign(uCode=lambda d: d["uCode"].map(labels)),
                "排名不确定性", figdir / "rank_uncertainty.png"))
        out["pillars"] = ("各城市支柱得分（空白 = 该支柱无数据）", figures.pillar_heatmap(
            _pillar_scores(a).rename(index=labels), node_names, "支柱得分", figdir / "pillars.png"))
        out["heatmap"] = ("城市×指标标准化得分（斜线格 = 无数据，不插补）", figures.indicator_heatmap(
            a.normalised.rename(index=labels), a.framework.indicator_names(), "城市×指标标准化得分",
            figdir / "heatmap.png",
            known=a.matrix.reindex(ranked)[a.indicator_codes].notna().rename(index=labels)))
        out["clusters"] = ("政策类型聚类（主成分平面）", figures.cluster_map(
            a.cluster_profile, a.clusterer.labels_, "政策类型聚类", figdir / "clusters.png"))
        if a.outcome is not None:
            o = a.outcome
            out["policy_vs_outcome"] = (
                f"政策力度与人才吸引力（斯皮尔曼相关 ρ = {o.rho:.2f}，p = {o.p_value:.2f}，n = {o.n}；相关不代表因果）",
                figures.policy_vs_outcome(o.table, a.framework.index_code, OUTCOME_COLUMN,
                                          "政策力度与人才吸引力", figdir / "policy_vs_outcome.png"))
    return out


def radar_table(a, focus: str) -> pd.DataFrame | None:
    """Focal city, peer median and best peer on the normalised indicators of the index."""
    peers = [p for p in a.peers_of(focus) if p in a.normalised.index]
    if focus not in a.normalised.index or not peers:
        return None
    norm = a.normalised
    best = norm.loc[peers].mean(axis=1).idxmax()
    return pd.DataFrame({
        focus: norm.loc[focus],
        "同类城市中位数": norm.loc[peers].median(),
        f"最优同类城市（{best}）": norm.loc[best],
    }).T


def assessment_tables(a, view=None) -> dict[str, pd.DataFrame]:
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
        "method_log": a.log.astype({"value": str}),
        **{f"index_{stage.lower()}": df for stage, df in a.coin.data.items()},
    }
    # Written on every run, empty when not asked for, so no table from an earlier run lingers.
    tables["peers"] = a.peers if a.peers is not None else pd.DataFrame(columns=["city", "peers", "distances"])
    tables["focus_comparison"] = (view.comparison.assign(focus=view.city) if view is not None
                                  else pd.DataFrame(columns=["profile", "benefit", "city", "focus"]))
    return tables


# -- the one-page summary -------------------------------------------------------------------


def strengths(a, focus: str) -> tuple[pd.DataFrame, list[str]]:
    """The focal city's indicators against the peer median (normalised 0–100), best first, and
    the indicators of the index it has no value for. A city that is not ranked has no normalised
    scores: its known indicators are then not compared here (the comparison table shows them)."""
    norm = a.normalised
    peers = [p for p in a.peers_of(focus) if p in norm.index] or [c for c in norm.index if c != focus]
    names = a.framework.indicator_names()
    rows, unknown = [], []
    for code in a.indicator_codes:
        own = a.matrix.at[focus, code] if focus in a.matrix.index else np.nan
        if pd.isna(own):
            unknown.append(names[code])
        elif focus in norm.index:
            median = norm.loc[peers, code].median()
            rows.append({"indicator": code, "name": names[code], "score": norm.at[focus, code],
                         "peer_median": median, "gap": norm.at[focus, code] - median})
    table = pd.DataFrame(rows, columns=["indicator", "name", "score", "peer_median", "gap"])
    return table.sort_values("gap", ascending=False).reset_index(drop=True), unknown


def district_note(a, focus: str) -> list[Text]:
    """Where a city's cash is mostly paid by a district, say so: the index compares city-wide
    offers, and a leader must not read a low city-wide value as "pays nothing"."""
    values = a.valuation.values
    mine = values[(values["city"] == focus) & values["profile"].isin(a.profile_spec.codes)]
    district = mine[(mine["scope"] == "district") & mine["district"].notna()].set_index("profile")
    city = mine[mine["scope"] == "city"].set_index("profile")["value_cny"]
    above = [p for p in district.index if pd.notna(district.at[p, "value_cny"])
             and district.at[p, "value_cny"] > (city.get(p) if pd.notna(city.get(p)) else 0)]
    if not above:
        return []
    parts = "；".join(f"{display.PROFILE_NAMES.get(p, p)} {display.yuan(district.at[p, 'value_cny'])}"
                     f"（{district.at[p, 'district']}，市级 {display.yuan(city.get(p))}）" for p in above)
    used = [i for i in a.framework.indicators if i.measure == "district_topup" and i.code in a.indicator_codes]
    return [Text("区县加码：在最优区县可得的现金高于市级：" + parts + "。"
                 + (f"区县加码作为单独指标计入综合指数（权重 {used[0].weight:g}，其他指标多为 1）。" if used else
                    "区县加码指标因已知城市不足一半，未纳入综合指数：综合排名只比较全市统一的政策。"))]


def summary_section(a, view, lift: pd.DataFrame | None) -> Section:
    focus = view.city
    res = a.results.set_index("city")
    code = a.framework.index_code
    blocks: list = []
    coverage = a.coverage_share.get(focus, 0.0)
    if focus in res.index:
        r = res.loc[focus]
        blocks.append(Text(
            f"综合排名：在 {len(res)} 个可排名城市中第 {int(r['Rank'])} 名（90% 区间 {r['rank_q05']:.0f}–{r['rank_q95']:.0f} 名），"
            f"综合得分 {r[code]:.1f}，数据覆盖 {coverage:.0%}。"))
        among = a.rank_among(focus, view.peers)
        ranked_peers = [p for p in view.peers if p in res.index]
        blocks.append(Text(
            f"在同类城市（{'、'.join(view.peers)}）中：可排名的 {among['n']} 个城市里第 {among['rank']} 名"
            f"（90% 区间 {among['q05']:.0f}–{among['q95']:.0f} 名）"
            + ("" if len(ranked_peers) == len(view.peers) else
               f"；{'、'.join(p for p in view.peers if p not in ranked_peers)}数据不足，未排名，仅逐项比较") + "。"))
    else:
        blocks.append(Text(f"{focus}已坐实的数据不足（覆盖 {coverage:.0%}，低于 {a.min_data:.0%}），未参与综合排名；"
                           f"以下仅就有来源的项目与同类城市（{'、'.join(view.peers)}）逐项比较。"))
    table, unknown = strengths(a, focus)
    if len(table):
        def fmt(r) -> str:
            raw = a.matrix.at[focus, r["indicator"]]
            ind = next(i for i in a.framework.indicators if i.code == r["indicator"])
            shown = f"{raw:g}" if ind.is_count else display.yuan(raw)
            return f"{r['name']}（本市 {shown}；标准化得分 {r['score']:.0f}，同类中位 {r['peer_median']:.0f}）"

        best = table[table["gap"] > 0].head(3)
        worst = table[table["gap"] < 0].sort_values("gap").head(3)
        blocks.append(Text("相对强项：" + ("；".join(fmt(r) for _, r in best.iterrows()) or "无明显强项") + "。"))
        blocks.append(Text("相对弱项：" + ("；".join(fmt(r) for _, r in worst.iterrows()) or "无明显弱项") + "。"))
    if unknown:
        blocks.append(Text("无来源数据、未计分的指标：" + "、".join(unknown) + "（缺口不等于零，需核实）。"))
    blocks += district_note(a, focus)
    totals = view.summary[view.summary["benefit"] == "total"] if len(view.summary) else view.summary
    outbid, only_peers = [], []
    for _, r in totals.iterrows():
        who = display.PROFILE_NAMES.get(r["profile"], r["profile"]) + "应届生可得现金合计"
        if r["outbid_by"]:
            outbid.append(f"{who}被{r['outbid_by'].replace(',', '、')}超过")
        elif r.get("only_peers"):
            only_peers.append(f"{who}（{r['only_peers'].replace(',', '、')}有已坐实数据）")
    if view.other is not None:
        names = a.framework.indicator_names()
        for _, r in view.other.iterrows():
            if r["outbid_by"]:
                outbid.append(f"{names[r['indicator']]}被{r['outbid_by'].replace(',', '、')}超过")
            elif pd.isna(r["focus_value"]) and pd.notna(r["best_value"]):
                only_peers.append(f"{names[r['indicator']]}（{r['best_peer']}等有数据）")
    if not view.peers:
        blocks.append(Text("同类城市：缺少该市的人口普查背景数据，无法确定同类城市，不作同类比较。"))
    else:
        blocks.append(Text("同类城市高出之处：" + ("；".join(outbid) if outbid else "在本市有数据的项目上，未见同类城市高于本市")
                           + "。"))
    if only_peers:
        blocks.append(Text("同类城市有数据、本市未能证实的项目（可能是政策空白，也可能是数据缺口）：" + "；".join(only_peers) + "。"))
    if lift is not None and len(lift):
        from benchmark.whatif import describe_change

        reach = lift[lift["reaches"] & (lift["change"] > 0)].copy()
        if len(reach):
            reach["relative"] = reach["change"] / reach["current"].abs().replace(0, np.nan)
            reach = reach.sort_values("relative", na_position="last").head(3)
            k = int(lift["k"].iloc[0])
            blocks.append(Text(f"如何提升到同类城市第 {k} 名（其他不变，单项即可做到；已逐项验算）："
                               + "；".join(describe_change(a, r) for _, r in reach.iterrows()) + "。"))
        elif (lift["rank_now"] <= lift["k"]).all():
            blocks.append(Text("本市已居同类城市首位。"))
        else:
            blocks.append(Text(f"如何提升：单独提高任何一个指标都不足以升到同类城市第 {int(lift['k'].iloc[0])} 名，"
                               "需要多项同时提升（见“假设分析”）。"))
    blocks.append(Text(f"“无数据”表示来源未能证实该项政策，不等于没有；金额为 {a.profile_spec.horizon_months} 个月内"
                       "一名应届毕业生可得的市级现金，"
                       "每个数字都可在附录中查到官方来源与日期。", "small"))
    return Section("一页摘要", blocks)


# -- sections ---------------------------------------------------------------------------------


def _ranking_widths(ranking: pd.DataFrame) -> list[float]:
    """Rank, interval, city and coverage wide enough for one line; the score columns share the rest."""
    fixed = {"排名": 9 * mm, "排名区间(5–95%)": 15 * mm, "城市": 15 * mm, "数据覆盖": 12 * mm}
    rest = (PAGE_WIDTH - sum(fixed.values())) / max(1, len(ranking.columns) - len(fixed))
    return [fixed.get(c, rest) for c in ranking.columns]


def _focus_widths(focus: pd.DataFrame) -> list[float]:
    """画像 and 项目 narrow, the value columns sharing the rest."""
    fixed = [10 * mm, 18 * mm]
    rest = (PAGE_WIDTH - sum(fixed)) / (len(focus.columns) - len(fixed))
    return fixed + [rest] * (len(focus.columns) - len(fixed))


def comparison_section(a, view) -> Section:
    city = view.city
    months = a.profile_spec.horizon_months
    focus = display.profile_focus_table(view.summary, view.peers, months)
    totals = focus[focus["项目"].str.startswith("合计")]
    behind = totals[totals["高于本市的同类城市"] != "—"]
    text = (f"下表比较一名应届毕业生（本科/硕士/博士）在{city}与同类城市（" + ("、".join(view.peers) or "无")
            + f"）{months} 个月内可得的市级现金，逐项列出；")
    beaten = behind[~behind["高于本市的同类城市"].str.startswith("本市无数据")]
    text += ("；".join(f"{r['画像']}合计被{r['高于本市的同类城市']}超过" for _, r in beaten.iterrows()) + "。"
             if len(beaten) else "在本市有数据的合计上未被同类城市超过。")
    text += "“仅区级”“仅面向其他人才类别”等说明该项有已坐实条目但不计入市级值；“无数据”表示该城市没有任何已坐实的该项条目。"
    blocks: list = [Text(text)]
    blocks.append(TableBlock(focus, _focus_widths(focus)) if len(focus)
                  else Text("本市与同类城市均无已坐实的可比条目。"))
    if len(view.items):
        blocks.append(TableBlock(display.line_items_table(view.items),
                                 [14 * mm, 22 * mm, 26 * mm, 30 * mm, 20 * mm, PAGE_WIDTH - 112 * mm],
                                 caption=f"{city}计入市级值的条目、官方来源与日期："))
    if view.other is not None and len(view.other):
        blocks.append(TableBlock(display.focus_table(view.other, a.framework, a.usable, city, view.peers),
                                 caption="其他指标（安居与配套服务、落户、资助、高层次人才）："))
    if len(view.gaps):
        blocks.append(TableBlock(display.gaps_table(view.gaps), caption=(
            f"同类城市有已坐实的货币补贴、而{city}未见已坐实条目的人才类别（可能是政策空白，也可能是数据缺口）：")))
    return Section(f"{city}与同类城市逐项比较", blocks)


def ranking_section(a, figures: dict, focus: str | None) -> Section:
    ranking = display.ranking_table(a.results, a.framework, a.usable.groupby("city").size(),
                                    a.matrix[a.indicator_codes].isna().sum(axis=1))
    blocks: list = [TableBlock(ranking, _ranking_widths(ranking))]
    if a.excluded:
        blocks.append(Text("数据不足、未参与排名的城市（已坐实的指标不足一半，缺口不等于零）：" + "、".join(a.excluded)))
    blocks.append(Text("“数据覆盖”为该城市有来源数据的指标占比，“无数据指标数”为没有来源数据的指标个数：缺口不插补、"
                       "不计为零，城市按已知指标计分；“排名区间”为蒙特卡洛模拟（含缺口取中位数、最差或最好已知值）"
                       "下 5%–95% 的名次范围，覆盖率越低，区间通常越宽。", "small"))
    for name in ("radar", "ranking", "rank_uncertainty", "pillars", "heatmap"):
        if name in figures and (name != "radar" or focus):
            caption, path = figures[name]
            blocks.append(Figure(path, caption, max_height=185 * mm))
    return Section("综合排名与不确定性", blocks, new_page=True)


def peers_section(a, figures: dict) -> Section:
    from benchmark.assessment import CONTEXT_NAMES

    blocks: list = []
    variables = "、".join(CONTEXT_NAMES.get(c, c) for c in a.inputs.context_columns)
    if a.peers is not None:
        blocks.append(Text(f"同类城市：按{variables}（{len(a.inputs.context_columns)} 个变量），各自标准化（z 分数）后计算欧氏距离，"
                           f"每个城市取参与排名的城市中最近的 {a.inputs.n_peers} 个（k = {a.inputs.n_peers}），使同类城市之间的名次可比。"))
        blocks.append(TableBlock(a.peers.rename(columns={"city": "城市", "peers": "同类城市（最相近在前）",
                                                         "distances": "距离"})))
    arch = a.archetypes
    labels, ward, stability, k = arch.kmeans, arch.ward, arch.stability, arch.k
    names = a.framework.node_names()
    shown = arch.description.rename(columns={"group": "组", "cities": "城市", "n": "城市数", "description": "特点",
                                             **names})
    agree = float((ward == labels).mean())
    blocks.append(Text(f"政策类型（archetypes）：以各城市指标的标准化得分做 k-means 聚类（k = {k}，按轮廓系数选定；"
                       f"缺口暂以中位数填补，仅用于分组）；用 Ward 层次聚类复核，{agree:.0%} 的城市归组一致。"
                       f"“特点”为该组支柱均值高于或低于全体均值 {ARCHETYPE_SD:g} 个标准差以上者。"))
    blocks.append(TableBlock(shown))
    stable = pd.DataFrame({"城市": stability.index, "k-means 组": labels.reindex(stability.index).to_numpy(),
                           "Ward 组": ward.reindex(stability.index).to_numpy(),
                           "归组稳定性": [f"{v:.0%}" if pd.notna(v) else "—" for v in stability]})
    blocks.append(TableBlock(stable, caption=f"归组稳定性：对城市做 {STABILITY_RESAMPLES} 次自助重抽样并重新聚类，"
                                             "该城市与原同组城市仍同组（及原异组城市仍异组）的比例；"
                                             f"低于 {STABLE_SHARE:.0%} 的归组不宜过度解读。"))
    if "clusters" in figures:
        blocks.append(Figure(figures["clusters"][1], figures["clusters"][0], max_height=120 * mm))
    return Section("同类城市与政策类型", blocks, new_page=True)


def whatif_section(a, focus: str, lift: pd.DataFrame) -> Section:
    from benchmark.whatif import describe_change

    k = int(lift["k"].iloc[0]) if len(lift) else 1
    rows = []
    for _, r in lift.iterrows():
        if r["change"] == 0 and r["reaches"]:
            action = "已达到"
        elif r["reaches"]:
            action = describe_change(a, r)
        else:
            action = "单靠此项无法达到"
        rows.append({"指标": r["name"], "提升方案（其他不变）": action,
                     "验算后同类排名": "—" if pd.isna(r["rank_after"]) else f"第 {r['rank_after']:.0f} 名"})
    blocks = [Text(f"反向问题：每个指标单独需要提高到多少，{focus}才能在同类城市中升到第 {k} 名？"
                   "用二分法在指数上求最小值，再以该值重新计算指数验算（表中为验算结果）。"
                   "这是指标层面的答案：例如“博士生可得现金”可通过提高博士的安家费、生活补贴或购房补贴中任一项实现。"),
              TableBlock(pd.DataFrame(rows))]
    return Section("假设分析：怎样提升排名", blocks)


def effectiveness_section(a, figures: dict) -> Section | None:
    from benchmark.outcomes import effectiveness

    pillars = [p for p in a.framework.pillars["code"] if p in a.results.columns]
    names = a.framework.node_names()
    eff = effectiveness(a.results, a.stats.reset_index(), a.framework.index_code, pillars, names)
    if eff is None:
        return Section("政策效用评估", [Text("同时有指数与人才吸引力排名的城市不足 5 个，不作评估。")])
    corr = eff.correlations.assign(rho=eff.correlations["rho"].round(2), p=eff.correlations["p"].round(2)).rename(
        columns={"score": "得分", "rho": "与人才吸引力的斯皮尔曼相关ρ", "p": "p 值", "n": "城市数"})
    reg = eff.regression.assign(coef=eff.regression["coef"].round(3), se=eff.regression["se"].round(3),
                                p=eff.regression["p"].round(3)).rename(
        columns={"term": "变量", "coef": "系数", "se": "标准误", "p": "p 值"})
    blocks: list = [Text(s) for s in eff.statements]
    blocks += [TableBlock(corr, caption="相关（排名已换向：ρ > 0 表示得分越高、人才吸引力排名越靠前）："),
               TableBlock(reg, caption="回归：2022 年人才吸引力排名 = 常数 + 综合指数 + ln(常住人口)（排名数值越小越好）：")]
    if "policy_vs_outcome" in figures:
        blocks.append(Figure(figures["policy_vs_outcome"][1], figures["policy_vs_outcome"][0], max_height=110 * mm))
    return Section("政策效用评估", blocks, new_page=True)


def validity_section(a) -> Section:
    sobol = a.sobol[["input", "S1", "ST"]].assign(
        # Small negative estimates are sampling error around zero (Saltelli et al. 2010).
        S1=a.sobol["S1"].clip(lower=0), ST=a.sobol["ST"].clip(lower=0)).round(3).rename(
        columns={"input": "不确定输入", "S1": "一阶Sobol指数", "ST": "总效应Sobol指数"})
    return Section("有效性检验与敏感性", [
        Text("每次运行都检验：得分是否只是反映来源的详略（条目数、区级条目占比），去掉或加入区县加码指标后排名如何变化，"
             "与人才吸引力结果的相关，以及各支柱的内部一致性与支柱排名和综合排名的一致程度。"),
        TableBlock(display.validity_table(a.validity)),
        Text("敏感性：各方法选择对排名变化（平均绝对名次变动）的方差贡献，总效应指数越大，该选择对排名影响越大。"),
        TableBlock(sobol),
    ])


def method_section(a) -> Section:
    framework, statuses = a.framework, a.inputs.statuses
    left_out = a.provisions["status"].value_counts().drop(list(statuses), errors="ignore")
    names = framework.indicator_names()
    spec = a.profile_spec
    ages = "/".join(str(p.age) for p in spec.profiles)
    lines = ["估值：每个城市按“画像”计算一个标准人可得的现金（本科/硕士/博士应届毕业生，"
             f"{ages} 岁，首次在该市全职就业、缴纳社保、落户、无房），{spec.horizon_months} 个月内；只计已坐实条目；同一补贴多项择最大，租房与购房择一（来源写明可同时享受者除外），"
             "来源写明互斥者只计较大者；来源写明的年龄、学校、行业、单位类型等限定条件不符合者不计；"
             "市级与区级分开：市级值只含全市适用的政策，最优区县的加码单列为一个指标。",
             "高层次人才：各市自定的人才类别（A–F类、顶尖/领军、第一层次等）按其原文定义对照到统一阶梯"
             "（国家级领军、省级领军、市级高层次等）；原文未定义类别、或同一类别代码跨多个阶梯的城市，高层次人才待遇不作比较。"]
    if len(left_out):
        lines.append("未计入的条目：" + "、".join(f"{display.STATUS_NAMES.get(k, k)} {v} 条" for k, v in left_out.items())
                     + "（见数据覆盖表）。")
    if a.thin:
        lines.append(f"数据覆盖不足 {framework.min_coverage:.0%} 城市、未纳入指数的指标：" + "、".join(names[c] for c in a.thin))
    lines += [display.describe_step(step, params) for step, params in a.coin.spec]
    lines.append("聚类：k-means 需要完整数据，聚类时以已知值的中位数暂填缺口（只用于分组，不进入排名）。")
    return Section("方法说明", [Text(f"• {line}") for line in lines])


def appendix_section(a, coverage: pd.DataFrame) -> Section:
    sources = (a.provisions.dropna(subset=["source_url"])
               .assign(source_date=a.provisions["source_date"].astype(object).where(
                   a.provisions["source_date"].notna(), "未注明"))
               .groupby(["city", "source_url", "source_date"]).size().rename("条目数").reset_index()
               .rename(columns={"city": "城市", "source_url": "官方来源", "source_date": "来源日期"}))
    return Section("附录：数据覆盖与来源", [
        TableBlock(display.coverage_table(coverage), caption="每个登记城市已知的条目、特征与来源（缺口不等于零）："),
        TableBlock(sources, [16 * mm, PAGE_WIDTH - 52 * mm, 22 * mm, 14 * mm],
                   caption="每条货币类条目的官方来源与日期（逐条原文证据与字符位置见 provisions 表）："),
    ], new_page=True)


def report_content(a, view, figures: dict, coverage: pd.DataFrame,
                   lift: pd.DataFrame | None = None) -> ReportContent:
    """What the PDF shows, as sections of Chinese text, tables and figures."""
    focus = view.city if view else None
    snapshot = read_yaml(resource("dataset", "snapshot.yaml"), "dataset snapshot")
    latest = coverage["latest_source_date"].dropna()
    statuses = "、".join(display.STATUS_NAMES.get(s, s) for s in a.inputs.statuses)
    sections = []
    if view is not None:
        sections += [summary_section(a, view, lift), comparison_section(a, view)]
    sections += [ranking_section(a, figures, focus), peers_section(a, figures)]
    if view is not None and lift is not None and len(lift):
        sections.append(whatif_section(a, focus, lift))
    eff = effectiveness_section(a, figures)
    sections += [s for s in (eff, validity_section(a), method_section(a), appendix_section(a, coverage)) if s]
    return ReportContent(
        title="城市人才政策比较报告" + (f"：{focus}与同类城市" if focus else ""),
        subtitle=f"{a.framework.index_name} · {len(a.ranked)} 个城市参与排名",
        cover=[f"数据快照：{snapshot.get('source_snapshot')}（{snapshot.get('description', '')}）"
               + (f"，最新官方来源日期 {max(latest.astype(str))}" if len(latest) else ""),
               f"生成日期：{dt.date.today():%Y年%m月%d日}"],
        notes=([f"注意：{focus}已坐实的数据不足，未参与综合排名，逐项比较仅供参考。"]
               if focus and focus not in set(a.ranked) else []) + [
            f"数据：{len(a.usable)} 条{statuses}的货币类人才政策条目（{a.usable['city'].nunique()} 个城市），"
            "每条均附官方来源链接与原文证据。",
            f"排名旁注明数据覆盖率（有来源数据的指标占比）；覆盖率低于 {a.min_data:.0%} 的城市列为“数据不足”，不参与排名。",
            "“无数据”表示来源未能证实该项政策，不等于没有该项政策；缺口不插补，其可能影响体现在排名区间中。",
        ],
        sections=sections,
    )


def render_report(a, focus: str | None, workdir: Path, path: Path | None = None, font=None,
                  figures: dict | None = None, coverage: pd.DataFrame | None = None,
                  what_if: bool = True, since_last: list[str] | None = None) -> Path:
    """Render one report (for ``focus``, or the overview): figures under ``workdir/figures``,
    the PDF at ``path`` (default ``workdir/reports/talent_policy_report[_CITY].pdf``).
    ``what_if=False`` leaves out the reverse question (the slowest part) for quick drafts."""
    from benchmark import dataset
    from benchmark.compare import focus_view
    from benchmark.fonts import find_cjk_font
    from benchmark.report.pdf import write_report

    font = font or find_cjk_font()
    view = focus_view(a, focus) if focus else None
    figures = dict(figures) if figures else draw_figures(a, workdir / "figures", font)
    if view is not None:
        figures.update(draw_figures_focus(a, workdir / "figures", font, view.city))
    coverage = coverage if coverage is not None else dataset.coverage(a.provisions, a.features)
    lift = focus_lift(a, view) if view is not None and what_if else None
    name = f"talent_policy_report_{view.city}.pdf" if view else "talent_policy_report.pdf"
    path = path or workdir / "reports" / name
    content = report_content(a, view, figures, coverage, lift)
    if since_last:
        # after the summary (or first): what changed in the sources since the last evaluation
        at = 1 if view is not None else 0
        content.sections.insert(at, Section("自上次评估以来（来源更新）", [Text(line) for line in since_last]))
    return write_report(content, path, font)


def focus_lift(a, view) -> pd.DataFrame | None:
    """The reverse question for the focal city: reach the next rank up among its peers."""
    from benchmark.whatif import lift_to

    if view.city not in set(a.ranked):
        return None
    among = a.rank_among(view.city, view.peers)
    k = max(1, int(among["rank"]) - 1)
    return lift_to(a, view.city, k, view.peers)


def draw_figures_focus(a, figdir: Path, font, focus: str) -> dict[str, tuple[str, Path]]:
    """The focal city's own figures (its radar chart)."""
    from benchmark.report import figures

    figures.setup(font)
    radar = radar_table(a, focus)
    if radar is None:
        return {}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        return {"radar": (f"{focus}与同类城市中位数、最优同类城市（标准化得分 0–100，缺口处断开）",
                          figures.radar(radar, a.framework.indicator_names(), f"{focus}的政策轮廓",
                                        figdir / f"radar_{focus}.png"))}
