"""Turn a policy document into provision records (``shared/spec/provisions.md``).

How it works, in one pass per kind of cue over the whole normalised text:
1. every money amount, tier cue and benefit cue is found with one compiled regex each;
2. each amount is placed in its line, clause (text between ``;``/``。``) and segment (text
   since the previous amount of the clause); the tier and benefit are read from the nearest
   level that names one: segment → clause → line → parent list items/labels → table row and
   header → earlier lines of the section → headings;
3. period, cap, duration and the not-a-provision cues (loans, prices, salaries, thresholds,
   instalments) are read around the amount.
Offsets are mapped back to the document as read, so ``evidence == text[start:end]``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.provisions.amounts import Amount, duration_months, find_amounts
from benchmark.provisions.lexicon import (
    GENERIC_BENEFIT,
    TITLE,
    Lexicon,
    class_tiers,
    default_class_patterns,
    default_lexicon,
)
from benchmark.provisions.normalise import NormalisedText, normalise
from benchmark.provisions.structure import Line, parse_lines

PROVISION_COLUMNS = [
    "doc", "tier", "benefit", "amount_cny", "amount_max_cny", "period", "duration_months",
    "is_cap", "start", "end", "evidence",
]
READABLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")

_CLAUSE_BREAK_RE = re.compile(r"[;。\n|]")
_SCHEDULE_RE = re.compile(r"第\s*[一二三四五六七八九十\d]+\s*年")
_INSTALMENT_BEFORE_RE = re.compile(r"(?:分\s*|\+\s*|首期\s*|首发\s*|续发\s*|第[一二三]笔\s*:?\s*)$")
_INSTALMENT_LABEL_RE = re.compile(r"发放方式|分期|拨付方式")
_DURATION_LABEL_RE = re.compile(r"时长|期限|年限|发放期")
_BARE_DURATION_RE = re.compile(r"^\s*(?P<num>\d+|[一二三四五六七八九十]+)\s*(?P<unit>年|个月)")
_TOTAL_CAP_BEFORE_RE = re.compile(r"(?:最高|累计|合计|总计|共计|总额)\s*(?:不超过)?\s*$")
_RESPECTIVE_RE = re.compile(r"分别")
_URL_RE = re.compile(r"https?://")
_RATIO_RE = re.compile(r"\d\s*%|%")


@dataclass
class _Cue:
    start: int
    end: int
    label: str  # tier / benefit / "_class" / GENERIC_BENEFIT
    text: str


class _Cues:
    """Sorted cue positions with range queries."""

    def __init__(self, cues: list[_Cue]):
        self.cues = cues
        self.starts = [c.start for c in cues]

    def within(self, start: int, end: int) -> list[_Cue]:
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_left(self.starts, end)
        return [c for c in self.cues[lo:hi] if c.end <= end]


@dataclass
class _Found:
    """One amount value with everything read around it."""

    amount: Amount
    value: float
    tiers: list[str]
    benefit: str
    period: str
    is_cap: bool
    duration: int | None
    clause: tuple[int, int]
    schedule: bool = False
    group: tuple = ()


class ProvisionExtractor:
    """Extract provision records from text (scikit-learn style: configuration in ``__init__``).

    Parameters
    ----------
    lexicon : Lexicon, optional
        Compiled cues; the packaged ``resources/lexicon/provisions.yaml`` by default.
    skip_references : bool
        Ignore amounts under headings of citation lists (引用/链接/来源), which repeat the text.
    """

    def __init__(self, lexicon: Lexicon | None = None, skip_references: bool = True):
        self.lexicon = lexicon
        self.skip_references = skip_references

    # --- public ---------------------------------------------------------------------------
    def extract(self, text: str, doc: str) -> list[dict]:
        lex = self.lexicon or default_lexicon()
        norm = normalise(text)
        t = norm.text
        amounts = find_amounts(t)
        if not amounts:
            return []
        lines = parse_lines(t)
        line_starts = [line.start for line in lines]
        tiers = _Cues(self._tier_cues(t, lex))
        benefits = _Cues([
            _Cue(m.start(), m.end(), lex.benefit_group[m.lastgroup], m.group())
            for m in lex.benefit_re.finditer(t)
        ])
        ctx = _Context(t, lex, lines, tiers, benefits)

        found: list[_Found] = []
        by_line: dict[int, list[Amount]] = {}
        for amount in amounts:
            index = bisect.bisect_right(line_starts, amount.start) - 1
            by_line.setdefault(index, []).append(amount)
        for index, line_amounts in by_line.items():
            line = lines[index]
            if line.kind in ("heading", "blank"):
                continue
            if self.skip_references and (line.in_references or _URL_RE.search(t, line.start, line.end)):
                continue
            found.extend(ctx.read_line(line, line_amounts))
        _fill_schedule_durations(found)
        return _records(found, norm, doc)

    def _tier_cues(self, t: str, lex: Lexicon) -> list[_Cue]:
        cues: list[_Cue] = []
        patterns = default_class_patterns()
        for m in lex.tier_re.finditer(t):
            label = lex.tier_group[m.lastgroup]
            if label == "_class":
                for tier in class_tiers(m.group(), patterns):
                    cues.append(_Cue(m.start(), m.end(), tier, m.group()))
                continue
            cues.append(_Cue(m.start(), m.end(), label, m.group()))
            if label in lex.degree_ladder:
                span = lex.span_suffix_re.match(t, m.end())
                if span:
                    for higher in lex.degree_ladder[lex.degree_ladder.index(label) + 1:]:
                        cues.append(_Cue(m.start(), span.end(), higher, m.group() + "+"))
        cues.sort(key=lambda c: (c.start, c.end))
        return cues


class _Context:
    """Reads tier, benefit, period, cap and duration for the amounts of one document."""

    def __init__(self, t: str, lex: Lexicon, lines: list[Line], tiers: _Cues, benefits: _Cues):
        self.t, self.lex, self.lines, self.tiers, self.benefits = t, lex, lines, tiers, benefits

    # --- tiers ----------------------------------------------------------------------------
    def _tier_set(self, start: int, end: int) -> list[str] | None:
        """Tiers named in [start, end); None if none (a title alone gives ``[TITLE]``)."""
        cues = self.tiers.within(start, end)
        if not cues:
            return None
        found = list(dict.fromkeys(c.label for c in cues))
        real = [x for x in found if x != TITLE]
        if not real:
            return [TITLE]
        specific = [x for x in real if x not in self.lex.generic_tiers]
        return specific or real

    def _enclosing_tiers(self, line: Line) -> list[str] | None:
        for parent in reversed(line.parents):
            tiers = self._tier_set(parent.content_start, parent.end)
            if tiers:
                return tiers
        if line.kind == "table":
            for cell in line.cells:
                tiers = self._tier_set(*cell)
                if tiers:
                    return tiers
            if line.header:
                tiers = self._tier_set(line.header.start, line.header.end)
                if tiers:
                    return tiers
        # earlier lines of the section that carry no amount of their own (eligibility lists)
        section_lines = self.lines[line.section_start:line.index]
        for other in reversed(section_lines):
            if other.kind in ("list", "para") and not _has_money(self.t, other):
                tiers = self._tier_set(other.content_start, other.end)
                if tiers and tiers != [TITLE]:
                    return tiers
        for heading in reversed(line.headings):
            tiers = self._tier_set(heading.content_start, heading.end)
            if tiers:
                return tiers
        return None

    # --- benefits -------------------------------------------------------------------------
    def _benefit_near(self, start: int, end: int, anchor: int, anchor_end: int) -> tuple[str | None, bool]:
        """Benefit in [start, end) nearest to the amount at [anchor, anchor_end).

        A cue right after the amount (``12万元生活补贴``) wins; then the nearest one before it;
        then one after it. Returns (specific benefit or None, whether a generic cue was seen).
        """
        cues = self.benefits.within(start, end)
        specific = [c for c in cues if c.label != GENERIC_BENEFIT]
        generic = len(specific) < len(cues)
        after = [c for c in specific if c.start >= anchor_end]
        if after and after[0].start - anchor_end <= 4:
            return after[0].label, generic
        before = [c for c in specific if c.end <= anchor]
        if before:
            return before[-1].label, generic
        if after:
            return after[0].label, generic
        return None, generic

    def _benefit(self, line: Line, clause: tuple[int, int], amount: Amount) -> str | None:
        benefit, generic = self._benefit_near(*clause, amount.start, amount.end)
        if benefit:
            return benefit
        if generic:
            return "other_cash"
        scope = _cell_of(line, amount.start) if line.kind == "table" else (line.content_start, line.end)
        benefit, generic_any = self._benefit_near(*scope, amount.start, amount.end)
        if benefit:
            return benefit
        if generic_any:
            return "other_cash"
        for parent in reversed(line.parents):
            benefit, g = self._benefit_near(parent.content_start, parent.end, parent.end, parent.end)
            generic_any |= g
            if benefit:
                return benefit
        if line.kind == "table":
            for cell in line.cells:
                benefit, g = self._benefit_near(*cell, cell[1], cell[1])
                generic_any |= g
                if benefit:
                    return benefit
            if line.header:
                benefit, g = self._benefit_near(line.header.start, line.header.end, line.header.end, line.header.end)
                generic_any |= g
                if benefit:
                    return benefit
        for other in reversed(self.lines[line.section_start:line.index]):
            if other.kind in ("list", "para"):
                benefit, g = self._benefit_near(other.content_start, other.end, other.end, other.end)
                generic_any |= g
                if benefit:
                    return benefit
        for heading in reversed(line.headings):
            benefit, g = self._benefit_near(heading.content_start, heading.end, heading.end, heading.end)
            generic_any |= g
            if benefit:
                return benefit
        return "other_cash" if generic_any else None

    # --- one line ---------------------------------------------------------------------------
    def read_line(self, line: Line, amounts: list[Amount]) -> list[_Found]:
        t = self.t
        if any(_INSTALMENT_LABEL_RE.search(t, p.content_start, p.end) for p in line.parents[-1:]):
            return []  # the items of a 发放方式 list are instalments of an amount stated above
        out: list[_Found] = []
        clauses: dict[tuple[int, int], list[Amount]] = {}
        for amount in amounts:
            clauses.setdefault(_clause_of(t, line, amount.start), []).append(amount)
        for clause, clause_amounts in clauses.items():
            out.extend(self._read_clause(line, clause, clause_amounts))
        return out

    def _read_clause(self, line: Line, clause: tuple[int, int], amounts: list[Amount]) -> list[_Found]:
        t, lex = self.t, self.lex
        out: list[_Found] = []
        prev_end = clause[0]
        prev_tiers: list[str] | None = None
        prev_period = "once"
        run: list[tuple[Amount, list[str] | None]] = []  # amounts and their own segment tiers
        for amount in amounts:
            seg_start = prev_end
            segment = t[seg_start:amount.start]
            after = t[amount.end:min(amount.end + 12, clause[1] + 12)]
            prev_end_before, prev_end = prev_end, amount.end
            # Not a benefit: thresholds, instalments, loans/prices/salaries, conversions.
            if lex.threshold_re.match(after) or _INSTALMENT_BEFORE_RE.search(segment):
                continue
            if _excluded(lex, self.benefits, segment, seg_start, amount.start):
                continue
            if _RATIO_RE.match(after):
                continue
            own = self._tier_set(seg_start, amount.start)
            schedule = bool(_SCHEDULE_RE.search(segment))
            if own is None and prev_tiers is not None and prev_end_before != clause[0]:
                # a second amount with no tier of its own: a total cap of a recurring amount
                # ("2万元/年，最高10万元") is not a provision; otherwise it continues the list
                if prev_period != "once" and _TOTAL_CAP_BEFORE_RE.search(segment):
                    continue
                tiers = prev_tiers
            elif own is None:
                tiers = self._tier_set(line.content_start if line.kind != "table" else _cell_of(line, amount.start)[0], amount.start)
                if tiers is None:
                    tiers = self._enclosing_tiers(line) or ["any"]
            else:
                tiers = own
            if tiers == [TITLE]:
                prev_tiers, prev_period = tiers, "once"
                continue
            tiers = [x for x in tiers if x != TITLE]
            if amount.is_range and (own is None or len(tiers) > 1):
                continue  # a range over several tiers with no split is not a record
            benefit = self._benefit(line, clause, amount)
            if benefit is None:
                continue
            period = _period(lex, segment, after)
            if schedule and period == "once":
                period = "year"
            is_cap = bool(lex.cap_before_re.search(segment))
            duration = None
            if period != "once":
                duration = 12 if schedule and period == "year" else None
                if duration is None and not schedule:
                    duration = self._duration(line, clause, amount, period)
            run.append((amount, own))
            for value in amount.values:
                out.append(_Found(amount, value, tiers, benefit, period, is_cap, duration, clause,
                                  schedule=schedule, group=(line.parents[-1].index if line.parents else -1, tuple(tiers), benefit)))
            prev_tiers, prev_period = tiers, period
        _zip_respective(out, run)
        return out

    def _duration(self, line: Line, clause: tuple[int, int], amount: Amount, period: str) -> int | None:
        t, lex = self.t, self.lex
        # a total cap after a recurring amount gives the number of periods (5万元/年，最高25万元)
        tail = find_amounts(t, amount.end, clause[1])
        if tail and _TOTAL_CAP_BEFORE_RE.search(t[amount.end:tail[0].start]):
            per = amount.values[0]
            if per > 0:
                count = tail[0].values[0] / per
                if abs(count - round(count)) < 1e-6 and 0 < count <= 20:
                    return int(round(count)) * (12 if period == "year" else 1)
        for start, end in ((amount.end, clause[1]), (clause[0], amount.start), (line.content_start, line.end)):
            match = lex.duration_re.search(t, start, end)
            if match:
                months = duration_months(match.group("num"), match.group("unit"))
                if months:
                    return months
        # later lines of the same block: "补贴期限不超过 3 年", or a 发放时长 label and its item
        label_seen = False
        for other in self.lines[line.index + 1: line.index + 8]:
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


def _zip_respective(out: list[_Found], run: list[tuple[Amount, list[str] | None]]) -> None:
    """``博士、硕士分别 2000元/1500元``: k tiers then k tier-less amounts pair up in order."""
    if len(run) < 2 or run[0][1] is None or any(own is not None for _, own in run[1:]):
        return
    tiers = run[0][1]
    if len(tiers) != len(run) or len(tiers) < 2:
        return
    by_amount = {id(a): tiers[i] for i, (a, _) in enumerate(run)}
    for found in out:
        tier = by_amount.get(id(found.amount))
        if tier is not None:
            found.tiers = [tier]


def _fill_schedule_durations(found: list[_Found]) -> None:
    """A year-by-year schedule: each distinct amount is paid for as many years as it is listed."""
    groups: dict[tuple, list[_Found]] = {}
    for f in found:
        if f.schedule:
            groups.setdefault(f.group, []).append(f)
    for items in groups.values():
        for f in items:
            years = sum(1 for g in items if g.value == f.value and g.period == f.period)
            f.duration = 12 * years


def _excluded(lex: Lexicon, benefits: _Cues, segment: str, seg_start: int, amount_start: int) -> bool:
    """The last not-a-provision cue of the segment comes after its last benefit cue."""
    bad = list(lex.not_provision_re.finditer(segment))
    if not bad:
        return False
    last_bad = bad[-1]
    if last_bad is None:
        return False
    cues = benefits.within(seg_start, amount_start)
    return not cues or cues[-1].start - seg_start < last_bad.start()


def _period(lex: Lexicon, segment: str, after: str) -> str:
    if lex.month_after_re.match(after):
        return "month"
    if lex.year_after_re.match(after):
        return "year"
    month = [m.end() for m in lex.month_before_re.finditer(segment)]
    year = [m.end() for m in lex.year_before_re.finditer(segment)]
    if month or year:
        return "month" if (month[-1] if month else -1) > (year[-1] if year else -1) else "year"
    return "once"


def _has_money(t: str, line: Line) -> bool:
    return bool(find_amounts(t, line.content_start, line.end))


def _cell_of(line: Line, pos: int) -> tuple[int, int]:
    for cell in line.cells:
        if cell[0] <= pos < cell[1]:
            return cell
    return line.content_start, line.end


def _clause_of(t: str, line: Line, pos: int) -> tuple[int, int]:
    lo = line.content_start
    if line.kind == "table":
        lo, hi = _cell_of(line, pos)
    else:
        hi = line.end
    start = lo
    for m in _CLAUSE_BREAK_RE.finditer(t, lo, pos):
        start = m.end()
    m = _CLAUSE_BREAK_RE.search(t, pos, hi)
    end = m.start() if m else hi
    return start, end


def _evidence_span(t: str, clause: tuple[int, int]) -> tuple[int, int]:
    start, end = clause
    while start < end and t[start] in " \t:":
        start += 1
    while end > start and t[end - 1] in " \t,，、":
        end -= 1
    return start, end


def _records(found: list[_Found], norm: NormalisedText, doc: str) -> list[dict]:
    records: list[dict] = []
    seen: dict[tuple, dict] = {}
    for f in found:
        start, end = norm.span(*_evidence_span(norm.text, f.clause))
        for tier in f.tiers:
            key = (tier, f.benefit, f.period, f.value, f.amount.amount_max)
            if key in seen:
                if seen[key]["duration_months"] is None and f.duration is not None:
                    seen[key]["duration_months"] = f.duration
                continue
            record = {
                "doc": doc,
                "tier": tier,
                "benefit": f.benefit,
                "amount_cny": f.value,
                "amount_max_cny": f.amount.amount_max,
                "period": f.period,
                "duration_months": f.duration,
                "is_cap": f.is_cap,
                "start": start,
                "end": end,
                "evidence": norm.original[start:end],
            }
            seen[key] = record
            records.append(record)
    return records


_DEFAULT = ProvisionExtractor()


def extract_text(text: str, doc: str) -> list[dict]:
    """Provision records of ``text`` (the document as read), ``doc`` naming it."""
    if not isinstance(text, str):
        raise TalentbenchError(f"{doc}: expected text, got {type(text).__name__}")
    return _DEFAULT.extract(text, doc)


def read_document(path: Path | str) -> str:
    """The document text exactly as read (UTF-8); TalentbenchError when it cannot be read."""
    path = Path(path)
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise TalentbenchError(f"{path}: not a .md, .txt or .html file")
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise TalentbenchError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise TalentbenchError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def extract_file(path: Path | str) -> pd.DataFrame:
    """Provision records of one file as a DataFrame with columns ``PROVISION_COLUMNS``."""
    path = Path(path)
    records = extract_text(read_document(path), path.name)
    frame = pd.DataFrame(records, columns=PROVISION_COLUMNS)
    return frame.astype({"start": "int64", "end": "int64"}) if len(frame) else frame
