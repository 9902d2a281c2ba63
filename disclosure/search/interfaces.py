from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from .query import ParsedQuery, parse


@dataclass
class SearchQuery:
    """What the public asked for: validated, with defaults."""

    q: str = ""
    organisation: str | None = None
    topic: str | None = None
    genre: str | None = None
    year: int | None = None
    date_from: object | None = None
    date_to: object | None = None
    disclosure_mode: str | None = None
    validity: str | None = None
    sort: str = "relevance"  # relevance | date
    page: int = 1
    per_page: int = 20
    document_number: str | None = None  # the advanced form's 文号: an identifier of the tree
    # the query tree, parsed once from ``q`` (and ``document_number``) here; engines compile it
    tree: ParsedQuery = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.tree = parse(self.q or "", [self.document_number] if self.document_number else [])


@dataclass
class SearchHit:
    index_number: str
    title: str
    document_number: str
    organisation: str
    organisation_name: str
    published_on: str
    snippet: str  # HTML: the matched words in <em>


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    message: str | None = None  # e.g. the query was cut or nothing could be searched

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class ISearchIndex(Protocol):
    """The public catalogue's full-text index: one engine, chosen by ``disclosure.search.backend``
    (``whoosh``; the SQL engines are being added). Every engine passes the contract suite.

    ``apply`` upserts public documents (``documents.to_document``) and deletes item ids;
    ``search`` compiles ``query.tree`` and returns one page with facet counts and snippets;
    ``stamps`` maps item id → the stamp of the indexed version (for ``index-check``);
    ``clear`` empties the index; ``health`` reports the engine and its size.
    """

    name: str

    def apply(self, documents: Iterable[dict], deletions: Iterable[str]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def stamps(self) -> dict[str, str]: ...

    def clear(self) -> None: ...

    def health(self) -> dict: ...
