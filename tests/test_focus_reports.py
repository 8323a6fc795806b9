"""The focus report for every registry city: it never reports an absence the sources contradict.

"无数据" may only stand for a benefit of which the city has no confirmed provision at any scope
and tier; everything else the comparison says is backed by the valuation's line items.
"""

import shutil
import subprocess

import pandas as pd
import pytest

import benchmark as tb
from benchmark import city_registry, dataset
from benchmark.compare import NO_DATA, focus_view
from benchmark.fonts import find_cjk_font
from benchmark.indicator_framework import vocabulary
from benchmark.report.assemble import draw_figures, render_report, report_content

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("focus")
    a = tb.assess()
    font = find_cjk_font()
    figures = draw_figures(a, workdir / "figures", font)
    return a, figures, font, workdir


def confirmed_benefits(a, city: str) -> set[str]:
    rows = a.provisions[(a.provisions["city"] == city) & a.provisions["status"].isin(a.inputs.statuses)]
    return set(rows["benefit"])


def test_no_report_says_no_data_for_a_benefit_the_city_has_confirmed(assessed):
    a, figures, font, workdir = assessed
    names = {v: k for k, v in vocabulary().benefits.items()}
    coverage = dataset.coverage(a.provisions, a.features)
    checked = 0
    for city in city_registry.load_cities()["city"]:
        view = focus_view(a, city)
        # the long comparison: every 无数据 of every city shown (focus and peers)
        for row in view.comparison.itertuples():
            if row.note == NO_DATA and row.benefit != "total":
                assert row.benefit not in confirmed_benefits(a, row.city), (city, row.city, row.benefit)
            if pd.notna(row.value_cny) and row.value_cny > 0 and row.benefit != "total":
                assert row.source_urls, (city, row.city, row.benefit)  # a value has its sources
        # the display table the PDF prints: the same rule, cell by cell
        content = report_content(a, view, figures, coverage)
        section = next(sec for sec in content.sections if sec.title.endswith("与同类城市逐项比较"))
        tables = [b.table for b in section.blocks if hasattr(b, "table") and "项目" in b.table.columns]
        for _, r in (tables[0].iterrows() if tables else iter(())):
            benefit = names.get(r["项目"])
            for column in ["本市", *view.peers]:
                if column in r and r[column] == NO_DATA and benefit:
                    who = city if column == "本市" else column
                    assert benefit not in confirmed_benefits(a, who), (city, who, benefit)
                    checked += 1
        pdf = render_report(a, city, workdir, font=font, figures=figures, coverage=coverage, what_if=False)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert f"{city}与同类城市逐项比较" in text
        assert all(peer in text for peer in view.peers)
    assert checked > 0  # the rule was exercised


def test_a_peer_named_where_the_city_has_no_data_offers_something(assessed):
    """"本市无数据；有数据：X" sits in the column of peers that out-bid the city: a peer whose
    source states 0 offers nothing the city lacks, so it is not named there."""
    a = assessed[0]
    named = 0
    for city in city_registry.load_cities()["city"]:
        summary = focus_view(a, city).summary
        for row in summary.itertuples():
            for peer in filter(None, row.only_peers.split(",")):
                assert summary.at[row.Index, f"peer:{peer}"] > 0, (city, peer, row.benefit)
                named += 1
    assert named > 0


def test_an_uncounted_confirmed_benefit_says_why(assessed):
    a = assessed[0]
    # 武汉's confirmed purchase subsidies are district offers with conditions: never "无数据",
    # and the reason concerns the person (a condition, a district) before other talent groups
    view = focus_view(a, "武汉")
    rows = view.comparison[(view.comparison["city"] == "武汉") & (view.comparison["benefit"] == "housing_purchase")]
    assert "housing_purchase" in confirmed_benefits(a, "武汉")
    uncounted = rows[rows["value_cny"].isna()]
    assert len(uncounted) and not (uncounted["note"] == NO_DATA).any()
    assert uncounted["note"].str.contains("仅区级|有限定条件|有年龄限制").all(), uncounted["note"].tolist()


def pdf_text(path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("city", ["杭州", "太原"])
def test_leader_report_for_a_focal_city(assessed, city):
    a, figures, font, workdir = assessed
    pdf = render_report(a, city, workdir, font=font, figures=figures)
    text = pdf_text(pdf)
    flat = text.replace("\n", "")
    row = a.results.set_index("city").loc[city]
    among = a.rank_among(city, a.peers_of(city))
    # the one-page summary: rank, interval and coverage; rank among the named peers
    assert f"第 {int(row['Rank'])} 名（90% 区间 {row['rank_q05']:.0f}–{row['rank_q95']:.0f} 名）" in flat
    assert f"数据覆盖 {row['coverage']:.0%}" in flat
    assert f"第 {among['rank']} 名" in flat
    for peer in a.peers_of(city):
        assert peer in text
    for heading in ("一页摘要", "逐项比较", "综合排名与不确定性", "同类城市与政策类型", "假设分析",
                    "政策效用评估", "有效性检验", "方法说明", "附录"):
        assert heading in text, heading
    # a profile comparison row with its official source: the focal city's counted line items
    items = focus_view(a, city).items
    assert len(items)
    first = items.iloc[0]
    assert first["source_url"][:30] in flat
    # every font embedded
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)
    # data snapshot date on the cover, page numbers on every page
    assert "数据快照：2026-03-12" in pdf_text(pdf).split("\f")[0]
    pages = text.split("\f")
    assert all(f"第 {i} 页" in page for i, page in enumerate(pages[:-1], start=1))


def test_figures_are_written_as_png_and_svg(assessed):
    a, figures, font, workdir = assessed
    for _, path in figures.values():
        assert path.exists() and path.with_suffix(".svg").exists()
        assert path.with_suffix(".svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
