"""Applying, following a case, and the officers' request work."""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import colander
import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from .. import settings as s
from ..boundary import error_response, field_messages
from ..clock import now, today
from ..files.interfaces import FileStoreUnavailable, IFileStorage
from ..files.responses import file_response
from ..files.services import store_content
from ..files.sniff import UploadRejected, check_upload
from ..files.views import APPLICATION_NOT_FILED
from ..i18n import _
from ..letters.services import available_letters, letter_inputs
from ..letters.templates import LETTER_TYPES
from ..locks import required_lock_version
from ..mail.backends import mask_address
from ..models import DisclosureRequest, RequestFile
from ..models.appeals import APPEAL_KINDS, APPEAL_RESULTS
from ..models.mail import MailKind
from ..models.requests import OPEN_STATUSES, STATUS_LABELS, RequestStatus
from ..pagination import paginate
from ..routes import organisation_context
from ..security import Permission, applicant_permits, visible_organisations
from . import idempotency, services
from .access import case_from_api, lookup_case
from .deadlines import PENDING_CORRECTION, overdue, public_trail
from .forms import application_form
from .identity import mask
from .intake import (
    APPLICANT_CATEGORIES,
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_CHANNELS,
    DELIVERY_FORMS,
    ID_TYPES,
    INVALID,
    ApplicationSchema,
    Submission,
    receipt_date,
)
from .mail import acknowledgement, queue_mail
from .queues import QUEUES
from .reminders import reminder_kind
from .workflow import (
    ABANDON_SUGGESTION,
    CONSULTATION_KINDS,
    TRANSITIONS,
    Actor,
    ConflictError,
    NotPermitted,
    WorkflowError,
    available,
    consultation_label,
    consultations,
    correction_window,
    open_consultations,
)

log = logging.getLogger(__name__)

PER_PAGE = 20
BAD_PARAMETERS = _("参数有误")


def rules(request) -> services.RequestRules:
    return request.registry["request_rules"]


def status_url(request) -> str:
    return request.route_url("request_status")


def acknowledge(request, submission) -> None:
    """Queue the acknowledgement with the application: it is sent once both have committed."""
    req = submission.request
    if req.email:
        queue_mail(
            request,
            acknowledgement(
                req,
                submission.access_code,
                status_url(request),
                rules(request).law.profile(req.profile),
            ),
            MailKind.ACKNOWLEDGEMENT,
            disclosure_request=req,
        )


