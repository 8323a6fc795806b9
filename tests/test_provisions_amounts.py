"""Amount parsing: the forms real policy text uses, and properties over generated amounts."""

from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.provisions.amounts import (
    duration_months,
    find_amounts,
    parse_amount,
    parse_number,
)


def _only(text: str):
    found = find_amounts(text)
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10万元", 100_000),
        ("1.5万", 15_000),
        ("2,500元", 2_500),
        ("一百万元", 1_000_000),
        ("十万", 100_000),
        ("两万元", 20_000),
        ("五千元", 5_000),
        ("2.6 万元", 26_000),
        ("最高不超过500万元", 5_000_000),
        ("每月3000元", 3_000),
        ("1200元/月", 1_200),
        ("每人每年1万元", 10_000),
        ("5000 / 月", 5_000),  # a bare figure per month is money
        ("1亿元", 100_000_000),
    ],
)
def test_single_amounts(text: str, value: float) -> None:
    amount = _only(text)
    assert amount.values == (value,)
    assert amount.amount_max is None


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("3万-6万元", 30_000, 60_000),
        ("3万至6万元", 30_000, 60_000),
        ("3-6万元", 30_000, 60_000),
        ("7万至200万元", 70_000, 2_000_000),
        ("3 万—10 万元", 30_000, 100_000),
    ],
)
def test_ranges(text: str, low: float, high: float) -> None:
    from benchmark.provisions.normalise import normalise

    amount = _only(normalise(text).text)
    assert amount.values == (low,)
    assert amount.amount_max == high


def test_slash_list_gives_each_figure() -> None:
    assert _only("国家/省/姑苏/昆山双创最高120/90/60/36万").values == (1_200_000, 900_000, 600_000, 360_000)


@pytest.mark.parametrize(
    "text",
    ["248万人才", "筹集8万套保租房源", "毕业5年内", "2024年", "按4:3:3分三年发放", "几十万", "上浮20%"],
)
def test_counts_years_ratios_and_vague_figures_are_not_money(text: str) -> None:
    assert find_amounts(text) == []


def test_amount_after_a_chinese_comma_is_found() -> None:
    # a regression: the comma of "2,500" must not hide an amount that follows a clause comma
    assert _only("签订劳动合同的,30万元生活补贴").values == (300_000,)


@pytest.mark.parametrize(
    ("number", "unit", "months"),
    [("3", "年", 36), ("36", "个月", 36), ("三", "年", 36), ("2", "年", 24), ("0", "年", None)],
)
def test_durations(number: str, unit: str, months: int | None) -> None:
    assert duration_months(number, unit) == months


def test_parse_amount_rejects_non_amounts() -> None:
    with pytest.raises(ValueError):
        parse_amount("三年")
    with pytest.raises(ValueError):
        parse_number("")


# --- properties -------------------------------------------------------------------------------

_UNITS = {"元": 1, "万元": 10_000, "万": 10_000}


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(sorted(_UNITS)),
       st.booleans(), st.sampled_from(["", " "]))
def test_arabic_amounts_round_trip(number: int, unit: str, grouped: bool, space: str) -> None:
    written = f"{number:,}" if grouped else str(number)
    amount = _only(f"补贴{written}{space}{unit}")
    assert amount.values == (number * _UNITS[unit],)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=9_999), st.integers(min_value=0, max_value=9))
def test_decimal_wan_round_trip(whole: int, tenth: int) -> None:
    amount = _only(f"{whole}.{tenth}万元")
    assert amount.values == (round((whole + tenth / 10) * 10_000, 2),)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_chinese_numerals_round_trip(number: int) -> None:
    written = cn2an.an2cn(number)
    assert _only(f"{written}元").values == (number,)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=9_999), st.integers(min_value=1, max_value=9_999),
       st.sampled_from(["-", "至", "~", "到"]))
def test_ranges_are_ordered(a: int, b: int, joiner: str) -> None:
    amount = _only(f"{a}万{joiner}{b}万元")
    low, high = sorted((a * 10_000, b * 10_000))
    assert amount.values == (low,)
    assert amount.amount_max == high


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_find_amounts_never_fails_and_spans_are_inside(text: str) -> None:
    for amount in find_amounts(text):
        assert 0 <= amount.start < amount.end <= len(text)
        assert all(v >= 0 for v in amount.values)
