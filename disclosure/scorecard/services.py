"""The evaluation from the database: which cases, items, reports and appeals count for each body
in a year, the ranking, and its publication as a catalogue item of the city government.

What counts for evaluation year Y (the dates are business dates):

- cases (indicators 1–2): the body's cases finished in Y: answered, or else closed
  (``statistics.measures.finish_date``); open and withdrawn cases do not count;
- items (3–4): the body's items the public may see (``catalogue.visibility``) first published in
  Y (``CatalogueItem.published_on``, set once at first publication); for 3 the proactive ones;
- the annual report (5): the body's ``AnnualReport`` rows for Y + ``report_year_offset``;
- the guide (6): the body's guide as it stands;
- appeals (7): the ``CaseAppeal`` rows about the body's cases decided in Y with result
  ``corrected``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..catalogue.registry import CatalogueSchema
from ..catalogue.services import CatalogueService, item_fields
from ..catalogue.visibility import visible_clause
from ..i18n import _, chinese
from ..letters.services import reconsideration_body
from ..models import CatalogueItem, DisclosureRequest, Organisation, User
from ..models.annual_reports import AnnualReport, ScorecardPublication
from ..models.appeals import CaseAppeal
from ..statistics.measures import finish_date
from . import indicators as ind
from .config import Scorecard
from .guides import guide_elements
from .ranking import BodyScore, Ranking, rank, score_body

YEARS = range(1990, 2101)  # the years a user may ask for (no date arithmetic outside them)


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def figures_for(
    db: Session,
    scorecard: Scorecard,
    year: int,
    organisations: Iterable[Organisation],
    *,
    calendar: Any,
    schema: CatalogueSchema,
) -> dict[int, dict[str, ind.Figure]]:
    """Every indicator's figure for every body (organisation id → code → figure)."""
    orgs = list(organisations)
    ids = [o.id for o in orgs]
    first, last = _year_bounds(year)
    codes = {i.code for i in scorecard.indicators}
    out: dict[int, dict[str, ind.Figure]] = {o.id: {} for o in orgs}

    if codes & {"on_time_rate", "median_answer_days"}:
        cases: dict[int, list] = defaultdict(list)
        rows = db.scalars(
            select(DisclosureRequest).where(
                DisclosureRequest.organisation_id.in_(ids),
                or_(
                    DisclosureRequest.answered_on.between(first, last),
                    and_(
                        DisclosureRequest.answered_on.is_(None),
                        DisclosureRequest.closed_on.between(first, last),
                    ),
                ),
            )
        )
        for req in rows:
            done = finish_date(req)
            if done is not None and done.year == year:
                cases[req.organisation_id].append(req)
        for org in orgs:
            if "on_time_rate" in codes:
                out[org.id]["on_time_rate"] = ind.on_time_rate(cases[org.id])
            if "median_answer_days" in codes:
                out[org.id]["median_answer_days"] = ind.median_answer_days(cases[org.id], calendar)

    if codes & {"timely_publication", "metadata_completeness"}:
        items: dict[int, list[CatalogueItem]] = defaultdict(list)
        for item in db.scalars(
            select(CatalogueItem).where(
                CatalogueItem.organisation_id.in_(ids),
                visible_clause(),
                CatalogueItem.published_on.between(first, last),
            )
        ):
            items[item.organisation_id].append(item)
        timely = scorecard.indicator("timely_publication")
        checked = scorecard.checked_fields
        for org in orgs:
            if timely is not None:
                days = int(timely.params["working_days"])
                out[org.id]["timely_publication"] = ind.timely_publication(
                    [i for i in items[org.id] if i.disclosure_mode == "proactive"],
                    days,
                    lambda start, n: calendar.add_working_days(start, n).date,
                )
            if "metadata_completeness" in codes:
                out[org.id]["metadata_completeness"] = ind.metadata_completeness(
                    (item, ind.missing_fields(item_fields(item, schema), checked))
                    for item in items[org.id]
                )

    report = scorecard.indicator("annual_report_on_time")
    if report is not None:
        report_year = year + int(report.params["report_year_offset"])
        reports: dict[int, list[AnnualReport]] = defaultdict(list)
        for row in db.scalars(
            select(AnnualReport).where(
                AnnualReport.organisation_id.in_(ids), AnnualReport.year == report_year
            )
        ):
            reports[row.organisation_id].append(row)
        for org in orgs:
            out[org.id]["annual_report_on_time"] = ind.annual_report_on_time(
                reports[org.id], report_year
            )

    guide = scorecard.indicator("guide_complete")
    if guide is not None:
        phrases = list(guide.params["phrases"])
        for org in orgs:
            elements = guide_elements(
                org.guide or "",
                code=org.code,
                reconsideration_body=reconsideration_body(org),
                category_tree_label=schema.category_tree(org.category_tree).label,
                phrases=phrases,
            )
            out[org.id]["guide_complete"] = ind.guide_complete(elements)

    if "corrected_appeals" in codes:
        appeals: dict[int, list[CaseAppeal]] = defaultdict(list)
        for appeal, org_id in db.execute(
            select(CaseAppeal, DisclosureRequest.organisation_id)
            .join(DisclosureRequest, CaseAppeal.request_id == DisclosureRequest.id)
            .where(
                DisclosureRequest.organisation_id.in_(ids),
                CaseAppeal.result == "corrected",
                CaseAppeal.decided_on.between(first, last),
            )
        ):
            appeals[org_id].append(appeal)
        for org in orgs:
            out[org.id]["corrected_appeals"] = ind.corrected_appeals(appeals[org.id])
    return out


