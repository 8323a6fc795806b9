"""Provision extraction: the contract's reading rules, provenance, and accuracy on the gold set."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pandas as pd
import pytest
from fixtures.text_fuzzing import mutated_texts

from benchmark.errors import TalentbenchError
from benchmark.provisions import PROVISION_COLUMNS, extract_file, extract_text
from benchmark.provisions.evaluate import evaluate_folders


def _keys(records: list[dict]) -> set[tuple]:
    return {(r["tier"], r["benefit"], r["amount_cny"], r["period"]) for r in records}


# --- the record contract ------------------------------------------------------------------------

def test_records_carry_every_field_and_their_evidence() -> None:
    text = "### 生活补贴\n- 本科1万元、硕士3万元、博士10万元。\n"
    records = extract_text(text, "x.md")
    assert records
    for record in records:
        assert list(record) == PROVISION_COLUMNS
        assert record["doc"] == "x.md"
        assert record["evidence"] == text[record["start"]:record["end"]]
        assert isinstance(record["is_cap"], bool)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one amount per tier in a list
        ("本科1万元、硕士3万元、博士10万元生活补贴",
         {("bachelor", "living_allowance", 10_000, "once"), ("master", "living_allowance", 30_000, "once"),
          ("phd", "living_allowance", 100_000, "once")}),
        # one amount for several tiers
        ("硕士、博士每月2000元租房补贴",
         {("master", "rent_subsidy", 2_000, "month"), ("phd", "rent_subsidy", 2_000, "month")}),
        # a degree span up to phd, postdoc excluded
        ("本科（含）以上学历毕业生一次性生活补贴1万元",
         {("bachelor", "living_allowance", 10_000, "once"), ("master", "living_allowance", 10_000, "once"),
          ("phd", "living_allowance", 10_000, "once")}),
        # a group word with no degree → graduate
        ("大学生租房补贴：每户每年 1 万元", {("graduate", "rent_subsidy", 10_000, "year")}),
        # numbered categories by ordinal, 特级 → top
        ("购房补贴：\n- 特级人才：最高 1000 万元\n- 一类人才：最高 600 万元\n- 二类人才：最高 400 万元",
         {("top", "housing_purchase", 10_000_000, "once"), ("class_A", "housing_purchase", 6_000_000, "once"),
          ("class_B", "housing_purchase", 4_000_000, "once")}),
        # class letters written together
        ("E类及放弃购房补贴的B/C/D类可享每月2500元租赁补贴",
         {(t, "rent_subsidy", 2_500, "month") for t in ("class_B", "class_C", "class_D", "class_E")}),
        # professional titles have no tier: skipped, the degree in the same item is kept
        ("综合补贴：\n- 正高级职称：最高 30 万元\n- 副高级职称或博士学位：最高 20 万元",
         {("phd", "other_cash", 200_000, "once")}),
        # no talent condition → any
        ("到农村创办合作社的，一次性创业补贴5万元", {("any", "startup_funding", 50_000, "once")}),
    ],
)
def test_tier_reading_rules(text: str, expected: set[tuple]) -> None:
    assert _keys(extract_text(text, "x.md")) == expected


def test_a_category_defined_as_a_list_of_tiers_stands_for_those_tiers() -> None:
    text = (
        "### 人才分层\n- 1型：A类人才；\n- 3型：E类人才、全日制博士研究生、高级技师；\n\n"
        "### 购房补贴标准\n- 1型：150 万元\n- 3型：50 万元\n"
    )
    assert _keys(extract_text(text, "x.md")) == {
        ("class_A", "housing_purchase", 1_500_000, "once"),
        ("class_E", "housing_purchase", 500_000, "once"),
        ("phd", "housing_purchase", 500_000, "once"),
        ("skilled", "housing_purchase", 500_000, "once"),
    }


def test_year_by_year_schedule_gives_one_record_per_distinct_amount() -> None:
    text = "**高层次人才生活津贴**：\n  - 第一年：3000 元/月；\n  - 第二年：3000 元/月；\n  - 第三年：4000 元/月；\n"
    records = {r["amount_cny"]: r for r in extract_text(text, "x.md")}
    assert set(records) == {3000, 4000}
    assert records[3000]["period"] == "month" and records[3000]["duration_months"] == 24
    assert records[4000]["duration_months"] == 12


def test_instalments_of_a_total_are_one_record() -> None:
    text = "### 学费补贴\n申请对象：全日制博士研究生\n- 学费补贴：3 万，分 1.8 万 + 1.2 万发放；\n- 购房补贴：博士 20 万元，按4:3:3分三年发放。"
    assert _keys(extract_text(text, "x.md")) == {
        ("phd", "other_cash", 30_000, "once"), ("phd", "housing_purchase", 200_000, "once"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "个人创业担保贷款：最高 20万元，贷款期限最长不超过3年",
        "紧缺人才通常还要求个人所得税应纳税所得额达到30万元以上",
        "高新区人才房票补贴金额为7万至200万元，覆盖各类人才",
        "保利人才住房市场租赁价格为 11.78 元/平方米/月",
        "10万元及以下一次性发放",
        "本科 1 万元的发放方式是否有属地差异？",
        "2023年全市共发放人才补贴1.2亿元，惠及3万人",
        "人才公寓月租金1500元",
        "月薪不低于8000元的技能人才可申请",
    ],
)
def test_loans_thresholds_prices_and_questions_are_not_provisions(text: str) -> None:
    assert extract_text(text, "x.md") == []


def test_period_duration_cap_and_range() -> None:
    [record] = extract_text("- 博士：免缴 2年租金，每月最高不超过2000元；", "x.md")
    assert (record["tier"], record["benefit"], record["period"]) == ("phd", "rent_subsidy", "month")
    assert record["is_cap"] is True and record["duration_months"] == 24
    [record] = extract_text("对中青年人才培养项目给予每人 3 万—10 万元资助", "x.md")
    assert (record["amount_cny"], record["amount_max_cny"]) == (30_000, 100_000)
    [record] = extract_text("博士生活补助 5万元/年，最高25万元", "x.md")  # a total cap gives the duration
    assert (record["period"], record["duration_months"]) == ("year", 60)


def test_markdown_table_reads_row_label_and_column_header() -> None:
    text = (
        "| 学历 | 市级住房补贴 | 市级安家费 |\n|---|---:|---:|\n"
        "| 硕士 | 800 元/月，最长 36 个月 | 10 万元/人，一次性 |\n"
        "| 博士 | 1200 元/月，最长 36 个月 | 15 万元/人，一次性 |\n"
    )
    records = extract_text(text, "t.md")
    assert _keys(records) == {
        ("master", "rent_subsidy", 800, "month"), ("master", "settling_allowance", 100_000, "once"),
        ("phd", "rent_subsidy", 1_200, "month"), ("phd", "settling_allowance", 150_000, "once"),
    }
    assert all(r["duration_months"] == 36 for r in records if r["period"] == "month")


def test_html_file_and_txt_file(tmp_path: Path) -> None:
    html = tmp_path / "政策.html"
    html.write_text(
        "<html><body><h3>二、购房补贴</h3><table><tr><th>学历</th><th>金额</th></tr>"
        "<tr><td>博士</td><td><b>30万元</b></td></tr><tr><td>硕士</td><td>10万元</td></tr>"
        "</table></body></html>", encoding="utf-8")
    frame = extract_file(html)
    assert list(frame.columns) == PROVISION_COLUMNS
    assert set(zip(frame.tier, frame.benefit, frame.amount_cny, strict=True)) == {
        ("phd", "housing_purchase", 300_000), ("master", "housing_purchase", 100_000)}
    text = html.read_text(encoding="utf-8")
    assert all(text[s:e] == ev for s, e, ev in zip(frame.start, frame.end, frame.evidence, strict=True))
    txt = tmp_path / "note.txt"
    txt.write_text("博士后补贴 30 万元\n", encoding="utf-8")
    assert extract_file(txt).iloc[0][["doc", "tier", "amount_cny"]].tolist() == ["note.txt", "postdoc", 300_000]


def test_unreadable_files_raise_talentbench_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes("博士".encode("gbk"))
    with pytest.raises(TalentbenchError, match="UTF-8"):
        extract_file(bad)
    with pytest.raises(TalentbenchError):
        extract_file(tmp_path / "missing.md")
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(TalentbenchError):
        extract_file(other)


# --- the real corpus -------------------------------------------------------------------------

def test_evidence_is_the_text_of_the_file_as_read(shared_data: Path) -> None:
    total = 0
    for path in sorted((shared_data / "policy_corpus").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for record in extract_text(text, path.name):
            assert record["evidence"] == text[record["start"]:record["end"]]
            assert record["start"] < record["end"]
            total += 1
    assert total > 200


def test_accuracy_on_the_gold_set(shared_data: Path) -> None:
    result = evaluate_folders(shared_data / "gold", shared_data / "policy_corpus")
    assert result.overall["f1"] >= 0.92, result.overall
    # documents whose gold file is empty: not one provision may be emitted
    empty = [p.name[: -len(".jsonl")] for p in (shared_data / "gold").glob("*.jsonl")
             if not p.read_text(encoding="utf-8").strip()]
    assert empty
    per_doc = result.per_document.set_index("doc")
    for doc in empty:
        assert per_doc.loc[doc, "fp"] == 0, doc


def test_extract_file_frame_matches_extract_text(shared_data: Path) -> None:
    path = shared_data / "policy_corpus" / "太原.md"
    frame = extract_file(path)
    records = extract_text(path.read_text(encoding="utf-8"), path.name)
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(records)
    assert frame.to_dict("records")[0]["evidence"] == records[0]["evidence"]


# --- fuzz --------------------------------------------------------------------------------------

def test_fuzz_ten_thousand_random_and_mutated_inputs(shared_data: Path) -> None:
    corpus = [p.read_text(encoding="utf-8") for p in sorted((shared_data / "policy_corpus").glob("*.md"))]
    rng = random.Random(20260312)
    slowest, count = 0.0, 0
    for text in mutated_texts(corpus, rng, 10_000):
        count += 1
        started = time.perf_counter()
        records = extract_text(text, "fuzz.md")
        slowest = max(slowest, time.perf_counter() - started)
        for record in records:
            assert record["evidence"] == text[record["start"]:record["end"]]
    assert count == 10_000
    assert slowest < 2.0  # no input hangs the extractor


@pytest.mark.parametrize(
    "text",
    ["1" * 20_000 + "万元", "本科" * 10_000 + "1万元", "|" * 20_000, "<" * 20_000, "**" * 10_000,
     "第" * 20_000 + "1年", "- " * 10_000 + "博士：10万元", ("| 博士 | 10万元 |\n" * 3_000),
     "最高" * 10_000 + "5万元", "1/" * 10_000 + "2万元", "&#" * 10_000, "\n" * 50_000,
     "博士1万、" + "1万、" * 3_000 + "x", "补贴" + "1万元、" * 3_000, "博士1万" + "、1.1.1.1.1" * 2_000],
)
def test_adversarial_long_inputs_finish_quickly(text: str) -> None:
    started = time.perf_counter()
    records = extract_text(text, "long.md")
    assert time.perf_counter() - started < 5.0
    assert all(r["evidence"] == text[r["start"]:r["end"]] for r in records)


def test_respective_amounts_pair_with_their_tiers_and_share_a_trailing_duration() -> None:
    text = "对新引进的全日制博士、硕士、本科毕业生，分别给予每人每月3000元、2000元、1000元生活补贴，最长发放3年。"
    records = extract_text(text, "x.md")
    assert {(r["tier"], r["amount_cny"]) for r in records} == {("phd", 3000), ("master", 2000), ("bachelor", 1000)}
    assert all(r["period"] == "month" and r["duration_months"] == 36 for r in records)
    records = extract_text("高级技师、技师分别给予每人每年1.2万元、0.6万元岗位津贴。", "x.md")
    assert _keys(records) == {("skilled", "talent_allowance", 12_000, "year"), ("skilled", "talent_allowance", 6_000, "year")}


def test_html_paragraphs_of_an_official_page() -> None:
    page = ("<html><body><h2>三、安居保障</h2><p>（一）租房补贴。在我市企业工作的全日制博士、硕士研究生，"
            "每月分别发放租房补贴2500元、1500元，最长发放36个月。</p><p>（二）购房补贴。首次购房的，"
            "博士给予15万元、硕士给予8万元购房补贴，分3年发放。</p></body></html>")
    records = extract_text(page, "p.html")
    assert _keys(records) == {
        ("phd", "rent_subsidy", 2_500, "month"), ("master", "rent_subsidy", 1_500, "month"),
        ("phd", "housing_purchase", 150_000, "once"), ("master", "housing_purchase", 80_000, "once"),
    }
    assert all(page[r["start"]:r["end"]] == r["evidence"] for r in records)


def test_traditional_characters_and_full_width_digits() -> None:
    records = extract_text("### 生活補貼\n- 博士：每人每月 ３，０００ 元\n- 碩士：每人每月 2,000 元", "x.md")
    assert _keys(records) == {("phd", "living_allowance", 3_000, "month"), ("master", "living_allowance", 2_000, "month")}


@pytest.mark.parametrize("text", ["给予每人港币 25 万元补贴", "给予每人25万港元补贴", "每月补贴 500 美元"])
def test_other_currencies_are_not_yuan(text: str) -> None:
    assert extract_text(text, "x.md") == []


def test_segmentation_keeps_tier_words_that_are_part_of_other_words_out() -> None:
    # 高中专业 is 高中/专业 to jieba (lexicon as user dictionary): no 中专 (vocational) in it
    assert _keys(extract_text("高中专业毕业生一次性生活补贴1万元", "x.md")) == {("graduate", "living_allowance", 10_000, "once")}
    assert _keys(extract_text("中专学历毕业生一次性生活补贴1万元", "x.md")) == {("vocational", "living_allowance", 10_000, "once")}


def test_degree_span_leaves_out_degrees_paid_separately() -> None:
    records = extract_text("本科及以上学历毕业生给予一次性生活补贴1万元，其中博士给予3万元。", "x.md")
    assert _keys(records) == {("bachelor", "living_allowance", 10_000, "once"),
                              ("master", "living_allowance", 10_000, "once"),
                              ("phd", "living_allowance", 30_000, "once")}
    records = extract_text("硕士及以上每月生活补贴2000元、博士每月3000元", "x.md")
    assert _keys(records) == {("master", "living_allowance", 2_000, "month"), ("phd", "living_allowance", 3_000, "month")}


def test_a_paragraph_opening_with_a_run_in_title() -> None:
    text = "<p>第三条 购房补贴。博士研究生给予20万元，硕士研究生给予10万元。</p><p>第四条 其他。年薪50万元以上的，另行商定。</p>"
    assert _keys(extract_text(text, "x.html")) == {("phd", "housing_purchase", 200_000, "once"),
                                                  ("master", "housing_purchase", 100_000, "once")}


def test_a_continuing_clause_keeps_the_tier_of_the_clause_before() -> None:
    text = "- 博士后进站给予每人每年10万元生活补贴，最多2年；出站留用的再给予30万元科研经费。"
    records = {r["benefit"]: r for r in extract_text(text, "x.md")}
    assert records["living_allowance"]["tier"] == "postdoc"
    assert records["living_allowance"]["duration_months"] == 24
    assert records["research_funding"]["tier"] == "postdoc"


@pytest.mark.parametrize("text", ["A类人才（国家级领军人才）：安家补贴200万元", "顶尖人才（A类）给予安家补贴200万元"])
def test_a_class_letter_glossed_with_a_descriptive_tier_is_the_class(text: str) -> None:
    assert {r["tier"] for r in extract_text(text, "x.md")} == {"class_A"}


def test_two_benefits_in_one_item_each_keep_their_own_name() -> None:
    text = "- **博士**：安家费 **20 万元** + 生活补贴 **每月 3000 元**（最长 3 年）；"
    records = extract_text(text, "x.md")
    assert _keys(records) == {("phd", "settling_allowance", 200_000, "once"), ("phd", "living_allowance", 3_000, "month")}
    assert [r["duration_months"] for r in records if r["period"] == "month"] == [36]


def test_a_per_person_ceiling_over_several_tiers_is_not_a_record() -> None:
    text = ("| 地区 | 对象 | 标准 |\n|---|---|---|\n"
            "| 太仓 | 领军人才、技能人才 | 人才房票补贴：本科10万元；单人最高150万元 |\n")
    assert _keys(extract_text(text, "x.md")) == {("bachelor", "housing_purchase", 100_000, "once")}


def test_a_ceiling_stated_after_the_figure() -> None:
    [record] = extract_text("对博士给予10万元以内的安家补贴", "x.md")
    assert (record["tier"], record["benefit"], record["amount_cny"], record["is_cap"]) == (
        "phd", "settling_allowance", 100_000, True)
    assert extract_text("可申请10万元以内的创业担保贷款", "x.md") == []


def test_figures_in_the_order_of_the_tiers_their_context_lists() -> None:
    text = "### 优秀高校毕业生生活补贴\n- 学历要求：全日制本科生、全日制硕士生、全日制博士生\n- 3万元，6万元，10万元\n"
    assert _keys(extract_text(text, "x.md")) == {("bachelor", "living_allowance", 30_000, "once"),
                                                  ("master", "living_allowance", 60_000, "once"),
                                                  ("phd", "living_allowance", 100_000, "once")}


def test_a_second_figure_with_its_own_period_is_its_own_provision() -> None:
    text = "博士1万且每月4000元生活补贴，最长发放1年，硕士5000元且每月发放2000元补贴，最长发放1年。"
    records = extract_text(text, "x.md")
    assert _keys(records) == {("phd", "living_allowance", 10_000, "once"), ("phd", "living_allowance", 4_000, "month"),
                              ("master", "living_allowance", 5_000, "once"), ("master", "living_allowance", 2_000, "month")}
    assert {r["duration_months"] for r in records if r["period"] == "month"} == {12}


def test_after_tax_restatement_and_total_of_a_monthly_amount_are_not_provisions() -> None:
    text = "### 青年人才安居补贴\n补贴金额：每月1250元（税后1000元）\n发放期限：最长24个月（2年），总计最高2.4万元\n"
    records = extract_text(text, "x.md")
    assert [(r["amount_cny"], r["period"], r["duration_months"]) for r in records] == [(1250, "month", 24)]


def test_figures_in_a_note_after_an_amount_are_its_parts() -> None:
    records = extract_text("博士后进站补贴：每人10万元（其中市级5万元、区级5万元）。", "x.md")
    assert _keys(records) == {("postdoc", "other_cash", 100_000, "once")}
    records = extract_text("生活补贴（博士每月3000元、硕士每月2000元）", "x.md")
    assert _keys(records) == {("phd", "living_allowance", 3_000, "month"), ("master", "living_allowance", 2_000, "month")}


@pytest.mark.parametrize(
    ("text", "amount", "period", "duration", "cap"),
    [
        ("博士生活补贴每月3000元，连续发放36个月", 3_000, "month", 36, False),
        ("硕士生活补贴1200元/月，最长3年", 1_200, "month", 36, False),
        ("本科租房补贴每人每年1万元，连续发放2年", 10_000, "year", 24, False),
        ("博士购房补贴30万元，按4:3:3分三年发放", 300_000, "once", None, False),
        ("博士安家补贴最高不超过500万元", 5_000_000, "once", None, True),
        ("博士一次性生活补贴一百万元", 1_000_000, "once", None, False),
        ("对新引进的博士，三年内给予每年3万元的生活补贴", 30_000, "year", 36, False),
        ("毕业3年内的硕士每月给予生活补贴2000元", 2_000, "month", None, False),
    ],
)
def test_period_duration_and_cap_phrases(text: str, amount: int, period: str, duration: int | None, cap: bool) -> None:
    [record] = extract_text(text, "x.md")
    assert (record["amount_cny"], record["period"], record["duration_months"], record["is_cap"]) == (
        amount, period, duration, cap)
