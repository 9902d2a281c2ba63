"""`disclosure backup` / `disclosure restore`: the database and the file store, backed up while
the site runs, come back exactly as they were; a backup is checked before anything is replaced."""

import hashlib
import json
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from disclosure import models
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LOCK_NAME, LocalFileStorage, store_content
from disclosure.letters import services as letters
from disclosure.letters.fonts import register_font
from disclosure.letters.templates import load_templates
from disclosure.models import Attachment, CatalogueItem, Organisation, RequestFile
from disclosure.organisations.services import OrganisationTree
from disclosure.requests import services
from disclosure.requests.workflow import Actor
from disclosure.scripts import cli
from disclosure.scripts.migrations import alembic_config
from disclosure.security import user_permits

from ..conftest import ROOT, TODAY
from .test_audit_chain import application

TABLES = (
    "catalogue_items",
    "catalogue_item_versions",
    "attachments",
    "requests",
    "request_events",
    "request_files",
    "letters",
    "letter_serials",
    "index_serials",
    "users",
)


def attach(db, storage, item, data: bytes, filename: str) -> Attachment:
    digest, key = store_content(storage, data)
    attachment = Attachment(
        item=item,
        filename=filename,
        media_type="application/pdf",
        kind="pdf",
        size=len(data),
        sha256=digest,
        storage_key=key,
    )
    db.add(attachment)
    return attachment


class Site:
    """A database and a file store of their own, filled through the services."""

    def __init__(self, url, files_dir: Path, schema):
        self.url = url
        self.files_dir = files_dir
        self.schema = schema
        self.engine = models.get_engine(url)
        self.factory = models.get_session_factory(self.engine)
        self.storage = LocalFileStorage(files_dir)
        self.rules = services.RequestRules(ROOT / "catalog_schemas")
        with self.factory.begin() as db:
            org = self.org(db)
            officer = create_user(
                db, "officer.backup@example.gov.cn", "pw-backup-2026", org, "officer"
            )
            catalogue = CatalogueService(db, schema)
            for n in (1, 2, 3):
                item = catalogue.create(org, self.item_fields(n), officer)
                attach(db, self.storage, item, f"%PDF-1.4 附件 {n}".encode(), f"附件{n}.pdf")
                catalogue.publish(item, officer, TODAY)
            catalogue.save_draft(item, {"summary": "修订稿"}, officer)
            req = services.submit(
                db, self.rules, application(1), org, today=TODAY, received_on=TODAY
            ).request
            digest, key = store_content(self.storage, b"%PDF-1.4 proof of identity")
            db.add(
                RequestFile(
                    request=req,
                    filename="身份证.pdf",
                    media_type="application/pdf",
                    size=26,
                    sha256=digest,
                    storage_key=key,
                )
            )
            actor = Actor.officer(
                officer, user_permits(officer, req, OrganisationTree(db).ancestors(org))
            )
            services.act(db, self.rules, req, "accept", actor, TODAY, {})
            ctx = letters.LetterContext(
                templates=load_templates(
                    ROOT / "catalog_schemas" / "letters",
                    self.rules.outcomes.outcomes,
                    self.rules.outcomes.record_corrections,
                ),
                font=register_font(None),
                outcomes=self.rules.outcomes,
                calendar=self.rules.calendar(db),
            )
            self.letter = letters.issue(
                db,
                req,
                "acknowledgement",
                "default",
                ctx,
                user=officer,
                today=TODAY,
                status_url="https://example.com/status",
                store=self.storage,
            ).storage_key
            self.request_id = req.id

    @staticmethod
    def org(db):
        return db.scalars(
            select(Organisation).where(Organisation.category_tree == "civil_affairs")
        ).first()

    @staticmethod
    def item_fields(n):
        return {
            "title": f"咸阳市民政局第{n}号通知",
            "topic": "civil_affairs_relief",
            "genre": "notice",
        }

    def state(self) -> dict:
        with self.engine.connect() as conn:
            rows = {
                table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
                for table in TABLES
            }
        files = {
            path.relative_to(self.files_dir).as_posix(): path.read_bytes()
            for path in sorted(self.files_dir.rglob("*"))
            if path.is_file() and path.name != LOCK_NAME  # the store's lock file
        }
        return {"rows": rows, "files": files}


