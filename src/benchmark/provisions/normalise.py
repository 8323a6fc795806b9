"""Offset-keeping normalisation of policy text.

Matching runs on a normalised copy of the document: full-width digits and punctuation become
half-width, traditional characters become simplified (character by character, so lengths do
not change), and Markdown/HTML markup is dropped or replaced by a structural character
(a line break for block tags, ``|`` for table cells). ``NormalisedText.offsets`` maps every
index of the normalised copy back to the index of the character it came from, so a span found
in the normalised copy can be reported as ``start``/``end`` of the document as read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class NormalisedText:
    """The normalised text and, for each of its indices, the index in the original."""

    original: str
    text: str
    offsets: np.ndarray  # len(text) + 1 entries; the last one is len(original)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the normalised span [start, end).

        The end is the original position just after the last character of the span, so
        markup that follows the span (e.g. closing ``**``) is not swallowed.
        """
        if end <= start:
            pos = int(self.offsets[start])
            return pos, pos
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


# --- character-level translation (length preserving) -----------------------------------------

def _fullwidth_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # ！..～ → !..~
    table.update({
        0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ",
        ord("〜"): "~", ord("—"): "-", ord("–"): "-", ord("－"): "-", ord("﹣"): "-",
    })
    return table


@lru_cache(maxsize=1)
def _translation_table() -> dict[int, str]:
    table: dict[int, str] = {}
    try:  # traditional → simplified, one character for one character only
        import zhconv

        for trad, simp in zhconv.zhconv.getdict("zh-hans").items():
            if len(trad) == 1 and len(simp) == 1 and trad != simp:
                table[ord(trad)] = simp
    except Exception:  # pragma: no cover - zhconv is a declared dependency
        pass
    table.update(_fullwidth_table())
    return table


def translate_chars(text: str) -> str:
    """Full-width → half-width and traditional → simplified; the length never changes."""
    return text.translate(_translation_table())


# --- markup -----------------------------------------------------------------------------------

_BLOCK_TAGS = r"(?:p|div|li|ul|ol|tr|table|thead|tbody|h[1-6]|section|article|header|footer|blockquote|pre|hr|dt|dd|dl|caption|title)"
_MARKUP_RE = re.compile(
    r"(?=[<&*_`~\]])"  # every branch starts with one of these: skip other positions at once
    r"(?:(?P<comment><!--.*?-->)"
    r"|(?P<script><(?:script|style)\b[^>]*>.*?</(?:script|style)\s*>)"
    r"|(?P<heading><h(?P<hlevel>[1-6])\b[^>]*>)"
    r"|(?P<cell><t[dh]\b[^>]*>)"
    r"|(?P<block></?" + _BLOCK_TAGS + r"\b[^>]*>)"
    r"|(?P<br><br\s*/?>)"
    r"|(?P<tag></?[a-zA-Z][^>]*>)"
    r"|(?P<entity>&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)"
    r"|(?P<emph>\*{1,3}|_{2,3}|`+|~~)"
    r"|(?P<link>\]\([^)\s]*\)))",
    re.S | re.I,
)


def _replacement(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "heading":  # a Markdown heading no longer than the tag ("<h3>" → "### ")
        size = len(match.group(0))
        level = min(int(match.group("hlevel")), size - 1)
        return ("\n" if size >= level + 2 else "") + "#" * level + " "
    if kind == "hlevel":  # pragma: no cover - nested group never last
        return ""
    if kind == "cell":
        return "|"
    if kind == "br":  # a line break inside a table cell or paragraph: keep the row together
        return ";"
    if kind == "block":
        tag = match.group(0).lower()
        return "\n- " if tag.startswith("<li") else "\n"
    if kind == "entity":
        out = html.unescape(match.group(0))
        return out if len(out) == 1 else " "
    if kind == "link":
        return ""
    return ""


def normalise(text: str, markup: bool = True) -> NormalisedText:
    """Normalise ``text`` for matching, keeping a map back to its original offsets.

    Every markup match is replaced by a string no longer than itself, placed at the start of
    the match, so the map is the original positions with the dropped ones masked out (one
    numpy pass, no per-character Python loop). Replacement characters map to the positions
    of the markup they stand for.
    """
    keep = np.ones(len(text) + 1, dtype=bool)
    pieces: list[str] = []
    pos = 0
    if markup:
        for match in _MARKUP_RE.finditer(text):
            mstart, mend = match.span()
            rep = _replacement(match)[: mend - mstart]
            pieces.append(text[pos:mstart])
            pieces.append(rep)
            keep[mstart + len(rep):mend] = False
            pos = mend
    pieces.append(text[pos:])
    offsets = np.flatnonzero(keep)  # the last entry is len(text)
    return NormalisedText(original=text, text=translate_chars("".join(pieces)), offsets=offsets)
