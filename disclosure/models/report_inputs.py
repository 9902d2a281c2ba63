"""Figures and narrative sections of an organisation's annual report that officers enter by hand
(issue 11): table 二's 行政许可, 行政处罚, 行政强制 and 行政事业性收费 rows, and sections 一, 五,
六, plus 工作考核、社会评议和责任追究 (Art. 50(4)) for a government's own report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .meta import Base
from .organisations import Organisation
from .search import utcnow
from .users import User

# organisation kinds whose report is a government's own (Art. 50(4))
GOVERNMENT_KINDS = ("city", "county")


class ReportInput(Base):
    """One organisation's hand-entered report data for one year. The counts and the fee amount
    stay empty until entered."""

    __tablename__ = "report_inputs"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    licences: Mapped[int | None] = mapped_column(Integer)  # 行政许可
    penalties: Mapped[int | None] = mapped_column(Integer)  # 行政处罚
    enforcement: Mapped[int | None] = mapped_column(Integer)  # 行政强制
    fees_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))  # 行政事业性收费（万元）
    overview: Mapped[str] = mapped_column(Text, default="")  # 一 总体情况
    problems: Mapped[str] = mapped_column(Text, default="")  # 五 存在的主要问题及改进情况
    other_matters: Mapped[str] = mapped_column(Text, default="")  # 六 其他需要报告的事项
    accountability: Mapped[str] = mapped_column(Text, default="")  # 工作考核、社会评议和责任追究
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    def touch(self, user: User) -> None:
        self.updated_by = user
        self.updated_at = utcnow()
