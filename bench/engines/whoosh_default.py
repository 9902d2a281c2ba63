"""Whoosh with its stock analysis: the baseline that shows why Chinese needs its own analysis.

``whoosh.fields.TEXT()`` uses the ``StandardAnalyzer``: a regex tokenizer (``\\w+(\\.?\\w+)*``),
lower-casing and English stop words. Han characters are ``\\w``, so a whole clause between
two punctuation marks becomes ONE token (``为了规范口岸开放``): a query word matches only when it
equals such a clause. The 文号 is split at its brackets (``鲁政发 2016 1号``), which happens to
suit it; full-width digits are not folded.

Fields: ``title``, ``body``, ``document_number`` (``TEXT()``), ``index_number`` (``ID``, stored),
``organisation`` (``KEYWORD``: the code and its ancestors), ``topic`` and ``year`` (``ID``).
Queries: the stock ``MultifieldParser`` over title, body, 文号 and 索引号 (the search box takes
all four) with ``AndGroup`` and the title boosted ×2; filters as a ``filter=`` query. BM25F.
Built with ``ix.writer(procs=1, limitmb=256)``.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import And, NullQuery, Term

from ..corpus import organisation_path
from .base import BenchQuery


def _schema() -> Schema:
    return Schema(
        index_number=ID(stored=True, unique=True),
        title=TEXT(),
        body=TEXT(),
        document_number=TEXT(),
        organisation=KEYWORD(),
        topic=ID(),
        year=ID(),
    )


class WhooshDefaultEngine:
    name = "whoosh_default"

    def __init__(self) -> None:
        self.ix = None
        self.searcher = None
        self.parser: MultifieldParser | None = None

    def build(self, items: list[dict], workdir: Path) -> None:
        ix = index.create_in(str(workdir), _schema())
        writer = ix.writer(procs=1, limitmb=256)
        for item in items:
            writer.add_document(
                index_number=item["index_number"],
                title=item["title"],
                body=item["body"],
                document_number=item.get("document_number") or "",
                organisation=" ".join(organisation_path(item["organisation"])),
                topic=item.get("topic") or "",
                year=(item.get("published_on") or "")[:4],
            )
        writer.commit()
        self.ix = ix
        self.searcher = ix.searcher()
        self.parser = MultifieldParser(
            ["title", "body", "document_number", "index_number"],
            ix.schema,
            fieldboosts={"title": 2.0},
            group=AndGroup,
        )

    def search(self, q: BenchQuery, limit: int = 10) -> list[str]:
        assert self.searcher is not None and self.parser is not None, "build() first"
        query = self.parser.parse(q.text)
        if query is None or query is NullQuery:
            return []
        filters = []
        if q.organisation:
            filters.append(Term("organisation", q.organisation))
        if q.topic:
            filters.append(Term("topic", q.topic))
        if q.year:
            filters.append(Term("year", str(q.year)))
        results = self.searcher.search(query, limit=limit, filter=And(filters) if filters else None)
        return [hit["index_number"] for hit in results]

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None
        if self.ix is not None:
            self.ix.close()
            self.ix = None
