"""Information released on request and then published proactively (依申请公开转主动公开; Art. 44
of the 2019 Regulations and the disclosure-log practice of FOI portals).

One row links a case to the catalogue item its released documents became. The link is the
officers' only: the item itself carries nothing of the case or of its applicant, and no public
output reads this table except to list the items (``/released``), never the cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .catalogue import CatalogueItem
from .meta import Base
from .requests import DisclosureRequest
from .search import utcnow
from .users import User


class CasePublication(Base):
    """A case's released information, published as a proactive catalogue item. One per case
    and one per item (unique): a second publication of the same case is refused, so a form
    submitted twice publishes once."""

    __tablename__ = "case_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"), unique=True)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[DisclosureRequest] = relationship(backref=backref("publication", uselist=False))
    item: Mapped[CatalogueItem] = relationship()
    published_by: Mapped[User | None] = relationship()
