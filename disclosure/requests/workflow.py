"""The request state machine: who may do what, in which state, and what it does to the clock.

Each transition records an append-only history event (who, when, why, what changed) and
recomputes the deadline from the stored clock events. Optimistic locking on the request row
turns two officers acting at once into a clear conflict for the second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..calendar.profiles import Profile
from ..calendar.workdays import WorkingCalendar
from ..dates import DateInputError, parse_date
from ..models import DisclosureRequest, Organisation, RequestEvent, User
from ..models.requests import STATUS_LABELS, RequestStatus
from ..security import Permission
from .deadlines import ClockEvent, DeadlineError, compute_due
from .outcomes import Outcomes

S = RequestStatus
OFFICERS = Permission.REQUESTS_HANDLE
ADMINS = Permission.REQUESTS_APPROVE
APPLICANT = Permission.REQUESTS_APPLICANT


class WorkflowError(Exception):
    """The action is not allowed now, or its input is wrong (a message for the person)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class ConflictError(WorkflowError):
    pass


class NotPermitted(WorkflowError):
    """The actor lacks the transition's permission (a 403 for the person)."""


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    permission: Permission  # who may: decided by the case's ACL (disclosure.security)
    article: str = ""
    system: bool = False  # the scheduled commands may also take it


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition("受理", frozenset({S.RECEIVED}), S.ACCEPTED, OFFICERS, "第三十三条"),
    "request_correction": Transition(
        "告知补正", frozenset({S.RECEIVED, S.ACCEPTED}), S.CORRECTION, OFFICERS, "第三十条"
    ),
    "record_correction": Transition(
        "收到补正", frozenset({S.CORRECTION}), S.ACCEPTED, OFFICERS, "第三十条"
    ),
    "mark_abandoned": Transition(
        "逾期未补正，视为放弃",
        frozenset({S.CORRECTION}),
        S.ABANDONED,
        OFFICERS,
        "第三十条",
        system=True,
    ),
    "start_consultation": Transition(
        "征求意见",
        frozenset({S.RECEIVED, S.ACCEPTED}),
        S.CONSULTING,
        OFFICERS,
        "第三十二条、第三十四条",
    ),
    "end_consultation": Transition(
        "收到意见（或期满）",
        frozenset({S.CONSULTING}),
        S.ACCEPTED,
        OFFICERS,
        "第三十二条、第三十四条",
    ),
    "request_extension": Transition(
        "申请延期",
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),
        None,
        OFFICERS,
        "第三十三条第二款",
    ),
    "approve_extension": Transition(
        "批准延期",
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),
        None,
        ADMINS,
        "第三十三条第二款",
    ),
    "reject_extension": Transition(
        "不批准延期", frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}), None, ADMINS
    ),
    "transfer": Transition(
        "转送其他机关", frozenset({S.RECEIVED, S.ACCEPTED}), S.RECEIVED, OFFICERS
    ),
    "answer": Transition(
        "答复", frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}), S.ANSWERED, OFFICERS
    ),
    "withdraw": Transition(
        "撤回申请",
        frozenset({S.RECEIVED, S.ACCEPTED, S.CORRECTION, S.CONSULTING}),
        S.WITHDRAWN,
        APPLICANT,
    ),
    "close": Transition(
        "办结", frozenset({S.ANSWERED, S.ABANDONED, S.WITHDRAWN}), S.CLOSED, OFFICERS
    ),
}


def _nothing(permission: str) -> bool:
    return False


@dataclass
class Actor:
    """Who acts (an officer, the applicant, or the system) and what they may do on this case:
    ``permits`` answers from the case's ACL (``request.has_permission`` in a view)."""

    kind: str  # officer | applicant | system
    user: User | None = None
    permits: Callable[[str], bool] = _nothing

    def may(self, transition: Transition) -> bool:
        if self.kind == "system":
            return transition.system
        return self.permits(transition.permission)

    @property
    def label(self) -> str:
        if self.user:
            return f"{self.user.display_name}（{self.user.organisation.short_name}）"
        return {"applicant": "申请人", "system": "系统"}[self.kind]

    @classmethod
    def officer(cls, user: User, permits: Callable[[str], bool]) -> Actor:
        return cls("officer", user, permits)

    @classmethod
    def applicant(cls, permits: Callable[[str], bool]) -> Actor:
        return cls("applicant", None, permits)

    @classmethod
    def system(cls) -> Actor:
        return cls("system")


@dataclass
class Context:
    """What the rules need: today, the calendar, the profiles, the outcome table."""

    today: date
    calendar: WorkingCalendar
    profiles: dict[str, Profile]
    outcomes: Outcomes
    organisations: dict[str, Organisation] = field(default_factory=dict)


