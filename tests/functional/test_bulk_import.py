"""Bulk import and rebuild: ``CatalogueImporter.run`` writes a batch in a few statements, and must
write what the one-row path (``import_row``: create, reserve, publish through the service) writes;
the postgresql engine drops its tsv index for a bulk load and always builds it again.

Each test uses databases of its own (committed, then dropped with the session's databases)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date

import pytest
from sqlalchemy import insert, select, text

from disclosure import models
from disclosure.catalogue.importer import CatalogueImporter, parse_rows
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, Organisation
from disclosure.search import transactional
from disclosure.search.documents import expected_analysed
from disclosure.search.indexer import documents_for
from disclosure.search.parallel import key, parallel_analysis

from ..conftest import backend

TODAY = date(2026, 11, 20)
CIVIL = "016000102"  # 咸阳市民政局, category tree civil_affairs
POLICE = "016000103"  # 咸阳市公安局, category tree public_security


def row(n: int, **overrides) -> dict:
    data = {
        "organisation": CIVIL,
        "title": f"咸阳市民政局关于第{n}批社会救助资金的公示",
        "document_number": f"咸民发〔2026〕{n}号",
        "created_on": "2026-03-01",
        "published_on": "2026-04-01",
        "topic": "civil_affairs_relief",
        "genre": "notice",
        "keywords": ["社会救助", "公示"],
        "body": f"第{n}批救助资金已经发放。",
    }
    data.update(overrides)
    return data


ROWS = [
    row(1),
    row(2, index_number=f"{CIVIL}/2026-00042"),
    row(3, published_on=None),  # published today
    row(4, index_number=f"{CIVIL}/2026-00007", published_on=None),
    row(1),  # the same as the first: existing
    row(5, organisation=POLICE, topic="security_justice"),
    row(6, index_number=f"{CIVIL}/2026-00042", title="改过的标题"),  # same 索引号: existing
    row(7, topic="不存在的主题"),  # rejected
    row(8, published_on="2024-05-06", normative_kind="规章", repealed_on="2026-05-01"),
    row(9, index_number=f"{CIVIL}/2026-00043"),  # the number the counter gave row 3: existing
    row(10, organisation="咸阳市民政局", category="", validity="repealed"),
    row(11, index_number=f"{CIVIL}/2025-00010", published_on="2025-06-01"),
    row(12, published_on="2025-07-01"),  # 2025: after the explicit 00010
    row(13, disclosure_mode="withheld"),  # imported, never in the search index
]


def jsonl(rows) -> str:
    return "\n".join(json.dumps({k: v for k, v in r.items() if v is not None}) for r in rows)


@pytest.fixture
def fresh(databases, schema):
    """Make a new database with the organisation tree; return its session factory."""
    engines = []

    def make(search_engine: bool = True):
        seeded = databases.seeded(schema)
        engines.append(seeded.engine)
        factory = models.get_session_factory(seeded.engine)
        if search_engine:
            transactional.bind(factory, _search_engine(seeded.engine), schema=schema)
        return factory

    yield make
    for engine in engines:
        engine.dispose()


def _search_engine(engine):
    if backend() == "postgresql":
        from disclosure.search.pg_engine import PostgresSearchIndex

        return PostgresSearchIndex(engine)
    from disclosure.search.sqlite_engine import SQLiteSearchIndex

    return SQLiteSearchIndex(engine)


def dump(factory) -> dict:
    """Every row an import writes, without the clock's columns (``public_changed_at``, the
    OAI-PMH datestamp, is the wall clock's second: two imports may straddle one)."""
    with factory() as db:
        conn = db.connection()
        items = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalogue_items"))]
        for item in items:
            del item["created_at"], item["updated_at"], item["public_changed_at"]
        versions = [
            dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalogue_item_versions"))
        ]
        for version in versions:
            assert version.pop("published_at") is not None
            del version["created_at"], version["entry_hash"]  # the hash covers the times
        return {
            "items": sorted(items, key=lambda r: r["id"]),
            "versions": sorted(versions, key=lambda r: r["id"]),
            "serials": sorted(tuple(r) for r in conn.execute(text("SELECT * FROM index_serials"))),
            "outbox": sorted(
                {r[0] for r in conn.execute(text("SELECT item_id FROM search_outbox"))}
            ),
            "search": _indexed(conn),
        }


