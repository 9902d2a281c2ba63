"""The request state machine: who may do what, in which state, and what it does to the clock.

Articles and day counts come from the case's rule profile (``request.profile``, see
:mod:`disclosure.law`): a transition names the step of the law it rests on, not an article.
Each transition records an append-only history event (who, when, why, what changed) and
recomputes the deadline from the stored clock events. Optimistic locking on the request row
turns two officers acting at once into a clear conflict for the second.

The rules of Art. 30-34 (2019) beyond status and permission live in :func:`refusal` (used by
:func:`perform` and, for the buttons, :func:`available`):

- a correction is asked for once only (from the history), within the profile's correction
  window (the 7th working day after receipt; none under the 2008 rules) and never after the
  answer deadline; the applicant may send it online (``submit_correction``) or an officer
  records it; either restarts the clock (``restart``, reason "correction");
- a correction not received in time is never abandoned automatically: once its period is over
  an officer decides (``mark_abandoned``, with a reason), closing the case as the
  ``abandoned`` closure (report row 三（六）1);
- a transfer restarts the clock with reason "transfer" (the trail says where it went);
- consultations (a ``pause`` each: a third party, Art. 32, or another agency, Art. 34) may run
  at once; each has an id, and ending one or recording the party's receipt of the letter
  names it; the status is 征求意见中 while one is open;
- a fact recorded late is recorded: if it moves the due date into the past or before an
  extension already granted, the history says the case is overdue (no refusal);
- Art. 35 (asking for reasons, a later answer date) and Art. 42 (the fee notice, its payment
  and non-payment): see the sections at the end of this module;
- a correction of records (Art. 41, ``request_kind``) gets its own answers
  (:func:`answers_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..calendar.workdays import WorkingCalendar
from ..dates import DateInputError, parse_date
from ..i18n import _, chinese
from ..law import STEPS, Outcome, Profile
from ..models import DisclosureRequest, Organisation, RequestEvent, User
from ..models.requests import STATUS_LABELS, RequestStatus
from ..security import Permission
from .deadlines import ClockEvent, DeadlineError, compute_due
from .history import cited, message, render_chinese, seq
from .history import party as party_of
from .outcomes import Outcomes

S = RequestStatus
OFFICERS = Permission.REQUESTS_HANDLE
ADMINS = Permission.REQUESTS_APPROVE
APPLICANT = Permission.REQUESTS_APPLICANT
HANDLING = (S.RECEIVED, S.ACCEPTED, S.CONSULTING)  # being handled: no correction awaited


class WorkflowError(Exception):
    """The action is not allowed now, or its input is wrong (a message for the person).

    ``message`` and the values of ``fields`` may be marked messages: show them through
    ``request.translate``; ``str()`` gives the message in Chinese."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return chinese(self.message)


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
    step: str = ""  # the step of the law it rests on (disclosure.law.STEPS): Profile.article(step)
    system: bool = False  # the scheduled commands may also take it


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(_("受理"), frozenset({S.RECEIVED}), S.ACCEPTED, OFFICERS, "answer"),
    "request_correction": Transition(
        _("告知补正"), frozenset({S.RECEIVED, S.ACCEPTED}), S.CORRECTION, OFFICERS, "correction"
    ),
    "record_correction": Transition(
        _("收到补正"), frozenset({S.CORRECTION}), S.ACCEPTED, OFFICERS, "correction"
    ),
    # the applicant sends the corrected request online (the status page): the same effect
    "submit_correction": Transition(
        _("在线补正"), frozenset({S.CORRECTION}), S.ACCEPTED, APPLICANT, "correction"
    ),
    # never automatic: an officer decides, with a reason, once the correction period is over
    "mark_abandoned": Transition(
        _("逾期不补正，视为放弃"),
        frozenset({S.CORRECTION}),
        S.ABANDONED,
        OFFICERS,
        "correction",
    ),
    "start_consultation": Transition(
        _("征求意见"),
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),  # several may run at once
        S.CONSULTING,
        OFFICERS,
        "consultation",
    ),
    "record_consultation_receipt": Transition(
        _("登记对方收到征求意见书日期"),
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),
        None,
        OFFICERS,
        "consultation",
    ),
    "end_consultation": Transition(
        _("收到意见（或期满）"),
        frozenset({S.CONSULTING}),
        None,  # back to 办理中 once no other consultation is open
        OFFICERS,
        "consultation",
    ),
    "request_extension": Transition(
        _("申请延期"),
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),
        None,
        OFFICERS,
        "extension",
    ),
    "approve_extension": Transition(
        _("批准延期"),
        frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}),
        None,
        ADMINS,
        "extension",
    ),
    "reject_extension": Transition(
        _("不批准延期"), frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}), None, ADMINS
    ),
    "transfer": Transition(
        _("转送其他机关"), frozenset({S.RECEIVED, S.ACCEPTED}), S.RECEIVED, OFFICERS, "transfer"
    ),
    # Art. 35 (requests clearly excessive in number or frequency): see _excessive
    "ask_excessive_reasons": Transition(
        _("要求说明申请理由"), frozenset(HANDLING), None, OFFICERS, "excessive"
    ),
    "record_excessive_reasons": Transition(
        _("登记申请人说明理由情况"), frozenset(HANDLING), None, OFFICERS, "excessive"
    ),
    "set_later_date": Transition(
        _("确定延迟答复期限"), frozenset(HANDLING), None, OFFICERS, "later_date"
    ),
    # Art. 42, the information-processing fee (国办函〔2020〕109号): see _fee
    "fee_notice": Transition(_("出具收费通知"), frozenset(HANDLING), None, OFFICERS, "fee"),
    "record_fee_notice_receipt": Transition(
        _("登记申请人收到收费通知日期"), frozenset(HANDLING), None, OFFICERS, "fee_payment"
    ),
    "record_payment": Transition(_("登记缴费"), frozenset(HANDLING), None, OFFICERS, "fee_payment"),
    "close_unpaid": Transition(
        _("逾期未缴费，终止办理"), frozenset(HANDLING), S.ABANDONED, OFFICERS, "fee_payment"
    ),
    "answer": Transition(
        _("答复"), frozenset({S.RECEIVED, S.ACCEPTED, S.CONSULTING}), S.ANSWERED, OFFICERS
    ),
    "withdraw": Transition(
        _("撤回申请"),
        frozenset({S.RECEIVED, S.ACCEPTED, S.CORRECTION, S.CONSULTING}),
        S.WITHDRAWN,
        APPLICANT,
    ),
    "close": Transition(
        _("办结"), frozenset({S.ANSWERED, S.ABANDONED, S.WITHDRAWN}), S.CLOSED, OFFICERS
    ),
}

