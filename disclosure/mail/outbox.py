"""The mail outbox: a message is written in the transaction of the data it tells about, and a
sender delivers it after commit, with retries.

- ``enqueue`` adds a row to the caller's session: it commits (or not) with the data.
- ``MailSender.run_once`` delivers what is due. Each attempt first claims its row in a short
  transaction of its own (``attempts`` + 1, and ``next_attempt_at`` pushed out by a lease), so
  two senders (the thread in each web process, ``disclosure mail-worker``) never send the same
  message twice at once, and a sender killed mid-send loses nothing: the row is due again once
  the lease runs out. A failed attempt is recorded (``last_error``, ``attempt_log``) and retried
  after the next backoff step; after the last one the row is ``failed`` and kept.
- ``MailSenderThread`` runs the sender inside the web process, woken after each commit that
  queued mail.

Logs and ``last_error`` carry the row id, the kind and the error class, never an address or a
body.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from pyramid_mailer.message import Attachment, Message
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session, sessionmaker

from ..clock import BUSINESS_TZ, utcnow
from ..i18n import _
from ..models import Letter
from ..models.mail import MailKind, MailOutbox, MailStatus

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd … failed attempt; one more attempt than steps, then ``failed``.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
LEASE = timedelta(minutes=5)  # a claimed row is due again after this (the sender died)
BATCH = 100


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment by reference: the bytes stay in the file store (a letter's PDF)."""

    filename: str  # ASCII: repoze.sendmail cannot re-encode RFC 2231 (non-ASCII) parameters
    content_type: str
    storage_key: str


def enqueue(
    db: Session,
    message: Message,
    kind: MailKind | str,
    *,
    request_id: int | None = None,
    letter_id: int | None = None,
    attachments: Iterable[StoredAttachment] = (),
    now: datetime | None = None,
) -> MailOutbox:
    """Queue ``message`` in ``db``'s transaction: it is sent only if that transaction commits."""
    if message.attachments or message.html:
        raise ValueError("queue attachments as StoredAttachment; HTML bodies are not supported")
    at = now or utcnow()
    row = MailOutbox(
        kind=str(kind),
        request_id=request_id,
        letter_id=letter_id,
        subject=message.subject[:300],
        sender=message.sender or "",
        recipients=list(message.recipients or ()),
        body=message.body or "",
        attachments=[asdict(a) for a in attachments],
        status=MailStatus.PENDING,
        attempts=0,
        last_error="",
        attempt_log=[],
        next_attempt_at=at,
        created_at=at,
    )
    db.add(row)
    return row


