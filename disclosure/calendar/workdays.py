"""Working days (工作日): weekends and statutory holidays off, make-up working days (调休) on.

Data, by priority (each source replaces the year entirely, never merges into it):

1. the ``chinesecalendar`` package, 2004 to its last year;
2. override files ``catalog_schemas/calendars/<year>.yaml`` (checked against the package for the
   years it covers, and the way to ship a newly published year without a package release);
3. arrangements the city office loads into the database, handed to the constructor or to
   :meth:`WorkingCalendar.with_year` as dicts of the same shape as the files.

A year without an arrangement is *provisional*: results that touch it are flagged and are
recomputed once the year's arrangement is loaded. From 2025 (the holiday rules in force since
2025-01-01) to 2099 such a year still has its statutory holidays, computed by
:mod:`.holidays` (元旦, 春节 from 除夕 to 初三, 清明节, 劳动节 1–2 May, 端午节, 中秋节, 国庆节 1–3 Oct),
and counts Monday to Friday apart from them; the make-up days (调休) are unknown until the
notice. Other years without data count Monday to Friday only. Any arrangement (package, file,
loaded) replaces the computed days entirely. Everything here is pure: no clock, no database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import chinese_calendar
import yaml

from .. import yamlfile
from ..i18n import _, chinese
from . import holidays as statutory

ONE_DAY = timedelta(days=1)
# i18n: why a day is off or on, as the deadline rules compare it and the notices name it (data)
WEEKEND = "周末"
WORKDAY = "工作日"  # i18n: as above
MAKEUP_SUFFIX = "调休"  # i18n: as above

# How a year's days are known (:meth:`WorkingCalendar.basis`).
ARRANGEMENT = "arrangement"  # a published arrangement: package, override file or loaded
STATUTORY = "statutory"  # no arrangement: statutory holidays computed, no make-up days; provisional
WEEKDAYS = "weekdays"  # nothing known: Monday to Friday; provisional
BASIS_TEXT = {
    ARRANGEMENT: _("已有节假日安排"),
    STATUTORY: _("暂无节假日安排：按法定节日计算（不含调休），暂定"),
    WEEKDAYS: _("暂无节假日安排：按周一至周五计算，暂定"),
}
# i18n: the name of the source, stored with each year (data)
CHINESECALENDAR_SOURCE = (
    f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅节假日安排通知）"
)

# chinesecalendar names its holidays in English; these are the names the notices use.
# i18n: the holidays' names as the notices write them (data)
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_TOP_KEYS = {"year", "source", "holidays", "workdays"}


class CalendarError(ValueError):
    """A holiday arrangement (override file or loaded dict) is invalid. Its message
    (``args[0]``) is a marked message (Chinese, then English): ``str()`` reads it in Chinese,
    :func:`message` in a reader's language."""

    def __str__(self) -> str:
        return chinese(self.args[0]) if self.args else ""


def message(request, exc: CalendarError) -> str:
    """``exc``'s message in the language of ``request``, the names it mentions included."""
    return request.translate(exc.args[0] if exc.args else "")


#: where an arrangement typed on the calendar page is, in its messages
TYPED = _("节假日安排 (holiday arrangement)")


@dataclass(frozen=True)
class WorkdayResult:
    """The outcome of :meth:`WorkingCalendar.add_working_days`."""

    date: date
    provisional: bool
    skipped: list[tuple[date, str]] = field(default_factory=list)  # non-working days, with why


@dataclass(frozen=True)
class _Year:
    year: int
    source: str
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]


# -- arrangements: parsing and validation -------------------------------------------------------


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    raise ValueError


