"""The officers' workflow: every transition by the right role of the right organisation, with
history, the clock rules and optimistic locking."""

from datetime import date

import pytest

from disclosure.models import DisclosureRequest

from ..conftest import TODAY
from .test_requests import submit_case


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="周九",
        phone="13700000000",
        organisation=civil.code,
        description="请提供2026年社会救助资金使用情况",
        delivery_channel="on_site",
    )


@pytest.fixture
def clock(app):
    """Set the application's business date (``clock(date)``); restored after the test."""
    before = app.registry.get("disclosure.clock")
    day = {"today": TODAY}
    app.registry["disclosure.clock"] = lambda: day["today"]

    def set_today(value) -> None:
        day["today"] = value

    yield set_today
    app.registry["disclosure.clock"] = before


def act(testapp, req, action, status=303, **params):
    token = testapp.csrf_token()
    return testapp.post(
        f"/officer/requests/{req.id}/{action}",
        {"csrf_token": token, "lock_version": req.lock_version, **params},
        status=status,
    )


def test_full_workflow_with_correction_consultation_extension_and_answer(
    testapp, make_user, civil, case, dbsession, clock
):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    testapp.login(officer.email)
    assert "周九" in testapp.get("/officer/requests").text
    act(testapp, case, "accept")
    assert case.status == "accepted"
    act(
        testapp,
        case,
        "request_correction",
        reason="请说明所需资金的具体项目",
        correction_deadline="2026-12-04",
    )
    assert case.status == "correction" and case.correction_deadline.isoformat() == "2026-12-04"
    assert case.correction_due_on.isoformat() == "2026-12-01"  # 7 working days after Fri 20 Nov
    # the applicant corrects on Mon 23 Nov: the clock restarts; the 20th working day after it is 21 Dec
    act(testapp, case, "record_correction", corrected_on="2026-11-20")
    assert case.status == "accepted" and case.due_on.isoformat() == "2026-12-18"
    dbsession.refresh(case)
    # consultation from 20 Nov answered 27 Nov pauses five working days (23-27 Nov)
    act(
        testapp,
        case,
        "start_consultation",
        kind="third_party",
        party="某救助机构",
        sent_on="2026-11-20",
    )
    assert case.status == "consulting"
    clock(date(2026, 11, 27))  # a fact is recorded on or after the day it happened
    act(testapp, case, "end_consultation", consultation="1", answered_on="2026-11-27")
    assert case.status == "accepted" and case.due_on.isoformat() == "2026-12-25"
    act(testapp, case, "request_extension", days="20", reason="需要汇总多个部门的材料")
    assert case.pending_extension["days"] == 20
    res = act(testapp, case, "approve_extension", status=403)  # an officer cannot approve
    assert "没有权限" in res.text
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, case, "approve_extension")
    # 2027 has no arrangement loaded: its statutory days are computed (Fri 1 Jan 元旦 off)
    assert case.pending_extension is None and case.due_on.isoformat() == "2027-01-25"
    assert case.provisional is True  # make-up days unknown until the notice is loaded
    res = act(testapp, case, "request_extension", days="5", reason="再延", status=400)
    assert "不能" in res.text or "只能" in res.text or "延期" in res.text
    res = act(testapp, case, "answer", outcome="not_disclosed", status=400)
    assert "理由" in res.text
    act(
        testapp,
        case,
        "answer",
        outcome="not_disclosed",
        ground="third_party",
        reason="涉及第三方个人隐私，第三方不同意公开",
    )
    assert case.status == "answered" and case.report_row == "三（三）4"
    act(testapp, case, "close")
    assert case.status == "closed"
    actions = [e.action for e in case.events]
    assert actions == [
        "submit",
        "accept",
        "request_correction",
        "record_correction",
        "start_consultation",
        "end_consultation",
        "request_extension",
        "approve_extension",
        "answer",
        "close",
    ]
    assert all(e.actor_label for e in case.events)
    approve = case.events[7]
    assert approve.changes["due_on"] == ["2026-12-25", "2027-01-25"]
    page = testapp.get(f"/officer/requests/{case.id}")
    assert "三（三）4" in page.text and "征求" in page.text


def test_two_officers_at_once_the_second_gets_a_conflict(testapp, make_user, civil, case):
    testapp.login(make_user(civil).email)
    stale = case.lock_version
    act(testapp, case, "accept")
    token = testapp.csrf_token()
    res = testapp.post(
        f"/officer/requests/{case.id}/request_correction",
        {
            "csrf_token": token,
            "lock_version": stale,
            "reason": "x",
            "correction_deadline": "2026-12-04",
        },
        status=409,
    )
    assert "已被他人处理" in res.text
    assert case.status == "accepted"


def test_wrong_state_and_unknown_action_are_refused(testapp, make_user, civil, case):
    testapp.login(make_user(civil).email)
    assert "不能" in act(testapp, case, "close", status=400).text
    act(testapp, case, "no_such_action", status=400)
    assert (
        "补正期限"
        in act(
            testapp,
            case,
            "request_correction",
            reason="x",
            correction_deadline="2026-11-01",
            status=400,
        ).text
    )


