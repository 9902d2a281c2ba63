"""The officer's landing page (/officer/overview, issue 15): after login an officer sees what is
waiting in the organisations they may read: cases due soon, overdue, waiting for an extension's
approval or for a correction; catalogue drafts; the annual report's state. The counts follow
the injectable clock and the organisation tree (a county officer never counts the city's cases)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from disclosure.models import DisclosureRequest
from disclosure.requests import services as request_services
from disclosure.requests.deadlines import due_soon as is_due_soon
from disclosure.requests.queues import QUEUES, due_soon_before
from disclosure.requests.workflow import Actor
from disclosure.security import user_permits

from ..conftest import PASSWORD, TODAY


@pytest.fixture
def clock(app):
    """Set the application's business date; restored after the test."""
    before = app.registry.get("disclosure.clock")
    day = {"today": TODAY}
    app.registry["disclosure.clock"] = lambda: day["today"]

    def set_today(value: date) -> None:
        day["today"] = value

    yield set_today
    app.registry["disclosure.clock"] = before


@pytest.fixture
def places(orgs):
    city = orgs.roots[0]
    county = orgs.by_code["016001001"]  # 秦都区人民政府
    township = orgs.by_code["016001201"]  # one of its sub-districts
    return city, county, township


@pytest.fixture
def file_case(app, dbsession):
    rules = app.registry["request_rules"]

    def make(org, received_on: date = TODAY, **fields):
        data = {
            "applicant_type": "person",
            "name": "概览测试申请人",
            "id_type": "resident_id",
            "id_number": "610402198001011233",
            "phone": "13900000000",
            "description": "请提供工作概览测试所需的政府信息",
            "delivery_form": "electronic",
            "delivery_channel": "on_site",
            **fields,
        }
        return request_services.submit(
            dbsession, rules, data, org, today=received_on, received_on=received_on
        ).request

    return make


def act(app, dbsession, orgs, case, user, action, on: date = TODAY, **params):
    rules = app.registry["request_rules"]
    ancestors = orgs.ancestors(case.organisation)
    actor = Actor.officer(user, user_permits(user, case, ancestors))
    request_services.act(dbsession, rules, case, action, actor, on, params)
    dbsession.flush()


def counts(testapp) -> dict[str, int]:
    page = testapp.get("/officer/overview")
    found = dict(re.findall(r'id="count-([a-z_]+)"[^>]*>(\d+)<', page.text))
    return {name: int(n) for name, n in found.items()}


def test_login_lands_on_the_overview(testapp, make_user, places):
    _, county, _ = places
    user = make_user(county)
    form = testapp.get("/login").forms[0]
    form["email"], form["password"] = user.email, PASSWORD
    res = form.submit(status=303)
    assert res.location == "http://example.com/officer/overview"
    page = res.follow()
    assert "工作概览" in page.text and county.name in page.text
    assert page.html.find(id="count-overdue") is not None


def test_a_case_becomes_due_soon_then_overdue_as_the_clock_moves(
    app, testapp, dbsession, make_user, places, file_case, clock
):
    _, county, _ = places
    testapp.login(make_user(county).email)
    before = counts(testapp)
    case = file_case(county)
    calendar = app.registry["request_rules"].calendar(dbsession)
    assert counts(testapp)["open"] == before["open"] + 1
    assert counts(testapp)["due_soon"] == before["due_soon"]  # 20 working days left

    clock(case.due_on - timedelta(days=1))  # the day before it falls due
    assert is_due_soon(case.due_on, case.due_on - timedelta(days=1), calendar)
    now = counts(testapp)
    assert now["due_soon"] == 1 and now["overdue"] == 0
    page = testapp.get("/officer/overview")
    urgent = page.html.find("table", class_="urgent")
    assert case.tracking_number in urgent.text and "即将到期" in urgent.text

    clock(case.due_on + timedelta(days=1))
    now = counts(testapp)
    assert now["due_soon"] == 0 and now["overdue"] == 1
    assert "已逾期" in testapp.get("/officer/overview").html.find("table", class_="urgent").text
    # the count's link lists the same case
    listed = testapp.get("/officer/requests?status=overdue")
    assert case.tracking_number in listed.text