# Who may be consulted (Art. 32: a third party; Art. 34: another agency), with the step of the
# law each rests on (its letter) and how the applicant is told.
CONSULTATION_KINDS: dict[str, tuple[str, str]] = {
    "third_party": ("third_party", _("第三方")),
    "other_agency": ("agency_consultation", _("其他机关")),
}
ABANDON_SUGGESTION = _("无正当理由逾期不补正")


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
            return self.user.history_label
        # i18n: stored in the history (actor_label, part of the hashed record)
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
    """What the rules need: today, the calendar, the profiles (by key), the outcome table."""

    today: date
    calendar: WorkingCalendar
    profiles: dict[str, Profile]
    outcomes: Outcomes
    organisations: dict[str, Organisation] = field(default_factory=dict)


def profile_of(request: DisclosureRequest, ctx: Context) -> Profile:
    """The rule profile the case follows (chosen by its receipt date when it was filed)."""
    return ctx.profiles[request.profile]


def _cited(article: str) -> str:
    """An article cited in brackets, or nothing (a marked message, for a mapping)."""
    return _("（${article}）", mapping={"article": article}) if article else ""


def available(request: DisclosureRequest, actor: Actor, ctx: Context | None = None) -> list[str]:
    """The actions this actor may take now (for buttons). With ``ctx`` the rules that depend on
    the day and on the case's history are applied too (as :func:`perform` applies them)."""
    out = []
    for name, t in TRANSITIONS.items():
        if request.status not in t.sources or not actor.may(t):
            continue
        if name in ("approve_extension", "reject_extension") and not request.pending_extension:
            continue
        if name == "request_extension" and (request.pending_extension or _has_extension(request)):
            continue
        if ctx is not None and refusal(request, name, ctx) is not None:
            continue
        out.append(name)
    return out


def refusal(request: DisclosureRequest, action: str, ctx: Context) -> WorkflowError | None:
    """Why ``action`` cannot be taken on this case today (its status and the actor's permission
    aside), or None."""
    profile = profile_of(request, ctx)
    today = ctx.today
    if action == "request_correction":
        article = _cited(profile.correction_article)
        earlier = next((e for e in request.events if e.action == "request_correction"), None)
        if earlier is not None:
            return WorkflowError(
                _(
                    "补正应当一次性告知${cited}：本件已于 ${on} 告知过补正，不能再次告知",
                    mapping={"cited": article, "on": earlier.on},
                )
            )
        if today > request.due_on:
            return WorkflowError(
                _("答复期限已于 ${due} 届满，不能再告知补正", mapping={"due": request.due_on})
            )
        window = correction_window(request, ctx)
        if window is not None and today > window:
            return WorkflowError(
                _(
                    "告知补正应在收到申请之日起${days}个工作日内${cited}，即 ${window} 前；"
                    "现已逾期，不能再告知补正",
                    mapping={
                        "days": profile.correction_notice_days,
                        "cited": article,
                        "window": window,
                    },
                )
            )
    elif action == "mark_abandoned":
        if request.correction_deadline is None or today <= request.correction_deadline:
            until = request.correction_deadline
            return WorkflowError(
                _("补正期限（${until}）尚未届满", mapping={"until": until})
                if until
                else _("没有确定的补正期限，不能视为放弃")
            )
    elif action == "record_consultation_receipt":
        if not [c for c in consultations(request) if not c.get("received")]:
            return WorkflowError(_("没有待登记收到日期的征求意见"))
    elif action in ("request_extension", "approve_extension"):
        if today > request.due_on:
            return WorkflowError(
                _(
                    "答复期限已于 ${due} 届满，期限届满后不能延长${cited}",
                    mapping={"due": request.due_on, "cited": _cited(profile.extension_article)},
                )
            )
    elif action in EXCESSIVE_ACTIONS:
        return _excessive_refusal(request, action, ctx)
    elif action in FEE_ACTIONS:
        return _fee_refusal(request, action, ctx)
    return None


def correction_window(request: DisclosureRequest, ctx: Context) -> date | None:
    """The last day to ask for a correction (Art. 30: the 7th working day after receipt), or
    None where the case's rules set no day count (then only the answer deadline limits it)."""
    days = profile_of(request, ctx).correction_notice_days
    if days is None:
        return None
    return (
        request.correction_due_on or ctx.calendar.add_working_days(request.received_on, days).date
    )


