"""Inputs a fuzzing run turned into 500s or reflected markup: each is now a clean 4xx."""

import pytest

from disclosure.boundary import (
    BAD_FORM,
    COOKIE_TOO_LARGE,
    MAX_COOKIE_BYTES,
    CookieHeaderLimit,
    markers_ok,
)
from disclosure.dates import OUT_OF_RANGE
from disclosure.models import CatalogueItem, DisclosureRequest, User

# --- dates outside 1990-01-01..2100-12-31 ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/calendar/due-date?received=9999-12-31", "received"),
        ("/api/v1/calendar/working-days?start=9999-12-31", "start"),
        ("/api/v1/calendar/working-days?start=9999-12-31&days=1", "start"),
        ("/api/v1/calendar/due-date?received=1989-12-31", "received"),
        ("/api/v1/calendar/working-days?start=0001-01-01&days=5", "start"),
    ],
)
def test_out_of_range_dates_are_a_json_400_naming_the_field(testapp, url, field):
    res = testapp.get(url, status=400)
    assert res.content_type == "application/json"
    assert res.json["error"]
    assert res.json["fields"][field] == OUT_OF_RANGE
    assert "1990-01-01" in OUT_OF_RANGE and "2100-12-31" in OUT_OF_RANGE


def test_dates_at_the_bounds_work_and_cannot_overflow(testapp):
    last = testapp.get("/api/v1/calendar/working-days?start=2100-12-31&days=1000").json
    assert last["date"] == "2104-10-31" and last["provisional"] is True  # weekdays only
    first = testapp.get("/api/v1/calendar/working-days?start=1990-01-01&days=0").json
    assert first["date"] == "1990-01-01"
    due = testapp.get("/api/v1/calendar/due-date?received=2100-12-31").json
    assert due["due_on"].startswith("2101-") and due["provisional"] is True
    bad = testapp.get("/api/v1/calendar/due-date?received=2100-13-01", status=400).json
    assert "YYYY-MM-DD" in bad["fields"]["received"]


# --- tampered Deform markers ----------------------------------------------------------------

PAYLOADS = [
    'javascript:alert(1)"><script>x</script>',
    'x:mapping" onmouseover="alert(1)',
]


@pytest.fixture
def city_admin(orgs, make_user, testapp):
    user = make_user(orgs.roots[0], "city_admin")
    testapp.login(user.email)
    return user


@pytest.fixture
def item(catalogue, civil, item_data, city_admin):
    return catalogue.create(civil, item_data(), city_admin)


def form_urls(item) -> list[str]:
    return [
        "/requests/new",
        "/officer/requests/new",
        "/officer/items/new",
        f"/officer/items/{item.id}/edit",
        "/officer/users",
    ]


def assert_clean_400(res, payload):
    assert res.status_int == 400
    assert BAD_FORM in res.text
    assert payload not in res.text
    for fragment in ("<script>x", "onmouseover", "alert(1)", "javascript:"):
        assert fragment not in res.text
    assert 'id="deform"' not in res.text  # the form is not rendered again around the value


@pytest.mark.parametrize("payload", PAYLOADS)
def test_tampered_start_marker_is_a_clean_400_on_every_form(
    testapp, item, dbsession, civil, payload
):
    counts = [dbsession.query(m).count() for m in (CatalogueItem, DisclosureRequest, User)]
    token = testapp.csrf_token()
    for url in form_urls(item):
        fields = [
            ("csrf_token", token),
            ("__start__", payload),
            ("title", "x"),
            ("name", "x"),
            ("email", "x@example.gov.cn"),
            ("organisation", civil.code),
            ("__end__", "x:mapping"),
            ("save", "save"),
            ("submit", "submit"),
        ]
        res = testapp.post(url, fields, status=400)
        assert_clean_400(res, payload)
    assert [dbsession.query(m).count() for m in (CatalogueItem, DisclosureRequest, User)] == counts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_tampered_marker_in_the_real_application_form_multipart(testapp, civil, payload):
    form = testapp.get("/requests/new").forms["deform"]
    form["name"] = "冯十二"
    form["organisation"] = civil.code
    fields = [(k, v) for k, v in form.submit_fields("submit") if k != "upload"]
    fields.insert(2, ("__start__", payload))
    fields.insert(3, ("__end__", payload))
    res = testapp.post("/requests/new", fields, content_type="multipart/form-data", status=400)
    assert_clean_400(res, payload)


