"""An officer reads and changes only their own organisation's items, on every officer route."""

import pytest

from ..conftest import TODAY


@pytest.fixture
def two_orgs(orgs):
    civil = next(o for o in orgs.orgs if o.category_tree == "civil_affairs")
    police = next(o for o in orgs.orgs if o.category_tree == "public_security")
    return civil, police


@pytest.fixture
def foreign_item(two_orgs, catalogue, item_data):
    _, police = two_orgs
    item = catalogue.create(police, item_data(title="公安局内部条目"), None)
    catalogue.publish(item, None, TODAY)
    catalogue.save_draft(item, item_data(title="公安局待发布修订"), None)
    return item


def officer_routes(item, attachment_id=1):
    base = f"/officer/items/{item.id}"
    return [
        ("GET", base, None),
        ("GET", base + "/edit", None),
        ("POST", base + "/edit", {"title": "篡改"}),
        ("POST", base + "/publish", {}),
        ("POST", base + "/repeal", {"note": "x"}),
        ("POST", base + "/attachments", {}),
        ("POST", base + f"/attachments/{attachment_id}", {}),
    ]


def test_officer_gets_403_on_every_route_of_another_organisation(
    testapp, make_user, two_orgs, foreign_item, dbsession
):
    civil, _ = two_orgs
    officer = make_user(civil, "org_admin")
    testapp.login(officer.email)
    token = testapp.csrf_token()
    for method, url, params in officer_routes(foreign_item):
        if method == "GET":
            res = testapp.get(url, status=403)
        else:
            res = testapp.post(url, {**params, "csrf_token": token}, status=403)
        assert "公安局" not in res.text, url
    dbsession.refresh(foreign_item)
    assert foreign_item.title == "公安局内部条目"
    assert foreign_item.status == "published" and foreign_item.has_draft


def test_foreign_items_are_not_listed_on_the_dashboard(testapp, make_user, two_orgs, foreign_item):
    civil, _ = two_orgs
    testapp.login(make_user(civil).email)
    res = testapp.get("/officer")
    assert "公安局" not in res.text
    # filtering by another organisation is ignored for non-city officers
    res = testapp.get("/officer", {"organisation": foreign_item.organisation.code})
    assert "公安局" not in res.text


def test_city_admin_may_open_every_organisation(testapp, make_user, orgs, foreign_item):
    root = orgs.roots[0]
    testapp.login(make_user(root, "city_admin").email)
    assert "公安局待发布修订" in testapp.get(f"/officer/items/{foreign_item.id}/edit").text
    assert (
        "公安局内部条目"
        in testapp.get("/officer", {"organisation": foreign_item.organisation.code}).text
    )


def test_anonymous_is_sent_to_login(testapp, foreign_item):
    for method, url, params in officer_routes(foreign_item):
        if method == "GET":
            res = testapp.get(url, status=303)
        else:
            res = testapp.post(url, params, status=303)
        assert res.location.startswith("http://example.com/login?next=")
    assert foreign_item.title == "公安局内部条目"
    testapp.get("/officer", status=303)
    testapp.get("/officer/users", status=303)


def test_unknown_item_is_404(testapp, make_user, two_orgs):
    testapp.login(make_user(two_orgs[0]).email)
    testapp.get("/officer/items/999999", status=404)
    testapp.get("/officer/items/abc", status=404)


def test_state_changes_need_a_csrf_token(testapp, make_user, two_orgs, catalogue, item_data):
    civil, _ = two_orgs
    officer = make_user(civil)
    item = catalogue.create(civil, item_data(), None)
    testapp.login(officer.email)
    res = testapp.post(f"/officer/items/{item.id}/publish", {}, status=400)
    assert "表单已过期" in res.text
    assert item.status == "draft"
    testapp.post("/logout", {}, status=400)


def test_plain_officer_cannot_manage_users(testapp, make_user, two_orgs):
    civil, _ = two_orgs
    testapp.login(make_user(civil, "officer").email)
    testapp.get("/officer/users", status=403)


def test_org_admin_creates_officers_only_in_own_organisation(
    testapp, make_user, two_orgs, dbsession
):
    from disclosure.accounts.services import find_user

    civil, police = two_orgs
    admin = make_user(civil, "org_admin")
    make_user(police, "officer", email="someone@police.example.gov.cn")
    testapp.login(admin.email)
    page = testapp.get("/officer/users")
    assert "someone@police" not in page.text
    form = page.forms["deform"]
    assert "organisation" not in form.fields
    assert "city_admin" not in [o[0] for o in form["role"].options]
    form["email"] = "new.officer@civil.example.gov.cn"
    form["password"] = "short"
    res = form.submit("create", status=400)
    assert "至少 10 个字符" in res.text
    form = res.forms["deform"]
    form["password"] = "a-long-enough-password"
    form.submit("create", status=303)
    user = find_user(dbsession, "New.Officer@civil.example.gov.cn")
    assert user.organisation_id == civil.id and user.role == "officer"
    assert user.password_hash.startswith("$argon2")
    testapp.logout()
    testapp.login("new.officer@civil.example.gov.cn", "a-long-enough-password")


def test_login_rejects_a_wrong_password(testapp, make_user, two_orgs):
    user = make_user(two_orgs[0])
    form = testapp.get("/login").forms[0]
    form["email"] = user.email
    form["password"] = "wrong-password"
    res = form.submit(status=400)
    assert "邮箱或密码错误" in res.text
    testapp.get("/officer", status=303)


def test_login_next_url_must_be_local(testapp, make_user, two_orgs):
    user = make_user(two_orgs[0])
    form = testapp.get("/login?next=//evil.example.com/").forms[0]
    form["email"] = user.email
    form["password"] = "correct-horse-battery"
    res = form.submit(status=303)
    assert res.location == "http://example.com/officer/overview"  # the landing page
