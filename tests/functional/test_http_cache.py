"""Public pages validate against the data: ETag, Cache-Control, 304, a page cache per process
that every process drops when the data changes; no statement per row on list pages."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from urllib.parse import quote

import pytest
import webtest
from sqlalchemy import event

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.organisations import OrganisationTree

from ..conftest import TODAY

PUBLIC_PAGES = [
    "/",
    "/catalogue",
    "/organisations",
    "/search?q=" + quote("政务公开"),
    "/statistics",
    "/api/v1/catalogue",
    "/api/v1/organisations",
    "/api/v1/search?q=" + quote("政务公开"),
    "/api/v1/calendar/working-days?start=2026-09-28&days=20",
]


@pytest.fixture
def city(orgs):
    return orgs.roots[0]


def publish(catalogue, org, item_data, **fields):
    item = catalogue.create(org, item_data(**fields), None)
    catalogue.publish(item, None, TODAY)
    return item


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_is_validated_and_a_conditional_request_gets_304(testapp, path):
    res = testapp.get(path, status=200)
    etag = res.headers["ETag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)
    assert res.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in res.headers["Vary"]
    again = testapp.get(path, headers={"If-None-Match": etag}, status=304)
    assert again.body == b"" and again.headers["ETag"] == etag
    # another validator, or none: the whole page
    assert testapp.get(path, headers={"If-None-Match": 'W/"other"'}, status=200).body == res.body
    assert testapp.get(path, status=200).headers["ETag"] == etag


def test_publishing_revising_and_repealing_change_the_validator(
    testapp, catalogue, city, item_data
):
    first = publish(catalogue, city, item_data, title="第一份公开的通知")
    before = testapp.get("/catalogue")
    item_page = "/catalogue/" + first.index_number
    item_before = testapp.get(item_page)
    # publishing another item: the list changes, and says so
    publish(
        catalogue, city, item_data, title="第二份公开的通知", document_number="咸政发〔2026〕9号"
    )
    after = testapp.get("/catalogue")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "第二份公开的通知" in after.text and "第二份公开的通知" not in before.text
    testapp.get("/catalogue", headers={"If-None-Match": before.headers["ETag"]}, status=200)
    # revising the first
    catalogue.save_draft(first, {**item_data(), "title": "第一份通知（修订）"}, None)
    catalogue.publish(first, None, TODAY)
    revised = testapp.get(item_page)
    assert revised.headers["ETag"] != item_before.headers["ETag"]
    assert "第一份通知（修订）" in revised.text
    # repealing it
    catalogue.repeal(first, None, "已被新文件取代")
    repealed = testapp.get(item_page)
    assert repealed.headers["ETag"] != revised.headers["ETag"]
    assert "废止" in repealed.text


def test_the_business_date_is_part_of_the_validator(app, testapp):
    first = testapp.get("/").headers["ETag"]
    app.registry["disclosure.clock"] = lambda: date(2026, 11, 21)
    try:
        assert testapp.get("/").headers["ETag"] != first
    finally:
        app.registry["disclosure.clock"] = lambda: TODAY


def test_signed_in_users_get_their_own_page_not_a_shared_one(testapp, make_user, civil):
    make_user(civil, email="cache.officer@example.gov.cn")
    anonymous = testapp.get("/")
    testapp.login("cache.officer@example.gov.cn")
    mine = testapp.get("/")
    assert "ETag" not in mine.headers
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert mine.body != anonymous.body  # the header names the officer
    # forms and case pages are never shared
    res = testapp.get("/requests/new")
    assert "ETag" not in res.headers and "public" not in res.headers.get("Cache-Control", "")


def test_pages_that_are_not_public_are_not_validated(testapp):
    assert "ETag" not in testapp.get("/requests/new").headers
    assert "ETag" not in testapp.get("/login").headers
    # an error is not kept either
    assert "ETag" not in testapp.get("/catalogue/nope", status=404).headers


# --- several processes on one committed database ---------------------------------------------


@pytest.fixture
def two_processes(databases, schema, tmp_path):
    """Two app instances (as two gunicorn workers would be) on one committed database."""
    seeded = databases.seeded(schema)
    apps = []
    for n in (1, 2):
        app = main(
            {},
            **{
                "disclosure.database_url": seeded.url,
                "disclosure.session_secret": "x",
                "disclosure.files_dir": str(tmp_path / "files"),
                "disclosure.search.index_dir": str(tmp_path / f"index{n}"),
                "disclosure.search.backend": "auto",
                "disclosure.search.indexer": "off",
                "disclosure.mail.worker": "off",
            },
        )
        app.registry["disclosure.clock"] = lambda: TODAY
        apps.append(app)
    yield apps, seeded
    for app in apps:
        app.registry["db_engine"].dispose()
    seeded.engine.dispose()


@contextlib.contextmanager
def statements(app):
    """The statements the app's engine runs inside the block."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    engine = app.registry["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_page_kept_by_one_process_is_dropped_when_another_commits(
    two_processes, schema, item_data
):
    (one, two), seeded = two_processes
    web_one = webtest.TestApp(one, extra_environ={"HTTP_HOST": "example.com"})
    kept = web_one.get("/catalogue")
    with statements(one) as seen:
        again = web_one.get("/catalogue")
    assert again.body == kept.body
    # served from the page cache: nothing rendered, nothing queried but the tokens (read on the
    # pool's raw connection, which the engine's statement events do not see)
    assert seen == []
    # an officer publishes through the other process (here: its service layer, committed)
    with two.registry["dbsession_factory"].begin() as db:
        city = OrganisationTree(db).roots[0]
        item = CatalogueService(db, schema).create(
            city, item_data(title="另一进程发布的通知"), None
        )
        CatalogueService(db, schema).publish(item, None, TODAY)
    fresh = web_one.get("/catalogue")
    assert "另一进程发布的通知" in fresh.text
    assert fresh.headers["ETag"] != kept.headers["ETag"]
    web_two = webtest.TestApp(two, extra_environ={"HTTP_HOST": "example.com"})
    assert web_two.get("/catalogue").headers["ETag"] == fresh.headers["ETag"]
    # and search found it at once: the engine is written in the publishing transaction
    found = web_one.get("/api/v1/search?q=" + quote("另一进程发布")).json
    assert [h["title"] for h in found["hits"]][:1] == ["另一进程发布的通知"]


