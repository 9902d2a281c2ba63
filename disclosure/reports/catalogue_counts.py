"""Table 二, 第二十条第（一）项: regulations (规章) and normative documents (行政规范性文件), counted
from the catalogue.

An item counts when its ``normative_kind`` (catalog_schemas/fields.yaml, kept in the item's
``extra`` data) is ``regulation`` or ``normative_document`` and it is not a draft (published,
revised or repealed). For a year:

- **made** (本年制发件数): its 成文日期 (``created_on``) falls in the year;
- **repealed** (本年废止件数): its 废止日期 (``repealed_on``) falls in the year;
- **in_force** (现行有效件数): made on or before 31 December and not repealed by then (no
  ``repealed_on``, or one after 31 December).

The kind is filtered in SQL (a JSON look-up that SQLite and PostgreSQL both understand); the
dates are compared in Python, so a malformed stored date is simply not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CatalogueItem
from ..models.catalogue import ItemStatus

#: The two kinds of table 二's 第二十条第（一）项 row, as coded in vocabularies/normative_kinds.yaml.
NORMATIVE_KINDS: tuple[str, ...] = ("regulation", "normative_document")
#: The statuses that count: every item that has been published.
COUNTED_STATUSES: tuple[str, ...] = (
    ItemStatus.PUBLISHED.value,
    ItemStatus.REVISED.value,
    ItemStatus.REPEALED.value,
)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def normative_counts(
    db: Session, organisation_ids: Iterable[int], year: int
) -> dict[str, dict[str, int]]:
    """``{kind: {"made": n, "repealed": n, "in_force": n}}`` for both kinds, over the items of
    the given organisations, for ``year``."""
    counts = {kind: {"made": 0, "repealed": 0, "in_force": 0} for kind in NORMATIVE_KINDS}
    ids = list(organisation_ids)
    if not ids:
        return counts
    kind_of = CatalogueItem.extra["normative_kind"].as_string()
    rows = db.execute(
        select(kind_of, CatalogueItem.created_on, CatalogueItem.extra).where(
            CatalogueItem.organisation_id.in_(ids),
            CatalogueItem.status.in_(COUNTED_STATUSES),
            kind_of.in_(NORMATIVE_KINDS),
        )
    )
    year_end = date(year, 12, 31)
    for kind, created_on, extra in rows:
        tally = counts.get(kind)
        if tally is None:  # pragma: no cover - the SQL filter keeps only known kinds
            continue
        made = _as_date(created_on)
        repealed = _as_date((extra or {}).get("repealed_on"))
        if made is not None and made.year == year:
            tally["made"] += 1
        if repealed is not None and repealed.year == year:
            tally["repealed"] += 1
        if made is not None and made <= year_end and (repealed is None or repealed > year_end):
            tally["in_force"] += 1
    return counts
