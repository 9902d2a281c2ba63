"""Reconsideration and lawsuits about a case (行政复议、行政诉讼, the annual report's table 四),
entered by an officer of the case's organisation from the case page: one form adds an appeal,
another (with ``appeal_id``) records its result later. Each is checked with colander (dates
within ``dates.MIN_DATE``–``MAX_DATE``), carries the case's ``lock_version`` and goes into the
case history, which the applicant does not see."""

from __future__ import annotations

from datetime import date

import colander
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..boundary import error_response
from ..catalogue.forms import clean_text, strip_blank
from ..clock import today
from ..dates import DateInputError, parse_date
from ..i18n import _, chinese
from ..locks import required_lock_version
from ..models import CaseAppeal, RequestEvent
from ..models.appeals import APPEAL_KINDS, APPEAL_RESULTS
from ..models.search import utcnow
from ..security import Permission
from .workflow import Actor

STALE = _("该申请已被他人处理，请刷新页面后查看最新状态再操作。")
REQUIRED = _("必填")
NOT_AFTER_TODAY = _("日期不能晚于今天")
PENDING_NO_DATE = _("尚未审结的无需填写决定日期")
FIELDS = ("appeal_id", "kind", "body", "filed_on", "result", "decided_on")


def _one_of(choices: dict[str, str]):
    def check(node, value):
        if value not in choices:
            listed = "、".join(chinese(v) for v in choices.values())  # i18n: Chinese labels
            raise colander.Invalid(node, _("应为以下之一：${choices}", mapping={"choices": listed}))

    return check


def _check_date(node, value):
    try:
        parse_date(value)
    except DateInputError as exc:
        raise colander.Invalid(node, exc.args[0]) from None  # a marked message


def _node(name: str, validator, *, required: bool = True) -> colander.SchemaNode:
    return colander.SchemaNode(
        colander.String(),
        name=name,
        missing=colander.required if required else "",
        missing_msg=REQUIRED,
        preparer=strip_blank,
        validator=validator,
    )


class AppealResultSchema(colander.MappingSchema):
    """The result and its date (required unless the case is still pending)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.add(_node("result", _one_of(APPEAL_RESULTS)))
        self.add(_node("decided_on", _check_date, required=False))


class AppealSchema(AppealResultSchema):
    """A new appeal: its kind, the reconsideration body or court, the filing date, the result."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.insert(0, _node("kind", _one_of(APPEAL_KINDS)))
        length = colander.Length(max=200, max_err=_("不能超过 ${max} 个字符"))
        self.insert(1, _node("body", colander.All(clean_text, length)))
        self.insert(2, _node("filed_on", _check_date))


def validate(schema: colander.MappingSchema, raw: dict, on: date, filed_on: date | None) -> dict:
    """Clean values (dates as dates), or colander.Invalid with a message per field (marked for
    translation: ``exc.asdict(translate=...)``)."""
    try:
        data = schema.deserialize(raw)
    except colander.Invalid as exc:
        # each field's own messages, kept marked (asdict would make them plain text)
        problems = {child.node.name: child.msg for child in exc.children}
        if raw.get("result") == "pending" and (raw.get("decided_on") or "").strip():
            problems.setdefault("decided_on", PENDING_NO_DATE)
        raise _invalid(schema, problems) from None
    filed = date.fromisoformat(data["filed_on"]) if data.get("filed_on") else filed_on
    decided = date.fromisoformat(data["decided_on"]) if data["decided_on"] else None
    problems = {}
    if "filed_on" in data and filed > on:
        problems["filed_on"] = NOT_AFTER_TODAY
    if data["result"] == "pending":
        if decided:
            problems["decided_on"] = PENDING_NO_DATE
    elif decided is None:
        problems["decided_on"] = _("已审结的必须填写决定日期")
    elif decided > on:
        problems["decided_on"] = NOT_AFTER_TODAY
    elif filed and decided < filed:
        problems["decided_on"] = _("决定日期不能早于申请或起诉日期")
    if problems:
        raise _invalid(schema, problems)
    if "filed_on" in data:
        data["filed_on"] = filed
    data["decided_on"] = decided
    return data


def _invalid(schema, problems: dict) -> colander.Invalid:
    exc = colander.Invalid(schema, _("内容有误"))
    for name, msg in problems.items():
        exc[name] = msg
    return exc


