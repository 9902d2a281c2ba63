"""Public pages validated by the cache generations, and kept ready between their changes.

A public page (a route in :data:`PUBLIC_ROUTES`) asked for anonymously depends only on the
request (scheme, host, path and query, and the interface language), the business date
and the data, and every change to
that data gives a cache generation a new token in the same transaction
(:mod:`disclosure.models.generations`). So the tokens, the date and the request name the page:

- the page carries that name as its ``ETag`` with ``Cache-Control: public, no-cache`` (a proxy
  may keep it, and asks again each time), and a conditional request gets ``304 Not Modified``;
- each process keeps the most recently served pages (``disclosure.page_cache.entries``) under
  that name and serves them again without rendering. Publishing, revising or repealing an item
  commits a new ``catalogue`` token, so the next request in every process looks under a new
  name: no message between processes, nothing to expire.

Signed-in users (a session cookie) get the page rendered for them, ``Cache-Control: private,
no-cache`` and no ``ETag``; anonymous pages say ``Vary: Cookie`` so that a proxy never hands
them to a signed-in user. Reading the tokens costs one small query per request, before the request's
transaction begins, so a page served from the cache costs no transaction; when the read fails
(the database is down) the error pages answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass

from pyramid.interfaces import IRoutesMapper
from pyramid.response import Response
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import clock
from . import settings as s
from .boundary import SESSION_COOKIE
from .models.generations import current
from .organisations import GENERATIONS_ENVIRON

#: the pages and API reads anyone may see, the same for every anonymous visitor
PUBLIC_ROUTES = frozenset(
    {
        "home",
        "catalogue",
        "item",
        "organisations",
        "organisation",
        "guide",
        # the 政府信息公开 column (portal): organisations, catalogue and reports generations; the
        # profile in force follows the business date, which names the page too
        "sections",
        "section",
        "proactive_kind",
        "organisation_sections",
        "organisation_section",
        "organisation_proactive_kind",
        "apply_form_pdf",  # the tree (a receiving body printed in) and the date (the rules)
        "annual_report",
        "annual_report_summary",
        "search",
        "statistics",
        "released",  # items only: a publication is made with its item (catalogue generation)
        "api_organisations",
        "api_catalogue",
        "api_catalogue_item",
        "api_search",
        "api_due_date",
        "feed_portal",
        "feed_topic",
        "feed_organisation",
        "sitemap",
        "sitemap_part",
        "export_csv",
        "export_jsonl",
        "api_working_days",
        "api_openapi",
        "api_docs",
    }
)

TOKEN_READER = "disclosure.httpcache.token_reader"
PUBLIC = "public, no-cache"
PRIVATE = "private, no-cache"


@dataclass(frozen=True)
class Page:
    status: str
    headerlist: tuple[tuple[str, str], ...]
    body: bytes


class PageCache:
    """The most recently used pages of one process (a bounded LRU, safe across threads)."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page) -> None:
        if self.entries <= 0 or len(page.body) > self.max_bytes:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def page_key(generations: dict[str, str], today, url: str, language: str) -> str:
    """The name of an anonymous page: the data's tokens, the business date, the full URL, the
    interface language."""
    parts = [f"{name}={token}" for name, token in sorted(generations.items())]
    parts += [today.isoformat(), url, language]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def etag_of(key: str) -> str:
    return f'W/"{key}"'


def _public_route(request) -> bool:
    mapper = request.registry.queryUtility(IRoutesMapper)
    info = mapper(request) if mapper is not None else None
    route = info and info.get("route")
    return route is not None and route.name in PUBLIC_ROUTES


def _not_modified(request, key: str) -> bool:
    # WebOb's matcher holds the opaque tags, weak or strong (If-None-Match compares weakly);
    # without the header it matches nothing
    return key in request.if_none_match


GENERATIONS_SQL = "SELECT name, token FROM cache_generations"  # no compiling per request


