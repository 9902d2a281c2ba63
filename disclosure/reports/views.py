"""The annual report's pages, files and API (issue 11), and its publication and corrections.

Public: the latest published version (``?version=N`` for an earlier one), or, before the first
publication, the live draft's tables marked as a draft (no narrative sections). Officers with
``REPORTS_VIEW`` also see the draft's sections, the identity check with the cases behind a
difference, and how the live data differ from the published version; the organisation's own
officers (``REPORTS_EDIT``) get the publish or correct form.
"""

from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from .. import clock
from ..boundary import error_response
from ..catalogue.forms import clean_text, strip_blank
from ..files.interfaces import IFileStorage
from ..files.responses import file_response
from ..i18n import _
from ..locks import required_lock_version
from ..routes import REPORT_YEARS, organisation_context
from ..security import Permission, visible_organisations
from . import lifecycle, tables
from .compute import TABLE3_COLUMNS, TABLE3_ROWS, compute_summary
from .lifecycle import IdentityBroken, ReportError, StaleReport
from .pdf import build_pdf

SUMMARY_KINDS = ("city", "county")
MAX_NOTE = 2000
BAD_VERSION = _("版本号必须是正整数")
BAD_YEAR = _("年份必须在 1990–2100 之间")
NO_VERSION = _("没有该版本的年度报告")
NO_SUMMARY = _("只有市、县（市、区）人民政府有汇总报告")
BAD_INPUT = _("填写的内容有误，请核对")
DRAFT_MARK = _("草稿（尚未发布），数据随办理情况变化")
KIND_LABELS = {
    "city": _("市政府"),
    "county": _("县（市、区）政府"),
    "department": _("部门"),
    "township": _("乡镇（街道）"),
}

#: table 三's columns as the officers' list of the cases behind a broken identity names them:
#: the template's captions (tables.COLUMN_LABELS), marked, since that list is the page's own
COLUMN_NAMES = {
    "natural_person": _("自然人"),
    "commercial": _("商业企业"),
    "research": _("科研机构"),
    "public_interest": _("社会公益组织"),
    "legal_services": _("法律服务机构"),
    "other": _("其他"),
    "total": _("总计"),
}


class BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


@view_config(context=BadParameter)
def bad_parameter(exc, request):
    return error_response(
        request,
        400,
        request.translate(_("参数有误")),
        {exc.name: request.translate(exc.message)},
    )


def law(request):
    return request.registry["request_rules"].law


