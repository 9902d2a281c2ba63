"""Disclosure on request through the web and the API: apply, follow, and the officers' workflow."""

import json
import re
from datetime import date

import pytest

from disclosure.models import DisclosureRequest
from disclosure.requests.identity import credit_code_check_char, resident_id_check_char

from ..conftest import TODAY


def resident_id(body17: str = "61040219800101123") -> str:
    return body17 + resident_id_check_char(body17)


def credit_code(body17: str = "91610400MA6X12345") -> str:
    return body17 + credit_code_check_char(body17)


@pytest.fixture
def person(civil):
    return {
        "applicant_type": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "phone": "029-33212345",
        "email": "zhangsan@example.com",
        "address": "咸阳市秦都区人民路1号",
        "postcode": "712000",
        "organisation": civil.code,
        "description": "请提供2025年度城乡低保资金发放明细",
        "document_number": "咸民发〔2026〕2号",
        "delivery_form": "electronic",
        "delivery_channel": "email",
        "consent": True,
    }


def set_radio(form, value):
    """Deform names radio groups by their widget id; find the group offering ``value``."""
    for fields in form.fields.values():
        field = fields[0]
        if (
            getattr(field, "options", None)
            and value in [o[0] for o in field.options]
            and field.tag == "input"
        ):
            field.value = value
            return
    raise AssertionError(f"no radio option {value}")


def submit_case(testapp, dbsession, **fields):
    """A request filed through the API, with its access code kept on the row for the test."""
    body = {
        "applicant_type": "person",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "delivery_form": "electronic",
        "consent": True,
        **fields,
    }
    made = testapp.post_json("/api/v1/requests", body, status=201).json
    req = (
        dbsession.query(DisclosureRequest).filter_by(tracking_number=made["tracking_number"]).one()
    )
    req.access_code = made["access_code"]
    return req


def submit(testapp, body, status=201):
    return testapp.post_json("/api/v1/requests", body, status=status)


def test_api_application_is_acknowledged_with_tracking_number_and_due_date(
    testapp, person, dbsession
):
    res = submit(testapp, person).json
    assert set(res) == {
        "tracking_number",
        "access_code",
        "status",
        "received_on",
        "due_on",
        "provisional",
    }
    assert re.fullmatch(
        r"YS2026-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", res["tracking_number"]
    )
    assert res["received_on"] == "2026-11-20" and res["status"] == "received"
    # Fri 20 Nov received; day 1 is Mon 23 Nov; the 20th working day is Fri 18 Dec.
    assert res["due_on"] == "2026-12-18" and res["provisional"] is False
    other = submit(testapp, person).json
    assert (
        other["tracking_number"] != res["tracking_number"]
        and other["access_code"] != res["access_code"]
    )
    req = dbsession.query(DisclosureRequest).filter_by(tracking_number=res["tracking_number"]).one()
    assert (
        req.access_code_hash != res["access_code"]
        and res["access_code"] not in req.access_code_hash
    )


def test_organisation_applicant_with_credit_code(testapp, person):
    body = {
        **person,
        "applicant_type": "organisation",
        "applicant_category": "commercial",
        "name": "咸阳某科技有限公司",
        "credit_code": credit_code(),
        "legal_representative": "李四",
        "contact_person": "王五",
    }
    body.pop("id_number")
    assert submit(testapp, body).json["status"] == "received"


@pytest.mark.parametrize(
    "change, fields",
    [
        (
            {"id_number": "610402198001011230"},
            {"id_number"},
        ),  # wrong check digit (right one is computed)
        ({"id_number": "61040219801301123X"}, {"id_number"}),  # month 13
        ({"name": "", "description": ""}, {"name", "description"}),
        ({"consent": False}, {"consent"}),
        ({"organisation": "NOPE"}, {"organisation"}),
        (
            {"delivery_channel": "pigeon", "delivery_form": "stone"},
            {"delivery_channel", "delivery_form"},
        ),
        ({"delivery_channel": "email", "email": ""}, {"email"}),
        ({"delivery_channel": "post", "address": ""}, {"address"}),
        (
            {"applicant_type": "organisation", "credit_code": "91610400MA6X123450"},
            {"credit_code", "legal_representative", "contact_person"},
        ),
        ({"phone": "call me"}, {"phone"}),
        ({"name": ["not", "a", "string"]}, {"name"}),
    ],
)
def test_api_rejects_bad_fields_with_a_message_each(testapp, person, change, fields, dbsession):
    if change.get("id_number") == "610402198001011230":
        good = resident_id("61040219800101123")
        change = {"id_number": good[:17] + ("0" if good[17] != "0" else "1")}
    before = dbsession.query(DisclosureRequest).count()
    res = submit(testapp, {**person, **change}, status=400).json
    assert fields <= set(res["fields"]), res
    assert all(res["fields"][f] for f in fields)
    assert dbsession.query(DisclosureRequest).count() == before


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b"[" * 100000 + b"]" * 100000, b"\xff\xfe"]
)
def test_api_rejects_malformed_json(testapp, raw):
    res = testapp.post(
        "/api/v1/requests", raw, headers={"Content-Type": "application/json"}, status=400
    )
    assert res.json["error"]


