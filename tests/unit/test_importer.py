"""Catalogue import from CSV / JSONL (disclosure.catalogue.importer).

How the tests drive the importer
--------------------------------
``CatalogueImporter.run`` calls ``dbsession.commit()``. The ``dbsession`` fixture is joined to a
doomed ``transaction`` manager (zope.sqlalchemy), and a direct ``commit()`` on such a session
raises ``AssertionError: Transaction must be committed using the transaction manager``. So:

* most tests use ``dbsession`` and call ``run`` with the session's ``commit`` replaced by
  ``flush`` (``run_rows`` below), which keeps run's own logic (counting, line numbers, batching)
  under test while the fixture still rolls everything back; single-row behaviour is driven with
  ``import_row``;
* ``test_run_commits_and_rerun_in_new_session_finds_existing`` uses a fresh database of its own
  and the real ``run`` with real commits, the way ``disclosure import-catalogue`` does.

SQLite caveat: ``import_row`` wraps each row in ``begin_nested()``. With the pysqlite driver's
default transaction handling a SAVEPOINT issued before any write *starts* the SQLite transaction,
and releasing it commits -- the row would escape the test's rolled-back transaction and leak
into the shared test database. ``get_engine`` now hands BEGIN to SQLAlchemy, which fixes that
(``test_import_inside_outer_transaction_can_be_rolled_back`` checks it); the ``db`` fixture
still makes a harmless write first so that, should the fix regress, only that test fails instead
of every importer test leaking rows into the others.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import transaction
from sqlalchemy import func, select, text

from disclosure import models
from disclosure.catalogue.importer import (
    CatalogueImporter,
    ImportFileError,
    ImportReport,
    parse_rows,
    read_rows,
)
from disclosure.catalogue.registry import load_organisation_seed
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, IndexSerial
from disclosure.organisations.seed import load_organisations
from tests.conftest import ROOT

TODAY = date(2026, 11, 20)
CIVIL = "016000102"  # 咸阳市民政局, short name 咸民, category tree civil_affairs
POLICE = "016000103"  # 咸阳市公安局, category tree public_security


@pytest.fixture
def db(dbsession):
    if dbsession.get_bind().dialect.name == "sqlite":
        # Open the SQLite transaction with a no-op write (see module docstring).
        dbsession.execute(text("UPDATE index_serials SET last_serial = last_serial WHERE 1 = 0"))
    return dbsession


@pytest.fixture
def civil(orgs):
    org = orgs.by_code[CIVIL]
    assert org.name == "咸阳市民政局"
    return org


@pytest.fixture
def police(orgs):
    org = orgs.by_code[POLICE]
    assert org.name == "咸阳市公安局"
    return org


@pytest.fixture
def importer(db, catalogue, civil, police):
    return CatalogueImporter(catalogue, today=TODAY)


def good(n: int, **overrides) -> dict:
    row = {
        "organisation": CIVIL,
        "title": f"咸阳市民政局关于第{n}批社会救助资金的公示",
        "document_number": f"咸民发〔2026〕{n}号",
        "created_on": "2026-03-01",
        "topic": "civil_affairs_relief",
        "genre": "notice",
        "disclosure_mode": "proactive",
        "validity": "valid",
        "keywords": ["社会救助", "公示"],
    }
    row.update(overrides)
    return row


def jsonl(*lines) -> str:
    return "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)


def run_rows(importer: CatalogueImporter, rows, monkeypatch) -> tuple[ImportReport, list[int]]:
    """importer.run with the session's commit replaced by flush; returns the commit call log."""
    commits: list[int] = []
    db = importer.db

    def commit():
        commits.append(1)
        db.flush()

    monkeypatch.setattr(db, "commit", commit)
    return importer.run(rows), commits


def items(db, **where):
    query = select(CatalogueItem)
    for name, value in where.items():
        query = query.where(getattr(CatalogueItem, name) == value)
    return list(db.scalars(query.order_by(CatalogueItem.id)))


MIXED = jsonl(
    good(1),  # 1
    '{"organisation": "016000102", "title": ',  # 2: bad JSON
    good(2),  # 3
    good(90, organisation="999999999"),  # 4: unknown organisation
    good(91, topic="不存在的主题"),  # 5: unknown topic
    {k: v for k, v in good(92).items() if k != "title"},  # 6: missing title
    good(93, created_on="2026-02-30"),  # 7: bad date
    "",  # 8: blank line, skipped
    good(3),  # 9
    '["not", "an", "object"]',  # 10
)


