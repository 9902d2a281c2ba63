"""Issuing letters: fill the template from the case, number it, build the PDF once, store its
bytes and SHA-256, record it in the history and mail it to the applicant after commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..models import DisclosureRequest, Letter, LetterSerial, Organisation, RequestEvent, User
from ..models.counters import take_next
from .builders import build_from_template
from .templates import DEFAULT_VARIANT, LETTER_TYPES, LetterTemplate, letter_number

PREVIEW_NUMBER = "（预览，未编号）"


class LetterError(Exception):
    """This letter cannot be issued for the case now (a message for the officer)."""


def reconsideration_body(org: Organisation) -> str:
    """Since 2024 (Administrative Reconsideration Law, 2023) reconsideration is heard by the
    government at the same level; a government's own acts go to the one above it. Vertically
    managed bodies carry their own entry in the organisation data."""
    if org.reconsideration_body:
        return org.reconsideration_body
    if org.parent is None:
        return "上一级人民政府"
    if org.kind == "department":
        return (
            org.parent.name if org.parent.kind != "department" else reconsideration_body(org.parent)
        )
    return org.parent.name


def _last_event(req: DisclosureRequest, action: str) -> RequestEvent | None:
    return next((e for e in reversed(req.events) if e.action == action), None)


def available_letters(req: DisclosureRequest) -> list[tuple[str, str]]:
    """(kind, variant) pairs the case's history supports now."""
    out = [("acknowledgement", DEFAULT_VARIANT)]
    if _last_event(req, "request_correction"):
        out.append(("correction", DEFAULT_VARIANT))
    if _last_event(req, "start_consultation"):
        out.append(("third_party", DEFAULT_VARIANT))
    if _last_event(req, "approve_extension"):
        out.append(("extension", DEFAULT_VARIANT))
    if req.outcome and _last_event(req, "answer"):
        out.append(("reply", req.outcome))
    return out


@dataclass
class LetterContext:
    templates: dict[str, LetterTemplate]
    font: str
    outcomes: Any  # requests.outcomes.Outcomes
    calendar: Any  # calendar.workdays.WorkingCalendar
    consultation_days: int = 15


def values_for(
    req: DisclosureRequest, kind: str, ctx: LetterContext, params: dict | None = None
) -> dict:
    """Every value the templates may use, from the case (officer input in ``params`` wins)."""
    params = {k: v for k, v in (params or {}).items() if isinstance(v, str) and v.strip()}
    org = req.organisation
    values: dict[str, Any] = {
        "agency": org.name,
        "agency_short": org.short_name,
        "applicant": req.name,
        "received_on": req.received_on,
        "tracking_number": req.tracking_number,
        "description": req.description,
        "document_number": req.document_number or "无",
        "index_number": req.index_number or "无",
        "due_on": req.due_on,
        "new_due_on": req.due_on,
        "reconsideration_body": reconsideration_body(org),
        "reasons": req.outcome_reasons or "",
        "access_route": "请登录本平台凭追踪号和查询码查看、下载，或到本机关政府信息公开受理场所查阅。",
        "referral": "请向负责制作或保存该信息的行政机关申请。",
        "previous_reply": "详见此前答复",
    }
    if req.outcome_ground:
        ground = ctx.outcomes.grounds[req.outcome_ground]
        values["ground_label"], values["ground_article"] = ground.label, ground.article
    correction = _last_event(req, "request_correction")
    if correction is not None:
        values["correction_items"] = correction.reason
        deadline = correction.changes.get("correction_deadline")
        values["correction_deadline"] = (
            date.fromisoformat(deadline) if deadline else req.correction_deadline
        )
    extension = next(
        (e for e in reversed(req.clock_events or []) if e["kind"] == "extension"), None
    )
    if extension is not None:
        values["extension_days"] = str(extension["days"])
    consultation = next((e for e in reversed(req.clock_events or []) if e["kind"] == "pause"), None)
    if consultation is not None:
        values["third_party"] = consultation.get("note", "") or "第三方"
        sent = date.fromisoformat(consultation["start"])
        values["consultation_deadline"] = ctx.calendar.add_working_days(
            sent, ctx.consultation_days
        ).date
    values.update(params)
    return values


def render_pdf(
    req: DisclosureRequest,
    kind: str,
    variant: str,
    ctx: LetterContext,
    *,
    issued_on: date,
    number: str,
    status_url: str,
    params: dict | None = None,
    refers_to: str | None = None,
) -> bytes:
    if kind not in LETTER_TYPES:
        raise LetterError("未知的文书类型")
    if (kind, variant) not in available_letters(req):
        raise LetterError(f"本件目前不能出具《{LETTER_TYPES[kind]}》")
    return build_from_template(
        ctx.templates[kind],
        variant,
        values_for(req, kind, ctx, params),
        font=ctx.font,
        issued_on=issued_on,
        number=number,
        status_url=status_url,
        refers_to=refers_to,
    )


def issue(
    db: Session,
    req: DisclosureRequest,
    kind: str,
    variant: str,
    ctx: LetterContext,
    *,
    user: User | None,
    today: date,
    status_url: str,
    store,
    params: dict | None = None,
    refers_to: Letter | None = None,
) -> Letter:
    """Number, build, store and record one letter. The bytes are never rebuilt afterwards."""
    if refers_to is not None and refers_to.request_id != req.id:
        raise LetterError("只能更正本件的文书")
    if kind not in ctx.templates or (kind, variant) not in available_letters(req):
        raise LetterError(f"本件目前不能出具《{LETTER_TYPES.get(kind, kind)}》")
    template = ctx.templates[kind]
    series = template.number_prefix
    serial = take_next(db, LetterSerial, req.organisation_id, today.year, series=series)
    number = letter_number(req.organisation.short_name, template.number_prefix, today.year, serial)
    note = f"本文书更正我机关{refers_to.number}文书，原文书作废。" if refers_to else None
    pdf = render_pdf(
        req,
        kind,
        variant,
        ctx,
        issued_on=today,
        number=number,
        status_url=status_url,
        params=params,
        refers_to=note,
    )
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"{digest[:2]}/{digest}"
    store.put(key, pdf)
    title = (
        f"{req.organisation.name}{LETTER_TYPES[kind]}"
        if kind != "reply"
        else f"{req.organisation.name}政府信息公开申请答复书"
    )
    letter = Letter(
        request=req,
        organisation_id=req.organisation_id,
        kind=kind,
        variant=variant,
        number=number,
        series=series,
        year=today.year,
        serial=serial,
        title=title,
        issued_on=today,
        issued_by_id=user.id if user else None,
        refers_to_id=refers_to.id if refers_to else None,
        storage_key=key,
        sha256=digest,
        size=len(pdf),
    )
    db.add(letter)
    db.add(
        RequestEvent(
            request=req,
            on=today,
            actor_id=user.id if user else None,
            actor_label=f"{user.display_name}（{user.organisation.short_name}）"
            if user
            else "系统",
            action="issue_letter",
            from_status=req.status,
            to_status=req.status,
            reason=note or "",
            changes={"letter": number, "kind": kind, "variant": variant, "sha256": digest},
            public_text=f"出具《{LETTER_TYPES[kind]}》（{number}），可在本页下载。",
        )
    )
    db.flush()
    return letter
