"""The 政府信息公开 column's pages, for the whole portal (``/sections/…``) and for one
organisation with its descendants (``/organisations/{code}/sections/…``): the index, each
section, and each kind of 法定主动公开内容. Lists are paged; a page past the last one is 404."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from .. import clock
from ..i18n import _
from ..pagination import paginate
from ..requests.intake import CHANNELS, receipt_date
from ..security import Permission
from . import PORTAL
from .services import (
    NEWEST_FIRST,
    REPORTS_ORDER,
    first_publications,
    kind_counts,
    listing,
    published_reports,
)

#: the kinds of organisation whose annual report has an all-bodies summary (reports.views)
SUMMARY_KINDS = ("city", "county")


def _portal(request):
    return request.registry[PORTAL]


def _organisation(request):
    """The organisation of an ``/organisations/{code}/…`` page, or None for the portal's."""
    return getattr(request.context, "organisation", None)


def _scope(request) -> list[int] | None:
    org = _organisation(request)
    return None if org is None else request.organisations.subtree_ids(org)


def proactive_list(request):
    """The kinds of 法定主动公开内容 of the rules in force today (the profile of an application
    received today: effective-dated, or the ``requests.profile`` setting)."""
    return _portal(request).proactive[request.law_today.key]


def _urls(request, org):
    """URL makers for the templates, the same for the portal and an organisation."""
    if org is None:

        def section_url(key: str) -> str:
            return request.route_url("section", section=key)

        def kind_url(code: str) -> str:
            return request.route_url("proactive_kind", kind=code)

        index_url = request.route_url("sections")
    else:

        def section_url(key: str) -> str:
            return request.route_url("organisation_section", code=org.code, section=key)

        def kind_url(code: str) -> str:
            return request.route_url("organisation_proactive_kind", code=org.code, kind=code)

        index_url = request.route_url("organisation_sections", code=org.code)
    return {"section_url": section_url, "kind_url": kind_url, "index_url": index_url}


def _page(request, section=None, **values) -> dict:
    org = _organisation(request)
    return {
        "org": org,
        "ancestors": request.organisations.ancestors(org) if org is not None else [],
        "column": _portal(request).sections,
        "section": section,
        **_urls(request, org),
        **values,
    }


def _section(request):
    section = _portal(request).sections.get(request.matchdict.get("section", ""))
    if section is None:
        raise HTTPNotFound(_("没有这个栏目"))
    return section


@view_config(route_name="sections", renderer="portal/index.jinja2", permission=Permission.VIEW)
@view_config(
    route_name="organisation_sections", renderer="portal/index.jinja2", permission=Permission.VIEW
)
def index(request):
    return _page(request)


@view_config(route_name="section", permission=Permission.VIEW)
@view_config(route_name="organisation_section", permission=Permission.VIEW)
def section(request):
    """One section, by its key: each kind of section has its own page."""
    found = _section(request)
    return {
        "guide": guide_section,
        "rules": rules_section,
        "proactive": proactive_section,
        "reports": reports_section,
        "apply": apply_section,
    }[found.key](request, found)


def _render(request, template: str, values: dict):
    return render_to_response(template, values, request=request)


def guide_section(request, found):
    """The guide is the organisation's own page (the portal's: the root organisation's)."""
    org = _organisation(request)
    if org is None:
        roots = request.organisations.roots
        if not roots:
            raise HTTPNotFound(_("没有机构"))
        org = roots[0]
    return HTTPFound(request.route_url("guide", code=org.code))


def rules_section(request, found):
    page = paginate(request, listing(_scope(request), found.match), *NEWEST_FIRST)
    return _render(request, "portal/items.jinja2", _page(request, found, found=page, kind=None))


def proactive_section(request, found):
    lst = proactive_list(request)
    counts = kind_counts(request.dbsession, _scope(request), lst.kinds)
    return _render(
        request, "portal/proactive.jinja2", _page(request, found, proactive=lst, counts=counts)
    )


def reports_section(request, found):
    page = paginate(request, published_reports(_scope(request)), *REPORTS_ORDER)
    return _render(
        request,
        "portal/reports.jinja2",
        _page(
            request,
            found,
            found=page,
            first=first_publications(request.dbsession, page.rows),
            summary_kinds=SUMMARY_KINDS,
        ),
    )


def apply_section(request, found):
    today = clock.today(request)
    profile = request.law_today
    receipt = [(label, receipt_date(code, today)[1]) for code, label in CHANNELS.items()]
    return _render(
        request,
        "portal/apply.jinja2",
        _page(
            request,
            found,
            regulations=profile.regulations,
            answer_rule=profile.wording("answer_rule"),
            pause_rule=profile.wording("pause_rule"),
            receipt_article=profile.article("receipt"),
            receipt=receipt,
        ),
    )


@view_config(
    route_name="proactive_kind", renderer="portal/items.jinja2", permission=Permission.VIEW
)
@view_config(
    route_name="organisation_proactive_kind",
    renderer="portal/items.jinja2",
    permission=Permission.VIEW,
)
def proactive_kind(request):
    """The items of one kind of 法定主动公开内容 (of the rules in force), newest first."""
    lst = proactive_list(request)
    kind = lst.kind(request.matchdict.get("kind", ""))
    if kind is None:
        raise HTTPNotFound(_("没有这一类法定主动公开内容"))
    found = _portal(request).sections.get("proactive")
    page = paginate(request, listing(_scope(request), kind.match), *NEWEST_FIRST)
    return _page(request, found, found=page, kind=kind, proactive=lst)