def test_run_keeps_good_rows_and_reports_bad_ones_by_line(importer, db, monkeypatch):
    report, _ = run_rows(importer, parse_rows(MIXED, ".jsonl"), monkeypatch)

    assert report.created == 3
    assert report.existing == 0
    reasons = dict(report.rejected)
    assert sorted(reasons) == [2, 4, 5, 6, 7, 10]
    assert "JSON 无法解析" in reasons[2]
    assert reasons[4].startswith("organisation:") and "999999999" in reasons[4]
    assert reasons[5].startswith("topic:") and "不存在的主题" in reasons[5]
    assert reasons[6] == "title: 必填"
    assert reasons[7].startswith("created_on:") and "YYYY-MM-DD" in reasons[7]
    assert "JSON 对象" in reasons[10]
    assert report.total == 9

    kept = items(db, organisation_id=importer._orgs[CIVIL].id)
    assert [i.document_number for i in kept] == [
        "咸民发〔2026〕1号",
        "咸民发〔2026〕2号",
        "咸民发〔2026〕3号",
    ]
    assert all(i.status == "published" and i.published_on == TODAY for i in kept)
    assert kept[0].keywords == ["社会救助", "公示"]
    assert not items(db, document_number="咸民发〔2026〕90号")


def test_rerunning_the_same_rows_creates_no_duplicates(importer, db, monkeypatch):
    first, _ = run_rows(importer, parse_rows(MIXED, ".jsonl"), monkeypatch)
    numbers = [i.index_number for i in items(db, organisation_id=importer._orgs[CIVIL].id)]

    again, _ = run_rows(importer, parse_rows(MIXED, ".jsonl"), monkeypatch)

    assert (first.created, first.existing) == (3, 0)
    assert (again.created, again.existing) == (0, 3)
    assert again.rejected == first.rejected
    after = [i.index_number for i in items(db, organisation_id=importer._orgs[CIVIL].id)]
    assert after == numbers and len(after) == 3


def test_rows_with_index_number_are_matched_by_it_on_rerun(importer, db, civil):
    row = good(1, index_number=f"{civil.code}/2026-00007")
    assert importer.import_row(row) is None
    # Same 索引号, different title: still the same item.
    assert importer.import_row({**row, "title": "改过的标题"}) == "existing"
    assert len(items(db, organisation_id=civil.id)) == 1


def test_run_commits_every_batch_and_at_the_end(db, catalogue, civil, monkeypatch):
    importer = CatalogueImporter(catalogue, today=TODAY, batch_size=2)
    report, commits = run_rows(
        importer, parse_rows(jsonl(good(1), good(2), good(3)), ".jsonl"), monkeypatch
    )
    assert report.created == 3
    assert len(commits) == 2  # after the 2nd created row, and once at the end


def test_run_reports_progress_once_per_row(importer, monkeypatch):
    ticks: list[int] = []
    monkeypatch.setattr(importer.db, "commit", importer.db.flush)
    importer.run(parse_rows(MIXED, ".jsonl"), progress=ticks.append)
    assert ticks == [1] * 9


def test_run_with_the_transaction_managed_session_cannot_commit(importer):
    # Why the other tests replace commit: the fixture session refuses a direct commit.
    with pytest.raises(AssertionError, match="transaction manager"):
        importer.run(parse_rows(jsonl(good(1)), ".jsonl"))


def test_missing_index_number_gets_org_code_year_and_serial(importer, db, civil):
    assert importer.import_row(good(1, published_on="2024-05-06")) is None
    assert importer.import_row(good(2, published_on="2024-12-31")) is None
    assert importer.import_row(good(3)) is None  # no published_on: published today

    one, two, three = items(db, organisation_id=civil.id)
    assert one.index_number == f"{civil.code}/2024-00001"
    assert two.index_number == f"{civil.code}/2024-00002"
    assert one.published_on == date(2024, 5, 6)
    assert three.published_on == TODAY
    assert three.index_number == f"{civil.code}/2026-00001"


