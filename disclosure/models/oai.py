"""OAI-PMH datestamps and tombstones (the provider is :mod:`disclosure.oai`).

An item's datestamp is ``CatalogueItem.public_changed_at``: the last change the public could see
(first publication, revision, repeal, withdrawal, an attachment added or removed), UTC to the
second. A public item that stops being public (withdrawn, revised to 不予公开, deleted) leaves an
:class:`OaiTombstone` with the instant it went, kept for good (``deletedRecord`` is
``persistent``): harvesters asking ``from`` a date before it learn of the deletion. An item that
becomes public again loses its tombstone.

Kept by a ``before_flush`` listener, registered when ``disclosure.models`` is imported, so every
writer (web, command line, importer, harvester, tests) keeps them. What the item was before the
flush is read from the database (one small query per flush that changes items), so it does not
matter whether the session had loaded the old values.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .catalogue import Attachment, CatalogueItem, utc_second
from .meta import Base

#: the item columns whose change may change what the public sees of the item as a whole
WATCHED = ("status", "disclosure_mode", "index_number", "current_version")


class OaiTombstone(Base):
    """A catalogue item that was public and is not any more: a deleted OAI-PMH record."""

    __tablename__ = "oai_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    index_number: Mapped[str] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # its datestamp, UTC
    item_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the row may go


def _visible(status, disclosure_mode, index_number) -> bool:
    from ..catalogue.visibility import HIDDEN_MODES, VISIBLE_STATUSES

    return (
        status in VISIBLE_STATUSES
        and disclosure_mode is not None
        and disclosure_mode not in HIDDEN_MODES
        and bool(index_number)
    )


def _bury(session: Session, index_number: str, organisation_id: int, item_id, at) -> None:
    stone = session.scalars(
        select(OaiTombstone).where(OaiTombstone.index_number == index_number)
    ).first()
    if stone is None:
        stone = next(
            (
                o
                for o in session.new
                if isinstance(o, OaiTombstone) and o.index_number == index_number
            ),
            None,
        )
    if stone is None:
        session.add(
            OaiTombstone(
                index_number=index_number,
                organisation_id=organisation_id,
                deleted_at=at,
                item_id=item_id,
            )
        )
    else:
        stone.deleted_at, stone.organisation_id, stone.item_id = at, organisation_id, item_id


def _unbury(session: Session, index_number: str) -> None:
    for stone in session.scalars(
        select(OaiTombstone).where(OaiTombstone.index_number == index_number)
    ):
        session.delete(stone)


@event.listens_for(Session, "before_flush")
def _datestamps(session: Session, flush_context, instances) -> None:
    changed: list[CatalogueItem] = []
    deleted: list[CatalogueItem] = []
    appeared: list[CatalogueItem] = []
    attached: set[int] = set()  # items whose attachments changed
    for obj in session.dirty:
        if isinstance(obj, CatalogueItem) and obj.id is not None:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in WATCHED):
                changed.append(obj)
    for obj in session.deleted:
        if isinstance(obj, CatalogueItem) and obj.id is not None:
            deleted.append(obj)
        elif isinstance(obj, Attachment) and obj.item_id is not None:
            attached.add(obj.item_id)
    for obj in session.new:
        if isinstance(obj, CatalogueItem) and obj.index_number and obj.status:
            appeared.append(obj)
        elif isinstance(obj, Attachment):
            item_id = obj.item_id if obj.item_id is not None else getattr(obj.item, "id", None)
            if item_id is not None:
                attached.add(item_id)
    if not (changed or deleted or appeared or attached):
        return
    now = utc_second()
    with session.no_autoflush:
        ids = [o.id for o in (*changed, *deleted)]
        before = {}
        if ids:
            rows = session.execute(
                select(
                    CatalogueItem.id,
                    CatalogueItem.status,
                    CatalogueItem.disclosure_mode,
                    CatalogueItem.index_number,
                    CatalogueItem.current_version,
                ).where(CatalogueItem.id.in_(ids))
            )
            before = {row.id: row for row in rows}
        for item in changed:
            row = before.get(item.id)
            if row is None:
                continue
            was = _visible(row.status, row.disclosure_mode, row.index_number)
            now_visible = _visible(item.status, item.disclosure_mode, item.index_number)
            if now_visible and (not was or item.current_version != row.current_version):
                item.public_changed_at = now
            if was and not now_visible:
                item.public_changed_at = now
                _bury(session, row.index_number, item.organisation_id, item.id, now)
            elif now_visible and not was:
                _unbury(session, item.index_number)
        for item in deleted:
            row = before.get(item.id)
            if row is not None and _visible(row.status, row.disclosure_mode, row.index_number):
                _bury(session, row.index_number, item.organisation_id, None, now)
        for item in appeared:
            if _visible(item.status, item.disclosure_mode, item.index_number):
                _unbury(session, item.index_number)
        done = {o.id for o in changed}
        for item_id in attached - done:
            item = session.get(CatalogueItem, item_id)
            if item is not None and item not in session.deleted and item.is_public:
                item.public_changed_at = now
