"""The mail outbox: mail is queued in the transaction of its data and sent after commit, to a
real SMTP server (aiosmtpd), with retries. Time is injected (``now=``), never slept through."""

import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import webtest
from aiosmtpd.controller import Controller
from pyramid_mailer.message import Message
from sqlalchemy import func, select

from disclosure import main
from disclosure.accounts.services import create_user
from disclosure.files.services import LocalFileStorage
from disclosure.mail.backends import LogMailer
from disclosure.mail.outbox import BACKOFF, LEASE, MailSender, enqueue
from disclosure.models import DisclosureRequest, MailOutbox, Organisation
from disclosure.models.mail import MailKind, MailStatus
from disclosure.requests.mail import mailer_from_settings

from ..conftest import PASSWORD, ROOT, TODAY, TestApp
from .test_request_mail import FailingCommit, Sink, application, free_port
from .test_requests import resident_id

NOW = datetime(2026, 11, 20, 2, 0)  # 10:00 in Beijing, on TODAY
OFFICER = "mail.officer@civil.example.gov.cn"


@pytest.fixture
def server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SimpleNamespace(sink=sink, port=controller.port)
    controller.stop()


def make_live(databases, schema, tmp_path, port: int, **extra):
    seeded = databases.seeded(schema)
    with seeded.factory.begin() as db:
        civil = db.scalars(
            select(Organisation).where(Organisation.category_tree == "civil_affairs")
        ).first()
        create_user(db, OFFICER, PASSWORD, civil, "officer")
        civil_code = civil.code
    settings = {
        "disclosure.database_url": seeded.url,
        "disclosure.session_secret": "x",
        "disclosure.files_dir": str(tmp_path / "files"),
        "disclosure.search.index_dir": str(tmp_path / "index"),
        "disclosure.search.indexer": "off",
        "disclosure.mail.host": "127.0.0.1",
        "disclosure.mail.port": str(port),
        "disclosure.mail.worker": "off",
        **extra,
    }
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    app.registry["disclosure.now"] = lambda: NOW
    return SimpleNamespace(
        app=app,
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        factory=seeded.factory,
        engine=seeded.engine,
        civil=civil_code,
        settings=settings,
        url=seeded.url,
        tmp_path=tmp_path,
    )


@pytest.fixture
def live(databases, schema, tmp_path, server):
    w = make_live(databases, schema, tmp_path, server.port)
    w.server = server
    yield w
    w.app.registry["db_engine"].dispose()
    w.engine.dispose()


def sender_for(live, port: int, **kwargs) -> MailSender:
    """A sender like the application's, pointed at ``port`` (a closed one: the server is down)."""
    mailer = mailer_from_settings({**live.settings, "disclosure.mail.port": str(port)})
    storage = LocalFileStorage.from_settings(live.settings)
    return MailSender(live.app.registry["dbsession_factory"], mailer, storage, **kwargs)


def rows(live) -> list[MailOutbox]:
    with live.factory() as db:
        found = db.scalars(select(MailOutbox).order_by(MailOutbox.id)).all()
        db.expunge_all()
        return found


def case_page(live) -> str:
    officer = TestApp(live.app, extra_environ={"HTTP_HOST": "example.com"})
    officer.login(OFFICER)
    with live.factory() as db:
        req_id = db.scalar(select(DisclosureRequest.id))
    return officer.get(f"/officer/requests/{req_id}").text


def test_mail_is_queued_only_if_the_transaction_commits(live, monkeypatch):
    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    (row,) = rows(live)
    assert (row.kind, row.status, row.attempts) == (MailKind.ACKNOWLEDGEMENT, "pending", 0)
    assert made["tracking_number"] in row.subject and row.recipients == ["wushi@example.com"]
    assert row.request_id is not None and row.next_attempt_at == NOW
    assert live.server.sink.messages == []  # nothing is sent inside the request

    from disclosure.requests import views

    original = views.acknowledge

    def acknowledge_then_fail(request, submission):
        original(request, submission)
        request.tm.get().join(FailingCommit())

    monkeypatch.setattr(views, "acknowledge", acknowledge_then_fail)
    res = live.testapp.post_json("/api/v1/requests", application(live), expect_errors=True)
    assert res.status_int == 500 and "tracking_number" not in res.text
    assert len(rows(live)) == 1  # no application, no mail
    with live.factory() as db:
        assert db.scalar(select(func.count()).select_from(DisclosureRequest)) == 1


def test_the_sender_delivers_to_a_real_smtp_server(live):
    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    report = live.app.registry["mail_sender"].run_once(NOW)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    (message,) = live.server.sink.messages
    assert message["To"] == "wushi@example.com" and made["tracking_number"] in message["Subject"]
    assert made["access_code"] in live.server.sink.bodies()[0]
    (row,) = rows(live)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, NOW)
    # delivered: the access code and the address are not kept in the outbox
    assert row.body == "" and row.recipients == []
    assert not live.app.registry["mail_sender"].run_once(NOW + timedelta(days=1))
    assert len(live.server.sink.messages) == 1
    page = case_page(live)
    assert "邮件通知" in page and "已发送" in page and "2026-11-20 10:00" in page


