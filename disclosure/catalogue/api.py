"""JSON API of the public catalogue: ``/api/v1/catalogue`` and ``/api/v1/catalogue/{index_number}``."""

from __future__ import annotations

import colander
from pyramid.view import view_config

from ..boundary import error_response
from ..i18n import _
from ..security import Permission
from .browse import browse, parse_browse_query
from .visibility import find_visible, public_view

BAD_QUERY = _("查询参数有误")
NOT_FOUND = _("没有找到该信息")


def item_json(request, item, *, full: bool) -> dict:
    """An item's public view as JSON: its public fields (``body`` only in the detail, and never
    for an on-request item) and its public attachments."""
    view = public_view(item, request.catalogue_schema)
    if view is None:
        raise ValueError("item_json() is only for items the public may see")
    data = dict(view.fields)
    if not full:
        data.pop("body", None)
    data["status"] = item.status
    data["url"] = request.route_url("item", index_number=item.index_number)
    data["attachments"] = [
        {
            "filename": a.filename,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
            "url": request.route_url(
                "attachment", index_number=item.index_number, attachment_id=a.id
            ),
        }
        for a in view.attachments
    ]
    return data


@view_config(
    route_name="api_catalogue", request_method="GET", renderer="json", permission=Permission.VIEW
)
def api_catalogue(request):
    try:
        query = parse_browse_query(request, request.GET)
    except colander.Invalid as exc:
        # parse_browse_query words the fields' problems in the request's language
        return error_response(request, 400, request.translate(BAD_QUERY), exc.messages_by_field)
    result = browse(request, query, with_facets=False)
    return {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "items": [item_json(request, item, full=False) for item in result.items],
    }


@view_config(
    route_name="api_catalogue_item",
    request_method="GET",
    renderer="json",
    permission=Permission.VIEW,
)
def api_catalogue_item(request):
    item = find_visible(request.dbsession, request.matchdict["index_number"].strip().upper())
    if item is None:
        return error_response(request, 404, request.translate(NOT_FOUND))
    return item_json(request, item, full=True)
