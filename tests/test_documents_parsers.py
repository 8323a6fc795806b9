"""Each parser on the fixture files: real pages, office files, PDFs and hostile inputs."""

import io
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest

from benchmark.documents import office
from benchmark.documents.convert import detect_type, parse_bytes
from benchmark.documents.html import load_site_table
from benchmark.documents.pdf import garbage_ratio
from benchmark.errors import TalentbenchError

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
SHANGHAI_URL = "https://www.shanghai.gov.cn/nw12344/20201123/c6bfbdba6f2346b1a40d7f5b4d776ac6.html"
FUZHOU_URL = "https://www.fuzhou.gov.cn/zwgk/gb/202501/t20250105_4956376.htm"
HUANGPU_URL = "https://www.gz.gov.cn/gfxwj/qjgfxwj/hpq/qbm/content/post_9615163.html"
SHANGHAI_TITLE = "上海市人民政府关于印发《上海市引进人才申办本市常住户口办法》的通知"


def parse(name, content_type=None, url="https://example.gov.cn/file", **kwargs):
    return parse_bytes((FIXTURES / name).read_bytes(), content_type, url, **kwargs)


@pytest.mark.parametrize("name", ["shanghai_gbk_declared.html", "shanghai_gbk_undeclared.html"])
@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8", None])
def test_shanghai_page_text_and_metadata(name, content_type):
    doc = parse(name, content_type, SHANGHAI_URL)
    assert (doc.status, doc.source_type, doc.encoding) == ("ok", "html", "gb18030")
    assert "本办法自2020年12月1日起施行，有效期至2025年11月30日。" in doc.text
    for boilerplate in ("政务服务", "网站标识码", "_hmt", "color: #333"):  # menu, footer, script, style
        assert boilerplate not in doc.text
    assert doc.title == SHANGHAI_TITLE
    assert doc.doc_number == "沪府规〔2020〕25号"  # printed as 沪府规﹝2020﹞25号 in the info box
    assert doc.issuing_body == "上海市人民政府"
    assert doc.issue_date == "2020-11-05"
    assert doc.effective_period == "2020-12-01/2025-11-30"
    assert doc.doc_id == __import__("hashlib").sha256((FIXTURES / name).read_bytes()).hexdigest()


def test_fuzhou_page_from_cms_container_and_page_title():
    doc = parse("fuzhou_gbk_undeclared.html", None, FUZHOU_URL)
    assert doc.status == "ok" and doc.parser == "xpath-generic"  # the TRS_Editor container
    assert doc.text.startswith("榕政办规〔2024〕29号\n各县（市）区人民政府")
    assert "版权所有" not in doc.text and "网站首页" not in doc.text
    assert doc.title.startswith("福州市人民政府办公厅关于修订《“好年华 聚福州”人才住房保障办法》")
    assert doc.title.endswith("部分条款的通知")  # "-福州市人民政府门户网站" removed
    assert (doc.doc_number, doc.publish_date) == ("榕政办规〔2024〕29号", "2025-01-05")
    assert doc.issuing_body == "福州市人民政府办公厅"


@pytest.mark.parametrize("name", ["huangpu_gb18030_declared.html", "huangpu_gb18030_undeclared.html"])
def test_huangpu_basic_information_table(name):
    doc = parse(name, "text/html", HUANGPU_URL)
    assert doc.status == "ok"
    assert doc.title.startswith("黄埔区住房和城乡建设局 广州开发区建设和交通局关于印发")
    assert doc.doc_number == "穗埔建规字〔2024〕1号"
    assert doc.effective_period == "2024-04-24/2025-11-24"  # 实施日期 / 失效日期 fields
    assert "各有关单位" in doc.text and "基本信息" not in doc.text


