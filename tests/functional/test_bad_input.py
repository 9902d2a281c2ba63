"""Bad bytes and bad forms get a clear 400 (or 404), never a 500, and nothing is saved."""

import pytest

from disclosure.models import CatalogueItem


@pytest.fixture
def officer(orgs, make_user, testapp):
    civil = next(o for o in orgs.orgs if o.category_tree == "civil_affairs")
    user = make_user(civil)
    testapp.login(user.email)
    return user


@pytest.mark.parametrize(
    "url",
    [
        "/catalogue?topic=%ff%fe",
        "/catalogue/%ff",
        "/api/v1/catalogue?organisation=%c3%28",
        "/api/v1/catalogue/%ed%a0%80",
        "/catalogue?year=%ed%a0%80",
    ],
)
def test_invalid_utf8_is_400(testapp, url):
    res = testapp.get(url, status=400)
    assert "UTF-8" in res.text or "无效" in res.text


@pytest.mark.parametrize("path", ["/catalogue/%ff", "/api/v1/catalogue/%ff"])
def test_an_undecodable_request_reaching_the_exception_view_is_400(app, path):
    """Whatever part of a request fails to decode (the boundary catches the usual ones), the
    exception view answers 400 with the site's message; its log line never decodes the path."""
    from pyramid.request import Request, apply_request_extensions
    from pyramid.threadlocal import manager

    from disclosure.errors import server_error

    request = Request.blank(path)
    request.registry = app.registry
    apply_request_extensions(request)
    manager.push({"request": request, "registry": app.registry})  # as the router does
    try:
        request.path_info  # noqa: B018
    except UnicodeDecodeError as exc:
        response = server_error(exc, request)
    else:
        pytest.fail("the path should not decode")
    finally:
        manager.pop()
    assert response.status_int == 400
    assert "UTF-8" in response.text


def test_unknown_charset_is_400(testapp, officer):
    res = testapp.post(
        "/officer/items/new",
        b"title=x",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=x-no-such-charset"},
        status=400,
    )
    assert "字符集" in res.text


@pytest.mark.parametrize(
    "marker", [("__start__", "oops"), ("__end__", "oops:mapping"), ("__start__", "a:b:c")]
)
def test_tampered_deform_marker_is_400(testapp, officer, dbsession, marker):
    token = testapp.csrf_token()
    before = dbsession.query(CatalogueItem).count()
    res = testapp.post(
        "/officer/items/new",
        [("csrf_token", token), marker, ("title", "x"), ("save", "save")],
        status=400,
    )
    # The boundary checks peppercorn markers before any view: a clear 400 that echoes nothing.
    assert "表单数据无效" in res.text
    assert dbsession.query(CatalogueItem).count() == before


def test_form_errors_are_shown_per_field_and_nothing_is_saved(testapp, officer, dbsession):
    before = dbsession.query(CatalogueItem).count()
    form = testapp.get("/officer/items/new").forms["deform"]
    form["title"] = ""
    form["created_on"] = "2026-02-30"
    res = form.submit("save", status=400)
    assert "必填" in res.text
    assert "日期格式无效" in res.text
    assert dbsession.query(CatalogueItem).count() == before


def test_api_item_with_weird_index_number_is_json_404(testapp):
    res = testapp.get("/api/v1/catalogue/" + "x" * 5000, status=404)
    assert res.json["error"]
