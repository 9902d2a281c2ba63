"""The statutory deadline engine: when an answer is due, and why, step by step.

Pure functions over data: the receipt date, a rule profile, a working-day calendar and the
clock events recorded on the request. No clock (``today`` is an argument), no database.

Counting (2019 Regulations; the 2008 ones differ in the numbers and articles, which the profile
holds, and in setting no cap on a consultation):

- the day the clock starts is not counted; day 1 is the next working day (Art. 33, Art. 31);
- the clock starts on receipt, or afresh on the latest ``restart`` (``reason`` "correction":
  corrected request received, Art. 30; "transfer": the case was transferred to another agency,
  ``note`` naming it), dropping everything before;
- a ``pause`` (consultation of a third party, Art. 32, or of another agency, Art. 34: its
  ``reason``; cited: the profile's ``pause`` article, Art. 33(3)) excludes every working day d
  with start < d <= end, end being the day the answer arrived, capped at the
  ``consultation_days``-th working day after the party RECEIVED the letter (``received``; until
  that is recorded, after the day it was sent, and the trail says the party's period runs from
  its receipt without giving a date); a pause still waiting runs to the cap. A profile without a
  cap (``consultation_days`` None, the 2008 rules) excludes every day up to the answer, and a
  pause still waiting excludes nothing yet (the due date will move later when the answer
  arrives);
  overlapping pauses exclude each day once; a pause that began before the latest restart is
  ignored (the restart starts a new clock; record a new pause if the consultation goes on);
- one ``extension`` of at most ``extension_days``, decided no later than the due date it
  extends; an extension decided before the latest restart belonged to the old clock and is
  ignored (a new one may be granted on the new clock). One decided after the due date (which
  happens when a fact recorded later, such as the real day a consultation was answered, moves
  the due date earlier) extends nothing: the result says so (``extension_late``), and the case
  was overdue from that due date;
- a ``fee`` (a fee notice, 国办函〔2020〕109号; cited: the profile's ``fee_payment`` step)
  excludes every working day d with start < d <= the day the fee was paid; unpaid, up to the
  end of the payment period (``fee_payment_days`` from the applicant's receipt of the notice,
  ``received``; until that is recorded, from its issue), like a consultation's cap;
- a ``later_date`` (Art. 35: reasons reasonable, but the answer cannot be given in time; cited:
  the profile's ``later_date`` step) sets the due date to its ``end`` when decided on the
  current clock, no later than the due date it moves, and later than it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..calendar.workdays import ONE_DAY, STATUTORY, WEEKEND, WORKDAY, WorkingCalendar
from ..i18n import _, chinese
from ..law import Profile
from .history import Line, cited, message, party, provisional_mark, render_chinese, seq

EVENT_KINDS = ("restart", "pause", "extension", "fee", "later_date")
_EVENT_LABELS = {
    "restart": _("重新计算"),
    "pause": _("征求意见"),
    "extension": _("延期"),
    "fee": _("缴纳信息处理费"),
    "later_date": _("延迟答复"),
}
# Kinds that carry an ``end``: a pause and a fee (the day it ended), a later date (the date set).
_WITH_END = ("pause", "fee", "later_date")
# What an event's ``reason`` may be, by kind ("" = the default: a correction, a consultation).
REASONS = {
    "restart": ("", "correction", "transfer"),
    "pause": ("", "third_party", "other_agency"),
    "extension": ("",),
    "fee": ("",),
    "later_date": ("",),
}
# Who is consulted, by pause reason, as the trail names them.
PARTIES = {"third_party": _("第三方"), "other_agency": _("其他机关"), "": _("第三方或有关机关")}


class DeadlineError(ValueError):
    """The clock events cannot be applied (a marked message, for the officer: ``message``;
    ``str()`` gives it in Chinese)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return chinese(self.message)


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ClockEvent:
    """Something that changes the clock, as recorded on the request.

    ``restart``: ``start`` = the day the corrected request was received (Art. 30), or the day
    the case was transferred (``reason`` "transfer", ``note`` = the agency it went to).
    ``pause``: ``start`` = the day the consultation letter was sent (the clock stops after this
    day); ``received`` = the day the party received it (None: not known yet); ``end`` = the
    day the answer arrived, None while waiting (Art. 32/34); ``reason`` = who is consulted
    (third_party | other_agency); ``note`` = the party's name (officer trail only).
    ``extension``: ``start`` = the day it was decided; ``days`` = working days granted.
    ``fee``: ``start`` = the day the fee notice was issued (the clock stops after this day);
    ``received`` = the day the applicant received it (the payment period runs from the next
    day); ``end`` = the day the fee was paid, None while unpaid; ``note`` = method and amount.
    ``later_date``: ``start`` = the day it was decided (Art. 35); ``end`` = the answer date set.
    ``note`` on a restart without a reason replaces its default wording in the trail.
    """

    kind: str
    start: date
    end: date | None = None
    days: int | None = None
    note: str = ""
    reason: str = ""
    received: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise DeadlineError(
                _(
                    "未知的期限事件类型 ${kind}（应为 ${kinds}）",
                    # i18n: a list of codes
                    mapping={"kind": repr(self.kind), "kinds": "、".join(EVENT_KINDS)},
                )
            )
        label = _EVENT_LABELS[self.kind]
        if not _is_date(self.start) or (self.end is not None and not _is_date(self.end)):
            raise DeadlineError(_("${label}：日期无效", mapping={"label": label}))
        if self.kind not in _WITH_END and self.end is not None:
            raise DeadlineError(_("${label}：不应有结束日期", mapping={"label": label}))
        if self.kind == "later_date" and (self.end is None or self.end <= self.start):
            raise DeadlineError(
                _("延迟答复：确定的答复期限应晚于决定之日 ${start}", mapping={"start": self.start})
            )
        if self.kind == "fee" and self.end is not None and self.end < self.start:
            raise DeadlineError(
                _(
                    "缴纳信息处理费：缴费日期 ${end} 早于出具收费通知之日 ${start}",
                    mapping={"end": self.end, "start": self.start},
                )
            )
        if self.kind != "extension" and self.days is not None:
            raise DeadlineError(_("${label}：不应有天数", mapping={"label": label}))
        if self.kind == "pause" and self.end is not None and self.end < self.start:
            raise DeadlineError(
                _(
                    "征求意见：收到答复日期 ${end} 早于发函日期 ${start}",
                    mapping={"end": self.end, "start": self.start},
                )
            )
        if self.reason not in REASONS[self.kind]:
            raise DeadlineError(
                _(
                    "${label}：未知的原因 ${reason}",
                    mapping={"label": label, "reason": repr(self.reason)},
                )
            )
        if self.received is not None:
            if self.kind == "fee":
                if not _is_date(self.received) or self.received < self.start:
                    raise DeadlineError(_("缴纳信息处理费：申请人收到收费通知的日期无效"))
            elif self.kind != "pause" or not _is_date(self.received):
                raise DeadlineError(_("${label}：对方收到日期无效", mapping={"label": label}))
            elif self.received < self.start:
                raise DeadlineError(
                    _(
                        "征求意见：对方收到日期 ${received} 早于发函日期 ${start}",
                        mapping={"received": self.received, "start": self.start},
                    )
                )
            elif self.end is not None and self.end < self.received:
                raise DeadlineError(
                    _(
                        "征求意见：收到答复日期 ${end} 早于对方收到日期 ${received}",
                        mapping={"end": self.end, "received": self.received},
                    )
                )
        if self.kind == "extension" and (
            isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1
        ):
            raise DeadlineError(_("延期：延长的工作日数应为正整数"))


