"""One application per submission: the form's one-time token with post/redirect/get, and the
API's Idempotency-Key header."""

import sqlite3
import threading
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from disclosure import main
from disclosure.models import DisclosureRequest, IdempotencyKey

from ..conftest import TODAY, TestApp
from .test_requests import resident_id


def fill(form, civil, **extra):
    values = {
        "name": "卫十五",
        "id_number": resident_id(),
        "phone": "13500000000",
        "email": "wei@example.com",
        "description": "请提供某文件全文",
        "organisation": civil.code,
        **extra,
    }
    for name, value in values.items():
        form[name] = value
    form["consent"] = True
    return form


def count(dbsession) -> int:
    return dbsession.query(DisclosureRequest).count()


def tracking_of(location: str) -> str:
    url = urlsplit(location)
    assert url.path == "/requests/receipt"
    return parse_qs(url.query)["n"][0]


def other_browser(testapp) -> TestApp:
    return TestApp(testapp.app, extra_environ=testapp.extra_environ)


def test_the_form_posted_twice_files_one_application(testapp, civil, dbsession):
    form = fill(testapp.get("/requests/new").forms["deform"], civil)
    first = form.submit("submit", status=303)
    second = form.submit("submit", status=303)  # the same token again
    assert first.location == second.location
    tracking = tracking_of(first.location)
    assert count(dbsession) == 1
    assert dbsession.query(DisclosureRequest).one().tracking_number == tracking
    assert "submission_token" not in first.location and "access" not in first.location


def test_the_receipt_can_be_reloaded_by_the_browser_that_applied(testapp, civil, dbsession):
    form = fill(testapp.get("/requests/new").forms["deform"], civil)
    receipt = form.submit("submit", status=303).follow(status=200)
    tracking = receipt.html.find(id="tracking-number").text
    code = receipt.html.find(id="access-code").text
    assert len(code) == 8 and "确认邮件将发送至 w***@example.com" in receipt.text
    assert "已发送" not in receipt.text  # sending happens after commit
    assert receipt.headers["Cache-Control"] == "no-store"
    again = testapp.get(f"/requests/receipt?n={tracking}", status=200)
    assert again.html.find(id="tracking-number").text == tracking
    assert again.html.find(id="access-code").text == code
    assert count(dbsession) == 1
    # another browser: no receipt, no access code; it is sent to the status page
    elsewhere = other_browser(testapp).get(f"/requests/receipt?n={tracking}", status=303)
    assert urlsplit(elsewhere.location).path == "/requests/status" and code not in elsewhere.text
    assert urlsplit(other_browser(testapp).get("/requests/receipt", status=303).location).path == (
        "/requests/new"
    )
    # the code is in the session, never in a URL; an access code the session holds is shown only
    # for its own tracking number
    testapp.get("/requests/receipt?n=YS2026-XXXX-XXXX-XX", status=303)


def test_a_double_click_files_one_application(testapp, civil, dbsession):
    """Both requests of a double click leave with the same cookie; the browser keeps the last
    answer. That answer must be the same receipt, with the access code."""
    form = fill(testapp.get("/requests/new").forms["deform"], civil)
    cookies = dict(testapp.cookies)
    first = form.submit("submit", status=303)
    code = testapp.get(first.location).html.find(id="access-code").text
    testapp.reset()
    for name, value in cookies.items():
        testapp.set_cookie(name, value)
    second = form.submit("submit", status=303)
    assert second.location == first.location and count(dbsession) == 1
    assert testapp.get(second.location).html.find(id="access-code").text == code


def test_the_same_token_with_other_content_files_nothing(testapp, civil, dbsession):
    form = fill(testapp.get("/requests/new").forms["deform"], civil)
    form.submit("submit", status=303)
    form["description"] = "改了内容再提交"
    res = form.submit("submit", status=409)
    assert "已经提交过" in res.text and count(dbsession) == 1
    # the page offers a fresh token: submitting it again is a deliberate second application
    assert res.forms["deform"]["submission_token"].value != form["submission_token"].value
    res.forms["deform"].submit("submit", status=303)
    assert count(dbsession) == 2


def test_a_forged_token_is_refused(testapp, civil, dbsession):
    form = fill(testapp.get("/requests/new").forms["deform"], civil)
    form["submission_token"] = "chosen-by-the-client.0000"
    res = form.submit("submit", status=400)
    assert "表单已失效" in res.text and count(dbsession) == 0
    res.forms["deform"].submit("submit", status=303)  # with the new token it goes through
    assert count(dbsession) == 1


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def body(civil):
    return {
        "applicant_type": "person",
        "name": "蒋十六",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "phone": "13400000000",
        "email": "",
        "organisation": civil.code,
        "description": "请提供某文件全文",
        "delivery_form": "electronic",
        "delivery_channel": "collect",
        "consent": True,
    }


def post(testapp, body, key=None, status=201):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return testapp.post_json("/api/v1/requests", body, headers=headers, status=status)


def test_the_api_with_the_same_key_returns_the_same_application(testapp, body, dbsession):
    key = str(uuid.uuid4())
    first = post(testapp, body, key)
    second = post(testapp, body, key)
    assert second.json == first.json and "access_code" in second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(dbsession) == 1
    # only a hash of the key is stored, and the access code only sealed with it
    row = dbsession.query(IdempotencyKey).one()
    assert key not in row.key_hash and first.json["access_code"] not in row.sealed_code


