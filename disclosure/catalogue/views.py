"""Public catalogue pages (Chinese): home, browse, item, attachment download, apply link."""

from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from ..boundary import error_response
from ..files.interfaces import IFileStorage
from ..files.responses import file_response
from ..i18n import _
from ..pagination import require_page
from ..security import Permission
from .browse import browse, parse_browse_query
from .visibility import find_visible, is_visible, preview_fields, public_fields, public_view


def field_rows(request, item) -> list[tuple[str, str]]:
    """The standard metadata box: (label, display value) for every field of the item's public
    view (:func:`.visibility.public_fields`) that belongs in the box. The labels, and the labels
    of the vocabularies' values, are marked messages (the Chinese of catalog_schemas/, extracted
    by :mod:`disclosure.i18n.extract`): show them with ``|t``."""
    schema = request.catalogue_schema
    # The officer page (officer_views) previews the box of an item that is not public yet.
    data = public_fields(item, schema) if is_visible(item) else preview_fields(item, schema)
    rows = []
    for spec in schema.fields:
        if spec.name not in data or not spec.public_box:
            continue
        value = data.get(spec.name)
        if spec.name == "organisation":
            value = item.organisation.name
        elif spec.type in ("choice", "category"):
            value = (
                _(schema.label(spec.name, value or "", item.organisation.category_tree))
                if value
                else ""
            )
        elif spec.type == "keywords":
            value = "　".join(value or [])  # i18n: the keywords as written (data)
        rows.append((_(spec.label), value or "——"))
    return rows


@view_config(route_name="home", renderer="home.jinja2", permission=Permission.VIEW)
def home(request):
    result = browse(request, {"page": 1, "per_page": 10}, with_facets=False)
    return {"latest": result.items, "total": result.total}


@view_config(route_name="catalogue", renderer="catalogue.jinja2", permission=Permission.VIEW)
def catalogue(request):
    try:
        query = parse_browse_query(request, request.GET)
    except colander.Invalid as exc:
        return error_response(
            request, 400, request.translate(_("查询参数有误")), exc.messages_by_field
        )
    result = browse(request, query)
    require_page(result.page, result.total, result.per_page)
    selected = request.organisations.by_code.get(query.get("organisation") or "")
    return {"result": result, "query": query, "selected_org": selected}


@view_config(route_name="item", renderer="item.jinja2", permission=Permission.VIEW)
def item_page(request):
    item = request.context.item
    view = public_view(item, request.catalogue_schema)
    if view is None:  # the route factory already refuses hidden items; never render one
        raise HTTPNotFound()
    return {
        "item": item,
        "view": view,
        "rows": field_rows(request, item),
        "ancestors": request.organisations.ancestors(item.organisation),
    }


@view_config(route_name="attachment", permission=Permission.VIEW)
def attachment_download(request):
    # The route factory only hands over an attachment of the item's public view.
    attachment = request.context.attachment
    data = request.find_service(IFileStorage).get(attachment.storage_key)
    return file_response(data, attachment.media_type, attachment.filename)


@view_config(route_name="apply", renderer="apply.jinja2", permission=Permission.VIEW)
def apply(request):
    """Where the "apply for this" link leads: the item and how to apply to its organisation."""
    index_number = request.GET.get("index_number", "")[:40]
    item = find_visible(request.dbsession, index_number.upper())
    org = (
        item.organisation
        if item
        else request.organisations.by_code.get(request.GET.get("organisation", ""))
    )
    return {"item": item, "organisation": org}
