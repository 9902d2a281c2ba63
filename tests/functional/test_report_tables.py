"""The annual report's tables 二, 三 and 四, the identity 一 + 二 = 三（七） + 四, and city-/county-wide
summaries (disclosure.reports.compute; DOMAIN.md §5), on known cases written to the database."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from disclosure.law import load_law
from disclosure.models import CaseAppeal, DisclosureRequest, ReportInput
from disclosure.reports.catalogue_counts import normative_counts
from disclosure.reports.compute import (
    TABLE3_COLUMNS,
    TABLE3_ROWS,
    ReportFigures,
    check_identity,
    compute_report,
    compute_summary,
)

from ..conftest import ROOT

NP, CO, RE, PI, LS, OT = (
    "natural_person",
    "commercial",
    "research",
    "public_interest",
    "legal_services",
    "other",
)
# a column's applicant: (applicant_type, applicant_category); OT_LEGACY: an organisation case
# from before the categories, counted under "other"
APPLICANT = {
    NP: ("person", ""),
    CO: ("organisation", "commercial"),
    RE: ("organisation", "research"),
    PI: ("organisation", "public_interest"),
    LS: ("organisation", "legal_services"),
    OT: ("organisation", "other"),
    "OT_LEGACY": ("organisation", ""),
}
D = date


@pytest.fixture(scope="module")
def law():
    return load_law(ROOT / "catalog_schemas")


@pytest.fixture
def make_case(dbsession):
    prefix = "YS-T3-" + uuid.uuid4().hex[:8]
    counter = iter(range(1, 10_000))

    def make(
        org,
        column,
        received,
        *,
        answered=None,
        closed=None,
        outcome="",
        row="",
        kind="disclosure",
        status=None,
    ):
        applicant_type, category = APPLICANT[column]
        case = DisclosureRequest(
            tracking_number=f"{prefix}-{next(counter)}",
            access_code_hash="x",
            organisation_id=org.id,
            request_kind=kind,
            applicant_type=applicant_type,
            applicant_category=category,
            name="申请人",
            description="某文件",
            delivery_form="electronic",
            delivery_channel="email",
            received_on=received,
            due_on=received,
            clock_events=[],
            status=status or ("answered" if answered else "closed" if closed else "accepted"),
            outcome=outcome,
            report_row=row,
            answered_on=answered,
            closed_on=closed,
        )
        dbsession.add(case)
        dbsession.flush()
        return case

    return make


def expected_rows(cells: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """The full rows dict: the given cells, zeros elsewhere."""
    rows = {row: dict.fromkeys(TABLE3_COLUMNS, 0) for row in TABLE3_ROWS}
    for (row, col), n in cells.items():
        rows[row][col] = n
    return rows


def zero_table4() -> dict[str, dict[str, int]]:
    cols = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    return {
        "reconsideration": dict(cols),
        "lawsuit_direct": dict(cols),
        "lawsuit_after_reconsideration": dict(cols),
    }


# Every result row once, over all six columns, finished within 2026: (row, column, outcome, how
# it ended: answered or closed).
RESULT_CASES = [
    ("三（一）", NP, "disclosed", "answered"),
    ("三（二）", CO, "partially_disclosed", "answered"),
    ("三（三）1", RE, "not_disclosed", "answered"),
    ("三（三）2", PI, "not_disclosed", "answered"),
    ("三（三）3", LS, "not_disclosed", "answered"),
    ("三（三）4", OT, "not_disclosed", "answered"),
    ("三（三）5", NP, "not_disclosed", "answered"),
    ("三（三）6", CO, "not_disclosed", "answered"),
    ("三（三）7", RE, "not_disclosed", "answered"),
    ("三（三）8", PI, "not_disclosed", "answered"),
    ("三（四）1", LS, "not_exist", "answered"),
    ("三（四）2", OT, "no_compile", "answered"),
    ("三（四）3", NP, "unclear_after_correction", "answered"),
    ("三（五）1", CO, "petition", "answered"),
    ("三（五）2", RE, "repeat", "answered"),
    ("三（五）3", PI, "publication", "answered"),
    ("三（五）4", LS, "excessive", "answered"),
    ("三（五）5", OT, "reconfirm", "answered"),
    ("三（六）1", NP, "abandoned", "closed"),
    ("三（六）2", CO, "unpaid", "closed"),
    ("三（六）3", RE, "withdrawn", "closed"),
]

# The expected table 三 for 2026 (every non-zero cell, totals included).
EXPECTED_2026 = {
    # 一: the 21 result cases, plus one still open (PI) and one answered in 2027 (CO)
    **{("一", c): n for c, n in {NP: 4, CO: 5, RE: 4, PI: 4, LS: 3, OT: 3}.items()},
    ("一", "total"): 23,
    # 二: received in 2025: answered in January 2026 (NP); a legacy case still open (OT)
    ("二", NP): 1,
    ("二", OT): 1,
    ("二", "total"): 2,
    **{(row, col): 1 for row, col, _, _ in RESULT_CASES},
    ("三（一）", NP): 2,  # the one carried over from 2025 as well
    **{(row, "total"): 1 for row, _, _, _ in RESULT_CASES},
    ("三（一）", "total"): 2,
    **{("三（七）", c): n for c, n in {NP: 5, CO: 4, RE: 4, PI: 3, LS: 3, OT: 3}.items()},
    ("三（七）", "total"): 22,
    # 四: the legacy case (OT), one received in December (PI), one answered in 2027 (CO)
    ("四", OT): 1,
    ("四", PI): 1,
    ("四", CO): 1,
    ("四", "total"): 3,
}


@pytest.fixture
def known_cases(make_case, civil):
    for n, (row, column, outcome, how) in enumerate(RESULT_CASES):
        received = D(2026, 1 + n % 12, 5)
        finished = D(2026, 1 + n % 12, 20)
        ended = {"answered": finished} if how == "answered" else {"closed": finished}
        make_case(civil, column, received, outcome=outcome, row=row, **ended)
    make_case(
        civil, NP, D(2025, 12, 10), answered=D(2026, 1, 15), outcome="disclosed", row="三（一）"
    )
    make_case(civil, "OT_LEGACY", D(2025, 11, 3))
    make_case(civil, PI, D(2026, 12, 28))
    make_case(
        civil, CO, D(2026, 12, 15), answered=D(2027, 1, 5), outcome="disclosed", row="三（一）"
    )
    # not in 2026's table: finished in 2025; received in 2027
    make_case(civil, NP, D(2025, 3, 1), answered=D(2025, 4, 1), outcome="disclosed", row="三（一）")
    make_case(civil, NP, D(2027, 1, 4))


def test_every_table3_cell_from_known_cases(dbsession, known_cases, civil, law):
    figures = compute_report(dbsession, [civil], 2026, law)
    assert figures.table3 == {"rows": expected_rows(EXPECTED_2026)}
    assert figures.identity_holds is True
    assert figures.discrepancies == ()
    assert figures.differences == dict.fromkeys(TABLE3_COLUMNS, 0)
    # ids are accepted as well as rows; without the law the same
    assert compute_report(dbsession, [civil.id], 2026) == figures
    assert compute_report(dbsession, civil, 2026, law) == figures
    # another body's report does not see these cases
    assert compute_report(dbsession, [civil.parent_id], 2026).table3 == {"rows": expected_rows({})}


def test_as_json_and_frozen_figures(dbsession, known_cases, civil, law):
    figures = compute_report(dbsession, [civil], 2026, law)
    data = json.loads(json.dumps(figures.as_json()))
    assert set(data) == {"table2", "table3", "table4", "identity_holds"}
    assert data["table3"]["rows"] == expected_rows(EXPECTED_2026)
    assert data["identity_holds"] is True
    frozen = ReportFigures.from_json(data)
    assert frozen.as_json() == data
    assert frozen.discrepancies == ()
    # a frozen table that does not add up is seen as such (identity recomputed from the rows)
    data["table3"]["rows"]["四"]["research"] += 2
    data["table3"]["rows"]["四"]["total"] += 2
    broken = ReportFigures.from_json(data)
    assert broken.identity_holds is False
    assert check_identity(data["table3"]["rows"]) == {
        **dict.fromkeys(TABLE3_COLUMNS, 0),
        "research": -2,
        "total": -2,
    }


def test_carry_over_across_two_years(dbsession, make_case, orgs, law):
    departments = [o for o in orgs.orgs if o.kind == "department"][:6]
    specs = [
        # (column, received, answered, closed, row); the 2025 四 / 2026 二 of each case
        (NP, D(2025, 12, 20), D(2026, 1, 8), None, "三（一）"),  # the example of the brief
        (CO, D(2025, 12, 30), None, None, ""),  # still open: 四 in both years
        (RE, D(2025, 12, 1), None, D(2026, 2, 3), "三（六）1"),  # closed (not answered) in 2026
        (LS, D(2025, 12, 15), D(2025, 12, 31), None, "三（一）"),  # answered on 31 Dec: not carried
        (PI, D(2025, 6, 1), D(2027, 3, 1), None, "三（四）1"),  # carried twice
        (OT, D(2025, 12, 31), D(2026, 1, 1), None, "三（一）"),  # answered on 1 January
    ]
    cases = []
    for dept, (column, received, answered, closed, row) in zip(departments, specs, strict=True):
        cases.append(
            (
                dept,
                column,
                make_case(dept, column, received, answered=answered, closed=closed, row=row),
            )
        )
    expected_carried = [True, True, True, False, True, True]
    for (dept, column, case), carried in zip(cases, expected_carried, strict=True):
        y1 = compute_report(dbsession, [dept], 2025, law).table3["rows"]
        y2 = compute_report(dbsession, [dept], 2026, law).table3["rows"]
        assert y1["四"][column] == y2["二"][column] == int(carried), case.tracking_number
        assert y1["一"][column] == 1
        assert y2["一"][column] == 0
    # the example: 四 in 2025, 二 and its 三 row in 2026
    first = compute_report(dbsession, [departments[0]], 2026, law).table3["rows"]
    assert (first["二"][NP], first["三（一）"][NP], first["四"][NP]) == (1, 1, 0)
    # the open case stays 四 in 2026; the 2027 answer leaves PI's case carried again
    assert compute_report(dbsession, [departments[1]], 2026, law).table3["rows"]["四"][CO] == 1
    assert compute_report(dbsession, [departments[4]], 2026, law).table3["rows"]["四"][PI] == 1
    # over all six: 2025's 四 is 2026's 二, column by column, and both years add up
    both = [compute_report(dbsession, departments, y, law) for y in (2025, 2026)]
    assert both[0].table3["rows"]["四"] == both[1].table3["rows"]["二"]
    assert both[0].table3["rows"]["四"]["total"] == 5
    assert both[0].identity_holds and both[1].identity_holds


def test_identity_check_names_the_cases_that_break_it(
    dbsession, known_cases, make_case, civil, law
):
    no_row = make_case(civil, CO, D(2026, 5, 6), closed=D(2026, 6, 1), outcome="")
    backwards = make_case(
        civil, RE, D(2026, 1, 6), answered=D(2025, 12, 30), outcome="disclosed", row="三（一）"
    )
    not_a_row = make_case(
        civil, LS, D(2026, 3, 2), answered=D(2026, 3, 20), outcome="disclosed", row="三（七）"
    )
    figures = compute_report(dbsession, [civil], 2026, law)
    assert figures.identity_holds is False
    assert figures.differences == {
        **dict.fromkeys(TABLE3_COLUMNS, 0),
        CO: 1,
        RE: 1,
        LS: 1,
        "total": 3,
    }
    # the left side counts them (一), the right side does not
    rows = figures.table3["rows"]
    assert rows["一"][CO] == EXPECTED_2026[("一", CO)] + 1
    assert rows["三（七）"][CO] == EXPECTED_2026[("三（七）", CO)]
    found = {
        (d.tracking_number, d.request_id, d.column, d.side, d.counted, d.reason)
        for d in figures.discrepancies
    }
    assert found == {
        (no_row.tracking_number, no_row.id, CO, "left", "一", "已办结但没有年报栏目"),
        (backwards.tracking_number, backwards.id, RE, "left", "一", "答复日期早于收到日期"),
        (not_a_row.tracking_number, not_a_row.id, LS, "left", "一", "年报栏目不在模板中：三（七）"),
    }
    assert all(d.organisation_id == civil.id for d in figures.discrepancies)
    assert json.loads(json.dumps([d.as_json() for d in figures.discrepancies]))
    # in 2025 the backwards case is answered (三) but was never received (一/二)
    y2025 = compute_report(dbsession, [civil], 2025, law)
    assert y2025.differences[RE] == -1
    [entry] = [d for d in y2025.discrepancies if d.request_id == backwards.id]
    assert (entry.side, entry.counted, entry.reason) == (
        "right",
        "三（一）",
        "答复日期早于收到日期",
    )


def test_partial_disclosure_counts_only_under_row_two(dbsession, make_case, civil, law):
    assert law.report_row("partially_disclosed", "third_party") == "三（二）"
    make_case(
        civil,
        NP,
        D(2026, 4, 1),
        answered=D(2026, 4, 20),
        outcome="partially_disclosed",
        row="三（二）",
    )
    # a stored row naming the withholding ground as well (older data) is still 三（二）
    make_case(
        civil,
        CO,
        D(2026, 4, 1),
        answered=D(2026, 4, 20),
        outcome="partially_disclosed",
        row="三（三）4",
    )
    # a refusal on the same ground is 三（三）4
    make_case(
        civil, CO, D(2026, 4, 2), answered=D(2026, 4, 21), outcome="not_disclosed", row="三（三）4"
    )
    figures = compute_report(dbsession, [civil], 2026, law)
    rows = figures.table3["rows"]
    assert rows["三（二）"] == {**dict.fromkeys(TABLE3_COLUMNS, 0), NP: 1, CO: 1, "total": 2}
    assert rows["三（三）4"] == {**dict.fromkeys(TABLE3_COLUMNS, 0), CO: 1, "total": 1}
    assert rows["三（七）"]["total"] == 3
    assert figures.identity_holds


def test_record_corrections_are_not_counted(dbsession, make_case, civil, law):
    make_case(
        civil,
        NP,
        D(2026, 3, 1),
        answered=D(2026, 3, 10),
        outcome="record_corrected",
        kind="record_correction",
    )
    make_case(civil, CO, D(2025, 12, 1), kind="record_correction")  # open, from last year
    make_case(
        civil, NP, D(2026, 3, 2), answered=D(2026, 3, 12), outcome="disclosed", row="三（一）"
    )
    figures = compute_report(dbsession, [civil], 2026, law)
    assert figures.table3 == {
        "rows": expected_rows(
            {
                ("一", NP): 1,
                ("一", "total"): 1,
                ("三（一）", NP): 1,
                ("三（一）", "total"): 1,
                ("三（七）", NP): 1,
                ("三（七）", "total"): 1,
            }
        )
    }
    assert figures.identity_holds and figures.discrepancies == ()


@pytest.fixture
def make_item(catalogue, item_data):
    counter = iter(range(1, 1000))

    def make(org, **fields):
        n = next(counter)
        data = item_data(title=f"年报测试文件第{n}号", document_number=f"咸测发〔2026〕{n}号")
        data.update(fields)
        item = catalogue.create(org, data, None)
        catalogue.publish(item, None, data["created_on"])
        return item

    return make


def test_table2_from_catalogue_and_inputs(dbsession, make_item, civil, police, law):
    make_item(civil, normative_kind="regulation", created_on=D(2026, 3, 1))
    make_item(
        civil, normative_kind="regulation", created_on=D(2024, 3, 1), repealed_on=D(2026, 5, 1)
    )
    make_item(civil, normative_kind="normative_document", created_on=D(2025, 3, 1))
    make_item(police, normative_kind="normative_document", created_on=D(2026, 8, 1))
    dbsession.add_all(
        [
            ReportInput(
                organisation_id=civil.id,
                year=2026,
                licences=12,
                enforcement=3,
                fees_wan=Decimal("1.2345"),
            ),
            ReportInput(organisation_id=police.id, year=2026, licences=5, penalties=40),
            ReportInput(organisation_id=civil.id, year=2025, licences=99),
        ]
    )
    dbsession.flush()
    civil_2026 = compute_report(dbsession, [civil], 2026, law)
    assert civil_2026.table2 == {
        "regulations": {"made": 1, "repealed": 1, "in_force": 1},
        "normative_documents": {"made": 0, "repealed": 0, "in_force": 1},
        "licences": 12,
        "penalties": None,
        "enforcement": 3,
        "fees_wan": 1.2345,
    }
    both = compute_report(dbsession, [civil, police], 2026, law)
    assert both.table2 == {
        "regulations": {"made": 1, "repealed": 1, "in_force": 1},
        "normative_documents": {"made": 1, "repealed": 0, "in_force": 2},
        "licences": 17,
        "penalties": 40,
        "enforcement": 3,
        "fees_wan": 1.2345,
    }
    # the same catalogue rules as normative_counts
    counts = normative_counts(dbsession, [civil.id, police.id], 2026)
    assert both.table2["regulations"] == counts["regulation"]
    assert both.table2["normative_documents"] == counts["normative_document"]
    # nothing entered for the year: null, not 0
    nothing = compute_report(dbsession, [police], 2024, law).table2
    assert [nothing[k] for k in ("licences", "penalties", "enforcement", "fees_wan")] == [None] * 4
    assert json.dumps(both.as_json()["table2"])


def test_table4_appeals_filed_in_the_year_with_the_result_at_31_december(
    dbsession, make_case, civil, police, law
):
    case = make_case(
        civil, NP, D(2026, 2, 1), answered=D(2026, 2, 20), outcome="not_disclosed", row="三（三）4"
    )
    correction = make_case(
        civil, CO, D(2026, 2, 1), answered=D(2026, 2, 25), kind="record_correction"
    )
    other_body = make_case(
        police, NP, D(2026, 2, 1), answered=D(2026, 2, 20), outcome="disclosed", row="三（一）"
    )

    def appeal(on, kind, filed, result="pending", decided=None):
        dbsession.add(
            CaseAppeal(
                request_id=on.id,
                kind=kind,
                body="某机关",
                filed_on=filed,
                result=result,
                decided_on=decided,
            )
        )

    appeal(case, "reconsideration", D(2026, 3, 1))  # pending
    appeal(case, "reconsideration", D(2026, 3, 2), "upheld", D(2026, 5, 1))
    appeal(
        case, "reconsideration", D(2026, 11, 2), "corrected", D(2027, 1, 10)
    )  # pending at 31 Dec
    appeal(correction, "reconsideration", D(2026, 4, 1), "corrected", D(2026, 6, 1))
    appeal(case, "reconsideration", D(2025, 12, 20), "upheld", D(2026, 2, 1))  # filed in 2025
    appeal(case, "lawsuit_direct", D(2026, 6, 1), "other", D(2026, 12, 31))
    appeal(case, "lawsuit_after_reconsideration", D(2026, 7, 1), "corrected", D(2026, 9, 1))
    appeal(case, "lawsuit_after_reconsideration", D(2027, 1, 3))  # filed in 2027
    appeal(other_body, "lawsuit_direct", D(2026, 6, 1), "upheld", D(2026, 7, 1))
    dbsession.flush()
    table4 = compute_report(dbsession, [civil], 2026, law).table4
    assert table4 == {
        "reconsideration": {"upheld": 1, "corrected": 1, "other": 0, "pending": 2, "total": 4},
        "lawsuit_direct": {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1},
        "lawsuit_after_reconsideration": {
            "upheld": 0,
            "corrected": 1,
            "other": 0,
            "pending": 0,
            "total": 1,
        },
    }
    # in 2027 the corrected decision of 10 January belongs to a case filed in 2026: not counted
    assert compute_report(dbsession, [civil], 2027, law).table4 == {
        **zero_table4(),
        "lawsuit_after_reconsideration": {
            "upheld": 0,
            "corrected": 0,
            "other": 0,
            "pending": 1,
            "total": 1,
        },
    }
    # filed in 2025 and decided in February 2026: pending in 2025's report
    assert compute_report(dbsession, [civil], 2025, law).table4["reconsideration"] == {
        "upheld": 0,
        "corrected": 0,
        "other": 0,
        "pending": 1,
        "total": 1,
    }


def _sum_figures(figures: list[dict]) -> dict:
    """The cell-wise sum of several ``as_json()`` figures (entered figures: None + None = None)."""
    out = {
        "table2": {},
        "table3": {"rows": expected_rows({})},
        "table4": zero_table4(),
    }
    for key in ("regulations", "normative_documents"):
        out["table2"][key] = {
            k: sum(f["table2"][key][k] for f in figures) for k in ("made", "repealed", "in_force")
        }
    for key in ("licences", "penalties", "enforcement", "fees_wan"):
        values = [f["table2"][key] for f in figures if f["table2"][key] is not None]
        out["table2"][key] = sum(values) if values else None
    for f in figures:
        for row, cols in f["table3"]["rows"].items():
            for col, n in cols.items():
                out["table3"]["rows"][row][col] += n
        for kind, cols in f["table4"].items():
            for col, n in cols.items():
                out["table4"][kind][col] += n
    out["identity_holds"] = not any(check_identity(out["table3"]["rows"]).values())
    return out


@pytest.fixture
def tree_cases(make_case, make_item, dbsession, orgs):
    city = orgs.roots[0]
    counties = [o for o in orgs.children(city) if o.kind == "county" and orgs.children(o)]
    county, other_county = counties[0], counties[1]
    township = orgs.children(county)[0]
    other_township = orgs.children(other_county)[0]
    department = next(o for o in orgs.children(city) if o.kind == "department")
    make_case(city, NP, D(2026, 2, 1), answered=D(2026, 2, 10), outcome="disclosed", row="三（一）")
    make_case(
        department, CO, D(2025, 12, 29), answered=D(2026, 1, 20), outcome="repeat", row="三（五）2"
    )
    make_case(county, RE, D(2026, 12, 30))
    make_case(
        county, NP, D(2026, 5, 1), closed=D(2026, 5, 30), outcome="withdrawn", row="三（六）3"
    )
    make_case(
        township, NP, D(2026, 3, 1), answered=D(2026, 3, 5), outcome="not_exist", row="三（四）1"
    )
    make_case(township, LS, D(2026, 3, 1), closed=D(2026, 4, 1))  # no row: a discrepancy
    make_case(
        other_township,
        PI,
        D(2026, 7, 1),
        answered=D(2026, 7, 9),
        outcome="disclosed",
        row="三（一）",
    )
    make_item(county, normative_kind="normative_document", created_on=D(2026, 3, 1))
    make_item(other_township, normative_kind="normative_document", created_on=D(2026, 3, 1))
    dbsession.add_all(
        [
            ReportInput(
                organisation_id=department.id, year=2026, licences=7, fees_wan=Decimal("0.5")
            ),
            ReportInput(organisation_id=township.id, year=2026, licences=2, penalties=1),
        ]
    )
    case = dbsession.query(DisclosureRequest).filter_by(organisation_id=county.id).first()
    dbsession.add(
        CaseAppeal(
            request_id=case.id,
            kind="reconsideration",
            body="咸阳市人民政府",
            filed_on=D(2026, 6, 1),
        )
    )
    dbsession.flush()
    return city, county, township, other_township, department


def test_city_summary_is_the_sum_of_its_bodies(dbsession, tree_cases, orgs, law):
    city, county, township, other_township, department = tree_cases
    summary = compute_summary(dbsession, city, 2026, law)
    assert summary.root.id == city.id and summary.year == 2026
    assert [o.id for o, _ in summary.bodies] == [o.id for o, _ in orgs.walk()]
    assert len(summary.bodies) == len(orgs.orgs)
    bodies_json = [f.as_json() for _, f in summary.bodies]
    assert summary.figures.as_json() == _sum_figures(bodies_json)
    # each body's figures are its own report; the summary is the report over every id
    by_id = {o.id: f for o, f in summary.bodies}
    for org in (city, county, township, department):
        assert by_id[org.id] == compute_report(dbsession, [org], 2026, law)
    assert summary.figures == compute_report(dbsession, [o.id for o in orgs.orgs], 2026, law)
    rows = summary.figures.table3["rows"]
    assert (
        rows["一"]["total"],
        rows["二"]["total"],
        rows["三（七）"]["total"],
        rows["四"]["total"],
    ) == (6, 1, 5, 1)
    assert summary.figures.table2["licences"] == 9 and summary.figures.table2["fees_wan"] == 0.5
    assert summary.figures.table4["reconsideration"]["pending"] == 1
    # the township's case without a row breaks the city-wide identity too, and is named
    assert summary.figures.identity_holds is False
    [entry] = summary.figures.discrepancies
    assert (entry.organisation_id, entry.column) == (township.id, LS)
    # the city government's own report is its own office's cases only
    own = by_id[city.id].table3["rows"]
    assert (own["一"]["total"], own["三（七）"]["total"]) == (1, 1)


def test_county_summary_covers_its_townships_only(dbsession, tree_cases, orgs, law):
    city, county, township, other_township, department = tree_cases
    summary = compute_summary(dbsession, county.id, 2026, law)
    assert [o.id for o, _ in summary.bodies] == [county.id, *(o.id for o in orgs.children(county))]
    rows = summary.figures.table3["rows"]
    # the county's two cases and its township's two; not the other county's, the city's or
    # the department's
    assert (
        rows["一"]["total"],
        rows["二"]["total"],
        rows["三（七）"]["total"],
        rows["四"]["total"],
    ) == (4, 0, 2, 1)
    assert rows["一"][PI] == 0 and rows["二"][CO] == 0
    assert summary.figures.table2["normative_documents"]["made"] == 1
    assert summary.figures.table2["licences"] == 2 and summary.figures.table2["fees_wan"] is None
    assert summary.figures.as_json() == _sum_figures([f.as_json() for _, f in summary.bodies])
    # a body with no children: its summary is its own report
    alone = compute_summary(dbsession, other_township, 2026, law)
    assert [o.id for o, _ in alone.bodies] == [other_township.id]
    assert alone.figures == compute_report(dbsession, [other_township], 2026, law)


def test_summary_runs_a_fixed_number_of_queries(dbsession, tree_cases, orgs, law):
    city = tree_cases[0]
    statements: list[str] = []
    engine = dbsession.get_bind()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        compute_summary(dbsession, city, 2026, law)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the organisation tree, requests, catalogue items, inputs, appeals: not one per body
    assert len(statements) <= 6, statements