def _version(request) -> int | None:
    value = request.GET.get("version", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 6 or int(value) < 1:
        raise BadParameter("version", BAD_VERSION)
    return int(value)


def _load(request, with_sections: bool = False) -> lifecycle.Report:
    ctx = request.context
    report = lifecycle.load(
        request.dbsession,
        ctx.organisation,
        ctx.year,
        law(request),
        _version(request),
        with_draft_sections=with_sections,
    )
    if report is None:
        raise HTTPNotFound(NO_VERSION)
    return report


def _render_pdf(request):
    font = request.registry["letter_font"]
    return lambda report: build_pdf(report, font)


# -- the report page -------------------------------------------------------------------------


def _discrepancies(request, figures) -> list[dict]:
    """The cases behind a broken identity, one line per case and column."""
    return [
        {
            "request_id": d.request_id,
            "tracking_number": d.tracking_number,
            "column": request.translate(COLUMN_NAMES.get(d.column, d.column)),
            "counted": d.counted,
            "reason": request.translate(d.message or d.reason),
        }
        for d in figures.discrepancies
    ]


def _page(request, error: str = "", fields: dict | None = None, note: str = "") -> dict:
    ctx = request.context
    can_view = request.has_permission(Permission.REPORTS_VIEW)
    can_edit = request.has_permission(Permission.REPORTS_EDIT)
    report = _load(request, with_sections=can_view)
    db, rules = request.dbsession, law(request)
    live = None  # officers: the live data, when a published version is shown
    if can_view:
        live = (
            report.figures
            if report.published is None
            else lifecycle.live_figures(db, ctx.organisation, ctx.year, rules)
        )
    all_versions = list(report.versions)  # load() read them; a draft has none
    latest = all_versions[-1] if all_versions else None
    changes = []
    if live is not None and latest is not None:
        changes = tables.changed_cells(latest.figures, live.as_json())
    return {
        "organisation": ctx.organisation,
        "year": ctx.year,
        "report": report,
        "figures": report.figures.as_json(),
        "t": tables,
        "rows": TABLE3_ROWS,
        "columns": TABLE3_COLUMNS,
        "all_versions": all_versions,
        "latest": latest,
        "can_view": can_view,
        "can_edit": can_edit,
        "live": live,
        "live_changes": changes,
        "discrepancies": _discrepancies(request, live) if live is not None else [],
        "lock_version": len(all_versions) + 1,
        "error": error,
        "fields": fields or {},
        "note": note,
        "draft_mark": DRAFT_MARK,
    }


@view_config(
    route_name="annual_report",
    renderer="reports/report.jinja2",
    permission=Permission.VIEW,
    request_method="GET",
)
def report_page(request):
    return _page(request)


@view_config(route_name="annual_report_pdf", permission=Permission.VIEW, request_method="GET")
def report_pdf(request):
    can_view = request.has_permission(Permission.REPORTS_VIEW)
    report = _load(request, with_sections=can_view)
    data = b""
    if report.published is not None and report.published.pdf_key:
        data = request.find_service(IFileStorage).get(report.published.pdf_key)
    if not data:
        data = build_pdf(report, request.registry["letter_font"])
    suffix = f"（第{report.version}版）" if report.version else "（草稿）"  # i18n: the file's name
    response = file_response(
        data, "application/pdf", f"{report.title}{suffix}.pdf", inline=True, private=can_view
    )
    return response


@view_config(route_name="annual_report_csv", permission=Permission.VIEW, request_method="GET")
def report_csv(request):
    report = _load(request)
    table = request.matchdict["table"]
    suffix = f"第{report.version}版" if report.version else "草稿"  # i18n: the file's name
    return file_response(
        tables.csv_bytes(table, report.figures.as_json()),
        "text/csv; charset=utf-8",
        f"{report.title}-{tables.TABLE_NAMES[table]}-{suffix}.csv",
    )


@view_config(
    route_name="api_annual_report",
    renderer="json",
    permission=Permission.VIEW,
    request_method="GET",
)
def api_report(request):
    return _load(request).as_json()


# -- publication and corrections -------------------------------------------------------------


class CorrectionSchema(colander.MappingSchema):
    change_note = colander.SchemaNode(
        colander.String(),
        title=_("更正说明"),
        preparer=strip_blank,
        validator=colander.All(
            clean_text, colander.Length(max=MAX_NOTE, max_err=_("不能超过 ${max} 个字符"))
        ),
        missing_msg=_("请填写更正说明"),
    )


def _refused(request, exc: ReportError):
    if isinstance(exc, IdentityBroken):
        request.response.status = 409
        return _page(request, request.translate(exc.message))
    return error_response(request, 409, request.translate(exc.message))


def _done(request, message):
    request.session.flash(request.translate(message))
    ctx = request.context
    return HTTPSeeOther(
        request.route_url("annual_report", code=ctx.organisation.code, year=ctx.year)
    )


@view_config(
    route_name="officer_report_publish",
    request_method="POST",
    renderer="reports/report.jinja2",
    permission=Permission.REPORTS_EDIT,
)
def publish(request):
    ctx = request.context
    expected = required_lock_version(request)
    try:
        lifecycle.publish(
            request.dbsession,
            request.catalogue,
            request.find_service(IFileStorage),
            ctx.organisation,
            ctx.year,
            law(request),
            request.identity,
            clock.today(request),
            expected,
            render_pdf=_render_pdf(request),
        )
    except ReportError as exc:
        return _refused(request, exc)
    return _done(request, _("年度报告已发布"))


@view_config(
    route_name="officer_report_correct",
    request_method="POST",
    renderer="reports/report.jinja2",
    permission=Permission.REPORTS_EDIT,
)
def correct(request):
    ctx = request.context
    expected = required_lock_version(request)
    try:
        data = CorrectionSchema().deserialize({"change_note": request.POST.get("change_note", "")})
    except colander.Invalid as invalid:
        request.response.status = 400
        return _page(
            request,
            request.translate(BAD_INPUT),
            invalid.asdict(translate=request.translate),
            request.POST.get("change_note", "")[:MAX_NOTE],
        )
    try:
        lifecycle.correct(
            request.dbsession,
            request.catalogue,
            request.find_service(IFileStorage),
            ctx.organisation,
            ctx.year,
            law(request),
            request.identity,
            clock.today(request),
            expected,
            data["change_note"],
            render_pdf=_render_pdf(request),
        )
    except StaleReport as exc:
        return error_response(request, 409, request.translate(exc.message))
    except ReportError as exc:
        return _refused(request, exc)
    return _done(request, _("更正已发布"))


# -- city-wide and county-wide summaries ---------------------------------------------------------


def _summary(request):
    ctx = request.context
    if ctx.organisation.kind not in SUMMARY_KINDS:
        raise HTTPNotFound(NO_SUMMARY)
    return compute_summary(request.dbsession, ctx.organisation, ctx.year, law(request))


def _body_json(org, figures) -> dict:
    rows = figures.rows
    return {
        "organisation": org.code,
        "name": org.name,
        "kind": org.kind,
        "table3_totals": {row: rows[row]["total"] for row in TABLE3_ROWS},
        "identity_holds": figures.identity_holds,
    }


@view_config(
    route_name="api_annual_report_summary",
    renderer="json",
    permission=Permission.VIEW,
    request_method="GET",
)
def api_summary(request):
    ctx = request.context
    summary = _summary(request)
    return {
        "organisation": ctx.organisation.code,
        "year": ctx.year,
        "status": "summary",
        **summary.figures.as_json(),
        "bodies": [_body_json(org, figures) for org, figures in summary.bodies],
    }


@view_config(
    route_name="annual_report_summary",
    renderer="reports/summary.jinja2",
    permission=Permission.VIEW,
    request_method="GET",
)
def summary_page(request):
    ctx = request.context
    summary = _summary(request)
    today = clock.today(request)
    orgs = [org for org, _ in summary.bodies]
    states = {
        s.organisation.id: s
        for s in lifecycle.states(request.dbsession, orgs, ctx.year, law(request), today)
    }
    return {
        "organisation": ctx.organisation,
        "year": ctx.year,
        "figures": summary.figures.as_json(),
        "bodies": [(org, figures, states[org.id]) for org, figures in summary.bodies],
        "t": tables,
        "rows": TABLE3_ROWS,
        "columns": TABLE3_COLUMNS,
        "kind_labels": KIND_LABELS,
    }


# -- the officers' overview and the dashboard notice ---------------------------------------------


def _year_param(request, default: int) -> int:
    value = request.GET.get("year", "")
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or int(value) not in REPORT_YEARS:
        raise BadParameter("year", BAD_YEAR)
    return int(value)


@view_config(
    route_name="officer_reports",
    renderer="reports/overview.jinja2",
    permission=Permission.OFFICER_AREA,
    request_method="GET",
)
def overview(request):
    today = clock.today(request)
    year = _year_param(request, lifecycle.notice_year(today))
    orgs = visible_organisations(request, Permission.REPORTS_VIEW)
    found = lifecycle.states(request.dbsession, orgs, year, law(request), today)
    counts = {key: 0 for key in lifecycle.STATE_LABELS}
    for state in found:
        counts[state.state] += 1
    return {
        "year": year,
        "states": found,
        "counts": counts,
        "state_labels": lifecycle.STATE_LABELS,
        "kind_labels": KIND_LABELS,
        "can_edit": {
            s.organisation.id: request.has_permission(
                Permission.REPORTS_EDIT, organisation_context(request, s.organisation)
            )
            for s in found
        },
    }
