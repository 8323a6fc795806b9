"""The focus report for every registry city: it never reports an absence the sources contradict.

"无数据" may only stand for a benefit of which the city has no confirmed provision at any scope
and tier; everything else the comparison says is backed by the valuation's line items.
"""

import shutil
import subprocess

import pandas as pd
import pytest

from benchmark import city_registry, dataset
from benchmark.compare import NO_DATA
from benchmark.fonts import find_cjk_font
from benchmark.indicator_framework import vocabulary
from benchmark.pipeline import (
    RunConfig,
    assess,
    draw_figures,
    focus_view,
    report_content,
    write_report_for,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("focus")
    a = assess(RunConfig(workdir=workdir))
    font = find_cjk_font()
    figures = draw_figures(a, workdir / "figures", font)
    return a, figures, font, workdir


def confirmed_benefits(a, city: str) -> set[str]:
    rows = a.provisions[(a.provisions["city"] == city) & a.provisions["status"].isin(a.config.statuses)]
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
            if pd.notna(row.value_cny) and row.benefit != "total":
                assert row.source_urls, (city, row.city, row.benefit)  # a value has its sources
        # the display table the PDF prints: the same rule, cell by cell
        content = report_content(a, view, figures, coverage)
        for _, r in content.focus.iterrows():
            benefit = names.get(r["项目"])
            for column in ["本市", *view.peers]:
                if column in r and r[column] == NO_DATA and benefit:
                    who = city if column == "本市" else column
                    assert benefit not in confirmed_benefits(a, who), (city, who, benefit)
                    checked += 1
        pdf = write_report_for(a, view, figures, coverage, workdir / "reports", font)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert f"{city}与同类城市逐项比较" in text
        assert all(peer in text for peer in view.peers)
    assert checked > 0  # the rule was exercised


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
