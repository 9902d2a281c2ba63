"""SQLite FTS5 with the ``trigram`` tokenizer (SQLite ≥ 3.34), bm25 ranking.

Layout: a plain table ``docs`` holds each item's searchable text and its filter columns (the
organisation path ``/root/…/own/``, topic, year); ``fts`` is an external-content FTS5 table over
``docs.title``, ``docs.body`` and ``docs.document_number`` (the 文号 stored normalised, see
``base.normalise_document_number``), built in one ``'rebuild'`` and then ``'optimize'``\\ d.

Queries: every word and quoted phrase becomes an FTS5 string (``"…"``, inner quotes doubled),
AND-ed. With trigrams every string of 3+ characters is a substring match, so unquoted words and
quoted phrases behave alike, and no word segmentation is needed. Ranking is
``bm25(fts, 10, 1, 5)`` (title, body, 文号), ties by insertion order.

The trigram limit: a string shorter than 3 characters matches nothing through the index (most
two-character Chinese words: 口岸, 通关). Such words are checked with ``instr()`` on the plain
columns instead: on the rows the longer words matched when there are any (cheap), otherwise
by scanning every row (slow — this is what the p95 latency shows), ranked then by a crude
score (title hit ×3 + occurrences in the body / body length).

A 文号 query is normalised and matched as a phrase in the 文号 column only; its items (all
equally relevant to bm25) are listed in document order, so the statute's first article leads.
An 索引号 is looked up by equality.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..corpus import organisation_path
from .base import (
    BenchQuery,
    looks_like_document_number,
    looks_like_index_number,
    normalise_document_number,
    normalise_index_number,
    split_query,
)

WEIGHTS = (10.0, 1.0, 5.0)  # bm25 column weights: title, body, document_number

_SCHEMA = """
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    index_number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    document_number TEXT NOT NULL,
    orgs TEXT NOT NULL,      -- '/<root>/<county>/<own>/': the organisation and its ancestors
    topic TEXT,
    year INTEGER
);
CREATE VIRTUAL TABLE fts USING fts5(
    title, body, document_number,
    content='docs', content_rowid='id', tokenize='trigram'
);
"""


def _fts_string(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


class Fts5Engine:
    name = "fts5"

    def __init__(self) -> None:
        self.con: sqlite3.Connection | None = None

    def build(self, items: list[dict], workdir: Path) -> None:
        con = sqlite3.connect(workdir / "fts5.sqlite", isolation_level=None)
        con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
        )
        con.executescript(_SCHEMA)
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    n,
                    item["index_number"],
                    item["title"],
                    item["body"],
                    normalise_document_number(item.get("document_number") or ""),
                    "/" + "/".join(organisation_path(item["organisation"])) + "/",
                    item.get("topic"),
                    int(item["published_on"][:4]) if item.get("published_on") else None,
                )
                for n, item in enumerate(items, start=1)
            ),
        )
        con.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
        con.execute("COMMIT")
        con.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        con.executescript("PRAGMA mmap_size=4294967296; PRAGMA cache_size=-131072;")
        self.con = con

    def search(self, q: BenchQuery, limit: int = 10) -> list[str]:
        assert self.con is not None, "build() first"
        text = q.text.strip()
        params: dict[str, object] = {"limit": limit}
        where: list[str] = []
        if q.organisation:
            where.append("instr(d.orgs, :org) > 0")
            params["org"] = f"/{q.organisation}/"
        if q.topic:
            where.append("d.topic = :topic")
            params["topic"] = q.topic
        if q.year:
            where.append("d.year = :year")
            params["year"] = q.year

        if looks_like_index_number(text):
            params["ix"] = normalise_index_number(text)
            sql = "SELECT d.index_number FROM docs d WHERE " + " AND ".join(
                ["d.index_number = :ix", *where]
            )
            return [r[0] for r in self.con.execute(sql + " LIMIT :limit", params)]

        in_order = looks_like_document_number(text)
        if in_order:
            match = "document_number : " + _fts_string(normalise_document_number(text))
            short: list[str] = []
        else:
            words, phrases = split_query(text)
            terms = list(dict.fromkeys(words + phrases))
            match = " AND ".join(_fts_string(t) for t in terms if len(t) >= 3)
            short = [t for t in terms if len(t) < 3]
        if not match and not short:
            return []

        score: list[str] = []
        for n, term in enumerate(short):
            params[f"s{n}"] = term
            where.append(
                f"(instr(d.title, :s{n}) > 0 OR instr(d.body, :s{n}) > 0"
                f" OR instr(d.document_number, :s{n}) > 0)"
            )
            score.append(
                f"(instr(d.title, :s{n}) > 0) * 3.0"
                f" + (length(d.body) - length(replace(d.body, :s{n}, '')))"
                f" / (length(:s{n}) * (1.0 + length(d.body) / 200.0))"
            )
        if match:
            params["match"] = match
            weights = ", ".join(str(w) for w in WEIGHTS)
            conditions = " AND ".join(["fts MATCH :match", *where])
            order = "d.id" if in_order else f"bm25(fts, {weights}), d.id"
            sql = (
                "SELECT d.index_number FROM fts CROSS JOIN docs d ON d.id = fts.rowid"
                f" WHERE {conditions} ORDER BY {order} LIMIT :limit"
            )
        else:
            order = " + ".join(score)
            sql = (
                "SELECT d.index_number FROM docs d WHERE "
                + " AND ".join(where)
                + f" ORDER BY {order} DESC, d.id LIMIT :limit"
            )
        try:
            return [r[0] for r in self.con.execute(sql, params)]
        except sqlite3.OperationalError:  # a query FTS5 cannot parse: treat as no match
            return []

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
