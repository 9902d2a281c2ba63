"""The figures of one scope and year, from the database.

What is counted: the disclosure requests (``request_kind`` "disclosure"; corrections of records,
Art. 41, are not counted) RECEIVED in the year (``received_on``) by the organisations of the
scope. Outcomes, the on-time rate and the answer times are those of the requests among them
that have been answered or closed so far (a withdrawn request has neither an answer time nor a
place in the on-time rate; it counts under 其他处理, as in the annual report, 三（六）3).

Only the columns the figures need are read: never the applicant's name, identity or contact
details, so no figure can carry them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _
from ..models import DisclosureRequest, Organisation
from ..models.requests import OPEN_STATUSES, RequestStatus
from .measures import answer_working_days, answered_on_time, median, on_time_rate, percentile

R = DisclosureRequest
# The columns read (no personal data).
COLUMNS = (
    R.id,
    R.tracking_number,
    R.organisation_id,
    R.status,
    R.request_kind,
    R.applicant_type,
    R.applicant_category,
    R.received_on,
    R.due_on,
    R.answered_on,
    R.closed_on,
    R.outcome,
    R.report_row,
    R.deadline,
    R.clock_events,
)

# The labels below are marked messages: shown through request.translate (the pages, the CSV).
MONTHS = (
    _("1月"),
    _("2月"),
    _("3月"),
    _("4月"),
    _("5月"),
    _("6月"),
    _("7月"),
    _("8月"),
    _("9月"),
    _("10月"),
    _("11月"),
    _("12月"),
)
# Table 三's groups of results (the 2021 national template), by report-row prefix.
# i18n: the prefixes are the report rows' codes (data); the labels are marked
RESULT_GROUPS = (
    ("三（一）", _("予以公开")),
    ("三（二）", _("部分公开")),
    ("三（三）", _("不予公开")),
    ("三（四）", _("无法提供")),
    ("三（五）", _("不予处理")),
    ("三（六）", _("其他处理")),
)
OPEN_LABEL = _("尚未办结")
NO_RESULT_LABEL = _("已办结未登记结果")
TIMELINESS = (_("按期办结"), _("逾期办结"), _("办理中（未逾期）"), _("办理中（已逾期）"))
# Working days to answer, net of pauses: (label, lowest, highest) per bucket.
DAY_BUCKETS = (
    (_("当日"), 0, 0),
    (_("1–5日"), 1, 5),
    (_("6–10日"), 6, 10),
    (_("11–15日"), 11, 15),
    (_("16–20日"), 16, 20),
    (_("21–30日"), 21, 30),
    (_("31–40日"), 31, 40),
    (_("40日以上"), 41, None),
)
NATURAL_PERSON = _("自然人")
OTHER_APPLICANTS = _("其他")
#: the unit of every figure (a count of requests), as the charts know it (charts.value_text)
COUNT = "件"  # i18n: a unit code, shown through charts.value_text


@dataclass(frozen=True)
class Figure:
    """One figure: a chart, the table beside it and its CSV have the same rows."""

    key: str  # the ``figure`` parameter of the CSV download
    title: str  # a marked message, as are heading, note and most bar labels
    heading: str  # the table's first column
    unit: str  # of the values: 件 (COUNT)
    bars: list[tuple[str, int]]
    note: str = ""  # a sentence under the chart (a rate, a median)
    chart: bool = True


@dataclass
class Summary:
    received: int
    finished: int
    open: int
    overdue_open: int
    on_time: int
    late: int
    rate: float | None  # 0..1
    median_days: float | None
    p90_days: float | None


@dataclass
class OrganisationRow:
    """One body's line of the officer breakdown."""

    organisation: Organisation
    depth: int
    received: int
    finished: int
    rate: float | None
    median_days: float | None
    overdue_open: int


