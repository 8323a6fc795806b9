"""Amounts in tables, read by their row and column headers.

A table cell that holds one figure (``3000``, ``最高300``, ``每月1500元``, ``10万元``) is read
from the table's structure (:func:`benchmark.documents.tables.find_tables`) rather than as a
line of text:

* **tier** from the row header (the leading label columns of its row), else the column header
  (a transposed table, tiers as columns);
* **benefit** from the column header, else the row header, else the cell, the caption, the
  paragraph introducing the table and its heading — a benefit named there beats a generic 补贴;
* **period** from the cell, then the column header, the row header and the caption
  (``元/月``, ``每年``, ``万元/年``);
* **unit** of a bare figure from the column header, the row header, the caption or the
  introducing paragraph (``单位：万元``, ``（元/月）``); a bare figure with no stated money unit
  is not an amount;
* **duration** from a 期限 column of the row, a year-by-year schedule across columns
  (``第一年 | 第二年``), or a sentence next to the table (``租房补贴最长发放3年``; a sentence
  naming no benefit applies to every recurring amount of the table).

The evidence span is exactly the cell; the record keeps the row and column headers it was
read with. A cell whose tier or benefit the headers do not give is left to the line reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from benchmark.documents.tables import Cell, Table, find_tables, unit_of
from benchmark.provisions.amounts import Amount, duration_months, find_amounts, yuan_value
from benchmark.provisions.cues import Cue, Cues
from benchmark.provisions.lexicon import GENERIC_BENEFIT, TITLE, Lexicon
from benchmark.provisions.reader import BENEFIT_GENERIC, BENEFIT_IN_CLAUSE, Found

_BARE_RE = re.compile(r"(?P<pre>(?:最高|不超过|不高于|上限|最多|每月|每年|每人|按月|按年|一次性)*)\s*"
                      r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<post>(?:/\s*[人月年户]\s*)*)")
# what may stand around the one amount of a cell: period, cap and per-person words
_CELL_FILLER_RE = re.compile(
    r"(?:最高|不超过|不高于|上限|最多|封顶|每人|每户|每月|每年|按月|按年|一次性|发放|给予|补贴|/|人|月|年|户|"
    r"[\s()（）·,，、.;；])*")
_DURATION_VALUE_RE = re.compile(r"(?P<num>\d+|[一二三四五六七八九十]+)\s*(?P<unit>个月|年)")
_SCHEDULE_RE = re.compile(r"第\s*([一二三四五六七八九十\d]+)\s*年")
_SENTENCE_RE = re.compile(r"[^。;；\n]+")
_NEAR_LINES = 3  # lines before and after a table searched for units, benefits and durations


@dataclass
class _Read:
    table: Table
    row: int
    col: int
    cell: Cell


class TableReader:
    """Reads the figures of the pipe tables of one normalised document text."""

    def __init__(self, t: str, lex: Lexicon, tiers: Cues, benefits: Cues):
        self.t, self.lex, self.tiers, self.benefits = t, lex, tiers, benefits

    def read(self) -> tuple[list[Found], list[tuple[int, int]]]:
        """Found amounts and the cell spans they were read from (for the line reader to skip)."""
        found: list[Found] = []
        spans: list[tuple[int, int]] = []
        if "|" not in self.t:
            return found, spans
        for table in find_tables(self.t):
            items = self._read_table(table)
            found.extend(items)
            spans.extend(f.evidence for f in items if f.evidence)
        return found, spans

    # --- one table --------------------------------------------------------------------------
    def _around(self, table: Table) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Spans of the lines just before (caption and introducing paragraph) and after a table."""
        before, after = [], []
        pos = table.start
        for _ in range(_NEAR_LINES):
            if pos <= 0:
                break
            start = self.t.rfind("\n", 0, pos - 1) + 1
            line = (start, pos - 1)
            if self.t[start:pos - 1].lstrip().startswith("|"):
                break
            before.append(line)
            pos = start
        pos = table.end
        for _ in range(_NEAR_LINES):
            if pos >= len(self.t):
                break
            end = self.t.find("\n", pos + 1)
            end = len(self.t) if end < 0 else end
            text = self.t[pos + 1:end]
            if text.lstrip().startswith(("|", "#")):
                break
            after.append((pos + 1, end))
            pos = end
        return before, after

    def _read_table(self, table: Table) -> list[Found]:
        before, after = self._around(table)
        context_text = " ".join(self.t[s:e] for s, e in before)
        table_unit = table.unit or unit_of(context_text)
        durations = self._sentence_durations(before + after)
        out: list[Found] = []
        schedule: dict[int, list[Found]] = {}
        for r in range(table.n_header_rows, len(table.rows)):
            row = table.rows[r]
            for c in range(table.n_header_cols, len(row)):
                cell = row[c]
                if not cell.text:
                    continue
                f = self._read_cell(table, r, c, cell, table_unit, before, row, durations)
                if f is None:
                    continue
                if f.schedule:
                    schedule.setdefault(r, []).append(f)
                out.append(f)
        for items in schedule.values():
            for f in items:
                f.duration = 12 * sum(1 for g in items if g.value == f.value and g.period == f.period)
        return out

    def _figure(self, cell: Cell, header_units: list[str | None]) -> tuple[Amount, float] | None:
        """The one figure of a cell, in yuan, or ``None`` (no figure, several, or prose)."""
        amounts = find_amounts(self.t, cell.start, cell.end)
        if len(amounts) == 1 and len(amounts[0].values) == 1:
            a = amounts[0]
            rest = self.t[cell.start:a.start] + self.t[a.end:cell.end]
            if _CELL_FILLER_RE.fullmatch(rest):
                return a, a.values[0]
            return None
        if amounts:
            return None
        match = _BARE_RE.fullmatch(self.t, cell.start, cell.end)
        if not match:
            return None
        unit = next((u for u in header_units if u), None)
        if unit is None:
            return None
        base = re.match(r"亿元|万元|千元|元", unit)
        if base is None:
            return None
        value = yuan_value(match.group("num"), base.group())
        return Amount(cell.start, cell.end, (value,)), value

    def _read_cell(self, table: Table, r: int, c: int, cell: Cell, table_unit: str | None,
                   before: list[tuple[int, int]], row: list[Cell],
                   durations: list[tuple[frozenset[str] | None, int]]) -> _Found | None:
        header_cells = [h[c] for h in table.header_rows if c < len(h)]
        row_cells = row[: table.n_header_cols]
        column_header = table.column_header(c)
        row_header = table.row_header(r)
        if self.lex.table_not_money_column_re.search(column_header) \
                and not self.lex.table_money_column_re.search(column_header):
            return None
        figure = self._figure(cell, [unit_of(column_header), unit_of(row_header), table_unit])
        if figure is None:
            return None
        amount, value = figure
        tiers = self._tiers(row_cells) or self._tiers(header_cells)
        if not tiers:
            return None
        benefit, level = self._benefit([header_cells, row_cells, [cell]], table, before)
        if benefit is None:
            return None
        cell_text = self.t[cell.start:cell.end]
        period = "once"
        # the cell, then the units the headers and caption state, then the header words
        for text in (cell_text, unit_of(column_header) or "", unit_of(row_header) or "",
                     column_header, row_header, table_unit or "", table.caption):
            month, year = self.lex.table_month_re.search(text), self.lex.table_year_re.search(text)
            if month or year:
                period = "month" if month and (not year or month.start() < year.start()) else "year"
                break
        is_cap = bool(self.lex.table_cap_re.search(cell_text) or self.lex.table_cap_re.search(column_header))
        schedule = bool(_SCHEDULE_RE.search(column_header))
        duration = None
        if period != "once" and not schedule:
            duration = self._row_duration(table, row) or next(
                (months for named, months in durations if named is None or benefit in named), None)
        return _Found(
            amount=amount, value=value, tiers=tiers, benefit=benefit, period=period,
            is_cap=is_cap, duration=duration, clause=(cell.start, cell.end), schedule=schedule,
            group=("table", table.start, r) if schedule else (), benefit_level=level,
            evidence=(cell.start, cell.end),
            row_header=tuple((h.start, h.end) for h in row_cells if h.text),
            column_header=tuple((h.start, h.end) for h in header_cells if h.text),
        )

    def _tiers(self, cells: list[Cell]) -> list[str]:
        labels: list[str] = []
        for cell in cells:
            for cue in self.tiers.within(cell.start, cell.end):
                if cue.label != TITLE and cue.label not in labels:
                    labels.append(cue.label)
        specific = [x for x in labels if x not in self.lex.generic_tiers]
        return specific or labels

    def _cues(self, start: int, end: int) -> list[Cue]:
        return self.benefits.within(start, end)

    def _benefit(self, groups: list, table: Table, before: list[tuple[int, int]]) -> tuple[str | None, int]:
        spans: list[tuple[int, int]] = []
        for cells in groups:
            spans.extend((c.start, c.end) for c in cells)
        spans.extend(before)
        heading = self._heading_span(table)
        if heading:
            spans.append(heading)
        generic = False
        weak: str | None = None
        for start, end in spans:
            for cue in self._cues(start, end):
                if cue.label == GENERIC_BENEFIT:
                    generic = True
                elif cue.weak:
                    weak = weak or cue.label
                else:
                    return cue.label, BENEFIT_IN_CLAUSE
        if weak:
            return weak, BENEFIT_IN_CLAUSE
        return ("other_cash", BENEFIT_GENERIC) if generic else (None, BENEFIT_GENERIC)

    def _heading_span(self, table: Table) -> tuple[int, int] | None:
        if not table.heading:
            return None
        start = self.t.rfind(table.heading, 0, table.start)
        return (start, start + len(table.heading)) if start >= 0 else None

    def _row_duration(self, table: Table, row: list[Cell]) -> int | None:
        for c, cell in enumerate(row):
            if self.lex.table_duration_column_re.search(table.column_header(c)):
                match = _DURATION_VALUE_RE.search(cell.text)
                if match:
                    return duration_months(match.group("num"), match.group("unit"))
        return None

    def _sentence_durations(self, spans: list[tuple[int, int]]) -> list[tuple[frozenset[str] | None, int]]:
        """(benefit named or None, months) of the duration sentences around a table."""
        out: list[tuple[frozenset[str] | None, int]] = []
        for start, end in spans:
            for sentence in _SENTENCE_RE.finditer(self.t, start, end):
                match = self.lex.duration_re.search(sentence.group())
                if not match:
                    continue
                months = duration_months(match.group("num"), match.group("unit"))
                if months is None:
                    continue
                # the benefits named before the duration in its clause ("生活补贴和租房补贴最长
                # 享受24个月"; "不购房的，可按月享受租房补贴，最长5年": 购房 only as a topic)
                clause_start = sentence.start() + sentence.group().rfind(",", 0, match.start("num")) + 1
                cues = [c for c in self._cues(sentence.start(), sentence.start() + match.start("num"))
                        if c.label != GENERIC_BENEFIT]
                strong = [c for c in cues if not c.weak] or cues
                near = [c for c in strong if c.start >= clause_start] or strong[-1:]
                out.append((frozenset(c.label for c in near) or None, months))
        # sentences naming a benefit first, so a general one does not shadow them
        return sorted(out, key=lambda item: item[0] is None)


@dataclass
class _Found(Found):
    """A table figure: a :class:`Found` that keeps the headers it was read with."""

    #: the header cells it was read with (normalised spans; the record quotes the original)
    row_header: tuple[tuple[int, int], ...] = ()
    column_header: tuple[tuple[int, int], ...] = ()
