"""The counts of the officer's landing page, each over the organisations the officer may read
for that kind of thing (an officer: their own; an org admin: their organisation and those below
it; the city office: all), in one query per kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from ..calendar.workdays import WorkingCalendar
from ..law import Law
from ..models import CatalogueItem, DisclosureRequest
from ..models.catalogue import ItemStatus
from ..models.requests import OPEN_STATUSES
from ..reports import lifecycle
from ..requests.queues import QUEUES, Queue

#: how many of the most urgent cases the page lists (overdue first, then due soon)
URGENT = 10


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class CaseCounts:
    open: int
    queues: list[tuple[Queue, int]]
    urgent: list[DisclosureRequest] = field(default_factory=list)

    def count(self, name: str) -> int:
        return next(n for q, n in self.queues if q.name == name)


def case_counts(
    db: Session, ids: Sequence[int], today: date, calendar: WorkingCalendar
) -> CaseCounts:
    if not ids:
        return CaseCounts(0, [(q, 0) for q in QUEUES.values()])
    clauses = {name: q.clause(today, calendar) for name, q in QUEUES.items()}
    row = db.execute(
        select(
            _count_if(DisclosureRequest.status.in_(OPEN_STATUSES)),
            *(_count_if(c) for c in clauses.values()),
        ).where(DisclosureRequest.organisation_id.in_(ids))
    ).one()
    counts = CaseCounts(
        int(row[0]), [(QUEUES[n], int(v)) for n, v in zip(clauses, row[1:], strict=True)]
    )
    counts.urgent = list(
        db.scalars(
            select(DisclosureRequest)
            .where(
                DisclosureRequest.organisation_id.in_(ids),
                clauses["overdue"] | clauses["due_soon"],
            )
            .options(selectinload(DisclosureRequest.organisation))
            .order_by(DisclosureRequest.due_on, DisclosureRequest.id)
            .limit(URGENT)
        )
    )
    return counts


@dataclass(frozen=True)
class CatalogueCounts:
    drafts: int  # never published
    pending: int  # published, with changes waiting to be published


def catalogue_counts(db: Session, ids: Sequence[int]) -> CatalogueCounts:
    if not ids:
        return CatalogueCounts(0, 0)
    row = db.execute(
        select(
            _count_if(CatalogueItem.status == ItemStatus.DRAFT),
            _count_if(
                and_(CatalogueItem.has_draft.is_(True), CatalogueItem.status != ItemStatus.DRAFT)
            ),
        ).where(CatalogueItem.organisation_id.in_(ids))
    ).one()
    return CatalogueCounts(int(row[0]), int(row[1]))


@dataclass(frozen=True)
class ReportSummary:
    year: int
    own: lifecycle.ReportState | None  # the officer's own organisation's
    counts: dict[str, int]  # state → how many of the organisations read


def report_summary(db: Session, own, orgs: Sequence, law: Law, today: date) -> ReportSummary:
    """The reports for the reporting year the dashboards announce (``lifecycle.notice_year``):
    the officer's own organisation's state, and how many of the others are in each state."""
    year = lifecycle.notice_year(today)
    states = lifecycle.states(db, orgs, year, law, today)
    counts = dict.fromkeys(lifecycle.STATE_LABELS, 0)
    for state in states:
        counts[state.state] += 1
    mine = next((s for s in states if s.organisation.id == own.id), None)
    return ReportSummary(year, mine, counts)
