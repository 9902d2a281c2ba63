"""Harvesting another instance's catalogue over OAI-PMH (``disclosure harvest``, disclosure.harvest).

One :class:`HarvestSource` row per (source base URL, local organisation): where the last complete
harvest got to (``last_datestamp``, the next one asks ``from`` it) and, while a harvest is under
way or was interrupted, the run's resumption token, so the next run goes on from there. Items it
brought in point at it (``CatalogueItem.harvest_source_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base
from .organisations import Organisation
from .search import utcnow


class HarvestSource(Base):
    __tablename__ = "harvest_sources"
    __table_args__ = (UniqueConstraint("base_url", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))  # the source's /oai
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    set_spec: Mapped[str] = mapped_column(String(500), default="")  # "" = the whole source
    repository_name: Mapped[str] = mapped_column(String(200), default="")  # from Identify
    # the newest datestamp of the last complete harvest, as the source wrote it
    last_datestamp: Mapped[str | None] = mapped_column(String(20))
    # a run under way or interrupted: its ``from``, the newest datestamp it has seen, the token
    # of the next page (NULL between runs)
    run_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    run_from: Mapped[str | None] = mapped_column(String(20))
    run_datestamp: Mapped[str | None] = mapped_column(String(20))
    resumption_token: Mapped[str | None] = mapped_column(Text)
    last_completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def label(self) -> str:
        """How the item page names the source."""
        return self.repository_name or self.base_url
