"""Officers keep their organisation's catalogue: list, create, edit, publish, repeal, attach."""

from __future__ import annotations

from datetime import date

import deform
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from .. import clock
from .. import settings as s
from ..boundary import error_response
from ..files.extract import extract_text
from ..files.interfaces import IFileStorage
from ..files.services import store_content
from ..files.sniff import ALLOWED_EXTENSIONS, UploadRejected, check_upload
from ..i18n import CHINESE, _
from ..locks import required_lock_version
from ..models import Attachment, CatalogueItem
from ..models.catalogue import STATUS_LABELS, ItemStatus
from ..pagination import paginate
from ..routes import organisation_context
from ..security import Permission, csrf_node, visible_organisations
from .forms import item_schema, normalise
from .services import CatalogueError

PER_PAGE = 20
#: a harvested item (disclosure.harvest) is the source's: read-only here
HARVESTED_READ_ONLY = _("本条目收割自其他平台，只读；如需修改，请在来源平台修改")


def _harvested(request, item):
    """The refusal for a change to a harvested item, or None for an item of this instance."""
    if item.harvest_source_id is None:
        return None
    return error_response(request, 409, request.translate(HARVESTED_READ_ONLY))


def _message(request, exc: Exception) -> str:
    """A :class:`.services.CatalogueError`'s message in the reader's language."""
    return request.translate(exc.args[0]) if exc.args else str(exc)


def today(request) -> date:
    """The business date from the one clock (Asia/Shanghai; injectable in tests)."""
    return clock.today(request)


def item_form(request, organisation, *, buttons) -> deform.Form:
    schema = item_schema(
        request.catalogue_schema,
        organisation.category_tree,
        for_form=True,
        translate=request.translate,
    )
    schema.add(csrf_node(request))
    return deform.Form(schema, buttons=buttons)


def _organisation_for_new(request):
    """Officers create items for their own organisation, or for one whose catalogue they may
    keep (the city office: any)."""
    me = request.identity
    org = request.organisations.by_code.get(request.params.get("organisation") or "")
    if org is not None and request.has_permission(
        Permission.CATALOGUE_EDIT, organisation_context(request, org)
    ):
        return org
    return me.organisation


@view_config(
    route_name="officer", renderer="officer/dashboard.jinja2", permission=Permission.OFFICER_AREA
)
def dashboard(request):
    me = request.identity
    visible = visible_organisations(request, Permission.CATALOGUE_VIEW)
    by_code = {o.code: o for o in visible}
    selected = by_code.get(request.GET.get("organisation", ""))
    ids = [selected.id] if selected is not None else [o.id for o in visible]
    query = select(CatalogueItem).where(CatalogueItem.organisation_id.in_(ids))
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
        "overseen": visible if len(visible) > 1 else [],
        "own_only": len(visible) == 1 and visible[0].id == me.organisation_id,
        "can_manage_users": request.has_permission(Permission.USERS_MANAGE),
        "report_year": today(request).year - 1,
        "report_notice": _report_notice(request),
    }


def _report_notice(request):
    """The annual report deadline of the officer's own organisation (issue 11), or None."""
    from ..reports.lifecycle import dashboard_notice

    return dashboard_notice(
        request.dbsession,
        request.identity.organisation,
        request.registry["request_rules"].law,
        today(request),
    )


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
        raise BadForm(error_response(request, 400, request.translate(_("表单数据无效")))) from None


@view_config(
    route_name="officer_item_new",
    renderer="officer/item_form.jinja2",
    permission=Permission.OFFICER_AREA,
)
def item_new(request):
    org = _organisation_for_new(request)
    form = item_form(request, org, buttons=(deform.Button("save", _("保存草稿")),))
    if request.method == "POST":
        try:
            data = _validate(form, request, {"organisation": org, "item": None})
        except BadForm as bad:
            return bad.response
        item = request.catalogue.create(
            org, normalise(data, request.catalogue_schema), request.identity
        )
        request.session.flash(request.translate(_("草稿已保存")))
        return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
    return {"form": form.render(), "organisation": org, "item": None}


@view_config(
    route_name="officer_item", renderer="officer/item.jinja2", permission=Permission.CATALOGUE_VIEW
)
def item_detail(request):
    item = request.context.item
    from .views import field_rows

    harvested = item.harvest_source_id is not None
    return {
        "harvested": harvested,
        "can_edit": not harvested and request.has_permission(Permission.CATALOGUE_EDIT),
        "item": item,
        "rows": field_rows(request, item),
        "status_labels": STATUS_LABELS,
        "csrf_token": get_csrf_token(request),
        # i18n: the list separator of each language
        "allowed_extensions": ("、" if request.locale_name == CHINESE else ", ").join(
            ALLOWED_EXTENSIONS
        ),
        "can_publish": item.has_draft
        and not harvested
        and item.status != ItemStatus.REPEALED
        and request.has_permission(Permission.CATALOGUE_PUBLISH),
        "can_repeal": not harvested
        and item.status in (ItemStatus.PUBLISHED, ItemStatus.REVISED)
        and request.has_permission(Permission.CATALOGUE_PUBLISH),
    }


