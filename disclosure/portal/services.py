"""What the 政府信息公开 column lists: public catalogue items (through the public boundary,
:mod:`disclosure.catalogue.visibility`) of an organisation and its descendants, or of the whole
portal, that match a section's or a kind's ``match``; the published annual reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..catalogue.visibility import visible_items
from ..law.proactive import ProactiveKind
from ..models import AnnualReport, CatalogueItem

Match = Sequence[Mapping[str, Sequence[str]]]
_COLUMNS = {
    "category": CatalogueItem.category,
    "topic": CatalogueItem.topic,
    "genre": CatalogueItem.genre,
}


def _category_clause(codes: Sequence[str]) -> ColumnElement[bool]:
    """The category is one of ``codes`` or below one (codes of a sub-category start with its
    parent's code and ``_``: ``zcwj_gfxwj`` under ``zcwj``)."""
    column = CatalogueItem.category
    return or_(column.in_(codes), *(column.startswith(c + "_", autoescape=True) for c in codes))


def match_clause(match: Match) -> ColumnElement[bool]:
    """SQL for ``match``: any alternative, each with every field holding."""
    alternatives = []
    for alternative in match:
        conditions = [
            _category_clause(codes) if name == "category" else _COLUMNS[name].in_(codes)
            for name, codes in alternative.items()
        ]
        alternatives.append(and_(*conditions))
    return or_(*alternatives) if alternatives else false()


def matches(match: Match, values: Mapping[str, str]) -> bool:
    """The same rule as :func:`match_clause`, for one item's category, topic and genre."""

    def holds(name: str, codes: Sequence[str]) -> bool:
        value = values.get(name) or ""
        if name == "category":
            return any(value == c or value.startswith(c + "_") for c in codes)
        return value in codes

    return any(all(holds(n, c) for n, c in alternative.items()) for alternative in match)


def in_scope(ids: Iterable[int] | None) -> Select:
    """The visible items of the organisations ``ids`` (None: the whole portal)."""
    query = visible_items()
    if ids is not None:
        query = query.where(CatalogueItem.organisation_id.in_(list(ids)))
    return query


def listing(ids: Iterable[int] | None, match: Match) -> Select:
    """The visible items in scope that match, with their organisations loaded with them (order
    them with :data:`NEWEST_FIRST`)."""
    return (
        in_scope(ids).where(match_clause(match)).options(selectinload(CatalogueItem.organisation))
    )


NEWEST_FIRST = (CatalogueItem.published_on.desc(), CatalogueItem.id.desc())


def latest_items(db: Session, ids: Iterable[int] | None, limit: int = 10) -> list[CatalogueItem]:
    return list(
        db.scalars(
            in_scope(ids)
            .options(selectinload(CatalogueItem.organisation))
            .order_by(*NEWEST_FIRST)
            .limit(limit)
        )
    )


def kind_counts(
    db: Session, ids: Iterable[int] | None, kinds: Sequence[ProactiveKind]
) -> dict[str, int]:
    """How many visible items in scope each kind holds: one grouped query, matched here (an
    item may belong to several kinds)."""
    sub = in_scope(ids).subquery()
    rows = db.execute(
        select(sub.c.category, sub.c.topic, sub.c.genre, func.count()).group_by(
            sub.c.category, sub.c.topic, sub.c.genre
        )
    ).all()
    counts = dict.fromkeys((k.code for k in kinds), 0)
    for category, topic, genre, n in rows:
        values = {"category": category, "topic": topic, "genre": genre}
        for kind in kinds:
            if kind.match and matches(kind.match, values):
                counts[kind.code] += n
    return counts


def published_reports(ids: Iterable[int] | None) -> Select:
    """The latest version of each published report in scope (newest year first with
    :data:`REPORTS_ORDER`)."""
    latest = select(
        AnnualReport.organisation_id,
        AnnualReport.year,
        func.max(AnnualReport.version).label("version"),
    ).group_by(AnnualReport.organisation_id, AnnualReport.year)
    if ids is not None:
        latest = latest.where(AnnualReport.organisation_id.in_(list(ids)))
    latest = latest.subquery()
    return (
        select(AnnualReport)
        .join(
            latest,
            and_(
                AnnualReport.organisation_id == latest.c.organisation_id,
                AnnualReport.year == latest.c.year,
                AnnualReport.version == latest.c.version,
            ),
        )
        .options(selectinload(AnnualReport.organisation))
    )


REPORTS_ORDER = (AnnualReport.year.desc(), AnnualReport.organisation_id, AnnualReport.id)


def first_publications(
    db: Session, reports: Sequence[AnnualReport]
) -> dict[tuple[int, int], object]:
    """(organisation id, year) → the day version 1 was published, for the reports on a page."""
    if not reports:
        return {}
    keys = {(r.organisation_id, r.year) for r in reports}
    rows = db.execute(
        select(AnnualReport.organisation_id, AnnualReport.year, AnnualReport.published_on).where(
            AnnualReport.version == 1,
            AnnualReport.organisation_id.in_({k[0] for k in keys}),
            AnnualReport.year.in_({k[1] for k in keys}),
        )
    ).all()
    return {(o, y): d for o, y, d in rows if (o, y) in keys}
