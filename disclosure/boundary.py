"""The request boundary: bad bytes become a clear 400, never a 500.

WebOb decodes the path, the query string and form bodies lazily, so invalid UTF-8 or an unknown
charset would surface as an exception deep inside a view. This tween touches them first, and
refuses form posts whose Deform (peppercorn) ``__start__``/``__end__`` markers were tampered with.

``CookieHeaderLimit`` wraps the whole WSGI application: it refuses an oversized ``Cookie`` header
before Pyramid builds a request, since WebOb parses cookies in quadratic time and the session,
the security policy and pyramid_tm (which annotates the transaction with the user) all read them.

Every message a client gets here is in the request's language (disclosure.i18n): through the
request's localizer inside Pyramid, and from the language cookie or ``Accept-Language`` in
``CookieHeaderLimit``, where there is no request yet (Chinese, the default, when neither names
a language of the site). Neither needs the database.
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache
from pathlib import Path

from markupsafe import escape
from pyramid.i18n import TranslationString, TranslationStringFactory, get_localizer, make_localizer
from pyramid.renderers import render_to_response
from pyramid.response import Response

log = logging.getLogger(__name__)

# disclosure.i18n's message factory (the same domain): that module imports this one, so this one
# cannot import it at the top
_ = TranslationStringFactory("disclosure")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Deform writes ``<field name>:mapping|sequence|rename`` into its hidden marker fields.
MARKER_RE = re.compile(r"^[A-Za-z0-9_.-]*:(mapping|sequence|rename)$")
MARKERS = ("__start__", "__end__")
BAD_FORM = _("表单数据无效")

MAX_COOKIE_BYTES = 8192
COOKIE_TOO_LARGE = _("请求头 Cookie 过大")


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate (which no database text can hold)."""
    return _SURROGATE.search(value) is not None


# Messages of one field are joined the Chinese way; colander's ``asdict`` joins with "; ".
MESSAGE_SEPARATOR = "；"  # i18n: the separator of the Chinese pages (see separator())

# The names of the parameters and form fields an error page may report. The page names a
# field by these (never by its parameter name); the API keeps the parameter names as the keys of
# ``fields``. A view may pass ``labels`` of its own to ``error_response``.
FIELD_LABELS = {
    "q": _("检索词"),
    "document_number": _("文号"),
    "index_number": _("索引号"),
    "organisation": _("发布机构"),
    "org": _("机构"),
    "code": _("机构"),
    "topic": _("主题分类"),
    "genre": _("体裁分类"),
    "year": _("年度"),
    "date_from": _("发布日期起"),
    "date_to": _("发布日期止"),
    "disclosure_mode": _("公开方式"),
    "validity": _("有效性"),
    "sort": _("排序方式"),
    "page": _("页码"),
    "per_page": _("每页条数"),
    "scope": _("统计范围"),
    "version": _("版本"),
    "tracking_number": _("追踪号"),
    "access_code": _("查询码"),
    "lock_version": _("版本号"),
    "file": _("文件"),
    "refers_to": _("更正的文书"),
    "received": _("收到申请日期"),
    "start": _("起始日期"),
    "end": _("截止日期"),
    "days": _("工作日数"),
}


def field_messages(exc, request=None) -> dict[str, str]:
    """``{field name: its messages}`` of a colander ``Invalid``, for people: each field's own
    messages only (``asdict`` repeats the messages of the mappings above it, such as "申请内容有
    误"), translated with the request's localizer (colander's stock messages are English),
    joined with "；" (with "; " in English). The dotted name of a nested field is its key, as in
    ``asdict``. Without a request, in Chinese."""
    translate = None
    if request is not None:
        translate = get_localizer(request).translate
    joiner = separator(request)
    errors: dict[str, str] = {}
    for path in exc.paths():
        leaf = path[-1]
        names = [name for name in (e._keyname() for e in path) if name]
        messages = [m for m in leaf.messages() if m] if leaf.msg else []
        if not messages:  # a mapping error with no message of its own: its parents' then
            messages = [m for e in path if e.msg for m in e.messages() if m]
        texts = []
        for message in messages:
            if translate is not None and hasattr(message, "interpolate"):
                message = translate(message)
            elif hasattr(message, "interpolate"):
                message = message.interpolate()
            texts.append(str(message))
        errors[".".join(names)] = joiner.join(texts)
    return errors


def separator(request=None) -> str:
    """What joins several messages of one field: "；" in Chinese, "; " in English."""
    if request is None:
        return MESSAGE_SEPARATOR
    return get_localizer(request).translate(_("；"))


def translated(request, message) -> str:
    """``message`` in the request's language: a marked message translated (its mapping filled
    in), anything else as it is (data, or a message already translated)."""
    if isinstance(message, TranslationString):
        return get_localizer(request).translate(message)
    return "" if message is None else str(message)


def error_response(
    request,
    status: int,
    message: str,
    fields: dict | None = None,
    labels: dict[str, str] | None = None,
):
    """An error page (HTML) or ``{"error": ..., "fields": ...}`` (API) with the given status,
    in the request's language: ``message``, the fields' messages and labels may be marked
    messages (translated here) or text. The page names each field by its label (``labels``,
    then ``FIELD_LABELS``); the API keys ``fields`` by parameter name. The status is the
    caller's: never read from the message."""
    message = translated(request, message)
    fields = {name: translated(request, text) for name, text in (fields or {}).items()}
    if request.environ.get("PATH_INFO", "").startswith("/api/"):
        body: dict = {"error": message}
        if fields:
            body["fields"] = fields
        return Response(json_body=body, status=status, charset="utf-8")
    names = {**FIELD_LABELS, **(labels or {})}
    problems = [(translated(request, names.get(name, "")), text) for name, text in fields.items()]
    response = render_to_response(
        "disclosure:templates/error.jinja2",
        {"status": status, "message": message, "problems": problems},
        request=request,
    )
    response.status = status
    return response


