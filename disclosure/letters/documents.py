"""Delivering the information itself (Art. 36(2), Art. 40 of the 2019 Regulations).

The officer attaches the released documents (PDF, Office files, images: checked by content
like the catalogue's attachments) to the case; the applicant downloads them with the tracking
number and the access code, on the status page or through the API. Every download is recorded:
who (the applicant, or which officer), when and how. A reply mailed to the applicant lists them
by name and size (``views.letter_mail``).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import settings as s
from ..boundary import error_response
from ..clock import now, today
from ..files.interfaces import IFileStorage
from ..files.labels import size_label
from ..files.responses import file_response
from ..files.services import store_content
from ..files.sniff import UploadRejected, check_upload
from ..i18n import _
from ..locks import required_lock_version
from ..models import DisclosureRequest, RequestEvent
from ..models.documents import DocumentDownload, ReleasedDocument
from ..models.requests import RequestStatus
from ..requests.access import case_from_api, lookup_case
from ..requests.history import message, render_chinese
from ..security import Permission

# A case that ended without an answer has nothing to deliver.
NO_DELIVERY = (RequestStatus.WITHDRAWN, RequestStatus.ABANDONED)

TAKEN = _("该申请已被他人处理，请刷新页面后查看最新状态再操作。")
ENDED = _("本件已撤回或视为放弃，不再提供信息")
NO_FILE = _("请选择要提供的文件")
NOT_FOUND = _("没有找到该文件")


def release(
    db,
    store,
    req: DisclosureRequest,
    data: bytes,
    filename: str,
    media_type: str,
    kind: str,
    *,
    user,
    on,
) -> ReleasedDocument:
    """Store one checked upload on the case and record it in the history."""
    digest, key = store_content(store, data)
    document = ReleasedDocument(
        request=req,
        filename=filename,
        media_type=media_type,
        kind=kind,
        size=len(data),
        sha256=digest,
        storage_key=key,
        uploaded_by_id=user.id if user else None,
    )
    db.add(document)
    # what the applicant sees: the history's message, kept in Chinese as the record
    said = message("document_provided", filename=filename, size=size_label(len(data)))
    db.add(
        RequestEvent(
            request=req,
            on=on,
            actor_id=user.id if user else None,
            actor_label=user.history_label if user else "系统",  # i18n: a stored record
            action="release_document",
            from_status=req.status,
            to_status=req.status,
            reason="",
            changes={"document": filename, "size": len(data), "sha256": digest},
            public_text=render_chinese(said),
            message=said["code"],
            message_params=said["params"],
        )
    )
    db.flush()
    return document


def record_download(request, document: ReleasedDocument, by: str, channel: str) -> None:
    user = request.identity if by == "officer" else None
    request.dbsession.add(
        DocumentDownload(
            document=document,
            by=by,
            user_id=user.id if user else None,
            channel=channel,
            at=now(request),
        )
    )


def document_response(request, document: ReleasedDocument):
    data = request.find_service(IFileStorage).get(document.storage_key)
    response = file_response(data, document.media_type, document.filename, private=True)
    response.cache_control = "no-store"
    return response


def _find(req: DisclosureRequest, document_id: str) -> ReleasedDocument | None:
    return next((d for d in req.released_documents if str(d.id) == document_id), None)


# --- the officer -----------------------------------------------------------------------------


@view_config(
    route_name="officer_request_documents",
    request_method="POST",
    permission=Permission.REQUESTS_HANDLE,
)
def upload(request):
    from .views import case_page_again

    req = request.context.request
    if required_lock_version(request) != req.lock_version:
        return error_response(request, 409, TAKEN)

    def refused(problem):
        return case_page_again(request, 400, document_error={"message": request.translate(problem)})

    if req.status in NO_DELIVERY:
        return refused(ENDED)
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return refused(NO_FILE)
    max_bytes = int(s.get(request.registry.settings, "files.max_bytes"))
    with upload.file:
        data = upload.file.read(max_bytes + 1)
    filename = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        kind = check_upload(data, filename, max_bytes)
    except UploadRejected as exc:
        return refused(
            _("${filename}：${problem}", mapping={"filename": filename, "problem": exc.message})
        )
    release(
        request.dbsession,
        request.find_service(IFileStorage),
        req,
        data,
        filename,
        kind.media_type,
        kind.kind,
        user=request.identity,
        on=today(request),
    )
    request.session.flash(
        request.translate(
            _("已提供 ${filename}，申请人可凭追踪号和查询码下载", mapping={"filename": filename})
        )
    )
    return HTTPSeeOther(request.route_url("officer_request", request_id=req.id))


@view_config(route_name="officer_request_document", permission=Permission.REQUESTS_VIEW)
def officer_download(request):
    document = _find(request.context.request, request.matchdict["document_id"])
    if document is None:
        return error_response(request, 404, NOT_FOUND)
    record_download(request, document, "officer", "web")
    return document_response(request, document)


# --- the applicant ---------------------------------------------------------------------------


def document_json(request, req, document: ReleasedDocument) -> dict:
    return {
        "id": document.id,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "released_at": document.created_at.isoformat(timespec="seconds"),
        "url": request.route_url(
            "api_request_document", tracking_number=req.tracking_number, document_id=document.id
        ),
    }


@view_config(
    route_name="api_request_documents",
    request_method="GET",
    renderer="json",
    permission=Permission.VIEW,
)
def api_documents(request):
    req, problem = case_from_api(request)
    if req is None:
        return problem
    return {"documents": [document_json(request, req, d) for d in req.released_documents]}


def _applicant_document(request, tracking: str, code: str, document_id: str, channel: str):
    req, error, status = lookup_case(request, tracking, code)
    if req is None:
        return error_response(request, status, error)
    document = _find(req, document_id)
    if document is None:
        return error_response(request, 404, NOT_FOUND)
    record_download(request, document, "applicant", channel)
    return document_response(request, document)


@view_config(route_name="api_request_document", request_method="GET", permission=Permission.VIEW)
def api_document(request):
    return _applicant_document(
        request,
        request.matchdict["tracking_number"],
        request.headers.get("X-Access-Code", ""),
        request.matchdict["document_id"],
        "api",
    )


@view_config(route_name="request_document", request_method="POST", permission=Permission.VIEW)
def applicant_download(request):
    return _applicant_document(
        request,
        request.POST.get("tracking_number", "")[:40],
        request.POST.get("access_code", "")[:40],
        request.POST.get("document_id", "")[:12],
        "web",
    )
