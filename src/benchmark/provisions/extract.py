"""Turn a policy document into provision records (``shared/spec/provisions.md``).

The pipeline, each step one pass over the whole document:
1. ``normalise``: half-width digits and punctuation, simplified characters, markup dropped,
   with a map back to the original offsets;
2. ``find_amounts``, ``find_tier_cues``, ``find_benefit_cues``: one compiled regex each;
3. ``parse_lines``: headings, list nesting, labels and table rows around each line;
4. ``DocumentReader``: tier, benefit, period, cap and duration of each amount (reader.py);
5. here: schedules, restated figures, and records whose ``evidence == text[start:end]``.
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.provisions.amounts import Amount, find_amounts
from benchmark.provisions.context import ContextReader, evidence_text, join_codes
from benchmark.provisions.cues import Cues, find_benefit_cues, find_tier_cues
from benchmark.provisions.lexicon import Lexicon, default_lexicon
from benchmark.provisions.normalise import NormalisedText, normalise
from benchmark.provisions.reader import BENEFIT_GENERIC, DocumentReader, Found
from benchmark.provisions.structure import parse_lines
from benchmark.provisions.tables import TableReader

PROVISION_COLUMNS = [
    "doc", "tier", "benefit", "amount_cny", "amount_max_cny", "period", "duration_months",
    "is_cap", "start", "end", "evidence",
    # for a figure read from a table: the row and column headers it was read with
    "row_header", "column_header",
    # the amount's context (resources/dataset/conditions.yaml), proposed for review
    "conditions", "relations", "context_evidence",
]
READABLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_URL_RE = re.compile(r"https?://")


class ProvisionExtractor:
    """Extract provision records from text (scikit-learn style: configuration in ``__init__``).

    Parameters
    ----------
    lexicon : Lexicon, optional
        Compiled cues; the packaged ``resources/lexicon/provisions.yaml`` by default.
    skip_references : bool
        Ignore amounts under headings of citation lists (引用/链接/来源), which repeat the text.
    """

    def __init__(self, lexicon: Lexicon | None = None, skip_references: bool = True,
                 read_context: bool = True):
        self.lexicon = lexicon
        self.skip_references = skip_references
        self.read_context = read_context

    # --- public ---------------------------------------------------------------------------
    def extract(self, text: str, doc: str) -> list[dict]:
        lex = self.lexicon or default_lexicon()
        norm = normalise(text)
        t = norm.text
        amounts = find_amounts(t)
        if not amounts and "|" not in t:  # a table may state bare figures under a unit header
            return []
        lines = parse_lines(t)
        line_starts = [line.start for line in lines]
        tiers = Cues(find_tier_cues(t, lex))
        benefits = Cues(find_benefit_cues(t, lex))

        table_found, cell_spans = TableReader(t, lex, tiers, benefits).read()
        found: list[Found] = []
        cell_starts = sorted(cell_spans)
        by_line: dict[int, list[Amount]] = {}
        for amount in amounts:
            index = bisect.bisect_right(line_starts, amount.start) - 1
            by_line.setdefault(index, []).append(amount)
        ctx = DocumentReader(t, lex, lines, tiers, benefits, by_line)
        for index, line_amounts in by_line.items():
            line = lines[index]
            if line.kind in ("heading", "blank"):
                continue
            if self.skip_references and (line.in_references or _URL_RE.search(t, line.start, line.end)):
                continue
            if cell_starts and line.kind == "table":
                line_amounts = [a for a in line_amounts if not _in_spans(cell_starts, a.start)]
                if not line_amounts:
                    continue
            found.extend(ctx.read_line(line, line_amounts))
        # in document order, so a figure stated in prose and restated in a table is quoted
        # (and read for its conditions) where the text states it first
        found = sorted(found + table_found, key=lambda f: f.amount.start)
        _fill_schedule_durations(found)
        context = None
        if self.read_context:
            reader = ContextReader(t, lines, benefits)

            def context(f: Found) -> tuple[str, str, str]:
                line = lines[bisect.bisect_right(line_starts, f.amount.start) - 1]
                conds, spans = reader.conditions(line, f.amount.start)
                rels, rel_spans = reader.relations(line, f.benefit)
                return join_codes(conds), join_codes(rels), evidence_text(norm, spans + rel_spans)
        return _records(_resolve_restatements(found, lex.generic_tiers), norm, doc, context)


def _resolve_restatements(found: list[Found], generic_tiers: frozenset[str] = frozenset()) -> list[Found]:
    """A figure restated for the same tier is the same provision: keep its best-evidenced reading.

    - a reading whose benefit is only a generic 补贴 (→ other_cash) yields to a reading of the
      same tier, period and amount whose clause names the benefit itself;
    - an ``any`` tier that no context supported yields to the same benefit, period and amount
      stated for a named tier;
    - a group word read from a heading or an enclosing line (``高校毕业生一次性生活补贴`` over
      ``1 万元一次性发放``) yields to the same benefit, period and amount stated elsewhere for
      degrees: the contract reads a group word as ``graduate`` only when no degree is given,
      and here the document gives them for the same provision.
    """
    direct = {(t, f.period, f.value) for f in found for t in f.tiers
              if f.benefit_level < BENEFIT_GENERIC}
    direct_benefit = {}
    for f in found:
        if f.benefit_level < BENEFIT_GENERIC:
            for t in f.tiers:
                direct_benefit.setdefault((t, f.period, f.value), set()).add(f.benefit)
    named = {(f.benefit, f.period, f.value) for f in found if f.tiers != ["any"]}
    specific = {(f.benefit, f.period, f.value) for f in found
                if any(t != "any" and t not in generic_tiers for t in f.tiers)}
    out = []
    for f in found:
        if f.tiers == ["any"] and f.tier_from_context and (f.benefit, f.period, f.value) in named:
            continue
        if (f.tier_from_context and f.tiers and all(t in generic_tiers for t in f.tiers)
                and (f.benefit, f.period, f.value) in specific):
            continue
        if f.benefit_level == BENEFIT_GENERIC:
            keep = [t for t in f.tiers
                    if (t, f.period, f.value) not in direct or f.benefit in direct_benefit[(t, f.period, f.value)]]
            if not keep:
                continue
            f.tiers = keep
        out.append(f)
    return out


def _in_spans(spans: list[tuple[int, int]], pos: int) -> bool:
    index = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= pos < spans[index][1]


def _fill_schedule_durations(found: list[Found]) -> None:
    """A year-by-year schedule: each distinct amount is paid for as many years as it is listed."""
    groups: dict[tuple, list[Found]] = {}
    for f in found:
        if f.schedule:
            groups.setdefault(f.group, []).append(f)
    for items in groups.values():
        for f in items:
            years = sum(1 for g in items if g.value == f.value and g.period == f.period)
            f.duration = 12 * years


def _balanced(original: str, start: int, end: int) -> tuple[int, int]:
    """Take in the emphasis marks around the quote (``**10万元**``, not ``**10万元``)."""
    while end < len(original) and original[end] in "*_" and end - start < 2000:
        end += 1
    while start > 0 and original[start - 1] in "*_":
        start -= 1
    return start, end


def _evidence_span(t: str, clause: tuple[int, int]) -> tuple[int, int]:
    start, end = clause
    while start < end and t[start] in " \t:|":
        start += 1
    while end > start and t[end - 1] in " \t,，、":
        end -= 1
    return start, end


def _quote(norm: NormalisedText, spans: tuple[tuple[int, int], ...]) -> str:
    """The header cells a table figure was read with, as written, a merged one once."""
    parts = [norm.original.__getitem__(slice(*norm.span(*span))) for span in spans]
    return " ".join(dict.fromkeys(part for part in parts if part))


def _records(found: list[Found], norm: NormalisedText, doc: str, context=None) -> list[dict]:
    records: list[dict] = []
    seen: dict[tuple, dict] = {}
    for f in found:
        start, end = _balanced(norm.original, *norm.span(*_evidence_span(norm.text, f.evidence or f.clause)))
        conditions, relations, context_evidence = context(f) if context else ("", "", "")
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
                "row_header": _quote(norm, getattr(f, "row_header", ())),
                "column_header": _quote(norm, getattr(f, "column_header", ())),
                "conditions": conditions,
                "relations": relations,
                "context_evidence": context_evidence,
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