def evaluate(
    db: Session,
    scorecard: Scorecard,
    year: int,
    organisations: Iterable[Organisation],
    *,
    calendar: Any,
    schema: CatalogueSchema,
) -> Ranking:
    """Every body scored, and each level's bodies ranked. A body whose kind is not a level (the
    city government) is scored on every indicator and not ranked."""
    orgs = list(organisations)
    figures = figures_for(db, scorecard, year, orgs, calendar=calendar, schema=schema)
    ranking = Ranking(year, scorecard)
    by_level: dict[str, list[BodyScore]] = defaultdict(list)
    for org in orgs:
        level = scorecard.level(org.kind)
        applies = scorecard.for_level(org.kind) if level else scorecard.indicators
        body = score_body(org, level, applies, figures[org.id])
        ranking.bodies[org.id] = body
        if level is not None:
            by_level[level.kind].append(body)
    ranking.tables = [(level, rank(by_level[level.kind])) for level in scorecard.levels]
    return ranking


# --- publication -----------------------------------------------------------------------------


class PublishConflict(Exception):
    """Someone published this year's ranking meanwhile (the expected version is taken)."""

    message = _("本年度评议结果已由他人发布，请刷新页面后重试。")


def publications(db: Session, year: int) -> list[ScorecardPublication]:
    return list(
        db.scalars(
            select(ScorecardPublication)
            .where(ScorecardPublication.year == year)
            .order_by(ScorecardPublication.version)
        )
    )


def next_version(db: Session, year: int) -> int:
    last = db.scalar(
        select(func.max(ScorecardPublication.version)).where(ScorecardPublication.year == year)
    )
    return (last or 0) + 1


def ranking_text(ranking: Ranking) -> str:
    """The published item's body: each level's ranked table as plain text (no case data). In
    Chinese, as every catalogue item the city publishes."""
    lines = [f"{ranking.year}年度{ranking.scorecard.title}结果", ""]  # i18n: the published item
    # i18n: the published item
    lines.append(
        "评议指标及权重："
        + "；".join(f"{i.label}（{i.weight:g}）" for i in ranking.scorecard.indicators)
        + "。总分按百分制折算。"
    )
    for level, rows in ranking.tables:
        lines += ["", f"{level.label}（{len(rows)}个）", "名次\t单位\t总分"]  # i18n: published
        for b in rows:
            total = "—" if b.total is None else f"{b.total:.2f}"
            lines.append(f"{b.rank or '—'}\t{b.organisation.name}\t{total}")
    return "\n".join(lines)


def publish(
    db: Session,
    catalogue: CatalogueService,
    ranking: Ranking,
    city: Organisation,
    user: User | None,
    today: date,
    expected_version: int,
) -> ScorecardPublication:
    """Freeze ``ranking`` as the next version of the year's publication and publish it as a
    catalogue item of ``city`` (genre 考核评议结果, topic 综合政务) through the catalogue service,
    which gives it its 索引号. A later version revises the same item (same 索引号)."""
    version = next_version(db, ranking.year)
    if version != expected_version:
        raise PublishConflict(chinese(PublishConflict.message))
    title = f"{city.name}{ranking.year}年度{ranking.scorecard.title}结果"  # i18n: published
    # i18n: the published catalogue item, in Chinese
    data = {
        "title": title if version == 1 else f"{title}（第{version}版）",
        "summary": f"{ranking.year}年度各部门、县（市、区）和乡镇（街道）政府信息公开工作考核评议排名。",
        "body": ranking_text(ranking),
        "created_on": today,
        "topic": "general_affairs",
        "genre": "evaluation",
        "keywords": ["政府信息公开", "考核评议"],
        "disclosure_mode": "proactive",
        "validity": "valid",
    }
    earlier = next(
        (p for p in reversed(publications(db, ranking.year)) if p.catalogue_item is not None), None
    )
    if earlier is not None and earlier.catalogue_item.status != "repealed":
        item = earlier.catalogue_item
        data.pop("created_on")
        data["note"] = f"第{version}版评议结果"  # i18n: the item's version note (a record)
        catalogue.save_draft(item, data, user)
    else:
        item = catalogue.create(city, data, user)
    catalogue.publish(item, user, today)
    row = ScorecardPublication(
        year=ranking.year,
        version=version,
        ranking=ranking.as_json(),
        scorecard=ranking.scorecard.as_json(),
        published_on=today,
        published_by_id=user.id if user is not None else None,
        catalogue_item_id=item.id,
    )
    db.add(row)
    db.flush()
    return row
