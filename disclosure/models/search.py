from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SearchOutbox(Base):
    """A catalogue item changed: written in the same transaction as the change, applied to the
    search index after commit by the one indexer. Kept a while after it is applied, so a full
    rebuild can replay what changed while it ran."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
