"""The annual report's tables, computed from the data (issue 11; DOMAIN.md §5, 2021 template).

INTERFACE (fixed; other modules build on it):

``compute_report(db, organisations, year, law) -> ReportFigures``
    ``organisations``: the Organisation rows whose cases and catalogue count (one body for a
    body's own report; every body below for a summary). ``law``: ``disclosure.law`` Law.

``ReportFigures.as_json()`` gives exactly the API's tables::

    {"table2": {...}, "table3": {"rows": {ROW: {COL: n}}}, "table4": {...},
     "identity_holds": bool}

ROW is one of ``TABLE3_ROWS`` and COL one of ``TABLE3_COLUMNS``. ``ReportFigures.discrepancies``
lists the cases that break 一 + 二 = 三（七） + 四 (per column).

The rest of the interface
-------------------------

``compute_report(db, organisations, year, law=None) -> ReportFigures``
    ``organisations`` may hold Organisation rows or their ids (or a mix; a single row or id is
    taken as a list of one). A body's own report is
    computed over that body alone: a government's own report is its own office's cases only.
``compute_summary(db, root, year, law=None) -> Summary``
    ``root`` is an Organisation row or id. ``Summary.figures``: the figures over the root and
    every body below it; ``Summary.bodies``: ``(Organisation, ReportFigures)`` for each body of
    the subtree, root first, in tree order (``OrganisationTree.walk`` order). The summary is the
    cell-wise sum of the bodies (hand-entered figures: see table 二 below).
``check_identity(table3_rows) -> {COL: int}``
    ``(一 + 二) − (三（七） + 四)`` per column, from a table 三 ``rows`` mapping (live or frozen);
    all zeros when the identity holds.
``ReportFigures`` (frozen): ``table2``, ``table3``, ``table4`` (the JSON shapes below),
    ``identity_holds``, ``discrepancies`` (a tuple of :class:`Discrepancy`), the property
    ``differences`` (``check_identity`` of table 三), ``as_json()`` and
    ``ReportFigures.from_json(data)`` (frozen figures: no discrepancies, ``identity_holds``
    recomputed from the rows).
``Discrepancy`` (frozen): ``column``, ``request_id``, ``tracking_number``, ``organisation_id``,
    ``counted`` (the one row the case was counted under, on the one side that counts it: "一",
    "二", "四" or a 三 row; "" when the case is on the left side only because it has no
    countable row), ``side`` ("left": counted in 一/二 only; "right": in 三/四 only),
    ``reason`` (Chinese), ``message`` (the reason as a marked message, for a page in the
    reader's language), and ``as_json()``.

Table 三 (收到和处理政府信息公开申请情况)
----------------------------------------

Only disclosure requests (``request_kind`` "disclosure") count; corrections of records
(``record_correction``, Art. 41) have no row in the template and are left out.

Columns: an applicant of type "person" is 自然人 (``natural_person``); any other applicant is a
法人或其他组织, counted under its ``applicant_category`` (commercial, research, public_interest,
legal_services, other), or under ``other`` when the category is empty or unknown (legacy cases).
``total`` is the sum of the six columns.

A case's *finish date* is ``answered_on`` if set, else ``closed_on`` (None: not finished). The two
sides of the table are computed independently, so the identity is a real check:

- left side, from the dates only: 一 本年新收 = received within the year; 二 上年结转 = received
  before 1 January and not finished before 1 January (no finish date, or one on or after it);
- right side: each 三 row = finished within the year and counted under its ``report_row``, which
  must be one of the template's result rows (三（一） … 三（六）3, not 三（七）); a partial
  disclosure (an outcome whose row is 三（二）: ``partially_disclosed``) counts only under
  三（二）, never under a 三（三） row, whatever its stored row says; 三（七） = the sum of the
  三 rows; 四 结转下年度继续办理 = received on or before 31 December and not finished by then (no
  finish date, or one after 31 December).

So a case received 2025-12-20 and answered 2026-01-08 is 四 in 2025, and 二 plus its 三 row in
2026. ``identity_holds`` is true only when 一 + 二 = 三（七） + 四 in every column. Every case counted
on one side and not on the other is a :class:`Discrepancy`: finished within the year without a
report row ("已办结但没有年报栏目"), with a row that is not a template result row ("年报栏目不在
模板中：…"), or finished before it was received ("答复日期早于收到日期" / "办结日期早于收到日期").

Table 二 (主动公开政府信息情况)
------------------------------

``{"regulations": {"made", "repealed", "in_force"}, "normative_documents": {...},
"licences": int|null, "penalties": int|null, "enforcement": int|null, "fees_wan": number|null}``.
The first two come from the catalogue (``catalogue_counts``: ``normative_kind`` "regulation" and
"normative_document"); the other four from the officers' ``ReportInput`` of the year. Over
several bodies each is the sum of the entered values, and null only when no body entered it.
``fees_wan`` is a float rounded to 4 decimals (the column's precision).

Table 四 (行政复议、行政诉讼)
----------------------------

``{"reconsideration": {"upheld", "corrected", "other", "pending", "total"},
"lawsuit_direct": {...}, "lawsuit_after_reconsideration": {...}}``: the ``CaseAppeal`` rows of
the organisations' cases (of either request kind) filed within the year, each with its result as
known on 31 December: not decided, or decided after 31 December, is ``pending`` (尚未审结); a
result that is not one of the four is ``other``; an appeal of an unknown kind is not counted.

Counting runs a fixed number of queries however many bodies and cases (requests, appeals,
catalogue items, inputs), then tallies per organisation in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pyramid.i18n import TranslationString
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..i18n import _, chinese
from ..models import CaseAppeal, CatalogueItem, DisclosureRequest, Organisation, ReportInput
from .catalogue_counts import COUNTED_STATUSES, NORMATIVE_KINDS, _as_date

if TYPE_CHECKING:
    from ..law import Law

#: table 三's row labels, in template order
# i18n: the national template's row numbers of table 三 (report content and the API's keys)
TABLE3_ROWS: tuple[str, ...] = (
    "一",
    "二",
    "三（一）",
    "三（二）",
    *(f"三（三）{n}" for n in range(1, 9)),
    *(f"三（四）{n}" for n in range(1, 4)),
    *(f"三（五）{n}" for n in range(1, 6)),
    *(f"三（六）{n}" for n in range(1, 4)),
    "三（七）",
    "四",
)
#: table 三's columns: 自然人, the five kinds of 法人或其他组织, 总计
TABLE3_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_services",
    "other",
    "total",
)

#: the rows a finished case may be counted under (三（一） … 三（六）3)
RESULT_ROWS: tuple[str, ...] = TABLE3_ROWS[2:-2]
#: the six applicant columns (without 总计)
APPLICANT_COLUMNS: tuple[str, ...] = TABLE3_COLUMNS[:-1]
#: the request kind table 三 counts
COUNTED_KIND = "disclosure"
PARTIAL_ROW = "三（二）"  # i18n: a row number of the national template (a key)
#: table 二's catalogue rows: JSON key → normative_kind
TABLE2_NORMATIVE: dict[str, str] = {
    "regulations": "regulation",
    "normative_documents": "normative_document",
}
#: table 二's hand-entered figures (ReportInput fields)
TABLE2_INPUTS: tuple[str, ...] = ("licences", "penalties", "enforcement", "fees_wan")
#: table 四's groups and columns
TABLE4_KINDS: tuple[str, ...] = (
    "reconsideration",
    "lawsuit_direct",
    "lawsuit_after_reconsideration",
)
TABLE4_RESULTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")
TABLE4_COLUMNS: tuple[str, ...] = (*TABLE4_RESULTS, "total")

# why a case breaks the identity (shown to the officers: marked messages)
NO_ROW = _("已办结但没有年报栏目")
ANSWERED_BEFORE_RECEIVED = _("答复日期早于收到日期")
CLOSED_BEFORE_RECEIVED = _("办结日期早于收到日期")
INCONSISTENT = _("统计口径不一致")


def unknown_row(row: str):
    """The reason for a case counted under a row the template does not have."""
    return _("年报栏目不在模板中：${row}", mapping={"row": row})


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    """A case counted on one side of 一 + 二 = 三（七） + 四 and not on the other."""

    column: str
    request_id: int
    tracking_number: str
    organisation_id: int
    counted: str
    side: str  # "left" (一/二 only) | "right" (三/四 only)
    reason: str  # in Chinese
    #: the reason as a marked message, for a page in the reader's language (request.translate)
    message: TranslationString | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "request_id": self.request_id,
            "tracking_number": self.tracking_number,
            "organisation_id": self.organisation_id,
            "counted": self.counted,
            "side": self.side,
            "reason": self.reason,
        }


def empty_table3_rows() -> dict[str, dict[str, int]]:
    return {row: dict.fromkeys(TABLE3_COLUMNS, 0) for row in TABLE3_ROWS}


def check_identity(table3_rows: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """``(一 + 二) − (三（七） + 四)`` for every column of a table 三 ``rows`` mapping (a missing
    cell counts as 0); the identity holds when every value is 0."""

    def cell(row: str, col: str) -> int:
        return int((table3_rows.get(row) or {}).get(col) or 0)

    # i18n: the national template's row numbers (keys)
    return {
        col: cell("一", col) + cell("二", col) - cell("三（七）", col) - cell("四", col)
        for col in TABLE3_COLUMNS
    }


def _complete_rows(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Every row and column present, as ints."""
    return {
        row: {col: int((rows.get(row) or {}).get(col) or 0) for col in TABLE3_COLUMNS}
        for row in TABLE3_ROWS
    }