@dataclass(frozen=True)
class TrailStep:
    """One line of the explanation. ``text`` is for the officer; ``public_text`` (None: officer
    only) is the plain sentence the applicant sees."""

    kind: str  # receipt, correction_notice, restart, pause, pause_ignored, pause_late,
    # extension, extension_ignored, fee, fee_ignored, fee_late, later_date, later_date_ignored,
    # holiday, makeup_workday, weekends, provisional, due
    date: date | None
    text: str
    article: str = ""
    end: date | None = None
    public_text: str | None = None
    # the same as codes with parameters (disclosure.requests.history), for other languages;
    # None in a trail stored before them
    message: dict[str, Any] | None = None
    public_message: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": _iso(self.date),
            "end": _iso(self.end),
            "text": self.text,
            "article": self.article,
            "public_text": self.public_text,
            "message": self.message,
            "public_message": self.public_message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrailStep:
        return cls(
            kind=data["kind"],
            date=_from_iso(data.get("date")),
            text=data["text"],
            article=data.get("article", ""),
            end=_from_iso(data.get("end")),
            public_text=data.get("public_text"),
            message=data.get("message"),
            public_message=data.get("public_message"),
        )


def _step(
    kind: str,
    day: date | None,
    msg: dict[str, Any],
    article: str = "",
    end: date | None = None,
    public: dict[str, Any] | None = None,
) -> TrailStep:
    """A trail step from its messages: the prose is their Chinese."""
    return TrailStep(
        kind,
        day,
        render_chinese(msg),
        article,
        end=end,
        public_text=render_chinese(public) if public else None,
        message=msg,
        public_message=public,
    )


