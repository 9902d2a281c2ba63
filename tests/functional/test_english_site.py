"""The site's shared pages in English (``Accept-Language: en`` or the language switch's cookie):
search, feeds, error pages and the boundary's 400s (HTML and JSON), throttling, logging in, the
file labels. Chinese stays the default."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import webtest
from pyramid import testing
from pyramid.i18n import make_localizer

from disclosure.boundary import COOKIE_TOO_LARGE, CookieHeaderLimit
from disclosure.files.labels import file_label, media_type_label, size_label
from disclosure.files.sniff import UploadRejected, check_upload
from disclosure.i18n import translate
from disclosure.search.interfaces import SearchHit, SearchResult
from disclosure.search.pg_engine import PostgresSearchIndex
from disclosure.search.sqlite_engine import SQLiteSearchIndex
from disclosure.search.whoosh_index import WhooshSearchIndex
from tests.english import ENGLISH, english_page

from ..conftest import PASSWORD, TODAY
from .test_faults import app_on, fault, seeded  # noqa: F401, F811  (the fixtures)

LOCALE = Path(__file__).resolve().parents[2] / "disclosure/locale"


@pytest.fixture
def published(catalogue, item_data, orgs):
    def make(title: str, **fields):
        data = item_data(title=title, **fields)
        item = catalogue.create(orgs.roots[0], data, None)
        catalogue.publish(item, None, TODAY)
        return item

    return make


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def found(monkeypatch, orgs):
    """Every engine answers one hit, with facets (what is shown does not depend on indexing)."""
    root = orgs.roots[0]

    def search(self, query, *args, **kwargs):
        hit = SearchHit(
            index_number="XY-0001",
            title="关于英文检索页面测试的通知",
            document_number="咸政发〔2026〕1号",
            organisation=root.code,
            organisation_name=root.name,
            published_on="2026-11-20",
            snippet="<em>英文检索</em>页面测试",
        )
        facets = {
            "organisation": [(root.code, 1)],
            "topic": [("general_affairs", 1)],
            "year": [("2026", 1)],
        }
        return SearchResult(1, [hit], facets, query.page, query.per_page)

    for engine in (SQLiteSearchIndex, PostgresSearchIndex, WhooshSearchIndex):
        monkeypatch.setattr(engine, "search", search)
    return root


def test_the_search_page_in_english(testapp, found):
    res = english_page(testapp, f"/search?q={quote('英文检索')}")
    assert res.html.find("html")["lang"] == "en"
    for text in ("Advanced search", "Search terms", "Issuing body", "By relevance", "Tip: "):
        assert text in res.text
    assert "1 results found" in res.text
    assert "关于英文检索页面测试的通知" in res.text  # the data stays as it is
    facets = res.html.select_one("aside.facets")
    assert "Filter" in facets.text and "Topic" in facets.text and "Year published" in facets.text
    # a filter chip, and the facet that can be cleared
    res = english_page(testapp, f"/search?q={quote('英文检索')}&topic=general_affairs&year=2026")
    chips = res.html.select_one(".chips")
    assert "Selected filters:" in chips.text and "(remove this filter)" in chips.text
    assert "Year published: 2026" in chips.text
    assert "Clear all filters" in chips.text
    assert "« Any" in res.html.select_one("aside.facets").text
    # in Chinese, as it always was
    zh = testapp.get(f"/search?q={quote('英文检索')}&year=2026")
    assert "找到 1 条结果" in zh.text and "发布年份：2026年" in zh.text


def test_no_results_in_english_links_to_the_application(testapp):
    res = english_page(testapp, "/search?q=zzqqxxnothing")
    assert "No disclosed information matches <strong>zzqqxxnothing</strong>." in res.text
    empty = res.html.select_one(".empty")
    assert "Check the spelling" in empty.text
    link = empty.find("a")
    assert link.text == "Apply for government information disclosure"
    assert "If the information you need has not been disclosed: Apply for" in empty.text


def test_a_bad_search_in_english_names_the_fields(testapp):
    res = english_page(testapp, "/search?sort=sideways", status=400)
    errors = res.html.select_one("#search-errors")
    assert "There are errors in your search" in errors.text
    assert "Sort order: The sort order must be relevance or date" in errors.text
    res = english_page(testapp, "/search?date_from=2026-05-01&date_to=2026-04-01", status=400)
    errors = res.html.select_one("#search-errors")
    assert "Date published to: The end date cannot be earlier than the start date" in errors.text
    assert errors.find("a")["href"] == "#adv-date_to"
    # the same in Chinese, as it always was
    zh = testapp.get("/search?sort=sideways", status=400)
    assert "排序方式：排序方式应为 relevance 或 date" in zh.text


def test_the_search_api_answers_in_the_request_language(testapp):
    res = testapp.get("/api/v1/search?sort=sideways", headers=ENGLISH, status=400)
    assert res.json["error"] == "Invalid search parameters"
    assert res.json["fields"] == {"sort": "The sort order must be relevance or date"}
    res = testapp.get("/api/v1/search?sort=sideways", status=400)
    assert res.json == {
        "error": "检索条件有误",
        "fields": {"sort": "排序方式应为 relevance 或 date"},
    }
    long = quote("字" * 300)
    res = testapp.get(f"/api/v1/search?q={long}", headers=ENGLISH, status=200)
    assert res.json["message"].startswith("The search terms were too long")
    assert testapp.get(f"/api/v1/search?q={long}").json["message"] == (
        "检索词过长，已截取前 200 个字符。"
    )
    page = english_page(testapp, f"/search?q={long}")
    assert "only the first 200 characters were used" in page.html.select_one("p.warn").text


@pytest.fixture
def broken_search(monkeypatch):
    def fail(self, *args, **kwargs):
        raise RuntimeError("the index is gone")

    for engine in (SQLiteSearchIndex, PostgresSearchIndex, WhooshSearchIndex):
        monkeypatch.setattr(engine, "search", fail)


def test_search_unavailable_in_english(testapp, broken_search):
    res = english_page(testapp, f"/search?q={quote('通知')}", status=503)
    request_id = res.headers["X-Request-Id"]
    assert "Service temporarily unavailable" in res.text
    assert "Search is temporarily unavailable" in res.text
    assert f"(error reference: {request_id})" in res.text
    api = testapp.get(f"/api/v1/search?q={quote('通知')}", headers=ENGLISH, status=503)
    assert api.json["error"].startswith("Search is temporarily unavailable")
    zh = testapp.get(f"/api/v1/search?q={quote('通知')}", status=503)
    assert zh.json["error"].startswith("检索服务暂时不可用")


# --- feeds ----------------------------------------------------------------------------------


def test_feed_titles_are_in_the_request_language(testapp, published, orgs):
    published("英文订阅测试通知", status="repealed")
    root = orgs.roots[0]
    res = testapp.get("/feeds/catalogue.atom", headers=ENGLISH)
    assert f"<title>{root.name} · Government information disclosure</title>" in res.text
    assert "Latest government information disclosed" in res.text
    assert 'xml:lang="en"' in res.text and '<entry xml:lang="zh-CN">' in res.text
    zh = testapp.get("/feeds/catalogue.atom")
    assert f"<title>{root.name} · 政府信息公开</title>" in zh.text
    assert 'xml:lang="zh-CN"' in zh.text and "<entry>" in zh.text
    topic = testapp.get("/feeds/topics/general_affairs.atom", headers=ENGLISH)
    assert "<title>Topic: " in topic.text
    bad = english_page(testapp, "/feeds/catalogue.atom?page=0", status=400)
    assert "Invalid feed parameters" in bad.text
    assert "Page: The page must be a positive integer" in bad.text
    missing = english_page(testapp, "/feeds/topics/no_such_topic.atom", status=404)
    assert "No such topic" in missing.text


# --- error pages and the boundary -------------------------------------------------------------


def test_not_found_in_english(testapp):
    res = english_page(testapp, "/no/such/page", status=404)
    assert res.html.find("h1").text == "Page not found"
    assert "Back to the home page" in res.text
    assert testapp.get("/api/v1/no-such", headers=ENGLISH, status=404).json == {
        "error": "Resource not found"
    }
    res = english_page(testapp, "/organisations/no-such-body/feed.atom", status=404)
    assert "Body not found" in res.text


def test_the_language_cookie_chooses_english_too(testapp):
    testapp.set_cookie("disclosure_lang", "en")
    res = testapp.get("/no/such/page", status=404)
    assert res.html.find("h1").text == "Page not found"


def test_a_stale_form_in_english(testapp):
    res = testapp.post("/logout", {"csrf_token": "stale"}, headers=ENGLISH, status=400)
    assert res.html.find("h1").text == "Bad request"
    assert "The form has expired or came from an invalid source" in res.text


def test_the_boundary_answers_in_the_request_language(testapp):
    res = english_page(testapp, "/catalogue/%ff", status=400)
    assert "The request contains invalid UTF-8" in res.text
    assert 'lang="en"' in res.text
    zh = testapp.get("/catalogue/%ff", status=400)
    assert "请求包含无效的 UTF-8 编码" in zh.text
    res = testapp.get("/api/v1/search?q=%ed%a0%80", headers=ENGLISH, status=400)
    assert res.json == {"error": "The request contains invalid UTF-8"} or res.json == {
        "error": "The request parameters contain invalid characters"
    }
    res = english_page(testapp, "/search?q=%ff", status=400)
    assert "The request contains invalid UTF-8" in res.text
    res = testapp.post(
        "/login",
        {"__start__": "bad marker", "email": "x"},
        headers=ENGLISH,
        status=400,
    )
    assert "Invalid form data" in res.text


def cookie_limit(app) -> CookieHeaderLimit:
    layer = app
    while not isinstance(layer, CookieHeaderLimit):
        layer = layer.__dict__["app"]
    return layer


def test_an_oversized_cookie_is_refused_in_the_request_language(testapp):
    big = "a=" + "b" * 10_000
    res = testapp.get("/", headers={"Cookie": big, **ENGLISH}, status=400)
    assert '<html lang="en">' in res.text
    assert "<h1>Bad request (400)</h1>" in res.text
    assert "Please clear this site&#39;s cookies and try again." in res.text
    api = testapp.get("/api/v1/catalogue", headers={"Cookie": big, **ENGLISH}, status=400)
    assert api.json == {"error": "The Cookie request header is too large"}
    # the switch's cookie, read without parsing the whole header
    res = testapp.get("/", headers={"Cookie": big + "; disclosure_lang=en"}, status=400)
    assert "Bad request (400)" in res.text
    # Chinese by default, and for a language the site does not have
    for headers in ({}, {"Accept-Language": "fr"}):
        res = testapp.get("/", headers={"Cookie": big, **headers}, status=400)
        assert '<html lang="zh-CN">' in res.text and f"{COOKIE_TOO_LARGE}，" in res.text
        assert "<h1>请求有误（400）</h1>" in res.text


# --- logging in -----------------------------------------------------------------------------


def attempt(testapp, email, password, status):
    token = testapp.csrf_token()
    return testapp.post(
        "/login",
        {"csrf_token": token, "email": email, "password": password},
        headers=ENGLISH,
        status=status,
    )


def test_login_and_its_throttle_in_english(testapp, app, make_user, civil):
    page = english_page(testapp, "/login")
    assert page.html.find("h1").text == "Officer login"
    assert page.html.find("button", type="submit").text == "Log in"
    user = make_user(civil)
    app.registry["disclosure.now"] = lambda: datetime(2026, 11, 20, 2)
    try:
        for _ in range(5):
            res = attempt(testapp, user.email, "wrong-password-123", 400)
            assert "Wrong e-mail address or password" in res.text
        res = attempt(testapp, user.email, PASSWORD, 429)
        assert "Too many failed logins. Please try again in 15 min" in res.text
    finally:
        del app.registry["disclosure.now"]


def test_creating_an_account_in_english(testapp, make_user, civil):
    admin = make_user(civil, role="org_admin")
    testapp.login(admin.email)
    page = testapp.get("/officer/users", headers=ENGLISH)
    roles = page.html.find("select", attrs={"name": "role"})
    assert [o.text for o in roles.find_all("option")] == [
        "Disclosure officer",
        "Body administrator",
    ]
    form = page.forms["deform"]
    form["email"] = "new.officer@example.gov.cn"
    form["password"] = "short"
    res = form.submit("create", headers=ENGLISH, status=400)
    assert "at least 10 characters" in res.text
    form = res.forms["deform"]
    form["email"] = admin.email
    form["password"] = "long-enough-password"
    res = form.submit("create", headers=ENGLISH, status=400)
    assert f"The account {admin.email} already exists" in res.text
    form = res.forms["deform"]
    form["email"] = "new.officer@example.gov.cn"
    form["password"] = "long-enough-password"
    form.submit("create", headers=ENGLISH, status=303)
    res = testapp.get("/officer/users", headers=ENGLISH)
    assert "Account new.officer@example.gov.cn created" in res.text


# --- file labels and upload messages ----------------------------------------------------------


def english_request():
    request = testing.DummyRequest()
    request.localizer = make_localizer("en", [str(LOCALE)])
    return request


def test_file_labels_follow_the_reader():
    request = english_request()
    assert file_label("application/pdf", 62031, request) == "PDF file, 60.6 KB"
    assert file_label("application/pdf", 62031) == "PDF 文件，60.6 KB"  # the letters: Chinese
    assert media_type_label("image/jpeg", request) == "Image"
    assert media_type_label("application/x-unknown", request) == "File"
    assert size_label(512, request) == "512 bytes"
    assert size_label(512) == "512 字节"


def test_upload_messages_are_marked_and_chinese_as_text():
    with pytest.raises(UploadRejected) as info:
        check_upload(b"%PDF-1.4", "scan.docx", 1024)
    assert str(info.value) == "文件内容（application/pdf）与扩展名“.docx”不符"
    assert translate(english_request(), info.value.message) == (
        "The file's content (application/pdf) does not match its extension “.docx”"
    )
    with pytest.raises(UploadRejected) as info:
        check_upload(b"x" * 2048, "a.pdf", 1024)
    assert translate(english_request(), info.value.message) == (
        "The file is too large: the limit is 1 KB"
    )


# --- the database away: a page that needs nothing but the request ----------------------------


def test_the_database_away_page_in_english(fault, seeded, tmp_path):  # noqa: F811
    app = app_on(fault.url, tmp_path)
    if hasattr(fault, "state"):
        fault.state["app"] = app
    try:
        browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        browser.get("/", status=200)
        fault.take_away()
        res = browser.get("/", headers=ENGLISH, status=503)
        assert '<html lang="en">' in res.text
        assert "<h1>Service temporarily unavailable</h1>" in res.text
        assert "The database is temporarily unavailable. Please try again later." in res.text
        assert f"Error reference: <code>{res.headers['X-Request-Id']}</code>" in res.text
        api = browser.get("/api/v1/catalogue", headers=ENGLISH, status=503)
        assert (
            api.json["error"] == "The database is temporarily unavailable. Please try again later."
        )
        zh = browser.get("/", status=503)
        assert '<html lang="zh-CN">' in zh.text and "数据库暂时无法访问，请稍后再试。" in zh.text
        fault.give_back()
    finally:
        app.registry["db_engine"].dispose()
