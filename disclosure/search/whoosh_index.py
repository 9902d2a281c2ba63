"""The Whoosh index of the public catalogue, in generations that a rebuild swaps atomically.

``<index_dir>/CURRENT`` names the live generation (a sub-folder). A rebuild writes a new
generation beside it and replaces CURRENT in one rename, so searches keep answering.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import escape
from whoosh import fields, highlight, index, sorting, writing
from whoosh import query as wq
from whoosh.analysis import Token

from ..i18n import _
from .analysis import bigram_analyzer, highlight_spans, word_analyzer
from .interfaces import SearchHit, SearchQuery, SearchResult
from .query import ParsedQuery
from .whoosh_compile import build

log = logging.getLogger(__name__)

FACETS = ("organisation", "topic", "genre", "year", "disclosure_mode", "validity")


def make_schema() -> fields.Schema:
    words, grams = word_analyzer(), bigram_analyzer()
    return fields.Schema(
        item_id=fields.ID(stored=True, unique=True),
        index_number=fields.ID(stored=True, sortable=True),
        index_number_display=fields.STORED(),
        title=fields.TEXT(analyzer=words, stored=True, phrase=False),
        title_bg=fields.TEXT(analyzer=grams, phrase=True),
        content=fields.TEXT(analyzer=words, stored=True, phrase=False),
        content_bg=fields.TEXT(analyzer=grams, phrase=True),
        summary=fields.STORED(),
        keywords=fields.KEYWORD(commas=True, lowercase=True, scorable=True),
        document_number=fields.ID(stored=False),
        document_number_display=fields.STORED(),
        organisation=fields.KEYWORD(),
        organisation_code=fields.ID(stored=True),
        organisation_name=fields.STORED(),
        topic=fields.ID(stored=True, sortable=True),
        genre=fields.ID(stored=True, sortable=True),
        disclosure_mode=fields.ID(stored=True, sortable=True),
        validity=fields.ID(stored=True, sortable=True),
        year=fields.ID(stored=True, sortable=True),
        published_on=fields.DATETIME(stored=True, sortable=True),
        stamp=fields.STORED(),
    )


def index_document(doc: dict) -> dict:
    """The fields Whoosh gets: the bigram fields index the same text as their word twins."""
    return {**doc, "title_bg": doc["title"], "content_bg": doc["content"]}


class IndexStore:
    """Generations of the index under one folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def new_generation(self) -> Path:
        name = "gen-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / name
        path.mkdir(parents=True)
        index.create_in(str(path), make_schema())
        return path

    def swap(self, generation: Path) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation.name)
        os.replace(tmp, self.pointer)

    def open(self) -> index.Index:
        """The live generation, created empty on first use."""
        name = self.current_name()
        if name is None or not (self.root / name).exists():
            self.root.mkdir(parents=True, exist_ok=True)
            generation = self.new_generation()
            self.swap(generation)
            name = generation.name
        return index.open_dir(str(self.root / name))

    def remove_old(self, keep: int = 1) -> None:
        live = self.current_name()
        gens = sorted(p for p in self.root.glob("gen-*") if p.name != live)
        for path in gens[: max(0, len(gens) - (keep - 1))] if keep else gens:
            shutil.rmtree(path, ignore_errors=True)