class TokenReader:
    """Reads the tokens in one round trip.

    SQLite: a connection from the pool (no network, nothing to save). PostgreSQL: a checkout
    from the pool costs a ping, a BEGIN and a ROLLBACK around the one SELECT, so each process
    keeps a connection of its own for this, in autocommit, outside the pool, shared by its
    threads under a lock. A failure discards it (the next request connects again) and is raised
    as SQLAlchemy's DBAPIError, so the error pages tell a database that is down (503)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.dedicated = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._conn = None
        self._pid = 0
        # disposing of the engine (a test's end, a shutdown) closes this connection too
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def close(self) -> None:
        with self._lock:
            self._discard()

    def read(self) -> dict[str, str]:
        if not self.dedicated:
            raw = self.engine.raw_connection()  # from the pool, back to it on close
            try:
                return self._select(raw)
            finally:
                raw.close()
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():  # a forked worker: its own
                    self._conn = self._connect()
                    self._pid = os.getpid()
                return self._select(self._conn)
            except dbapi_error as exc:
                self._discard()
                raise DBAPIError.instance(
                    GENERATIONS_SQL, None, exc, dbapi_error, connection_invalidated=True
                ) from exc

    @staticmethod
    def _select(raw) -> dict[str, str]:
        cursor = raw.cursor()
        try:
            cursor.execute(GENERATIONS_SQL)
            return dict(cursor.fetchall())
        finally:
            cursor.close()

    def _connect(self):
        fairy = self.engine.raw_connection()  # made by the engine: its connect events ran
        dbapi = fairy.dbapi_connection
        fairy.detach()  # ours now: never returned to the pool
        dbapi.autocommit = True
        return dbapi

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):
                conn.close()


def read_generations(request) -> dict[str, str]:
    """The tokens, read before the request's transaction begins: through the session handed in
    with the request (``app.dbsession``, as tests do), else by the process's TokenReader."""
    handed_in = request.environ.get("app.dbsession")
    if handed_in is not None:
        return current(handed_in)
    return request.registry[TOKEN_READER].read()


def tween_factory(handler, registry):
    settings = registry.settings
    cache = PageCache(
        int(s.get(settings, "page_cache.entries")), int(s.get(settings, "page_cache.max_bytes"))
    )
    registry["disclosure.page_cache"] = cache
    registry[TOKEN_READER] = TokenReader(registry["db_engine"])

    def tween(request):
        if request.method not in ("GET", "HEAD") or not _public_route(request):
            return handler(request)
        if SESSION_COOKIE in request.cookies:
            response = handler(request)
            if response.status_int == 200:
                response.cache_control = PRIVATE
            return response
        try:
            generations = read_generations(request)
        except SQLAlchemyError:
            # the database is unavailable: the error pages answer (503), as they would below
            return request.invoke_exception_view(sys.exc_info())
        # the request reads the organisation tree (and what else is cached per generation) by
        # these same tokens: the page is made of the data its name says, and the request reads
        # them once
        request.environ[GENERATIONS_ENVIRON] = generations
        key = page_key(generations, clock.today(request), request.url, request.locale_name)
        etag = etag_of(key)
        if _not_modified(request, key):
            return _validated(Response(status=304), etag)
        page = cache.get(key)
        if page is not None:
            response = Response(status=page.status, headerlist=list(page.headerlist))
            response.body = page.body  # sets Content-Length; HEAD drops the body on output
            return response
        response = handler(request)
        if response.status_int != 200 or "Set-Cookie" in response.headers:
            return response
        _validated(response, etag)
        if isinstance(response.app_iter, list):  # a rendered page; a stream stays a stream
            cache.put(key, Page(response.status, tuple(response.headerlist), response.body))
        return response

    return tween


def _validated(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = PUBLIC
    # the language comes from a cookie or Accept-Language (disclosure.i18n)
    response.vary = tuple(sorted({*(response.vary or ()), "Accept-Language", "Cookie"}))
    return response


def includeme(config):
    # before the request's transaction: a page served from the cache opens none
    config.add_tween("disclosure.httpcache.tween_factory", over="pyramid_tm.tm_tween_factory")
