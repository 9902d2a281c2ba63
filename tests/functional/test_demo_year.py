"""The demo year (issue 11): ``disclosure load-demo`` gives every organisation the demo populates
a full 2025 of cases, appeals, report inputs and normative documents, through the real workflow,
and a second run adds nothing. The command runs as the README says, on a database of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disclosure import models
from disclosure.demo.year import PLANS, YEAR
from disclosure.law import load_law
from disclosure.models import (
    CaseAppeal,
    CatalogueItem,
    DisclosureRequest,
    Letter,
    Organisation,
    ReportInput,
    RequestEvent,
    User,
)
from disclosure.models.report_inputs import GOVERNMENT_KINDS
from disclosure.requests.identity import credit_code_problem, resident_id_problem
from disclosure.requests.intake import APPLICANT_CATEGORIES

from ..conftest import ROOT

FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)
CODES = [plan.code for plan in PLANS]
COUNTED = (Organisation, DisclosureRequest, RequestEvent, Letter, CaseAppeal, ReportInput, User)


@dataclass
class Demo:
    engine: object
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    counts: dict[str, int]


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        out = {m.__name__: conn.scalar(select(func.count()).select_from(m)) for m in COUNTED}
        out["CatalogueItem"] = conn.scalar(select(func.count()).select_from(CatalogueItem))
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory, databases):
    tmp = tmp_path_factory.mktemp("demo_year")
    url = databases.new()  # migrated
    ini = tmp / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": url,
        "DISCLOSURE_FILES_DIR": str(tmp / "files"),
        "DISCLOSURE_SEARCH_INDEX_DIR": str(tmp / "index"),
    }

    def load():
        return subprocess.run(
            [sys.executable, "-m", "disclosure.scripts.cli", "load-demo", str(ini)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
            timeout=300,
        )

    engine = models.get_engine(url)
    first = load()
    assert first.returncode == 0, first.stderr
    counts = _counts(engine)
    second = load()
    yield Demo(engine, first, second, counts)
    engine.dispose()


@pytest.fixture
def db(demo):
    with Session(demo.engine) as session:
        yield session


def in_year(*where):
    return select(DisclosureRequest).where(
        DisclosureRequest.received_on >= FIRST, DisclosureRequest.received_on <= LAST, *where
    )


def test_every_outcome_ground_closure_and_applicant_category_occurs_in_the_year(db):
    law = load_law(ROOT / "catalog_schemas")
    cases = db.scalars(in_year()).all()
    outcomes = {c.outcome for c in cases}
    assert set(law.outcomes) | set(law.closures) <= outcomes
    for withheld in ("partially_disclosed", "not_disclosed"):
        grounds = {c.outcome_ground for c in cases if c.outcome == withheld}
        assert grounds == set(law.grounds), withheld
    people = [c for c in cases if c.applicant_type == "person"]
    assert people and all(c.applicant_category == "" for c in people)
    categories = {c.applicant_category for c in cases if c.applicant_type == "organisation"}
    assert categories == set(APPLICANT_CATEGORIES)
    assert {c.received_on.month for c in cases} == set(range(1, 13))


def test_each_populated_organisation_has_a_year_of_cases(db, demo):
    for code in CODES:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        cases = db.scalars(in_year(DisclosureRequest.organisation_id == org.id)).all()
        assert len(cases) >= 10, org.name
        assert len({c.received_on.month for c in cases}) >= 6, org.name
        assert len({c.outcome for c in cases}) >= 6, org.name
        assert org.name in demo.first.stdout  # one progress line per organisation


def test_cases_went_through_the_workflow_with_consistent_dates_and_letters(db):
    for case in db.scalars(in_year()):
        events = case.events
        assert events[0].action == "submit" and events[0].on == case.received_on
        assert [e.on for e in events] == sorted(e.on for e in events)
        assert case.profile == "ogi-2019"
        if case.answered_on:
            assert case.status == "answered"
            assert case.answered_on <= case.due_on, case.tracking_number
            replies = [x for x in case.letters if x.kind == "reply"]
            assert [(x.variant, x.issued_on) for x in replies] == [(case.outcome, case.answered_on)]
            assert replies[0].number.endswith(f"〔{case.answered_on.year}〕{replies[0].serial}号")
        else:
            assert case.outcome in ("abandoned", "unpaid", "withdrawn")
            assert case.closed_on is not None and case.closed_on.year == YEAR
        if case.applicant_type == "person":
            assert resident_id_problem(case.id_number) is None
        else:
            assert credit_code_problem(case.credit_code) is None
            assert case.email.endswith("@example.com")
    flows = {e.action for e in db.scalars(select(RequestEvent))}
    for action in (
        "accept",
        "request_correction",
        "record_correction",
        "submit_correction",
        "mark_abandoned",
        "start_consultation",
        "end_consultation",
        "request_extension",
        "approve_extension",
        "fee_notice",
        "record_payment",
        "close_unpaid",
        "ask_excessive_reasons",
        "record_excessive_reasons",
        "withdraw",
        "issue_letter",
    ):
        assert action in flows, action


def test_every_organisation_carries_a_late_december_case_into_the_next_year(db):
    for code in CODES:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        carried = db.scalars(
            in_year(
                DisclosureRequest.organisation_id == org.id,
                DisclosureRequest.received_on >= date(YEAR, 12, 15),
                DisclosureRequest.answered_on > LAST,
            )
        ).all()
        assert carried, org.name
        for case in carried:
            assert case.answered_on.year == YEAR + 1
            assert all(e.on <= LAST for e in case.events if e.action in ("submit", "accept"))


def test_reconsideration_and_lawsuits_are_recorded_on_answered_cases(db):
    appeals = db.scalars(select(CaseAppeal)).all()
    kinds = {a.kind for a in appeals}
    assert "reconsideration" in kinds and kinds & {
        "lawsuit_direct",
        "lawsuit_after_reconsideration",
    }
    assert any(a.result == "corrected" and a.decided_on.year == YEAR for a in appeals)
    for appeal in appeals:
        assert appeal.request.status == "answered"
        assert appeal.filed_on > appeal.request.answered_on
        assert (appeal.result == "pending") == (appeal.decided_on is None)
        recorded = [e for e in appeal.request.events if e.action == "record_appeal"]
        assert recorded and not recorded[0].visible_to_applicant


def test_report_inputs_for_every_populated_organisation(db):
    for code in CODES:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        row = db.scalars(
            select(ReportInput).where(
                ReportInput.organisation_id == org.id, ReportInput.year == YEAR
            )
        ).one()
        assert None not in (row.licences, row.penalties, row.enforcement, row.fees_wan)
        assert row.overview.startswith(f"{YEAR}年，{org.name}")
        assert row.problems and row.other_matters
        assert bool(row.accountability) == (org.kind in GOVERNMENT_KINDS), org.name


def test_normative_documents_and_a_regulation_made_and_one_repealed_in_the_year(db):
    items = [i for i in db.scalars(select(CatalogueItem)) if (i.extra or {}).get("normative_kind")]
    made = [i for i in items if FIRST <= i.created_on <= LAST]
    assert {i.organisation.code for i in made} == set(CODES)
    assert all(i.index_number.startswith(f"{i.organisation.code}/{YEAR}-") for i in made)
    regulations = [i for i in made if i.extra["normative_kind"] == "regulation"]
    assert [i.organisation.kind for i in regulations] == ["city"]
    repealed = [i for i in items if i.status == "repealed"]
    assert len(repealed) == 1
    assert repealed[0].validity == "repealed"
    assert repealed[0].extra["repealed_on"].startswith(str(YEAR))
    assert repealed[0].created_on.year < YEAR


def test_loading_the_demo_again_adds_nothing(demo):
    assert demo.second.returncode == 0, demo.second.stderr
    assert _counts(demo.engine) == demo.counts
    assert demo.second.stdout.count("跳过") == len(CODES)
    assert "新增 0，已存在" in demo.second.stdout


def test_every_populated_organisation_gets_a_consistent_non_trivial_draft_report(db):
    from disclosure.reports.compute import compute_report

    law = load_law(ROOT / "catalog_schemas")
    corrected = 0
    for code in CODES:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        figures = compute_report(db, [org], YEAR, law)
        assert figures.identity_holds, (org.name, figures.discrepancies)
        data = figures.as_json()
        rows = data["table3"]["rows"]
        assert rows["三（七）"]["total"] > 0, org.name
        assert rows["二"]["total"] >= 1 and rows["四"]["total"] >= 1, org.name
        table2 = data["table2"]
        assert table2["normative_documents"]["made"] + table2["regulations"]["made"] >= 1
        assert table2["licences"] is not None and table2["fees_wan"] is not None
        corrected += sum(group["corrected"] for group in data["table4"].values())
    assert corrected >= 1


def test_a_repeat_request_repeats_an_answered_request_of_the_same_applicant(db):
    repeats = db.scalars(in_year(DisclosureRequest.outcome == "repeat")).all()
    assert repeats
    for case in repeats:
        earlier = db.scalars(
            select(DisclosureRequest).where(
                DisclosureRequest.organisation_id == case.organisation_id,
                DisclosureRequest.id != case.id,
                DisclosureRequest.name == case.name,
                DisclosureRequest.description == case.description,
                DisclosureRequest.answered_on < case.received_on,
            )
        ).all()
        assert earlier, case.tracking_number
        assert any(x.kind == "reply" for x in earlier[-1].letters)
