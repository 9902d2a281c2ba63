"""The information itself, delivered (Art. 36(2), Art. 40 of the 2019 Regulations): the
documents an officer releases on a case, and every download of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .meta import Base
from .requests import DisclosureRequest
from .search import utcnow
from .users import User


class ReleasedDocument(Base):
    """A released document (PDF, Office file or image), stored by content hash like the
    catalogue's attachments. The applicant downloads it with the tracking number and the access
    code (``DisclosureRequest.released_documents``)."""

    __tablename__ = "released_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # pdf | word | excel | image
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(
        backref=backref("released_documents", order_by="ReleasedDocument.id")
    )
    uploaded_by: Mapped[User | None] = relationship()
    downloads: Mapped[list[DocumentDownload]] = relationship(
        back_populates="document", order_by="DocumentDownload.id"
    )

    def applicant_downloads(self) -> list[DocumentDownload]:
        return [d for d in self.downloads if d.by == "applicant"]


class DocumentDownload(Base):
    """One download of a released document: who (the applicant, or which officer), when, how."""

    __tablename__ = "document_downloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("released_documents.id"), index=True)
    by: Mapped[str] = mapped_column(String(20))  # applicant | officer
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10))  # web | api
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[ReleasedDocument] = relationship(back_populates="downloads")
    user: Mapped[User | None] = relationship()
