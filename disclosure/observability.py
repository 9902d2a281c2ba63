"""Request ids: one per request, returned in ``X-Request-Id`` and written into every log line.

A client (or a proxy in front of the site) may send a sane ``X-Request-Id`` (8 to 64 of
``A-Za-z0-9._-``); anything else (a newline, a header too long) is replaced by a new id, so a
hostile value can never forge or split a log line. The id is kept in the WSGI environ, so the
attempts of a request that pyramid_retry runs again keep it, and ``request.request_id`` gives it
anywhere (error pages show it: "错误编号").

While a request runs, the id sits in a context variable; a log record factory copies it into every
record created anywhere in the process (any logger, any handler) as ``request_id``, ``-`` outside
a request (start-up, the mail sender and indexer threads). The ini files' formatters print it
with ``%(request_id)s``. The factory is installed when ``disclosure`` is imported, before any
formatter could meet a record without the attribute.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from pyramid.tweens import INGRESS, MAIN

HEADER = "X-Request-Id"
ENVIRON_KEY = "disclosure.request_id"
SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")
OUTSIDE = "-"  # the id of a log record written outside any request

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "disclosure_request_id", default=OUTSIDE
)


def current() -> str:
    """The id of the request this code runs for, ``-`` outside a request."""
    return _current.get()


def new_request_id() -> str:
    return secrets.token_hex(16)


def sane(value: str | None) -> bool:
    return bool(value) and SANE.fullmatch(value) is not None


def request_id(request) -> str:
    """The request's id: the environ's (a retried attempt), a sane incoming one, or a new one."""
    environ = request.environ
    value = environ.get(ENVIRON_KEY)
    if value is None:
        incoming = environ.get("HTTP_X_REQUEST_ID")
        value = incoming if sane(incoming) else new_request_id()
        environ[ENVIRON_KEY] = value
    return value


@contextmanager
def bound(value: str) -> Iterator[None]:
    """Log records created inside carry ``value`` as their ``request_id``."""
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Gives a record without one the current request id (for a handler set up by hand; the
    record factory below already gives every record its id)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


def install() -> None:
    """Wrap the logging record factory (once) so that every record carries ``request_id``."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "disclosure_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current.get()
        return record

    factory.disclosure_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def request_id_tween_factory(handler, registry):
    """The outermost tween: binds the id for everything below it and sets the header. A response
    made after an exception left the tweens (the exception view, called by the execution policy)
    gets its header from ``disclosure.errors``."""

    def request_id_tween(request):
        value = request.request_id
        with bound(value):
            response = handler(request)
        response.headers[HEADER] = value
        return response

    return request_id_tween


install()


def includeme(config):
    install()
    config.add_request_method(request_id, "request_id", reify=True)
    # outermost, so that the boundary's log lines (a request refused as malformed) carry it too
    config.add_tween(
        "disclosure.observability.request_id_tween_factory",
        under=INGRESS,
        over=("disclosure.boundary.boundary_tween_factory", MAIN),
    )
