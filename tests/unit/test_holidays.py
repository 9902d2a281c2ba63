"""The statutory holidays computed for years without an arrangement (rules since 2025-01-01)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from disclosure.calendar.holidays import (
    FIRST_YEAR,
    LAST_YEAR,
    lunar_day,
    qingming,
    statutory_blocks,
    statutory_holidays,
)

# -- 清明: the solar term ---------------------------------------------------------------------------


def test_qingming_agrees_with_chinesecalendars_table_1990_to_2099():
    for year in range(1990, 2100):
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        assert [d for d, name in terms if name == "清明"] == [qingming(year)], year


def test_qingming_is_the_tomb_sweeping_holiday_in_chinesecalendar_2008_to_2026():
    # 清明节 has been a day off since 2008; chinesecalendar's arrangements name the day
    for year in range(2008, 2027):
        assert chinese_calendar.get_holiday_detail(qingming(year)) == (True, "Tomb-sweeping Day")


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2004, date(2004, 4, 4)),
        (2019, date(2019, 4, 5)),
        (2025, date(2025, 4, 4)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 4, 5)),
        (2028, date(2028, 4, 4)),
        (2029, date(2029, 4, 4)),
        (2030, date(2030, 4, 5)),
        (2100, date(2100, 4, 5)),  # 2100 is not a leap year (chinesecalendar says 4 Apr)
    ],
)
def test_qingming_known_dates(year, day):
    assert qingming(year) == day


def _sun_longitude(jde: float) -> float:
    """Apparent ecliptic longitude of the sun, degrees (Meeus, ch. 25, low accuracy ~0.01°)."""
    t = (jde - 2451545.0) / 36525
    mean = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(m)
        + (0.019993 - 0.000101 * t) * math.sin(2 * m)
        + 0.000289 * math.sin(3 * m)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (mean + centre - 0.00569 - 0.00478 * math.sin(omega)) % 360


def _qingming_moment(year: int) -> datetime:
    """Beijing time when the sun reaches 15°, by bisection (ΔT taken as 69 s + 0.5 s/yr)."""
    epoch = datetime(2000, 1, 1, 12)  # JD 2451545.0, UT
    delta_t = (69 + 0.5 * max(0, year - 2020)) / 86400
    lo, hi = datetime(year, 4, 1), datetime(year, 4, 8)
    for _ in range(50):
        mid = lo + (hi - lo) / 2
        jde = 2451545.0 + (mid - epoch) / timedelta(days=1) + delta_t
        if (_sun_longitude(jde) - 15 + 180) % 360 - 180 < 0:
            lo = mid
        else:
            hi = mid
    return lo + timedelta(hours=8)


def test_qingming_formula_matches_the_sun_1990_to_2100():
    close_to_midnight = []
    for year in range(1990, 2101):
        moment = _qingming_moment(year)
        minutes = moment.hour * 60 + moment.minute
        if min(minutes, 1440 - minutes) < 15:  # within the low-accuracy model's error
            close_to_midnight.append(year)
            continue
        assert qingming(year) == moment.date(), (year, moment)
    assert close_to_midnight == [2071]  # 00:05 on 5 Apr; the formula also says 5 Apr
    assert qingming(2071) == date(2071, 4, 5)


def test_qingming_range():
    for bad in (1900, 2101, True, "2027"):
        with pytest.raises(ValueError):
            qingming(bad)


# -- the statutory days ---------------------------------------------------------------------------


def test_2027():
    assert dict(statutory_holidays(2027)) == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",  # 除夕
        date(2027, 2, 6): "春节",  # 正月初一
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",  # 初三
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }
    assert statutory_blocks(2027)[1] == ("春节", date(2027, 2, 5), date(2027, 2, 8))


def test_mid_autumn_on_national_day_2028_carries_both_names():
    days = statutory_holidays(2028)
    assert days[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days) == 12
    assert statutory_blocks(2028)[-2:] == [
        ("国庆节", date(2028, 10, 1), date(2028, 10, 2)),
        ("中秋节、国庆节", date(2028, 10, 3), date(2028, 10, 3)),
    ]


def test_the_rules_give_days_that_chinesecalendar_has_off_in_2025_and_2026():
    # the published 2025 and 2026 arrangements follow the same rules: every statutory day is off
    for year in (2025, 2026):
        for d, name in statutory_holidays(year).items():
            assert chinese_calendar.is_holiday(d), (d, name)


def test_lunar_festivals_agree_with_chinesecalendar_2008_to_2026():
    # 春节 (初一), 端午节 and 中秋节 have all been days off since 2008; lunardate must find them
    for year in range(2008, 2027):
        for month, day in ((1, 1), (5, 5), (8, 15)):
            assert chinese_calendar.is_holiday(lunar_day(year, month, day)), (year, month, day)


def test_every_computed_year_is_whole():
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        days = statutory_holidays(year)
        assert 12 <= len(days) <= 13 and all(d.year == year for d in days), year
        names = "、".join(days.values())
        for name in ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"):
            assert name in names, (year, name)
        eve = min(d for d, n in days.items() if n == "春节")
        assert date(year, 1, 20) <= eve <= date(year, 2, 19), year


def test_range():
    for bad in (FIRST_YEAR - 1, LAST_YEAR + 1, True):
        with pytest.raises(ValueError):
            statutory_holidays(bad)
    with pytest.raises(TypeError):
        statutory_holidays(2027)[date(2027, 1, 1)] = "x"  # read-only
