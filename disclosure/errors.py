"""Error pages (HTML) or JSON under /api/, in the request's language: never a bare traceback.

A database that cannot be reached (down, restarting, its file unreachable, or still locked after
pyramid_retry's attempts) gives every page and API a 503 with ``Retry-After``, not a 500; the
engine reconnects by itself once the database is back (``pool_pre_ping`` on PostgreSQL, a new
connection on SQLite). A backend that fails (the search engine) raises ``ServiceUnavailable``:
a 503 for that feature only. The 500 and 503 pages show the request id ("错误编号") that the log
lines of the request carry. Translating needs only the request (its language cookie or
``Accept-Language``), never the database.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

from markupsafe import escape
from pyramid.csrf import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.response import Response
from pyramid.tweens import MAIN
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from pyramid_retry import IRetryableError, is_last_attempt, mark_error_retryable
from sqlalchemy import exc as sa_exc

from . import observability
from .boundary import error_response, translated
from .i18n import HTML_LANG, _, chinese

log = logging.getLogger(__name__)

RETRY_AFTER = 30  # seconds: what a 503 asks clients to wait
DATABASE_UNAVAILABLE = _("数据库暂时无法访问，请稍后再试。")
SERVER_ERROR = _("服务器内部错误，请稍后再试。")

# SQLite result codes (the low byte of the extended code) that mean "not now" rather than "wrong":
# the file cannot be opened or read, the disk is full, or another connection holds the lock.
SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    }
)
# PostgreSQL SQLSTATEs: class 08 (connection exception) and these.
PG_UNAVAILABLE = frozenset(
    {
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, in recovery)
        "53000",  # insufficient_resources
        "53100",  # disk_full
        "53300",  # too_many_connections
        "40001",  # serialization_failure (after every retry)
        "40P01",  # deadlock_detected (after every retry)
    }
)


class ServiceUnavailable(Exception):
    """A part of the site cannot answer now (its backend is down or broken): a 503 with
    ``Retry-After`` and this message, for the requests that need that part only."""

    message = _("服务暂时不可用，请稍后再试。")
    retry_after = RETRY_AFTER


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
            yield exc.orig
        exc = exc.__cause__


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database cannot be reached now.

    SQLAlchemy marks a lost connection (``connection_invalidated``) and raises errors at connect
    time with no statement; the drivers give codes (SQLite's result code, PostgreSQL's SQLSTATE)
    for the rest. No message text is matched."""
    for error in _chain(exc):
        if isinstance(error, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
            return True  # the pool is exhausted, or a connection was found dead
        if isinstance(error, sa_exc.DBAPIError):
            if error.connection_invalidated:
                return True
            if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)) and (
                error.statement is None  # raised while connecting
            ):
                return True
        if isinstance(error, sqlite3.Error):
            code = getattr(error, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in SQLITE_UNAVAILABLE:
                return True
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in PG_UNAVAILABLE):
            return True
    return False


