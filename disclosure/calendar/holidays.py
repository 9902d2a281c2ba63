"""The statutory holidays themselves (全体公民放假的节日), for years with no published arrangement.

《全国年节及纪念日放假办法》 as revised by the State Council, in force since 2025-01-01:
元旦 1 day (1 Jan); 春节 4 days (除夕 and 正月初一 to 初三); 清明节 1 day (the day of the
Qingming solar term); 劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节 1 day (八月十五);
国庆节 3 days (1–3 Oct).

What is *not* known before the State Council's yearly notice: the days added to bridge
weekends (调休), the make-up working Saturdays and Sundays, and where a statutory day falling on
a weekend is made up (补假). Deadlines counted over such a year therefore stay provisional.

Lunar dates come from ``lunardate`` (lunar years 1900–2099); the Qingming day from the
well-known solar-term formula ``[Y×D+C]−L`` (寿星通式), valid for 1901–2100 with the Gregorian
leap-year correction for 2100. Pure: no clock, no database.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from types import MappingProxyType

from lunardate import LunarDate

RULES_SOURCE = "《全国年节及纪念日放假办法》（2025年1月1日起施行）法定节日，未含调休"
FIRST_YEAR = 2025  # the rules above are in force from 2025-01-01
LAST_YEAR = 2099  # lunardate's last lunar year; the Spring Festival of 2100 is beyond it
QINGMING_YEARS = range(1901, 2101)

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

_D = 0.2422  # the tropical year's excess over 365 days
_C_QINGMING = {19: 5.59, 20: 4.81}  # by century: 1901–2000, 2001–2100


def qingming(year: int) -> date:
    """The day (Beijing time) the sun reaches ecliptic longitude 15°: the Qingming solar term.

    ``day = [Y×D + C] − L`` in April, Y = years into the century, C = 5.59 (1901–2000) or
    4.81 (2001–2100), L = leap days since the century's start (1900 and 2100 are not leap
    years). Checked in the tests against chinesecalendar's table for 1990–2099 and against
    the published dates.
    """
    if isinstance(year, bool) or not isinstance(year, int) or year not in QINGMING_YEARS:
        raise ValueError(f"清明节气只能计算 1901 至 2100 年 (year {year!r} out of range)")
    century = 19 if year <= 2000 else 20
    y = year - century * 100
    leap_days = y // 4 - (1 if year == 2100 else 0)
    return date(year, 4, int(y * _D + _C_QINGMING[century]) - leap_days)


def lunar_day(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def covers(year: int) -> bool:
    """Whether :func:`statutory_holidays` can compute ``year``."""
    return FIRST_YEAR <= year <= LAST_YEAR


@functools.lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory days off of ``year`` under the rules since 2025, by date, with their names.

    Where two festivals fall on one day (中秋节 on 1–3 Oct), the day carries both names.
    Raises ValueError outside :data:`FIRST_YEAR`–:data:`LAST_YEAR`.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not covers(year):
        raise ValueError(
            f"只能计算 {FIRST_YEAR} 至 {LAST_YEAR} 年的法定节日 (year {year!r} out of range)"
        )
    spring = lunar_day(year, 1, 1)  # 正月初一; 除夕 is the day before, in the same year
    days: list[tuple[date, str]] = [
        (date(year, 1, 1), NEW_YEAR),
        *((spring + timedelta(days=i), SPRING_FESTIVAL) for i in range(-1, 3)),
        (qingming(year), QINGMING),
        (date(year, 5, 1), LABOUR_DAY),
        (date(year, 5, 2), LABOUR_DAY),
        (lunar_day(year, 5, 5), DRAGON_BOAT),
        (lunar_day(year, 8, 15), MID_AUTUMN),
        *((date(year, 10, d), NATIONAL_DAY) for d in (1, 2, 3)),
    ]
    found: dict[date, str] = {}
    for d, name in days:
        found[d] = f"{found[d]}、{name}" if d in found else name
    return MappingProxyType(dict(sorted(found.items())))


def statutory_blocks(year: int) -> list[tuple[str, date, date]]:
    """The statutory days of ``year`` as (name, first, last) runs of consecutive days."""
    blocks: list[tuple[str, date, date]] = []
    for d, name in statutory_holidays(year).items():
        if blocks and blocks[-1][0] == name and blocks[-1][2] + timedelta(days=1) == d:
            blocks[-1] = (name, blocks[-1][1], d)
        else:
            blocks.append((name, d, d))
    return blocks
