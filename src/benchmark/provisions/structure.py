"""The layout of a normalised document: lines, headings, list nesting, labels, table rows.

Each line gets the chain of what encloses it (headings, parent list items, the label
paragraph such as ``金额：`` that introduces a list, the table header), because a tier or a
benefit is often stated there rather than on the line with the amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from benchmark.documents.tables import PIPE_ROW_RE, SEPARATOR_RE, pipe_cell_spans

_HEADING_RE = re.compile(r"\s{0,3}(#{1,6})\s+")
_LIST_RE = re.compile(
    r"(?P<indent>[ \t]*)(?:[-*+•·]|\d{1,2}[.、)]|[(]?[一二三四五六七八九十]{1,3}[、).]|[(]\d{1,2}[)])\s*"
)
_LABEL_RE = re.compile(r"[:]\s*$")
# Headings of citation lists, whose lines repeat figures of the text ("可引用金额" is not one).
_REFERENCE_HEADING_RE = re.compile(r"链接|来源|参考文献|出处|已直接引用")


@dataclass
class Line:
    """One line of the normalised text and what encloses it."""

    index: int
    start: int  # normalised offsets of the line (without its newline)
    end: int
    kind: str  # heading | table | list | para | blank
    content_start: int  # after the heading/list marker
    indent: int = 0
    level: int = 0  # heading level
    is_label: bool = False
    headings: list[Line] = field(default_factory=list)  # innermost last
    parents: list[Line] = field(default_factory=list)  # enclosing list items / labels, innermost last
    cells: list[tuple[int, int]] = field(default_factory=list)  # table cells (normalised spans)
    header: Line | None = None  # the header row of this line's table
    section_start: int = 0  # index of the first line after the innermost heading
    in_references: bool = False


def parse_lines(text: str) -> list[Line]:
    """Split ``text`` into lines and attach headings, parents and table headers."""
    lines: list[Line] = []
    headings: list[Line] = []
    parents: list[Line] = []
    header: Line | None = None
    section_start = 0
    in_references = False  # under a heading of a citation list
    pos = 0
    for index, raw in enumerate(text.split("\n")):
        start, end = pos, pos + len(raw)
        pos = end + 1
        line = Line(index=index, start=start, end=end, kind="para", content_start=start)
        stripped = raw.strip()
        if not stripped:
            line.kind = "blank"
        elif match := _HEADING_RE.match(raw):
            line.kind, line.level = "heading", len(match.group(1))
            line.content_start = start + match.end()
        elif PIPE_ROW_RE.match(raw):
            line.kind = "table"
            line.cells = pipe_cell_spans(raw, start)
        elif match := _LIST_RE.match(raw):
            line.kind = "list"
            line.indent = len(match.group("indent").expandtabs(4))
            line.content_start = start + match.end()
        line.is_label = line.kind in ("para", "list") and bool(_LABEL_RE.search(raw))

        if line.kind == "heading":
            while headings and headings[-1].level >= line.level:
                headings.pop()
            line.headings = list(headings)
            headings.append(line)
            parents, header = [], None
            section_start = index + 1
        else:
            line.headings = list(headings)
            line.section_start = section_start
            if line.kind == "list":
                while parents and parents[-1].kind == "list" and parents[-1].indent >= line.indent:
                    parents.pop()
                line.parents = list(parents)
                parents.append(line)
            elif line.kind == "para":
                parents = [line] if line.is_label else []
                line.parents = []
            elif line.kind == "table":
                if SEPARATOR_RE.match(raw):
                    line.kind = "blank"  # the |---| row carries nothing
                elif header is None:
                    header = line
                else:
                    line.header = header
            if line.kind != "table":
                header = None if line.kind != "blank" or (lines and lines[-1].kind != "table") else header
        if line.kind == "heading":
            line.in_references = bool(_REFERENCE_HEADING_RE.search(text, line.content_start, line.end))
            in_references = any(h.in_references for h in headings)
        else:
            line.in_references = in_references
        lines.append(line)
    return lines