def test_status_lookup_needs_the_access_code_and_reveals_nothing_otherwise(testapp, person):
    made = submit(testapp, person).json
    ok = testapp.get(
        f"/api/v1/requests/{made['tracking_number']}",
        headers={"X-Access-Code": made["access_code"]},
    ).json
    assert ok["status"] == "received" and ok["due_on"] == "2026-12-18"
    # the entry's date is given once, beside it, not again in its text
    assert ok["history"][0]["on"] == "2026-11-20"
    assert ok["history"][0]["text"] == "收到申请，答复期限至 2026-12-18。"
    assert any("第20个工作日" in line or "20" in line for line in ok["trail"])
    assert (
        "id_number" not in ok
        and person["id_number"] not in str(ok)
        and person["phone"] not in str(ok)
    )
    wrong = testapp.get(
        f"/api/v1/requests/{made['tracking_number']}",
        headers={"X-Access-Code": "WRONG123"},
        status=404,
    ).json
    unknown = testapp.get(
        "/api/v1/requests/YS2026-AAAA-BBBB-CCCC", headers={"X-Access-Code": "WRONG123"}, status=404
    ).json
    assert wrong == unknown


def test_a_case_is_found_by_its_tracking_number_typed_without_dashes_in_any_case(testapp, person):
    made = submit(testapp, person).json
    number = made["tracking_number"]
    for typed in (number.replace("-", "").lower(), number.lower().replace("-", " ")):
        found = testapp.get(
            f"/api/v1/requests/{typed}", headers={"X-Access-Code": made["access_code"].lower()}
        ).json
        assert found["tracking_number"] == number


def test_status_lookups_are_rate_limited(testapp, person):
    made = submit(testapp, person).json
    statuses = [
        testapp.get(
            f"/api/v1/requests/{made['tracking_number']}",
            headers={"X-Access-Code": f"BAD{i:05d}"},
            expect_errors=True,
        ).status_int
        for i in range(12)
    ]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429
    # even the right code is refused while the case is locked out, and the message says how long
    locked = testapp.get(
        f"/api/v1/requests/{made['tracking_number']}",
        headers={"X-Access-Code": made["access_code"]},
        status=429,
    )
    assert "锁定" in locked.json["error"] and "分钟后再试" in locked.json["error"]
    assert made["tracking_number"] not in locked.text


def test_case_lockout_ends_after_its_window(testapp, app, person):
    from datetime import datetime, timedelta

    made = submit(testapp, person).json
    url = f"/api/v1/requests/{made['tracking_number']}"
    start = datetime(2026, 11, 20, 2, 0)
    app.registry["disclosure.now"] = lambda: start
    try:
        for i in range(10):
            testapp.get(url, headers={"X-Access-Code": f"BAD{i:05d}"}, status=404)
        res = testapp.get(url, headers={"X-Access-Code": made["access_code"]}, status=429)
        assert "60 分钟" in res.json["error"]
        app.registry["disclosure.now"] = lambda: start + timedelta(minutes=45)
        res = testapp.get(url, headers={"X-Access-Code": made["access_code"]}, status=429)
        assert "15 分钟" in res.json["error"]
        app.registry["disclosure.now"] = lambda: start + timedelta(minutes=61)
        testapp.get(url, headers={"X-Access-Code": made["access_code"]}, status=200)
    finally:
        del app.registry["disclosure.now"]


