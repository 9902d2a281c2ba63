"""Letters issued from the case page: every type through the workflow, immutable once issued,
downloadable by the applicant with the access code, checked by extracting their text."""

import hashlib
import io
import re

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
    act(
        testapp,
        case,
        "start_consultation",
        kind="third_party",
        party="某社会救助服务中心",
        sent_on="2026-11-20",
    )
    issue(testapp, case, "third_party", "consultation-1")  # one letter per consultation
    act(testapp, case, "end_consultation", consultation="1", answered_on="2026-11-20")
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


def answer(testapp, case, outcome, **params):
    act(testapp, case, "answer", outcome=outcome, **params)


def letter_forms(page):
    return {
        (f["kind"].value, f["variant"].value): f
        for f in page.forms.values()
        if f.action.endswith("/letters")
    }


def test_the_extension_notice_states_the_original_deadline_then_the_new_one_and_the_reason(
    testapp, make_user, civil, case, dbsession
):
    officer, admin = make_user(civil), make_user(civil, "org_admin")
    testapp.login(officer.email)
    original = case.due_on  # Fri 20 Nov received: the 20th working day is Fri 18 Dec
    act(testapp, case, "request_extension", days="20", reason="需向市档案馆调取2019年以来的档案。")
    testapp.logout()
    testapp.login(admin.email)
    act(testapp, case, "approve_extension")
    dbsession.refresh(case)
    assert case.due_on > original
    issue(testapp, case, "extension")
    dbsession.refresh(case)
    (letter,) = [lt for lt in case.letters if lt.kind == "extension"]
    text = text_of(testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body)
    old = f"{original.year}年{original.month}月{original.day}日"
    new = f"{case.due_on.year}年{case.due_on.month}月{case.due_on.day}日"
    assert f"因需向市档案馆调取2019年以来的档案，我机关无法在原答复期限{old}前作出答复" in text
    assert f"延长后的答复期限为{new}" in text
    assert "检索、核实" not in text  # no fixed reason


def test_no_default_text_goes_out_and_a_refusal_stays_on_the_case_page(
    testapp, make_user, civil, case, dbsession
):
    testapp.login(make_user(civil).email)
    answer(testapp, case, "not_ours")
    page = testapp.get(f"/officer/requests/{case.id}")
    form = letter_forms(page)[("reply", "not_ours")]
    # exactly the fields this variant needs, each required and labelled
    asked = {
        name
        for name in form.fields
        if name in ("access_route", "referral", "previous_reply", "reasons")
    }
    assert asked == {"referral", "reasons"}
    assert page.html.find("textarea", attrs={"name": "referral"}).has_attr("required")
    assert "负责公开该信息的机关名称及联系方式" in page.text
    form["reasons"] = "该信息由市财政局制作并保存"
    refused = form.submit(status=400)
    # the case page again, the error beside the form, what was typed kept
    assert '<h2 id="letters">文书</h2>' in refused.text and "请填写" in refused.text
    again = letter_forms(refused)[("reply", "not_ours")]
    assert again["reasons"].value == "该信息由市财政局制作并保存"
    assert refused.html.find("textarea", attrs={"name": "referral"}).has_attr("aria-invalid")
    dbsession.refresh(case)
    assert not case.letters
    again["referral"] = "咸阳市财政局，联系电话：029-33210000"
    again.submit(status=303)
    dbsession.refresh(case)
    (letter,) = case.letters
    assert letter.number == f"{civil.short_name}公开答〔2026〕1号"  # the refusal took no number
    text = text_of(testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body)
    assert "咸阳市财政局，联系电话：029-33210000" in text and "该信息由市财政局制作并保存" in text
    assert "请向负责制作或保存该信息的行政机关申请" not in text  # the old default


