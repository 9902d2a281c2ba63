"""The index follows the catalogue through the outbox; nothing is lost to crashes or locks."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from disclosure import models
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, SearchOutbox
from disclosure.search import changefeed
from disclosure.search.indexer import Indexer, check, rebuild
from disclosure.search.interfaces import SearchQuery
from disclosure.search.whoosh_index import IndexStore, WhooshSearchIndex

from ..conftest import TODAY


@pytest.fixture
def env(databases, schema, tmp_path):
    seeded = databases.seeded(schema)
    engine, factory = seeded.engine, seeded.factory
    store = IndexStore(tmp_path / "index")
    index = WhooshSearchIndex(store)

    def publish(title, **data):
        with factory.begin() as db:
            service = CatalogueService(db, schema)
            org = db.scalars(
                select(models.Organisation).where(models.Organisation.parent_id.is_(None))
            ).one()
            item = service.create(
                org, {"title": title, "topic": "other", "genre": "notice", **data}, None
            )
            service.publish(item, None, TODAY)
            return item.id

    def titles(q):
        return [h.title for h in index.search(SearchQuery(q=q)).hits]

    def pending():
        with factory() as db:
            return changefeed.pending(db, "whoosh")

    yield SimpleNamespace(
        factory=factory,
        store=store,
        index=index,
        indexer=Indexer(factory, index),
        publish=publish,
        titles=titles,
        pending=pending,
        schema=schema,
    )
    engine.dispose()


def test_outbox_row_is_written_in_the_same_transaction(env):
    with env.factory() as db:
        service = CatalogueService(db, env.schema)
        org = db.scalars(select(models.Organisation)).first()
        service.create(org, {"title": "回滚的条目", "topic": "other", "genre": "notice"}, None)
        db.flush()
        # written just before the commit (ids in commit order), so not yet
        assert db.scalar(select(func.count()).select_from(SearchOutbox)) == 0
        db.rollback()
    assert env.pending() == 0
    env.publish("提交的条目")
    assert env.pending() >= 1


def test_indexer_applies_changes_after_commit(env):
    item_id = env.publish("暖气费补贴发放通知")
    assert env.titles("暖气费") == []
    assert env.indexer.run_until_empty() >= 1
    assert env.titles("暖气费") == ["暖气费补贴发放通知"]
    with env.factory.begin() as db:
        service = CatalogueService(db, env.schema)
        item = db.get(CatalogueItem, item_id)
        service.save_draft(item, {"title": "暖气费补贴发放通知（修订）"}, None)
        service.publish(item, None, TODAY)
    env.indexer.run_until_empty()
    assert env.titles("暖气费") == ["暖气费补贴发放通知（修订）"]
    with env.factory.begin() as db:
        CatalogueService(db, env.schema).repeal(db.get(CatalogueItem, item_id), None, "废止")
    env.indexer.run_until_empty()
    hits = env.index.search(SearchQuery(q="暖气费", validity="repealed")).hits
    assert [h.title for h in hits] == ["暖气费补贴发放通知（修订）"]
    assert env.pending() == 0


def test_a_crash_between_index_and_outbox_loses_nothing(env, monkeypatch):
    env.publish("路灯维修公告")

    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(env.index, "apply", crash)
    with pytest.raises(RuntimeError):
        env.indexer.run_once()
    monkeypatch.undo()
    assert env.pending() >= 1
    env.indexer.run_until_empty()
    assert env.titles("路灯") == ["路灯维修公告"]


def test_a_whoosh_lock_defers_the_work(env):
    env.publish("桥梁检测报告")
    held = env.store.open().writer()
    try:
        assert env.indexer.run_once(lock_timeout=0.05) == 0
        assert env.pending() >= 1
    finally:
        held.cancel()
    assert env.indexer.run_once() >= 1
    assert env.titles("桥梁") == ["桥梁检测报告"]


def test_rebuild_swaps_in_a_new_generation_while_search_keeps_answering(env):
    env.publish("公交线路调整公告")
    env.publish("公交站台改造公告", validity="expired")
    env.indexer.run_until_empty()
    old_generation = env.store.current_name()
    seen = []

    def during(n):
        seen.append(env.titles("公交"))  # the old generation answers during the rebuild
        if len(seen) == 1:
            env.publish("出租车运价调整公告")  # a change made while the rebuild runs

    report = rebuild(env.factory, env.store, progress=during, batch=1)
    assert len(seen) == 2 and sorted(seen[0]) == ["公交站台改造公告", "公交线路调整公告"]
    assert env.store.current_name() != old_generation
    assert env.store.current_name() == report.generation
    assert env.titles("出租车") == ["出租车运价调整公告"]
    assert sorted(env.titles("公交")) == ["公交站台改造公告", "公交线路调整公告"]
    assert report.indexed == 2
    assert not (env.store.root / old_generation).exists()


def test_index_check_reports_missing_stale_and_extra(env):
    first = env.publish("污水处理厂建设公告")
    env.publish("绿化带养护公告")
    env.indexer.run_until_empty()
    assert check(env.factory, env.index).ok
    with env.factory.begin() as db:
        service = CatalogueService(db, env.schema)
        item = db.get(CatalogueItem, first)
        service.save_draft(item, {"title": "污水处理厂建设公告（更正）"}, None)
        service.publish(item, None, TODAY)
    missing = env.publish("新建停车场公告")
    env.index.apply([], [str(99999)])
    ix = env.store.open()
    with ix.writer() as w:
        w.add_document(
            item_id="99999",
            title="幽灵",
            title_bg="幽灵",
            content="",
            content_bg="",
            index_number="X",
            stamp="0",
        )
    report = check(env.factory, env.index)
    with env.factory() as db:
        numbers = {db.get(CatalogueItem, i).index_number for i in (first, missing)}
    assert set(report.stale) | set(report.missing) == numbers
    assert report.extra == ["99999"]
    env.indexer.run_until_empty()
    env.index.apply([], ["99999"])
    assert check(env.factory, env.index).ok
