"""The officers' work queues as SQL conditions: cases due soon, overdue, waiting for the org
admin's approval of an extension, waiting for a correction (补正). The cases list
(``/officer/requests?status=<queue>``) and the officer's landing page count and list the same
cases. Due soon and overdue are the reminders' rules (:func:`.reminders.reminder_kind`): a case
waiting for a correction has no running answer period, so it is neither."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, String, and_, cast

from ..calendar.workdays import WorkingCalendar
from ..i18n import _
from ..models import DisclosureRequest
from ..models.requests import OPEN_STATUSES, RequestStatus

#: at most this many working days left, the due day counted (``deadlines.due_soon``'s default,
#: which the reminders use)
DUE_SOON_DAYS = 3

R = DisclosureRequest


def _running() -> ColumnElement[bool]:
    """Open, with an answer period running (not waiting for a correction)."""
    return and_(R.status.in_(OPEN_STATUSES), R.status != RequestStatus.CORRECTION)


def due_soon_before(today: date, calendar: WorkingCalendar, within: int = DUE_SOON_DAYS) -> date:
    """The first day that is no longer "due soon": a case due on ``today`` … the day before it
    has at most ``within`` working days left (``deadlines.due_soon``)."""
    return calendar.add_working_days(today, within + 1).date


def overdue(today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    return and_(_running(), R.due_on < today)


def due_soon(today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    return and_(_running(), R.due_on >= today, R.due_on < due_soon_before(today, calendar))


def extension_pending(today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    """An extension asked for and not yet approved or refused by the org admin (a JSON column:
    SQL NULL before one was ever asked, JSON null after the decision)."""
    return and_(
        R.status.in_(OPEN_STATUSES),
        R.pending_extension.is_not(None),
        cast(R.pending_extension, String) != "null",
    )


def correction(today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    return R.status == RequestStatus.CORRECTION


def correction_overdue(today: date, calendar: WorkingCalendar) -> ColumnElement[bool]:
    """The correction period is over: an officer decides whether the request is abandoned."""
    return and_(R.status == RequestStatus.CORRECTION, R.correction_deadline < today)


@dataclass(frozen=True)
class Queue:
    name: str
    label: str  # marked: shown with |t
    clause: Callable[[date, WorkingCalendar], ColumnElement[bool]]


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue(
            "due_soon",
            _("即将到期（${days}个工作日内）", mapping={"days": DUE_SOON_DAYS}),
            due_soon,
        ),
        Queue("overdue", _("已逾期"), overdue),
        Queue("extension_pending", _("延期待批准"), extension_pending),
        Queue("correction", _("待补正"), correction),
        Queue("correction_overdue", _("补正期限已过，待决定"), correction_overdue),
    )
}
