"""Principals follow the organisation tree: a county's admin oversees its townships read-only,
townships never see each other, the city office reads everything; the applicant's proof of
identity is for the case's own organisation only."""

import pytest

from disclosure.models import DisclosureRequest, RequestFile
from disclosure.models.users import Role

from .test_request_workflow import act
from .test_requests import proof_form, submit_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n% proof of identity\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def tree(orgs):
    """A county with two of its townships, and another county."""
    counties = [o for o in orgs.orgs if o.kind == "county"]
    county = next(
        c for c in counties if len([t for t in orgs.children(c) if t.kind == "township"]) >= 2
    )
    a, b = [t for t in orgs.children(county) if t.kind == "township"][:2]
    other = next(c for c in counties if c.id != county.id)
    return {"county": county, "a": a, "b": b, "other_county": other, "city": orgs.roots[0]}


@pytest.fixture
def users(make_user, tree):
    return {
        "county_admin": make_user(tree["county"], "org_admin"),
        "a_officer": make_user(tree["a"]),
        "a_admin": make_user(tree["a"], "org_admin"),
        "b_officer": make_user(tree["b"]),
        "other_county_admin": make_user(tree["other_county"], "org_admin"),
        "city_admin": make_user(tree["city"], "city_admin"),
    }


def file_case(testapp, dbsession, org, name):
    return submit_case(
        testapp,
        dbsession,
        name=name,
        phone="13100000000",
        organisation=org.code,
        description=f"{name}申请的某乡镇文件",
        delivery_channel="on_site",
    )


@pytest.fixture
def cases(testapp, dbsession, tree):
    return {
        "a": file_case(testapp, dbsession, tree["a"], "甲镇申请人"),
        "b": file_case(testapp, dbsession, tree["b"], "乙镇申请人"),
    }


@pytest.fixture
def items(catalogue, item_data, tree):
    return {
        "a": catalogue.create(tree["a"], item_data(title="甲镇草稿条目甲甲"), None),
        "b": catalogue.create(tree["b"], item_data(title="乙镇草稿条目乙乙"), None),
    }


def as_user(testapp, user):
    testapp.reset()  # a fresh browser: no cookies
    testapp.login(user.email)


def post_item(testapp, item, what, status):
    return testapp.post(
        f"/officer/items/{item.id}/{what}",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=status,
    )


def test_county_admin_oversees_its_townships_read_only(
    testapp, users, tree, cases, items, dbsession
):
    case, item = cases["a"], items["a"]
    as_user(testapp, users["county_admin"])
    page = testapp.get(f"/officer/requests/{case.id}", status=200)
    assert case.tracking_number in page.text
    assert "甲镇草稿条目甲甲" in testapp.get(f"/officer/items/{item.id}", status=200).text
    listed = testapp.get("/officer/requests").text
    assert case.tracking_number in listed and cases["b"].tracking_number in listed
    dashboard = testapp.get("/officer").text
    assert "甲镇草稿条目甲甲" in dashboard and "乙镇草稿条目乙乙" in dashboard

    # read-only: no editing, publishing or acting on a township's things
    form = testapp.get(f"/officer/items/{item.id}/edit", status=403)
    assert "甲镇草稿条目甲甲" not in form.text
    post_item(testapp, item, "edit", 403)
    post_item(testapp, item, "publish", 403)
    act(testapp, case, "accept", status=403)
    dbsession.refresh(item)
    dbsession.refresh(case)
    assert item.status == "draft" and item.index_number is None
    assert case.status == "received"


def test_township_officer_sees_only_their_own_township(testapp, users, cases, items):
    as_user(testapp, users["a_officer"])
    testapp.get(f"/officer/requests/{cases['a'].id}", status=200)
    testapp.get(f"/officer/items/{items['a'].id}", status=200)
    res = testapp.get(f"/officer/requests/{cases['b'].id}", status=403)
    assert "乙镇申请人" not in res.text
    testapp.get(f"/officer/items/{items['b'].id}", status=403)
    act(testapp, cases["b"], "accept", status=403)
    post_item(testapp, items["b"], "publish", 403)
    listed = testapp.get("/officer/requests").text
    assert cases["a"].tracking_number in listed
    assert cases["b"].tracking_number not in listed
    dashboard = testapp.get("/officer").text
    assert "甲镇草稿条目甲甲" in dashboard and "乙镇草稿条目乙乙" not in dashboard
    # and they act on their own
    act(testapp, cases["a"], "accept")
    assert cases["a"].status == "accepted" and cases["b"].status == "received"


