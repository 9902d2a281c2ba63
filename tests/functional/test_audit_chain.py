"""Hash-chained histories: case histories and catalogue versions are chained as the
application writes them; `disclosure audit-verify` names the first entry of a chain that was
altered behind the application's back, or the entry after one that was removed."""

import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from disclosure import models
from disclosure.accounts.services import create_user
from disclosure.audit import chain
from disclosure.catalogue.importer import CatalogueImporter, parse_rows
from disclosure.catalogue.services import CatalogueService
from disclosure.models import (
    CatalogueItem,
    CatalogueItemVersion,
    DisclosureRequest,
    Organisation,
    RequestEvent,
)
from disclosure.organisations.services import OrganisationTree
from disclosure.requests import services
from disclosure.requests.workflow import Actor
from disclosure.scripts import cli
from disclosure.scripts.migrations import alembic_config
from disclosure.security import user_permits

from ..conftest import ROOT, TODAY, backend
from .test_bulk_import import jsonl, row
from .test_requests import resident_id


def application(n: int) -> dict:
    return {
        "applicant_type": "person",
        "name": f"申请人{n}",
        "id_type": "resident_id",
        "id_number": resident_id(f"610402198001{n:02d}123"),
        "phone": f"1390000{n:04d}",
        "address": f"咸阳市秦都区测试路{n}号",
        "description": f"请提供第{n}号文件",
        "delivery_form": "paper",
        "delivery_channel": "post",
    }


class World:
    """A database of its own, with cases and items written through the services."""

    def __init__(self, url, schema):
        self.url = url
        self.engine = models.get_engine(url)
        self.factory = models.get_session_factory(self.engine)
        self.rules = services.RequestRules(ROOT / "catalog_schemas")
        self.cases, self.items = [], []
        with self.factory.begin() as db:
            org = db.scalars(
                select(Organisation).where(Organisation.category_tree == "civil_affairs")
            ).first()
            officer = create_user(
                db, "officer.audit@example.gov.cn", "pw-audit-2026", org, "officer"
            )
            ancestors = OrganisationTree(db).ancestors(org)
            for n in (1, 2):
                req = services.submit(
                    db, self.rules, application(n), org, today=TODAY, received_on=TODAY
                ).request
                actor = Actor.officer(officer, user_permits(officer, req, ancestors))
                services.act(db, self.rules, req, "accept", actor, TODAY, {})
                services.act(
                    db,
                    self.rules,
                    req,
                    "request_correction",
                    actor,
                    TODAY,
                    {
                        "reason": f"请写明第{n}号文件的文号",
                        "correction_deadline": TODAY + timedelta(days=15),
                        "sent_on": TODAY,
                    },
                )
                self.cases.append(req.id)
            catalogue = CatalogueService(db, schema)
            for n in (1, 2):
                item = catalogue.create(
                    org,
                    {
                        "title": f"咸阳市民政局第{n}号通知",
                        "topic": "civil_affairs_relief",
                        "genre": "notice",
                    },
                    officer,
                )
                catalogue.publish(item, officer, TODAY)
                catalogue.save_draft(item, {"summary": "第一次修订", "note": "修订"}, officer)
                catalogue.publish(item, officer, TODAY)
                catalogue.save_draft(item, {"summary": "第二次修订"}, officer)
                catalogue.save_draft(item, {"summary": "第二次修订（改）"}, officer)
                catalogue.publish(item, officer, TODAY)
                catalogue.repeal(item, officer, "废止", today=TODAY)
                self.items.append(item.id)

    def events(self, case_id):
        with self.factory() as db:
            return db.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == case_id)
                .order_by(RequestEvent.id)
            ).all()

    def versions(self, item_id):
        with self.factory() as db:
            return db.scalars(
                select(CatalogueItemVersion)
                .where(CatalogueItemVersion.item_id == item_id)
                .order_by(CatalogueItemVersion.number)
            ).all()

    def tracking(self, case_id):
        with self.factory() as db:
            return db.get(DisclosureRequest, case_id).tracking_number

    def index_number(self, item_id):
        with self.factory() as db:
            return db.get(CatalogueItem, item_id).index_number

    def sql(self, statement, **params):
        with self.engine.begin() as conn:
            conn.execute(text(statement), params)