def test_list_pages_run_the_same_statements_for_3_items_as_for_25(two_processes, schema, item_data):
    """No statement per row: rendering 3 or 25 items (attachments, organisations, facets)
    costs the same number of statements. The page cache is bypassed by asking with a query
    string the cache has not seen."""
    (one, _), seeded = two_processes
    web = webtest.TestApp(one, extra_environ={"HTTP_HOST": "example.com"})

    def add(n, start):
        with seeded.factory.begin() as db:
            tree = OrganisationTree(db)
            orgs = [tree.roots[0], *tree.children(tree.roots[0])[:4]]
            service = CatalogueService(db, schema)
            for i in range(start, start + n):
                item = service.create(
                    orgs[i % len(orgs)],
                    item_data(title=f"政务公开通知第{i}号", document_number=f"咸政发〔2026〕{i}号"),
                    None,
                )
                service.publish(item, None, TODAY)

    pages = [
        "/",
        "/catalogue",
        "/catalogue?page_size=50",
        "/organisations",
        "/search?q=" + quote("政务公开"),
        "/api/v1/catalogue?per_page=50",
        "/api/v1/search?q=" + quote("政务公开"),
    ]

    def count_all(tag):
        counts = {}
        for path in pages:
            web.get(path)  # the organisation tree and schemas are cached after a first request
            sep = "&" if "?" in path else "?"
            with statements(one) as seen:
                web.get(f"{path}{sep}_={tag}", status=200)
            counts[path] = len(seen)
        return counts

    add(3, 1)
    small = count_all("small")
    add(22, 4)
    large = count_all("large")
    assert large == small, (small, large)
    assert max(large.values()) <= 12, large
