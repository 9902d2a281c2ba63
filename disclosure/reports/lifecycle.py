"""The annual report's lifecycle (issue 11; DOMAIN.md §5): a live draft, publication, corrections.

- **Draft.** Until its first publication a report is computed live (``compute_report``) from the
  cases, the catalogue, the appeals and the officers' ``ReportInput``; it never goes stale.
- **Publication** (:func:`publish`) is refused while table 三 breaks 一 + 二 = 三（七） + 四
  (:class:`IdentityBroken` carries the cases behind the difference). Otherwise it freezes the
  three tables and the sections (the ``ReportInput`` texts and figures, and the fees collected on
  requests for section 六) into ``AnnualReport`` version 1, records whether it came by the due
  date (``Law.report_deadline``), and publishes a catalogue item of the organisation (genre
  年度报告, topic 综合政务) with the report as its body and the PDF attached; the item gets its
  索引号 from the catalogue service.
- **Correction** (:func:`correct`): a new version N+1 frozen from the live data, with the
  officer's 更正说明 and the list of changed cells, and a revision of the catalogue item.

Published figures never change afterwards: a case answered later moves the live draft only.

Every state-changing call takes the ``expected`` version (the number of published versions + 1,
the form's ``lock_version``): a page rendered before someone else published is stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..files.services import store_content
from ..i18n import _, chinese
from ..law import Law, ReportDeadline
from ..models import AnnualReport, Attachment, Organisation, ReportInput, User
from ..models.organisations import organisation_row
from ..requests.fees import fee_totals
from .compute import ReportFigures, compute_report
from .inputs import ACCOUNTABILITY, SECTIONS, is_government
from .tables import changed_cells

DRAFT, PUBLISHED, OVERDUE = "draft", "published", "overdue"
STATE_LABELS = {DRAFT: _("草稿"), PUBLISHED: _("已发布"), OVERDUE: _("已逾期")}
GENRE, TOPIC = "annual_report", "general_affairs"
KEYWORDS = ["政府信息公开", "年度报告"]  # i18n: the catalogue item's keywords (stored data)
# why publication or a correction is refused (marked messages: shown through request.translate)
STALE = _("该年度报告已被他人发布或更正，请刷新页面后重试。")
IDENTITY_BROKEN = _("表三不满足“一 + 二 = 三（七） + 四”，不能发布。请先处理下列申请。")
NOT_PUBLISHED = _("该年度报告尚未发布，不能更正；请先发布。")
ALREADY_PUBLISHED = _("该年度报告已经发布；如需修改，请发布更正。")
NOTHING_CHANGED_NOTE = "（数据未变化）"  # i18n: in the published correction note (report content)


class ReportError(Exception):
    """Publication or correction is not possible; ``exc.message`` (a marked message) says why,
    ``str(exc)`` in Chinese."""

    @property
    def message(self):
        return self.args[0] if self.args else ""


class StaleReport(ReportError):
    """Someone published or corrected the report since the page was rendered."""


class IdentityBroken(ReportError):
    """Table 三 breaks the identity; ``figures.discrepancies`` lists the cases."""

    def __init__(self, figures: ReportFigures) -> None:
        super().__init__(IDENTITY_BROKEN)
        self.figures = figures


def title(organisation: Organisation, year: int) -> str:
    return f"{organisation.name}{year}年政府信息公开工作年度报告"  # i18n: the report's legal title


# -- reading -----------------------------------------------------------------------------------


def versions(db: Session, organisation: Organisation, year: int) -> list[AnnualReport]:
    """The published versions, oldest first."""
    return list(
        db.scalars(
            select(AnnualReport)
            .where(AnnualReport.organisation_id == organisation.id, AnnualReport.year == year)
            .order_by(AnnualReport.version)
        )
    )


def live_figures(db: Session, organisation: Organisation, year: int, law: Law) -> ReportFigures:
    return compute_report(db, [organisation], year, law)


def section_keys(organisation: Organisation) -> tuple[tuple[str, str], ...]:
    return (*SECTIONS, ACCOUNTABILITY) if is_government(organisation) else SECTIONS


def live_sections(db: Session, organisation: Organisation, year: int) -> dict[str, Any]:
    """The narrative sections as the officers left them, and the fees of section 六."""
    row = db.scalars(
        select(ReportInput).where(
            ReportInput.organisation_id == organisation.id, ReportInput.year == year
        )
    ).first()
    out: dict[str, Any] = {
        name: (getattr(row, name) or "") if row else ""
        for name, _label in section_keys(organisation)
    }
    fees = next(iter(fee_totals(db, [organisation.id], year)), None)
    out["fees"] = {
        key: int(getattr(fees, key, 0) or 0)
        for key in ("notices", "charged", "paid", "collected", "unpaid")
    }
    return out


def fees_sentence(fees: dict[str, Any]) -> str:
    """Section 六's fee figures as one sentence."""
    if not any(fees.get(k) for k in ("notices", "paid", "unpaid")):
        return "本年度未收取信息处理费。"  # i18n: section 六 of the report (report content)
    # i18n: section 六 of the report (report content)
    return (
        f"本年度发出信息处理费收费通知{fees.get('notices', 0)}件，金额{fees.get('charged', 0)}元；"
        f"收取信息处理费{fees.get('paid', 0)}件，共{fees.get('collected', 0)}元；"
        f"因申请人逾期未缴费不再处理{fees.get('unpaid', 0)}件。"
    )


