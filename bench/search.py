"""The search benchmark: indexing throughput, query latency and relevance for each engine.

    python -m bench.search [--items 100000] [--engines whoosh_app,whoosh_default,fts5,xapian]
                           [--rebuild-items 40000] [--workdir DIR] [--quick]

The corpus is built once (``bench.corpus.build_items``; the statutes behind the judged items
are always included). Then, for each engine in turn, in its own fresh directory:

1. build: ``engine.build(items, dir)``, wall time → ``build s`` and ``items/s``;
2. latency: every query of ``bench/data/latency_queries.json`` is run ``--repeat`` times (3)
   in a row; the first run is a warm-up and is discarded, the median of the others is the
   query's latency. ``p50``/``p95`` are taken over the queries (linear interpolation);
3. relevance: every query of ``bench/data/relevance.json``, top 10 → MRR and nDCG@10 (judged
   items missing from a smaller corpus are dropped; a query left with none is skipped);
4. rebuild: a second ``build`` of the first ``--rebuild-items`` items in a new directory
   (``rebuild s``: the time to rebuild an index of that size from scratch; 0 skips it).

Then one table, the ratios (each engine's p95 to xapian's, each one's nDCG@10 to whoosh_app's),
latency per query kind and nDCG@10 per judgement group. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import SEED, build_items
from .engines import ENGINES
from .engines.base import BenchQuery
from .queries import LATENCY_FILE, RELEVANCE_FILE

DEFAULT_ENGINES = "whoosh_app,whoosh_default,fts5,xapian"
QUICK_ITEMS = 5_000
TOP_K = 10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- metrics


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def reciprocal_rank(ranked: list[str], relevant: dict[str, int], k: int = TOP_K) -> float:
    """1/rank of the first judged item (grade ≥ 1) in the top k, 0 if none."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) >= 1:
            return 1.0 / rank
    return 0.0


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = TOP_K) -> float:
    """nDCG@k, gain 2^grade − 1, discount log2(rank + 1), ideal ranking from the judged set."""

    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))

    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(doc, 0) for doc in ranked[:k]]) / ideal


# --------------------------------------------------------------------------- one engine


class LatencyFigures:
    """p50/p95 over every query's latency (``latencies``: query kind → ms per query) and the
    mean nDCG@10 (``ndcg``: judgement group → per query)."""

    latencies: dict[str, list[float]]
    ndcg: dict[str, list[float]]

    @property
    def mean_ndcg(self) -> float:
        values = [v for vs in self.ndcg.values() for v in vs]
        return statistics.fmean(values) if values else math.nan

    def all_latencies(self) -> list[float]:
        return [v for vs in self.latencies.values() for v in vs]

    @property
    def p50(self) -> float:
        return percentile(self.all_latencies(), 50)

    @property
    def p95(self) -> float:
        return percentile(self.all_latencies(), 95)


