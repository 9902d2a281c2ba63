"""Xapian 1.4 with CJK n-grams (``FLAG_CJK_NGRAM``: every Han character and every pair of
neighbours becomes a term), BM25 ranking.

Indexing (``TermGenerator``, no stemming): the title with ``wdf_inc=TITLE_WDF`` so its terms
weigh more, then the body, then the normalised 文号 both unprefixed and with prefix ``XD`` (a
gap in term positions between the fields keeps phrases inside one field). Boolean terms:
``Q<index_number>``, ``XO<code>`` for the organisation and each ancestor, ``XT<topic>``,
``XY<year>``. The document data is the index number.

Queries (``QueryParser``, ``FLAG_CJK_NGRAM | FLAG_PHRASE``, default operator AND): words become
AND-ed n-grams, a "quoted phrase" a PHRASE of its characters; a 文号 is normalised and parsed
as a phrase in the ``XD`` field, its items listed in document order (``BoolWeight``: they are
all equally relevant); an 索引号 is the ``Q`` term. Filters are AND-ed boolean terms
combined with ``OP_FILTER`` (no effect on the ranking).
"""

from __future__ import annotations

from pathlib import Path

import xapian

from ..corpus import organisation_path
from .base import (
    BenchQuery,
    looks_like_document_number,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
    split_query,
)

TITLE_WDF = 5
FIELD_GAP = 100
QP_FLAGS = xapian.QueryParser.FLAG_CJK_NGRAM | xapian.QueryParser.FLAG_PHRASE


class XapianEngine:
    name = "xapian"

    def __init__(self) -> None:
        self.db: xapian.Database | None = None
        self.qp: xapian.QueryParser | None = None

    def build(self, items: list[dict], workdir: Path) -> None:
        path = str(workdir / "xapian")
        wdb = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_flags(xapian.TermGenerator.FLAG_CJK_NGRAM)
        for item in items:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(item["title"], TITLE_WDF)
            tg.increase_termpos(FIELD_GAP)
            tg.index_text(item["body"])
            docno = normalise_document_number(item.get("document_number") or "")
            if docno:
                tg.increase_termpos(FIELD_GAP)
                tg.index_text(docno)
                tg.index_text(docno, 1, "XD")
            doc.add_boolean_term("Q" + item["index_number"])
            for code in organisation_path(item["organisation"]):
                doc.add_boolean_term("XO" + code)
            if item.get("topic"):
                doc.add_boolean_term("XT" + item["topic"])
            if item.get("published_on"):
                doc.add_boolean_term("XY" + item["published_on"][:4])
            doc.set_data(item["index_number"])
            wdb.add_document(doc)
        wdb.commit()
        wdb.close()
        self.db = xapian.Database(path)
        self.qp = xapian.QueryParser()
        self.qp.set_database(self.db)
        self.qp.set_default_op(xapian.Query.OP_AND)

    def _query(self, text: str) -> xapian.Query | None:
        assert self.qp is not None
        if looks_like_index_number(text):
            return xapian.Query("Q" + normalise_index_number(text))
        if looks_like_document_number(text):
            return self.qp.parse_query(f'"{normalise_document_number(text)}"', QP_FLAGS, "XD")
        words, phrases = split_query(text)
        parts = words + [f'"{p}"' for p in phrases]
        if not parts:
            return None
        return self.qp.parse_query(" ".join(parts), QP_FLAGS)

    def search(self, q: BenchQuery, limit: int = 10) -> list[str]:
        assert self.db is not None, "build() first"
        try:
            query = self._query(q.text.strip())
        except xapian.QueryParserError:
            return []
        if query is None or query.empty():
            return []
        filters = []
        if q.organisation:
            filters.append(xapian.Query("XO" + q.organisation))
        if q.topic:
            filters.append(xapian.Query("XT" + q.topic))
        if q.year:
            filters.append(xapian.Query(f"XY{q.year}"))
        if filters:
            query = xapian.Query(
                xapian.Query.OP_FILTER, query, xapian.Query(xapian.Query.OP_AND, filters)
            )
        enquire = xapian.Enquire(self.db)
        enquire.set_query(query)
        if looks_like_document_number(q.text):  # every item of the 文号 in document order
            enquire.set_weighting_scheme(xapian.BoolWeight())
        return [m.document.get_data().decode() for m in enquire.get_mset(0, limit)]

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
