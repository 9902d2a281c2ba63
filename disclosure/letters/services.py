"""Issuing letters: fill the template from the case, number it, build the PDF once, store its
bytes and SHA-256, record it in the history and mail it to the applicant after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..files.services import store_content
from ..i18n import _, chinese
from ..law import Law
from ..models import DisclosureRequest, Letter, LetterSerial, Organisation, RequestEvent, User
from ..models.counters import take_next
from ..models.requests import REQUEST_KINDS
from ..requests.history import message, render_chinese
from .builders import build_from_template
from .templates import (
    CONSULTATION_LETTERS,
    DEFAULT_VARIANT,
    LETTER_TYPES,
    LetterInput,
    LetterRenderError,
    LetterTemplate,
    format_date,
    letter_number,
    render_text,
)

PREVIEW_NUMBER = "（预览，未编号）"  # i18n: printed in a preview letter, in Chinese
# i18n: punctuation ending a Chinese sentence, trimmed before it goes into a letter
_TRAILING = " 。．.，,；;：:！!"


UNKNOWN_KIND = _("未知的文书类型")
OTHER_CASE = _("只能更正本件的文书")


def _cannot_issue(name: str):
    """Why the case cannot have this letter now (``name``: the letter type's, in Chinese)."""
    return _("本件目前不能出具《${letter}》", mapping={"letter": name})


class LetterError(Exception):
    """This letter cannot be issued for the case now (a message for the officer); ``fields``:
    the officer inputs that are missing or wrong, by name, for the form.

    ``message`` (also ``args[0]``) and the values of ``fields`` may be marked messages: show
    them through ``request.translate``; ``str()`` gives the message in Chinese."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return chinese(self.message)


def reconsideration_body(org: Organisation) -> str:
    """Since 2024 (Administrative Reconsideration Law, 2023) reconsideration is heard by the
    government at the same level; a government's own acts go to the one above it. Vertically
    managed bodies carry their own entry in the organisation data."""
    if org.reconsideration_body:
        return org.reconsideration_body
    if org.parent is None:
        return "上一级人民政府"  # i18n: the letter's text (where to apply), in Chinese
    if org.kind == "department":
        return (
            org.parent.name if org.parent.kind != "department" else reconsideration_body(org.parent)
        )
    return org.parent.name


def _last_event(req: DisclosureRequest, action: str) -> RequestEvent | None:
    return next((e for e in reversed(req.events) if e.action == action), None)


# The letters that go with an action of the workflow, once the action is in the history (after
# the correction notice and the consultations).
_ACTION_LETTERS = {
    "approve_extension": "extension",
    "ask_excessive_reasons": "excessive_reasons",  # Art. 35
    "set_later_date": "later_date",  # Art. 35
    "fee_notice": "fee_notice",  # Art. 42
}


def available_letters(req: DisclosureRequest) -> list[tuple[str, str]]:
    """(kind, variant) pairs the case's history supports now. The answer is a reply (one
    variant per outcome), or for a correction of records (``request_kind``) its own answer."""
    out = [("acknowledgement", DEFAULT_VARIANT)]
    if _last_event(req, "request_correction"):
        out.append(("correction", DEFAULT_VARIANT))
    for c in _open_consultations(req):  # one letter for each consultation under way
        out.append((_CONSULTATION_LETTER[c["reason"]], f"consultation-{c['id']}"))
    for action, kind in _ACTION_LETTERS.items():
        if _last_event(req, action):
            out.append((kind, DEFAULT_VARIANT))
    if req.outcome and _last_event(req, "answer"):
        out.append((answer_letter(req), req.outcome))
    return out


def answer_letter(req: DisclosureRequest) -> str:
    """The letter type that answers the case: the reply, or the answer to a correction of
    records."""
    return (
        "record_correction_reply"
        if getattr(req, "request_kind", "") == "record_correction"
        else "reply"
    )


def letter_inputs(template: LetterTemplate, variant: str) -> list[LetterInput]:
    """What the officer must type in to issue this letter variant (declared in its template,
    ``inputs``): the case page shows exactly these, each required. Nothing has a default."""
    return list(template.inputs(variant))


def input_defaults(req: DisclosureRequest) -> dict[str, str]:
    """What an input starts from on the case page: the reasons recorded with the answer."""
    return {"reasons": req.outcome_reasons or ""}


@dataclass
class LetterContext:
    templates: dict[str, LetterTemplate]
    font: str
    outcomes: Any  # the outcome table: the request rules' Law (disclosure.law)
    calendar: Any  # calendar.workdays.WorkingCalendar
    law: Law | None = None  # None: ``outcomes``, which is the Law (RequestRules.outcomes)

    def __post_init__(self) -> None:
        if self.law is None and isinstance(self.outcomes, Law):
            self.law = self.outcomes


def _original_due_on(req: DisclosureRequest, ctx: LetterContext, profile) -> date:
    """The answer deadline without the extension: the case's own computation, with its
    extension left out (the engine is pure); failing that, the due date the approval moved."""
    from ..requests.deadlines import DeadlineError, compute_due
    from ..requests.workflow import events_of

    try:
        events = [e for e in events_of(req) if e.kind != "extension"]
        return compute_due(req.received_on, profile, ctx.calendar, events).due_on
    except (DeadlineError, KeyError, ValueError):
        approved = _last_event(req, "approve_extension")
        moved = (approved.changes or {}).get("due_on") if approved else None
        if isinstance(moved, list) and moved and moved[0]:
            return date.fromisoformat(moved[0])
        return req.due_on


def _extension_reason(req: DisclosureRequest) -> str:
    """The reason the extension was approved for: the approval's, else the request's."""
    for action in ("approve_extension", "request_extension"):
        event = _last_event(req, action)
        if event is not None and event.reason.strip():
            return event.reason.strip().rstrip(_TRAILING)
    pending = req.pending_extension or {}
    return str(pending.get("reason", "")).strip().rstrip(_TRAILING)


def _variant_of(req: DisclosureRequest, kind: str, variant: str | None) -> str:
    if variant:
        return variant
    return req.outcome if kind == "reply" and req.outcome else DEFAULT_VARIANT


def application_words(req: DisclosureRequest) -> dict[str, str]:
    """How a letter names what was asked: a disclosure request, or a request to correct the
    applicant's own records (a different application, with its own words)."""
    correction = req.request_kind == "record_correction"
    # i18n: phrases of the letter's text, in Chinese
    return {
        "application": REQUEST_KINDS.get(req.request_kind, REQUEST_KINDS["disclosure"]),
        "request_verb": "要求更正" if correction else "申请获取",
        "request_object": "的政府信息记录" if correction else "的信息",
    }


