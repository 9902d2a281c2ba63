"""``GET /healthz``: the database, the search engine, the mail outbox and the disk, for operators.
Its failures (a database away, a broken index) are made real in test_faults.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import webtest

from disclosure import main
from disclosure.models import MailOutbox
from disclosure.models.mail import MailStatus
from disclosure.settings import SettingsError

from ..conftest import TODAY, backend

NOW = datetime(2026, 11, 20, 2, 0)  # naive UTC, as the clock gives


def test_healthz_reports_every_check_and_nothing_secret(testapp, app_settings):
    got = testapp.get("/healthz", status=200)
    assert got.headers["Cache-Control"] == "no-store"
    assert got.content_type == "application/json"
    body = got.json
    assert set(body["checks"]) == {"database", "search", "mail", "disk"}
    assert body["status"] in ("ok", "warn")
    database = body["checks"]["database"]
    assert database["status"] == "ok" and database["ms"] >= 0
    assert database["dialect"] == backend()
    search = body["checks"]["search"]
    assert search["status"] == "ok" and search["engine"] == "whoosh"
    assert isinstance(search["documents"], int)
    mail = body["checks"]["mail"]
    assert {"pending", "oldest_pending_seconds", "failed"} <= set(mail)
    disk = body["checks"]["disk"]
    assert disk["files"]["free_bytes"] > 0
    assert ("database" in disk) == (backend() == "sqlite")
    for secret in (
        app_settings["disclosure.files_dir"],
        app_settings["disclosure.search.index_dir"],
        app_settings["disclosure.database_url"],
        app_settings["disclosure.session_secret"],
        "/tmp",
    ):
        assert secret not in got.text


@pytest.fixture
def site(databases, schema, tmp_path):
    seeded = databases.seeded(schema)
    apps = []

    def make(**extra):
        app = main(
            {},
            **{
                "disclosure.database_url": seeded.url,
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
        app.registry["disclosure.now"] = lambda: NOW
        apps.append(app)
        return webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})

    make.factory = seeded.factory
    yield make
    for app in apps:
        app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def _mail(status: str, created_at: datetime) -> MailOutbox:
    return MailOutbox(
        kind="acknowledgement",
        subject="健康检查测试主题 张三的申请",
        recipients=["zhangsan.applicant@example.com"],
        body="申请人张三，身份证号 610402198001011233",
        status=status,
        next_attempt_at=created_at,
        created_at=created_at,
    )


def test_a_mail_backlog_is_a_warning_with_its_age_and_no_personal_data(site):
    browser = site()
    quiet = browser.get("/healthz", status=200).json["checks"]["mail"]
    assert quiet == {"status": "ok", "pending": 0, "oldest_pending_seconds": None, "failed": 0}

    with site.factory.begin() as db:
        db.add(_mail(MailStatus.PENDING, NOW - timedelta(minutes=10)))
    fresh = browser.get("/healthz", status=200).json["checks"]["mail"]
    assert fresh["status"] == "ok"  # ten minutes: under the 30-minute threshold
    assert fresh["pending"] == 1 and fresh["oldest_pending_seconds"] == 600

    with site.factory.begin() as db:
        db.add(_mail(MailStatus.PENDING, NOW - timedelta(hours=2)))
        db.add(_mail(MailStatus.FAILED, NOW - timedelta(days=1)))
    got = browser.get("/healthz", status=200)  # a warning is not a failure
    mail = got.json["checks"]["mail"]
    assert mail["status"] == "warn" and got.json["status"] == "warn"
    assert mail["pending"] == 2 and mail["oldest_pending_seconds"] == 7200
    assert mail["failed"] == 1
    assert "120 分钟" in mail["warning"] and "1 封邮件发送失败" in mail["warning"]
    for personal in ("张三", "zhangsan", "610402198001011233", "健康检查测试主题"):
        assert personal not in got.text


def test_little_free_disk_is_a_warning(site):
    got = site(**{"disclosure.health.disk_warn_bytes": str(10**18)}).get("/healthz", status=200)
    disk = got.json["checks"]["disk"]
    assert disk["status"] == "warn" and got.json["status"] == "warn"
    assert "可用空间低于" in disk["files"]["warning"]
    assert disk["files"]["free_bytes"] < 10**18


def test_the_thresholds_are_checked_at_start_up(site):
    with pytest.raises(SettingsError, match="disclosure.health.mail_warn_seconds"):
        site(**{"disclosure.health.mail_warn_seconds": "half an hour"})
    with pytest.raises(SettingsError, match="disclosure.health.disk_warn_bytes"):
        site(**{"disclosure.health.disk_warn_bytes": "-1"})
