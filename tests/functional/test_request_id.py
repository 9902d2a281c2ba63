"""Request ids: in the ``X-Request-Id`` response header, in every log line of the request, and
on the error pages; a hostile incoming id is replaced."""

from __future__ import annotations

import configparser
import logging
import re
import threading

import pytest
import webtest
from pyramid.config import Configurator

from disclosure import main
from disclosure.observability import OUTSIDE

from ..conftest import ROOT, TODAY

GENERATED = re.compile(r"[0-9a-f]{32}")
BAD_QUERY = "/search?q=%ff"  # invalid UTF-8: refused at the boundary, with a log line


def _boundary_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "disclosure.boundary"]


def test_an_incoming_id_is_kept_and_written_into_the_log_lines(testapp, caplog):
    caplog.set_level(logging.INFO, logger="disclosure.boundary")
    got = testapp.get(BAD_QUERY, headers={"X-Request-Id": "lb-7f3a.trace_01"}, status=400)
    assert got.headers["X-Request-Id"] == "lb-7f3a.trace_01"
    (record,) = _boundary_records(caplog)
    assert record.request_id == "lb-7f3a.trace_01"


def test_without_one_each_request_gets_a_new_id(testapp, caplog):
    caplog.set_level(logging.INFO, logger="disclosure.boundary")
    first = testapp.get(BAD_QUERY, status=400).headers["X-Request-Id"]
    second = testapp.get(BAD_QUERY, status=400).headers["X-Request-Id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second
    assert [r.request_id for r in _boundary_records(caplog)] == [first, second]
    assert GENERATED.fullmatch(testapp.get("/", status=200).headers["X-Request-Id"])


@pytest.mark.parametrize(
    "hostile",
    [
        "abc123\n2026-11-20 INFO [disclosure] forged line",
        "a" * 65,
        "short",
        "has spaces in it",
        "quote\"and'<script>",
        "",
    ],
)
def test_a_hostile_id_is_replaced(testapp, caplog, hostile):
    caplog.set_level(logging.INFO, logger="disclosure.boundary")
    got = testapp.get(BAD_QUERY, extra_environ={"HTTP_X_REQUEST_ID": hostile}, status=400)
    replaced = got.headers["X-Request-Id"]
    assert replaced != hostile and GENERATED.fullmatch(replaced)
    assert [r.request_id for r in _boundary_records(caplog)] == [replaced]


def test_log_lines_outside_a_request_say_so(caplog):
    caplog.set_level(logging.INFO, logger="disclosure.tests")
    log = logging.getLogger("disclosure.tests")
    log.info("at start-up")
    worker = threading.Thread(target=log.info, args=("in a worker thread",))
    worker.start()
    worker.join()
    assert [r.request_id for r in caplog.records] == [OUTSIDE, OUTSIDE]


@pytest.mark.parametrize("ini", ["production.ini", "development.ini", "testing.ini"])
def test_the_ini_formats_print_the_id(ini):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / ini)
    fmt = parser["formatter_generic"]["format"]
    assert "%(request_id)s" in fmt
    record = logging.getLogger("disclosure.tests").makeRecord(
        "disclosure.tests", logging.WARNING, __file__, 1, "hello", (), None
    )
    assert "[-]" in logging.Formatter(fmt).format(record)  # any record can be formatted


@pytest.fixture
def failing_site(databases, schema, tmp_path):
    """The site, with one more view that fails as a bug would (a test-only route)."""
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

    def broken(request):
        raise RuntimeError("a bug")

    config = Configurator(registry=app.registry)
    for name, path in (("test_broken", "/test-broken"), ("test_api_broken", "/api/test-broken")):
        config.add_route(name, path)
        config.add_view(broken, route_name=name)
    config.commit()
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def test_the_500_page_shows_the_id_of_its_log_line(failing_site, caplog):
    caplog.set_level(logging.ERROR, logger="disclosure.errors")
    page = failing_site.get("/test-broken", status=500)
    request_id = page.headers["X-Request-Id"]
    assert "服务器内部错误" in page.text and f"错误编号：{request_id}" in page.text
    api = failing_site.get("/api/test-broken", headers={"X-Request-Id": "client-0042"}, status=500)
    assert api.json == {"error": "服务器内部错误，请稍后再试。", "request_id": "client-0042"}
    assert api.headers["X-Request-Id"] == "client-0042"
    logged = [
        (r.request_id, r.exc_info[0]) for r in caplog.records if r.name == "disclosure.errors"
    ]
    assert logged == [(request_id, RuntimeError), ("client-0042", RuntimeError)]
