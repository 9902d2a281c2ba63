"""Database set-up: engine, session factory, a transaction-managed ``request.dbsession``."""

from __future__ import annotations

import zope.sqlalchemy
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from . import outbox  # noqa: E402,F401  (the after-flush listener)
from .annual_reports import AnnualReport, ScorecardPublication  # noqa: F401
from .appeals import CaseAppeal  # noqa: F401
from .catalogue import Attachment, CatalogueItem, CatalogueItemVersion, IndexSerial  # noqa: F401
from .documents import DocumentDownload, ReleasedDocument  # noqa: F401
from .generations import CacheGeneration  # noqa: F401  (and the flush listeners)
from .letters import Letter, LetterSerial  # noqa: F401
from .mail import IdempotencyKey, MailOutbox  # noqa: F401
from .meta import Base  # noqa: F401
from .organisations import Organisation  # noqa: F401
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


def _sqlite_begin(connection):  # pragma: no cover - driver hook
    connection.exec_driver_sql("BEGIN")


def get_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def get_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None) -> Session:
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
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