def sqlite_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED, wherever raised (also at BEGIN, before the session joined
    the transaction, where zope.sqlalchemy's own retry test never sees it)."""
    for error in _chain(exc):
        code = (
            getattr(error, "sqlite_errorcode", None) if isinstance(error, sqlite3.Error) else None
        )
        if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return True
    return False


def _will_retry(request, exc: BaseException) -> bool:
    """Whether pyramid_retry will run the request again after ``exc`` (pyramid_tm tags a
    retryable error only after this view has answered: ask the transaction, as it will)."""
    if is_last_attempt(request):
        return False
    if IRetryableError.providedBy(exc):
        return True
    try:
        return bool(request.tm.get().isRetryableError(exc))
    except Exception:  # no transaction (any more)
        return False


def _is_api(request) -> bool:
    return request.environ.get("PATH_INFO", "").startswith("/api/")


def _headers(request, retry_after: int | None) -> dict[str, str]:
    headers = {"X-Request-Id": request.request_id, "Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def plain_page(request, status: int, title: str, message: str) -> Response:
    """A page that needs nothing but the request (no template reading the database), in the
    request's language (``title`` and ``message`` may be marked messages)."""
    request_id = request.request_id
    language = request.locale_name
    title, message = translated(request, title), translated(request, message)
    try:
        home = request.route_url("home")
        css = request.static_url("disclosure:static/site.css")
    except Exception:  # no routes (a bare configuration)
        home, css = "/", ""
    stylesheet = f'<link rel="stylesheet" href="{escape(css)}">' if css else ""
    page_title = translated(
        request,
        _("${title}（${status}） - 政府信息公开平台", mapping={"title": title, "status": status}),
    )
    # the id in <code>, the message around it escaped
    reference = str(
        escape(translated(request, _("错误编号：${id}（联系我们时请提供）", mapping={"id": "\0"})))
    )
    reference = reference.replace("\0", f"<code>{escape(request_id)}</code>")
    back = translated(request, _("返回首页"))
    body = (
        f'<!doctype html>\n<html lang="{HTML_LANG.get(language, language)}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(page_title)}</title>{stylesheet}</head>"
        f'<body><main class="wrap"><h1>{escape(title)}</h1>'
        f'<p class="error">{escape(message)}</p>'
        f"<p>{reference}</p>"
        f'<p><a href="{escape(home)}">{escape(back)}</a></p></main></body></html>\n'
    )
    return Response(
        body=body.encode("utf-8"), status=status, content_type="text/html", charset="utf-8"
    )


def failure_response(
    request,
    status: int,
    title: str,
    message: str,
    *,
    retry_after: int | None = None,
    site_page: bool = True,
) -> Response:
    """A 5xx answer with the request id: JSON ``{"error", "request_id"}`` under /api/, else the
    site's error page (``site_page``; the plain page if that cannot be rendered) or the plain
    page."""
    request_id = request.request_id
    if _is_api(request):
        response = Response(
            json_body={"error": translated(request, message), "request_id": request_id},
            status=status,
            charset="utf-8",
        )
    else:
        response = None
        if site_page:
            try:
                text = translated(request, message)
                response = error_response(
                    request,
                    status,
                    _("${message}（错误编号：${id}）", mapping={"message": text, "id": request_id}),
                )
            except Exception:
                log.warning("the error page failed; the plain page instead", exc_info=True)
        if response is None:
            response = plain_page(request, status, title, message)
    response.headers.update(_headers(request, retry_after))
    return response


def safe_path(request) -> str:
    """The request's path for a log line or a comparison: never raises, even for bytes that
    are not UTF-8 (``request.path_info`` would raise UnicodeDecodeError)."""
    raw = request.environ.get("PATH_INFO", "")
    return raw.encode("latin-1", "replace").decode("utf-8", "backslashreplace")


@notfound_view_config()
def not_found(exc, request):
    detail = getattr(exc, "detail", None)
    # Pyramid's own 404s carry the path, or an English note (debug_notfound, a predicate
    # mismatch): not messages for the public
    if not isinstance(detail, str) or detail == safe_path(request) or detail.isascii():
        detail = _("没有找到该资源") if _is_api(request) else _("页面不存在")
    return error_response(request, 404, detail)


@forbidden_view_config()
def forbidden(exc, request):
    if request.identity is None and not _is_api(request):
        return HTTPSeeOther(request.route_url("login", _query={"next": request.path_qs}))
    return error_response(request, 403, _("您没有权限访问此页面"))


@exception_view_config(BadCSRFToken)
def bad_csrf(exc, request):
    return error_response(request, 400, _("表单已过期或来源无效，请刷新页面后重试"))


@exception_view_config(ServiceUnavailable)
def service_unavailable(exc, request):
    # The rest of the site works: the site's own page, with its navigation.
    with observability.bound(request.request_id):
        log.error(
            "service unavailable on %s %s: %s",
            request.method,
            safe_path(request),
            chinese(exc.message),
        )
    return failure_response(
        request, 503, _("服务暂时不可用"), exc.message, retry_after=exc.retry_after
    )


@exception_view_config(Exception)
def server_error(exc, request):
    if isinstance(exc, HTTPException):
        return exc
    # pyramid_tm aborts the transaction because request.exception is set. This view may run
    # after the tweens have returned (an error in the commit): bind the request id again.
    with observability.bound(request.request_id):
        if sqlite_busy(exc) and not is_last_attempt(request):
            # the transaction is aborted: pyramid_retry runs the request again from the start,
            # as pyramid_tm has it do for a busy error inside a transaction already begun
            mark_error_retryable(exc)
        if database_unavailable(exc):
            # SQLITE_BUSY on an attempt that pyramid_retry will run again is only a warning
            level = logging.WARNING if _will_retry(request, exc) else logging.ERROR
            log.log(
                level,
                "database unavailable on %s %s: %s: %s",
                request.method,
                safe_path(request),
                type(exc).__name__,
                getattr(exc, "orig", None) or exc,
            )
            # The site's page would read the database again (who is logged in): the plain one.
            return failure_response(
                request,
                503,
                _("服务暂时不可用"),
                DATABASE_UNAVAILABLE,
                retry_after=RETRY_AFTER,
                site_page=False,
            )
        if isinstance(exc, UnicodeDecodeError):
            # bytes from the request that are not UTF-8 (a path, a header): the user's input
            log.info("undecodable request on %s %s", request.method, safe_path(request))
            return error_response(request, 400, _("请求包含无效的 UTF-8 编码"))
        log.exception("unhandled error on %s %s", request.method, safe_path(request))
    return failure_response(request, 500, _("服务器错误"), SERVER_ERROR)


def last_resort_tween_factory(handler, registry):
    """Exceptions raised above the exception-view tween (pyramid_tm reading who is logged in,
    a failing commit) reach no exception view under pyramid_retry's execution policy, which
    re-raises them to the server as a bare 500. Render them here. The policy still retries a
    retryable one: it reads ``request.exception``, which ``invoke_exception_view`` sets."""

    def last_resort_tween(request):
        try:
            return handler(request)
        except Exception:
            return request.invoke_exception_view(reraise=True)

    return last_resort_tween


def includeme(config):
    # just inside the request id tween: above everything else that may raise
    config.add_tween(
        "disclosure.errors.last_resort_tween_factory",
        under="disclosure.observability.request_id_tween_factory",
        over=("disclosure.boundary.boundary_tween_factory", MAIN),
    )
