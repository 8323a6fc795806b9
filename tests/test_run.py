"""End to end: `talentbench run` on the embedded dataset, outputs read back as a user would."""

import shutil
import subprocess
import sys
import warnings

import duckdb
import pandas as pd
import pytest
from matplotlib import image as mpimg

from benchmark.pipeline import RunConfig, run

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "Glyph ... missing from font"
        outcome = run(RunConfig(workdir=workdir))
    return workdir, outcome


def test_every_ranked_city_and_its_score_are_in_the_pdf_text(result):
    workdir, outcome = result
    pdf = workdir / "reports" / "talent_policy_report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "城市人才政策比较报告" in text
    results = outcome.tables["results"]
    assert len(results) >= 8
    for row in results.itertuples():
        assert row.city in text
    # The ranking table's numbers are real text, not pictures: every city's row, score included.
    lines = text.splitlines()
    for row in results.itertuples():
        assert any(f" {row.city} " in f" {line} " and f"{row.TPI:.1f}" in line for line in lines), row.city


def test_all_pdf_fonts_are_embedded(result):
    workdir, _ = result
    listing = subprocess.run(["pdffonts", str(workdir / "reports" / "talent_policy_report.pdf")],
                             capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert listing, "the report uses no font at all"
    for line in listing:
        # columns: name type encoding emb sub uni object ID
        assert line.split()[-5] == "yes", f"font not embedded: {line}"


def test_figures_render_as_images(result):
    workdir, _ = result
    for name in ("ranking", "heatmap", "clusters", "rank_uncertainty", "policy_vs_outcome"):
        image = mpimg.imread(workdir / "figures" / f"{name}.png")
        assert image.shape[0] > 300 and image.shape[1] > 300
        assert image.std() > 0.05, f"{name}.png is blank"


def test_tables_are_in_duckdb_and_parquet(result):
    workdir, outcome = result
    processed = workdir / "data" / "processed"
    with duckdb.connect(str(processed / "talentbench.duckdb"), read_only=True) as con:
        ranked = con.execute("SELECT city, Rank FROM results ORDER BY Rank").df()
        n_matrix = con.execute("SELECT count(*) FROM matrix").fetchone()[0]
    assert ranked["city"].tolist() == outcome.tables["results"].sort_values("Rank")["city"].tolist()
    assert n_matrix == len(outcome.tables["matrix"])
    assert pd.read_parquet(processed / "results.parquet").shape == outcome.tables["results"].shape


def test_ranks_follow_scores(result):
    _, outcome = result
    results = outcome.tables["results"].sort_values("Rank")
    assert results["TPI"].is_monotonic_decreasing
    assert results["TPI"].between(0, 100).all()


def test_a_matrix_cell_has_a_value_exactly_when_sources_back_it(result):
    _, outcome = result
    matrix = outcome.tables["matrix"].set_index("city")
    backed = set(zip(outcome.tables["matrix_provenance"]["city"],
                     outcome.tables["matrix_provenance"]["indicator"], strict=True))
    for city in matrix.index:
        for indicator in matrix.columns:
            assert pd.notna(matrix.at[city, indicator]) == ((city, indicator) in backed), (city, indicator)
    assert matrix.isna().to_numpy().any()  # the embedded data has gaps, and they stay gaps


def test_only_confirmed_provisions_are_scored(result):
    from benchmark.dataset import load_features
    from benchmark.indicator_framework import load_framework
    from benchmark.matrix import build_matrix
    from benchmark.valuation import value_profiles

    _, outcome = result
    features = load_features()
    provisions = outcome.tables["provisions"]
    matrix = outcome.tables["matrix"].set_index("city")
    framework = load_framework()
    cities = list(matrix.index)
    confirmed_features = features[features["status"] == "confirmed"]
    confirmed, _ = build_matrix(provisions[provisions["status"] == "confirmed"], framework,
                                value_profiles(provisions, confirmed_features), cities, confirmed_features)
    everything, _ = build_matrix(provisions, framework,
                                 value_profiles(provisions, features, statuses=("confirmed", "to_check", "old_rule")),
                                 cities, features)
    pd.testing.assert_frame_equal(matrix[confirmed.columns], confirmed, check_names=False)
    assert not everything.equals(confirmed)  # old and unverified rules would change the picture


def test_coverage_stands_beside_each_rank_and_thin_cities_are_not_ranked(result):
    workdir, outcome = result
    results = outcome.tables["results"]
    matrix = outcome.tables["matrix"].set_index("city")
    index_codes = [c for c in outcome.tables["index_raw"].columns if c in matrix.columns]
    expected = matrix[index_codes].notna().mean(axis=1)
    assert (results.set_index("city")["coverage"] == expected.loc[results["city"]]).all()
    assert (results["coverage"] >= 0.5).all()
    assert outcome.not_ranked, "the embedded data has cities with too little confirmed data"
    for city in outcome.not_ranked:
        assert city not in set(results["city"])
    text = subprocess.run(["pdftotext", "-layout", str(workdir / "reports" / "talent_policy_report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = text.splitlines()
    for row in results.itertuples():  # the ranking row shows the coverage beside the rank
        assert any(f" {row.city} " in f" {line} " and f"{row.coverage:.0%}" in line for line in lines), row.city
    assert "数据不足" in text


def test_validity_checks_are_stored_and_printed(result):
    workdir, outcome = result
    checks = outcome.tables["validity"]
    assert {"score_vs_source_detail", "rank_shift", "index_vs_outcome", "cronbach_alpha",
            "pillar_vs_index_rank"} <= set(checks["check"])
    detail = checks[checks["check"] == "score_vs_source_detail"].set_index("subject")["value"]
    # the score is computed from city-wide values: it must not rise with district detail (before
    # the valuation stage it did: Pearson r = 0.82 with the number of district provisions)
    assert detail["区级条目占比"] < 0.3
    text = subprocess.run(["pdftotext", str(workdir / "reports" / "talent_policy_report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "有效性检验" in text and "Cronbach" in text and "区县加码" in text


def test_gaps_stay_unknown_and_imputation_is_an_uncertain_input(result):
    _, outcome = result
    assert outcome.tables["index_imputed"].drop(columns=["uCode", "uName"], errors="ignore").isna().any().any()
    names = set(outcome.tables["sensitivity"]["input"])
    assert "缺失值处理" in names


def test_a_failed_run_leaves_earlier_outputs_intact(result, tmp_path):
    workdir, _ = result
    before = {p: p.read_bytes() for p in (workdir / "data" / "processed").glob("*.parquet")}
    bad = tmp_path / "provisions.csv"
    bad.write_text("city,tier\n杭州,bachelor\n", encoding="utf-8")
    outcome = subprocess.run([sys.executable, "-m", "benchmark", "run", "--provisions", str(bad), "--out", str(workdir)],
                             capture_output=True, text=True)
    assert outcome.returncode == 2
    assert {p: p.read_bytes() for p in before} == before
    assert not list((workdir / "data" / "processed").glob(".*.tmp"))


def test_focus_city_report_compares_line_items_with_sources(tmp_path):
    outcome = subprocess.run([sys.executable, "-m", "benchmark", "run", "--focus", "杭州", "--out", str(tmp_path)],
                             capture_output=True, text=True, timeout=120)
    assert outcome.returncode == 0, outcome.stderr
    table = pd.read_parquet(tmp_path / "data" / "processed" / "focus_comparison.parquet")
    values = pd.read_parquet(tmp_path / "data" / "processed" / "profile_values.parquet")
    city_values = values[values["scope"] == "city"].set_index(["city", "profile"])["value_cny"]
    totals = table[table["benefit"] == "total"]
    for row in totals.itertuples():  # the comparison's totals are the valuation's values
        expected = city_values.get((row.city, row.profile), float("nan"))
        assert (pd.isna(row.value_cny) and pd.isna(expected)) or row.value_cny == expected
    text = subprocess.run(["pdftotext", str(tmp_path / "reports" / "talent_policy_report_杭州.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "杭州与同类城市逐项比较" in text
    # 杭州's confirmed purchase subsidies are for its B/C/D classes: said so, never "no data"
    assert "仅面向其他人才类别" in text and "B类人才" in text
    counted = table[(table["city"] == "杭州") & table["value_cny"].notna() & (table["benefit"] != "total")]
    for urls in counted["source_urls"]:
        assert urls and urls.split()[0][:40] in text.replace("\n", "")


def test_rank_intervals_contain_the_median_and_sensitivity_covers_every_input(result):
    _, outcome = result
    results = outcome.tables["results"]
    assert (results["rank_q05"] <= results["rank_median"]).all()
    assert (results["rank_median"] <= results["rank_q95"]).all()
    assert results["rank_q95"].max() <= len(results)
    sobol = outcome.tables["sensitivity"]
    assert len(sobol) == 4
    assert (sobol["ST"] > -0.05).all() and sobol["ST"].max() > 0.05  # something moves the ranks

