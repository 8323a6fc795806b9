"""Reading one document: the tier, benefit, period, cap and duration of each amount.

Each amount is placed in its line, clause (text between ``;``/``。``) and segment (text since
the previous amount of the clause); the tier and benefit are read from the nearest level that
names one: segment → clause → line → parent list items/labels → table row and header → the
section's heading (for a benefit, then the name field of a record of ``header: value`` lines)
→ eligibility lines of the section → outer headings. Period, cap, duration
and the not-a-provision cues (loans, prices, salaries, thresholds, instalments) are read
around the amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from benchmark.provisions.amounts import Amount, duration_months, find_amounts
from benchmark.provisions.cues import Cue, Cues
from benchmark.provisions.lexicon import GENERIC_BENEFIT, TITLE, Lexicon
from benchmark.provisions.structure import Line

_CLAUSE_BREAKS = ";。\n|"
_CLAUSE_BREAK_RE = re.compile(f"[{_CLAUSE_BREAKS}]")
_MAX_CLAUSE = 400  # characters; the longest clause stating an amount in the corpus has ~120
_SCHEDULE_RE = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*年")
_INSTALMENT_BEFORE_RE = re.compile(r"(?:分\s*|\+\s*|首期\s*|首发\s*|续发\s*|第[一二三]笔\s*:?\s*)$")
_INSTALMENT_LABEL_RE = re.compile(r"发放方式|分期|拨付方式")
_DURATION_LABEL_RE = re.compile(r"时长|期限|年限|发放期")
_BARE_DURATION_RE = re.compile(r"\s*(?P<num>\d+|[一二三四五六七八九十]+)\s*(?P<unit>年|个月)")
_WITHIN_GRANT_RE = re.compile(
    r"(?P<num>\d+|[一二三四五六七八九十]+)\s*(?P<unit>年|个月)内\s*(?:分别|连续|按年|按月)?\s*(?:给予|发放|每)")
_TOTAL_WORD_RE = re.compile(r"总计|合计|共计|累计|总额")
_TOTAL_CAP_BEFORE_RE = re.compile(r"(?:最高|累计|合计|总计|共计|总额)\s*(?:不超过)?\s*$")
# a generic benefit word attached to the figure before it ("1000 万元补贴", "3 万落地奖励")
_GENERIC_ATTACHED_RE = re.compile(
    r"\s*(?:/\s*[人年月]\s*)?(?!最长|最多|累计|连续|发放)[\u4e00-\u9fff]{0,2}(?:补贴|补助|奖励|资助|奖补|津贴)")
_ENUMERATION_LIMIT = 60  # characters over which "本科1.5万、硕士3万落地奖励" may run
_PERIOD_UNIT_RE = re.compile(r"^\s*/\s*(?:人\s*[/·]\s*)?[月年人户]")
# a person category named before the amount that is no tier of the vocabulary (新入户人才)
_UNKNOWN_PERSON_RE = re.compile(r"[\u4e00-\u9fff]{1,6}人才(?![公住房驿港卡服绿认计政工队项])")
_RATIO_RE = re.compile(r"\d\s*%|%")
_NOTE_RE = re.compile(r"\([^()]{0,12}\)")  # a short parenthetical note: "(2021年)"

# How directly the benefit of an amount is stated, most direct first.
BENEFIT_IN_CLAUSE, BENEFIT_IN_LINE, BENEFIT_ENCLOSING, BENEFIT_GENERIC = range(4)


@dataclass
class Found:
    """One amount value with everything read around it."""

    amount: Amount
    value: float
    tiers: list[str]
    benefit: str
    period: str
    is_cap: bool
    duration: int | None
    clause: tuple[int, int]
    schedule: bool = False  # one figure of a year-by-year schedule (第一年…第二年…)
    group: tuple = ()  # schedule figures of one list and tier, counted for their durations
    head: Amount | None = None  # the amount that named the tier this one continues
    benefit_level: int = 0  # BENEFIT_IN_CLAUSE … BENEFIT_GENERIC
    tier_from_context: bool = False  # the tier was not named next to the amount
    evidence: tuple[int, int] | None = None  # normalised span quoted as evidence (default: clause)


class DocumentReader:
    """Reads tier, benefit, period, cap and duration for the amounts of one document."""

    def __init__(self, t: str, lex: Lexicon, lines: list[Line], tiers: Cues, benefits: Cues,
                 by_line: dict[int, list[Amount]]):
        self.t, self.lex, self.lines, self.tiers, self.benefits = t, lex, lines, tiers, benefits
        self.by_line = by_line
        self.block_start = _block_starts(lines)
        self.definitions = self._category_definitions()
        # how many tiers the last ``_labels`` call saw named, generic ones included: a range
        # or an overall ceiling whose context names several tiers is nobody's amount
        self.breadth = 0
        # the cue that named the benefit in the last ``_benefit`` call (None: generic or none)
        self.benefit_cue: Cue | None = None

    def _category_definitions(self) -> list[tuple[int, str, list[str]]]:
        """Numbered categories defined as lists of tiers: ``3型：E类人才、全日制博士研究生``.

        Returns (position, category, tiers) in document order; an amount for the category
        is read as an amount for each listed tier (the nearest definition before it).
        """
        found = []  # (list block, position, category, listed cues)
        for line in self.lines:
            if line.kind not in ("list", "para") or line.index in self.by_line:
                continue
            cues = self.tiers.within(line.content_start, line.end)
            if len(cues) < 2 or cues[0].category is None:
                continue
            head = cues[0]
            if not re.match(r"\s*:", self.t[head.end:head.end + 3]) or head.start - line.content_start > 3:
                continue
            listed = [c for c in cues[1:] if c.start > head.end and c.label != TITLE]
            found.append((self.block_start[line.index], head.start, head.category, listed))
        # A degree span in one category (5型：…本科及以上) leaves out the degrees that another
        # category of the same list names itself (3型：…博士; 4型：…硕士): the contract's "except
        # degrees that the same provision pays separately", across the categories of one table.
        direct: dict[int, list[tuple[int, str]]] = {}  # list block → (category position, tier)
        for block, position, _, listed in found:
            direct.setdefault(block, []).extend(
                (position, c.label) for c in listed if not c.text.endswith("+"))
        out = []
        for block, position, category, listed in found:
            elsewhere = {label for where, label in direct[block] if where != position}
            labels = [c.label for c in listed if not (c.text.endswith("+") and c.label in elsewhere)]
            specific = [x for x in dict.fromkeys(labels) if x not in self.lex.generic_tiers]
            if specific:
                out.append((position, category, specific))
        return out

    # --- tiers ----------------------------------------------------------------------------
    def _labels(self, cues: list[Cue]) -> list[str] | None:
        """Tier labels of cues; a professional title alone gives ``[TITLE]``.

        A numbered category that the text defines as a list of tiers stands for those tiers.
        """
        if not cues:
            return None
        labels = []
        for cue in cues:
            defined = None
            if cue.category is not None:
                for position, category, tiers in self.definitions:
                    if position >= cue.start:
                        break
                    if category == cue.category:
                        defined = tiers
            labels.extend(defined or [cue.label])
        found = list(dict.fromkeys(labels))
        real = [x for x in found if x != TITLE]
        self.breadth = len(real)  # how many tiers were named, generic ones included
        if not real:
            return [TITLE]
        specific = [x for x in real if x not in self.lex.generic_tiers]
        return specific or real

    def _tiers_in(self, start: int, end: int) -> list[str] | None:
        return self._labels(self.tiers.within(start, end))

    def _tier_group_before(self, start: int, end: int) -> list[Cue] | None:
        """The tier cues of the group that ends nearest before ``end`` (``硕士、高级技师每月…``).

        Walking back from the last tier cue, an earlier cue joins the group unless the text
        between them moves on to another item: a list separator together with a benefit cue
        and no conjunction (``博士人才公寓一年免租、领军人才最高…`` keeps only 领军).
        """
        cues = self.tiers.within(start, end)
        if not cues:
            return None
        group = [cues[-1]]
        for cue in reversed(cues[:-1]):
            gap_start, gap_end = cue.end, group[-1].start
            later_generic = group[-1].label in self.lex.generic_tiers
            if gap_end > gap_start and _item_break(self.t[gap_start:gap_end], self.benefits.within(gap_start, gap_end),
                                                   later_generic):
                break
            group.append(cue)
        group.reverse()
        return group

    def _eligibility_lines(self, line: Line) -> list[Line]:
        """Lines that may state who is eligible for the amounts of ``line``, nearest first.

        The lines of the section before the amount's own list block, and lines of the block
        that start with an eligibility label (``对象：…``).
        """
        block = self.block_start[line.index]
        in_block: list[Line] = []
        label: Line | None = None
        for other in self.lines[block:line.index]:
            if label is not None and other.kind == "list" and other.indent > label.indent:
                in_block.append(other)  # an item of the eligibility label's own list
                continue
            label = None
            if other.kind in ("list", "para") and _ELIGIBILITY_RE.match(self.t, other.content_start, other.end):
                in_block.append(other)
                label = other if other.is_label else None
        out = list(reversed(in_block))
        # bounded: an eligibility list sits near its amounts, and long sections stay linear
        for other in reversed(self.lines[max(line.section_start, block - _ELIGIBILITY_LOOKBACK):block]):
            if other.kind in ("list", "para") and other.index not in self.by_line:
                out.append(other)
        return out

    def _is_condition(self, line: Line) -> bool:
        """The line states a condition of eligibility (``对象：…`` or an item under one)."""
        return any(_CONDITION_RE.search(self.t, x.content_start, x.end) for x in [line, *line.parents[-1:]])

    def _enclosing_tiers(self, line: Line, pos: int) -> list[str] | None:
        """Tiers for an amount whose own clause names none, from what encloses it: parent
        items and labels, the table row and column header, the section heading, the nearest
        eligibility list of the section, then outer headings. None if nothing names a tier.

        A level naming only a group word (高校毕业生) yields to a later one naming degrees:
        the contract reads a group word as ``graduate`` only when no degree is given.
        """
        group_only: list[str] | None = None
        for tiers in self._enclosing_tier_levels(line, pos):
            if not tiers:
                continue
            if all(x in self.lex.generic_tiers for x in tiers):
                group_only = group_only or tiers
                continue
            return tiers
        return group_only

    def _enclosing_tier_levels(self, line: Line, pos: int):
        for parent in reversed(line.parents):
            yield self._tiers_in(parent.content_start, parent.end)
        if line.kind == "table":
            # the row's label first, then the column's header, then the rest of the row
            for cell in _table_context(line, pos, tiers_first=True):
                yield self._tiers_in(*cell)
        headings = list(reversed(line.headings))
        if headings:
            yield self._tiers_in(headings[0].content_start, headings[0].end)
        # an eligibility list: the first block of lines naming tiers, all its tiers
        collected: list[Cue] = []
        last_index = None
        for other in self._eligibility_lines(line):
            cues = [c for c in self.tiers.within(other.content_start, other.end) if c.label != TITLE]
            if collected and (last_index is None or last_index - other.index > 1 or other.kind == "para" and not other.is_label):
                break
            if cues:
                collected.extend(cues)
                last_index = other.index
            elif collected:
                break
        if collected:
            yield self._labels(collected)
        for heading in headings[1:]:
            yield self._tiers_in(heading.content_start, heading.end)

    # --- benefits -------------------------------------------------------------------------
    def _valid_benefits(self, start: int, end: int) -> tuple[list[Cue], bool, bool]:
        """Specific benefit cues of [start, end), whether a generic cue is there, and whether
        the benefit words there name a loan/price/salary (``创业担保贷款``)."""
        cues = self.benefits.within(start, end)
        bad = [m.start() for m in self.lex.not_provision_re.finditer(self.t, start, end)]
        compound_bad = any(0 <= b - c.end <= 2 for c in cues for b in bad)
        specific = [c for c in cues if c.label != GENERIC_BENEFIT
                    and not any(0 <= b - c.end <= 2 for b in bad)]
        generic = any(c.label == GENERIC_BENEFIT for c in cues)
        strong = [c for c in specific if not c.weak]
        return strong or specific, generic, compound_bad and not specific

    def _benefit_near(self, start: int, end: int, anchor: int, anchor_end: int,
                      skip: tuple[int, int] = (0, 0)) -> tuple[str | None, bool]:
        """Benefit in [start, end) nearest to the amount at [anchor, anchor_end).

        A cue right after the amount (``12万元生活补贴``) wins; then the nearest one before it;
        then one after it. Cues inside ``skip`` (the span of the amount's tier group, as in
        ``放弃购房补贴的B/C/D类``) qualify the tier and are not the benefit. Returns (specific
        benefit or None, whether a generic cue was seen).
        """
        specific, generic, _ = self._valid_benefits(start, end)
        specific = [c for c in specific if not (skip[0] <= c.start < skip[1])]
        after = [c for c in specific if c.start >= anchor_end]
        if after and _ATTACHED_RE.fullmatch(self.t, anchor_end, after[0].start):
            self.benefit_cue = after[0]
            return after[0].label, generic  # "12万元生活补贴", "3万元的一次性安家费"
        before = [c for c in specific if c.end <= anchor and not self._other_item(c.end, anchor)]
        if before:
            self.benefit_cue = before[-1]
            return before[-1].label, generic
        if after:
            self.benefit_cue = after[0]
            return after[0].label, generic
        return None, generic

    def _other_item(self, start: int, end: int) -> bool:
        """Text [start, end) between a benefit cue and an amount passes into another item:
        a separator then another tier (``博士公寓免租、领军人才最高1000万元``), unless the cue
        is a label (``购房补贴：博士20万、硕士10万``)."""
        gap = self.t[start:end]
        match = _ENUMERATION_RE.search(gap)
        if ":" in gap or not match or not self.tiers.within(start + match.start(), end):
            return False
        if find_amounts(self.t, start, start + match.start()):
            return False  # "生活补贴2000元、博士每月3000元": the next item goes on in parallel
        # ...and the cue itself sits in an item with a tier of its own ("博士…免租、")
        low = max(0, start - 40)
        item_start = max(low - 1, *(self.t.rfind(sep, low, start) for sep in "、;,:\n"))
        return any(c.label not in self.lex.generic_tiers
                   for c in self.tiers.within(item_start + 1, start))

    def _benefit(self, line: Line, clause: tuple[int, int], amount: Amount,
                 tier_span: tuple[int, int]) -> tuple[str | None, int]:
        """The benefit of an amount and how directly it is stated (a ``BENEFIT_*`` level).

        A project grant is read by what its clause says the project is: ``开展研发攻关的，
        给予最高100万元项目资助`` and ``技术合作项目…给予最高60万元支持`` are research funding
        (the contract's "项目经费 for research"), not start-up money nor a generic cash benefit.
        """
        self.benefit_cue = None
        benefit, level = self._benefit_named(line, clause, amount, tier_span)
        # only a start-up reading or a generic one: a named cash benefit (一次性奖励, 奖金) for
        # a research project is still that benefit
        project_grant = benefit == "startup_funding" or (benefit == "other_cash" and level == BENEFIT_GENERIC)
        if project_grant and self._research_project(line, clause):
            return "research_funding", level
        return benefit, level

    def _research_project(self, line: Line, clause: tuple[int, int]) -> bool:
        """The amount's clause says research and not start-up, and its line (or cell) names a
        project (``项目资助：…；研发攻关最高100万元`` names it in an earlier clause)."""
        lex = self.lex
        scope_start = _cell_of(line, clause[0])[0] if line.kind == "table" else line.content_start
        return bool(lex.project_re.search(self.t, scope_start, clause[1])
                    and lex.research_project_re.search(self.t, *clause)
                    and not lex.startup_project_re.search(self.t, *clause))

    def _benefit_named(self, line: Line, clause: tuple[int, int], amount: Amount,
                       tier_span: tuple[int, int]) -> tuple[str | None, int]:
        benefit, generic_seen = self._benefit_near(*clause, amount.start, amount.end, tier_span)
        if benefit:
            return benefit, BENEFIT_IN_CLAUSE
        if self._generic_named_after(amount, clause):
            # "1000 万元补贴", "本科 1.5 万、硕士 3 万落地奖励": named, though not by our lexicon
            return "other_cash", BENEFIT_GENERIC
        clause_generic = generic_seen
        # earlier clauses of the same list item or cell ("购房补贴：博士20万；硕士10万"); in a
        # running paragraph an earlier sentence is another matter
        scope_start = _cell_of(line, amount.start)[0] if line.kind == "table" else line.content_start
        scope_end = clause[0]
        if line.kind == "para":
            # only a run-in title opening the paragraph ("第三条 购房补贴。博士…")
            first = _CLAUSE_BREAK_RE.search(self.t, line.content_start, clause[0])
            short = first is not None and first.start() - line.content_start <= _RUN_IN_TITLE
            scope_end = first.start() if short else scope_start
        if scope_end > scope_start:
            benefit, generic = self._benefit_near(scope_start, scope_end, scope_end, scope_end)
            generic_seen |= generic
            if benefit:
                return benefit, BENEFIT_IN_LINE
        # "…补贴 750 元" says it is a cash benefit: only what directly encloses it may say more
        spans = self._enclosing_spans(line, amount.start, close_only=clause_generic)
        for start, end, strong_only in spans:
            specific, generic, excluded = self._valid_benefits(start, end)
            if strong_only:
                specific = [c for c in specific if not c.weak]
            if excluded:
                return None, BENEFIT_GENERIC
            if specific:
                self.benefit_cue = specific[0]
                return specific[0].label, BENEFIT_ENCLOSING  # an enclosing line names its topic first
            generic_seen |= generic
        if generic_seen:
            return "other_cash", BENEFIT_GENERIC
        # last resort: the lines right after the list, which often say what it was
        # ("- 学士：720元/月" … "本科生在这个口径下也能拿到相对明确的租房支持")
        for other in self.lines[line.index + 1: line.index + 1 + _FOLLOWING_LOOKAHEAD]:
            if other.kind == "heading":
                break
            if other.index in self.by_line or other.kind == "table":
                continue
            specific, _, excluded = self._valid_benefits(other.content_start, other.end)
            if excluded:
                break
            if specific:
                self.benefit_cue = specific[0]
                return specific[0].label, BENEFIT_GENERIC
        return None, BENEFIT_GENERIC

    def _generic_named_after(self, amount: Amount, clause: tuple[int, int]) -> bool:
        """A generic benefit word is attached to this figure, or to the last figure of the
        enumeration it opens (``本科 1.5 万、硕士 3 万落地奖励``). Checked figure by figure, with
        no backtracking regex, so long enumerations stay linear."""
        end = min(clause[1], amount.end + _ENUMERATION_LIMIT)
        last = amount
        for later in find_amounts(self.t, amount.end, end):
            gap = self.t[last.end:later.start]
            if not re.fullmatch(r"[^;。:]{0,12}", gap) or not re.search(r"[、,]", gap):
                break
            last = later
        return bool(_GENERIC_ATTACHED_RE.match(self.t, last.end, clause[1]))

    def _enclosing_spans(self, line: Line, pos: int, close_only: bool = False):
        for parent in reversed(line.parents):
            yield parent.content_start, parent.end, False
        # the item just before this one (or before its parent), when it names a benefit in
        # full: "- …可申领生活补助" then "- 特级人才：…"
        for item in ([] if close_only else [line, *reversed(line.parents)]):
            if item.kind != "list" or item.index == 0:
                continue
            other = self.lines[item.index - 1]
            if other.kind == "list" and other.indent == item.indent:
                cues = [c for c in self.benefits.within(other.content_start, other.end)
                        if c.label != GENERIC_BENEFIT and not c.weak]
                if cues:
                    yield other.content_start, other.end, False
                    break
        if line.kind == "table":
            for cell in _table_context(line, pos, tiers_first=False):
                yield *cell, False
        headings = list(reversed(line.headings))
        if headings:
            yield headings[0].content_start, headings[0].end, False
        record = self._record_name_line(line)
        if record is not None:
            yield record.content_start, record.end, False
        if close_only:
            return
        # conditions ("就业或自主创业", "在本区租房") name topics, not the benefit: there only
        # a full benefit name counts
        for other in self._eligibility_lines(line):
            yield other.content_start, other.end, self._is_condition(other)
        for heading in headings[1:]:
            yield heading.content_start, heading.end, False

    def _record_name_line(self, line: Line) -> Line | None:
        """A field line of a record of consecutive lines (``名称: …生活补贴`` … ``补贴内容: 3万元``,
        ``2.安居补贴`` then ``补贴金额：每月1250元``): the nearest earlier line of the record that
        names a benefit in full names this line's benefit, as a heading would. The record ends
        at a blank line, a heading, a table or a line with an amount of its own."""
        if line.kind != "para" or not _FIELD_LINE_RE.match(self.t, line.content_start, line.end):
            return None
        for other in reversed(self.lines[max(0, line.index - _RECORD_LOOKBACK):line.index]):
            if other.kind not in ("para", "list") or other.index in self.by_line:
                return None
            cues = [c for c in self.benefits.within(other.content_start, other.end)
                    if c.label != GENERIC_BENEFIT and not c.weak]
            if cues:
                return other
        return None

    # --- one line ---------------------------------------------------------------------------
    def read_line(self, line: Line, amounts: list[Amount]) -> list[Found]:
        t = self.t
        if any(_INSTALMENT_LABEL_RE.search(t, p.content_start, p.end) for p in line.parents[-1:]):
            return []  # the items of a 发放方式 list are instalments of an amount stated above
        if self._total_of_previous_item(line, amounts):
            return []
        out: list[Found] = []
        clauses: dict[tuple[int, int], list[Amount]] = {}
        for amount in amounts:
            clauses.setdefault(_clause_of(t, line, amount.start), []).append(amount)
        carried: list[str] | None = None  # the tiers of the line's previous clause
        for clause, clause_amounts in clauses.items():
            if self.lex.not_stated_re.search(t, *clause):
                continue
            found = self._read_clause(line, clause, clause_amounts, carried)
            carried = found[-1].tiers if found else carried
            out.extend(found)
        return out

    def _total_of_previous_item(self, line: Line, amounts: list[Amount]) -> bool:
        """``- 每年度 5万元`` then ``- 最高 25万元``, or ``每月1250元`` … ``总计最高2.4万元``: the
        later figure is the total of a recurring amount just above, not a provision."""
        first = amounts[0]
        before = self.t[line.content_start:first.start]
        if self.tiers.within(line.content_start, first.start):
            return False
        if line.kind == "list" and line.index - 1 in self.by_line:
            prev = self.lines[line.index - 1]
            if not (prev.kind == "list" and prev.indent == line.indent and _TOTAL_CAP_BEFORE_RE.search(before)):
                return False
        elif _TOTAL_WORD_RE.search(before):
            # a sum word: look for the recurring amount in the few lines above
            above = [i for i in range(line.index - 1, max(-1, line.index - 4), -1) if i in self.by_line]
            if not above:
                return False
            prev = self.lines[above[0]]
        else:
            return False
        prev_amount = self.by_line[prev.index][-1]
        after = self.t[prev_amount.end:prev.end]
        return _period(self.lex, self.t[prev.content_start:prev_amount.start], after) != "once"

    def _read_clause(self, line: Line, clause: tuple[int, int], amounts: list[Amount],
                     carried: list[str] | None = None) -> list[Found]:
        t, lex = self.t, self.lex
        # First pass: what each amount says by itself, and which amounts are not benefits.
        items = []  # (amount, segment start, own tier cues or None)
        prev_end = clause[0]
        for amount in amounts:
            seg_start, prev_end = prev_end, amount.end
            segment = t[seg_start:amount.start]
            after = _PERIOD_UNIT_RE.sub("", t[amount.end:min(amount.end + 16, clause[1] + 16)], count=1)
            note = _open_paren(t, clause[0], amount.start)
            inside_note = note is not None and any(a.start < note for a, *_ in items)
            # "超过903088元（2021年）、1020280元（2022年）": the figures listed after a figure
            # that is no benefit, with nothing but a separator and a note between, are alike
            follows_excluded = bool(items) and not items[-1][3] and _bare_gap(_NOTE_RE.sub("", segment))
            if (inside_note  # "10万元(其中市级5万元…)", "每月1250元(税后1000元)": parts or restatements
                    or follows_excluded or lex.threshold_before_re.search(segment)
                    or lex.threshold_re.match(after) or _INSTALMENT_BEFORE_RE.search(segment)
                    or lex.currency_before_re.search(segment) or lex.currency_after_re.match(after)
                    or lex.aggregate_re.search(segment)
                    or _excluded(lex, self.benefits, segment, seg_start, amount.start)
                    or _RATIO_RE.match(after)):
                items.append((amount, seg_start, None, False))
                continue
            items.append((amount, seg_start, self._tier_group_before(seg_start, amount.start), True))
        kept = [(a, s, own) for a, s, own, ok in items if ok]
        respective = _respective(kept, self.lex.generic_tiers)
        if (len(kept) >= 2 and all(own is None and len(a.values) == 1 for a, _, own in kept)
                and all(_bare_gap(t[s:a.start]) for a, s, _ in kept[1:])):
            # "3万元，6万元，10万元" under "本科、硕士、博士": figures in the order of the tiers
            context = self._enclosing_tiers(line, kept[0][0].start) or []
            if len(context) == len(kept):
                respective.update({a: [tier] for (a, _, _), tier in zip(kept, context, strict=True)})
        # tiers that the clause pays with an amount of their own ("本科及以上1万元，博士3万元")
        named = {id(a): {c.label for c in own if not c.text.endswith("+")} for a, _, own in kept if own}

        out: list[Found] = []
        prev_tiers: list[str] | None = None
        prev_period = "once"
        head: Amount | None = None
        bare_followers = 0
        for position, (amount, seg_start, own) in enumerate(kept):
            segment = t[seg_start:amount.start]
            after = t[amount.end:min(amount.end + 12, clause[1] + 12)]
            schedule = bool(_SCHEDULE_RE.search(segment))
            tier_span = (own[0].start, own[-1].end) if own else (0, 0)
            tier_from_context = own is None
            if amount in respective:
                tiers = respective[amount]
            elif own is not None:
                tiers = self._labels(own)
                head, bare_followers = amount, 0
            elif _UNKNOWN_PERSON_RE.search(segment) and "其中" not in segment:
                tiers = ["any"]  # a category the vocabulary has no tier for (新入户人才, 特聘人才)
            elif position == 0 and carried and _CONTINUATION_RE.search(segment):
                tiers = carried  # "…；出站留用的再给予30万元": the same people as the clause before
            elif position > 0 and prev_tiers is not None:
                # a later amount with no tier of its own: a total cap of a recurring amount
                # ("2万元/年，最高10万元") is not a provision; a short enumeration gap with no
                # benefit word ("5 万、6 万、7 万") does not say whom each figure is for
                if prev_period != "once" and _TOTAL_CAP_BEFORE_RE.search(segment):
                    continue
                if not schedule and _bare_gap(segment) and not self.benefits.within(seg_start, amount.start):
                    bare_followers += 1
                    continue
                tiers = prev_tiers
            else:
                self.breadth = 0
                tiers = self._enclosing_tiers(line, amount.start) or ["any"]
                if amount.is_range and (self.breadth > 1 or _SPREAD_RE.search(t, *clause)):
                    continue  # a range over several tiers or "各类人才", with no split
                if self.breadth > 1 and _OVERALL_CAP_RE.search(segment):
                    continue  # "单人最高150万元" over several listed tiers: a ceiling, no one's amount
            if tiers == [TITLE]:
                prev_tiers, prev_period = tiers, "once"
                continue
            tiers = [x for x in tiers if x != TITLE]
            if own is not None:
                # a degree span leaves out the degrees this clause pays separately
                spanned = {c.label for c in own if c.text.endswith("+")}
                elsewhere = set().union(*(v for k, v in named.items() if k != id(amount)))
                tiers = [x for x in tiers if not (x in spanned and x in elsewhere)] or tiers
            if amount.is_range and (len(tiers) > 1
                                    or own is not None and len({c.label for c in own if c.label != TITLE}) > 1):
                continue  # a range over several tiers with no split is not a record
            slash_tiers = None
            if len(amount.values) > 1 and own is None and amount not in respective:
                # "180/100/50/20/10万" with no tier beside it: only if the context names as
                # many tiers, in order; otherwise nobody can say whose figure is whose
                if len(tiers) != len(amount.values):
                    continue
                slash_tiers = tiers
            benefit, benefit_level = self._benefit(line, clause, amount, tier_span)
            if benefit is None:
                continue
            period = _period(lex, segment, after)
            if schedule and period == "once":
                period = "year"
            if (benefit == "housing_purchase" and period != "once" and self.benefit_cue is not None
                    and lex.tenure_neutral_housing_re.search(self.benefit_cue.text)):
                # "安居补贴 每月1250元": a housing allowance not tied to buying, paid monthly or
                # yearly, is the contract's "住房补贴 paid monthly/yearly"
                benefit = "rent_subsidy"
            if period == "once" and own is None and position > 0 and _bare_gap(segment):
                period = prev_period  # "月度上限2000元/1500元": the second figure is monthly too
            is_cap = bool(lex.cap_before_re.search(segment) or lex.cap_after_re.match(after))
            duration = None
            if period != "once":
                duration = 12 if schedule and period == "year" else None
                if duration is None and not schedule:
                    duration = self._duration(line, clause, amount, period)
            group = (line.parents[-1].index if line.parents else -1, tuple(tiers), benefit)
            for k, value in enumerate(amount.values):
                value_tiers = [slash_tiers[k]] if slash_tiers else tiers
                out.append(Found(amount, value, value_tiers, benefit, period, is_cap, duration, clause,
                                  schedule=schedule, group=group, head=head,
                                  benefit_level=benefit_level, tier_from_context=tier_from_context,
                                  evidence=_row_evidence(line, clause)))
            prev_tiers, prev_period = tiers, period
            if bare_followers >= 2 and head is not None:
                # several figures for one tier with nothing to tell them apart: none is a record
                out = [f for f in out if f.head is not head]
        if bare_followers >= 2 and head is not None:
            out = [f for f in out if f.head is not head and f.amount is not head]
        return out

    def _duration(self, line: Line, clause: tuple[int, int], amount: Amount, period: str) -> int | None:
        t, lex = self.t, self.lex
        # a total cap after a recurring amount gives the number of periods (5万元/年，最高25万元)
        tail = find_amounts(t, amount.end, clause[1])
        if not tail and line.index + 1 in self.by_line:
            nxt = self.lines[line.index + 1]
            if nxt.kind == line.kind and nxt.indent == line.indent:
                tail = self.by_line[nxt.index][:1]
                if tail and (not _TOTAL_CAP_BEFORE_RE.search(t[nxt.content_start:tail[0].start])
                             or self.tiers.within(nxt.content_start, tail[0].start)):
                    tail = []  # the next item is another tier's figure, not this one's total
                months = _periods(tail[0].values[0], amount.values[0], period) if tail else None
                if months:
                    return months
                tail = []
        if tail and _TOTAL_CAP_BEFORE_RE.search(t[amount.end:tail[0].start]):
            months = _periods(tail[0].values[0], amount.values[0], period)
            if months:
                return months
        # the nearest statement of a duration that belongs to this amount: not past the next
        # tier of the clause, not before this amount's own tier
        later = self.tiers.within(amount.end, clause[1])
        after_end = later[0].start if later else clause[1]
        earlier = self.tiers.within(clause[0], amount.start)
        before_start = earlier[-1].start if earlier else clause[0]
        # a duration stated once after the last figure of the clause holds for all of them
        # ("本科每月1000元、硕士每月1500元，最长不超过3年")
        last = find_amounts(t, amount.end, clause[1])
        trailing = (last[-1].end if last else amount.end, clause[1])
        for start, end in ((amount.end, after_end), (before_start, amount.start), trailing):
            match = lex.duration_re.search(t, start, end)
            if match:
                months = duration_months(match.group("num"), match.group("unit"))
                if months:
                    return months
        # "三年内分别给予每年3万元": a period that opens the grant (not "毕业3年内的")
        match = _WITHIN_GRANT_RE.search(t, clause[0], amount.start)
        if match:
            months = duration_months(match.group("num"), match.group("unit"))
            if months:
                return months
        # later lines of the same block: "补贴期限不超过 3 年", or a 发放时长 label and its item
        label_seen = False
        for other in self.lines[line.index + 1: line.index + 1 + _DURATION_LOOKAHEAD]:
            if other.kind == "heading":
                break
            match = lex.duration_re.search(t, other.content_start, other.end)
            if match:
                return duration_months(match.group("num"), match.group("unit"))
            if label_seen:
                bare = _BARE_DURATION_RE.match(t, other.content_start, other.end)
                if bare:
                    return duration_months(bare.group("num"), bare.group("unit"))
            if other.is_label and _DURATION_LABEL_RE.search(t, other.content_start, other.end):
                label_seen = True
        for parent in reversed(line.parents):
            match = lex.duration_re.search(t, parent.content_start, parent.end)
            if match:
                return duration_months(match.group("num"), match.group("unit"))
        return None


def _periods(total: float, per: float, period: str) -> int | None:
    if per <= 0:
        return None
    count = total / per
    if abs(count - round(count)) < 1e-6 and 1 < count <= 20:
        return int(round(count)) * (12 if period == "year" else 1)
    return None


_ELIGIBILITY_LOOKBACK = 40  # lines
_RECORD_LOOKBACK = 8  # lines: the fields of one record (名称, 学历要求, 补贴内容…)
# a line that is one field of a record: a short label, a colon, its value ("补贴内容: 3万元")
_FIELD_LINE_RE = re.compile(r"[\s*_]*[\u4e00-\u9fff]{2,8}[\s*_]*:")
_FOLLOWING_LOOKAHEAD = 8  # lines
_DURATION_LOOKAHEAD = 15  # lines
_BARE_GAP_RE = re.compile(r"[\s、,/或和及与等*_]*(?:(?:单人|个人|每人)?(?:最高|最多|不超过|上限|封顶))?[\s*_]*")
_CONTINUATION_RE = re.compile(r"再(?:给予|发放|奖励|补贴|资助)|另(?:行)?给予|增加(?:给予|发放)|还可(?:享受|申请|获得)|同时给予|其中")
# what may stand between an amount and the benefit word it names ("/人", "的", "一次性")
_ATTACHED_RE = re.compile(r"\s*(?:/\s*[人年月户]\s*)*(?:的)?\s*(?:一次性)?\s*")
_CONDITION_RE = re.compile(r"对象|条件|满足|要求|门槛|资格")
_TIER_LIST_GAP = 6  # characters between two tiers of one list ("全日制", "普通高校")
_RUN_IN_TITLE = 16  # characters: a paragraph's opening clause this short is its title
_ELIGIBILITY_RE = re.compile(r"[^:;,。\n]{0,8}?(?:对象|条件|范围|要求)(?:包括|如下|为)?\s*:")
_ITEM_SEPARATOR_RE = re.compile(r"[,;:。]|、")
_ENUMERATION_RE = re.compile(r"[、;]")
_LOAN_RE = re.compile(r"贷款|担保")
# a range said to spread over categories: "覆盖各类人才", "不同层级", "补贴区间"
_OVERALL_CAP_RE = re.compile(r"(?:单人|个人|每人)(?:最高|上限|封顶)")
_SPREAD_RE = re.compile(r"各类|各层次|各层级|不同层级|不同层次|分层|分档|区间|梯度")


def _item_break(gap: str, benefit_cues: list[Cue], later_generic: bool = False) -> bool:
    """The text between two tier cues moves on to another item of a list."""
    if ":" in gap or ";" in gap or "。" in gap:
        return True
    if _ITEM_SEPARATOR_RE.search(gap) and not re.search(r"以及|及|和|与|或", gap):
        # "硕士、高级技师" is one list of tiers; "博士人才公寓一年零租金、领军人才" is two items
        words = re.sub(r"[\s,;:、。*_]", "", gap)
        return bool(benefit_cues) or (len(words) > _TIER_LIST_GAP and not later_generic)
    return False


def _open_paren(t: str, start: int, end: int) -> int | None:
    """Position of the innermost "(" still open at ``end`` (scanning from ``start``), if any."""
    stack: list[int] = []
    pos = t.find("(", start, end)
    close = t.find(")", start, end)
    while pos != -1 or close != -1:
        if close == -1 or (pos != -1 and pos < close):
            stack.append(pos)
            pos = t.find("(", pos + 1, end)
        else:
            if stack:
                stack.pop()
            close = t.find(")", close + 1, end)
    return stack[-1] if stack else None


def _bare_gap(segment: str) -> bool:
    """Nothing but an enumeration separator, perhaps with a ceiling word, between two figures
    (``5 万、6 万``, ``本科10万、最高150万``): the second figure names no recipient or period
    of its own (unlike ``博士1万且每月4000元``)."""
    return bool(_BARE_GAP_RE.fullmatch(segment))


def _block_starts(lines: list[Line]) -> list[int]:
    """For each line, the first line of its list block (a label paragraph and its items)."""
    starts, current = [], 0
    for line in lines:
        if line.kind == "list":
            if not starts or lines[line.index - 1].kind not in ("list",) and not lines[line.index - 1].is_label:
                current = line.index
        elif line.kind == "para" and line.is_label:
            current = line.index
        else:
            current = line.index
        starts.append(current)
    return starts


def _respective(kept: list[tuple[Amount, int, list[Cue] | None]],
                generic: frozenset[str]) -> dict[Amount, list[str]]:
    """``博士、硕士、本科分别给予3000元、2000元、1000元``: k tier mentions then k amounts, in order.

    A mention is one place that names tiers (``B/C/D类`` or ``本科及以上`` is one mention);
    generic words (毕业生) do not count when the mentions name degrees. A title mention keeps
    its place in the order and yields ``[TITLE]`` (no record).
    """
    out: dict[Amount, list[str]] = {}
    i = 0
    while i < len(kept):
        _, _, own = kept[i]
        j = i + 1
        while j < len(kept) and kept[j][2] is None:
            j += 1
        if own is not None and j - i >= 2:
            mentions: dict[int, list[str]] = {}
            for cue in own:
                mentions.setdefault(cue.start, []).append(cue.label)
            groups = list(mentions.values())
            specific = [g for g in groups if not set(g) <= generic]
            groups = specific or groups
            if len(groups) == j - i:
                for k, labels in enumerate(groups):
                    out[kept[i + k][0]] = list(dict.fromkeys(labels))
        i = j
    return out


def _excluded(lex: Lexicon, benefits: Cues, segment: str, seg_start: int, amount_start: int) -> bool:
    """The amount is a loan, price, salary, budget…: the last not-a-provision cue before it
    comes after the last benefit cue. Loans (贷款, 担保) are looked for across the whole
    segment; the other cues only in the amount's own phrase (after the last comma), so that
    "见习补贴按最低工资的60%发放，每人每月1200元" is still a subsidy."""
    phrase_start = segment.rfind(",") + 1
    bad = [m for m in lex.not_provision_re.finditer(segment)
           if m.start() >= phrase_start or _LOAN_RE.match(m.group())]
    if not bad:
        return False
    cues = benefits.within(seg_start, amount_start)
    return not cues or cues[-1].start - seg_start < bad[-1].start()


def _period(lex: Lexicon, segment: str, after: str) -> str:
    if lex.month_after_re.match(after):
        return "month"
    if lex.year_after_re.match(after):
        return "year"
    # a period word before the amount counts only in the same phrase ("每月最高2000元"), not
    # across a comma ("不是月度补贴，而是15万元安家费")
    segment = segment[segment.rfind(",") + 1:]
    month = [m.end() for m in lex.month_before_re.finditer(segment)]
    year = [m.end() for m in lex.year_before_re.finditer(segment)]
    if month or year:
        return "month" if (month[-1] if month else -1) > (year[-1] if year else -1) else "year"
    return "once"


def _table_context(line: Line, pos: int, tiers_first: bool) -> list[tuple[int, int]]:
    """Cells that give context to an amount in a table row.

    For a benefit the column's header comes first (``| 硕士 | … | 10 万元/人 |`` under
    ``市级安家费``), then the row's label; for a tier, the row's label first.
    """
    cells = [c for c in line.cells if c[1] > c[0]]
    header_cells = line.header.cells if line.header else []
    column = next((i for i, c in enumerate(line.cells) if c[0] <= pos < c[1]), None)
    own_header = [header_cells[column]] if column is not None and column < len(header_cells) else []
    row_label = cells[:1]
    ordered = (row_label + own_header) if tiers_first else (own_header + row_label)
    rest = [c for c in cells if c not in ordered]
    return ordered + rest + ([(line.header.start, line.header.end)] if line.header else [])


def _cell_of(line: Line, pos: int) -> tuple[int, int]:
    for cell in line.cells:
        if cell[0] <= pos < cell[1]:
            return cell
    return line.content_start, line.end


def _clause_of(t: str, line: Line, pos: int) -> tuple[int, int]:
    """The clause around ``pos``: between ``;``/``。``/line/cell breaks.

    A run-on clause longer than ``_MAX_CLAUSE`` (real ones stay well under it) is read in a
    window around the amount, so that a pathological input cannot make reading quadratic.
    """
    if line.kind == "table":
        lo, hi = _cell_of(line, pos)
    else:
        lo, hi = line.content_start, line.end
    start = max(lo, *(t.rfind(ch, lo, pos) + 1 for ch in _CLAUSE_BREAKS))
    m = _CLAUSE_BREAK_RE.search(t, pos, hi)
    end = m.start() if m else hi
    if end - start > _MAX_CLAUSE:
        start, end = max(start, pos - _MAX_CLAUSE // 2), min(end, pos + _MAX_CLAUSE // 2)
    return start, end


def _row_evidence(line: Line, clause: tuple[int, int]) -> tuple[int, int] | None:
    """In a table row, quote from the row's label to the amount's clause (``硕士 | … | 10 万元/人``)."""
    if line.kind != "table":
        return None
    first = next((c for c in line.cells if c[1] > c[0] and c[0] < clause[0]), None)
    return (first[0], clause[1]) if first else None
