"""Tables as structure: cells, header rows and columns, caption, unit and the heading above.

Every parser (HTML ``rowspan``/``colspan``, DOCX merged and nested tables, PDF ruled tables via
pdfplumber, Markdown) builds a :class:`Table` — a full grid in which a merged cell's text fills
every position it covers, so each cell has its row and column — and writes it into the
document text as a Markdown pipe table::

    表1 博士后资助标准 单位：万元          ← the caption, on its own line
    | 资助项目 | 博士后 | 出站留站博士后 |    ← header rows (all rows above the separator)
    |---|---|---|
    | 生活补贴（每年） | 8 | — |           ← body rows

Text is the interface between stages (the extractor reads text files), so the text carries the
structure: :func:`find_tables` reads the tables back from any document text with the character
offsets of every cell (``text[cell.start:cell.end] == cell.text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PIPE_ROW_RE = re.compile(r"[ \t]*\|")
SEPARATOR_RE = re.compile(r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{0,}:?[ \t]*)*\|?[ \t]*$")
# "单位：万元", "（单位：元/人·月）", "金额单位: 元", a header's "（元/月）", "万元/年"
_UNIT_LABEL_RE = re.compile(r"(?:金额)?单位\s*[:：]\s*(?P<unit>(?:人民币)?(?:亿元|万元|千元|元)(?:\s*/\s*[人户年月](?:\s*[·/]\s*[年月])?)?)")
_UNIT_BRACKET_RE = re.compile(r"[（(]\s*(?P<unit>(?:亿元|万元|千元|元)(?:\s*/\s*[人户年月](?:\s*[·/]\s*[年月])?)?)\s*[）)]")
_HEADING_LINE_RE = re.compile(
    r"\s{0,3}(?:#{1,6}\s+\S|第[一二三四五六七八九十百\d]+[章节条部分]|[一二三四五六七八九十]+、|附件\s*\d*\s*$)")
_CAPTION_HINT_RE = re.compile(r"^\s*(?:附?表\s*[\d一二三四五六七八九十]*|单位\s*[:：]|.{2,40}(?:表|标准|一览)\s*(?:[（(][^）)]*[）)])?\s*$)")
_CELL_SPACES_RE = re.compile(r"\s+")


def clean_cell(text: str | None) -> str:
    """One line of cell text: whitespace squeezed, a ``|`` written full-width (it would split the row)."""
    if not text:
        return ""
    return _CELL_SPACES_RE.sub(" ", str(text)).strip().replace("|", "｜")


def unit_of(text: str) -> str | None:
    """The money unit a caption or header states (``单位：万元`` → ``万元``, ``（元/月）`` → ``元/月``)."""
    match = _UNIT_LABEL_RE.search(text) or _UNIT_BRACKET_RE.search(text)
    if match:
        return re.sub(r"\s+|人民币", "", match.group("unit"))
    return None


@dataclass
class Cell:
    """One grid position: its text and, when read back from a document text, its offsets."""

    text: str
    row: int
    col: int
    start: int = -1
    end: int = -1
    rowspan: int = 1  # as merged in the source (1 when read back from text)
    colspan: int = 1
    merged: bool = False  # this position is covered by a cell that starts elsewhere


@dataclass
class Table:
    """A table as a full grid (``rows[r][c]``) with its header rows and columns.

    ``n_header_rows`` rows at the top name the columns; ``n_header_cols`` columns at the left
    name the rows (leading columns whose body cells hold no figure). ``caption`` is the table's
    title line (``表1 …``, ``单位：万元``), ``heading`` the heading of the section it sits in.
    """

    rows: list[list[Cell]]
    n_header_rows: int = 1
    caption: str = ""
    heading: str = ""
    start: int = -1  # offsets of the pipe block in the document text, when read back
    end: int = -1
    n_header_cols: int = field(default=-1)

    def __post_init__(self) -> None:
        if self.n_header_cols < 0:
            self.n_header_cols = _leading_label_columns(self)

    @property
    def n_cols(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    @property
    def header_rows(self) -> list[list[Cell]]:
        return self.rows[: self.n_header_rows]

    @property
    def body_rows(self) -> list[list[Cell]]:
        return self.rows[self.n_header_rows:]

    def column_header(self, col: int) -> str:
        """The header text of a column: its header cells top to bottom, a merged one once."""
        parts: list[str] = []
        for row in self.header_rows:
            if col < len(row) and row[col].text and row[col].text not in parts:
                parts.append(row[col].text)
        return " ".join(parts)

    def row_header(self, row: int) -> str:
        """The header text of a body row (``row`` counts from the top of the grid)."""
        parts: list[str] = []
        for cell in self.rows[row][: self.n_header_cols]:
            if cell.text and cell.text not in parts:
                parts.append(cell.text)
        return " ".join(parts)

    @property
    def unit(self) -> str | None:
        """The unit the caption states for the whole table (``单位：万元``), if any."""
        return unit_of(self.caption) if self.caption else None

    def to_markdown(self) -> list[str]:
        """The table as lines of text: the caption, header rows, the separator, body rows."""
        width = self.n_cols
        lines = [clean_cell(self.caption)] if self.caption.strip() else []
        for index, row in enumerate(self.rows):
            cells = [clean_cell(c.text) for c in row] + [""] * (width - len(row))
            lines.append("| " + " | ".join(cells) + " |")
            if index == self.n_header_rows - 1:
                lines.append("|" + "---|" * width)
        return lines


_FIGURE_RE = re.compile(r"\d")


def _leading_label_columns(table: Table) -> int:
    """Leading columns whose body cells hold no digit: they name the rows (at least one)."""
    body = table.body_rows
    if not body:
        return 1
    count = 0
    for col in range(table.n_cols - 1):
        cells = [row[col].text for row in body if col < len(row)]
        if any(_FIGURE_RE.search(text) for text in cells):
            break
        count += 1
    return max(count, 1)


def build_grid(rows: Iterable[Iterable[tuple[str, int, int]]]) -> list[list[Cell]]:
    """A full grid from rows of ``(text, rowspan, colspan)`` as a source lists them.

    A merged cell fills every position it covers (later positions marked ``merged``); a
    position no cell covers is an empty cell. Spans are capped so a hostile page cannot
    make a huge grid.
    """
    grid: dict[tuple[int, int], Cell] = {}
    n_rows = 0
    for r, row in enumerate(rows):
        n_rows = max(n_rows, r + 1)
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            c += _place(grid, r, c, text, rowspan, colspan)
    return _full(grid, n_rows)


def build_grid_at(placed: Iterable[tuple[int, int, str, int, int]]) -> list[list[Cell]]:
    """:func:`build_grid` for cells a source places by ``(row, column, text, rowspan,
    colspan)`` (a PDF's table finder): a position with no cell stays an empty cell, in its
    column, rather than the next cell sliding into it."""
    grid: dict[tuple[int, int], Cell] = {}
    n_rows = 0
    for r, c, text, rowspan, colspan in placed:
        n_rows = max(n_rows, r + 1)
        _place(grid, r, c, text, rowspan, colspan)
    return _full(grid, n_rows)


def _place(grid: dict[tuple[int, int], Cell], r: int, c: int, text: str, rowspan: int,
           colspan: int) -> int:
    """Fill the positions one cell covers; returns its (capped) colspan."""
    rowspan, colspan = max(1, min(rowspan, 200)), max(1, min(colspan, 50))
    for dr in range(rowspan):
        for dc in range(colspan):
            grid[(r + dr, c + dc)] = Cell(text, r + dr, c + dc, rowspan=rowspan,
                                          colspan=colspan, merged=bool(dr or dc))
    return colspan


def _full(grid: dict[tuple[int, int], Cell], n_rows: int) -> list[list[Cell]]:
    if not grid:
        return []
    n_rows = max(n_rows, max(r for r, _ in grid) + 1)
    # rows a rowspan runs past the end of the table are not rows of it
    n_rows = min(n_rows, max(r for (r, _), cell in grid.items() if not cell.merged) + 1)
    n_cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c)) or Cell("", r, c) for c in range(n_cols)] for r in range(n_rows)]


def header_row_count(grid: list[list[Cell]], marked: int = 0) -> int:
    """How many rows at the top are header rows.

    ``marked`` is what the source says (``<thead>``/``<th>`` rows); otherwise the first row,
    extended down while a cell of the header reaches further (a header cell merged over two
    rows) or the next row only subdivides a merged header cell and holds no figure.
    """
    if not grid:
        return 0
    count = marked or 1
    while count < len(grid) - 1:
        reach = max(c.row + c.rowspan for row in grid[:count] for c in row if not c.merged)
        below_merged = not marked and any(c.colspan > 1 and not c.merged for c in grid[count - 1])
        next_has_figure = any(_FIGURE_RE.search(c.text) for c in grid[count])
        if reach > count or (below_merged and not next_has_figure):
            count += 1
        else:
            break
    return count


# --- reading tables back from text --------------------------------------------------------


def pipe_cell_spans(line: str, offset: int = 0) -> list[tuple[int, int]]:
    """Spans (offset + position in ``line``) of the cells of a ``| a | b |`` row, empty ones
    included so columns line up; the spans include the cells' padding."""
    spans = []
    pos = line.index("|") + 1
    stop = len(line.rstrip())
    if stop and line[stop - 1] == "|":
        stop -= 1
    while pos <= stop:
        nxt = line.find("|", pos, stop)
        if nxt < 0:
            nxt = stop
        spans.append((offset + pos, offset + nxt))
        pos = nxt + 1
    return spans


def _row_cells(text: str, start: int, end: int, row: int) -> list[Cell]:
    cells = []
    for col, (s, e) in enumerate(pipe_cell_spans(text[start:end], start)):
        raw = text[s:e]
        cell_start = s + len(raw) - len(raw.lstrip())
        body = raw.strip()
        cells.append(Cell(body, row, col, cell_start, cell_start + len(body)))
    return cells


def _is_heading(line: str) -> bool:
    return bool(_HEADING_LINE_RE.match(line)) and len(line.strip()) <= 40


def find_tables(text: str) -> list[Table]:
    """The pipe tables of a document text, with cell offsets, caption and heading.

    Header rows are the rows above the ``|---|`` separator (a table without one has one
    header row). The caption is the non-table line just above the table when it reads like
    one (``表1 …``, ``…标准``, ``单位：…``, or a line that states a unit); the heading is the
    nearest heading line above (Markdown ``#``, ``一、``, ``第二条`` …).
    """
    tables: list[Table] = []
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    heading = ""
    i = 0
    while i < len(lines):
        start, end = lines[i]
        line = text[start:end]
        if not PIPE_ROW_RE.match(line):
            if line.strip() and _is_heading(line):
                heading = line.strip().lstrip("#").strip()
            i += 1
            continue
        j = i
        rows: list[list[Cell]] = []
        n_header = 0
        while j < len(lines) and PIPE_ROW_RE.match(text[lines[j][0]:lines[j][1]]):
            s, e = lines[j]
            if SEPARATOR_RE.match(text[s:e]):
                if n_header and len(rows) > n_header:
                    # a second separator: the row above it heads the next table (two tables
                    # written one after the other, e.g. a DOCX table and the one nested in it)
                    rows.pop()
                    j -= 1
                    break
                n_header = n_header or len(rows)
            else:
                rows.append(_row_cells(text, s, e, len(rows)))
            j += 1
        if rows:
            caption = ""
            k = i - 1
            while k >= 0 and not text[lines[k][0]:lines[k][1]].strip():
                k -= 1
            if k >= 0:
                above = text[lines[k][0]:lines[k][1]].strip()
                if len(above) <= 80 and (_CAPTION_HINT_RE.match(above) or unit_of(above)):
                    caption = above
            tables.append(Table(rows, n_header_rows=max(1, n_header or 1), caption=caption,
                                heading=heading, start=lines[i][0], end=lines[j - 1][1]))
        i = j
    return tables


def tables_to_tabs(text: str) -> str:
    """The text with pipe-table rows as tab-separated cells (the layout metadata labels expect)."""
    if "|" not in text:
        return text
    out = []
    for line in text.split("\n"):
        if PIPE_ROW_RE.match(line):
            if SEPARATOR_RE.match(line):
                continue
            line = "\t".join(part.strip() for part in line.strip().strip("|").split("|"))
        out.append(line)
    return "\n".join(out)
