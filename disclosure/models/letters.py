from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base
from .requests import DisclosureRequest
from .search import utcnow
from .users import User


class Letter(Base):
    """An issued letter: its PDF bytes are stored once and never regenerated or edited.
    A correction is a new letter that refers to the old one."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("organisation_id", "series", "year", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(30))
    variant: Mapped[str] = mapped_column(String(40), default="")
    number: Mapped[str] = mapped_column(String(60), unique=True)
    series: Mapped[str] = mapped_column(String(20), default="", server_default="")  # 公开答…
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    storage_key: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(back_populates="letters")
    issued_by: Mapped[User | None] = relationship()
    refers_to: Mapped[Letter | None] = relationship(remote_side=[id])


class LetterSerial(Base):
    """The last letter number handed out per organisation, series (公开受, 公开补, 公开答…) and
    year: each kind of letter is numbered on its own."""

    __tablename__ = "letter_serials"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True, server_default="")
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)
