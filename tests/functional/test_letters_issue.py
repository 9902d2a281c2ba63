"""Letters issued from the case page: every type through the workflow, immutable once issued,
downloadable by the applicant with the access code, checked by extracting their text."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from disclosure.models import Letter

from .test_request_workflow import act
from .test_requests import submit_case


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(
        "\n", ""
    )


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="郑十一",
        phone="13500000000",
        email="zheng@example.com",
        organisation=civil.code,
        description="2026年临时救助资金发放名单",
        delivery_channel="email",
    )


def issue(testapp, req, kind, variant="default", status=303, **params):
    return testapp.post(
        f"/officer/requests/{req.id}/letters",
        {
            "csrf_token": testapp.csrf_token(),
            "kind": kind,
            "variant": variant,
            "lock_version": req.lock_version,
            **params,
        },
        status=status,
    )


def test_every_letter_type_through_the_workflow(
    testapp, make_user, civil, case, dbsession, tmp_path
):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    testapp.login(officer.email)
    issue(testapp, case, "acknowledgement")
    act(
        testapp,
        case,
        "request_correction",
        reason="请写明所需名单的年份和范围",
        correction_deadline="2026-12-04",
    )
    issue(testapp, case, "correction")
    act(testapp, case, "record_correction", corrected_on="2026-11-20")
    act(testapp, case, "start_consultation", party="某社会救助服务中心", sent_on="2026-11-20")
    issue(testapp, case, "third_party")
    act(testapp, case, "end_consultation", answered_on="2026-11-20")
    act(testapp, case, "request_extension", days="20", reason="材料较多")
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, case, "approve_extension")
    issue(testapp, case, "extension")
    act(
        testapp,
        case,
        "answer",
        outcome="partially_disclosed",
        ground="third_party",
        reason="名单中含有个人身份证号码等隐私信息",
    )
    issue(testapp, case, "reply", "partially_disclosed", access_route="电子邮件发送")
    dbsession.refresh(case)
    letters = case.letters
    assert [lt.kind for lt in letters] == [
        "acknowledgement",
        "correction",
        "third_party",
        "extension",
        "reply",
    ]
    # each kind of letter has its own series: the first reply of the year is 公开答〔2026〕1号
    assert [lt.number for lt in letters] == [
        f"{civil.short_name}公开受〔2026〕1号",
        f"{civil.short_name}公开补〔2026〕1号",
        f"{civil.short_name}公开征〔2026〕1号",
        f"{civil.short_name}公开延〔2026〕1号",
        f"{civil.short_name}公开答〔2026〕1号",
    ]
    texts = {
        lt.kind: text_of(testapp.get(f"/officer/requests/{case.id}/letters/{lt.id}").body)
        for lt in letters
    }
    assert "第三十条" in texts["correction"] and "请写明所需名单的年份和范围" in texts["correction"]
    assert "第三十二条" in texts["third_party"] and "某社会救助服务中心" in texts["third_party"]
    assert "郑十一" not in texts["third_party"]  # the applicant is not named to the third party
    assert "第三十三条第二款" in texts["extension"] and "20" in texts["extension"]
    reply = texts["reply"]
    for needle in (
        f"{civil.short_name}公开答〔2026〕1号",
        "郑十一",
        "2026年11月20日",
        "第三十七条",
        "第十五条",
        "名单中含有个人身份证号码等隐私信息",
        "60日",
        "6个月",
        civil.name,
        case.tracking_number,
        civil.parent.name,
    ):
        assert needle in reply, needle
    events = [e for e in case.events if e.action == "issue_letter"]
    assert len(events) == 5 and events[-1].changes["letter"].endswith("公开答〔2026〕1号")


def test_issued_letters_are_immutable_and_downloadable_by_the_applicant(
    testapp, make_user, civil, case, dbsession
):
    testapp.login(make_user(civil).email)
    issue(testapp, case, "acknowledgement")
    dbsession.refresh(case)
    (letter,) = case.letters
    first = testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body
    second = testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body
    assert first == second and hashlib.sha256(first).hexdigest() == letter.sha256
    testapp.logout()
    listing = testapp.get(
        f"/api/v1/requests/{case.tracking_number}/letters",
        headers={"X-Access-Code": case.access_code},
    ).json
    (entry,) = listing["letters"]
    assert entry["number"] == letter.number and entry["sha256"] == letter.sha256
    pdf = testapp.get(entry["url"], headers={"X-Access-Code": case.access_code})
    assert pdf.content_type == "application/pdf" and pdf.body == first
    testapp.get(entry["url"], headers={"X-Access-Code": "WRONG999"}, status=404)
    testapp.get(
        f"/api/v1/requests/{case.tracking_number}/letters",
        headers={"X-Access-Code": "WRONG999"},
        status=404,
    )
    status = testapp.get("/requests/status").forms[0]
    status["tracking_number"], status["access_code"] = case.tracking_number, case.access_code
    page = status.submit()
    download = next(f for f in page.forms.values() if "letter_id" in f.fields)
    assert download.submit().body == first


def test_a_correction_is_a_new_letter_referring_to_the_old_one(
    testapp, make_user, civil, case, dbsession
):
    testapp.login(make_user(civil).email)
    issue(testapp, case, "acknowledgement")
    dbsession.refresh(case)
    old = case.letters[0]
    issue(testapp, case, "acknowledgement", refers_to=str(old.id))
    dbsession.refresh(case)
    new = case.letters[1]
    assert new.refers_to_id == old.id and new.number != old.number
    assert old.number in text_of(testapp.get(f"/officer/requests/{case.id}/letters/{new.id}").body)
    assert dbsession.query(Letter).filter_by(id=old.id).one().sha256 == old.sha256


def test_preview_and_refusals(testapp, make_user, civil, case, orgs, dbsession):
    testapp.login(make_user(civil).email)
    preview = testapp.get(
        f"/officer/requests/{case.id}/letters/preview", {"kind": "acknowledgement"}
    )
    assert preview.content_type == "application/pdf" and "预览" in text_of(preview.body)
    assert dbsession.query(Letter).count() == 0
    assert "不能出具" in issue(testapp, case, "reply", "disclosed", status=400).text
    assert "不能出具" in issue(testapp, case, "correction", status=400).text
    issue(testapp, case, "nonsense", status=400)
    testapp.logout()
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    issue(testapp, case, "acknowledgement", status=403)


def test_case_page_offers_each_letter_with_preview(testapp, make_user, civil, case, orgs):
    testapp.login(make_user(civil).email)
    page = testapp.get(f"/officer/requests/{case.id}")
    forms = [f for f in page.forms.values() if f.action.endswith("/letters")]
    assert [f["kind"].value for f in forms] == ["acknowledgement"]
    assert "预览" in page.text and "签发并发送" in page.text
    forms[0].submit(status=303)
    assert "公开受〔2026〕1号" in testapp.get(f"/officer/requests/{case.id}").text
    testapp.logout()
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    page = testapp.get(f"/officer/requests/{case.id}")
    assert not [f for f in page.forms.values() if f.action.endswith("/letters")]
