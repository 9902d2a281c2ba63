"""Fixed-window failure counters shared by every process (the ``rate_limits`` table).

Used for logins (per account and per address) and the applicants' status lookup (per case).
While a key is blocked, every attempt is refused, the right password or code included, and
the message says how long to wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from .i18n import _, chinese, translate
from .models import RateLimit


@dataclass(frozen=True)
class Rule:
    limit: int  # failures allowed in one window
    window: timedelta


def blocked_for(db: Session, key: str, rule: Rule, now: datetime) -> timedelta | None:
    """How long ``key`` stays blocked, or None if it may try now."""
    row = db.get(RateLimit, key)
    if row is None or now - row.window_start >= rule.window or row.count < rule.limit:
        return None
    return rule.window - (now - row.window_start)


def record_failure(db: Session, key: str, rule: Rule, now: datetime) -> timedelta | None:
    """Count one failure; return the wait if this failure used up the window."""
    row = db.get(RateLimit, key)
    if row is None:
        row = RateLimit(key=key, window_start=now, count=0)
        db.add(row)
    elif now - row.window_start >= rule.window:
        row.window_start, row.count = now, 0
    row.count += 1
    db.flush()
    return blocked_for(db, key, rule, now)


def clear(db: Session, key: str) -> None:
    row = db.get(RateLimit, key)
    if row is not None:
        db.delete(row)
        db.flush()


def wait_message(wait: timedelta):
    """e.g. "15 分钟" or "40 秒", a marked message (rounded up: never tell someone to come back
    too early)."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return _("${n} 秒", mapping={"n": seconds})
    return _("${n} 分钟", mapping={"n": math.ceil(seconds / 60)})


def wait_text(wait: timedelta, request=None) -> str:
    """The wait as text: in the request's language, in Chinese without a request."""
    message = wait_message(wait)
    return translate(request, message) if request is not None else chinese(message)
