"""Every catalogue change writes a search outbox row in the same database transaction.

Registered when ``disclosure.models`` is imported, so every writer (web, command line, tests)
records its changes, whether or not the search package is loaded.

The ids of changed items are collected after each flush and written just before the outermost
commit, so the outbox ids grow in *commit order*: on SQLite the committing transaction holds the
database's one write lock; on PostgreSQL it takes a transaction-level advisory lock first
(:data:`PG_LOCK`, held only for the insert and the commit, after every row lock the transaction
needed, so it adds no deadlock). A change feed reader that has seen id N therefore never sees a
new row below N later, and one integer per consumer is a complete cursor
(``disclosure.search.changefeed``). A rolled-back transaction writes nothing.

Every :data:`PRUNE_EVERY` ids, the committing transaction also prunes the outbox
(:func:`disclosure.search.changefeed.prune`): the outbox is pruned wherever it grows, with or
without an indexer running.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from .catalogue import Attachment, CatalogueItem
from .search import SearchOutbox, utcnow

#: ``session.info`` key: ids of the items changed in this transaction, not yet written
PENDING = "search_outbox_item_ids"
#: PostgreSQL advisory lock key that orders outbox writers ("disclosure search outbox")
PG_LOCK = 0x0D15C105E0
#: the committing transaction prunes the outbox whenever its ids pass a multiple of this
PRUNE_EVERY = 1000


def changed_item_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, CatalogueItem) and obj.id is not None:
            if obj in session.new or session.is_modified(obj, include_collections=False):
                ids.add(obj.id)
        elif isinstance(obj, Attachment) and obj.item_id is not None:
            ids.add(obj.item_id)
    return ids


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    ids = changed_item_ids(session)
    if ids:
        session.info.setdefault(PENDING, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _write_outbox(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT is released: its items are written with the outermost commit
    session.flush()  # what is still unflushed is collected by _collect
    ids = session.info.pop(PENDING, None)
    if not ids:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
    now = utcnow()
    connection.execute(
        insert(SearchOutbox), [{"item_id": i, "created_at": now} for i in sorted(ids)]
    )
    last = connection.scalar(select(func.max(SearchOutbox.id)))
    if last // PRUNE_EVERY != (last - len(ids)) // PRUNE_EVERY:
        from ..search.changefeed import prune

        prune(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended (committed: already written; rolled back: nothing to do).
    # A rolled-back SAVEPOINT keeps its ids: re-indexing an item's current state is harmless.
    if transaction.parent is None:
        session.info.pop(PENDING, None)