def _has_extension(request: DisclosureRequest) -> bool:
    return any(e["kind"] == "extension" for e in request.clock_events or [])


def consultations(request: DisclosureRequest) -> list[dict[str, Any]]:
    """Every consultation of the case (its pause clock events), in the order they began, each
    with its ``id`` (1, 2 …; the number forms and letters name it by), ``reason``
    (third_party | other_agency), ``note`` (the party), ``start`` (letter sent), ``received``
    (the party's receipt of it, when known) and ``end`` (answer received, None while open)."""
    out = []
    pauses = [e for e in request.clock_events or [] if e["kind"] == "pause"]
    for i, e in enumerate(pauses, start=1):
        out.append({**e, "id": e.get("id", i), "reason": e.get("reason") or "third_party"})
    return out


def open_consultations(request: DisclosureRequest) -> list[dict[str, Any]]:
    return [c for c in consultations(request) if not c.get("end")]


def consultation_label(c: dict[str, Any]) -> str:
    """第2项：征求其他机关意见（咸阳市财政局），2026-11-20 发出 (a marked message)."""
    mapping = {"id": c["id"], "party": c.get("note", ""), "start": c["start"]}
    if c["reason"] == "other_agency":
        return _("第${id}项：征求其他机关意见（${party}），${start} 发出", mapping=mapping)
    return _("第${id}项：征求第三方意见（${party}），${start} 发出", mapping=mapping)


def events_of(request: DisclosureRequest) -> list[ClockEvent]:
    out = []
    pause_ids = {id(e): c for e, c in zip(_pauses(request), consultations(request), strict=True)}
    transfers = _transfers(request)
    for e in request.clock_events or []:
        reason = e.get("reason", "")
        note = e.get("note", "")
        if e["kind"] == "restart" and not reason and e["start"] in transfers:
            reason, note = "transfer", note or transfers[e["start"]]  # recorded before reasons
        if e["kind"] == "pause":
            reason = pause_ids[id(e)]["reason"]
        out.append(
            ClockEvent(
                kind=e["kind"],
                start=date.fromisoformat(e["start"]),
                end=date.fromisoformat(e["end"]) if e.get("end") else None,
                days=e.get("days"),
                note=note,
                reason=reason,
                received=date.fromisoformat(e["received"]) if e.get("received") else None,
            )
        )
    return out


def _pauses(request: DisclosureRequest) -> list[dict[str, Any]]:
    return [e for e in request.clock_events or [] if e["kind"] == "pause"]


def _transfers(request: DisclosureRequest) -> dict[str, str]:
    """Day → the agency's name ("" if not at hand), for transfers recorded before restarts
    carried their reason."""
    out = {}
    for e in request.events:
        codes = (e.changes or {}).get("organisation")
        if e.action == "transfer" and isinstance(codes, list):
            here = request.organisation
            out[e.on.isoformat()] = here.name if here is not None and here.code == codes[-1] else ""
    return out


