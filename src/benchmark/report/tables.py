"""Display tables of the report: stage outputs turned into Chinese, reader-ready tables.

Pure functions over DataFrames; the PDF writer lays them out, the pipeline calls them.
"""

from __future__ import annotations

import pandas as pd

from benchmark.indicator_framework import Framework, vocabulary

LEVEL_NAMES = {"municipality": "直辖市", "sub_provincial": "副省级城市",
               "provincial_capital": "省会城市", "prefecture": "地级市"}
STATUS_NAMES = {"confirmed": "已坐实", "to_check": "待复核", "old_rule": "旧口径"}


def describe_step(step: str, params: dict) -> str:
    """One Chinese sentence per method step of the index, from the choices the spec states."""
    method = params.get("method")
    if step == "impute":
        if method == "none":
            return ("缺失值：不插补。城市按其有来源数据的指标计分（已知指标的权重按比例放大）；"
                    "缺口若取中位数、最差或最好已知值会怎样，作为不确定性输入进入蒙特卡洛分析。")
        by = f"按{params['group']}分组的" if params.get("group") else ""
        stat = {"median": "中位数", "mean": "平均值", "min": "最小已知值", "max": "最大已知值"}.get(
            str(method).removesuffix("_group"), str(method))
        return f"缺失值插补：以{by}{stat}填补未知值（缺口不等于零）。"
    if step == "screen":
        return f"数据充足性筛选：至少 {float(params.get('min_data', 0)):.0%} 的指标有来源数据的城市才参与排名。"
    if step == "treat":
        return (f"异常值处理：偏度绝对值 > {params.get('skew', 2)} 且峰度 > {params.get('kurt', 3.5)} 的指标，"
                f"最多缩尾 {params.get('winmax', 5)} 个值，仍不满足则取对数（COINr 默认规则）。")
    if step == "normalise":
        if method == "minmax":
            low, high = params.get("range", [0, 100])
            return f"标准化：最小-最大法缩放到 {low:g}–{high:g}。"
        return f"标准化：{method}。"
    if step == "aggregate":
        name = {"arithmetic": "加权算术平均", "geometric": "加权几何平均"}.get(method, method)
        return f"汇总：{name}，逐层（指标 → 支柱 → 综合指数）。"
    return f"{step}：{params}"


def ranking_table(results: pd.DataFrame, framework: Framework, counts: pd.Series,
                  unknown: pd.Series) -> pd.DataFrame:
    """The ranking with each city's rank interval and coverage beside its rank."""
    names = framework.node_names()
    pillar_codes = [c for c in framework.pillars["code"] if c in results.columns]
    shown = results[["Rank", "city", "coverage", framework.index_code, *pillar_codes, "cluster"]].copy()
    shown.insert(1, "interval", [f"{lo:.0f}–{hi:.0f}" for lo, hi in zip(results["rank_q05"], results["rank_q95"],
                                                                         strict=True)])
    shown["coverage"] = shown["coverage"].map(lambda v: f"{v:.0%}")
    shown["n_provisions"] = shown["city"].map(counts).fillna(0).astype(int)
    shown["n_unknown"] = shown["city"].map(unknown).fillna(0).astype(int)
    for column in [framework.index_code, *pillar_codes]:
        shown[column] = shown[column].round(1)
    return shown.rename(columns={"Rank": "排名", "interval": "排名区间(5–95%)", "city": "城市",
                                 "coverage": "数据覆盖", **names, "cluster": "聚类组",
                                 "n_provisions": "条目数", "n_unknown": "无数据指标数"})


def coverage_table(coverage: pd.DataFrame) -> pd.DataFrame:
    # confirmed items apart from the rest, so the counts add up to the cover's "N 条已坐实"
    shown = coverage.assign(n_other=coverage["n_provisions"] - coverage["n_confirmed"])[
        ["city", "province", "level", "n_confirmed", "n_other", "n_features", "n_sources",
         "latest_source_date"]].copy()
    shown["level"] = shown["level"].map(LEVEL_NAMES).fillna(shown["level"])
    shown["latest_source_date"] = shown["latest_source_date"].astype(object).where(
        shown["latest_source_date"].notna(), "未注明")
    return shown.rename(columns={"city": "城市", "province": "省份", "level": "级别",
                                 "n_confirmed": "已坐实货币条目", "n_other": "待复核/旧口径条目",
                                 "n_features": "非货币特征",
                                 "n_sources": "来源数", "latest_source_date": "最新来源日期"})


def yuan(value: float) -> str:
    if pd.isna(value):
        return "无数据"
    return f"{value / 10000:,.1f}万元" if value >= 10000 else f"{value:,.0f}元"


