"""`disclosure remind`: email officers about due-soon and overdue cases, and about cases whose
correction period is over (an officer decides whether the request is deemed abandoned: nothing
is closed automatically), once per case per day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..mail.outbox import MailSender, enqueue
from ..models import DisclosureRequest, ReminderLog, User
from ..models.mail import MailKind
from ..models.requests import OPEN_STATUSES, RequestStatus
from .deadlines import due_soon, overdue
from .mail import reminder
from .services import RequestRules


@dataclass
class RemindReport:
    mails: int = 0
    cases: int = 0
    skipped: int = 0  # already reminded today
    unreachable: int = 0  # the organisation has no active officer account
    # correction periods over, the case waiting for an officer's decision (never automatic)
    corrections_overdue: list[str] = field(default_factory=list)  # tracking numbers


def overdue_corrections(db: Session, today: date) -> list[DisclosureRequest]:
    """Cases still waiting for a correction whose period is over. Whether the applicant had a
    good reason is for an officer to judge (Art. 30): these are listed, never closed here."""
    return list(
        db.scalars(
            select(DisclosureRequest)
            .where(
                DisclosureRequest.status == RequestStatus.CORRECTION,
                DisclosureRequest.correction_deadline < today,
            )
            .order_by(DisclosureRequest.correction_deadline, DisclosureRequest.id)
        )
    )


def reminder_kind(req: DisclosureRequest, today: date, calendar) -> str | None:
    """What an officer should be told about an open case today: ``correction_overdue`` (decide
    on it), ``overdue``, ``due_soon``, or None. A case waiting for a correction has no running
    answer period (it starts afresh from the corrected request): it is never overdue."""
    if req.status == RequestStatus.CORRECTION:
        late = req.correction_deadline is not None and req.correction_deadline < today
        return "correction_overdue" if late else None
    if overdue(req.due_on, today):
        return "overdue"
    if due_soon(req.due_on, today, calendar):
        return "due_soon"
    return None


# i18n: the reminder e-mail to the officers, written in Chinese like every mail
_LINE_TAGS = {
    "overdue": "【已逾期】",
    "due_soon": "【即将到期】",
    "correction_overdue": "【补正期限已过，待决定】",
}


def _line(req: DisclosureRequest, kind: str) -> str:
    if kind == "correction_overdue":
        when = f"补正期限 {req.correction_deadline.isoformat()}，请决定是否视为放弃"  # i18n: mail
    else:
        provisional = "（暂定）" if req.provisional else ""  # i18n: the reminder e-mail
        when = f"答复期限 {req.due_on.isoformat()}{provisional}"  # i18n: the reminder e-mail
    return f"{_LINE_TAGS[kind]} {req.tracking_number}  {when}  {req.description[:30]}"


def remind(db: Session, rules: RequestRules, mailer, today: date) -> RemindReport:
    """Queue one mail per organisation listing its due-soon and overdue cases, and those whose
    correction period is over (for an officer's decision), not yet reminded today. The reminder log rows and the mail commit together: a case is logged once per day,
    and its mail is in the outbox. With a ``mailer``, the outbox is then applied once (a failed
    attempt stays queued for the mail worker's retries); with None, only queued."""
    report = RemindReport(
        corrections_overdue=[r.tracking_number for r in overdue_corrections(db, today)]
    )
    calendar = rules.calendar(db)
    by_org: dict[int, list[tuple[DisclosureRequest, str]]] = defaultdict(list)
    queued: list[int] = []
    for req in db.scalars(
        select(DisclosureRequest)
        .where(DisclosureRequest.status.in_(OPEN_STATUSES))
        .order_by(DisclosureRequest.due_on)
    ):
        kind = reminder_kind(req, today, calendar)
        if kind:
            by_org[req.organisation_id].append((req, kind))
    for org_id, cases in by_org.items():
        officers = [
            u.email
            for u in db.scalars(
                select(User).where(User.organisation_id == org_id, User.active.is_(True))
            )
        ]
        if not officers:
            report.unreachable += len(cases)
            continue
        fresh = []
        for req, kind in cases:
            try:
                with db.begin_nested():
                    db.add(
                        ReminderLog(
                            request_id=req.id, sent_on=today, kind=kind, recipients=len(officers)
                        )
                    )
            except IntegrityError:
                report.skipped += 1
                continue
            fresh.append((req, kind))
        if not fresh:
            continue
        lines = [_line(req, kind) for req, kind in fresh]
        mail = enqueue(
            db, reminder(officers, lines, fresh[0][0].organisation.name), MailKind.REMINDER
        )
        db.commit()  # the log rows and the queued mail together
        queued.append(mail.id)
        report.mails += 1
        report.cases += len(fresh)
    db.commit()
    if mailer is not None and queued:
        MailSender(sessionmaker(bind=db.get_bind()), mailer).run_once(only=queued)
    return report
