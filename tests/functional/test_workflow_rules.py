"""Art. 30-34 of the 2019 Regulations in the workflow: the correction notice (once, within its
window, never after the answer deadline), no automatic abandonment, a transfer that is not a
correction, several consultations at once (third party and other agency, each with its letter and
its receipt date), true facts recorded after an extension, and refused actions shown on the case
page with what was typed."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from disclosure.models import DisclosureRequest
from disclosure.requests.workflow import events_of

from ..conftest import TODAY
from .test_law import enter_on_paper
from .test_request_workflow import act
from .test_requests import submit_case

# The case is filed on Fri 20 Nov 2026 (TODAY): the correction notice is due by the 7th working
# day, Tue 1 Dec; the answer by the 20th, Fri 18 Dec.
WINDOW = date(2026, 12, 1)
DUE = date(2026, 12, 18)


@pytest.fixture(name="case")
def _case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="周九",
        phone="13700000000",
        organisation=civil.code,
        description="请提供2026年社会救助资金使用情况",
        delivery_channel="on_site",
    )


@pytest.fixture(name="clock")
def _clock(app):
    """``clock(date)`` sets the application's business date; restored after the test."""
    before = app.registry.get("disclosure.clock")
    day = {"today": TODAY}
    app.registry["disclosure.clock"] = lambda: day["today"]
    yield lambda value: day.update(today=value)
    app.registry["disclosure.clock"] = before


def page(testapp, req):
    return testapp.get(f"/officer/requests/{req.id}")


def status_page(testapp, req):
    form = next(
        f for f in testapp.get("/requests/status").forms.values() if "access_code" in f.fields
    )
    form["tracking_number"], form["access_code"] = req.tracking_number, req.access_code
    return form.submit()


