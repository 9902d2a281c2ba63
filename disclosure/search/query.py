"""Parse what a person typed into one engine-neutral query tree, without ever failing on odd
input. Every engine compiles this tree (``whoosh_compile`` for Whoosh); nothing parses the text
twice: ``SearchQuery.tree`` is parsed once, where the query is made.

Words match all words (AND); ``OR`` between two words makes either enough; ``-word`` excludes;
"quoted phrases" (ASCII or Chinese quotes) must match exactly. A 文号 (in any bracket style or
none: 咸民发〔2025〕6号, 咸民发2025年6号, 咸民发 2025 6号) or 索引号 anywhere in the query puts that
document first. Full-width operators (ＯＲ, ｜, －word) work as their ASCII forms. Unbalanced quotes and lone operators are ignored; input is cut
at MAX_QUERY_CHARS.

A typed word that names a document (外汇管理条例, 可再生能源法: ``names_a_document``) beside other
words scopes the search to that document: items holding every word come first, then the items
whose title holds the name (as a phrase) without the other words. ``外汇管理条例 境外`` lists the
regulation's articles on 境外, then its other articles. Exclusions and filters apply to both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .analysis import (
    document_number_spans,
    find_document_numbers,
    fold,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
)

MAX_QUERY_CHARS = 200
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
QUOTES = re.compile(r'["“”＂「」『』]')
PHRASE = re.compile(r'"([^"]*)"')
# i18n: the query syntax's operators (what a reader types), not text shown
OPERATORS = {"OR", "或", "|", "AND", "与", "&", "-", "NOT"}
#: the last word of a document's name (a law ends in 法); a typed word of at least
#: DOCUMENT_NAME_CHARS characters ending in one of these names a document
# i18n: words of the documents' (Chinese) names, matched in queries, not text shown
DOCUMENT_TYPES = (
    "法", "条例", "规定", "办法", "细则", "规则", "决定", "通知", "意见", "方案", "规划",
    "纲要", "公告", "通告", "批复", "解释", "章程", "准则", "守则", "制度",
)  # fmt: skip
DOCUMENT_NAME_CHARS = 5  # 实施方案, 管理办法 name a kind of document, not one


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
    # typed words that name a document (外汇管理条例): items with one in their title match
    # without the other words too, ranked after the items that hold every word
    document_names: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.groups or self.phrases or self.document_numbers or self.index_numbers)


def parse(text: str, document_numbers: Iterable[str] = ()) -> ParsedQuery:
    """The query tree of what was typed. ``document_numbers`` are 文号 given apart from the
    text (the advanced form's 文号 field): normalised and added to the tree's identifiers, as
    if they had been typed."""
    parsed = ParsedQuery()
    # lone surrogates (never valid text; the segmenter cannot encode them) and NULs are dropped
    text = LONE_SURROGATES.sub("", text or "").replace("\x00", " ").strip()
    if len(text) > MAX_QUERY_CHARS:
        text, parsed.truncated = text[:MAX_QUERY_CHARS], True
    given = [normalise_document_number(n) for n in document_numbers if n and n.strip()]
    parsed.document_numbers = find_document_numbers(text)
    alone = parsed.document_numbers == [normalise_document_number(text)]
    for number in given:
        if number not in parsed.document_numbers:
            parsed.document_numbers.append(number)
    if alone or not text:
        return parsed  # the query is just a 文号: match it alone, in document order
    text = QUOTES.sub('"', text)
    parsed.phrases = [p.strip() for p in PHRASE.findall(text) if p.strip()]
    rest = PHRASE.sub(" ", text).replace('"', " ")
    # A 文号 is one word, in its canonical form, before the text is split on spaces: so
    # 咸民发 2025 6号 stays together and every spelling gives the same tree.
    for start, end, number in reversed(document_number_spans(rest)):
        # i18n: the minus signs of the query syntax
        before = rest[:start] if rest[start - 1 : start] in ("-", "－") else rest[:start] + " "
        rest = f"{before}{number} {rest[end:]}"
    pending_or = False
    for raw in rest.split():
        if looks_like_index_number(raw):
            parsed.index_numbers.append(normalise_index_number(raw))
            continue
        key = fold(raw).upper()  # full-width ＯＲ, ｜ and －word are operators too
        if key in {"OR", "或", "|"}:  # i18n: the query syntax's OR
            pending_or = bool(parsed.groups)
            continue
        if key in OPERATORS:
            continue
        if key.startswith("-") and len(raw) > 1:
            parsed.excluded.append(raw[1:])
            continue
        if pending_or:
            parsed.groups[-1].append(raw)
            pending_or = False
        else:
            parsed.groups.append([raw])
    if len(parsed.groups) + len(parsed.phrases) > 1:
        parsed.document_names = [
            group[0] for group in parsed.groups if len(group) == 1 and names_a_document(group[0])
        ]
    if parsed.excluded:  # -咸政发〔2009〕1号 leaves that 文号 out; it does not put it first
        unwanted = {normalise_document_number(word) for word in parsed.excluded} - set(given)
        parsed.document_numbers = [n for n in parsed.document_numbers if n not in unwanted]
    return parsed


def names_a_document(word: str) -> bool:
    """Whether a typed word is the name of a document: 外汇管理条例, 可再生能源法 (at least
    ``DOCUMENT_NAME_CHARS`` Chinese characters ending in a ``DOCUMENT_TYPES`` word; 通知 and
    实施方案 are not names)."""
    folded = fold(word).strip()
    return (
        len(folded) >= DOCUMENT_NAME_CHARS
        and folded.endswith(DOCUMENT_TYPES)
        and all("\u3400" <= c <= "\u9fff" for c in folded)  # i18n: a range of characters
    )