@dataclass(frozen=True)
class DueResult:
    due_on: date
    provisional: bool  # a year without holiday data was reached: recompute when it is published
    trail: list[TrailStep]
    correction_due_on: date | None  # last day to send the correction notice; None: no fixed limit
    paused_days: int  # working days excluded by consultations
    clock_start: date  # receipt, or the latest restart
    total_days: int  # answer days plus any extension
    # an open pause counts to its cap (the due date may come earlier) or, with no cap, not at
    # all yet (the due date will come later)
    awaiting_consultation: bool = False
    # the extension was decided after the due date (as recomputed from the facts): it extends
    # nothing and the case was overdue from ``due_on``
    extension_late: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "due_on": self.due_on.isoformat(),
            "provisional": self.provisional,
            "trail": [step.to_dict() for step in self.trail],
            "correction_due_on": _iso(self.correction_due_on),
            "paused_days": self.paused_days,
            "clock_start": self.clock_start.isoformat(),
            "total_days": self.total_days,
            "awaiting_consultation": self.awaiting_consultation,
            "extension_late": self.extension_late,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DueResult:
        return cls(
            due_on=date.fromisoformat(data["due_on"]),
            provisional=data["provisional"],
            trail=[TrailStep.from_dict(step) for step in data["trail"]],
            correction_due_on=_from_iso(data.get("correction_due_on")),
            paused_days=data["paused_days"],
            clock_start=date.fromisoformat(data["clock_start"]),
            total_days=data["total_days"],
            awaiting_consultation=data.get("awaiting_consultation", False),
            extension_late=data.get("extension_late", False),
        )


@dataclass(frozen=True)
class _Pause:
    event: ClockEvent
    end: date  # the last day excluded: the answer day, or the cap
    cap: date | None  # None: the profile sets no cap
    capped_from: date  # the party's receipt of the letter, or (not known yet) the day it was sent
    days: tuple[date, ...]  # the working days excluded


def _count(calendar: WorkingCalendar, start: date, n: int, excluded: set[date]) -> date:
    """The n-th working day after start that is not excluded."""
    d, counted = start, 0
    while counted < n:
        d += ONE_DAY
        if d not in excluded and calendar.is_working_day(d):
            counted += 1
    return d


def _working_days(calendar: WorkingCalendar, a: date, b: date) -> tuple[date, ...]:
    """Working days d with a < d <= b."""
    return tuple(
        a + ONE_DAY * i
        for i in range(1, (b - a).days + 1)
        if calendar.is_working_day(a + ONE_DAY * i)
    )


def _span(first: date, last: date) -> dict[str, Any] | str:
    return first.isoformat() if first == last else message("trail.span", first=first, last=last)


def _zh_span(first: date, last: date) -> dict[str, Any] | str:
    return first.isoformat() if first == last else message("public.span", first=first, last=last)


def _calendar_steps(calendar: WorkingCalendar, start: date, end: date) -> list[TrailStep]:
    """For (start, end]: each holiday block skipped, each make-up day counted, the weekends."""
    steps: list[TrailStep] = []
    blocks: list[list[Any]] = []  # [name, first, last]: consecutive days off for one reason
    weekends = 0
    d = start
    while d < end:
        d += ONE_DAY
        working, why = calendar.day_kind(d)
        if working:
            if why != WORKDAY:
                steps.append(
                    _step(
                        "makeup_workday",
                        d,
                        message("trail.makeup_workday", date=d, why=why),
                        public=message("public.makeup_workday", date=d, why=why),
                    )
                )
        elif why == WEEKEND:
            weekends += 1
        elif blocks and blocks[-1][0] == why and blocks[-1][2] + ONE_DAY == d:
            blocks[-1][2] = d
        else:
            blocks.append([why, d, d])
    for name, first, last in blocks:
        steps.append(
            _step(
                "holiday",
                first,
                message("trail.holiday", name=name, span=_span(first, last)),
                end=last,
                public=message("public.holiday", name=name, span=_zh_span(first, last)),
            )
        )
    steps.sort(key=lambda s: s.date or end)
    if weekends:
        steps.append(_step("weekends", None, message("trail.weekends", days=weekends)))
    return steps


