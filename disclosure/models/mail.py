"""What a submission leaves behind in its own transaction: mail to send (the outbox) and the
keys that make submitting idempotent.

A ``MailOutbox`` row is written in the same transaction as the application, letter or reminder
it tells about, so the mail exists exactly when the data committed. A sender applies it after
commit (a thread in the web process, or ``disclosure mail-worker``), with retries; a failed
attempt never loses the message. Once sent, the body and the recipients are cleared: an
acknowledgement carries the access code, which is otherwise stored only as a hash.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .meta import Base
from .search import utcnow


class MailKind(enum.StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"  # 申请确认
    LETTER = "letter"  # an issued letter, attached as a PDF
    REMINDER = "reminder"  # due-soon / overdue cases, to officers


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # not sent yet (never tried, or an attempt failed and will be retried)
    SENT = "sent"
    FAILED = "failed"  # every attempt failed; kept (`disclosure mail-worker --retry-failed`)


class MailOutbox(Base):
    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    sender: Mapped[str] = mapped_column(String(254), default="")  # "": the configured sender
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"filename", "content_type", "storage_key"}]: the bytes stay in the file store
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")  # never personal data
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # at, error
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IdempotencyKey(Base):
    """One submission per key: a form's one-time token or an API client's ``Idempotency-Key``.

    Only a hash of the key is stored. The access code is kept sealed with the key itself, so
    only a client that presents the same key (and the same content) can have it again."""

    __tablename__ = "idempotency_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # form | api
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of the submitted content
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    sealed_code: Mapped[str] = mapped_column(String(64), default="")
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the API's 201 body
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
