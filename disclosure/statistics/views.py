"""Statistics pages: ``/statistics`` (public) and ``/officer/statistics``, each with CSV downloads.

Parameters (the same on the four routes; anything else in the query is ignored):

- ``year``: four ASCII digits, 1990–2100 (default: this year, from the clock); else 400.
- ``org``: an organisation's code (default: none, city-wide); an unknown code is 404. On the
  officer pages it must be one whose reports the officer may read (else 403), and without it
  the officer sees every organisation they may read.
- ``scope``: ``tree`` (default: the organisation and every body below it: a county with its
  townships and departments) or ``own`` (its own requests only); ``own`` needs ``org``; else 400.
- ``figure`` (CSV only, required): ``monthly``, ``outcomes``, ``timeliness``, ``answer_days``,
  ``applicants``, ``outcome_types``, ``summary``; on the officer CSV also ``breakdown`` (one
  line per organisation) and ``overdue`` (the open cases past their due date); else 400.

The public pages show aggregate counts only. The officer pages add one line per organisation
the officer may read and the overdue open cases (tracking number, linked to the case).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from pyramid.i18n import TranslationString
from pyramid.response import Response
from pyramid.view import view_config

from ..boundary import error_response
from ..clock import today
from ..i18n import DOMAIN, ENGLISH, _
from ..models import Organisation
from ..requests.intake import APPLICANT_CATEGORIES, APPLICANT_CATEGORIES_EN
from ..routes import REPORT_YEARS
from ..security import Permission, visible_organisations
from . import figures as f
from .charts import bar_chart, values_text

SCOPES = {"tree": _("本机关及下属机构"), "own": _("仅本机关")}
PUBLIC_CSV = ("monthly", "outcomes", "timeliness", "answer_days", "applicants", "outcome_types")
OFFICER_CSV = (*PUBLIC_CSV, "breakdown", "overdue")
OVERDUE_SHOWN = 100
_YEAR = re.compile(r"[0-9]{4}")


class ParamError(Exception):
    """A bad parameter: the status, and marked messages (the error and each field's)."""

    def __init__(self, status: int, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields

    def response(self, request):
        return error_response(
            request,
            self.status,
            request.translate(self.message),
            {name: request.translate(text) for name, text in self.fields.items()},
        )


@dataclass
class Selection:
    year: int
    organisation: Organisation | None
    scope: str
    organisation_ids: list[int] | None  # None: every organisation (city-wide)
    label: str  # what is counted, in words (an organisation's name or a marked message)

    def query(self, **extra) -> dict[str, str]:
        out = {"year": str(self.year)}
        if self.organisation is not None:
            out.update(org=self.organisation.code, scope=self.scope)
        return {**out, **extra}


def _params(request) -> tuple[int, Organisation | None, str]:
    raw_year = request.GET.get("year", "").strip()
    if raw_year:
        if not _YEAR.fullmatch(raw_year) or int(raw_year) not in REPORT_YEARS:
            raise ParamError(400, _("年度无效"), {"year": _("应为 1990 至 2100 之间的四位年份")})
        year = int(raw_year)
    else:
        year = today(request).year
    code = request.GET.get("org", "").strip()
    organisation = None
    if code:
        organisation = request.organisations.by_code.get(code)
        if organisation is None:
            raise ParamError(404, _("没有找到该机构"), {"org": _("未知的机构代码")})
    scope = request.GET.get("scope", "").strip() or "tree"
    if scope not in SCOPES:
        raise ParamError(
            400, _("统计范围无效"), {"scope": _("应为 tree（含下属机构）或 own（仅本机关）")}
        )
    if scope == "own" and organisation is None:
        raise ParamError(400, _("统计范围无效"), {"scope": _("仅本机关（own）须同时指定机构 org")})
    return year, organisation, scope


def _whole_tree(request, organisation: Organisation, scope: str) -> bool:
    return scope != "own" and bool(request.organisations.children(organisation))


def _label(request, organisation: Organisation, scope: str) -> str:
    if not _whole_tree(request, organisation, scope):
        return organisation.name
    return _("${name}及下属机构", mapping={"name": organisation.name})


def public_selection(request) -> Selection:
    year, organisation, scope = _params(request)
    if organisation is None:
        return Selection(year, None, scope, None, _("全市"))
    ids = [organisation.id] if scope == "own" else request.organisations.subtree_ids(organisation)
    return Selection(year, organisation, scope, ids, _label(request, organisation, scope))


def officer_selection(request) -> tuple[Selection, list[Organisation]]:
    """The selection, narrowed to the organisations whose reports the officer may read."""
    year, organisation, scope = _params(request)
    visible = visible_organisations(request, Permission.REPORTS_VIEW)
    visible_ids = {o.id for o in visible}
    if organisation is None:
        everything = len(visible_ids) == len(request.organisations.orgs)
        label = _("全市") if everything else _("您可查看的全部机构")
        return Selection(year, None, scope, sorted(visible_ids), label), visible
    if organisation.id not in visible_ids:
        raise ParamError(403, _("您没有查看该机构统计的权限"), {"org": _("不在您可查看的机构之内")})
    wanted = (
        [organisation.id] if scope == "own" else request.organisations.subtree_ids(organisation)
    )
    ids = [i for i in wanted if i in visible_ids]
    label = _label(request, organisation, scope)
    if len(ids) < len(wanted):
        mapping = {"name": organisation.name}
        if _whole_tree(request, organisation, scope):
            label = _("${name}及下属机构（仅含您可查看的机构）", mapping=mapping)
        else:
            label = _("${name}（仅含您可查看的机构）", mapping=mapping)
    return Selection(year, organisation, scope, ids, label), visible


def _outcome_label(request):
    """An answer's label: the law's wording, in Chinese; where the same words are a message of
    the interface (予以公开 …, table 三's groups), the reader sees that message's translation."""
    law = request.registry["request_rules"].law

    def label(code: str) -> str:
        found = law.find(code)
        if found is None:
            return code
        return TranslationString(found.label, domain=DOMAIN)

    return label


def _calendar(request):
    """The working-day calendar (shipped data plus the years loaded), read once per request."""
    if not hasattr(request, "_statistics_calendar"):
        rules = request.registry["request_rules"]
        request._statistics_calendar = rules.calendar(request.dbsession)
    return request._statistics_calendar


def _figures(request, selection: Selection) -> f.Figures:
    db = request.dbsession
    cases = f.load_cases(db, selection.organisation_ids, selection.year)
    return f.compute(
        cases,
        selection.year,
        calendar=_calendar(request),
        today=today(request),
        # the vocabulary's own labels, in the reader's language
        categories=(
            APPLICANT_CATEGORIES_EN if request.locale_name == ENGLISH else APPLICANT_CATEGORIES
        ),
        outcome_label=_outcome_label(request),
    )


def _charts(request, result: f.Figures) -> dict:
    t = request.translate
    return {
        fig.key: bar_chart(
            fig.bars,
            chart_id=f"chart-{fig.key.replace('_', '-')}",
            title=fig.title,
            desc=t(
                _(
                    "${title}：${values}。",
                    mapping={"title": t(fig.title), "values": values_text(fig.bars, fig.unit, t)},
                )
            )
            + (t(fig.note) if fig.note else ""),
            unit=fig.unit,
            translate=t,
        )
        for fig in result.figures
        if fig.chart
    }


def _org_choices(request, allowed: set[int] | None) -> list[tuple[Organisation, int]]:
    return [
        (org, depth)
        for org, depth in request.organisations.walk()
        if allowed is None or org.id in allowed
    ]


def _page(request, selection: Selection, result: f.Figures, csv_route: str, choices) -> dict:
    return {
        "selection": selection,
        "result": result,
        "summary_rows": f.summary_rows(result.summary),
        "charts": _charts(request, result),
        "csv_route": csv_route,
        "choices": choices,
        "scopes": SCOPES,
        "years": REPORT_YEARS,
    }


@view_config(
    route_name="statistics", renderer="statistics/public.jinja2", permission=Permission.VIEW
)
def public_page(request):
    try:
        selection = public_selection(request)
    except ParamError as exc:
        return exc.response(request)
    result = _figures(request, selection)
    return _page(request, selection, result, "statistics_csv", _org_choices(request, None))


@view_config(
    route_name="officer_statistics",
    renderer="statistics/officer.jinja2",
    permission=Permission.OFFICER_AREA,
)
def officer_page(request):
    try:
        selection, visible = officer_selection(request)
    except ParamError as exc:
        return exc.response(request)
    result = _figures(request, selection)
    page = _page(
        request,
        selection,
        result,
        "officer_statistics_csv",
        _org_choices(request, {o.id for o in visible}),
    )
    rows, overdue = _officer_extras(request, selection, result)
    page.update(breakdown=rows, overdue=overdue[:OVERDUE_SHOWN], overdue_total=len(overdue))
    page.update(can_read_case=_case_reader(request), percent=f.percent, days_text=f.days_text)
    return page


def _officer_extras(request, selection: Selection, result: f.Figures):
    ids = set(selection.organisation_ids or ())
    orgs = [(o, d) for o, d in request.organisations.walk() if o.id in ids]
    now = today(request)
    calendar = _calendar(request)
    cases = result.cases
    rows = f.breakdown(cases, orgs, calendar=calendar, today=now)
    overdue = sorted(
        (c for c in cases if f.is_overdue_open(c, now)), key=lambda c: (c.due_on, c.id)
    )
    return rows, overdue


def _case_reader(request):
    readable = {o.id for o in visible_organisations(request, Permission.REQUESTS_VIEW)}
    return lambda case: case.organisation_id in readable


# --- CSV -----------------------------------------------------------------------------------


def _cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(request, selection: Selection, name: str, header, rows) -> Response:
    """The CSV, its header and cells in the reader's language (marked messages translated)."""
    t = request.translate
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(h) for h in header])
    for row in rows:
        writer.writerow([_cell(t(v) if isinstance(v, str) else v) for v in row])
    where = selection.organisation.code if selection.organisation is not None else "city"
    filename = f"statistics-{selection.year}-{where}-{selection.scope}-{name}.csv"
    response = Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),  # BOM: spreadsheets read it as UTF-8
        content_type="text/csv",
        charset="utf-8",
    )
    response.content_disposition = f'attachment; filename="{filename}"'
    return response


