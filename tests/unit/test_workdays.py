"""The working-day calendar: chinesecalendar, override files, loaded arrangements.

Every date below was checked by hand from 2026-01-01 being a Thursday.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
import yaml

from disclosure.calendar.workdays import (
    ARRANGEMENT,
    STATUTORY,
    WEEKDAYS,
    CalendarError,
    WorkingCalendar,
    arrangement_days,
    parse_arrangement,
)

ROOT = Path(__file__).resolve().parents[2]
CALENDARS = ROOT / "catalog_schemas" / "calendars"

# A made-up 2027 arrangement for tests only (the real one is not published here).
ARRANGEMENT_2027 = {
    "year": 2027,
    "source": "测试用 2027 年安排 (test data)",
    "holidays": [
        {"from": date(2027, 1, 1), "to": date(2027, 1, 3), "name": "元旦"},  # Fri–Sun
        {"from": date(2027, 2, 6), "to": date(2027, 2, 14), "name": "春节"},  # Sat–Sun
    ],
    "workdays": [{"date": date(2027, 2, 20), "name": "春节调休"}],  # a Saturday
}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(CALENDARS)


def write(directory: Path, name: str, data) -> Path:
    path = directory / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def days_of(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


# -- the shipped 2026 file --------------------------------------------------------------------


def test_2026_file_is_used_and_agrees_with_chinesecalendar_on_every_day(cal):
    package = WorkingCalendar(None)
    assert cal.source(2026) == "国务院办公厅关于2026年部分节假日安排的通知"
    assert package.source(2026).startswith("chinesecalendar")
    for d in days_of(2026):
        assert cal.is_working_day(d) == chinese_calendar.is_workday(d), d
        assert cal.day_kind(d) == package.day_kind(d), d


def test_day_kind_2026(cal):
    assert date(2026, 1, 1).weekday() == 3  # Thursday
    assert cal.day_kind(date(2026, 1, 1)) == (False, "元旦")
    assert cal.day_kind(date(2026, 1, 3)) == (False, "元旦")  # Saturday inside the block
    assert cal.day_kind(date(2026, 1, 4)) == (True, "元旦调休")  # Sunday
    assert cal.day_kind(date(2026, 2, 14)) == (True, "春节调休")  # Saturday
    assert cal.day_kind(date(2026, 2, 23)) == (False, "春节")  # Monday
    assert cal.day_kind(date(2026, 2, 28)) == (True, "春节调休")  # Saturday
    assert cal.day_kind(date(2026, 5, 9)) == (True, "劳动节调休")  # Saturday
    assert cal.day_kind(date(2026, 9, 20)) == (True, "国庆节调休")  # Sunday
    assert cal.day_kind(date(2026, 10, 3)) == (False, "国庆节")
    assert cal.day_kind(date(2026, 10, 10)) == (True, "国庆节调休")  # Saturday
    assert cal.day_kind(date(2026, 10, 11)) == (False, "周末")  # Sunday
    assert cal.day_kind(date(2026, 10, 12)) == (True, "工作日")  # Monday
    assert not cal.is_working_day(date(2026, 6, 19))  # Friday, 端午节
    assert cal.has_data(2004) and cal.has_data(2026) and not cal.has_data(2027)


# -- counting ---------------------------------------------------------------------------------


def test_add_working_days_over_mid_autumn_and_national_day(cal):
    result = cal.add_working_days(date(2026, 9, 24), 20)  # Thursday
    assert result.date == date(2026, 10, 29)  # Thursday
    assert not result.provisional
    skipped = dict(result.skipped)
    assert [d for d, why in result.skipped if why == "中秋节"] == [
        date(2026, 9, 25),
        date(2026, 9, 26),
        date(2026, 9, 27),
    ]
    assert [d for d, why in result.skipped if why == "国庆节"] == [
        date(2026, 10, 1) + timedelta(days=i) for i in range(7)
    ]
    assert date(2026, 10, 10) not in skipped  # make-up Saturday counts
    assert [d for d, why in result.skipped if why == "周末"] == [
        date(2026, 10, 11),
        date(2026, 10, 17),
        date(2026, 10, 18),
        date(2026, 10, 24),
        date(2026, 10, 25),
    ]


def test_add_working_days_over_spring_festival_counts_make_up_saturdays(cal):
    # Tue 10 Feb: 11,12,13 are days 1-3, Sat 14 is day 4, 15-23 off, 24-27 days 5-8,
    # Sat 28 is day 9, then 2-6 Mar 10-14, 9-13 Mar 15-19, Mon 16 Mar day 20.
    result = cal.add_working_days(date(2026, 2, 10), 20)
    assert result.date == date(2026, 3, 16)
    skipped = dict(result.skipped)
    assert date(2026, 2, 14) not in skipped and date(2026, 2, 28) not in skipped
    assert all(skipped[date(2026, 2, 15) + timedelta(days=i)] == "春节" for i in range(9))
    assert cal.add_working_days(date(2026, 2, 10), 4).date == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 27), 1).date == date(2026, 2, 28)


def test_add_zero_and_negative(cal):
    assert cal.add_working_days(date(2026, 10, 3), 0).date == date(2026, 10, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 3), -1)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert cal.working_days_between(date(2026, 10, 9), date(2026, 10, 12)) == 2  # 10th, 12th
    assert cal.working_days_between(date(2026, 9, 24), date(2026, 10, 29)) == 20
    assert cal.working_days_between(date(2026, 10, 29), date(2026, 10, 29)) == 0
    assert cal.working_days_between(date(2026, 10, 29), date(2026, 10, 1)) == 0


def test_year_without_arrangement_counts_statutory_days_and_is_provisional(cal):
    assert not cal.has_data(2027) and cal.basis(2027) == STATUTORY and cal.source(2027) is None
    assert cal.basis(2026) == ARRANGEMENT
    assert cal.day_kind(date(2027, 1, 1)) == (False, "元旦")  # a Friday, computed
    assert cal.day_kind(date(2027, 1, 2)) == (False, "周末")
    assert cal.day_kind(date(2027, 2, 5)) == (False, "春节")  # Friday, 除夕
    assert cal.day_kind(date(2027, 2, 8)) == (False, "春节")  # Monday, 初三
    assert cal.day_kind(date(2027, 2, 9)) == (True, "工作日")  # make-up days are unknown
    result = cal.add_working_days(date(2026, 12, 30), 3)  # Wed: 31 Dec, 4 Jan, 5 Jan
    assert result.date == date(2027, 1, 5)
    assert result.provisional
    assert result.skipped == [
        (date(2027, 1, 1), "元旦"),
        (date(2027, 1, 2), "周末"),
        (date(2027, 1, 3), "周末"),
    ]
    assert not cal.add_working_days(date(2026, 12, 29), 2).provisional  # ends 31 Dec


def test_deadline_over_national_day_2027_skips_the_statutory_days_and_is_provisional(cal):
    # Tue 14 Sep 2027: Wed 15 中秋节 off; 16-17 (2), 20-24 (7), 27-30 (11); 1-3 Oct 国庆节
    # (Fri-Sun); 4-8 Oct (16), 11-14 Oct (20): Thu 14 Oct, provisional.
    result = cal.add_working_days(date(2027, 9, 14), 20)
    assert result.date == date(2027, 10, 14) and result.provisional
    assert [d for d, why in result.skipped if why == "国庆节"] == [
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
    ]
    assert (date(2027, 9, 15), "中秋节") in result.skipped
    assert cal.working_days_between(date(2027, 9, 30), date(2027, 10, 4)) == 1
    # weekdays only, as without the computed days: 15 Sep and 1 Oct count, Tue 12 Oct
    weekdays = WorkingCalendar(CALENDARS, statutory=False)
    assert weekdays.basis(2027) == WEEKDAYS
    assert weekdays.add_working_days(date(2027, 9, 14), 20).date == date(2027, 10, 12)


def test_years_outside_the_computed_range_count_weekdays(cal):
    assert cal.basis(2100) == WEEKDAYS and cal.basis(2003) == WEEKDAYS
    assert cal.day_kind(date(2100, 1, 1)) == (True, "工作日")  # a Friday
    assert cal.day_kind(date(2003, 10, 1)) == (True, "工作日")  # before chinesecalendar
    assert cal.statutory_holidays(2100) == {} and cal.statutory_holidays(2026) == {}
    assert len(cal.statutory_holidays(2099)) == 13


def test_loaded_arrangement_replaces_the_computed_statutory_days(cal):
    loaded = cal.with_year(ARRANGEMENT_2027)  # lists only 元旦 and 春节 6-14 Feb
    assert loaded.basis(2027) == ARRANGEMENT and loaded.statutory_holidays(2027) == {}
    assert loaded.day_kind(date(2027, 2, 5)) == (True, "工作日")  # 除夕 not in this notice
    assert loaded.day_kind(date(2027, 10, 1)) == (True, "工作日")  # nor 国庆节
    result = loaded.add_working_days(date(2027, 9, 14), 20)
    assert result.date == date(2027, 10, 12) and not result.provisional
    assert cal.add_working_days(date(2027, 9, 14), 20).date == date(2027, 10, 14)  # unchanged
    weekdays = WorkingCalendar(CALENDARS, statutory=False).with_year(ARRANGEMENT_2027)
    assert weekdays.basis(2028) == WEEKDAYS  # the setting survives with_year


def test_arrangement_days():
    holidays, workdays = arrangement_days(ARRANGEMENT_2027)
    assert len(holidays) == 3 + 9 and holidays[date(2027, 2, 10)] == "春节"
    assert workdays == {date(2027, 2, 20): "春节调休"}
    with pytest.raises(CalendarError, match="holidays must not be empty"):
        arrangement_days({**ARRANGEMENT_2027, "holidays": []})


# -- loaded arrangements ------------------------------------------------------------------------


def test_with_year_returns_a_new_calendar(cal):
    loaded = cal.with_year(ARRANGEMENT_2027)
    assert loaded.has_data(2027) and not cal.has_data(2027)
    assert loaded.day_kind(date(2027, 1, 1)) == (False, "元旦")
    assert loaded.day_kind(date(2027, 2, 20)) == (True, "春节调休")
    assert cal.day_kind(date(2027, 2, 20)) == (False, "周末")
    result = loaded.add_working_days(date(2026, 12, 30), 3)  # 31 Dec, 4 Jan, 5 Jan
    assert result.date == date(2027, 1, 5) and not result.provisional
    assert loaded.source(2026) == cal.source(2026)


def test_constructor_takes_json_arrangements_from_the_database():
    stored = json.loads(json.dumps(parse_arrangement(ARRANGEMENT_2027)))
    cal = WorkingCalendar(CALENDARS, extra=[stored])
    assert cal.source(2027) == "测试用 2027 年安排 (test data)"
    assert not cal.is_working_day(date(2027, 2, 8))  # Monday in the 春节 block
    with pytest.raises(CalendarError, match="year 2027 loaded twice"):
        WorkingCalendar(CALENDARS, extra=[stored, stored])


def test_parse_arrangement_is_canonical_and_idempotent():
    canonical = parse_arrangement(ARRANGEMENT_2027)
    assert canonical["holidays"][0] == {"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}
    assert canonical["workdays"] == [{"date": "2027-02-20", "name": "春节调休"}]
    assert parse_arrangement(canonical) == canonical
    json.dumps(canonical)


def test_parse_arrangement_errors_in_chinese_and_english():
    bad = {**ARRANGEMENT_2027, "workdays": [{"date": "2028-01-01", "name": "调休"}]}
    with pytest.raises(CalendarError) as exc:
        parse_arrangement(bad)
    message = str(exc.value)
    assert "workdays[0]" in message
    assert "不在 2027 年内" in message and "outside year 2027" in message


def test_override_file_replaces_the_year_entirely(tmp_path):
    write(
        tmp_path,
        "2026.yaml",
        {"year": 2026, "source": "test", "holidays": [{"date": date(2026, 1, 1), "name": "元旦"}]},
    )
    cal = WorkingCalendar(tmp_path)
    assert cal.day_kind(date(2026, 10, 1)) == (True, "工作日")  # no 国庆节 in this file
    assert cal.day_kind(date(2026, 10, 10)) == (False, "周末")  # nor its make-up day
    assert cal.day_kind(date(2026, 1, 1)) == (False, "元旦")
    assert cal.has_data(2025)  # other years still from chinesecalendar


def test_override_file_for_a_new_year(tmp_path):
    write(tmp_path, "2027.yaml", ARRANGEMENT_2027)
    cal = WorkingCalendar(tmp_path)
    assert cal.has_data(2027)
    assert cal.day_kind(date(2027, 1, 1)) == (False, "元旦")
    assert cal.add_working_days(date(2026, 12, 30), 3).date == date(2027, 1, 5)


GOOD = {
    "year": 2027,
    "source": "test",
    "holidays": [{"from": "2027-02-06", "to": "2027-02-14", "name": "春节"}],
    "workdays": [{"date": "2027-02-20", "name": "春节调休"}],
}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("2027.yaml", {**GOOD, "year": 2026}, "does not match the file name"),
        (
            "2027.yaml",
            {**GOOD, "holidays": [{"date": "2028-01-01", "name": "元旦"}]},
            "holidays[0]: 日期 2028-01-01 不在 2027 年内",
        ),
        (
            "2027.yaml",
            {**GOOD, "workdays": [{"date": "2027-02-13", "name": "调休"}]},
            "both a holiday and a working day",
        ),
        (
            "2027.yaml",
            {**GOOD, "workdays": [{"date": "2027-02-22", "name": "调休"}]},  # a Monday
            "workdays[0]: 2027-02-22 本就是工作日",
        ),
        (
            "2027.yaml",
            {**GOOD, "holidays": [{"from": "2027-02-14", "to": "2027-02-06", "name": "春节"}]},
            "to is before from",
        ),
        ("2027.yaml", {**GOOD, "holidays": [{"date": "2027-02-08"}]}, "holidays[0]: 字段应为"),
        ("2027.yaml", {**GOOD, "holidays": [{"date": "2027-13-01", "name": "x"}]}, "日期无效"),
        (
            "2027.yaml",
            {**GOOD, "holidays": GOOD["holidays"] * 2},
            "holidays[1]: 日期 2027-02-06 重复列出",
        ),
        ("2027.yaml", {k: v for k, v in GOOD.items() if k != "source"}, "source is required"),
        ("2027.yaml", {**GOOD, "holiday": []}, "unknown keys"),
        ("2027.yaml", {**GOOD, "holidays": []}, "holidays must not be empty"),
        ("2027.yaml", "year: [2027\n", "cannot parse"),
        ("2027.yaml", "- 2027\n", "top level must be a mapping"),
        ("next.yaml", GOOD, "file name must be the year"),
    ],
)
def test_bad_override_file_is_rejected_naming_the_file(tmp_path, name, content, expected):
    path = write(tmp_path, name, content)
    with pytest.raises(CalendarError) as exc:
        WorkingCalendar(tmp_path)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)


def test_missing_override_directory(tmp_path):
    with pytest.raises(CalendarError, match="calendar directory missing"):
        WorkingCalendar(tmp_path / "nowhere")
