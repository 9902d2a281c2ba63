"""The one indexer: applies the outbox to the index after commit, rebuilds, checks.

Applying is idempotent (a document always reflects the item's current committed state), so a
killed indexer or a Whoosh lock loses nothing: unapplied rows stay in the outbox for next time.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import LockError

from ..catalogue.registry import CatalogueSchema
from ..catalogue.visibility import visible_items
from ..models import CatalogueItem
from ..organisations.services import OrganisationTree
from . import changefeed
from .documents import stamp, to_document
from .transactional import is_transactional
from .whoosh_index import IndexStore, WhooshSearchIndex, index_document

log = logging.getLogger(__name__)

BATCH = 500  # items per transaction and per index commit
CONSUMER = "whoosh"  # the Whoosh indexer's cursor in the change feed
REBUILD_CONSUMER = "whoosh-rebuild"  # a running rebuild's cursor (see rebuild)


def _load_items(db: Session, item_ids: Iterable[int]) -> list[CatalogueItem]:
    return list(
        db.scalars(
            select(CatalogueItem)
            .where(CatalogueItem.id.in_(list(item_ids)))
            .options(
                selectinload(CatalogueItem.attachments), selectinload(CatalogueItem.organisation)
            )
        )
    )


def ancestor_codes(db: Session) -> dict[int, list[str]]:
    """Organisation id → codes of its ancestors, as plain strings (safe across transactions)."""
    tree = OrganisationTree(db)
    return {org.id: [a.code for a in tree.ancestors(org)] for org in tree.orgs}


def documents_for(
    db: Session,
    item_ids: set[int],
    ancestors: dict[int, list[str]] | None = None,
    schema: CatalogueSchema | None = None,
):
    """(documents to upsert, item ids to delete) for the given items' current state: an item the
    public may not see (any more) is deleted from the index."""
    ancestors = ancestors if ancestors is not None else ancestor_codes(db)
    docs, deletions = [], {str(i) for i in item_ids}
    for item in _load_items(db, item_ids):
        doc = to_document(item, ancestors.get(item.organisation_id, []), schema)
        if doc is not None:
            docs.append(doc)
            deletions.discard(str(item.id))
    return docs, sorted(deletions)


class Indexer:
    """Feeds a Whoosh index from the change feed, as consumer :data:`CONSUMER`."""

    def __init__(
        self,
        session_factory: sessionmaker,
        search_index: WhooshSearchIndex,
        schema: CatalogueSchema | None = None,
        consumer: str = CONSUMER,
    ) -> None:
        self.session_factory = session_factory
        self.index = search_index
        self.schema = schema  # None: the configured catalogue schema (see to_document)
        self.consumer = consumer

    def pending(self) -> int:
        """Changes this consumer has not applied yet (0 for a transactional engine)."""
        if is_transactional(self.index):
            return 0
        with self.session_factory() as db:
            return changefeed.pending(db, self.consumer)

    def run_once(self, batch: int = BATCH, lock_timeout: float = 5.0) -> int:
        """Apply up to ``batch`` outbox rows after this consumer's cursor, then advance it;
        return how many were applied (0 if locked). A transactional engine is written in each
        change's own transaction: nothing to do, and no cursor holds back pruning."""
        if is_transactional(self.index):
            return 0
        with self.session_factory() as db:
            registered = changefeed.register(db, self.consumer)
            changes = changefeed.read(db, self.consumer, batch)
            if not changes:
                if registered:
                    db.commit()
                return 0
            docs, deletions = documents_for(
                db, {change.item_id for change in changes}, schema=self.schema
            )
            try:
                self.index.apply(docs, deletions, timeout=lock_timeout)
            except LockError:
                log.warning(
                    "search index is locked; %d changes wait for the next run", len(changes)
                )
                return 0
            changefeed.advance(db, self.consumer, changes[-1].id)
            db.commit()
            return len(changes)

    def run_until_empty(self, batch: int = BATCH) -> int:
        total = 0
        while (done := self.run_once(batch)) > 0:
            total += done
        return total

    def prune(self, keep: timedelta = changefeed.RETENTION) -> int:
        """Delete outbox rows every consumer has passed, older than ``keep``."""
        with self.session_factory() as db:
            removed = changefeed.prune(db, keep)
            db.commit()
            return removed


