"""Hostile input (issue 11, findings 1 and 2): a review queue never runs what a web page wrote,
and a formula typed into a review workbook is refused, not read back as a blank."""

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from benchmark.dataset.review import read_queue, write_queue
from benchmark.errors import TalentbenchError

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点此\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "普通证据：每月 1000 元", "-"]


def queue() -> pd.DataFrame:
    return pd.DataFrame({"key": [f"k{i}" for i in range(len(HOSTILE))], "decision": [""] * len(HOSTILE),
                         "evidence": HOSTILE})


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_never_hold_a_live_formula_and_read_back_exactly(tmp_path, suffix):
    path = write_queue(queue(), tmp_path / f"queue{suffix}")
    if suffix == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for text in raw["evidence"]:
            assert text == "-" or not text.startswith(("=", "+", "-", "@", "\t")), text
    else:
        sheet = openpyxl.load_workbook(path).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    back = read_queue(path)
    assert back["evidence"].tolist() == HOSTILE


def test_a_formula_typed_into_a_review_workbook_is_refused_naming_the_cell(tmp_path):
    path = write_queue(queue(), tmp_path / "queue.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["B3"] = '=IF(1,"accept","reject")'  # the decision of the second row
    book.save(path)
    with pytest.raises(TalentbenchError, match=r"cell B3 \(decision\) holds a formula"):
        read_queue(path)
    out = subprocess.run([sys.executable, "-m", "benchmark", "dataset", "apply-review", str(path),
                          "--decisions", str(tmp_path / "decisions.csv")], capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "formula" in out.stderr
    assert not (tmp_path / "decisions.csv").exists()  # nothing written


def test_a_formula_in_a_csv_review_file_is_refused(tmp_path):
    path = tmp_path / "queue.csv"
    path.write_text("key,decision,amount_cny\nk1,=1+1,1000\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="line 2, column decision starts a formula"):
        read_queue(path)
