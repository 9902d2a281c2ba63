"""The API's own pages: the OpenAPI document, its readable page, and 405 for other methods."""

from __future__ import annotations

import json

from pyramid.exceptions import PredicateMismatch
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config

from ..boundary import error_response
from ..errors import not_found
from ..i18n import _
from ..security import Permission
from .docs import docs_page
from .openapi import API_PREFIX, document

METHODS_KEY = "disclosure.api.route_methods"
ANY = "*"  # a view that takes every method
API_METHOD = _("本接口不支持 ${method} 方法（支持：${allowed}）")
PAGE_METHOD = _("本页面不支持 ${method} 方法（支持：${allowed}）")


def route_methods(registry) -> dict[str, frozenset[str]]:
    """The methods each route's views answer (``*``: a view with no ``request_method``), from
    Pyramid's introspector; Pyramid answers HEAD wherever it answers GET."""
    cached = registry.get(METHODS_KEY)
    if cached is not None:
        return cached
    found: dict[str, set[str]] = {}
    for entry in registry.introspector.get_category("views"):
        view = entry["introspectable"]
        if view["route_name"] is None or view["exception_only"]:
            continue
        declared = view["request_methods"] or (ANY,)
        methods = {declared} if isinstance(declared, str) else set(declared)
        if "GET" in methods:
            methods.add("HEAD")
        found.setdefault(view["route_name"], set()).update(methods)
    out = {name: frozenset(methods) for name, methods in found.items()}
    registry[METHODS_KEY] = out
    return out


@view_config(route_name="api_openapi", request_method="GET", permission=Permission.VIEW)
def openapi_json(request):
    doc = document(request)  # memos do not nest: the tree's lock is not reentrant
    body = request.organisations.memo(
        "openapi_json",
        lambda: json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    )
    return Response(body=body, content_type="application/json", charset="utf-8")


@view_config(
    route_name="api_docs",
    request_method="GET",
    renderer="api/docs.jinja2",
    permission=Permission.VIEW,
)
def docs(request):
    doc = document(request)
    # the document stays in Chinese; the page's own words are in the reader's language
    return request.organisations.memo(
        f"openapi_docs_page:{request.locale_name}",
        lambda: docs_page(doc, request.translate),
    )


@exception_view_config(PredicateMismatch, path_info=r"^/api/")
def method_not_allowed(exc, request):
    """A method the API route does not answer: 405 with ``Allow`` (instead of Pyramid's 404)."""
    route = request.matched_route
    allowed = route_methods(request.registry).get(route.name) if route is not None else None
    if not allowed or ANY in allowed or request.method in allowed:
        return not_found(exc, request)
    message = API_METHOD if route.pattern.startswith(API_PREFIX) else PAGE_METHOD
    mapping = {"method": request.method[:20], "allowed": ", ".join(sorted(allowed))}
    response = error_response(request, 405, request.translate(message, mapping))
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