def test_html_form_apply_for_this_prefill_and_receipt(testapp, catalogue, civil, item_data):
    item = catalogue.create(
        civil, item_data(disclosure_mode="on_request", document_number="咸民发〔2026〕9号"), None
    )
    catalogue.publish(item, None, TODAY)
    page = testapp.get(f"/catalogue/{item.index_number}").click("申请公开此信息")
    form = page.forms["deform"]
    assert form["index_number"].value == item.index_number
    assert form["document_number"].value == "咸民发〔2026〕9号"
    assert form["organisation"].value == civil.code
    form["name"] = "赵六"
    form["id_number"] = resident_id("11010519491231002")
    form["phone"] = "13800000000"
    form["email"] = "zhaoliu@example.com"
    form["description"] = "申请公开该批复全文"
    form["consent"] = True
    res = form.submit("submit", status=303).follow()
    assert "申请已收到" in res.text
    tracking = res.html.find(id="tracking-number").text
    code = res.html.find(id="access-code").text
    status = testapp.get("/requests/status").forms[0]
    status["tracking_number"] = tracking
    status["access_code"] = code
    page = status.submit()
    assert "已收到" in page.text and "2026-12-18" in page.text
    assert "11010519491231002" not in page.text and "13800000000" not in page.text


def test_html_form_shows_field_errors(testapp, civil):
    form = testapp.get("/requests/new").forms["deform"]
    form["id_number"] = "123"
    res = form.submit("submit", status=400)
    assert "居民身份证号码应为18位" in res.text and "必填" in res.text


def test_officer_enters_a_posted_application_with_the_art_31_date(
    testapp, make_user, civil, dbsession
):
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/requests/new").forms["deform"]
    form["name"] = "钱七"
    form["id_number"] = resident_id()
    form["phone"] = "029-33210000"
    form["address"] = "咸阳市渭城区文汇路2号"
    form["description"] = "请提供某项目环评批复"
    set_radio(form, "paper")
    set_radio(form, "post")
    form["channel"] = "post_registered"
    form["event_date"] = "2026-10-10"  # a make-up working Saturday: the day we signed for it
    res = form.submit("submit", status=201)
    tracking = res.html.find(id="tracking-number").text
    req = dbsession.query(DisclosureRequest).filter_by(tracking_number=tracking).one()
    assert req.received_on == date(2026, 10, 10) and req.channel == "post_registered"
    assert "签收之日" in req.events[0].reason
    assert req.entered_by_id is not None


def test_officer_cannot_enter_for_another_organisation_or_a_future_date(
    testapp, make_user, civil, police
):
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/requests/new").forms["deform"]
    for name, value in {
        "name": "孙八",
        "id_number": resident_id(),
        "phone": "13900000000",
        "description": "某文件全文",
        "organisation": police.code,
    }.items():
        form[name] = value
    set_radio(form, "paper")
    set_radio(form, "collect")
    assert "只能登记本机关" in form.submit("submit", status=400).text
    form["organisation"] = civil.code
    form["event_date"] = "2026-12-01"
    assert "不能晚于今天" in form.submit("submit", status=400).text


def proof_form(testapp, civil, upload):
    form = testapp.get("/requests/new").forms["deform"]
    fields = {
        "name": "冯十二",
        "id_number": resident_id(),
        "phone": "13300000000",
        "email": "feng@example.com",
        "description": "申请某文件全文",
        "organisation": civil.code,
    }
    for name, value in fields.items():
        form[name] = value
    form["consent"] = True
    form["upload"] = upload
    return form


def test_proof_of_identity_upload_is_checked_and_stored(testapp, civil, dbsession):
    from disclosure.models import RequestFile

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    res = proof_form(testapp, civil, ("身份证.pdf", pdf)).submit("submit", status=303).follow()
    tracking = res.html.find(id="tracking-number").text
    req = dbsession.query(DisclosureRequest).filter_by(tracking_number=tracking).one()
    (proof,) = dbsession.query(RequestFile).filter_by(request_id=req.id).all()
    assert proof.media_type == "application/pdf" and proof.size == len(pdf)
    before = dbsession.query(DisclosureRequest).count()
    form = proof_form(testapp, civil, ("身份证.pdf", b"<html>not a pdf</html>"))
    res = form.submit("submit", status=400)
    assert "身份证明" in res.text and dbsession.query(DisclosureRequest).count() == before


def test_api_rejects_lone_surrogates_and_oversized_bodies(testapp, person, dbsession):
    raw = json.dumps({**person, "name": "\ud800"}).encode()
    res = testapp.post(
        "/api/v1/requests", raw, headers={"Content-Type": "application/json"}, status=400
    )
    assert "name" in res.json["fields"]
    big = json.dumps({**person, "description": "很长" * 600_000}).encode()
    res = testapp.post(
        "/api/v1/requests", big, headers={"Content-Type": "application/json"}, status=413
    )
    assert res.json["error"]
    assert dbsession.query(DisclosureRequest).count() == 0
