"""Letters on the case page (preview, issue, download) and for the applicant (download with the
access code, on the status page and in the API)."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from pyramid_mailer.message import Message

from ..boundary import error_response
from ..clock import today
from ..files.interfaces import IFileStorage
from ..files.labels import size_label
from ..files.responses import file_response
from ..i18n import _
from ..locks import required_lock_version
from ..mail.outbox import StoredAttachment
from ..models import Letter
from ..models.mail import MailKind
from ..requests.access import case_from_api, lookup_case
from ..requests.mail import queue_mail
from ..security import Permission
from .services import PREVIEW_NUMBER, LetterError, issue, render_pdf
from .templates import LETTER_TYPES

log = logging.getLogger(__name__)

TAKEN = _("该申请已被他人处理，请刷新页面后查看最新状态再操作。")
BAD_CORRECTION = _("要更正的文书无效")
INVALID = _("无效")
NOT_FOUND = _("没有找到该文书")


def letter_context(request):
    from .services import LetterContext

    rules = request.registry["request_rules"]
    return LetterContext(
        templates=request.registry["letter_templates"],
        font=request.registry["letter_font"],
        outcomes=rules.outcomes,
        calendar=rules.calendar(request.dbsession),
    )


def status_url(request, req) -> str:
    return request.route_url("request_status", _query={"tracking_number": req.tracking_number})


def pdf_response(data: bytes, filename: str, *, inline: bool = False):
    return file_response(data, "application/pdf", filename, inline=inline, private=True)


def letter_filename(letter: Letter) -> str:
    return f"{letter.number}.pdf"


def stored_bytes(request, letter: Letter) -> bytes:
    return request.find_service(IFileStorage).get(letter.storage_key)


def letter_problem(request, exc: LetterError) -> tuple[str, dict[str, str]]:
    """Why a letter was refused, and its inputs' problems, in the request's language."""
    message = exc.args[0] if exc.args else ""
    fields = {name: request.translate(text) for name, text in exc.fields.items()}
    return request.translate(message), fields


def case_page_again(request, status: int, **extra):
    """The case page once more, with a refused form's error beside it and its input kept: the
    case page's own data (``requests.views.case_page``) plus ``extra``."""
    from ..requests.views import case_page

    data = case_page(request)
    data.update(extra)
    response = render_to_response("requests/case.jinja2", data, request=request)
    response.status = status
    return response


@view_config(route_name="officer_letter_preview", permission=Permission.REQUESTS_HANDLE)
def preview(request):
    req = request.context.request
    kind = request.GET.get("kind", "")
    variant = request.GET.get("variant", "default")
    try:
        pdf = render_pdf(
            req,
            kind,
            variant,
            letter_context(request),
            issued_on=today(request),
            number=PREVIEW_NUMBER,
            status_url=status_url(request, req),
            params=dict(request.GET),
            preview=True,  # what is still to be typed in shows as 【待填写：…】
        )
    except LetterError as exc:
        return error_response(request, 400, *letter_problem(request, exc))
    # i18n: the letter's file name: the letter is a legal act, in Chinese
    return pdf_response(pdf, f"预览-{LETTER_TYPES[kind]}.pdf", inline=True)


@view_config(
    route_name="officer_letter_issue", request_method="POST", permission=Permission.REQUESTS_HANDLE
)
def issue_letter(request):
    req = request.context.request
    if required_lock_version(request) != req.lock_version:
        return error_response(request, 409, request.translate(TAKEN))
    kind = request.POST.get("kind", "")
    variant = request.POST.get("variant", "default")
    refers_to = None
    if request.POST.get("refers_to"):
        try:
            refers_to = request.dbsession.get(Letter, int(request.POST["refers_to"]))
        except ValueError:
            refers_to = None
        if refers_to is None or refers_to.request_id != req.id:
            return error_response(
                request,
                400,
                request.translate(BAD_CORRECTION),
                {"refers_to": request.translate(INVALID)},
            )
    params = {
        k: v[:2000]
        for k, v in request.POST.items()
        if isinstance(v, str)
        and k not in ("csrf_token", "kind", "variant", "refers_to", "lock_version")
    }
    try:
        letter = issue(
            request.dbsession,
            req,
            kind,
            variant,
            letter_context(request),
            user=request.identity,
            today=today(request),
            status_url=status_url(request, req),
            store=request.find_service(IFileStorage),
            params=params,
            refers_to=refers_to,
        )
    except LetterError as exc:
        message, fields = letter_problem(request, exc)
        if kind not in LETTER_TYPES:
            return error_response(request, 400, message, fields)
        # Beside the form it came from, with what was typed in.
        return case_page_again(
            request,
            400,
            letter_error={
                "kind": kind,
                "variant": variant,
                "message": message,
                "fields": fields,
                "values": params,
            },
        )
    if req.email:  # queued with the letter: sent once it has committed
        queue_mail(
            request,
            letter_mail(req, letter, status_url(request, req)),
            MailKind.LETTER,
            disclosure_request=req,
            letter=letter,
            attachments=[letter_attachment(letter)],
        )
    request.session.flash(
        request.translate(_("已出具 ${number}", mapping={"number": letter.number}))
    )
    return HTTPSeeOther(request.route_url("officer_request", request_id=req.id))


