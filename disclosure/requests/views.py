"""Applying, following a case, and the officers' request work."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

import colander
import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from .. import settings as s
from ..boundary import error_response
from ..clock import today
from ..files.interfaces import IFileStorage
from ..files.responses import file_response
from ..files.sniff import UploadRejected, check_upload
from ..letters.services import available_letters
from ..letters.templates import LETTER_TYPES
from ..locks import required_lock_version
from ..models import DisclosureRequest, RequestFile
from ..models.requests import OPEN_STATUSES, STATUS_LABELS
from ..pagination import paginate
from ..routes import organisation_context
from ..security import Permission, applicant_permits, visible_organisations
from . import services
from .access import lookup_case
from .deadlines import due_soon, overdue, public_trail
from .forms import application_form
from .identity import mask
from .intake import (
    APPLICANT_TYPES,
    CHANNELS,
    DELIVERY_CHANNELS,
    DELIVERY_FORMS,
    ID_TYPES,
    ApplicationSchema,
    receipt_date,
)
from .mail import acknowledgement, send_after_commit
from .workflow import TRANSITIONS, Actor, ConflictError, NotPermitted, WorkflowError, available

log = logging.getLogger(__name__)

PER_PAGE = 20


def rules(request) -> services.RequestRules:
    return request.registry["request_rules"]


def status_url(request) -> str:
    return request.route_url("request_status")


def acknowledge(request, submission) -> None:
    req = submission.request
    if req.email:
        send_after_commit(
            request, acknowledgement(req, submission.access_code, status_url(request))
        )


def _read_proof(request, upload) -> tuple[bytes, str, str]:
    """The proof-of-identity bytes, checked by size and content (PDF or image only)."""
    max_bytes = int(s.get(request.registry.settings, "files.max_bytes"))
    data = upload["fp"].read(max_bytes + 1)
    filename = (upload.get("filename") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    kind = check_upload(data, filename, max_bytes)
    if kind.kind not in ("pdf", "image"):
        raise UploadRejected("身份证明只接受 PDF 或图片")
    return data, filename, kind.media_type


def _store_proof(request, req, proof: tuple[bytes, str, str]) -> None:
    data, filename, media_type = proof
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    request.find_service(IFileStorage).put(key, data)
    request.dbsession.add(
        RequestFile(
            request=req,
            filename=filename,
            media_type=media_type,
            size=len(data),
            sha256=digest,
            storage_key=key,
        )
    )


def rerender(form, data: dict) -> str:
    """The form again with what was typed (an upload must be chosen again)."""
    return form.render({k: v for k, v in data.items() if k != "proof" and v is not None})


# --- the public ----------------------------------------------------------------------------


@view_config(route_name="request_new", renderer="requests/apply.jinja2", permission=Permission.VIEW)
def apply_form(request):
    form = application_form(request)
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render()}
        proof = None
        if data.get("proof"):
            try:
                proof = _read_proof(request, data["proof"])
            except UploadRejected as exc:
                request.response.status = 400
                return {"form": rerender(form, data), "error": f"身份证明：{exc}"}
        org = request.organisations.by_code[data["organisation"]]
        submission = services.submit(
            request.dbsession, rules(request), data, org, today=today(request)
        )
        if proof:
            _store_proof(request, submission.request, proof)
        acknowledge(request, submission)
        request.response.status = 201
        return render_receipt(request, submission)
    prefill = {
        k: request.GET[k][:100]
        for k in ("index_number", "document_number", "organisation")
        if request.GET.get(k)
    }
    if prefill.get("organisation") not in request.organisations.by_code:
        prefill.pop("organisation", None)
    return {"form": form.render(prefill) if prefill else form.render()}


def render_receipt(request, submission):
    from pyramid.renderers import render_to_response

    response = render_to_response(
        "requests/receipt.jinja2",
        {"req": submission.request, "access_code": submission.access_code},
        request=request,
    )
    response.status = 201
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
    if request.POST.get("withdraw") == "1" and req.is_open:
        lock_version = required_lock_version(request)
        try:
            services.act(
                request.dbsession,
                rules(request),
                req,
                "withdraw",
                Actor.applicant(
                    applicant_permits(req, request.organisations.ancestors(req.organisation))
                ),
                today(request),
                lock_version=lock_version,
            )
        except WorkflowError as exc:
            request.response.status = 409 if isinstance(exc, ConflictError) else 400
            return {
                "req": req,
                "error": str(exc),
                **case_for_applicant(request, req),
                "access_code": code,
            }
    return {"req": req, "error": None, "access_code": code, **case_for_applicant(request, req)}


def case_for_applicant(request, req) -> dict:
    return {
        "status_label": STATUS_LABELS[req.status],
        "trail": public_trail_of(req),
        "history": [e for e in req.events if e.visible_to_applicant],
        "can_withdraw": req.is_open,
    }


def public_trail_of(req) -> list[str]:
    from .deadlines import DueResult

    return public_trail(DueResult.from_dict(req.deadline)) if req.deadline else []


def request_json(req) -> dict:
    return {
        "tracking_number": req.tracking_number,
        "status": req.status,
        "status_label": STATUS_LABELS[req.status],
        "organisation": req.organisation.code,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "provisional": req.provisional,
        "outcome": req.outcome or None,
        "trail": public_trail_of(req),
        "history": [
            {
                "on": e.on.isoformat(),
                "action": e.action,
                "status": e.to_status,
                "text": e.public_text,
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
        raise BodyTooLarge("请求体过大（最多 1 MB）")
    try:
        body = json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("请求体不是有效的 JSON") from None
    if not isinstance(body, dict):
        raise ValueError("请求体应为 JSON 对象")
    return body


@view_config(
    route_name="api_requests",
    request_method="POST",
    renderer="json",
    permission=Permission.VIEW,
    require_csrf=False,
)
def api_submit(request):
    try:
        body = _json_body(request)
    except BodyTooLarge as exc:
        return error_response(request, 413, str(exc))
    except ValueError as exc:
        return error_response(request, 400, str(exc))
    cstruct = {k: v for k, v in body.items() if isinstance(v, str | bool)}
    bad_types = {
        k: "应为字符串"
        for k, v in body.items()
        if k in ApplicationSchema(request.organisations.by_code)
        and not isinstance(v, str | bool | type(None))
    }
    cstruct["consent"] = (
        "true" if body.get("consent") is True or body.get("consent") == "true" else "false"
    )
    try:
        if bad_types:
            raise colander.Invalid(None, "")
        data = ApplicationSchema(request.organisations.by_code).deserialize(cstruct)
    except colander.Invalid as exc:
        fields = {**(exc.asdict() if exc.node is not None else {}), **bad_types}
        return error_response(request, 400, "申请内容有误", fields)
    org = request.organisations.by_code[data["organisation"]]
    submission = services.submit(request.dbsession, rules(request), data, org, today=today(request))
    acknowledge(request, submission)
    req = submission.request
    request.response.status = 201
    return {
        "tracking_number": req.tracking_number,
        "access_code": submission.access_code,
        "status": req.status,
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_on.isoformat(),
        "provisional": req.provisional,
    }


@view_config(
    route_name="api_request", request_method="GET", renderer="json", permission=Permission.VIEW
)
def api_status(request):
    req, error, status = lookup_case(
        request, request.matchdict["tracking_number"], request.headers.get("X-Access-Code", "")
    )
    if req is None:
        return error_response(request, status, error)
    return request_json(req)


# --- calendar API --------------------------------------------------------------------------


def _iso_date(value: str, name: str) -> tuple[date | None, dict[str, str] | None]:
    """A bounded date (1990-01-01 to 2100-12-31), or a field error naming the parameter."""
    from ..dates import DateInputError, parse_date

    try:
        return parse_date(value), None
    except DateInputError as exc:
        return None, {name: str(exc)}


@view_config(route_name="api_due_date", renderer="json", permission=Permission.VIEW)
def api_due_date(request):
    from .deadlines import compute_due

    received, problem = _iso_date(request.GET.get("received", ""), "received")
    profile_key = request.GET.get("profile", rules(request).default_profile)
    profiles = rules(request).profiles
    problems = dict(problem or {})
    if profile_key not in profiles:
        problems["profile"] = f"应为 {'、'.join(profiles)} 之一"
    if problems:
        return error_response(request, 400, "参数有误", problems)
    result = compute_due(
        received, profiles[profile_key], rules(request).calendar(request.dbsession)
    )
    body = result.to_dict()
    return {"due_on": body["due_on"], "provisional": body["provisional"], "trail": body["trail"]}


@view_config(route_name="api_working_days", renderer="json", permission=Permission.VIEW)
def api_working_days(request):
    start, problem = _iso_date(request.GET.get("start", ""), "start")
    problems = dict(problem or {})
    try:
        days = int(request.GET.get("days", ""))
        if not 0 <= days <= 1000:
            raise ValueError
    except ValueError:
        problems["days"] = "应为 0 至 1000 的整数"
    if problems:
        return error_response(request, 400, "参数有误", problems)
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
    if status == "open":
        query = query.where(DisclosureRequest.status.in_(OPEN_STATUSES))
    elif status == "overdue":
        query = query.where(
            DisclosureRequest.status.in_(OPEN_STATUSES), DisclosureRequest.due_on < now
        )
    elif status in STATUS_LABELS:
        query = query.where(DisclosureRequest.status == status)
    found = paginate(request, query, DisclosureRequest.due_on, DisclosureRequest.id)
    rows = found.rows
    calendar = rules(request).calendar(request.dbsession)
    marks = {
        r.id: (
            "overdue"
            if overdue(r.due_on, now)
            else "due_soon"
            if due_soon(r.due_on, now, calendar)
            else ""
        )
        if r.is_open
        else ""
        for r in rows
    }
    return {
        "rows": rows,
        "marks": marks,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "status": status,
        "status_labels": STATUS_LABELS,
        "mask": mask,
        "can_manage_calendar": request.has_permission(Permission.CALENDAR_MANAGE),
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
            return {"form": rerender(form, data), "error": "只能登记本机关收到的申请"}
        if data["event_date"] > today(request):
            request.response.status = 400
            return {"form": rerender(form, data), "error": "日期不能晚于今天"}
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
    return {
        "req": req,
        "actions": available(req, actor),
        "can_handle": request.has_permission(Permission.REQUESTS_HANDLE),
        "proofs": list(req.files)
        if request.has_permission(Permission.REQUESTS_PERSONAL_DATA)
        else [],
        "letters_available": available_letters(req),
        "letter_types": LETTER_TYPES,
        "transitions": TRANSITIONS,
        "status_labels": STATUS_LABELS,
        "csrf_token": get_csrf_token(request),
        "outcomes": rules(request).outcomes,
        "labels": {
            "applicant_type": APPLICANT_TYPES,
            "id_type": ID_TYPES,
            "delivery_form": DELIVERY_FORMS,
            "delivery_channel": DELIVERY_CHANNELS,
            "channel": CHANNELS,
        },
        "today": today(request),
        "error": None,
    }


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
    except NotPermitted as exc:
        return error_response(request, 403, str(exc))
    except ConflictError as exc:
        return error_response(request, 409, str(exc))
    except WorkflowError as exc:
        return error_response(request, 400, str(exc), exc.fields)
    request.session.flash(f"已完成：{TRANSITIONS[action].label}")
    return HTTPSeeOther(request.route_url("officer_request", request_id=req.id))


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
