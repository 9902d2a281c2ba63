"""Every catalogue change writes a search outbox row in the same database transaction.

Registered when ``disclosure.models`` is imported, so every writer (web, command line, tests)
records its changes, whether or not the search package is loaded."""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from .catalogue import Attachment, CatalogueItem
from .search import SearchOutbox, utcnow


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
def _write_outbox(session: Session, flush_context) -> None:
    ids = changed_item_ids(session)
    if ids:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox), [{"item_id": i, "created_at": now} for i in sorted(ids)]
        )
