"""Faults while an application is filed: the process killed (SIGKILL) mid-submit, and the mail
server down.

The kill tests run the application in a real process of its own (``tests/faultapp.py``, served
by waitress on a loopback port) with a fault point configured by the test only: at the point
the process writes the point's name to a pipe and blocks. The test posts an application with a
proof of identity (multipart, from a thread), waits for the name by a blocking read of the
pipe, sends SIGKILL and looks at what is left: either the whole application, retrievable by
the applicant, or nothing at all, and (after ``disclosure files-gc``) no orphan file.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlalchemy import select as sql_select

from disclosure.files.services import LocalFileStorage, store_content
from disclosure.mail.outbox import BACKOFF
from disclosure.models import (
    DisclosureRequest,
    IdempotencyKey,
    MailOutbox,
    Organisation,
    RequestEvent,
    RequestFile,
)
from disclosure.models.mail import MailKind

from ..conftest import ROOT, TODAY
from .test_idempotent_submit import fill
from .test_mail_outbox import make_live
from .test_request_mail import Sink, free_port

NOW = datetime(2026, 11, 20, 2, 0)  # 10:00 in Beijing, on TODAY
PROOF = b"%PDF-1.4\n1 0 obj<<>>endobj\n% proof of identity FAULT-TEST\ntrailer<<>>\n%%EOF\n"
WAIT = 120  # seconds: an upper bound for a blocking read, never slept through
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding"}


def read_line(fd: int, timeout: float = WAIT) -> str:
    """One line from the pipe; '' when the writer is gone. Blocks (select) up to ``timeout``."""
    deadline = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise TimeoutError(f"nothing on the pipe within {timeout} s (so far {buf!r})")
        chunk = os.read(fd, 1)
        if not chunk:
            break
        buf += chunk
    return buf.decode()


class Forward:
    """A WSGI app that sends every request on to the real server, so WebTest's forms, uploads
    and cookies drive the application in the other process over HTTP."""

    def __init__(self) -> None:
        self.port = 0

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            conn.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        start_response(
            f"{response.status} {response.reason}",
            [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP],
        )
        return [data]


class Site:
    """A seeded database, a file store, and application processes started on them."""

    def __init__(self, seeded, civil: str, tmp_path: Path) -> None:
        self.seeded, self.civil, self.tmp_path = seeded, civil, tmp_path
        self.files = tmp_path / "files"
        self.settings = {
            "disclosure.database_url": seeded.url,
            "disclosure.session_secret": "fault-secret",
            "disclosure.files_dir": str(self.files),
            "disclosure.search.index_dir": str(tmp_path / "index"),
            "disclosure.search.indexer": "off",
            "disclosure.mail.host": "127.0.0.1",
            "disclosure.mail.port": "1",
            "disclosure.mail.worker": "off",
        }
        self.forward = Forward()
        self.browser = webtest.TestApp(self.forward, extra_environ={"HTTP_HOST": "example.com"})
        self.processes: list[subprocess.Popen] = []

    def start(self, fault: str | None = None):
        """Start the application (with ``fault``); the browser now talks to it."""
        n = len(self.processes)
        read_end, write_end = os.pipe()
        config = self.tmp_path / f"app{n}.json"
        config.write_text(
            json.dumps(
                {
                    "settings": self.settings,
                    "today": TODAY.isoformat(),
                    "now": NOW.isoformat(),
                    "fault": fault,
                    "fd": write_end,
                }
            )
        )
        log = (self.tmp_path / f"app{n}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faultapp", str(config)],
            cwd=ROOT,
            pass_fds=(write_end,),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        os.close(write_end)
        log.close()
        self.processes.append(proc)
        proc.pipe = read_end
        line = read_line(read_end)
        assert line.startswith("ready "), (self.tmp_path / f"app{n}.log").read_text()
        self.forward.port = int(line.split()[1])
        return proc

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(proc.pipe)

    def count(self, model) -> int:
        with self.seeded.engine.connect() as conn:
            return conn.scalar(sql_select(func.count()).select_from(model))

    def stored(self) -> list[str]:
        return [name for name, _ in LocalFileStorage(self.files).stored()]

    def files_gc(self, now: datetime | str, *extra: str, rc: int = 0):
        ini = self.tmp_path / "cli.ini"
        ini.write_text(
            (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
        )
        env = {
            **os.environ,
            "DISCLOSURE_DATABASE_URL": self.seeded.url,
            "DISCLOSURE_FILES_DIR": str(self.files),
        }
        done = subprocess.run(
            [sys.executable, "-m", "disclosure.scripts.cli", "files-gc", str(ini)]
            + ["--now", now if isinstance(now, str) else now.isoformat(), *extra],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.tmp_path,
            timeout=300,
        )
        assert done.returncode == rc, done.stderr
        return done


@pytest.fixture
def site(databases, schema, tmp_path):
    seeded = databases.seeded(schema)
    with seeded.factory() as db:
        civil = db.scalar(
            sql_select(Organisation.code).where(Organisation.category_tree == "civil_affairs")
        )
    site = Site(seeded, civil, tmp_path)
    yield site
    site.stop()
    seeded.engine.dispose()


def application_form(site: Site):
    form = fill(site.browser.get("/requests/new").forms["deform"], SimpleNamespace(code=site.civil))
    form["upload"] = ("身份证明.pdf", PROOF)
    return form


def submit_and_kill(site: Site, proc, form, point: str) -> dict:
    """Post ``form`` from a thread, wait until the process reaches ``point``, kill it."""
    outcome: dict = {}

    def post():
        try:
            outcome["response"] = form.submit("submit", status="*")
        except Exception as exc:  # the connection dies with the process
            outcome["error"] = exc

    thread = threading.Thread(target=post)
    thread.start()
    assert read_line(proc.pipe) == f"{point}\n"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(WAIT) == -signal.SIGKILL
    thread.join(WAIT)
    assert not thread.is_alive()
    assert "response" not in outcome, "the killed process answered"
    return outcome


def proof_key() -> str:
    digest = hashlib.sha256(PROOF).hexdigest()
    return f"{digest[:2]}/{digest}"


def tracking_of(location: str) -> str:
    url = urlsplit(location)
    assert url.path == "/requests/receipt"
    return parse_qs(url.query)["n"][0]


def written_at(site: Site) -> datetime:
    """The newest file's modification time, as a naive UTC datetime: the sweep's clock is set
    relative to it, so the test does not depend on the host's clock."""
    newest = max(mtime for _, mtime in LocalFileStorage(site.files).stored())
    return datetime.fromtimestamp(newest, UTC).replace(tzinfo=None)


