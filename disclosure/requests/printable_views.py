"""``GET /apply/form.pdf``: the application form to print and fill in by hand (printable.py).

``?organisation=<code>`` prints that body in as the receiving body (default: blank, to choose);
``?applicant_type=person|organisation`` prints only that applicant's part (default: both).
Anything else is a 400 naming the parameter."""

from __future__ import annotations

from pyramid.view import view_config

from ..boundary import error_response
from ..files.responses import file_response
from ..i18n import _
from ..security import Permission
from .intake import APPLICANT_TYPES, ApplicationSchema
from .printable import TITLE, build_application_form

PARAMETER_LABELS = {"organisation": _("受理机关"), "applicant_type": _("申请人类型")}


@view_config(route_name="apply_form_pdf", request_method="GET", permission=Permission.VIEW)
def application_form_pdf(request):
    tree = request.organisations
    code = request.GET.get("organisation", "")
    kind = request.GET.get("applicant_type", "")
    problems = {}
    org = tree.by_code.get(code) if code else None
    if code and org is None:
        problems["organisation"] = request.translate(_("未知的机构代码"))
    if kind and kind not in APPLICANT_TYPES:
        problems["applicant_type"] = request.translate(
            _("应为 person（公民）或 organisation（法人或者其他组织）")
        )
    if problems:
        return error_response(
            request, 400, request.translate(_("参数有误")), problems, PARAMETER_LABELS
        )
    pdf = build_application_form(
        ApplicationSchema(tree.by_code),
        request.law_today,
        request.registry["letter_font"],
        receiver=org.name if org is not None else "",
        applicant_type=kind or None,
    )
    name = f"{org.name if org is not None else ''}{TITLE}.pdf"
    return file_response(pdf, "application/pdf", name, inline=True)
