"""The public boundary: the one place that decides what the public may see of a catalogue item.

Three questions, three answers, all derived from the constants below:

- **which items**: status published, revised or repealed, disclosure mode not ``withheld``, and an
  索引号. :func:`visible_clause` / :func:`visible_items` are the SQL form (browse, home, look-up
  by 索引号, the search indexer and index-check); :func:`is_visible` is the same rule for an item
  already loaded. Drafts and withheld items are never visible.
- **which fields**: :func:`public_fields` — the schema fields minus those marked ``public: false``
  in ``catalog_schemas/fields.yaml``, and minus the content (``body``) of an on-request (依申请公开)
  item, whose metadata only is public.
- **which attachments**: :func:`public_attachments` — none for an on-request item.

:func:`public_view` bundles the three for one item. Every public output (pages, JSON API, file
downloads, search documents) is built from it and nothing else; future feeds and exports must use
it too, never the model's columns. The officer area is not public and reads items directly.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from .. import settings as settings_module
from ..models import Attachment, CatalogueItem
from ..models.catalogue import ItemStatus
from .registry import CatalogueSchema, load_schema
from .services import item_fields

#: Statuses in which an item is public (a repealed item stays listed, marked repealed).
VISIBLE_STATUSES: tuple[str, ...] = (
    ItemStatus.PUBLISHED.value,
    ItemStatus.REVISED.value,
    ItemStatus.REPEALED.value,
)
#: Disclosure modes whose items are never shown at all (不予公开).
HIDDEN_MODES: tuple[str, ...] = ("withheld",)
#: Disclosure modes whose items show their metadata only: no content, no attachments (依申请公开).
METADATA_ONLY_MODES: tuple[str, ...] = ("on_request",)
#: The fields that are the item's content, left out when only the metadata is public.
CONTENT_FIELDS: tuple[str, ...] = ("body",)


# --- which items ---------------------------------------------------------------------------


def visible_clause() -> ColumnElement[bool]:
    """The SQL condition "the public may see this item" (the same rule as :func:`is_visible`)."""
    return and_(
        CatalogueItem.status.in_(VISIBLE_STATUSES),
        CatalogueItem.disclosure_mode.not_in(HIDDEN_MODES),
        CatalogueItem.index_number.is_not(None),
        CatalogueItem.index_number != "",
    )


def visible_items(*columns: Any) -> Select:
    """``select(...)`` of the visible items (whole items, or the given columns)."""
    return select(*(columns or (CatalogueItem,))).where(visible_clause())


def is_visible(item: CatalogueItem) -> bool:
    """Whether the public may see a loaded item (the same rule as :func:`visible_clause`)."""
    return (
        item.status in VISIBLE_STATUSES
        and item.disclosure_mode is not None
        and item.disclosure_mode not in HIDDEN_MODES
        and bool(item.index_number)
    )


def find_visible(db: Session, index_number: str) -> CatalogueItem | None:
    """The visible item with this 索引号, or None (hidden and unknown look the same)."""
    if not index_number:
        return None
    return db.scalars(visible_items().where(CatalogueItem.index_number == index_number)).first()


def metadata_only(item: CatalogueItem) -> bool:
    """Whether only the item's metadata is public (no content, no attachments)."""
    return item.disclosure_mode in METADATA_ONLY_MODES


# --- which fields and attachments --------------------------------------------------------------


def public_fields(item: CatalogueItem, schema: CatalogueSchema) -> dict[str, Any]:
    """The item's public fields, JSON-ready, keyed by schema name; empty for a hidden item.

    Fields marked ``public: false`` are left out, and so is the content of a metadata-only item.
    """
    if not is_visible(item):
        return {}
    return preview_fields(item, schema)


def preview_fields(item: CatalogueItem, schema: CatalogueSchema) -> dict[str, Any]:
    """The fields the public would see if the item were visible (the officer page's preview of
    the public metadata box). Public outputs use :func:`public_fields`."""
    hidden = {spec.name for spec in schema.fields if not spec.public}
    if metadata_only(item):
        hidden.update(CONTENT_FIELDS)
    return {k: v for k, v in item_fields(item, schema).items() if k not in hidden}


def public_attachments(item: CatalogueItem) -> list[Attachment]:
    """The attachments the public may see and download: none of a hidden or on-request item."""
    if not is_visible(item) or metadata_only(item):
        return []
    return list(item.attachments)


@dataclass(frozen=True)
class PublicView:
    """Everything the public may see of one visible item."""

    item: CatalogueItem
    fields: dict[str, Any]
    attachments: list[Attachment]

    @property
    def metadata_only(self) -> bool:
        return metadata_only(self.item)

    @property
    def body(self) -> str:
        return self.fields.get("body") or ""

    def attachment(self, attachment_id: int) -> Attachment | None:
        return next((a for a in self.attachments if a.id == attachment_id), None)


def public_view(item: CatalogueItem | None, schema: CatalogueSchema) -> PublicView | None:
    """The public view of an item, or None if the public may not see it at all."""
    if item is None or not is_visible(item):
        return None
    return PublicView(item, public_fields(item, schema), public_attachments(item))


@functools.cache
def _load(path: str) -> CatalogueSchema:
    return load_schema(path)


def configured_schema() -> CatalogueSchema:
    """The catalogue schema from ``DISCLOSURE_SCHEMAS_DIR`` or the default directory, for code
    that runs outside a request and was not handed the application's schema."""
    key = settings_module.env_name("schemas_dir")
    return _load(os.environ.get(key) or settings_module.DEFAULTS["schemas_dir"])
