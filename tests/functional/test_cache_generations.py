"""The organisation tree is cached per process and reloaded, in every process, after a commit
that changes an organisation (cache generations, ``disclosure.models.generations``)."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import event, select

from disclosure import main, models
from disclosure.models import CacheGeneration, Organisation
from disclosure.models.generations import CATALOGUE, ORGANISATIONS, current
from disclosure.organisations import TREE_CACHE


@pytest.fixture
def world(databases, schema, app_settings):
    """Two application processes (two registries, two engines) on one new database."""
    seeded = databases.seeded(schema)
    settings = {**app_settings, "disclosure.database_url": seeded.url}
    apps = [main({}, **settings), main({}, **settings)]
    yield seeded, [webtest.TestApp(a) for a in apps], apps
    for a in apps:
        a.registry["db_engine"].dispose()
    seeded.engine.dispose()


def _name(testapp, code: str) -> str:
    def find(nodes):
        for node in nodes:
            if node["code"] == code:
                return node["name"]
            found = find(node["children"])
            if found:
                return found
        return None

    return find(testapp.get("/api/v1/organisations").json["organisations"])


def _organisation_queries(engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, *args):
        if "FROM organisations" in statement:
            seen.append(statement)

    return seen


def test_the_tree_is_loaded_once_while_nothing_changes(world):
    _, (one, _), (app, _) = world
    one.get("/api/v1/organisations")
    tree = app.registry[TREE_CACHE]._tree
    seen = _organisation_queries(app.registry["db_engine"])
    one.get("/api/v1/organisations")
    one.get("/search", {"q": "管理"})
    assert app.registry[TREE_CACHE]._tree is tree
    assert seen == []


def test_a_renamed_organisation_shows_in_every_process_at_its_next_request(world):
    seeded, (one, two), _ = world
    code = "016000102"
    before = _name(one, code)
    assert _name(two, code) == before
    with seeded.factory.begin() as db:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        org.name = "咸阳市民政局（新名称）"
    assert _name(one, code) == "咸阳市民政局（新名称）"
    assert _name(two, code) == "咸阳市民政局（新名称）"
    # the search form's organisation list too (built once per tree)
    assert "咸阳市民政局（新名称）" in one.get("/search").text


def test_a_rolled_back_change_leaves_the_token(world):
    seeded, _, _ = world
    with seeded.factory() as db:
        before = current(db)
        org = db.scalars(select(Organisation).limit(1)).one()
        org.name = org.name + "（草稿）"
        db.flush()
        assert current(db)[ORGANISATIONS] != before[ORGANISATIONS]
        db.rollback()
        assert current(db) == before


def test_catalogue_changes_bump_the_catalogue_token_only(world, item_data, schema):
    seeded, _, _ = world
    from disclosure.catalogue.services import CatalogueService

    with seeded.factory.begin() as db:
        before = current(db)
        org = db.scalars(select(Organisation).where(Organisation.code == "016000102")).one()
        CatalogueService(db, schema).create(org, item_data(), None)
    with seeded.factory() as db:
        after = current(db)
    assert after[CATALOGUE] != before[CATALOGUE]
    assert after[ORGANISATIONS] == before[ORGANISATIONS]


def test_a_database_without_tokens_still_serves_the_tree(world):
    seeded, (one, _), _ = world
    with seeded.factory.begin() as db:
        db.execute(CacheGeneration.__table__.delete())
    assert _name(one, "016000102")
    with seeded.factory.begin() as db:
        org = db.scalars(select(Organisation).where(Organisation.code == "016000102")).one()
        org.name = "咸阳市民政局（又一名称）"
    # the first change made the row again; the name shows at once
    assert _name(one, "016000102") == "咸阳市民政局（又一名称）"
    with seeded.factory() as db:
        assert ORGANISATIONS in current(db)


def test_models_export_the_generation_table():
    assert models.CacheGeneration.__tablename__ == "cache_generations"
