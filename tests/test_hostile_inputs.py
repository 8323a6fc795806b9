"""Hostile input (issue 11, findings 3-5 in part): bombs and absurd numbers get one clear line,
a non-zero exit, no traceback, bounded time — and change nothing."""

import subprocess
import sys
import time

import pytest

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))


def talentbench(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def one_line_error(out: subprocess.CompletedProcess, message: str) -> None:
    assert out.returncode == 2, out.stderr
    # `run` reports its progress on stderr first; the error is one line, the last
    lines = out.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("talentbench:")]
    assert errors == [lines[-1]] and errors[0].startswith("talentbench: error:"), out.stderr
    assert message in errors[0], errors[0]
    assert "Traceback" not in out.stderr


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    spec = tmp_path / "bomb.yaml"
    spec.write_text(BOMB, encoding="utf-8")  # 9^9 = 387 million leaves if expanded
    started = time.perf_counter()
    out = talentbench("run", "--spec", str(spec), "--out", str(tmp_path / "o"))
    assert time.perf_counter() - started < 30
    one_line_error(out, "aliases")
    assert not (tmp_path / "o" / "data").exists()  # nothing written


def test_an_oversized_yaml_is_refused_before_parsing(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text("steps:\n" + "  - impute: {method: none}\n" * 60000, encoding="utf-8")
    one_line_error(talentbench("run", "--spec", str(spec), "--out", str(tmp_path / "o")), "larger than")


@pytest.mark.parametrize(("args", "message"), [
    (["sensitivity", "--n", "100000000000000000000000"], "--n"),
    (["sensitivity", "--seed", "-1"], "--seed"),
    (["crawl", "--max-age", "nan", "--cities", "杭州"], "--max-age"),
    (["parse", "--timeout", "inf"], "--timeout"),
])
def test_absurd_numbers_on_the_command_line(tmp_path, args, message):
    one_line_error(talentbench(*args, cwd=tmp_path), message)


@pytest.mark.parametrize(("amount", "message"), [("-5000", "amount_cny"), ("inf", "amount_cny"),
                                                 ("1e308", "amount_cny")])
def test_non_finite_or_negative_amounts_are_refused(tmp_path, amount, message):
    import pandas as pd

    from benchmark import dataset

    table = dataset.load_provisions()
    table.loc[0, "amount_cny"] = float(amount)
    path = tmp_path / "provisions.csv"
    table.to_csv(path, index=False)
    one_line_error(talentbench("run", "--provisions", str(path), "--out", str(tmp_path / "o")), message)
    assert pd.read_csv(path).shape == table.shape


@pytest.mark.parametrize(("old", "new", "message"), [
    ("min_coverage: 0.5", "min_coverage: .nan", "min_coverage"),
    ("{code: HOUSE, name: 安居支持, weight: 1}", "{code: HOUSE, name: 安居支持, weight: 1e308}", "weight"),
    ("{code: GRAD, name: 毕业生现金支持, weight: 1}", "{code: GRAD, name: 毕业生现金支持, weight: -1}", "weight"),
])
def test_absurd_numbers_in_the_framework(tmp_path, old, new, message):
    from benchmark.paths import resource

    text = resource("framework", "talent_policy_index.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "framework.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    one_line_error(talentbench("run", "--framework", str(path), "--out", str(tmp_path / "o")), message)


def test_a_bare_carriage_return_in_evidence_stays_inside_its_row(tmp_path):
    """Finding 7: Python's csv writer left a field holding a bare CR unquoted, and reading the
    decisions back split that row in two."""
    from benchmark.dataset import load_provisions
    from benchmark.dataset.build import write_csv
    from benchmark.dataset.review import read_queue, write_queue

    table = load_provisions().head(3).copy()
    table["evidence"] = table["evidence"].astype(object)
    table.loc[table.index[1], "evidence"] = "每月补贴\r3000元"
    for path, write in ((tmp_path / "decisions.csv", write_queue), (tmp_path / "curated.csv", write_csv)):
        write(table, path)
        back = read_queue(path)
        assert len(back) == 3
        assert back["evidence"].iloc[1] == "每月补贴\r3000元"


def test_apply_review_writes_nothing_when_its_output_cannot_be_written(tmp_path):
    """Finding 7: the decisions file was written before a bad --out failed."""
    from benchmark.paths import resource

    decisions = tmp_path / "decisions.csv"
    decisions.write_text("key,decision\nold,accept\n", encoding="utf-8")
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    out = talentbench("dataset", "apply-review", str(resource("dataset", "review_decisions.csv")),
                      "--decisions", str(decisions), "--out", str(tmp_path / "plain.txt" / "curated.csv"))
    one_line_error(out, "plain.txt")
    assert decisions.read_text(encoding="utf-8") == "key,decision\nold,accept\n"


@pytest.mark.parametrize("args", [
    ["profiles", "--city", " 杭州 ", "--format", "csv"],
    ["profiles", "--city", "\u3000杭州\u3000", "--format", "csv"],
    ["profiles", "--explain", " 杭州 ", "phd"],
])
def test_a_city_name_with_spaces_around_it_is_the_city(tmp_path, args):
    out = talentbench(*args, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "杭州" in out.stdout and "not in" not in out.stderr


def test_crawl_cities_with_spaces_select_the_city(tmp_path):
    from benchmark.sources.entry_points import load_entry_points, select_cities

    entries = load_entry_points(None)
    chosen = select_cities(entries, [" 杭州 ", "\u3000深圳"])
    assert {e.city for e in chosen} == {"杭州", "深圳"}