def test_serials_are_per_organisation(importer, db, civil, police):
    assert importer.import_row(good(1)) is None
    assert importer.import_row(good(2, organisation=POLICE, topic="security_justice")) is None
    assert items(db, organisation_id=civil.id)[0].index_number == f"{CIVIL}/2026-00001"
    assert items(db, organisation_id=police.id)[0].index_number == f"{POLICE}/2026-00001"


def test_explicit_index_number_is_kept_and_the_counter_moves_past_it(importer, db, civil):
    assert importer.import_row(good(1)) is None  # takes serial 1
    assert importer.import_row(good(2, index_number=f"{civil.code}/2026-00042")) is None
    assert importer.import_row(good(3)) is None
    # A lower explicit number does not move the counter back.
    assert importer.import_row(good(4, index_number=f"{civil.code}/2026-00007")) is None
    assert importer.import_row(good(5)) is None

    numbers = [i.index_number for i in items(db, organisation_id=civil.id)]
    assert numbers == [
        f"{civil.code}/2026-00001",
        f"{civil.code}/2026-00042",
        f"{civil.code}/2026-00043",
        f"{civil.code}/2026-00007",
        f"{civil.code}/2026-00044",
    ]
    serial = db.get(IndexSerial, {"organisation_id": civil.id, "year": 2026})
    assert serial.last_serial == 44


def test_explicit_index_number_of_another_year_moves_that_years_counter(importer, db, civil):
    row = good(1, index_number=f"{civil.code}/2025-00010", published_on="2025-06-01")
    assert importer.import_row(row) is None
    assert importer.import_row(good(2, published_on="2025-07-01")) is None
    assert importer.import_row(good(3)) is None  # 2026: its own counter
    numbers = [i.index_number for i in items(db, organisation_id=civil.id)]
    assert numbers[1:] == [f"{civil.code}/2025-00011", f"{civil.code}/2026-00001"]


def test_index_number_with_another_orgs_code_is_rejected(importer, db):
    row = good(1, index_number=f"{POLICE}/2026-00001")
    reason = importer.import_row(row)
    assert reason.startswith("index_number:") and "前缀应为发布机构代码" in reason
    later = importer.import_row(good(2, organisation=POLICE, topic="security_justice"))
    assert later is None


def test_csv_with_header_keywords_and_chinese_labels(importer, db, civil):
    csv_text = (
        "organisation,title,document_number,created_on,topic,genre,disclosure_mode,"
        "validity,keywords\n"
        "016000102,低保标准调整的通知,咸民发〔2026〕5号,2026-04-01,民政、扶贫、救灾,notice,"
        "主动公开,有效,a;b\n"
        "016000102,没有日期,,,civil_affairs_relief,notice,proactive,valid,\n"
        "016000102,列太多,,2026-04-01,civil_affairs_relief,notice,proactive,valid,x,extra\n"
    )
    rows = list(parse_rows(csv_text, ".csv"))
    assert [n for n, _ in rows] == [2, 3, 4]
    assert rows[0][1]["keywords"] == "a;b"
    assert isinstance(rows[2][1], ValueError) and "列数多于表头" in str(rows[2][1])

    reasons = [importer.import_row(r) for _, r in rows]
    assert reasons[0] is None
    assert reasons[1] == "created_on: 必填"
    assert "列数多于表头" in reasons[2]

    (item,) = items(db, organisation_id=civil.id)
    assert item.keywords == ["a", "b"]
    assert item.disclosure_mode == "proactive"
    assert item.topic == "civil_affairs_relief"
    assert item.validity == "valid"
    assert re.fullmatch(rf"{civil.code}/2026-00001", item.index_number)


def test_csv_category_label_uses_the_organisations_own_tree(importer, db, schema, civil):
    generic_codes = set(schema.category_tree("generic").codes)
    tree = schema.category_tree(civil.category_tree)
    leaf = next(c for c in tree.items if c.code not in generic_codes)
    assert importer.import_row(good(1, category=leaf.label)) is None
    assert items(db, organisation_id=civil.id)[0].category == leaf.code


def test_organisation_may_be_given_by_name_or_short_name(importer, db, civil):
    assert importer.import_row(good(1, organisation="咸阳市民政局")) is None
    assert importer.import_row(good(2, organisation=" 咸民 ")) is None
    assert importer.import_row(good(3, organisation="")) == "organisation: 必填"
    assert len(items(db, organisation_id=civil.id)) == 2