def test_extension_pending_and_correction_are_counted_until_decided(
    app, testapp, dbsession, make_user, places, file_case, orgs
):
    _, county, _ = places
    officer, admin = make_user(county), make_user(county, "org_admin")
    testapp.login(officer.email)
    waiting = file_case(county)
    correcting = file_case(county)
    act(app, dbsession, orgs, waiting, officer, "request_extension", days="10", reason="材料较多")
    act(
        app,
        dbsession,
        orgs,
        correcting,
        officer,
        "request_correction",
        reason="请写明所需信息的文号",
        correction_deadline="2026-11-27",
    )
    now = counts(testapp)
    assert now["extension_pending"] == 1 and now["correction"] == 1
    assert now["correction_overdue"] == 0
    assert waiting.tracking_number in testapp.get("/officer/requests?status=extension_pending")
    assert correcting.tracking_number in testapp.get("/officer/requests?status=correction")

    act(app, dbsession, orgs, waiting, admin, "approve_extension")  # stored as JSON null
    assert waiting.pending_extension is None
    assert counts(testapp)["extension_pending"] == 0
    listed = testapp.get("/officer/requests?status=extension_pending").text
    assert waiting.tracking_number not in listed


def test_drafts_and_pending_changes_and_the_report_state(
    testapp, make_user, places, catalogue, item_data
):
    _, county, _ = places
    testapp.login(make_user(county).email)
    before = counts(testapp)
    catalogue.create(county, item_data(title="概览草稿条目"), None)
    published = catalogue.create(county, item_data(title="概览已发布条目"), None)
    catalogue.publish(published, None, TODAY)
    catalogue.save_draft(published, item_data(title="概览已发布条目（修改稿）"), None)
    now = counts(testapp)
    assert now["drafts"] == before["drafts"] + 1
    assert now["pending"] == before["pending"] + 1
    page = testapp.get("/officer/overview")
    # 20 Nov 2026: the 2025 report of a county government was due on 31 March 2026
    assert "2025年度政府信息公开工作年度报告" in page.text
    assert page.html.find(id="own-report-state").text == "已逾期"
    assert "第五十条" in page.text  # the article, from the law module


def test_a_county_officer_sees_only_their_own_cases_and_an_admin_their_tree(
    testapp, make_user, places, file_case, clock
):
    city, county, township = places
    city_case, county_case, township_case = (file_case(o) for o in (city, county, township))
    clock(max(c.due_on for c in (city_case, county_case, township_case)) + timedelta(days=1))

    testapp.login(make_user(county).email)
    mine = counts(testapp)
    page = testapp.get("/officer/overview").text
    assert county_case.tracking_number in page
    assert city_case.tracking_number not in page
    assert township_case.tracking_number not in page  # an officer reads their own body only
    testapp.logout()

    testapp.login(make_user(county, "org_admin").email)
    tree = counts(testapp)
    page = testapp.get("/officer/overview").text
    assert township_case.tracking_number in page and city_case.tracking_number not in page
    assert tree["overdue"] == mine["overdue"] + 1  # the township's case too
    testapp.logout()

    testapp.login(make_user(city, "city_admin").email)
    everything = counts(testapp)
    assert everything["overdue"] >= tree["overdue"] + 1  # the city's case too


def test_the_due_soon_queue_is_the_reminders_rule(app, dbsession, places, file_case):
    """Around the National Day holidays (1–7 Oct 2026, Sat 10 Oct worked), the SQL queue and
    deadlines.due_soon agree day by day."""
    _, county, _ = places
    calendar = app.registry["request_rules"].calendar(dbsession)
    case = file_case(county)
    today = date(2026, 9, 28)
    clause = QUEUES["due_soon"].clause(today, calendar)
    assert due_soon_before(today, calendar) > today
    seen = set()
    for offset in range(-2, 20):
        case.due_on = today + timedelta(days=offset)
        dbsession.flush()
        in_queue = dbsession.scalar(
            select(func.count()).where(DisclosureRequest.id == case.id, clause)
        )
        assert bool(in_queue) == is_due_soon(case.due_on, today, calendar), case.due_on
        seen.add(bool(in_queue))
    assert seen == {True, False}
    # Mon 28 Sep: Tue 29, Wed 30 Sep and Thu 8 Oct are the three working days left
    assert due_soon_before(today, calendar) == date(2026, 10, 9)
