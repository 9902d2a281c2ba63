"""Pages of requests that become public (the service: ``publication.py``).

- ``/officer/requests/{id}/publication``: the officer's form, from the case page's button
  公开为主动公开信息; on success back to the case page, which links to the item. The item's
  pages link to neither the case nor the applicant.
- ``/released``: the public list of information released on request and published (依申请公开
  信息公开目录), with date and organisation, through the public boundary.
"""

from __future__ import annotations

import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from ..boundary import error_response
from ..catalogue.visibility import visible_items
from ..clock import now, today
from ..files.interfaces import IFileStorage
from ..i18n import _
from ..models import CasePublication, CatalogueItem
from ..pagination import paginate
from ..security import Permission, csrf_node
from .publication import (
    ACTION_LABEL,
    ALREADY,
    STEP,
    AlreadyPublished,
    DocumentTexts,
    PublicationError,
    clean,
    prefill,
    publication_schema,
    publish_case,
    why_not,
)

PER_PAGE = 20


def _case_url(request, req) -> str:
    return request.route_url("officer_request", request_id=req.id, _anchor="publication")


def _page(request, req, form_html: str, error: str | None = None) -> dict:
    return {"req": req, "form": form_html, "error": error, "action_label": ACTION_LABEL}


@view_config(
    route_name="officer_request_publication",
    renderer="requests/publication.jinja2",
    permission=Permission.REQUESTS_HANDLE,
)
def publication_form(request):
    req = request.context.request
    if not request.has_permission(Permission.CATALOGUE_PUBLISH):
        raise HTTPForbidden()
    if req.publication is not None:  # a form sent twice: published once, shown where it is
        request.session.flash(request.translate(ALREADY))
        return HTTPSeeOther(_case_url(request, req))
    problem = why_not(req)
    if problem is not None:
        return error_response(request, 409, request.translate(problem))
    texts = DocumentTexts(request.find_service(IFileStorage))
    schema = publication_schema(request.catalogue_schema, req, texts, request.translate)
    schema.add(csrf_node(request))
    form = deform.Form(schema, buttons=(deform.Button("publish", ACTION_LABEL),))
    if request.method != "POST":
        return _page(request, req, form.render(prefill(req, today(request))))
    try:
        appstruct = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        return _page(request, req, failure.render())
    except ValueError:  # a tampered peppercorn marker (__start__/__end__)
        return error_response(request, 400, request.translate(_("表单数据无效")))
    try:
        publication = publish_case(
            request.dbsession,
            request.catalogue,
            request.find_service(IFileStorage),
            req,
            clean(appstruct, request.catalogue_schema),
            appstruct["documents"],
            request.identity,
            today(request),
            now(request),
            texts=texts,
        )
    except AlreadyPublished:
        request.session.flash(request.translate(ALREADY))
        return HTTPSeeOther(_case_url(request, req))
    except PublicationError as exc:
        request.response.status = 400
        return _page(request, req, form.render(appstruct), error=exc.message)
    item = publication.item
    request.session.flash(
        request.translate(
            _(
                "已公开为主动公开信息，索引号 ${index_number}",
                mapping={"index_number": item.index_number},
            )
        )
    )
    return HTTPSeeOther(_case_url(request, req))


@view_config(route_name="released", renderer="released.jinja2", permission=Permission.VIEW)
def released(request):
    """Information released on request and published proactively: the newest first."""
    query = (
        visible_items()
        .join(CasePublication, CasePublication.item_id == CatalogueItem.id)
        .options(selectinload(CatalogueItem.organisation))
    )
    found = paginate(
        request,
        query,
        CatalogueItem.published_on.desc(),
        CatalogueItem.id.desc(),
        per_page=PER_PAGE,
    )
    profile = request.law_today
    article = profile.article(STEP)
    return {
        "items": found.rows,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "citation": profile.cite(article) if article else "",
    }
