"""Requests as a service: submission, transitions with history, lookups, recalculation."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import settings as s
from ..calendar.workdays import WorkingCalendar
from ..law import Law, Profile, load_law
from ..models import CalendarYear, DisclosureRequest, Organisation, RateLimit, RequestEvent
from ..models.organisations import organisation_row
from ..models.requests import OPEN_STATUSES
from ..models.search import utcnow
from .intake import Submission, new_request
from .tokens import check_access_code, normalise_tracking_number
from .workflow import Actor, Context, events_of, perform, profile_of, recompute

log = logging.getLogger(__name__)


class RequestRules:
    """Data loaded once at start-up: the law (profiles and outcomes), the shipped calendar
    overrides. ``profile_override``: a profile key every new request follows whatever its
    receipt date (the ``disclosure.requests.profile`` setting; empty: by receipt date)."""

    def __init__(self, schemas_dir: str | Path, profile_override: str = "") -> None:
        root = Path(schemas_dir)
        self.calendars_dir = root / "calendars"
        self.base_calendar = WorkingCalendar(self.calendars_dir)  # chinesecalendar + shipped files
        self.law: Law = load_law(root)
        self.profiles = self.law.profiles
        self.outcomes: Law = self.law  # the outcome table: the Law is one, with the profiles
        self.profile_override = profile_override.strip() or None
        if self.profile_override is not None:
            self.law.profile(self.profile_override)  # an unknown key stops start-up

    @classmethod
    def from_settings(cls, settings) -> RequestRules:
        return cls(s.get(settings, "schemas_dir"), s.get(settings, "requests.profile"))

    def profile_for(self, received_on: date) -> Profile:
        """The rules a request received on that day follows (effective-dated, or the override)."""
        if self.profile_override is not None:
            return self.law.profile(self.profile_override)
        return self.law.profile_for(received_on)

    def calendar(self, db: Session) -> WorkingCalendar:
        """Shipped overrides plus the arrangements the city office loaded into the database."""
        calendar = self.base_calendar
        for row in db.scalars(select(CalendarYear).order_by(CalendarYear.year)):
            calendar = calendar.with_year(row.arrangement)
        return calendar

    def context(self, db: Session, today: date) -> Context:
        orgs = {o.code: o for o in db.scalars(select(Organisation))}
        return Context(today, self.calendar(db), self.profiles, self.outcomes, orgs)


def submit(
    db: Session,
    rules: RequestRules,
    data: dict,
    organisation: Organisation,
    *,
    today: date,
    channel: str = "online",
    received_on: date | None = None,
    entered_by=None,
    receipt_note: str = "",
) -> Submission:
    """Record an application; the caller commits before acknowledging it. It follows the rule
    profile in force on its receipt date. ``receipt_note``: how that date was fixed (from
    ``intake.receipt_date``); the history prefixes it with the profile's article for it."""
    received = received_on or today
    submission = new_request(
        data,
        organisation_row(db, organisation),
        channel=channel,
        received_on=received,
        year=today.year,
    )
    request = submission.request
    profile = rules.profile_for(received)
    request.profile = profile.key
    if receipt_note and profile.article("receipt"):
        receipt_note = f"{profile.article('receipt')}：{receipt_note}"  # i18n: a stored record
    request.entered_by_id = entered_by.id if entered_by else None
    ctx = rules.context(db, today)
    recompute(request, ctx)
    db.add(request)
    actor = Actor("officer", entered_by) if entered_by else Actor("applicant")
    db.add(
        RequestEvent(
            request=request,
            on=today,
            actor_id=entered_by.id if entered_by else None,
            actor_label=actor.label,
            action="submit",
            to_status=request.status,
            reason=receipt_note,
            changes={"received_on": received.isoformat(), "due_on": request.due_on.isoformat()},
            # i18n: the history's text, stored in Chinese
            public_text=("收到申请" if received == today else f"{received.isoformat()} 收到申请")
            + f"，答复期限至 {request.due_on.isoformat()}"
            + ("（暂定）" if request.provisional else "")
            + "。",
        )
    )
    db.flush()
    return submission


