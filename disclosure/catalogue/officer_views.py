"""Officers keep their organisation's catalogue: list, create, edit, publish, repeal, attach."""

from __future__ import annotations

import hashlib
from datetime import date

import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from .. import settings as s
from ..boundary import error_response
from ..files.extract import extract_text
from ..files.interfaces import IFileStorage
from ..files.sniff import ALLOWED_EXTENSIONS, UploadRejected, check_upload
from ..models import Attachment, CatalogueItem
from ..models.catalogue import STATUS_LABELS, ItemStatus
from ..models.users import Role
from ..pagination import paginate
from ..security import Permission, csrf_node
from .forms import item_schema, normalise
from .services import CatalogueError

PER_PAGE = 20


def today(request) -> date:
    """The injectable clock: tests set ``disclosure.today`` in the registry."""
    clock = request.registry.get("disclosure.clock")
    return clock() if clock else date.today()


def item_form(request, organisation, *, buttons) -> deform.Form:
    schema = item_schema(request.catalogue_schema, organisation.category_tree, for_form=True)
    schema.add(csrf_node(request))
    return deform.Form(schema, buttons=buttons)


def _organisation_for_new(request):
    """Officers create items for their own organisation; the city office may pick one."""
    me = request.identity
    code = request.params.get("organisation")
    if me.role == Role.CITY_ADMIN and code:
        org = request.organisations.by_code.get(code)
        if org is not None:
            return org
    return me.organisation


@view_config(
    route_name="officer", renderer="officer/dashboard.jinja2", permission=Permission.OFFICER_AREA
)
def dashboard(request):
    me = request.identity
    query = select(CatalogueItem)
    orgs = request.organisations
    selected = None
    if me.role == Role.CITY_ADMIN:
        selected = orgs.by_code.get(request.GET.get("organisation", ""))
        if selected is not None:
            query = query.where(CatalogueItem.organisation_id == selected.id)
    else:
        query = query.where(CatalogueItem.organisation_id == me.organisation_id)
    status = request.GET.get("status", "")
    if status in {st.value for st in ItemStatus}:
        query = query.where(CatalogueItem.status == status)
    elif status == "pending":
        query = query.where(CatalogueItem.has_draft.is_(True))
    found = paginate(request, query, CatalogueItem.updated_at.desc(), CatalogueItem.id.desc())
    return {
        "items": found.rows,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "status": status,
        "status_labels": STATUS_LABELS,
        "selected_org": selected,
        "is_city_admin": me.role == Role.CITY_ADMIN,
    }


class BadForm(Exception):
    def __init__(self, response) -> None:
        self.response = response


def _validate(form: deform.Form, request, page: dict):
    """Validated data, or BadForm carrying the page to show (400 with field errors)."""
    try:
        return form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        request.response.status = 400
        raise BadForm({**page, "form": failure.render()}) from None
    except ValueError:  # a tampered peppercorn marker (__start__/__end__)
        raise BadForm(error_response(request, 400, "表单数据无效")) from None


@view_config(
    route_name="officer_item_new",
    renderer="officer/item_form.jinja2",
    permission=Permission.OFFICER_AREA,
)
def item_new(request):
    org = _organisation_for_new(request)
    form = item_form(request, org, buttons=(deform.Button("save", "保存草稿"),))
    if request.method == "POST":
        try:
            data = _validate(form, request, {"organisation": org, "item": None})
        except BadForm as bad:
            return bad.response
        item = request.catalogue.create(
            org, normalise(data, request.catalogue_schema), request.identity
        )
        request.session.flash("草稿已保存")
        return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
    return {"form": form.render(), "organisation": org, "item": None}


@view_config(
    route_name="officer_item", renderer="officer/item.jinja2", permission=Permission.CATALOGUE_EDIT
)
def item_detail(request):
    item = request.context.item
    from .views import field_rows

    return {
        "item": item,
        "rows": field_rows(request, item),
        "status_labels": STATUS_LABELS,
        "csrf_token": get_csrf_token(request),
        "allowed_extensions": "、".join(ALLOWED_EXTENSIONS),
        "can_publish": item.has_draft and item.status != ItemStatus.REPEALED,
        "can_repeal": item.status in (ItemStatus.PUBLISHED, ItemStatus.REVISED),
    }


