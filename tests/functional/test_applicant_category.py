"""The applicant category of an organisation (商业企业, 科研机构 …; DOMAIN.md §5, table 三's
columns): on the application form, the API and the officer entry form, shown on the case page."""

import pytest

from disclosure.models import DisclosureRequest
from disclosure.requests.intake import APPLICANT_CATEGORIES

from .test_requests import credit_code, resident_id, set_radio, submit


@pytest.fixture
def company(civil):
    return {
        "applicant_type": "organisation",
        "applicant_category": "research",
        "name": "咸阳某研究院",
        "credit_code": credit_code(),
        "legal_representative": "李四",
        "contact_person": "王五",
        "phone": "029-33212345",
        "email": "office@example.com",
        "organisation": civil.code,
        "description": "请提供2025年度城乡低保资金发放明细",
        "delivery_form": "electronic",
        "delivery_channel": "email",
        "consent": True,
    }


def _stored(dbsession, tracking: str) -> DisclosureRequest:
    return dbsession.query(DisclosureRequest).filter_by(tracking_number=tracking).one()


def test_the_categories_are_the_report_columns_with_their_labels():
    assert APPLICANT_CATEGORIES == {
        "commercial": "商业企业",
        "research": "科研机构",
        "public_interest": "社会公益组织",
        "legal_services": "法律服务机构",
        "other": "其他",
    }


def test_api_stores_the_category_of_an_organisation(testapp, company, dbsession):
    made = submit(testapp, company).json
    assert _stored(dbsession, made["tracking_number"]).applicant_category == "research"


def test_api_requires_a_category_for_an_organisation(testapp, company, dbsession):
    before = dbsession.query(DisclosureRequest).count()
    for missing in ({"applicant_category": ""}, {"applicant_category": None}, {}):
        body = {**company, **missing}
        if not missing:
            body.pop("applicant_category")
        res = submit(testapp, body, status=400).json
        assert set(res["fields"]) == {"applicant_category"}, res
        assert "必填" in res["fields"]["applicant_category"]
    assert dbsession.query(DisclosureRequest).count() == before


def test_api_rejects_an_unknown_category_with_a_chinese_message(testapp, company):
    res = submit(testapp, {**company, "applicant_category": "army"}, status=400).json
    assert "商业企业" in res["fields"]["applicant_category"]
    assert set(res["fields"]) == {"applicant_category"}


def test_api_refuses_a_category_for_a_person(testapp, company, dbsession):
    person = {
        **company,
        "applicant_type": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": resident_id(),
    }
    res = submit(testapp, person, status=400).json
    assert set(res["fields"]) == {"applicant_category"}, res
    assert "公民申请无需填写申请人类别" in res["fields"]["applicant_category"]
    made = submit(testapp, {**person, "applicant_category": ""}).json
    assert _stored(dbsession, made["tracking_number"]).applicant_category == ""


def test_html_form_offers_the_categories_and_stores_the_choice(testapp, civil, dbsession):
    form = testapp.get("/requests/new").forms["deform"]
    options = [value for value, _, _ in form["applicant_category"].options]
    assert options == ["", *APPLICANT_CATEGORIES]
    set_radio(form, "organisation")
    for name, value in {
        "name": "咸阳某律师事务所",
        "credit_code": credit_code(),
        "legal_representative": "李四",
        "contact_person": "王五",
        "phone": "13900000000",
        "email": "law@example.com",
        "description": "请提供某项目的规划许可",
        "organisation": civil.code,
    }.items():
        form[name] = value
    form["id_type"] = ""
    form["consent"] = True
    page = form.submit("submit", status=400)
    item = page.html.find(class_="item-applicant_category")
    assert "is-invalid" in item.find("select")["class"] and "必填" in item.text
    form = page.forms["deform"]
    form["applicant_category"] = "legal_services"
    form["consent"] = True
    res = form.submit("submit", status=303).follow()
    tracking = res.html.find(id="tracking-number").text
    assert _stored(dbsession, tracking).applicant_category == "legal_services"


def test_officer_entry_takes_the_category_and_the_case_page_shows_it(
    testapp, make_user, civil, dbsession
):
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/requests/new").forms["deform"]
    set_radio(form, "organisation")
    for name, value in {
        "name": "咸阳某公益基金会",
        "credit_code": credit_code(),
        "legal_representative": "赵六",
        "contact_person": "钱七",
        "phone": "029-33210000",
        "address": "咸阳市渭城区文汇路2号",
        "description": "请提供某项目环评批复",
        "applicant_category": "public_interest",
        "channel": "in_person",
        "event_date": "2026-11-19",
    }.items():
        form[name] = value
    form["id_type"] = ""
    set_radio(form, "paper")
    set_radio(form, "post")
    res = form.submit("submit", status=201)
    req = _stored(dbsession, res.html.find(id="tracking-number").text)
    assert req.applicant_category == "public_interest"
    page = testapp.get(f"/officer/requests/{req.id}")
    assert "申请人类别" in page.text and "社会公益组织" in page.text
