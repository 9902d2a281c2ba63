"""The public search page and ``GET /api/v1/search``.

Both take the same parameters, validated here (colander; a bad one is a 400 with a message per
field). The page adds a chip per active filter (a link without just that filter), keeps the
selected organisation in its facet, and has an advanced form (GET, no JavaScript) that fills the
same parameters. ``document_number`` joins the query tree as a 文号 identifier.
"""

from __future__ import annotations

import logging
from datetime import date

import colander
from pyramid.view import view_config

from ..boundary import error_response
from ..catalogue.browse import new_browse_query_schema, parse_query
from ..catalogue.forms import ChoiceType, DateType
from ..dates import OUT_OF_RANGE, in_range
from ..errors import ServiceUnavailable, database_unavailable
from ..i18n import _
from ..pagination import require_page
from ..security import Permission
from .interfaces import ISearchIndex, SearchQuery, SearchResult

log = logging.getLogger(__name__)

MAX_INPUT = 10_000
MAX_DOCUMENT_NUMBER = 100

# The filters of a search, in the order the page shows them as chips, with their names (marked
# messages: shown through ``request.translate`` or ``|t``).
FILTERS = {
    "document_number": _("文号"),
    "organisation": _("发布机构"),
    "topic": _("主题分类"),
    "genre": _("体裁分类"),
    "year": _("发布年份"),
    "date_from": _("发布日期起"),
    "date_to": _("发布日期止"),
    "disclosure_mode": _("公开方式"),
    "validity": _("有效性"),
}
FIELD_LABELS = {
    "q": _("检索词"),
    **FILTERS,
    "sort": _("排序方式"),
    "page": _("页码"),
    "per_page": _("每页条数"),
}


def _in_range(node, value):
    if not in_range(value):
        raise colander.Invalid(node, OUT_OF_RANGE)


def _dates_in_order(node, value):
    start, end = value.get("date_from"), value.get("date_to")
    if start and end and start > end:
        exc = colander.Invalid(node)
        exc["date_to"] = _("截止日期不能早于起始日期")
        raise exc


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def search_schema(request) -> colander.SchemaNode:
    """The search parameters; built once per organisation tree and shared (read-only)."""
    orgs = request.organisations
    return orgs.memo("search_schema", lambda: new_search_schema(request.catalogue_schema, orgs))


def new_search_schema(catalogue, orgs) -> colander.SchemaNode:
    # organisation, topic, genre, year, page, per_page
    schema = new_browse_query_schema(catalogue, orgs)
    schema.validator = _dates_in_order
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="q",
            missing="",
            validator=colander.Length(max=MAX_INPUT, max_err=_("检索词过长")),
        )
    )
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="document_number",
            missing=None,
            preparer=_strip,
            validator=colander.Length(
                max=MAX_DOCUMENT_NUMBER,
                max_err=_("文号过长（最多 ${max} 个字符）"),  # colander fills in ${max}
            ),
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
    schema.add(colander.SchemaNode(DateType(), name="date_from", missing=None, validator=_in_range))
    schema.add(colander.SchemaNode(DateType(), name="date_to", missing=None, validator=_in_range))
    schema.add(
        colander.SchemaNode(
            colander.String(),
            name="sort",
            missing="relevance",
            validator=colander.OneOf(
                ["relevance", "date"], msg_err=_("排序方式应为 relevance 或 date")
            ),
        )
    )
    return schema


def parse_search(request) -> SearchQuery:
    """The validated query. A ``document_number`` parameter goes into the query tree as an
    identifier (as if typed into the box); engines never see it as text."""
    return _validated(request)[0]


def _validated(request) -> tuple[SearchQuery, dict]:
    """The query, and the active filters (validated values) by name."""
    data = parse_query(search_schema(request), request.GET, request)
    query = SearchQuery(**{k: data.get(k) for k in SearchQuery.__dataclass_fields__ if k in data})
    filters = {k: data[k] for k in FILTERS if data.get(k) not in (None, "")}
    return query, filters


def _label(request, text: str) -> str:
    """A catalogue label (catalog_schemas/, its Chinese the message id) in the request's
    language."""
    return request.translate(_(text)) if text else text


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
                label = request.translate(_("${year}年", mapping={"year": value}))
            else:
                label = _label(request, catalogue.label(name, value))
            rows.append((value, label, count))
        out[name] = rows
    return out


def _relevant_orgs(request, query: SearchQuery, rows: list, total: int) -> list:
    """Organisation facet: the selected one first (so it stays visible, with its count), then
    its children; with none selected, the top levels."""
    orgs = request.organisations
    selected = orgs.by_code.get(query.organisation) if query.organisation else None
    if selected is None:
        wanted = {o.code for o, depth in orgs.walk() if depth <= 1}
        return [r for r in rows if r[0] in wanted]
    children = {o.code for o in orgs.children(selected)}
    own = next((r for r in rows if r[0] == selected.code), (selected.code, selected.name, total))
    return [own, *(r for r in rows if r[0] in children)]


