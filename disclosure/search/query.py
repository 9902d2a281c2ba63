"""Turn what a person typed into a Whoosh query, without ever failing on odd input.

Words match all words (AND); ``OR`` between two words makes either enough; ``-word`` excludes;
"quoted phrases" (ASCII or Chinese quotes) must match exactly. A 文号 or 索引号 anywhere in the
query puts that document first. Unbalanced quotes and lone operators are ignored; input is cut
at MAX_QUERY_CHARS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from .analysis import (
    find_document_numbers,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
    tokens,
)

MAX_QUERY_CHARS = 200
QUOTES = re.compile(r'["“”＂「」『』]')
PHRASE = re.compile(r'"([^"]*)"')
OPERATORS = {"OR", "或", "|", "AND", "与", "&", "-", "NOT"}
ID_BOOST = 1000.0
TITLE_BOOST = 3.0


@dataclass
class ParsedQuery:
    groups: list[list[str]] = field(default_factory=list)  # AND of OR-groups
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    document_numbers: list[str] = field(default_factory=list)
    index_numbers: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.groups or self.phrases or self.document_numbers or self.index_numbers)


def parse(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        text, parsed.truncated = text[:MAX_QUERY_CHARS], True
    parsed.document_numbers = find_document_numbers(text)
    if parsed.document_numbers == [normalise_document_number(text)]:
        return parsed  # the query is just a 文号: match it alone, in document order
    text = QUOTES.sub('"', text)
    parsed.phrases = [p.strip() for p in PHRASE.findall(text) if p.strip()]
    rest = PHRASE.sub(" ", text).replace('"', " ")
    pending_or = False
    for raw in rest.split():
        if looks_like_index_number(raw):
            parsed.index_numbers.append(normalise_index_number(raw))
            continue
        if raw.upper() in {"OR", "或", "|"}:
            pending_or = bool(parsed.groups)
            continue
        if raw.upper() in OPERATORS:
            continue
        if raw.startswith("-") and len(raw) > 1:
            parsed.excluded.append(raw[1:])
            continue
        if pending_or:
            parsed.groups[-1].append(raw)
            pending_or = False
        else:
            parsed.groups.append([raw])
    return parsed


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
        excluded = [q for q in (word_query(w) for w in parsed.excluded) if q is not None]
        if excluded:
            text_query = wq.AndNot(text_query, wq.Or(excluded))
    identifiers: list[wq.Query] = [
        wq.Term("document_number", n, boost=ID_BOOST) for n in parsed.document_numbers
    ] + [wq.Term("index_number", n, boost=ID_BOOST) for n in parsed.index_numbers]
    if not identifiers:
        return text_query
    return wq.Or([*identifiers, *([text_query] if text_query is not None else [])])
