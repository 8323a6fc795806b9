"""Amounts in tables: tier, benefit, period and unit from the headers; evidence is the cell."""

from benchmark.provisions import PROVISION_COLUMNS, extract_text


def _keys(records):
    return sorted((r["tier"], r["benefit"], r["amount_cny"], r["period"]) for r in records)


def _by(records, tier, benefit):
    return [r for r in records if r["tier"] == tier and r["benefit"] == benefit]


COLUMNS_ARE_BENEFITS = """庚市青年人才生活补贴和租房补贴标准
| 人才层次 | 生活补贴（元/月） | 租房补贴（元/月） | 发放期限 |
|---|---|---|---|
| 博士 | 3000 | 1500 | 3年 |
| 硕士 | 2000 | 1000 | 2年 |
"""


def test_each_column_gives_its_own_benefit_and_the_row_its_tier():
    records = extract_text(COLUMNS_ARE_BENEFITS, "t.md")
    assert _keys(records) == [
        ("master", "living_allowance", 2000, "month"), ("master", "rent_subsidy", 1000, "month"),
        ("phd", "living_allowance", 3000, "month"), ("phd", "rent_subsidy", 1500, "month"),
    ]
    assert {r["duration_months"] for r in _by(records, "master", "rent_subsidy")} == {24}


def test_the_evidence_span_is_exactly_the_cell_and_the_record_keeps_its_headers():
    records = extract_text(COLUMNS_ARE_BENEFITS, "t.md")
    [record] = _by(records, "phd", "rent_subsidy")
    assert COLUMNS_ARE_BENEFITS[record["start"]:record["end"]] == record["evidence"] == "1500"
    line = COLUMNS_ARE_BENEFITS.splitlines()[3]
    assert line.index("1500") + COLUMNS_ARE_BENEFITS.index(line) == record["start"]
    assert (record["row_header"], record["column_header"]) == ("博士", "租房补贴（元/月）")
    assert PROVISION_COLUMNS[11:13] == ["row_header", "column_header"]


def test_transposed_table_with_tiers_as_columns_and_the_unit_in_the_caption():
    text = """表1 补贴标准 单位：万元
| 补贴项目 | 博士 | 硕士 | 本科 |
|---|---|---|---|
| 一次性生活补贴 | 5 | 3 | 1 |
| 购房补贴 | 15 | 10 | — |
"""
    records = extract_text(text, "t.md")
    assert _keys(records) == [
        ("bachelor", "living_allowance", 10000, "once"),
        ("master", "housing_purchase", 100000, "once"), ("master", "living_allowance", 30000, "once"),
        ("phd", "housing_purchase", 150000, "once"), ("phd", "living_allowance", 50000, "once"),
    ]
    for record in records:
        assert text[record["start"]:record["end"]] == record["evidence"]
        assert record["column_header"] in {"博士", "硕士", "本科"}


def test_merged_header_cells_give_the_period_and_two_amounts_per_tier():
    # as the documents stage writes an HTML table with rowspan/colspan: merged cells repeated
    text = """青年人才租房补贴标准
| 学历 | 补贴标准（元/月） | 补贴标准（元/月） | 最长发放期限 |
| 学历 | 主城区 | 其他区县 | 最长发放期限 |
|---|---|---|---|
| 博士研究生 | 2500 | 2000 | 36个月 |
| 本科 | 800 | 600 | 24个月 |
"""
    records = extract_text(text, "t.md")
    assert _keys(records) == [
        ("bachelor", "rent_subsidy", 600, "month"), ("bachelor", "rent_subsidy", 800, "month"),
        ("phd", "rent_subsidy", 2000, "month"), ("phd", "rent_subsidy", 2500, "month"),
    ]
    assert {r["amount_cny"]: r["duration_months"] for r in records} == {2500: 36, 2000: 36, 800: 24, 600: 24}
    assert _by(records, "phd", "rent_subsidy")[0]["column_header"] == "补贴标准（元/月） 主城区"


def test_merged_row_header_and_benefit_in_a_label_column():
    text = """| 人才类别 | 补贴标准 | 补贴标准 |
| 人才类别 | 项目 | 金额 |
|---|---|---|
| A类人才 | 安家补贴 | 100万元 |
| A类人才 | 人才津贴 | 每年20万元 |
"""
    records = extract_text(text, "t.md")
    assert _keys(records) == [("class_A", "settling_allowance", 1000000, "once"),
                              ("class_A", "talent_allowance", 200000, "year")]
    assert _by(records, "class_A", "talent_allowance")[0]["row_header"] == "A类人才 人才津贴"


def test_a_bare_figure_needs_a_stated_money_unit():
    text = """| 学历 | 生活补贴 | 年龄上限 |
|---|---|---|
| 博士 | 3000 | 45 |
"""
    assert extract_text(text, "t.md") == []
    with_unit = text.replace("| 学历 | 生活补贴 |", "| 学历 | 生活补贴（元） |")
    assert _keys(extract_text(with_unit, "t.md")) == [("phd", "living_allowance", 3000, "once")]


def test_cap_and_duration_from_a_sentence_naming_the_benefit():
    text = """第六条 经认定的人才可享受购房补贴，分5年发放；不购房的，可按月享受租房补贴，最长5年。
| 人才类别 | 购房补贴（万元） | 租房补贴（元/月） |
|---|---|---|
| B类人才 | 最高200 | 8000 |
"""
    records = extract_text(text, "t.md")
    [purchase] = _by(records, "class_B", "housing_purchase")
    [rent] = _by(records, "class_B", "rent_subsidy")
    assert (purchase["amount_cny"], purchase["is_cap"], purchase["duration_months"]) == (2000000, True, None)
    assert (rent["amount_cny"], rent["period"], rent["duration_months"]) == (8000, "month", 60)


def test_a_year_by_year_schedule_across_columns():
    text = """新引进人才生活补贴分年度发放标准（元/月）
| 学历 | 第一年 | 第二年 | 第三年 |
|---|---|---|---|
| 博士 | 3000 | 3000 | 4000 |
"""
    records = extract_text(text, "t.md")
    assert sorted((r["amount_cny"], r["period"], r["duration_months"]) for r in records) == [
        (3000, "month", 24), (4000, "month", 12)]


def test_prose_cells_are_left_to_the_line_reader():
    # a summary table whose cells are clauses (the corpus style) reads as before
    text = """| 政策 | 金额/优惠 | 关键门槛 |
|---|---|---|
| 在榕就业创业一次性生活补贴 | 本科1万元、硕士3万元 | 毕业1年内申请 |
"""
    records = extract_text(text, "t.md")
    assert _keys(records) == [("bachelor", "living_allowance", 10000, "once"),
                              ("master", "living_allowance", 30000, "once")]
    assert all(r["row_header"] == "" for r in records)