def _filter_label(request, name: str, value) -> str:
    if name == "organisation":
        org = request.organisations.by_code.get(value)
        return org.name if org else str(value)
    if name in ("topic", "genre", "disclosure_mode", "validity"):
        return _label(request, request.catalogue_schema.label(name, value))
    if name == "year":
        return request.translate(_("${year}年", mapping={"year": value}))
    if name in ("date_from", "date_to"):
        return value.isoformat()
    return str(value)


def filter_chips(request, params: dict, filters: dict) -> list[dict]:
    """One chip per active filter: its name, its value in words, and a link to the same search
    without just that filter (the query, the sort and the other filters kept; back to page 1)."""
    return [
        {
            "name": name,
            "title": request.translate(title),
            "label": _filter_label(request, name, filters[name]),
            "remove_url": request.route_url(
                "search", _query={k: v for k, v in params.items() if k != name}
            ),
        }
        for name, title in FILTERS.items()
        if name in filters
    ]


def form_choices(request) -> dict[str, list[tuple[str, str]]]:
    """The advanced form's select options: the organisation tree and the topic and genre
    vocabularies, indented by depth with ideographic spaces."""
    catalogue = request.catalogue_schema
    # i18n: ideographic spaces indent the organisations (data)
    out = {
        "organisation": [
            (org.code, "\u3000" * depth + org.name) for org, depth in request.organisations.walk()
        ]
    }
    for name in ("topic", "genre"):
        vocab = catalogue.vocabulary(catalogue.field(name).vocabulary)
        # i18n: ideographic spaces indent the vocabulary (data)
        out[name] = [(c.code, "\u3000" * c.depth + _label(request, c.label)) for c in vocab.items]
    return out


class SearchUnavailable(ServiceUnavailable):
    """The engine failed (its index missing or broken, its server down): the search page and
    API answer 503; the rest of the site does not need the engine."""

    message = _("检索服务暂时不可用，请稍后再试。信息公开目录、条目查阅和申请公开不受影响。")


def run_search(request, filters: dict | None = None):
    """Validate and search; ``filters``, if given, is filled with the active filters."""
    query, active = _validated(request)
    if filters is not None:
        filters.update(active)
    try:
        # registered for every context: no lookup by the context (a tenth of a millisecond)
        result = request.find_service(ISearchIndex, context=None).search(query)
    except Exception as exc:
        if database_unavailable(exc):
            raise  # the whole site's 503
        log.exception("the search engine failed")
        raise SearchUnavailable() from exc
    return query, result


def _page_params(request) -> dict:
    return {k: v for k, v in request.GET.items() if k != "page" and v}


@view_config(route_name="search", renderer="search.jinja2", permission=Permission.VIEW)
def search_page(request):
    params = _page_params(request)
    kept = {k: v for k, v in params.items() if k in ("q", "sort")}
    page = {
        "params": params,
        "choices": form_choices(request),
        "labels": FIELD_LABELS,
        "filter_names": list(FILTERS),
        "clear_url": request.route_url("search", _query=kept),
    }
    filters: dict = {}
    try:
        query, result = run_search(request, filters)
    except colander.Invalid as exc:
        # The page again, with the advanced form open and a message at each bad field.
        request.response.status = 400
        q = request.GET.get("q", "")[:MAX_INPUT]
        return {
            **page,
            "query": SearchQuery(q=q),
            "result": SearchResult(0, []),
            "facets": {},
            "selected": {},
            "chips": [],
            "org_parent": None,
            "errors": exc.messages_by_field,
            "form": params,
        }
    require_page(query.page, result.total, query.per_page)
    facets = facet_labels(request, result.facets)
    facets["organisation"] = _relevant_orgs(
        request, query, facets.get("organisation", []), result.total
    )
    selected = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in filters.items()}
    form = {**selected, "q": query.q, "sort": query.sort}
    orgs = request.organisations
    chosen = orgs.by_code.get(query.organisation) if query.organisation else None
    parent = orgs.by_id.get(chosen.parent_id) if chosen is not None and chosen.parent_id else None
    return {
        **page,
        "org_parent": (parent.code, parent.name) if parent is not None else None,
        "query": query,
        "result": result,
        "facets": facets,
        "selected": selected,
        "chips": filter_chips(request, params, filters),
        "errors": {},
        "form": form,
    }


@view_config(
    route_name="api_search", request_method="GET", renderer="json", permission=Permission.VIEW
)
def api_search(request):
    try:
        query, result = run_search(request)
    except colander.Invalid as exc:
        return error_response(request, 400, _("检索条件有误"), exc.messages_by_field)
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
        body["message"] = request.translate(result.message)
    return body
