"""The interface every benchmarked search engine implements, and helpers they may share.

Writing an adapter
==================
An adapter is a class with a no-argument constructor, registered in ``bench/engines/__init__.py``
(``ENGINES[name] = cls``). The harness (``bench/search.py``) drives it like this::

    engine = cls()
    engine.build(items, workdir)          # timed: index every item, ready to search on return
    for q in queries:
        engine.search(q, limit=10)        # timed per call; the ranked index_numbers
    engine.close()                        # release files and handles (workdir is deleted later)

``build(items, workdir)``
    ``items`` are catalogue items from ``bench.corpus.build_items`` (dicts with the catalogue's
    field names: ``index_number``, ``title``, ``body``, ``summary``, ``document_number``,
    ``organisation``, ``topic``, ``genre``, ``published_on`` (ISO date string), ``created_on``,
    ``keywords`` (list), ``disclosure_mode``, ``validity``). Do not mutate them (they are shared
    between engines). ``workdir`` is an empty directory the adapter owns; put every file there.
    Everything the engine needs before it can answer — committing, merging, optimising — belongs
    in ``build`` because the harness reports its wall time as the build (indexing) time.
    ``build`` may be called once per instance.

``search(q, limit=10) -> list[str]``
    The ``index_number`` of at most ``limit`` items, best first. No duplicates. An empty list
    when nothing matches (never raise for odd user input: unbalanced quotes, lone punctuation).
    The semantics every engine shares:

    * words separated by white space must all match (AND), in the title, the body or the 文号;
    * a "quoted phrase" (ASCII ``"…"`` or Chinese ``“…”``) must match exactly, as a contiguous
      string;
    * a 文号 typed in any bracket style (``〔〕 [] () （） 【】 ［］``, full-width digits) or with
      none (``鲁政发2016年1号``, ``鲁政发 2016 1号``) finds the items with that 文号 — and
      ``…〔2011〕1号`` must not find ``…〔2011〕12号``;
    * an 索引号 finds that item;
    * filters restrict: ``organisation`` keeps that body and every body below it
      (``bench.corpus.organisation_path`` gives an item's ancestors: index them), ``topic`` keeps
      that topic code, ``year`` keeps items whose ``published_on`` falls in that year;
    * results are ranked by relevance, the title weighing more than the body.

    ``q.kind`` is only a label for reporting: an adapter must NOT branch on it (the public
    search box does not know what the user typed either). Use ``looks_like_document_number``
    and ``looks_like_index_number`` below, or the app's own detection.

``close()``
    Close searchers, connections and databases. Called once, also after a failed run.

``name``
    The adapter's registry name, shown in the results table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from disclosure.search import analysis as app_analysis

QUERY_KINDS = ("words", "phrase", "docno", "index_number", "filtered")


@dataclass(frozen=True)
class BenchQuery:
    """One search as a member of the public would make it."""

    text: str  # what a user types: words, "quoted phrase", a 文号, an 索引号
    kind: str  # "words" | "phrase" | "docno" | "index_number" | "filtered" (reporting only)
    organisation: str | None = None  # filter: this org code and its descendants
    topic: str | None = None  # filter: a topic code (catalog_schemas/vocabularies/topics.yaml)
    year: int | None = None  # filter: the year of published_on

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> BenchQuery:
        return cls(
            text=data["text"],
            kind=data["kind"],
            organisation=data.get("organisation"),
            topic=data.get("topic"),
            year=data.get("year"),
        )


@runtime_checkable
class Engine(Protocol):
    name: str

    def build(self, items: list[dict], workdir: Path) -> None: ...

    def search(self, q: BenchQuery, limit: int = 10) -> list[str]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- shared helpers
# Plain functions an adapter may use so that the generic engines (FTS5, Xapian) get the same
# identifier handling the app needs; the whoosh_app adapter uses the app's own analysis instead.

_INDEX_NUMBER_RE = re.compile(r"^[0-9A-Z]{9}(?:[0-9A-Z]{9})?/\d{4}-\d{5}$")


def fold_width(text: str) -> str:
    """Full-width ASCII (digits, letters, brackets, space) → half-width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def normalise_document_number(text: str) -> str:
    """One spelling for a 文号: the app's own normaliser (``disclosure.search.analysis``), so
    the benchmark and the app agree. ``鲁政发[2016]1号``, ``鲁政发（２０１６）1号``,
    ``鲁政发2016年1号`` and ``鲁政发 2016 1号`` → ``鲁政发〔2016〕1号``.
    """
    return app_analysis.normalise_document_number(text)


def looks_like_document_number(text: str) -> bool:
    """Is the whole query one 文号 (in any bracket style or none, or ``…令第N号``)?"""
    s = text.strip().strip('"“”')
    return app_analysis.find_document_numbers(s) == [normalise_document_number(s)]


def normalise_index_number(text: str) -> str:
    return re.sub(r"\s+", "", fold_width(text)).upper()


def looks_like_index_number(text: str) -> bool:
    """Is the whole query one 索引号 (``<9 or 18 char code>/<yyyy>-<nnnnn>``)?"""
    return bool(_INDEX_NUMBER_RE.match(normalise_index_number(text)))


_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')


def split_query(text: str) -> tuple[list[str], list[str]]:
    """``(words, phrases)`` of a query: quoted runs are phrases, the rest splits on white space.

    An unbalanced quote is treated as white space. Empty words and phrases are dropped.
    ``split_query('口岸 "通关效率" 安全')`` → ``(["口岸", "安全"], ["通关效率"])``.
    """
    phrases = [p.strip() for m in _QUOTED.finditer(text) for p in m.groups() if p is not None]
    rest = _QUOTED.sub(" ", text).replace('"', " ").replace("“", " ").replace("”", " ")
    words = rest.split()
    return words, [p for p in phrases if p]
