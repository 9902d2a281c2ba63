"""The app's own search: its Whoosh schema, Chinese analysis and query building."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from whoosh import index

from disclosure.search.documents import build_document
from disclosure.search.interfaces import SearchQuery
from disclosure.search.whoosh_index import IndexStore, WhooshSearchIndex, index_document

from ..corpus import ORGANISATIONS, organisation_path
from .base import BenchQuery

NAMES = {o["code"]: o["name"] for o in ORGANISATIONS}


def corpus_document(item: dict) -> dict:
    return build_document(
        item_id=item["index_number"],
        index_number=item["index_number"],
        title=item["title"],
        summary=item.get("summary", ""),
        content="\n".join(p for p in (item.get("summary"), item.get("body")) if p),
        keywords=item.get("keywords", []),
        document_number=item.get("document_number") or "",
        organisation_path=organisation_path(item["organisation"]),
        organisation_name=NAMES.get(item["organisation"], ""),
        topic=item.get("topic", ""),
        genre=item.get("genre", ""),
        disclosure_mode=item.get("disclosure_mode", "proactive"),
        validity=item.get("validity", "valid"),
        published_on=date.fromisoformat(item["published_on"]),
    )


class WhooshAppEngine:
    name = "whoosh_app"
    procs = 2  # this machine has 2 cores; `disclosure reindex --procs 2` does the same
    limitmb = 1024  # per process: fewer spills of Whoosh's posting pool to disk
    facets = False  # the other engines compute no facet counts or snippets either

    def __init__(self) -> None:
        self.index: WhooshSearchIndex | None = None

    def build(self, items: list[dict], workdir: Path) -> None:
        store = IndexStore(workdir / "index")
        generation = store.new_generation()
        store.swap(generation)
        ix = index.open_dir(str(generation))
        writer = ix.writer(procs=self.procs, limitmb=self.limitmb, multisegment=self.procs > 1)
        for item in items:
            writer.add_document(**index_document(corpus_document(item)))
        writer.commit()
        self.index = WhooshSearchIndex(store)
        self.index.searcher()  # open the readers now, as the running site would have

    def search(self, q: BenchQuery, limit: int = 10) -> list[str]:
        query = SearchQuery(
            q=q.text, organisation=q.organisation, topic=q.topic, year=q.year, per_page=limit
        )
        result = self.index.search(query, facets=self.facets, snippets=self.facets)
        return [hit.index_number for hit in result.hits]

    def close(self) -> None:
        self.index = None


class WhooshAppFullEngine(WhooshAppEngine):
    """The same, with the facet counts and highlighted snippets the search page shows."""

    name = "whoosh_app_full"
    facets = True
