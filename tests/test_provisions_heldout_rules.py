"""Reading rules found by checking the extractor against the curated dataset rows of documents
that have no gold file (``benchmarks/bench_extract_heldout.py``). Each test uses the real
sentence of the corpus (a short excerpt, not the file)."""

from __future__ import annotations

from pathlib import Path

from benchmark.provisions import extract_text


def _keys(records: list[dict]) -> set[tuple]:
    return {(r["tier"], r["benefit"], r["amount_cny"], r["period"]) for r in records}


def test_jiechu_rencai_is_the_top_tier() -> None:
    # 上海.md (松江区): 杰出人才 is the top tier's wording, as 顶尖人才 is
    text = ("- **松江区 / G60科创走廊**：\n"
            "  - 松江公开宣传口径还提到：未来可提供**不少于1.5万套人才公寓**，"
            "对作出卓越贡献的杰出人才给予**最高1000万元购房补贴**。\n")
    [record] = extract_text(text, "x.md")
    assert (record["tier"], record["benefit"], record["amount_cny"], record["is_cap"]) == (
        "top", "housing_purchase", 10_000_000, True)


MAWEI = """### 马尾区人才分层
马尾区分 **1 型到 6 型**：
- 1型：福建省高层次特级、A类；
- 2型：福建省高层次 B、C 类，福州市 D 类；
- 3型：福州市 E 类、博士、副高及以上、高级技师；
- 4型：双一流高校全日制硕士；
- 5型：福州市 F 类、马尾区 G 类、中级职称、技师、本科及以上、技工院校预备技师班；
- 6型：2023 年 1 月 1 日以后由马尾区符合条件企业引进并自主认定的人才。

### 马尾区购房补贴标准
- **1型：180 万元**
- **2型：100 万元**
- **3型：50 万元**
- **4型：20 万元**
- **5型：10 万元**
"""


def test_a_degree_span_in_a_category_leaves_out_degrees_other_categories_name() -> None:
    # 福州.md (马尾区): 5型 "本科及以上" does not reach 博士 (3型) nor 硕士 (4型)
    records = extract_text(MAWEI, "x.md")
    five = {r["tier"] for r in records if r["amount_cny"] == 100_000}
    assert five == {"class_F", "skilled", "bachelor", "vocational"}
    assert {r["tier"] for r in records if r["amount_cny"] == 500_000} == {"class_E", "phd", "skilled"}
    assert {r["tier"] for r in records if r["amount_cny"] == 200_000} == {"master"}


def test_a_degree_span_in_a_category_keeps_degrees_no_other_category_names() -> None:
    # the same list without 3型/4型 naming 博士/硕士: the span reaches up to phd
    text = MAWEI.replace("、博士、副高及以上", "、副高及以上").replace("双一流高校全日制硕士", "双一流高校毕业生")
    records = extract_text(text, "x.md")
    assert {r["tier"] for r in records if r["amount_cny"] == 100_000} >= {"bachelor", "master", "phd"}


FUZHOU_LIVING = """# 福州（重点城市速查版）

- 结论先看：**福州当前最能直接写实的主线，不是“普发大额现金”，而是“应届本科及以上一次性生活补贴 + 人才住房保障 + 部分区县自定购房/租房补贴”。** 市级统一、稳定、仍可执行的核心抓手是：
  1. **在榕就业创业一次性生活补贴 1 万元/人**；

## 3.3 鼓楼区

### A. 在榕高校毕业生就业创业一次性生活补贴
- **1 万元一次性发放**；
"""


def test_a_group_word_from_a_heading_yields_to_degrees_stated_for_the_same_amount() -> None:
    # 福州.md: the 鼓楼 restatement under "高校毕业生" is the provision stated above by degree
    records = extract_text(FUZHOU_LIVING, "x.md")
    tiers = {r["tier"] for r in records if r["benefit"] == "living_allowance" and r["amount_cny"] == 10_000}
    assert "graduate" not in tiers
    assert {"bachelor", "master", "phd"} <= tiers


def test_a_group_word_alone_is_still_graduate() -> None:
    # with no degree anywhere for this amount, the heading's group word is the tier
    text = FUZHOU_LIVING.split("## 3.3")[1]
    assert _keys(extract_text(text, "x.md")) == {("graduate", "living_allowance", 10_000, "once")}


def test_project_grant_for_research_is_research_funding() -> None:
    # 南京.md: 项目资助 for 研发攻关 is research money; the 留学人员 start-up grant stays start-up
    text = ("**你可以获得：**\n- **留学人员科技创新项目资助**：\n  - A类：**10万元**；\n"
            "- 通过市、区两级企业专家工作室引进海外高层次人才开展研发攻关的，给予**最高100万元项目资助**。\n")
    assert _keys(extract_text(text, "x.md")) == {
        ("class_A", "startup_funding", 100_000, "once"),
        ("high_level", "research_funding", 1_000_000, "once")}


def test_generic_support_for_a_research_project_is_research_funding() -> None:
    # 郑州.md: "支持" for a 科技人才's project / a 技术合作项目 is research funding; the
    # exchange and training programmes of the next line stay other cash
    text = ("### 1.3 如果你是高层次人才 / 产业人才 / 创新人才\n"
            "  - 对**青年科技人才**按“人才+项目”模式给予**最高 10 万元支持**；\n"
            "  - 对**外国专家工作室**、**高端外国专家技术合作项目**分别给予**最高 60 万元支持**；\n"
            "  - 对外籍高层次人才国际交流项目每名来访专家给予**最高 20 万元支持**，"
            "对中青年人才国际化培养项目给予**每人 3 万—10 万元支持**；\n")
    records = extract_text(text, "x.md")
    by_amount = {r["amount_cny"]: r["benefit"] for r in records}
    assert by_amount[100_000] == "research_funding"
    assert by_amount[600_000] == "research_funding"
    assert by_amount[200_000] == "other_cash"


