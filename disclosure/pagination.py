"""One page of a query, for the officers' lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select


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


def paginate(request, query, *order_by, per_page: int = 20) -> Page:
    page = requested_page(request)
    total = request.dbsession.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        request.dbsession.scalars(
            query.order_by(*order_by).offset((page - 1) * per_page).limit(per_page)
        )
    )
    return Page(rows, total, page, max(1, -(-total // per_page)))
