"""The JSON API's errors, the API documentation page and the officer's letters in English
(``Accept-Language: en``): the same JSON shapes, only the messages in the reader's language; the
OpenAPI document and the letters themselves stay in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyramid.i18n import make_localizer

from disclosure.api.docs import describe
from disclosure.models import Letter
from tests.english import ENGLISH, untranslated

from .test_requests import submit_case

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LOCALE = Path(__file__).resolve().parents[2] / "disclosure/locale"


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


def both(testapp, url, status, **kwargs):
    """The same request in Chinese and in English."""
    zh = testapp.get(url, status=status, **kwargs)
    en = testapp.get(url, status=status, headers={**ENGLISH, **kwargs.pop("headers", {})})
    return zh, en


def test_a_missing_catalogue_item_is_not_found_in_the_readers_language(testapp):
    zh, en = both(testapp, "/api/v1/catalogue/NO-SUCH-ITEM", 404)
    assert zh.json == {"error": "没有找到该信息"}
    assert en.json == {"error": "Information not found"}


def test_a_bad_catalogue_query_names_its_fields_in_english(testapp):
    url = "/api/v1/catalogue?page=0&per_page=abc&organisation=nowhere"
    zh, en = both(testapp, url, 400)
    assert zh.json["error"] == "查询参数有误" and en.json["error"] == "Invalid query parameters"
    # the same shape: the same keys and the same fields, only the words differ
    assert set(en.json) == set(zh.json) == {"error", "fields"}
    assert set(en.json["fields"]) == set(zh.json["fields"]) == {"page", "per_page", "organisation"}
    assert zh.json["fields"]["per_page"] == "应为整数"
    assert "nowhere" in en.json["fields"]["organisation"]
    assert not [text for text in en.json["fields"].values() if CJK.search(text)], en.json


def test_an_unsupported_method_is_405_in_english(testapp):
    zh = testapp.post("/api/v1/catalogue", status=405)
    en = testapp.post("/api/v1/catalogue", status=405, headers=ENGLISH)
    assert zh.json == {"error": "本接口不支持 POST 方法（支持：GET, HEAD）"}
    assert en.json == {
        "error": "This endpoint does not support the POST method (supported: GET, HEAD)"
    }
    assert en.headers["Allow"] == zh.headers["Allow"] == "GET, HEAD"
    page = testapp.post("/api/docs", status=405, headers=ENGLISH)
    assert page.json["error"] == "This page does not support the POST method (supported: GET, HEAD)"
    assert testapp.post("/api/docs", status=405).json["error"].startswith("本页面不支持 POST 方法")


def document_texts(node) -> set[str]:
    """Every string of a JSON document, stripped."""
    if isinstance(node, dict):
        return set().union(*(document_texts(v) for v in node.values()), set())
    if isinstance(node, list):
        return set().union(*(document_texts(v) for v in node), set())
    return {node.strip()} if isinstance(node, str) else set()


def test_the_api_documentation_page_in_english_and_the_document_in_chinese(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    page = testapp.get("/api/docs", headers=ENGLISH)
    html = page.text
    # The reference's prose stays Chinese (a piece of it between two `code` spans may happen to
    # read like a message); none of its texts that is, whole, a message is left untranslated:
    # the tags, the fields' titles.
    texts = document_texts(document)
    left = untranslated(html)
    assert not [text for text in left if text in texts], left
    assert all(any(text in whole for whole in texts) for text in left), left
    assert '<html lang="en">' in html and "<title>API documentation" in html
    for words in ("Example request", "Parameters", "Request body (", "Responses", "Schemas"):
        assert words in html, words
    assert "<td>Query</td>" in html and "<td>Yes</td>" in html and "integer" in html
    assert "operations in all." in html and "类型与取值" not in html and "示例请求" not in html
    headings = re.findall(r"<h2>([^<]*)</h2>", html)  # the tags, and 数据结构
    assert len(headings) > 3 and not [h for h in headings if CJK.search(h)], headings
    # the reference itself is the same document in either language, in Chinese
    assert testapp.get("/api/v1/openapi.json", headers=ENGLISH).json == document
    assert CJK.search(document["info"]["description"])
    # and the Chinese page is still Chinese, after the English one was built and kept
    chinese_page = testapp.get("/api/docs").text
    assert "示例请求" in chinese_page and "Example request" not in chinese_page
    assert "<h2>机构</h2>" in chinese_page


def test_a_schema_described_in_either_language():
    schema = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 100}, {"type": "null"}]}
    assert describe(schema) == "整数，最小 1，最大 100；或 null"
    english = make_localizer("en", [str(LOCALE)]).translate
    assert describe(schema, english) == "integer, minimum 1, maximum 100; or null"


def test_the_letters_api_says_not_found_in_english(testapp, case):
    url = f"/api/v1/requests/{case.tracking_number}/letters/999999"
    zh, en = both(testapp, url, 404, headers={"X-Access-Code": case.access_code})
    assert zh.json == {"error": "没有找到该文书"}
    assert en.json == {"error": "Letter not found"}


def letters_section(html: str) -> str:
    start = html.index('<h2 id="letters">')
    return html[start : html.index("</form>", html.index('<h2 id="documents">')) + len("</form>")]


def issue(testapp, req, status, headers=None, **params):
    return testapp.post(
        f"/officer/requests/{req.id}/letters",
        {
            "csrf_token": testapp.csrf_token(),
            "kind": "acknowledgement",
            "variant": "default",
            "lock_version": req.lock_version,
            **params,
        },
        status=status,
        headers=headers or {},
    )


def test_the_case_pages_letters_in_english(testapp, make_user, civil, case, dbsession):
    testapp.login(make_user(civil).email)
    page = testapp.get(f"/officer/requests/{case.id}", headers=ENGLISH)
    section = letters_section(page.text)
    assert not untranslated(section), untranslated(section)
    for words in (
        ">Letters</h2>",
        "No letters issued yet.",
        ">Preview</a>",
        ">Sign and send</button>",
        ">Government information provided</h2>",
        "No government information provided yet.",
        ">Upload and provide</button>",
    ):
        assert words in section, words
    issued = issue(testapp, case, 303, headers=ENGLISH).follow(headers=ENGLISH)
    dbsession.refresh(case)
    (letter,) = case.letters
    assert f"Issued {letter.number}" in issued.text
    section = letters_section(issued.text)
    assert not untranslated(section) and ">Download</a>" in section
    assert "Correct an issued letter (optional)" in section and "Date written" in section
    # the letter itself stays Chinese: its number and its title are the issued act's
    assert letter.number in section and CJK.search(letter.title)


def test_the_officers_letter_errors_in_english(testapp, make_user, civil, case, dbsession):
    testapp.login(make_user(civil).email)
    stale = issue(testapp, case, 409, headers=ENGLISH, lock_version=case.lock_version + 7)
    assert "Someone else has handled this application." in stale.text
    bad = issue(testapp, case, 400, headers=ENGLISH, refers_to="999999")
    assert "The letter to be corrected is invalid" in bad.text and "Invalid" in bad.text
    assert "要更正的文书无效" in issue(testapp, case, 400, refers_to="999999").text
    missing = testapp.get(
        f"/officer/requests/{case.id}/letters/999999", headers=ENGLISH, status=404
    )
    assert "Letter not found" in missing.text
    assert dbsession.query(Letter).count() == 0
