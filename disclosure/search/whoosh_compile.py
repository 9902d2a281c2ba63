"""Compile the engine-neutral query tree (``query.ParsedQuery``) into a Whoosh query."""

from __future__ import annotations

from whoosh import query as wq

from .analysis import tokens
from .query import ParsedQuery

ID_BOOST = 1000.0
TITLE_BOOST = 3.0
#: the score a document name in the title adds (``ParsedQuery.document_names``), the same for
#: every item and above word scores, so the named document's items come first (those holding
#: every word, then the others), then other items holding every word; 文号 hits stay above it
NAME_SCORE = 1000.0


def _phrase(fieldname: str, text: str) -> wq.Query | None:
    grams = tokens(text, "bigram")
    if not grams:
        return None
    if len(grams) == 1:
        return wq.Term(fieldname, grams[0])
    return wq.Phrase(fieldname, grams)


def word_query(word: str) -> wq.Query | None:
    """One typed word: its segmented words in title or text, or the exact characters."""
    words = tokens(word, "word", mode="query")
    if not words:
        return None
    options: list[wq.Query] = []
    for fieldname, boost in (("title", TITLE_BOOST), ("content", 1.0)):
        terms = [wq.Term(fieldname, w, boost=boost) for w in words]
        options.append(terms[0] if len(terms) == 1 else wq.And(terms))
    for fieldname in ("title_bg", "content_bg"):
        exact = _phrase(fieldname, word)
        if exact is not None:
            options.append(exact)
    options.append(wq.Term("keywords", word.lower(), boost=TITLE_BOOST))
    return wq.Or(options)


def phrase_query(text: str) -> wq.Query | None:
    title, content = _phrase("title_bg", text), _phrase("content_bg", text)
    if title is None:
        return None
    if isinstance(title, wq.Term):  # one character: any word containing it
        return wq.Or([word_query(text) or title, title, content])
    title.boost = TITLE_BOOST
    return wq.Or([title, content])


def build(parsed: ParsedQuery) -> wq.Query | None:
    """The Whoosh query, or None when nothing searchable is left."""
    required: list[wq.Query] = []
    for group in parsed.groups:
        options = [q for q in (word_query(w) for w in group) if q is not None]
        if options:
            required.append(options[0] if len(options) == 1 else wq.Or(options))
    for phrase in parsed.phrases:
        q = phrase_query(phrase)
        if q is not None:
            required.append(q)
    text_query: wq.Query | None = None
    if required:
        text_query = required[0] if len(required) == 1 else wq.And(required)
        names = [q for q in (_phrase("title_bg", n) for n in parsed.document_names) if q]
        if names:
            named = names[0] if len(names) == 1 else wq.Or(names)
            text_query = wq.Or([text_query, wq.ConstantScoreQuery(named, NAME_SCORE)])
        excluded = [q for q in (word_query(w) for w in parsed.excluded) if q is not None]
        if excluded:
            # not AndNot: Whoosh's AndNotMatcher can let a segment's first match through
            text_query = wq.And([text_query, wq.Not(wq.Or(excluded))])
    identifiers: list[wq.Query] = [
        wq.Term("document_number", n, boost=ID_BOOST) for n in parsed.document_numbers
    ] + [wq.Term("index_number", n, boost=ID_BOOST) for n in parsed.index_numbers]
    if not identifiers:
        return text_query
    return wq.Or([*identifiers, *([text_query] if text_query is not None else [])])
