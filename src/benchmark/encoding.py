"""Turn the bytes of a web page into text, whatever the page claims its encoding is.

The one decoding policy of the project: the crawler (link extraction) and the parser
(document text) both use :func:`decode_bytes`, so they never read the same page differently.

Chinese government portals are often GBK or GB2312 and just as often say so wrongly (a server
default of ``UTF-8`` in the header with a GBK body) or not at all. The rules:

* GBK, GB2312, CP936 and friends are decoded as **GB18030**, their superset, so characters
  outside GB2312 (rare names, the euro sign) survive;
* the declarations are tried in the browser order (byte-order mark, HTTP header, ``<meta>`` or
  XML declaration), and the first that decodes the body *strictly* wins;
* with no declaration that fits, the body is tried as UTF-8, then handed to charset-normalizer,
  then to GB18030; only if all of those fail is it decoded with replacement characters, with
  whichever of the declared (or detected) codec, UTF-8 and GB18030 replaces the fewest bytes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_GB_FAMILY = {
    "gb2312", "gb_2312", "gb_2312-80", "gb-2312", "csgb2312", "iso-ir-58", "chinese",
    "gbk", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn", "eucgb2312-cn",
    "gb18030", "gb-18030",
}  # fmt: skip
_BIG5_FAMILY = {"big5", "big-5", "cn-big5", "x-x-big5", "csbig5", "big5-hkscs", "big5hkscs"}
# Declarations that servers emit by default; they decode anything, so they prove nothing.
_WEAK = {"latin_1", "iso8859-1", "ascii", "cp1252"}
_CHINESE = {"gb18030", "big5hkscs"}

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.\-]{1,40})""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# charset-normalizer is slow on large bodies and a sample decides just as well.
_DETECT_SAMPLE = 256 * 1024


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    #: where the encoding came from: bom, header, meta, utf-8, detected, gb18030 or replaced
    source: str


def normalize_charset(name: str | None) -> str | None:
    """The Python codec for a declared charset label, GB family mapped to GB18030.

    Unknown labels give ``None`` rather than an error: a page's declaration is input.
    """
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in _BIG5_FAMILY:
        return "big5hkscs"
    try:
        codec = codecs.lookup(label).name
        "".encode(codec)  # base64, rot13, zlib are codecs too, but not text encodings
    except (LookupError, ValueError):
        return None
    if codec in {"gbk", "gb2312", "gb18030"}:
        return "gb18030"
    if codec == "big5":
        return "big5hkscs"
    return codec


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of an HTTP ``Content-Type`` header, normalized."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return normalize_charset(match.group(1)) if match else None


def sniffed_charset(body: bytes) -> str | None:
    """The charset a page declares in itself (XML declaration or ``<meta>``), normalized."""
    head = body[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return normalize_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str | None:
    best = charset_normalizer.from_bytes(body[:_DETECT_SAMPLE]).best()
    return normalize_charset(best.encoding) if best is not None else None


def decode_bytes(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page's bytes following the rules in this module's docstring. Never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _strict(body, codec)
            if text is not None:
                return Decoded(text, codec, "bom")
    declared = [(header_charset(content_type), "header"), (sniffed_charset(body), "meta")]
    weak: list[tuple[str, str]] = []
    for codec, source in declared:
        if codec is None:
            continue
        if codec in _WEAK:
            weak.append((codec, source))
            continue
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, source)
    text = _strict(body, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8")
    if weak and not any(byte >= 0x80 for byte in body):
        return Decoded(body.decode("ascii"), "ascii", weak[0][1])
    detected = _detect(body)
    # charset-normalizer takes short GBK text for CP949 now and then; a Chinese portal's page
    # that decodes as GB18030 is GB18030 unless the detector positively says Big5.
    order = [detected] if detected in _CHINESE else []
    order.append("gb18030")
    if detected is not None and detected not in _WEAK:
        order.append(detected)
    for codec in dict.fromkeys(order):
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, "detected" if codec == detected else "gb18030")
    for codec, source in weak:
        text = _strict(body, codec)
        if text is not None:
            return Decoded(text, codec, source)
    # Nothing decodes strictly. A few corrupt bytes in an otherwise UTF-8 or GB18030 page
    # (truncated multi-byte characters in hand-edited templates are common) must not turn the
    # whole page into mojibake: the decoding with the fewest replacement characters wins, ties
    # going to the declared or detected codec.
    fallback = next((codec for codec, _ in declared if codec), None) or detected or "gb18030"
    candidates = {
        codec: body.decode(codec, errors="replace")
        for codec in dict.fromkeys((fallback, "utf-8", "gb18030"))
    }
    best = min(candidates, key=lambda codec: candidates[codec].count("\ufffd"))
    return Decoded(candidates[best], best, "replaced")


# --- characters ---------------------------------------------------------------------------

#: Every Han character GB18030 can encode, for a regex character class: the URO (U+4E00…),
#: Extension A (U+3400…), the compatibility ideographs and Extensions B–H in the
#: supplementary planes (U+20000…U+323AF). ``[\u4e00-\u9fff]`` alone drops a 发文字号 whose
#: issuer abbreviation is a rare character (䶮, 㐀, 𠀋).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN}]")


def _width_table() -> dict[int, str]:
    import unicodedata

    table: dict[int, str] = {}
    # full-width forms (ＡＢ１２［］（）：) and small/vertical forms (﹝﹞﹙﹚), one character each
    for cp in (*range(0xFE10, 0xFE20), *range(0xFE30, 0xFE70), *range(0xFF01, 0xFF5F)):
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            table[cp] = folded
    table[0x3000] = " "
    return table


_WIDTH_TABLE = _width_table()


def fold_width(text: str) -> str:
    """Full-width and small-form punctuation, digits and letters to their plain forms.

    Unlike NFKC it leaves every Han character as it is (NFKC maps compatibility ideographs
    such as U+FA11 to other code points) and never changes the length of the text.
    """
    return text.translate(_WIDTH_TABLE)