def _missing_years(calendar: WorkingCalendar, windows: list[tuple[date, date]]) -> list[int]:
    """Years without holiday data that some day d in a window (a, b] falls in."""
    years = {y for a, b in windows if b > a for y in range((a + ONE_DAY).year, b.year + 1)}
    return sorted(y for y in years if not calendar.has_data(y))


def _provisional_text(calendar: WorkingCalendar, year: int) -> dict[str, Any]:
    counted = message(
        "trail.counted_statutory" if calendar.basis(year) == STATUTORY else "trail.counted_weekdays"
    )
    known = calendar.years()
    if known and year > known[-1]:
        return message("trail.provisional_unpublished", year=year, counted=counted)
    return message("trail.provisional_missing", year=year, counted=counted)


def compute_due(
    received_on: date,
    profile: Profile,
    calendar: WorkingCalendar,
    events: Sequence[ClockEvent] = (),
) -> DueResult:
    """The answer's due date under ``profile``, with the trail that explains it."""
    if not _is_date(received_on):
        raise DeadlineError(_("收到申请日期无效"))
    events = list(events)
    for e in events:
        if e.start < received_on:
            raise DeadlineError(
                _(
                    "${label}日期 ${start} 早于收到申请之日 ${received}",
                    mapping={
                        "label": _EVENT_LABELS[e.kind],
                        "start": e.start,
                        "received": received_on,
                    },
                )
            )
    restarts = sorted((e for e in events if e.kind == "restart"), key=lambda e: e.start)
    clock_start = restarts[-1].start if restarts else received_on

    extensions = sorted((e for e in events if e.kind == "extension"), key=lambda e: e.start)
    for x in extensions:
        assert x.days is not None
        if x.days > profile.extension_days:
            raise DeadlineError(
                _(
                    "延期 ${days} 个工作日超过最长 ${maximum} 个工作日（${article}）",
                    mapping={
                        "days": x.days,
                        "maximum": profile.extension_days,
                        "article": profile.extension_article,
                    },
                )
            )
    live_extensions = [x for x in extensions if x.start >= clock_start]
    if len(live_extensions) > 1:
        raise DeadlineError(
            _("答复期限只能延长一次（${article}）", mapping={"article": profile.extension_article})
        )
    extension = live_extensions[0] if live_extensions else None

    pauses = sorted(
        (e for e in events if e.kind == "pause"), key=lambda e: (e.start, e.end or date.max)
    )
    windows: list[_Pause] = []
    for p in pauses:
        if p.start < clock_start:
            continue
        base = p.received or p.start
        if profile.consultation_days is None:
            cap = None
            end = p.start if p.end is None else p.end  # waiting: nothing excluded yet
        else:
            cap = calendar.add_working_days(base, profile.consultation_days).date
            end = cap if p.end is None else min(p.end, cap)
        windows.append(_Pause(p, end, cap, base, _working_days(calendar, p.start, end)))
    # A fee (国办函〔2020〕109号): from the notice until payment does not count; unpaid, to the
    # end of the payment period (from the applicant's receipt of the notice, or until that is
    # recorded from its issue); paid, to the day of payment.
    fees = sorted((e for e in events if e.kind == "fee"), key=lambda e: e.start)
    for f in fees:
        if f.start < clock_start:
            continue
        base = f.received or f.start
        cap = None
        if profile.fee_payment_days is not None:
            cap = calendar.add_working_days(base, profile.fee_payment_days).date
        end = f.end or cap or f.start
        windows.append(_Pause(f, end, cap, base, _working_days(calendar, f.start, end)))
    excluded = {d for w in windows for d in w.days}

    due = _count(calendar, clock_start, profile.answer_days, excluded)
    total = profile.answer_days
    late_extension = None
    if extension is not None and extension.start > due:
        late_extension, extension = extension, None  # decided too late: it extends nothing
    if extension is not None:
        assert extension.days is not None
        total += extension.days
        due = _count(calendar, clock_start, total, excluded)
    paused_days = sum(1 for d in excluded if d <= due)
    # Art. 35: a reasonable later answer date, decided no later than the due date it moves and
    # later than it; the latest decision on the current clock counts.
    later_dates = sorted((e for e in events if e.kind == "later_date"), key=lambda e: e.start)
    set_date = next((x for x in reversed(later_dates) if x.start >= clock_start), None)
    statutory_due = due
    if set_date is not None and set_date.end is not None and set_date.start <= due < set_date.end:
        due = set_date.end
    else:
        set_date = None

    correction_due_on = None
    if profile.correction_notice_days is not None:
        correction_due_on = calendar.add_working_days(
            received_on, profile.correction_notice_days
        ).date

    spans = [(clock_start, due)] + [(w.event.start, w.end) for w in windows]
    if correction_due_on is not None:
        spans.append((received_on, correction_due_on))
    missing = _missing_years(calendar, spans)
    provisional = bool(missing)
    awaiting = any(
        w.event.kind == "pause" and w.event.end is None and w.event.start < due for w in windows
    )

    # -- the trail ---------------------------------------------------------------------------
    head = [
        _step(
            "receipt",
            received_on,
            message("trail.receipt", date=received_on),
            profile.answer_article,
            public=message("public.receipt", date=received_on),
        )
    ]
    if correction_due_on is not None:
        head.append(
            _step(
                "correction_notice",
                correction_due_on,
                message(
                    "trail.correction_notice",
                    date=correction_due_on,
                    days=profile.correction_notice_days,
                ),
                profile.correction_article,
            )
        )
    else:
        head.append(
            _step(
                "correction_notice",
                None,
                message("trail.correction_notice_open"),
                profile.correction_article,
            )
        )

    middle: list[TrailStep] = []
    for i, r in enumerate(restarts):
        later = message("trail.restarted_later") if i < len(restarts) - 1 else ""
        if r.reason == "transfer":
            article = profile.article("transfer")
            where = r.note or party("other_agency")
            text = message(
                "trail.transfer", date=r.start, where=where, cited=cited(article), later=later
            )
            public = message("public.transfer", date=r.start, where=where)
        elif r.note:
            text, article = (
                message("trail.restart_note", date=r.start, note=r.note, later=later),
                "",
            )
            public = message("public.restart_note", date=r.start, note=r.note)
        else:
            text = message(
                "trail.restart_correction",
                date=r.start,
                article=profile.correction_article,
                later=later,
            )
            article = profile.correction_article
            public = message("public.restart_correction", date=r.start)
        middle.append(_step("restart", r.start, text, article, public=public))
    for p in pauses:
        if p.start < clock_start:
            middle.append(
                _step(
                    "pause_ignored",
                    p.start,
                    message("trail.pause_ignored", date=p.start, start=clock_start),
                    profile.pause_article,
                )
            )
    for f in fees:
        if f.start < clock_start:
            middle.append(
                _step(
                    "fee_ignored",
                    f.start,
                    message("trail.fee_ignored", date=f.start, start=clock_start),
                    profile.article("fee_payment"),
                )
            )
    for w in windows:
        middle.append(
            _fee_step(w, due, profile) if w.event.kind == "fee" else _pause_step(w, due, profile)
        )
    for x in later_dates:
        middle.append(_later_date_step(x, x is set_date, clock_start, statutory_due, profile))
    for x in extensions:
        assert x.days is not None
        if x is late_extension:
            middle.append(
                _step(
                    "extension_late",
                    x.start,
                    message(
                        "trail.extension_late",
                        date=x.start,
                        days=x.days,
                        due=due,
                        article=profile.extension_article,
                    ),
                    profile.extension_article,
                    public=message("public.extension_late", due=due, date=x.start),
                )
            )
        elif x is extension:
            middle.append(
                _step(
                    "extension",
                    x.start,
                    message(
                        "trail.extension",
                        date=x.start,
                        days=x.days,
                        article=profile.extension_article,
                    ),
                    profile.extension_article,
                    public=message("public.extension", days=x.days),
                )
            )
        else:
            middle.append(
                _step(
                    "extension_ignored",
                    x.start,
                    message("trail.extension_ignored", date=x.start, start=clock_start),
                    profile.extension_article,
                )
            )
    calendar_steps = _calendar_steps(calendar, clock_start, due)
    middle += [s for s in calendar_steps if s.date is not None]
    middle.sort(key=lambda s: s.date or due)  # stable: same-day steps keep the order above
    tail = [s for s in calendar_steps if s.date is None]
    for year in missing:
        text = _provisional_text(calendar, year)
        tail.append(
            _step(
                "provisional",
                date(year, 1, 1),
                text,
                public=message("public.provisional", text=text),
            )
        )

    detail: list[dict[str, Any]] = []
    if extension is not None:
        detail.append(
            message("trail.detail_extension", answer_days=profile.answer_days, days=extension.days)
        )
    if paused_days:
        overlap = sum(len(w.days) for w in windows if w.event.start < due) != paused_days
        counted = {w.event.kind for w in windows if any(d <= statutory_due for d in w.days)}
        what = "trail.what_fee" if counted == {"fee"} else "trail.what_pause"
        if counted == {"pause", "fee"}:
            what = "trail.what_both"
        detail.append(
            message(
                "trail.detail_deducted",
                what=message(what),
                days=paused_days,
                overlap=message("trail.overlap") if overlap else "",
            )
        )
    articles = [profile.answer_article]
    if extension is not None and profile.extension_article not in articles:
        articles.append(profile.extension_article)
    if set_date is not None and profile.article("later_date") not in articles:
        articles.append(profile.article("later_date"))
    mark = provisional_mark(provisional)
    if set_date is not None:
        counted_to = message("trail.due_later_date", total=total, date=statutory_due, due=due)
    else:
        counted_to = message("trail.due", total=total, date=statutory_due)
    parts = [counted_to, mark]
    if len(detail) == 1:
        parts.append(message("trail.detail", detail=detail[0]))
    elif detail:
        parts.append(message("trail.detail_two", first=detail[0], second=detail[1]))
    if late_extension is not None:
        parts.append(message("trail.due_extension_late"))
    cited_articles = "、".join(articles)  # i18n: the articles cited, as the law writes them
    tail.append(
        _step(
            "due",
            due,
            seq(*parts),
            cited_articles,
            public=message("public.due", date=due, mark=mark),
        )
    )
    return DueResult(
        due_on=due,
        provisional=provisional,
        trail=head + middle + tail,
        correction_due_on=correction_due_on,
        paused_days=paused_days,
        clock_start=clock_start,
        total_days=total,
        awaiting_consultation=awaiting,
        extension_late=late_extension is not None,
    )