def section_texts(organisation: Organisation, sections: dict[str, Any]) -> list[tuple[str, str]]:
    """The narrative sections in report order (一, 五, 六), as (heading, text). Section 六 adds
    the fees collected on requests and, for a government's own report, the 工作考核、社会评议和
    责任追究 text (Art. 50(4)). The headings are marked messages (a page shows them translated,
    the PDF and the catalogue item in Chinese); the texts are the report's content, in Chinese."""
    labels = dict(section_keys(organisation))
    six = [sections.get("other_matters") or "", fees_sentence(sections.get("fees") or {})]
    if "accountability" in labels and sections.get("accountability"):
        # i18n: section 六 of the report (report content)
        six.append(f"{chinese(labels['accountability'])}：{sections['accountability']}")
    # i18n: an empty section of the report (report content)
    return [
        (labels["overview"], sections.get("overview") or "（未填写）"),
        (labels["problems"], sections.get("problems") or "（未填写）"),
        (labels["other_matters"], "\n".join(t for t in six if t)),
    ]


@dataclass
class Report:
    """What one page, file or JSON answer shows of one report: a published version (frozen),
    or the live draft."""

    organisation: Organisation
    year: int
    figures: ReportFigures
    deadline: ReportDeadline
    published: AnnualReport | None = None  # the version shown; None: the live draft
    sections: dict[str, Any] | None = None  # None: not to be shown (a draft, to the public)
    versions: Sequence[AnnualReport] = field(default_factory=list)  # every published one

    @property
    def status(self) -> str:
        return PUBLISHED if self.published is not None else DRAFT

    @property
    def version(self) -> int | None:
        return self.published.version if self.published is not None else None

    @property
    def title(self) -> str:
        return title(self.organisation, self.year)

    def section_texts(self) -> list[tuple[str, str]]:
        return section_texts(self.organisation, self.sections) if self.sections else []

    def as_json(self) -> dict[str, Any]:
        """The API's answer: exactly these keys."""
        return {
            "organisation": self.organisation.code,
            "year": self.year,
            "status": self.status,
            "version": self.version,
            "published_on": (
                self.published.published_on.isoformat() if self.published is not None else None
            ),
            **self.figures.as_json(),
        }


def load(
    db: Session,
    organisation: Organisation,
    year: int,
    law: Law,
    version: int | None = None,
    with_draft_sections: bool = False,
) -> Report | None:
    """The latest published version (or ``version``; None when there is no such version), else
    the live draft (its sections only ``with_draft_sections``)."""
    found = versions(db, organisation, year)
    deadline = law.report_deadline(organisation.kind, year)
    if version is not None:
        chosen = next((r for r in found if r.version == version), None)
        if chosen is None:
            return None
    else:
        chosen = found[-1] if found else None
    if chosen is not None:
        return Report(
            organisation,
            year,
            ReportFigures.from_json(chosen.figures),
            deadline,
            chosen,
            dict(chosen.sections or {}),
            found,
        )
    sections = live_sections(db, organisation, year) if with_draft_sections else None
    return Report(
        organisation, year, live_figures(db, organisation, year, law), deadline, None, sections
    )


# -- the report as text (the catalogue item's body) -------------------------------------------


