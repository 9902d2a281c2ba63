"""Snippets of the SQL engines (``sqlite``, ``postgresql``), cut in Python from the stored body.

What is marked comes from :func:`.analysis.highlight_spans`, as for Whoosh's phrase snippets:
a quoted phrase where phrase search matches it, as one span; a typed word of Chinese characters
that segments to itself wherever those characters stand together (where every engine finds
it); any other typed word wherever the text holds one of its segmented words. Up to
``FRAGMENTS`` fragments of about ``SNIPPET_CHARS`` characters (as Whoosh's
``ContextFragmenter(maxchars=160, surround=40)``), the ones holding the most different matches,
in text order, joined by "…"; the marks in ``<em class="hl">``, everything else escaped.
Without a match: "" (the engine shows the start of the summary).

A long body is read in windows of about ``WINDOW`` characters, cut at punctuation or white
space (where the segmenter cuts too), until the windows read hold as many different marked
texts as the query has words and phrases, or the body ends. A statute of 30,000 characters is
then folded and segmented only as far as its first matches, as search engines bound their
highlighters (Lucene's ``max_analyzed_offset``); a body holding a match always gets a snippet,
and a quoted phrase is always in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import escape

from .analysis import fold, highlight_spans, raw_separator
from .query import ParsedQuery

SNIPPET_CHARS = 160
SURROUND = 40
FRAGMENTS = 2
FALLBACK_CHARS = 120
WINDOW = 4000
#: how far past a window's end to look for a place to cut (a run with no punctuation)
CUT_SLACK = 400
#: a character ``markupsafe.escape`` replaces
_NEEDS_ESCAPE = re.compile("[&<>\"']").search


def marked(parsed: ParsedQuery) -> tuple[list[str], list[str]]:
    """``(words, phrases)`` a snippet marks for the query tree: its typed words (OR groups
    included, exclusions not) and its quoted phrases."""
    return [word for group in parsed.groups for word in group], list(parsed.phrases)


def make_snippet(content: str, words: Iterable[str] = (), phrases: Iterable[str] = ()) -> str:
    """The snippet of ``content`` for these typed words and phrases; "" when none matches."""
    if not content:
        return ""
    spans = _spans(content, list(words), list(phrases))
    if not spans:
        return ""
    fragments = []  # (different matches, marked characters, start, end, spans)
    i = 0
    while i < len(spans):
        first = spans[i]
        group = [first]
        j = i + 1
        while j < len(spans) and spans[j][1] - first[0] <= SNIPPET_CHARS - 2 * SURROUND:
            group.append(spans[j])
            j += 1
        start = max(0, first[0] - SURROUND)
        end = min(len(content), group[-1][1] + SURROUND)
        # what a span holds, folded, to count different matches (fold maps each character
        # to one: folding the spans alone is folding the body, without reading all of it)
        different = len({fold(content[s:e]) for s, e in group})
        fragments.append((different, sum(e - s for s, e in group), start, end, group))
        i = j
    best = sorted(fragments, key=lambda f: (f[0], f[1], -f[2]), reverse=True)[:FRAGMENTS]
    parts = []
    for *_, start, end, group in sorted(best, key=lambda f: f[2]):
        # most fragments hold nothing to escape: their pieces are then taken as they are
        piece = _as_is if _NEEDS_ESCAPE(content, start, end) is None else _escaped
        out, pos = [], start
        for s, e in group:
            out.append(piece(content[pos:s]))
            out.append(f'<em class="hl">{piece(content[s:e])}</em>')
            pos = e
        out.append(piece(content[pos:end]))
        parts.append("".join(out))
    return "…".join(parts)


def _as_is(text: str) -> str:
    return text


def _escaped(text: str) -> str:
    return str(escape(text))


def _spans(content: str, words: list[str], phrases: list[str]) -> list[tuple[int, int]]:
    """The marked spans of the first windows of ``content`` that together hold every different
    marked thing (all of them on a short body)."""
    if len(content) <= WINDOW + CUT_SLACK:
        return highlight_spans(content, words, phrases)
    wanted = len(set(words)) + len(set(phrases))
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    start = 0
    while start < len(content):
        end = _cut(content, start + WINDOW)
        for s, e in highlight_spans(content[start:end], words, phrases):
            spans.append((start + s, start + e))
            seen.add(fold(content[start + s : start + e]))
        if len(seen) >= wanted:
            break
        start = end
    return spans


def _cut(content: str, at: int) -> int:
    """A place at or just after ``at`` where a window may end (after a separator)."""
    if at >= len(content) - CUT_SLACK:
        return len(content)
    separator = raw_separator().search(content, at, at + CUT_SLACK)
    return separator.end() if separator else at


def fallback(summary: str | None, content: str | None) -> str:
    """What a hit shows when nothing in its body is marked: the start of its summary."""
    return str(escape((summary or content or "")[:FALLBACK_CHARS]))
