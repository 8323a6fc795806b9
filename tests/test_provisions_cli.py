"""`talentbench extract` and `talentbench evaluate` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.provisions import PROVISION_COLUMNS


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_extract_jsonl_one_record_per_line(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data / "policy_corpus" / "无锡.md"
    code, out, err = _run(["extract", str(path)], capsys)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    text = path.read_text(encoding="utf-8")
    assert len(records) >= 10
    for record in records:
        assert list(record) == PROVISION_COLUMNS
        assert record["doc"] == "无锡.md"
        assert record["evidence"] == text[record["start"]:record["end"]]
    assert {"tier": "phd", "benefit": "housing_purchase", "amount_cny": 300000}.items() <= next(
        r for r in records if r["tier"] == "phd" and r["benefit"] == "housing_purchase").items()


def test_extract_csv_several_files(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = shared_data / "policy_corpus"
    code, out, _ = _run(["extract", str(corpus / "太原.md"), str(corpus / "南昌.md"), "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and list(rows[0]) == PROVISION_COLUMNS
    assert {r["doc"] for r in rows} == {"太原.md"}  # 南昌 states no amount


@pytest.mark.parametrize("make", ["missing", "folder", "gbk", "pdf"])
def test_extract_bad_input_is_one_line_and_exit_2(make: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = {"missing": tmp_path / "nope.md", "folder": tmp_path, "gbk": tmp_path / "a.md",
            "pdf": tmp_path / "a.pdf"}[make]
    if make == "gbk":
        path.write_bytes("博士10万元".encode("gbk"))
    if make == "pdf":
        path.write_bytes(b"%PDF-1.4")
    code, out, err = _run(["extract", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("talentbench: error:") and len(err.strip().splitlines()) == 1


def test_evaluate_reports_figures_and_errors(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["evaluate", "--gold", str(shared_data / "gold"),
                           "--docs", str(shared_data / "policy_corpus")], capsys)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("overall  P=")
    f1 = float(first.split("F1=")[1].split()[0])
    assert f1 >= 0.92
    for section in ("per benefit:", "per document:", "duration_months:", "is_cap:",
                    "amount_max_cny:", "misses (in gold, not extracted):", "false alarms"):
        assert section in out


def test_evaluate_missing_gold_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["evaluate", "--gold", str(tmp_path / "none"), "--docs", str(tmp_path)], capsys)
    assert code == 2 and "gold folder not found" in err


def test_evaluate_scores_a_small_labelled_folder(tmp_path: Path) -> None:
    from benchmark.provisions.evaluate import evaluate_folders

    docs, gold = tmp_path / "docs", tmp_path / "gold"
    docs.mkdir()
    gold.mkdir()
    (docs / "a.md").write_text("购房补贴：\n- 博士：30万元\n- 硕士：10万元\n- 贷款最高50万元\n", encoding="utf-8")
    rows = [
        {"doc": "a.md", "tier": "phd", "benefit": "housing_purchase", "amount_cny": 300000,
         "amount_max_cny": None, "period": "once", "duration_months": None, "is_cap": False},
        {"doc": "a.md", "tier": "bachelor", "benefit": "housing_purchase", "amount_cny": 50000,
         "amount_max_cny": None, "period": "once", "duration_months": None, "is_cap": False},
    ]
    (gold / "a.md.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = evaluate_folders(gold, docs)
    assert (result.overall["tp"], result.overall["fp"], result.overall["fn"]) == (1, 1, 1)
    assert result.misses()[0]["tier"] == "bachelor"
    assert result.false_alarms()[0]["tier"] == "master"


def test_console_script_runs(shared_data: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "benchmark", "extract",
                           str(shared_data / "policy_corpus" / "深圳.md")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["doc"] == "深圳.md"