@view_config(
    route_name="officer_item_edit",
    renderer="officer/item_form.jinja2",
    permission=Permission.CATALOGUE_EDIT,
)
def item_edit(request):
    item = request.context.item
    if item.status == ItemStatus.REPEALED:
        return error_response(request, 409, "已废止的条目不能再修改")
    form = item_form(request, item.organisation, buttons=(deform.Button("save", "保存草稿"),))
    if request.method == "POST":
        try:
            data = _validate(form, request, {"organisation": item.organisation, "item": item})
        except BadForm as bad:
            return bad.response
        clean = normalise(data, request.catalogue_schema)
        try:
            request.catalogue.save_draft(
                item, clean, request.identity, lock_version=clean.pop("lock_version", 0)
            )
        except CatalogueError as exc:
            request.response.status = 409
            return {
                "form": form.render(data),
                "organisation": item.organisation,
                "item": item,
                "error": str(exc),
            }
        request.session.flash("修改已保存为草稿，发布后对公众可见")
        return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
    appstruct = {
        k: v for k, v in request.catalogue.editable_data(item).items() if v not in (None, "", [])
    }
    appstruct["lock_version"] = item.lock_version
    return {"form": form.render(appstruct), "organisation": item.organisation, "item": item}


def _lock_version(request) -> int:
    try:
        return int(request.POST.get("lock_version", 0))
    except ValueError:
        return -1


@view_config(
    route_name="officer_item_publish",
    request_method="POST",
    permission=Permission.CATALOGUE_PUBLISH,
)
def item_publish(request):
    item = request.context.item
    try:
        request.catalogue.publish(
            item, request.identity, today(request), lock_version=_lock_version(request)
        )
    except CatalogueError as exc:
        return error_response(request, 409, str(exc))
    request.session.flash(f"已发布，索引号 {item.index_number}")
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_repeal", request_method="POST", permission=Permission.CATALOGUE_PUBLISH
)
def item_repeal(request):
    item = request.context.item
    note = request.POST.get("note", "")[:500]
    try:
        request.catalogue.repeal(item, request.identity, note, lock_version=_lock_version(request))
    except CatalogueError as exc:
        return error_response(request, 409, str(exc))
    request.session.flash("已废止")
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_upload", request_method="POST", permission=Permission.CATALOGUE_EDIT
)
def item_upload(request):
    item = request.context.item
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return error_response(request, 400, "请选择要上传的文件", {"file": "必填"})
    max_bytes = int(s.get(request.registry.settings, "files.max_bytes"))
    with upload.file:
        data = upload.file.read(max_bytes + 1)
    filename = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        kind = check_upload(data, filename, max_bytes)
    except UploadRejected as exc:
        return error_response(request, 400, str(exc), {"file": str(exc)})
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    request.find_service(IFileStorage).put(key, data)
    attachment = Attachment(
        item=item,
        filename=filename,
        media_type=kind.media_type,
        kind=kind.kind,
        size=len(data),
        sha256=digest,
        storage_key=key,
        text=extract_text(data, kind.kind, kind.media_type),
        created_by_id=request.identity.id,
    )
    request.dbsession.add(attachment)
    request.session.flash(f"已上传附件 {filename}")
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_attachment",
    request_method="POST",
    permission=Permission.CATALOGUE_EDIT,
)
def item_attachment_delete(request):
    item = request.context.item
    try:
        attachment_id = int(request.matchdict["attachment_id"])
    except ValueError:
        return error_response(request, 404, "没有找到该附件")
    attachment = request.dbsession.get(Attachment, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        return error_response(request, 404, "没有找到该附件")
    if item.status == ItemStatus.REPEALED:
        raise HTTPForbidden()
    request.dbsession.delete(attachment)
    request.session.flash(f"已删除附件 {attachment.filename}")
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