def as_text(report: Report) -> str:
    from .tables import (
        TABLE2_CSV_HEADER,
        TABLE2_TITLE,
        TABLE3_CSV_HEADER,
        TABLE3_TITLE,
        TABLE4_CSV_HEADER,
        TABLE4_TITLE,
        table2_rows,
        table3_rows,
        table4_rows,
    )

    figures = report.figures.as_json()
    texts = report.section_texts()
    lines: list[str] = []
    if texts:
        lines += [chinese(texts[0][0]), texts[0][1], ""]
    for heading, header, rows in (
        (TABLE2_TITLE, TABLE2_CSV_HEADER, table2_rows(figures["table2"])),
        (TABLE3_TITLE, TABLE3_CSV_HEADER, table3_rows(figures["table3"])),
        (TABLE4_TITLE, TABLE4_CSV_HEADER, table4_rows(figures["table4"])),
    ):
        lines.append(heading)
        lines.append(" | ".join(header))
        lines += [" | ".join(cell or "—" for cell in row) for row in rows]
        lines.append("")
    for heading, text in texts[1:]:
        lines += [chinese(heading), text, ""]
    if report.published is not None and report.published.change_note:
        lines += ["更正说明", report.published.change_note]  # i18n: report content
    return "\n".join(lines).strip()


# -- writing -----------------------------------------------------------------------------------


def _check_expected(found: list[AnnualReport], expected: int) -> None:
    if expected != len(found) + 1:
        raise StaleReport(STALE)


def _freeze(
    db: Session,
    organisation: Organisation,
    year: int,
    law: Law,
    version: int,
    user: User | None,
    today: date,
    note: str,
) -> AnnualReport:
    figures = live_figures(db, organisation, year, law)
    if not figures.identity_holds:
        raise IdentityBroken(figures)
    deadline = law.report_deadline(organisation.kind, year)
    row = AnnualReport(
        organisation=organisation_row(db, organisation),
        year=year,
        version=version,
        figures=figures.as_json(),
        sections=live_sections(db, organisation, year),
        change_note=note,
        published_on=today,
        published_by=user,
        on_time=today <= deadline.due_on,
    )
    return row


def _catalogue_data(report: Report, today: date, note: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": report.title,
        "summary": f"{report.title}（第{report.version}版）",  # i18n: the catalogue item (data)
        "body": as_text(report),
        "document_number": "",
        "created_on": today,
        "published_on": today,
        "topic": TOPIC,
        "genre": GENRE,
        "keywords": list(KEYWORDS),
        "disclosure_mode": "proactive",
        "validity": "valid",
    }
    if note:
        data["note"] = note
    return data


def _attach_pdf(db: Session, storage, item, report: Report, pdf: bytes, user, text: str):
    digest, key = store_content(storage, pdf)
    attachment = Attachment(
        item=item,
        filename=f"{report.title}（第{report.version}版）.pdf",  # i18n: the report's file name
        media_type="application/pdf",
        kind="pdf",
        size=len(pdf),
        sha256=digest,
        storage_key=key,
        text=text,
        created_by_id=user.id if user is not None else None,
    )
    db.add(attachment)
    return key


def _save(db: Session, row: AnnualReport) -> None:
    """Add the new version; a version stored by someone else at the same moment is stale."""
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise StaleReport(STALE) from None


def publish(
    db: Session,
    catalogue,
    storage,
    organisation: Organisation,
    year: int,
    law: Law,
    user: User | None,
    today: date,
    expected: int,
    render_pdf=None,
) -> AnnualReport:
    """Publish version 1 (see the module docstring). ``render_pdf(report) -> bytes`` builds the
    PDF attached to the catalogue item (None: none attached)."""
    found = versions(db, organisation, year)
    if found and expected == len(found) + 1:
        raise ReportError(ALREADY_PUBLISHED)
    _check_expected(found, expected)
    row = _freeze(db, organisation, year, law, 1, user, today, "")
    _save(db, row)
    report = _report_of(row, law, [row])
    item = catalogue.create(organisation, _catalogue_data(report, today), user)
    if render_pdf is not None:
        row.pdf_key = _attach_pdf(db, storage, item, report, render_pdf(report), user, "")
    db.flush()
    catalogue.publish(item, user, today)
    row.catalogue_item = item
    db.flush()
    return row