def _indexed(conn) -> list:
    if backend() == "postgresql":
        sql = (
            "SELECT item_id, stamp, title, content, organisations, CAST(tsv AS text) "
            "FROM search_engine_documents ORDER BY item_id"
        )
    else:
        sql = (
            "SELECT d.item_id, d.stamp, s.title, s.content, f.title, f.body_bg "
            "FROM search_engine_docs d JOIN search_engine_stored s ON s.item_id = d.item_id "
            "JOIN search_engine_fts f ON f.rowid = d.item_id ORDER BY d.item_id"
        )
    return [tuple(r) for r in conn.execute(text(sql))]


def import_one_by_one(factory, schema, rows) -> list:
    """The reference: every row through import_row (the service), committed at the end."""
    with factory() as db:
        importer = CatalogueImporter(CatalogueService(db, schema), today=TODAY)
        reasons = [importer.import_row(r) for _, r in rows]
        db.commit()
    return reasons


def test_a_batched_import_writes_what_the_one_row_path_writes(fresh, schema):
    rows = list(parse_rows(jsonl(ROWS), ".jsonl"))
    one_by_one, batched = fresh(), fresh()

    reasons = import_one_by_one(one_by_one, schema, rows)
    with batched() as db:
        report = CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=4).run(
            rows
        )

    assert report.created == reasons.count(None) == 10
    assert report.existing == reasons.count("existing") == 3
    assert report.rejected == [
        (n, r) for (n, _), r in zip(rows, reasons, strict=True) if r not in (None, "existing")
    ]
    expected, got = dump(one_by_one), dump(batched)
    assert got == expected
    assert len(got["search"]) == 9  # the withheld item is not public
    numbers = [item["index_number"] for item in got["items"]]
    assert numbers[:4] == [
        f"{CIVIL}/2026-00001",
        f"{CIVIL}/2026-00042",
        f"{CIVIL}/2026-00043",
        f"{CIVIL}/2026-00007",
    ]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing runs in parallel")
def test_an_import_analysing_on_workers_writes_the_same(fresh, schema):
    """Inside ``parallel_analysis`` (as ``disclosure import-catalogue``), each batch's texts
    are analysed on the workers while its rows are written; the result is the same."""
    rows = list(parse_rows(jsonl(ROWS), ".jsonl"))
    one_by_one, parallel = fresh(), fresh()
    import_one_by_one(one_by_one, schema, rows)
    with parallel_analysis(workers=2), parallel() as db:
        CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=4).run(rows)
    assert dump(parallel) == dump(one_by_one)


def test_what_an_import_prefetches_is_what_its_documents_are_analysed_from(fresh, schema):
    """``expected_analysed`` of each imported row equals the analysed part of the document
    the engine writes (so the prefetched analysis is taken, not redone), for every public
    row of ``ROWS``."""
    factory = fresh()
    rows = list(parse_rows(jsonl(ROWS), ".jsonl"))
    with factory() as db:
        importer = CatalogueImporter(CatalogueService(db, schema), today=TODAY)
        checked = {}
        for _, r in rows:
            data = importer.check(r)
            if not isinstance(data, str):
                checked.setdefault(data[1]["title"], data[1])
        importer.run(rows)
        ids = list(db.scalars(select(CatalogueItem.id)))
        documents, _ = documents_for(db, set(ids), schema=schema)
    engine = _search_engine(factory.kw["bind"])
    analysed = sys.modules[type(engine).__module__]._analysed_part
    assert len(documents) == 9
    for document in documents:
        expected = expected_analysed(checked[document["title"]])
        assert key(expected) == key(analysed(document))


def test_rerunning_a_batched_import_finds_every_row(fresh, schema):
    factory = fresh()
    rows = list(parse_rows(jsonl(ROWS), ".jsonl"))
    with factory() as db:
        CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=3).run(rows)
    before = dump(factory)
    with factory() as db:
        again = CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=3).run(rows)
    assert (again.created, again.existing, len(again.rejected)) == (0, 13, 1)
    after = dump(factory)
    assert after["items"] == before["items"] and after["serials"] == before["serials"]


