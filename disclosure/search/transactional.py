"""Search engines that live in the application's database, written in the catalogue's own
transaction: search is never stale and no indexer has to run.

An engine is *transactional* when it has ``transactional = True`` and
``apply_in_session(session, documents, deletions)``, which writes through the session's own
connection (an SQLite FTS5 table, PostgreSQL tsvector rows). :func:`bind` puts the engine in
``session.info`` of every session a factory makes; then, for each such session:

- ``after_flush`` collects the ids of changed catalogue items (the same rule as the search outbox,
  :func:`~disclosure.models.outbox.changed_item_ids`);
- ``before_commit`` of the outermost transaction (not of a SAVEPOINT) flushes, builds the public documents of those items
  (:func:`~disclosure.search.indexer.documents_for`, the public boundary) and applies them through
  the engine, inside the transaction that is being committed. A rolled-back transaction takes
  its index writes with it.

pyramid_tm commits through zope.sqlalchemy, which calls ``SessionTransaction.commit()``, so the
hook runs for requests too. Sessions without a transactional engine in ``info`` are left alone
(the Whoosh default is fed from the outbox, after commit).

:func:`rebuild` rebuilds such an engine from the database in short batched transactions, and
removes what is no longer public.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from ..catalogue.registry import CatalogueSchema
from ..models.outbox import changed_item_ids

#: ``session.info`` keys
SEARCH_INDEX = "search_index"
CATALOGUE_SCHEMA = "catalogue_schema"
PENDING = "search_pending_item_ids"

BATCH = 500  # items per rebuild transaction


def own_database(settings, registry, dialect: str, engine_name: str, where: str):
    """The SQLAlchemy engine of the application's own database, for a search engine that keeps
    its tables there (``where``, e.g. "its FTS5 tables"); a clear SettingsError when that
    database is not ``dialect``. ``registry`` (a Pyramid registry, a dict or None) may hold the
    application's ``db_engine``, which is then shared."""
    from .. import settings as s
    from ..models import get_engine
    from ..settings import SettingsError

    url = s.get(settings, "database_url")
    if not url.startswith(dialect):
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[dialect]
        others = " or ".join(n for n in ("whoosh", "sqlite", "postgresql") if n != engine_name)
        # i18n: a startup error for the site's operators, already in both languages
        raise SettingsError(
            f"disclosure.search.backend = {engine_name} 需要 {label} 数据库 (the {engine_name} "
            f"search engine keeps {where} in the application's database, which must be "
            f"{label}; use {others} with this database_url)"
        )
    engine = registry.get("db_engine") if registry is not None else None
    return engine if engine is not None else get_engine(url)


def is_transactional(search_index) -> bool:
    return bool(getattr(search_index, "transactional", False))


def bind(
    session_factory: sessionmaker, search_index, schema: CatalogueSchema | None = None
) -> None:
    """Make every session of ``session_factory`` write ``search_index`` when it commits."""
    if not is_transactional(search_index):
        raise ValueError(f"search engine {search_index.name!r} is not transactional")
    info = dict(session_factory.kw.get("info") or {})
    info[SEARCH_INDEX] = search_index
    if schema is not None:
        info[CATALOGUE_SCHEMA] = schema
    session_factory.configure(info=info)


def session_index(session: Session):
    """The transactional engine this session writes, or None."""
    search_index = session.info.get(SEARCH_INDEX)
    return search_index if is_transactional(search_index) else None


def changed(session: Session, item_ids) -> None:
    """Record items changed by statements the flush does not see (bulk INSERTs of an import):
    the outermost commit indexes them, as it does the items a flush changed."""
    if session_index(session) is not None and item_ids:
        session.info.setdefault(PENDING, set()).update(item_ids)


def prefetch(session: Session, documents: list[dict]) -> None:
    """Let this session's engine start analysing documents it will write at commit (a bulk
    import's batch; :func:`.parallel.prefetch`). Nothing for other engines."""
    search_index = session_index(session)
    start = getattr(search_index, "prefetch", None)
    if start is not None:
        start(documents)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    if session_index(session) is None:
        return
    ids = changed_item_ids(session)
    if ids:
        session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    search_index = session_index(session)
    if search_index is None or session.in_nested_transaction():
        return  # a SAVEPOINT is released: its items are applied with the outermost commit
    session.flush()  # what is still unflushed is collected by _collect
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    from .indexer import documents_for

    documents, deletions = documents_for(
        session, set(pending), schema=session.info.get(CATALOGUE_SCHEMA)
    )
    search_index.apply_in_session(session, documents, deletions)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended (committed: already applied; rolled back: nothing to do).
    # A rolled-back SAVEPOINT keeps the ids: re-indexing an item's current state is harmless.
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@dataclass
class RebuildReport:
    indexed: int = 0
    removed: int = 0


def rebuild(
    session_factory: sessionmaker,
    search_index,
    *,
    schema: CatalogueSchema | None = None,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Re-apply every public item, ``batch`` items per transaction, then delete the documents of
    items that are not public any more. Searches keep answering throughout; changes committed
    meanwhile are written by their own transactions.

    If the engine has ``lock_in_session(session)``, each batch calls it first (SQLite: take the
    write lock before reading, so the batch reads what it writes over). If it has
    ``bulk_load()`` (PostgreSQL: the tsv index is dropped, and built again at the end, also
    when the rebuild fails), the whole rebuild runs inside it."""
    bulk_load = getattr(search_index, "bulk_load", None)
    with bulk_load() if bulk_load else nullcontext():
        return _rebuild(session_factory, search_index, schema, batch, progress, total)


def _rebuild(session_factory, search_index, schema, batch, progress, total) -> RebuildReport:
    from .indexer import ancestor_codes, public_item_ids

    report = RebuildReport()
    with session_factory() as db:
        ids = public_item_ids(db)
        ancestors = ancestor_codes(db)
        db.rollback()
    if total:
        total(len(ids))
    lock = getattr(search_index, "lock_in_session", None)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        report.indexed += _apply_batch(
            session_factory, search_index, chunk, ancestors, schema, lock
        )
        if progress:
            progress(len(chunk))
    with session_factory() as db:
        if lock:
            lock(db)
        public = {str(i) for i in public_item_ids(db)}
        in_session = getattr(search_index, "stamps_in_session", None)
        indexed = in_session(db) if in_session else search_index.stamps()
        extra = sorted(set(indexed) - public)
        if extra:
            search_index.apply_in_session(db, [], extra)
        db.commit()
    report.removed = len(extra)
    return report


def _apply_batch(session_factory, search_index, chunk, ancestors, schema, lock) -> int:
    from .indexer import documents_for

    with session_factory() as db:
        if lock:
            lock(db)
        documents, deletions = documents_for(db, set(chunk), ancestors, schema)
        search_index.apply_in_session(db, documents, deletions)
        db.commit()
    return len(documents)
