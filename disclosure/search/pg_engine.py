"""The ``postgresql`` search engine: ``tsvector`` rows in the application's own PostgreSQL
database, written in the catalogue's own transaction (:mod:`.transactional`), so search is never
stale, needs no indexer and is shared by every app server that uses the database.

One row per public item in ``search_engine_documents`` (migration 0015): the stored fields, the
filter and facet columns (``organisations`` holds the item's organisation code and its
ancestors', so a filter includes descendants and the facet is one grouped count over
``unnest``), and ``tsv``, one ``tsvector`` of the tokens of the shared analysis pipeline
(:func:`.analysis.tokens`), written as a tsvector literal so the lexemes are exactly those
tokens: no PostgreSQL parser or dictionary touches them (the ``simple`` configuration would do
the same to space-joined tokens, except that its parser splits ``a-b`` or ``3.5`` its own way).
Three kinds of lexeme live side by side, each with positions of its own:

- rjieba words as they are (title weight A, body D), for ranked word search;
- CJK bigrams prefixed with ``~`` (title A, body D), consecutive positions, for "phrases";
- keywords prefixed with ``#`` (weight B), each a whole keyword.

The query tree (``SearchQuery.tree``) compiles to a tsquery literal from the same tokens, every
lexeme quoted (``'`` doubled, ``\\`` escaped) and bound as a parameter: what people type never
reaches tsquery syntax. 文号 and 索引号 match their own columns and come first.

Ranking: with the RUM extension (Debian ``postgresql-15-rum``) the migration builds a RUM index
and results come ranked from it (``ORDER BY tsv <=> query``); without it a GIN index answers and
``ts_rank_cd`` ranks every match (one warning at start-up). Which one is used is read from the
index the table actually has. Equal ranks keep the index's order (RUM) or go newest first (GIN).
A document name typed beside other words (``ParsedQuery.document_names``) also matches the items
whose title holds it (weight A); such a query ranks in tiers, by sorting its matches: that
document's items matching the whole query, its other items, then the other items matching it.
The total, the facet counts and the page are one statement over the match (one round trip);
only a ranked match of more than ``SORT_ALL_UP_TO`` items reads its page from the RUM index in a
statement of its own. Snippets are cut in Python from the stored body (:mod:`.snippets`, shared
with the ``sqlite`` engine).

Limits: tsvector positions stop at 16,383 (a phrase further into a very long body may be missed)
and a lexeme keeps 256 positions; inserting into a RUM index is slow (about 10× GIN), so
``disclosure reindex`` and large imports write without the index and build it once at the end
(:meth:`PostgresSearchIndex.bulk_load`); searches meanwhile read every row.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ..i18n import _
from .analysis import fold, index_tokens, normalise_document_number, tokens
from .interfaces import SearchHit, SearchQuery, SearchResult
from .parallel import analyse_all, prefetch
from .query import ParsedQuery
from .snippets import fallback, make_snippet, marked
from .transactional import own_database

log = logging.getLogger(__name__)

TABLE = "search_engine_documents"
TSV_INDEX = "ix_search_engine_documents_tsv"
FACETS = ("organisation", "topic", "genre", "year", "disclosure_mode", "validity")
GRAM, KEYWORD = "~", "#"  # lexeme prefixes: CJK bigrams, whole keywords

# PostgreSQL's tsvector limits: a lexeme < 2 KB, positions 1..16383, 256 positions per lexeme,
# 1 MB of lexeme text in all. Longer documents keep their first lexemes and positions.
MAX_LEXEME_BYTES = 2046
MAX_POSITION = 16383
MAX_POSITIONS = 256
MAX_LEXEME_TEXT = 1_000_000

#: a bulk import of at least this many new documents writes them without the tsv index
BULK_MIN = 2000

#: with RUM, matches up to this many are ranked by sorting them; more come from the index
SORT_ALL_UP_TO = 1000
#: what a hit shows, read for the page's items only (``content`` last: NULL without snippets)
PAGE_COLUMNS = (
    "item_id",
    "index_number_display",
    "title",
    "document_number_display",
    "organisation_code",
    "organisation_name",
    "published_on",
    "summary",
    "content",
)

TRUNCATED = _("检索词过长，已截取前 200 个字符。")
NOTHING_TO_SEARCH = _("检索词中没有可检索的文字，请换一个说法。")

COLUMNS = (
    "item_id",
    "index_number",
    "index_number_display",
    "title",
    "summary",
    "content",
    "keywords",
    "document_number",
    "document_number_display",
    "organisation_code",
    "organisation_name",
    "organisations",
    "topic",
    "genre",
    "disclosure_mode",
    "validity",
    "year",
    "published_on",
    "stamp",
)

UPSERT = text(
    f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}, tsv) "
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}, CAST(:tsv AS tsvector)) "
    "ON CONFLICT (item_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*COLUMNS[1:], "tsv"))
)
DELETE = text(f"DELETE FROM {TABLE} WHERE item_id = ANY(CAST(:ids AS integer[]))")


# --------------------------------------------------------------------------- tsvector and tsquery


def quote(lexeme: str) -> str:
    """A lexeme as a quoted tsvector/tsquery literal: nothing in it is syntax."""
    if "'" in lexeme or "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\").replace("'", "''")
    return "'" + lexeme + "'"


_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text holds neither


def _clean(token: str) -> str:
    """Without NUL and lone surrogates, which PostgreSQL text (and UTF-8) cannot hold."""
    return _UNSENDABLE.sub("", token)


class _Vector:
    """Collects (lexeme → positions with weights) and renders a tsvector literal.

    Each lexeme keeps its positions in order, with their marks (``12``, ``3A``) beside them:
    positions mostly come in order (each ``add`` counts up), so adding is an append."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[list[int], list[str]]] = {}
        self.size = 0

    def add(self, lexemes: Iterable[str], weight: str, start: int = 1) -> int:
        """Add lexemes at consecutive positions from ``start``; return the next free position.
        A lexeme keeps its first :data:`MAX_POSITIONS` positions, each with the weight it came
        with first. (Analysed tokens never hold NUL or lone surrogates: no cleaning here.)"""
        entries, pos = self.entries, start
        suffix = "" if weight == "D" else weight
        for lexeme in lexemes:
            position = pos if pos < MAX_POSITION else MAX_POSITION
            pos += 1
            entry = entries.get(lexeme)
            if entry is None:
                size = len(lexeme.encode())
                if not size or size > MAX_LEXEME_BYTES or self.size + size > MAX_LEXEME_TEXT:
                    continue
                self.size += size
                entries[lexeme] = ([position], [f"{position}{suffix}"])
                continue
            positions, marks = entry
            if len(positions) >= MAX_POSITIONS:
                continue
            if position > positions[-1]:
                positions.append(position)
                marks.append(f"{position}{suffix}")
                continue
            at = bisect_left(positions, position)
            if positions[at] != position:
                positions.insert(at, position)
                marks.insert(at, f"{position}{suffix}")
        return pos

    def render(self) -> str:
        return " ".join(
            f"{quote(lexeme)}:{','.join(marks)}" for lexeme, (_, marks) in self.entries.items()
        )