def available(request: DisclosureRequest, actor: Actor) -> list[str]:
    """The actions this actor may take now (for buttons)."""
    out = []
    for name, t in TRANSITIONS.items():
        if request.status in t.sources and actor.may(t):
            if name in ("approve_extension", "reject_extension") and not request.pending_extension:
                continue
            if name == "request_extension" and (
                request.pending_extension or _has_extension(request)
            ):
                continue
            out.append(name)
    return out


def _has_extension(request: DisclosureRequest) -> bool:
    return any(e["kind"] == "extension" for e in request.clock_events or [])


def events_of(request: DisclosureRequest) -> list[ClockEvent]:
    return [
        ClockEvent(
            kind=e["kind"],
            start=date.fromisoformat(e["start"]),
            end=date.fromisoformat(e["end"]) if e.get("end") else None,
            days=e.get("days"),
        )
        for e in request.clock_events or []
    ]


def recompute(request: DisclosureRequest, ctx: Context) -> dict[str, Any]:
    """Recompute the due date from the stored clock events; return what changed."""
    result = compute_due(
        request.received_on, ctx.profiles[request.profile], ctx.calendar, events_of(request)
    )
    before = {"due_on": request.due_on, "provisional": request.provisional}
    request.due_on = result.due_on
    request.provisional = result.provisional
    request.correction_due_on = result.correction_due_on
    request.deadline = result.to_dict()
    after = {"due_on": request.due_on, "provisional": request.provisional}
    return {k: [_iso(before[k]), _iso(after[k])] for k in before if before[k] != after[k]}


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _date(params: dict, name: str, label: str) -> date:
    value = params.get(name)
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except DateInputError as exc:
        raise WorkflowError(f"{label}日期无效", {name: str(exc)}) from None


def _required(params: dict, name: str, label: str) -> str:
    value = str(params.get(name) or "").strip()
    if not value:
        raise WorkflowError(f"请填写{label}", {name: "必填"})
    return value


def _add_clock(request: DisclosureRequest, **event) -> None:
    event = {k: _iso(v) for k, v in event.items() if v is not None}
    request.clock_events = [*(request.clock_events or []), event]


