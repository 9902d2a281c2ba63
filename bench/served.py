"""Search as users get it: the app's own engines served through ``/api/v1/search``.

    python -m bench.served [--items 20000] [--engines whoosh,sqlite,postgresql]
                           [--rebuild-items 8000] [--repeat 3] [--json FILE]

For each app engine (``disclosure.search.backend``), one after another:

1. a fresh database (an SQLite file, or a scratch PostgreSQL database created and dropped here),
   migrated by ``disclosure initdb``; the organisation tree of ``bench.corpus.ORGANISATIONS``
   loaded with the app's own seed loader;
2. ``import s``: the N statute articles written to a JSONL file (not timed) and imported by
   ``disclosure import-catalogue`` itself (``CatalogueImporter``: validate, create, publish,
   a commit every 500 rows). The SQL engines write the search index inside those transactions;
3. ``build s``: import + whatever else it takes until search answers: ``disclosure reindex``
   for ``whoosh`` (the outbox indexer is off; a rebuild with 2 processes is the faster way to
   index a bulk import), nothing more for ``sqlite`` and ``postgresql``;
4. the WSGI app built by ``disclosure.main`` with that backend, queried in-process with
   WebTest: every query of ``data/latency_queries.json`` as ``GET /api/v1/search?q=…`` (plus its
   filters; the default page of 20, facets and snippets on, as the search page needs them;
   the page cache off, so that every repeat is searched again),
   ``--repeat`` times in a row, the first run discarded, the median kept → p50/p95 over the
   queries. ``wsgi p50``: the same protocol on ``GET /api/v1/organisations`` (a trivial API
   route: the app's own stack and one small query, no search) and ``xapian p95``: Xapian's
   search of the same query, both timed right beside each query (taking turns at going first),
   so that the yardstick is measured in the same seconds as the engine;
5. relevance: every query of ``data/relevance.json`` through the same API, top 10 → nDCG@10
   and MRR (the judged set the project never tuned on; nothing here is tuned on it either;
   ``--judged dev`` uses ``data/relevance_dev.json`` instead, the set to tune on);
6. ``reindex s``: another fresh database holding the first M items (inserted in bulk, not
   timed), then ``disclosure reindex`` on it (timed): the rebuild from the database.

Xapian (``bench/engines/xapian_engine.py``, search only, in-process, no HTTP) is measured in
the same run on the same items: on its own first (its row), then beside each app engine. The
target column: ``sqlite`` p95 ≤ 1.0 × (Xapian p95 + that app's wsgi p50, both from the
engine's own seconds), ``postgresql`` ≤ 2.0 ×. Progress goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .corpus import ORGANISATIONS, SEED, build_items
from .engines.base import BenchQuery
from .queries import DEV_RELEVANCE_FILE, RELEVANCE_FILE
from .reindex import item_row
from .search import (
    LatencyFigures,
    _fmt,
    _table,
    load_judgements,
    load_latency_queries,
    ndcg,
    percentile,
    reciprocal_rank,
)

APP_ENGINES = ("whoosh", "sqlite", "postgresql")
TARGETS = {"sqlite": 1.0, "postgresql": 2.0}  # × (xapian p95 + wsgi p50)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_DATABASE = "bench_search"
TOP_K = 10
WSGI_ROUTE = "/api/v1/organisations"
WSGI_REPEAT = 50


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass
class Result(LatencyFigures):
    engine: str
    items: int = 0
    error: str | None = None
    import_s: float = math.nan
    build_s: float = math.nan
    rebuild_items: int = 0
    reindex_s: float = math.nan
    wsgi_p50: float = math.nan
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind → ms per query
    rr: list[float] = field(default_factory=list)
    ndcg: dict[str, list[float]] = field(default_factory=dict)  # judgement group → per query
    skipped: int = 0
    rejected: int = 0
    #: Xapian's and the trivial route's time for each query, measured beside this engine's
    reference: list[float] = field(default_factory=list)
    trivial: list[float] = field(default_factory=list)

    @property
    def reference_p95(self) -> float:
        return percentile(self.reference, 95) if self.reference else math.nan

    @property
    def mrr(self) -> float:
        return statistics.fmean(self.rr) if self.rr else math.nan

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "items": self.items,
            "error": self.error,
            "import_s": self.import_s,
            "build_s": self.build_s,
            "rebuild_items": self.rebuild_items,
            "reindex_s": self.reindex_s,
            "wsgi_p50_ms": self.wsgi_p50,
            "xapian_p95_beside_ms": self.reference_p95,
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "ndcg10": self.mean_ndcg,
            "mrr": self.mrr,
            "latency_ms_by_kind": self.latencies,
            "ndcg10_by_group": {g: statistics.fmean(v) for g, v in self.ndcg.items() if v},
            "relevance_skipped": self.skipped,
            "import_rejected": self.rejected,
        }


# --------------------------------------------------------------------------- databases


class Databases:
    """Fresh databases: SQLite files in the work directory, or PostgreSQL scratch databases
    (created here, dropped by :meth:`drop_all`)."""

    def __init__(self, workdir: Path, pg_url: str, pg_database: str) -> None:
        self.workdir = workdir
        self.pg_url = pg_url.rstrip("/")
        self.pg_database = pg_database
        self.created: list[str] = []

    def _psql(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.pg_url + "/postgres", isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def new(self, backend: str, suffix: str) -> str:
        if backend != "postgresql":
            path = self.workdir / f"{backend}{suffix}.sqlite"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        name = self.pg_database + suffix
        self._psql(f'DROP DATABASE IF EXISTS "{name}"')
        self._psql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"{self.pg_url}/{name}"

    def drop(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            return
        name = url.rsplit("/", 1)[1]
        self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            with contextlib.suppress(Exception):
                self.drop(f"{self.pg_url}/{name}")


def write_ini(path: Path, settings: dict[str, str]) -> Path:
    lines = ["[app:main]", "use = egg:disclosure"]
    lines += [f"{k} = {v.replace('%', '%%')}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def app_settings(backend: str, url: str, workdir: Path) -> dict[str, str]:
    return {
        "disclosure.database_url": url,
        "disclosure.files_dir": str(workdir / "files"),
        "disclosure.session_secret": "bench-served",
        "disclosure.search.backend": backend,
        "disclosure.search.index_dir": str(workdir / "index"),
        "disclosure.search.indexer": "off",  # the whoosh index is built by `reindex` below
        "disclosure.mail.backend": "log",
        "disclosure.mail.worker": "off",
        "pyramid.default_locale_name": "zh_Hans",
        # every query is asked three times: the page cache would answer the second and third
        # without searching, so it is off here and the engine answers every time
        "disclosure.page_cache.entries": "0",
    }


def cli(*argv: str) -> None:
    """Run a ``disclosure`` command in this process; its stdout goes to stderr."""
    from disclosure.scripts.cli import main as disclosure

    with contextlib.redirect_stdout(sys.stderr):
        code = disclosure(list(argv))
    if code not in (0, 3):  # 3: some rows rejected (counted separately)
        raise RuntimeError(f"disclosure {argv[0]} exited with {code}")


def organisation_tree() -> dict:
    """``bench.corpus.ORGANISATIONS`` as a seed tree for ``load_organisations``."""
    nodes: dict[str, dict] = {}
    root = None
    for org in ORGANISATIONS:
        code = org["code"]
        if org["parent"] is None:
            kind = "city"
        elif code.endswith("001"):
            kind = "county"
        elif code[6] == "2":
            kind = "township"
        else:
            kind = "department"
        node = {"code": code, "name": org["name"], "short_name": org["name"][:8], "kind": kind}
        nodes[code] = node
        if org["parent"] is None:
            root = node
        else:
            nodes[org["parent"]].setdefault("children", []).append(node)
    assert root is not None
    return root


def load_organisations(url: str) -> None:
    from disclosure import models
    from disclosure.organisations.seed import load_organisations as seed

    engine = models.get_engine(url)
    try:
        with models.get_session_factory(engine).begin() as db:
            seed(db, organisation_tree())
    finally:
        engine.dispose()


def import_row(item: dict) -> dict:
    """A corpus item as a line of an import file (the catalogue's field names)."""
    keys = (
        "index_number",
        "title",
        "summary",
        "body",
        "document_number",
        "organisation",
        "topic",
        "genre",
        "published_on",
        "created_on",
        "keywords",
        "disclosure_mode",
        "validity",
    )
    return {k: item[k] for k in keys if item.get(k) not in (None, "")}


def bulk_insert(url: str, items: list[dict]) -> None:
    """Published items straight into the tables (no search writes): input for a reindex."""
    from sqlalchemy import insert, select

    from disclosure import models
    from disclosure.models import CatalogueItem, Organisation

    load_organisations(url)
    engine = models.get_engine(url)
    try:
        with engine.begin() as conn:
            ids = dict(conn.execute(select(Organisation.code, Organisation.id)).all())
            for start in range(0, len(items), 2000):
                conn.execute(
                    insert(CatalogueItem),
                    [item_row(item, ids) for item in items[start : start + 2000]],
                )
    finally:
        engine.dispose()


def import_items(backend: str, url: str, home: Path, items: list[dict]) -> tuple[Path, float]:
    """A site on ``url`` (an empty database): ``disclosure initdb``, the organisation tree, then
    ``disclosure import-catalogue`` of the items (timed). Its ini file and the import's seconds."""
    ini = write_ini(home / "bench.ini", app_settings(backend, url, home))
    log(f"[{backend}] initdb + organisations…")
    cli("initdb", str(ini))
    load_organisations(url)
    source = home / "items.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(import_row(item), ensure_ascii=False) + "\n")
    log(f"[{backend}] import-catalogue of {len(items):,} items…")
    gc.collect()
    t0 = time.perf_counter()
    cli("import-catalogue", str(ini), str(source))
    return ini, time.perf_counter() - t0


# --------------------------------------------------------------------------- timing


def params(q: BenchQuery) -> dict:
    out = {"q": q.text}
    for name in ("organisation", "topic", "year"):
        value = getattr(q, name)
        if value is not None:
            out[name] = str(value)
    return out


def timed(call, repeat: int) -> float:
    """Run ``call`` ``repeat`` times; drop the first (warm-up), return the median in ms."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    kept = times[1:] if len(times) > 1 else times
    return statistics.median(kept)


def timed_beside(calls: dict, turn: int, repeat: int) -> dict[str, float]:
    """Each of ``calls`` (name → call) :func:`timed` right after the other, in their order
    rotated by ``turn``: over successive turns each goes first as often as the others, so that
    they are measured in the same seconds, whatever the machine's speed is doing."""
    names = list(calls)
    turn %= len(names)
    return {name: timed(calls[name], repeat) for name in names[turn:] + names[:turn]}


def measure(
    result: Result,
    search,
    latency_queries,
    judgements,
    present,
    repeat,
    reference=None,
    trivial=None,
) -> None:
    """Latency per query and relevance, with ``search(q) -> ranked index numbers``.

    With ``reference`` (Xapian's search) and ``trivial`` (the app's trivial route), each query
    is also timed on those, right beside it, taking turns at going first: the yardstick is then
    measured in the same seconds as the engine, whatever the machine's speed is doing (it
    drifts by up to 2× within minutes on the project's machine)."""
    name = result.engine
    gc.collect()
    for n, q in enumerate(latency_queries, start=1):
        calls = {"engine": lambda q=q: search(q)}
        if reference is not None:
            calls["reference"] = lambda q=q: reference(q)
        if trivial is not None:
            calls["trivial"] = trivial
        times = timed_beside(calls, n, repeat)
        result.latencies.setdefault(q.kind, []).append(times["engine"])
        if reference is not None:
            result.reference.append(times["reference"])
        if trivial is not None:
            result.trivial.append(times["trivial"])
        if n % 50 == 0 or n == len(latency_queries):
            log(f"[{name}] latency {n}/{len(latency_queries)}")
    for entry in judgements:
        relevant = {k: g for k, g in entry["relevant"].items() if k in present}
        if not relevant:
            result.skipped += 1
            continue
        ranked = search(BenchQuery.from_dict(entry["query"]))[:TOP_K]
        result.rr.append(reciprocal_rank(ranked, relevant))
        group = entry.get("judgement", entry["query"]["kind"])
        result.ndcg.setdefault(group, []).append(ndcg(ranked, relevant))
    log(
        f"[{name}] p50 {result.p50:.2f} ms, p95 {result.p95:.2f} ms; MRR {result.mrr:.3f}, "
        f"nDCG@10 {result.mean_ndcg:.3f}"
    )


# --------------------------------------------------------------------------- one engine


def run_app_engine(
    backend: str,
    items: list[dict],
    latency_queries: list[BenchQuery],
    judgements: list[dict],
    dbs: Databases,
    workdir: Path,
    repeat: int,
    rebuild_items: int,
    reference=None,
) -> Result:
    from webtest import TestApp

    from disclosure import main as make_app

    result = Result(backend, items=len(items))
    home = workdir / backend
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url = dbs.new(backend, "")
    app = None
    try:
        ini, result.import_s = import_items(backend, url, home, items)
        result.build_s = result.import_s
        if backend == "whoosh":
            log(f"[{backend}] imported in {result.import_s:.1f} s; reindex…")
            t0 = time.perf_counter()
            cli("reindex", str(ini))
            result.build_s += time.perf_counter() - t0
        log(f"[{backend}] import {result.import_s:.1f} s, build {result.build_s:.1f} s")

        app = make_app({}, **app_settings(backend, url, home))
        test = TestApp(app)
        total = test.get("/api/v1/search", {"q": "管理"}).json  # opens readers, fills caches
        count = test.get("/api/v1/catalogue", {"per_page": 1}).json.get("total")
        log(f"[{backend}] served: '管理' {total['total']} hits; catalogue total {count}")
        result.rejected = len(items) - (count or 0)

        gc.collect()
        wsgi = [timed(lambda: test.get(WSGI_ROUTE), 3) for _ in range(WSGI_REPEAT)]
        result.wsgi_p50 = statistics.median(wsgi)

        def served(q: BenchQuery) -> list[str]:
            body = test.get("/api/v1/search", params(q)).json
            return [hit["index_number"] for hit in body["hits"]]

        present = {it["index_number"] for it in items}
        measure(
            result,
            served,
            latency_queries,
            judgements,
            present,
            repeat,
            reference,
            (lambda: test.get(WSGI_ROUTE)) if reference is not None else None,
        )
        if result.trivial:  # the wsgi p50 of the same seconds as the engine's queries
            result.wsgi_p50 = statistics.median(result.trivial)
    except Exception:
        result.error = traceback.format_exc(limit=3).strip().splitlines()[-1]
        log(f"[{backend}] FAILED\n{traceback.format_exc()}")
    finally:
        if app is not None:
            app.registry["db_engine"].dispose()
        dbs.drop(url)
        shutil.rmtree(home, ignore_errors=True)

    if rebuild_items and result.error is None:
        result.rebuild_items = min(rebuild_items, len(items))
        url = dbs.new(backend, "_reindex")
        home = workdir / f"{backend}-reindex"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        try:
            ini = write_ini(home / "bench.ini", app_settings(backend, url, home))
            cli("initdb", str(ini))
            bulk_insert(url, items[: result.rebuild_items])
            log(f"[{backend}] reindex of {result.rebuild_items:,} items…")
            gc.collect()
            t0 = time.perf_counter()
            cli("reindex", str(ini))
            result.reindex_s = time.perf_counter() - t0
            log(f"[{backend}] reindexed in {result.reindex_s:.1f} s")
        except Exception:
            log(f"[{backend}] reindex FAILED\n{traceback.format_exc()}")
        finally:
            dbs.drop(url)
            shutil.rmtree(home, ignore_errors=True)
    return result


def run_xapian(items, latency_queries, judgements, workdir: Path, repeat: int, keep):
    """Xapian's own run, and its search (None if it failed): the reference timed beside each
    app engine. The engine stays open until ``keep`` (an ExitStack) closes."""
    from .engines.xapian_engine import XapianEngine

    result = Result("xapian", items=len(items))
    engine = XapianEngine()
    home = workdir / "xapian"
    home.mkdir(parents=True, exist_ok=True)
    keep.callback(shutil.rmtree, home, ignore_errors=True)
    keep.callback(engine.close)
    try:
        log(f"[xapian] building {len(items):,} items…")
        t0 = time.perf_counter()
        engine.build(items, home)
        result.build_s = time.perf_counter() - t0
        present = {it["index_number"] for it in items}

        def search(q: BenchQuery) -> list[str]:
            return engine.search(q, limit=TOP_K)

        measure(result, search, latency_queries, judgements, present, repeat)
    except Exception:
        result.error = traceback.format_exc(limit=3).strip().splitlines()[-1]
        log(f"[xapian] FAILED\n{traceback.format_exc()}")
        return result, None
    return result, search


# --------------------------------------------------------------------------- report


def target(r: Result, xapian: Result | None) -> str:
    """The allowed p95: Xapian's p95 measured beside this engine's queries (else Xapian's own
    run) plus this app's wsgi p50, times the engine's factor."""
    factor = TARGETS.get(r.engine)
    reference = r.reference_p95 if r.reference else (xapian.p95 if xapian else math.nan)
    if factor is None or math.isnan(reference) or math.isnan(r.wsgi_p50):
        return "—"
    limit = factor * (reference + r.wsgi_p50)
    verdict = "ok" if r.p95 <= limit else f"{r.p95 / limit:.1f}×"
    return f"≤ {limit:.2f} ({verdict})"


def report(results: list[Result], n_latency: int, n_judged: int, repeat: int) -> str:
    xapian = next((r for r in results if r.engine == "xapian" and r.error is None), None)
    header = [
        "engine", "items", "import s", "build s", "reindex s", "wsgi p50", "xapian p95",
        "p50 ms", "p95 ms", "target p95 ms", "nDCG@10", "MRR",
    ]  # fmt: skip
    rows = []
    for r in results:
        if r.error:
            rows.append([r.engine, f"failed: {r.error}"[:70], *[""] * (len(header) - 2)])
            continue
        rows.append(
            [
                r.engine,
                f"{r.items:,}",
                _fmt(r.import_s, ".1f"),
                _fmt(r.build_s, ".1f"),
                _fmt(r.reindex_s, ".1f") + (f" ({r.rebuild_items:,})" if r.rebuild_items else ""),
                _fmt(r.wsgi_p50, ".2f"),
                _fmt(r.reference_p95, ".2f") if r.reference else "—",
                _fmt(r.p50, ".2f"),
                _fmt(r.p95, ".2f"),
                target(r, xapian),
                _fmt(r.mean_ndcg, ".3f"),
                _fmt(r.mrr, ".3f"),
            ]
        )
    ok = [r for r in results if r.error is None]
    skipped = ok[0].skipped if ok else 0
    rejected = {r.engine: r.rejected for r in ok if r.rejected}
    out = [
        f"{n_latency} latency queries through GET /api/v1/search (facets and snippets on, "
        f"page of 20; each run {repeat}×, first discarded, median kept); xapian in-process, "
        f"no HTTP; wsgi p50: GET {WSGI_ROUTE}; {n_judged - skipped} judged queries (top 10)"
        + (f", {skipped} skipped (items not in this corpus)" if skipped else ""),
        "targets: sqlite p95 ≤ 1.0 × (xapian p95 + wsgi p50), postgresql ≤ 2.0 ×, both timed "
        "beside the engine's own queries, query by query (the columns wsgi p50 and xapian p95); "
        "reindex s: `disclosure reindex` of a database holding the first (N) items",
    ]
    if rejected:
        out.append(f"items not imported: {rejected}")
    out += ["", _table(header, rows), ""]

    kinds = sorted({k for r in ok for k in r.latencies})
    rows = [
        [r.engine]
        + [
            f"{_fmt(percentile(r.latencies.get(k, []), 50), '.1f')}/"
            f"{_fmt(percentile(r.latencies.get(k, []), 95), '.1f')}"
            for k in kinds
        ]
        for r in ok
    ]
    counts = {k: len(ok[0].latencies.get(k, [])) for k in kinds} if ok else {}
    out.append("latency p50/p95 ms by query kind (queries)")
    out.append(_table(["engine", *[f"{k} ({counts[k]})" for k in kinds]], rows))
    out.append("")

    groups = sorted({g for r in ok for g in r.ndcg})
    counts = {g: len(ok[0].ndcg.get(g, [])) for g in groups} if ok else {}
    rows = [
        [r.engine]
        + [_fmt(statistics.fmean(r.ndcg[g]) if r.ndcg.get(g) else math.nan, ".3f") for g in groups]
        for r in ok
    ]
    out.append("nDCG@10 by judgement group (queries)")
    out.append(_table(["engine", *[f"{g} ({counts[g]})" for g in groups]], rows))
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20_000, help="corpus size (20000)")
    parser.add_argument("--engines", default=",".join(APP_ENGINES), help="comma-separated")
    parser.add_argument(
        "--rebuild-items", type=int, default=8_000, help="size of the timed reindex (0 skips)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per latency query (3)")
    parser.add_argument("--no-xapian", action="store_true", help="skip the Xapian reference")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument("--pg-database", default=PG_DATABASE, help="scratch database name")
    parser.add_argument("--workdir", type=Path, help="default: a temporary directory")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    parser.add_argument(
        "--judged",
        choices=("test", "dev"),
        default="test",
        help="judged queries: test (data/relevance.json, for measuring) or dev "
        "(data/relevance_dev.json, for tuning)",
    )
    args = parser.parse_args(argv)

    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in APP_ENGINES]
    if unknown or not names:
        log(f"unknown engine(s) {unknown}; known: {', '.join(APP_ENGINES)}")
        return 2

    latency_queries = load_latency_queries()
    judgements = load_judgements(DEV_RELEVANCE_FILE if args.judged == "dev" else RELEVANCE_FILE)
    judged = {k for e in judgements for k in e["relevant"]}
    log(f"corpus: building {args.items:,} items…")
    items = build_items(limit=args.items, seed=args.seed, prefer=judged, progress=True)
    log(f"corpus: {len(items):,} items; load {os.getloadavg()[0]:.2f}")

    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="disclosure-served-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    dbs = Databases(workdir, args.pg_url, args.pg_database)
    results = []
    reference = None
    keep = contextlib.ExitStack()
    try:
        if not args.no_xapian:
            xapian, reference = run_xapian(
                items, latency_queries, judgements, workdir, args.repeat, keep
            )
            results.append(xapian)
        for name in names:
            results.append(
                run_app_engine(
                    name,
                    items,
                    latency_queries,
                    judgements,
                    dbs,
                    workdir,
                    args.repeat,
                    args.rebuild_items,
                    reference,
                )
            )
    finally:
        keep.close()
        dbs.drop_all()
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)

    print(report(results, len(latency_queries), len(judgements), args.repeat))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\n{date.today().isoformat()}, {os.cpu_count()} cores, load average {load}")
    if args.json:
        args.json.write_text(
            json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
