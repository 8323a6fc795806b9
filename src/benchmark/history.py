"""Benchmark history: scores and ranks over the published snapshots, and what changed between two.

``history_table(db)`` - one row per snapshot and city (snapshot, published_at, city, score, rank,
rank interval, coverage, label); ``history_figure`` draws the ranks over time.
``diff_snapshots(db, a, b)`` - new, changed and withdrawn provisions (with evidence and official
source), status changes (待复核 <-> 已坐实), feature changes, changed profile values and rank moves.
``summary_lines(diff)`` - the short Chinese summary ("自上次评估以来 …") the report includes.

The snapshots are built from successive versions of the *sources*: a difference is a source
update (a text added, deepened, re-marked), not necessarily a change of a city's policy, and
the summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmark import snapshots
from benchmark.report.tables import PROFILE_NAMES, STATUS_NAMES

HISTORY_COLUMNS = ["snapshot", "published_at", "city", "score", "rank", "rank_q05", "rank_q95",
                   "coverage", "label"]
KIND_CN = {"new": "新增", "changed": "调整", "withdrawn": "撤下", "status": "状态变化"}
SCOPE_CN = {"city": "市级", "district": "最优区县"}
PROVISION_DIFF_COLUMNS = [
    "kind", "city", "doc", "district", "tier", "benefit", "period", "old_amount", "new_amount",
    "old_status", "new_status", "old_review", "new_review", "change", "evidence", "old_evidence",
    "source_url",
]


def history_table(db: Path, city: str | None = None) -> pd.DataFrame:
    """Scores and ranks of every city in every snapshot, oldest first.

    A city the snapshot values but could not rank (too little confirmed) has an empty score and
    rank; a snapshot whose sources gave no index lists its cities with empty ranks.
    """
    cat = snapshots.catalogue(db)
    if not len(cat):
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    results = snapshots.read_part(db, "snapshot_results")
    table = results.merge(cat[["snapshot", "published_at", "label"]], on="snapshot", how="right")
    table = table.dropna(subset=["city"])
    if city is not None:
        table = table[table["city"] == city.strip()]
    table = table.sort_values(["snapshot", "rank", "city"], na_position="last", kind="stable")
    return table.reindex(columns=HISTORY_COLUMNS).reset_index(drop=True)


def history_wide(table: pd.DataFrame) -> pd.DataFrame:
    """City x snapshot table of 'rank (score)' for the terminal."""
    if not len(table):
        return pd.DataFrame()

    def cell(r) -> str:
        if pd.isna(r["rank"]):
            return "—"
        return f"{int(r['rank'])} ({r['score']:.1f})"

    t = table.assign(cell=table.apply(cell, axis=1),
                     column=table["snapshot"].astype(int).astype(str) + " " + table["label"].fillna(""))
    wide = t.pivot_table(index="city", columns="column", values="cell", aggfunc="first", sort=False)
    order = t.drop_duplicates("column").sort_values("snapshot")["column"].tolist()
    wide = wide.reindex(columns=order).fillna("")
    last = t[t["snapshot"] == t["snapshot"].max()].set_index("city")["rank"]
    return wide.loc[sorted(wide.index, key=lambda c: (pd.isna(last.get(c)), last.get(c, 0), c))]


def history_figure(table: pd.DataFrame, path: Path) -> Path:
    """Each city's rank over the snapshots (rank 1 at the top)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmark.fonts import find_cjk_font
    from benchmark.report import figures
    from benchmark.store import atomic_output

    figures.setup(find_cjk_font())
    fig, ax = plt.subplots(figsize=(8, 5))
    snaps = sorted(table["snapshot"].dropna().astype(int).unique())
    labels = {int(r.snapshot): f"{int(r.snapshot)}\n{str(r.label)[:16]}"
              for r in table.drop_duplicates("snapshot").itertuples()}
    for city, rows in table.dropna(subset=["rank"]).groupby("city"):
        rows = rows.sort_values("snapshot")
        ax.plot(rows["snapshot"], rows["rank"], marker="o", label=city)
        ax.annotate(city, (rows["snapshot"].iloc[-1], rows["rank"].iloc[-1]), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xticks(snaps, [labels[s] for s in snaps], fontsize=7)
    ax.set_ylabel("排名")
    ax.set_title("各次评估的排名（来源资料更新）")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, ncol=2, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=150, format="png")
    plt.close(fig)
    return path