def test_a_row_that_fails_to_save_is_rolled_back_alone(importer, db, civil, monkeypatch):
    real_publish = importer.service.publish

    def publish(item, user, today, lock_version=None):
        if "第2批" in item.title:
            raise RuntimeError("boom")
        return real_publish(item, user, today, lock_version)

    monkeypatch.setattr(importer.service, "publish", publish)
    assert importer.import_row(good(1)) is None
    assert importer.import_row(good(2)) == "无法保存: RuntimeError: boom"
    assert importer.import_row(good(3)) is None

    kept = items(db, organisation_id=civil.id)
    assert [i.document_number for i in kept] == ["咸民发〔2026〕1号", "咸民发〔2026〕3号"]
    # The failed row's serial was rolled back with it: numbering has no gap.
    assert [i.index_number[-5:] for i in kept] == ["00001", "00002"]


def test_parse_rows_rejects_unknown_suffix_and_headerless_csv():
    with pytest.raises(ImportFileError, match="csv"):
        list(parse_rows("{}", ".xlsx"))
    with pytest.raises(ImportFileError, match="表头"):
        list(parse_rows("", ".csv"))


def test_read_rows_handles_bom_missing_file_and_bad_encoding(tmp_path):
    path = tmp_path / "items.JSONL"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good(1)).encode())
    ((number, row),) = list(read_rows(path))
    assert number == 1 and row["organisation"] == CIVIL

    with pytest.raises(ImportFileError, match="不存在"):
        list(read_rows(tmp_path / "missing.csv"))
    bad = tmp_path / "gbk.csv"
    bad.write_bytes("organisation,title\n016000102,咸阳市民政局公告\n".encode("gbk"))
    with pytest.raises(ImportFileError, match="UTF-8"):
        list(read_rows(bad))


# --- real commits, on a database of their own -------------------------------------------------


@pytest.fixture
def fresh_factory(databases, schema):
    """A session factory for a new, migrated database holding only the organisation tree."""
    engine = models.get_engine(databases.new())
    factory = models.get_session_factory(engine)
    with factory() as session, session.begin():
        tree = load_organisation_seed(ROOT / "catalog_schemas/organisations/xianyang.yaml", schema)
        load_organisations(session, tree)
    yield factory
    engine.dispose()


def count_items(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(CatalogueItem))


def test_run_commits_and_rerun_in_new_session_finds_existing(fresh_factory, schema):
    with fresh_factory() as session:
        report = CatalogueImporter(CatalogueService(session, schema), today=TODAY).run(
            parse_rows(MIXED, ".jsonl")
        )
    assert (report.created, report.existing, len(report.rejected)) == (3, 0, 6)
    assert count_items(fresh_factory) == 3

    with fresh_factory() as session:
        again = CatalogueImporter(CatalogueService(session, schema), today=TODAY).run(
            parse_rows(MIXED, ".jsonl")
        )
    assert (again.created, again.existing) == (0, 3)
    assert count_items(fresh_factory) == 3


def test_import_inside_outer_transaction_can_be_rolled_back(fresh_factory, schema):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    session = models.get_tm_session(fresh_factory, tm)
    importer = CatalogueImporter(CatalogueService(session, schema), today=TODAY)
    assert importer.import_row(good(1)) is None
    tm.abort()
    session.close()
    assert count_items(fresh_factory) == 0


def test_normative_kind_and_repeal_date_are_imported_from_jsonl_and_csv(importer, db, civil):
    row = good(1, normative_kind="规章", repealed_on="2026-05-01", validity="repealed")
    assert importer.import_row(row) is None
    header = "organisation,title,created_on,topic,genre,normative_kind,repealed_on"
    csv_text = (
        f"{header}\n{CIVIL},咸阳市民政局规范性文件,2026-02-01,综合政务,通知,行政规范性文件,\n"
    )
    [(_, csv_row)] = list(parse_rows(csv_text, ".csv"))
    assert importer.import_row(csv_row) is None
    first, second = items(db, organisation_id=civil.id)
    assert first.extra["normative_kind"] == "regulation"
    assert first.extra["repealed_on"] == "2026-05-01"
    assert second.extra["normative_kind"] == "normative_document"
    assert not second.extra.get("repealed_on")
    assert "repealed_on" in importer.import_row(good(2, repealed_on="2026-13-01"))
    assert "normative_kind" in importer.import_row(good(3, normative_kind="法律"))