def _fee_step(w: _Pause, due: date, profile: Profile) -> TrailStep:
    """A fee notice: the time from the notice until payment does not count (国办函〔2020〕109号);
    the applicant pays within the profile's period from the day after receiving the notice."""
    p, article, limit = w.event, profile.article("fee_payment"), profile.fee_payment_days
    sent = seq(
        message("trail.fee_sent_note", date=p.start, note=p.note)
        if p.note
        else message("trail.fee_sent", date=p.start),
        message("trail.fee_received", received=p.received) if p.received is not None else None,
    )
    if p.start >= due:
        return _step(
            "fee_late", p.start, message("trail.fee_late", sent=sent, due=due), article, end=w.end
        )
    first = p.start + ONE_DAY
    if p.end is not None and w.end < first:
        return _step("fee", p.start, message("trail.fee_same_day", sent=sent), article, end=w.end)
    if p.end is not None:
        text = message(
            "trail.fee_paid",
            sent=sent,
            paid=p.end,
            span=_span(first, w.end),
            days=len(w.days),
            article=article,
        )
        public = message("public.fee_paid", span=_zh_span(first, w.end), days=len(w.days))
    elif p.received is not None and w.cap is not None:
        text = message("trail.fee_unpaid", sent=sent, limit=limit, cap=w.cap, article=article)
        public = message("public.fee_unpaid", cap=w.cap)
    else:
        text = message(
            "trail.fee_unpaid_unknown",
            sent=sent,
            limit=limit,
            until=message("trail.until", cap=w.cap) if w.cap else "",
            article=article,
        )
        public = message("public.fee_unpaid_unknown", limit=limit)
    return _step("fee", p.start, text, article, end=w.end, public=public)