def _analysed_part(doc: dict) -> dict:
    """What :func:`document_vector` reads of a document (sent to an analysis worker)."""
    return {"title": doc["title"], "content": doc["content"], "keywords": doc.get("keywords")}


def document_vector(doc: dict) -> str:
    """The tsvector literal of one search document (``documents.build_document``)."""
    vector = _Vector()
    title_words, title_grams = index_tokens(doc["title"])
    body_words, body_grams = index_tokens(doc["content"])
    after_title = vector.add(title_words, "A")
    vector.add(body_words, "D", after_title + 1)
    # bigrams: one position stream of their own; the gap keeps a phrase from spanning the
    # end of the title and the start of the body
    after_title = vector.add((GRAM + g for g in title_grams), "A")
    vector.add((GRAM + g for g in body_grams), "D", after_title + 1)
    keywords = [fold(k.strip()) for k in (doc.get("keywords") or "").split(",") if k.strip()]
    vector.add((KEYWORD + k for k in keywords), "B")
    return vector.render()


def _all(parts: list[str], operator: str) -> str | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return "(" + f" {operator} ".join(parts) + ")"


def _chain(lexemes: list[str], prefilter: bool = False) -> str | None:
    """A phrase: the lexemes at consecutive positions. With ``prefilter``, the same match
    written for the index: each lexeme (AND) beside the phrase, so RUM intersects the lexemes'
    entries before checking positions (the phrase alone makes it check every item holding any
    of them: 45 ms instead of 1 for a rare phrase of common bigrams). Ranking keeps the plain
    phrase: ``<=>`` scores the query it is given."""
    chain = _all(lexemes, "<->")
    if not prefilter or len(lexemes) < 2:
        return chain
    return "(" + " & ".join(dict.fromkeys(lexemes)) + f" & {chain})"