def test_site_override_wins_and_matches_subdomains(tmp_path):
    table = tmp_path / "sites.yaml"
    table.write_text(
        "version: 1\nsites:\n  - host: gz.gov.cn\n    content: \"//div[@class='basic-info']\"\n"
        "    title: \"//th[.='标题']/following-sibling::td[1]\"\ngeneric: []\n",
        encoding="utf-8",
    )
    sites = load_site_table(str(table))
    doc = parse("huangpu_gb18030_declared.html", "text/html", HUANGPU_URL, site_table=sites)
    assert doc.parser == "xpath-site:gz.gov.cn"
    assert doc.text.startswith("基本信息")
    other = parse("huangpu_gb18030_declared.html", "text/html", "https://www.example.cn/a.html",
                  site_table=sites)  # fmt: skip
    assert other.parser != "xpath-site:gz.gov.cn"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("version: 1\nsites:\n  - host: a.cn\n    content: '//div[@'\n", "not an XPath"),
        ("version: 1\nsites:\n  - content: '//div'\n", "host: Field required"),
        ("version: 2\n", "version: Input should be 1"),
        ("version: 1\nsites:\n  - host: a.cn\n    content: '//div'\n    colour: red\n", "colour: Extra inputs are not permitted"),
    ],
)
def test_site_table_schema_errors_are_clear(tmp_path, yaml_text, message):
    path = tmp_path / "sites.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(TalentbenchError, match=message):
        load_site_table(str(path))


def test_html_with_an_entity_bomb_in_its_doctype_stays_small():
    bomb = (FIXTURES / "billion_laughs.xml").read_text(encoding="utf-8").split("<rss>")[0]
    body = (bomb + "<html><body><p>人才政策说明：&lol9; 正文到此为止，内容足够长。</p></body></html>").encode()
    started = time.perf_counter()
    doc = parse_bytes(body, "text/html", "https://example.gov.cn/a.html")
    assert time.perf_counter() - started < 5
    assert doc.status in {"ok", "failed"} and len(doc.text) < 10_000
    assert "lollol" not in doc.text


def test_docx_paragraphs_and_tables_in_document_order():
    doc = parse("fuzhou_with_tables.docx", None, "https://www.fuzhou.gov.cn/a.docx")
    assert (doc.status, doc.source_type, doc.parser) == ("ok", "docx", "python-docx")
    lines = doc.text.split("\n")
    header = lines.index("| 序号 | 事项 | 办理部门 |")
    assert lines[header - 1] == "现将办理部门列表如下。（测试用文字，非官方原文。）"
    assert lines[header + 1] == "|---|---|---|"
    assert lines[header + 2] == "| 1 | 人才住房保障资格认定 | 福州市住房保障和房产管理局 |"
    # a merged cell fills both positions it covers; the table nested in it follows as its own
    assert lines[header + 3] == "| 2 | 人才认定 | 人才认定 |"
    assert lines[header + 4 : header + 6] == ["| 受理 | 福州市人力资源和社会保障局 |", "|---|---|"]
    assert lines[header + 6] == "表后段落：请各单位按职责分工落实。"
    assert [len(t.rows) for t in doc.tables] == [3, 1]
    assert doc.doc_number == "榕政办规〔2024〕29号"
    assert doc.title.endswith("部分条款的通知") and doc.issuing_body == "福州市人民政府办公厅"


def test_xlsx_sheets_rows_and_no_invented_title():
    doc = parse("policy_list.xlsx", None, "https://example.gov.cn/list.xlsx")
    assert (doc.status, doc.source_type) == ("ok", "xlsx")
    lines = doc.text.split("\n")
    assert lines[:2] == ["## 政策文件", "序号\t文件\t文号\t来源"]
    assert lines[2].startswith("1\t" + SHANGHAI_TITLE + "\t沪府规〔2020〕25号\thttps://")
    assert lines[-1] == "## 空表" and "" not in lines  # empty row dropped
    assert doc.title is None


