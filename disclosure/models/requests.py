from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..i18n import _
from .meta import Base

if TYPE_CHECKING:
    from .letters import Letter
from .organisations import Organisation
from .search import utcnow
from .users import User


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"  # 已收到
    ACCEPTED = "accepted"  # 办理中
    CORRECTION = "correction"  # 待补正 (Art. 30)
    CONSULTING = "consulting"  # 征求意见中 (Art. 32/34)
    ANSWERED = "answered"  # 已答复
    ABANDONED = "abandoned"  # 视为放弃 (no correction in time)
    WITHDRAWN = "withdrawn"  # 申请人撤回
    CLOSED = "closed"  # 已办结


STATUS_LABELS = {
    RequestStatus.RECEIVED: _("已收到"),
    RequestStatus.ACCEPTED: _("办理中"),
    RequestStatus.CORRECTION: _("待补正"),
    RequestStatus.CONSULTING: _("征求意见中"),
    RequestStatus.ANSWERED: _("已答复"),
    RequestStatus.ABANDONED: _("视为放弃"),
    RequestStatus.WITHDRAWN: _("已撤回"),
    RequestStatus.CLOSED: _("已办结"),
}

# What an application asks for (DisclosureRequest.request_kind).
REQUEST_KINDS = {
    "disclosure": _("政府信息公开申请"),
    "record_correction": _("政府信息更正申请"),  # Art. 41: correct a record about the applicant
}

OPEN_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.ACCEPTED,
    RequestStatus.CORRECTION,
    RequestStatus.CONSULTING,
)


class DisclosureRequest(Base):
    """A disclosure-on-request application (依申请公开). Personal data lives only here: never
    in logs, public pages or the search index."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.RECEIVED, index=True)
    profile: Mapped[str] = mapped_column(String(20), default="ogi-2019")
    # what is asked: disclosure (政府信息公开申请) or record_correction (更正申请, Art. 41: correct
    # a record the agency holds about the applicant); see REQUEST_KINDS
    request_kind: Mapped[str] = mapped_column(
        String(20), default="disclosure", server_default="disclosure"
    )
    channel: Mapped[str] = mapped_column(String(20), default="online")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    applicant_type: Mapped[str] = mapped_column(String(20))  # person | organisation
    # an organisation's category (commercial, research, public_interest, legal_services, other:
    # intake.APPLICANT_CATEGORIES, the annual report's columns); "" for a person
    applicant_category: Mapped[str] = mapped_column(String(20), default="", server_default="")
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(30), default="")
    id_number: Mapped[str] = mapped_column(String(40), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    contact_person: Mapped[str] = mapped_column(String(100), default="")
    work_unit: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")

    description: Mapped[str] = mapped_column(Text)
    document_number: Mapped[str] = mapped_column(String(100), default="")
    index_number: Mapped[str] = mapped_column(String(40), default="")
    delivery_form: Mapped[str] = mapped_column(String(20))
    delivery_channel: Mapped[str] = mapped_column(String(20))

    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    clock_events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    deadline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the stored trail
    correction_due_on: Mapped[date | None] = mapped_column(Date)
    correction_deadline: Mapped[date | None] = mapped_column(Date)  # for the applicant
    pending_extension: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    outcome_ground: Mapped[str] = mapped_column(String(40), default="")
    outcome_reasons: Mapped[str] = mapped_column(Text, default="")
    report_row: Mapped[str] = mapped_column(String(20), default="")
    answered_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The information-processing fee (Art. 42; 国办函〔2020〕109号), from the fee notice on:
    # method count | volume (one, never both), quantity (the request's ordinal in the month, or
    # its pages), amount in yuan; the notice's issue and the applicant's receipt of it (the
    # payment period runs from the next day); payment. Totals: requests.fees.fee_totals.
    fee_method: Mapped[str] = mapped_column(String(10), default="", server_default="")
    fee_quantity: Mapped[int | None] = mapped_column(Integer)
    fee_amount: Mapped[int | None] = mapped_column(Integer)
    fee_notice_on: Mapped[date | None] = mapped_column(Date)
    fee_notice_received_on: Mapped[date | None] = mapped_column(Date)
    fee_paid_on: Mapped[date | None] = mapped_column(Date)
    fee_paid_amount: Mapped[int | None] = mapped_column(Integer)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )
    files: Mapped[list[RequestFile]] = relationship(back_populates="request")
    letters: Mapped[list[Letter]] = relationship(back_populates="request", order_by="Letter.id")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def request_kind_label(self) -> str:
        """政府信息公开申请 or 政府信息更正申请 (REQUEST_KINDS)."""
        return REQUEST_KINDS.get(self.request_kind or "disclosure", self.request_kind)

    @staticmethod
    def step_text(step: dict[str, Any], request=None, public: bool = False) -> str:
        """A stored trail step's line in the reader's language (disclosure.requests.history)."""
        from ..requests.history import step_text

        return step_text(step, request, public)


class RequestEvent(Base):
    """Append-only history: who, when, why, what changed."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    on: Mapped[date] = mapped_column(Date)  # the business day it happened (injectable clock)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public_text: Mapped[str] = mapped_column(Text, default="")  # what the applicant sees
    # the same as a message code and its parameters (disclosure.requests.history), shown in
    # the reader's language; public_text stays the Chinese record (the one hashed)
    message: Mapped[str | None] = mapped_column(String(60))
    message_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    visible_to_applicant: Mapped[bool] = mapped_column(Boolean, default=True)
    # the hash chain of the case's history (disclosure.audit): the previous entry's hash
    # (NULL for the first) and this entry's, filled when the row is inserted
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    request: Mapped[DisclosureRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def text_for(self, request=None) -> str:
        """What the applicant sees of this event, in the reader's language (``request``; None:
        Chinese)."""
        from ..requests.history import event_text

        return event_text(self, request)


class RequestFile(Base):
    """A proof-of-identity upload."""

    __tablename__ = "request_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="identity")
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[DisclosureRequest] = relationship(back_populates="files")


class ReminderLog(Base):
    """At most one reminder per case per day."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("request_id", "sent_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # due_soon | overdue
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class CalendarYear(Base):
    """A year's holiday arrangement loaded by the city office (e.g. next year's, in November)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    arrangement: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RateLimit(Base):
    """Fixed-window counters for the public status lookup (shared by every process)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
