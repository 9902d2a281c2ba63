"""The statistics measures: working days to answer net of pauses, on time, median, percentile.

Dates counted by hand on the 2026 calendar (2026-03-02 is a Monday; 4-6 Apr 清明节; no
make-up working day in March or April).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from disclosure.calendar.workdays import WorkingCalendar
from disclosure.law import load_law
from disclosure.models.requests import OPEN_STATUSES
from disclosure.requests.deadlines import ClockEvent, compute_due
from disclosure.statistics import measures
from disclosure.statistics.measures import (
    answer_working_days,
    answered_on_time,
    clock_start,
    finish_date,
    median,
    on_time_rate,
    pause_windows,
    percentile,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "catalog_schemas"
CAL = WorkingCalendar(SCHEMAS / "calendars")
OGI2019 = load_law(SCHEMAS).profile("ogi-2019")
MAR2 = date(2026, 3, 2)


def case(
    received=MAR2,
    *events: ClockEvent,
    status="answered",
    answered_on=None,
    closed_on=None,
    due_on=None,
    stored_trail=True,
):
    """A request as the workflow stores it: clock events as dicts, the deadline as computed."""
    result = compute_due(received, OGI2019, CAL, events)
    raw = [
        {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in {
                "kind": e.kind,
                "start": e.start,
                "end": e.end,
                "days": e.days,
                "received": e.received,
            }.items()
            if v is not None
        }
        for e in events
    ]
    return SimpleNamespace(
        status=status,
        received_on=received,
        answered_on=answered_on,
        closed_on=closed_on,
        due_on=due_on or result.due_on,
        deadline=result.to_dict() if stored_trail else {},
        clock_events=raw,
    )


def test_plain_case_counts_working_days_after_receipt():
    req = case(answered_on=date(2026, 3, 16))
    # 3-6 Mar (4), 9-13 Mar (5), 16 Mar (1); the day of receipt is not counted
    assert answer_working_days(req, CAL) == 10
    assert answer_working_days(case(answered_on=MAR2), CAL) == 0


def test_answered_on_a_weekend_counts_only_working_days():
    assert answer_working_days(case(answered_on=date(2026, 3, 7)), CAL) == 4  # Saturday


def test_consultation_pause_is_not_counted():
    pause = ClockEvent(
        "pause", date(2026, 3, 4), end=date(2026, 3, 11), reason="third_party",
        received=date(2026, 3, 5),
    )  # fmt: skip
    req = case(MAR2, pause, answered_on=date(2026, 3, 16))
    # 5, 6, 9, 10, 11 Mar are paused: 10 - 5
    assert pause_windows(req) == [(date(2026, 3, 4), date(2026, 3, 11))]
    assert answer_working_days(req, CAL) == 5
    assert req.due_on == date(2026, 4, 7)  # 20 working days + 5 paused, over 清明
    assert answered_on_time(req) is True


def test_pause_beyond_the_cap_is_counted():
    # letter received 3 Mar; 15 working days from then: cap 24 Mar; answer only on 30 Apr
    pause = ClockEvent(
        "pause", date(2026, 3, 3), end=date(2026, 4, 30), reason="other_agency",
        received=date(2026, 3, 3),
    )  # fmt: skip
    req = case(MAR2, pause, answered_on=date(2026, 4, 30))
    # 3 Mar..30 Apr: 21 working days in March, 21 in April (4-6 Apr off); 4-24 Mar paused (15)
    assert answer_working_days(req, CAL) == 42 - 15


def test_overlapping_pauses_count_once():
    first = ClockEvent("pause", date(2026, 3, 4), end=date(2026, 3, 11), received=date(2026, 3, 4))
    second = ClockEvent(
        "pause", date(2026, 3, 9), end=date(2026, 3, 13), reason="other_agency",
        received=date(2026, 3, 9),
    )  # fmt: skip
    req = case(MAR2, first, second, answered_on=date(2026, 3, 16))
    # paused 5, 6, 9, 10, 11, 12, 13 Mar (7): 10 - 7
    assert answer_working_days(req, CAL) == 3


def test_fee_payment_is_not_counted():
    fee = ClockEvent("fee", date(2026, 3, 3), end=date(2026, 3, 6), received=date(2026, 3, 3))
    req = case(MAR2, fee, answered_on=date(2026, 3, 16))
    assert answer_working_days(req, CAL) == 10 - 3  # 4, 5, 6 Mar


def test_correction_restart_counts_from_the_restart():
    restart = ClockEvent("restart", date(2026, 3, 9), reason="correction")
    req = case(MAR2, restart, answered_on=date(2026, 3, 16))
    assert clock_start(req) == date(2026, 3, 9)
    assert answer_working_days(req, CAL) == 5  # 10-13 and 16 Mar


def test_pause_before_the_restart_is_ignored():
    pause = ClockEvent("pause", date(2026, 3, 3), end=date(2026, 3, 5), received=date(2026, 3, 3))
    restart = ClockEvent("restart", date(2026, 3, 9), reason="correction")
    req = case(MAR2, pause, restart, answered_on=date(2026, 3, 16))
    assert answer_working_days(req, CAL) == 5


def test_without_a_stored_trail_the_raw_events_are_used():
    pause = ClockEvent("pause", date(2026, 3, 4), end=date(2026, 3, 11), received=date(2026, 3, 5))
    restart_free = case(MAR2, pause, answered_on=date(2026, 3, 16), stored_trail=False)
    assert answer_working_days(restart_free, CAL) == 5
    restart = ClockEvent("restart", date(2026, 3, 9), reason="correction")
    restarted = case(MAR2, restart, answered_on=date(2026, 3, 16), stored_trail=False)
    assert clock_start(restarted) == date(2026, 3, 9)
    assert answer_working_days(restarted, CAL) == 5


def test_open_and_withdrawn_cases_have_no_measure():
    for status in ("received", "accepted", "correction", "consulting"):
        req = case(status=status)
        assert answer_working_days(req, CAL) is None
        assert answered_on_time(req) is None
        assert finish_date(req) is None
    withdrawn = case(status="withdrawn", closed_on=date(2026, 3, 3))
    assert answer_working_days(withdrawn, CAL) is None
    assert answered_on_time(withdrawn) is None


def test_closure_counts_as_the_finish():
    req = case(status="abandoned", closed_on=date(2026, 3, 13))
    assert finish_date(req) == date(2026, 3, 13)
    assert answer_working_days(req, CAL) == 9
    assert answered_on_time(req) is True


def test_on_time_compares_with_the_stored_due_date():
    due = date(2026, 3, 30)
    assert answered_on_time(case(answered_on=due, due_on=due)) is True
    assert answered_on_time(case(answered_on=date(2026, 3, 31), due_on=due)) is False
    # answered_on wins over closed_on (a case answered, then closed)
    both = case(status="closed", answered_on=due, closed_on=date(2026, 4, 30), due_on=due)
    assert answered_on_time(both) is True


def test_on_time_rate():
    due = date(2026, 3, 30)
    on = case(answered_on=due, due_on=due)
    late = case(answered_on=date(2026, 3, 31), due_on=due)
    still_open = case(status="accepted")
    assert on_time_rate([on, late, on, still_open]) == pytest.approx(2 / 3)
    assert on_time_rate([still_open]) is None
    assert on_time_rate([]) is None


def test_median():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([7]) == 7
    assert median([]) is None


def test_percentile_nearest_rank():
    values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
    assert percentile(values, 90) == 9  # ceil(0.9 * 10) = 9th smallest
    assert percentile(values, 91) == 10
    assert percentile(values, 50) == 5
    assert percentile(values, 100) == 10
    assert percentile(values, 0) == 1
    assert percentile([1, 2, 3], 90) == 3  # ceil(2.7) = 3rd
    assert percentile([5], 90) == 5
    assert percentile([], 90) is None
    with pytest.raises(ValueError):
        percentile(values, 101)
    with pytest.raises(ValueError):
        percentile(values, -1)


def test_open_statuses_match_the_model():
    assert set(measures._OPEN) == {str(s) for s in OPEN_STATUSES}
