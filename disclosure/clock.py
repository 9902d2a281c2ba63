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


def business_today() -> date:
    return datetime.now(BUSINESS_TZ).date()


def today(request) -> date:
    clock = request.registry.get("disclosure.clock")
    return clock() if clock else business_today()


def now(request) -> datetime:
    clock = request.registry.get("disclosure.now")
    return clock() if clock else utcnow()