@pytest.mark.parametrize("point", ["after_put", "before_commit"])
def test_killed_before_commit_leaves_nothing_and_the_sweep_removes_the_file(site, point):
    proc = site.start(fault=point)
    form = application_form(site)
    submit_and_kill(site, proc, form, point)

    # nothing of the application: no case, proof row, history, mail or idempotency record
    for model in (DisclosureRequest, RequestFile, RequestEvent, MailOutbox, IdempotencyKey):
        assert site.count(model) == 0, model.__name__
    # the proof's bytes were written first: an orphan, named by no row
    assert site.stored() == [proof_key()]

    # within the grace period the sweep keeps it (another worker may be about to commit it)
    at = written_at(site)
    kept = site.files_gc(at + timedelta(hours=23))
    assert "已删除 0 个" in kept.stdout and "宽限期内 1 个" in kept.stdout
    assert site.stored() == [proof_key()]
    # past the grace period it is removed, and the command says which file
    swept = site.files_gc(at + timedelta(hours=25))
    assert f"已删除 {proof_key()}" in swept.stdout and "已删除 1 个" in swept.stdout
    assert site.stored() == []

    # the applicant, who got no answer, sends the same form again: it is filed, once
    site.start()
    res = form.submit("submit", status=303)
    tracking = tracking_of(res.location)
    assert res.follow(status=200).html.find(id="tracking-number").text == tracking
    assert site.count(DisclosureRequest) == 1 and site.count(RequestFile) == 1
    assert site.stored() == [proof_key()]
    assert LocalFileStorage(site.files).get(proof_key()) == PROOF