def values_for(
    req: DisclosureRequest,
    kind: str,
    ctx: LetterContext,
    params: dict | None = None,
    variant: str | None = None,
) -> dict:
    """Every value the templates may use, from the case and from the case's rule profile
    (articles, day counts, the sentences of the rules). ``params``: the officer's input; only
    the inputs the letter variant declares are taken from it (it cannot change the case's
    facts), and none has a default."""
    if ctx.law is None:
        # i18n: internal error, not shown to readers
        raise LetterError("文书需要规则数据 (LetterContext.law)")
    template = ctx.templates.get(kind)
    variant = _variant_of(req, kind, variant)
    declared = (
        {i.name for i in template.inputs(variant)}
        if template is not None and variant in template.variants
        else set()
    )
    params = {
        k: v.strip()
        for k, v in (params or {}).items()
        if k in declared and isinstance(v, str) and v.strip()
    }
    profile = ctx.law.profile(req.profile)
    org = req.organisation
    # i18n: the letter's values ("无": no number), in Chinese
    values: dict[str, Any] = {
        "agency": org.name,
        "agency_short": org.short_name,
        "applicant": req.name,
        "received_on": req.received_on,
        "tracking_number": req.tracking_number,
        "description": req.description,
        **application_words(req),
        "document_number": req.document_number or "无",
        "index_number": req.index_number or "无",
        "due_on": req.due_on,
        "new_due_on": req.due_on,
        "reconsideration_body": reconsideration_body(org),
        "reasons": req.outcome_reasons or "",
    }
    if req.outcome and (
        req.outcome in ctx.law.outcomes or req.outcome in ctx.law.record_corrections
    ):
        values["legal_basis"] = profile.legal_basis(req.outcome, req.outcome_ground or "")
    ground = ctx.law.grounds.get(req.outcome_ground) if req.outcome_ground else None
    if ground is not None:  # (a ground no longer in outcomes.yaml gives none)
        values["ground_label"] = ground.label
        values["ground_article"] = profile.ground_article(ground.code)
    values.update(_excessive_values(req, kind))
    values.update(_fee_values(req))
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
        if kind == "extension":  # the deadline before the extension, then the new one
            values["due_on"] = _original_due_on(req, ctx, profile)
            values["reasons"] = _extension_reason(req)
    consultation = _consultation_for(req, kind, variant)
    deadline = None
    if consultation is not None:
        values["third_party"] = consultation.get("note", "") or "第三方"  # i18n: letter text
        values["consulted_agency"] = consultation.get("note", "")
        received = consultation.get("received")
        # The party's period runs from ITS receipt of the letter (Art. 32, 34): a date only
        # once that is recorded, and only where these rules set a period.
        if profile.consultation_days is not None and received:
            start = date.fromisoformat(received)
            deadline = ctx.calendar.add_working_days(start, profile.consultation_days).date
            values["consultation_deadline"] = deadline
    values.update(params)
    law = profile.values(**({"deadline": format_date(deadline)} if deadline else {}))
    if deadline is None:  # "自收到本意见书之日起…个工作日内", without a date
        for key in ("third_party_reply", "agency_reply"):
            law[key] = law[key] or law[f"{key}_open"]
    values.update({k: v for k, v in law.items() if v})  # the law is not officer input
    return values