@dataclass
class Figures:
    year: int
    summary: Summary
    figures: list[Figure]
    outcome_types: list[tuple[str, int]]
    cases: list[Any] = field(default_factory=list)  # the rows counted (no personal data)

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def load_cases(db: Session, organisation_ids: Iterable[int] | None, year: int) -> list[Any]:
    """The disclosure requests received in ``year`` by those organisations (None: all)."""
    query = select(*COLUMNS).where(
        R.request_kind == "disclosure",
        R.received_on >= date(year, 1, 1),
        R.received_on <= date(year, 12, 31),
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        if not ids:
            return []
        query = query.where(R.organisation_id.in_(ids))
    return list(db.execute(query.order_by(R.received_on, R.id)))


def is_open(case: Any) -> bool:
    return case.status in OPEN_STATUSES


def is_overdue_open(case: Any, today: date) -> bool:
    """Open, past its due date, and not waiting for a correction (its period is not running:
    it starts afresh from the corrected request)."""
    return is_open(case) and case.status != RequestStatus.CORRECTION and case.due_on < today


def result_group(case: Any) -> str:
    if is_open(case):
        return OPEN_LABEL
    for prefix, label in RESULT_GROUPS:
        if case.report_row.startswith(prefix):
            return label
    return NO_RESULT_LABEL


def applicant_column(case: Any, categories: dict[str, str]) -> str:
    if case.applicant_type != "organisation":
        return NATURAL_PERSON
    return categories.get(case.applicant_category) or categories.get("other", OTHER_APPLICANTS)


def day_bucket(days: int) -> str:
    for label, low, high in DAY_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    raise ValueError(days)


def summarise(cases: Sequence[Any], calendar: Any, today: date) -> Summary:
    marks = [answered_on_time(c) for c in cases]
    days = [d for d in (answer_working_days(c, calendar) for c in cases) if d is not None]
    return Summary(
        received=len(cases),
        finished=sum(1 for c in cases if not is_open(c)),
        open=sum(1 for c in cases if is_open(c)),
        overdue_open=sum(1 for c in cases if is_overdue_open(c, today)),
        on_time=marks.count(True),
        late=marks.count(False),
        rate=on_time_rate(cases),
        median_days=median(days),
        p90_days=percentile(days, 90),
    )


def percent(rate: float | None) -> str:
    return "——" if rate is None else f"{rate * 100:.1f}%"


def days_text(value: float | None) -> str:
    if value is None:
        return "——"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def compute(
    cases: Sequence[Any],
    year: int,
    *,
    calendar: Any,
    today: date,
    categories: dict[str, str],
    outcome_label,
) -> Figures:
    """Every figure of ``cases`` (from :func:`load_cases`). ``categories``: code → label of the
    organisation applicants' categories; ``outcome_label``: code → the law's label."""
    summary = summarise(cases, calendar, today)

    monthly = Counter(c.received_on.month for c in cases)
    groups = Counter(result_group(c) for c in cases)
    result_bars = [(label, groups[label]) for _prefix, label in RESULT_GROUPS]
    if groups[NO_RESULT_LABEL]:
        result_bars.append((NO_RESULT_LABEL, groups[NO_RESULT_LABEL]))
    result_bars.append((OPEN_LABEL, groups[OPEN_LABEL]))

    in_progress_late = summary.overdue_open
    timeliness = list(
        zip(
            TIMELINESS,
            (summary.on_time, summary.late, summary.open - in_progress_late, in_progress_late),
            strict=True,
        )
    )
    days = Counter(
        day_bucket(d) for d in (answer_working_days(c, calendar) for c in cases) if d is not None
    )
    applicants = Counter(applicant_column(c, categories) for c in cases)
    columns = [NATURAL_PERSON, *categories.values()]

    types = Counter(c.outcome for c in cases if not is_open(c) and c.outcome)
    outcome_types = sorted(
        ((outcome_label(code), n) for code, n in types.items()), key=lambda x: (-x[1], x[0])
    )

    figures = [
        Figure(
            "monthly",
            _("${year}年各月收到的政府信息公开申请", mapping={"year": year}),
            _("月份"),
            COUNT,
            [(label, monthly[m]) for m, label in enumerate(MONTHS, start=1)],
            note=_("全年共收到 ${n} 件。", mapping={"n": summary.received}),
        ),
        Figure(
            "outcomes",
            _("${year}年收到的申请的办理结果", mapping={"year": year}),
            _("办理结果"),
            COUNT,
            result_bars,
            note=_(
                "已办结 ${finished} 件，尚未办结 ${open} 件。",
                mapping={"finished": summary.finished, "open": summary.open},
            ),
        ),
        Figure(
            "timeliness",
            _("${year}年收到的申请是否按期办结", mapping={"year": year}),
            _("办理情况"),
            COUNT,
            timeliness,
            note=_(
                "按期办结率 ${rate}（已办结的申请中，在答复期限内答复或办结的"
                "比例；答复期限已扣除征求意见、缴费等不计算在内的期间，并计入延期与重新计算）。",
                mapping={"rate": percent(summary.rate)},
            ),
        ),
        Figure(
            "answer_days",
            _("${year}年收到的申请答复所用工作日", mapping={"year": year}),
            _("所用工作日"),
            COUNT,
            [(label, days[label]) for label, _low, _high in DAY_BUCKETS],
            note=_(
                "中位数 ${median} 个工作日，第90百分位数 "
                "${p90} 个工作日（自收到申请或重新计算之日的次日起，"
                "至答复或办结之日，扣除征求意见、缴费等期间）。",
                mapping={
                    "median": days_text(summary.median_days),
                    "p90": days_text(summary.p90_days),
                },
            ),
        ),
        Figure(
            "applicants",
            _("${year}年收到的申请按申请人类型", mapping={"year": year}),
            _("申请人类型"),
            COUNT,
            [(label, applicants[label]) for label in columns],
        ),
        Figure(
            "outcome_types",
            _("${year}年已办结申请的答复类型", mapping={"year": year}),
            _("答复类型"),
            COUNT,
            outcome_types,
            chart=False,
        ),
    ]
    return Figures(year, summary, figures, outcome_types, list(cases))


def breakdown(
    cases: Sequence[Any],
    organisations: Sequence[tuple[Organisation, int]],
    *,
    calendar: Any,
    today: date,
) -> list[OrganisationRow]:
    """One row per organisation (with its depth in the tree), its own cases only."""
    by_org: dict[int, list[Any]] = {}
    for c in cases:
        by_org.setdefault(c.organisation_id, []).append(c)
    rows = []
    for org, depth in organisations:
        mine = by_org.get(org.id, [])
        s = summarise(mine, calendar, today)
        rows.append(
            OrganisationRow(
                org, depth, s.received, s.finished, s.rate, s.median_days, s.overdue_open
            )
        )
    return rows


def summary_rows(s: Summary) -> list[tuple[str, str]]:
    """The summary as (label, value) lines: the page's list and the ``summary`` CSV (the
    labels are marked messages)."""
    return [
        (_("收到申请（件）"), str(s.received)),
        (_("已办结（件）"), str(s.finished)),
        (_("尚未办结（件）"), str(s.open)),
        (_("其中已逾期（件）"), str(s.overdue_open)),
        (_("按期办结（件）"), str(s.on_time)),
        (_("逾期办结（件）"), str(s.late)),
        (_("按期办结率"), percent(s.rate)),
        (_("答复所用工作日中位数"), days_text(s.median_days)),
        (_("答复所用工作日第90百分位数"), days_text(s.p90_days)),
    ]
