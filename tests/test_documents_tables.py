"""Tables as structure: merged cells, header rows, captions and units, read back with offsets."""

import io
import time
from pathlib import Path

import pytest

from benchmark.documents import parse_bytes
from benchmark.documents.metadata import normalize_doc_number
from benchmark.documents.tables import find_tables, tables_to_tabs, unit_of
from benchmark.encoding import HAN_RE, fold_width

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

MERGED_HTML = """<html><head><title>乙市青年人才租房补贴</title></head><body>
<div class="TRS_Editor"><p>二、补贴标准和期限。符合条件的青年人才按下表领取租房补贴。</p>
<table border="1"><caption>青年人才租房补贴标准（单位：元/月）</caption>
<tr><th rowspan="2">学历</th><th colspan="2">补贴标准</th><th rowspan="2">最长期限</th></tr>
<tr><th>主城区</th><th>其他区县</th></tr>
<tr><td>博士研究生</td><td>2500</td><td>2000</td><td>36个月</td></tr>
<tr><td rowspan="2">硕士研究生</td><td>1500</td><td>1200</td><td>36个月</td></tr>
<tr><td>1400</td><td>1100</td><td>24个月</td></tr>
</table><p>租房补贴按季度发放。</p></div></body></html>"""


def _html_doc(html: str = MERGED_HTML):
    return parse_bytes(html.encode("utf-8"), "text/html; charset=utf-8", "https://www.example.gov.cn/a.html")


def test_html_rowspan_and_colspan_fill_the_grid_and_keep_two_header_rows():
    doc = _html_doc()
    assert doc.status == "ok"
    [table] = doc.tables
    assert table.n_header_rows == 2 and table.n_header_cols == 1
    assert [c.text for c in table.rows[1]] == ["学历", "主城区", "其他区县", "最长期限"]
    assert table.column_header(1) == "补贴标准 主城区"
    assert table.column_header(3) == "最长期限"
    # the merged 硕士研究生 heads both of its rows
    assert table.row_header(3) == table.row_header(4) == "硕士研究生"
    assert table.caption == "青年人才租房补贴标准（单位：元/月）" and table.unit == "元/月"
    assert table.heading == "二、补贴标准和期限。符合条件的青年人才按下表领取租房补贴。" or table.heading == ""


def test_cells_read_back_from_the_text_carry_their_exact_offsets():
    doc = _html_doc()
    [table] = doc.tables
    for row in table.rows:
        for cell in row:
            assert doc.text[cell.start:cell.end] == cell.text
    assert doc.text[table.rows[2][1].start:table.rows[2][1].end] == "2500"


def test_metadata_still_reads_labels_in_a_table_row():
    page = ("<html><body><table><tr><td>发文字号：</td><td>甲人社发〔2024〕12号</td>"
            "<td>成文日期：</td><td>2024年3月18日</td></tr></table>"
            "<div class='TRS_Editor'><p>各区人力社保局：现将实施细则印发给你们，请认真贯彻执行。</p>"
            "<table><tr><td>发文字号：</td><td>不应取这里</td></tr><tr><td>学历</td><td>1万元</td></tr>"
            "</table></div></body></html>")
    doc = _html_doc(page)
    assert doc.doc_number == "甲人社发〔2024〕12号" and doc.issue_date == "2024-03-18"
    assert "\t" in tables_to_tabs("| 发文字号： | 甲人社发〔2024〕12号 |")


def _docx(build) -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_vertical_and_horizontal_merges_and_a_nested_table():
    def build(document):
        document.add_paragraph("癸市人才引进奖补标准一览表")
        table = document.add_table(rows=4, cols=3)
        table.cell(0, 0).merge(table.cell(1, 0)).text = "人才类别"
        table.cell(0, 1).merge(table.cell(0, 2)).text = "补贴标准"
        table.cell(1, 1).text, table.cell(1, 2).text = "项目", "金额"
        table.cell(2, 0).merge(table.cell(3, 0)).text = "A类人才"
        table.cell(2, 1).text, table.cell(2, 2).text = "安家补贴", "100万元"
        table.cell(3, 1).text, table.cell(3, 2).text = "人才津贴", "每年20万元"
        inner = table.cell(3, 2).add_table(rows=1, cols=2)
        inner.cell(0, 0).text, inner.cell(0, 1).text = "注", "最长5年"

    doc = parse_bytes(_docx(build), None, "https://www.example.gov.cn/a.docx")
    outer, nested = doc.tables
    assert outer.n_header_rows == 2
    assert [[c.text for c in row] for row in outer.rows] == [
        ["人才类别", "补贴标准", "补贴标准"],
        ["人才类别", "项目", "金额"],
        ["A类人才", "安家补贴", "100万元"],
        ["A类人才", "人才津贴", "每年20万元"],
    ]
    assert outer.n_header_cols == 2 and outer.row_header(3) == "A类人才 人才津贴"
    assert [c.text for c in nested.rows[0]] == ["注", "最长5年"]


