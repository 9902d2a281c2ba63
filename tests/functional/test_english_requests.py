"""Applying and the officers' request pages in English (``Accept-Language: en``): the application
form with its labels, choices and errors, the receipt, the status look-up's messages, the JSON
errors of the applications API, the officers' dashboard and paper entry, appeals and publication.
The Chinese pages are unchanged (the other request tests assert their Chinese)."""

from __future__ import annotations

import re

import pytest

from disclosure.models import DisclosureRequest
from tests.english import ENGLISH, english_page, untranslated

from .test_requests import submit_case

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="王十二",
        phone="13500000001",
        email="wang@example.com",
        organisation=civil.code,
        description="2026年城乡低保资金发放明细",
        delivery_channel="email",
    )


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


def test_the_application_form_is_in_english(testapp, civil):
    page = english_page(testapp, f"/requests/new?organisation={civil.code}")
    text = page.text
    for english in (
        "Application for government information disclosure",
        "Type of applicant",
        "Citizen",
        "Legal person or other organisation",
        "Resident identity card",
        "Description of the information requested",
        "Proof of identity (optional)",
        "Submit application",
        "Commercial enterprise",  # the applicant categories' own English labels
    ):
        assert english in text, english
    assert "提交申请" not in text and "申请人类型" not in text


def test_a_form_with_errors_shows_english_field_errors(testapp, civil):
    form = testapp.get("/requests/new", headers=ENGLISH).forms["deform"]
    form["name"] = "Zhang San"
    form["phone"] = "abc"
    form["postcode"] = "12"
    form["description"] = "abc"
    page = form.submit("submit", headers=ENGLISH, status=400)
    assert not untranslated(page.text), untranslated(page.text)[:10]
    for english in (
        "Please choose the receiving body",
        "The telephone number is not in a valid format",
        "A postcode has 6 digits",
        "Please describe the information you need (at least 5 characters)",
        "Please read and accept the statement on personal data",
        "Required",  # the ID number
    ):
        assert english in page.text, english
    assert "邮政编码应为6位数字" not in page.text


def test_the_same_form_with_errors_stays_in_chinese(testapp, civil):
    form = testapp.get("/requests/new").forms["deform"]
    form["postcode"] = "12"
    page = form.submit("submit", status=400)
    assert "邮政编码应为6位数字" in page.text and "请选择受理机关" in page.text
    assert "A postcode has 6 digits" not in page.text


def test_the_receipt_is_in_english(testapp, civil, dbsession):
    from .test_requests import resident_id

    form = testapp.get(f"/requests/new?organisation={civil.code}", headers=ENGLISH).forms["deform"]
    form["name"] = "张三"
    form["id_number"] = resident_id()
    form["phone"] = "029-33212345"
    form["email"] = "zhangsan@example.com"
    form["description"] = "请提供2025年度城乡低保资金发放明细"
    form["consent"] = True
    filed = form.submit("submit", headers=ENGLISH, status=303)
    page = english_page(testapp, filed.location)
    for english in ("Application received", "Tracking number", "Access code", "Reply due"):
        assert english in page.text, english
    assert "has received your" in page.text
    assert dbsession.query(DisclosureRequest).count() == 1


def test_a_wrong_access_code_is_refused_in_english(testapp, case):
    def look_up(headers):
        form = testapp.get("/requests/status", headers=headers).forms[0]
        form["tracking_number"] = case.tracking_number
        form["access_code"] = "WRONG-CODE"
        return form.submit(headers=headers, status=404)

    assert "The tracking number or access code is not correct" in look_up(ENGLISH).text
    assert "追踪号或查询码不正确" in look_up({}).text


def test_the_applications_api_errors_are_in_english(testapp, civil):
    empty = testapp.post_json("/api/v1/requests", {}, headers=ENGLISH, status=400).json
    assert empty["error"] == "The application has errors"
    assert empty["fields"]["phone"] == "Required"
    assert not [m for m in empty["fields"].values() if CJK.search(m)], empty["fields"]
    typed = testapp.post_json("/api/v1/requests", {"name": 5}, headers=ENGLISH, status=400).json
    assert typed["fields"]["name"] == "Must be a string"
    broken = testapp.post(
        "/api/v1/requests",
        "{not json",
        headers={**ENGLISH, "Content-Type": "application/json"},
        status=400,
    ).json
    assert broken == {"error": "The request body is not valid JSON"}
    key = testapp.post_json(
        "/api/v1/requests", {}, headers={**ENGLISH, "Idempotency-Key": "short"}, status=400
    ).json
    assert key["error"].startswith("Idempotency-Key must be 16 to 128")
    zh = testapp.post_json("/api/v1/requests", {}, status=400).json
    assert zh["error"] == "申请内容有误" and zh["fields"]["phone"] == "必填"


