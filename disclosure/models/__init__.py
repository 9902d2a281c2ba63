"""Database set-up: engine, session factory, a transaction-managed ``request.dbsession``."""

from __future__ import annotations

import os
import sqlite3
import weakref

import zope.sqlalchemy
import zope.sqlalchemy.datamanager
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from . import outbox  # noqa: E402,F401  (the after-flush listener)
from .annual_reports import AnnualReport, ScorecardPublication  # noqa: F401
from .appeals import CaseAppeal  # noqa: F401
from .catalogue import Attachment, CatalogueItem, CatalogueItemVersion, IndexSerial  # noqa: F401
from .documents import DocumentDownload, ReleasedDocument  # noqa: F401
from .generations import CacheGeneration  # noqa: F401  (and the flush listeners)
from .harvest import HarvestSource  # noqa: F401
from .letters import Letter, LetterSerial  # noqa: F401
from .mail import IdempotencyKey, MailOutbox  # noqa: F401
from .meta import Base  # noqa: F401
from .oai import OaiTombstone  # noqa: F401  (and the datestamp listener)
from .organisations import Organisation  # noqa: F401
from .publications import CasePublication  # noqa: F401
from .report_inputs import ReportInput  # noqa: F401
from .requests import (  # noqa: F401
    CalendarYear,
    DisclosureRequest,
    RateLimit,
    ReminderLog,
    RequestEvent,
    RequestFile,
)
from .search import OutboxCursor, SearchOutbox  # noqa: F401
from .users import LoginSession, User  # noqa: F401

configure_mappers()

from ..audit import listeners as _audit_listeners  # noqa: E402,F401  (the history hash chains)


def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    # pysqlite's own transaction handling breaks SAVEPOINTs (RELEASE would commit): let
    # SQLAlchemy emit BEGIN itself, as the SQLAlchemy documentation recommends.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL: readers (a search rebuild, the indexer) never block the site's writers.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_busy(error: sqlite3.OperationalError) -> bool:
    # In WAL mode a transaction that has read and then wants to write while another connection
    # has committed gets SQLITE_BUSY at once (its snapshot is stale; waiting cannot help). The
    # request is then run again from the start by pyramid_retry, as PostgreSQL's serialization
    # failures are.
    code = getattr(error, "sqlite_errorcode", None)  # extended: SQLITE_BUSY_SNAPSHOT is 517
    return code is not None and code & 0xFF in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


if (sqlite3.OperationalError, _sqlite_busy) not in zope.sqlalchemy.datamanager._retryable_errors:
    zope.sqlalchemy.datamanager._retryable_errors.append((sqlite3.OperationalError, _sqlite_busy))


def _sqlite_begin(connection):  # pragma: no cover - driver hook
    # A request that may write takes SQLite's one write lock when it begins (waiting up to the
    # busy timeout for it): begun deferred, it could read, wait for another writer, and then
    # be refused at once because what it read has changed.
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _forget_in_forked_children(engine: Engine) -> None:
    # A server that forks its workers after loading the app (gunicorn under pserve) must not
    # share pooled connections between processes: each child starts with an empty pool.
    ref = weakref.ref(engine)

    def forget() -> None:  # pragma: no cover - runs in the forked child
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


def get_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    _forget_in_forked_children(engine)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None) -> Session:
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    if (
        request is not None
        and request.method not in SAFE_METHODS
        and dbsession.get_bind().dialect.name == "sqlite"
    ):
        dbsession.connection(execution_options={"sqlite_immediate": True})
    return dbsession


def includeme(config):
    from .. import settings as s

    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = get_engine(s.get(config.get_settings(), "database_url"))
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request):
        dbsession = request.environ.get("app.dbsession")
        if dbsession is None:
            dbsession = get_tm_session(session_factory, request.tm, request=request)
        return dbsession

    config.add_request_method(dbsession, reify=True)