def correct(
    db: Session,
    catalogue,
    storage,
    organisation: Organisation,
    year: int,
    law: Law,
    user: User | None,
    today: date,
    expected: int,
    note: str,
    render_pdf=None,
) -> AnnualReport:
    """Publish version N+1 from the live data, with ``note`` (the officer's 更正说明) and the
    changed cells, and revise the catalogue item."""
    found = versions(db, organisation, year)
    if not found:
        raise ReportError(NOT_PUBLISHED)
    _check_expected(found, expected)
    previous = found[-1]
    row = _freeze(db, organisation, year, law, previous.version + 1, user, today, "")
    changes = changed_cells(previous.figures, row.figures)
    # i18n: the published correction note lists what changed (report content)
    changes += [
        f"{chinese(label)}：已修改"
        for name, label in section_keys(organisation)
        if (previous.sections or {}).get(name, "") != row.sections.get(name, "")
    ]
    if (previous.sections or {}).get("fees") != row.sections.get("fees"):
        changes.append("六、信息处理费：已修改")  # i18n: the correction note (report content)
    # i18n: the correction note (report content)
    row.change_note = note.strip() + "\n变更内容：" + ("；".join(changes) or NOTHING_CHANGED_NOTE)
    row.on_time = previous.on_time  # "on time" is the first publication's
    _save(db, row)
    report = _report_of(row, law, [*found, row])
    item = previous.catalogue_item
    if item is None:  # pragma: no cover - every published version has its item
        item = catalogue.create(organisation, _catalogue_data(report, today), user)
        catalogue.publish(item, user, today)
    else:
        data = _catalogue_data(report, today, f"更正：{note.strip()}")  # i18n: the item's note
        data.pop("created_on")
        data.pop("published_on")
        catalogue.save_draft(item, data, user)
        if render_pdf is not None:
            for old in list(item.attachments):
                if old.storage_key == previous.pdf_key:
                    db.delete(old)  # the bytes stay: version N's own PDF link still serves them
            db.flush()
            db.refresh(item)
        if render_pdf is not None:
            row.pdf_key = _attach_pdf(db, storage, item, report, render_pdf(report), user, "")
            db.flush()
        catalogue.publish(item, user, today)
    row.catalogue_item = item
    db.flush()
    return row


def _report_of(row: AnnualReport, law: Law, found: list[AnnualReport]) -> Report:
    return Report(
        row.organisation,
        row.year,
        ReportFigures.from_json(row.figures),
        law.report_deadline(row.organisation.kind, row.year),
        row,
        dict(row.sections or {}),
        found,
    )


# -- deadlines and states ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportState:
    organisation: Organisation
    year: int
    deadline: ReportDeadline
    state: str  # DRAFT | PUBLISHED | OVERDUE
    latest: AnnualReport | None  # the latest published version
    first_published_on: date | None
    on_time: bool | None  # None: not published

    @property
    def label(self) -> str:
        """A marked message: shown through ``request.translate`` or the ``t`` filter."""
        return STATE_LABELS[self.state]


def states(
    db: Session, organisations: Iterable[Organisation], year: int, law: Law, today: date
) -> list[ReportState]:
    """Each organisation's report state for ``year`` (one query for all of them)."""
    orgs = list(organisations)
    ids = [o.id for o in orgs]
    latest: dict[int, AnnualReport] = {}
    first: dict[int, AnnualReport] = {}
    if ids:
        rows = db.scalars(
            select(AnnualReport).where(
                AnnualReport.organisation_id.in_(ids), AnnualReport.year == year
            )
        )
        for row in rows:
            mine = latest.get(row.organisation_id)
            if mine is None or row.version > mine.version:
                latest[row.organisation_id] = row
            if row.version == 1:
                first[row.organisation_id] = row
    out = []
    for org in orgs:
        deadline = law.report_deadline(org.kind, year)
        row = latest.get(org.id)
        if row is not None:
            state = PUBLISHED
        elif today > deadline.due_on:
            state = OVERDUE
        else:
            state = DRAFT
        one = first.get(org.id)
        out.append(
            ReportState(
                org,
                year,
                deadline,
                state,
                row,
                one.published_on if one else None,
                one.on_time if one else None,
            )
        )
    return out


def notice_year(today: date) -> int:
    """The year whose report the dashboards announce: from 1 December of a year on, that
    year's; before, the previous year's."""
    return today.year if today.month == 12 else today.year - 1


def dashboard_notice(db: Session, organisation: Organisation, law: Law, today: date):
    """The deadline notice of the officers' dashboard, or None: shown from 1 December of the
    report's year until its due date, and after it while the report is still unpublished."""
    year = notice_year(today)
    if today < date(year, 12, 1):  # pragma: no cover - notice_year never gives a later year
        return None
    (state,) = states(db, [organisation], year, law, today)
    if today > state.deadline.due_on and state.state == PUBLISHED:
        return None
    return state