def pdf_text(pdf: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def ask_correction(testapp, req, status=303, deadline="2026-12-11"):
    return act(
        testapp,
        req,
        "request_correction",
        status=status,
        reason="请写明所需资金的年度",
        correction_deadline=deadline,
    )


# -- the correction notice (Art. 30) -----------------------------------------------------------


def test_a_correction_notice_is_refused_after_the_7th_working_day(
    testapp, make_user, civil, case, clock
):
    testapp.login(make_user(civil).email)
    assert case.correction_due_on == WINDOW
    clock(date(2026, 12, 2))
    assert 'id="action-request_correction"' not in page(testapp, case).text  # not offered
    res = ask_correction(testapp, case, status=400, deadline="2026-12-15")
    assert "7个工作日内" in res.text and "2026-12-01" in res.text and "第三十条" in res.text
    assert case.status == "received" and case.correction_deadline is None
    clock(WINDOW)  # the last day is still in time
    assert 'id="action-request_correction"' in page(testapp, case).text
    ask_correction(testapp, case)
    assert case.status == "correction"


def test_without_a_window_only_the_answer_deadline_limits_it(
    testapp, app, dbsession, make_user, civil, clock
):
    officer = make_user(civil)
    clock(date(2018, 6, 1))
    old = enter_on_paper(app, dbsession, civil, officer, date(2018, 6, 1), date(2018, 6, 1))
    req = old.request
    assert req.profile == "ogi-2008" and req.correction_due_on is None
    assert req.due_on == date(2018, 6, 25)
    dbsession.flush()
    testapp.login(officer.email)
    clock(date(2018, 6, 26))  # the day after the answer deadline
    res = act(
        testapp,
        req,
        "request_correction",
        status=400,
        reason="请写明年度",
        correction_deadline="2018-07-06",
    )
    assert "答复期限已于 2018-06-25 届满" in res.text
    clock(date(2018, 6, 20))  # 13 working days after receipt: late by 2019 rules, not by 2008
    act(testapp, req, "request_correction", reason="请写明年度", correction_deadline="2018-06-29")
    assert req.status == "correction"


def test_a_correction_is_asked_for_once_only(testapp, make_user, civil, case):
    testapp.login(make_user(civil).email)
    ask_correction(testapp, case)
    act(testapp, case, "record_correction", corrected_on="2026-11-20")
    assert case.status == "accepted"
    assert 'id="action-request_correction"' not in page(testapp, case).text
    res = ask_correction(testapp, case, status=400)
    assert "一次性告知" in res.text and "不能再次告知" in res.text
    assert [e.action for e in case.events].count("request_correction") == 1


def test_a_correction_cannot_be_recorded_before_it_was_asked_for(
    testapp, make_user, civil, case, clock
):
    testapp.login(make_user(civil).email)
    clock(date(2026, 11, 24))
    ask_correction(testapp, case)
    res = act(testapp, case, "record_correction", status=400, corrected_on="2026-11-23")
    assert "不能早于告知补正之日（2026-11-24）" in res.text


# -- no automatic abandonment ----------------------------------------------------------------


def test_an_officer_decides_that_a_late_correction_abandons_the_request(
    testapp, make_user, civil, case, clock
):
    testapp.login(make_user(civil).email)
    ask_correction(testapp, case, deadline="2026-12-04")
    assert 'id="action-mark_abandoned"' not in page(testapp, case).text
    res = act(testapp, case, "mark_abandoned", status=400, reason="无正当理由逾期不补正")
    assert "尚未届满" in res.text
    clock(date(2026, 12, 7))
    shown = page(testapp, case)
    form = shown.forms["action-mark_abandoned"]
    assert form["reason"].value == "无正当理由逾期不补正"  # a suggestion the officer may change
    assert "已过期，待决定" in shown.text
    form["reason"] = ""
    refused = form.submit(status=400)
    assert "请填写视为放弃的理由" in refused.text
    assert case.status == "correction"
    form = refused.forms["action-mark_abandoned"]
    form["reason"] = "无正当理由逾期不补正，经电话联系未果"
    form.submit(status=303)
    assert case.status == "abandoned" and case.report_row == "三（六）1"
    assert case.outcome == "abandoned" and case.closed_on == date(2026, 12, 7)
    event = case.events[-1]
    assert event.actor_label and event.reason == "无正当理由逾期不补正，经电话联系未果"
    assert "视为放弃申请（第三十条）" in event.public_text


# -- a transfer is not a correction ----------------------------------------------------------------


def test_a_transfer_tells_the_applicant_where_the_case_went(
    testapp, make_user, civil, police, case, clock
):
    testapp.login(make_user(civil).email)
    clock(date(2026, 11, 23))
    act(testapp, case, "transfer", organisation=police.code, reason="属于公安机关职责")
    (restart,) = [e for e in events_of(case) if e.kind == "restart"]
    assert restart.reason == "transfer" and restart.note == police.name
    officer_trail = [s["text"] for s in case.deadline["trail"]]
    assert f"2026-11-23 转送{police.name}办理，期限自次日起重新计算" in officer_trail
    assert not any("补正" in t for t in officer_trail if not t.startswith("如需补正"))
    # Mon 23 Nov + 20 working days: Mon 21 Dec
    assert case.due_on == date(2026, 12, 21)
    for text in (
        status_page(testapp, case).text,
        str(
            testapp.get(
                f"/api/v1/requests/{case.tracking_number}",
                headers={"X-Access-Code": case.access_code},
            ).json
        ),
    ):
        assert f"2026年11月23日您的申请转送{police.name}办理，答复期限自次日起重新计算" in text
        assert "补正后的申请" not in text


# -- consultations (Art. 32, 34), several at once -----------------------------------------------


def test_two_consultations_at_once_each_with_its_letter_and_its_end(
    testapp, make_user, civil, case, clock, orgs
):
    finance = next(o for o in orgs.orgs if o.kind == "department" and o.id != civil.id)
    testapp.login(make_user(civil).email)
    act(testapp, case, "accept")
    act(
        testapp,
        case,
        "start_consultation",
        kind="third_party",
        party="某社会救助服务中心",
        sent_on="2026-11-20",
    )
    act(
        testapp,
        case,
        "start_consultation",
        kind="other_agency",
        party=finance.name,
        sent_on="2026-11-20",
    )
    assert case.status == "consulting"
    started = case.events[-1]
    assert started.public_text == (
        "本机关依法征求其他机关的意见（第三十四条），征求意见所需时间不计算在答复期限内"
        "（第三十三条第三款）。"
    )
    assert "第三十三条第三款" in case.deadline["trail"][2]["text"]  # the pause's basis
    shown = page(testapp, case)
    # one letter for each consultation under way: the right one for each
    assert (
        'name="kind" value="third_party"><input type="hidden" name="variant" '
        'value="consultation-1"' in shown.text
    )
    assert (
        'name="kind" value="agency_consultation"><input type="hidden" name="variant" '
        'value="consultation-2"' in shown.text
    )
    letters = {}
    for kind, number in (("third_party", 1), ("agency_consultation", 2)):
        testapp.post(
            f"/officer/requests/{case.id}/letters",
            {
                "csrf_token": testapp.csrf_token(),
                "kind": kind,
                "variant": f"consultation-{number}",
                "lock_version": case.lock_version,
            },
            status=303,
        )
        letter = case.letters[-1]
        letters[kind] = pdf_text(
            testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body
        )
    third, agency = letters["third_party"], letters["agency_consultation"]
    assert "某社会救助服务中心" in third and finance.name not in third and "第三十二条" in third
    # the party's receipt is not recorded: its period is stated without a computed date
    assert "自收到本意见书之日起15个工作日内" in third and "即于" not in third
    assert f"{finance.name}：" in agency and "第三十四条" in agency
    assert "视为同意公开" in agency and "自收到本函之日起15个工作日内" in agency

    # which consultation ended must be said when several are open
    res = act(testapp, case, "end_consultation", status=400, answered_on="2026-11-20")
    assert "请选择是哪一项" in res.text
    clock(date(2026, 11, 24))
    act(testapp, case, "end_consultation", consultation="2", answered_on="2026-11-24")
    assert case.status == "consulting"  # the third party's is still open
    pauses = [e for e in case.clock_events if e["kind"] == "pause"]
    assert [p.get("end") for p in pauses] == [None, "2026-11-24"]
    assert "其他征求意见仍在进行" in case.events[-1].public_text
    act(testapp, case, "end_consultation", consultation="1", answered_on="2026-11-24")
    assert case.status == "accepted"
    # 23, 24 Nov excluded once though both consultations covered them: 18 Dec + 2 = 22 Dec
    assert case.due_on == date(2026, 12, 22) and case.deadline["paused_days"] == 2
    res = act(testapp, case, "end_consultation", status=400, answered_on="2026-11-24")
    assert "不能" in res.text


def test_the_third_partys_period_and_the_cap_run_from_its_receipt(
    testapp, make_user, civil, case, clock
):
    testapp.login(make_user(civil).email)
    act(
        testapp,
        case,
        "start_consultation",
        kind="third_party",
        party="某社会救助服务中心",
        sent_on="2026-11-20",
    )
    # cap 15 working days after the letter went (receipt unknown): Fri 11 Dec; 18 Dec + 15
    assert case.due_on == date(2027, 1, 11)
    (step,) = [s for s in case.deadline["trail"] if s["kind"] == "pause"]
    assert "对方收到日期未登记" in step["text"] and "自收到之日起 15 个工作日内" in step["text"]
    assert "2026-12-11" not in step["text"]
    clock(date(2026, 11, 26))
    page_text = page(testapp, case).text
    assert "对方收到日期未登记" in page_text
    act(
        testapp,
        case,
        "record_consultation_receipt",
        consultation="1",
        party_received_on="2026-11-25",
    )
    # received Wed 25 Nov: its 15 working days end Wed 16 Dec; 18 Dec + 18 working days
    assert case.due_on == date(2027, 1, 14)
    (step,) = [s for s in case.deadline["trail"] if s["kind"] == "pause"]
    assert "对方 2026-11-25 收到" in step["text"] and "（至 2026-12-16）" in step["text"]
    assert case.events[-1].visible_to_applicant is False
    # the letter now gives the date
    testapp.post(
        f"/officer/requests/{case.id}/letters",
        {
            "csrf_token": testapp.csrf_token(),
            "kind": "third_party",
            "variant": "consultation-1",
            "lock_version": case.lock_version,
        },
        status=303,
    )
    text = pdf_text(testapp.get(f"/officer/requests/{case.id}/letters/{case.letters[-1].id}").body)
    assert "自收到本意见书之日起15个工作日内，即于2026年12月16日前" in text
    res = act(
        testapp,
        case,
        "record_consultation_receipt",
        status=400,
        consultation="1",
        party_received_on="2026-11-25",
    )
    assert "没有待登记收到日期的征求意见" in res.text


# -- an extension does not block the facts ----------------------------------------------------


def test_the_real_answer_day_is_recorded_after_an_extension_and_the_case_is_overdue(
    testapp, app, dbsession, make_user, civil, clock
):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    clock(date(2026, 10, 9))
    req = enter_on_paper(app, dbsession, civil, officer, date(2026, 10, 9), date(2026, 10, 9))
    req = req.request
    dbsession.flush()
    testapp.login(officer.email)
    clock(date(2026, 10, 12))
    act(
        testapp, req, "start_consultation", kind="third_party", party="某公司", sent_on="2026-10-12"
    )
    clock(date(2026, 11, 10))
    act(testapp, req, "request_extension", days="20", reason="材料较多")
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, req, "approve_extension")
    testapp.logout()
    testapp.login(officer.email)
    # The answer had in fact arrived on Tue 13 Oct: only that day is excluded, the 20th working
    # day is Fri 6 Nov, and the extension granted on 10 Nov came too late to extend it.
    act(testapp, req, "end_consultation", consultation="1", answered_on="2026-10-13")
    assert req.status == "accepted" and req.due_on == date(2026, 11, 6)
    assert req.deadline["extension_late"] is True
    event = req.events[-1]
    assert "按实际情况重新计算后，答复期限为 2026-11-06，已逾期" in event.public_text
    assert event.changes["overdue"] == "2026-11-06" and event.visible_to_applicant
    shown = page(testapp, req).text
    assert "按实际情况重新计算后，答复期限为 2026-11-06，已逾期" in shown
    assert '<span class="tag overdue">已逾期</span>' in shown
    dashboard = testapp.get("/officer/requests", {"status": "overdue"}).text
    assert req.tracking_number in dashboard
    # no second extension can be granted now: the period has run out
    res = act(testapp, req, "request_extension", status=400, days="5", reason="x")
    assert "只能延长一次" in res.text or "届满" in res.text


