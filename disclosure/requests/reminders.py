"""`disclosure remind`: email officers about due-soon and overdue cases, once per case per day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import DisclosureRequest, ReminderLog, User
from ..models.requests import OPEN_STATUSES, RequestStatus
from .deadlines import due_soon, overdue
from .mail import reminder
from .services import RequestRules
from .workflow import Actor, perform


@dataclass
class RemindReport:
    mails: int = 0
    cases: int = 0
    skipped: int = 0  # already reminded today
    abandoned: int = 0
    unreachable: int = 0  # the organisation has no active officer account


def expire_corrections(db: Session, rules: RequestRules, today: date) -> int:
    """Requests whose correction deadline has passed are deemed abandoned (Art. 30)."""
    ctx = rules.context(db, today)
    count = 0
    for req in db.scalars(
        select(DisclosureRequest).where(
            DisclosureRequest.status == RequestStatus.CORRECTION,
            DisclosureRequest.correction_deadline < today,
        )
    ):
        db.add(perform(req, "mark_abandoned", Actor.system(), ctx))
        count += 1
    db.flush()
    return count


def remind(db: Session, rules: RequestRules, mailer, today: date) -> RemindReport:
    """Send one mail per organisation listing its due-soon and overdue cases not yet reminded
    today. The reminder log row and the mail go together: a case is logged once per day."""
    report = RemindReport(abandoned=expire_corrections(db, rules, today))
    db.commit()
    calendar = rules.calendar(db)
    by_org: dict[int, list[tuple[DisclosureRequest, str]]] = defaultdict(list)
    for req in db.scalars(
        select(DisclosureRequest)
        .where(DisclosureRequest.status.in_(OPEN_STATUSES))
        .order_by(DisclosureRequest.due_on)
    ):
        kind = (
            "overdue"
            if overdue(req.due_on, today)
            else "due_soon"
            if due_soon(req.due_on, today, calendar)
            else None
        )
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
        lines = [
            f"{'【已逾期】' if kind == 'overdue' else '【即将到期】'} {req.tracking_number}  答复期限 {req.due_on.isoformat()}"
            f"{'（暂定）' if req.provisional else ''}  {req.description[:30]}"
            for req, kind in fresh
        ]
        try:
            mailer.send_immediately(reminder(officers, lines, fresh[0][0].organisation.name))
        except BaseException:
            db.rollback()  # not logged: tomorrow's run (or a rerun today) tries again
            raise
        db.commit()  # logged only once the mail has gone out
        report.mails += 1
        report.cases += len(fresh)
    db.commit()
    return report