def _excessive_values(req: DisclosureRequest, kind: str) -> dict[str, Any]:
    """Art. 35: when the applicant was asked for reasons and by when, what came back (or that
    nothing came), and a later answer date set (with the due date it moved)."""
    out: dict[str, Any] = {}
    asked = _last_event(req, "ask_excessive_reasons")
    if asked is not None:
        out["reasons_asked_on"] = asked.on
        deadline = (asked.changes or {}).get("reasons_deadline")
        if deadline:
            out["reasons_deadline"] = date.fromisoformat(deadline)
    given = _last_event(req, "record_excessive_reasons")
    if given is not None:
        changes = given.changes or {}
        if changes.get("reasons_received"):
            on = changes.get("reasons_received_on")
            day = format_date(date.fromisoformat(on)) if on else format_date(given.on)
            out["reasons_given"] = f"您于{day}说明了申请理由"  # i18n: the letter's text
        elif out.get("reasons_deadline"):
            # i18n: the letter's text, in Chinese
            out["reasons_given"] = f"您未在{format_date(out['reasons_deadline'])}前说明申请理由"
        else:
            out["reasons_given"] = "您未在规定期限内说明申请理由"  # i18n: the letter's text
    later = _last_event(req, "set_later_date")
    if later is not None and kind == "later_date":
        changes = later.changes or {}
        out["later_due_on"] = date.fromisoformat(changes["later_due_on"])
        if changes.get("statutory_due_on"):  # the due date before it (the letter's {due_on})
            out["due_on"] = date.fromisoformat(changes["statutory_due_on"])
    return out


def _fee_values(req: DisclosureRequest) -> dict[str, Any]:
    """The fee notice (Art. 42): method, amount and the breakdown recorded with it."""
    notice = _last_event(req, "fee_notice")
    if notice is None:
        return {}
    changes = notice.changes or {}
    return {
        "fee_method": changes.get("fee_method", ""),
        "fee_amount": str(changes.get("fee_amount", "")),
        "fee_lines": str(changes.get("fee_lines", "")),
    }


# The letter for a consultation, by whom it asks (disclosure.requests.workflow.consultations).
_CONSULTATION_LETTER = {"third_party": "third_party", "other_agency": "agency_consultation"}


def _open_consultations(req: DisclosureRequest) -> list[dict]:
    from ..requests.workflow import open_consultations

    return open_consultations(req)


def _consultation_for(req: DisclosureRequest, kind: str, variant: str | None) -> dict | None:
    """The consultation a letter is about: the one its variant names (``consultation-<id>``),
    else the latest one the letter type goes to (the latest of any kind for other letters)."""
    from ..requests.workflow import consultations

    found = consultations(req)
    if kind in CONSULTATION_LETTERS:
        found = [c for c in found if _CONSULTATION_LETTER[c["reason"]] == kind]
    if variant and variant.startswith("consultation-"):
        return next((c for c in found if f"consultation-{c['id']}" == variant), None)
    return found[-1] if found else None