def _read_proof(request, upload) -> tuple[bytes, str, str]:
    """The proof-of-identity bytes, checked by size and content (PDF or image only)."""
    max_bytes = int(s.get(request.registry.settings, "files.max_bytes"))
    data = upload["fp"].read(max_bytes + 1)
    filename = (upload.get("filename") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    kind = check_upload(data, filename, max_bytes)
    if kind.kind not in ("pdf", "image"):
        raise UploadRejected(_("身份证明只接受 PDF 或图片"))
    return data, filename, kind.media_type


def _put_proof(request, proof: tuple[bytes, str, str]) -> dict:
    """Store the proof's bytes before any row of the application is written (a process killed
    after this leaves at most an unreferenced file, removed by ``disclosure files-gc``).
    Raises FileStoreUnavailable when the store is full or read-only."""
    data, filename, media_type = proof
    digest, key = store_content(request.find_service(IFileStorage), data)
    return {
        "filename": filename,
        "media_type": media_type,
        "size": len(data),
        "sha256": digest,
        "storage_key": key,
    }


def _store_proof(request, req, stored: dict) -> None:
    request.dbsession.add(RequestFile(request=req, **stored))


def rerender(form, data: dict) -> str:
    """The form again with what was typed (an upload must be chosen again)."""
    return form.render({k: v for k, v in data.items() if k != "proof" and v is not None})


# --- the public ----------------------------------------------------------------------------


@view_config(route_name="request_new", renderer="requests/apply.jinja2", permission=Permission.VIEW)
def apply_form(request):
    """Post/redirect/get: the first POST of a form's one-time token files the application and
    redirects to its receipt; the same token posted again (a double click, a resent form)
    files nothing and redirects to the same receipt."""
    form = application_form(request)
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render()}
        token = data.get("submission_token") or ""
        if not idempotency.valid_form_token(_secret(request), token):
            request.response.status = 400
            return {
                "form": rerender(form, _with_new_token(request, data)),
                "error": request.translate(_("表单已失效，请核对后重新提交")),
            }
        proof = None
        if data.get("proof"):
            try:
                proof = _read_proof(request, data["proof"])
            except UploadRejected as exc:
                request.response.status = 400
                return {"form": rerender(form, data), "error": proof_problem(request, exc)}
            try:
                proof = _put_proof(request, proof)
            except FileStoreUnavailable as exc:  # nothing of the application is written yet
                request.response.status = exc.status
                return {
                    "form": rerender(form, data),
                    "error": request.translate(APPLICATION_NOT_FILED),
                }
        content = {k: v for k, v in data.items() if k not in FORM_NOT_CONTENT}
        try:
            earlier = idempotency.claim(
                request.dbsession,
                idempotency.FORM,
                token,
                idempotency.fingerprint(content),
                now(request),
            )
        except idempotency.KeyReused:
            request.response.status = 409
            return {
                "form": rerender(form, _with_new_token(request, data)),
                "error": request.translate(
                    _(
                        "这份申请表已经提交过，修改后的内容没有登记。"
                        "如确需另行提交一份申请，请核对后再次点击“提交申请”。"
                    )
                ),
            }
        if earlier is not None:
            return _to_receipt(request, earlier.request, earlier.access_code)
        org = request.organisations.by_code[data["organisation"]]
        submission = services.submit(
            request.dbsession, rules(request), data, org, today=today(request)
        )
        if proof:
            _store_proof(request, submission.request, proof)
        acknowledge(request, submission)
        idempotency.record(request.dbsession, idempotency.FORM, token, submission)
        return _to_receipt(request, submission.request, submission.access_code)
    prefill = {
        k: request.GET[k][:100]
        for k in ("index_number", "document_number", "organisation")
        if request.GET.get(k)
    }
    if prefill.get("organisation") not in request.organisations.by_code:
        prefill.pop("organisation", None)
    return {"form": form.render(prefill) if prefill else form.render()}


def proof_problem(request, exc: UploadRejected) -> str:
    """Why the proof of identity was refused, in the reader's language."""
    problem = request.translate(exc.args[0]) if exc.args else ""
    return request.translate(_("身份证明：${problem}", mapping={"problem": problem}))


def error_text(request, exc: Exception) -> str:
    """An exception's message (a marked message or plain text) in the reader's language."""
    return request.translate(exc.args[0]) if exc.args else ""


# Form fields that are not the application's content (the fingerprint of a resubmission).
FORM_NOT_CONTENT = ("csrf_token", "submission_token", "proof")
RECEIPTS = "receipts"  # session: tracking number → access code, for the browser that applied
MAX_RECEIPTS = 5


def _secret(request) -> str:
    return s.get(request.registry.settings, "session_secret")


def _with_new_token(request, data: dict) -> dict:
    return {**data, "submission_token": idempotency.new_form_token(_secret(request))}


def _to_receipt(request, req, access_code: str):
    """Keep the access code in this browser's session (never in a URL) and redirect (303)."""
    receipts = dict(request.session.get(RECEIPTS) or {})
    receipts.pop(req.tracking_number, None)
    receipts[req.tracking_number] = access_code
    request.session[RECEIPTS] = dict(list(receipts.items())[-MAX_RECEIPTS:])
    return HTTPSeeOther(request.route_url("request_receipt", _query={"n": req.tracking_number}))


@view_config(route_name="request_receipt", request_method="GET", permission=Permission.VIEW)
def receipt_page(request):
    """The receipt, as often as it is reloaded, for the browser that applied (its session holds
    the access code). Any other browser is sent on: to the status page, or to the form."""
    tracking = request.GET.get("n", "")[:40]
    code = (request.session.get(RECEIPTS) or {}).get(tracking) if tracking else None
    req = services.find(request.dbsession, tracking) if code else None
    if req is None:
        if tracking:
            return HTTPSeeOther(
                request.route_url("request_status", _query={"tracking_number": tracking})
            )
        return HTTPSeeOther(request.route_url("request_new"))
    return render_receipt(request, Submission(req, code), status=200)