def describe_error(exc: BaseException) -> str:
    """What went wrong, without what SMTP errors may quote back (addresses, message text)."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{name}: {len(exc.recipients)} 个收件人被拒收"  # i18n: a record (last_error)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name}: SMTP {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{name}: {exc.strerror}"
    return name


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0  # this attempt failed; the message waits for the next one
    failed: int = 0  # the last attempt failed: the message is marked failed

    def __bool__(self) -> bool:
        return bool(self.sent or self.retrying or self.failed)


class MailSender:
    def __init__(
        self,
        session_factory: sessionmaker,
        mailer,
        storage=None,
        *,
        backoff: tuple[timedelta, ...] = BACKOFF,
        lease: timedelta = LEASE,
    ) -> None:
        self.session_factory = session_factory
        self.mailer = mailer  # anything with send_immediately(message): SMTP or the log backend
        self.storage = storage  # IFileStorage, for attachments
        self.backoff = backoff
        self.lease = lease

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def pending(self) -> int:
        with self.session_factory() as db:
            return db.scalar(
                select(func.count())
                .select_from(MailOutbox)
                .where(MailOutbox.status == MailStatus.PENDING)
            )

    def next_due(self) -> datetime | None:
        with self.session_factory() as db:
            return db.scalar(
                select(func.min(MailOutbox.next_attempt_at)).where(
                    MailOutbox.status == MailStatus.PENDING
                )
            )

    def run_once(
        self, now: datetime | None = None, *, only: Iterable[int] | None = None, batch: int = BATCH
    ) -> SendReport:
        """Attempt every message due at ``now`` (default: the current UTC time) once."""
        now = now or utcnow()
        report = SendReport()
        seen: set[int] = set()
        while True:
            query = (
                select(MailOutbox.id)
                .where(MailOutbox.status == MailStatus.PENDING, MailOutbox.next_attempt_at <= now)
                .order_by(MailOutbox.next_attempt_at, MailOutbox.id)
                .limit(batch)
            )
            if only is not None:
                query = query.where(MailOutbox.id.in_(list(only)))
            if seen:
                query = query.where(MailOutbox.id.not_in(seen))
            with self.session_factory() as db:
                ids = list(db.scalars(query))
            if not ids:
                return report
            for row_id in ids:
                seen.add(row_id)
                outcome = self._attempt(row_id, now)
                if outcome:
                    setattr(report, outcome, getattr(report, outcome) + 1)

    def retry_failed(self, now: datetime | None = None) -> int:
        """Put failed messages back in the queue for a new round of attempts."""
        with self.session_factory() as db:
            result = db.execute(
                update(MailOutbox)
                .where(MailOutbox.status == MailStatus.FAILED)
                .values(status=MailStatus.PENDING, attempts=0, next_attempt_at=now or utcnow())
            )
            db.commit()
            return result.rowcount

    def _attempt(self, row_id: int, now: datetime) -> str | None:
        with self.session_factory() as db:
            row = db.get(MailOutbox, row_id)
            if row is None or row.status != MailStatus.PENDING or row.next_attempt_at > now:
                return None
            claimed = db.execute(
                update(MailOutbox)
                .where(
                    MailOutbox.id == row_id,
                    MailOutbox.status == MailStatus.PENDING,
                    MailOutbox.attempts == row.attempts,
                    MailOutbox.next_attempt_at <= now,
                )
                .values(
                    attempts=MailOutbox.attempts + 1,
                    last_attempt_at=now,
                    next_attempt_at=now + self.lease,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:  # another sender has it
                db.rollback()
                return None
            db.commit()
            try:
                self.mailer.send_immediately(self._message(row))
            except Exception as exc:
                outcome = self._failed(row, now, describe_error(exc))
            else:
                outcome = self._sent(row, now)
            db.commit()
            return outcome

    def _message(self, row: MailOutbox) -> Message:
        message = Message(
            subject=row.subject,
            sender=row.sender or None,  # None: the mailer's default sender
            recipients=list(row.recipients),
            body=row.body,
        )
        for item in row.attachments:
            if self.storage is None:
                raise LookupError("no file storage for attachments")
            data = self.storage.get(item["storage_key"])
            message.attach(Attachment(item["filename"], item["content_type"], data))
        return message

    def _sent(self, row: MailOutbox, now: datetime) -> str:
        row.status = MailStatus.SENT
        row.sent_at = now
        row.last_error = ""
        row.attempt_log = [*row.attempt_log, {"at": now.isoformat(), "error": ""}]
        # Delivered: drop what only the delivery needed (an acknowledgement holds the access
        # code, otherwise stored only as a hash).
        row.body = ""
        row.recipients = []
        if row.letter_id is not None:
            object_session(row).execute(
                update(Letter).where(Letter.id == row.letter_id).values(emailed_at=now)
            )
        log.info("mail %d (%s) sent", row.id, row.kind)
        return "sent"

    def _failed(self, row: MailOutbox, now: datetime, error: str) -> str:
        row.last_error = error[:300]
        row.attempt_log = [*row.attempt_log, {"at": now.isoformat(), "error": error[:300]}]
        if row.attempts >= self.max_attempts:
            row.status = MailStatus.FAILED
            log.error(
                "mail %d (%s) failed after %d attempts: %s", row.id, row.kind, row.attempts, error
            )
            return "failed"
        row.next_attempt_at = now + self.backoff[row.attempts - 1]
        log.warning(
            "mail %d (%s) not sent (attempt %d), retrying at %s: %s",
            row.id,
            row.kind,
            row.attempts,
            row.next_attempt_at.isoformat(timespec="seconds"),
            error,
        )
        return "retrying"


class MailSenderThread(threading.Thread):
    """Runs the sender inside the web process: started by the first commit that queues mail (or
    at start-up when mail is waiting), woken by each such commit, and when a retry falls due."""

    def __init__(
        self, sender: MailSender, interval: float = 60.0, clock: Callable[[], datetime] = utcnow
    ) -> None:
        super().__init__(name="mail-sender", daemon=True)
        self.sender = sender
        self.interval = interval
        self.clock = clock
        self.wake = threading.Event()
        self.stopped = threading.Event()
        self._start_lock = threading.Lock()
        self._running = False

    def notify(self) -> None:
        with self._start_lock:
            if not self._running and not self.stopped.is_set():
                self._running = True
                self.start()
        self.wake.set()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()

    def _timeout(self) -> float:
        due = self.sender.next_due()
        if due is None:
            return self.interval
        return min(self.interval, max(1.0, (due - self.clock()).total_seconds()))

    def run(self) -> None:  # pragma: no cover - exercised by the running site
        while not self.stopped.is_set():
            timeout = self.interval
            try:
                self.sender.run_once(self.clock())
                timeout = self._timeout()
            except Exception:
                log.exception("mail sender failed; retrying")
            self.wake.wait(timeout)
            self.wake.clear()


# --- what the case page shows ----------------------------------------------------------------

STATUS_LABELS = {
    "sent": _("已发送"),
    "retrying": _("发送失败（将重试）"),
    "pending": _("待发送"),
    "failed": _("发送失败（不再重试）"),
}


@dataclass(frozen=True)
class MailState:
    """One mail's line on the case page. ``label`` and ``state_label`` are marked messages: show
    them with ``|t`` (or :func:`disclosure.i18n.chinese`)."""

    label: str  # 申请确认邮件, 文书 ${number} (公开受〔2026〕1号 …)
    state: str  # sent | retrying | pending | failed
    attempts: int
    when: str  # sent at, or the next attempt (Asia/Shanghai), or ""
    last_error: str  # as recorded (not translated)

    @property
    def state_label(self) -> str:
        return STATUS_LABELS[self.state]


def _local(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def mail_states(db: Session, request_id: int) -> list[MailState]:
    """The acknowledgement and letter mails of one case, oldest first."""
    rows = db.execute(
        select(MailOutbox, Letter.number)
        .outerjoin(Letter, Letter.id == MailOutbox.letter_id)
        .where(
            MailOutbox.request_id == request_id,
            MailOutbox.kind.in_([MailKind.ACKNOWLEDGEMENT, MailKind.LETTER]),
        )
        .order_by(MailOutbox.id)
    ).all()
    states = []
    for row, number in rows:
        if row.status == MailStatus.SENT:
            state, when = "sent", _local(row.sent_at)
        elif row.status == MailStatus.FAILED:
            state, when = "failed", _local(row.last_attempt_at)
        elif row.attempts:
            state, when = "retrying", _local(row.next_attempt_at)
        else:
            state, when = "pending", ""
        if row.kind == MailKind.LETTER and number:
            label = _("文书 ${number}", mapping={"number": number})
        else:
            label = _("申请确认邮件")
        states.append(MailState(label, state, row.attempts, when, row.last_error))
    return states
