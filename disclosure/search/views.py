"""The public search page and ``GET /api/v1/search``."""

from __future__ import annotations

import colander
from pyramid.view import view_config

from ..boundary import error_response
from ..catalogue.browse import browse_query_schema, parse_query
from ..catalogue.forms import ChoiceType, DateType
from ..security import Permission
from .interfaces import ISearchIndex, SearchQuery

MAX_INPUT = 10_000


def search_schema(request) -> colander.SchemaNode:
    schema = browse_query_schema(request)  # organisation, topic, genre, year, page, per_page
    catalogue = request.catalogue_schema
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="q",
            missing="",
            validator=colander.Length(max=MAX_INPUT, max_err="检索词过长"),
        )
    )
    for name in ("disclosure_mode", "validity"):
        spec = catalogue.field(name)
        schema.add(
            colander.SchemaNode(
                ChoiceType(catalogue.vocabulary(spec.vocabulary), spec.label),
                name=name,
                missing=None,
            )
        )
    schema.add(colander.SchemaNode(DateType(), name="date_from", missing=None))
    schema.add(colander.SchemaNode(DateType(), name="date_to", missing=None))
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="sort",
            missing="relevance",
            validator=colander.OneOf(
                ["relevance", "date"], msg_err="排序方式应为 relevance 或 date"
            ),
        )
    )
    return schema


def parse_search(request) -> SearchQuery:
    data = parse_query(search_schema(request), request.GET)
    return SearchQuery(**{k: data.get(k) for k in SearchQuery.__dataclass_fields__ if k in data})


def facet_labels(request, facets: dict) -> dict:
    """(value, label, count) per facet, for the page."""
    catalogue = request.catalogue_schema
    orgs = request.organisations
    out = {}
    for name, pairs in facets.items():
        rows = []
        for value, count in pairs:
            if name == "organisation":
                org = orgs.by_code.get(value)
                label = org.name if org else value
            elif name == "year":
                label = f"{value}年"
            else:
                label = catalogue.label(name, value)
            rows.append((value, label, count))
        out[name] = rows
    return out


def _relevant_orgs(request, query: SearchQuery, rows: list) -> list:
    """Organisation facet: the children of the selected one (or the top levels)."""
    orgs = request.organisations
    if query.organisation and query.organisation in orgs.by_code:
        wanted = {o.code for o in orgs.children(orgs.by_code[query.organisation])}
    else:
        wanted = {o.code for o, depth in orgs.walk() if depth <= 1}
    return [r for r in rows if r[0] in wanted]


def run_search(request):
    query = parse_search(request)
    result = request.find_service(ISearchIndex).search(query)
    return query, result


@view_config(route_name="search", renderer="search.jinja2", permission=Permission.VIEW)
def search_page(request):
    try:
        query, result = run_search(request)
    except colander.Invalid as exc:
        return error_response(request, 400, "检索条件有误", exc.messages_by_field)
    facets = facet_labels(request, result.facets)
    facets["organisation"] = _relevant_orgs(request, query, facets.get("organisation", []))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return {"query": query, "result": result, "facets": facets, "params": params}


@view_config(route_name="api_search", renderer="json", permission=Permission.VIEW)
def api_search(request):
    try:
        query, result = run_search(request)
    except colander.Invalid as exc:
        return error_response(request, 400, "检索条件有误", exc.messages_by_field)
    body = {
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "hits": [
            {
                "index_number": h.index_number,
                "title": h.title,
                "document_number": h.document_number,
                "organisation": h.organisation,
                "published_on": h.published_on,
                "snippet": h.snippet,
            }
            for h in result.hits
        ],
        "facets": {
            name: [{"value": v, "count": n} for v, n in pairs]
            for name, pairs in result.facets.items()
        },
    }
    if result.message:
        body["message"] = result.message
    return body