def check_request(request) -> TranslationString | None:
    """Return a (marked) message if the request's path, query or form cannot be decoded."""
    try:
        request.path_info  # noqa: B018
        request.GET.items()
        for value in request.GET.values():
            if has_surrogate(value):
                return _("请求参数包含无效字符")
        if request.method == "POST" and request.content_type in FORM_TYPES:
            if not markers_ok(request.POST.items()):
                return BAD_FORM
    except UnicodeDecodeError:
        return _("请求包含无效的 UTF-8 编码")
    except (LookupError, DeprecationWarning):
        # WebOb raises DeprecationWarning (not a warning: an exception) for non-UTF-8 forms.
        return _("请求使用了不支持的字符集（仅支持 UTF-8）")
    except ValueError:
        return _("请求格式无效")
    return None


def markers_ok(items) -> bool:
    """True if every Deform marker is well formed and they nest properly (peppercorn would
    otherwise raise a ValueError quoting the tampered value back into the page)."""
    depth = 0
    for key, value in items:
        if key not in MARKERS:
            continue
        if not isinstance(value, str) or not MARKER_RE.match(value):
            return False
        depth += 1 if key == "__start__" else -1
        if depth < 0:
            return False
    return depth == 0


def close_request_files(request) -> None:
    """WebOb spools large bodies, and every uploaded file, to temporary files that it never
    closes itself: left to the garbage collector, they hold a descriptor each until a cycle
    collection happens to reach them (and warn then)."""
    parsed = request.environ.get("webob._parsed_post_vars")
    if parsed:
        for value in parsed[0].values():
            upload = getattr(value, "file", None)
            if upload is not None and hasattr(upload, "close"):
                upload.close()
    body = request.environ.get("wsgi.input")
    if body is not None and hasattr(body, "close"):
        body.close()


def boundary_tween_factory(handler, registry):
    def boundary_tween(request):
        if request.method not in ("GET", "HEAD"):
            request.add_finished_callback(close_request_files)
        problem = check_request(request)
        if problem:
            log.info("bad request rejected at the boundary: %s", problem.interpolate())
            return error_response(request, 400, problem)
        return handler(request)

    return boundary_tween


SESSION_COOKIE = "disclosure_session"  # the session (security.py)
LANGUAGE_COOKIE = "disclosure_lang"  # the language switch (disclosure.i18n)
SITE_COOKIES = (SESSION_COOKIE, LANGUAGE_COOKIE)


@cache
def localizer_for(language: str):
    """A localizer for ``language`` without a request (from the package's catalogues)."""
    return make_localizer(language, [str(LOCALE_DIR)])


def environ_language(environ) -> str:
    """The language of a request Pyramid has not seen yet: the language switch's cookie, then
    ``Accept-Language``, then Chinese (as disclosure.i18n.negotiate). Reads the ``Cookie`` header
    with a linear split only."""
    from .i18n import CHINESE, LANGUAGES, from_accept_language

    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, _eq, value = part.partition("=")
        if name.strip() == LANGUAGE_COOKIE and value.strip() in LANGUAGES:
            return value.strip()
    return from_accept_language(environ.get("HTTP_ACCEPT_LANGUAGE")) or CHINESE


def own_cookies(header: str) -> str:
    """The ``name=value`` pairs of the cookies this site sets, in order; the rest dropped."""
    kept = []
    for part in header.split(";"):
        name = part.split("=", 1)[0].strip()
        if name in SITE_COOKIES:
            kept.append(part.strip())
    return "; ".join(kept)


class CookieHeaderLimit:
    """WSGI middleware: a ``Cookie`` header over MAX_COOKIE_BYTES gets a plain 400 (JSON under
    ``/api/``) before WebOb parses it. Other attributes (``registry``…) are the wrapped app's."""

    def __init__(self, app, max_bytes: int = MAX_COOKIE_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        # PEP 3333: header values are latin-1 str, one character per byte.
        cookie = environ.get("HTTP_COOKIE", "")
        if len(cookie) <= self.max_bytes:
            if cookie:
                # WebOb's parser is quadratic in the header's length: hand it only the cookies
                # this site sets (a linear split), so a near-limit header costs nothing either.
                environ["HTTP_COOKIE"] = own_cookies(cookie)
            original = environ.get("wsgi.input")
            try:
                return self.app(environ, start_response)
            finally:
                # pyramid_retry makes the body seekable for another attempt: a large body is
                # copied to a temporary file, which nothing else closes once the request is done
                copy = environ.get("wsgi.input")
                if copy is not original and hasattr(copy, "close"):
                    copy.close()
        log.info("bad request rejected at the boundary: %s", COOKIE_TOO_LARGE.interpolate())
        from .i18n import HTML_LANG

        language = environ_language(environ)
        translate = localizer_for(language).translate
        if environ.get("PATH_INFO", "").startswith("/api/"):
            message = translate(COOKIE_TOO_LARGE)
            body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            title = escape(translate(_("请求有误")))
            heading = escape(translate(_("请求有误（${status}）", mapping={"status": 400})))
            advice = escape(translate(_("请求头 Cookie 过大，请清除本站 Cookie 后重试。")))
            body = (
                f'<!DOCTYPE html><html lang="{HTML_LANG[language]}"><head><meta charset="utf-8">'
                f"<title>{title}</title></head><body><h1>{heading}</h1>"
                f"<p>{advice}</p></body></html>"
            ).encode()
            content_type = "text/html; charset=utf-8"
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]


def includeme(config):
    config.add_tween("disclosure.boundary.boundary_tween_factory")
