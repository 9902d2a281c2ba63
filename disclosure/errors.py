"""Error pages in Chinese (HTML) or JSON under /api/: never a bare traceback."""

from __future__ import annotations

import logging

from pyramid.csrf import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from .boundary import error_response

log = logging.getLogger(__name__)


@notfound_view_config()
def not_found(exc, request):
    message = (
        exc.detail if isinstance(getattr(exc, "detail", None), str) and exc.detail else "页面不存在"
    )
    return error_response(request, 404, message)


@forbidden_view_config()
def forbidden(exc, request):
    if request.identity is None and not request.path_info.startswith("/api/"):
        return HTTPSeeOther(request.route_url("login", _query={"next": request.path_qs}))
    return error_response(request, 403, "您没有权限访问此页面")


@exception_view_config(BadCSRFToken)
def bad_csrf(exc, request):
    return error_response(request, 400, "表单已过期或来源无效，请刷新页面后重试")


@exception_view_config(Exception)
def server_error(exc, request):
    if isinstance(exc, HTTPException):
        return exc
    # pyramid_tm aborts the transaction because request.exception is set.
    log.exception("unhandled error on %s %s", request.method, request.path_info)
    return error_response(request, 500, "服务器内部错误，请稍后再试")
