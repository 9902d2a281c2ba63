"""Art. 35 (requests clearly excessive in number or frequency) and Art. 36(7) (registers with laws
of their own) in the workflow.

Art. 35: the officer asks the applicant for reasons, with a letter and a deadline, and records
what came back (or that nothing came); only then may the reply call the reasons unreasonable. With
reasons that are reasonable, a later answer date moves the due date, with its letter and a trail
step citing Art. 35. Art. 36(7): one path, the ``registers`` outcome: a referral letter with the
ordinary remedy, one report row; no withholding ground for it."""

from __future__ import annotations

from datetime import date

import pytest

from disclosure.models import Letter

from ..conftest import TODAY
from .test_law import enter_on_paper
from .test_letters_issue import issue, text_of
from .test_request_workflow import act
from .test_requests import submit_case

DUE = date(2026, 12, 18)  # filed Fri 20 Nov 2026 (TODAY): the 20th working day


@pytest.fixture(name="clock")
def _clock(app):
    before = app.registry.get("disclosure.clock")
    day = {"today": TODAY}
    app.registry["disclosure.clock"] = lambda: day["today"]
    yield lambda value: day.update(today=value)
    app.registry["disclosure.clock"] = before


@pytest.fixture
def case(testapp, civil, dbsession, clock):
    return submit_case(
        testapp,
        dbsession,
        name="孙十四",
        phone="13800000000",
        email="sun@example.com",
        organisation=civil.code,
        description="2010年至2026年每一个社区每一次会议的全部记录",
        delivery_channel="email",
    )


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


def page(testapp, req) -> str:
    return testapp.get(f"/officer/requests/{req.id}").text


def letter_text(testapp, dbsession, req, kind) -> tuple[str, Letter]:
    letter = dbsession.query(Letter).filter_by(request_id=req.id, kind=kind).one()
    return "".join(
        text_of(testapp.get(f"/officer/requests/{req.id}/letters/{letter.id}").body).split()
    ), letter


def test_unreasonable_only_after_reasons_were_asked_for_and_recorded(
    testapp, dbsession, case, officer, clock
):
    text = page(testapp, case)
    assert 'id="action-ask_excessive_reasons"' in text
    assert 'id="action-record_excessive_reasons"' not in text  # nothing asked yet
    assert 'id="action-set_later_date"' not in text
    res = act(
        testapp, case, "answer", outcome="excessive_unreasonable", reason="理由不合理", status=400
    )
    assert "只有在要求申请人说明理由" in res.text and "申请理由不合理" in res.text
    assert case.outcome == ""

    res = act(
        testapp, case, "ask_excessive_reasons", reasons_deadline=TODAY.isoformat(), status=400
    )
    assert "说明理由的期限应晚于今天" in res.text
    act(testapp, case, "ask_excessive_reasons", reasons_deadline="2026-11-27")
    event = case.events[-1]
    assert event.changes == {"reasons_deadline": "2026-11-27"}
    assert "请于 2026-11-27 前说明申请理由（第三十五条）" in event.public_text
    assert case.due_on == DUE  # asking for reasons does not stop the clock
    res = act(testapp, case, "ask_excessive_reasons", reasons_deadline="2026-12-04", status=400)
    assert "本件已于 2026-11-20 要求申请人说明理由" in res.text

    issue(testapp, case, "excessive_reasons")
    text, letter = letter_text(testapp, dbsession, case, "excessive_reasons")
    assert letter.number.endswith("公开询〔2026〕1号")
    assert "政府信息公开申请说明理由通知书" in text
    assert "根据《中华人民共和国政府信息公开条例》第三十五条的规定" in text
    assert "请您于2026年11月27日前通过原申请渠道向我机关说明申请理由" in text

    res = act(testapp, case, "record_excessive_reasons", reasons_received="no", status=400)
    assert "说明理由的期限（2026-11-27）尚未届满" in res.text
    clock(date(2026, 11, 30))
    act(testapp, case, "record_excessive_reasons", reasons_received="no")
    assert case.events[-1].changes == {"reasons_received": False}
    assert "逾期未说明理由" in page(testapp, case)
    # no reasons came: no later answer date
    res = act(testapp, case, "set_later_date", later_due_on="2026-12-31", reason="x", status=400)
    assert "以申请人说明的理由合理为前提" in res.text

    act(
        testapp,
        case,
        "answer",
        outcome="excessive_unreasonable",
        reason="申请人一年内就同类事项提出申请逾百件，且未说明理由",
    )
    assert case.status == "answered" and case.report_row == "三（五）4"
    issue(testapp, case, "reply", "excessive_unreasonable")
    text, _ = letter_text(testapp, dbsession, case, "reply")
    assert (
        "我机关已于2026年11月20日要求您说明申请理由，您未在2026年11月27日前说明申请理由。"
        "经审查，我机关认为申请理由不合理。"
    ) in text
    assert "第三十五条" in text and "应当先" not in text


