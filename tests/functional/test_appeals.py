"""Reconsideration and lawsuits about a case (行政复议、行政诉讼; the annual report's table 四),
entered and updated by an officer of the case's organisation from the case page."""

from datetime import date

import pytest

from disclosure.models import CaseAppeal

from .test_requests import submit_case


@pytest.fixture
def case(testapp, dbsession, civil):
    return submit_case(
        testapp,
        dbsession,
        name="张三",
        phone="13900000000",
        organisation=civil.code,
        description="请提供某项目环评批复",
        delivery_channel="collect",
    )


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


def post(testapp, case, status, **fields):
    params = {
        "csrf_token": testapp.csrf_token(),
        "lock_version": str(case.lock_version),
        **fields,
    }
    return testapp.post(f"/officer/requests/{case.id}/appeals", params, status=status)


NEW = {
    "kind": "reconsideration",
    "body": "咸阳市人民政府",
    "filed_on": "2026-11-02",
    "result": "pending",
}


def test_officer_adds_appeals_and_the_case_page_lists_them(testapp, case, officer, dbsession):
    assert "登记行政复议、行政诉讼" in testapp.get(f"/officer/requests/{case.id}").text
    post(testapp, case, 303, **NEW)
    post(
        testapp,
        case,
        303,
        kind="lawsuit_after_reconsideration",
        body="咸阳市秦都区人民法院",
        filed_on="2026-11-10",
        result="corrected",
        decided_on="2026-11-18",
    )
    first, second = dbsession.query(CaseAppeal).filter_by(request_id=case.id).order_by("id")
    assert (first.kind, first.body, first.filed_on, first.result, first.decided_on) == (
        "reconsideration",
        "咸阳市人民政府",
        date(2026, 11, 2),
        "pending",
        None,
    )
    assert (second.result, second.decided_on, second.created_by_id) == (
        "corrected",
        date(2026, 11, 18),
        officer.id,
    )
    page = testapp.get(f"/officer/requests/{case.id}")
    table = page.html.find("table", class_="appeals").text
    assert "行政复议" in table and "尚未审结" in table
    assert "行政诉讼（复议后起诉）" in table and "咸阳市秦都区人民法院" in table and "纠正" in table


def test_the_result_is_updated_later_and_recorded_in_the_history(testapp, case, officer, dbsession):
    post(testapp, case, 303, **NEW)
    appeal = dbsession.query(CaseAppeal).filter_by(request_id=case.id).one()
    post(testapp, case, 303, appeal_id=str(appeal.id), result="upheld", decided_on="2026-11-19")
    assert (appeal.result, appeal.decided_on) == ("upheld", date(2026, 11, 19))
    recorded = [e for e in case.events if e.action in ("record_appeal", "update_appeal")]
    assert [e.action for e in recorded] == ["record_appeal", "update_appeal"]
    assert not any(e.visible_to_applicant for e in recorded)
    assert recorded[1].changes["appeal_result"] == ["尚未审结", "维持"]
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert "更新行政复议、行政诉讼结果" in page and "结果：尚未审结 → 维持" in page
    # the applicant sees none of it
    status = testapp.get(
        f"/api/v1/requests/{case.tracking_number}", headers={"X-Access-Code": case.access_code}
    ).json
    assert not [h for h in status["history"] if "appeal" in h["action"]]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"kind": "petition"}, "kind", "行政复议"),
        ({"kind": ""}, "kind", "必填"),
        ({"body": "  "}, "body", "必填"),
        ({"body": "院" * 201}, "body", "不能超过 200 个字符"),
        ({"filed_on": "2026-13-01"}, "filed_on", "日期格式无效"),
        ({"filed_on": "1989-12-31"}, "filed_on", "1990-01-01"),
        ({"filed_on": "2026-12-01"}, "filed_on", "不能晚于今天"),
        ({"result": "won"}, "result", "维持"),
        ({"result": "upheld"}, "decided_on", "必须填写决定日期"),
        ({"result": "pending", "decided_on": "2026-11-10"}, "decided_on", "无需填写"),
        ({"result": "upheld", "decided_on": "2026-11-01"}, "decided_on", "不能早于"),
        ({"result": "upheld", "decided_on": "2101-01-01"}, "decided_on", "2100-12-31"),
    ],
)
def test_bad_input_is_shown_beside_the_form_with_the_input_kept(
    testapp, case, officer, dbsession, change, field, message
):
    page = post(testapp, case, 400, **{**NEW, **change})
    error = page.html.find(id=f"appeal-new-{field}-error")
    assert error is not None and message in error.text, page.html.find(id="appeal-new")
    form = page.forms["appeal-new"]
    typed = {**NEW, **change}
    assert form["body"].value == typed["body"] and form["filed_on"].value == typed["filed_on"]
    assert dbsession.query(CaseAppeal).filter_by(request_id=case.id).count() == 0


def test_a_bad_update_is_shown_beside_that_appeal(testapp, case, officer, dbsession):
    post(testapp, case, 303, **NEW)
    appeal = dbsession.query(CaseAppeal).filter_by(request_id=case.id).one()
    page = post(testapp, case, 400, appeal_id=str(appeal.id), result="corrected", decided_on="")
    assert "必须填写决定日期" in page.html.find(id=f"appeal-{appeal.id}-decided_on-error").text
    assert page.forms[f"appeal-{appeal.id}"]["result"].value == "corrected"
    assert appeal.result == "pending"
    post(testapp, case, 404, appeal_id="999999", result="upheld", decided_on="2026-11-19")


def test_a_stale_or_missing_lock_version_is_refused(testapp, case, officer, dbsession):
    stale = case.lock_version
    post(testapp, case, 303, **NEW)
    assert case.lock_version > stale
    params = {**NEW, "csrf_token": testapp.csrf_token(), "lock_version": str(stale)}
    page = testapp.post(f"/officer/requests/{case.id}/appeals", params, status=409)
    assert "已被他人处理" in page.text
    del params["lock_version"]
    testapp.post(f"/officer/requests/{case.id}/appeals", params, status=400)
    assert dbsession.query(CaseAppeal).filter_by(request_id=case.id).count() == 1


def test_only_officers_of_the_case_organisation_may_record(
    testapp, case, make_user, police, dbsession
):
    testapp.login(make_user(police).email)
    post(testapp, case, 403, **NEW)
    assert dbsession.query(CaseAppeal).filter_by(request_id=case.id).count() == 0


def test_a_post_without_the_csrf_token_is_refused(testapp, case, officer, dbsession):
    params = {**NEW, "lock_version": str(case.lock_version)}
    testapp.post(f"/officer/requests/{case.id}/appeals", params, status=400)
    assert dbsession.query(CaseAppeal).filter_by(request_id=case.id).count() == 0