@dataclass(frozen=True)
class ReportFigures:
    """The computed (or frozen) tables 二, 三 and 四 of one report."""

    table2: dict[str, Any]
    table3: dict[str, Any]
    table4: dict[str, Any]
    identity_holds: bool
    discrepancies: tuple[Discrepancy, ...] = ()

    @property
    def rows(self) -> dict[str, dict[str, int]]:
        """Table 三's rows: ``{ROW: {COL: n}}``."""
        return self.table3["rows"]

    @property
    def differences(self) -> dict[str, int]:
        """``check_identity`` of table 三: 0 in every column when the identity holds."""
        return check_identity(self.table3["rows"])

    def as_json(self) -> dict[str, Any]:
        """Exactly the API's tables (a deep copy: JSON-serialisable, safe to change)."""
        return {
            "table2": {
                key: dict(value) if isinstance(value, dict) else value
                for key, value in self.table2.items()
            },
            "table3": {"rows": {row: dict(cols) for row, cols in self.table3["rows"].items()}},
            "table4": {kind: dict(cols) for kind, cols in self.table4.items()},
            "identity_holds": self.identity_holds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportFigures:
        """Frozen figures (a published report's ``figures``) back as ReportFigures: table 三
        completed with zeros, ``identity_holds`` recomputed from it, no discrepancies (the cases
        behind frozen figures are not known)."""
        if not isinstance(data, Mapping):
            raise ValueError("figures must be a JSON object")
        rows = _complete_rows((data.get("table3") or {}).get("rows") or {})
        table2_in = data.get("table2") or {}
        table2: dict[str, Any] = {}
        for key in TABLE2_NORMATIVE:
            counts = table2_in.get(key) or {}
            table2[key] = {k: int(counts.get(k) or 0) for k in ("made", "repealed", "in_force")}
        for key in TABLE2_INPUTS:
            table2[key] = table2_in.get(key)
        table4_in = data.get("table4") or {}
        table4 = {
            kind: {col: int((table4_in.get(kind) or {}).get(col) or 0) for col in TABLE4_COLUMNS}
            for kind in TABLE4_KINDS
        }
        holds = not any(check_identity(rows).values())
        return cls(table2, {"rows": rows}, table4, holds, ())


@dataclass(frozen=True)
class Summary:
    """A city- or county-wide summary: the figures over the whole subtree, and each body's."""

    root: Organisation
    year: int
    figures: ReportFigures
    bodies: tuple[tuple[Organisation, ReportFigures], ...] = field(default=())


# --- counting ---------------------------------------------------------------------------------


@dataclass
class _Tally:
    """One organisation's raw counts (summed for several)."""

    rows: dict[str, dict[str, int]] = field(default_factory=empty_table3_rows)
    normative: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            kind: {"made": 0, "repealed": 0, "in_force": 0} for kind in NORMATIVE_KINDS
        }
    )
    inputs: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(TABLE2_INPUTS))
    appeals: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: dict.fromkeys(TABLE4_COLUMNS, 0) for kind in TABLE4_KINDS}
    )
    discrepancies: list[Discrepancy] = field(default_factory=list)

    def add(self, other: _Tally) -> None:
        for row, cols in other.rows.items():
            for col, n in cols.items():
                self.rows[row][col] += n
        for kind, counts in other.normative.items():
            for key, n in counts.items():
                self.normative[kind][key] += n
        for key, value in other.inputs.items():
            if value is not None:
                mine = self.inputs[key]
                self.inputs[key] = value if mine is None else mine + value
        for kind, cols in other.appeals.items():
            for col, n in cols.items():
                self.appeals[kind][col] += n
        self.discrepancies.extend(other.discrepancies)

    def figures(self) -> ReportFigures:
        rows = {row: dict(cols) for row, cols in self.rows.items()}
        for col in APPLICANT_COLUMNS:
            rows["三（七）"][col] = sum(rows[row][col] for row in RESULT_ROWS)  # i18n: a key
        for row in TABLE3_ROWS:
            rows[row]["total"] = sum(rows[row][col] for col in APPLICANT_COLUMNS)
        table2: dict[str, Any] = {
            key: dict(self.normative[kind]) for key, kind in TABLE2_NORMATIVE.items()
        }
        for key in TABLE2_INPUTS:
            value = self.inputs[key]
            if key == "fees_wan" and value is not None:
                value = float(round(Decimal(value), 4))
            table2[key] = value
        table4 = {kind: dict(cols) for kind, cols in self.appeals.items()}
        for cols in table4.values():
            cols["total"] = sum(cols[result] for result in TABLE4_RESULTS)
        holds = not any(check_identity(rows).values())
        discrepancies = tuple(sorted(self.discrepancies, key=lambda d: d.request_id))
        return ReportFigures(table2, {"rows": rows}, table4, holds, discrepancies)


