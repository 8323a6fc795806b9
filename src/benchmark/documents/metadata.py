"""Metadata of an official Chinese document, read from its text.

Three sources, most reliable first:

1. labelled values ("索引号：002489709/2019-00123", "发文字号：杭政办〔2019〕3号") as government
   portals print them in an information box above the article (labels come from
   ``resources/documents/metadata_labels.yaml``);
2. structured hints the format parser found (HTML ``<meta name="ArticleTitle">``, a PDF's
   info dictionary, a DOCX's core properties);
3. the layout of the document itself: the title lines, the 发文字号 on a line of its own under
   them, the signature block (落款: issuer and date) at the end, and sentences such as
   "自2019年4月1日起施行，有效期5年".

Everything here is a pure function of strings; nothing raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from benchmark.documents.model import Metadata
from benchmark.encoding import HAN, HAN_RE, fold_width
from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource

LABEL_FIELDS = (
    "title",
    "issuing_body",
    "doc_number",
    "index_number",
    "issue_date",
    "publish_date",
    "effective_from",
    "effective_to",
    "validity",
)
# Only this much of a text is searched for labels and layout: metadata sits at the ends.
_HEAD_CHARS = 200_000
_TAIL_CHARS = 20_000

_OPEN = "〔［[【(（﹝｛{"
_CLOSE = "〕］]】)）﹞｝}"
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>[{HAN}]{{1,15}})\s*[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d{{2}})\s*"
    rf"[{re.escape(_CLOSE)}]\s*第?\s*(?P<num>\d{{1,5}})\s*号"
)
_ORDER_NUMBER = re.compile(rf"(?P<prefix>[{HAN}]{{2,20}}令)\s*第\s*(?P<num>\d{{1,5}})\s*号")
_INDEX_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./\-]{3,60}")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ARABIC_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.])\s*(?P<m>\d{1,2})\s*(?:月|[-/.])\s*(?P<d>\d{1,2})(?!\d)\s*日?"
)
_CN_DATE = re.compile(
    r"(?P<y>[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"
)
_DATE = rf"(?:{_ARABIC_DATE.pattern}|{_CN_DATE.pattern})".replace("(?P<y>", "(?:").replace(
    "(?P<m>", "(?:"
).replace("(?P<d>", "(?:")
_COUNT = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"

_START = re.compile(rf"(?:自|从|于)\s*(?P<date>{_DATE})\s*起\s*(?:施行|实施|执行|生效)")
_START_ON_ISSUE = re.compile(r"(?:自|从)\s*(?P<event>印发|发布|公布|颁布|下发|发文)\s*之?\s*日\s*起")
_RANGE = re.compile(
    rf"(?:自|从)?\s*(?P<start>{_DATE})\s*(?:起)?\s*(?:至|到|—|－|-|~|～)\s*(?P<end>{_DATE})\s*止?"
)
_END = re.compile(rf"(?:有效期|执行|实施|施行|有效)\s*(?:截)?(?:至|到)\s*(?P<date>{_DATE})")
_YEARS = re.compile(rf"有效期\s*(?:为|是|限)?\s*(?P<n>{_COUNT})\s*年")
_YEARS_ALONE = re.compile(rf"^\s*(?P<n>{_COUNT})\s*年\s*$")

_TITLE_WORDS = re.compile(
    r"关于|通知|办法|意见|规定|细则|方案|决定|公告|通告|条例|措施|政策|规划|指引|指南|实施|若干"
)
_TITLE_END = re.compile(r"(?:通知|办法|意见|规定|细则|方案|决定|公告|通告|条例|措施|政策|规划|指引|指南|批复|函)$")
_SKIP_LINE = re.compile(
    r"^(?:附件\s*\d*|[—\-－]+\s*\d+\s*[—\-－]+|第?\s*\d+\s*页|（?\(?此件.{0,10}[）)]?|"
    r"签发人.*|公开方式.*|抄送.*|密级.*|紧急程度.*|特急|加急|平急)$"
)
# Whatever looks like "标签：" after a space ends the value before it, known label or not.
_ANY_LABEL_LIKE = re.compile(rf"(?<=[ \t\u3000\xa0])[{HAN}]{{2,6}}[:：]")
_SENTENCE_END = "。；;！!？?：:，,"
_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s[-—–]\s|[-—–](?=[^-—–]{2,30}$))\s*")


@dataclass(frozen=True, eq=False)  # hashed by identity, so it can key a cache
class Labels:
    fields: Mapping[str, tuple[str, ...]]
    org_suffixes: tuple[str, ...]


def _check_labels(raw: object, path: str) -> Labels:
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise TalentbenchError(f"{path}: expected a mapping with version: 1")
    fields = raw.get("fields")
    if not isinstance(fields, dict):
        raise TalentbenchError(f"{path}: 'fields' must be a mapping of field -> labels")
    unknown = set(fields) - set(LABEL_FIELDS)
    if unknown:
        raise TalentbenchError(f"{path}: unknown fields {sorted(unknown)}; allowed {LABEL_FIELDS}")
    checked: dict[str, tuple[str, ...]] = {}
    for name, labels in fields.items():
        if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
            raise TalentbenchError(f"{path}: labels of {name!r} must be a list of non-empty strings")
        checked[name] = tuple(x.strip() for x in labels)
    suffixes = raw.get("org_suffixes", [])
    if not isinstance(suffixes, list) or not all(isinstance(x, str) and x for x in suffixes):
        raise TalentbenchError(f"{path}: 'org_suffixes' must be a list of strings")
    return Labels(checked, tuple(suffixes))


@lru_cache(maxsize=4)
def load_labels(path: str | None = None) -> Labels:
    """The label vocabulary (default: the packaged ``metadata_labels.yaml``), schema-checked."""
    source = path or str(resource("documents", "metadata_labels.yaml"))
    return _check_labels(read_yaml(source, "metadata labels"), source)


# --- dates -----------------------------------------------------------------------------------


def _cn_number(chars: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十三 → 23, 三十一 → 31."""
    if "十" not in chars:
        return _CN_DIGITS.get(chars, -1) if len(chars) == 1 else -1
    tens, _, ones = chars.partition("十")
    tens_value = _CN_DIGITS.get(tens, -1) if tens else 1
    ones_value = _CN_DIGITS.get(ones, -1) if ones else 0
    return -1 if tens_value < 0 or ones_value < 0 else tens_value * 10 + ones_value


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    value = _cn_number(text)
    return value if value > 0 else None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def iter_dates(text: str) -> Iterator[tuple[int, date]]:
    """Every valid date in ``text`` with its position: 2019年3月5日, 2019-03-05, 二〇一九年三月五日."""
    found: list[tuple[int, date]] = []
    for match in _ARABIC_DATE.finditer(text):
        parsed = _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
        if parsed:
            found.append((match.start(), parsed))
    for match in _CN_DATE.finditer(text):
        year = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        parsed = _make_date(year, _cn_number(match["m"]), _cn_number(match["d"]))
        if parsed:
            found.append((match.start(), parsed))
    yield from sorted(found, key=lambda item: item[0])