@pytest.mark.parametrize(
    ("outcome", "field", "value"),
    [
        ("disclosed", "access_route", "通过本平台下载"),
        ("already_public", "access_route", "咸阳市人民政府门户网站“政府信息公开”栏目"),
        ("repeat", "previous_reply", "咸民公开答〔2026〕3号，2026年3月2日"),
        ("petition", "access_route", "咸阳市信访局，地址：咸阳市人民路1号"),
    ],
)
def test_each_variant_requires_its_input(
    testapp, make_user, civil, case, dbsession, outcome, field, value
):
    testapp.login(make_user(civil).email)
    answer(testapp, case, outcome)
    res = issue(testapp, case, "reply", outcome, status=400)
    assert "请填写" in res.text
    issue(testapp, case, "reply", outcome, **{field: "   "}, status=400)
    dbsession.refresh(case)
    assert not case.letters
    issue(testapp, case, "reply", outcome, **{field: value})
    dbsession.refresh(case)
    assert value in text_of(
        testapp.get(f"/officer/requests/{case.id}/letters/{case.letters[0].id}").body
    )


def test_officer_input_cannot_change_the_facts_of_the_case(
    testapp, make_user, civil, case, dbsession
):
    testapp.login(make_user(civil).email)
    issue(testapp, case, "acknowledgement", applicant="冒名顶替", due_on="2099-01-01")
    dbsession.refresh(case)
    text = text_of(testapp.get(f"/officer/requests/{case.id}/letters/{case.letters[0].id}").body)
    assert "冒名顶替" not in text and "郑十一" in text


def test_an_article_39_notice_is_a_gaozhishu(testapp, make_user, civil, case, dbsession):
    testapp.login(make_user(civil).email)
    answer(testapp, case, "publication")
    page = testapp.get(f"/officer/requests/{case.id}")
    assert set(letter_forms(page)[("reply", "publication")].fields) >= {"access_route"}
    issue(testapp, case, "reply", "publication", access_route="《咸阳市人民政府公报》2026年第5期")
    dbsession.refresh(case)
    (letter,) = case.letters
    assert letter.title == f"{civil.name}政府信息公开申请告知书"
    pdf = testapp.get(f"/officer/requests/{case.id}/letters/{letter.id}").body
    assert PdfReader(io.BytesIO(pdf)).metadata.title == letter.title
    assert "答复书" not in text_of(pdf)
    assert letter.title in testapp.get(f"/officer/requests/{case.id}").text


def test_a_3000_character_description_is_kept_whole_but_quoted_short(
    testapp, make_user, civil, dbsession
):
    description = ("2020年以来本县临时救助资金的审批表、发放名单和银行回单，" * 120)[:3000]
    req = submit_case(
        testapp,
        dbsession,
        name="郑十一",
        phone="13500000000",
        organisation=civil.code,
        description=description,
        delivery_channel="email",
        email="zheng@example.com",
    )
    assert req.description == description  # the full text stays on the case
    testapp.login(make_user(civil).email)
    issue(testapp, req, "acknowledgement")
    dbsession.refresh(req)
    pdf = testapp.get(f"/officer/requests/{req.id}/letters/{req.letters[0].id}").body
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = text_of(pdf)
    (quoted,) = re.findall(r"“([^”]*)”", text)  # quoted once, trimmed, with 等
    assert quoted.endswith("等") and len(quoted) <= 61 and description.startswith(quoted[:-1])
    assert description in testapp.get(f"/officer/requests/{req.id}").text


def test_a_preview_marks_what_is_still_to_be_typed_in(testapp, make_user, civil, case):
    testapp.login(make_user(civil).email)
    answer(testapp, case, "disclosed")
    url = f"/officer/requests/{case.id}/letters/preview"
    blank = text_of(testapp.get(url, {"kind": "reply", "variant": "disclosed"}).body)
    assert "【待填写：提供方式" in blank
    typed = testapp.get(
        url, {"kind": "reply", "variant": "disclosed", "access_route": "通过本平台下载"}
    )
    assert "提供方式：通过本平台下载" in text_of(typed.body)
