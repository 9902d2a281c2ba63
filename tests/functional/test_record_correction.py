"""Art. 41, correction of records (更正申请): an application type of its own, on the form and in
the API, shown on the receipt, the status page and the case page; its own answers (corrected,
forwarded to or referred to the competent agency, refused with reasons), not counted in the
disclosure tables of the annual report; its own answer letter with the ordinary remedy."""

from __future__ import annotations

import pytest

from disclosure.models import DisclosureRequest, Letter

from .test_letters_issue import issue, text_of
from .test_request_workflow import act
from .test_requests import resident_id, set_radio, submit_case

DESCRIPTION = "贵局2025年发放给我的临时救助记录中，我的身份证号码和家庭人口数登记有误，请予更正"


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="李十五",
        phone="13600000001",
        email="li@example.com",
        organisation=civil.code,
        description=DESCRIPTION,
        delivery_channel="email",
        request_kind="record_correction",
    )


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


def test_a_correction_of_records_on_the_form(testapp, civil, dbsession):
    form = testapp.get("/requests/new").forms["deform"]
    assert "更正申请" in testapp.get("/requests/new").text
    form["name"] = "李十五"
    form["id_number"] = resident_id()
    form["phone"] = "13600000001"
    form["email"] = "li@example.com"
    form["organisation"] = civil.code
    form["description"] = DESCRIPTION
    form["consent"] = True
    set_radio(form, "record_correction")
    receipt = form.submit("submit", status=303).follow()
    assert "已收到您的政府信息更正申请" in receipt.text
    tracking = receipt.html.find(id="tracking-number").text
    req = dbsession.query(DisclosureRequest).filter_by(tracking_number=tracking).one()
    assert req.request_kind == "record_correction"
    code = receipt.html.find(id="access-code").text
    status = testapp.get("/requests/status").forms[0]
    status["tracking_number"], status["access_code"] = tracking, code
    assert "政府信息更正申请" in status.submit().text


def test_the_api_takes_the_request_kind(testapp, civil, dbsession, case):
    assert case.request_kind == "record_correction"
    body = testapp.get(
        f"/api/v1/requests/{case.tracking_number}", headers={"X-Access-Code": case.access_code}
    ).json
    assert body["request_kind"] == "record_correction"
    plain = submit_case(
        testapp, dbsession, name="王", phone="13600000002", organisation=civil.code,
        description="某文件全文", delivery_channel="on_site",
    )  # fmt: skip
    assert plain.request_kind == "disclosure"  # the default
    res = testapp.post_json(
        "/api/v1/requests",
        {
            "applicant_type": "person",
            "name": "王",
            "id_type": "resident_id",
            "id_number": resident_id(),
            "phone": "13600000002",
            "organisation": civil.code,
            "description": "某文件全文",
            "delivery_form": "electronic",
            "delivery_channel": "on_site",
            "consent": True,
            "request_kind": "complaint",
        },
        status=400,
    ).json
    assert "request_kind" in res["fields"]


def test_its_own_answers_letter_and_remedy(testapp, dbsession, case, officer):
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert "政府信息更正申请" in page
    answer = page.split('id="action-answer"')[1].split("</form>")[0]
    assert "审核属实，予以更正（第四十一条）" in answer
    assert "转送有权更正的机关处理" in answer and "告知向有权更正的机关提出" in answer
    assert "予以公开" not in answer and 'name="ground"' not in answer
    # neither a fee nor the Art. 35 steps for a correction of records
    assert 'id="action-fee_notice"' not in page
    assert 'id="action-ask_excessive_reasons"' not in page
    res = act(testapp, case, "fee_notice", fee_method="volume", fee_quantity="150", status=400)
    assert "更正申请不收取信息处理费" in res.text

    res = act(testapp, case, "answer", outcome="disclosed", status=400)
    assert "答复结果无效" in res.text
    res = act(testapp, case, "answer", outcome="record_refused", status=400)
    assert "请写明理由" in res.text
    act(testapp, case, "answer", outcome="record_forwarded")
    assert case.status == "answered" and case.outcome == "record_forwarded"
    assert case.report_row == ""  # not counted in the disclosure tables (table 三)
    assert "已作出答复：不属于本机关职能范围，转送有权更正的机关处理（第四十一条）。" in (
        case.events[-1].public_text
    )
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert '结果</th><td colspan="3">不属于本机关职能范围，转送有权更正的机关处理' in page

    res = issue(testapp, case, "reply", "record_forwarded", status=400)  # not a reply
    res = issue(testapp, case, "record_correction_reply", "record_forwarded", status=400)
    assert "已转送的有权更正的行政机关名称及联系方式" in res.text  # typed in, no default
    issue(
        testapp,
        case,
        "record_correction_reply",
        "record_forwarded",
        referral="咸阳市公安局秦都分局户政科，电话029-33100000",
    )
    letter = dbsession.query(Letter).filter_by(request_id=case.id).one()
    assert letter.kind == "record_correction_reply" and letter.series == "公开更"
    assert letter.number.endswith("公开更〔2026〕1号")
    text = "".join(
        text_of(testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body).split()
    )
    assert "政府信息更正申请答复书" in text and "政府信息公开申请答复书" not in text
    assert "我机关于2026年11月20日收到您提出的政府信息更正申请" in text
    assert "根据《中华人民共和国政府信息公开条例》第四十一条的规定" in text
    assert "已将您的更正申请转送有权更正的行政机关处理" in text
    assert "咸阳市公安局秦都分局户政科" in text
    assert "也可以自收到本答复之日起6个月内依法向人民法院提起行政诉讼" in text
    assert "应当先" not in text


def test_the_acknowledgement_names_a_correction_of_records(testapp, dbsession, case, officer):
    issue(testapp, case, "acknowledgement")
    dbsession.refresh(case)
    (letter,) = [lt for lt in case.letters if lt.kind == "acknowledgement"]
    assert letter.title.endswith("政府信息更正申请受理回执")
    text = text_of(testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body)
    compact = "".join(text.split())
    assert "收到您提出的政府信息更正申请，要求更正" in compact
    assert "政府信息公开申请" not in compact and "申请获取" not in compact
