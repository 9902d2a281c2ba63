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
from ..law import Profile

EVENT_KINDS = ("restart", "pause", "extension", "fee", "later_date")
_EVENT_LABELS = {
    "restart": "重新计算",
    "pause": "征求意见",
    "extension": "延期",
    "fee": "缴纳信息处理费",
    "later_date": "延迟答复",
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
PARTIES = {"third_party": "第三方", "other_agency": "其他机关", "": "第三方或有关机关"}


class DeadlineError(ValueError):
    """The clock events cannot be applied (message in Chinese, for the officer)."""


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


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
                f"未知的期限事件类型 {self.kind!r}（应为 {'、'.join(EVENT_KINDS)}）"
            )
        label = _EVENT_LABELS[self.kind]
        if not _is_date(self.start) or (self.end is not None and not _is_date(self.end)):
            raise DeadlineError(f"{label}：日期无效")
        if self.kind not in _WITH_END and self.end is not None:
            raise DeadlineError(f"{label}：不应有结束日期")
        if self.kind == "later_date" and (self.end is None or self.end <= self.start):
            raise DeadlineError(f"延迟答复：确定的答复期限应晚于决定之日 {self.start}")
        if self.kind == "fee" and self.end is not None and self.end < self.start:
            raise DeadlineError(
                f"缴纳信息处理费：缴费日期 {self.end} 早于出具收费通知之日 {self.start}"
            )
        if self.kind != "extension" and self.days is not None:
            raise DeadlineError(f"{label}：不应有天数")
        if self.kind == "pause" and self.end is not None and self.end < self.start:
            raise DeadlineError(f"征求意见：收到答复日期 {self.end} 早于发函日期 {self.start}")
        if self.reason not in REASONS[self.kind]:
            raise DeadlineError(f"{label}：未知的原因 {self.reason!r}")
        if self.received is not None:
            if self.kind == "fee":
                if not _is_date(self.received) or self.received < self.start:
                    raise DeadlineError("缴纳信息处理费：申请人收到收费通知的日期无效")
            elif self.kind != "pause" or not _is_date(self.received):
                raise DeadlineError(f"{label}：对方收到日期无效")
            elif self.received < self.start:
                raise DeadlineError(
                    f"征求意见：对方收到日期 {self.received} 早于发函日期 {self.start}"
                )
            elif self.end is not None and self.end < self.received:
                raise DeadlineError(
                    f"征求意见：收到答复日期 {self.end} 早于对方收到日期 {self.received}"
                )
        if self.kind == "extension" and (
            isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1
        ):
            raise DeadlineError("延期：延长的工作日数应为正整数")


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": _iso(self.date),
            "end": _iso(self.end),
            "text": self.text,
            "article": self.article,
            "public_text": self.public_text,
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


def _span(first: date, last: date) -> str:
    return str(first) if first == last else f"{first} 至 {last}"


def _zh_span(first: date, last: date) -> str:
    return _zh(first) if first == last else f"{_zh(first)}至{_zh(last)}"


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
                    TrailStep(
                        "makeup_workday",
                        d,
                        f"{d}（{why}）为工作日，计入期限",
                        public_text=f"{_zh(d)}为{why}上班日，计入答复期限。",
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
            TrailStep(
                "holiday",
                first,
                f"跳过{name} {_span(first, last)}",
                end=last,
                public_text=f"{name}假期（{_zh_span(first, last)}）不计入答复期限。",
            )
        )
    steps.sort(key=lambda s: s.date or end)
    if weekends:
        steps.append(TrailStep("weekends", None, f"其间周末 {weekends} 天不计入"))
    return steps


def _missing_years(calendar: WorkingCalendar, windows: list[tuple[date, date]]) -> list[int]:
    """Years without holiday data that some day d in a window (a, b] falls in."""
    years = {y for a, b in windows if b > a for y in range((a + ONE_DAY).year, b.year + 1)}
    return sorted(y for y in years if not calendar.has_data(y))


def _provisional_text(calendar: WorkingCalendar, year: int) -> str:
    counted = (
        "按法定节假日计算（调休尚未公布）"
        if calendar.basis(year) == STATUTORY
        else "按周一至周五计算"
    )
    known = calendar.years()
    if known and year > known[-1]:
        return f"{year}年节假日安排尚未发布，{counted}，为暂定日期，发布后将重新计算"
    return f"系统中没有{year}年节假日安排，{counted}，为暂定日期，录入后将重新计算"


