"""The one indexer: applies the outbox to the index after commit, rebuilds, checks.

Applying is idempotent (a document always reflects the item's current committed state), so a
killed indexer or a Whoosh lock loses nothing: unapplied rows stay in the outbox for next time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker
from whoosh import index as whoosh_index
from whoosh.index import LockError

from ..catalogue.registry import CatalogueSchema
from ..catalogue.visibility import visible_items
from ..models import CatalogueItem, SearchOutbox
from ..models.search import utcnow
from ..organisations.services import OrganisationTree
from .documents import stamp, to_document
from .whoosh_index import IndexStore, WhooshSearchIndex, index_document

log = logging.getLogger(__name__)

BATCH = 500  # items per transaction and per index commit


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
    def __init__(
        self,
        session_factory: sessionmaker,
        search_index: WhooshSearchIndex,
        schema: CatalogueSchema | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.index = search_index
        self.schema = schema  # None: the configured catalogue schema (see to_document)

    def pending(self) -> int:
        with self.session_factory() as db:
            return db.scalar(
                select(func.count())
                .select_from(SearchOutbox)
                .where(SearchOutbox.processed_at.is_(None))
            )

    def run_once(self, batch: int = BATCH, lock_timeout: float = 5.0) -> int:
        """Apply up to ``batch`` outbox rows; return how many were applied (0 if locked)."""
        with self.session_factory() as db:
            rows = db.execute(
                select(SearchOutbox.id, SearchOutbox.item_id)
                .where(SearchOutbox.processed_at.is_(None))
                .order_by(SearchOutbox.id)
                .limit(batch)
            ).all()
            if not rows:
                return 0
            docs, deletions = documents_for(
                db, {item_id for _, item_id in rows}, schema=self.schema
            )
            try:
                if getattr(self.index, "transactional", False):
                    # an engine in this database: write it in this transaction (a second
                    # connection's write would make this one's outbox update fail on SQLite)
                    self.index.apply_in_session(db, docs, deletions)
                else:
                    self.index.apply(docs, deletions, timeout=lock_timeout)
            except LockError:
                log.warning("search index is locked; %d changes wait for the next run", len(rows))
                return 0
            db.execute(
                update(SearchOutbox)
                .where(SearchOutbox.id.in_([row_id for row_id, _ in rows]))
                .values(processed_at=utcnow())
            )
            db.commit()
            return len(rows)

    def run_until_empty(self, batch: int = BATCH) -> int:
        total = 0
        while (done := self.run_once(batch)) > 0:
            total += done
        return total

    def purge(self, older_than: timedelta = timedelta(days=7)) -> int:
        with self.session_factory() as db:
            result = db.execute(
                delete(SearchOutbox).where(SearchOutbox.processed_at < utcnow() - older_than)
            )
            db.commit()
            return result.rowcount


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
    until the swap. Changes made meanwhile are replayed from the outbox before and after."""
    report = RebuildReport()
    started = utcnow() - timedelta(seconds=5)
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
    replay_from = started
    for _ in range(2):  # before the swap, then once more for what changed during the first replay
        next_from = utcnow() - timedelta(seconds=5)
        report.replayed += replay(session_factory, target, replay_from, schema)
        if _ == 0:
            store.swap(generation)
        replay_from = next_from
    store.remove_old(keep=1)
    return report


def replay(
    session_factory: sessionmaker,
    target: WhooshSearchIndex,
    since: datetime,
    schema: CatalogueSchema | None = None,
) -> int:
    with session_factory() as db:
        item_ids = set(
            db.scalars(select(SearchOutbox.item_id).where(SearchOutbox.created_at >= since))
        )
        if not item_ids:
            return 0
        docs, deletions = documents_for(db, item_ids, schema=schema)
    target.apply(docs, deletions, timeout=30)
    return len(item_ids)


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