def _column(applicant_type: str, category: str) -> str:
    if applicant_type == "person":
        return "natural_person"
    return category if category in APPLICANT_COLUMNS[1:] else "other"


def _partial_outcomes(law: Law | None) -> frozenset[str]:
    if law is None:
        return frozenset({"partially_disclosed"})
    return frozenset(code for code, o in law.outcomes.items() if o.report_row == PARTIAL_ROW)


def _count_requests(
    db: Session, ids: list[int], year: int, partial: frozenset[str], tallies: dict[int, _Tally]
) -> None:
    start, end = date(year, 1, 1), date(year, 12, 31)
    r = DisclosureRequest
    query = select(
        r.id,
        r.organisation_id,
        r.tracking_number,
        r.applicant_type,
        r.applicant_category,
        r.received_on,
        r.answered_on,
        r.closed_on,
        r.outcome,
        r.report_row,
    ).where(
        r.organisation_id.in_(ids),
        r.request_kind == COUNTED_KIND,
        # a superset of the cases either side counts: something happened by 31 December …
        or_(r.received_on <= end, r.answered_on <= end, r.closed_on <= end),
        # … and the case was not over before 1 January
        or_(
            r.received_on >= start,
            r.answered_on >= start,
            and_(r.answered_on.is_(None), r.closed_on.is_(None)),
            and_(r.answered_on.is_(None), r.closed_on >= start),
        ),
    )
    for (
        rid,
        org_id,
        tracking,
        applicant_type,
        category,
        received,
        answered,
        closed,
        outcome,
        report_row,
    ) in db.execute(query):
        tally = tallies[org_id]
        col = _column(applicant_type, category or "")
        finished = answered if answered is not None else closed
        # left side: dates only
        left = ""
        if start <= received <= end:
            left = "一"  # i18n: a row number of the national template (a key)
        elif received < start and (finished is None or finished >= start):
            left = "二"  # i18n: a row number of the national template (a key)
        # right side: the outcome
        right = ""
        problem = ""
        if finished is not None and start <= finished <= end:
            row = PARTIAL_ROW if outcome in partial else (report_row or "")
            if row in RESULT_ROWS:
                right = row
            elif not row:
                problem = NO_ROW
            else:
                problem = unknown_row(row)
        elif received <= end and (finished is None or finished > end):
            right = "四"  # i18n: a row number of the national template (a key)
        if left:
            tally.rows[left][col] += 1
        if right:
            tally.rows[right][col] += 1
        if bool(left) == bool(right):
            continue
        if not problem and finished is not None and finished < received:
            problem = ANSWERED_BEFORE_RECEIVED if answered is not None else CLOSED_BEFORE_RECEIVED
        problem = problem or INCONSISTENT  # not reached: every case above has one
        tally.discrepancies.append(
            Discrepancy(
                column=col,
                request_id=rid,
                tracking_number=tracking,
                organisation_id=org_id,
                counted=left or right,
                side="left" if left else "right",
                reason=chinese(problem),
                message=problem,
            )
        )