@pytest.mark.parametrize(
    ("items", "ok"),
    [
        ([("__start__", "upload:mapping"), ("x", "1"), ("__end__", "upload:mapping")], True),
        ([("__start__", ":sequence"), ("__end__", ":sequence")], True),
        ([("__start__", "a.b-c_1:rename"), ("__end__", "a.b-c_1:rename")], True),
        ([("name", "no markers at all")], True),
        ([("__start__", "x:ignore"), ("__end__", "x:ignore")], False),
        ([("__start__", "a:b:c"), ("__end__", "a:b:c")], False),
        ([("__start__", "x:mapping")], False),  # not closed
        ([("__end__", "x:mapping"), ("__start__", "x:mapping")], False),  # closed first
        ([("__start__", "x :mapping"), ("__end__", "x:mapping")], False),
    ],
)
def test_marker_rules(items, ok):
    assert markers_ok(items) is ok


# --- oversized Cookie headers ---------------------------------------------------------------


def cookie_limit(app) -> CookieHeaderLimit:
    """The cookie check among the WSGI layers that ``main`` wraps around the Pyramid app."""
    layer = app
    while not isinstance(layer, CookieHeaderLimit):
        layer = layer.__dict__["app"]
    return layer


@pytest.fixture
def reached(app, monkeypatch):
    """Records every request that got past the cookie check into the Pyramid application."""
    calls = []
    app = cookie_limit(app)
    inner = app.app

    def spy(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(app, "app", spy)
    return calls


@pytest.mark.parametrize("url", ["/", "/requests/new", "/officer/requests"])
def test_a_10000_character_cookie_is_refused_before_the_app(testapp, reached, url):
    res = testapp.get(url, headers={"Cookie": "a" * 10_000}, status=400)
    assert COOKIE_TOO_LARGE in res.text and res.content_type == "text/html"
    assert reached == []


def test_an_oversized_cookie_on_the_api_gets_json(testapp, reached):
    cookie = "disclosure_session=" + "b" * 10_000
    res = testapp.get(
        "/api/v1/calendar/working-days?start=2026-11-20&days=1",
        headers={"Cookie": cookie},
        status=400,
    )
    assert res.json == {"error": COOKIE_TOO_LARGE}
    res = testapp.post("/api/v1/requests", "{}", headers={"Cookie": cookie}, status=400)
    assert res.json == {"error": COOKIE_TOO_LARGE}
    assert reached == []


def test_a_normal_cookie_still_works(testapp, reached):
    res = testapp.get("/", headers={"Cookie": "pref=" + "c" * 4000 + "; other=1"}, status=200)
    assert COOKIE_TOO_LARGE not in res.text
    at_limit = "d=" + "e" * (MAX_COOKIE_BYTES - 2)
    testapp.get(
        "/api/v1/calendar/working-days?start=2026-11-20&days=1",
        headers={"Cookie": at_limit},
        status=200,
    )
    assert reached == ["/", "/api/v1/calendar/working-days"]


def test_login_session_still_works_behind_the_cookie_check(testapp, make_user, civil, reached):
    testapp.login(make_user(civil).email)
    assert testapp.get("/officer/requests", status=200)
    assert "/officer/requests" in reached


def test_only_the_sites_own_cookies_reach_webob(testapp, app, make_user, civil, monkeypatch):
    """A header just under the limit, made of many small foreign cookies, is cut down to the
    site's session cookie before WebOb's (quadratic) parser sees it; the login still holds."""
    testapp.login(make_user(civil).email)
    session = testapp.cookies["disclosure_session"]
    seen = []
    app = cookie_limit(app)
    inner = app.app

    def spy(environ, start_response):
        seen.append(environ.get("HTTP_COOKIE", ""))
        return inner(environ, start_response)

    monkeypatch.setattr(app, "app", spy)
    junk = "; ".join(f"k{i}=v" for i in range(900))
    header = f"{junk}; disclosure_session={session}"
    assert len(header) < MAX_COOKIE_BYTES
    testapp.cookiejar.clear()
    res = testapp.get("/officer/requests", headers={"Cookie": header}, status=200)
    assert "依申请公开办理" in res.text
    assert seen == [f"disclosure_session={session}"]