def parse_date(text: str | None) -> date | None:
    """The first date in ``text``, or ``None``."""
    if not text:
        return None
    return next((found for _, found in iter_dates(text)), None)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- document numbers and index numbers -------------------------------------------------------


def _nfkc(text: str) -> str:
    # Full-width digits and brackets (３号, ［2019］) become ASCII; 〔〕 are left as they are.
    # Not NFKC itself: it would rewrite compatibility ideographs of a name (U+F900…).
    return fold_width(text)


def normalize_doc_number(text: str | None) -> str | None:
    """The first 发文字号 in ``text`` in canonical form: ``杭政办函[2019]03号`` → ``杭政办函〔2019〕3号``."""
    if not text:
        return None
    text = _nfkc(text)
    match = _DOC_NUMBER.search(text)
    if match:
        return f"{match['prefix']}〔{match['year']}〕{int(match['num'])}号"
    match = _ORDER_NUMBER.search(text)
    if match:
        return f"{match['prefix']}第{int(match['num'])}号"
    return None


def _standalone_doc_number(line: str) -> str | None:
    """A line that is nothing but a document number (possibly in brackets) under the title."""
    core = _nfkc(line).strip().strip("()（）")
    for pattern in (_DOC_NUMBER, _ORDER_NUMBER):
        match = pattern.fullmatch(core)
        if match:
            return normalize_doc_number(core)
    return None