def _later_date_step(
    x: ClockEvent, applied: bool, clock_start: date, due: date, profile: Profile
) -> TrailStep:
    """Art. 35: the applicant's reasons are reasonable but the answer cannot be given in time;
    a reasonable later date is set and told to the applicant. ``due``: the due date as the
    rules count it, without the later date."""
    article = profile.article("later_date")
    said = {"date": x.start, "end": x.end, "cited": cited(article)}
    if applied:
        return _step(
            "later_date",
            x.start,
            message("trail.later_date", **said),
            article,
            end=x.end,
            public=message("public.later_date", end=x.end),
        )
    if x.start < clock_start:
        text = message("trail.later_date_restarted", start=clock_start, **said)
    elif x.start > due:
        text = message("trail.later_date_late", due=due, **said)
    else:
        text = message("trail.later_date_not_later", due=due, **said)
    return _step("later_date_ignored", x.start, text, article, end=x.end)


def _pause_step(w: _Pause, due: date, profile: Profile) -> TrailStep:
    p, article, limit = w.event, profile.pause_article, profile.consultation_days
    who = party(p.reason)
    consulted = p.note or (party(p.reason) if p.reason else "")
    received = None
    if w.cap is not None and p.received is not None:
        received = message("trail.pause_received", received=p.received)
    sent = message("trail.pause_sent", date=p.start, party=consulted)
    if p.start >= due:
        return _step(
            "pause_late",
            p.start,
            message("trail.pause_late", sent=sent, due=due),
            article,
            end=w.end,
        )
    first = p.start + ONE_DAY
    if p.end is None and w.cap is None:
        return _step(
            "pause",
            p.start,
            message("trail.pause_waiting_uncapped", sent=sent, article=article),
            article,
            public=message("public.pause_uncapped", who=who, first=first),
        )
    sent = seq(sent, received)
    unknown = w.cap is not None and p.received is None  # the party's receipt not recorded yet
    if p.end is None and unknown:
        # Not the party's deadline: it runs from its receipt, which is not known yet.
        text = message(
            "trail.pause_waiting_unknown", sent=sent, limit=limit, first=first, article=article
        )
        public = message("public.pause_unknown", who=who, first=first, limit=limit)
        return _step("pause", p.start, text, article, end=w.end, public=public)
    if p.end is None:
        answer = message("trail.answer_waiting", limit=limit, cap=w.cap)
    elif w.cap is not None and p.end > w.cap:
        answer = message(
            "trail.answer_beyond",
            end=p.end,
            limit=limit,
            cap=w.cap,
            unknown=message("trail.answer_unknown") if unknown else "",
        )
    else:
        answer = message("trail.answer", end=p.end)
    if w.end < first:
        text = message("trail.pause_same_day", sent=sent)
        public = None
    else:
        text = message(
            "trail.pause",
            sent=sent,
            answer=answer,
            span=_span(first, w.end),
            days=len(w.days),
            article=article,
        )
        public = message(
            "public.pause_waiting" if p.end is None else "public.pause",
            who=who,
            span=_zh_span(first, w.end),
            days=len(w.days),
        )
    return _step("pause", p.start, text, article, end=w.end, public=public)


PENDING_CORRECTION = _("待补正后重新计算")


def public_trail(result: DueResult, pending_correction: bool = False) -> list[Line]:
    """The plain sentences the applicant sees, in order: each a :class:`~.history.Line` (its
    Chinese, carrying its message for other languages: ``line.render(request)``). While a
    correction is awaited the current period no longer matters (the clock starts afresh when
    the corrected request arrives): only the receipt is shown, and that the period will be
    counted again."""
    steps = [s for s in result.trail if s.public_text]
    if pending_correction:
        pending = message("public.pending_correction")
        return [
            *(Line(s.public_text, s.public_message) for s in steps if s.kind == "receipt"),
            Line(render_chinese(pending), pending),
        ]
    return [Line(s.public_text, s.public_message) for s in steps]


def overdue(due_on: date, today: date) -> bool:
    return today > due_on


def due_soon(due_on: date, today: date, calendar: WorkingCalendar, within: int = 3) -> bool:
    """Not overdue, and at most ``within`` working days left (the due day itself counts)."""
    return not overdue(due_on, today) and calendar.working_days_between(today, due_on) <= within