def perform(
    request: DisclosureRequest,
    action: str,
    actor: Actor,
    ctx: Context,
    params: dict | None = None,
    lock_version: int | None = None,
) -> RequestEvent:
    """Carry out one transition; raise WorkflowError (or ConflictError) when not allowed."""
    params = params or {}
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowError("未知的操作")
    if lock_version is not None and lock_version != request.lock_version:
        raise ConflictError("该申请已被他人处理，请刷新页面后查看最新状态再操作。")
    if not actor.may(transition):
        raise NotPermitted("您没有权限执行此操作")
    if request.status not in transition.sources:
        raise WorkflowError(
            f"申请当前状态为“{STATUS_LABELS[S(request.status)]}”，不能{transition.label}"
        )
    reason = str(params.get("reason") or "").strip()
    changes: dict[str, Any] = {}
    public_text = ""
    visible = True

    if action == "accept":
        public_text = "您的申请已受理，正在办理。"
    elif action == "request_correction":
        reason = _required(params, "reason", "需要补正的内容")
        deadline = _date(params, "correction_deadline", "补正期限")
        if deadline <= ctx.today:
            raise WorkflowError("补正期限应晚于今天", {"correction_deadline": "应晚于今天"})
        request.correction_deadline = deadline
        changes["correction_deadline"] = deadline.isoformat()
        public_text = f"请在 {deadline.isoformat()} 前补正：{reason}"
    elif action == "record_correction":
        corrected_on = _date(params, "corrected_on", "收到补正")
        if corrected_on > ctx.today or corrected_on < request.received_on:
            raise WorkflowError(
                "收到补正的日期无效", {"corrected_on": "不能早于收到申请之日或晚于今天"}
            )
        _add_clock(request, kind="restart", start=corrected_on)
        request.correction_deadline = None
        public_text = f"{corrected_on.isoformat()} 收到补正后的申请，答复期限重新计算。"
    elif action == "mark_abandoned":
        if request.correction_deadline and ctx.today <= request.correction_deadline:
            raise WorkflowError(f"补正期限 {request.correction_deadline.isoformat()} 尚未届满")
        outcome = ctx.outcomes.closures["abandoned"]
        request.outcome, request.report_row = "abandoned", outcome.report_row
        request.closed_on = ctx.today
        public_text = "您未在补正期限内补正，视为放弃申请（第三十条）。"
    elif action == "start_consultation":
        sent_on = _date(params, "sent_on", "发出征求意见")
        party = _required(params, "party", "征求意见对象")
        _add_clock(request, kind="pause", start=sent_on, note=party)
        changes["party"] = party
        visible = True
        public_text = "本机关正在依法征求第三方或其他机关的意见，征求意见期间不计入答复期限。"
    elif action == "end_consultation":
        answered_on = _date(params, "answered_on", "收到意见")
        events = list(request.clock_events or [])
        for e in reversed(events):
            if e["kind"] == "pause" and not e.get("end"):
                if answered_on < date.fromisoformat(e["start"]):
                    raise WorkflowError(
                        "收到意见的日期不能早于发出日期", {"answered_on": "日期无效"}
                    )
                e["end"] = answered_on.isoformat()
                break
        request.clock_events = [dict(e) for e in events]
        public_text = "征求意见已结束，继续办理。"
    elif action == "request_extension":
        if _has_extension(request) or request.pending_extension:
            raise WorkflowError("答复期限只能延长一次（第三十三条第二款）")
        days = _days(params, ctx.profiles[request.profile].extension_days)
        reason = _required(params, "reason", "延期理由")
        request.pending_extension = {"days": days, "reason": reason, "by": actor.label}
        visible = False
    elif action == "approve_extension":
        pending = request.pending_extension or {}
        _add_clock(request, kind="extension", start=ctx.today, days=pending["days"])
        request.pending_extension = None
        reason = reason or pending.get("reason", "")
        changes["extension_days"] = pending["days"]
        public_text = f"经本机关政府信息公开工作机构负责人同意，答复期限延长 {pending['days']} 个工作日（第三十三条第二款）。"
    elif action == "reject_extension":
        request.pending_extension = None
        visible = False
    elif action == "transfer":
        code = _required(params, "organisation", "转送机关")
        target = ctx.organisations.get(code)
        if target is None or target.id == request.organisation_id:
            raise WorkflowError("请选择另一个受理机关", {"organisation": "机关无效"})
        reason = _required(params, "reason", "转送理由")
        changes["organisation"] = [request.organisation.code, target.code]
        request.organisation = target
        request.organisation_id = target.id
        _add_clock(request, kind="restart", start=ctx.today)
        public_text = (
            f"您的申请已转送{target.name}办理，自 {ctx.today.isoformat()} 起重新计算答复期限。"
        )
    elif action == "answer":
        outcome_code = _required(params, "outcome", "答复结果")
        outcome = ctx.outcomes.outcomes.get(outcome_code)
        if outcome is None:
            raise WorkflowError("答复结果无效", {"outcome": "无效"})
        ground = str(params.get("ground") or "")
        if outcome.grounds and ground not in ctx.outcomes.grounds:
            raise WorkflowError("请选择不予公开的理由依据", {"ground": "必选"})
        if outcome.reasons and not reason:
            raise WorkflowError("请写明理由", {"reason": "必填"})
        request.outcome, request.outcome_ground = outcome.code, ground if outcome.grounds else ""
        request.outcome_reasons = reason
        request.report_row = ctx.outcomes.report_row(outcome.code, request.outcome_ground)
        request.answered_on = ctx.today
        changes["outcome"] = outcome.code
        changes["report_row"] = request.report_row
        public_text = f"已作出答复：{outcome.label}（{outcome.article}）。"
    elif action == "withdraw":
        outcome = ctx.outcomes.closures["withdrawn"]
        request.outcome, request.report_row = "withdrawn", outcome.report_row
        request.closed_on = ctx.today
        public_text = "您已撤回申请。"
    elif action == "close":
        request.closed_on = ctx.today
        public_text = "申请已办结。"

    previous = request.status
    if transition.target is not None:
        request.status = transition.target
    if request.clock_events or action in ("record_correction", "approve_extension"):
        try:
            changes.update(recompute(request, ctx))
        except DeadlineError as exc:
            raise WorkflowError(str(exc)) from None
    event = RequestEvent(
        request=request,
        on=ctx.today,
        actor_id=actor.user.id if actor.user else None,
        actor_label=actor.label,
        action=action,
        from_status=previous,
        to_status=request.status,
        reason=reason,
        changes=changes,
        public_text=public_text,
        visible_to_applicant=visible,
    )
    return event


def _days(params: dict, maximum: int) -> int:
    try:
        days = int(params.get("days") or maximum)
    except (TypeError, ValueError):
        raise WorkflowError("延期天数应为整数", {"days": "应为整数"}) from None
    if not 1 <= days <= maximum:
        raise WorkflowError(f"延期不能超过 {maximum} 个工作日", {"days": f"1 至 {maximum}"})
    return days
