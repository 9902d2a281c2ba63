"""Published versions of an organisation's annual report (政府信息公开工作年度报告, issue 11).

A report is a *draft* until its first publication: the draft is computed live from the cases,
the catalogue, the appeals and the officers' inputs (``ReportInput``), so it never goes stale.
Publishing freezes everything the report says into a new ``AnnualReport`` row: the three tables
(``figures``, the JSON shape of ``GET /api/v1/organisations/{code}/annual-reports/{year}``) and
the narrative sections (``sections``). A later correction is a new row with the next
``version`` and a ``change_note`` saying what changed; earlier versions stay as they were.
The published report is also a catalogue item of the organisation (``catalogue_item_id``),
genre 年度报告, topic 综合政务, with its 索引号.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .catalogue import CatalogueItem
from .meta import Base
from .organisations import Organisation
from .search import utcnow
from .users import User


class AnnualReport(Base):
    """One published version of one organisation's report for one year."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the frozen tables: {"table2": …, "table3": {"rows": …}, "table4": …, "identity_holds": …}
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the frozen narrative sections and hand-entered figures (ReportInput's fields)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    change_note: Mapped[str] = mapped_column(Text, default="")  # what a correction changed
    published_on: Mapped[date] = mapped_column(Date)  # the business day (Asia/Shanghai)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_time: Mapped[bool] = mapped_column(
        Boolean, default=True
    )  # first publication by the due date
    catalogue_item_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_items.id"))
    pdf_key: Mapped[str] = mapped_column(String(255), default="")  # the stored PDF, if any

    organisation: Mapped[Organisation] = relationship()
    published_by: Mapped[User | None] = relationship()
    catalogue_item: Mapped[CatalogueItem | None] = relationship()


class ScorecardPublication(Base):
    """The city's yearly evaluation (评比) as published: the ranking frozen with the indicators
    and weights it was computed with, and the catalogue item that publishes it."""

    __tablename__ = "scorecard_publications"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    ranking: Mapped[dict[str, Any]] = mapped_column(JSON)  # per level: the ranked rows
    scorecard: Mapped[dict[str, Any]] = mapped_column(JSON)  # indicators, weights, thresholds
    published_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    catalogue_item_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_items.id"))

    published_by: Mapped[User | None] = relationship()
    catalogue_item: Mapped[CatalogueItem | None] = relationship()