@pytest.fixture
def site(databases, schema, tmp_path, monkeypatch):
    made = Site(databases.seeded(schema).url, tmp_path / "files", schema)
    for name in ("DISCLOSURE_DATABASE_URL", "DISCLOSURE_FILES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli, "setup_logging", lambda uri: None)
    ini = (ROOT / "testing.ini").read_text(encoding="utf-8")
    ini = ini.replace(
        "disclosure.database_url = sqlite:///%(here)s/var/test.sqlite",
        "disclosure.database_url = " + made.url.replace("%", "%%"),
    ).replace(
        "disclosure.files_dir = %(here)s/var/test-files",
        f"disclosure.files_dir = {made.files_dir}",
    )
    (tmp_path / "site.ini").write_text(ini, encoding="utf-8")
    made.ini = str(tmp_path / "site.ini")
    yield made
    made.engine.dispose()


@pytest.fixture
def run(site, capsys):
    def run(*args):
        code = cli.main([args[0], site.ini, *map(str, args[1:])])
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


def test_restore_brings_back_the_backed_up_state(site, run, tmp_path):
    before = site.state()
    assert site.letter in before["files"]  # the issued letter's PDF is in the file store
    assert len(before["files"]) == 5  # three attachments, the proof, the letter

    code, out = run("backup", tmp_path / "backup")
    assert code == 0, out
    assert "数据库快照完成" in out and "备份完成" in out and "文件 5 个" in out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"] == site.engine.dialect.name
    head = ScriptDirectory.from_config(alembic_config(None, "sqlite://")).get_current_head()
    assert manifest["alembic_revision"] == head
    assert manifest["file_count"] == 5 and manifest["missing_files"] == []
    for entry in manifest["files"]:
        data = (tmp_path / "backup" / "files" / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == entry["path"].split("/")[1]

    # the site goes on: a new item with a file, a file deleted, rows edited
    with site.factory.begin() as db:
        catalogue = CatalogueService(db, site.schema)
        item = catalogue.create(site.org(db), site.item_fields(9), None)
        attach(db, site.storage, item, b"%PDF-1.4 later", "later.pdf")
        first = db.scalars(select(Attachment).order_by(Attachment.id)).first()
        site.storage.delete(first.storage_key)
        db.delete(first)
        db.execute(text("UPDATE requests SET name = '改过的名字'"))
        db.execute(text("UPDATE catalogue_items SET title = '改过的标题' WHERE id = 1"))
    assert site.state() != before

    code, out = run("restore", tmp_path / "backup")
    assert code == 0, out
    assert "校验通过" in out and "数据库已恢复" in out
    assert "共 5 个文件，复制 1 个，删除多余 1 个" in out
    site.engine.dispose()
    assert site.state() == before

    # the restored site works on: ids continue, the chains verify
    with site.factory.begin() as db:
        item = CatalogueService(db, site.schema).create(site.org(db), site.item_fields(10), None)
        new_id = item.id
    assert new_id > max(row[0] for row in before["rows"]["catalogue_items"])
    assert run("audit-verify")[0] == 0


def test_restore_refuses_what_is_not_a_sound_backup(site, run, tmp_path):
    before = site.state()
    code, out = run("restore", tmp_path)
    assert code == 2 and f"{tmp_path} 不是备份目录" in out

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, out = run("backup", tmp_path / "full")
    assert code == 2 and "已存在且不为空" in out

    directory = tmp_path / "backup"
    assert run("backup", directory)[0] == 0
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))

    victim = directory / "files" / manifest["files"][0]["path"]
    original = victim.read_bytes()
    victim.write_bytes(original + b"!")
    code, out = run("restore", directory)
    assert code == 2 and f"校验失败：文件 {manifest['files'][0]['path']}" in out
    victim.write_bytes(original)

    dump = directory / manifest["dump"]["path"]
    data = dump.read_bytes()
    dump.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    code, out = run("restore", directory)
    assert code == 2 and "校验失败：数据库文件" in out
    dump.write_bytes(data)

    other = "postgresql" if manifest["database"] == "sqlite" else "sqlite"
    manifest_path.write_text(json.dumps({**manifest, "database": other}), encoding="utf-8")
    code, out = run("restore", directory)
    assert code == 2 and f"数据库类型不符：备份来自 {other}" in out

    manifest_path.write_text("{}", encoding="utf-8")
    code, out = run("restore", directory)
    assert code == 2 and "不是本平台的备份目录" in out
    assert site.state() == before  # nothing was touched


def test_a_backup_taken_while_a_writer_commits_restores_consistently(site, run, tmp_path):
    rounds, started = 40, threading.Event()
    errors = []

    def writer():
        try:
            for n in range(rounds):
                with site.factory.begin() as db:
                    catalogue = CatalogueService(db, site.schema)
                    item = catalogue.create(site.org(db), site.item_fields(100 + n), None)
                    attach(db, site.storage, item, f"%PDF-1.4 round {n}".encode(), f"r{n}.pdf")
                    catalogue.publish(item, None, TODAY)
                if n == 3:
                    started.set()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    started.wait()
    code, out = run("backup", tmp_path / "backup")
    thread.join()
    assert not errors and code == 0, out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing_files"] == []

    assert run("restore", tmp_path / "backup")[0] == 0
    site.engine.dispose()
    with site.factory() as db:
        items = db.scalars(select(CatalogueItem).where(CatalogueItem.title.like("%第1__号%"))).all()
        # every round the snapshot holds is whole: item, published version, attachment, bytes
        assert 4 <= len(items) <= rounds
        for item in items:
            assert item.status == "published" and len(item.versions) == 1
            (attachment,) = item.attachments
            data = site.storage.get(attachment.storage_key)
            assert hashlib.sha256(data).hexdigest() == attachment.sha256
    code, out = run("audit-verify")
    assert code == 0, out
