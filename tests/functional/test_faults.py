"""Operational faults, made real: the database goes away and comes back, SQLite stays locked,
the search index is broken. The site answers 503 with ``Retry-After`` where it must, keeps the
rest working, and recovers by itself.

PostgreSQL goes away through a TCP forwarder in front of 127.0.0.1:5432 that the test closes
(with its open connections) and opens again on the same port. SQLite has no server to stop; its
equivalent is the volume holding the database going away (an unmounted disk, a lost network
share): the database's folder is renamed away, so no connection can open the file. Linux keeps
already-open file handles working across a rename, which an unmounted disk would not, so the
test also disposes of the pool (the connections the lost disk would have broken). Putting the
folder back is the disk coming back; nothing in the app is restarted or reset.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import webtest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from disclosure import main
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.organisations.services import OrganisationTree

from ..conftest import PASSWORD, ROOT, TODAY, TestApp, backend

Q = quote("政务公开")  # WebTest sends the URL as given


# --- a TCP forwarder that can be pulled out --------------------------------------------------


class Forwarder:
    """127.0.0.1:<port> → target, one pair of pump threads per connection. ``close`` stops
    listening and cuts every open connection; ``open`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(32)
        self.port = server.getsockname()[1]
        self._server = server
        self._start(self._accept, server)

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
            server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=10)
            assert not thread.is_alive()
        for sock in sockets:
            sock.close()


# --- the site on a database of its own -------------------------------------------------------


def app_on(url: str, tmp_path: Path, **extra):
    app = main(
        {},
        **{
            "disclosure.database_url": url,
            "disclosure.session_secret": "x",
            "disclosure.files_dir": str(tmp_path / "files"),
            "disclosure.search.index_dir": str(tmp_path / "index"),
            "disclosure.search.indexer": "off",
            "disclosure.search.backend": "whoosh",
            "disclosure.mail.worker": "off",
            **extra,
        },
    )
    app.registry["disclosure.clock"] = lambda: TODAY
    return app


class Fault:
    """The database of a site, and a way to take it away and give it back."""

    def __init__(self, url: str, take_away, give_back) -> None:
        self.url = url
        self.take_away = take_away
        self.give_back = give_back


@pytest.fixture
def seeded(databases, schema):
    seeded = databases.seeded(schema)
    yield seeded
    seeded.engine.dispose()


@pytest.fixture
def fault(seeded, tmp_path):
    if backend() == "postgresql":
        url = make_url(seeded.url)
        forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
        forwarder.open()
        yield Fault(
            url.set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False),
            forwarder.close,
            forwarder.open,
        )
        forwarder.close()
        return
    # the seeded database, copied into a folder of its own that can go away
    folder = tmp_path / "database"
    folder.mkdir()
    source = sqlite3.connect(make_url(seeded.url).database)
    target = sqlite3.connect(folder / "site.sqlite")
    source.backup(target)
    source.close()
    target.close()
    away = tmp_path / "database-away"
    state: dict = {}

    def take_away() -> None:
        folder.rename(away)
        state["app"].registry["db_engine"].dispose()

    fault = Fault(f"sqlite:///{folder / 'site.sqlite'}", take_away, lambda: away.rename(folder))
    fault.state = state
    yield fault
    if away.exists():
        away.rename(folder)


def _officer(factory, email: str) -> None:
    with factory.begin() as db:
        township = next(o for o in OrganisationTree(db).orgs if o.kind == "township")
        create_user(db, email, PASSWORD, township, "officer")


def _assert_503(response, api: bool) -> str:
    assert response.status_int == 503, response.text[:300]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    request_id = response.headers["X-Request-Id"]
    if api:
        assert response.json["error"] == "数据库暂时无法访问，请稍后再试。"
        assert response.json["request_id"] == request_id
    else:
        assert "服务暂时不可用" in response.text and "数据库暂时无法访问" in response.text
        assert f"错误编号：<code>{request_id}</code>" in response.text
    return request_id


def test_the_site_answers_503_while_the_database_is_away_and_recovers_by_itself(
    fault, seeded, tmp_path, caplog
):
    app = app_on(fault.url, tmp_path)
    if hasattr(fault, "state"):
        fault.state["app"] = app
    _officer(app.registry["dbsession_factory"], "fault.officer@example.gov.cn")
    try:
        anonymous = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        officer = TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        officer.login("fault.officer@example.gov.cn")
        pages = ("/", "/catalogue", "/organisations", "/requests/new", f"/search?q={Q}")
        for path in pages:
            anonymous.get(path, status=200)
        anonymous.get("/api/v1/catalogue", status=200)
        officer.get("/officer", status=200)

        fault.take_away()
        caplog.set_level(logging.ERROR, logger="disclosure.errors")
        for path in pages:
            _assert_503(anonymous.get(path, expect_errors=True), api=False)
        _assert_503(anonymous.get("/api/v1/catalogue", expect_errors=True), api=True)
        _assert_503(anonymous.get(f"/api/v1/search?q={Q}", expect_errors=True), api=True)
        # a logged-in officer: who they are is read before any view (pyramid_tm's annotation)
        request_id = _assert_503(officer.get("/officer", expect_errors=True), api=False)
        posted = anonymous.post(
            "/api/v1/requests", "{}", content_type="application/json", expect_errors=True
        )
        _assert_503(posted, api=True)
        health = anonymous.get("/healthz", status=503)
        assert health.json["checks"]["database"]["status"] == "fail"
        assert health.json["checks"]["database"]["error"] == "数据库不可用"
        assert str(tmp_path) not in health.text and "5432" not in health.text
        # the log line of the officer's request carries its id; no traceback for a known fault
        lines = [r for r in caplog.records if r.request_id == request_id]
        assert lines and all(r.exc_info is None for r in lines)
        assert "database unavailable on GET /officer" in lines[0].getMessage()

        fault.give_back()
        for path in pages:
            anonymous.get(path, status=200)
        assert anonymous.get("/api/v1/catalogue", status=200).json["total"] >= 0
        officer.get("/officer", status=200)  # still logged in: the session survived
        assert anonymous.get("/healthz", status=200).json["checks"]["database"]["status"] == "ok"
    finally:
        app.registry["db_engine"].dispose()


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite's one write lock")
def test_a_lock_held_past_every_retry_is_a_503_with_one_request_id(seeded, tmp_path, caplog):
    """Another process holds SQLite's one write lock (a long import). A write request (a login
    attempt) waits the busy timeout, gets SQLITE_BUSY, and pyramid_retry runs it again, three
    times in all; then it is a 503, not a 500. The busy timeout is shortened from 10 s to 50 ms
    (after the app's own connection set-up) so that the test does not wait 30 s; the lock is
    real."""
    app = app_on(seeded.url, tmp_path)
    engine = app.registry["db_engine"]

    @event.listens_for(engine, "connect")
    def short_busy_timeout(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    engine.dispose()
    browser = TestApp(app, extra_environ={"HTTP_HOST": "example.com"})

    def log_in():
        form = browser.get("/login").forms[0]  # a read: WAL readers are not held up
        form["email"] = "nobody@example.gov.cn"
        form["password"] = "wrong-password-0"
        return form.submit(headers={"X-Request-Id": "support-ticket-42"}, expect_errors=True)

    assert "邮箱或密码错误" in log_in()
    holder = sqlite3.connect(make_url(seeded.url).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("CREATE TABLE lock_holder (x)")
        caplog.set_level(logging.WARNING, logger="disclosure.errors")
        got = log_in()
        assert got.status_int == 503 and int(got.headers["Retry-After"]) > 0
        assert got.headers["X-Request-Id"] == "support-ticket-42"
        assert "错误编号：<code>support-ticket-42</code>" in got.text
        attempts = [r for r in caplog.records if r.name == "disclosure.errors"]
        assert [r.levelname for r in attempts] == ["WARNING", "WARNING", "ERROR"]
        assert {r.request_id for r in attempts} == {"support-ticket-42"}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "邮箱或密码错误" in log_in()
    engine.dispose()


# --- a broken search index ---------------------------------------------------------------------


def _publish(factory, schema, item_data) -> str:
    with factory.begin() as db:
        township = next(o for o in OrganisationTree(db).orgs if o.kind == "township")
        catalogue = CatalogueService(db, schema)
        item = catalogue.create(township, item_data(title="政务公开检索故障测试通知"), None)
        catalogue.publish(item, None, TODAY)
        db.flush()
        return item.index_number


def _cli(tmp_path: Path, url: str, engine: str, *args: str) -> subprocess.CompletedProcess:
    ini = tmp_path / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": url,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
        "DISCLOSURE_SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "DISCLOSURE_SEARCH_BACKEND": engine,
    }
    return subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", args[0], str(ini), *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def _rest_of_the_site_works(browser, index_number: str) -> None:
    browser.get("/", status=200)
    browser.get("/catalogue", status=200)
    assert "政务公开检索故障测试通知" in browser.get(f"/catalogue/{index_number}", status=200)
    browser.get("/requests/new", status=200)
    browser.get("/api/v1/catalogue", status=200)


def _search_says_unavailable(browser) -> None:
    page = browser.get(f"/search?q={Q}", expect_errors=True)
    assert page.status_int == 503 and int(page.headers["Retry-After"]) > 0
    assert "检索服务暂时不可用" in page.text
    assert f"错误编号：{page.headers['X-Request-Id']}" in page.text
    assert "信息公开目录" in page.text  # the site's own page, with its navigation
    api = browser.get(f"/api/v1/search?q={Q}", expect_errors=True)
    assert api.status_int == 503 and int(api.headers["Retry-After"]) > 0
    assert api.json["error"].startswith("检索服务暂时不可用")
    assert api.json["request_id"] == api.headers["X-Request-Id"]


def test_a_broken_whoosh_index_stops_only_the_search(seeded, schema, item_data, tmp_path):
    """The live generation's segment files are deleted (a clean-up gone wrong). A truncated or
    overwritten segment fails the same way (struct.error, UnpicklingError: any exception from the
    engine), but Whoosh then leaves the segment's file for the garbage collector to close
    (whoosh/filedb/compound.py), which pytest reports in whichever test comes next."""
    app = app_on(seeded.url, tmp_path)
    try:
        index_number = _publish(app.registry["dbsession_factory"], schema, item_data)
        app.registry["search_indexer"].run_until_empty()
        browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        # broken before the site's first search opens the generation
        generation = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        segments = list(generation.glob("*.seg"))
        assert segments
        for segment in segments:
            segment.unlink()

        _search_says_unavailable(browser)
        _rest_of_the_site_works(browser, index_number)
        health = browser.get("/healthz", status=503).json
        assert health["checks"]["search"]["status"] == "fail"
        assert health["checks"]["search"]["error"].startswith("检索索引无法读取")
        assert health["checks"]["database"]["status"] == "ok"
        checked = _cli(tmp_path, seeded.url, "whoosh", "index-check")
        assert checked.returncode == 2, checked.stdout + checked.stderr
        assert "检索索引无法读取（whoosh）：FileNotFoundError: " in checked.stdout
        assert "disclosure reindex" in checked.stdout

        rebuilt = _cli(tmp_path, seeded.url, "whoosh", "reindex")
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        found = browser.get(f"/api/v1/search?q={Q}", status=200).json
        assert [h["index_number"] for h in found["hits"]] == [index_number]
        assert browser.get("/healthz", status=200).json["checks"]["search"]["status"] == "ok"
    finally:
        app.registry["db_engine"].dispose()


def test_a_deleted_whoosh_index_is_reported_empty(seeded, schema, item_data, tmp_path):
    """Whoosh makes a new, empty index where the folder was: searches find nothing, so
    /healthz and index-check must say the index is empty while the catalogue is not."""
    app = app_on(seeded.url, tmp_path)
    try:
        _publish(app.registry["dbsession_factory"], schema, item_data)
        app.registry["search_indexer"].run_until_empty()
        shutil.rmtree(tmp_path / "index")
        browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        assert browser.get(f"/api/v1/search?q={Q}", status=200).json["total"] == 0
        search = browser.get("/healthz", status=503).json["checks"]["search"]
        assert search["documents"] == 0 and search["error"].startswith("检索索引为空")
        checked = _cli(tmp_path, seeded.url, "whoosh", "index-check")
        assert checked.returncode == 1 and "缺失 1" in checked.stdout, checked.stdout
    finally:
        app.registry["db_engine"].dispose()


def test_a_dropped_sql_index_table_stops_only_the_search(seeded, schema, item_data, tmp_path):
    """The engine inside the database (FTS5 on SQLite, tsvector on PostgreSQL) loses its table."""
    engine_name = "postgresql" if backend() == "postgresql" else "sqlite"
    table = "search_engine_documents" if engine_name == "postgresql" else "search_engine_fts"
    app = app_on(seeded.url, tmp_path, **{"disclosure.search.backend": engine_name})
    try:
        index_number = _publish(app.registry["dbsession_factory"], schema, item_data)
        browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        # (another query than the one below: the page cache would answer that one)
        browser.get(f"/search?q={quote('通知')}", status=200)
        with seeded.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))

        _search_says_unavailable(browser)
        _rest_of_the_site_works(browser, index_number)
        health = browser.get("/healthz", status=503).json
        assert health["checks"]["search"]["engine"] == engine_name
        assert health["checks"]["search"]["status"] == "fail"
        assert health["checks"]["search"]["error_type"] in ("OperationalError", "ProgrammingError")
        assert health["checks"]["database"]["status"] == "ok"
        checked = _cli(tmp_path, seeded.url, engine_name, "index-check")
        assert checked.returncode == 2, checked.stdout + checked.stderr
        assert f"检索索引无法读取（{engine_name}）" in checked.stdout
        assert table in checked.stdout  # the driver's message names the missing table
    finally:
        app.registry["db_engine"].dispose()
