"""The search outbox as a change feed: one cursor per consumer, pruning behind the slowest."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, insert, select, text, update

from alembic import command
from disclosure import models
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, OutboxCursor, SearchOutbox
from disclosure.models import outbox as outbox_writer
from disclosure.models.search import utcnow
from disclosure.scripts.migrations import alembic_config, upgrade
from disclosure.search import changefeed
from disclosure.search.indexer import REBUILD_CONSUMER, Indexer, rebuild
from disclosure.search.interfaces import SearchQuery
from disclosure.search.whoosh_index import IndexStore, WhooshSearchIndex

from ..conftest import TODAY, _pg_url_with_schema, backend


@pytest.fixture
def env(databases, schema, tmp_path):
    seeded = databases.seeded(schema)
    factory = seeded.factory

    def publish(title):
        with factory.begin() as db:
            service = CatalogueService(db, schema)
            org = db.scalars(
                select(models.Organisation).where(models.Organisation.parent_id.is_(None))
            ).one()
            item = service.create(org, {"title": title, "topic": "other", "genre": "notice"}, None)
            service.publish(item, None, TODAY)
            return item.id

    def rows():
        with factory() as db:
            return list(db.execute(select(SearchOutbox.id, SearchOutbox.item_id)).all())

    index = WhooshSearchIndex(IndexStore(tmp_path / "index"))
    yield SimpleNamespace(
        factory=factory,
        schema=schema,
        publish=publish,
        rows=rows,
        index=index,
        indexer=Indexer(factory, index, schema=schema),
    )
    seeded.engine.dispose()


def _read(env, consumer, limit=100):
    with env.factory() as db:
        return changefeed.read(db, consumer, limit)


def _advance(env, consumer, to):
    with env.factory.begin() as db:
        changefeed.advance(db, consumer, to)


def _pending(env, consumer):
    with env.factory() as db:
        return changefeed.pending(db, consumer)


def test_two_consumers_read_independently(env):
    with env.factory.begin() as db:
        assert changefeed.register(db, "whoosh")
        assert changefeed.register(db, "federation")
        assert not changefeed.register(db, "federation")  # already there: unchanged
    first, second = env.publish("第一条"), env.publish("第二条")
    changes = _read(env, "whoosh")
    assert [c.item_id for c in changes] == [first, second]  # in id (= commit) order
    assert [c.id for c in changes] == sorted(c.id for c in changes)
    _advance(env, "whoosh", changes[-1].id)
    assert _read(env, "whoosh") == [] and _pending(env, "whoosh") == 0
    # the other consumer has not moved
    assert _read(env, "federation") == changes and _pending(env, "federation") == 2
    _advance(env, "federation", changes[0].id)
    assert [c.item_id for c in _read(env, "federation")] == [second]
    third = env.publish("第三条")
    assert [c.item_id for c in _read(env, "whoosh")] == [third]
    assert [c.item_id for c in _read(env, "federation")] == [second, third]
    with env.factory() as db:
        status = {c.consumer: (c.position, c.pending) for c in changefeed.consumers(db)}
    assert status == {"federation": (changes[0].id, 2), "whoosh": (changes[-1].id, 1)}


def test_a_position_never_moves_back_and_limit_batches(env):
    ids = [env.publish(f"条目{n}") for n in range(3)]
    batch = _read(env, "whoosh", limit=2)
    assert [c.item_id for c in batch] == ids[:2]
    _advance(env, "whoosh", batch[-1].id)
    _advance(env, "whoosh", batch[0].id)  # a slower copy of the same consumer
    assert [c.item_id for c in _read(env, "whoosh")] == ids[2:]


def test_a_crash_before_advancing_delivers_again(env):
    item_id = env.publish("重新投递")
    with env.factory() as db:
        changes = changefeed.read(db, "whoosh")
        changefeed.advance(db, "whoosh", changes[-1].id)
        db.rollback()  # the consumer died before its transaction committed
    assert [c.item_id for c in _read(env, "whoosh")] == [item_id]


def _age(env, days):
    with env.factory.begin() as db:
        db.execute(
            update(SearchOutbox).values(created_at=utcnow() - timedelta(days=days)),
            execution_options={"synchronize_session": False},
        )


def test_prune_keeps_what_a_lagging_consumer_has_not_read(env):
    ids = [env.publish(f"条目{n}") for n in range(4)]
    rows = env.rows()
    _advance(env, "fast", rows[-1][0])
    _advance(env, "slow", rows[1][0])
    _age(env, days=30)
    with env.factory.begin() as db:
        assert changefeed.prune(db) == 2  # up to the slow consumer
    assert [item for _, item in env.rows()] == ids[2:]
    assert [c.item_id for c in _read(env, "slow")] == ids[2:]
    with env.factory.begin() as db:
        changefeed.unregister(db, "slow")
        # nobody waits for the rest: all but the newest row go (ids are never reused)
        assert changefeed.prune(db) == 1
    assert [item for _, item in env.rows()] == ids[3:]
    newest = env.publish("之后的条目")
    assert [c.item_id for c in _read(env, "fast")] == [newest]


def test_prune_keeps_recent_rows_and_works_in_batches(env):
    for n in range(3):
        env.publish(f"条目{n}")
    with env.factory.begin() as db:
        assert changefeed.prune(db) == 0  # read by nobody, but younger than the retention
        assert changefeed.prune(db, keep=timedelta(0), now=utcnow() + timedelta(1), limit=1) == 1
        assert changefeed.prune(db, keep=timedelta(0), now=utcnow() + timedelta(1)) == 1
    assert len(env.rows()) == 1


def test_the_committing_transaction_prunes_every_so_often(env, monkeypatch):
    env.publish("旧条目")
    _age(env, days=30)
    env.publish("新条目")  # not at a multiple of PRUNE_EVERY: nothing pruned
    assert len(env.rows()) == 2
    monkeypatch.setattr(outbox_writer, "PRUNE_EVERY", 1)
    newest = env.publish("再新条目")
    assert [item for _, item in env.rows()][-1] == newest
    assert len(env.rows()) == 2  # the old row went; the recent ones stay


def test_nothing_is_written_before_the_commit_or_by_a_rollback(env):
    with env.factory() as db:
        org = db.scalars(select(models.Organisation)).first()
        CatalogueService(db, env.schema).create(
            org, {"title": "回滚", "topic": "other", "genre": "notice"}, None
        )
        db.flush()
        assert db.scalar(select(func.count()).select_from(SearchOutbox)) == 0
        db.rollback()
    assert env.rows() == []
    with env.factory() as db:
        item = CatalogueService(db, env.schema).create(
            org := db.scalars(select(models.Organisation)).first(),
            {"title": "保存点", "topic": "other", "genre": "notice"},
            None,
        )
        assert org is not None
        with db.begin_nested():
            item.title = "保存点（改）"
        db.commit()
        assert [i for _, i in env.rows()] == [item.id]  # once, with the outer commit


@pytest.mark.skipif(backend() != "postgresql", reason="SQLite has one writer at a time")
def test_overlapping_transactions_reach_the_feed_in_commit_order(env):
    early, late = env.publish("先改的条目"), env.publish("后改的条目")
    _advance(env, "whoosh", env.rows()[-1][0])
    slow = env.factory()
    errors = []

    def change_late():
        try:
            with env.factory.begin() as db:
                db.get(CatalogueItem, late).title = "后改、后提交"
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        slow.get(CatalogueItem, early).title = "先改、先提交"
        slow.flush()
        other = threading.Thread(target=change_late)
        other.start()
        other.join(0.5)  # waits for the first writer
        assert _read(env, "whoosh") == []
        slow.commit()
    finally:
        slow.close()
    other.join(30)
    assert not other.is_alive() and not errors
    seen = _read(env, "whoosh")
    assert [c.item_id for c in seen] == [early, late]
    assert seen[0].id < seen[1].id


def test_the_whoosh_indexer_is_one_consumer_among_others(env):
    with env.factory.begin() as db:
        changefeed.register(db, "federation")
    env.publish("路灯维修公告")
    assert env.indexer.pending() >= 1
    assert env.indexer.run_until_empty() >= 1
    assert env.indexer.pending() == 0
    assert [h.title for h in env.index.search(SearchQuery(q="路灯")).hits] == ["路灯维修公告"]
    assert _pending(env, "federation") >= 1  # untouched by the indexer
    with env.factory() as db:
        assert {c.consumer for c in changefeed.consumers(db)} == {"federation", "whoosh"}


def test_a_rebuild_reads_through_a_cursor_of_its_own_and_removes_it(env):
    env.publish("公交线路调整公告")
    env.indexer.run_until_empty()
    made = []

    def during(n):
        if not made:
            made.append(env.publish("出租车运价调整公告"))
            with env.factory() as db:
                assert changefeed.position(db, REBUILD_CONSUMER) is not None
                # what the rebuild still has to replay is not pruned meanwhile
                changefeed.prune(db, keep=timedelta(0))
                assert [c.item_id for c in changefeed.read(db, REBUILD_CONSUMER)] == made
                db.rollback()

    store = IndexStore(env.index.store.root)
    report = rebuild(env.factory, store, progress=during, batch=1, schema=env.schema)
    assert report.replayed == 1
    assert [h.title for h in env.index.search(SearchQuery(q="出租车")).hits] == [
        "出租车运价调整公告"
    ]
    with env.factory() as db:
        assert changefeed.position(db, REBUILD_CONSUMER) is None
        assert changefeed.pending(db, "whoosh") == 1  # the live indexer reads on by itself


def test_a_transactional_engine_needs_no_whoosh_consumer(env):
    class Transactional:
        transactional = True

    indexer = Indexer(env.factory, Transactional(), schema=env.schema)
    env.publish("条目")
    assert indexer.run_until_empty() == 0 and indexer.pending() == 0
    with env.factory() as db:
        assert changefeed.consumers(db) == []


# ------------------------------------------------------------------ migration 0016


def _migration_database(databases, tmp_path) -> str:
    if backend() == "postgresql":
        name = "m_" + uuid.uuid4().hex[:12]
        engine = models.get_engine(os.environ["DISCLOSURE_TEST_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {name}"))
        engine.dispose()
        databases.schemas.append(name)
        return _pg_url_with_schema(name)
    return f"sqlite:///{tmp_path}/m.sqlite"


@pytest.mark.parametrize(
    ("processed", "cursor"),
    [
        ([True, True, True, False, False], 3),  # the usual: the oldest rows done
        ([True, False, True, True, False], 1),  # committed out of order: 2 is re-read, not lost
        ([True, True, True, True, True], 5),
        ([False, False, False, False, False], None),  # no Whoosh indexer ran: no cursor
    ],
)
def test_migration_starts_the_whoosh_cursor_after_what_was_processed(
    databases, tmp_path, processed, cursor
):
    url = _migration_database(databases, tmp_path)
    upgrade(None, url, "0015")
    engine = models.get_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        for n, done in enumerate(processed, 1):
            conn.execute(
                text(
                    "INSERT INTO search_outbox (item_id, created_at, processed_at) "
                    "VALUES (:item, :at, :done)"  # ids 1, 2, …
                ),
                {"item": 100 + n, "at": now, "done": now if done else None},
            )
    engine.dispose()
    upgrade(None, url, "0016")
    engine = models.get_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(OutboxCursor.position)) == cursor
        assert conn.scalar(select(func.count()).select_from(SearchOutbox)) == len(processed)
        conn.execute(insert(SearchOutbox).values(item_id=1, created_at=now))  # model == table
        conn.rollback()
    engine.dispose()

    command.downgrade(alembic_config(None, url), "0015")
    engine = models.get_engine(url)
    with engine.connect() as conn:
        done = conn.execute(
            text("SELECT id FROM search_outbox WHERE processed_at IS NOT NULL ORDER BY id")
        ).scalars()
        assert list(done) == list(range(1, (cursor or 0) + 1))
    engine.dispose()


def test_index_check_shows_each_consumer_and_reindex_in_database_releases_whoosh(env, capsys):
    from disclosure.scripts import cli

    env.publish("条目")
    env.indexer.run_until_empty()
    with env.factory.begin() as db:
        changefeed.register(db, "federation")
    env.publish("又一条目")
    cli._print_change_feed(env.factory)
    out = capsys.readouterr().out
    assert "变更记录 2 条，订阅者 2 个" in out
    assert "federation：已读至 0，待处理 2" in out and "whoosh：已读至 1，待处理 1" in out
    cli._release_whoosh_cursor(env.factory)  # what `reindex` does for a transactional engine
    assert "不再为 whoosh 保留" in capsys.readouterr().out
    with env.factory() as db:
        assert [c.consumer for c in changefeed.consumers(db)] == ["federation"]