def _phrase(text_: str, prefilter: bool = False) -> str | None:
    grams = [quote(GRAM + g) for g in tokens(_clean(text_), "bigram")]
    return _chain(grams, prefilter)


def word_query(word: str, prefilter: bool = False) -> str | None:
    """One typed word: all its segmented words, or its exact characters, or a keyword.

    A word that segments to itself and is one bigram (most Chinese words: two characters)
    is found by that bigram alone: wherever the word stands, the bigram does, so the word's
    own lexeme is left out, one alternative fewer to look up and rank (as the ``sqlite``
    engine's :func:`~.sqlite_engine.word_expr`). A longer word keeps both: its bigrams are a
    phrase, and a phrase past the tsvector's last position (16,383) is not found."""
    word = _clean(word)
    segmented = tokens(word, "word", mode="query")
    words = [quote(w) for w in segmented]
    if not words:
        return None
    phrase = _phrase(word, prefilter)
    if len(segmented) == 1 and len(segmented[0]) > 1 and len(tokens(word, "bigram")) == 1:
        options = [phrase]
    else:
        options = [_all(words, "&"), phrase]
    keyword = fold(word)
    if keyword:
        options.append(quote(KEYWORD + keyword))
    return _all([o for o in options if o], "|")


def phrase_query(phrase: str, prefilter: bool = False) -> str | None:
    phrase = _clean(phrase)
    grams = tokens(phrase, "bigram")
    if not grams:
        return None
    if len(grams) == 1:  # one character or one Latin word: as a word, or that token alone
        options = (word_query(phrase, prefilter), _phrase(phrase, prefilter))
        return _all([o for o in options if o], "|")
    return _phrase(phrase, prefilter)


def compile_name_tsquery(parsed: ParsedQuery, prefilter: bool = False) -> str | None:
    """The document names of the tree (``ParsedQuery.document_names``), each a phrase of the
    title (weight A); None when it names none."""
    names = []
    for name in parsed.document_names:
        grams = [quote(GRAM + g) + ":A" for g in tokens(_clean(name), "bigram")]
        if grams:
            names.append(_chain(grams, prefilter))
    return _all(names, "|")


def compile_tsquery(parsed: ParsedQuery, names: bool = True, prefilter: bool = False) -> str | None:
    """The tsquery literal of the tree's text part, or None when nothing searchable is left.
    A document name in the title also matches without the other words (``names``, unless
    False). ``prefilter``: the same match, with each phrase written for the index
    (:func:`_chain`), for the WHERE clause, never for ranking."""
    required: list[str] = []
    for group in parsed.groups:
        if all(normalise_document_number(w) in parsed.document_numbers for w in group):
            continue  # a 文号 is an identifier (matched on its column), not a required word
        options = [q for q in (word_query(w, prefilter) for w in group) if q]
        if options:
            required.append(_all(options, "|"))
    required += [q for q in (phrase_query(p, prefilter) for p in parsed.phrases) if q]
    if not required:
        return None
    query = _all(required, "&")
    named = compile_name_tsquery(parsed, prefilter) if names else None
    if named:
        query = f"({query} | {named})"
    excluded = [q for q in (word_query(w, prefilter) for w in parsed.excluded) if q]
    if excluded:
        query = f"{query} & !{_all(excluded, '|') if len(excluded) > 1 else excluded[0]}"
    return query


