"""The real ``disclosure reindex`` path: N catalogue items in a database, rebuilt into a new
index generation and swapped in (the target: 40,000 items in under 60 s on 2 cores).

    .venv/bin/python -m bench.reindex [--items 40000] [--procs 2] [--limitmb 1024] [--repeat 3]

The items are the statute articles of ``bench/corpus.py``, inserted straight into a fresh SQLite
database (migrated by Alembic) as published catalogue items. Only the rebuild is timed: reading
the items from the database, analysing them, writing and committing the new generation, the
replay of the outbox and the swap. ``index-check`` then confirms nothing is missing or stale.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from disclosure import models
from disclosure.models import CatalogueItem, Organisation
from disclosure.scripts.migrations import upgrade
from disclosure.search.indexer import check, rebuild
from disclosure.search.whoosh_index import IndexStore, WhooshSearchIndex

from .corpus import ORGANISATIONS, build_items


def load(url: str, n: int) -> int:
    engine = models.get_engine(url)
    items = build_items(limit=n)
    with engine.begin() as conn:
        ids: dict[str, int] = {}
        for position, org in enumerate(ORGANISATIONS):
            kind = "city" if org["parent"] is None else "department"
            result = conn.execute(
                insert(Organisation).values(
                    code=org["code"],
                    name=org["name"],
                    short_name=org["name"][:4],
                    kind=kind,
                    parent_id=ids.get(org["parent"]),
                    category_tree="generic",
                    guide="",
                    position=position,
                    reconsideration_body="",
                )
            )
            ids[org["code"]] = result.inserted_primary_key[0]
        conn.execute(
            insert(CatalogueItem),
            [item_row(item, ids) for item in items],
        )
    engine.dispose()
    return len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limitmb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/reindex.sqlite"
        upgrade(None, url)
        count = load(url, args.items)
        print(f"{count:,} published items in the database", file=sys.stderr)
        engine = models.get_engine(url)
        factory = models.get_session_factory(engine)
        store = IndexStore(Path(tmp) / "index")
        times = []
        for run in range(args.repeat):
            start = time.perf_counter()
            report = rebuild(factory, store, procs=args.procs, limitmb=args.limitmb)
            times.append(time.perf_counter() - start)
            print(f"run {run + 1}: {report.indexed:,} items in {times[-1]:.1f} s", file=sys.stderr)
        problems = check(factory, WhooshSearchIndex(store))
        engine.dispose()
    median = statistics.median(times)
    print(f"disclosure reindex: {count:,} items, procs={args.procs}, limitmb={args.limitmb}")
    print(
        f"median {median:.1f} s over {args.repeat} runs ({count / median:,.0f} items/s); "
        f"runs: {', '.join(f'{t:.1f}' for t in times)} s"
    )
    print(
        f"index-check afterwards: missing {len(problems.missing)}, stale {len(problems.stale)}, "
        f"extra {len(problems.extra)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())


def item_row(item: dict, org_ids: dict[str, int]) -> dict:
    """A bench corpus item as a published ``catalogue_items`` row (bulk insert, no history)."""
    return {
        "organisation_id": org_ids[item["organisation"]],
        "index_number": item["index_number"],
        "status": "published",
        "title": item["title"],
        "summary": item.get("summary", ""),
        "body": item["body"],
        "document_number": item.get("document_number") or "",
        "created_on": date.fromisoformat(item["created_on"]),
        "published_on": date.fromisoformat(item["published_on"]),
        "topic": item["topic"],
        "genre": item["genre"],
        "keywords": item.get("keywords", []),
        "audience": "",
        "disclosure_mode": "proactive",
        "validity": item.get("validity", "valid"),
        "category": "",
        "extra": {},
        "current_version": 1,
        "has_draft": False,
        "lock_version": 1,
    }