def test_a_batch_the_database_refuses_is_redone_row_by_row(fresh, schema):
    """An item whose 索引号 the counter does not know (written around the service) makes the
    batch's INSERT fail: each row is then imported alone, and the colliding row alone fails."""
    rows = list(
        parse_rows(
            jsonl([row(1, organisation=POLICE, topic="security_justice"), row(2), row(3)]), ".jsonl"
        )
    )
    results = []
    for batched in (False, True):
        factory = fresh()
        with factory.begin() as db:
            civil = db.scalars(select(Organisation).where(Organisation.code == CIVIL)).one()
            db.execute(
                insert(CatalogueItem).values(
                    organisation_id=civil.id,
                    index_number=f"{CIVIL}/2026-00001",
                    title="计数器不知道的条目",
                    status="published",
                )
            )
        if batched:
            with factory() as db:
                importer = CatalogueImporter(CatalogueService(db, schema), today=TODAY)
                report = importer.run(rows)
            reasons = [None] * len(rows)
            for number, reason in report.rejected:
                reasons[[n for n, _ in rows].index(number)] = reason
        else:
            reasons = import_one_by_one(factory, schema, rows)
        results.append((reasons, dump(factory)))
    (reasons, expected), (batched_reasons, got) = results
    assert batched_reasons == reasons
    assert reasons[0] is None and reasons[1].startswith("无法保存: IntegrityError")
    # PostgreSQL's sequences keep the ids that the refused INSERTs took: compare without ids
    assert without_ids(got) == without_ids(expected)


def without_ids(rows: dict) -> dict:
    strip = {"id", "item_id"}
    return {
        "items": [{k: v for k, v in r.items() if k not in strip} for r in rows["items"]],
        "versions": [{k: v for k, v in r.items() if k not in strip} for r in rows["versions"]],
        "serials": rows["serials"],
        "outbox": len(rows["outbox"]),
        "search": [r[1:] for r in rows["search"]],
    }


# --- postgresql: the tsv index is dropped for a bulk load, and always built again ----------------


def _tsv_definition(factory) -> str | None:
    with factory() as db:
        return db.scalar(
            text(
                "SELECT pg_get_indexdef(c.oid) FROM pg_class c "
                "WHERE c.oid = to_regclass('ix_search_engine_documents_tsv')"
            )
        )


@pytest.mark.skipif(backend() != "postgresql", reason="the postgresql search engine")
def test_a_failed_rebuild_leaves_the_tsv_index_in_place(fresh, schema, monkeypatch):
    factory = fresh()
    with factory() as db:
        CatalogueImporter(CatalogueService(db, schema), today=TODAY).run(
            list(parse_rows(jsonl(ROWS), ".jsonl"))
        )
    index = factory.kw["info"][transactional.SEARCH_INDEX]
    before = _tsv_definition(factory)
    assert before and "tsv" in before
    seen = []

    def failing_batch(*args):
        seen.append(_tsv_definition(factory))
        raise RuntimeError("the rebuild fails half-way")

    monkeypatch.setattr(transactional, "_apply_batch", failing_batch)
    with pytest.raises(RuntimeError, match="half-way"):
        transactional.rebuild(factory, index, schema=schema, batch=2)
    assert seen == [None]  # the rebuild ran without the index
    assert _tsv_definition(factory) == before
    monkeypatch.undo()

    report = transactional.rebuild(factory, index, schema=schema, batch=2)
    assert report.indexed == 9
    assert _tsv_definition(factory) == before


@pytest.mark.skipif(backend() != "postgresql", reason="the postgresql search engine")
def test_a_killed_bulk_load_is_repaired_by_the_next_one(fresh, schema):
    factory = fresh()
    index = factory.kw["info"][transactional.SEARCH_INDEX]
    before = _tsv_definition(factory)
    with factory.begin() as db:
        db.execute(text("DROP INDEX ix_search_engine_documents_tsv"))
    transactional.rebuild(factory, index, schema=schema)
    assert _tsv_definition(factory) == before


@pytest.mark.skipif(backend() != "postgresql", reason="the postgresql search engine")
def test_a_bulk_import_builds_the_tsv_index_once(fresh, schema, monkeypatch):
    from disclosure.search import pg_engine

    factory = fresh()
    before = _tsv_definition(factory)
    seen = []
    real = CatalogueImporter._run_batch

    def run_batch(self, *args):
        seen.append(_tsv_definition(factory))
        return real(self, *args)

    monkeypatch.setattr(pg_engine, "BULK_MIN", 5)
    monkeypatch.setattr(CatalogueImporter, "_run_batch", run_batch)
    with factory() as db:
        report = CatalogueImporter(CatalogueService(db, schema), today=TODAY, batch_size=5).run(
            list(parse_rows(jsonl(ROWS), ".jsonl"))
        )
    assert report.created == 10
    assert seen and set(seen) == {None}
    assert _tsv_definition(factory) == before
    with factory() as db:
        found = db.scalar(
            text("SELECT count(*) FROM search_engine_documents WHERE tsv @@ CAST(:q AS tsquery)"),
            {"q": "'救助'"},
        )
    assert found == 9
