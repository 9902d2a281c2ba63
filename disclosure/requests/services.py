"""Requests as a service: submission, transitions with history, lookups, recalculation."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import settings as s
from ..calendar.profiles import load_profiles
from ..calendar.workdays import WorkingCalendar
from ..models import CalendarYear, DisclosureRequest, Organisation, RateLimit, RequestEvent
from ..models.requests import OPEN_STATUSES
from ..models.search import utcnow
from .intake import Submission, new_request
from .outcomes import Outcomes, load_outcomes
from .tokens import check_access_code, normalise_tracking_number
from .workflow import Actor, Context, perform, recompute

log = logging.getLogger(__name__)


class RequestRules:
    """Data loaded once at start-up: profiles, outcomes, the shipped calendar overrides."""

    def __init__(self, schemas_dir: str | Path, default_profile: str = "ogi-2019") -> None:
        root = Path(schemas_dir)
        self.calendars_dir = root / "calendars"
        self.base_calendar = WorkingCalendar(self.calendars_dir)  # chinesecalendar + shipped files
        self.profiles = load_profiles(root / "profiles")
        self.outcomes: Outcomes = load_outcomes(root)
        if default_profile not in self.profiles:
            raise ValueError(f"unknown default profile {default_profile}")
        self.default_profile = default_profile

    @classmethod
    def from_settings(cls, settings) -> RequestRules:
        return cls(s.get(settings, "schemas_dir"), s.get(settings, "requests.profile"))

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
    """Record an application; the caller commits before acknowledging it."""
    received = received_on or today
    submission = new_request(
        data, organisation, channel=channel, received_on=received, year=today.year
    )
    request = submission.request
    request.profile = rules.default_profile
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
            public_text=f"{received.isoformat()} 收到申请，答复期限至 {request.due_on.isoformat()}"
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
    event = perform(request, action, actor, rules.context(db, today), params, lock_version)
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
                reason="节假日安排已发布，重新计算答复期限",
                changes=changes,
                public_text=f"节假日安排已发布，答复期限重新计算为 {request.due_on.isoformat()}"
                + ("（暂定）" if request.provisional else "")
                + "。",
            )
        )
        count += 1
    db.flush()
    return count
