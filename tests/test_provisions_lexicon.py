"""The lexicon file: schema checks, compiled cues, jieba user dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmark.errors import TalentbenchError
from benchmark.paths import resource
from benchmark.provisions.lexicon import (
    BENEFITS,
    TIERS,
    first_chars,
    jieba_user_dict_lines,
    lexicon_tokenizer,
    load_lexicon,
)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _packaged() -> dict:
    return yaml.safe_load(resource("lexicon", "provisions.yaml").read_text(encoding="utf-8"))


def test_packaged_lexicon_covers_the_vocabulary() -> None:
    data = _packaged()
    tiers = {e["tier"] for e in data["tiers"]}
    # class_A…F come from the numbered-category patterns, any from the absence of a cue
    assert tiers >= set(TIERS) - {"class_A", "class_B", "class_C", "class_D", "class_E", "class_F", "any"}
    assert {e["benefit"] for e in data["benefits"]} == set(BENEFITS)
    lexicon = load_lexicon()
    assert lexicon.tier_re.search("全日制博士研究生")
    assert lexicon.benefit_group[lexicon.benefit_re.search("一次性安家费10万元").lastgroup] == "settling_allowance"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("tiers"), "tiers"),
        (lambda d: d["tiers"].append({"tier": "wizard", "patterns": ["巫师"]}), "bad tier entry"),
        (lambda d: d["benefits"].append({"benefit": "cash", "patterns": ["现金"]}), "bad benefit entry"),
        (lambda d: d["tiers"][0]["patterns"].append("博士("), "bad pattern"),
        (lambda d: d["period"].pop("month_after"), "period.month_after"),
    ],
)
def test_schema_errors_are_reported(tmp_path: Path, change, message: str) -> None:
    data = _packaged()
    change(data)
    with pytest.raises(TalentbenchError, match=message):
        load_lexicon(_write(tmp_path, data))


def test_unreadable_lexicon(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("tiers: [unclosed", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="cannot read lexicon"):
        load_lexicon(bad)
    with pytest.raises(TalentbenchError):
        load_lexicon(tmp_path / "missing.yaml")


def test_a_changed_lexicon_changes_extraction(tmp_path: Path) -> None:
    from benchmark.provisions.extract import ProvisionExtractor

    data = _packaged()
    text = "人才驿站补贴：博士每月500元"
    before = ProvisionExtractor().extract(text, "x.md")
    assert before[0]["benefit"] == "other_cash"
    data["benefits"][0]["patterns"].append("人才驿站补贴")  # settling_allowance, for the test's sake
    after = ProvisionExtractor(load_lexicon(_write(tmp_path, data))).extract(text, "x.md")
    assert after[0]["benefit"] == "settling_allowance"


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [("博士(?!后)", {"博"}), ("(?<![博硕]士)研究生", {"研"}), ("第?(?P<o>[一二])类", {"第", "一", "二"}),
     ("\\s*x", None), ("a?b?", None), ("[^a]b", None)],
)
def test_first_chars(pattern: str, chars: set[str] | None) -> None:
    assert first_chars(pattern) == chars


def test_jieba_user_dictionary_from_the_lexicon() -> None:
    lines = jieba_user_dict_lines()
    assert "博士后 100000" in lines and "租房补贴 100000" in lines
    assert "高技能人才" in lexicon_tokenizer().lcut("引进高技能人才给予补贴")