@pytest.fixture
def world(databases, schema, tmp_path, monkeypatch):
    made = World(databases.seeded(schema).url, schema)
    monkeypatch.setenv("DISCLOSURE_DATABASE_URL", made.url)
    monkeypatch.setenv("DISCLOSURE_FILES_DIR", str(tmp_path / "files"))
    monkeypatch.setattr(cli, "setup_logging", lambda uri: None)
    ini = tmp_path / "audit.ini"
    ini.write_text((ROOT / "testing.ini").read_text(encoding="utf-8"), encoding="utf-8")
    made.ini = str(ini)
    yield made
    made.engine.dispose()


@pytest.fixture
def verify(world, capsys):
    def run():
        code = cli.main(["audit-verify", world.ini])
        return code, capsys.readouterr().out

    return run


def test_entries_are_chained_in_order(world):
    for case_id in world.cases:
        events = world.events(case_id)
        assert len(events) >= 3
        assert events[0].prev_hash is None
        for before, after in zip(events, events[1:], strict=False):
            assert after.prev_hash == before.entry_hash
        for event in events:  # read back from the database: the hash reproduces
            content = chain.content_of(chain.REQUEST_EVENTS, event)
            assert (
                chain.entry_hash(chain.REQUEST_EVENTS, content, event.prev_hash) == event.entry_hash
            )
    for item_id in world.items:
        versions = world.versions(item_id)
        assert [v.number for v in versions] == [1, 2, 3, 4]
        assert versions[0].prev_hash is None
        assert [v.prev_hash for v in versions[1:]] == [v.entry_hash for v in versions[:-1]]
        # the twice-saved draft was hashed again when saved and when published
        third = versions[2]
        assert third.data["summary"] == "第二次修订（改）" and third.published_at is not None
        content = chain.content_of(chain.CATALOGUE_VERSIONS, third)
        assert (
            chain.entry_hash(chain.CATALOGUE_VERSIONS, content, third.prev_hash) == third.entry_hash
        )


def test_a_clean_history_verifies(world, verify):
    code, out = verify()
    assert code == 0, out
    events = sum(len(world.events(c)) for c in world.cases)
    assert f"哈希链完整：已检查办理记录 {events} 条（2 件申请），目录版本 8 个（2 个条目）" in out


def test_an_altered_event_in_the_middle_is_named(world, verify):
    case_id = world.cases[1]
    middle = world.events(case_id)[1]
    world.sql("UPDATE request_events SET reason = :r WHERE id = :id", r="改过的理由", id=middle.id)
    code, out = verify()
    assert code == 1
    assert f"申请 {world.tracking(case_id)} 的第 2 条记录（id {middle.id}）已被改动" in out
    assert world.tracking(world.cases[0]) not in out  # the other case is intact
    assert "发现 1 处问题" in out


def test_a_removed_event_is_named_by_the_entry_after_it(world, verify):
    case_id = world.cases[0]
    events = world.events(case_id)
    world.sql("DELETE FROM request_events WHERE id = :id", id=events[1].id)
    code, out = verify()
    assert code == 1
    assert f"申请 {world.tracking(case_id)} 的第 2 条记录（id {events[2].id}）之前的记录缺失" in out


def test_the_last_entry_and_the_first_are_covered(world, verify):
    case_id = world.cases[0]
    events = world.events(case_id)
    world.sql(
        "UPDATE request_events SET public_text = :t WHERE id = :id", t="已办结。", id=events[-1].id
    )
    item_id = world.items[1]
    versions = world.versions(item_id)
    world.sql("DELETE FROM catalogue_item_versions WHERE id = :id", id=versions[0].id)
    code, out = verify()
    assert code == 1
    n = len(events)
    assert f"申请 {world.tracking(case_id)} 的第 {n} 条记录（id {events[-1].id}）已被改动" in out
    assert (
        f"目录条目 {world.index_number(item_id)} 的第 1 个版本（版本号 2，id {versions[1].id}）"
        "之前的记录缺失" in out
    )
    assert "发现 2 处问题" in out


