"""Test set-up: a real database built by the Alembic migrations, one transaction per test.

SQLite by default; PostgreSQL when DISCLOSURE_TEST_DB=postgresql (URL from
DISCLOSURE_TEST_DATABASE_URL). Each PostgreSQL run works in schemas of its own.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import transaction
import webtest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from disclosure import main, models
from disclosure.accounts.services import configure_passwords, create_user
from disclosure.catalogue.registry import load_organisation_seed, load_schema
from disclosure.organisations.seed import load_organisations
from disclosure.scripts.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
PASSWORD = "correct-horse-battery"

# Real argon2id hashes at the least cost argon2 accepts (one pass over 1 MiB, one lane: about
# 1 ms a hash instead of 0.15 s with the production defaults), for every app and command the
# suite starts, its subprocesses included (through the environment, as an operator would set
# them). tests/unit/test_passwords.py checks the defaults and the settings themselves.
TEST_PASSWORD_COST = {"time_cost": "1", "memory_cost": "1024", "parallelism": "1"}
for _name, _value in TEST_PASSWORD_COST.items():
    os.environ[f"DISCLOSURE_PASSWORD_{_name.upper()}"] = _value
configure_passwords({f"disclosure.password.{k}": v for k, v in TEST_PASSWORD_COST.items()})


def backend() -> str:
    return os.environ.get("DISCLOSURE_TEST_DB", "sqlite")


def _pg_url_with_schema(schema: str) -> str:
    url = make_url(os.environ["DISCLOSURE_TEST_DATABASE_URL"])
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@dataclass
class Seeded:
    url: str
    engine: Engine
    factory: sessionmaker


class FreshDatabases:
    """Hands out new, migrated, empty databases (SQLite files or PostgreSQL schemas)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.schemas: list[str] = []

    def new(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        if backend() == "postgresql":
            engine = models.get_engine(os.environ["DISCLOSURE_TEST_DATABASE_URL"])
            with engine.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {name}"))
            engine.dispose()
            self.schemas.append(name)
            url = _pg_url_with_schema(name)
        else:
            url = f"sqlite:///{self.tmp}/{name}.sqlite"
        upgrade(None, url)
        return url

    def seeded(self, schema) -> Seeded:
        """A new database holding the demo organisation tree (committed), with its engine."""
        url = self.new()
        engine = models.get_engine(url)
        factory = models.get_session_factory(engine)
        seed = load_organisation_seed(ROOT / "catalog_schemas/organisations/xianyang.yaml", schema)
        with factory.begin() as db:
            load_organisations(db, seed)
        engine.dispose()  # no pooled connection left behind; the engine reconnects on use
        return Seeded(url, engine, factory)

    def drop_all(self) -> None:
        if not self.schemas:
            return
        engine = models.get_engine(os.environ["DISCLOSURE_TEST_DATABASE_URL"])
        # One transaction per schema: dropping dozens of schemas at once takes a lock per table
        # and runs out of max_locks_per_transaction.
        for name in self.schemas:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = FreshDatabases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def schema():
    return load_schema(ROOT / "catalog_schemas")


@pytest.fixture(scope="session")
def database_url(databases, schema):
    """The shared test database: migrated, with the demo organisation tree committed."""
    seeded = databases.seeded(schema)
    seeded.engine.dispose()
    return seeded.url


@pytest.fixture(scope="session")
def app_settings(database_url, tmp_path_factory):
    return {
        "disclosure.database_url": database_url,
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.session_secret": "test-secret",
        "disclosure.files.max_bytes": str(2 * 1024 * 1024),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("index")),
        "disclosure.search.indexer": "off",
        # The shared app runs Whoosh (its outbox and indexer are tested here); the default
        # (auto: the engine inside the database) and every engine run in tests/contract.
        "disclosure.search.backend": "whoosh",
        "pyramid.default_locale_name": "zh_Hans",
    }


@pytest.fixture(scope="session")
def app(app_settings):
    app = main({}, **app_settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    yield app
    app.registry["db_engine"].dispose()


@pytest.fixture
def tm():
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    tm.doom()
    yield tm
    tm.abort()


@pytest.fixture
def dbsession(app, tm):
    return models.get_tm_session(app.registry["dbsession_factory"], tm)


class TestApp(webtest.TestApp):
    __test__ = False

    def login(self, email: str, password: str = PASSWORD):
        form = self.get("/login").forms[0]
        form["email"] = email
        form["password"] = password
        return form.submit(status=303)

    def logout(self):
        return self.post("/logout", {"csrf_token": self.csrf_token()}, status=303)

    def csrf_token(self) -> str:
        page = self.get("/login")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def testapp(app, tm, dbsession):
    return TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


@pytest.fixture
def orgs(dbsession):
    from disclosure.organisations.services import OrganisationTree

    return OrganisationTree(dbsession)


@pytest.fixture
def civil(orgs):
    return next(o for o in orgs.orgs if o.category_tree == "civil_affairs")


@pytest.fixture
def police(orgs):
    return next(o for o in orgs.orgs if o.category_tree == "public_security")


@pytest.fixture
def make_user(dbsession):
    def make(org, role="officer", email=None):
        email = email or f"{role}.{uuid.uuid4().hex[:8]}@example.gov.cn"
        return create_user(dbsession, email, PASSWORD, org, role)

    return make


@pytest.fixture
def catalogue(dbsession, schema):
    from disclosure.catalogue.services import CatalogueService

    return CatalogueService(dbsession, schema)


@pytest.fixture
def item_data():
    def make(**overrides):
        data = {
            "title": "咸阳市人民政府关于进一步加强政务公开工作的通知",
            "summary": "部署全市政务公开重点工作。",
            "body": "各县市区人民政府，市政府各工作部门：\n为进一步加强政务公开工作……",
            "document_number": "咸政发〔2026〕3号",
            "created_on": date(2026, 3, 1),
            "topic": "general_affairs",
            "genre": "notice",
            "keywords": ["政务公开", "通知"],
            "disclosure_mode": "proactive",
            "validity": "valid",
        }
        data.update(overrides)
        return data

    return make