def _entry_dates(entry: Any, where: str) -> tuple[list[date], dict[str, str]]:
    """The days one entry covers, and the entry in canonical (ISO string) form."""
    if not isinstance(entry, Mapping):
        raise CalendarError(
            _(
                "${where}: 应为 {date, name} 或 {from, to, name} (must be a mapping)",
                mapping={"where": where},
            )
        )
    keys = set(entry)
    if keys not in ({"date", "name"}, {"from", "to", "name"}):
        raise CalendarError(
            _(
                "${where}: 字段应为 date+name 或 from+to+name，实际为 ${keys} "
                "(expected date+name or from+to+name)",
                mapping={"where": where, "keys": sorted(map(str, keys))},
            )
        )
    name = entry["name"]
    if not isinstance(name, str) or not name.strip():
        raise CalendarError(
            _("${where}: name 不能为空 (name must be a non-empty string)", mapping={"where": where})
        )
    name = name.strip()
    parsed: dict[str, date] = {}
    for key in keys - {"name"}:
        try:
            parsed[key] = _as_date(entry[key])
        except ValueError:
            raise CalendarError(
                _(
                    "${where}: ${key} 日期无效 ${value}，应为 YYYY-MM-DD "
                    "(invalid date, expected YYYY-MM-DD)",
                    mapping={"where": where, "key": key, "value": repr(entry[key])},
                )
            ) from None
    if "date" in parsed:
        return [parsed["date"]], {"date": parsed["date"].isoformat(), "name": name}
    start, end = parsed["from"], parsed["to"]
    if end < start:
        raise CalendarError(
            _(
                "${where}: 结束日期 ${end} 早于开始日期 ${start} (to is before from)",
                mapping={"where": where, "end": end, "start": start},
            )
        )
    days = [start + ONE_DAY * i for i in range((end - start).days + 1)]
    return days, {"from": start.isoformat(), "to": end.isoformat(), "name": name}


def _expand(
    data: Any, where: str, file_year: int | None = None
) -> tuple[dict[str, Any], dict[date, str], dict[date, str]]:
    """Validate an arrangement; return its canonical form and its days (holidays, workdays)."""
    if not isinstance(data, Mapping):
        raise CalendarError(
            _("${where}: 顶层必须是映射 (top level must be a mapping)", mapping={"where": where})
        )
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise CalendarError(
            _(
                "${where}: 未知字段 ${keys} (unknown keys; allowed: ${allowed})",
                mapping={
                    "where": where,
                    "keys": sorted(map(str, unknown)),
                    "allowed": ", ".join(sorted(_TOP_KEYS)),
                },
            )
        )
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2200:
        raise CalendarError(
            _(
                "${where}: year 必须是年份整数 (year must be an integer year): ${value}",
                mapping={"where": where, "value": repr(year)},
            )
        )
    if file_year is not None and year != file_year:
        raise CalendarError(
            _(
                "${where}: year 为 ${year}，与文件名不符 (year ${year} does not match the file name)",
                mapping={"where": where, "year": year},
            )
        )
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise CalendarError(
            _(
                "${where}: source 必填，写明发布该安排的通知 (source is required: the notice)",
                mapping={"where": where},
            )
        )
    canonical: dict[str, Any] = {"year": year, "source": source.strip()}
    days: dict[str, dict[date, str]] = {}
    for section in ("holidays", "workdays"):
        entries = data.get(section, [])
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise CalendarError(
                _(
                    "${where}: ${section} 必须是列表 (must be a list)",
                    mapping={"where": where, "section": section},
                )
            )
        if section == "holidays" and not entries:
            raise CalendarError(
                _(
                    "${where}: holidays 不能为空 (holidays must not be empty)",
                    mapping={"where": where},
                )
            )
        found: dict[date, str] = {}
        canonical[section] = []
        for i, entry in enumerate(entries):
            at = _(
                "${where}: ${section}[${i}]", mapping={"where": where, "section": section, "i": i}
            )
            covered, normal = _entry_dates(entry, at)
            for d in covered:
                if d.year != year:
                    raise CalendarError(
                        _(
                            "${at}: 日期 ${date} 不在 ${year} 年内 (date ${date} is outside year ${year})",
                            mapping={"at": at, "date": d, "year": year},
                        )
                    )
                if d in found:
                    raise CalendarError(
                        _(
                            "${at}: 日期 ${date} 重复列出 (date ${date} listed twice)",
                            mapping={"at": at, "date": d},
                        )
                    )
                if section == "workdays" and d.weekday() < 5:
                    raise CalendarError(
                        _(
                            "${at}: ${date} 本就是工作日，调休上班日应为周六或周日 "
                            "(a make-up working day must be a Saturday or Sunday)",
                            mapping={"at": at, "date": d},
                        )
                    )
                found[d] = normal["name"]
            canonical[section].append(normal)
        days[section] = found
    both = sorted(set(days["holidays"]) & set(days["workdays"]))
    if both:
        raise CalendarError(
            _(
                "${where}: ${date} 同时列为放假日和调休上班日 "
                "(date ${date} is both a holiday and a working day)",
                mapping={"where": where, "date": both[0]},
            )
        )
    return canonical, days["holidays"], days["workdays"]