def test_an_extension_is_refused_after_the_due_date(testapp, make_user, civil, case, clock):
    testapp.login(make_user(civil).email)
    clock(date(2026, 12, 21))
    assert 'id="action-request_extension"' not in page(testapp, case).text
    res = act(testapp, case, "request_extension", status=400, days="5", reason="材料较多")
    assert "答复期限已于 2026-12-18 届满，期限届满后不能延长（第三十三条第二款）" in res.text


# -- refused actions on the case page, and the history in words ------------------------------


def test_a_refused_action_is_shown_beside_its_form_with_what_was_typed(
    testapp, make_user, civil, case
):
    testapp.login(make_user(civil).email)
    res = act(
        testapp,
        case,
        "request_correction",
        status=400,
        reason="请写明所需资金的年度和项目",
        correction_deadline="2026-11-01",
    )
    assert res.content_type == "text/html"
    form = res.forms["action-request_correction"]
    assert "has-error" in res.html.select_one("#action-request_correction")["class"]
    assert form["reason"].value == "请写明所需资金的年度和项目"
    assert form["correction_deadline"].value == "2026-11-01"
    error = res.html.select_one("#action-request_correction p.error").text
    assert error == "补正期限应晚于今天"
    assert res.html.select_one("#request_correction-correction_deadline-error").text == "应晚于今天"
    assert "correction_deadline:" not in res.text  # no raw field names
    assert case.status == "received" and case.correction_deadline is None
    # the case as stored, ready for another try
    form["correction_deadline"] = "2026-12-04"
    form.submit(status=303)
    assert case.status == "correction"