def test_pdf_text_and_metadata():
    doc = parse("shanghai_notice.pdf", "application/pdf")
    assert (doc.status, doc.parser, doc.reason) == ("ok", "pypdfium2", "")
    assert "本办法自2020年12月1日起施行，有效期至2025年11月30日。" in doc.text
    assert doc.title == SHANGHAI_TITLE  # from the PDF's Title
    assert (doc.doc_number, doc.issue_date) == ("沪府规〔2020〕25号", "2020-11-05")
    assert doc.effective_period == "2020-12-01/2025-11-30"


def test_pdf_served_as_octet_stream_is_still_a_pdf():
    assert parse("shanghai_notice.pdf", "application/octet-stream").source_type == "pdf"


def test_truncated_pdf_is_recovered_with_a_caveat():
    doc = parse("shanghai_notice_truncated.pdf", "application/pdf")
    assert doc.status == "ok" and doc.parser.endswith("+trailer-rebuilt")
    assert doc.reason.startswith("recovered: truncated PDF")
    assert "沪府规〔2020〕25号" in doc.text


def test_pdf_cut_in_its_header_fails_with_a_reason():
    doc = parse("shanghai_notice_truncated_head.pdf", "application/pdf")
    assert doc.status == "failed" and doc.reason.startswith("pdf-unreadable:")


def test_pdf_without_text_layer_says_so():
    doc = parse("scanned_no_text.pdf", "application/pdf")
    assert doc.status == "failed" and doc.reason.startswith("pdf-no-text:")


def test_pdf_whose_font_has_no_unicode_map_is_garbled_not_ok():
    doc = parse("garbled_font.pdf", "application/pdf")
    assert doc.status == "failed" and doc.reason.startswith("pdf-garbled-text:")
    assert doc.reason.endswith("100% of characters unreadable (fonts without a Unicode map; needs OCR)")


def test_garbage_ratio_counts_cid_tokens_and_replacement_characters():
    assert garbage_ratio("人才政策") == 0
    assert garbage_ratio("(cid:123)(cid:45)人才") == pytest.approx(0.5)
    assert garbage_ratio("\ufffd\ufffd\ue001a") == pytest.approx(0.75)
    assert garbage_ratio("") == 0


