from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..i18n import _
from .meta import Base
from .organisations import Organisation
from .users import User

if TYPE_CHECKING:
    from .harvest import HarvestSource


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"  # never published; invisible to the public
    PUBLISHED = "published"  # first published version is current
    REVISED = "revised"  # a later version was published over the first
    REPEALED = "repealed"  # withdrawn from force (废止); still listed, marked repealed
    # taken out of public view after publication (a harvested item deleted at its source,
    # disclosure.harvest); no longer listed, an OAI-PMH tombstone says so (disclosure.models.oai)
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    ItemStatus.DRAFT: _("草稿"),
    ItemStatus.PUBLISHED: _("已发布"),
    ItemStatus.REVISED: _("已修订"),
    ItemStatus.REPEALED: _("已废止"),
    ItemStatus.WITHDRAWN: _("已撤回"),
}


def utc_second() -> datetime:
    """Now, naive UTC, to the second: the granularity of OAI-PMH datestamps."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class VersionState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class CatalogueItem(Base):
    """One catalogue entry. Its columns hold the current public state (or the draft, before the
    first publication); every saved state is also kept in ``versions``."""

    __tablename__ = "catalogue_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    index_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.DRAFT, index=True)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    document_number: Mapped[str] = mapped_column(String(100), default="", index=True)
    created_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(50), default="", index=True)
    genre: Mapped[str] = mapped_column(String(50), default="", index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(50), default="")
    disclosure_mode: Mapped[str] = mapped_column(String(20), default="proactive")
    validity: Mapped[str] = mapped_column(String(20), default="valid")
    category: Mapped[str] = mapped_column(String(80), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    has_draft: Mapped[bool] = mapped_column(default=False)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )
    # the last public change (publication, revision, repeal, withdrawal, an attachment), UTC to
    # the second: the item's OAI-PMH datestamp, kept by disclosure.models.oai
    public_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime, default=utc_second, index=True
    )
    # provenance of an item harvested from another instance (disclosure.harvest); NULL for an
    # organisation's own items. A harvested item is read-only here.
    harvest_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_sources.id"), index=True
    )
    source_identifier: Mapped[str | None] = mapped_column(String(500))  # its OAI identifier there
    source_url: Mapped[str | None] = mapped_column(String(500))  # its page there
    harvested_at: Mapped[datetime | None] = mapped_column(DateTime)  # last harvested, UTC

    organisation: Mapped[Organisation] = relationship()
    harvest_source: Mapped[HarvestSource | None] = relationship()
    versions: Mapped[list[CatalogueItemVersion]] = relationship(
        back_populates="item", order_by="CatalogueItemVersion.number"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", order_by="Attachment.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_public(self) -> bool:
        """Delegates to the public boundary, :func:`disclosure.catalogue.visibility.is_visible`."""
        from ..catalogue.visibility import is_visible

        return is_visible(self)


class CatalogueItemVersion(Base):
    """An immutable snapshot of an item's fields. Drafts are the one state that is updated."""

    __tablename__ = "catalogue_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=VersionState.DRAFT)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the hash chain of the item's versions (disclosure.audit): the previous version's hash
    # (NULL for the first) and this version's, filled when the row is written
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    item: Mapped[CatalogueItem] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()


class IndexSerial(Base):
    """The last 索引号 serial handed out per organisation and year. Incremented atomically."""

    __tablename__ = "index_serials"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Attachment(Base):
    """A file attached to a catalogue item; the bytes live in the file store."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(
        Text, default="", server_default=""
    )  # extracted for search (PDF, Word)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    item: Mapped[CatalogueItem] = relationship(back_populates="attachments")
