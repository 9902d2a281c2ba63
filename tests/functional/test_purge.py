"""`disclosure purge-personal-data`: closed cases past the retention period lose ID numbers,
proofs of identity, phone numbers, e-mail and postal addresses; nothing else changes."""

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from disclosure import models
from disclosure.files.services import LocalFileStorage
from disclosure.models import DisclosureRequest, Organisation, RequestEvent, RequestFile
from disclosure.requests import purge, services
from disclosure.scripts import cli

from ..conftest import ROOT, TODAY
from .test_requests import resident_id

STATISTICS = (
    "status",
    "applicant_type",
    "name",
    "organisation_id",
    "channel",
    "received_on",
    "due_on",
    "answered_on",
    "closed_on",
    "outcome",
    "report_row",
    "description",
    "delivery_form",
    "delivery_channel",
)
PERSONAL = ("id_number", "phone", "email", "address", "postcode")


def store(storage, db, req, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    storage.put(key, data)
    db.add(
        RequestFile(
            request=req,
            filename="身份证.pdf",
            media_type="application/pdf",
            size=len(data),
            sha256=digest,
            storage_key=key,
        )
    )
    return key


class World:
    """A database of its own (the command commits), with cases in every state that matters."""

    def __init__(self, url, files_dir, schema):
        self.url = url
        self.engine = models.get_engine(url)
        self.factory = models.get_session_factory(self.engine)
        self.storage = LocalFileStorage(files_dir)
        self.rules = services.RequestRules(ROOT / "catalog_schemas")
        db = self.factory()
        with db.begin():
            self.org = db.scalars(
                select(Organisation).where(Organisation.category_tree == "civil_affairs")
            ).first()
            self.cases = {}
            self.keys = {}
            n = 0

            def case(label, received, status="closed", closed=None, closed_field=True):
                nonlocal n
                n += 1
                data = {
                    "applicant_type": "person",
                    "name": f"申请人{n}",
                    "id_type": "resident_id",
                    "id_number": resident_id(f"610402198001{n:02d}123"),
                    "phone": f"1390000{n:04d}",
                    "email": f"applicant{n}@example.com",
                    "address": f"咸阳市秦都区测试路{n}号",
                    "postcode": "712000",
                    "description": f"请提供第{n}号文件",
                    "delivery_form": "paper",
                    "delivery_channel": "post",
                }
                req = services.submit(
                    db, self.rules, data, self.org, today=received, received_on=received
                ).request
                req.status = status
                if closed:
                    req.outcome, req.report_row = "already_public", "三（一）"
                    req.answered_on = closed
                    if status == "closed":
                        req.closed_on = closed if closed_field else None
                        db.add(
                            RequestEvent(
                                request=req,
                                on=closed,
                                actor_label="测试专员",
                                action="close",
                                from_status="answered",
                                to_status="closed",
                                public_text="申请已办结。",
                            )
                        )
                self.cases[label] = req
                return req

            old = case("old", date(2019, 3, 1), closed=date(2020, 6, 1))
            case("old_event_only", date(2020, 3, 2), closed=date(2021, 1, 11), closed_field=False)
            case("on_cutoff", date(2021, 10, 8), closed=date(2021, 11, 20))  # exactly 5 years
            new = case("new", date(2024, 4, 1), closed=date(2024, 5, 6))
            case("old_open", date(2019, 5, 6), status="accepted")
            case("old_answered", date(2019, 5, 6), status="answered", closed=date(2019, 6, 3))
            # the old case's own proof, and one whose bytes the new case's proof shares
            self.keys["own"] = store(self.storage, db, old, b"%PDF-1.4 own proof of the old case")
            self.keys["shared"] = store(self.storage, db, old, b"%PDF-1.4 same scan, two cases")
            store(self.storage, db, new, b"%PDF-1.4 same scan, two cases")
            db.flush()
            self.ids = {label: req.id for label, req in self.cases.items()}
            self.tracking = {label: req.tracking_number for label, req in self.cases.items()}
            self.before = {label: self._row(req) for label, req in self.cases.items()}
        db.close()

    @staticmethod
    def _row(req):
        return {name: getattr(req, name) for name in (*STATISTICS, *PERSONAL)}

    def snapshot(self):
        db = self.factory()
        try:
            out = {}
            for label, id_ in self.ids.items():
                req = db.get(DisclosureRequest, id_)
                out[label] = {
                    **self._row(req),
                    "files": len(req.files),
                    "events": [e.action for e in req.events],
                    "purge_events": [
                        (e.on, e.public_text, e.visible_to_applicant, e.changes)
                        for e in req.events
                        if e.action == purge.ACTION
                    ],
                }
            out["blobs"] = {name: self.storage.exists(key) for name, key in self.keys.items()}
            out["file_rows"] = db.scalar(select(func.count()).select_from(RequestFile))
            return out
        finally:
            db.close()


@pytest.fixture
def world(databases, schema, tmp_path, monkeypatch):
    url = databases.seeded(schema).url
    files_dir = tmp_path / "files"
    made = World(url, files_dir, schema)
    monkeypatch.setenv("DISCLOSURE_DATABASE_URL", url)
    monkeypatch.setenv("DISCLOSURE_FILES_DIR", str(files_dir))
    monkeypatch.delenv("DISCLOSURE_REQUESTS_PURGE_AFTER_YEARS", raising=False)
    monkeypatch.setattr(cli, "setup_logging", lambda uri: None)  # leave pytest's logging alone
    ini = tmp_path / "purge.ini"
    ini.write_text((ROOT / "testing.ini").read_text(encoding="utf-8"), encoding="utf-8")
    made.ini = str(ini)
    yield made
    made.engine.dispose()


@pytest.fixture
def run(world, capsys):
    def run(*args):
        code = cli.main(["purge-personal-data", world.ini, *args])
        out = capsys.readouterr()
        for values in world.before.values():  # no personal data is ever printed
            for name in PERSONAL:
                if name != "postcode":
                    assert values[name] not in out.out + out.err
        return code, out.out

    return run


def test_dry_run_lists_the_cases_and_changes_nothing(world, run):
    before = world.snapshot()
    code, out = run("--today", TODAY.isoformat(), "--dry-run")
    assert code == 0
    assert "将清除 2 件已办结申请的个人信息（2021-11-20 之前办结" in out
    assert "身份证明 2 份" in out and "未作任何修改" in out
    assert world.tracking["old"] in out and world.tracking["old_event_only"] in out
    for label in ("on_cutoff", "new", "old_open", "old_answered"):
        assert world.tracking[label] not in out
    assert world.snapshot() == before


def test_purge_erases_old_closed_cases_only_and_is_idempotent(world, run):
    before = world.snapshot()
    code, out = run("--today", TODAY.isoformat())  # N from disclosure.requests.purge_after_years
    assert code == 0
    assert "已清除 2 件已办结申请的个人信息（2021-11-20 之前办结，保存期限 5 年）" in out
    assert "删除 1 个文件" in out
    after = world.snapshot()

    for label in ("old", "old_event_only"):
        case = after[label]
        assert all(case[name] == "" for name in PERSONAL), label
        assert case["files"] == 0
        # what the statistics and the annual report need is kept
        assert {k: case[k] for k in STATISTICS} == {k: before[label][k] for k in STATISTICS}
        assert case["events"] == [*before[label]["events"], purge.ACTION]
        ((on, text, visible, changes),) = case["purge_events"]
        assert on == TODAY and text == "个人信息已按保存期限清除" and visible is False
        assert changes["erased"] == list(PERSONAL) and set(changes) == {"erased", "files"}
    assert after["old"]["purge_events"][0][3]["files"] == 2
    for label in ("on_cutoff", "new", "old_open", "old_answered"):
        assert after[label] == before[label], label
    # the old case's own proof is gone; the bytes the new case still uses stay
    assert after["blobs"] == {"own": False, "shared": True}
    assert after["file_rows"] == 1

    code, out = run("--today", TODAY.isoformat())
    assert code == 0 and "已清除 0 件" in out
    assert world.snapshot() == after  # nothing changed, no second event


def test_years_option_and_setting(world, run, monkeypatch):
    code, out = run("--today", TODAY.isoformat(), "--older-than-years", "0", "--dry-run")
    assert code == 0 and "将清除 4 件" in out  # every closed case (closed before today)
    monkeypatch.setenv("DISCLOSURE_REQUESTS_PURGE_AFTER_YEARS", "3")
    code, out = run("--today", TODAY.isoformat(), "--dry-run")
    assert code == 0 and "将清除 3 件" in out and "2023-11-20 之前办结" in out
    for bad in (["--older-than-years", "-1"], ["--today", "2026-13-01"]):
        code, out = run(*bad)
        assert code == 2
    monkeypatch.setenv("DISCLOSURE_REQUESTS_PURGE_AFTER_YEARS", "five")
    assert run("--today", TODAY.isoformat())[0] == 2
    assert world.snapshot()["file_rows"] == 3


def test_cutoff_for_leap_day():
    assert purge.cutoff_for(date(2028, 2, 29), 5) == date(2023, 2, 28)
    assert purge.cutoff_for(date(2026, 11, 26), 7) == date(2019, 11, 26)


def test_mail_waiting_for_a_purged_case_loses_its_address_and_body(world, run):
    from disclosure.models import DisclosureRequest
    from disclosure.models.mail import MailOutbox

    with world.factory() as db:
        ids = {
            label: db.scalars(
                select(DisclosureRequest.id).where(
                    DisclosureRequest.tracking_number == world.tracking[label]
                )
            ).one()
            for label in ("old", "new")
        }
    with world.factory.begin() as db:
        for label in ("old", "new"):
            db.add(
                MailOutbox(
                    kind="acknowledgement",
                    request_id=ids[label],
                    subject="申请已收到",
                    recipients=["applicant@example.com"],
                    body="查询码 ABCD2345",
                    status="failed",
                )
            )
    run("--today", TODAY.isoformat())
    with world.factory() as db:
        mails = {m.request_id: m for m in db.scalars(select(MailOutbox))}
    old, new = mails[ids["old"]], mails[ids["new"]]
    assert old.recipients == [] and old.body == ""
    assert new.recipients == ["applicant@example.com"] and new.body == "查询码 ABCD2345"