class IndexerThread(threading.Thread):
    """Runs the indexer inside the web process: woken after each commit, and every few seconds."""

    def __init__(self, indexer: Indexer, interval: float = 5.0) -> None:
        super().__init__(name="search-indexer", daemon=True)
        self.indexer = indexer
        self.interval = interval
        self.wake = threading.Event()
        self.stopped = threading.Event()

    def notify(self) -> None:
        self.wake.set()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()

    def run(self) -> None:  # pragma: no cover - exercised by the running site
        while not self.stopped.is_set():
            try:
                self.indexer.run_until_empty()
            except Exception:
                log.exception("search indexer failed; retrying")
            self.wake.wait(self.interval)
            self.wake.clear()


@dataclass
class RebuildReport:
    indexed: int = 0
    replayed: int = 0
    generation: str = ""


def public_item_ids(db: Session) -> list[int]:
    """Ids of the items the public may see (the SQL form of the public boundary)."""
    return list(db.scalars(visible_items(CatalogueItem.id).order_by(CatalogueItem.id)))


def _holding_a_cursor(build):
    """Around a rebuild: register :data:`REBUILD_CONSUMER` at the newest outbox row before the
    build reads anything (so every change it may miss is after the cursor, and stays in the
    outbox until it is replayed), and remove it afterwards, even when the build fails."""

    @functools.wraps(build)
    def wrapper(session_factory: sessionmaker, *args, **kwargs):
        with session_factory() as db:
            changefeed.unregister(db, REBUILD_CONSUMER)  # left behind by a killed rebuild
            changefeed.register(db, REBUILD_CONSUMER, changefeed.head(db))
            db.commit()
        try:
            return build(session_factory, *args, **kwargs)
        finally:
            with session_factory() as db:
                changefeed.unregister(db, REBUILD_CONSUMER)
                db.commit()

    return wrapper


@_holding_a_cursor
def rebuild(
    session_factory: sessionmaker,
    store: IndexStore,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    procs: int = 1,
    limitmb: int = 1024,
    batch: int = BATCH,
    schema: CatalogueSchema | None = None,
) -> RebuildReport:
    """Build a new generation from the database and swap it in; the old one keeps answering
    until the swap. Changes committed after it started are replayed from the change feed (as
    consumer :data:`REBUILD_CONSUMER`) before the swap, and once more after it."""
    report = RebuildReport()
    generation = store.new_generation()
    report.generation = generation.name
    ix = whoosh_index.open_dir(str(generation))
    with session_factory() as db:
        ids = public_item_ids(db)
        if total:
            total(len(ids))
        ancestors = ancestor_codes(db)
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
        try:
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                docs, _ = documents_for(db, set(chunk), ancestors, schema)
                for doc in docs:
                    writer.add_document(**index_document(doc))
                report.indexed += len(docs)
                db.rollback()  # end the read transaction: never hold the database for long
                db.expunge_all()
                if progress:
                    progress(len(chunk))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    target = WhooshSearchIndex(store, pinned=ix)
    report.replayed += replay(session_factory, target, schema)  # changed while it was built
    store.swap(generation)
    report.replayed += replay(session_factory, target, schema)  # changed until the swap
    store.remove_old(keep=1)
    return report


def replay(
    session_factory: sessionmaker,
    target: WhooshSearchIndex,
    schema: CatalogueSchema | None = None,
    consumer: str = REBUILD_CONSUMER,
) -> int:
    """Apply to ``target`` every change after ``consumer``'s cursor, advancing it batch by
    batch; return how many item changes were applied."""
    replayed = 0
    while True:
        with session_factory() as db:
            changes = changefeed.read(db, consumer, BATCH)
            if not changes:
                return replayed
            item_ids = {change.item_id for change in changes}
            docs, deletions = documents_for(db, item_ids, schema=schema)
            target.apply(docs, deletions, timeout=30)
            changefeed.advance(db, consumer, changes[-1].id)
            db.commit()
        replayed += len(item_ids)


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # public in the database, not in the index
    stale: list[str] = field(default_factory=list)  # in the index with an older state
    extra: list[str] = field(default_factory=list)  # in the index but not public any more

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check(session_factory: sessionmaker, search_index: WhooshSearchIndex) -> CheckReport:
    indexed = search_index.stamps()
    report = CheckReport()
    with session_factory() as db:
        ids = public_item_ids(db)
        for start in range(0, len(ids), BATCH):
            for item in _load_items(db, ids[start : start + BATCH]):
                key = str(item.id)
                label = item.index_number or key
                if key not in indexed:
                    report.missing.append(label)
                elif indexed.pop(key) != stamp(item):
                    report.stale.append(label)
            db.expunge_all()
    report.extra = sorted(indexed)
    return report