def render_receipt(request, submission, status: int = 201):
    from pyramid.renderers import render_to_response

    req = submission.request
    response = render_to_response(
        "requests/receipt.jinja2",
        {
            "req": req,
            "access_code": submission.access_code,
            "email": mask_address(req.email) if req.email else "",
        },
        request=request,
    )
    response.status = status
    response.cache_control = "no-store"  # the page carries the access code
    return response


@view_config(
    route_name="request_status", renderer="requests/status.jinja2", permission=Permission.VIEW
)
def status_page(request):
    if request.method != "POST":
        return {
            "req": None,
            "error": None,
            "tracking_number": request.GET.get("tracking_number", "")[:40],
        }
    tracking = request.POST.get("tracking_number", "")[:40]
    code = request.POST.get("access_code", "")[:40]
    req, error, status = lookup_case(request, tracking, code)
    if req is None:
        request.response.status = status
        return {"req": None, "error": error, "tracking_number": tracking}
    # the applicant's own actions: withdraw, or send the correction asked for
    action, params = None, {}
    if request.POST.get("withdraw") == "1" and req.is_open:
        action = "withdraw"
    elif request.POST.get("correct") == "1":
        action = "submit_correction"
        params = {"corrected_text": request.POST.get("corrected_text", "")[:CORRECTION_MAX]}
    if action is not None:
        lock_version = required_lock_version(request)
        try:
            services.act(
                request.dbsession,
                rules(request),
                req,
                action,
                Actor.applicant(
                    applicant_permits(req, request.organisations.ancestors(req.organisation))
                ),
                today(request),
                params,
                lock_version=lock_version,
            )
        except WorkflowError as exc:
            request.response.status = (
                409
                if isinstance(exc, ConflictError)
                else 403
                if isinstance(exc, NotPermitted)
                else 400
            )
            return {
                **case_for_applicant(request, req),
                "req": req,
                "error": error_text(request, exc),
                "error_action": action,
                "values": params,
                "access_code": code,
            }
    return {"req": req, "error": None, "access_code": code, **case_for_applicant(request, req)}


CORRECTION_MAX = 5000  # characters of a corrected request sent online


def case_for_applicant(request, req) -> dict:
    asked = correction_asked(req)
    return {
        "status_label": request.translate(STATUS_LABELS[req.status]),
        "trail": public_trail_of(req),
        "history": [e for e in req.events if e.visible_to_applicant],
        "can_withdraw": req.is_open,
        "due_note": due_note(req),
        # what was asked and by when, with the online form, while a correction is awaited
        "correction": asked if req.status == RequestStatus.CORRECTION else None,
        "correction_max": CORRECTION_MAX,
        "error_action": None,
        "values": {},
    }


def correction_asked(req) -> dict | None:
    """The correction notice of the case: what to correct and by when (None: none asked)."""
    event = next((e for e in reversed(req.events) if e.action == "request_correction"), None)
    if event is None:
        return None
    deadline = (event.changes or {}).get("correction_deadline")
    return {
        "items": event.reason,
        "on": event.on,
        "deadline": date.fromisoformat(deadline) if deadline else req.correction_deadline,
    }


def due_note(req) -> str | None:
    """While a correction is awaited the answer period is not running: it starts afresh from
    the corrected request, so no date is shown, only this note (None: show ``due_on``)."""
    return PENDING_CORRECTION if req.status == RequestStatus.CORRECTION else None


def public_trail_of(req) -> list[str]:
    from .deadlines import DueResult

    if not req.deadline:
        return []
    result = DueResult.from_dict(req.deadline)
    return public_trail(result, pending_correction=req.status == RequestStatus.CORRECTION)


def request_json(request, req) -> dict:
    """The case as the status API gives it, its words in the reader's language (the codes and
    dates as stored)."""
    note = due_note(req)
    return {
        "tracking_number": req.tracking_number,
        "request_kind": req.request_kind,
        "status": req.status,
        "status_label": request.translate(STATUS_LABELS[req.status]),
        "organisation": req.organisation.code,
        "received_on": req.received_on.isoformat(),
        "due_on": None if note else req.due_on.isoformat(),
        "due_note": None if note is None else request.translate(note),
        "correction_deadline": req.correction_deadline.isoformat()
        if note and req.correction_deadline
        else None,
        "provisional": req.provisional,
        "outcome": req.outcome or None,
        "trail": [line.render(request) for line in public_trail_of(req)],
        "history": [
            {
                "on": e.on.isoformat(),
                "action": e.action,
                "status": e.to_status,
                "text": e.text_for(request),
            }
            for e in req.events
            if e.visible_to_applicant
        ],
    }


