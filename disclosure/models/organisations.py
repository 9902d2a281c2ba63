from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base

ORGANISATION_KINDS = ("city", "department", "county", "township")


class Organisation(Base):
    """A body that publishes a catalogue and answers requests (city, department, county, township)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    category_tree: Mapped[str] = mapped_column(String(50), default="generic")
    guide: Mapped[str] = mapped_column(Text, default="")
    # Where an applicant asks for reconsideration of this body's decisions; empty: the rule in
    # letters.services.reconsideration_body (the government at the same level since 2024).
    reconsideration_body: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # What the body does (职能) and how to reach it (Art. 20(2): 机关职能、办公地址、办公时间、联系方式),
    # shown on its public page; from the organisation seed (catalog_schemas/organisations/).
    functions: Mapped[str] = mapped_column(Text, default="", server_default="")
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")
    fax: Mapped[str] = mapped_column(String(50), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.position"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.code} {self.name}>"


def organisation_row(db, org) -> Organisation:
    """The session's own row of ``org``: a row as is, or the row of a tree node
    (:class:`disclosure.organisations.services.OrgNode`, a read-only copy), to write with."""
    return org if isinstance(org, Organisation) else db.get(Organisation, org.id)