@view_config(
    route_name="officer_item_edit",
    renderer="officer/item_form.jinja2",
    permission=Permission.CATALOGUE_EDIT,
)
def item_edit(request):
    item = request.context.item
    if refused := _harvested(request, item):
        return refused
    if item.status == ItemStatus.REPEALED:
        return error_response(request, 409, request.translate(_("已废止的条目不能再修改")))
    form = item_form(request, item.organisation, buttons=(deform.Button("save", _("保存草稿")),))
    if request.method == "POST":
        try:
            data = _validate(form, request, {"organisation": item.organisation, "item": item})
        except BadForm as bad:
            return bad.response
        clean = normalise(data, request.catalogue_schema)
        clean.pop("lock_version", None)
        lock_version = required_lock_version(request)
        try:
            request.catalogue.save_draft(item, clean, request.identity, lock_version=lock_version)
        except CatalogueError as exc:
            request.response.status = 409
            return {
                "form": form.render(data),
                "organisation": item.organisation,
                "item": item,
                "error": _message(request, exc),
            }
        request.session.flash(request.translate(_("修改已保存为草稿，发布后对公众可见")))
        return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
    appstruct = {
        k: v for k, v in request.catalogue.editable_data(item).items() if v not in (None, "", [])
    }
    appstruct["lock_version"] = item.lock_version
    return {"form": form.render(appstruct), "organisation": item.organisation, "item": item}


def _check_item_lock(request, item) -> None:
    if required_lock_version(request) != item.lock_version:
        raise CatalogueError(_("该条目已被他人修改，请刷新后重试。"))


@view_config(
    route_name="officer_item_publish",
    request_method="POST",
    permission=Permission.CATALOGUE_PUBLISH,
)
def item_publish(request):
    item = request.context.item
    if refused := _harvested(request, item):
        return refused
    try:
        request.catalogue.publish(
            item, request.identity, today(request), lock_version=required_lock_version(request)
        )
    except CatalogueError as exc:
        return error_response(request, 409, _message(request, exc))
    request.session.flash(
        request.translate(_("已发布，索引号 ${number}", mapping={"number": item.index_number}))
    )
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_repeal", request_method="POST", permission=Permission.CATALOGUE_PUBLISH
)
def item_repeal(request):
    item = request.context.item
    if refused := _harvested(request, item):
        return refused
    note = request.POST.get("note", "")[:500]
    try:
        request.catalogue.repeal(
            item,
            request.identity,
            note,
            lock_version=required_lock_version(request),
            today=today(request),
        )
    except CatalogueError as exc:
        return error_response(request, 409, _message(request, exc))
    request.session.flash(request.translate(_("已废止")))
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_upload", request_method="POST", permission=Permission.CATALOGUE_EDIT
)
def item_upload(request):
    item = request.context.item
    if refused := _harvested(request, item):
        return refused
    try:
        _check_item_lock(request, item)
    except CatalogueError as exc:
        return error_response(request, 409, _message(request, exc))
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return error_response(
            request,
            400,
            request.translate(_("请选择要上传的文件")),
            {"file": request.translate(_("必填"))},
        )
    max_bytes = int(s.get(request.registry.settings, "files.max_bytes"))
    with upload.file:
        data = upload.file.read(max_bytes + 1)
    filename = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        kind = check_upload(data, filename, max_bytes)
    except UploadRejected as exc:
        return error_response(
            request, 400, _message(request, exc), {"file": _message(request, exc)}
        )
    digest, key = store_content(request.find_service(IFileStorage), data)
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
    request.session.flash(
        request.translate(_("已上传附件 ${filename}", mapping={"filename": filename}))
    )
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))


@view_config(
    route_name="officer_item_attachment",
    request_method="POST",
    permission=Permission.CATALOGUE_EDIT,
)
def item_attachment_delete(request):
    item = request.context.item
    if refused := _harvested(request, item):
        return refused
    try:
        _check_item_lock(request, item)
    except CatalogueError as exc:
        return error_response(request, 409, _message(request, exc))
    try:
        attachment_id = int(request.matchdict["attachment_id"])
    except ValueError:
        return error_response(request, 404, request.translate(_("没有找到该附件")))
    attachment = request.dbsession.get(Attachment, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        return error_response(request, 404, request.translate(_("没有找到该附件")))
    if item.status == ItemStatus.REPEALED:
        raise HTTPForbidden()
    request.dbsession.delete(attachment)
    request.session.flash(
        request.translate(_("已删除附件 ${filename}", mapping={"filename": attachment.filename}))
    )
    return HTTPSeeOther(request.route_url("officer_item", item_id=item.id))
