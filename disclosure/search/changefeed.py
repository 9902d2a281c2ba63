"""The search outbox as a change feed, with one cursor per consumer.

Every committed catalogue change leaves a ``search_outbox`` row (item id), written just before
its transaction commits, with ids in commit order (:mod:`disclosure.models.outbox`). A consumer
(``whoosh``: the Whoosh indexer; ``whoosh-rebuild``: a running ``disclosure reindex``; later
federation) keeps in ``outbox_cursors`` the id of the last row it has applied:

- :func:`read` returns the rows after the consumer's position, in id order;
- the consumer applies them, then :func:`advance` moves its position, in its own transaction. A
  consumer that stops before advancing reads the same rows again (at least once: applying an
  item's current state is idempotent);
- :func:`prune` deletes only rows every registered consumer has passed, and only once they are
  older than the retention period (:data:`RETENTION`). The newest row always stays, so ids are
  never reused (SQLite gives an empty table id 1 again). With no consumer registered (a
  transactional search engine: ``sqlite``, ``postgresql``), every row older than the retention
  period goes.

Pruning runs in the committing transaction every ``PRUNE_EVERY`` outbox ids
(:mod:`disclosure.models.outbox`), and hourly in ``disclosure index-worker``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models.search import OutboxCursor, SearchOutbox, utcnow

#: rows every consumer has passed are kept this long (what an operator may want to look at)
RETENTION = timedelta(days=7)
#: at most this many rows are deleted by one :func:`prune` (a short write transaction)
PRUNE_BATCH = 10_000
BATCH = 500


@dataclass(frozen=True)
class Change:
    id: int
    item_id: int


@dataclass(frozen=True)
class ConsumerStatus:
    consumer: str
    position: int
    pending: int
    updated_at: datetime


def head(db: Session) -> int:
    """The id of the newest outbox row (0 when the outbox is empty)."""
    return db.scalar(select(func.coalesce(func.max(SearchOutbox.id), 0)))


def position(db: Session, consumer: str) -> int | None:
    """The consumer's position, or None when it is not registered."""
    return db.scalar(select(OutboxCursor.position).where(OutboxCursor.consumer == consumer))


def register(db: Session, consumer: str, at: int = 0) -> bool:
    """Register ``consumer`` at position ``at`` (0: it reads everything the outbox still holds)
    unless it is registered already; True when it was added. Safe against a concurrent
    registration of the same consumer."""
    if position(db, consumer) is not None:
        return False
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.get_bind().dialect.name]
    added = db.execute(
        dialect.insert(OutboxCursor)
        .values(consumer=consumer, position=at, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=[OutboxCursor.consumer])
        .returning(OutboxCursor.consumer)
    ).first()
    return added is not None


def unregister(db: Session, consumer: str) -> bool:
    """Forget ``consumer``: its backlog no longer holds back pruning. True when it existed."""
    result = db.execute(
        delete(OutboxCursor)
        .where(OutboxCursor.consumer == consumer)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def read(db: Session, consumer: str, limit: int = BATCH) -> list[Change]:
    """Up to ``limit`` rows after the consumer's position (the whole retained outbox for a
    consumer that is not registered), oldest first."""
    after = position(db, consumer) or 0
    rows = db.execute(
        select(SearchOutbox.id, SearchOutbox.item_id)
        .where(SearchOutbox.id > after)
        .order_by(SearchOutbox.id)
        .limit(limit)
    ).all()
    return [Change(row_id, item_id) for row_id, item_id in rows]


def advance(db: Session, consumer: str, to: int) -> None:
    """Move the consumer's position forward to ``to`` (the id of the last row it applied);
    registers it if needed. A position never moves back."""
    register(db, consumer, to)
    db.execute(
        update(OutboxCursor)
        .where(OutboxCursor.consumer == consumer, OutboxCursor.position < to)
        .values(position=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def pending(db: Session, consumer: str) -> int:
    """How many rows the consumer has not applied yet."""
    after = position(db, consumer) or 0
    return db.scalar(select(func.count()).select_from(SearchOutbox).where(SearchOutbox.id > after))


def consumers(db: Session) -> list[ConsumerStatus]:
    """Every registered consumer with its position and backlog, by name."""
    backlog = (
        select(func.count())
        .select_from(SearchOutbox)
        .where(SearchOutbox.id > OutboxCursor.position)
        .scalar_subquery()
    )
    rows = db.execute(
        select(
            OutboxCursor.consumer, OutboxCursor.position, backlog, OutboxCursor.updated_at
        ).order_by(OutboxCursor.consumer)
    ).all()
    return [ConsumerStatus(*row) for row in rows]


def prune(
    db: Session,
    keep: timedelta = RETENTION,
    now: datetime | None = None,
    limit: int = PRUNE_BATCH,
) -> int:
    """Delete up to ``limit`` of the oldest rows that every registered consumer has passed and
    that are older than ``keep``; the newest row always stays. Returns how many went. The caller
    commits."""
    newest = head(db)
    lowest = db.scalar(select(func.min(OutboxCursor.position)))
    bound = newest - 1 if lowest is None else min(lowest, newest - 1)
    cutoff = (now or utcnow()) - keep
    doomed = (
        select(SearchOutbox.id)
        .where(SearchOutbox.id <= bound, SearchOutbox.created_at < cutoff)
        .order_by(SearchOutbox.id)
        .limit(limit)
    )
    result = db.execute(
        delete(SearchOutbox)
        .where(SearchOutbox.id.in_(doomed))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
