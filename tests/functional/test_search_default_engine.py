"""The default search engine (``disclosure.search.backend = auto``): the one inside the
application's own database, so a published item is found by the next request, with no indexer."""

from __future__ import annotations

import webtest
from sqlalchemy import select

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.models import Organisation

from ..conftest import TODAY, backend


def test_the_default_engine_is_the_databases_own_and_needs_no_indexer(
    databases, schema, app_settings, item_data
):
    seeded = databases.seeded(schema)
    settings = {k: v for k, v in app_settings.items() if k != "disclosure.search.backend"} | {
        "disclosure.database_url": seeded.url,
        "disclosure.search.indexer": "thread",
    }
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    try:
        index = app.registry["search_index"]
        assert index.name == backend()  # sqlite on SQLite, postgresql on PostgreSQL
        assert "search_indexer_thread" not in app.registry  # nothing to run beside the app
        client = webtest.TestApp(app)
        assert client.get("/api/v1/search", {"q": "蓝鲸取暖"}).json["total"] == 0
        with app.registry["dbsession_factory"].begin() as db:  # the app's own sessions
            org = db.scalars(select(Organisation).where(Organisation.code == "016000102")).one()
            service = CatalogueService(db, schema)
            item = service.create(
                org, item_data(title="关于发放蓝鲸取暖补贴的通知", document_number=""), None
            )
            db.flush()
            service.publish(item, None, TODAY)
        hits = client.get("/api/v1/search", {"q": "蓝鲸取暖"}).json["hits"]
        assert [h["title"] for h in hits] == ["关于发放蓝鲸取暖补贴的通知"]
    finally:
        app.registry["db_engine"].dispose()
        seeded.engine.dispose()
