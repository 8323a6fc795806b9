"""Tier and benefit cues: found with one compiled regex each over the whole normalised text."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from benchmark.provisions.lexicon import Lexicon, class_tiers, starts_a_word

_NUMBERED_RE = re.compile(r"型|层次|类")


@dataclass
class Cue:
    """One place in the normalised text that names a tier or a benefit."""

    start: int
    end: int
    label: str  # tier / benefit / "_class" / GENERIC_BENEFIT
    text: str
    weak: bool = False  # a benefit cue naming only the topic (租房, 购房)
    category: str | None = None  # for a numbered category (1型, 第二层次): its kind and number


class Cues:
    """Sorted cue positions with range queries."""

    def __init__(self, cues: list[Cue]):
        self.cues = cues
        self.starts = [c.start for c in cues]

    def within(self, start: int, end: int) -> list[Cue]:
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_left(self.starts, end)
        return [c for c in self.cues[lo:hi] if c.end <= end]


def find_tier_cues(t: str, lex: Lexicon) -> list[Cue]:
    """Every tier cue of the normalised text, in order.

    A numbered category (``B/C/D类``, ``3型``) gives one cue per class; a degree followed by
    ``及以上`` also gives cues for the degrees above it (their text ends with ``+``); a short
    tier word that segmentation shows to be part of another word is dropped.
    """
    cues: list[Cue] = []
    for m in lex.tier_re.finditer(t):
        label = lex.tier_group[m.lastgroup]
        if label == "_class":
            numbered = _NUMBERED_RE.search(m.group())
            for tier in class_tiers(m.group(), lex.class_patterns):
                category = f"{numbered.group()}:{tier}" if numbered else None
                cues.append(Cue(m.start(), m.end(), tier, m.group(), category=category))
            continue
        if (m.group() in lex.segmentation_checked and m.start() > 0
                and "\u4e00" <= t[m.start() - 1] <= "\u9fff"  # after punctuation a word starts anyway
                and not starts_a_word(t, m.start(), m.end())):
            continue  # part of another word (高中专业), not a tier
        cues.append(Cue(m.start(), m.end(), label, m.group()))
        if label in lex.degree_ladder:
            span = lex.span_suffix_re.match(t, m.end())
            if span:
                for higher in lex.degree_ladder[lex.degree_ladder.index(label) + 1:]:
                    cues.append(Cue(m.start(), span.end(), higher, m.group() + "+"))
    cues.sort(key=lambda c: (c.start, c.end))
    return _drop_described_classes(t, cues)


_GLOSS_RE = re.compile(r"(?:人才)?\s*\(\s*(?:[^()]{0,6}?)$")
_DESCRIPTIVE_TIERS = {"top", "leading", "high_level"}


def _drop_described_classes(t: str, cues: list[Cue]) -> list[Cue]:
    """``A类人才（国家级领军人才）``: the class letter is the tier, the gloss only describes it
    (the contract reads top/leading only "when not written as a class letter")."""
    drop: set[int] = set()
    for i in range(len(cues) - 1):
        a, b = cues[i], cues[i + 1]
        if b.start < a.end:
            continue
        gap = t[a.end:b.start]
        if not _GLOSS_RE.fullmatch(gap):
            continue
        if a.label.startswith("class_") and b.label in _DESCRIPTIVE_TIERS:
            drop.add(i + 1)
        elif b.label.startswith("class_") and a.label in _DESCRIPTIVE_TIERS:
            drop.add(i)
    return [c for i, c in enumerate(cues) if i not in drop] if drop else cues


def find_benefit_cues(t: str, lex: Lexicon) -> list[Cue]:
    """Every benefit cue of the normalised text, in order (generic ones labelled GENERIC_BENEFIT).

    A topic word inside a cited title (``根据《…来京创业和工作暂行办法》精神，给予…50万元的
    市政府奖励``) names the policy, not the benefit: such weak cues are dropped.
    """
    out = []
    for m in lex.benefit_re.finditer(t):
        weak = m.lastgroup in lex.weak_benefit_groups
        if weak and _in_title(t, m.start(), m.end()):
            continue
        out.append(Cue(m.start(), m.end(), lex.benefit_group[m.lastgroup], m.group(), weak))
    return out


_TITLE_REACH = 60  # characters: how far a cited title may run on either side of a cue


def _in_title(t: str, start: int, end: int) -> bool:
    """``start:end`` lies between a ``《`` and its ``》`` on the same line."""
    lo = max(0, start - _TITLE_REACH)
    opened = t.rfind("《", lo, start)
    if opened < 0 or t.rfind("》", opened, start) >= 0 or "\n" in t[opened:start]:
        return False
    close = t.find("》", end, end + _TITLE_REACH)
    return close >= 0 and "\n" not in t[end:close]
