"""A case follows the rules in force on the day it was received: an old paper application of
2018, entered by an officer today, is handled under the 2008 Regulations from receipt to reply,
and nothing shown or sent for it (case page, status page, API, mail, letters) cites the 2019
Regulations or their day counts."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from disclosure.models import DisclosureRequest
from disclosure.requests import services
from disclosure.requests.intake import receipt_date
from disclosure.requests.mail import acknowledgement

from ..conftest import TODAY
from ..unit.test_law import assert_no_2019_law
from .test_request_workflow import act
from .test_requests import resident_id, set_radio

APPLICATION = {
    "applicant_type": "person",
    "name": "吴十三",
    "id_type": "resident_id",
    "phone": "13600000000",
    "email": "wu@example.com",
    "address": "咸阳市秦都区人民路1号",
    "description": "2017年度某企业排污许可证及其附件",
    "delivery_form": "paper",
    "delivery_channel": "post",
}


@pytest.fixture
def clock(app):
    """Set the application's business date for the steps of an old case; restored after."""
    before = app.registry.get("disclosure.clock")
    day = {"today": TODAY}
    app.registry["disclosure.clock"] = lambda: day["today"]

    def set_today(value: date) -> None:
        day["today"] = value

    yield set_today
    app.registry["disclosure.clock"] = before


def enter_on_paper(app, dbsession, org, officer, received: date, today: date, **changes):
    """An application handed in on paper, entered by an officer (as the entry form does)."""
    rules = app.registry["request_rules"]
    received_on, note = receipt_date("in_person", received)
    return services.submit(
        dbsession,
        rules,
        {**APPLICATION, "id_number": resident_id(), "organisation": org.code, **changes},
        org,
        today=today,
        channel="in_person",
        received_on=received_on,
        entered_by=officer,
        receipt_note=note,
    )


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def issue(testapp, req, kind, variant="default", **params):
    testapp.post(
        f"/officer/requests/{req.id}/letters",
        {
            "csrf_token": testapp.csrf_token(),
            "kind": kind,
            "variant": variant,
            "lock_version": req.lock_version,
            **params,
        },
        status=303,
    )


def test_a_2008_case_cites_only_the_2008_rules(testapp, app, dbsession, civil, make_user, clock):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    rules = app.registry["request_rules"]
    clock(date(2018, 6, 1))
    submission = enter_on_paper(app, dbsession, civil, officer, date(2018, 6, 1), date(2018, 6, 1))
    case, code = submission.request, submission.access_code
    assert case.profile == "ogi-2008"
    # Fri 1 Jun 2018, 15 working days (16-18 Jun 端午节): 4-8 (5), 11-15 (10), 19-22 (14), 25 Jun
    assert case.due_on == date(2018, 6, 25)
    assert case.correction_due_on is None  # the 2008 rules set no day count for it
    assert case.events[0].reason == "以申请人提交之日为收到申请之日"  # no 2008 article for it
    dbsession.flush()
    pages = []

    testapp.login(officer.email)
    pages.append(testapp.get(f"/officer/requests/{case.id}").text)  # with the action forms
    clock(date(2018, 6, 4))
    issue(testapp, case, "acknowledgement")
    act(testapp, case, "accept")
    clock(date(2018, 6, 5))
    act(
        testapp,
        case,
        "start_consultation",
        kind="third_party",
        party="咸阳某化工有限公司",
        sent_on="2018-06-05",
    )
    issue(testapp, case, "third_party", "consultation-1")
    # The company answers after six weeks: the 2008 rules set no limit, so all of it is excluded.
    clock(date(2018, 7, 13))
    act(testapp, case, "end_consultation", consultation="1", answered_on="2018-07-13")
    # 4 Jun (1), 5 Jun (2), 6 Jun - 13 Jul paused (27 working days), 16-20 Jul (7), 23-27 (12),
    # 30, 31 Jul (14), Wed 1 Aug (15)
    assert case.due_on == date(2018, 8, 1)
    assert case.deadline["paused_days"] == 27
    clock(date(2018, 7, 16))
    pages.append(testapp.get(f"/officer/requests/{case.id}").text)
    act(testapp, case, "request_extension", days="15", reason="需向多个科室调取材料")
    res = act(testapp, case, "request_extension", days="16", reason="x", status=400)
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, case, "approve_extension")
    # 30th working day: 2, 3 Aug (17), 6-10 (22), 13-17 (27), 20, 21, Wed 22 Aug (30)
    assert case.due_on == date(2018, 8, 22)
    issue(testapp, case, "extension")
    testapp.logout()
    testapp.login(officer.email)
    clock(date(2018, 8, 10))
    pages.append(testapp.get(f"/officer/requests/{case.id}").text)  # with the answer form
    act(
        testapp,
        case,
        "answer",
        outcome="not_disclosed",
        ground="third_party",
        reason="涉及该企业的商业秘密，该企业不同意公开",
    )
    issue(testapp, case, "reply", "not_disclosed")
    pages.append(testapp.get(f"/officer/requests/{case.id}").text)
    dbsession.refresh(case)
    letters = {
        lt.kind: pdf_text(testapp.get(f"/officer/requests/{case.id}/letters/{lt.id}").body)
        for lt in case.letters
    }
    assert sorted(letters) == ["acknowledgement", "extension", "reply", "third_party"]
    testapp.logout()

    # what the applicant sees: the status page and the API
    form = testapp.get("/requests/status").forms[0]
    form["tracking_number"], form["access_code"] = case.tracking_number, code
    status_page = form.submit().text
    api = testapp.get(
        f"/api/v1/requests/{case.tracking_number}", headers={"X-Access-Code": code}
    ).json
    mail = acknowledgement(case, code, "https://example.com/s", rules.law.profile(case.profile))

    shown = {
        **{f"case page {i}": page for i, page in enumerate(pages)},
        "status page": status_page,
        "api": json.dumps(api, ensure_ascii=False),
        "mail": mail.body,
        **{f"letter {kind}": text for kind, text in letters.items()},
        "refused extension": res.text,
    }
    for where, text in shown.items():
        try:
            assert_no_2019_law(text)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None

    # ... and the 2008 rules are there
    flat = {where: "".join(text.split()) for where, text in shown.items()}
    assert "第二十四条第二款" in flat["case page 0"]  # the trail and the accept action
    assert "第二十三条" in flat["case page 0"]  # the consultation action
    assert "第二十四条第三款" in flat["case page 1"]  # the pause in the trail
    assert "第二十一条第（二）项" in flat["case page 2"]  # the answer form's outcome list
    assert 'max="15"' in pages[0]  # the extension form allows 15 days
    assert "第二十四条第二款" in flat["refused extension"]
    assert "第二十四条第二款" in flat["mail"] and "15个工作日" in flat["mail"]
    assert "第二十四条第二款" in flat["letter acknowledgement"]
    assert "第二十四条第三款" in flat["letter acknowledgement"]
    assert "15个工作日" in flat["letter acknowledgement"]
    assert "第二十三条" in flat["letter third_party"]
    assert "第二十四条第二款" in flat["letter extension"]
    assert "延长15个工作日" in flat["letter extension"]
    assert "第十四条第四款、第二十三条和第二十一条第（二）项" in flat["letter reply"]
    history = [e["text"] for e in api["history"]]
    assert "已作出答复：不予公开（第二十一条第（二）项）。" in history
    assert any("（第二十四条第二款）" in line for line in history)  # the extension
    assert any("不计算在答复期限内" in line for line in api["trail"])


