"""Where a served search's time goes, and what the database alone needs for the same query.

    python -m bench.breakdown [--items 100000] [--engines sqlite,postgresql] [--repeat 5]
                              [--json FILE]

``bench.served`` times what users get. This benchmark takes the same sites apart, to tell which
part of a search could still be made faster and which cannot: for each SQL engine, a fresh
database with the N statute articles imported by ``disclosure import-catalogue``
(``bench.served.import_items``), then, for every query of ``data/latency_queries.json``, right
beside each other and taking turns at going first (the median of ``--repeat`` runs, the first
dropped, as ``bench.served``):

- ``served``: ``GET /api/v1/search`` through the WSGI app, as ``bench.served`` times it;
- ``engine``: the engine's own ``search()`` (the statements, snippets, facet sums), no HTTP;
- ``sql``: the statements that search sent, run again as they are on a connection of the
  database's own driver (sqlite3, psycopg): the database's share, no Python of the app;
- ``sql unranked``: the same statements with the ranking function replaced by a constant
  (``bm25(…)`` on SQLite, the RUM distance or ``ts_rank_cd`` on PostgreSQL): what the
  statements cost if the results were not ranked at all. Not an engine anyone would use:
  a floor for any ranked engine built on the same index;
- ``top 20``: the ranked page alone, the least a ranked engine answers: the 20 best of the
  full-text match by the engine's ranking (``bm25`` on SQLite; the RUM distance, or
  ``ts_rank_cd`` without RUM, on PostgreSQL), without the total, facets, filters or stored
  fields;
- ``match count``: ``count(*)`` of the full-text match alone (the FTS5 MATCH expression or
  the tsquery the engine built), without filters, ranking, facets or the page;
- ``wsgi``: the trivial route (``GET /api/v1/organisations``) and ``xapian``: Xapian's search
  (``bench/engines/xapian_engine.py``), the two parts of ``bench.served``'s target.

The report gives p50/p95 of each column and the target p95 (``bench.served.TARGETS`` × (Xapian
p95 + wsgi p50), from the same seconds), then, for each database-only column, the p95 over the
queries of that column plus the trivial route: what the served p95 would be if the app's Python
cost nothing more than on the trivial route. One over the target says that no change to the
app's Python can meet it with that index and ranking. Progress goes to stderr, the tables to
stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from disclosure.search.sqlite_engine import WEIGHTS, build_match

from .corpus import SEED, build_items
from .engines.base import BenchQuery
from .queries import RELEVANCE_FILE
from .search import _fmt, _table, load_judgements, load_latency_queries, percentile
from .served import (
    PG_DATABASE,
    PG_URL,
    TARGETS,
    WSGI_ROUTE,
    Databases,
    app_settings,
    import_items,
    log,
    params,
    timed_beside,
)

ENGINES = ("sqlite", "postgresql")
COLUMNS = (
    "served",
    "engine",
    "sql",
    "sql unranked",
    "top 20",
    "match count",
    "wsgi",
    "xapian",
)
#: the columns that are the database alone
DATABASE_ONLY = ("sql", "sql unranked", "top 20", "match count")

#: the ranking in the statements each engine sends, and what stands in for it when unranked
UNRANKED = {
    "sqlite": ((re.compile(r"bm25\(search_engine_fts(?:, [0-9.]+)*\)"), "0.0"),),
    "postgresql": (
        # an expression, not a literal: ``ORDER BY 0`` would name a column
        (
            re.compile(r"tsv (?:OPERATOR\([^)]*\)|<=>) CAST\(%\(tsq\)s AS tsquery\)"),
            "CAST(0 AS float8)",
        ),
        (re.compile(r"ts_rank_cd\(tsv, CAST\(%\(tsq\)s AS tsquery\)\)"), "CAST(0 AS float8)"),
    ),
}
#: what must be gone from an unranked statement (else the engine's SQL changed: fix UNRANKED)
RANKING = {"sqlite": ("bm25(",), "postgresql": ("<=>", "ts_rank_cd(")}
_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)


@dataclass
class Breakdown:
    engine: str
    items: int
    import_s: float = float("nan")
    error: str | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    queries: list[dict] = field(default_factory=list)

    def p(self, column: str, q: float) -> float:
        values = self.times[column]
        return percentile(values, q) if values else float("nan")

    @property
    def target(self) -> float:
        return TARGETS[self.engine] * (self.p("xapian", 95) + self.p("wsgi", 50))


def unranked(engine: str, statement: str) -> str:
    """The statement with its ranking replaced by a constant."""
    for pattern, constant in UNRANKED[engine]:
        statement = pattern.sub(constant, statement)
    left = [word for word in RANKING[engine] if word in statement]
    if left:
        raise ValueError(f"{engine}: {left} left in an unranked statement: {statement[:300]}")
    return statement


class Replay:
    """A query's statements, captured as the engine sent them, run again on a connection of
    the database's own driver."""

    def __init__(self, engine: str, url: str) -> None:
        self.engine = engine
        if engine == "sqlite":
            import sqlite3

            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)

    def run(self, statements: list[tuple[str, dict]]) -> None:
        if self.engine == "postgresql" and any("set_config" in s for s, _ in statements):
            # the RUM-ordered page: its SET LOCALs need a transaction, as in the engine
            with self.conn.transaction():
                for statement, values in statements:
                    self.conn.execute(statement, values).fetchall()
            return
        for statement, values in statements:
            self.conn.execute(statement, values).fetchall()

    def top(self, match: str | None, rank: str | None, rum: bool) -> None:
        """The 20 best of the match by the engine's ranking, nothing else."""
        if match is None:
            return
        if self.engine == "sqlite":
            weights = ", ".join(str(w) for w in WEIGHTS)
            sql = (
                f"SELECT rowid, bm25(search_engine_fts, {weights}) AS score FROM "
                "search_engine_fts WHERE search_engine_fts MATCH ? ORDER BY score LIMIT 20"
            )
            self.conn.execute(sql, (match,)).fetchall()
            return
        order = (
            "tsv <=> CAST(%s AS tsquery)" if rum else "ts_rank_cd(tsv, CAST(%s AS tsquery)) DESC"
        )
        sql = (
            "SELECT item_id FROM search_engine_documents WHERE tsv @@ CAST(%s AS tsquery) "
            f"ORDER BY {order} LIMIT 20"
        )
        self.conn.execute(sql, (match, rank)).fetchall()

    def count(self, match: str | None) -> None:
        if match is None:
            return
        if self.engine == "sqlite":
            sql = "SELECT count(*) FROM search_engine_fts WHERE search_engine_fts MATCH ?"
        else:
            sql = "SELECT count(*) FROM search_engine_documents WHERE tsv @@ CAST(%s AS tsquery)"
        self.conn.execute(sql, (match,)).fetchall()

    def close(self) -> None:
        self.conn.close()


