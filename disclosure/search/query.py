"""Parse what a person typed into one engine-neutral query tree, without ever failing on odd
input. Every engine compiles this tree (``whoosh_compile`` for Whoosh); nothing parses the text
twice: ``SearchQuery.tree`` is parsed once, where the query is made.

Words match all words (AND); ``OR`` between two words makes either enough; ``-word`` excludes;
"quoted phrases" (ASCII or Chinese quotes) must match exactly. A 文号 or 索引号 anywhere in the
query puts that document first. Unbalanced quotes and lone operators are ignored; input is cut
at MAX_QUERY_CHARS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import (
    find_document_numbers,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
)

MAX_QUERY_CHARS = 200
QUOTES = re.compile(r'["“”＂「」『』]')
PHRASE = re.compile(r'"([^"]*)"')
OPERATORS = {"OR", "或", "|", "AND", "与", "&", "-", "NOT"}


@dataclass
class ParsedQuery:
    """The query tree: AND of OR-groups of typed words, phrases, exclusions and identifiers
    (文号 and 索引号, normalised). The filters are the other fields of ``SearchQuery``."""

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