def test_the_calendar_api_errors_are_in_english(testapp):
    due = testapp.get(
        "/api/v1/calendar/due-date?received=2026-01-05&profile=nowhere",
        headers=ENGLISH,
        status=400,
    ).json
    assert due["error"] == "Invalid parameters"
    assert due["fields"]["profile"].startswith("Must be one of ")
    days = testapp.get(
        "/api/v1/calendar/working-days?start=2026-01-05&days=x", headers=ENGLISH, status=400
    ).json
    assert days["fields"]["days"] == "Must be a whole number from 0 to 1000"


def test_the_due_date_api_reads_its_trail_in_the_readers_language(testapp):
    url = "/api/v1/calendar/due-date?received=2026-09-28"
    english = testapp.get(url, headers=ENGLISH).json
    chinese = testapp.get(url).json
    assert english["due_on"] == chinese["due_on"]
    keys = {"kind", "date", "end", "text", "article", "public_text"}
    assert all(set(step) == keys for step in english["trail"] + chinese["trail"])
    assert [s["kind"] for s in english["trail"]] == [s["kind"] for s in chinese["trail"]]
    assert all(CJK.search(step["text"]) for step in chinese["trail"])
    due = next(step for step in english["trail"] if step["kind"] == "due")
    assert due["text"] and not CJK.search(due["text"].replace(due["article"], ""))


def test_the_status_api_gives_its_words_in_the_readers_language(testapp, case):
    url = f"/api/v1/requests/{case.tracking_number}"
    code = {"X-Access-Code": case.access_code}
    chinese = testapp.get(url, headers=code).json
    english = testapp.get(url, headers={**code, **ENGLISH}).json
    assert {k: v for k, v in english.items() if k not in ("status_label", "trail", "history")} == {
        k: v for k, v in chinese.items() if k not in ("status_label", "trail", "history")
    }
    assert CJK.search(chinese["status_label"]) and not CJK.search(english["status_label"])
    assert len(english["trail"]) == len(chinese["trail"]) > 0
    assert all(CJK.search(line) for line in chinese["trail"])
    day = case.received_on
    assert english["trail"][0].startswith(
        f"Your application was received on {day.day} {day.strftime('%B')} {day.year}"
    )
    assert [e["action"] for e in english["history"]] == [e["action"] for e in chinese["history"]]
    assert chinese["history"] and not any(CJK.search(e["text"]) for e in english["history"])


def test_the_dashboard_is_in_english(testapp, case, officer):
    page = english_page(testapp, "/officer/requests")
    for english in (
        "Disclosure on request",
        "Register an application received by letter, in person or by fax",
        "Due soon (within 3 working days)",
        "Awaiting correction",
        "1 applications, by reply deadline",
        case.tracking_number,
    ):
        assert english in page.text, english


def test_paper_entry_is_in_english(testapp, officer):
    page = english_page(testapp, "/officer/requests/new")
    for english in (
        "Register an application received by letter, in person or by fax",
        "How the application was received",
        "Handed in person",
        "Date submitted, signed for or confirmed",
    ):
        assert english in page.text, english


def test_the_apply_pages_are_in_english(testapp, civil):
    page = english_page(testapp, "/apply")
    assert "Disclosure on request" in page.text and "list of bodies" in page.text
    section = english_page(testapp, "/sections/apply")
    for english in ("Apply online", "How to apply and the date received", "Online application"):
        assert english in section.text, english
    assert "The day both sides confirm it is the date received" in section.text


def _section(html: str, anchor: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find(id=anchor)
    assert heading is not None, anchor
    parts = [str(heading)]
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(str(sibling))
    return "".join(parts)


def test_appeals_are_recorded_in_english(testapp, case, officer, dbsession):
    url = f"/officer/requests/{case.id}/appeals"
    params = {
        "csrf_token": testapp.csrf_token(),
        "lock_version": str(case.lock_version),
        "kind": "reconsideration",
        "body": "",
        "filed_on": "2099-01-01",
        "result": "pending",
    }
    page = testapp.post(url, params, headers=ENGLISH, status=400)
    block = _section(page.text, "appeals")
    assert not untranslated(block), untranslated(block)
    assert "The reconsideration or lawsuit entry is invalid; please check it" in block
    assert "Required" in block
    assert "Administrative reconsideration" in block  # the kind, as a choice
    done = testapp.post(
        url,
        {**params, "body": "咸阳市人民政府", "filed_on": "2026-01-05"},
        headers=ENGLISH,
        status=303,
    )
    shown = testapp.get(done.location, headers=ENGLISH)
    assert "Recorded: Administrative reconsideration" in shown.text
    listed = _section(shown.text, "appeals")
    assert "Pending" in listed and not untranslated(listed)


def test_publishing_a_case_without_released_information_says_why_in_english(testapp, case, officer):
    page = testapp.get(f"/officer/requests/{case.id}/publication", headers=ENGLISH, status=409)
    assert "there is nothing to publish proactively" in page.text
    block = _section(
        testapp.get(f"/officer/requests/{case.id}", headers=ENGLISH).text, "publication"
    )
    assert not untranslated(block), untranslated(block)
    assert "Publish as proactive disclosure" in block