def test_refused_for_permission_or_a_conflict_the_page_says_so(testapp, make_user, civil, case):
    testapp.login(make_user(civil).email)
    act(testapp, case, "request_extension", days="10", reason="材料较多")
    res = act(testapp, case, "approve_extension", status=403)
    assert res.html.select_one("#action-error").text.endswith("您没有权限执行此操作")
    assert case.pending_extension["days"] == 10
    stale = case.lock_version
    act(testapp, case, "accept")
    res = testapp.post(
        f"/officer/requests/{case.id}/request_correction",
        {
            "csrf_token": testapp.csrf_token(),
            "lock_version": stale,
            "reason": "请写明年度",
            "correction_deadline": "2026-12-04",
        },
        status=409,
    )
    assert "已被他人处理" in res.html.select_one("#action-request_correction p.error").text
    assert res.forms["action-request_correction"]["reason"].value == "请写明年度"
    assert res.forms["action-request_correction"]["lock_version"].value == str(case.lock_version)


def test_the_history_is_in_plain_chinese_without_repeats(
    testapp, make_user, civil, police, case, dbsession
):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    testapp.login(officer.email)
    act(testapp, case, "request_extension", days="20", reason="材料较多")
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, case, "approve_extension")
    testapp.logout()
    testapp.login(officer.email)
    act(testapp, case, "transfer", organisation=police.code, reason="属于公安机关职责")
    testapp.logout()
    testapp.login(make_user(police).email)
    rows = page(testapp, case).html.select("table.list tbody tr")
    cells = [[td.get_text("\n").strip() for td in row.select("td")] for row in rows]
    by_action = {c[2]: c for c in cells}
    assert by_action["批准延期"][5] == (
        "延长：20 个工作日\n答复期限：2026-12-18 → 2027-01-18\n暂定期限：否 → 是"
    )
    assert f"受理机关：{civil.name} → {police.name}" in by_action["转送其他机关"][5]
    for row in cells:
        changes = row[5]
        assert "due_on" not in changes and "organisation" not in changes and "['" not in changes
        # the row's date is not said again in its changes
        assert row[0] not in changes
    submitted = by_action["收到申请"][5]
    assert submitted.count("2026-12-18") == 1 and "2026-11-20" not in submitted
    assert case.status == "received"
    assert dbsession.get(DisclosureRequest, case.id).organisation_id == police.id
    assert TODAY == date(2026, 11, 20)