def test_the_api_with_different_keys_or_none_files_separately(testapp, body, dbsession):
    one = post(testapp, body, str(uuid.uuid4())).json
    two = post(testapp, body, str(uuid.uuid4())).json
    three = post(testapp, body).json
    assert len({one["tracking_number"], two["tracking_number"], three["tracking_number"]}) == 3
    assert count(dbsession) == 3


def test_the_api_refuses_a_key_reused_for_other_content_or_malformed(testapp, body, dbsession):
    key = str(uuid.uuid4())
    post(testapp, body, key)
    res = post(testapp, {**body, "description": "另一份申请"}, key, status=422)
    assert "Idempotency-Key" in res.json["error"]
    assert post(testapp, body, "short", status=400).json["error"]
    assert post(testapp, body, "x" * 129, status=400).json["error"]
    assert count(dbsession) == 1


def test_an_api_key_lasts_24_hours(app, testapp, body, dbsession):
    key = str(uuid.uuid4())
    start = datetime(2026, 11, 20, 1, 0)
    try:
        app.registry["disclosure.now"] = lambda: start
        first = post(testapp, body, key).json
        app.registry["disclosure.now"] = lambda: start + timedelta(hours=23, minutes=59)
        assert post(testapp, body, key).json == first
        app.registry["disclosure.now"] = lambda: start + timedelta(hours=24, minutes=1)
        later = post(testapp, body, key).json
    finally:
        del app.registry["disclosure.now"]
    assert later["tracking_number"] != first["tracking_number"] and count(dbsession) == 2
    assert dbsession.query(IdempotencyKey).count() == 1  # the expired key was dropped


# --- at the same time, on committed data ---------------------------------------------------


@pytest.fixture
def live(databases, schema, tmp_path):
    seeded = databases.seeded(schema)
    app = main(
        {},
        **{
            "disclosure.database_url": seeded.url,
            "disclosure.session_secret": "x",
            "disclosure.files_dir": str(tmp_path / "files"),
            "disclosure.search.index_dir": str(tmp_path / "index"),
            "disclosure.search.indexer": "off",
            "disclosure.mail.worker": "off",
        },
    )
    app.registry["disclosure.clock"] = lambda: TODAY
    yield app, seeded.factory
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def test_a_double_post_at_the_same_moment_files_one_application(live, civil):
    app, factory = live
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    form = fill(browser.get("/requests/new").forms["deform"], civil)
    fields = [(k, v) for k, v in form.submit_fields("submit") if k != "upload"]
    clients = [webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}) for _ in (1, 2)]
    for client in clients:
        for name, value in browser.cookies.items():
            client.set_cookie(name, value)
    start = threading.Barrier(2)
    results: list = [None, None]

    def click(i: int) -> None:
        start.wait()
        results[i] = clients[i].post(
            "/requests/new", fields, content_type="multipart/form-data", expect_errors=True
        )

    threads = [threading.Thread(target=click, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_int for r in results] == [303, 303], [r.text[:300] for r in results]
    assert results[0].location == results[1].location
    codes = {c.get(results[0].location).html.find(id="access-code").text for c in clients}
    assert len(codes) == 1
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(DisclosureRequest)) == 1


def test_a_submit_on_sqlite_holds_the_write_lock_from_its_start(live, civil):
    """On SQLite a POST begins with the write lock (BEGIN IMMEDIATE), so what it read cannot
    change under it before it writes: another writer waits instead."""
    app, factory = live
    engine = app.registry["db_engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one writer")
    refused: list[str] = []

    def another_writer_tries(session, flush_context, instances):
        if any(isinstance(obj, DisclosureRequest) for obj in session.new) and not refused:
            other = sqlite3.connect(engine.url.database, timeout=0.05, isolation_level=None)
            try:
                other.execute("UPDATE organisations SET name = name WHERE id = 1")
            except sqlite3.OperationalError as exc:
                refused.append(str(exc))
            finally:
                other.close()

    event.listen(app.registry["dbsession_factory"], "before_flush", another_writer_tries)
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    form = fill(browser.get("/requests/new").forms["deform"], civil)
    res = form.submit("submit", status=303)
    assert refused == ["database is locked"]
    assert browser.get(res.location).html.find(id="access-code").text
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(DisclosureRequest)) == 1


def test_a_stale_sqlite_snapshot_is_a_retryable_error(tmp_path):
    """A transaction that read, then meets another writer's commit, is refused at once; the
    whole request is then run again (pyramid_retry asks zope.sqlalchemy, which asks us)."""
    from zope.sqlalchemy.datamanager import SessionDataManager

    from disclosure.models import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as reader, engine.connect() as writer:
        reader.exec_driver_sql("SELECT x FROM t").all()  # a deferred transaction has read
        writer.exec_driver_sql("UPDATE t SET x = 2")
        writer.commit()
        with pytest.raises(OperationalError) as refused:
            reader.exec_driver_sql("UPDATE t SET x = 3")
    assert SessionDataManager.should_retry(None, refused.value)
    engine.dispose()
