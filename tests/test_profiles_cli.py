"""`talentbench profiles`: the interface scripts rely on (columns, formats, errors)."""

import io
import json
import subprocess
import sys

import pandas as pd

from benchmark import dataset
from benchmark.valuation import value_profiles

COLUMNS = ["city", "profile", "scope", "district", "value_cny", "n_items", "flags"]


def talentbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True, timeout=60)


def test_city_scope_csv_has_the_interface_columns_and_the_stage_values():
    out = talentbench("profiles", "--scope", "city", "--format", "csv")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(io.StringIO(out.stdout))
    assert list(table.columns[:7]) == COLUMNS
    assert set(table["scope"]) == {"city"}
    assert set(table["profile"]) == {"bachelor", "master", "phd"}
    expected = value_profiles(dataset.load_provisions(), dataset.load_features()).values
    expected = expected[expected["scope"] == "city"].set_index(["city", "profile"])["value_cny"]
    got = table.set_index(["city", "profile"])["value_cny"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert got.isna().any()  # unknown stays empty, not 0


def test_filters_and_json():
    out = talentbench("profiles", "--city", "杭州", "--city", "太原", "--profile", "phd", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert {(r["city"], r["profile"]) for r in rows} == {("杭州", "phd"), ("太原", "phd")}
    assert {r["scope"] for r in rows} == {"city", "district"}


def test_explain_lists_counted_and_left_out_items_with_sources():
    out = talentbench("profiles", "--explain", "杭州", "phd", "--scope", "city", "--format", "csv")
    assert out.returncode == 0, out.stderr
    items = pd.read_csv(io.StringIO(out.stdout))
    counted = items[items["counted"]]
    assert len(counted) and counted["source_url"].str.startswith("http").all()
    assert (items.loc[~items["counted"], "rule"].notna()).all()
    values = pd.read_csv(io.StringIO(talentbench("profiles", "--city", "杭州", "--profile", "phd", "--scope",
                                                 "city", "--format", "csv").stdout))
    assert counted["value_cny"].sum() == values["value_cny"].item()
    text = talentbench("profiles", "--explain", "杭州", "phd").stdout
    assert "counted" in text and "LEFT OUT" in text and "杭州.md" in text


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    for args in (["--city", "不存在市"], ["--profile", "postdoc"], ["--explain", "杭州", "nobody"],
                 ["--provisions", str(tmp_path / "missing.csv")]):
        out = talentbench("profiles", *args)
        assert out.returncode == 2, args
        assert out.stderr.startswith("talentbench: error:") and out.stderr.count("\n") == 1, out.stderr
        assert "Traceback" not in out.stderr