def test_another_countys_admin_sees_nothing(testapp, users, cases, items):
    as_user(testapp, users["other_county_admin"])
    testapp.get(f"/officer/requests/{cases['a'].id}", status=403)
    testapp.get(f"/officer/items/{items['a'].id}", status=403)
    listed = testapp.get("/officer/requests").text
    assert cases["a"].tracking_number not in listed
    assert "甲镇草稿条目甲甲" not in testapp.get("/officer").text


def test_city_admin_sees_everything_but_does_not_act_on_cases(testapp, users, cases, items):
    as_user(testapp, users["city_admin"])
    for case in cases.values():
        assert case.tracking_number in testapp.get(f"/officer/requests/{case.id}").text
    testapp.get(f"/officer/items/{items['b'].id}", status=200)
    listed = testapp.get("/officer/requests").text
    assert all(c.tracking_number in listed for c in cases.values())
    act(testapp, cases["a"], "accept", status=403)
    assert cases["a"].status == "received"


def test_only_the_organisations_admin_approves_an_extension(testapp, users, cases):
    case = cases["a"]
    as_user(testapp, users["a_officer"])
    act(testapp, case, "accept")
    act(testapp, case, "request_extension", days="20", reason="需要调取档案")
    assert case.pending_extension["days"] == 20
    due = case.due_on
    res = act(testapp, case, "approve_extension", status=403)
    assert "没有权限" in res.text
    for overseer in ("county_admin", "city_admin"):
        as_user(testapp, users[overseer])
        act(testapp, case, "approve_extension", status=403)
    assert case.pending_extension is not None and case.due_on == due
    as_user(testapp, users["a_admin"])
    act(testapp, case, "approve_extension")
    assert case.pending_extension is None and case.due_on > due


# --- the proof of identity -----------------------------------------------------------------


@pytest.fixture
def proof_case(testapp, dbsession, tree):
    form = proof_form(testapp, tree["a"], ("身份证明.pdf", PDF))
    res = form.submit("submit", status=303).follow()
    tracking = res.html.find(id="tracking-number").text
    req = dbsession.query(DisclosureRequest).filter_by(tracking_number=tracking).one()
    (proof,) = dbsession.query(RequestFile).filter_by(request_id=req.id).all()
    return req, proof


def test_proof_of_identity_is_for_the_cases_own_organisation_only(
    testapp, users, proof_case, cases
):
    req, proof = proof_case
    url = f"/officer/requests/{req.id}/files/{proof.id}"

    # anonymous: to the login page
    res = testapp.get(url, status=303)
    assert res.location.split("?")[0].endswith("/login")

    for who in ("a_officer", "a_admin"):
        as_user(testapp, users[who])
        res = testapp.get(url, status=200)
        assert res.body == PDF
        assert res.headers["Content-Disposition"].startswith("attachment")
        assert "no-store" in res.headers["Cache-Control"]
        page = testapp.get(f"/officer/requests/{req.id}")
        assert page.html.find("a", href=lambda h: h and h.endswith(url))
        # the file of this case is not reachable through another case
        testapp.get(f"/officer/requests/{cases['a'].id}/files/{proof.id}", status=404)

    for who in ("county_admin", "city_admin", "b_officer", "other_county_admin"):
        as_user(testapp, users[who])
        res = testapp.get(url, status=403)
        assert PDF not in res.body
    # the overseers read the case, but the page does not link the proof
    for who in ("county_admin", "city_admin"):
        as_user(testapp, users[who])
        page = testapp.get(f"/officer/requests/{req.id}", status=200)
        assert f"/files/{proof.id}" not in page.text


def test_demo_users_include_a_county_admin_who_oversees_the_demo_township(testapp, dbsession):
    from disclosure.accounts.services import create_user, find_user
    from disclosure.scripts.cli import DEMO_PASSWORD, demo_users

    found = demo_users(dbsession)
    county_admins = [
        (email, org)
        for email, org, role, _ in found
        if role == Role.ORG_ADMIN and org.kind == "county"
    ]
    assert [email for email, _ in county_admins] == ["admin.county@xianyang.gov.cn"]
    county = county_admins[0][1]
    townships = [
        org for email, org, role, _ in found if role == Role.OFFICER and org.kind == "township"
    ]
    assert len(townships) == 1 and townships[0].parent_id == county.id

    for email, org, role, name in found:
        if find_user(dbsession, email) is None:
            create_user(dbsession, email, DEMO_PASSWORD, org, role, name)
    case = file_case(testapp, dbsession, townships[0], "演示乡镇申请人")
    testapp.login("admin.county@xianyang.gov.cn", DEMO_PASSWORD)
    assert case.tracking_number in testapp.get(f"/officer/requests/{case.id}", status=200).text
    act(testapp, case, "accept", status=403)
    testapp.reset()
    testapp.login("officer.township@xianyang.gov.cn", DEMO_PASSWORD)
    act(testapp, case, "accept")
    assert case.status == "accepted"