@dataclass
class Result(LatencyFigures):
    engine: str
    error: str | None = None
    build_s: float = math.nan
    items: int = 0
    index_mb: float = math.nan
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind → ms per query
    rr: dict[str, list[float]] = field(default_factory=dict)  # judgement group → per query
    ndcg: dict[str, list[float]] = field(default_factory=dict)
    skipped: int = 0
    rebuild_items: int = 0
    rebuild_s: float = math.nan

    @property
    def items_per_s(self) -> float:
        return self.items / self.build_s if self.build_s else math.nan

    @property
    def mrr(self) -> float:
        values = [v for vs in self.rr.values() for v in vs]
        return statistics.fmean(values) if values else math.nan

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "error": self.error,
            "items": self.items,
            "build_s": self.build_s,
            "items_per_s": self.items_per_s,
            "index_mb": self.index_mb,
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "mrr": self.mrr,
            "ndcg10": self.mean_ndcg,
            "latency_ms_by_kind": self.latencies,
            "ndcg10_by_group": {g: statistics.fmean(v) for g, v in self.ndcg.items() if v},
            "relevance_skipped": self.skipped,
            "rebuild_items": self.rebuild_items,
            "rebuild_s": self.rebuild_s,
        }


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def run_engine(
    name: str,
    items: list[dict],
    latency_queries: list[BenchQuery],
    judgements: list[dict],
    workdir: Path,
    repeat: int,
    rebuild_items: int,
) -> Result:
    result = Result(name, items=len(items))
    engine = ENGINES[name]()
    try:
        directory = _fresh(workdir / name)
        log(f"[{name}] building {len(items):,} items…")
        gc.collect()
        t0 = time.perf_counter()
        engine.build(items, directory)
        result.build_s = time.perf_counter() - t0
        result.index_mb = _size_mb(directory)
        log(f"[{name}] built in {result.build_s:.1f} s ({result.items_per_s:,.0f} items/s)")

        gc.collect()
        for n, q in enumerate(latency_queries, start=1):
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                engine.search(q, limit=TOP_K)
                times.append((time.perf_counter() - t0) * 1000)
            kept = times[1:] if len(times) > 1 else times
            result.latencies.setdefault(q.kind, []).append(statistics.median(kept))
            if n % 50 == 0 or n == len(latency_queries):
                log(f"[{name}] latency {n}/{len(latency_queries)}")

        present = {it["index_number"] for it in items}
        for entry in judgements:
            relevant = {k: g for k, g in entry["relevant"].items() if k in present}
            if not relevant:
                result.skipped += 1
                continue
            ranked = engine.search(BenchQuery.from_dict(entry["query"]), limit=TOP_K)
            group = entry.get("judgement", entry["query"]["kind"])
            result.rr.setdefault(group, []).append(reciprocal_rank(ranked, relevant))
            result.ndcg.setdefault(group, []).append(ndcg(ranked, relevant))
        log(f"[{name}] relevance: MRR {result.mrr:.3f}, nDCG@10 {result.mean_ndcg:.3f}")
    except Exception:
        result.error = traceback.format_exc(limit=3).strip().splitlines()[-1]
        log(f"[{name}] FAILED\n{traceback.format_exc()}")
    finally:
        engine.close()
        shutil.rmtree(workdir / name, ignore_errors=True)

    if rebuild_items and result.error is None:
        subset = items[:rebuild_items]
        engine = ENGINES[name]()
        try:
            directory = _fresh(workdir / f"{name}-rebuild")
            log(f"[{name}] rebuild of {len(subset):,} items…")
            gc.collect()
            t0 = time.perf_counter()
            engine.build(subset, directory)
            result.rebuild_s = time.perf_counter() - t0
            result.rebuild_items = len(subset)
            log(f"[{name}] rebuilt in {result.rebuild_s:.1f} s")
        except Exception:
            log(f"[{name}] rebuild FAILED\n{traceback.format_exc()}")
        finally:
            engine.close()
            shutil.rmtree(workdir / f"{name}-rebuild", ignore_errors=True)
    return result


# --------------------------------------------------------------------------- report