def act(
    db: Session,
    rules: RequestRules,
    request: DisclosureRequest,
    action: str,
    actor: Actor,
    today: date,
    params: dict | None = None,
    lock_version: int | None = None,
) -> RequestEvent:
    """One transition with its history event, all or nothing: an action refused half-way
    (WorkflowError) leaves the case as it was (a savepoint), so the page shown with the error
    shows the case as stored."""
    ctx = rules.context(db, today)
    with db.begin_nested():
        event = perform(request, action, actor, ctx, params, lock_version)
        db.add(event)
        db.flush()
    return event


def find(db: Session, tracking_number: str) -> DisclosureRequest | None:
    return db.scalars(
        select(DisclosureRequest).where(
            DisclosureRequest.tracking_number == normalise_tracking_number(tracking_number)[:32]
        )
    ).first()


def lookup(db: Session, tracking_number: str, access_code: str) -> DisclosureRequest | None:
    """The request, only with the right access code; the same None either way otherwise."""
    request = find(db, tracking_number)
    if request is None or not check_access_code(
        access_code or "", request.tracking_number, request.access_code_hash
    ):
        return None
    return request


def rate_limited(
    db: Session, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Count one attempt under ``key``; True if over ``limit`` in the current window."""
    now = now or utcnow()
    row = db.get(RateLimit, key)
    if row is None or now - row.window_start >= window:
        if row is None:
            row = RateLimit(key=key, window_start=now, count=0)
            db.add(row)
        row.window_start, row.count = now, 0
    row.count += 1
    db.flush()
    return row.count > limit


def recompute_provisional(db: Session, rules: RequestRules, today: date, actor: Actor) -> int:
    """After a year's arrangement is loaded: recompute every open request whose deadline was
    provisional, recording the recalculation in each case's history."""
    ctx = rules.context(db, today)
    count = 0
    for request in db.scalars(
        select(DisclosureRequest).where(
            DisclosureRequest.provisional.is_(True), DisclosureRequest.status.in_(OPEN_STATUSES)
        )
    ):
        changes = recompute(request, ctx)
        db.add(
            RequestEvent(
                request=request,
                on=today,
                actor_id=actor.user.id if actor.user else None,
                actor_label=actor.label,
                action="recalculate",
                from_status=request.status,
                to_status=request.status,
                reason="节假日安排已发布，重新计算答复期限",  # i18n: a stored record
                changes=changes,
                # i18n: the history's text, stored in Chinese
                public_text=f"节假日安排已发布，答复期限重新计算为 {request.due_on.isoformat()}"
                + ("（暂定）" if request.provisional else "")
                + "。",
            )
        )
        count += 1
    db.flush()
    return count


def _said(steps) -> list[tuple]:
    return [(s.get("kind"), s.get("text"), s.get("public_text")) for s in steps]


def recode_trails(db: Session, rules: RequestRules, today: date) -> tuple[int, int]:
    """Deadline trails stored as Chinese prose (before message codes): give each its codes, so
    that it is shown in the reader's language. The trail is computed again from the case's
    stored dates; it is kept, with the codes, only when it says word for word what was stored,
    so nothing the applicant was told changes. Returns (recoded, left as prose): a trail the
    rules or the calendar would now word differently keeps its prose, shown as written."""
    from .deadlines import compute_due

    ctx = rules.context(db, today)
    recoded = left = 0
    for request in db.scalars(
        select(DisclosureRequest)
        .where(DisclosureRequest.deadline.is_not(None))
        .order_by(DisclosureRequest.id)
    ):
        stored = (request.deadline or {}).get("trail") or []
        if all(step.get("message") for step in stored):
            continue
        try:
            result = compute_due(
                request.received_on, profile_of(request, ctx), ctx.calendar, events_of(request)
            )
        except (KeyError, ValueError):  # rules no longer known: the prose stays
            left += 1
            continue
        fresh = result.to_dict()["trail"]
        if _said(fresh) == _said(stored):
            request.deadline = {**request.deadline, "trail": fresh}
            recoded += 1
        else:
            left += 1
    db.flush()
    return recoded, left