def _figure_csv(request, selection: Selection, result: f.Figures, name: str) -> Response:
    if name == "summary":
        rows = [(selection.year, selection.label, k, v) for k, v in f.summary_rows(result.summary)]
        header = (_("年度"), _("范围"), _("指标"), _("数值"))
        return csv_response(request, selection, name, header, rows)
    fig = result.figure(name)
    assert fig is not None
    rows = [(selection.year, selection.label, label, n) for label, n in fig.bars]
    return csv_response(
        request, selection, name, (_("年度"), _("范围"), fig.heading, _("数量（件）")), rows
    )


def _figure_param(request, allowed: tuple[str, ...]) -> str:
    name = request.GET.get("figure", "").strip()
    if name not in (*allowed, "summary"):
        names = request.translate(_("、")).join((*allowed, "summary"))
        raise ParamError(
            400, _("图表名称无效"), {"figure": _("应为 ${names}", mapping={"names": names})}
        )
    return name


@view_config(route_name="statistics_csv", permission=Permission.VIEW)
def public_csv(request):
    try:
        selection = public_selection(request)
        name = _figure_param(request, PUBLIC_CSV)
    except ParamError as exc:
        return exc.response(request)
    return _figure_csv(request, selection, _figures(request, selection), name)


@view_config(route_name="officer_statistics_csv", permission=Permission.OFFICER_AREA)
def officer_csv(request):
    try:
        selection, _visible = officer_selection(request)
        name = _figure_param(request, OFFICER_CSV)
    except ParamError as exc:
        return exc.response(request)
    result = _figures(request, selection)
    if name == "breakdown":
        rows, _overdue = _officer_extras(request, selection, result)
        return csv_response(
            request,
            selection,
            name,
            (
                _("年度"),
                _("机构代码"),
                _("机构"),
                _("收到申请（件）"),
                _("已办结（件）"),
                _("按期办结率"),
                _("答复所用工作日中位数"),
                _("逾期未办结（件）"),
            ),
            [
                (
                    selection.year,
                    r.organisation.code,
                    r.organisation.name,
                    r.received,
                    r.finished,
                    f.percent(r.rate),
                    f.days_text(r.median_days),
                    r.overdue_open,
                )
                for r in rows
            ],
        )
    if name == "overdue":
        _rows, overdue = _officer_extras(request, selection, result)
        by_id = request.organisations.by_id
        return csv_response(
            request,
            selection,
            name,
            (_("追踪号"), _("机构"), _("收到日期"), _("答复期限")),
            [
                (c.tracking_number, by_id[c.organisation_id].name, c.received_on, c.due_on)
                for c in overdue
            ],
        )
    return _figure_csv(request, selection, result, name)
