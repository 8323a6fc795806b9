"""Money amounts, periods and durations as Chinese policy text writes them.

``find_amounts`` scans normalised text (half-width digits) once with one compiled regex and
returns every money mention: plain amounts (``10万元``, ``2,500元``, ``一百万元``, ``1.5万``),
ranges (``3万-6万元``, ``3万至6万元``), slash lists (``120/90/60/36万``) and bare numbers that
a per-period unit makes money (``5000 / 月``). Chinese numerals go through cn2an.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千]+(?:万[零〇一二两三四五六七八九十百千]*)?"
_NUM = rf"(?:{_ARABIC}|{_CHINESE})"
# 万 followed by a counted noun (万人, 万套) is a count, not money.
_COUNT_NOUNS = "人套户个家名件项平次所间亩张册台辆余多"
_UNIT = rf"(?:亿元|亿|万元|万(?![{_COUNT_NOUNS}])|千元|元)"

AMOUNT_RE = re.compile(
    # not inside a longer number or word, nor a vague 几十万 / 数百万
    rf"(?=[\d零〇一二两三四五六七八九十百千])"  # every form starts so: other positions fail at once
    rf"(?<![\d.A-Za-z几数])(?<!\d,)(?:"
    rf"(?P<lo>{_NUM})\s*(?P<lo_unit>{_UNIT})?\s*(?:-|~|至|到)\s*(?P<hi>{_NUM})\s*(?P<hi_unit>{_UNIT})"
    rf"|(?P<list>{_ARABIC}(?:\s*/\s*{_ARABIC})+)\s*(?P<list_unit>{_UNIT})"
    rf"|(?P<num>{_NUM})\s*(?P<unit>{_UNIT})"
    rf"|(?P<bare>{_ARABIC})(?=\s*/\s*(?:人\s*/\s*)?[月年])"
    rf")"
)

_UNIT_VALUE = {"亿元": 1e8, "亿": 1e8, "万元": 1e4, "万": 1e4, "千元": 1e3, "元": 1.0}


@dataclass(frozen=True, eq=False)
class Amount:
    """One money mention: its span in the scanned text and the yuan value(s) it states."""

    start: int
    end: int
    values: tuple[float, ...]  # several for a slash list, one otherwise
    amount_max: float | None = None  # upper end of a range

    @property
    def is_range(self) -> bool:
        return self.amount_max is not None


@lru_cache(maxsize=4096)
def parse_number(text: str) -> float:
    """``"2,500"`` → 2500, ``"1.5"`` → 1.5, ``"一百"`` → 100, ``"十万"`` → 100000.

    Raises ValueError for text that is not a number.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty number")
    if text[0].isdigit():
        return float(text.replace(",", ""))
    value = cn2an.cn2an(text.replace("〇", "零"), "smart")
    return float(value)


def parse_amount(text: str) -> float:
    """Yuan value of one amount written with its unit (``"10万元"`` → 100000.0)."""
    match = AMOUNT_RE.fullmatch(text.strip())
    if not match or match.group("num") is None:
        raise ValueError(f"not a single amount: {text!r}")
    return yuan_value(match.group("num"), match.group("unit"))


def yuan_value(number: str, unit: str | None) -> float:
    """A written number in a unit (万元, 元, ...) as yuan."""
    return round(parse_number(number) * _UNIT_VALUE.get(unit or "元", 1.0), 2)


def find_amounts(text: str, start: int = 0, end: int | None = None) -> list[Amount]:
    """Every money mention in ``text[start:end]``, in order."""
    found: list[Amount] = []
    for match in AMOUNT_RE.finditer(text, start, len(text) if end is None else end):
        try:
            amount = _amount_from_match(match)
        except (ValueError, KeyError, TypeError, OverflowError):
            continue  # a malformed numeral (e.g. 十百千) is not an amount
        if amount is not None:
            found.append(amount)
    return found


def _amount_from_match(match: re.Match[str]) -> Amount | None:
    if match.group("lo") is not None:
        hi_unit = match.group("hi_unit")
        lo_unit = match.group("lo_unit") or hi_unit
        lo, hi = yuan_value(match.group("lo"), lo_unit), yuan_value(match.group("hi"), hi_unit)
        if hi < lo:  # "5万-2000元" style mix-ups: treat as two figures, not a range
            lo, hi = hi, lo
        return Amount(match.start(), match.end(), (lo,), hi)
    if match.group("list") is not None:
        unit = match.group("list_unit")
        values = tuple(yuan_value(n, unit) for n in re.split(r"\s*/\s*", match.group("list")))
        return Amount(match.start(), match.end(), values)
    if match.group("num") is not None:
        return Amount(match.start(), match.end(), (yuan_value(match.group("num"), match.group("unit")),))
    return Amount(match.start(), match.end(), (yuan_value(match.group("bare"), "元"),))


_DURATION_UNIT_MONTHS = {"年": 12, "个月": 1}


def duration_months(number: str, unit: str) -> int | None:
    """``("3", "年")`` → 36, ``("36", "个月")`` → 36, ``("三", "年")`` → 36."""
    try:
        value = parse_number(number)
    except (ValueError, KeyError, TypeError):
        return None
    months = value * _DURATION_UNIT_MONTHS[unit]
    if months <= 0 or months > 600 or months != int(months):
        return None
    return int(months)
