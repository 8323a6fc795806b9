"""Decoding Chinese pages: GBK/GB2312 as GB18030, wrong and missing declarations."""

from pathlib import Path

import pytest

from benchmark.encoding import (
    decode_bytes,
    header_charset,
    normalize_charset,
    sniffed_charset,
)

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
SENTENCE = "现将《上海市引进人才申办本市常住户口办法》印发给你们"


@pytest.mark.parametrize(
    ("label", "codec"),
    [("GB2312", "gb18030"), ("gbk", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"),
     ("GB18030", "gb18030"), ("big5", "big5hkscs"), ("UTF-8", "utf-8"), ("utf8", "utf-8"),
     ("no-such-charset", None), ("", None), (None, None)],
)  # fmt: skip
def test_charset_labels_are_normalized_gb_family_to_gb18030(label, codec):
    assert normalize_charset(label) == codec


def test_declarations_are_read_from_header_and_markup():
    assert header_charset("text/html; charset=GBK") == "gb18030"
    assert header_charset('text/html; charset="utf-8"') == "utf-8"
    assert header_charset("text/html") is None
    assert sniffed_charset(b'<html><head><meta charset="gb2312">') == "gb18030"
    assert sniffed_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=GBK" />') == "gb18030"
    assert sniffed_charset(b'<?xml version="1.0" encoding="big5"?><html>') == "big5hkscs"


def test_gb2312_declared_page_with_gbk_only_characters_decodes_whole():
    # "﹝﹞" (the info box prints 沪府规﹝2020﹞25号) are GBK, not GB2312: strict GB2312 fails.
    body = (FIXTURES / "shanghai_gbk_declared.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    decoded = decode_bytes(body, "text/html")
    assert (decoded.encoding, decoded.source) == ("gb18030", "meta")
    assert SENTENCE in decoded.text and "沪府规﹝2020﹞25号" in decoded.text
    assert "</a> · <a" in decoded.text


def test_header_claiming_utf8_loses_to_a_body_that_is_not():
    body = (FIXTURES / "shanghai_gbk_declared.html").read_bytes()
    decoded = decode_bytes(body, "text/html; charset=utf-8")
    assert decoded.encoding == "gb18030" and SENTENCE in decoded.text


@pytest.mark.parametrize("name", ["shanghai_gbk_undeclared.html", "fuzhou_gbk_undeclared.html"])
def test_undeclared_gbk_is_detected(name):
    decoded = decode_bytes((FIXTURES / name).read_bytes(), "text/html")
    assert decoded.encoding == "gb18030" and decoded.source in {"detected", "gb18030"}
    assert "人民政府" in decoded.text and "\ufffd" not in decoded.text


@pytest.mark.parametrize("name", ["huangpu_gb18030_declared.html", "huangpu_gb18030_undeclared.html"])
def test_gb18030_four_byte_characters_survive(name):
    # "›" and "©" exist only as four-byte GB18030 sequences: GBK cannot decode them.
    body = (FIXTURES / name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("gbk")
    decoded = decode_bytes(body, None)
    assert "首页 › 规范性文件" in decoded.text and "© 广州市人民政府办公厅" in decoded.text


def test_short_gbk_snippets_are_not_mistaken_for_korean():
    # charset-normalizer alone calls some short GBK texts CP949; GB18030 must win for them.
    for text in ["人才引进", "生活补贴", "杭政办函〔2019〕3号", "发文字号：沪府规〔2020〕25号"]:
        decoded = decode_bytes(f"<p>{text}</p>".encode("gbk"), None)
        assert decoded.text == f"<p>{text}</p>", decoded


def test_utf8_bom_and_utf16_are_honoured():
    assert decode_bytes("\ufeff人才".encode("utf-8")).text == "人才"
    decoded = decode_bytes("<p>人才政策</p>".encode("utf-16"), "text/html; charset=gbk")
    assert decoded.text == "<p>人才政策</p>" and decoded.source == "bom"


def test_undecodable_bytes_are_replaced_not_raised():
    decoded = decode_bytes(b"\x80\xff\xfe\x81" * 50, "text/html; charset=utf-8")
    assert decoded.source == "replaced" and "\ufffd" in decoded.text


def test_latin1_default_declaration_does_not_mangle_chinese():
    body = "<html><body>人才安居补贴</body></html>".encode()
    assert decode_bytes(body, "text/html; charset=ISO-8859-1").text.endswith("人才安居补贴</body></html>")


def test_a_few_corrupt_bytes_do_not_turn_a_utf8_page_into_mojibake():
    # A truncated multi-byte character in a template: nothing decodes strictly any more.
    page = "<html><body>" + "上海市人民政府关于人才安居补贴的通知。" * 40 + "</body></html>"
    body = page.encode("utf-8")
    body = body[:200] + b"\xff" + body[201:]
    decoded = decode_bytes(body, None)
    assert (decoded.encoding, decoded.source) == ("utf-8", "replaced")
    assert decoded.text.count("人才安居补贴") >= 39 and decoded.text.count("\ufffd") <= 2


@pytest.mark.parametrize("label", ["base64", "rot13", "zlib", "hex"])
def test_codecs_that_are_not_text_encodings_are_ignored(label):
    assert normalize_charset(label) is None
    decoded = decode_bytes(bytes(range(128, 256)) * 4, f"text/html; charset={label}")
    assert isinstance(decoded.text, str)
