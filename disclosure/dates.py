"""Dates typed by users: parsed and bounded before any arithmetic is done on them.

``date(9999, 12, 31) + timedelta(days=1)`` raises ``OverflowError``; a deadline counted from a
date near ``date.max`` would turn into a 500. Every date that comes from outside is checked
against one range, kept here.
"""

from __future__ import annotations

from datetime import date

MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)

INVALID_FORMAT = "日期格式无效，应为 YYYY-MM-DD"
OUT_OF_RANGE = f"日期应在 {MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()} 之间"


class DateInputError(ValueError):
    """The value is not a date in YYYY-MM-DD form, or lies outside the accepted range."""


def in_range(value: date) -> bool:
    return MIN_DATE <= value <= MAX_DATE


def parse_date(value: object) -> date:
    """A ``YYYY-MM-DD`` string as a date between MIN_DATE and MAX_DATE (a Chinese message if not)."""
    try:
        parsed = date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DateInputError(INVALID_FORMAT) from None
    if not in_range(parsed):
        raise DateInputError(OUT_OF_RANGE)
    return parsed


def zh_date(value: date | None) -> str:
    """A date as Chinese documents write it: 2027年1月31日 (no leading zeros); "" for None."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
