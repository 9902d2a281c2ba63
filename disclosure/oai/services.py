"""Which OAI-PMH records there are: every item the public may see (through the public boundary,
:mod:`disclosure.catalogue.visibility`) and every tombstone (:mod:`disclosure.models.oai`).

A record is keyed by its 索引号 and dated by its last public change. Lists are ordered by
(datestamp, 索引号) and paged by the last key sent (keyset paging), so a page never repeats or
skips a record because others changed meanwhile: a record that changes moves to the end.
Sets are organisations, ``setSpec`` the codes of the path from the root, joined by ``:``
(``016000001:016010001``); a set holds its organisation's records and those of everything below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..catalogue.visibility import find_visible, visible_clause, visible_items
from ..models import CatalogueItem, OaiTombstone


@dataclass(frozen=True)
class Record:
    """One record: a public item (``item`` set) or a deleted one (``item`` None)."""

    index_number: str
    datestamp: datetime
    organisation_id: int
    item: CatalogueItem | None = None

    @property
    def deleted(self) -> bool:
        return self.item is None

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.datestamp, self.index_number)


@dataclass(frozen=True)
class Selection:
    """A list request's filter: organisations (None: all), and the datestamp range."""

    organisation_ids: list[int] | None
    start: datetime | None
    end: datetime | None


class Repository:
    def __init__(self, db: Session, organisations) -> None:
        self.db = db
        self.organisations = organisations  # the tree (disclosure.organisations.services)

    # --- sets ----------------------------------------------------------------------------------

    def set_spec(self, org) -> str:
        return ":".join(o.code for o in (*self.organisations.ancestors(org), org))

    def sets(self) -> list[tuple[str, str]]:
        return [(self.set_spec(org), org.name) for org, _ in self.organisations.walk()]

    def organisation_for_set(self, spec: str):
        """The organisation a setSpec names (its whole path must match), or None."""
        org = self.organisations.by_code.get(spec.rsplit(":", 1)[-1])
        return org if org is not None and self.set_spec(org) == spec else None

    def set_spec_of(self, organisation_id: int) -> str | None:
        org = self.organisations.by_id.get(organisation_id)
        return self.set_spec(org) if org is not None else None

    # --- records ------------------------------------------------------------------------------

    def earliest(self) -> datetime | None:
        items = self.db.scalar(
            select(func.min(CatalogueItem.public_changed_at)).where(visible_clause())
        )
        stones = self.db.scalar(select(func.min(OaiTombstone.deleted_at)))
        found = [d for d in (items, stones) if d is not None]
        return min(found) if found else None

    def find(self, index_number: str) -> Record | None:
        item = find_visible(self.db, index_number)
        if item is not None:
            return Record(item.index_number, item.public_changed_at, item.organisation_id, item)
        stone = self.db.scalars(
            select(OaiTombstone).where(OaiTombstone.index_number == index_number)
        ).first()
        if stone is None:
            return None
        return Record(stone.index_number, stone.deleted_at, stone.organisation_id)

    def _item_filters(self, selection: Selection) -> list:
        column = CatalogueItem.public_changed_at
        out = [column.is_not(None)]
        if selection.organisation_ids is not None:
            out.append(CatalogueItem.organisation_id.in_(selection.organisation_ids))
        if selection.start is not None:
            out.append(column >= selection.start)
        if selection.end is not None:
            out.append(column <= selection.end)
        return out

    def _stone_filters(self, selection: Selection) -> list:
        column = OaiTombstone.deleted_at
        out = [
            # an item public again (its tombstone about to go in the same transaction) wins
            ~exists().where(
                CatalogueItem.index_number == OaiTombstone.index_number, visible_clause()
            )
        ]
        if selection.organisation_ids is not None:
            out.append(OaiTombstone.organisation_id.in_(selection.organisation_ids))
        if selection.start is not None:
            out.append(column >= selection.start)
        if selection.end is not None:
            out.append(column <= selection.end)
        return out

    def count(self, selection: Selection) -> int:
        items = self.db.scalar(
            select(func.count()).select_from(
                visible_items(CatalogueItem.id).where(*self._item_filters(selection)).subquery()
            )
        )
        stones = self.db.scalar(
            select(func.count(OaiTombstone.id)).where(*self._stone_filters(selection))
        )
        return (items or 0) + (stones or 0)

    def page(
        self,
        selection: Selection,
        after: tuple[datetime, str] | None,
        limit: int,
        *,
        with_items: bool = True,
    ) -> tuple[list[Record], bool]:
        """Up to ``limit`` records after the key ``after``, and whether more follow."""
        ds, number = CatalogueItem.public_changed_at, CatalogueItem.index_number
        query = visible_items().where(*self._item_filters(selection))
        if after is not None:
            query = query.where(or_(ds > after[0], and_(ds == after[0], number > after[1])))
        query = query.order_by(ds, number).limit(limit + 1)
        if with_items:
            query = query.options(
                selectinload(CatalogueItem.organisation),
                selectinload(CatalogueItem.attachments),
                selectinload(CatalogueItem.harvest_source),
            )
        items = [
            Record(i.index_number, i.public_changed_at, i.organisation_id, i)
            for i in self.db.scalars(query)
        ]
        sds, snumber = OaiTombstone.deleted_at, OaiTombstone.index_number
        stones_query = select(OaiTombstone).where(*self._stone_filters(selection))
        if after is not None:
            stones_query = stones_query.where(
                or_(sds > after[0], and_(sds == after[0], snumber > after[1]))
            )
        stones = [
            Record(s.index_number, s.deleted_at, s.organisation_id)
            for s in self.db.scalars(stones_query.order_by(sds, snumber).limit(limit + 1))
        ]
        merged = sorted([*items, *stones], key=lambda r: r.key)
        return merged[:limit], len(merged) > limit
