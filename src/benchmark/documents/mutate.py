"""Mutation fuzzing of the parsers: seeded, reproducible variations of real-looking inputs.

Used by ``tests/test_documents_fuzz.py`` (a few hundred inputs per parser) and by
``benchmarks/bench_parse_fuzz.py`` (ten thousand and more). Each mutant is one to four byte
mutations stacked (bit flips, interesting bytes, deletions, duplications, insertions of
format tokens, truncation, splicing with another seed). Zip-based seeds (DOCX, XLSX) are also
mutated *inside* an entry and zipped again, so the XML readers behind the zip check get
exercised, not just the zip reader's CRC check.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable, Iterator, Sequence

#: Tokens worth inserting, per format family: structure that parsers branch on.
TOKENS: dict[str, tuple[bytes, ...]] = {
    "html": (
        b"<table>", b"</table>", b"<tr><td>", b"</td>", b"<div id=\"zoom\">", b"</div>", b"<p>",
        b"<script>", b"<!--", b"-->", b"<![CDATA[", b"&#x0;", b"&nbsp;", b"<meta charset=\"utf-16\">",
        b"<meta charset=\"gbk\">", b"<?xml version=\"1.0\" encoding=\"big5\"?>", b"\xef\xbb\xbf",
        b"\xff\xfe", b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", "〔2019〕".encode("gbk"),
        "发文字号：".encode("gbk"), "索引号：".encode("gbk"), "有效期".encode("gbk"), b"\x00",
        b"<title>", b"<h1>", b"\x81\x30\x81\x30", b"<" * 64, b"<div>" * 300,
    ),
    "pdf": (
        b"%PDF-1.7", b"%%EOF", b"obj", b"endobj", b"stream\n", b"endstream", b"xref", b"trailer",
        b"<< /Type /Catalog >>", b"/Length 999999999", b"/Filter /FlateDecode", b"BT", b"ET",
        b"Tj", b"TJ", b"[(", b")]", b"/ToUnicode", b"9999999999 0 R", b"(", b")", b"\\",
        b"<<" * 64, b"[" * 64,
    ),
    "xml": (
        b"<!DOCTYPE a [", b"<!ENTITY x \"xx\">", b"&x;", b"]>", b"<w:tbl>", b"</w:tbl>",
        b"<w:tr><w:tc><w:p><w:r><w:t>", b"</w:t></w:r></w:p></w:tc></w:tr>", b"<w:p>",
        b"<row><c t=\"s\"><v>99999</v></c></row>", b"<v>", b"</v>", b"<![CDATA[", b"\x00",
        b"<!ENTITY % p SYSTEM \"http://127.0.0.1/\">", b"xmlns:w=\"x\"", b"<?xml?>",
    ),
}  # fmt: skip
# Long whitespace runs: the classic trigger of quadratic regular-expression backtracking.
for _family in TOKENS:
    TOKENS[_family] += (b" " * 20_000, b"\t \n" * 5_000, "\u3000".encode() * 5_000)


def _bit_flip(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    for _i in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def _interesting(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    for _i in range(rng.randint(1, 4)):
        if data:
            data[rng.randrange(len(data))] = rng.choice((0x00, 0x0A, 0x20, 0x3C, 0x7F, 0x80, 0xFF))


def _delete(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    if len(data) > 1:
        start = rng.randrange(len(data))
        del data[start : start + rng.randint(1, max(1, len(data) // 8))]


def _duplicate(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    if data:
        start = rng.randrange(len(data))
        chunk = data[start : start + rng.randint(1, 256)]
        at = rng.randrange(len(data) + 1)
        data[at:at] = chunk * rng.choice((1, 1, 2, 16))


def _insert_random(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = rng.randbytes(rng.randint(1, 32))


def _insert_token(rng: random.Random, data: bytearray, tokens: Sequence[bytes], _: Sequence[bytes]) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = rng.choice(tokens)


def _truncate(rng: random.Random, data: bytearray, _: Sequence[bytes], __: Sequence[bytes]) -> None:
    if data:
        del data[rng.randrange(len(data)) :]


def _splice(rng: random.Random, data: bytearray, _: Sequence[bytes], seeds: Sequence[bytes]) -> None:
    other = rng.choice(seeds)
    if data and other:
        cut, at = rng.randrange(len(data)), rng.randrange(len(other))
        data[cut:] = other[at:]


_MUTATIONS: tuple[Callable[[random.Random, bytearray, Sequence[bytes], Sequence[bytes]], None], ...] = (
    _bit_flip, _interesting, _delete, _duplicate, _insert_random, _insert_token, _insert_token,
    _truncate, _splice,
)  # fmt: skip


def mutate_bytes(rng: random.Random, data: bytes, tokens: Sequence[bytes], seeds: Sequence[bytes]) -> bytes:
    """One to four stacked byte mutations of ``data``."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        rng.choice(_MUTATIONS)(rng, buffer, tokens, seeds)
    return bytes(buffer)


