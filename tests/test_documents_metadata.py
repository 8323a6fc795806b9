"""Metadata of official documents: 发文字号 variants, 索引号, dates, issuer, validity."""

from datetime import date

import pytest

from benchmark.documents.metadata import (
    clean_page_title,
    effective_period,
    extract_metadata,
    labelled_values,
    load_labels,
    normalize_doc_number,
    normalize_index_number,
    parse_date,
    title_from_text,
)
from benchmark.errors import TalentbenchError


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("杭政办〔2019〕3号", "杭政办〔2019〕3号"),
        ("杭政办函[2019]3号", "杭政办函〔2019〕3号"),
        ("穗府办规〔2023〕10号", "穗府办规〔2023〕10号"),
        ("南开人发规字（2020）2号", "南开人发规字〔2020〕2号"),
        ("沪府规［２０２０］２５号", "沪府规〔2020〕25号"),  # full-width digits and brackets
        ("榕政办规【2024】029号", "榕政办规〔2024〕29号"),
        ("穗埔建规字 〔 2024 〕 第1号", "穗埔建规字〔2024〕1号"),
        ("杭州市人民政府令第325号", "杭州市人民政府令第325号"),
        ("文号：无", None),
        ("2019年3月5日", None),
    ],
)
def test_document_numbers_in_their_variants(text, number):
    assert normalize_doc_number(text) == number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019年3月5日", date(2019, 3, 5)),
        ("成文日期：2019-03-05 10:23", date(2019, 3, 5)),
        ("2019/3/5", date(2019, 3, 5)),
        ("2019.03.05", date(2019, 3, 5)),
        ("二〇一九年三月五日", date(2019, 3, 5)),
        ("二〇二〇年十一月二十三日", date(2020, 11, 23)),
        ("2019年2月30日", None),  # not a date
        ("第2019号", None),
    ],
)
def test_dates_in_chinese_and_iso_forms(text, expected):
    assert parse_date(text) == expected


def test_index_numbers():
    assert normalize_index_number("002489709/2019-00123") == "002489709/2019-00123"
    assert normalize_index_number(" 11330100002489709P/2019-00123 ") == "11330100002489709P/2019-00123"
    assert normalize_index_number("暂无") is None


INFO_BOX = """首页 > 政务公开 > 政府文件
索 引 号：\t002489709/2019-00123\t发布机构：\t杭州市人民政府办公厅
发文字号：\t杭政办函[2019]3号\t成文日期：\t2019年3月5日
发布日期：2019-03-08 有效性：有效
"""


def test_labelled_values_split_cells_and_same_line_labels():
    values = labelled_values(INFO_BOX)
    assert values["index_number"] == "002489709/2019-00123"  # "索 引 号" with spaces inside
    assert values["issuing_body"] == "杭州市人民政府办公厅"
    assert values["doc_number"] == "杭政办函[2019]3号"
    assert values["issue_date"] == "2019年3月5日"
    assert values["publish_date"] == "2019-03-08"  # cut before the next label on the line
    assert "validity" not in values  # 有效性 (in force or not) is not 有效期 (the period)


def test_label_inside_a_sentence_is_not_a_label():
    assert "issuing_body" not in labelled_values("所需资金来源：市财政统筹安排。")


BODY = """杭州市人民政府办公厅关于印发杭州市高层次人才
分类认定办法的通知
杭政办函〔2019〕3号
各区、县（市）人民政府，市政府各部门、各直属单位：
经市政府同意，现将《办法》印发给你们，请认真贯彻执行。根据《通知》（杭政办〔2018〕5号）精神制定。
本办法自2019年4月1日起施行，有效期5年。
杭州市人民政府办公厅
杭州市人力资源和社会保障局
二〇一九年三月五日
（此件公开发布）
"""


def test_metadata_from_layout_alone():
    meta = extract_metadata(BODY)
    assert meta.title == "杭州市人民政府办公厅关于印发杭州市高层次人才分类认定办法的通知"
    assert meta.doc_number == "杭政办函〔2019〕3号"  # the line under the title, not the cited one
    assert meta.issuing_body == "杭州市人民政府办公厅、杭州市人力资源和社会保障局"
    assert meta.issue_date == "2019-03-05"
    assert meta.effective_period == "2019-04-01/2024-03-31"
    assert meta.index_number is None


def test_labelled_values_win_over_layout_and_hints():
    meta = extract_metadata(BODY, page_text=INFO_BOX + BODY, hints={"title": "页面元数据标题",
                                                                 "publish_date": "2020-01-01"})
    assert meta.index_number == "002489709/2019-00123"
    assert meta.issuing_body == "杭州市人民政府办公厅"
    assert meta.publish_date == "2019-03-08"
    assert meta.title == "页面元数据标题"


@pytest.mark.parametrize(
    ("text", "labelled", "period"),
    [
        ("本办法自2020年12月1日起施行，有效期至2025年11月30日。", {}, "2020-12-01/2025-11-30"),
        ("自印发之日起施行，有效期3年。", {}, "2019-03-05/2022-03-04"),
        ("本细则自发布之日起实施。", {}, "2019-03-08/.."),
        ("自2020年1月1日起至2022年12月31日止有效。", {}, "2020-01-01/2022-12-31"),
        ("有效期为三年。", {}, "P3Y"),
        ("", {"effective_from": "2024-04-24", "effective_to": "2025-11-24"}, "2024-04-24/2025-11-24"),
        ("", {"validity": "5年"}, "P5Y"),
        ("", {"validity": "2021年1月1日至2025年12月31日"}, "2021-01-01/2025-12-31"),
        ("本通知未规定期限。", {}, None),
    ],
)
def test_effective_period(text, labelled, period):
    assert (
        effective_period(text, labelled=labelled, issue_date=date(2019, 3, 5), publish_date=date(2019, 3, 8))
        == period
    )


def test_page_titles_lose_the_site_name():
    assert clean_page_title("关于印发人才办法的通知_杭州市人民政府") == "关于印发人才办法的通知"
    assert clean_page_title("关于印发人才办法的通知-福州市人民政府门户网站") == "关于印发人才办法的通知"
    assert clean_page_title("关于印发人才办法的通知 - 广州市人民政府门户网站") == "关于印发人才办法的通知"


def test_title_is_not_a_document_number_or_a_sentence():
    assert title_from_text("榕政办规〔2024〕29号\n各县（市）区人民政府：\n经研究，现通知如下。") is None
    assert title_from_text("榕政办规〔2024〕29号\n各县（市）区人民政府：", loose=True) is None


def test_label_table_schema_is_checked(tmp_path):
    bad = tmp_path / "labels.yaml"
    bad.write_text("version: 1\nfields:\n  colour: [颜色]\n", encoding="utf-8")
    with pytest.raises(TalentbenchError, match="unknown fields"):
        load_labels(str(bad))
    assert load_labels().fields["doc_number"][0] == "发文字号"


@pytest.mark.parametrize(
    "text",
    [
        "自2019年1月1日" + " \n" * 100_000 + "起",
        "2019年1月1日" + " " * 200_000 + "至",
        "发文字号" + "\t" * 200_000 + "x",
        "有效期" + "\u3000" * 200_000,
        "杭" * 200_000 + "〔",
    ],
)
def test_long_whitespace_runs_do_not_make_the_patterns_backtrack(text):
    # Before whitespace was squeezed these took minutes (quadratic backtracking of \s*).
    import time

    started = time.perf_counter()
    extract_metadata(text)
    assert time.perf_counter() - started < 5
