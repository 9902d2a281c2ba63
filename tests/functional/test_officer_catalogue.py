"""Officers keep their own organisation's catalogue through the web forms."""

import re

import pytest

from disclosure.models import CatalogueItem


@pytest.fixture
def civil(orgs):
    return next(o for o in orgs.orgs if o.category_tree == "civil_affairs")


@pytest.fixture
def police(orgs):
    return next(o for o in orgs.orgs if o.category_tree == "public_security")


@pytest.fixture
def officer(make_user, civil):
    return make_user(civil, "officer")


def fill_item_form(form, **values):
    defaults = {
        "title": "咸阳市民政局关于做好2026年冬季救助工作的通知",
        "document_number": "咸民发〔2026〕12号",
        "created_on": "2026-11-02",
        "topic": "civil_affairs_relief",
        "genre": "notice",
        "keywords": "社会救助，冬季 救助",
        "summary": "部署冬季困难群众救助工作。",
        "body": "各县市区民政局：\n现就做好冬季救助工作通知如下。",
    }
    defaults.update(values)
    for name, value in defaults.items():
        form[name] = value
    return form


def create_item(testapp, **values):
    form = testapp.get("/officer/items/new").forms["deform"]
    res = fill_item_form(form, **values).submit("save", status=303)
    return int(re.search(r"/officer/items/(\d+)$", res.location).group(1))


def test_officer_creates_edits_and_publishes_an_item(testapp, officer, civil, dbsession):
    testapp.login(officer.email)
    item_id = create_item(testapp)
    item = dbsession.get(CatalogueItem, item_id)
    assert item.status == "draft" and item.index_number is None
    assert item.keywords == ["社会救助", "冬季", "救助"]
    assert item.organisation_id == civil.id

    testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=303,
    )
    dbsession.refresh(item)
    assert item.status == "published"
    assert re.fullmatch(civil.code + r"/2026-\d{5}", item.index_number)
    assert item.published_on.isoformat() == "2026-11-20"

    public = testapp.get(f"/catalogue/{item.index_number}")
    assert "咸阳市民政局关于做好2026年冬季救助工作的通知" in public.text
    assert "咸民发〔2026〕12号" in public.text
    assert item.index_number in public.text

    # A revision is a new draft: the public keeps the published text until it is published.
    edit = testapp.get(f"/officer/items/{item_id}/edit").forms["deform"]
    edit["title"] = "咸阳市民政局关于做好2026年冬春救助工作的通知"
    edit["note"] = "标题更正"
    edit.submit("save", status=303)
    assert "冬季救助工作的通知" in testapp.get(f"/catalogue/{item.index_number}").text
    dbsession.refresh(item)
    testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=303,
    )
    dbsession.refresh(item)
    assert item.status == "revised"
    assert "冬春救助工作的通知" in testapp.get(f"/catalogue/{item.index_number}").text
    assert [v.state for v in item.versions] == ["superseded", "published"]
    assert item.versions[0].data["title"].endswith("冬季救助工作的通知")