def test_a_failure_is_retried_after_a_backoff_and_then_sent(live):
    live.testapp.post_json("/api/v1/requests", application(live), status=201)
    down = sender_for(live, free_port())  # nothing listens there: the server is down
    report = down.run_once(NOW)
    assert (report.sent, report.retrying) == (0, 1)
    (row,) = rows(live)
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == NOW + BACKOFF[0] and row.next_attempt_at > NOW
    assert row.last_error.startswith("ConnectionRefusedError")
    assert "wushi" not in row.last_error
    assert [e["error"] for e in row.attempt_log] == [row.last_error]
    page = case_page(live)
    assert "发送失败（将重试）" in page and "2026-11-20 10:01 重试" in page

    assert not down.run_once(NOW + timedelta(seconds=30))  # not due yet: nothing tried
    assert rows(live)[0].attempts == 1

    back = sender_for(live, live.server.port)  # the server is back
    assert not back.run_once(NOW + timedelta(seconds=59))
    assert back.run_once(NOW + BACKOFF[0]).sent == 1
    (message,) = live.server.sink.messages
    (row,) = rows(live)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert [bool(e["error"]) for e in row.attempt_log] == [True, False]
    assert "已发送" in case_page(live)


def test_after_the_last_attempt_the_message_is_failed_and_kept(live):
    live.testapp.post_json("/api/v1/requests", application(live), status=201)
    down = sender_for(live, free_port())
    at = NOW
    for attempt in range(1, down.max_attempts + 1):
        report = down.run_once(at)
        (row,) = rows(live)
        assert row.attempts == attempt
        if attempt < down.max_attempts:
            assert report.retrying == 1 and row.status == "pending"
            assert row.next_attempt_at == at + BACKOFF[attempt - 1]
            at = row.next_attempt_at
    assert report.failed == 1 and row.status == "failed" and len(row.attempt_log) == 6
    assert row.body and row.recipients  # nothing is lost
    assert not down.run_once(at + timedelta(days=30))  # failed: not tried again by itself
    assert "发送失败（不再重试）" in case_page(live)

    back = sender_for(live, live.server.port)
    assert back.retry_failed(at) == 1  # `disclosure mail-worker --retry-failed`
    assert back.run_once(at).sent == 1 and len(live.server.sink.messages) == 1


def test_a_sender_that_dies_mid_send_loses_nothing(live):
    live.testapp.post_json("/api/v1/requests", application(live), status=201)

    class Dies:
        def send_immediately(self, message):
            raise SystemExit("killed")

    dying = MailSender(live.app.registry["dbsession_factory"], Dies())
    with pytest.raises(SystemExit):
        dying.run_once(NOW)
    (row,) = rows(live)  # claimed: nobody else sends it while the lease runs
    assert row.status == "pending" and row.attempts == 1
    back = sender_for(live, live.server.port)
    assert not back.run_once(NOW + LEASE - timedelta(seconds=1))
    assert back.run_once(NOW + LEASE).sent == 1 and len(live.server.sink.messages) == 1


def test_the_log_backend_marks_sent_and_logs_no_body(live, caplog):
    caplog.set_level(logging.DEBUG)
    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    sender = MailSender(live.app.registry["dbsession_factory"], LogMailer())
    assert sender.run_once(NOW).sent == 1
    (row,) = rows(live)
    assert row.status == "sent" and row.sent_at == NOW
    assert live.server.sink.messages == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert made["tracking_number"] in logged and "w***@example.com" in logged
    for secret in (made["access_code"], "wushi@example.com", "吴十", resident_id(), "13600000000"):
        assert secret not in logged
    assert "申请已收到" in logged and "答复期限" not in logged  # the subject, not the body


def test_log_backend_setting(databases, schema, tmp_path):
    w = make_live(databases, schema, tmp_path, 1, **{"disclosure.mail.backend": "log"})
    try:
        assert isinstance(w.app.registry["mailer"], LogMailer)
        w.testapp.post_json("/api/v1/requests", application(w), status=201)
        assert w.app.registry["mail_sender"].run_once(NOW).sent == 1
    finally:
        w.app.registry["db_engine"].dispose()
        w.engine.dispose()
    with pytest.raises(Exception, match="mail.backend"):
        main({}, **{**w.settings, "disclosure.mail.backend": "carrier-pigeon"})


def test_the_thread_sends_after_commit(databases, schema, tmp_path, server):
    w = make_live(databases, schema, tmp_path, server.port, **{"disclosure.mail.worker": "thread"})
    thread = w.app.registry["mail_sender_thread"]
    try:
        assert not thread.is_alive()  # nothing to send yet: not started
        w.testapp.post_json("/api/v1/requests", application(w), status=201)
        deadline = time.monotonic() + 20
        while not server.sink.messages and time.monotonic() < deadline:
            time.sleep(0.05)  # the thread runs on its own: wait for its delivery
        assert len(server.sink.messages) == 1 and thread.is_alive()
    finally:
        thread.stop()
        thread.join(10)
        w.app.registry["db_engine"].dispose()
        w.engine.dispose()


def test_mail_worker_command(databases, schema, tmp_path, server):
    seeded = databases.seeded(schema)
    with seeded.factory.begin() as db:
        enqueue(
            db,
            Message(subject="测试提醒", recipients=["officer@example.gov.cn"], body="正文"),
            MailKind.REMINDER,
        )
    ini = tmp_path / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": seeded.url,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
        "DISCLOSURE_MAIL_HOST": "127.0.0.1",
        "DISCLOSURE_MAIL_PORT": str(server.port),
    }
    done = subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", "mail-worker", str(ini), "--once"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "发送 1 封" in done.stderr and "待发送 0 封" in done.stdout
    (message,) = server.sink.messages
    assert message["Subject"] == "测试提醒"
    with seeded.factory() as db:
        assert db.scalar(select(MailOutbox.status)) == MailStatus.SENT
    seeded.engine.dispose()
