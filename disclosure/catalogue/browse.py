"""Browsing the public catalogue: validated filters, counts per facet, pagination.

Only visible items (:func:`.visibility.visible_items`) are listed or counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import colander
from sqlalchemy import extract, func, select
from sqlalchemy.orm import selectinload

from ..boundary import field_messages
from ..i18n import CHINESE, _, chinese
from ..models import CatalogueItem
from .forms import ChoiceType
from .visibility import visible_items

MAX_PER_PAGE = 100


def _year(node, value):
    if not 1949 <= value <= 2100:
        raise colander.Invalid(node, _("年份无效"))


def browse_query_schema(request) -> colander.SchemaNode:
    """The query parameters of the browse page and ``GET /api/v1/catalogue``: built once per
    organisation tree (they depend on it and on the configuration only) and shared; treat it as
    read-only (:func:`new_browse_query_schema` makes one to extend)."""
    orgs = request.organisations
    return orgs.memo(
        "browse_query_schema", lambda: new_browse_query_schema(request.catalogue_schema, orgs)
    )


def new_browse_query_schema(schema, orgs) -> colander.SchemaNode:
    """A new browse query schema for the catalogue ``schema`` and the organisation tree."""

    def organisation(node, value):
        if value not in orgs.by_code:
            raise colander.Invalid(node, _("未知机构“${name}”", mapping={"name": value[:50]}))

    root = colander.SchemaNode(colander.Mapping(unknown="ignore"))
    root.add(
        colander.SchemaNode(
            colander.String(), name="organisation", missing=None, validator=organisation
        )
    )
    for name in ("topic", "genre"):
        spec = schema.field(name)
        root.add(
            colander.SchemaNode(
                ChoiceType(schema.vocabulary(spec.vocabulary), spec.label), name=name, missing=None
            )
        )
    root.add(colander.SchemaNode(colander.Int(), name="year", missing=None, validator=_year))
    root.add(
        colander.SchemaNode(
            colander.Int(),
            name="page",
            missing=1,
            validator=colander.Range(
                min=1, max=100000, min_err=_("页码应大于 0"), max_err=_("页码过大")
            ),
        )
    )
    root.add(
        colander.SchemaNode(
            colander.Int(),
            name="per_page",
            missing=20,
            validator=colander.Range(
                min=1,
                max=MAX_PER_PAGE,
                min_err=_("每页条数应大于 0"),
                max_err=_("每页最多 ${max} 条"),  # colander fills in ${max}
            ),
        )
    )
    return root


def parse_query(schema: colander.SchemaNode, params, request=None) -> dict:
    """Validate query parameters (empty ones are left out); on failure raise colander.Invalid
    with ``messages_by_field`` in Chinese, or in the language of ``request`` when given."""
    flat = {k: v for k, v in params.items() if v != ""}
    try:
        return schema.deserialize(flat)
    except colander.Invalid as exc:
        plain = field_messages(exc)  # "；" between messages, not "; "
        if request is not None and request.locale_name != CHINESE:
            shown, translate = field_messages(exc, request), request.translate
        else:  # Chinese as it always was (colander's own messages left untranslated)
            shown, translate = plain, chinese
        exc.messages_by_field = {
            k: (translate(_("应为整数")) if "is not a number" in v else shown.get(k, v))
            for k, v in plain.items()
        }
        raise


def parse_browse_query(request, params) -> dict:
    return parse_query(browse_query_schema(request), params, request)


@dataclass
class BrowseResult:
    items: list[CatalogueItem]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, str, int]]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def browse(request, query: dict, *, with_facets: bool = True) -> BrowseResult:
    orgs = request.organisations
    conditions = []
    if query.get("organisation"):
        conditions.append(
            CatalogueItem.organisation_id.in_(orgs.subtree_ids(orgs.by_code[query["organisation"]]))
        )
    if query.get("topic"):
        conditions.append(CatalogueItem.topic == query["topic"])
    if query.get("genre"):
        conditions.append(CatalogueItem.genre == query["genre"])
    year_expr = extract("year", CatalogueItem.published_on)
    if query.get("year"):
        conditions.append(year_expr == query["year"])
    base = visible_items().where(*conditions)
    total = request.dbsession.scalar(select(func.count()).select_from(base.subquery()))
    page, per_page = query["page"], query["per_page"]
    items = list(
        request.dbsession.scalars(
            base.order_by(CatalogueItem.published_on.desc(), CatalogueItem.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
            # a page's organisations and attachments in one statement each, not one per row
            .options(
                selectinload(CatalogueItem.organisation), selectinload(CatalogueItem.attachments)
            )
        )
    )
    facets = facet_counts(request, conditions, year_expr) if with_facets else {}
    return BrowseResult(items, total, page, per_page, facets)


def facet_counts(request, conditions, year_expr) -> dict[str, list[tuple[str, str, int]]]:
    """(value, label, count) for topic, genre, year and top-level organisation, under the filters
    (the labels of topic, genre and year are marked messages: show them with ``|t``)."""
    schema = request.catalogue_schema
    db = request.dbsession
    sub = visible_items().where(*conditions).subquery()
    out: dict[str, list[tuple[str, str, int]]] = {}
    for name in ("topic", "genre"):
        vocab = schema.vocabulary(schema.field(name).vocabulary)
        rows = db.execute(select(sub.c[name], func.count()).group_by(sub.c[name])).all()
        counts = dict(rows)
        out[name] = [
            (c.code, _(c.label), counts[c.code]) for c in vocab.items if counts.get(c.code)
        ]
    year_col = extract("year", sub.c.published_on)
    rows = db.execute(
        select(year_col, func.count()).group_by(year_col).order_by(year_col.desc())
    ).all()
    out["year"] = [
        (str(int(y)), _("${year}年", mapping={"year": int(y)}), n) for y, n in rows if y is not None
    ]
    orgs = request.organisations
    per_org = dict(
        db.execute(
            select(sub.c.organisation_id, func.count()).group_by(sub.c.organisation_id)
        ).all()
    )
    org_counts = []
    for org, depth in orgs.walk():
        if depth > 1:
            continue
        n = sum(per_org.get(i, 0) for i in orgs.subtree_ids(org))
        if n:
            org_counts.append((org.code, org.name, n))
    out["organisation"] = org_counts
    return out