# --- diff ----------------------------------------------------------------------------------

@dataclass
class SnapshotDiff:
    old: dict  # catalogue row of the older snapshot
    new: dict
    provisions: pd.DataFrame  # PROVISION_DIFF_COLUMNS
    features: pd.DataFrame  # kind, city, doc, feature, old_value, new_value, old_status, new_status, evidence, source_url
    values: pd.DataFrame  # city, profile, scope, old_value, new_value
    ranks: pd.DataFrame  # city, old_rank, new_rank, move, old_score, new_score

    @property
    def status_changes(self) -> pd.DataFrame:
        p = self.provisions
        return p[p["old_status"].notna() & p["new_status"].notna() & (p["old_status"] != p["new_status"])]


def _none(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _same(a, b) -> bool:
    a, b = _none(a), _none(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return a == b


def _pair(old: pd.DataFrame, new: pd.DataFrame, ident: list[str]):
    """Pair rows with the same identity, in order of position; returns (pairs, old left, new left)."""
    def keyed(df):
        df = df.copy()
        df["_id"] = list(zip(*[df[c].map(lambda v: _none(v)) for c in ident], strict=True))
        df["_n"] = df.groupby("_id", dropna=False).cumcount()
        return df

    o, n = keyed(old), keyed(new)
    merged = o.merge(n, on=["_id", "_n"], how="outer", suffixes=("_old", "_new"), indicator=True)
    pairs = merged[merged["_merge"] == "both"]
    left_o = o[o.set_index(["_id", "_n"]).index.isin(
        merged.loc[merged["_merge"] == "left_only"].set_index(["_id", "_n"]).index)]
    left_n = n[n.set_index(["_id", "_n"]).index.isin(
        merged.loc[merged["_merge"] == "right_only"].set_index(["_id", "_n"]).index)]
    return pairs, left_o.drop(columns=["_id", "_n"]), left_n.drop(columns=["_id", "_n"])


_COMPARED = ("amount_cny", "amount_max_cny", "is_cap", "duration_months", "status", "source_url",
             "evidence", "review", "conditions", "relations", "scope", "city")
_WORDS = {"amount_cny": "金额", "amount_max_cny": "上限", "is_cap": "是否封顶", "duration_months": "期限",
          "status": "状态", "source_url": "来源", "evidence": "原文", "review": "复核",
          "conditions": "条件", "relations": "叠加关系", "scope": "层级", "city": "城市"}


def _fmt(col: str, v) -> str:
    v = _none(v)
    if v is None:
        return "无"
    if col == "status":
        return STATUS_NAMES.get(v, v)
    if col in ("amount_cny", "amount_max_cny"):
        return f"{float(v):,.0f}"
    return str(v)


def _provision_row(kind, o: dict | None, n: dict | None, change: str = "") -> dict:
    base = n if n is not None else o
    return {
        "kind": kind, "city": base["city"], "doc": base["doc"], "district": _none(base.get("district")),
        "tier": base["tier"], "benefit": base["benefit"], "period": base["period"],
        "old_amount": _none(o["amount_cny"]) if o else None,
        "new_amount": _none(n["amount_cny"]) if n else None,
        "old_status": o["status"] if o else None, "new_status": n["status"] if n else None,
        "old_review": o["review"] if o else None, "new_review": n["review"] if n else None,
        "change": change, "evidence": base["evidence"],
        "old_evidence": o["evidence"] if (o and n and o["evidence"] != n["evidence"]) else None,
        "source_url": _none(base.get("source_url")),
    }


def _split(pairs: pd.DataFrame, columns) -> tuple[list[dict], list[dict]]:
    olds, news = [], []
    for r in pairs.to_dict("records"):
        olds.append({c: r.get(f"{c}_old", r.get(c)) for c in columns})
        news.append({c: r.get(f"{c}_new", r.get(c)) for c in columns})
    return olds, news


def diff_provisions(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Provision changes between two snapshots.

    Rows are the same provision when document, district, tier, benefit, period and amount agree
    (several such rows pair up in text order); what is left pairs by document, district, tier,
    benefit and period (an amount changed); the rest are new or withdrawn. ``status`` = only
    the status mark changed; ``changed`` = amount, cap, source, evidence, review or conditions.
    """
    columns = [c for c in old.columns if c != "snapshot"]
    old = old.sort_values(["doc", "start"], kind="stable")
    new = new.sort_values(["doc", "start"], kind="stable")
    rows = []
    exact, rest_o, rest_n = _pair(old, new, ["doc", "district", "tier", "benefit", "period", "amount_cny"])
    slot, rest_o, rest_n = _pair(rest_o, rest_n, ["doc", "district", "tier", "benefit", "period"])
    for pairs in (exact, slot):
        for o, n in zip(*_split(pairs, columns), strict=True):
            changed = [c for c in _COMPARED if not _same(o.get(c), n.get(c))]
            if not changed:
                continue
            kind = "status" if changed == ["status"] else "changed"
            text = "；".join(f"{_WORDS[c]} {_fmt(c, o.get(c))}→{_fmt(c, n.get(c))}"
                            for c in changed if c != "evidence") or "原文措辞调整"
            rows.append(_provision_row(kind, o, n, text))
    rows += [_provision_row("new", None, n) for n in rest_n.to_dict("records")]
    rows += [_provision_row("withdrawn", o, None) for o in rest_o.to_dict("records")]
    out = pd.DataFrame(rows, columns=PROVISION_DIFF_COLUMNS)
    order = {k: i for i, k in enumerate(KIND_CN)}
    return out.sort_values(["kind", "city", "doc"], key=lambda s: s.map(order) if s.name == "kind" else s,
                           kind="stable").reset_index(drop=True)


def diff_features(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    cols = ["kind", "city", "doc", "feature", "old_value", "new_value", "old_status", "new_status",
            "evidence", "source_url"]
    o = old.drop_duplicates(["doc", "feature"]).set_index(["doc", "feature"])
    n = new.drop_duplicates(["doc", "feature"]).set_index(["doc", "feature"])
    rows = []
    for ident in n.index.union(o.index):
        a = o.loc[ident].to_dict() if ident in o.index else None
        b = n.loc[ident].to_dict() if ident in n.index else None
        if a is None:
            kind = "new"
        elif b is None:
            kind = "withdrawn"
        elif not _same(a["value"], b["value"]) or not _same(a.get("review"), b.get("review")):
            kind = "changed"
        elif not _same(a["status"], b["status"]):
            kind = "status"
        else:
            continue
        base = b or a
        rows.append({"kind": kind, "city": base["city"], "doc": ident[0], "feature": ident[1],
                     "old_value": a["value"] if a else None, "new_value": b["value"] if b else None,
                     "old_status": a["status"] if a else None, "new_status": b["status"] if b else None,
                     "evidence": base["evidence"], "source_url": base["source_url"]})
    return pd.DataFrame(rows, columns=cols)


def diff_values(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    keys = ["city", "profile", "scope"]
    m = old[[*keys, "value_cny"]].merge(new[[*keys, "value_cny"]], on=keys, how="outer",
                                        suffixes=("_old", "_new"))
    changed = [not _same(a, b) for a, b in zip(m["value_cny_old"], m["value_cny_new"], strict=True)]
    out = m[changed].rename(columns={"value_cny_old": "old_value", "value_cny_new": "new_value"})
    return out.sort_values(keys).reset_index(drop=True)


def diff_ranks(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    m = old[["city", "rank", "score"]].merge(new[["city", "rank", "score"]], on="city", how="outer",
                                             suffixes=("_old", "_new"))
    m = m.rename(columns={"rank_old": "old_rank", "rank_new": "new_rank", "score_old": "old_score",
                          "score_new": "new_score"})
    m["move"] = m["old_rank"] - m["new_rank"]  # positive = moved up
    changed = [not _same(a, b) for a, b in zip(m["old_rank"], m["new_rank"], strict=True)]
    out = m[changed][["city", "old_rank", "new_rank", "move", "old_score", "new_score"]]
    return out.sort_values(["new_rank", "city"], na_position="last").reset_index(drop=True)


def diff_snapshots(db: Path, a: int, b: int) -> SnapshotDiff:
    cat = snapshots.catalogue(db).set_index("snapshot")
    parts = {t: snapshots.read_part(db, t, [a, b]) for t in
             ("snapshot_provisions", "snapshot_features", "snapshot_profile_values", "snapshot_results")}

    def of(t, n):
        df = parts[t]
        return df[df["snapshot"] == n].drop(columns="snapshot").reset_index(drop=True)

    return SnapshotDiff(
        old={"snapshot": a, **cat.loc[a].to_dict()}, new={"snapshot": b, **cat.loc[b].to_dict()},
        provisions=diff_provisions(of("snapshot_provisions", a), of("snapshot_provisions", b)),
        features=diff_features(of("snapshot_features", a), of("snapshot_features", b)),
        values=diff_values(of("snapshot_profile_values", a), of("snapshot_profile_values", b)),
        ranks=diff_ranks(of("snapshot_results", a), of("snapshot_results", b)))


# --- the Chinese summary -------------------------------------------------------------------

def _by_city(df: pd.DataFrame, limit: int = 6) -> str:
    counts = df["city"].value_counts()
    parts = [f"{c} {n} 条" for c, n in counts.head(limit).items()]
    return "、".join(parts) + (f" 等 {len(counts)} 个城市" if len(counts) > limit else "")


def _money(v) -> str:
    v = _none(v)
    if v is None:
        return "无数据"
    return f"{float(v) / 10000:g} 万元"


def summary_lines(diff: SnapshotDiff, limit: int = 5) -> list[str]:
    """The short Chinese summary of a diff, for the report ("自上次评估以来 …").

    Worded as updates of the sources (the research corpus or the official pages read), never as
    policy changes of the cities.
    """
    o, n = diff.old, diff.new
    head = (f"自上次评估（快照 {o['snapshot']}，{o.get('label') or ''}）以来，"
            f"本次评估（快照 {n['snapshot']}，{n.get('label') or ''}）所依据的来源资料有以下更新"
            "（这是来源资料的更新，不一定代表城市政策本身发生变化）：")
    p = diff.provisions
    reviewed = p[(p["new_review"].fillna(p["old_review"]) != "pending")]
    pending = p[(p["new_review"].fillna(p["old_review"]) == "pending")]
    lines = []
    for kind, verb in (("new", "新增"), ("changed", "调整"), ("withdrawn", "不再列出")):
        rows = reviewed[reviewed["kind"] == kind]
        if len(rows):
            lines.append(f"{verb}条目 {len(rows)} 条：{_by_city(rows)}。")
    new_pending = pending[pending["kind"] == "new"]
    if len(new_pending):
        lines.append(f"来源新出现、尚待分析员复核的条目 {len(new_pending)} 条（暂不计入评分）："
                     f"{_by_city(new_pending)}。")
    status = diff.status_changes
    if len(status):
        moves = (status["old_status"].map(STATUS_NAMES) + "→" + status["new_status"].map(STATUS_NAMES)).value_counts()
        lines.append(f"状态标记变化 {len(status)} 条：" + "，".join(f"{k} {v} 条" for k, v in moves.items()) + "。")
    f = diff.features
    if len(f):
        counts = f["kind"].map(KIND_CN).value_counts()
        lines.append("非货币政策要素：" + "，".join(f"{k} {v} 项" for k, v in counts.items()) + "。")
    v = diff.values[diff.values["scope"].isin(list(SCOPE_CN)) & diff.values["profile"].isin(list(PROFILE_NAMES))]
    if len(v):
        items = [f"{r.city}{PROFILE_NAMES[r.profile]}（{SCOPE_CN[r.scope]}）{_money(r.old_value)}→{_money(r.new_value)}"
                 for r in v.head(limit).itertuples()]
        lines.append(f"画像值变化 {len(v)} 项：" + "；".join(items) + ("等。" if len(v) > limit else "。"))
    r = diff.ranks
    if len(r):
        def move(row) -> str:
            if pd.isna(row.old_rank):
                return f"{row.city}进入排名（第 {int(row.new_rank)} 位）"
            if pd.isna(row.new_rank):
                return f"{row.city}未参与本次排名（上次第 {int(row.old_rank)} 位）"
            return f"{row.city} {int(row.old_rank)}→{int(row.new_rank)}"
        lines.append("排名变化：" + "；".join(move(x) for x in r.head(limit * 2).itertuples())
                     + ("等。" if len(r) > limit * 2 else "。"))
    if not lines:
        return [f"自上次评估（快照 {o['snapshot']}）以来，来源资料中的条目、画像值和排名均无变化。"]
    return [head, *lines]