@pytest.mark.skipif(not FONT.exists(), reason="needs fonts-wqy-microhei")
def test_pdf_ruled_table_with_a_merged_header_and_the_unit_in_its_caption():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    style = ParagraphStyle("b", fontName="WQY", fontSize=11, leading=16)
    grid = Table([["对象", "补贴标准", ""], ["", "见习补贴", "就业补贴"],
                  ["硕士研究生", "2500", "6000"], ["本科毕业生", "2000", "4000"]])
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"),
                              ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                              ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (2, 0))]))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([Paragraph("表1 见习和就业补贴标准（单位：元）", style), grid,
                                     Paragraph("见习补贴最长发放12个月。", style)])
    doc = parse_bytes(buffer.getvalue(), "application/pdf", "https://www.example.gov.cn/a.pdf")
    assert doc.status == "ok" and "pdfplumber-tables" in doc.parser
    [table] = doc.tables
    assert table.caption == "表1 见习和就业补贴标准（单位：元）" and table.unit == "元"
    assert table.n_header_rows == 2
    assert table.column_header(2) == "补贴标准 就业补贴" and table.row_header(2) == "硕士研究生"
    assert doc.text.index("| 本科毕业生 | 2000 | 4000 |") < doc.text.index("见习补贴最长发放12个月。")
    # out of time, the table pass gives up and the plain text stands (it had no deadline)
    from benchmark.documents.pdf import _plumber_text

    assert _plumber_text(buffer.getvalue()) is not None
    assert _plumber_text(buffer.getvalue(), deadline=time.monotonic() - 1) is None


def test_markdown_tables_have_header_rows_above_the_separator():
    text = "单位：万元\n| 类别 | 购房补贴 |\n| 层次 | 标准 |\n|---|---|\n| A类 | 300 |\n\n正文。"
    [table] = find_tables(text)
    assert (table.n_header_rows, table.caption, table.unit) == (2, "单位：万元", "万元")
    assert text[table.rows[2][1].start:table.rows[2][1].end] == "300"


@pytest.mark.parametrize(("text", "unit"), [
    ("表2 购房补贴标准（单位：万元）", "万元"), ("金额单位: 元", "元"), ("生活补贴（元/月）", "元/月"),
    ("生活津贴(万元/年)", "万元/年"), ("学历层次", None), ("最长期限（月）", None),
])
def test_units_stated_in_captions_and_headers(text, unit):
    assert unit_of(text) == unit


# --- every character of GB18030 -------------------------------------------------------------

RARE = "䶮"  # CJK Extension A (U+4DAE), valid in GB18030, outside GBK


@pytest.mark.parametrize("issuer", ["䶮人社发", "㐀政办", "𠀋府发", "﨑政发"])
def test_doc_number_keeps_a_rare_issuer_character(issuer):
    assert normalize_doc_number(f"发文字号：{issuer}［２０２４］８号") == f"{issuer}〔2024〕8号"


def test_gb18030_page_keeps_extension_a_and_b_characters_in_metadata_and_text():
    page = (f"<html><head><meta charset='gb18030'><title>{RARE}州市人才新政</title></head><body>"
            f"<table><tr><td>发文字号：</td><td>{RARE}人社发﹝2024﹞8号</td></tr>"
            "<tr><td>发布机构：</td><td>𠀋城市人力资源和社会保障局</td></tr></table>"
            f"<div class='TRS_Editor'><p>{RARE}州市关于印发人才新政的通知。对来𠀋城就业的博士，"
            "给予一次性生活补贴10万元；“全角”标点【保留】。</p></div></body></html>")
    body = page.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        page.encode("gbk")  # the characters are beyond GBK: only GB18030 carries them
    doc = parse_bytes(body, "text/html", "https://www.example.gov.cn/a.html")
    assert doc.encoding == "gb18030"
    assert doc.doc_number == f"{RARE}人社发〔2024〕8号"
    assert doc.issuing_body == "𠀋城市人力资源和社会保障局"
    assert f"{RARE}州市关于印发" in doc.text and "来𠀋城就业" in doc.text and "【保留】" in doc.text


def test_fold_width_keeps_han_characters_and_length():
    text = "﨑㐀𠀋［２０２４］：ＡＢ"
    folded = fold_width(text)
    assert folded == "﨑㐀𠀋[2024]:AB" and len(folded) == len(text)
    assert all(HAN_RE.match(ch) for ch in "﨑㐀𠀋䶮人")


def test_cells_placed_by_coordinates_keep_their_columns_when_one_is_missing():
    """A PDF table finder may return no box for a borderless corner cell: the cells after it
    stay in their columns (they slid one to the left before)."""
    from benchmark.documents.tables import build_grid_at

    grid = build_grid_at([(0, 0, "学历", 1, 1), (0, 1, "补贴", 1, 1), (0, 2, "期限", 1, 1),
                          (1, 0, "博士", 1, 1), (1, 2, "3年", 1, 1),
                          (2, 1, "2万", 2, 1), (2, 0, "硕士", 1, 1)])
    assert [[c.text for c in row] for row in grid] == [
        ["学历", "补贴", "期限"], ["博士", "", "3年"], ["硕士", "2万", ""]]
    assert grid[2][1].rowspan == 2 and len(grid) == 3  # a span past the last row adds no row
