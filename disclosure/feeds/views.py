"""Atom feeds of the latest public items (the portal, an organisation with everything below it,
a topic) and the sitemap of the public pages. What an entry shows comes from the public
boundary (:mod:`disclosure.catalogue.visibility`), as on the item page."""

from __future__ import annotations

from datetime import UTC

import colander
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..boundary import error_response, field_messages
from ..catalogue.visibility import public_fields, visible_items
from ..clock import today
from ..i18n import HTML_LANG, _
from ..models import CatalogueItem, CatalogueItemVersion
from ..models.catalogue import VersionState
from ..security import Permission
from .atom import (
    SITEMAP_LIMIT,
    Entry,
    Feed,
    atom_document,
    day_start,
    sitemap_index,
    urlset,
)

PER_PAGE = 20
ATOM_TYPE = "application/atom+xml"
XML_TYPE = "application/xml"


class FeedQuery(colander.MappingSchema):
    page = colander.SchemaNode(
        colander.Int(),
        missing=1,
        validator=colander.Range(min=1, min_err=_("页码应为正整数")),
        msg=_("页码应为正整数"),
    )


def _page(request) -> int:
    return FeedQuery().deserialize({k: v for k, v in request.GET.items() if k == "page"})["page"]


def _revised_at(db, ids: list[int]) -> dict[int, object]:
    """Each item's latest publication instant (first publication or revision), one query."""
    if not ids:
        return {}
    rows = db.execute(
        select(CatalogueItemVersion.item_id, func.max(CatalogueItemVersion.published_at))
        .where(
            CatalogueItemVersion.item_id.in_(ids),
            CatalogueItemVersion.state.in_([VersionState.PUBLISHED, VersionState.SUPERSEDED]),
        )
        .group_by(CatalogueItemVersion.item_id)
    ).all()
    return dict(rows)


def _entry(request, item: CatalogueItem, revised) -> Entry:
    schema = request.catalogue_schema
    fields = public_fields(item, schema)
    published = day_start(item.published_on)
    # a revision is published later than the date the item first came out
    updated = max(published, revised.replace(tzinfo=UTC)) if revised is not None else published
    categories = []
    if item.topic:
        categories.append((item.topic, schema.label("topic", item.topic, "")))
    url = request.route_url("item", index_number=item.index_number)
    return Entry(
        id=url,
        title=item.title
        + (request.translate(_("（已废止）")) if item.status == "repealed" else ""),
        url=url,
        published=published,
        updated=updated,
        author=item.organisation.name,
        summary=fields.get("summary") or "",
        categories=tuple(categories),
    )


def _feed(request, conditions, *, title, alternate: str) -> Response:
    """A page of the feed; ``title`` is a marked message (translated here)."""
    try:
        page = _page(request)
    except colander.Invalid as exc:
        return error_response(request, 400, _("订阅参数有误"), field_messages(exc, request))
    db = request.dbsession
    base = visible_items().where(*conditions)
    total = db.scalar(select(func.count()).select_from(base.subquery()))
    last = max(1, -(-total // PER_PAGE))
    if page > last:
        raise HTTPNotFound(_("没有这一页"))
    items = list(
        db.scalars(
            base.order_by(CatalogueItem.published_on.desc(), CatalogueItem.id.desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
            .options(selectinload(CatalogueItem.organisation))
        )
    )
    revised = _revised_at(db, [i.id for i in items])
    entries = [_entry(request, i, revised.get(i.id)) for i in items]

    def at(n: int) -> str:
        return request.current_route_url(_query={"page": n} if n > 1 else {})

    links = {"first": at(1), "last": at(last)}
    if page > 1:
        links["previous"] = at(page - 1)
    if page < last:
        links["next"] = at(page + 1)
    updated = max((e.updated for e in entries), default=None) or day_start(today(request))
    feed = Feed(
        id=at(1),
        title=request.translate(title),
        subtitle=request.translate(_("政府信息公开目录 · 最新公开的政府信息")),
        self_url=at(page),
        alternate_url=alternate,
        updated=updated,
        entries=entries,
        links=links,
        lang=HTML_LANG.get(request.locale_name, request.locale_name),
    )
    return Response(body=atom_document(feed), content_type=ATOM_TYPE, charset="utf-8")


@view_config(route_name="feed_portal", permission=Permission.VIEW)
def portal_feed(request):
    roots = request.organisations.roots
    portal = roots[0].name if roots else request.translate(_("政府信息公开"))
    return _feed(
        request,
        [],
        title=_("${name} · 政府信息公开", mapping={"name": portal}),
        alternate=request.route_url("catalogue"),
    )


@view_config(route_name="feed_organisation", permission=Permission.VIEW)
def organisation_feed(request):
    orgs = request.organisations
    org = orgs.by_code.get(request.matchdict["code"])
    if org is None:
        raise HTTPNotFound(_("没有找到该机构"))
    return _feed(
        request,
        [CatalogueItem.organisation_id.in_(orgs.subtree_ids(org))],
        title=_("${name} · 政府信息公开", mapping={"name": org.name}),
        alternate=request.route_url("catalogue", _query={"organisation": org.code}),
    )


@view_config(route_name="feed_topic", permission=Permission.VIEW)
def topic_feed(request):
    schema = request.catalogue_schema
    vocabulary = schema.vocabulary(schema.field("topic").vocabulary)
    code = request.matchdict["topic"]
    choice = next((c for c in vocabulary.items if c.code == code), None)
    if choice is None:
        raise HTTPNotFound(_("没有这个主题"))
    return _feed(
        request,
        [CatalogueItem.topic == code],
        title=_("主题：${topic} · 政府信息公开", mapping={"topic": choice.label}),
        alternate=request.route_url("catalogue", _query={"topic": code}),
    )


# --- the sitemap ------------------------------------------------------------------------------


def _site_urls(request) -> list[tuple[str, object]]:
    urls: list[tuple[str, object]] = [
        (request.route_url("home"), None),
        (request.route_url("catalogue"), None),
        (request.route_url("organisations"), None),
        (request.route_url("statistics"), None),
        (request.route_url("request_new"), None),
    ]
    for org, _depth in request.organisations.walk():
        urls.append((request.route_url("organisation", code=org.code), None))
        urls.append((request.route_url("guide", code=org.code), None))
    rows = request.dbsession.execute(
        visible_items(CatalogueItem.index_number, CatalogueItem.published_on).order_by(
            CatalogueItem.id
        )
    )
    for index_number, published_on in rows:
        urls.append((request.route_url("item", index_number=index_number), published_on))
    return urls


@view_config(route_name="sitemap", permission=Permission.VIEW)
def sitemap(request):
    urls = _site_urls(request)
    if len(urls) <= SITEMAP_LIMIT:
        body = urlset(urls)
    else:
        parts = -(-len(urls) // SITEMAP_LIMIT)
        body = sitemap_index(request.route_url("sitemap_part", n=n) for n in range(1, parts + 1))
    return Response(body=body, content_type=XML_TYPE, charset="utf-8")


@view_config(route_name="sitemap_part", permission=Permission.VIEW)
def sitemap_part(request):
    n = int(request.matchdict["n"])
    urls = _site_urls(request)
    chunk = urls[(n - 1) * SITEMAP_LIMIT : n * SITEMAP_LIMIT]
    if n < 1 or not chunk or len(urls) <= SITEMAP_LIMIT:
        raise HTTPNotFound(_("没有这一部分"))
    return Response(body=urlset(chunk), content_type=XML_TYPE, charset="utf-8")
