from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..i18n import _
from .meta import Base
from .organisations import Organisation


class Role(enum.StrEnum):
    OFFICER = "officer"
    ORG_ADMIN = "org_admin"
    CITY_ADMIN = "city_admin"


# marked messages: a page shows them through ``|t`` (or ``request.translate``)
ROLE_LABELS = {
    Role.OFFICER: _("信息公开专员"),
    Role.ORG_ADMIN: _("单位管理员"),
    Role.CITY_ADMIN: _("市级管理员"),
}


class User(Base):
    """An officer account. Applicants do not have accounts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation: Mapped[Organisation] = relationship()

    @property
    def history_label(self) -> str:
        """How a case history and its letters name this officer: 姓名（机关简称）."""
        return f"{self.display_name}（{self.organisation.short_name}）"  # i18n: as the letters name

    @property
    def role_label(self) -> str:
        """The role's name: a marked message (show it through ``|t``)."""
        return ROLE_LABELS.get(Role(self.role), self.role)


class LoginSession(Base):
    """One login: the cookie holds a random token, this row (by its hash) makes it valid.
    Logging out sets ``ended_at``, so a copied cookie is worthless afterwards."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