def arrangement_days(data: dict, *, where: str = TYPED) -> tuple[dict[date, str], dict[date, str]]:
    """The days an arrangement lists: (holidays, make-up working days), each by date with its
    name. Validates like :func:`parse_arrangement`."""
    _, holidays, workdays = _expand(data, where)
    return holidays, workdays


def parse_arrangement(data: dict, *, where: str = TYPED) -> dict:
    """Validate one year's arrangement (as loaded by the city office) and return it canonical.

    The result has the same shape as the input and the override files, with dates as ISO
    strings and names stripped: JSON-safe, so it can be stored as is, and parsing it again
    gives it back unchanged. Raises :class:`CalendarError` (Chinese, then English) naming the
    entry at fault.
    """
    return _expand(data, where)[0]


def _year_from(data: Any, where: str, file_year: int | None = None) -> _Year:
    canonical, holidays, workdays = _expand(data, where, file_year)
    return _Year(
        canonical["year"],
        canonical["source"],
        MappingProxyType(holidays),
        MappingProxyType(workdays),
    )


def load_overrides(directory: Path) -> dict[int, _Year]:
    """Read ``<year>.yaml`` files from ``directory``; every problem names the file."""
    directory = Path(directory)
    if not directory.is_dir():
        # i18n: an error in the calendar files or the stored years, for the operators
        raise CalendarError(f"{directory}: 目录不存在 (calendar directory missing)")
    years: dict[int, _Year] = {}
    for path in sorted(directory.glob("*.yaml")):
        if not (path.stem.isdigit() and len(path.stem) == 4):
            # i18n: an error in the calendar files or the stored years, for the operators
            raise CalendarError(
                f"{path}: 文件名应为四位年份，如 2026.yaml (file name must be the year)"
            )
        try:
            data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            # i18n: an error in the calendar files or the stored years, for the operators
            raise CalendarError(f"{path}: 无法解析 (cannot parse): {exc}") from None
        year = _year_from(data, str(path), int(path.stem))
        years[year.year] = year
    return years


@functools.cache
def _chinesecalendar_years() -> Mapping[int, _Year]:
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    holidays: dict[int, dict[date, str]] = {y: {} for y in range(first, last + 1)}
    workdays: dict[int, dict[date, str]] = {y: {} for y in range(first, last + 1)}
    for d, name in chinese_calendar.holidays.items():
        holidays[d.year][d] = _HOLIDAY_NAMES.get(name, name)
    for d, name in chinese_calendar.workdays.items():
        workdays[d.year][d] = _HOLIDAY_NAMES.get(name, name) + MAKEUP_SUFFIX
    return MappingProxyType(
        {
            y: _Year(
                y,
                CHINESECALENDAR_SOURCE,
                MappingProxyType(holidays[y]),
                MappingProxyType(workdays[y]),
            )
            for y in holidays
        }
    )


# -- the calendar -------------------------------------------------------------------------------


