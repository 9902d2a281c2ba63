"""Every state-changing form carries ``lock_version``: without it the change is refused (400)
and nothing changes; with a stale one it is a conflict (409) and nothing changes."""

import pytest

from disclosure.models import Attachment, CatalogueItem, Letter

from ..conftest import TODAY
from .test_request_workflow import act
from .test_requests import submit_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MISSING = object()


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


@pytest.fixture
def item(testapp, officer, civil, catalogue, item_data, dbsession):
    """A published item with one attachment and a pending draft: publish, repeal, edit, upload
    and delete would all succeed with the right lock_version."""
    item = catalogue.create(civil, item_data(title="锁版本测试条目"), None)
    catalogue.publish(item, None, TODAY)
    testapp.post(
        f"/officer/items/{item.id}/attachments",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        upload_files=[("file", "a.pdf", PDF)],
        status=303,
    )
    dbsession.refresh(item)
    catalogue.save_draft(item, {"title": "锁版本测试条目（修订）", "note": "修订"}, None)
    dbsession.flush()
    assert item.lock_version > 1 and item.has_draft and len(item.attachments) == 1
    return item


def snapshot(dbsession, item) -> tuple:
    dbsession.flush()
    dbsession.expire_all()
    fresh = dbsession.get(CatalogueItem, item.id)
    return (
        fresh.status,
        fresh.title,
        fresh.validity,
        fresh.has_draft,
        fresh.lock_version,
        [v.data.get("title") for v in fresh.versions],
        [a.id for a in fresh.attachments],
    )


def with_lock(params: dict, lock) -> dict:
    return params if lock is MISSING else {**params, "lock_version": str(lock)}


def post_edit(testapp, item, lock, status):
    form = testapp.get(f"/officer/items/{item.id}/edit").forms["deform"]
    form["title"] = "不应保存的修改"
    fields = [(k, v) for k, v in form.submit_fields("save") if k != "lock_version"]
    if lock is not MISSING:
        fields.append(("lock_version", str(lock)))
    return testapp.post(f"/officer/items/{item.id}/edit", fields, status=status)


def post_publish(testapp, item, lock, status):
    params = with_lock({"csrf_token": testapp.csrf_token()}, lock)
    return testapp.post(f"/officer/items/{item.id}/publish", params, status=status)


def post_repeal(testapp, item, lock, status):
    params = with_lock({"csrf_token": testapp.csrf_token(), "note": "不应废止"}, lock)
    return testapp.post(f"/officer/items/{item.id}/repeal", params, status=status)


def post_upload(testapp, item, lock, status):
    params = with_lock({"csrf_token": testapp.csrf_token()}, lock)
    return testapp.post(
        f"/officer/items/{item.id}/attachments",
        params,
        upload_files=[("file", "b.pdf", PDF + b"% another\n")],
        status=status,
    )


def post_delete(testapp, item, lock, status):
    attachment = item.attachments[0]
    params = with_lock({"csrf_token": testapp.csrf_token()}, lock)
    return testapp.post(
        f"/officer/items/{item.id}/attachments/{attachment.id}", params, status=status
    )


ITEM_FORMS = [post_edit, post_publish, post_repeal, post_upload, post_delete]


@pytest.mark.parametrize("post", ITEM_FORMS, ids=lambda f: f.__name__)
def test_item_form_without_lock_version_is_refused(testapp, item, dbsession, post):
    before = snapshot(dbsession, item)
    res = post(testapp, item, MISSING, 400)
    assert "版本号" in res.text
    assert snapshot(dbsession, item) == before
    res = post(testapp, item, "", 400)  # an empty field is no better
    assert snapshot(dbsession, item) == before


@pytest.mark.parametrize("post", ITEM_FORMS, ids=lambda f: f.__name__)
def test_item_form_with_a_stale_lock_version_is_a_conflict(testapp, item, dbsession, post):
    before = snapshot(dbsession, item)
    res = post(testapp, item, item.lock_version - 1, 409)
    assert "已被他人修改" in res.text
    assert snapshot(dbsession, item) == before


@pytest.mark.parametrize("post", ITEM_FORMS, ids=lambda f: f.__name__)
def test_item_form_with_the_current_lock_version_goes_through(testapp, item, dbsession, post):
    """The control: the same forms with the right version succeed."""
    before = snapshot(dbsession, item)
    post(testapp, item, item.lock_version, 303)
    assert snapshot(dbsession, item) != before


# --- cases ---------------------------------------------------------------------------------


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="吴十三",
        phone="13600000000",
        email="wu@example.com",
        organisation=civil.code,
        description="请提供2026年养老服务补贴发放情况",
        delivery_channel="email",
    )


def case_state(dbsession, case) -> tuple:
    dbsession.flush()
    dbsession.refresh(case)
    letters = dbsession.query(Letter).filter_by(request_id=case.id).count()
    return case.status, case.lock_version, [e.action for e in case.events], letters


def post_action(testapp, case, lock, status):
    params = with_lock({"csrf_token": testapp.csrf_token()}, lock)
    return testapp.post(f"/officer/requests/{case.id}/accept", params, status=status)


def post_letter(testapp, case, lock, status):
    params = with_lock(
        {"csrf_token": testapp.csrf_token(), "kind": "acknowledgement", "variant": "default"},
        lock,
    )
    return testapp.post(f"/officer/requests/{case.id}/letters", params, status=status)


def post_withdraw(testapp, case, lock, status):
    params = with_lock(
        {
            "csrf_token": testapp.csrf_token(),
            "tracking_number": case.tracking_number,
            "access_code": case.access_code,
            "withdraw": "1",
        },
        lock,
    )
    return testapp.post("/requests/status", params, status=status)


CASE_FORMS = [post_action, post_letter, post_withdraw]


@pytest.mark.parametrize("post", CASE_FORMS, ids=lambda f: f.__name__)
def test_case_form_without_lock_version_is_refused(testapp, officer, case, dbsession, post):
    before = case_state(dbsession, case)
    assert before[0] == "received"
    res = post(testapp, case, MISSING, 400)
    assert "版本号" in res.text
    assert case_state(dbsession, case) == before
    post(testapp, case, "", 400)
    assert case_state(dbsession, case) == before
    assert case.is_open


@pytest.mark.parametrize("post", CASE_FORMS, ids=lambda f: f.__name__)
def test_case_form_with_a_stale_lock_version_is_a_conflict(testapp, officer, case, dbsession, post):
    stale = case.lock_version
    act(testapp, case, "accept")  # someone else acted meanwhile
    before = case_state(dbsession, case)
    assert before[0] == "accepted" and before[1] != stale
    post(testapp, case, stale, 409)
    assert case_state(dbsession, case) == before
    assert case.is_open


@pytest.mark.parametrize("post", CASE_FORMS, ids=lambda f: f.__name__)
def test_case_form_with_the_current_lock_version_goes_through(
    testapp, officer, case, dbsession, post
):
    before = case_state(dbsession, case)
    post(testapp, case, case.lock_version, 303 if post is not post_withdraw else 200)
    assert case_state(dbsession, case) != before


def test_attachment_rows_untouched_by_refused_delete(testapp, item, dbsession):
    attachment_id = item.attachments[0].id
    post_delete(testapp, item, MISSING, 400)
    post_delete(testapp, item, item.lock_version - 1, 409)
    assert dbsession.get(Attachment, attachment_id) is not None