def full_text_match(engine: str, query) -> tuple[str | None, str | None]:
    """What the engine matches the text with (its FTS5 MATCH expression or its tsquery), and
    what it ranks by (the same expression on SQLite, the ranking tsquery on PostgreSQL)."""
    if engine == "sqlite":
        match = build_match(query.tree)
        return match, match
    from disclosure.search.pg_engine import compile_tsquery

    return compile_tsquery(query.tree, prefilter=True), compile_tsquery(query.tree)


def search_query(q: BenchQuery):
    from disclosure.search.interfaces import SearchQuery

    return SearchQuery(q=q.text, organisation=q.organisation, topic=q.topic, year=q.year)


def measure(result: Breakdown, url: str, home: Path, latency_queries, xapian, repeat) -> None:
    from sqlalchemy import event
    from webtest import TestApp

    from disclosure import main as make_app

    app = make_app({}, **app_settings(result.engine, url, home))
    replay = Replay(result.engine, url)
    try:
        test = TestApp(app)
        test.get("/api/v1/search", {"q": "管理"})  # opens readers, fills caches
        search_index = app.registry["search_index"]
        rum = result.engine == "postgresql" and search_index.detect()
        captured: list[tuple[str, dict]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if not _CONTROL.match(statement):
                captured.append((statement, parameters))

        event.listen(app.registry["db_engine"], "before_cursor_execute", capture)
        for n, q in enumerate(latency_queries, start=1):
            query = search_query(q)
            captured.clear()
            search_index.search(query)
            statements = list(captured)
            bare = [(unranked(result.engine, s), v) for s, v in statements]
            match, rank = full_text_match(result.engine, query)
            calls = {
                "served": lambda q=q: test.get("/api/v1/search", params(q)),
                "engine": lambda query=query: search_index.search(query),
                "sql": lambda s=statements: replay.run(s),
                "sql unranked": lambda s=bare: replay.run(s),
                "top 20": lambda m=match, r=rank: replay.top(m, r, rum),
                "match count": lambda m=match: replay.count(m),
                "wsgi": lambda: test.get(WSGI_ROUTE),
                "xapian": lambda q=q: xapian.search(q, limit=10),
            }
            row = {"q": q.text, "kind": q.kind, **timed_beside(calls, n, repeat)}
            for column in COLUMNS:
                result.times[column].append(row[column])
            result.queries.append(row)
            if n % 50 == 0 or n == len(latency_queries):
                log(f"[{result.engine}] {n}/{len(latency_queries)}")
        event.remove(app.registry["db_engine"], "before_cursor_execute", capture)
    finally:
        replay.close()
        app.registry["db_engine"].dispose()


def run_engine(engine, items, latency_queries, xapian, dbs, workdir, repeat) -> Breakdown:
    result = Breakdown(engine, len(items))
    home = workdir / engine
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url = dbs.new(engine, "")
    try:
        _, result.import_s = import_items(engine, url, home, items)
        log(f"[{engine}] imported in {result.import_s:.1f} s; timing…")
        measure(result, url, home, latency_queries, xapian, repeat)
    except Exception:
        result.error = traceback.format_exc(limit=3).strip().splitlines()[-1]
        log(f"[{engine}] FAILED\n{traceback.format_exc()}")
    finally:
        dbs.drop(url)
        shutil.rmtree(home, ignore_errors=True)
    return result


def report(results: list[Breakdown], n_queries: int, repeat: int) -> str:
    out = [
        f"Where a served search's time goes: {n_queries} latency queries, median of "
        f"{repeat - 1} runs each (ms), every column timed beside the others",
        "",
    ]
    header = ["engine", "items", *[f"{c} p50/p95" for c in COLUMNS], "target p95"]
    rows = []
    for r in results:
        if r.error:
            rows.append([r.engine, f"failed: {r.error}"[:70], *[""] * (len(header) - 2)])
            continue
        cells = [f"{_fmt(r.p(c, 50), '.2f')}/{_fmt(r.p(c, 95), '.2f')}" for c in COLUMNS]
        rows.append([r.engine, f"{r.items:,}", *cells, _fmt(r.target, ".2f")])
    out.append(_table(header, rows))
    out.append("")
    for r in results:
        if r.error:
            continue
        # query by query, the database's part plus the trivial route: what the served p95
        # would be if the app's Python cost nothing more than on the trivial route
        floors = {c: percentile([q[c] + q["wsgi"] for q in r.queries], 95) for c in DATABASE_ONLY}
        over = [c for c, v in floors.items() if v > r.target]
        out.append(
            f"{r.engine}: served p95 {r.p('served', 95):.2f} ms = "
            f"{r.p('served', 95) / r.target:.1f}× the target {r.target:.2f} ms. Query by query, "
            "each database-only column plus the trivial route, p95: "
            + ", ".join(f"{c} {v:.2f}" for c, v in floors.items())
            + f" ({', '.join(over) + ' over' if over else 'all under'} the target)"
        )
    kinds = sorted({row["kind"] for r in results if not r.error for row in r.queries})
    for column in ("sql", "sql unranked"):
        out.append("")
        out.append(f"{column}: p50/p95 ms by query kind")
        table = []
        for r in results:
            if r.error:
                continue
            cells = []
            for kind in kinds:
                values = [row[column] for row in r.queries if row["kind"] == kind]
                cells.append(f"{percentile(values, 50):.1f}/{percentile(values, 95):.1f}")
            table.append([r.engine, *cells])
        out.append(_table(["engine", *kinds], table))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000, help="corpus size (20000)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query and column (5)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument("--pg-database", default=PG_DATABASE + "_breakdown")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="also write every query's figures here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    if not names or any(n not in ENGINES for n in names) or args.repeat < 2:
        log(f"engines: one or more of {', '.join(ENGINES)}; --repeat at least 2")
        return 2

    from .engines.xapian_engine import XapianEngine

    latency_queries = load_latency_queries()
    judged = {k for e in load_judgements(RELEVANCE_FILE) for k in e["relevant"]}
    log(f"corpus: building {args.items:,} items…")
    items = build_items(limit=args.items, seed=args.seed, prefer=judged, progress=True)
    workdir = Path(tempfile.mkdtemp(prefix="disclosure-breakdown-"))
    dbs = Databases(workdir, args.pg_url, args.pg_database)
    xapian = XapianEngine()
    results = []
    try:
        log(f"[xapian] building {len(items):,} items…")
        (workdir / "xapian").mkdir()
        xapian.build(items, workdir / "xapian")
        for name in names:
            results.append(
                run_engine(name, items, latency_queries, xapian, dbs, workdir, args.repeat)
            )
    finally:
        xapian.close()
        dbs.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    print(report(results, len(latency_queries), args.repeat))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\n{date.today().isoformat()}, {os.cpu_count()} cores, load average {load}")
    if args.json:
        data = [{"engine": r.engine, "error": r.error, "queries": r.queries} for r in results]
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
