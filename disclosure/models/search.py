from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SearchOutbox(Base):
    """A catalogue item changed: the change feed of the catalogue (``disclosure.search.changefeed``).

    Written by the committing transaction itself, just before it commits
    (``disclosure.models.outbox``), so ids grow in commit order: a reader that has seen id N
    will never see a new row below N. Each consumer (the Whoosh indexer, a rebuild, later
    federation) keeps its own position in ``outbox_cursors``; rows every consumer has passed
    are pruned once they are older than the retention period."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class OutboxCursor(Base):
    """How far one consumer has read the search outbox: ``position`` is the id of the last row
    it has applied (0: none yet). Rows after it are its backlog."""

    __tablename__ = "outbox_cursors"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