def _count_normative(db: Session, ids: list[int], year: int, tallies: dict[int, _Tally]) -> None:
    """Table 二's 第二十条第（一）项, per organisation, with ``normative_counts``' rules."""
    kind_of = CatalogueItem.extra["normative_kind"].as_string()
    query = select(
        CatalogueItem.organisation_id, kind_of, CatalogueItem.created_on, CatalogueItem.extra
    ).where(
        CatalogueItem.organisation_id.in_(ids),
        CatalogueItem.status.in_(COUNTED_STATUSES),
        kind_of.in_(NORMATIVE_KINDS),
    )
    year_end = date(year, 12, 31)
    for org_id, kind, created_on, extra in db.execute(query):
        tally = tallies[org_id].normative.get(kind)
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


def _count_inputs(db: Session, ids: list[int], year: int, tallies: dict[int, _Tally]) -> None:
    query = select(ReportInput).where(
        ReportInput.organisation_id.in_(ids), ReportInput.year == year
    )
    for entered in db.scalars(query):
        tallies[entered.organisation_id].inputs = {
            key: getattr(entered, key) for key in TABLE2_INPUTS
        }


def _count_appeals(db: Session, ids: list[int], year: int, tallies: dict[int, _Tally]) -> None:
    start, end = date(year, 1, 1), date(year, 12, 31)
    a = CaseAppeal
    query = (
        select(DisclosureRequest.organisation_id, a.kind, a.result, a.decided_on)
        .join(DisclosureRequest, a.request_id == DisclosureRequest.id)
        .where(
            DisclosureRequest.organisation_id.in_(ids),
            a.filed_on >= start,
            a.filed_on <= end,
        )
    )
    for org_id, kind, result, decided_on in db.execute(query):
        group = tallies[org_id].appeals.get(kind)
        if group is None:  # an unknown kind has no column
            continue
        if result == "pending" or decided_on is None or decided_on > end:
            result = "pending"
        elif result not in TABLE4_RESULTS:
            result = "other"
        group[result] += 1


