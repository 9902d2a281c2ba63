"""Administrative reconsideration and lawsuits about a case (行政复议、行政诉讼), entered by an
officer of the case's organisation: the annual report's table 四 (DOMAIN.md §5)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..i18n import _
from .meta import Base
from .requests import DisclosureRequest
from .search import utcnow
from .users import User

# table 四's three column groups
APPEAL_KINDS = {
    "reconsideration": _("行政复议"),
    "lawsuit_direct": _("行政诉讼（未经复议直接起诉）"),
    "lawsuit_after_reconsideration": _("行政诉讼（复议后起诉）"),
}
# table 四's columns within a group (纠正 covers revoked, changed, ordered to act again,
# confirmed unlawful)
APPEAL_RESULTS = {
    "upheld": _("维持"),
    "corrected": _("纠正"),
    "other": _("其他结果"),
    "pending": _("尚未审结"),
}


class CaseAppeal(Base):
    """One reconsideration or lawsuit about a case; a case may have several. ``decided_on`` is
    empty while the result is ``pending`` and required otherwise."""

    __tablename__ = "case_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # APPEAL_KINDS
    body: Mapped[str] = mapped_column(String(200))  # the reconsideration body or the court
    filed_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20), default="pending")  # APPEAL_RESULTS
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(
        backref=backref("appeals", order_by="CaseAppeal.id")
    )
    created_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return APPEAL_KINDS.get(self.kind, self.kind)

    @property
    def result_label(self) -> str:
        return APPEAL_RESULTS.get(self.result, self.result)