def test_without_asking_the_reply_does_not_judge_reasons(testapp, dbsession, case, officer):
    act(testapp, case, "answer", outcome="excessive", reason="同一申请人本月已提出申请四十余件")
    assert case.report_row == "三（五）4"
    issue(testapp, case, "reply", "excessive")
    text, _ = letter_text(testapp, dbsession, case, "reply")
    assert "数量、频次明显超过合理范围" in text and "决定不予处理" in text
    assert "理由不合理" not in text and "说明申请理由" not in text


def test_a_reasonable_later_answer_date(testapp, dbsession, case, officer, clock):
    act(testapp, case, "ask_excessive_reasons", reasons_deadline="2026-11-27")
    clock(date(2026, 11, 25))
    act(
        testapp,
        case,
        "record_excessive_reasons",
        reasons_received="yes",
        reasons_received_on="2026-11-24",
        applicant_reasons="撰写社区治理研究报告，需要历年会议记录",
    )
    assert case.events[-1].changes["reasons_received_on"] == "2026-11-24"
    text = page(testapp, case)
    assert "2026-11-24 收到理由：撰写社区治理研究报告" in text
    assert 'id="action-set_later_date"' in text
    res = act(testapp, case, "set_later_date", later_due_on="2026-12-18", reason="x", status=400)
    assert "延迟答复的期限应晚于现在的答复期限 2026-12-18" in res.text
    act(
        testapp,
        case,
        "set_later_date",
        later_due_on="2026-12-31",
        reason="需调取十六年间各社区的会议记录，数量巨大",
    )
    assert case.due_on == date(2026, 12, 31)
    event = case.events[-1]
    assert event.changes["statutory_due_on"] == "2026-12-18"
    assert event.changes["due_on"] == ["2026-12-18", "2026-12-31"]
    (step,) = [s for s in case.deadline["trail"] if s["kind"] == "later_date"]
    assert step["text"].startswith("2026-11-25 确定延迟答复的合理期限至 2026-12-31")
    assert step["article"] == "第三十五条" and "（第三十五条）" in step["text"]
    (due,) = [s for s in case.deadline["trail"] if s["kind"] == "due"]
    assert "第20个工作日为 2026-12-18，确定延迟答复的合理期限为 2026-12-31" in due["text"]
    assert "第三十五条" in due["article"]
    res = act(testapp, case, "set_later_date", later_due_on="2027-01-29", reason="x", status=400)
    assert "本件已确定过延迟答复的合理期限" in res.text

    issue(testapp, case, "later_date")
    text, letter = letter_text(testapp, dbsession, case, "later_date")
    assert letter.number.endswith("公开期〔2026〕1号")
    assert "政府信息公开申请延迟答复告知书" in text
    assert "您于2026年11月24日说明了申请理由，经审查，我机关认为申请理由合理" in text
    assert "无法在原答复期限2026年12月18日前作出答复" in text
    assert "第三十五条的规定，我机关确定延迟答复的合理期限为2026年12月31日" in text

    testapp.logout()
    form = next(
        f for f in testapp.get("/requests/status").forms.values() if "access_code" in f.fields
    )
    form["tracking_number"], form["access_code"] = case.tracking_number, case.access_code
    status = form.submit().text
    assert "本机关确定延迟答复的合理期限至2026年12月31日" in status
    assert "答复期限至2026年12月31日" in status


def test_no_art_35_steps_under_the_2008_rules(testapp, app, dbsession, civil, make_user, clock):
    officer = make_user(civil)
    clock(date(2018, 6, 1))
    old = enter_on_paper(app, dbsession, civil, officer, date(2018, 6, 1), date(2018, 6, 1))
    old = old.request
    dbsession.flush()
    testapp.login(officer.email)
    assert 'id="action-ask_excessive_reasons"' not in page(testapp, old)
    res = act(testapp, old, "ask_excessive_reasons", reasons_deadline="2018-06-08", status=400)
    assert "本件适用《政府信息公开条例》（2008年施行），该规则未规定" in res.text


def test_registers_is_one_referral_with_the_ordinary_remedy(testapp, dbsession, case, officer):
    text = page(testapp, case)
    assert "行政查询" not in text and "administrative_query" not in text  # no such ground
    res = act(
        testapp,
        case,
        "answer",
        outcome="not_disclosed",
        ground="administrative_query",
        reason="x",
        status=400,
    )
    assert "请选择不予公开的理由依据" in res.text
    act(testapp, case, "answer", outcome="registers")
    assert case.report_row == "三（六）3" and case.outcome_ground == ""
    res = issue(testapp, case, "reply", "registers", status=400)  # where to go: typed in
    assert "依照有关法律、行政法规办理的机关和方式" in res.text
    issue(
        testapp,
        case,
        "reply",
        "registers",
        referral="咸阳市不动产登记中心（咸阳市人民西路1号，电话029-33000000），凭身份证明查询",
    )
    text, _ = letter_text(testapp, dbsession, case, "reply")
    assert "现告知您依照有关法律、行政法规的规定办理" in text
    assert "办理机关及方式：咸阳市不动产登记中心" in text
    assert "第三十六条第（七）项" in text
    assert "也可以自收到本答复之日起6个月内依法向人民法院提起行政诉讼" in text
    assert "应当先" not in text and "不予公开" not in text