def normalize_index_number(text: str | None) -> str | None:
    """An index number (索引号) such as ``002489709/2019-00123``: one token with a digit."""
    if not text:
        return None
    match = _INDEX_TOKEN.search(_nfkc(text))
    if match and any(ch.isdigit() for ch in match.group()):
        return match.group().rstrip("./-")
    return None


# --- labelled values ----------------------------------------------------------------------------


def _label_regex(label: str) -> str:
    return r"\s?".join(re.escape(ch) for ch in label)


@lru_cache(maxsize=8)
def _label_patterns(labels: Labels) -> tuple[dict[str, list[re.Pattern[str]]], re.Pattern[str]]:
    every = sorted({lab for labs in labels.fields.values() for lab in labs}, key=len, reverse=True)
    boundary = r"(?:^|(?<=[\s|│【\[]))"
    separator = r"(?:[ \t\u3000\xa0]*[:：][ \t\u3000\xa0]*\n?[ \t\u3000\xa0]*|[ \t\u3000\xa0]*\n?[ \t\u3000\xa0]+|[ \t\u3000\xa0]*\n[ \t\u3000\xa0]*)"
    per_field = {
        name: [
            re.compile(rf"{boundary}{_label_regex(lab)}{separator}(?P<value>[^\t\n]{{0,200}})", re.M)
            for lab in labs
        ]
        for name, labs in labels.fields.items()
    }
    any_label = re.compile(
        rf"{boundary}(?:{'|'.join(_label_regex(lab) for lab in every)})\s?[:：]", re.M
    )
    return per_field, any_label


def labelled_values(text: str, labels: Labels | None = None) -> dict[str, str]:
    """Raw values of labelled fields ("发文字号：杭政办〔2019〕3号") found in ``text``.

    For each field the first label (in the YAML's order) with a non-empty value wins. A value
    ends at a tab, a line end, or the next label on the same line.
    """
    labels = labels or load_labels()
    per_field, any_label = _label_patterns(labels)
    head = squeeze(text[:_HEAD_CHARS])
    values: dict[str, str] = {}
    for name, patterns in per_field.items():
        for pattern in patterns:
            for match in pattern.finditer(head):
                value = match["value"]
                for cut in (any_label.search(value), _ANY_LABEL_LIKE.search(value)):
                    if cut:
                        value = value[: cut.start()]
                value = value.strip(" \u3000\xa0:：|")
                if value and value not in {"无", "-", "—", "/", "暂无", "null", "None"}:
                    values[name] = value
                    break
            if name in values:
                break
    return values


# --- layout heuristics ----------------------------------------------------------------------------


_HSPACE_RUN = re.compile(r"[ \u3000\xa0\f\v\r]+")
_TAB_RUN = re.compile(r"[ \t]*\t[ \t]*")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def squeeze(text: str) -> str:
    """Whitespace runs cut to one character (a tab or a newline kept as such).

    Metadata needs no offsets, and long runs of spaces (PDF layout, padded cells) would make
    the ``\\s*`` in the patterns here backtrack quadratically.
    """
    return _BLANK_LINES.sub("\n", _TAB_RUN.sub("\t", _HSPACE_RUN.sub(" ", text)))


def _lines(text: str) -> list[str]:
    return [line.strip(" \t\u3000\xa0") for line in text.splitlines() if line.strip(" \t\u3000\xa0")]