MAX_JSON_BYTES = 1024 * 1024


class BodyTooLarge(ValueError):
    pass


def _json_body(request) -> dict:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise BodyTooLarge(_("请求体过大（最多 1 MB）"))
    try:
        body = json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError(_("请求体不是有效的 JSON")) from None
    if not isinstance(body, dict):
        raise ValueError(_("请求体应为 JSON 对象"))
    return body


@view_config(
    route_name="api_requests",
    request_method="POST",
    renderer="json",
    permission=Permission.VIEW,
    require_csrf=False,
)
def api_submit(request):
    """File an application. With an ``Idempotency-Key`` header, the same key (within 24 hours,
    with the same content) returns the same 201 body and files nothing more."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not idempotency.API_KEY.match(key.strip()):
        return error_response(
            request,
            400,
            request.translate(
                _("Idempotency-Key 应为 16 至 128 个字母、数字或 . _ : - 字符（建议使用 UUID）")
            ),
        )
    key = key.strip() if key else None
    try:
        body = _json_body(request)
    except BodyTooLarge as exc:
        return error_response(request, 413, error_text(request, exc))
    except ValueError as exc:
        return error_response(request, 400, error_text(request, exc))
    application = ApplicationSchema(request.organisations.by_code)
    cstruct = {k: v for k, v in body.items() if isinstance(v, str | bool)}
    # a text field takes a string or null (a boolean was read as empty, or refused in English)
    bad_types = {
        k: request.translate(_("应为字符串"))
        for k, v in body.items()
        if k in application and k != "consent" and not isinstance(v, str | type(None))
    }
    cstruct["consent"] = (
        "true" if body.get("consent") is True or body.get("consent") == "true" else "false"
    )
    try:
        if bad_types:
            raise colander.Invalid(None, "")
        data = application.deserialize(cstruct)
    except colander.Invalid as exc:
        fields = {**(field_messages(exc, request) if exc.node is not None else {}), **bad_types}
        return error_response(request, 400, request.translate(INVALID), fields)
    if key:
        try:
            earlier = idempotency.claim(
                request.dbsession,
                idempotency.API,
                key,
                idempotency.fingerprint(data),
                now(request),
            )
        except idempotency.KeyReused:
            return error_response(
                request,
                422,
                request.translate(_("该 Idempotency-Key 已用于内容不同的另一份申请")),
            )
        if earlier is not None:
            request.response.status = 201
            request.response.headers["Idempotent-Replayed"] = "true"
            return {**earlier.response, "access_code": earlier.access_code}
    org = request.organisations.by_code[data["organisation"]]
    submission = services.submit(request.dbsession, rules(request), data, org, today=today(request))
    acknowledge(request, submission)
    req = submission.request
    body = {
        "tracking_number": req.tracking_number,
        "status": req.status,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "provisional": req.provisional,
    }
    if key:
        idempotency.record(request.dbsession, idempotency.API, key, submission, body)
    request.response.status = 201
    return {**body, "access_code": submission.access_code}


@view_config(
    route_name="api_request", request_method="GET", renderer="json", permission=Permission.VIEW
)
def api_status(request):
    req, problem = case_from_api(request)
    if req is None:
        return problem
    return request_json(request, req)


# --- calendar API --------------------------------------------------------------------------


def _iso_date(request, value: str, name: str) -> tuple[date | None, dict[str, str] | None]:
    """A bounded date (1990-01-01 to 2100-12-31), or a field error naming the parameter."""
    from ..dates import DateInputError, parse_date

    try:
        return parse_date(value), None
    except DateInputError as exc:
        return None, {name: error_text(request, exc)}


@view_config(
    route_name="api_due_date", request_method="GET", renderer="json", permission=Permission.VIEW
)
def api_due_date(request):
    from .deadlines import compute_due

    received, problem = _iso_date(request, request.GET.get("received", ""), "received")
    profile_key = request.GET.get("profile")  # default: the rules in force on that day
    profiles = rules(request).profiles
    problems = dict(problem or {})
    if profile_key and profile_key not in profiles:
        problems["profile"] = request.translate(
            _("应为 ${choices} 之一", mapping={"choices": "、".join(profiles)})  # i18n: codes
        )
    if problems:
        return error_response(request, 400, request.translate(BAD_PARAMETERS), problems)
    profile = profiles[profile_key] if profile_key else rules(request).profile_for(received)
    result = compute_due(received, profile, rules(request).calendar(request.dbsession))
    body = result.to_dict()
    trail = [api_trail_step(request, step) for step in body["trail"]]
    return {"due_on": body["due_on"], "provisional": body["provisional"], "trail": trail}


def api_trail_step(request, step: dict) -> dict:
    """A trail step as the API gives it (the TrailStep schema): its sentences in the reader's
    language, without the stored message codes."""
    from .history import step_text

    public = step.get("public_text")
    return {
        "kind": step["kind"],
        "date": step["date"],
        "end": step["end"],
        "text": step_text(step, request),
        "article": step["article"],
        "public_text": None if public is None else step_text(step, request, public=True),
    }


@view_config(
    route_name="api_working_days",
    request_method="GET",
    renderer="json",
    permission=Permission.VIEW,
)
def api_working_days(request):
    start, problem = _iso_date(request, request.GET.get("start", ""), "start")
    problems = dict(problem or {})
    try:
        days = int(request.GET.get("days", ""))
        if not 0 <= days <= 1000:
            raise ValueError
    except ValueError:
        problems["days"] = request.translate(_("应为 0 至 1000 的整数"))
    if problems:
        return error_response(request, 400, request.translate(BAD_PARAMETERS), problems)
    result = rules(request).calendar(request.dbsession).add_working_days(start, days)
    return {"date": result.date.isoformat(), "provisional": result.provisional}


# --- officers ------------------------------------------------------------------------------


def _visible_requests(request):
    """The cases of every organisation whose cases the officer may read."""
    ids = [o.id for o in visible_organisations(request, Permission.REQUESTS_VIEW)]
    return select(DisclosureRequest).where(DisclosureRequest.organisation_id.in_(ids))


@view_config(
    route_name="officer_requests",
    renderer="requests/dashboard.jinja2",
    permission=Permission.OFFICER_AREA,
)
def dashboard(request):
    query = _visible_requests(request)
    status = request.GET.get("status", "open")
    now = today(request)
    calendar = rules(request).calendar(request.dbsession)
    if status == "open":
        query = query.where(DisclosureRequest.status.in_(OPEN_STATUSES))
    elif status in QUEUES:  # due soon, overdue, extension pending, correction (queues.py)
        query = query.where(QUEUES[status].clause(now, calendar))
    elif status in STATUS_LABELS:
        query = query.where(DisclosureRequest.status == status)
    found = paginate(request, query, DisclosureRequest.due_on, DisclosureRequest.id)
    rows = found.rows
    marks = {r.id: (reminder_kind(r, now, calendar) or "") if r.is_open else "" for r in rows}
    return {
        "rows": rows,
        "marks": marks,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "status": status,
        "status_labels": STATUS_LABELS,
        "queues": QUEUES,
        "mask": mask,
        "due_note": due_note,
        "can_manage_calendar": request.has_permission(Permission.CALENDAR_MANAGE),
        **fee_section(request, now),
    }


def fee_section(request, now: date) -> dict:
    """Fees charged and collected per organisation in a calendar year (annual report, section
    六), for the organisations whose reports the officer may see; ``?fee_year=`` picks the year
    (default: this one)."""
    from .fees import FeeTotals, fee_totals

    orgs = visible_organisations(request, Permission.REPORTS_VIEW)
    try:
        year = int(request.GET.get("fee_year", now.year))
    except ValueError:
        year = now.year
    if not 2008 <= year <= now.year:
        year = now.year
    rows = fee_totals(request.dbsession, [o.id for o in orgs], year) if orgs else []
    return {
        "fee_year": year,
        "fee_rows": [(request.organisations.by_id[r.organisation_id], r) for r in rows],
        "fee_total": sum(rows, FeeTotals(0)) if rows else None,
        "fee_visible": bool(orgs),
    }


def _art35_and_fee_facts(req, ctx) -> dict:
    """The case page's Art. 35 and fee facts: reasons asked and recorded, the fee notice and
    its payment period, the answers this case may get, and suggested reasons."""
    from .fees import default_schedule
    from .workflow import UNPAID_SUGGESTION, answers_for, excessive_facts, fee_payment_due

    schedule = default_schedule()
    return {
        "excessive": excessive_facts(req),
        "fee_payment_due": fee_payment_due(req, ctx),
        "fee_methods": {key: schedule.method(key) for key in ("count", "volume")},
        "answers": answers_for(req, ctx),
        "unpaid_suggestion": UNPAID_SUGGESTION,
    }


@view_config(
    route_name="officer_request_new",
    renderer="requests/officer_new.jinja2",
    permission=Permission.OFFICER_AREA,
)
def officer_entry(request):
    me = request.identity
    form = application_form(request, officer_entry=True)
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render()}
        org = request.organisations.by_code[data["organisation"]]
        if not request.has_permission(
            Permission.REQUESTS_ENTER, organisation_context(request, org)
        ):
            request.response.status = 400
            return {
                "form": rerender(form, data),
                "error": request.translate(_("只能登记本机关收到的申请")),
            }
        if data["event_date"] > today(request):
            request.response.status = 400
            return {
                "form": rerender(form, data),
                "error": request.translate(_("日期不能晚于今天")),
            }
        received, rule = receipt_date(data["channel"], data["event_date"])
        submission = services.submit(
            request.dbsession,
            rules(request),
            data,
            org,
            today=today(request),
            channel=data["channel"],
            received_on=received,
            entered_by=me,
            receipt_note=rule,
        )
        acknowledge(request, submission)
        request.response.status = 201
        return render_receipt(request, submission)
    return {
        "form": form.render(
            {
                "organisation": me.organisation.code,
                "channel": "in_person",
                "event_date": today(request),
            }
        )
    }


@view_config(
    route_name="officer_request",
    renderer="requests/case.jinja2",
    permission=Permission.REQUESTS_VIEW,
)
def case_page(request):
    req = request.context.request
    actor = Actor.officer(request.identity, request.has_permission)
    day = today(request)
    ctx = rules(request).context(request.dbsession, day)
    return {
        "req": req,
        "actions": available(req, actor, ctx),
        **_case_facts(request, req, ctx),
        **_art35_and_fee_facts(req, ctx),
        "can_handle": request.has_permission(Permission.REQUESTS_HANDLE),
        "proofs": list(req.files)
        if request.has_permission(Permission.REQUESTS_PERSONAL_DATA)
        else [],
        "letters_available": available_letters(req),
        "letter_inputs": {
            (kind, variant): letter_inputs(request.registry["letter_templates"][kind], variant)
            for kind, variant in available_letters(req)
        },
        "letter_types": LETTER_TYPES,
        "appeal_kinds": APPEAL_KINDS,
        "appeal_results": APPEAL_RESULTS,
        "transitions": TRANSITIONS,
        "status_labels": STATUS_LABELS,
        "csrf_token": get_csrf_token(request),
        "outcomes": rules(request).outcomes,
        "profile": rules(request).law.profile(req.profile),  # the case's rules: articles, days
        "labels": {
            "applicant_type": APPLICANT_TYPES,
            "applicant_category": APPLICANT_CATEGORIES,
            "id_type": ID_TYPES,
            "delivery_form": DELIVERY_FORMS,
            "delivery_channel": DELIVERY_CHANNELS,
            "channel": CHANNELS,
        },
        "today": day,
        "error": None,
        "values": {},
    }


def _case_facts(request, req, ctx) -> dict:
    """What the case page shows besides the case row: the answer deadline (or why there is
    none), consultations, the correction asked and sent, and the history in plain words."""
    note = due_note(req)
    trail = (req.deadline or {}).get("trail", [])
    return {
        "due_note": note,
        "overdue": req.is_open and not note and overdue(req.due_on, ctx.today),
        "extension_late": bool((req.deadline or {}).get("extension_late")),
        "correction_window": correction_window(req, ctx),
        "correction": correction_asked(req),
        "corrected_text": next(
            (
                e.changes["corrected_text"]
                for e in reversed(req.events)
                if (e.changes or {}).get("corrected_text")
            ),
            "",
        ),
        "consultations": [dict(c, label=consultation_label(c)) for c in consultations(req)],
        "open_consultations": [
            dict(c, label=consultation_label(c)) for c in open_consultations(req)
        ],
        "awaiting_receipt": [
            dict(c, label=consultation_label(c))
            for c in consultations(req)
            if not c.get("received")
        ],
        "consultation_kinds": {k: who for k, (_, who) in CONSULTATION_KINDS.items()},
        "abandon_suggestion": ABANDON_SUGGESTION,
        "trail_steps": [s for s in trail if not (note and s["kind"] == "due")],
        "history": history_rows(request, req),
    }


# The words for what an event changed (RequestEvent.changes), by key.
CHANGE_LABELS = {
    "received_on": _("收到申请"),
    "due_on": _("答复期限"),
    "provisional": _("暂定期限"),
    "correction_deadline": _("补正期限"),
    "corrected_on": _("收到补正"),
    "corrected_text": _("补正内容"),
    "organisation": _("受理机关"),
    "extension_days": _("延长"),
    "outcome": _("答复结果"),
    "report_row": _("年报栏目"),
    "consultation": _("征求意见"),
    "party_received_on": _("对方收到征求意见书"),
    "answered_on": _("收到意见"),
    "overdue": _("逾期"),
    "letter": _("文号"),
    "kind": _("文书"),
    "sha256": "SHA-256",
    # Art. 35
    "reasons_deadline": _("说明理由期限"),
    "reasons_received": _("收到申请人说明的理由"),
    "reasons_received_on": _("收到理由"),
    "applicant_reasons": _("申请人说明的理由"),
    "statutory_due_on": _("原答复期限"),
    "later_due_on": _("延迟答复期限"),
    # Art. 42
    "fee_method": _("计收方式"),
    "fee_quantity": _("数量"),
    "fee_amount": _("收费金额（元）"),
    "fee_lines": _("计算明细"),
    "notice_received_on": _("申请人收到收费通知"),
    "payment_due_on": _("缴费期限"),
    "paid_on": _("缴费日期"),
    "paid_amount": _("缴费金额（元）"),
    # reconsideration and lawsuits (appeals.py)
    "appeal_result": _("结果"),
    "decided_on": _("决定日期"),
    # publishing the released information proactively (publication.py)
    "index_number": _("索引号"),
    "documents": _("公开的文件数"),
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
YES, NO, COMMA = _("是"), _("否"), _("，")
EVENT_LABELS = {
    "submit": _("收到申请"),
    "recalculate": _("重新计算期限"),
    "purge_personal_data": _("清除个人信息"),
    "issue_letter": _("出具文书"),
    "record_appeal": _("登记行政复议、行政诉讼"),
    "update_appeal": _("更新行政复议、行政诉讼结果"),
    "publish_proactively": _("公开为主动公开信息"),  # publication.py
}


def history_rows(request, req) -> list[dict]:
    """The history as the case page shows it, in the reader's language: each change in plain
    words ("答复期限：2026-12-24 → 2027-01-14"), and within one row no date or citation said
    twice (a change that repeats the row's date or a date already in its reason is left out)."""
    names = {o.code: o.name for o in request.organisations.orgs}
    outcomes = rules(request).outcomes
    rows = []
    for e in req.events:
        said = {e.on.isoformat(), *_dates_in(e.reason or "")}
        lines = []
        changes = dict(e.changes or {})
        for key, value in changes.items():
            line = _change_line(request, e, key, value, changes, names, outcomes, said)
            if line:
                lines.append(line)
        label = (
            TRANSITIONS[e.action].label
            if e.action in TRANSITIONS
            else EVENT_LABELS.get(e.action, e.action)
        )
        rows.append({"event": e, "label": request.translate(label), "changes": lines})
    return rows


def _dates_in(text: str) -> set[str]:
    return set(ISO_DATE.findall(text))


def _change_line(request, e, key, value, changes, names, outcomes, said: set[str]) -> str:
    """One change of one history row in words (in the reader's language), or "" when it says
    nothing new."""
    if key in ("party", "kind") and e.action != "issue_letter":
        return ""  # said with the consultation
    if key in ("variant", "appeal") or (key == "sha256" and not value):
        return ""
    label = CHANGE_LABELS.get(key)

    def word(v) -> str:
        if isinstance(v, bool):
            return request.translate(YES if v else NO)
        if v is None or v == "":
            return "——"
        if key == "organisation":
            return names.get(v, v)
        if key == "outcome":
            found = outcomes.find(v)
            return request.translate(found.label) if found else v
        return request.translate(v) if isinstance(v, str) else str(v)

    if isinstance(value, list) and len(value) == 2:
        if not label:
            return ""
        return request.translate(
            _(
                "${label}：${before} → ${after}",
                mapping={
                    "label": request.translate(label),
                    "before": word(value[0]),
                    "after": word(value[1]),
                },
            )
        )
    if key == "consultation":
        who = CONSULTATION_KINDS.get(changes.get("kind", ""), ("", ""))[1]
        party = changes.get("party", "")
        asked = (
            request.translate(_("征求${who}意见", mapping={"who": request.translate(who)}))
            if who
            else ""
        )
        detail = request.translate(COMMA).join(x for x in (asked, party) if x)
        line = request.translate(_("征求意见：第${n}项", mapping={"n": value}))
        if detail:
            line += request.translate(_("（${detail}）", mapping={"detail": detail}))
        return line
    if key == "overdue":
        return request.translate(_("已逾期"))
    if key == "kind" and e.action == "issue_letter":
        # the letter's name stays as the letter has it (a legal act, in Chinese)
        return request.translate(
            _("文书：${kind}", mapping={"kind": LETTER_TYPES.get(value, value)})
        )
    if key == "sha256":
        return request.translate(_("SHA-256：${digest}", mapping={"digest": str(value)[:16]})) + "…"
    if key == "extension_days":
        return request.translate(_("延长：${days} 个工作日", mapping={"days": value}))
    if key == "corrected_text":
        text = str(value)
        shown = text[:200] + ("…" if len(text) > 200 else "")
        return request.translate(_("补正内容：${text}", mapping={"text": shown}))
    if isinstance(value, str) and value in said:
        return ""  # the row's date, or a date its reason gives already
    if label is None:
        return word(value)
    return request.translate(
        _("${label}：${value}", mapping={"label": request.translate(label), "value": word(value)})
    )


@view_config(
    route_name="officer_request_action",
    request_method="POST",
    permission=Permission.REQUESTS_HANDLE,
)
def case_action(request):
    req = request.context.request
    action = request.matchdict["action"]
    lock_version = required_lock_version(request)
    params = {
        k: v[:5000] for k, v in request.POST.items() if isinstance(v, str) and k != "lock_version"
    }
    try:
        services.act(
            request.dbsession,
            rules(request),
            req,
            action,
            Actor.officer(request.identity, request.has_permission),
            today(request),
            params,
            lock_version,
        )
    except WorkflowError as exc:
        status = (
            403 if isinstance(exc, NotPermitted) else 409 if isinstance(exc, ConflictError) else 400
        )
        return _case_with_error(request, action, exc, params, status)
    request.session.flash(
        request.translate(
            _("已完成：${action}", mapping={"action": request.translate(TRANSITIONS[action].label)})
        )
    )
    return HTTPSeeOther(request.route_url("officer_request", request_id=req.id))


def _case_with_error(request, action: str, exc: WorkflowError, params: dict, status: int):
    """The case page again, as stored (the refused action changed nothing), with the error
    beside the action's form and what the officer typed kept in it."""
    from pyramid.renderers import render_to_response

    context = case_page(request)
    context["error"] = {
        "action": action,
        "message": error_text(request, exc),
        "fields": {name: request.translate(msg) for name, msg in exc.fields.items()},
    }
    context["values"] = {k: v for k, v in params.items() if k != "csrf_token"}
    response = render_to_response("requests/case.jinja2", context, request=request)
    response.status = status
    return response


@view_config(route_name="officer_request_file", permission=Permission.REQUESTS_PERSONAL_DATA)
def proof_download(request):
    """The applicant's proof of identity: only for the officers of the case's organisation,
    always as a download, never cached."""
    found = request.context.file
    data = request.find_service(IFileStorage).get(found.storage_key)
    response = file_response(data, found.media_type, found.filename, private=True)
    response.cache_control = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
