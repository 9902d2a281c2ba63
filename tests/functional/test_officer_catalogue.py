"""Officers keep their own organisation's catalogue through the web forms."""

import re

import pytest

from disclosure.models import CatalogueItem


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


def test_stale_form_is_a_clear_conflict_and_nothing_is_overwritten(testapp, officer, dbsession):
    testapp.login(officer.email)
    item_id = create_item(testapp)
    first = testapp.get(f"/officer/items/{item_id}/edit").forms["deform"]
    second = testapp.get(f"/officer/items/{item_id}/edit").forms["deform"]
    first["title"] = "甲的修改"
    first.submit("save", status=303)
    second["title"] = "乙的修改"
    res = second.submit("save", status=409)
    assert "已被他人修改" in res.text
    item = dbsession.get(CatalogueItem, item_id)
    dbsession.refresh(item)
    assert item.title == "甲的修改"


def test_repeal_through_the_web(testapp, officer, dbsession):
    testapp.login(officer.email)
    item_id = create_item(testapp)
    item = dbsession.get(CatalogueItem, item_id)
    token = testapp.csrf_token()
    testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": token, "lock_version": item.lock_version},
        status=303,
    )
    dbsession.refresh(item)
    page = testapp.get(f"/officer/items/{item_id}")
    form = next(f for f in page.forms.values() if f.action.endswith("/repeal"))
    form["note"] = "被新规定替代"
    form.submit(status=303)
    dbsession.refresh(item)
    assert item.status == "repealed" and item.validity == "repealed"
    assert item.versions[-1].note == "被新规定替代"
    testapp.get(f"/officer/items/{item_id}/edit", status=409)
    res = testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": token, "lock_version": item.lock_version},
        status=409,
    )
    assert "没有待发布的内容" in res.text or "已废止" in res.text


def test_city_admin_creates_an_item_for_a_chosen_organisation(
    testapp, make_user, orgs, police, dbsession
):
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    item_id = create_item(testapp)
    assert dbsession.get(CatalogueItem, item_id).organisation_id == orgs.roots[0].id
    form = testapp.get("/officer/items/new", {"organisation": police.code}).forms["deform"]
    res = fill_item_form(form, topic="security_justice").submit("save", status=303)
    new_id = int(res.location.rsplit("/", 1)[1])
    assert dbsession.get(CatalogueItem, new_id).organisation_id == police.id


def test_officer_cannot_create_for_another_organisation(testapp, officer, civil, police, dbsession):
    testapp.login(officer.email)
    form = testapp.get("/officer/items/new", {"organisation": police.code}).forms["deform"]
    res = fill_item_form(form).submit("save", status=303)
    assert (
        dbsession.get(CatalogueItem, int(res.location.rsplit("/", 1)[1])).organisation_id
        == civil.id
    )


def test_dashboard_paginates_and_filters_by_status(testapp, officer, civil, catalogue, item_data):
    for i in range(25):
        catalogue.create(civil, item_data(title=f"批量草稿{i:02d}"), None)
    testapp.login(officer.email)
    first = testapp.get("/officer", {"status": "draft"})
    assert "共 25 条" in first.text and "第 1 / 2 页" in first.text
    second = first.click("下一页")
    assert "第 2 / 2 页" in second.text
    assert "共 0 条" in testapp.get("/officer", {"status": "published"}).text