def _ids(organisations: Iterable[Organisation | int] | Organisation | int) -> list[int]:
    if isinstance(organisations, (Organisation, int)):
        organisations = [organisations]
    out: list[int] = []
    for o in organisations:
        oid = o if isinstance(o, int) else o.id
        if oid not in out:
            out.append(oid)
    return out


def _tallies(db: Session, ids: list[int], year: int, law: Law | None) -> dict[int, _Tally]:
    tallies = {oid: _Tally() for oid in ids}
    if ids:
        _count_requests(db, ids, year, _partial_outcomes(law), tallies)
        _count_normative(db, ids, year, tallies)
        _count_inputs(db, ids, year, tallies)
        _count_appeals(db, ids, year, tallies)
    return tallies


def compute_report(
    db: Session,
    organisations: Iterable[Organisation | int] | Organisation | int,
    year: int,
    law: Law | None = None,
) -> ReportFigures:
    """Tables 二, 三, 四 over the given organisations (rows or ids) for ``year``."""
    total = _Tally()
    for tally in _tallies(db, _ids(organisations), year, law).values():
        total.add(tally)
    return total.figures()


def compute_summary(
    db: Session, root: Organisation | int, year: int, law: Law | None = None
) -> Summary:
    """The summary of ``root`` and every body below it (city-wide for the city, county-wide
    for a county), with each body's own figures, in tree order."""
    from ..organisations.services import OrganisationTree

    tree = OrganisationTree(db)
    root_org = tree.by_id[root if isinstance(root, int) else root.id]
    subtree = [root_org, *tree.descendants(root_org)]
    tallies = _tallies(db, [o.id for o in subtree], year, law)
    total = _Tally()
    bodies = []
    for org in subtree:
        tally = tallies[org.id]
        bodies.append((org, tally.figures()))
        total.add(tally)
    return Summary(root_org, year, total.figures(), tuple(bodies))
