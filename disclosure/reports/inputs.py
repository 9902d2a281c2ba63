"""The report figures and sections an organisation's officers enter by hand, per year (issue 11):
the 行政许可, 行政处罚, 行政强制 counts and the 行政事业性收费 amount (万元) of table 二, and sections
一, 五 and 六, plus 工作考核、社会评议和责任追究 (Art. 50(4)) for a government's own report.

Only the organisation's own officers edit (``REPORTS_EDIT``); its overseers read the page. The
form carries the row's ``lock_version``: a page rendered before the row existed carries 1, and a
first save stores the row at version 2, so every page shown before another officer's save is
stale (409)."""

from __future__ import annotations

import re
from decimal import Decimal

import colander
import deform
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..boundary import error_response
from ..catalogue.forms import clean_text, strip_blank
from ..i18n import _
from ..locks import required_lock_version
from ..models import ReportInput
from ..models.organisations import organisation_row
from ..models.report_inputs import GOVERNMENT_KINDS
from ..security import Permission, csrf_node

STALE = _("这些数据已被他人修改，请刷新页面后重试。")
BAD_INPUT = _("填写的内容有误，请核对")
# the labels are marked messages: the form and the pages show them translated; the report's PDF
# and catalogue item print the section headings in Chinese (lifecycle.section_texts)
COUNTS = (
    ("licences", _("行政许可（件）")),
    ("penalties", _("行政处罚（件）")),
    ("enforcement", _("行政强制（件）")),
)
FEES = ("fees_wan", _("行政事业性收费（万元）"))
SECTIONS = (
    ("overview", _("一、总体情况")),
    ("problems", _("五、存在的主要问题及改进情况")),
    ("other_matters", _("六、其他需要报告的事项")),
)
ACCOUNTABILITY = ("accountability", _("工作考核、社会评议和责任追究情况"))
MAX_COUNT = 10**9
MAX_TEXT = 20000
FEE_PATTERN = re.compile(r"\d{1,8}(\.\d{1,4})?")


def is_government(organisation) -> bool:
    return organisation.kind in GOVERNMENT_KINDS


def _count(node, value) -> None:
    if not value.isascii() or not value.isdigit():
        raise colander.Invalid(node, _("请填写不小于 0 的整数"))
    if int(value) > MAX_COUNT:
        raise colander.Invalid(node, _("数值过大"))


def _fees(node, value) -> None:
    if not FEE_PATTERN.fullmatch(value):
        raise colander.Invalid(node, _("请填写不小于 0 的金额（万元），最多 4 位小数"))


def sections(organisation) -> tuple[tuple[str, str], ...]:
    return (*SECTIONS, ACCOUNTABILITY) if is_government(organisation) else SECTIONS


def inputs_schema(request, organisation) -> colander.MappingSchema:
    schema = colander.MappingSchema()
    schema.add(csrf_node(request))
    schema.add(
        colander.SchemaNode(
            colander.String(), name="lock_version", missing="", widget=deform.widget.HiddenWidget()
        )
    )
    for name, title in (*COUNTS, FEES):
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name=name,
                title=title,
                missing=None,
                preparer=strip_blank,
                validator=_fees if name == "fees_wan" else _count,
                description=_("未填写的留空"),
            )
        )
    length = colander.Length(max=MAX_TEXT, max_err=_("不能超过 ${max} 个字符"))
    for name, title in sections(organisation):
        schema.add(
            colander.SchemaNode(
                colander.String(),
                name=name,
                title=title,
                missing="",
                preparer=strip_blank,
                validator=colander.All(clean_text, length),
                widget=deform.widget.TextAreaWidget(rows=6),
            )
        )
    return schema


def inputs_form(request, organisation) -> deform.Form:
    return deform.Form(
        inputs_schema(request, organisation), buttons=(deform.Button("save", _("保存")),)
    )


def find(dbsession, organisation, year: int) -> ReportInput | None:
    return dbsession.scalars(
        select(ReportInput).where(
            ReportInput.organisation_id == organisation.id, ReportInput.year == year
        )
    ).first()


def _appstruct(row: ReportInput | None, organisation) -> dict:
    if row is None:
        return {"lock_version": "1"}
    out = {"lock_version": str(row.lock_version)}
    for name, _label in (*COUNTS, FEES):
        value = getattr(row, name)
        if value is not None:
            out[name] = str(value)
    for name, _label in sections(organisation):
        out[name] = getattr(row, name) or ""
    return out


def _page(request, row, form_html: str | None, error: str = "") -> dict:
    ctx = request.context
    return {
        "organisation": ctx.organisation,
        "year": ctx.year,
        "row": row,
        "form": form_html,
        "error": error,
        "counts": COUNTS,
        "fees": FEES,
        "sections": sections(ctx.organisation),
    }


@view_config(
    route_name="officer_report_inputs",
    request_method="GET",
    renderer="officer/report_inputs.jinja2",
    permission=Permission.REPORTS_VIEW,
)
def report_inputs(request):
    ctx = request.context
    row = find(request.dbsession, ctx.organisation, ctx.year)
    form_html = None
    if request.has_permission(Permission.REPORTS_EDIT):
        form_html = inputs_form(request, ctx.organisation).render(_appstruct(row, ctx.organisation))
    return _page(request, row, form_html)


@view_config(
    route_name="officer_report_inputs",
    request_method="POST",
    renderer="officer/report_inputs.jinja2",
    permission=Permission.REPORTS_EDIT,
)
def save_report_inputs(request):
    ctx = request.context
    org = ctx.organisation
    lock_version = required_lock_version(request)
    row = find(request.dbsession, org, ctx.year)
    form = inputs_form(request, org)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _page(request, row, failure.render(), request.translate(BAD_INPUT))
    except ValueError:  # a tampered peppercorn marker
        return error_response(request, 400, request.translate(_("表单数据无效")))
    if lock_version != (row.lock_version if row is not None else 1):
        request.response.status = 409
        return _page(request, row, form.render(data), request.translate(STALE))
    try:
        # In a savepoint: another officer's save at the same moment (the first row, or a newer
        # version) is a conflict for this one, never a server error.
        with request.dbsession.begin_nested():
            if row is None:
                row = ReportInput(
                    organisation=organisation_row(request.dbsession, org), year=ctx.year
                )
                request.dbsession.add(row)
                request.dbsession.flush()  # version 1: the next flush makes it 2 (docstring)
            for name, _label in COUNTS:
                setattr(row, name, None if data[name] is None else int(data[name]))
            row.fees_wan = None if data["fees_wan"] is None else Decimal(data["fees_wan"])
            for name, _label in sections(org):
                setattr(row, name, data[name])
            row.touch(request.identity)
            request.dbsession.flush()
    except (IntegrityError, StaleDataError):
        return error_response(request, 409, request.translate(STALE))
    request.session.flash(request.translate(_("已保存")))
    return HTTPSeeOther(request.route_url("officer_report_inputs", code=org.code, year=ctx.year))
