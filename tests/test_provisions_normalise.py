"""Offset-keeping normalisation: the map back to the original text is exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.provisions.normalise import _MARKUP_RE, normalise, translate_chars

_PIECES = st.sampled_from([
    "**", "__", "`", "<td>", "</td>", "<tr class='a'>", "<br/>", "<h2>", "</h2>", "&nbsp;",
    "&amp;", "<!-- note -->", "[链接](http://x.cn/a)", "|", "\n", "- ", "# ",
    "本科", "硕士", "博士", "１０万元", "２，５００元", "補貼", "萬元", "（含）", "：", "；", "3万-6万元",
])
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_offset_map_is_monotone_and_complete(text: str) -> None:
    norm = normalise(text)
    offsets = norm.offsets
    assert len(offsets) == len(norm.text) + 1
    assert offsets[-1] == len(text)
    assert all(0 <= offsets[i] < len(text) for i in range(len(norm.text)))
    assert all(offsets[i] < offsets[i + 1] for i in range(len(offsets) - 1))


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_kept_characters_map_to_their_source(text: str) -> None:
    norm = normalise(text)
    translated = translate_chars(text)
    markup = [m.span() for m in _MARKUP_RE.finditer(text)]
    for i, ch in enumerate(norm.text):
        source = int(norm.offsets[i])
        inside = [start for start, end in markup if start <= source < end]
        # a character of the text (translated) maps to itself; a structural stand-in for
        # markup (a line break for <tr>, "|" for <td>, the character of an entity) maps into
        # the markup it replaces
        if inside:
            assert ch in "\n|;# -" or text[inside[0]] == "&", (text, i)
        else:
            assert translated[source] == ch, (text, i)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.data())
def test_spans_map_back_to_the_same_words(text: str, data: st.DataObject) -> None:
    norm = normalise(text)
    if not norm.text:
        return
    start = data.draw(st.integers(0, len(norm.text) - 1))
    end = data.draw(st.integers(start + 1, len(norm.text)))
    o_start, o_end = norm.span(start, end)
    assert 0 <= o_start < o_end <= len(text)
    # the original span, with its markup removed and translated, reads as the normalised span
    again = normalise(text[o_start:o_end]).text
    plain = "".join(ch for ch in norm.text[start:end])
    kept = [c for c in plain if c not in "|\n;# -"]
    assert [c for c in again if c not in "|\n;# -"][: len(kept)] == kept or "<" in text or "&" in text


def test_translate_keeps_length_and_converts() -> None:
    text = "補貼１０萬元，（含）：２，５００元"
    out = translate_chars(text)
    assert len(out) == len(text)
    assert out == "补贴10万元,(含):2,500元"


def test_markdown_and_html_markup_is_ignored_for_matching() -> None:
    norm = normalise("**博士：10万元**<br>硕士&nbsp;5万元")
    assert norm.text == "博士:10万元;硕士 5万元"
    start = norm.text.index("10万元")
    assert normalise("x").original == "x"
    o_start, o_end = norm.span(start, start + len("10万元"))
    assert norm.original[o_start:o_end] == "10万元"


def test_html_table_becomes_rows_and_cells() -> None:
    norm = normalise("<table><tr><td>博士</td><td>10万元</td></tr></table>")
    row = [line for line in norm.text.split("\n") if "博士" in line][0]
    assert row.startswith("|") and "|10万元" in row
