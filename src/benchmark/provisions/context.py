"""The context of a provision: stated eligibility conditions and relations between benefits.

Vocabulary and text cues live in ``resources/dataset/conditions.yaml``. Codes are written as
``;``-separated strings in the ``conditions`` and ``relations`` columns:

* conditions: ``age_max=35``, ``school=double_first_class``, ``industry=集成电路``, ``first_time`` …
* relations: ``exclusive:living_allowance+rent_subsidy``, ``stacks:rent_subsidy``,
  ``on_top_of_city``.

``context_evidence`` holds the document's own words for them: exact substrings joined with
:data:`EVIDENCE_SEP`. :class:`ContextReader` proposes all three for an amount from its sentence,
its enclosing list items / label / heading (conditions) and the sentences of its section
(relations); the analyst decides in the review queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource
from benchmark.provisions.lexicon import BENEFITS, GENERIC_BENEFIT

EVIDENCE_SEP = " … "
CODE_SEP = ";"
RELATION_KINDS = ("exclusive", "stacks", "on_top_of_city")
_VALUE_KINDS = ("none", "int", "text")


@dataclass(frozen=True)
class Condition:
    code: str
    value: str  # none | int | text
    label: str
    excludes_profiles: bool
    cues: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ContextVocabulary:
    conditions: dict[str, Condition]
    relation_cues: dict[str, tuple[re.Pattern[str], ...]]
    relation_labels: dict[str, str]
    condition_label: re.Pattern[str] | None = None


def _patterns(items: object, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
        raise TalentbenchError(f"{where}: cues must be a list of patterns")
    try:
        return tuple(re.compile(p) for p in items)
    except re.error as exc:
        raise TalentbenchError(f"{where}: bad pattern: {exc}") from None


def load_context_vocabulary(path: Path | str | None = None) -> ContextVocabulary:
    """The condition and relation vocabulary of ``conditions.yaml``, checked and compiled."""
    path = Path(path) if path else resource("dataset", "conditions.yaml")
    data = read_yaml(path, "condition vocabulary")
    if not isinstance(data, dict) or not isinstance(data.get("conditions"), list):
        raise TalentbenchError(f"{path}: expected a mapping with a 'conditions' list")
    conditions = {}
    for entry in data["conditions"]:
        where = f"{path.name}: condition {entry.get('code') if isinstance(entry, dict) else entry!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            raise TalentbenchError(f"{where}: needs a code")
        if entry.get("value", "none") not in _VALUE_KINDS:
            raise TalentbenchError(f"{where}: value must be one of {_VALUE_KINDS}")
        if not isinstance(entry.get("excludes_profiles"), bool) or not entry.get("label"):
            raise TalentbenchError(f"{where}: needs a label and excludes_profiles: true|false")
        conditions[entry["code"]] = Condition(entry["code"], entry.get("value", "none"),
                                              str(entry["label"]), entry["excludes_profiles"],
                                              _patterns(entry.get("cues", []), where))
    relations = data.get("relations") or {}
    if set(relations) != set(RELATION_KINDS):
        raise TalentbenchError(f"{path.name}: relations must define {', '.join(RELATION_KINDS)}")
    cues = {k: _patterns(v.get("cues"), f"{path.name}: relation {k}") for k, v in relations.items()}
    labels = {k: str(v.get("label", k)) for k, v in relations.items()}
    try:
        label = re.compile(data["condition_labels"]) if data.get("condition_labels") else None
    except re.error as exc:
        raise TalentbenchError(f"{path.name}: bad condition_labels pattern: {exc}") from None
    return ContextVocabulary(conditions, cues, labels, label)


@lru_cache(maxsize=1)
def default_vocabulary() -> ContextVocabulary:
    return load_context_vocabulary()


# --- codes ------------------------------------------------------------------------------------

def split_codes(value: object) -> list[str]:
    """The codes of a cell (empty, NaN, None or ``-`` = none)."""
    if not isinstance(value, str) or value.strip() in ("", "-"):
        return []
    return [c.strip() for c in value.split(CODE_SEP) if c.strip()]


def join_codes(codes: list[str]) -> str:
    return CODE_SEP.join(dict.fromkeys(codes))


def split_evidence(value: object) -> list[str]:
    if not isinstance(value, str) or value.strip() in ("", "-"):
        return []
    return [p for p in value.split(EVIDENCE_SEP) if p]


def condition_entry(code: str, vocab: ContextVocabulary | None = None) -> Condition | None:
    """The vocabulary entry of one condition code (``age_max=35`` → age_max), or None."""
    vocab = vocab or default_vocabulary()
    if code in vocab.conditions and vocab.conditions[code].value == "none":
        return vocab.conditions[code]
    name, eq, value = code.partition("=")
    entry = vocab.conditions.get(name)
    if not eq or entry is None or entry.value == "none" or not value.strip():
        return None
    if entry.value == "int" and not value.isdigit():
        return None
    return entry


def excludes_profiles(code: str, vocab: ContextVocabulary | None = None) -> bool:
    """Whether a standard profile fails the condition (unknown codes raise)."""
    entry = condition_entry(code, vocab)
    if entry is None:
        raise TalentbenchError(f"unknown condition code {code!r}")
    return entry.excludes_profiles


def condition_problems(value: object, vocab: ContextVocabulary | None = None) -> list[str]:
    return [f"unknown condition {c!r}" for c in split_codes(value) if condition_entry(c, vocab) is None]


def relation_problems(value: object) -> list[str]:
    problems = []
    for code in split_codes(value):
        if code == "on_top_of_city":
            continue
        kind, colon, rest = code.partition(":")
        benefits = rest.split("+") if colon else []
        if kind not in ("exclusive", "stacks") or not benefits:
            problems.append(f"unknown relation {code!r}")
        elif any(b not in BENEFITS for b in benefits):
            problems.append(f"relation {code!r} names a benefit outside the vocabulary")
        elif kind == "exclusive" and len(set(benefits)) < 2:
            problems.append(f"relation {code!r} needs two benefits")
        elif len(set(benefits)) != len(benefits):
            problems.append(f"relation {code!r} repeats a benefit")
    return problems


def relation_code(kind: str, benefits: list[str] | set[str]) -> str:
    """``exclusive:a+b`` with the benefits in vocabulary order (one spelling per relation)."""
    ordered = [b for b in BENEFITS if b in set(benefits)]
    return f"{kind}:{'+'.join(ordered)}"


# --- reading them from text -----------------------------------------------------------------

_SENTENCE_END = "。!?\n"
_CLAUSE_END = ",;。!?\n|:"


def _bounds(t: str, pos: int, lo: int, hi: int, ends: str) -> tuple[int, int]:
    a = pos
    while a > lo and t[a - 1] not in ends:
        a -= 1
    b = pos
    while b < hi and t[b] not in ends:
        b += 1
    return a, b


class ContextReader:
    """Conditions and relations around an amount of one normalised document.

    ``lines`` are :func:`benchmark.provisions.structure.parse_lines` lines, ``benefit_cues`` the
    document's benefit cues (to name the benefits a relation sentence joins).
    """

    def __init__(self, t: str, lines: list, benefit_cues, vocab: ContextVocabulary | None = None):
        self.t, self.lines, self.benefit_cues = t, lines, benefit_cues
        self.vocab = vocab or default_vocabulary()
        # relation statements found in a section, by (first line, last line): every amount of a
        # section asks for them, so they are searched once per section
        self._section_relations: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
        self.section_end: dict[int, int] = {}
        end = len(lines)
        for line in reversed(lines):
            self.section_end[line.index] = end
            if line.kind == "heading":
                end = line.index

    def _condition_block(self, line) -> list[tuple[int, int]]:
        """Lines of the amount's section under a condition label (申请对象：, 重要限制：)."""
        label_re = self.vocab.condition_label
        if label_re is None:
            return []
        first = line.section_start
        last = self.section_end.get(line.index, len(self.lines))
        spans, under = [], None
        for other in self.lines[first:last]:
            if other.kind == "blank":
                continue
            text = self.t[other.content_start:other.end]
            if other.kind in ("para", "list") and label_re.search(text):
                spans.append((other.content_start, other.end))
                under = other
                continue
            if under is not None and other.kind == "list" and (
                    under.kind == "para" or other.indent > under.indent):
                spans.append((other.content_start, other.end))
                continue
            under = None
        return spans

    def _scopes(self, line, pos: int) -> list[tuple[int, int]]:
        """The amount's sentence, its enclosing list items / label, its section's condition
        block and its innermost heading."""
        t = self.t
        spans = [_bounds(t, pos, line.content_start, line.end, _SENTENCE_END)]
        spans += [(p.content_start, p.end) for p in line.parents]
        spans += self._condition_block(line)
        if line.header is not None:
            spans.append((line.header.start, line.header.end))
        if line.headings:
            h = line.headings[-1]
            spans.append((h.content_start, h.end))
        return spans

    def conditions(self, line, pos: int) -> tuple[list[str], list[tuple[int, int]]]:
        codes, evidence = [], []
        for lo, hi in self._scopes(line, pos):
            for entry in self.vocab.conditions.values():
                for cue in entry.cues:
                    m = cue.search(self.t, lo, hi)
                    if not m:
                        continue
                    if entry.value == "none":
                        code = entry.code
                    else:
                        value = (m.groupdict().get("value") or "").strip()
                        if not value:
                            continue
                        code = f"{entry.code}={value}"
                    if code not in codes:
                        codes.append(code)
                        evidence.append(_bounds(self.t, m.start(), lo, hi, _CLAUSE_END))
                    break
        return codes, evidence

    def relations(self, line, benefit: str) -> tuple[list[str], list[tuple[int, int]]]:
        """Relations stated in the sentences of the amount's section that concern ``benefit``."""
        first = line.section_start if line.kind != "heading" else line.index + 1
        last = self.section_end.get(line.index, len(self.lines))
        codes, evidence = [], []
        for kind, lo, hi in self._statements(first, last):
            code = self._relation(kind, lo, hi, benefit)
            if code and code not in codes:
                codes.append(code)
                evidence.append((lo, hi))
        return codes, evidence

    def _statements(self, first: int, last: int) -> list[tuple[str, int, int]]:
        """(kind, sentence start, sentence end) of every relation cue in lines first..last."""
        key = (first, last)
        if key not in self._section_relations:
            found = []
            for other in self.lines[first:last]:
                if other.kind in ("blank", "heading"):
                    continue
                for kind in RELATION_KINDS:
                    for cue in self.vocab.relation_cues[kind]:
                        for m in cue.finditer(self.t, other.content_start, other.end):
                            lo, hi = _bounds(self.t, m.start(), other.content_start, other.end, _SENTENCE_END)
                            found.append((kind, lo, hi))
            self._section_relations[key] = found
        return self._section_relations[key]

    def _relation(self, kind: str, lo: int, hi: int, benefit: str) -> str | None:
        if kind == "on_top_of_city":
            return kind
        named = {c.label for c in self.benefit_cues.within(lo, hi) if c.label != GENERIC_BENEFIT}
        if kind == "exclusive" and benefit not in named and len(named) == 1:
            # "与租房补贴只能二选一" in the section of 生活补助: this benefit and the one named
            named.add(benefit)
        if benefit not in named:
            return None
        if kind == "exclusive":
            return relation_code(kind, named) if len(named) >= 2 else None
        return relation_code(kind, named)


def evidence_text(norm, spans: list[tuple[int, int]]) -> str:
    """Original-text quotes of normalised ``spans`` (merged, trimmed), joined with EVIDENCE_SEP."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    parts: list[str] = []
    for lo, hi in merged:
        while lo < hi and norm.text[lo] in " \t:|,":
            lo += 1
        while hi > lo and norm.text[hi - 1] in " \t,、":
            hi -= 1
        if hi > lo:
            a, b = norm.span(lo, hi)
            part = norm.original[a:b].strip()
            if part and part not in parts:
                parts.append(part)
    return EVIDENCE_SEP.join(parts)