def _fmt(value: float, spec: str) -> str:
    return "—" if value is None or math.isnan(value) else format(value, spec)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def report(results: list[Result], n_latency: int, n_judged: int, repeat: int) -> str:
    ok = [r for r in results if r.error is None]
    rebuild = next((r.rebuild_items for r in ok if r.rebuild_items), 0)
    header = ["engine", "build s", "items/s", "p50 ms", "p95 ms", "MRR", "nDCG@10", "index MB"]
    if rebuild:
        header.append(f"rebuild {rebuild:,} s")
    rows = []
    for r in results:
        if r.error:
            rows.append([r.engine, f"failed: {r.error}"[:60], *[""] * (len(header) - 2)])
            continue
        row = [
            r.engine,
            _fmt(r.build_s, ".1f"),
            _fmt(r.items_per_s, ",.0f"),
            _fmt(r.p50, ".2f"),
            _fmt(r.p95, ".2f"),
            _fmt(r.mrr, ".3f"),
            _fmt(r.mean_ndcg, ".3f"),
            _fmt(r.index_mb, ",.0f"),
        ]
        if rebuild:
            row.append(_fmt(r.rebuild_s, ".1f"))
        rows.append(row)
    items = ok[0].items if ok else 0
    skipped = ok[0].skipped if ok else 0
    out = [
        f"{items:,} items; {n_latency} latency queries (each run {repeat}×, first discarded, "
        f"median kept); {n_judged - skipped} judged queries"
        + (f" ({skipped} skipped: their items are not in this corpus)" if skipped else ""),
        "",
        _table(header, rows),
        "",
    ]

    by_name = {r.engine: r for r in ok}
    ratio_rows = []
    for r in ok:
        xp = by_name.get("xapian")
        wa = by_name.get("whoosh_app")
        p95_ratio = r.p95 / xp.p95 if xp and xp.p95 else math.nan
        ndcg_ratio = r.mean_ndcg / wa.mean_ndcg if wa and wa.mean_ndcg else math.nan
        ratio_rows.append([r.engine, _fmt(p95_ratio, ".2f"), _fmt(ndcg_ratio, ".2f")])
    out.append(_table(["engine", "p95 / xapian p95", "nDCG@10 / whoosh_app nDCG@10"], ratio_rows))
    missing = [n for n in ("xapian", "whoosh_app") if n not in by_name]
    if missing:
        out.append(f"(— : {', '.join(missing)} not run)")
    out.append("")

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
    out.append("latency p50/p95 ms by query kind")
    out.append(_table(["engine", *kinds], rows))
    out.append("")

    groups = sorted({g for r in ok for g in r.ndcg})
    counts = defaultdict(int)
    for r in ok[:1]:
        for g in groups:
            counts[g] = len(r.ndcg.get(g, []))
    rows = [
        [r.engine]
        + [_fmt(statistics.fmean(r.ndcg[g]) if r.ndcg.get(g) else math.nan, ".3f") for g in groups]
        for r in ok
    ]
    out.append("nDCG@10 by judgement group (queries)")
    out.append(_table(["engine", *[f"{g} ({counts[g]})" for g in groups]], rows))
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def load_latency_queries(path: Path = LATENCY_FILE) -> list[BenchQuery]:
    with open(path, encoding="utf-8") as f:
        return [BenchQuery.from_dict(d) for d in json.load(f)]


def load_judgements(path: Path = RELEVANCE_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _available(names: list[str]) -> list[str]:
    out = []
    for name in names:
        if name in ENGINES:
            out.append(name)
            continue
        reason = "unknown engine"
        if name == "whoosh_app":
            try:
                importlib.import_module("bench.engines.whoosh_app")
            except Exception as e:  # report why it is missing
                reason = f"{type(e).__name__}: {e}"
        log(f"skipping {name}: {reason} (known: {', '.join(ENGINES)})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=None, help="corpus size (default 100000)")
    parser.add_argument("--engines", default=DEFAULT_ENGINES, help="comma-separated names")
    parser.add_argument(
        "--rebuild-items", type=int, default=None, help="size of the timed rebuild (default 40000)"
    )
    parser.add_argument("--workdir", type=Path, help="where indexes go (default: a temp dir)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ITEMS:,} items, smoke run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per latency query (3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)

    n_items = args.items or (QUICK_ITEMS if args.quick else 100_000)
    rebuild = args.rebuild_items
    if rebuild is None:
        rebuild = min(40_000, n_items // 2) if args.quick else 40_000
    names = _available([n.strip() for n in args.engines.split(",") if n.strip()])
    if not names:
        log("no engine to run")
        return 2

    latency_queries = load_latency_queries()
    judgements = load_judgements()
    judged = {k for e in judgements for k in e["relevant"]}
    log(f"corpus: building {n_items:,} items…")
    t0 = time.perf_counter()
    items = build_items(limit=n_items, seed=args.seed, prefer=judged, progress=True)
    log(f"corpus: {len(items):,} items in {time.perf_counter() - t0:.1f} s")

    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="disclosure-bench-")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = [
            run_engine(name, items, latency_queries, judgements, workdir, args.repeat, rebuild)
            for name in names
        ]
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)

    print(report(results, len(latency_queries), len(judgements), args.repeat))
    if args.json:
        args.json.write_text(
            json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