def test_the_due_date_api_follows_the_receipt_date(testapp):
    old = testapp.get("/api/v1/calendar/due-date?received=2018-06-01").json
    assert old["due_on"] == "2018-06-25" and old["trail"][0]["article"] == "第二十四条第二款"
    forced = testapp.get("/api/v1/calendar/due-date?received=2018-06-01&profile=ogi-2019").json
    assert forced["trail"][0]["article"] == "第三十三条第二款"
    new = testapp.get("/api/v1/calendar/due-date?received=2019-05-15").json
    assert new["trail"][0]["article"] == "第三十三条第二款"
    testapp.get("/api/v1/calendar/due-date?received=2018-06-01&profile=ogi-1990", status=400)


def test_the_rules_are_chosen_by_the_receipt_date(app, dbsession, civil, make_user):
    officer = make_user(civil)
    before = enter_on_paper(app, dbsession, civil, officer, date(2019, 5, 14), TODAY).request
    after = enter_on_paper(app, dbsession, civil, officer, date(2019, 5, 15), TODAY).request
    assert (before.profile, after.profile) == ("ogi-2008", "ogi-2019")
    # the same working-day calendar, different rules: 15 and 20 working days
    assert before.deadline["total_days"] == 15 and after.deadline["total_days"] == 20
    assert before.deadline["trail"][0]["article"] == "第二十四条第二款"
    assert after.deadline["trail"][0]["article"] == "第三十三条第二款"
    assert after.events[0].reason == "第三十一条：以申请人提交之日为收到申请之日"
    today = services.submit(
        dbsession,
        app.registry["request_rules"],
        {**APPLICATION, "id_number": resident_id(), "organisation": civil.code},
        civil,
        today=TODAY,
    ).request
    assert today.profile == "ogi-2019"


def test_an_officer_entering_a_2018_paper_application_gets_the_2008_rules(
    testapp, make_user, civil, dbsession
):
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/requests/new").forms["deform"]
    form["name"] = "郑十四"
    form["id_number"] = resident_id()
    form["phone"] = "029-33210001"
    form["address"] = "咸阳市渭城区文汇路3号"
    form["description"] = "2018年某项目环评批复"
    set_radio(form, "paper")
    set_radio(form, "post")
    form["channel"] = "post_registered"
    form["event_date"] = "2018-06-01"
    form.submit("submit", status=(201, 303))
    req = dbsession.query(DisclosureRequest).filter_by(name="郑十四").one()
    assert req.received_on == date(2018, 6, 1) and req.profile == "ogi-2008"
    assert req.due_on == date(2018, 6, 25)
    assert req.events[0].reason == "以本机关签收之日为收到申请之日"