def test_an_altered_catalogue_version_is_named(world, verify):
    item_id = world.items[0]
    versions = world.versions(item_id)
    world.sql(
        "UPDATE catalogue_item_versions SET note = :n WHERE id = :id", n="无", id=versions[1].id
    )
    code, out = verify()
    assert code == 1
    assert (
        f"目录条目 {world.index_number(item_id)} 的第 2 个版本（版本号 2，id {versions[1].id}）已被改动"
        in out
    )


def test_bulk_imported_versions_are_chained(world, schema, verify):
    rows = list(parse_rows(jsonl([row(1), row(2), row(3)]), ".jsonl"))
    with world.factory() as db:
        report = CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=2).run(
            rows
        )
    assert report.created == 3
    with world.factory() as db:
        hashes = db.scalars(
            select(CatalogueItemVersion.entry_hash).where(CatalogueItemVersion.note != "废止")
        ).all()
    assert len(hashes) == 3 * 2 + 3 and all(hashes)
    code, out = verify()
    assert code == 0, out
    assert "目录版本 11 个（5 个条目）" in out


def test_migration_0018_chains_existing_rows_as_the_listeners_do(world, verify):
    def stored():
        with world.engine.connect() as conn:
            return {
                table: [
                    tuple(r)
                    for r in conn.execute(
                        text(f"SELECT id, prev_hash, entry_hash FROM {table} ORDER BY id")
                    )
                ]
                for table in ("request_events", "catalogue_item_versions")
            }

    before = stored()
    world.engine.dispose()
    from alembic import command

    config = alembic_config(None, world.url)
    command.downgrade(config, "0017")
    command.upgrade(config, "0018")
    assert stored() == before
    assert verify()[0] == 0


def test_canonical_times_are_naive_utc_with_microseconds():
    fields = chain.REQUEST_EVENTS.fields
    base = dict.fromkeys(fields, "")
    base.update(changes={"n": 1, 2: (date(2026, 1, 2),)}, on=date(2026, 11, 20), actor_id=None)
    naive = dict(base, at=datetime(2026, 11, 20, 4, 0, 0))
    aware = dict(base, at=datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone(timedelta(hours=8))))
    assert chain.canonical(chain.REQUEST_EVENTS, naive) == chain.canonical(
        chain.REQUEST_EVENTS, aware
    )
    assert '"at":"2026-11-20T04:00:00.000000"' in chain.canonical(chain.REQUEST_EVENTS, naive)
    assert '"changes":{"2":["2026-01-02"],"n":1}' in chain.canonical(chain.REQUEST_EVENTS, naive)
    assert chain.entry_hash(chain.REQUEST_EVENTS, naive, None) != chain.entry_hash(
        chain.REQUEST_EVENTS, naive, "0" * 64
    )
    moved = dict(naive, at=datetime(2026, 11, 20, 4, 0, 0, 1, tzinfo=UTC))
    assert chain.entry_hash(chain.REQUEST_EVENTS, moved, None) != chain.entry_hash(
        chain.REQUEST_EVENTS, naive, None
    )


@pytest.mark.skipif(
    backend() != "postgresql", reason="row locks: PostgreSQL (SQLite has one writer)"
)
def test_concurrent_appends_to_one_case_do_not_fork_the_chain(world, verify):
    case_id = world.cases[0]
    first = world.factory()
    first.add(RequestEvent(request_id=case_id, on=TODAY, actor_label="甲", action="note"))
    first.flush()  # holds the case's row lock until it commits
    pid = first.execute(text("SELECT pg_backend_pid()")).scalar()
    errors = []

    def second():
        try:
            with world.factory.begin() as db:
                db.add(RequestEvent(request_id=case_id, on=TODAY, actor_label="乙", action="note"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    watcher = world.engine.connect()
    try:
        # wait until the second writer is either finished or waiting on a lock held by `first`
        while thread.is_alive():
            blocked = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
                ),
                {"pid": pid},
            ).scalar()
            watcher.rollback()
            if blocked:
                break
            thread.join(0.01)
    finally:
        watcher.close()
    first.commit()
    first.close()
    thread.join()
    assert not errors
    a, b = world.events(case_id)[-2:]
    assert (a.actor_label, b.actor_label) == ("甲", "乙")
    assert b.prev_hash == a.entry_hash
    assert verify()[0] == 0