def compute_due(
    received_on: date,
    profile: Profile,
    calendar: WorkingCalendar,
    events: Sequence[ClockEvent] = (),
) -> DueResult:
    """The answer's due date under ``profile``, with the trail that explains it."""
    if not _is_date(received_on):
        raise DeadlineError("收到申请日期无效")
    events = list(events)
    for e in events:
        if e.start < received_on:
            raise DeadlineError(
                f"{_EVENT_LABELS[e.kind]}日期 {e.start} 早于收到申请之日 {received_on}"
            )
    restarts = sorted((e for e in events if e.kind == "restart"), key=lambda e: e.start)
    clock_start = restarts[-1].start if restarts else received_on

    extensions = sorted((e for e in events if e.kind == "extension"), key=lambda e: e.start)
    for x in extensions:
        assert x.days is not None
        if x.days > profile.extension_days:
            raise DeadlineError(
                f"延期 {x.days} 个工作日超过最长 {profile.extension_days} 个工作日"
                f"（{profile.extension_article}）"
            )
    live_extensions = [x for x in extensions if x.start >= clock_start]
    if len(live_extensions) > 1:
        raise DeadlineError(f"答复期限只能延长一次（{profile.extension_article}）")
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
        TrailStep(
            "receipt",
            received_on,
            f"{received_on} 收到申请（当日不计入）",
            profile.answer_article,
            public_text=f"{_zh(received_on)}收到您的申请，收到当日不计入答复期限。",
        )
    ]
    if correction_due_on is not None:
        head.append(
            TrailStep(
                "correction_notice",
                correction_due_on,
                f"如需补正，应于 {correction_due_on} 前一次性告知申请人"
                f"（收到申请后第{profile.correction_notice_days}个工作日）",
                profile.correction_article,
            )
        )
    else:
        head.append(
            TrailStep(
                "correction_notice",
                None,
                "如需补正，应一次性告知申请人需更改、补充的事项（未规定具体工作日数）",
                profile.correction_article,
            )
        )

    middle: list[TrailStep] = []
    for i, r in enumerate(restarts):
        later = "；其后又重新计算" if i < len(restarts) - 1 else ""
        if r.reason == "transfer":
            article = profile.article("transfer")
            where = r.note or "其他机关"
            text = f"{r.start} 转送{where}办理，期限自次日起重新计算" + (
                f"（{article}）" if article else ""
            )
            text += later
            public = f"{_zh(r.start)}您的申请转送{where}办理，答复期限自次日起重新计算。"
        elif r.note:
            text, article = f"{r.start} {r.note}，期限重新计算{later}", ""
            public = f"{_zh(r.start)}{r.note}，答复期限自次日起重新计算。"
        else:
            text = (
                f"{r.start} 收到补正后的申请，期限重新计算（{profile.correction_article}）{later}"
            )
            article = profile.correction_article
            public = f"{_zh(r.start)}收到您补正后的申请，答复期限自次日起重新计算。"
        middle.append(TrailStep("restart", r.start, text, article, public_text=public))
    for p in pauses:
        if p.start < clock_start:
            middle.append(
                TrailStep(
                    "pause_ignored",
                    p.start,
                    f"{p.start} 发函征求意见早于 {clock_start} 重新计算，该期间不予扣除",
                    profile.pause_article,
                )
            )
    for f in fees:
        if f.start < clock_start:
            middle.append(
                TrailStep(
                    "fee_ignored",
                    f.start,
                    f"{f.start} 出具收费通知早于 {clock_start} 重新计算，该期间不予扣除",
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
                TrailStep(
                    "extension_late",
                    x.start,
                    f"{x.start} 批准延长答复期限 {x.days} 个工作日，但按实际情况重新计算，答复期限"
                    f"已于 {due} 届满，延期决定晚于期限，不能延长，已逾期"
                    f"（{profile.extension_article}）",
                    profile.extension_article,
                    public_text=f"按实际情况重新计算后，答复期限为{_zh(due)}，已逾期；"
                    f"{_zh(x.start)}告知的延长答复期限不再适用。",
                )
            )
        elif x is extension:
            middle.append(
                TrailStep(
                    "extension",
                    x.start,
                    f"{x.start} 经政府信息公开工作机构负责人同意，延长答复期限 {x.days} 个工作日"
                    f"并告知申请人（{profile.extension_article}）",
                    profile.extension_article,
                    public_text=f"经政府信息公开工作机构负责人同意，答复期限延长{x.days}个工作日。",
                )
            )
        else:
            middle.append(
                TrailStep(
                    "extension_ignored",
                    x.start,
                    f"{x.start} 的延期早于 {clock_start} 重新计算，不再适用",
                    profile.extension_article,
                )
            )
    calendar_steps = _calendar_steps(calendar, clock_start, due)
    middle += [s for s in calendar_steps if s.date is not None]
    middle.sort(key=lambda s: s.date or due)  # stable: same-day steps keep the order above
    tail = [s for s in calendar_steps if s.date is None]
    for year in missing:
        text = _provisional_text(calendar, year)
        tail.append(TrailStep("provisional", date(year, 1, 1), text, public_text=text + "。"))

    detail = []
    if extension is not None:
        detail.append(f"{profile.answer_days} 个工作日加延长 {extension.days} 个工作日")
    if paused_days:
        overlap = sum(len(w.days) for w in windows if w.event.start < due) != paused_days
        counted = {w.event.kind for w in windows if any(d <= statutory_due for d in w.days)}
        what = "、".join(
            name
            for kind, name in (("pause", "征求意见"), ("fee", "缴纳信息处理费"))
            if kind in counted
        )
        detail.append(
            f"已扣除{what or '征求意见'}期间 {paused_days} 个工作日"
            + ("（重叠部分只扣除一次）" if overlap else "")
        )
    articles = [profile.answer_article]
    if extension is not None and profile.extension_article not in articles:
        articles.append(profile.extension_article)
    if set_date is not None and profile.article("later_date") not in articles:
        articles.append(profile.article("later_date"))
    mark = "（暂定）" if provisional else ""
    late = "；其后批准的延期晚于该日，已逾期" if late_extension is not None else ""
    counted_to = f"第{total}个工作日为 {statutory_due}"
    if set_date is not None:
        counted_to += f"，确定延迟答复的合理期限为 {due}"
    tail.append(
        TrailStep(
            "due",
            due,
            f"{counted_to}{mark}" + (f"（{'；'.join(detail)}）" if detail else "") + late,
            "、".join(articles),
            public_text=f"答复期限至{_zh(due)}{mark}。",
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
    sent = f"{p.start} 出具收费通知" + (f"（{p.note}）" if p.note else "")
    if p.received is not None:
        sent += f"，申请人 {p.received} 收到"
    rule = "自出具收费通知之日起至缴纳费用之日止的期间不计算在答复期限内"
    if p.start >= due:
        return TrailStep(
            "fee_late", p.start, f"{sent}，答复期限已于 {due} 届满，不影响期限", article, end=w.end
        )
    first = p.start + ONE_DAY
    if p.end is not None and w.end < first:
        return TrailStep("fee", p.start, f"{sent}，当日缴纳费用，不影响期限", article, end=w.end)
    if p.end is not None:
        text = (
            f"{sent}，{p.end} 缴纳费用；{rule}，{_span(first, w.end)} 共 {len(w.days)} 个工作日"
            f"不计算在内（{article}）"
        )
        public = (
            f"本机关出具收费通知后，至您缴纳费用之日止，{_zh_span(first, w.end)}期间"
            f"（共{len(w.days)}个工作日）不计算在答复期限内。"
        )
    elif p.received is not None and w.cap is not None:
        text = (
            f"{sent}，尚未缴费；申请人应自收到之日的次日起 {limit} 个工作日内（至 {w.cap}）缴纳；"
            f"{rule}，暂按缴费期限届满之日计算，缴费后据实计算（{article}）"
        )
        public = (
            f"本机关已出具收费通知，请于{_zh(w.cap)}前缴纳信息处理费；自出具收费通知之日起至"
            "您缴纳费用之日止的期间不计算在答复期限内，缴费后据实计算。"
        )
    else:
        text = (
            f"{sent}，尚未缴费；申请人收到收费通知的日期未登记，缴费期限为自收到之日的次日起"
            f" {limit} 个工作日；{rule}，暂自出具之日起按 {limit} 个工作日计算"
            + (f"（至 {w.cap}）" if w.cap else "")
            + f"，登记收到日期或缴费后重新计算（{article}）"
        )
        public = (
            f"本机关已出具收费通知，请自收到通知之日的次日起{limit}个工作日内缴纳信息处理费；"
            "自出具收费通知之日起至您缴纳费用之日止的期间不计算在答复期限内。"
        )
    return TrailStep("fee", p.start, text, article, end=w.end, public_text=public)


def _later_date_step(
    x: ClockEvent, applied: bool, clock_start: date, due: date, profile: Profile
) -> TrailStep:
    """Art. 35: the applicant's reasons are reasonable but the answer cannot be given in time;
    a reasonable later date is set and told to the applicant. ``due``: the due date as the
    rules count it, without the later date."""
    article = profile.article("later_date")
    cited = f"（{article}）" if article else ""
    said = f"{x.start} 确定延迟答复的合理期限至 {x.end}"
    if applied:
        return TrailStep(
            "later_date",
            x.start,
            f"{said}：申请数量、频次明显超过合理范围，申请理由合理，但无法在答复期限内答复{cited}",
            article,
            end=x.end,
            public_text=f"您申请公开政府信息的数量、频次明显超过合理范围，经审查您说明的理由，"
            f"本机关确定延迟答复的合理期限至{_zh(x.end)}。",
        )
    if x.start < clock_start:
        why = f"早于 {clock_start} 重新计算，不再适用"
    elif x.start > due:
        why = f"晚于答复期限 {due}，不能延迟，已逾期"
    else:
        why = f"不晚于按规定计算的答复期限 {due}，仍以该日为准"
    return TrailStep("later_date_ignored", x.start, f"{said}，{why}{cited}", article, end=x.end)


def _pause_step(w: _Pause, due: date, profile: Profile) -> TrailStep:
    p, article, limit = w.event, profile.pause_article, profile.consultation_days
    who = PARTIES[p.reason]
    party = p.note or (PARTIES[p.reason] if p.reason else "")
    sent = f"{p.start} 发函征求{party}意见"
    if p.start >= due:
        return TrailStep(
            "pause_late",
            p.start,
            f"{sent}，答复期限已于 {due} 届满，不影响期限",
            article,
            end=w.end,
        )
    first = p.start + ONE_DAY
    if p.end is None and w.cap is None:
        return TrailStep(
            "pause",
            p.start,
            f"{sent}，尚未收到答复；征求意见期间不计算在内（本规则未规定征求意见的"
            f"期限），收到答复后据实扣除，期限相应顺延（{article}）",
            article,
            public_text=f"因需征求{who}的意见，自{_zh(first)}起的征求意见期间不计算在"
            "答复期限内；尚未收到意见，收到后答复期限将相应顺延。",
        )
    if w.cap is not None and p.received is not None:
        sent += f"，对方 {p.received} 收到"
    unknown = w.cap is not None and p.received is None  # the party's receipt not recorded yet
    if p.end is None and unknown:
        # Not the party's deadline: it runs from its receipt, which is not known yet.
        text = (
            f"{sent}，尚未收到答复；对方收到日期未登记，其意见期限为自收到之日起 {limit} 个"
            f"工作日内；征求意见期间自 {first} 起不计算在内（{article}），答复期限暂自发函之日起"
            f"按最长 {limit} 个工作日扣除，登记对方收到日期或收到答复后重新计算"
        )
        public = (
            f"因需征求{who}的意见，自{_zh(first)}起的征求意见期间不计算在答复期限内；"
            f"{who}应自收到征求意见书之日起{limit}个工作日内提出意见，答复期限暂按发函之日"
            "起算，收到意见后据实调整。"
        )
        return TrailStep("pause", p.start, text, article, end=w.end, public_text=public)
    if p.end is None:
        answer = f"尚未收到答复，暂按自对方收到之日起最长 {limit} 个工作日（至 {w.cap}）计算"
    elif w.cap is not None and p.end > w.cap:
        answer = f"{p.end} 收到答复，超过 {limit} 个工作日（{w.cap} 之后）的部分不予扣除" + (
            "（对方收到日期未登记，暂自发函之日起计算）" if unknown else ""
        )
    else:
        answer = f"{p.end} 收到答复"
    if w.end < first:
        text = f"{sent}，当日收到答复，不影响期限"
        public = None
    else:
        text = (
            f"{sent}，{answer}；征求意见期间 {_span(first, w.end)} "
            f"不计算在内，共 {len(w.days)} 个工作日（{article}）"
        )
        public = (
            f"因需征求{who}的意见，{_zh_span(first, w.end)}期间"
            f"（共{len(w.days)}个工作日）不计算在答复期限内"
            + ("；尚未收到意见，暂按最长期限计算" if p.end is None else "")
            + "。"
        )
    return TrailStep("pause", p.start, text, article, end=w.end, public_text=public)


PENDING_CORRECTION = "待补正后重新计算"


def public_trail(result: DueResult, pending_correction: bool = False) -> list[str]:
    """The plain sentences the applicant sees, in order. While a correction is awaited the
    current period no longer matters (the clock starts afresh when the corrected request
    arrives): only the receipt is shown, and that the period will be counted again."""
    if pending_correction:
        head = [s.public_text for s in result.trail if s.kind == "receipt" and s.public_text]
        return [
            *head,
            f"答复期限{PENDING_CORRECTION}：自本机关收到您补正后的申请之日起重新计算。",
        ]
    return [step.public_text for step in result.trail if step.public_text]


def overdue(due_on: date, today: date) -> bool:
    return today > due_on


def due_soon(due_on: date, today: date, calendar: WorkingCalendar, within: int = 3) -> bool:
    """Not overdue, and at most ``within`` working days left (the due day itself counts)."""
    return not overdue(due_on, today) and calendar.working_days_between(today, due_on) <= within
