"""The file store full or read-only: a clear message (507 when full, 503 when read-only), never
a 500; nothing half stored (no row pointing at a missing file, no partial file left behind).

The fault is real: the store is a tmpfs of 64 KiB mounted for the test (``mount -t tmpfs -o
size=64k``; the tests run as root in CI), filled to within 8 KiB of its size, so a larger
upload fails part-way with ENOSPC, or remounted read-only (EROFS). Where mounting is not
permitted (not root), the read-only case falls back to a folder without write permission
(EACCES), which is a real error only for a non-root user; the full case then cannot be made
without mocking and is skipped.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from disclosure.catalogue.services import CatalogueService
from disclosure.files.interfaces import FileStoreUnavailable
from disclosure.files.services import LocalFileStorage, store_content
from disclosure.files.views import APPLICATION_NOT_FILED, UNAVAILABLE
from disclosure.models import (
    Attachment,
    CatalogueItem,
    DisclosureRequest,
    IdempotencyKey,
    MailOutbox,
    Organisation,
    ReleasedDocument,
    RequestEvent,
    RequestFile,
)

from ..conftest import TODAY, TestApp
from .test_idempotent_submit import fill
from .test_mail_outbox import OFFICER, make_live
from .test_request_mail import application

SLACK = 8192  # bytes left free in a "full" store
PDF = b"%PDF-1.4\n% a document larger than the space left\n" + b"0" * 32768 + b"\n%%EOF\n"


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class Store:
    """A tmpfs of 64 KiB (or, where mount is refused, a plain folder)."""

    def __init__(self, path: Path, mounted: bool) -> None:
        self.path, self.mounted = path, mounted
        self.filler = path / "filler"

    def fill(self) -> None:
        if not self.mounted:
            pytest.skip("mount -t tmpfs is not permitted here: a full store cannot be made")
        LocalFileStorage(self.path).put("00/" + "0" * 64, b"")  # the lock file and a shard
        self.filler.write_bytes(b"\0" * (free_bytes(self.path) - SLACK))
        assert free_bytes(self.path) == SLACK

    def empty(self) -> None:
        self.filler.unlink()

    def make_read_only(self) -> None:
        """Read-only before anything was ever stored (no lock file, no shard folder)."""
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)
        else:
            LocalFileStorage(self.path).put("00/" + "0" * 64, b"")
            for folder in (self.path, self.path / "00"):
                folder.chmod(0o555)

    def entries(self) -> list[str]:
        """Every file in the store but the filler, the lock and the empty placeholder."""
        return sorted(
            str(p.relative_to(self.path))
            for p in self.path.rglob("*")
            if p.is_file() and p.name not in ("filler", ".lock", "0" * 64)
        )


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    path.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )
    yield Store(path, mounted)
    if mounted:
        subprocess.run(["umount", str(path)], check=True)
    else:
        for folder in (path, path / "00"):
            if folder.exists():
                folder.chmod(0o755)


@pytest.fixture
def live(databases, schema, tmp_path, store):
    w = make_live(databases, schema, tmp_path, 1, **{"disclosure.files_dir": str(store.path)})
    yield w
    w.app.registry["db_engine"].dispose()
    w.engine.dispose()


def count(live, model) -> int:
    with live.factory() as db:
        return db.scalar(select(func.count()).select_from(model))


# --- the store itself ------------------------------------------------------------------------


def test_a_full_store_raises_and_leaves_no_partial_file(store):
    store.fill()
    storage = LocalFileStorage(store.path)
    with pytest.raises(FileStoreUnavailable) as caught:
        store_content(storage, PDF)
    assert caught.value.errno == errno.ENOSPC and caught.value.status == 507
    assert store.entries() == []  # neither the file nor a temporary one
    assert free_bytes(store.path) == SLACK  # the part written was given back
    store.empty()
    digest, key = store_content(storage, PDF)  # space again: stored
    assert storage.get(key) == PDF and store.entries() == [key]


def test_a_read_only_store_raises(store):
    store.make_read_only()
    storage = LocalFileStorage(store.path)
    with pytest.raises(FileStoreUnavailable) as caught:
        store_content(storage, PDF)
    expected = errno.EROFS if store.mounted else errno.EACCES
    assert caught.value.errno == expected and caught.value.status == 503
    assert store.entries() == []


# --- the applicant ---------------------------------------------------------------------------


def test_the_application_form_on_a_full_store_files_nothing_and_says_so(live, store):
    store.fill()
    form = fill(live.testapp.get("/requests/new").forms["deform"], SimpleNamespace(code=live.civil))
    form["upload"] = ("身份证明.pdf", PDF)
    res = form.submit("submit", status=507)
    assert APPLICATION_NOT_FILED in res.text
    assert res.forms["deform"]  # the form again, with what was typed
    assert res.forms["deform"]["description"].value == form["description"].value
    for model in (DisclosureRequest, RequestFile, RequestEvent, MailOutbox, IdempotencyKey):
        assert count(live, model) == 0, model.__name__
    assert store.entries() == []

    store.empty()  # the administrator makes room; the applicant sends the same form again
    form.submit("submit", status=303).follow(status=200)
    assert count(live, DisclosureRequest) == 1 and count(live, RequestFile) == 1
    with live.factory() as db:
        key = db.scalar(select(RequestFile.storage_key))
    assert LocalFileStorage(store.path).get(key) == PDF


def test_the_api_takes_no_files_and_files_with_a_read_only_store(live, store):
    """The API accepts no uploads: an application through it needs no store."""
    store.make_read_only()
    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    assert made["tracking_number"] and count(live, DisclosureRequest) == 1


# --- the officer -----------------------------------------------------------------------------


def officer(live) -> TestApp:
    browser = TestApp(live.app, extra_environ={"HTTP_HOST": "example.com"})
    browser.login(OFFICER)
    return browser


def test_a_catalogue_attachment_on_a_read_only_store_is_refused(live, store, schema):
    with live.factory.begin() as db:
        civil = db.scalar(select(Organisation).where(Organisation.code == live.civil))
        item = CatalogueService(db, schema).create(
            civil,
            {
                "title": "咸阳市民政局关于低保标准的通知",
                "summary": "低保标准。",
                "body": "正文",
                "document_number": "咸民发〔2026〕9号",
                "created_on": TODAY,
                "topic": "general_affairs",
                "genre": "notice",
                "keywords": ["低保"],
                "disclosure_mode": "proactive",
                "validity": "valid",
            },
            None,
        )
        db.flush()
        item_id, lock_version = item.id, item.lock_version
    store.make_read_only()
    browser = officer(live)
    res = browser.post(
        f"/officer/items/{item_id}/attachments",
        {"csrf_token": browser.csrf_token(), "lock_version": str(lock_version)},
        upload_files=[("file", "通知全文.pdf", PDF)],
        status=503,
    )
    assert UNAVAILABLE in res.text
    assert count(live, Attachment) == 0
    with live.factory() as db:
        assert db.get(CatalogueItem, item_id).lock_version == lock_version


def test_a_released_document_on_a_full_store_is_refused(live, store):
    made = live.testapp.post_json("/api/v1/requests", application(live), status=201).json
    with live.factory() as db:
        req = db.scalar(select(DisclosureRequest))
        req_id, lock_version = req.id, req.lock_version
        events = len(req.events)
    assert made["tracking_number"]
    store.fill()
    browser = officer(live)
    res = browser.post(
        f"/officer/requests/{req_id}/documents",
        {"csrf_token": browser.csrf_token(), "lock_version": str(lock_version)},
        upload_files=[("file", "低保资金.pdf", PDF)],
        status=507,
    )
    assert UNAVAILABLE in res.text
    assert count(live, ReleasedDocument) == 0 and store.entries() == []
    with live.factory() as db:
        assert len(db.get(DisclosureRequest, req_id).events) == events