def _is_org(line: str, suffixes: Iterable[str]) -> bool:
    return 2 <= len(line) <= 40 and HAN_RE.search(line) is not None and any(
        line.endswith(s) for s in suffixes
    ) and not any(p in line for p in _SENTENCE_END)


def title_from_text(text: str, *, loose: bool = False) -> str | None:
    """The title of an official document from its first lines (may span up to three lines).

    A title line names a kind of document (通知, 办法, 意见, ...). With ``loose``, the first
    short line that is not a sentence, a document number or a date is taken when none does.
    """
    lines = [line for line in _lines(text[:5000])[:15] if not _SKIP_LINE.match(line)]

    def plain(line: str) -> bool:
        return (
            line[-1] not in _SENTENCE_END
            and not line.startswith("#")
            and not _standalone_doc_number(line)
            and not (len(line) <= 20 and parse_date(line))
        )

    start = next(
        (
            i
            for i, line in enumerate(lines[:10])
            if 6 <= len(line) <= 100 and _TITLE_WORDS.search(line) and plain(line)
        ),
        None,
    )
    if start is None and loose:
        start = next(
            (i for i, line in enumerate(lines[:5]) if 4 <= len(line) <= 80 and plain(line)), None
        )
    if start is None:
        return None
    parts = [lines[start]]
    for line in lines[start + 1 : start + 3]:
        if _TITLE_END.search(parts[-1]) or not plain(line) or len(line) > 40:
            break
        parts.append(line)
    return "".join(parts)


def clean_page_title(title: str | None) -> str | None:
    """``<title>`` text without the site name: "XX的通知_杭州市人民政府" → "XX的通知"."""
    if not title:
        return None
    title = " ".join(title.split())
    parts = [part for part in _TITLE_SEPARATOR.split(title) if part]
    longest = max(parts, key=len, default="")
    return longest if len(longest) >= 4 else title or None


def doc_number_from_layout(text: str) -> str | None:
    for line in _lines(text[:5000])[:20]:
        number = _standalone_doc_number(line)
        if number:
            return number
    return None


def signature(text: str, suffixes: Iterable[str]) -> tuple[str | None, date | None]:
    """The signature block (落款) at the end: issuing bodies over a date line.

    Joint documents list several bodies, one a line; they are joined with "、".
    """
    suffixes = tuple(suffixes)
    lines = _lines(text[-_TAIL_CHARS:])[-25:]
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip("()（）")
        found = parse_date(line)
        if not found or len(line) > 20:
            continue
        orgs: list[str] = []
        j = i - 1
        while j >= 0 and _is_org(lines[j], suffixes) and len(orgs) < 6:
            orgs.insert(0, lines[j])
            j -= 1
        return ("、".join(orgs) or None), found
    return None, None


def issuer_from_title(title: str | None, suffixes: Iterable[str]) -> str | None:
    """"杭州市人民政府办公厅关于印发…的通知" → "杭州市人民政府办公厅"."""
    if not title or "关于" not in title:
        return None
    head = title.split("关于", 1)[0].strip()
    return head if _is_org(head, suffixes) else None


def _add_years(start: date, years: int) -> date | None:
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, month=3, day=1) - timedelta(days=1)