def check_inputs(template: LetterTemplate, variant: str, values: dict) -> None:
    """Refuse a letter whose officer inputs are blank: one field error for each."""
    missing = {
        i.name: _("请填写：${label}", mapping={"label": i.label})
        for i in template.inputs(variant)
        if not str(values.get(i.name) or "").strip()
    }
    if missing:
        # i18n: the inputs' labels are the letters' (templates.py), in Chinese: listed as such
        labels = "、".join(
            i.label.split("（")[0] for i in template.inputs(variant) if i.name in missing
        )
        raise LetterError(
            _(
                "请填写${labels}，再出具《${letter}》",
                mapping={"labels": labels, "letter": template.variant_name(variant)},
            ),
            missing,
        )


def _checked(
    req: DisclosureRequest,
    kind: str,
    variant: str,
    ctx: LetterContext,
    params: dict | None,
    *,
    preview: bool = False,
) -> tuple[LetterTemplate, dict]:
    """The template and the values of a letter the case supports now, with every input given
    (a preview marks the missing ones instead)."""
    if kind not in LETTER_TYPES or kind not in ctx.templates:
        raise LetterError(UNKNOWN_KIND)
    if (kind, variant) not in available_letters(req):
        raise LetterError(_cannot_issue(LETTER_TYPES[kind]))
    template = ctx.templates[kind]
    values = values_for(req, kind, ctx, params, variant)
    if preview:
        for i in template.inputs(variant):
            if not str(values.get(i.name) or "").strip():
                values[i.name] = f"【待填写：{i.label}】"  # i18n: printed in a preview letter
    check_inputs(template, variant, values)
    try:
        render_text(
            template,
            variant,
            {"letter_number": PREVIEW_NUMBER, "issued_on": req.received_on, **values},
        )
    except LetterRenderError as exc:
        raise LetterError(
            _("本件缺少出具该文书所需的内容：${problem}", mapping={"problem": str(exc)})
        ) from None
    return template, values


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
    preview: bool = False,
) -> bytes:
    """The letter as it would be issued now. ``preview``: missing inputs are marked
    【待填写：…】 instead of refused."""
    template, values = _checked(req, kind, variant, ctx, params, preview=preview)
    return build_from_template(
        template,
        variant,
        values,
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
        raise LetterError(OTHER_CASE)
    if kind not in ctx.templates or (kind, variant) not in available_letters(req):
        raise LetterError(_cannot_issue(LETTER_TYPES.get(kind, kind)))
    # Refused before a number is taken: a refusal leaves no gap in the series.
    template, values = _checked(req, kind, variant, ctx, params)
    series = template.number_prefix
    serial = take_next(db, LetterSerial, req.organisation_id, today.year, series=series)
    number = letter_number(req.organisation.short_name, template.number_prefix, today.year, serial)
    # i18n: printed in the letter and kept in the history: the letter's text, in Chinese
    note = f"本文书更正我机关{refers_to.number}文书，原文书作废。" if refers_to else None
    pdf = build_from_template(
        template,
        variant,
        values,
        font=ctx.font,
        issued_on=today,
        number=number,
        status_url=status_url,
        refers_to=note,
    )
    digest, key = store_content(store, pdf)
    # As printed: an Art. 39 notice is a 告知书, whatever the letter type.
    title = render_text(
        template, variant, dict(values, issued_on=today, letter_number=number)
    ).title
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
    # what the applicant sees: the history's message, kept in Chinese as the record
    said = message("letter_issued", title=template.variant_name(variant), number=number)
    db.add(
        RequestEvent(
            request=req,
            on=today,
            actor_id=user.id if user else None,
            actor_label=user.history_label if user else "系统",  # i18n: a stored record
            action="issue_letter",
            from_status=req.status,
            to_status=req.status,
            reason=note or "",
            changes={"letter": number, "kind": kind, "variant": variant, "sha256": digest},
            public_text=render_chinese(said),
            message=said["code"],
            message_params=said["params"],
        )
    )
    db.flush()
    return letter
