"""Per-request measures and the small statistics over them. Pure: no Pyramid, no database.

INTERFACE (fixed; the yearly scorecard builds on it). ``request`` is anything with the
attributes of :class:`disclosure.models.DisclosureRequest` that are read here (``status``,
``received_on``, ``answered_on``, ``closed_on``, ``due_on``, ``deadline``, ``clock_events``);
``calendar`` is a :class:`disclosure.calendar.workdays.WorkingCalendar` (in the app:
``RequestRules.calendar(db)``, the shipped data plus the years the city office loaded).

- :func:`finish_date` ``(request) -> date | None``: the day the case was answered
  (``answered_on``), else closed (``closed_on``: abandoned, unpaid fee, closed); None while
  open, and for a withdrawn case (the applicant ended it: the agency gave no answer, so it is
  neither on time nor late and has no answer time).
- :func:`answer_working_days` ``(request, calendar) -> int | None``: working days from the
  start of the clock to the finish date, the start day not counted (day 1 is the next working
  day, as for the deadline), net of pauses. The clock starts on receipt, or afresh on the latest
  restart (a corrected request received, Art. 30; a transfer). Pauses are the windows the
  deadline engine excluded (consultations of a third party or another agency, Art. 32/34, capped
  at the party's period; the time until a fee is paid): each working day in one of them, after
  the clock start and up to the finish date, is not counted, a day in two windows once. The
  windows come from the stored deadline trail (``request.deadline``, written by
  :func:`disclosure.requests.deadlines.compute_due` whenever the clock events change); a case
  without one falls back to its raw clock events, uncapped. None while open.
- :func:`answered_on_time` ``(request) -> bool | None``: finish date <= ``due_on`` (the stored
  due date already accounts for pauses, the extension, a later date and restarts); None when
  :func:`finish_date` is None.
- :func:`median` ``(values) -> float | None``: the middle value (the mean of the two middle
  values for an even count); None for no values.
- :func:`percentile` ``(values, p) -> float | None``: nearest rank: the smallest value with at
  least ``p`` per cent of the values at or below it, i.e. the ``ceil(p / 100 * n)``-th smallest
  (the smallest for ``p`` = 0); always one of the values. None for no values; ``p`` outside
  0..100 raises ValueError.
- :func:`on_time_rate` ``(requests) -> float | None``: the share (0..1) of the finished cases
  (:func:`answered_on_time` not None) that finished on time; None when none finished.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from ..models.requests import OPEN_STATUSES, RequestStatus

ONE_DAY = timedelta(days=1)
_OPEN = tuple(str(status) for status in OPEN_STATUSES)
_WITHDRAWN = str(RequestStatus.WITHDRAWN)
# Trail steps that stand for a window the deadline engine excluded, from ``date`` (not
# counted) to ``end`` (counted): a consultation, a fee (each also when it began after the due
# date; a pause still waiting with no cap has no ``end`` and excludes nothing yet).
_PAUSE_STEPS = ("pause", "pause_late", "fee", "fee_late")


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def finish_date(request: Any) -> date | None:
    """The day the agency answered or closed the case; None while open or when withdrawn."""
    if str(request.status) in _OPEN or str(request.status) == _WITHDRAWN:
        return None
    return request.answered_on or request.closed_on


def clock_start(request: Any) -> date:
    """Receipt, or the latest restart (correction received, transfer)."""
    stored = _as_date((request.deadline or {}).get("clock_start"))
    if stored is not None:
        return stored
    restarts = [
        _as_date(e.get("start")) for e in request.clock_events or [] if e.get("kind") == "restart"
    ]
    return max([request.received_on, *(d for d in restarts if d is not None)])


def pause_windows(request: Any) -> list[tuple[date, date]]:
    """The excluded windows (start, end]: start not excluded, end excluded."""
    trail = (request.deadline or {}).get("trail")
    out: list[tuple[date, date]] = []
    if trail is not None:
        for step in trail:
            if step.get("kind") in _PAUSE_STEPS:
                start, end = _as_date(step.get("date")), _as_date(step.get("end"))
                if start is not None and end is not None and end > start:
                    out.append((start, end))
        return out
    begin = clock_start(request)
    for e in request.clock_events or []:
        if e.get("kind") in ("pause", "fee"):
            start, end = _as_date(e.get("start")), _as_date(e.get("end"))
            if start is not None and end is not None and start >= begin and end > start:
                out.append((start, end))
    return out


def answer_working_days(request: Any, calendar: Any) -> int | None:
    """Working days from the clock start (not counted) to the answer or closure, net of
    pauses; None while open (and for a withdrawn case)."""
    finish = finish_date(request)
    if finish is None:
        return None
    start = clock_start(request)
    paused: set[date] = set()
    for a, b in pause_windows(request):
        d = max(a, start)
        last = min(b, finish)
        while d < last:
            d += ONE_DAY
            paused.add(d)
    days, d = 0, start
    while d < finish:
        d += ONE_DAY
        if d not in paused and calendar.is_working_day(d):
            days += 1
    return days


def answered_on_time(request: Any) -> bool | None:
    """Finished no later than the due date; None while open (and for a withdrawn case)."""
    finish = finish_date(request)
    if finish is None:
        return None
    return finish <= request.due_on


def median(values: Iterable[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None for none."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest rank: the ``ceil(p / 100 * n)``-th smallest value (the smallest for p = 0)."""
    if not 0 <= p <= 100:
        raise ValueError("p must lie between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p * len(ordered) / 100))
    return ordered[rank - 1]


def on_time_rate(requests: Iterable[Any]) -> float | None:
    """Share of the finished cases finished on time (0..1); None when none finished."""
    marks: Sequence[bool] = [m for m in map(answered_on_time, requests) if m is not None]
    if not marks:
        return None
    return sum(marks) / len(marks)