def test_other_organisations_never_see_the_case(testapp, make_user, police, orgs, case):
    testapp.login(make_user(police, "org_admin").email)
    res = testapp.get(f"/officer/requests/{case.id}", status=403)
    assert "周九" not in res.text
    act(testapp, case, "accept", status=403)
    assert "周九" not in testapp.get("/officer/requests").text
    testapp.logout()
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    assert "周九" in testapp.get(f"/officer/requests/{case.id}").text  # the city office oversees
    act(testapp, case, "accept", status=403)  # but does not act for the department
    assert case.status == "received"


def test_transfer_moves_the_case_and_restarts_the_clock(testapp, make_user, civil, police, case):
    testapp.login(make_user(civil).email)
    act(testapp, case, "transfer", organisation=police.code, reason="属于公安机关职责")
    assert case.organisation_id == police.id and case.status == "received"
    assert case.events[-1].changes["organisation"] == [civil.code, police.code]
    testapp.get(f"/officer/requests/{case.id}", status=403)


def test_applicant_withdraws_on_the_status_page(testapp, case):
    form = testapp.get("/requests/status").forms[0]
    form["tracking_number"] = case.tracking_number
    form["access_code"] = case.access_code
    page = form.submit()
    withdraw = next(f for f in page.forms.values() if "withdraw" in f.fields)
    page = withdraw.submit()
    assert case.status == "withdrawn" and "已撤回" in page.text
    assert case.report_row == "三（六）3"


def test_dashboard_sorts_by_due_date_and_marks_overdue(testapp, make_user, civil, case, dbsession):
    from datetime import date

    case.due_on = date(2026, 11, 19)  # yesterday
    other = dbsession.query(DisclosureRequest).filter(DisclosureRequest.id != case.id).first()
    testapp.login(make_user(civil).email)
    page = testapp.get("/officer/requests")
    assert "已逾期" in page.text
    rows = page.html.select("table.list tbody tr")
    assert "overdue" in rows[0]["class"]
    assert (
        testapp.get("/officer/requests", {"status": "overdue"})
        .html.select("table.list tbody tr")[0]
        .select("a")
    )
    del other


def test_calendar_api(testapp):
    body = testapp.get(
        "/api/v1/calendar/due-date", {"received": "2026-09-24", "profile": "ogi-2019"}
    ).json
    assert body["due_on"] == "2026-10-29" and body["provisional"] is False and body["trail"]
    body = testapp.get(
        "/api/v1/calendar/due-date", {"received": "2026-09-24", "profile": "ogi-2008"}
    ).json
    assert body["due_on"] == "2026-10-22"
    body = testapp.get("/api/v1/calendar/due-date", {"received": "2026-12-15"}).json
    assert body["provisional"] is True
    assert testapp.get(
        "/api/v1/calendar/working-days", {"start": "2026-09-30", "days": 1}
    ).json == {"date": "2026-10-08", "provisional": False}
    res = testapp.get(
        "/api/v1/calendar/due-date", {"received": "2026-02-30", "profile": "ogi-1999"}, status=400
    ).json
    assert set(res["fields"]) == {"received", "profile"}
    res = testapp.get(
        "/api/v1/calendar/working-days", {"start": "x", "days": "-1"}, status=400
    ).json
    assert set(res["fields"]) == {"start", "days"}


def test_city_admin_loads_next_years_arrangement_and_provisional_cases_are_recomputed(
    testapp, make_user, orgs, civil, case, dbsession
):
    from disclosure.requests.workflow import recompute

    case.received_on = case.received_on.replace(month=12, day=15)
    recompute(case, testapp.app.registry["request_rules"].context(dbsession, case.received_on))
    assert case.provisional is True
    before = case.due_on
    testapp.login(make_user(civil).email)
    testapp.get("/officer/calendar", status=403)
    testapp.logout()
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    form = next(
        f for f in testapp.get("/officer/calendar").forms.values() if "arrangement" in f.fields
    )
    form["arrangement"] = (
        "year: 2027\nsource: 测试安排\nholidays:\n  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n  - {from: 2027-01-11, to: 2027-01-15, name: 测试假期}\n"
    )
    preview = form.submit(status=200)  # a preview first; nothing loaded yet
    assert case.provisional is True and case.due_on == before
    next(f for f in preview.forms.values() if "confirm" in f.fields).submit(status=303)
    assert case.provisional is False and case.due_on != before
    assert case.events[-1].action == "recalculate"
    bad = next(
        f for f in testapp.get("/officer/calendar").forms.values() if "arrangement" in f.fields
    )
    bad["arrangement"] = "year: 2027\nsource: 测试\nholidays:\n  - {date: 2028-01-01, name: 错}\n"
    assert bad.submit(status=400).html.select_one("p.error")