def letter_mail(req, letter: Letter, url: str) -> Message:
    """The mail that carries an issued letter; its PDF is attached by reference (see below).
    A reply also lists the documents released on the case (Art. 36(2), Art. 40), by name and
    size: the applicant downloads them with the tracking number and the access code."""
    name = letter.title.removeprefix(req.organisation.name) or LETTER_TYPES[letter.kind]
    # i18n: an e-mail to the applicant: the notice of a legal act, in Chinese
    body = (
        f"{req.name}：\n\n{req.organisation.name}就您的政府信息公开申请（追踪号 {req.tracking_number}）"
        f"出具了《{name}》，文号 {letter.number}，见附件。\n"
        f"也可以凭追踪号和查询码在 {url} 下载。\n"
    )
    documents = list(getattr(req, "released_documents", []) or [])
    if letter.kind == "reply" and documents:
        # i18n: an e-mail to the applicant, in Chinese
        body += (
            f"\n向您提供的政府信息共 {len(documents)} 件，请凭追踪号和查询码在上述地址下载：\n"
            + "".join(
                f"{i}. {d.filename}（{size_label(d.size)}）\n" for i, d in enumerate(documents, 1)
            )
        )
    # i18n: an e-mail to the applicant, in Chinese
    return Message(
        subject=f"【政府信息公开】{letter.title}（{letter.number}）",
        recipients=[req.email],
        body=body + "\n此邮件由系统自动发送，请勿直接回复。\n",
    )


def letter_attachment(letter: Letter) -> StoredAttachment:
    """The letter's stored PDF. An ASCII file name: repoze.sendmail cannot re-encode RFC 2231
    (non-ASCII) parameters."""
    ascii_name = f"{letter.kind}-{letter.year}-{letter.serial:04d}.pdf"
    return StoredAttachment(ascii_name, "application/pdf", letter.storage_key)


@view_config(route_name="officer_letter", permission=Permission.REQUESTS_VIEW)
def officer_download(request):
    req = request.context.request
    try:
        letter = request.dbsession.get(Letter, int(request.matchdict["letter_id"]))
    except ValueError:
        letter = None
    if letter is None or letter.request_id != req.id:
        return error_response(request, 404, request.translate(NOT_FOUND))
    return pdf_response(stored_bytes(request, letter), letter_filename(letter))


def letter_json(request, req, letter: Letter) -> dict:
    return {
        "number": letter.number,
        "kind": letter.kind,
        "title": letter.title,
        "issued_on": letter.issued_on.isoformat(),
        "sha256": letter.sha256,
        "refers_to": letter.refers_to.number if letter.refers_to else None,
        "url": request.route_url(
            "api_request_letter", tracking_number=req.tracking_number, letter_id=letter.id
        ),
    }


def _applicant_letter(request, tracking: str, code: str, letter_id: str):
    req, error, status = lookup_case(request, tracking, code)
    if req is None:
        return None, None, error_response(request, status, request.translate(error))
    letter = next((lt for lt in req.letters if str(lt.id) == letter_id), None)
    if letter is None:
        return req, None, error_response(request, 404, request.translate(NOT_FOUND))
    return req, letter, None


@view_config(
    route_name="api_request_letters",
    request_method="GET",
    renderer="json",
    permission=Permission.VIEW,
)
def api_letters(request):
    req, problem = case_from_api(request)
    if req is None:
        return problem
    return {"letters": [letter_json(request, req, lt) for lt in req.letters]}


@view_config(route_name="api_request_letter", request_method="GET", permission=Permission.VIEW)
def api_letter(request):
    _, letter, problem = _applicant_letter(
        request,
        request.matchdict["tracking_number"],
        request.headers.get("X-Access-Code", ""),
        request.matchdict["letter_id"],
    )
    return problem or pdf_response(stored_bytes(request, letter), letter_filename(letter))


@view_config(route_name="request_letter", request_method="POST", permission=Permission.VIEW)
def applicant_download(request):
    _, letter, problem = _applicant_letter(
        request,
        request.POST.get("tracking_number", "")[:40],
        request.POST.get("access_code", "")[:40],
        request.POST.get("letter_id", "")[:12],
    )
    return problem or pdf_response(stored_bytes(request, letter), letter_filename(letter))