PROFILE_NAMES = {"bachelor": "本科", "master": "硕士", "phd": "博士"}


def _cell(value: float, note: str) -> str:
    if pd.notna(value):
        return yuan(value) + (f"（{note}）" if note else "")
    return note or "无数据"


def profile_focus_table(table: pd.DataFrame, peers: list[str], months: int) -> pd.DataFrame:
    """What a graduate receives in the focus city vs each peer, benefit by benefit (city scope),
    the total over the valuation's horizon of ``months``."""
    benefits = {**vocabulary().benefits, "total": f"合计（{months}个月）"}
    rows = []
    for r in table.to_dict("records"):
        row = {"画像": PROFILE_NAMES.get(r["profile"], r["profile"]),
               "项目": benefits.get(r["benefit"], r["benefit"]),
               "本市": _cell(r["focus_value"], r["focus_note"])}
        for peer in peers:
            if f"peer:{peer}" in r:
                row[peer] = _cell(r[f"peer:{peer}"], r[f"note:{peer}"])
        row["高于本市的同类城市"] = (r["outbid_by"].replace(",", "、") or
                              (f"本市无数据；有数据：{r['only_peers'].replace(',', '、')}" if r.get("only_peers") else "—"))
        rows.append(row)
    return pd.DataFrame(rows, columns=["画像", "项目", "本市", *peers, "高于本市的同类城市"])


def line_items_table(items: pd.DataFrame) -> pd.DataFrame:
    """The focus city's counted line items with their official sources."""
    benefits = vocabulary().benefits
    shown = items.assign(
        画像=items["profile"].map(PROFILE_NAMES).fillna(items["profile"]),
        项目=items["benefit"].map(benefits).fillna(items["benefit"]),
        金额=[f"{yuan(a)}/{ {'once': '次', 'month': '月', 'year': '年'}[p]}" for a, p in
            zip(items["amount_max_cny"].fillna(items["amount_cny"]), items["period"], strict=True)],
        计入=[yuan(v) + (f"（{m:.0f}个月）" if pd.notna(m) else "") for v, m in
            zip(items["value_cny"], items["months_counted"], strict=True)],
        来源日期=items["source_date"].astype(object).where(items["source_date"].notna(), "未注明"),
        来源=items["source_url"],
    )
    return shown[["画像", "项目", "金额", "计入", "来源日期", "来源"]]


def validity_table(checks: pd.DataFrame) -> pd.DataFrame:
    return checks[["reading"]].rename(columns={"reading": "检验结果"})


def focus_table(table: pd.DataFrame, framework: Framework, provisions: pd.DataFrame, focus: str,
                peers: list[str]) -> pd.DataFrame:
    """The focus city against its peers on the indicators that are not profile values.

    A city-scope funding indicator with no value, where the city has confirmed provisions of
    that benefit elsewhere (a district, another talent group), says so instead of 无数据.
    """
    by_code = {ind.code: ind for ind in framework.indicators}
    levels = {ind.code: {score: vocabulary().tiers.get(name, name) for name, score in ind.levels}
              for ind in framework.indicators if ind.levels}

    def fmt(code: str, value: float, city: str | None) -> str:
        ind = by_code[code]
        if pd.isna(value):
            if city is not None and ind.benefits and (
                    (provisions["city"] == city) & provisions["benefit"].isin(ind.benefits)).any():
                return "市级未见（另有区级或其他类别条目）"
            return "无数据"
        if code in levels:
            return levels[code].get(value, f"{value:g}")
        return f"{value:g}" if ind.is_count else yuan(value)

    rows = []
    for r in table.itertuples():
        rows.append({
            "指标": by_code[r.indicator].name,
            "本市": fmt(r.indicator, r.focus_value, focus),
            "同类城市中位数": fmt(r.indicator, r.peer_median, None) if pd.notna(r.peer_median) else "—",
            "最高同类城市": f"{r.best_peer}（{fmt(r.indicator, r.best_value, r.best_peer)}）"
            if isinstance(r.best_peer, str) else "—",
            "本市位次/有数据城市数": "—" if pd.isna(r.rank_among_peers) else f"{int(r.rank_among_peers)}/{r.n_compared}",
            "高于本市的同类城市": r.outbid_by.replace(",", "、") or "—",
        })
    return pd.DataFrame(rows)


def gaps_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """Talent groups only the peers pay, with Chinese tier names."""
    return gaps.assign(tier=gaps["tier"].map(vocabulary().tiers).fillna(gaps["tier"])).rename(
        columns={"tier": "人才类别", "peers": "有已坐实补贴的同类城市"})
