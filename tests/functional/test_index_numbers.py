"""索引号: assigned at first publication, unique, never changed or reused, even in parallel."""

import re
import threading

import pytest
from sqlalchemy import select

from disclosure import models
from disclosure.catalogue.registry import load_schema
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, Organisation

from ..conftest import ROOT, TODAY, backend


def test_number_is_assigned_once_and_kept_through_revision_and_repeal(catalogue, orgs, item_data):
    org = orgs.roots[0]
    item = catalogue.create(org, item_data(), None)
    assert item.index_number is None
    catalogue.publish(item, None, TODAY)
    number = item.index_number
    assert re.fullmatch(rf"{org.code}/2026-\d{{5}}", number)
    catalogue.save_draft(item, item_data(title="修订后的标题"), None)
    catalogue.publish(item, None, TODAY)
    catalogue.repeal(item, None, "废止")
    assert item.index_number == number
    second = catalogue.create(org, item_data(title="第二条"), None)
    catalogue.publish(second, None, TODAY)
    assert int(second.index_number[-5:]) == int(number[-5:]) + 1


def test_serials_are_per_organisation_and_year(catalogue, orgs, item_data):
    from datetime import date

    a, b = orgs.roots[0], orgs.children(orgs.roots[0])[0]
    first_a = catalogue.create(a, item_data(published_on=date(2031, 1, 5)), None)
    catalogue.publish(first_a, None, TODAY)
    first_b = catalogue.create(b, item_data(published_on=date(2031, 1, 5)), None)
    catalogue.publish(first_b, None, TODAY)
    assert first_a.index_number == f"{a.code}/2031-00001"
    assert first_b.index_number == f"{b.code}/2031-00001"


def test_stale_lock_version_is_a_conflict(catalogue, orgs, item_data):
    from disclosure.catalogue.services import ConflictError

    item = catalogue.create(orgs.roots[0], item_data(), None)
    stale = item.lock_version
    catalogue.save_draft(item, item_data(title="甲的修改"), None, lock_version=stale)
    with pytest.raises(ConflictError):
        catalogue.save_draft(item, item_data(title="乙的修改"), None, lock_version=stale)


@pytest.mark.postgresql
@pytest.mark.skipif(
    backend() != "postgresql", reason="parallel publication is tested on PostgreSQL"
)
def test_parallel_publication_never_duplicates_numbers(databases):
    """Twelve threads publish at once, each in its own committed transaction."""
    url = databases.new()
    engine = models.get_engine(url, pool_size=12, max_overflow=0)
    factory = models.get_session_factory(engine)
    schema = load_schema(ROOT / "catalog_schemas")
    with factory.begin() as db:
        org = Organisation(
            code="099000001", name="并发测试机构", short_name="并发", kind="department"
        )
        db.add(org)
        db.flush()
        service = CatalogueService(db, schema)
        ids = [
            service.create(org, {"title": f"条目{i}", "topic": "other", "genre": "notice"}, None).id
            for i in range(24)
        ]
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def worker(chunk):
        try:
            barrier.wait()
            for item_id in chunk:
                with factory.begin() as db:
                    service = CatalogueService(db, schema)
                    service.publish(db.get(CatalogueItem, item_id), None, TODAY)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ids[i::12],)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as db:
        numbers = db.scalars(select(CatalogueItem.index_number)).all()
    engine.dispose()
    assert len(numbers) == 24 == len(set(numbers))
    assert sorted(numbers) == [f"099000001/2026-{n:05d}" for n in range(1, 25)]