def _summary(appeal: CaseAppeal) -> str:
    """The history's reason: a stored record, in Chinese."""
    kind = chinese(appeal.kind_label)
    return f"{kind}：{appeal.body}，{appeal.filed_on.isoformat()} 申请或起诉"  # i18n: a record


# --- the service: the case page and the demo record appeals the same way -------------------------


def add_appeal(db, req, data: dict, user, actor_label: str, day: date) -> CaseAppeal:
    """Record a new appeal (``data`` as returned by :func:`validate` with ``AppealSchema``) and
    its history event."""
    appeal = CaseAppeal(
        request=req,
        kind=data["kind"],
        body=data["body"],
        filed_on=data["filed_on"],
        result=data["result"],
        decided_on=data["decided_on"],
        created_by_id=user.id,
    )
    db.add(appeal)
    db.flush()
    changes = {"appeal": appeal.id, "appeal_result": chinese(appeal.result_label)}
    if appeal.decided_on:
        changes["decided_on"] = appeal.decided_on.isoformat()
    _event(db, req, appeal, "record_appeal", changes, user, actor_label, day)
    return appeal


def decide_appeal(db, appeal: CaseAppeal, data: dict, user, actor_label: str, day: date) -> None:
    """Record an appeal's result (``data`` validated with ``AppealResultSchema``)."""
    before = (
        chinese(appeal.result_label),
        appeal.decided_on.isoformat() if appeal.decided_on else "",
    )
    appeal.result, appeal.decided_on = data["result"], data["decided_on"]
    changes = {
        "appeal": appeal.id,
        "appeal_result": [before[0], chinese(appeal.result_label)],
        "decided_on": [before[1], appeal.decided_on.isoformat() if appeal.decided_on else ""],
    }
    _event(db, appeal.request, appeal, "update_appeal", changes, user, actor_label, day)


def _event(db, req, appeal, action: str, changes: dict, user, actor_label: str, day: date):
    db.add(
        RequestEvent(
            request=req,
            on=day,
            actor_id=user.id,
            actor_label=actor_label,
            action=action,
            from_status=req.status,
            to_status=req.status,
            reason=_summary(appeal),
            changes=changes,
            public_text="",
            visible_to_applicant=False,
        )
    )
    req.updated_at = utcnow()  # a new lock_version: a page shown before this is stale
    db.flush()


@view_config(
    route_name="officer_request_appeals",
    request_method="POST",
    permission=Permission.REQUESTS_HANDLE,
)
def record_appeal(request):
    from ..letters.views import case_page_again

    req = request.context.request
    lock_version = required_lock_version(request)
    raw = {k: request.POST.get(k, "")[:300] for k in FIELDS if k in request.POST}
    appeal_id = raw.pop("appeal_id", "")
    form = appeal_id or "new"

    def refused(status: int, message, fields: dict | None = None):
        return case_page_again(
            request,
            status,
            appeal_error={"form": form, "message": message, "fields": fields or {}, "values": raw},
        )

    if lock_version != req.lock_version:
        return refused(409, STALE)
    appeal = None
    if appeal_id:
        appeal = next((a for a in req.appeals if str(a.id) == appeal_id), None)
        if appeal is None:
            return error_response(request, 404, request.translate(_("没有找到该复议、诉讼记录")))
    day = today(request)
    try:
        if appeal is None:
            data = validate(AppealSchema(), raw, day, None)
        else:
            raw = {k: v for k, v in raw.items() if k in ("result", "decided_on")}
            data = validate(AppealResultSchema(), raw, day, appeal.filed_on)
    except colander.Invalid as exc:
        return refused(
            400,
            _("行政复议、行政诉讼的登记内容有误，请核对"),
            exc.asdict(translate=request.localizer.translate),
        )
    actor = Actor.officer(request.identity, request.has_permission)
    if appeal is None:
        appeal = add_appeal(request.dbsession, req, data, request.identity, actor.label, day)
        message = _("已登记：${kind}", mapping={"kind": request.translate(appeal.kind_label)})
    else:
        decide_appeal(request.dbsession, appeal, data, request.identity, actor.label, day)
        message = _("已更新结果：${kind}", mapping={"kind": request.translate(appeal.kind_label)})
    request.session.flash(request.translate(message))
    return HTTPSeeOther(request.route_url("officer_request", request_id=req.id))