def test_killed_after_commit_leaves_the_whole_application(site):
    proc = site.start(fault="after_commit")
    form = application_form(site)
    submit_and_kill(site, proc, form, "after_commit")

    # the whole application: the case, its proof (row and bytes), its history, the
    # acknowledgement waiting in the outbox, and the form's one-time token spent on it
    with site.seeded.factory() as db:
        (req,) = db.scalars(sql_select(DisclosureRequest)).all()
        (proof,) = req.files
        assert proof.sha256 == hashlib.sha256(PROOF).hexdigest()
        assert proof.storage_key == proof_key() and proof.filename == "身份证明.pdf"
        assert len(req.events) >= 1
        (mail,) = db.scalars(sql_select(MailOutbox)).all()
        assert mail.kind == MailKind.ACKNOWLEDGEMENT and mail.status == "pending"
        assert req.tracking_number in mail.subject and mail.request_id == req.id
        (token,) = db.scalars(sql_select(IdempotencyKey)).all()
        assert token.request_id == req.id
        tracking = req.tracking_number
    assert LocalFileStorage(site.files).get(proof_key()) == PROOF

    # the applicant, who got no answer, sends the same form again to the restarted service:
    # the receipt of the application already filed, with its access code; nothing new filed
    site.start()
    res = form.submit("submit", status=303)
    assert tracking_of(res.location) == tracking
    receipt = res.follow(status=200)
    assert receipt.html.find(id="tracking-number").text == tracking
    code = receipt.html.find(id="access-code").text
    assert site.count(DisclosureRequest) == 1 and site.count(RequestFile) == 1

    # retrievable by tracking number and access code: the status page and the API
    status = site.browser.get("/requests/status").forms[0]
    status["tracking_number"], status["access_code"] = tracking, code
    page = status.submit(status=200)
    assert tracking in page.text and "追踪号或查询码不正确" not in page.text
    body = site.browser.get(
        f"/api/v1/requests/{tracking}", headers={"X-Access-Code": code}, status=200
    ).json
    assert body["tracking_number"] == tracking

    # the sweep keeps a referenced file, however old
    swept = site.files_gc(written_at(site) + timedelta(days=400))
    assert "已删除 0 个" in swept.stdout and "有引用 1 个" in swept.stdout
    assert site.stored() == [proof_key()]


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_keeps_what_is_referenced_or_recent_and_removes_old_debris(site):
    """References are every storage_key/pdf_key column and the mail outbox's attachments; a
    file put again is young again; killed writes' temporary files go; other files stay."""
    from disclosure.files.gc import key_columns, sweep

    names = {f"{c.table.name}.{c.name}" for c in key_columns()}
    assert {
        "request_files.storage_key",
        "letters.storage_key",
        "attachments.storage_key",
        "released_documents.storage_key",
        "annual_reports.pdf_key",
    } <= names

    storage = LocalFileStorage(site.files)
    mailed, orphan, again = (store_content(storage, d)[1] for d in (b"mailed", b"orphan", b"again"))
    killed = site.files / orphan.split("/")[0] / ".upload-killed"
    killed.write_bytes(b"half a file")
    stranger = site.files / "README"
    stranger.write_text("not ours")
    # every file was written ten days ago
    long_ago = (written_at(site) - timedelta(days=10)).replace(tzinfo=UTC).timestamp()
    for path in (*(site.files / k for k in (mailed, orphan, again)), killed, stranger):
        os.utime(path, (long_ago, long_ago))
    with site.seeded.factory.begin() as db:
        db.add(
            MailOutbox(
                kind=MailKind.REMINDER,
                subject="附件",
                attachments=[{"filename": "a.pdf", "content_type": "x", "storage_key": mailed}],
            )
        )
    store_content(storage, b"again")  # an upload of the same bytes, in flight: young again

    at = datetime.fromtimestamp(long_ago, UTC).replace(tzinfo=None) + timedelta(hours=25)
    with site.seeded.factory() as db:
        dry = sweep(db, storage, at, timedelta(hours=24), dry_run=True)
        assert sorted(dry.removed) == sorted([orphan, f"{orphan[:2]}/.upload-killed"])
        assert len(site.stored()) == 4  # a dry run removes nothing
        report = sweep(db, storage, at, timedelta(hours=24))
    assert sorted(report.removed) == sorted(dry.removed)
    assert (report.referenced, report.kept_recent) == (1, 1)
    assert sorted(site.stored()) == sorted([mailed, again]) and stranger.exists()

    bad = site.files_gc("yesterday", rc=2)
    assert "--now" in bad.stderr


# --- the mail server down --------------------------------------------------------------------


def test_smtp_down_the_application_is_acknowledged_and_the_mail_waits(databases, schema, tmp_path):
    """Nothing listens on the configured SMTP port when the application is filed (connection
    refused): the applicant gets the receipt, the acknowledgement waits in the outbox with a
    later attempt time, and goes out once a server listens there and the backoff has passed."""
    port = free_port()
    live = make_live(databases, schema, tmp_path, port)
    controller = None
    try:
        form = fill(
            live.testapp.get("/requests/new").forms["deform"], SimpleNamespace(code=live.civil)
        )
        form["upload"] = ("身份证明.pdf", PROOF)
        receipt = form.submit("submit", status=303).follow(status=200)
        tracking = receipt.html.find(id="tracking-number").text
        code = receipt.html.find(id="access-code").text

        sender = live.app.registry["mail_sender"]  # the application's own, to its own port
        report = sender.run_once(NOW)
        assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
        with live.factory() as db:
            (row,) = db.scalars(sql_select(MailOutbox)).all()
            assert row.status == "pending" and row.attempts == 1
            assert row.next_attempt_at == NOW + BACKOFF[0] > NOW
            assert row.last_error.startswith("ConnectionRefusedError")
            assert db.scalar(sql_select(func.count()).select_from(DisclosureRequest)) == 1

        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()  # the server is back, on the same port
        assert not sender.run_once(NOW + BACKOFF[0] - timedelta(seconds=1))  # not due yet
        assert sink.messages == []
        assert sender.run_once(NOW + BACKOFF[0]).sent == 1
        (message,) = sink.messages
        assert tracking in message["Subject"] and code in sink.bodies()[0]
        with live.factory() as db:
            assert db.scalar(sql_select(MailOutbox.status)) == "sent"
    finally:
        if controller is not None:
            controller.stop()
        live.app.registry["db_engine"].dispose()
        live.engine.dispose()