def test_a_start_up_project_stays_start_up_funding() -> None:
    text = "对海外人才来我市创业的，经评审给予研发项目资助最高50万元。"
    [record] = extract_text(text, "x.md")
    assert record["benefit"] == "startup_funding"


def test_a_named_reward_for_a_research_project_keeps_its_benefit() -> None:
    text = "对承担国家重大科研项目的博士，给予一次性奖励50万元。"
    [record] = extract_text(text, "x.md")
    assert (record["tier"], record["benefit"]) == ("phd", "other_cash")


# --- rows of shared/data/talent_subsidies_by_city.xlsx, read as "header: value" lines ----------
# (benchmark.dataset.curate.read_xlsx_documents), the way the dataset review reads them

def test_a_record_name_field_names_the_benefit_of_its_amount_field() -> None:
    # row 8 (武汉长江新区): the benefit is in 名称, the figures in 补贴内容
    text = ("补贴层级: 市级\n省: 湖北省\n市: 武汉市\n名称: 武汉长江新区优秀高校毕业生生活补贴\n"
            "学历要求: 全日制本科生、全日制硕士生、全日制博士生\n补贴内容: 3万元，6万元，10万元\n")
    assert _keys(extract_text(text, "x.md")) == {
        ("bachelor", "living_allowance", 30_000, "once"), ("master", "living_allowance", 60_000, "once"),
        ("phd", "living_allowance", 100_000, "once")}


def test_a_record_ends_at_a_blank_line() -> None:
    text = "名称: 生活补贴\n\n补贴内容: 学士1万元，硕士2万元，博士3万元。\n"
    assert {r["benefit"] for r in extract_text(text, "x.md")} == {"other_cash"}


def test_a_monthly_anju_allowance_is_a_rent_subsidy() -> None:
    # row 17 (深圳市青年人才住房支持): 安居补贴 paid monthly, an alternative to rental housing
    text = ("名称: 深圳市青年人才住房支持\n补贴内容: 青年人才可任选其一享受以下两种住房支持，不可重复享受：\n"
            "1.过渡性住房\n租金优惠：按市场参考租金的60%左右确定\n2.安居补贴\n"
            "补贴金额：每月1250元（税后1000元）\n发放期限：最长24个月（2年），总计最高2.4万元\n")
    [record] = extract_text(text, "x.md")
    assert (record["tier"], record["benefit"], record["amount_cny"], record["period"],
            record["duration_months"]) == ("young", "rent_subsidy", 1250, "month", 24)


def test_a_one_off_anju_allowance_stays_housing_purchase() -> None:
    [record] = extract_text("博士安居补贴一次性20万元。", "x.md")
    assert record["benefit"] == "housing_purchase"


def _table_rows(shared_data: Path) -> dict[str, str]:
    from benchmark.dataset.curate import read_xlsx_documents

    docs = read_xlsx_documents(shared_data / "talent_subsidies_by_city.xlsx")
    return {doc.rsplit("#", 1)[1]: text for doc, text in docs.items()}


def test_figures_after_a_comparison_word_are_thresholds(shared_data: Path) -> None:
    # row 33 (海淀区 海英计划): "应税收入应分别超过903088元（2021年）、1020280元（2022年）、
    # 1084536元（2023年）" are income thresholds; the row's one benefit is 资金补贴个人100万
    records = extract_text(_table_rows(shared_data)["R33"], "R33")
    assert _keys(records) == {("any", "other_cash", 1_000_000, "once")}
    # 不低于 is a floor and 不超过 a ceiling of a benefit, not thresholds (东莞.md, line 285)
    text = ("- 创新人才综合补贴已坐实：正高最高 30 万、副高/博士最高 20 万、硕士最高 6 万，"
            "中级职称或符合条件人才最高 6 万，本科/初级职称人才由镇街园区制定且不低于 1 万；\n")
    assert ("bachelor", "other_cash", 10_000, "once") in _keys(extract_text(text, "x.md"))
    [record] = extract_text("- 博士安居补贴不超过 20 万元。\n", "x.md")
    assert (record["amount_cny"], record["is_cap"]) == (200_000, True)


def test_a_firms_research_spending_is_not_a_provision() -> None:
    # row 46 (上海市重点产业领域人才专项奖励): the firm's conditions, not the reward
    text = ("名称: 上海市重点产业领域人才专项奖励\n补贴内容: 奖励补贴\n"
            "4.承担的国家和本市重点项目（任务）在相关年度通过验收，且企业相关年度研发投入金额超过 3000 万元、"
            "占主营业务收入的比例不低于 5%。\n"
            "5.近 3 年持续有研发资金投入，投入规模年均不低于 1000万元（相关年度占主营业务收入的比例不低于 3%）。\n")
    assert extract_text(text, "x.md") == []


def test_a_topic_word_in_a_cited_title_is_not_the_benefit() -> None:
    # row 22 (海聚工程——青年项目): 创业 names the policy 《…来京创业和工作暂行办法》
    text = ("名称: 海聚工程——青年项目\n补贴内容: 根据《北京市鼓励海外高层次人才来京创业和工作暂行办法》精神，"
            "给予引进人才每人人民币50万元的市政府奖励。\n")
    [record] = extract_text(text, "x.md")
    assert (record["tier"], record["benefit"], record["amount_cny"]) == ("high_level", "other_cash", 500_000)
