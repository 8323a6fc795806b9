"""Where a claim in a corpus document comes from: its section, cited source URL, date and status.

The policy corpus is Markdown written by researchers who cite the official page they read
next to each claim (or in a source list at the end) and mark each claim 已坐实 / 待复核 / 旧口径.
These helpers read those conventions so that every curated number carries its source.
All functions are pure: they take the document text and character offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URL_RE = re.compile(r"https?://[^\s）)（(>\]<\"'，。；、*`]+")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
# 2025-03-10, 2025/3/10, 2025.3.10 (one separator throughout) or 2025年3月10日
DATE_RE = re.compile(
    r"(?<!\d)(20\d\d)(?:([-/.])(\d{1,2})\2(\d{1,2})(?![\d月])|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)"
)
# Dates embedded in official URL paths: /art/2025/3/10/art_..., /t20250310_..., /202503/...
URL_DATE_RES = (
    re.compile(r"/(?:art|doc)/(20\d\d)/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/(20\d\d)(\d\d)(\d\d)/"),
    re.compile(r"[/_]t?(20\d\d)(\d\d)(\d\d)_"),
    re.compile(r"/(20\d\d)-(\d\d)-(\d\d)/"),
)
SOURCE_LIST_RE = re.compile(r"来源|出处|参考资料|链接")
# A URL cited as a place to apply (入口, 办事大厅, 小程序) or a mere lead (线索) is not the
# source of a claim.
ENTRY_LINE_RE = re.compile(r"入口|办事大厅|网上办事|平台|小程序|App|线索|非官方|转载")

# Status marks as the corpus writes them; order matters (negations before the plain mark).
_STATUS_MARKS = (
    (re.compile(r"旧口径|历史口径|已废止|已失效"), "old_rule"),
    (re.compile(r"(未|不能|无法|尚未|暂未|没有|待)坐实|待复核|待核|复核中|待确认|待补"), "to_check"),
    (re.compile(r"坐实"), "confirmed"),
)
STATUSES = ("confirmed", "to_check", "old_rule")
DISTRICT_RE = re.compile(r"([\u4e00-\u9fff]{2,5}?(?:新区|自治县|区|县))")


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    start: int  # offset of the heading line
    end: int  # offset where the next heading of the same or higher level begins


def sections(text: str) -> list[Section]:
    """All heading-delimited sections of a Markdown text (nested ones included)."""
    heads = [(len(m.group(1)), m.group(2).strip(), m.start()) for m in HEADING_RE.finditer(text)]
    out = []
    for i, (level, title, start) in enumerate(heads):
        end = len(text)
        for lvl2, _, start2 in heads[i + 1 :]:
            if lvl2 <= level:
                end = start2
                break
        out.append(Section(level, title, start, end))
    return out


def enclosing_sections(text: str, pos: int, all_sections: list[Section] | None = None) -> list[Section]:
    """Sections containing ``pos``, innermost first."""
    secs = all_sections if all_sections is not None else sections(text)
    inside = [s for s in secs if s.start <= pos < s.end]
    return sorted(inside, key=lambda s: -s.level)


def is_official(url: str) -> bool:
    """A government host (``*.gov.cn``): the only kind of page a curated number may cite."""
    host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0].lower()
    return host.endswith(".gov.cn") or host == "gov.cn"


def find_urls(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[str, int]]:
    """(url, offset) for every URL in ``text[lo:hi]``, trailing punctuation stripped."""
    hi = len(text) if hi is None else hi
    # a browser text fragment (#:~:text=…) is a highlight, not part of the page's address
    return [(m.group(0).split("#:~:")[0].rstrip(".,;:"), m.start())
            for m in URL_RE.finditer(text, lo, hi)]


def _is_source_list(section: Section) -> bool:
    return bool(SOURCE_LIST_RE.search(section.title))


def source_entries(text: str) -> list[tuple[str, str, int]]:
    """(url, title, offset) from the document's source-list section(s) (``## 来源链接`` etc.).

    The title is the text on the URL's line before it, or else the previous non-empty line.
    """
    entries = []
    for sec in sections(text):
        if sec.level > 3 or not _is_source_list(sec):
            continue
        for url, off in find_urls(text, sec.start, sec.end):
            entries.append((url, _title_for(text, off), off))
    return entries


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, len(text) if hi < 0 else hi


def _title_for(text: str, url_offset: int) -> str:
    lo, _ = _line_bounds(text, url_offset)
    same_line = text[lo:url_offset].strip(" -*>：:|\t")
    if len(same_line) >= 4:
        return same_line
    for line in reversed(text[:lo].split("\n")[-4:]):
        if line.strip():
            return line.strip(" -*>：:|\t")
    return ""


def iso_date(match: re.Match) -> str | None:
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _date_of(m: re.Match) -> str | None:
    year, _sep, month, day, cn_month, cn_day = m.groups()
    month, day = (month, day) if month else (cn_month, cn_day)
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def date_in(s: str) -> str | None:
    """The first full date written in ``s`` (a title's publication date comes first).

    ``2025年1-6月`` (a period) is not a date.
    """
    found = [d for d in (_date_of(m) for m in DATE_RE.finditer(s)) if d]
    return found[0] if found else None


def url_date(url: str) -> str | None:
    for rx in URL_DATE_RES:
        m = rx.search(url)
        if m and (d := iso_date(m)):
            return d
    return None


def source_date(text: str, url: str) -> str | None:
    """The date the document gives for ``url``: its source-list title, the citing line, or the URL."""
    for u, title, _ in source_entries(text):
        if u == url and (d := date_in(title)):
            return d
    for u, off in find_urls(text):
        if u == url:
            lo, _ = _line_bounds(text, off)
            context = text[max(0, lo - 160) : off]
            # only the line itself and the line just before it (the "官方指南（…，2025-03-10）：" label)
            context = "\n".join(context.split("\n")[-2:])
            if d := date_in(context):
                return d
    return url_date(url)


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\s*#>|`：:，。；、（）()\-—\[\]/]", "", s)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def locate_source(text: str, start: int, end: int) -> tuple[str | None, str]:
    """The official URL the document cites for the claim at ``text[start:end]``.

    Returns (url, how): how is ``section`` (the nearest URL inside the innermost section that
    cites one, excluding the source-list section itself), ``source_list`` (best keyword match
    between the claim's headings/line and a source-list title) or ``none``.
    """
    secs = sections(text)
    for sec in enclosing_sections(text, start, secs):
        if sec.level <= 1:
            break
        if _is_source_list(sec):
            break
        # URLs of this section, but not those inside a sibling subsection (they cite other claims)
        siblings = [c for c in secs if c.level > sec.level and sec.start <= c.start < sec.end
                    and not (c.start <= start < c.end)]
        urls = [u for u in find_urls(text, sec.start, sec.end)
                if is_official(u[0]) and not _is_entry(text, u[1])
                and not any(c.start <= u[1] < c.end for c in siblings)]
        if urls:
            def distance(item: tuple[str, int]) -> int:
                off = item[1]
                return start - off if off < start else off - end
            return min(urls, key=distance)[0], "section"
    entries = [e for e in source_entries(text) if is_official(e[0])]
    if not entries:
        if not secs:
            # a text without sections (a table row): its nearest official link
            urls = [u for u in find_urls(text) if is_official(u[0])]
            if urls:
                return min(urls, key=lambda u: abs(u[1] - start))[0], "row"
        return None, "none"
    lo, hi = _line_bounds(text, start)
    heads = " ".join(s.title for s in enclosing_sections(text, start, secs))
    claim = _bigrams(heads + text[lo:hi])
    scored = [(len(claim & _bigrams(title)), -i, url) for i, (url, title, _) in enumerate(entries)]
    best = max(scored)
    return best[2], "source_list"


def _is_entry(text: str, url_offset: int) -> bool:
    lo, _ = _line_bounds(text, url_offset)
    prev_lo = text.rfind("\n", 0, max(lo - 1, 0)) + 1
    same = text[lo:url_offset]
    label = same if same.strip(" -*>") else text[prev_lo:lo]
    return bool(ENTRY_LINE_RE.search(label))


def _mark(s: str) -> str | None:
    for rx, status in _STATUS_MARKS:
        if rx.search(s):
            return status
    return None


def _is_label(line: str) -> bool:
    line = line.strip()
    return line.startswith(("**", "#", ">")) or line.endswith(("：", ":", "：**", ":**"))


def status_at(text: str, start: int, default: str = "confirmed") -> str:
    """The status mark governing the claim at ``start``.

    The claim's own line wins; then the nearest label line above it within its section
    (``**你可以获得（已坐实）：**``); then the section headings, innermost first.
    """
    lo, hi = _line_bounds(text, start)
    if s := _mark(text[lo:hi]):
        return s
    secs = enclosing_sections(text, start)
    floor = secs[0].start if secs else 0
    pos = lo - 1
    while pos > floor:
        plo = text.rfind("\n", 0, pos) + 1
        line = text[plo:pos]
        if _is_label(line) and (s := _mark(line)):
            return s
        pos = plo - 1
    for sec in secs:
        if s := _mark(sec.title):
            return s
    return default


def district_at(text: str, start: int) -> str | None:
    """The district a claim in a district-level document is about.

    A table row's first cell names it; otherwise the nearest heading that names one.
    """
    lo, hi = _line_bounds(text, start)
    line = text[lo:hi].strip()
    if line.startswith("|"):
        cells = [c.strip(" *") for c in line.strip("|").split("|")]
        if cells and (m := DISTRICT_RE.search(cells[0])):
            return m.group(1)
    for sec in enclosing_sections(text, start):
        if m := DISTRICT_RE.search(sec.title):
            return m.group(1)
    return None


def locate_evidence(text: str, evidence: str, hint: int | None = None) -> tuple[int, int] | None:
    """Offsets of ``evidence`` in ``text``; with several occurrences, the one nearest ``hint``
    (or the first). None when the evidence is not an exact substring."""
    if not evidence:
        return None
    hits = [m.start() for m in re.finditer(re.escape(evidence), text)]
    if not hits:
        return None
    best = hits[0] if hint is None else min(hits, key=lambda h: abs(h - hint))
    return best, best + len(evidence)
