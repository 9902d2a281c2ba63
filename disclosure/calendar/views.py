"""The city office loads a year's holiday arrangement; open provisional deadlines are recomputed."""

from __future__ import annotations

import yaml
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from ..clock import today
from ..models import CalendarYear
from ..requests.services import recompute_provisional
from ..requests.workflow import Actor
from ..security import Permission
from .workdays import CalendarError, parse_arrangement

EXAMPLE = """year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {from: 2027-02-06, to: 2027-02-12, name: 春节}
workdays:
  - {date: 2027-02-14, name: 春节调休}
"""


def load_year(db, rules, arrangement_text: str, user, on) -> tuple[int, int]:
    """Parse, store (replacing the same year) and recompute. Returns (year, recomputed)."""
    try:
        raw = yaml.safe_load(arrangement_text)
    except yaml.YAMLError as exc:
        raise CalendarError(f"无法解析 YAML：{exc}") from None
    if not isinstance(raw, dict):
        raise CalendarError("内容应为一个 YAML 映射（year、holidays、workdays）")
    stored = parse_arrangement(raw)  # validated and JSON-safe
    year = int(stored["year"])
    row = db.get(CalendarYear, year)
    if row is None:
        db.add(CalendarYear(year=year, arrangement=stored, loaded_by_id=user.id if user else None))
    else:
        row.arrangement, row.loaded_by_id = stored, user.id if user else None
    db.flush()
    actor = Actor("officer", user) if user else Actor.system()
    return year, recompute_provisional(db, rules, on, actor)


@view_config(
    route_name="officer_calendar", renderer="calendar.jinja2", permission=Permission.CALENDAR_MANAGE
)
def calendar_page(request):
    rules = request.registry["request_rules"]
    error, text = None, EXAMPLE
    if request.method == "POST":
        text = request.POST.get("arrangement", "")[:20000]
        try:
            year, count = load_year(
                request.dbsession, rules, text, request.identity, today(request)
            )
        except CalendarError as exc:
            error = str(exc)
            request.response.status = 400
        else:
            request.session.flash(
                f"已载入 {year} 年节假日安排，重新计算了 {count} 件申请的答复期限"
            )
            return HTTPSeeOther(request.route_url("officer_calendar"))
    calendar = rules.calendar(request.dbsession)
    this_year = today(request).year
    years = [(y, calendar.has_data(y)) for y in range(this_year - 1, this_year + 3)]
    loaded = list(request.dbsession.scalars(select(CalendarYear).order_by(CalendarYear.year)))
    return {
        "years": years,
        "loaded": loaded,
        "error": error,
        "text": text,
        "csrf_token": get_csrf_token(request),
    }