class WhooshSearchIndex:
    """Search and update the live generation. Searches may run in many threads."""

    name = "whoosh"

    def __init__(self, store: IndexStore, pinned: index.Index | None = None) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._pinned = pinned  # a generation that is being built, not the live one
        self._ix: index.Index | None = None
        self._ix_name: str | None = None
        self._searcher = None
        self._filters: dict = {}
        self._segments = SegmentCache()

    def _index(self) -> index.Index:
        if self._pinned is not None:
            return self._pinned
        name = self.store.current_name()
        with self._lock:
            if self._ix is None or name != self._ix_name:
                self._ix = self.store.open()
                self._ix_name = self.store.current_name()
                self._searcher = None
            return self._ix

    def searcher(self):
        """A searcher on the newest committed state (reused while nothing changes)."""
        ix = self._index()
        with self._lock:
            # Not Searcher.refresh(): it fails on an index that started empty (EmptyReader).
            if self._searcher is None or not self._searcher.up_to_date():
                self._searcher = ix.searcher()
                self._filters = {}
                self._segments.keep(self._searcher)
            return self._searcher

    def _filter_docs(self, searcher, query: wq.Query | None):
        """The documents a filter allows, cached for the life of the searcher: the same filters
        (an organisation, a year) come back again and again."""
        if query is None:
            return None
        key = repr(query)
        with self._lock:
            cached = self._filters.get(key) if self._filters is not None else None
        if cached is None or cached[0] is not searcher:
            cached = (searcher, set(searcher.docs_for_query(query)))  # Whoosh wants a set
            with self._lock:
                if len(self._filters) > 256:
                    self._filters.clear()
                self._filters[key] = cached
        return cached[1]

    # --- writing -------------------------------------------------------------------------

    def apply(
        self, documents: Iterable[dict], deletions: Iterable[str], timeout: float = 5.0
    ) -> None:
        """Upsert and delete in one commit. Raises whoosh LockError if another writer holds
        the lock for longer than ``timeout``: the caller keeps its work and retries later."""
        ix = self._index()
        writer = ix.writer(timeout=timeout)
        try:
            for item_id in deletions:
                writer.delete_by_term("item_id", item_id)
            for doc in documents:
                writer.update_document(**index_document(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def stamps(self) -> dict[str, str]:
        with self._index().searcher() as s:
            return {f["item_id"]: f.get("stamp", "") for f in s.all_stored_fields()}

    def clear(self) -> None:
        """An empty generation swapped in (a pinned index being built is emptied in place)."""
        if self._pinned is not None:
            writer = self._pinned.writer()
            writer.commit(mergetype=writing.CLEAR)
            return
        self.store.root.mkdir(parents=True, exist_ok=True)
        self.store.swap(self.store.new_generation())
        self.store.remove_old(keep=1)

    def health(self) -> dict:
        ix = self._index()
        return {
            "engine": self.name,
            "documents": ix.doc_count(),
            "generation": self.store.current_name() if self._pinned is None else "(building)",
        }

    # --- searching -----------------------------------------------------------------------

    def search(
        self,
        query: SearchQuery,
        facet_limit: int = 50,
        *,
        facets: bool = True,
        snippets: bool = True,
    ) -> SearchResult:
        """One page of hits. ``facets`` and ``snippets`` may be turned off where only the
        ranking is wanted (the benchmark compares engines on that)."""
        parsed = query.tree
        text_query = build(parsed)
        message = _("检索词过长，已截取前 200 个字符。") if parsed.truncated else None
        if text_query is None:
            if query.q.strip():
                message = _("检索词中没有可检索的文字，请换一个说法。")
            text_query = wq.Every()
        # optimize=False: score every match in one pass, which also counts them; the block-skipping
        # optimisation would need a second full pass just to count the total.
        searcher = self.searcher()
        allowed = self._filter_docs(searcher, filter_query(query))
        if allowed is not None and not allowed:
            # Whoosh reads an empty allow-set as "no filter": a filter nothing passes is no hit
            empty = {name: [] for name in FACETS} if facets else {}
            return SearchResult(0, [], empty, query.page, query.per_page, message)
        kwargs: dict = {
            "filter": allowed,
            "terms": False,
            "optimize": False,
        }
        cache = self._segments
        if facets:
            kwargs["groupedby"] = {
                name: CachedFieldFacet(cache, name, allow_overlap=(name == "organisation"))
                for name in FACETS
            }
        if query.sort == "date" or isinstance(text_query, wq.Every):
            kwargs["sortedby"] = CachedFieldFacet(cache, "published_on", reverse=True)
        elif parsed.document_numbers and not (
            parsed.groups or parsed.phrases or parsed.index_numbers
        ):
            # Just a 文号: every item carrying it matches equally; list them in catalogue order.
            kwargs["sortedby"] = CachedFieldFacet(cache, "index_number")
        page = searcher.search_page(text_query, query.page, pagelen=query.per_page, **kwargs)
        results = page.results
        results.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
        results.formatter = highlight.HtmlFormatter(tagname="em", classname="hl", between="…")
        hits = [make_hit(hit, snippets, parsed) for hit in page]
        counts = {}
        if facets:
            counts = {
                name: sorted(
                    ((key, len(ids)) for key, ids in results.groups(name).items() if key),
                    key=lambda kv: (-kv[1], kv[0]),
                )[:facet_limit]
                for name in FACETS
            }
        total = len(results) if results.has_exact_length() else results.estimated_length()
        return SearchResult(total, hits, counts, query.page, query.per_page, message)


class SegmentCache:
    """What the facets read from each segment, kept for as long as the segment is live: Whoosh
    would otherwise read a whole column (every document's offset) or, for a field without a
    column, the postings of every term, on every search. That cost follows the size of the
    index, not of the match.

    Column readers belong to one reader (they read its open files), so they are keyed by the
    reader; the term lists of a field without a column are plain data, keyed by the segment
    (which never changes once written: deleted documents just stop matching), so they survive
    a refresh of the searcher after a commit for the segments it did not touch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns: dict = {}
        self._lists: dict = {}

    def keep(self, searcher) -> None:
        """Forget what belongs to segments the new ``searcher`` no longer has."""
        live = {_segment_key(reader) for reader, _ in searcher.reader().leaf_readers()}
        with self._lock:
            self._columns = {}
            self._lists = {k: v for k, v in self._lists.items() if k[0] in live}

    def column(self, reader, fieldname: str, reverse: bool):
        key = (id(reader), fieldname, reverse)
        found = self._columns.get(key)
        if found is not None and found[0] is reader:
            return found[1]
        creader = reader.column_reader(fieldname, reverse=reverse, translate=False)
        with self._lock:
            self._columns[key] = (reader, creader)
        return creader

    def term_lists(self, reader, fieldname: str) -> list[list]:
        """Each document's terms in ``fieldname``, as Whoosh's OverlappingCategorizer makes them."""
        seg = _segment_key(reader)
        key = (seg, fieldname)
        found = self._lists.get(key) if seg is not None else None
        if found is not None:
            return found
        field = reader.schema[fieldname]
        lists: list[list] = [[] for _ in range(reader.doc_count_all())]
        for btext in field.sortable_terms(reader, fieldname):
            text = field.from_bytes(btext)
            for docid in reader.postings(fieldname, btext).all_ids():
                lists[docid].append(text)
        if seg is not None:
            with self._lock:
                self._lists[key] = lists
        return lists


def _segment_key(reader):
    segment = reader.segment() if reader.is_atomic() else None
    if segment is None:
        return None
    return (segment.segment_id(), reader.doc_count_all())


class CachedFieldFacet(sorting.FieldFacet):
    """``sorting.FieldFacet`` whose categorizers take their per-segment data from a
    ``SegmentCache`` instead of reading it anew on each search."""

    def __init__(self, cache: SegmentCache, fieldname: str, **kwargs) -> None:
        super().__init__(fieldname, **kwargs)
        self.cache = cache

    def categorizer(self, global_searcher):
        fieldname = self.fieldname
        reader = global_searcher.reader()
        field = global_searcher.schema[fieldname]
        if self.allow_overlap:
            if field.vector or (reader.has_column(fieldname) and field.column_type.stores_lists()):
                return super().categorizer(global_searcher)
            return _CachedOverlappingCategorizer(global_searcher, fieldname, self.cache)
        if reader.has_column(fieldname) and (field.column_type.reversible or not self.reverse):
            return _CachedColumnCategorizer(global_searcher, fieldname, self.reverse, self.cache)
        return super().categorizer(global_searcher)


class _CachedColumnCategorizer(sorting.ColumnCategorizer):
    def __init__(self, global_searcher, fieldname, reverse, cache: SegmentCache) -> None:
        super().__init__(global_searcher, fieldname, reverse)
        self._cache = cache

    def set_searcher(self, segment_searcher, docoffset):
        reader = segment_searcher.reader()
        self._creader = self._cache.column(reader, self._fieldname, self._reverse)


class _CachedOverlappingCategorizer(sorting.OverlappingCategorizer):
    def __init__(self, global_searcher, fieldname, cache: SegmentCache) -> None:
        super().__init__(global_searcher, fieldname)
        self._cache = cache

    def set_searcher(self, segment_searcher, docoffset):
        self._segment_searcher = segment_searcher
        self._lists = self._cache.term_lists(segment_searcher.reader(), self._fieldname)


def make_hit(hit, snippets: bool = True, parsed: ParsedQuery | None = None) -> SearchHit:
    snippet = ""
    if snippets:
        if parsed is not None and parsed.phrases:
            snippet = phrase_snippet(hit, parsed)
        else:
            snippet = hit.highlights("content", top=2) or ""
    if not snippet and snippets:
        snippet = str(escape((hit.get("summary") or hit.get("content") or "")[:120]))
    published = hit.get("published_on")
    return SearchHit(
        index_number=hit["index_number_display"],
        title=hit["title"],
        document_number=hit.get("document_number_display", ""),
        organisation=hit["organisation_code"],
        organisation_name=hit.get("organisation_name", ""),
        published_on=published.date().isoformat() if published else "",
        snippet=snippet,
    )


def phrase_snippet(hit, parsed: ParsedQuery, top: int = 2) -> str:
    """The snippet of a query with quoted phrases: Whoosh's highlighter only knows the terms of
    the field it highlights (``content``'s words), not the phrase matched in ``content_bg``. So
    mark the spans ``analysis.highlight_spans`` finds (each phrase as one span, and the typed
    words) and let the hit's own fragmenter and formatter make the snippet from them."""
    results = hit.results
    # the fragmenter stops at its charlimit (32K characters): marks beyond it are never shown
    limit = getattr(results.fragmenter, "charlimit", None) or None
    text = (hit.get("content") or "")[:limit]
    words = [word for group in parsed.groups for word in group]
    spans = highlight_spans(text, words, parsed.phrases)
    if not spans:
        return ""
    stream: list[Token] = []
    for start, end, matched in _context_and_marks(text, spans):
        token = Token(chars=True, text=text[start:end], startchar=start, endchar=end)
        token.matched = matched
        stream.append(token)
    fragments = results.fragmenter.fragment_tokens(text, iter(stream))
    best = highlight.top_fragments(fragments, top, results.scorer, results.order, minscore=1)
    return results.formatter.format(best)


def _context_and_marks(text: str, spans: list[tuple[int, int]]):
    """``(start, end, matched)`` in text order: the marked spans, and the words around them
    (which the fragmenter needs to cut the context)."""
    out = [(start, end, True) for start, end in spans]
    i = 0
    for word in word_analyzer()(text, chars=True, mode="query"):
        while i < len(spans) and spans[i][1] <= word.startchar:
            i += 1
        if i < len(spans) and spans[i][0] < word.endchar:
            continue  # overlaps a mark
        out.append((word.startchar, word.endchar, False))
    out.sort()
    return out


def filter_query(query: SearchQuery) -> wq.Query | None:
    terms: list[wq.Query] = []
    if query.organisation:
        terms.append(wq.Term("organisation", query.organisation))
    for name in ("topic", "genre", "disclosure_mode", "validity"):
        value = getattr(query, name)
        if value:
            terms.append(wq.Term(name, value))
    if query.year:
        terms.append(wq.Term("year", str(query.year)))
    if query.date_from or query.date_to:
        start = _as_datetime(query.date_from)
        end = _as_datetime(query.date_to, end=True)
        terms.append(wq.DateRange("published_on", start, end))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.And(terms)


def _as_datetime(value, end: bool = False):
    if value is None:
        return None
    return datetime(value.year, value.month, value.day, 23 if end else 0, 59 if end else 0)
