"""The applicant corrects the request online, from the status page (tracking number and access
code), when a correction was asked for; while it is awaited no answer deadline is shown anywhere
(the period starts afresh from the corrected request) and the case is not counted overdue."""

from __future__ import annotations

from datetime import date

import pytest

from ..conftest import TODAY
from .test_request_workflow import act
from .test_requests import submit_case

ASKED = "请写明所需资金的年度和具体项目"


@pytest.fixture(name="case")
def _case(testapp, civil, dbsession, make_user):
    req = submit_case(
        testapp,
        dbsession,
        name="钱十二",
        phone="13700000001",
        organisation=civil.code,
        description="社会救助资金",
        delivery_channel="on_site",
    )
    testapp.login(make_user(civil).email)
    act(testapp, req, "request_correction", reason=ASKED, correction_deadline="2026-12-04")
    testapp.logout()
    assert req.status == "correction"
    return req


def lookup(testapp, req):
    form = next(
        f for f in testapp.get("/requests/status").forms.values() if "access_code" in f.fields
    )
    form["tracking_number"], form["access_code"] = req.tracking_number, req.access_code
    return form.submit()


def correction_form(page):
    return next(f for f in page.forms.values() if "corrected_text" in f.fields)


def test_the_status_page_shows_what_was_asked_and_no_old_deadline(testapp, case):
    page = lookup(testapp, case)
    section = page.html.select_one("#correction").find_next("table").text
    assert ASKED in section and "2026-12-04" in section
    meta = page.html.select_one("table.meta").text
    assert "待补正后重新计算" in meta and "2026-12-18" not in meta
    trail = page.html.select_one("ul.trail").text
    assert "待补正后重新计算" in trail and "2026年12月18日" not in trail
    api = testapp.get(
        f"/api/v1/requests/{case.tracking_number}", headers={"X-Access-Code": case.access_code}
    ).json
    assert api["due_on"] is None and api["due_note"] == "待补正后重新计算"
    assert api["correction_deadline"] == "2026-12-04"
    assert not any("2026年12月18日" in line for line in api["trail"])


def test_the_applicant_sends_the_correction_online(testapp, case, make_user, civil):
    form = correction_form(lookup(testapp, case))
    form["corrected_text"] = "2026年度城乡低保资金的发放汇总表"
    page = form.submit()
    assert case.status == "accepted"
    # received on Fri 20 Nov: the 20 working days count afresh from the next day
    assert case.due_on == date(2026, 12, 18)
    event = case.events[-1]
    assert event.action == "submit_correction" and event.actor_label == "申请人"
    assert event.changes["corrected_text"] == "2026年度城乡低保资金的发放汇总表"
    assert event.changes["corrected_on"] == TODAY.isoformat()
    restart = case.clock_events[-1]
    assert restart == {"kind": "restart", "reason": "correction", "start": "2026-11-20"}
    assert "收到您补正后的申请，答复期限自次日起重新计算（第三十条）" in page.text
    assert not [f for f in page.forms.values() if "corrected_text" in f.fields]
    assert "2026-12-18" in page.html.select_one("table.meta").text
    # the officer sees what was sent
    testapp.login(make_user(civil).email)
    shown = testapp.get(f"/officer/requests/{case.id}").text
    assert "申请人补正：</strong>2026年度城乡低保资金的发放汇总表" in shown
    assert "补正内容：2026年度城乡低保资金的发放汇总表" in shown


def test_a_refused_correction_keeps_what_was_typed(testapp, case, dbsession):
    page = lookup(testapp, case)
    form = correction_form(page)
    form["corrected_text"] = "   "
    refused = form.submit(status=400)
    assert "请填写补正后的申请内容" in refused.html.select_one("form.has-error p.error").text
    assert case.status == "correction"
    # a stale form (the case changed meanwhile) is a conflict, and the text is kept
    stale = correction_form(page)
    stale["corrected_text"] = "2026年度低保资金"
    case.phone = "13700000009"  # any change to the row moves its lock_version on
    dbsession.flush()
    conflict = stale.submit(status=409)
    assert "已被他人处理" in conflict.text
    assert correction_form(conflict)["corrected_text"].value == "2026年度低保资金"
    assert case.status == "correction"


def test_no_correction_can_be_sent_when_none_is_asked_for(testapp, civil, dbsession):
    req = submit_case(
        testapp,
        dbsession,
        name="孙十三",
        phone="13700000002",
        organisation=civil.code,
        description="养老补贴文件",
        delivery_channel="on_site",
    )
    page = lookup(testapp, req)
    assert not [f for f in page.forms.values() if "corrected_text" in f.fields]
    res = testapp.post(
        "/requests/status",
        {
            "csrf_token": testapp.csrf_token(),
            "tracking_number": req.tracking_number,
            "access_code": req.access_code,
            "correct": "1",
            "corrected_text": "x",
            "lock_version": req.lock_version,
        },
        status=400,
    )
    assert "不能在线补正" in res.text and req.status == "received"
    missing = testapp.post(
        "/requests/status",
        {
            "csrf_token": testapp.csrf_token(),
            "tracking_number": req.tracking_number,
            "access_code": req.access_code,
            "correct": "1",
            "corrected_text": "x",
        },
        status=400,
    )
    assert "lock_version" in missing.text


def test_the_officers_see_no_deadline_and_no_overdue_while_it_is_awaited(
    testapp, case, make_user, civil
):
    case.due_on = date(2026, 11, 19)  # a stale date from before the correction was asked
    testapp.login(make_user(civil).email)
    shown = testapp.get(f"/officer/requests/{case.id}")
    meta = shown.html.select_one("table.meta").text
    assert "待补正后重新计算" in meta and "2026-11-19" not in meta and "已逾期" not in meta
    dashboard = testapp.get("/officer/requests")
    (row,) = [
        r for r in dashboard.html.select("table.list tbody tr") if case.tracking_number in r.text
    ]
    assert "待补正后重新计算" in row.text and "overdue" not in row.get("class", [])
    assert "已逾期" not in row.text
    overdue = testapp.get("/officer/requests", {"status": "overdue"}).text
    assert case.tracking_number not in overdue
    # once the applicant's correction period is over, the case waits for an officer's decision
    assert case.tracking_number not in testapp.get(
        "/officer/requests", {"status": "correction_overdue"}
    )
    case.correction_deadline = date(2026, 11, 19)
    waiting = testapp.get("/officer/requests", {"status": "correction_overdue"})
    (row,) = waiting.html.select("table.list tbody tr")
    assert case.tracking_number in row.text and "补正期限已过，待决定" in row.text