def test_zip_bomb_disguised_as_docx_is_refused_before_inflating():
    started = time.perf_counter()
    doc = parse("zip_bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert time.perf_counter() - started < 1
    assert doc.status == "failed" and doc.reason.startswith("zip-bomb:")


def test_zip_bomb_limits_on_total_size_and_entry_count(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        for i in range(40):
            archive.writestr(f"word/media/image{i}.bin", os.urandom(4096))
    body = buffer.getvalue()
    monkeypatch.setattr(office, "MAX_UNCOMPRESSED", 100_000)
    assert parse_bytes(body, None, "https://a.cn/x.docx").reason.startswith("zip-bomb: inflates to")
    monkeypatch.setattr(office, "MAX_ENTRIES", 20)
    assert parse_bytes(body, None, "https://a.cn/x.docx").reason.startswith("zip-bomb: 41 entries")


def test_entity_expansion_in_docx_and_xml_is_refused():
    docx = parse("entity_bomb.docx", None, "https://example.gov.cn/a.docx")
    assert docx.status == "failed" and docx.reason.startswith("xml-dtd-forbidden:")
    for content_type in ("application/xml", "text/html", None):
        xml = parse("billion_laughs.xml", content_type, "https://example.gov.cn/feed")
        assert xml.status == "failed" and xml.reason.startswith("xml-dtd-forbidden:"), content_type


def test_plain_xml_feed_is_read():
    body = "<?xml version='1.0' encoding='utf-8'?><rss><item><title>人才新政</title></item></rss>".encode()
    doc = parse_bytes(body, "application/rss+xml", "https://a.cn/rss.xml")
    assert (doc.status, doc.source_type, doc.text) == ("ok", "xml", "人才新政")


@pytest.mark.parametrize(("name", "kind"), [("legacy_notice.doc", "doc"), ("legacy_notice.wps", "wps")])
def test_doc_and_wps_without_libreoffice_are_skipped_with_reason(monkeypatch, tmp_path, name, kind):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on PATH
    doc = parse(name, None, f"https://example.gov.cn/notice.{kind}")
    assert (doc.status, doc.source_type) == ("skipped", kind)
    assert doc.reason.startswith("needs-libreoffice:") and "LibreOffice" in doc.reason


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_libreoffice_path_reads_the_converted_text(tmp_path):
    # A stand-in for soffice that honours the same command line: --outdir DIR ... INPUT.
    fake = _script(
        tmp_path / "soffice",
        'while [ $# -gt 1 ]; do [ "$1" = "--outdir" ] && out="$2"; shift; done\n'
        'mkdir -p "$out"; printf "\\357\\273\\277关于人才工作的通知\\r\\n正文。\\r\\n" > "$out/input.txt"\n',
    )
    doc = parse("legacy_notice.doc", "application/msword", "https://a.cn/x.doc", soffice=fake)
    assert (doc.status, doc.parser, doc.text) == ("ok", "libreoffice", "关于人才工作的通知\n正文。")
    assert doc.title == "关于人才工作的通知"


def test_libreoffice_failure_is_recorded(tmp_path):
    fake = _script(tmp_path / "soffice", "echo 'source file could not be loaded' >&2\nexit 1\n")
    doc = parse("legacy_notice.wps", None, "https://a.cn/x.wps", soffice=fake)
    assert doc.status == "failed" and doc.reason == "libreoffice-failed: source file could not be loaded"


@pytest.mark.parametrize(
    ("body", "content_type", "url", "kind"),
    [
        (b"<html><body>x</body></html>", "application/msword", "https://a.cn/x.doc", "html"),  # mislabelled
        (b"\xef\xbb\xbf<!DOCTYPE html><html>", None, "https://a.cn/", "html"),
        (b"%PDF-1.4 ...", "text/html", "https://a.cn/x.html", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "https://a.cn/x.png", "unknown"),
        ("人才政策 全文".encode(), "text/plain; charset=utf-8", "https://a.cn/x.txt", "txt"),
    ],
)
def test_format_detection_trusts_bytes_over_labels(body, content_type, url, kind):
    assert detect_type(body, content_type, url) == kind


def test_images_empty_and_oversized_bodies_get_reasons(monkeypatch):
    png = parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png", "https://a.cn/x.png")
    assert png.status == "skipped" and png.reason.startswith("unsupported-type: image/png")
    assert parse_bytes(b"  \n", "text/html", "https://a.cn/").reason == "empty-body"
    from benchmark.documents import convert

    monkeypatch.setattr(convert, "MAX_BODY_BYTES", 100)
    assert parse_bytes(b"a" * 101, "text/plain", "https://a.cn/").reason.startswith("too-large:")


def test_zip_needing_an_unsupported_zip_version_is_a_recorded_failure():
    # Found by the fuzzer: zipfile raises NotImplementedError("zip file version 8.4").
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    body = bytearray(buffer.getvalue())
    central = body.rfind(b"PK\x01\x02")
    body[central + 6] = 84  # "version needed to extract" of the central directory entry: 8.4
    doc = parse_bytes(bytes(body), None, "https://a.cn/x.docx")
    assert doc.status == "failed" and doc.reason.startswith("zip-unsupported: zip file version 8.4")


def test_pdf_reader_that_loops_is_cut_by_the_time_budget(monkeypatch, tmp_path):
    # pdftotext looping on a damaged file (found by the fuzzer) costs the budget, not forever.
    fake = tmp_path / "pdftotext"
    fake.write_text("#!/bin/sh\nexec /bin/sleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    started = time.perf_counter()
    doc = parse_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "application/pdf", "https://a.cn/x.pdf",
                      time_budget=1.0)  # fmt: skip
    assert time.perf_counter() - started < 10
    assert doc.status == "failed" and doc.reason.startswith("pdf-timeout: ")
    assert "pdftotext ran over 1.0 s" in doc.reason