def recompute(request: DisclosureRequest, ctx: Context) -> dict[str, Any]:
    """Recompute the due date from the stored clock events; return what changed."""
    result = compute_due(
        request.received_on, profile_of(request, ctx), ctx.calendar, events_of(request)
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


def _date(params: dict, name: str, invalid: str) -> date:
    """The date in ``params[name]``; ``invalid``: the (marked) message when it is not one."""
    value = params.get(name)
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except DateInputError as exc:
        raise WorkflowError(invalid, {name: exc.args[0]}) from None


def _optional_date(params: dict, name: str, invalid: str) -> date | None:
    if params.get(name) in (None, ""):
        return None
    return _date(params, name, invalid)


def _required(params: dict, name: str, missing: str) -> str:
    """The text in ``params[name]``; ``missing``: the (marked) message when it is empty."""
    value = str(params.get(name) or "").strip()
    if not value:
        raise WorkflowError(missing, {name: _("必填")})
    return value


def _add_clock(request: DisclosureRequest, **event) -> None:
    event = {k: _iso(v) for k, v in event.items() if v is not None and v != ""}
    request.clock_events = [*(request.clock_events or []), event]


def _replace_pause(request: DisclosureRequest, consultation_id: int, **changes) -> None:
    """Store new values on one consultation (copies: the stored JSON is never changed in place,
    so an action refused half-way leaves the case as it was)."""
    out, n = [], 0
    for e in request.clock_events or []:
        e = dict(e)
        if e["kind"] == "pause":
            n += 1
            if e.get("id", n) == consultation_id:
                e.update({k: _iso(v) for k, v in changes.items()})
                e["id"] = consultation_id
        out.append(e)
    request.clock_events = out


def _pick_consultation(
    params: dict, candidates: list[dict[str, Any]], none: str, unknown: str
) -> dict[str, Any]:
    """The consultation the form names (``consultation``: its id); without one, the only
    candidate. Several candidates and none named: the officer must say which. ``none`` and
    ``unknown``: the (marked) messages when there is no candidate, or the one named is not."""
    raw = str(params.get("consultation") or "").strip()
    if not raw:
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise WorkflowError(none)
        raise WorkflowError(
            _("有 ${count} 项征求意见，请选择是哪一项", mapping={"count": len(candidates)}),
            {"consultation": _("必选")},
        )
    found = next((c for c in candidates if str(c["id"]) == raw), None)
    if found is None:
        raise WorkflowError(unknown, {"consultation": _("无效")})
    return found


def _on(code: str, day: date, today: date, **params: Any) -> dict[str, Any]:
    """A sentence of the history about something that happened on ``day``: the message
    ``code`` on the event's own day, else ``<code>_on`` naming the day."""
    if day == today:
        return message(code, **params)
    return message(f"{code}_on", on=day, **params)


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
        raise WorkflowError(_("未知的操作"))
    if lock_version is not None and lock_version != request.lock_version:
        raise ConflictError(_("该申请已被他人处理，请刷新页面后查看最新状态再操作。"))
    if not actor.may(transition):
        raise NotPermitted(_("您没有权限执行此操作"))
    if request.status not in transition.sources:
        raise WorkflowError(
            _(
                "申请当前状态为“${status}”，不能${action}",
                mapping={"status": STATUS_LABELS[S(request.status)], "action": transition.label},
            )
        )
    refused = refusal(request, action, ctx)
    if refused is not None:
        raise refused
    reason = str(params.get("reason") or "").strip()
    profile = profile_of(request, ctx)
    today = ctx.today
    changes: dict[str, Any] = {}
    said: dict[str, Any] | None = None  # what the applicant is told (a history message)
    visible = True
    target = transition.target
    due_before, late_before = request.due_on, bool((request.deadline or {}).get("extension_late"))

    if action == "accept":
        said = message("accepted")
    elif action == "request_correction":
        reason = _required(params, "reason", _("请填写需要补正的内容"))
        deadline = _date(params, "correction_deadline", _("补正期限日期无效"))
        if deadline <= today:
            raise WorkflowError(_("补正期限应晚于今天"), {"correction_deadline": _("应晚于今天")})
        request.correction_deadline = deadline
        changes["correction_deadline"] = deadline.isoformat()
        said = message("correction_requested", deadline=deadline, items=reason)
    elif action in ("record_correction", "submit_correction"):
        asked = next(
            (e for e in reversed(request.events) if e.action == "request_correction"), None
        )
        if action == "submit_correction":
            corrected_on = today
            text = _required(params, "corrected_text", _("请填写补正后的申请内容"))
            changes["corrected_text"] = text[:5000]
        else:
            corrected_on = _date(params, "corrected_on", _("收到补正日期无效"))
        earliest = asked.on if asked is not None else request.received_on
        if corrected_on > today or corrected_on < earliest:
            raise WorkflowError(
                _("收到补正的日期无效"),
                {
                    "corrected_on": _(
                        "不能早于告知补正之日（${earliest}）或晚于今天",
                        mapping={"earliest": earliest},
                    )
                },
            )
        _add_clock(request, kind="restart", reason="correction", start=corrected_on)
        request.correction_deadline = None
        changes["corrected_on"] = corrected_on.isoformat()
        said = _on(
            "correction_received",
            corrected_on,
            today,
            cited=cited(profile.correction_article),
        )
    elif action == "mark_abandoned":
        reason = _required(params, "reason", _("请填写视为放弃的理由"))
        outcome = ctx.outcomes.closures["abandoned"]
        request.outcome, request.report_row = "abandoned", outcome.report_row
        request.closed_on = today
        changes["report_row"] = outcome.report_row
        said = message(
            "abandoned",
            deadline=request.correction_deadline,
            cited=cited(profile.outcome_article("abandoned")),
        )
    elif action == "start_consultation":
        kind = str(params.get("kind") or "")
        if kind not in CONSULTATION_KINDS:
            raise WorkflowError(
                _("请选择征求谁的意见（第三方或其他机关）"),
                {"kind": _("应为第三方或其他机关")},
            )
        step = CONSULTATION_KINDS[kind][0]
        party = _required(params, "party", _("请填写征求意见对象"))[:200]
        sent_on = _date(params, "sent_on", _("发出征求意见日期无效"))
        received = _optional_date(params, "party_received_on", _("对方收到日期无效"))
        if sent_on > today or sent_on < request.received_on:
            raise WorkflowError(_("发出日期无效"), {"sent_on": _("不能早于收到申请之日或晚于今天")})
        if received is not None and not sent_on <= received <= today:
            raise WorkflowError(
                _("对方收到日期无效"), {"party_received_on": _("不能早于发出日期或晚于今天")}
            )
        number = max((c["id"] for c in consultations(request)), default=0) + 1
        _add_clock(
            request,
            kind="pause",
            id=number,
            reason=kind,
            note=party,
            start=sent_on,
            received=received,
        )
        changes.update({"consultation": number, "kind": kind, "party": party})
        if received is not None:
            changes["party_received_on"] = received.isoformat()
        said = message(
            "consultation_started",
            who=party_of(kind),
            cited=cited(profile.article(step)),
            cited_pause=cited(profile.pause_article),
        )
    elif action == "record_consultation_receipt":
        waiting = [c for c in consultations(request) if not c.get("received")]
        c = _pick_consultation(
            params,
            waiting,
            _("没有待登记收到日期的征求意见"),
            _("没有这一项待登记收到日期的征求意见"),
        )
        received = _date(params, "party_received_on", _("对方收到日期无效"))
        start = date.fromisoformat(c["start"])
        latest = min(today, date.fromisoformat(c["end"])) if c.get("end") else today
        if not start <= received <= latest:
            raise WorkflowError(
                _("对方收到日期无效"),
                {
                    "party_received_on": _(
                        "应在发出日期（${start}）和收到意见之日或今天之间",
                        mapping={"start": start},
                    )
                },
            )
        _replace_pause(request, c["id"], received=received)
        changes.update({"consultation": c["id"], "party": c.get("note", "")})
        changes["party_received_on"] = received.isoformat()
        visible = False
    elif action == "end_consultation":
        c = _pick_consultation(
            params,
            open_consultations(request),
            _("没有进行中的征求意见"),
            _("没有这一项进行中的征求意见"),
        )
        answered_on = _date(params, "answered_on", _("收到意见日期无效"))
        received = _optional_date(params, "party_received_on", _("对方收到日期无效"))
        start = date.fromisoformat(c["start"])
        if received is None and c.get("received"):
            received = date.fromisoformat(c["received"])
        if answered_on < (received or start) or answered_on > today:
            raise WorkflowError(
                _("收到意见的日期不能早于发出日期（或对方收到日期），也不能晚于今天"),
                {"answered_on": _("日期无效")},
            )
        if received is not None and received < start:
            raise WorkflowError(_("对方收到日期无效"), {"party_received_on": _("不能早于发出日期")})
        _replace_pause(request, c["id"], end=answered_on, received=received)
        changes.update({"consultation": c["id"], "party": c.get("note", "")})
        changes["answered_on"] = answered_on.isoformat()
        still_open = open_consultations(request)
        target = S.CONSULTING if still_open else S.ACCEPTED
        said = message("consultation_ended_one" if still_open else "consultation_ended")
    elif action == "request_extension":
        if _has_extension(request) or request.pending_extension:
            raise WorkflowError(
                _(
                    "答复期限只能延长一次${cited}",
                    mapping={"cited": _cited(profile.extension_article)},
                )
            )
        days = _days(params, profile.extension_days)
        reason = _required(params, "reason", _("请填写延期理由"))
        request.pending_extension = {"days": days, "reason": reason, "by": actor.label}
        changes["extension_days"] = days
        visible = False
    elif action == "approve_extension":
        pending = request.pending_extension or {}
        _add_clock(request, kind="extension", start=today, days=pending["days"])
        request.pending_extension = None
        reason = reason or pending.get("reason", "")
        changes["extension_days"] = pending["days"]
        said = message(
            "extension_approved",
            days=pending["days"],
            cited=cited(profile.extension_article),
        )
    elif action == "reject_extension":
        request.pending_extension = None
        visible = False
    elif action == "transfer":
        code = _required(params, "organisation", _("请填写转送机关"))
        target_org = ctx.organisations.get(code)
        if target_org is None or target_org.id == request.organisation_id:
            raise WorkflowError(_("请选择另一个受理机关"), {"organisation": _("机关无效")})
        reason = _required(params, "reason", _("请填写转送理由"))
        changes["organisation"] = [request.organisation.code, target_org.code]
        request.organisation = target_org
        request.organisation_id = target_org.id
        # a transfer, not a correction: the trail says so (restart reason "transfer")
        _add_clock(request, kind="restart", reason="transfer", note=target_org.name, start=today)
        said = message(
            "transferred",
            organisation=target_org.name,
            cited=cited(profile.article("transfer")),
        )
    elif action in EXCESSIVE_ACTIONS:
        said, reason = _excessive(request, action, params, reason, ctx, changes)
    elif action in FEE_ACTIONS:
        said, reason = _fee(request, action, params, reason, ctx, changes)
    elif action == "answer":
        outcome_code = _required(params, "outcome", _("请填写答复结果"))
        outcome = answers_for(request, ctx).get(outcome_code)
        if outcome is None:
            raise WorkflowError(_("答复结果无效"), {"outcome": _("无效")})
        if outcome.code == "excessive_unreasonable" and not _last(
            request, "record_excessive_reasons"
        ):
            raise WorkflowError(
                _(
                    "只有在要求申请人说明理由，并登记了申请人说明的理由（或逾期未说明）之后，"
                    "才能以“申请理由不合理”答复${cited}；否则请选择“${excessive}”",
                    mapping={
                        "cited": _cited(profile.outcome_article(outcome.code)),
                        "excessive": ctx.outcomes.outcomes["excessive"].label,
                    },
                ),
                {"outcome": _("尚未要求申请人说明理由并登记")},
            )
        ground = str(params.get("ground") or "")
        if outcome.grounds and ground not in ctx.outcomes.grounds:
            raise WorkflowError(_("请选择不予公开的理由依据"), {"ground": _("必选")})
        if outcome.reasons and not reason:
            raise WorkflowError(_("请写明理由"), {"reason": _("必填")})
        request.outcome, request.outcome_ground = outcome.code, ground if outcome.grounds else ""
        request.outcome_reasons = reason
        request.report_row = ctx.outcomes.report_row(outcome.code, request.outcome_ground)
        request.answered_on = today
        changes["outcome"] = outcome.code
        changes["report_row"] = request.report_row
        said = message(
            "answered",
            outcome=outcome.label,
            cited=cited(profile.outcome_article(outcome.code)),
        )
    elif action == "withdraw":
        outcome = ctx.outcomes.closures["withdrawn"]
        request.outcome, request.report_row = "withdrawn", outcome.report_row
        request.closed_on = today
        said = message("withdrawn")
    elif action == "close":
        request.closed_on = today
        said = message("closed")

    previous = request.status
    if target is not None:
        request.status = target
    if request.clock_events or action in ("record_correction", "approve_extension"):
        try:
            changes.update(recompute(request, ctx))
        except DeadlineError as exc:
            raise WorkflowError(exc.message) from None
    # A fact recorded late (the real day a consultation was answered …) may move the due date
    # into the past, or before an extension already granted: the case is then overdue. Record
    # it and say so, rather than refuse the fact.
    late = bool((request.deadline or {}).get("extension_late"))
    if (
        request.is_open
        and request.status != S.CORRECTION
        and today > request.due_on
        and (request.due_on != due_before or late != late_before)
    ):
        note = message("overdue_extension_late" if late else "overdue", due=request.due_on)
        changes["overdue"] = request.due_on.isoformat()
        said = seq(said, note)
        visible = True
    event = RequestEvent(
        request=request,
        on=today,
        actor_id=actor.user.id if actor.user else None,
        actor_label=actor.label,
        action=action,
        from_status=previous,
        to_status=request.status,
        reason=reason,
        changes=changes,
        public_text=render_chinese(said),
        message=said["code"] if said else None,
        message_params=said["params"] if said else None,
        visible_to_applicant=visible,
    )
    return event


def _days(params: dict, maximum: int) -> int:
    try:
        days = int(params.get("days") or maximum)
    except (TypeError, ValueError):
        raise WorkflowError(_("延期天数应为整数"), {"days": _("应为整数")}) from None
    if not 1 <= days <= maximum:
        raise WorkflowError(
            _("延期不能超过 ${maximum} 个工作日", mapping={"maximum": maximum}),
            {"days": _("1 至 ${maximum}", mapping={"maximum": maximum})},
        )
    return days


# -- the answers a case may get ---------------------------------------------------------------


def answers_for(request: DisclosureRequest, ctx: Context) -> dict[str, Outcome]:
    """The answers an officer may give: a correction of records (Art. 41, ``request_kind``
    "record_correction") has its own (outcomes.yaml ``record_corrections``)."""
    if request.request_kind == "record_correction":
        return ctx.outcomes.record_corrections
    return ctx.outcomes.outcomes


def _last(request: DisclosureRequest, action: str) -> RequestEvent | None:
    return next((e for e in reversed(request.events) if e.action == action), None)


# -- Art. 35: requests clearly excessive in number or frequency -------------------------------
#
# The officer may ask the applicant for reasons, by a date (ask_excessive_reasons), and records
# what came back, or that nothing came once that date has passed (record_excessive_reasons).
# Only then may the answer say the reasons are unreasonable (outcome excessive_unreasonable);
# reasons received and reasonable, but no answer possible in time: a reasonable later answer
# date (set_later_date, a ``later_date`` clock event that moves the due date). The rules cited
# are the profile's steps ``excessive`` and ``later_date`` (none under the 2008 rules: refused).

EXCESSIVE_ACTIONS = ("ask_excessive_reasons", "record_excessive_reasons", "set_later_date")


def excessive_facts(request: DisclosureRequest) -> dict[str, Any]:
    """What the case page shows: when reasons were asked for and by when, what was recorded."""
    asked = _last(request, "ask_excessive_reasons")
    recorded = _last(request, "record_excessive_reasons")
    deadline = (asked.changes or {}).get("reasons_deadline") if asked else None
    return {
        "asked_on": asked.on if asked else None,
        "deadline": date.fromisoformat(deadline) if deadline else None,
        "recorded": dict(recorded.changes or {}, on=recorded.on) if recorded else None,
    }


def _excessive_refusal(
    request: DisclosureRequest, action: str, ctx: Context
) -> WorkflowError | None:
    profile = profile_of(request, ctx)
    step = TRANSITIONS[action].step
    if request.request_kind == "record_correction":
        return WorkflowError(_("更正申请不适用申请数量、频次明显超过合理范围的处理"))
    if not profile.article(step):
        return WorkflowError(
            _(
                "本件适用${profile}，该规则未规定“${step}”",
                mapping={"profile": profile.name, "step": STEPS[step]},
            )
        )
    cited = _cited(profile.article(step))
    asked = _last(request, "ask_excessive_reasons")
    recorded = _last(request, "record_excessive_reasons")
    if action == "ask_excessive_reasons" and asked is not None:
        return WorkflowError(
            _(
                "本件已于 ${on} 要求申请人说明理由${cited}",
                mapping={"on": asked.on, "cited": cited},
            )
        )
    if action == "record_excessive_reasons":
        if asked is None:
            return WorkflowError(_("尚未要求申请人说明理由"))
        if recorded is not None:
            return WorkflowError(
                _("已于 ${on} 登记申请人说明理由的情况", mapping={"on": recorded.on})
            )
    if action == "set_later_date":
        if recorded is None or not (recorded.changes or {}).get("reasons_received"):
            return WorkflowError(
                _(
                    "确定延迟答复的合理期限，以申请人说明的理由合理为前提${cited}："
                    "请先要求申请人说明理由，并登记收到的理由",
                    mapping={"cited": cited},
                )
            )
        if _last(request, "set_later_date") is not None:
            return WorkflowError(_("本件已确定过延迟答复的合理期限"))
        if ctx.today > request.due_on:
            return WorkflowError(
                _(
                    "答复期限已于 ${due} 届满，不能再确定延迟答复的期限",
                    mapping={"due": request.due_on},
                )
            )
    return None


def _excessive(
    request: DisclosureRequest,
    action: str,
    params: dict,
    reason: str,
    ctx: Context,
    changes: dict[str, Any],
) -> tuple[dict[str, Any] | None, str]:
    """One Art. 35 step; returns the applicant's sentence (a history message) and the event's
    reason."""
    profile, today = profile_of(request, ctx), ctx.today
    if action == "ask_excessive_reasons":
        deadline = _date(params, "reasons_deadline", _("说明理由期限日期无效"))
        if deadline <= today:
            raise WorkflowError(
                _("说明理由的期限应晚于今天"), {"reasons_deadline": _("应晚于今天")}
            )
        changes["reasons_deadline"] = deadline.isoformat()
        return (
            message("reasons_asked", deadline=deadline, cited=cited(profile.article("excessive"))),
            reason,
        )
    if action == "record_excessive_reasons":
        asked = _last(request, "ask_excessive_reasons")
        assert asked is not None  # refusal() checked
        deadline = date.fromisoformat(asked.changes["reasons_deadline"])
        received = str(params.get("reasons_received") or "")
        if received == "yes":
            text = _required(params, "applicant_reasons", _("请填写申请人说明的理由"))[:2000]
            on = _date(params, "reasons_received_on", _("收到理由日期无效"))
            if not asked.on <= on <= today:
                raise WorkflowError(
                    _("收到理由的日期无效"),
                    {
                        "reasons_received_on": _(
                            "应在要求说明理由之日（${asked}）和今天之间",
                            mapping={"asked": asked.on},
                        )
                    },
                )
            changes.update(
                reasons_received=True, reasons_received_on=on.isoformat(), applicant_reasons=text
            )
            return _on("reasons_received", on, today), reason
        if received == "no":
            if today <= deadline:
                raise WorkflowError(
                    _(
                        "说明理由的期限（${deadline}）尚未届满，不能登记为逾期未说明",
                        mapping={"deadline": deadline},
                    ),
                    {"reasons_received": _("期限尚未届满")},
                )
            changes["reasons_received"] = False
            return message("reasons_missing", deadline=deadline), reason
        raise WorkflowError(
            _("请选择是否收到申请人说明的理由"),
            {"reasons_received": _("请选择收到或逾期未说明")},
        )
    # set_later_date
    later = _date(params, "later_due_on", _("延迟答复期限日期无效"))
    reason = _required(params, "reason", _("请填写无法按期答复的原因"))
    if later <= request.due_on:
        raise WorkflowError(
            _("延迟答复的期限应晚于现在的答复期限 ${due}", mapping={"due": request.due_on}),
            {"later_due_on": _("应晚于 ${due}", mapping={"due": request.due_on})},
        )
    changes["statutory_due_on"] = request.due_on.isoformat()
    changes["later_due_on"] = later.isoformat()
    _add_clock(request, kind="later_date", start=today, end=later)
    return (
        message("later_date_set", date=later, cited=cited(profile.article("later_date"))),
        reason,
    )


# -- Art. 42: the information-processing fee (国办函〔2020〕109号) ---------------------------
#
# fee_notice: method (count | volume, one only) and quantity, priced by requests.fees; a zero fee
# is refused, and so is any fee for a case whose rules set no payment period (the 2008 rules).
# From the notice (the day it is issued) until payment the answer clock stops: a ``fee`` clock
# event, ended by record_payment. The payment period runs ``fee_payment_days`` working days from
# the day after the applicant received the notice (record_fee_notice_receipt); once it has
# passed unpaid, close_unpaid ends the case as the ``unpaid`` closure (report row 三（六）2).

FEE_ACTIONS = ("fee_notice", "record_fee_notice_receipt", "record_payment", "close_unpaid")
UNPAID_SUGGESTION = _("申请人逾期未缴纳信息处理费")


def fee_payment_due(request: DisclosureRequest, ctx: Context) -> date | None:
    """The last day to pay: the ``fee_payment_days``-th working day after the applicant received
    the fee notice (None until that receipt is recorded, or where the rules set no period)."""
    days = profile_of(request, ctx).fee_payment_days
    if request.fee_notice_received_on is None or days is None:
        return None
    return ctx.calendar.add_working_days(request.fee_notice_received_on, days).date


def _fee_refusal(request: DisclosureRequest, action: str, ctx: Context) -> WorkflowError | None:
    profile = profile_of(request, ctx)
    if action == "fee_notice":
        if request.request_kind == "record_correction":
            return WorkflowError(_("更正申请不收取信息处理费"))
        if profile.fee_payment_days is None:
            return WorkflowError(
                _(
                    "本件适用${profile}，该规则未规定信息处理费的缴纳期限，"
                    "不能按信息处理费的规定出具收费通知",
                    mapping={"profile": profile.name},
                )
            )
        if request.fee_notice_on is not None:
            return WorkflowError(
                _("本件已于 ${on} 出具收费通知", mapping={"on": request.fee_notice_on})
            )
        if ctx.today > request.due_on:
            return WorkflowError(
                _("答复期限已于 ${due} 届满，不能再出具收费通知", mapping={"due": request.due_on})
            )
        return None
    if request.fee_notice_on is None:
        return WorkflowError(_("本件没有出具收费通知"))
    if request.fee_paid_on is not None:
        return WorkflowError(_("申请人已于 ${on} 缴费", mapping={"on": request.fee_paid_on}))
    if action == "record_fee_notice_receipt" and request.fee_notice_received_on is not None:
        return WorkflowError(
            _(
                "已登记申请人于 ${on} 收到收费通知",
                mapping={"on": request.fee_notice_received_on},
            )
        )
    if action == "close_unpaid":
        due = fee_payment_due(request, ctx)
        if due is None:
            return WorkflowError(
                _("请先登记申请人收到收费通知的日期：缴费期限自收到之日的次日起计算")
            )
        if ctx.today <= due:
            return WorkflowError(
                _(
                    "缴费期限（${due}）尚未届满，不能以逾期未缴费终止办理",
                    mapping={"due": due},
                )
            )
    return None


def _fee(
    request: DisclosureRequest,
    action: str,
    params: dict,
    reason: str,
    ctx: Context,
    changes: dict[str, Any],
) -> tuple[dict[str, Any] | None, str]:
    """One fee step; returns the applicant's sentence (a history message) and the event's
    reason."""
    from .fees import METHODS, FeeError, calculate_fee

    profile, today = profile_of(request, ctx), ctx.today
    payment_cited = cited(profile.article("fee_payment"))
    if action == "fee_notice":
        method = str(params.get("fee_method") or "")
        if method not in METHODS:
            raise WorkflowError(
                _("请选择计收方式：按件计收或按量计收（一件申请只能选择一种）"),
                {"fee_method": _("必选")},
            )
        quantity = _positive(params, "fee_quantity", _("数量应为正整数"))
        try:
            fee = calculate_fee(method, quantity)
        except FeeError as exc:
            # the fee rules' message is bilingual (Chinese, then English): its Chinese part
            raise WorkflowError(str(exc).split(" (")[0], {"fee_quantity": _("无效")}) from None
        if fee.free:
            # i18n: the fee notice's own lines (Chinese, as the notice would print them)
            lines = "；".join(fee.lines[1:])
            raise WorkflowError(
                _(
                    "按${method}计算，本件不收费（${lines}），不能出具收费通知",
                    mapping={"method": fee.method_label, "lines": lines},
                ),
                {"fee_quantity": _("不收费")},
            )
        request.fee_method, request.fee_quantity, request.fee_amount = method, quantity, fee.amount
        request.fee_notice_on = today
        # i18n: the clock event's note, stored in the case record (the fee notice's wording)
        _add_clock(request, kind="fee", start=today, note=f"{fee.method_label}{fee.amount}元")
        changes.update(
            fee_method=fee.method_label,
            fee_quantity=quantity,
            fee_amount=fee.amount,
            fee_lines="\n".join(fee.lines),
        )
        return (
            message(
                "fee_notice",
                amount=fee.amount,
                method=fee.method_label,
                cited_fee=cited(profile.article("fee")),
                days=profile.fee_payment_days,
                cited=payment_cited,
            ),
            reason,
        )
    if action == "record_fee_notice_receipt":
        received = _date(params, "notice_received_on", _("申请人收到收费通知日期无效"))
        if not request.fee_notice_on <= received <= today:
            raise WorkflowError(
                _("收到收费通知的日期无效"),
                {
                    "notice_received_on": _(
                        "应在出具之日（${issued}）和今天之间",
                        mapping={"issued": request.fee_notice_on},
                    )
                },
            )
        request.fee_notice_received_on = received
        _replace_fee(request, received=received)
        due = fee_payment_due(request, ctx)
        changes["notice_received_on"] = received.isoformat()
        if due is not None:
            changes["payment_due_on"] = due.isoformat()
        return (
            message("fee_notice_received", received=received, due=due, cited=payment_cited)
            if due is not None
            else None,
            reason,
        )
    if action == "record_payment":
        paid_on = _date(params, "paid_on", _("缴费日期无效"))
        amount = _positive(params, "paid_amount", _("缴费金额应为正整数"))
        if not request.fee_notice_on <= paid_on <= today:
            raise WorkflowError(
                _("缴费日期无效"),
                {
                    "paid_on": _(
                        "应在出具收费通知之日（${issued}）和今天之间",
                        mapping={"issued": request.fee_notice_on},
                    )
                },
            )
        if amount != request.fee_amount:
            raise WorkflowError(
                _(
                    "缴费金额应为收费通知所列的 ${amount} 元",
                    mapping={"amount": request.fee_amount},
                ),
                {"paid_amount": _("应为 ${amount}", mapping={"amount": request.fee_amount})},
            )
        due = fee_payment_due(request, ctx)
        if due is not None and paid_on > due:
            raise WorkflowError(
                _(
                    "缴费期限已于 ${due} 届满，逾期缴费的，应以逾期未缴费终止办理",
                    mapping={"due": due},
                ),
                {"paid_on": _("晚于缴费期限 ${due}", mapping={"due": due})},
            )
        request.fee_paid_on, request.fee_paid_amount = paid_on, amount
        _replace_fee(request, end=paid_on)
        changes.update(paid_on=paid_on.isoformat(), paid_amount=amount)
        return _on("fee_paid", paid_on, today, amount=amount, cited=payment_cited), reason
    # close_unpaid
    due = fee_payment_due(request, ctx)
    reason = _required(params, "reason", _("请填写终止办理的理由"))
    outcome = ctx.outcomes.closures["unpaid"]
    request.outcome, request.report_row = "unpaid", outcome.report_row
    request.closed_on = today
    changes["report_row"] = outcome.report_row
    return (
        message("unpaid_closed", due=due, cited=cited(profile.outcome_article("unpaid"))),
        reason,
    )


def _positive(params: dict, name: str, invalid: str) -> int:
    """The positive integer in ``params[name]``; ``invalid``: the (marked) message if not."""
    try:
        value = int(str(params.get(name) or "").strip())
    except ValueError:
        value = 0
    if value < 1:
        raise WorkflowError(invalid, {name: _("应为正整数")})
    return value


def _replace_fee(request: DisclosureRequest, **changes) -> None:
    """Store new values on the fee's clock event (a copy, as _replace_pause does)."""
    out = []
    for e in request.clock_events or []:
        e = dict(e)
        if e["kind"] == "fee":
            e.update({k: _iso(v) for k, v in changes.items()})
        out.append(e)
    request.clock_events = out