def effective_period(
    text: str,
    *,
    labelled: Mapping[str, str] | None = None,
    issue_date: date | None = None,
    publish_date: date | None = None,
) -> str | None:
    """The period a document is in force, as an ISO 8601 interval.

    ``2019-04-01/2024-03-31`` (start and end, or start plus "有效期5年"), ``2019-04-01/..`` (open
    end), ``../2024-12-31`` (end only), ``P5Y`` (a duration with no start), or ``None``.
    """
    labelled = labelled or {}
    text = squeeze(text)
    start = parse_date(labelled.get("effective_from"))
    end = parse_date(labelled.get("effective_to"))
    years: int | None = None
    validity = labelled.get("validity")
    if validity:
        ranged = _RANGE.search(validity)
        if ranged:
            start, end = start or parse_date(ranged["start"]), end or parse_date(ranged["end"])
        elif parse_date(validity):
            end = end or parse_date(validity)
        else:
            alone = _YEARS_ALONE.match(validity) or _YEARS.search(validity)
            years = _count(alone["n"]) if alone else None
    body = text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:] if len(text) > _HEAD_CHARS else text
    if start is None:
        match = _START.search(body)
        if match:
            start = parse_date(match["date"])
        else:
            on_issue = _START_ON_ISSUE.search(body)
            if on_issue:
                printed = on_issue["event"] in {"印发", "下发", "发文"}
                start = issue_date if printed else (publish_date or issue_date)
    if end is None:
        match = _END.search(body)
        if match:
            end = parse_date(match["date"])
        else:
            ranged = _RANGE.search(body)
            context = body[max(0, ranged.start() - 12) : ranged.end() + 8] if ranged else ""
            if ranged and re.search("有效|施行|实施|执行", context):
                start = start or parse_date(ranged["start"])
                end = parse_date(ranged["end"])
    if years is None:
        match = _YEARS.search(body)
        years = _count(match["n"]) if match else None
    if start and years and not end:
        end = _add_years(start, years)
    if start and end and end < start:
        end = None
    if start or end:
        return f"{_iso(start) or '..'}/{_iso(end) or '..'}"
    return f"P{years}Y" if years else None


# --- all together -----------------------------------------------------------------------------


def _clean_body(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip(" \u3000\xa0:：|,，。")
    value = re.split(r"\s{2,}|\t", value)[0]
    if not value or len(value) > 60 or not re.search(rf"[{HAN}A-Za-z]", value):
        return None
    return value


def extract_metadata(
    text: str,
    *,
    page_text: str | None = None,
    hints: Mapping[str, str] | None = None,
    title_hint: str | None = None,
    labels: Labels | None = None,
    loose_title: bool = True,
) -> Metadata:
    """Metadata of one document from its main ``text``.

    ``page_text`` is searched for labelled values (it defaults to ``text``); ``hints`` are
    structured values from the format (keys as in :data:`LABEL_FIELDS`); ``title_hint`` is a
    page's ``<title>``, used when nothing better; ``loose_title`` lets the first short line
    stand as the title as a last resort (right for a letter-like PDF, wrong for a spreadsheet).
    """
    labels = labels or load_labels()
    hints = hints or {}
    text = squeeze(text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:] if len(text) > _HEAD_CHARS + _TAIL_CHARS else text)
    labelled = labelled_values(page_text if page_text is not None else text, labels)
    sig_body, sig_date = signature(text, labels.org_suffixes)

    title = (
        labelled.get("title")
        or hints.get("title")
        or title_from_text(text)
        or clean_page_title(title_hint)
        or (title_from_text(text, loose=True) if loose_title else None)
    )
    title = " ".join(title.split())[:300] if title else None

    doc_number = (
        normalize_doc_number(labelled.get("doc_number"))
        or normalize_doc_number(hints.get("doc_number"))
        or doc_number_from_layout(text)
    )
    index_number = normalize_index_number(labelled.get("index_number")) or normalize_index_number(
        hints.get("index_number")
    )
    issue = parse_date(labelled.get("issue_date")) or parse_date(hints.get("issue_date")) or sig_date
    publish = parse_date(labelled.get("publish_date")) or parse_date(hints.get("publish_date"))
    body = (
        _clean_body(next((labelled[k] for k in ("issuing_body",) if k in labelled), None))
        or sig_body
        or issuer_from_title(title, labels.org_suffixes)
        or _clean_body(hints.get("issuing_body"))
    )
    period = effective_period(text, labelled=labelled, issue_date=issue, publish_date=publish)
    return Metadata(
        title=title,
        issuing_body=body,
        doc_number=doc_number,
        issue_date=_iso(issue),
        publish_date=_iso(publish),
        effective_period=period,
        index_number=index_number,
    )