def mutate_zip_member(rng: random.Random, data: bytes, tokens: Sequence[bytes]) -> bytes:
    """Mutate the bytes of one XML member of a zip and zip everything again (valid CRCs)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = [(info, source.read(info)) for info in source.infolist()]
    except Exception:  # not a readable zip (any more): fall back to plain byte mutation
        return mutate_bytes(rng, data, tokens, [data])
    xml = [i for i, (info, _) in enumerate(members) if info.filename.endswith((".xml", ".rels"))]
    if xml:
        index = rng.choice(xml)
        info, content = members[index]
        members[index] = (info, mutate_bytes(rng, content, tokens, [content]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            target.writestr(info.filename, content)
    return out.getvalue()


def mutants(
    seeds: Sequence[bytes], family: str, count: int, *, seed: int = 0, zip_members: bool = False
) -> Iterator[bytes]:
    """``count`` reproducible mutants of ``seeds`` (``family`` picks the token dictionary).

    With ``zip_members`` half of them are mutated inside a zip member instead of as raw bytes.
    """
    rng = random.Random(seed)
    tokens = TOKENS[family]
    for _ in range(count):
        base = rng.choice(seeds)
        if zip_members and rng.random() < 0.5:
            yield mutate_zip_member(rng, base, tokens)
        else:
            yield mutate_bytes(rng, base, tokens, seeds)


#: What each parser is fuzzed with: seed fixtures (in tests/fixtures/documents), the content
#: type and URL they are served with, the token dictionary, and whether to mutate zip members.
FUZZ_TARGETS: dict[str, dict[str, object]] = {
    "html": {
        "seeds": ("shanghai_gbk_declared.html", "shanghai_gbk_undeclared.html",
                  "fuzhou_gbk_undeclared.html", "huangpu_gb18030_declared.html",
                  "huangpu_gb18030_undeclared.html"),
        "content_type": "text/html", "url": "https://www.gz.gov.cn/a/post_1.html",
        "family": "html", "zip_members": False,
    },
    "pdf": {
        "seeds": ("shanghai_notice.pdf", "shanghai_notice_uncompressed.pdf",
                  "shanghai_notice_truncated.pdf", "scanned_no_text.pdf", "garbled_font.pdf"),
        "content_type": "application/pdf", "url": "https://www.shanghai.gov.cn/att/a.pdf",
        "family": "pdf", "zip_members": False,
    },
    "docx": {
        "seeds": ("fuzhou_with_tables.docx", "entity_bomb.docx"),
        "content_type": None, "url": "https://www.fuzhou.gov.cn/att/a.docx",
        "family": "xml", "zip_members": True,
    },
    "xlsx": {
        "seeds": ("policy_list.xlsx",),
        "content_type": None, "url": "https://www.fuzhou.gov.cn/att/a.xlsx",
        "family": "xml", "zip_members": True,
    },
    "xml": {
        "seeds": ("policy_feed.xml", "billion_laughs.xml"),
        "content_type": "application/xml", "url": "https://www.shanghai.gov.cn/rss.xml",
        "family": "xml", "zip_members": False,
    },
}  # fmt: skip
