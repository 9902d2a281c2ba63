"""Dates typed by users: parsed and bounded before any arithmetic is done on them.

``date(9999, 12, 31) + timedelta(days=1)`` raises ``OverflowError``; a deadline counted from a
date near ``date.max`` would turn into a 500. Every date that comes from outside is checked
against one range, kept here.
"""

from __future__ import annotations

from datetime import date

from .i18n import ENGLISH, _

MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)

# Marked messages with nothing to fill in, so that ``str()`` of them (``str(exc)`` of a
# DateInputError) still reads as the Chinese; the reader's language: ``request.translate``.
INVALID_FORMAT = _("日期格式无效，应为 YYYY-MM-DD")
OUT_OF_RANGE = _("日期应在 1990-01-01 至 2100-12-31 之间")  # MIN_DATE, MAX_DATE

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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
    return f"{value.year}年{value.month}月{value.day}日"  # i18n: the Chinese form of a date


def en_date(value: date | None) -> str:
    """A date as English prose writes it: 31 January 2027; "" for None."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def local_date(value: date | None, language: str | None) -> str:
    """A date in ``language`` (a locale name, ``request.locale_name``): :func:`en_date` in
    English, :func:`zh_date` otherwise (Chinese, byte for byte)."""
    return en_date(value) if language == ENGLISH else zh_date(value)


def month_day(value: date, language: str | None) -> str:
    """The day of a date without its year: 1月31日, or 31 January in English."""
    if language == ENGLISH:
        return f"{value.day} {MONTHS[value.month - 1]}"
    return f"{value.month}月{value.day}日"  # i18n: the Chinese form of a date