class WorkingCalendar:
    """Which days are working days, from statutory data, override files and loaded years.

    ``statutory=False`` turns off the computed statutory holidays for years without an
    arrangement (they then count Monday to Friday only, as before 2025's rules were used).
    """

    def __init__(
        self,
        overrides_dir: Path | None = None,
        extra: Iterable[dict] = (),
        *,
        statutory: bool = True,
    ) -> None:
        years = dict(_chinesecalendar_years())
        if overrides_dir is not None:
            years.update(load_overrides(Path(overrides_dir)))
        seen: set[int] = set()
        for i, data in enumerate(extra):
            # i18n: an error in the calendar files or the stored years, for the operators
            year = _year_from(data, f"已录入的节假日安排 (loaded arrangement) #{i + 1}")
            if year.year in seen:
                # i18n: an error in the calendar files or the stored years, for the operators
                raise CalendarError(
                    f"已录入的节假日安排 (loaded arrangement) #{i + 1}: {year.year} 年重复 "
                    f"(year {year.year} loaded twice)"
                )
            seen.add(year.year)
            years[year.year] = year
        self._years: dict[int, _Year] = years
        self._statutory = statutory

    def with_year(self, arrangement: dict) -> WorkingCalendar:
        """A new calendar with ``arrangement`` replacing whatever this one had for its year
        (the computed statutory days included)."""
        year = _year_from(arrangement, TYPED)
        new = object.__new__(WorkingCalendar)
        new._years = {**self._years, year.year: year}
        new._statutory = self._statutory
        return new

    def has_data(self, year: int) -> bool:
        """Whether ``year`` has a published arrangement (days counted there are final)."""
        return year in self._years

    def years(self) -> list[int]:
        """The years with a published arrangement."""
        return sorted(self._years)

    def source(self, year: int) -> str | None:
        """Where this year's data comes from (the notice, or the package), None without an
        arrangement (see :meth:`basis` for the computed statutory days)."""
        data = self._years.get(year)
        return data.source if data else None

    def basis(self, year: int) -> str:
        """:data:`ARRANGEMENT`, :data:`STATUTORY` (computed statutory holidays, provisional) or
        :data:`WEEKDAYS` (Monday to Friday, provisional)."""
        if year in self._years:
            return ARRANGEMENT
        return STATUTORY if self._statutory and statutory.covers(year) else WEEKDAYS

    def statutory_holidays(self, year: int) -> Mapping[date, str]:
        """The computed statutory days off this calendar uses for ``year``: empty when the year
        has an arrangement or is outside the computed range."""
        if self.basis(year) != STATUTORY:
            return MappingProxyType({})
        return statutory.statutory_holidays(year)

    def day_kind(self, d: date) -> tuple[bool, str]:
        """(is it a working day, why): (False, "国庆节"), (False, "周末"), (True, "国庆节调休"),
        (True, "工作日")."""
        data = self._years.get(d.year)
        if data is not None:
            if d in data.workdays:
                return True, data.workdays[d]
            if d in data.holidays:
                return False, data.holidays[d]
        elif self._statutory and statutory.covers(d.year):
            name = statutory.statutory_holidays(d.year).get(d)
            if name is not None:
                return False, name
        return (False, WEEKEND) if d.weekday() >= 5 else (True, WORKDAY)

    def is_working_day(self, d: date) -> bool:
        return self.day_kind(d)[0]

    def add_working_days(self, start: date, n: int) -> WorkdayResult:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        d, counted, provisional = start, 0, False
        skipped: list[tuple[date, str]] = []
        while counted < n:
            d += ONE_DAY
            provisional = provisional or not self.has_data(d.year)
            working, why = self.day_kind(d)
            if working:
                counted += 1
            else:
                skipped.append((d, why))
        return WorkdayResult(d, provisional, skipped)

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days d with a < d <= b (0 when b <= a)."""
        count, d = 0, a
        while d < b:
            d += ONE_DAY
            count += self.is_working_day(d)
        return count
