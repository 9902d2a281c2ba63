"""Organisation pages: the tree, one organisation, its disclosure guide (公开指南); the JSON tree."""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import select

from ..clock import today
from ..models import AnnualReport
from ..portal import PORTAL
from ..portal.services import latest_items
from ..security import Permission
from .services import KIND_LABELS

#: how many of its latest public items an organisation's page lists
LATEST_ITEMS = 10


@view_config(
    route_name="organisations", renderer="organisations.jinja2", permission=Permission.VIEW
)
def organisations(request):
    return {"kind_labels": KIND_LABELS}


@view_config(route_name="guide", renderer="guide.jinja2", permission=Permission.VIEW)
def guide(request):
    org = request.context.organisation
    tree = request.organisations
    return {
        "org": org,
        "ancestors": tree.ancestors(org),
        "children": tree.children(org),
        "kind_labels": KIND_LABELS,
    }


@view_config(route_name="organisation", renderer="organisation.jinja2", permission=Permission.VIEW)
def organisation(request):
    """The guide page's data, and the organisation's annual reports: every published year and
    last year's (perhaps still a draft); its latest public items (with its descendants', through
    the public boundary) and the sections of its 政府信息公开 column (disclosure.portal)."""
    page = guide(request)
    org = page["org"]
    published = request.dbsession.scalars(
        select(AnnualReport.year).where(AnnualReport.organisation_id == org.id).distinct()
    ).all()
    return {
        **page,
        "report_years": sorted({today(request).year - 1, *published}, reverse=True),
        "published_years": set(published),
        "has_summary": org.kind in ("city", "county"),
        "latest": latest_items(
            request.dbsession, request.organisations.subtree_ids(org), LATEST_ITEMS
        ),
        "column": request.registry[PORTAL].sections,
    }


@view_config(
    route_name="api_organisations",
    request_method="GET",
    renderer="json",
    permission=Permission.VIEW,
)
def api_organisations(request):
    return {"organisations": request.organisations.as_json()}
