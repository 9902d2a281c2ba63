"""A live site for the browser: a migrated database of its own, the application served by
waitress on a free loopback port from a thread, the staff accounts, the business date fixed.

Used by the journeys (tests/e2e/conftest.py) and by ``python -m tests.e2e.screenshots``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import waitress
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from waitress import wasyncore

from disclosure import main, models
from disclosure.accounts.services import create_user
from disclosure.catalogue.importer import CatalogueImporter, read_rows
from disclosure.catalogue.services import CatalogueService
from disclosure.clock import business_today
from disclosure.models import Organisation

ROOT = Path(__file__).resolve().parents[2]
DEMO_ITEMS = ROOT / "disclosure" / "demo" / "items.jsonl"

# The staff of the journeys: (key, organisation: "root" or a category tree, role, display name)
STAFF = (
    ("officer", "civil_affairs", "officer", "民政局公开专员"),
    ("org_admin", "civil_affairs", "org_admin", "民政局管理员"),
    ("city_admin", "root", "city_admin", "市信息办管理员"),
)


def site_settings(url: str, tmp: Path, **extra: str) -> dict[str, str]:
    return {
        "disclosure.database_url": url,
        "disclosure.files_dir": str(tmp / "files"),
        "disclosure.session_secret": "e2e-secret",
        "disclosure.search.index_dir": str(tmp / "index"),
        "disclosure.search.indexer": "off",  # the default engine indexes in the same transaction
        "disclosure.mail.backend": "log",  # mail leaves through the log backend
        "disclosure.mail.worker": "thread",
        "pyramid.default_locale_name": "zh_Hans",
        **extra,
    }


def organisation_query(where: str):
    query = select(Organisation).order_by(Organisation.id)
    if where == "root":
        return query.where(Organisation.parent_id.is_(None))
    return query.where(Organisation.category_tree == where)


@dataclass
class Site:
    """The application behind ``base``, with its database and its staff (key → e-mail)."""

    base: str
    app: object
    today: date
    staff: dict[str, str] = field(default_factory=dict)

    @property
    def factory(self):
        return self.app.registry["dbsession_factory"]

    def session(self) -> Session:
        return self.factory()

    def count(self, model, *where) -> int:
        with self.factory() as db:
            return db.scalar(select(func.count()).select_from(model).where(*where))

    def organisation(self, where: str) -> Organisation:
        """The city (``root``), or the first body of a category tree (``civil_affairs``)."""
        with self.factory() as db:
            org = db.scalars(organisation_query(where)).first()
            db.expunge(org)
            return org

    def import_items(self, path: Path = DEMO_ITEMS) -> int:
        """Import the demo catalogue (``disclosure import-catalogue``'s importer)."""
        with self.factory() as db:
            importer = CatalogueImporter(
                CatalogueService(db, self.app.registry["catalogue_schema"]), today=self.today
            )
            report = importer.run(list(read_rows(path)))
            db.commit()
        assert not report.rejected, report.rejected
        return report.created


def add_staff(url: str, password: str) -> dict[str, str]:
    """The journeys' staff accounts in the database at ``url``: key → e-mail."""
    engine = models.get_engine(url)
    staff = {}
    try:
        with models.get_session_factory(engine)() as db:
            for key, where, role, name in STAFF:
                email = f"{key.replace('_', '.')}@xianyang.gov.cn"
                org = db.scalars(organisation_query(where)).first()
                create_user(db, email, password, org, role, name)
                staff[key] = email
            db.commit()
    finally:
        engine.dispose()
    return staff


@contextmanager
def serve(app) -> Iterator[str]:
    """``app`` served by waitress on a free loopback port, from a thread; yields the base URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="e2e-waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # closed from the server's own loop thread (the trigger runs the thunk there): a close
        # from this thread could shut a socket while the loop is in select() on it (EBADF)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(10)
        server.task_dispatcher.shutdown()


@contextmanager
def live_site(url: str, tmp: Path, today: date | None, staff: dict[str, str]) -> Iterator[Site]:
    """The application on the migrated database at ``url``, served; the business date is
    ``today`` (None: the real one). Stopped (server, mail thread, pool) on exit."""
    app = main({}, **site_settings(url, tmp))
    if today is not None:
        app.registry["disclosure.clock"] = lambda: today
    try:
        with serve(app) as base:
            yield Site(base, app, today or business_today(), dict(staff))
    finally:
        mail = app.registry.get("mail_sender_thread")
        if mail is not None:
            mail.stop()
            if mail.is_alive():
                mail.join(10)
        app.registry["db_engine"].dispose()
