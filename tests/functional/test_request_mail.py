"""Real SMTP (an aiosmtpd server started by the test) on committed data: acknowledgements,
reminders once per case per day, and no acknowledgement without a commit. Mail goes through the
outbox; the tests run its sender once where a mail is expected."""

import email
import logging
import socket
from datetime import date, timedelta
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
import webtest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from disclosure import main
from disclosure.accounts.services import create_user
from disclosure.models import DisclosureRequest, MailOutbox, Organisation
from disclosure.requests.mail import mailer_from_settings
from disclosure.requests.reminders import remind

from ..conftest import TODAY
from .test_requests import resident_id


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def bodies(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SimpleNamespace(sink=sink, port=controller.port)
    controller.stop()


@pytest.fixture
def live(databases, schema, tmp_path, smtp):
    seeded = databases.seeded(schema)
    url, engine, factory = seeded.url, seeded.engine, seeded.factory
    with factory.begin() as db:
        civil = db.scalars(
            select(Organisation).where(Organisation.category_tree == "civil_affairs")
        ).first()
        create_user(db, "officer@civil.example.gov.cn", "correct-horse-battery", civil, "officer")
        create_user(db, "admin@civil.example.gov.cn", "correct-horse-battery", civil, "org_admin")
        civil_code = civil.code
    settings = {
        "disclosure.database_url": url,
        "disclosure.session_secret": "x",
        "disclosure.files_dir": str(tmp_path / "files"),
        "disclosure.search.index_dir": str(tmp_path / "index"),
        "disclosure.search.indexer": "off",
        "disclosure.mail.host": "127.0.0.1",
        "disclosure.mail.port": str(smtp.port),
        "disclosure.mail.worker": "off",  # the tests run the sender themselves
    }
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    yield SimpleNamespace(
        app=app,
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        factory=factory,
        civil=civil_code,
        settings=settings,
        smtp=smtp,
    )
    app.registry["db_engine"].dispose()
    engine.dispose()


def application(live, **extra):
    return {
        "applicant_type": "person",
        "name": "吴十",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "phone": "13600000000",
        "email": "wushi@example.com",
        "address": "咸阳市秦都区渭阳西路3号",
        "organisation": live.civil,
        "description": "请提供低保审批流程文件",
        "delivery_form": "electronic",
        "delivery_channel": "email",
        "consent": True,
        **extra,
    }


def count(live, model=DisclosureRequest) -> int:
    with live.factory() as db:
        return db.scalar(select(func.count()).select_from(model))


def send(live):
    return live.app.registry["mail_sender"].run_once()


class FailingCommit:
    """A resource manager that makes the commit fail after the view has run."""

    sortKey = staticmethod(lambda: "zzz")  # noqa: E731

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        raise RuntimeError("database went away")

    def tpc_abort(self, txn):
        pass

    def tpc_finish(self, txn):
        pass


def test_the_acknowledgement_is_mailed_after_commit(live, caplog):
    caplog.set_level(logging.DEBUG)
    res = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    assert count(live) == 1 and count(live, MailOutbox) == 1
    assert live.smtp.sink.messages == []  # queued with the application, sent by the sender
    assert send(live).sent == 1
    (message,) = live.smtp.sink.messages
    body = live.smtp.sink.bodies()[0]
    assert message["To"] == "wushi@example.com"
    assert res["tracking_number"] in message["Subject"]
    for text in (res["tracking_number"], res["access_code"], "2026-11-20", "2026-12-18"):
        assert text in body
    # personal data never reaches the logs
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert resident_id() not in logged and "13600000000" not in logged


def test_no_commit_no_acknowledgement(live, monkeypatch):
    from disclosure.requests import views

    original = views.acknowledge

    def acknowledge_then_fail(request, submission):
        original(request, submission)
        request.tm.get().join(FailingCommit())

    monkeypatch.setattr(views, "acknowledge", acknowledge_then_fail)
    res = live.testapp.post_json("/api/v1/requests", application(live), expect_errors=True)
    assert res.status_int == 500 and "tracking_number" not in res.text
    assert count(live) == 0 and count(live, MailOutbox) == 0
    assert not send(live)
    assert live.smtp.sink.messages == []


def test_reminders_once_per_case_per_day(live):
    rules = live.app.registry["request_rules"]
    mailer = mailer_from_settings(
        {
            f"disclosure.{k}": v
            for k, v in {
                "mail.host": "127.0.0.1",
                "mail.port": str(live.smtp.port),
                "mail.default_sender": "noreply@example.gov.cn",
            }.items()
        }
    )
    for _ in range(3):
        live.testapp.post_json(
            "/api/v1/requests",
            {**application(live), "email": ""} | {"delivery_channel": "collect"},
            status=201,
        )
    with live.factory.begin() as db:
        rows = db.scalars(select(DisclosureRequest).order_by(DisclosureRequest.id)).all()
        rows[0].due_on = TODAY - timedelta(days=2)  # overdue
        rows[1].due_on = date(2026, 11, 24)  # due in 2 working days: due soon
        rows[2].due_on = date(2026, 12, 18)  # not yet
        numbers = [r.tracking_number for r in rows]
    live.smtp.sink.messages.clear()
    with live.factory() as db:
        first = remind(db, rules, mailer, TODAY)
    assert (first.mails, first.cases) == (1, 2)
    (message,) = live.smtp.sink.messages
    assert sorted(message["To"].addresses[i].addr_spec for i in range(2)) == [
        "admin@civil.example.gov.cn",
        "officer@civil.example.gov.cn",
    ]
    body = live.smtp.sink.bodies()[0]
    assert numbers[0] in body and "已逾期" in body and numbers[1] in body and "即将到期" in body
    assert numbers[2] not in body
    with live.factory() as db:
        again = remind(db, rules, mailer, TODAY)
    assert (again.mails, again.skipped) == (0, 2) and len(live.smtp.sink.messages) == 1
    with live.factory() as db:
        tomorrow = remind(db, rules, mailer, TODAY + timedelta(days=1))
    assert tomorrow.mails == 1 and len(live.smtp.sink.messages) == 2


def test_corrections_not_made_in_time_are_listed_for_an_officer_not_abandoned(live, capsys):
    """Art. 30: without a correction in time *and without good reason* the request is deemed
    abandoned; whether the reason is good is for an officer, so the command only lists the
    case (in its output and in the officers' reminder), and the case stays open."""
    from disclosure.scripts.cli import cmd_remind

    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    with live.factory.begin() as db:
        req = db.scalars(select(DisclosureRequest)).one()
        req.status, req.correction_deadline = "correction", date(2026, 11, 25)
        req.due_on = date(2026, 11, 19)  # stale: no period runs while a correction is awaited
    settings = {
        "disclosure.mail.host": "127.0.0.1",
        "disclosure.mail.port": str(live.smtp.port),
        "disclosure.mail.default_sender": "x@example.gov.cn",
    }
    mailer = mailer_from_settings(settings)
    rules = live.app.registry["request_rules"]
    live.smtp.sink.messages.clear()
    with live.factory() as db:
        on_the_day = remind(db, rules, mailer, date(2026, 11, 25))
    assert on_the_day.corrections_overdue == [] and on_the_day.mails == 0  # not overdue either
    with live.factory() as db:
        env = SimpleNamespace(session=lambda: db, settings={**live.settings, **settings})
        assert cmd_remind(env, SimpleNamespace(today="2026-11-26")) == 0
    out = capsys.readouterr().out
    assert "待工作人员决定是否视为放弃 1 件" in out
    assert f"补正期限已过，待决定：{made['tracking_number']}" in out
    (body,) = live.smtp.sink.bodies()
    assert f"【补正期限已过，待决定】 {made['tracking_number']}" in body
    assert "补正期限 2026-11-25，请决定是否视为放弃" in body and "【已逾期】" not in body
    api = live.testapp.get(
        f"/api/v1/requests/{made['tracking_number']}",
        headers={"X-Access-Code": made["access_code"]},
    ).json
    assert api["status"] == "correction" and api["history"][-1]["action"] == "submit"
    with live.factory() as db:
        assert db.scalars(select(DisclosureRequest)).one().outcome == ""


def test_an_issued_letter_is_mailed_as_a_pdf_attachment(live):
    import hashlib

    from ..conftest import TestApp

    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    officer = TestApp(live.app, extra_environ={"HTTP_HOST": "example.com"})
    officer.login("officer@civil.example.gov.cn")
    with live.factory() as db:
        req_id, lock_version = db.execute(
            select(DisclosureRequest.id, DisclosureRequest.lock_version)
        ).one()
    send(live)
    live.smtp.sink.messages.clear()
    officer.post(
        f"/officer/requests/{req_id}/letters",
        {
            "csrf_token": officer.csrf_token(),
            "kind": "acknowledgement",
            "variant": "default",
            "lock_version": lock_version,
        },
        status=303,
    )
    assert live.smtp.sink.messages == []
    assert send(live).sent == 1
    (message,) = live.smtp.sink.messages
    (attachment,) = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert attachment.get_content_type() == "application/pdf" and pdf.startswith(b"%PDF")
    from disclosure.models import Letter

    with live.factory() as db:
        letter = db.scalars(select(Letter)).one()
        assert hashlib.sha256(pdf).hexdigest() == letter.sha256
        assert letter.number in message["Subject"] and letter.emailed_at is not None
    served = live.testapp.get(
        f"/api/v1/requests/{made['tracking_number']}/letters/{letter.id}",
        headers={"X-Access-Code": made["access_code"]},
    )
    assert served.body == pdf
