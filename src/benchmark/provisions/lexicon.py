"""The tier/benefit lexicon: loaded from YAML, checked against its schema, compiled once.

All cues of one kind are compiled into a single alternation with one named group per entry,
so finding every tier (or benefit) cue in a document is one ``finditer`` over the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from benchmark.errors import TalentbenchError
from benchmark.paths import resource

TIERS = (
    "phd", "postdoc", "master", "bachelor", "college", "vocational", "skilled",
    "class_A", "class_B", "class_C", "class_D", "class_E", "class_F",
    "top", "leading", "high_level", "young", "graduate", "any",
)
TITLE = "title"  # pseudo-tier of the lexicon: professional titles, which produce no record
BENEFITS = (
    "living_allowance", "housing_purchase", "rent_subsidy", "settling_allowance",
    "talent_allowance", "startup_funding", "research_funding", "employer_reward", "other_cash",
)
GENERIC_BENEFIT = "_generic"

_REQUIRED_KEYS = {
    "schema_version": int, "tiers": list, "class_patterns": list, "generic_tiers": list,
    "degree_ladder": list, "degree_span_suffix": str, "benefits": list,
    "generic_benefit_patterns": list, "not_provision_patterns": list, "threshold_suffix": str, "threshold_prefix": str,
    "period": dict, "cap_before": str, "cap_after": str, "duration": str, "not_stated_patterns": list,
    "foreign_currency": str, "segmentation_checked": list, "aggregate_patterns": list,
    "project_funding": dict, "tenure_neutral_housing": str, "table": dict,
}
_TABLE_KEYS = ("month", "year", "cap", "duration_column", "not_money_column", "money_column")


@dataclass(frozen=True)
class Lexicon:
    """Compiled cues. ``tier_re``/``benefit_re`` name the matching entry in ``lastgroup``."""

    tier_re: re.Pattern[str]
    tier_group: dict[str, str]  # regex group name → tier ("_class" for numbered categories)
    class_patterns: tuple[re.Pattern[str], ...]  # each numbered-category pattern on its own
    benefit_re: re.Pattern[str]
    benefit_group: dict[str, str]  # group name → benefit, or GENERIC_BENEFIT
    weak_benefit_groups: frozenset[str]  # groups of cues that name only a topic (租房, 购房)
    not_provision_re: re.Pattern[str]
    not_stated_re: re.Pattern[str]
    aggregate_re: re.Pattern[str]
    currency_before_re: re.Pattern[str]
    currency_after_re: re.Pattern[str]
    threshold_re: re.Pattern[str]
    threshold_before_re: re.Pattern[str]
    month_before_re: re.Pattern[str]
    year_before_re: re.Pattern[str]
    month_after_re: re.Pattern[str]
    year_after_re: re.Pattern[str]
    cap_before_re: re.Pattern[str]
    cap_after_re: re.Pattern[str]
    duration_re: re.Pattern[str]
    span_suffix_re: re.Pattern[str]
    degree_ladder: tuple[str, ...]
    generic_tiers: frozenset[str]
    terms: tuple[str, ...]  # plain words of the lexicon, for a jieba user dictionary
    segmentation_checked: frozenset[str]  # tier words confirmed by segmentation
    project_re: re.Pattern[str]  # a clause about a project grant (项目)
    research_project_re: re.Pattern[str]  # ...whose project is research (研发, 攻关, 科技人才)
    startup_project_re: re.Pattern[str]  # ...or a start-up (创业)
    tenure_neutral_housing_re: re.Pattern[str]  # housing_purchase cues not tied to buying (安居补贴)
    # table headers and cells (provisions.tables)
    table_month_re: re.Pattern[str]
    table_year_re: re.Pattern[str]
    table_cap_re: re.Pattern[str]
    table_duration_column_re: re.Pattern[str]
    table_not_money_column_re: re.Pattern[str]  # headers of columns that hold no amounts
    table_money_column_re: re.Pattern[str]  # ...unless the header names money


def _check_schema(data: object, path: Path) -> dict:
    if not isinstance(data, dict):
        raise TalentbenchError(f"lexicon {path}: expected a mapping at the top level")
    for key, kind in _REQUIRED_KEYS.items():
        if not isinstance(data.get(key), kind):
            raise TalentbenchError(f"lexicon {path}: key {key!r} missing or not a {kind.__name__}")
    for entry in data["tiers"]:
        if entry.get("tier") not in (*TIERS, TITLE) or not entry.get("patterns"):
            raise TalentbenchError(f"lexicon {path}: bad tier entry {entry!r}")
    for entry in data["benefits"]:
        if entry.get("benefit") not in BENEFITS or not entry.get("patterns"):
            raise TalentbenchError(f"lexicon {path}: bad benefit entry {entry!r}")
    for tier in [*data["generic_tiers"], *data["degree_ladder"]]:
        if tier not in TIERS:
            raise TalentbenchError(f"lexicon {path}: unknown tier {tier!r}")
    for key in ("month_before", "year_before", "month_after", "year_after"):
        if not isinstance(data["period"].get(key), str):
            raise TalentbenchError(f"lexicon {path}: period.{key} missing")
    for key in _TABLE_KEYS:
        if not isinstance(data["table"].get(key), str):
            raise TalentbenchError(f"lexicon {path}: table.{key} missing")
    for key in ("project", "research", "startup"):
        if not isinstance(data["project_funding"].get(key), str):
            raise TalentbenchError(f"lexicon {path}: project_funding.{key} missing")
    return data


def _compile(pattern: str, path: Path) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise TalentbenchError(f"lexicon {path}: bad pattern {pattern!r}: {exc}") from exc


def first_chars(pattern: str) -> set[str] | None:
    """The characters a match of ``pattern`` can start with, or None when that is not known.

    Lets a long alternation of cues begin with a one-character lookahead, so that the regex
    engine leaves every position where no cue can start at once (most of the text).
    """
    try:
        from re import _constants as c
        from re import _parser as p
    except ImportError:  # pragma: no cover - other Python versions: no prefilter
        return None

    def of(items) -> set[str] | None:
        out: set[str] = set()
        for op, av in items:
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue  # zero-width: look at what follows
            if op is c.LITERAL:
                return out | {chr(av)}
            if op is c.IN:
                chars = set()
                for kind, value in av:
                    if kind is c.LITERAL:
                        chars.add(chr(value))
                    elif kind is c.RANGE:
                        if value[1] - value[0] > 30000:
                            return None
                        chars.update(chr(x) for x in range(value[0], value[1] + 1))
                    else:
                        return None  # negated sets, categories (\s, \d)
                return out | chars
            if op is c.SUBPATTERN:
                inner = of(av[-1])
                if inner is None:
                    return None
                return out | inner
            if op is c.BRANCH:
                union: set[str] = set()
                for branch in av[1]:
                    inner = of(branch)
                    if inner is None:
                        return None
                    union |= inner
                return out | union
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                low, _, body = av
                inner = of(body)
                if inner is None:
                    return None
                if low == 0:  # optional: it or what follows may start the match
                    out |= inner
                    continue
                return out | inner
            return None
        return None

    try:
        return of(p.parse(pattern))
    except Exception:  # pragma: no cover - a pattern the parser rejects is reported elsewhere
        return None


def _alternation(entries: list[tuple[str, str]], path: Path) -> tuple[re.Pattern[str], dict[str, str]]:
    parts, groups = [], {}
    starts: set[str] | None = set()
    for i, (label, pattern) in enumerate(entries):
        _compile(pattern, path)  # report a bad pattern by itself, not inside the alternation
        name = f"g{i}"
        groups[name] = label
        # Inner named groups would clash across entries; make them non-capturing here.
        inner = re.sub(r"\(\?P<[a-z]+>", "(?:", pattern)
        parts.append(f"(?P<{name}>{inner})")
        chars = first_chars(pattern)
        starts = None if chars is None or starts is None else starts | chars
    body = "|".join(parts)
    if starts:
        body = f"(?=[{''.join(re.escape(ch) for ch in sorted(starts))}])(?:{body})"
    return _compile(body, path), groups


_PLAIN_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Read and compile a lexicon file (default: the packaged one)."""
    path = Path(path) if path else resource("lexicon", "provisions.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TalentbenchError(f"cannot read lexicon {path}: {exc}") from exc
    data = _check_schema(data, path)
    tier_entries = [(e["tier"], p) for e in data["tiers"] for p in e["patterns"]]
    # Numbered categories are matched in the same pass, before plain tier words.
    class_entries = [("_class", p) for p in data["class_patterns"]]
    tier_re, tier_group = _alternation(class_entries + tier_entries, path)
    benefit_entries = [(e["benefit"], p) for e in data["benefits"] for p in e["patterns"]]
    weak_from = len(benefit_entries)
    benefit_entries += [(e["benefit"], p) for e in data["benefits"] for p in e.get("weak_patterns", [])]
    benefit_entries += [(GENERIC_BENEFIT, p) for p in data["generic_benefit_patterns"]]
    benefit_re, benefit_group = _alternation(benefit_entries, path)
    weak_groups = frozenset(f"g{i}" for i in range(weak_from, len(benefit_entries))
                            if benefit_entries[i][0] != GENERIC_BENEFIT)
    period = data["period"]
    terms = tuple(sorted({p for _, p in tier_entries + benefit_entries if _PLAIN_WORD.match(p)}))
    return Lexicon(
        tier_re=tier_re,
        tier_group=tier_group,
        class_patterns=tuple(_compile(p, path) for p in data["class_patterns"]),
        benefit_re=benefit_re,
        benefit_group=benefit_group,
        weak_benefit_groups=weak_groups,
        not_provision_re=_compile("|".join(f"(?:{p})" for p in data["not_provision_patterns"]), path),
        aggregate_re=_compile("|".join(f"(?:{p})" for p in data["aggregate_patterns"]), path),
        not_stated_re=_compile("|".join(f"(?:{p})" for p in data["not_stated_patterns"]), path),
        currency_before_re=_compile(f"(?:{data['foreign_currency']})\\s*$", path),
        currency_after_re=_compile(f"\\s*(?:{data['foreign_currency']})", path),
        threshold_re=_compile(data["threshold_suffix"], path),
        threshold_before_re=_compile(f"(?:{data['threshold_prefix']})\\s*$", path),
        month_before_re=_compile(f"(?:{period['month_before']})", path),
        year_before_re=_compile(f"(?:{period['year_before']})", path),
        month_after_re=_compile(period["month_after"], path),
        year_after_re=_compile(period["year_after"], path),
        cap_before_re=_compile(data["cap_before"], path),
        cap_after_re=_compile(data["cap_after"], path),
        duration_re=_compile(data["duration"], path),
        span_suffix_re=_compile(data["degree_span_suffix"], path),
        degree_ladder=tuple(data["degree_ladder"]),
        generic_tiers=frozenset(data["generic_tiers"]),
        terms=terms,
        segmentation_checked=frozenset(data["segmentation_checked"]),
        project_re=_compile(data["project_funding"]["project"], path),
        research_project_re=_compile(data["project_funding"]["research"], path),
        startup_project_re=_compile(data["project_funding"]["startup"], path),
        tenure_neutral_housing_re=_compile(data["tenure_neutral_housing"], path),
        **{f"table_{key}_re": _compile(data["table"][key], path) for key in _TABLE_KEYS},
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


def class_tiers(text: str, class_patterns: tuple[re.Pattern[str], ...]) -> list[str]:
    """Tiers named by a numbered-category mention (``B/C/D类`` → class_B, class_C, class_D)."""
    ordinals = "一二三四五六"
    arabic = "123456"
    roman = "ⅠⅡⅢⅣⅤⅥ"
    for pattern in class_patterns:
        match = pattern.fullmatch(text)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("letters"):
            return [f"class_{c}" for c in re.findall(r"[A-F]", groups["letters"])]
        ordinal = groups.get("ordinal")
        if ordinal:
            for table in (ordinals, arabic, roman):
                if ordinal in table:
                    return [f"class_{'ABCDEF'[table.index(ordinal)]}"]
    return []


def jieba_user_dict_lines(lexicon: Lexicon | None = None) -> list[str]:
    """Lines of a jieba user dictionary holding the lexicon's plain words (high frequency)."""
    lexicon = lexicon or default_lexicon()
    return [f"{term} {_USER_WORD_FREQ}" for term in lexicon.terms]


_USER_WORD_FREQ = 100_000


@lru_cache(maxsize=1)
def lexicon_tokenizer():
    """A jieba tokenizer of its own (the global one is left alone) with the lexicon's words
    loaded as its user dictionary, so 博士后, 大中专, 高技能人才 come out as single words."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for term in default_lexicon().terms:
        tokenizer.add_word(term, _USER_WORD_FREQ)
    return tokenizer


def starts_a_word(text: str, start: int, end: int, window: int = 8) -> bool:
    """Whether segmentation of the text around [start, end) begins a word at ``start``.

    ``中专`` in ``高中专业`` does not (高中/专业); in ``中专学历`` it does.
    """
    lo = max(0, start - window)
    pos = lo
    for token in lexicon_tokenizer().lcut(text[lo:min(len(text), end + window)], HMM=False):
        if pos == start:
            return True
        if pos > start:
            return False
        pos += len(token)
    return pos == start
