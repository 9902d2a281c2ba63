"""One page of a query, for the officers' lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select

from .i18n import _


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    pages: int


def requested_page(request) -> int:
    """The ?page= number; anything odd means page 1."""
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def past_the_end(page: int, total: int, per_page: int) -> bool:
    """Whether page ``page`` lies past the last page (page 1 always exists, even empty)."""
    return page > 1 and (page - 1) * per_page >= total


def require_page(page: int, total: int, per_page: int) -> None:
    """404 for a page past the last one (``?page=999`` of five pages)."""
    if past_the_end(page, total, per_page):
        raise HTTPNotFound(_("没有这一页"))


def paginate(request, query, *order_by, per_page: int = 20) -> Page:
    page = requested_page(request)
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    require_page(page, total, per_page)
    rows = list(
        request.dbsession.scalars(
            query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)
        )
    )
    return Page(rows, total, page, max(1, -(-total // per_page)))
