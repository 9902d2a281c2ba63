"""The request boundary: bad bytes become a clear 400, never a 500.

WebOb decodes the path, the query string and form bodies lazily, so invalid UTF-8 or an unknown
charset would surface as an exception deep inside a view. This tween touches them first.
"""

from __future__ import annotations

import logging

from pyramid.renderers import render_to_response
from pyramid.response import Response

log = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def error_response(request, status: int, message: str, fields: dict | None = None):
    """An error page (HTML) or ``{"error": ..., "fields": ...}`` (API) with the given status."""
    if request.environ.get("PATH_INFO", "").startswith("/api/"):
        body: dict = {"error": message}
        if fields:
            body["fields"] = fields
        return Response(json_body=body, status=status, charset="utf-8")
    response = render_to_response(
        "disclosure:templates/error.jinja2",
        {"status": status, "message": message, "fields": fields or {}},
        request=request,
    )
    response.status = status
    return response


def check_request(request) -> str | None:
    """Return a message if the request's path, query or form cannot be decoded."""
    try:
        request.path_info  # noqa: B018
        request.GET.items()
        for value in request.GET.values():
            if has_surrogate(value):
                return "请求参数包含无效字符"
        if request.method == "POST" and request.content_type in FORM_TYPES:
            request.POST.items()
    except UnicodeDecodeError:
        return "请求包含无效的 UTF-8 编码"
    except (LookupError, DeprecationWarning):
        # WebOb raises DeprecationWarning (not a warning: an exception) for non-UTF-8 forms.
        return "请求使用了不支持的字符集（仅支持 UTF-8）"
    except ValueError:
        return "请求格式无效"
    return None


def _close_body(request) -> None:
    """WebOb spools large bodies to a temporary file that it never closes itself."""
    body = request.environ.get("wsgi.input")
    if body is not None and hasattr(body, "close"):
        body.close()


def boundary_tween_factory(handler, registry):
    def boundary_tween(request):
        if request.method == "POST":
            request.add_finished_callback(_close_body)
        problem = check_request(request)
        if problem:
            log.info("bad request rejected at the boundary: %s", problem)
            return error_response(request, 400, problem)
        return handler(request)

    return boundary_tween


def includeme(config):
    config.add_tween("disclosure.boundary.boundary_tween_factory")
