"""The city office loads a year's holiday arrangement; open provisional deadlines are recomputed.

Loading takes two steps: a POST without ``confirm=1`` only shows what would change (the year,
its days off and make-up days, and each open provisional case with its old and new due date,
computed without touching the database); the confirm button posts the same text again with
``confirm=1``, and only that loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import yaml
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from ..clock import today
from ..dates import month_day
from ..i18n import CHINESE, _
from ..models import CalendarYear, DisclosureRequest
from ..models.requests import OPEN_STATUSES
from ..requests.services import recompute_provisional
from ..requests.workflow import Actor, recompute
from ..security import Permission
from .holidays import statutory_blocks
from .workdays import (
    ARRANGEMENT,
    BASIS_TEXT,
    STATUTORY,
    CalendarError,
    arrangement_days,
    message,
    parse_arrangement,
)

MAX_TEXT = 20000

# Shown as the textarea's placeholder, never as its value.
# i18n: an arrangement as the notices write it (data, in Chinese whatever the language)
EXAMPLE = """year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {from: 2027-02-06, to: 2027-02-12, name: 春节}
workdays:
  - {date: 2027-02-14, name: 春节调休}
"""


def _parse(arrangement_text: str) -> dict:
    """The text as a validated, JSON-safe arrangement; CalendarError in Chinese otherwise."""
    if not arrangement_text.strip():
        raise CalendarError(_("请填写节假日安排"))
    try:
        raw = yaml.safe_load(arrangement_text)
    except yaml.YAMLError as exc:
        raise CalendarError(_("无法解析 YAML：${error}", mapping={"error": str(exc)})) from None
    if not isinstance(raw, dict):
        raise CalendarError(_("内容应为一个 YAML 映射（year、source、holidays、workdays）"))
    return parse_arrangement(raw)


def load_year(db, rules, arrangement_text: str, user, on) -> tuple[int, int]:
    """Parse, store (replacing the same year) and recompute. Returns (year, recomputed)."""
    stored = _parse(arrangement_text)
    year = int(stored["year"])
    row = db.get(CalendarYear, year)
    if row is None:
        db.add(CalendarYear(year=year, arrangement=stored, loaded_by_id=user.id if user else None))
    else:
        row.arrangement, row.loaded_by_id = stored, user.id if user else None
    db.flush()
    actor = Actor("officer", user) if user else Actor.system()
    return year, recompute_provisional(db, rules, on, actor)


@dataclass(frozen=True)
class CaseChange:
    """One open provisional case and its due date before and after loading."""

    id: int
    tracking_number: str
    received_on: date
    old_due: date
    new_due: date | None
    new_provisional: bool
    error: str = ""

    @property
    def changed(self) -> bool:
        return self.error == "" and self.new_due != self.old_due


@dataclass(frozen=True)
class Preview:
    year: int
    source: str
    holiday_entries: int
    holiday_days: int
    workday_entries: int
    workday_days: int
    replaces: str  # what the year has now (a marked message: show it with |t)
    unlisted_statutory: list[tuple[date, str]] = field(default_factory=list)
    cases: list[CaseChange] = field(default_factory=list)


class _Shadow:
    """Reads through to a request and keeps writes to itself: the workflow's own
    :func:`recompute` runs on it without changing the request."""

    def __init__(self, request) -> None:
        object.__setattr__(self, "_request", request)

    def __getattr__(self, name):
        return getattr(self._request, name)


def preview_year(db, rules, arrangement_text: str, on: date) -> Preview:
    """What loading ``arrangement_text`` would change; reads the database, writes nothing.

    The same recomputation as :func:`load_year` (every open request whose due date is
    provisional, by the workflow's ``recompute``), on a calendar that has the new year, with
    the results kept off the requests.
    """
    stored = _parse(arrangement_text)
    year = int(stored["year"])
    holidays, workdays = arrangement_days(stored)
    current = rules.calendar(db)
    basis = current.basis(year)
    if basis == ARRANGEMENT:
        replaces = _("将替换现有安排：${source}", mapping={"source": current.source(year)})
    else:
        replaces = _("该年目前${basis}", mapping={"basis": BASIS_TEXT[basis]})
    unlisted = []
    if basis == STATUTORY:
        unlisted = [
            (d, name) for d, name in current.statutory_holidays(year).items() if d not in holidays
        ]
    ctx = rules.context(db, on)
    ctx = replace(ctx, calendar=ctx.calendar.with_year(stored))
    cases = []
    for req in db.scalars(
        select(DisclosureRequest)
        .where(DisclosureRequest.provisional.is_(True), DisclosureRequest.status.in_(OPEN_STATUSES))
        .order_by(DisclosureRequest.due_on, DisclosureRequest.id)
    ):
        shadow = _Shadow(req)
        try:
            recompute(shadow, ctx)
        except (ValueError, KeyError) as exc:  # DeadlineError is a ValueError
            cases.append(
                CaseChange(
                    req.id, req.tracking_number, req.received_on, req.due_on, None, True, str(exc)
                )
            )
        else:
            cases.append(
                CaseChange(
                    req.id,
                    req.tracking_number,
                    req.received_on,
                    req.due_on,
                    shadow.due_on,
                    shadow.provisional,
                )
            )
    return Preview(
        year=year,
        source=stored["source"],
        holiday_entries=len(stored["holidays"]),
        holiday_days=len(holidays),
        workday_entries=len(stored["workdays"]),
        workday_days=len(workdays),
        replaces=replaces,
        unlisted_statutory=unlisted,
        cases=cases,
    )


def _statutory_summary(request, calendar, year: int) -> str:
    """The computed statutory days of a year without an arrangement, for the table (the
    holidays' names as the notices write them)."""
    if not calendar.statutory_holidays(year):
        return ""
    language = request.locale_name
    separator = "；" if language == CHINESE else "; "  # i18n: the punctuation of each language
    return separator.join(
        request.translate(
            _(
                "${name} ${start}至${end}",
                mapping={
                    "name": name,
                    "start": month_day(a, language),
                    "end": month_day(b, language),
                },
            )
        )
        if b != a
        else f"{name} {month_day(a, language)}"
        for name, a, b in statutory_blocks(year)
    )


@view_config(
    route_name="officer_calendar", renderer="calendar.jinja2", permission=Permission.CALENDAR_MANAGE
)
def calendar_page(request):
    rules = request.registry["request_rules"]
    error, text, preview = None, "", None
    if request.method == "POST":
        text = request.POST.get("arrangement", "")
        try:
            if len(text) > MAX_TEXT:
                raise CalendarError(_("内容过长：最多 ${n} 个字符", mapping={"n": MAX_TEXT}))
            if request.POST.get("confirm") == "1":
                year, count = load_year(
                    request.dbsession, rules, text, request.identity, today(request)
                )
                request.session.flash(
                    request.translate(
                        _(
                            "已载入 ${year} 年节假日安排，重新计算了 ${count} 件申请的答复期限",
                            mapping={"year": year, "count": count},
                        )
                    )
                )
                return HTTPSeeOther(request.route_url("officer_calendar"))
            preview = preview_year(request.dbsession, rules, text, today(request))
        except CalendarError as exc:
            error = message(request, exc)
            request.response.status = 400
    calendar = rules.calendar(request.dbsession)
    this_year = today(request).year
    years = [
        (
            y,
            calendar.basis(y),
            BASIS_TEXT[calendar.basis(y)],
            _statutory_summary(request, calendar, y),
        )
        for y in range(this_year - 1, this_year + 3)
    ]
    loaded = list(request.dbsession.scalars(select(CalendarYear).order_by(CalendarYear.year)))
    return {
        "years": years,
        "loaded": loaded,
        "error": error,
        "text": text,
        "example": EXAMPLE,
        "preview": preview,
        "csrf_token": get_csrf_token(request),
    }
