"""The one clock of the application: business dates in Asia/Shanghai, instants in UTC.

Tests (and a demo) inject their own by setting ``disclosure.clock`` (a callable returning the
business date) or ``disclosure.now`` (a callable returning a naive UTC datetime) in the registry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def business_today(now: datetime | None = None) -> date:
    """The business date in Asia/Shanghai at ``now`` (an aware datetime, or a naive one in UTC
    as :func:`utcnow` gives; default: the current time)."""
    if now is None:
        return datetime.now(BUSINESS_TZ).date()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(BUSINESS_TZ).date()


def today(request) -> date:
    """The business date: the registry's ``disclosure.clock`` if set, else the Shanghai date of
    :func:`now` (so a test that injects only ``disclosure.now`` moves both)."""
    clock = request.registry.get("disclosure.clock")
    return clock() if clock else business_today(now(request))


def now(request) -> datetime:
    clock = request.registry.get("disclosure.now")
    return clock() if clock else utcnow()