# --------------------------------------------------------------------------- the engine


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tsv_index_definition(conn: Connection) -> str:
    """``CREATE INDEX`` of the ``tsv`` index as it is, or, if it is missing, as migration 0015
    makes it: RUM when the extension is there, else GIN."""
    definition = conn.scalar(
        text(
            "SELECT pg_get_indexdef(c.oid) FROM pg_class c "
            f"WHERE c.oid = to_regclass('{TSV_INDEX}') AND c.relkind = 'i'"
        )
    )
    if definition:
        return definition
    schema = conn.scalar(
        text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'rum'"
        )
    )
    if schema:
        return (
            f"CREATE INDEX {TSV_INDEX} ON {TABLE} USING rum (tsv {_ident(schema)}.rum_tsvector_ops)"
        )
    return f"CREATE INDEX {TSV_INDEX} ON {TABLE} USING gin (tsv)"


class PostgresSearchIndex:
    """``ISearchIndex`` over ``search_engine_documents``; writes happen in the caller's
    transaction (``apply_in_session``), reads on the app's engine."""

    name = "postgresql"
    transactional = True

    def __init__(self, engine: Engine, rum: bool | None = None) -> None:
        self.engine = engine
        self._rum: bool | None = rum  # None: read from the table's index on first use
        self._distance = "<=>"  # the RUM operator, schema-qualified once known

    # --- set-up -------------------------------------------------------------------------

    def detect(self, connection: Connection | None = None) -> bool:
        """Whether ranking comes from a RUM index (else GIN + ts_rank_cd)."""
        if self._rum is not None:
            return self._rum
        if connection is None:
            with self.engine.connect() as conn:
                return self.detect(conn)
        method = connection.scalar(
            text(
                "SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam "
                f"WHERE i.indrelid = to_regclass('{TABLE}') AND c.relname = '{TSV_INDEX}'"
            )
        )
        if method is None:
            raise LookupError(f"{TABLE} or its index {TSV_INDEX} is missing: run the migrations")
        rum = method == "rum"
        if rum:
            schema = connection.scalar(
                text(
                    "SELECT n.nspname FROM pg_extension e "
                    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'rum'"
                )
            )
            self._distance = f"OPERATOR({_ident(schema)}.<=>)" if schema else "<=>"
        self._rum = rum
        return rum

    def start(self) -> None:
        """Called at start-up: read RUM or GIN once, and warn once when ranking must read
        every match (GIN)."""
        try:
            rum = self.detect()
        except LookupError as exc:
            log.warning("postgresql search: %s", exc)
            return
        if not rum:
            log.warning(
                "postgresql search: the RUM extension is not installed, so results are ranked "
                "with GIN + ts_rank_cd over every match (slower on large catalogues). Install "
                "postgresql-15-rum, CREATE EXTENSION rum, then recreate the index "
                f"{TSV_INDEX} USING rum (tsv rum_tsvector_ops) (README, Search)."
            )

    # --- writing ------------------------------------------------------------------------

    @staticmethod
    def rows(documents: Iterable[dict]) -> list[dict]:
        documents = list(documents)
        vectors = analyse_all(document_vector, [_analysed_part(doc) for doc in documents])
        rows = []
        for doc, vector in zip(documents, vectors, strict=True):
            published = doc["published_on"]
            published = published.date() if isinstance(published, datetime) else published
            row = {c: doc.get(c, "") for c in COLUMNS}
            row.update(
                item_id=int(doc["item_id"]),
                organisations=doc["organisation"].split(),
                year=int(doc["year"]),
                published_on=published or date(1970, 1, 1),
                tsv=vector,
            )
            for key, value in row.items():
                if isinstance(value, str):
                    row[key] = value.replace("\x00", "")
            rows.append(row)
        return rows

    @staticmethod
    def prefetch(documents: Iterable[dict]) -> None:
        """Start analysing documents about to be written (:func:`.parallel.prefetch`)."""
        prefetch(document_vector, [_analysed_part(doc) for doc in documents])

    def apply_in_session(
        self, session: Session | Connection, documents: Iterable[dict], deletions: Iterable[str]
    ) -> None:
        """Upsert and delete inside the session's (or connection's) current transaction."""
        deletions = [int(i) for i in deletions]
        if deletions:
            session.execute(DELETE, {"ids": deletions})
        rows = self.rows(documents)
        if rows:
            session.execute(UPSERT, rows)

    def apply(self, documents: Iterable[dict], deletions: Iterable[str], **_) -> None:
        """Upsert and delete in a transaction of their own (the outbox indexer's path)."""
        with self.engine.begin() as conn:
            self.apply_in_session(conn, documents, deletions)

    def stamps_in_session(self, session: Session | Connection) -> dict[str, str]:
        return {str(i): s for i, s in session.execute(text(f"SELECT item_id, stamp FROM {TABLE}"))}

    def stamps(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return self.stamps_in_session(conn)

    def clear(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {TABLE}"))

    @contextmanager
    def bulk_load(self, expected: int | None = None) -> Iterator[None]:
        """Write many documents without the ``tsv`` index (RUM or GIN), then build it once:
        inserting into a RUM index costs about 5 ms a row, building it a fraction of that.

        The index is dropped when ``expected`` is None (a full rebuild) or, for a bulk import,
        when the ``expected`` new documents are at least :data:`BULK_MIN` and a quarter of the
        documents there are. It is created again (the same definition: the one the migration
        made) when the block ends, also when it fails; a bulk load that was killed leaves the
        index missing, and the next one creates it. Searches keep answering meanwhile, slower
        (without the index, every row is read)."""
        with self.engine.begin() as conn:
            definition = tsv_index_definition(conn)
            if expected is not None:
                present = conn.scalar(text(f"SELECT count(*) FROM {TABLE}"))
                if expected < BULK_MIN or expected * 4 < present:
                    definition = None
            if definition is not None:
                conn.execute(text("SET LOCAL lock_timeout = '30s'"))
                conn.execute(text(f"DROP INDEX IF EXISTS {TSV_INDEX}"))
        try:
            yield
        finally:
            if definition is not None:
                with self.engine.begin() as conn:
                    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
                    conn.execute(
                        text(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
                    )

    def health(self) -> dict:
        with self.engine.connect() as conn:
            documents = conn.scalar(text(f"SELECT count(*) FROM {TABLE}"))
            rum = self.detect(conn)
        return {"engine": self.name, "documents": documents, "rum": rum}

    # --- searching ----------------------------------------------------------------------

    def _where(self, query: SearchQuery, params: dict) -> list[str]:
        clauses = []
        if query.organisation:
            clauses.append("organisations @> ARRAY[CAST(:organisation AS text)]")
            params["organisation"] = query.organisation
        for name in ("topic", "genre", "disclosure_mode", "validity"):
            value = getattr(query, name)
            if value:
                clauses.append(f"{name} = :{name}")
                params[name] = value
        if query.year:
            clauses.append("year = :year")
            params["year"] = int(query.year)
        if query.date_from:
            clauses.append("published_on >= :date_from")
            params["date_from"] = query.date_from
        if query.date_to:
            clauses.append("published_on <= :date_to")
            params["date_to"] = query.date_to
        unsendable = [k for k, v in params.items() if isinstance(v, str) and _UNSENDABLE.search(v)]
        for key in unsendable:  # no stored value holds them: nothing can match
            params[key] = ""
            clauses.append("FALSE")
        return clauses

    def search(
        self,
        query: SearchQuery,
        facet_limit: int = 50,
        *,
        facets: bool = True,
        snippets: bool = True,
    ) -> SearchResult:
        parsed = query.tree
        tsquery = compile_tsquery(parsed)
        message = TRUNCATED if parsed.truncated else None
        identifiers = bool(parsed.document_numbers or parsed.index_numbers)
        if tsquery is None and not identifiers and query.q.strip():
            message = NOTHING_TO_SEARCH
        params: dict = {
            "docnos": [_clean(n) for n in parsed.document_numbers],
            "idxnos": [_clean(n) for n in parsed.index_numbers],
        }
        id_match = (
            "(document_number = ANY(CAST(:docnos AS text[])) "
            "OR index_number = ANY(CAST(:idxnos AS text[])))"
        )
        where = self._where(query, params)
        # a query naming a document ranks in tiers: the named document's items holding every
        # word, its other items, then the other items holding every word
        named = compile_name_tsquery(parsed) if tsquery is not None else None
        if named:
            params["named"] = named
            params["strict"] = compile_tsquery(parsed, names=False)
        if tsquery is not None:
            params["tsq"] = tsquery  # ranks
            params["tsq_match"] = compile_tsquery(parsed, prefilter=True)  # matches, the same
            text_match = "tsv @@ CAST(:tsq_match AS tsquery)"
            where.append(f"({id_match} OR {text_match})" if identifiers else text_match)
        elif identifiers:
            where.append(id_match)
        condition = " AND ".join(where) or "TRUE"

        columns = ", ".join(PAGE_COLUMNS[:-1]) + (", content" if snippets else ", NULL AS content")
        offset = (query.page - 1) * query.per_page
        with self.engine.connect() as conn:
            # one statement answers most searches: in autocommit, without the BEGIN and the
            # ROLLBACK around it (two round trips of three)
            conn.execution_options(isolation_level="AUTOCOMMIT")
            rum = self.detect(conn)
            if query.sort == "date" or (tsquery is None and not identifiers):
                order = "published_on DESC, item_id DESC"
            elif tsquery is None:  # just 文号/索引号: all equal, in catalogue order
                order = "index_number, item_id"
            else:
                rank = (
                    f"tsv {self._distance} CAST(:tsq AS tsquery)"
                    if rum
                    else "ts_rank_cd(tsv, CAST(:tsq AS tsquery)) DESC"
                )
                order = f"{rank}, published_on DESC, item_id DESC"
                if named:
                    order = (
                        "(tsv @@ CAST(:named AS tsquery)) DESC, "
                        f"(tsv @@ CAST(:strict AS tsquery)) DESC, {order}"
                    )
                if identifiers:
                    order = f"{id_match} DESC, {order}"
            # the page from the RUM index, never sorted: a ranked query of many plain matches
            from_index = rum and tsquery is not None and not identifiers and not named
            from_index = from_index and query.sort != "date"
            # GIN ranks by sorting every match (ts_rank_cd); otherwise a large match's page
            # comes from an index (RUM, or the date order's) in a statement of its own
            sorted_always = not rum and tsquery is not None and query.sort != "date"
            total, counts, rows = self._counts_and_page(
                conn,
                condition,
                {**params, "limit": query.per_page, "offset": offset},
                facets,
                facet_limit,
                columns,
                order,
                None if sorted_always else SORT_ALL_UP_TO,
            )
            pages = -(-total // query.per_page)
            page = max(1, min(query.page, pages))  # past the end: the last page, as Whoosh does
            if rows is None or (not rows and total and page != query.page):
                offset = (page - 1) * query.per_page
                source = f"{TABLE} WHERE {condition}"
                if from_index and total > SORT_ALL_UP_TO:
                    # Straight from the RUM index, in its order (ORDER BY the distance alone:
                    # any other key makes the planner rank every match). The index is the only
                    # plan allowed, so every page cuts the same stream and equal distances keep
                    # one order from page to page (a top-N sort would not). Fewer matches are
                    # cheaper to sort, with the tie-breakers of ``order``.
                    conn.rollback()  # a transaction now, for the settings to last in
                    conn.execution_options(isolation_level=conn.default_isolation_level)
                    conn.execute(  # SET LOCAL of both, in one round trip
                        text(
                            "SELECT set_config('enable_seqscan', 'off', true), "
                            "set_config('enable_bitmapscan', 'off', true)"
                        )
                    )
                    order = f"tsv {self._distance} CAST(:tsq AS tsquery)"
                rows = conn.exec_driver_sql(
                    driver_sql(
                        f"SELECT {columns} FROM {source} ORDER BY {order} "
                        "LIMIT :limit OFFSET :offset"
                    ),
                    {**params, "limit": query.per_page, "offset": offset},
                ).all()
                rows = [row._asdict() for row in rows]
        words, phrases = marked(parsed)
        hits = [
            SearchHit(
                index_number=row["index_number_display"],
                title=row["title"],
                document_number=row["document_number_display"],
                organisation=row["organisation_code"],
                organisation_name=row["organisation_name"],
                published_on=_iso(row["published_on"]),
                snippet=(
                    make_snippet(row["content"] or "", words, phrases)
                    or fallback(row["summary"], row["content"])
                )
                if snippets
                else "",
            )
            for row in rows
        ]
        return SearchResult(total, hits, counts, query.page, query.per_page, message)

    def _counts_and_page(
        self,
        conn,
        condition: str,
        params: dict,
        facets: bool,
        limit: int,
        columns: str,
        order: str,
        sort_up_to: int | None,
    ) -> tuple[int, dict, list[dict] | None]:
        """The total, each facet's counts (grouped SQL over the match) and the page's rows, in
        one statement and one round trip. The page is the match sorted by ``order``; with
        ``sort_up_to``, only when the match holds at most that many items (else None: the
        caller reads the page from the RUM index)."""
        bound = (
            "" if sort_up_to is None else f"WHERE (SELECT count(*) FROM matched) <= {sort_up_to}"
        )
        kept = "organisations, topic, genre, year, disclosure_mode, validity" if facets else ""
        # the page's rows come back as rows of the same result (their position in ``n``), the
        # other rows leave the page's columns NULL: no JSON to write in the database and to
        # parse here (a page holding a 30,000-character statute spent about 1 ms on each)
        none = ", NULL" * len(PAGE_COLUMNS)
        parts = [
            f"SELECT 'page' AS facet, NULL AS value, position AS n, {', '.join(PAGE_COLUMNS)} "
            "FROM page",
            f"SELECT 'total', NULL, count(*){none} FROM matched",
        ]
        combinations = ""
        if facets:
            # each distinct combination of facet values once, with its count (a 7,000-item
            # match has a few hundred), then each facet summed over those: one grouping of the
            # match instead of six, and the organisation paths unnested per combination, not
            # per item
            combinations = (
                f", combinations AS MATERIALIZED (SELECT {kept}, count(*) AS n FROM matched "
                f"GROUP BY {kept})"
            )
            parts.append(
                f"SELECT 'organisation', code, CAST(sum(n) AS bigint){none} FROM combinations, "
                "unnest(combinations.organisations) AS code GROUP BY code"
            )
            # the other facets in one pass over the combinations (grouping sets): a set's own
            # column is the one not grouped away (GROUPING = 0), the others are NULL there
            others = [name for name in FACETS if name != "organisation"]
            which = " ".join(f"WHEN GROUPING({name}) = 0 THEN '{name}'" for name in others)
            value = ", ".join(f"CAST({name} AS text)" for name in others)
            sets = ", ".join(f"({name})" for name in others)
            parts.append(
                f"SELECT CASE {which} END, COALESCE({value}), CAST(sum(n) AS bigint){none} "
                f"FROM combinations GROUP BY GROUPING SETS ({sets})"
            )
        statement = (
            f"WITH matched AS MATERIALIZED (SELECT item_id{', ' + kept if kept else ''} "
            f"FROM {TABLE} WHERE {condition}){combinations}, "
            f"page AS (SELECT {columns}, row_number() OVER (ORDER BY {order}) AS position "
            f"FROM matched JOIN {TABLE} USING (item_id) {bound} "
            "ORDER BY position LIMIT :limit OFFSET :offset) " + " UNION ALL ".join(parts)
        )
        total, page, counts = 0, [], {name: [] for name in FACETS}
        for facet, value, n, *row in conn.exec_driver_sql(driver_sql(statement), params).fetchall():
            if facet == "page":
                page.append((n, row))
            elif facet == "total":
                total = n
            elif value:
                counts[facet].append((value, n))
        page.sort(key=lambda position_row: position_row[0])
        rows = [dict(zip(PAGE_COLUMNS, row, strict=True)) for _, row in page] or None
        if rows is None and (sort_up_to is None or total <= sort_up_to):
            rows = []  # the sorted page, empty: past the last page, or nothing matched
        grouped = {
            name: sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:limit]
            for name, pairs in counts.items()
        }
        return total, grouped if facets else {}, rows


_BIND = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=512)
def driver_sql(statement: str) -> str:
    """A statement with ``:name`` parameters in psycopg's own style (``%(name)s``), for
    ``exec_driver_sql``: a search's statements are a few shapes, converted once each, where a
    text() clause is parsed and compiled again on every search."""
    return _BIND.sub(r"%(\1)s", statement.replace("%", "%%"))


def _iso(value) -> str:
    """A row's date as ``YYYY-MM-DD`` ("" without one)."""
    return value.isoformat() if value else ""


def make_postgresql(settings, registry) -> PostgresSearchIndex:
    """``ENGINES["postgresql"]``: the application's own database, which must be PostgreSQL."""
    engine = own_database(settings, registry, "postgresql", "postgresql", "its tsvector table")
    search_index = PostgresSearchIndex(engine)
    search_index.start()
    return search_index
