"""How fast the Chinese analysis runs, in characters per second.

Reads the shared statutes corpus and times ``fold``, the word analyzer and the bigram
analyzer over the first N bodies (median of several runs). With ``--whoosh`` it also
indexes those statutes into a RAM index with both analyzers, which includes Whoosh's
own per-token cost.

    .venv/bin/python bench/analysis_speed.py [-n 300] [--runs 5] [--whoosh]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/statutes.jsonl.gz"

sys.path.insert(0, str(ROOT))

from disclosure.search.analysis import (  # noqa: E402
    bigram_analyzer,
    fold,
    word_analyzer,
)


def load(count: int) -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in islice(lines, count)]


def median_seconds(job: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def analyse_all(analyzer, bodies: list[str]) -> Callable[[], None]:
    drain = deque(maxlen=0).extend

    def job() -> None:
        for body in bodies:
            drain(analyzer(body, positions=True, chars=True, mode="index"))

    return job


def index_all(statutes: list[dict]) -> Callable[[], None]:
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=word_analyzer(), stored=True),
        title_phrase=TEXT(analyzer=bigram_analyzer(), phrase=True),
        body=TEXT(analyzer=word_analyzer()),
        body_phrase=TEXT(analyzer=bigram_analyzer(), phrase=True),
    )

    def job() -> None:
        index = RamStorage().create_index(schema)
        with index.writer() as writer:
            for number, statute in enumerate(statutes):
                writer.add_document(
                    id=str(number),
                    title=statute["title"],
                    title_phrase=statute["title"],
                    body=statute["body"],
                    body_phrase=statute["body"],
                )

    return job


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=300, help="statutes to use")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement")
    parser.add_argument("--whoosh", action="store_true", help="also time a RAM index")
    args = parser.parse_args(argv)

    statutes = load(args.count)
    bodies = [statute["body"] for statute in statutes]
    chars = sum(map(len, bodies))
    print(f"{len(bodies)} statutes, {chars:,} characters, median of {args.runs} runs")

    fold("预热")  # build the folding table and load the dictionary outside the timings
    word, bigram = word_analyzer(), bigram_analyzer()
    list(word("预热"))
    jobs = {
        "fold": lambda: [fold(body) for body in bodies],
        "word analyzer": analyse_all(word, bodies),
        "bigram analyzer": analyse_all(bigram, bodies),
    }
    for name, job in jobs.items():
        seconds = median_seconds(job, args.runs)
        print(f"{name:>16}: {chars / seconds:>13,.0f} chars/s  ({seconds:.3f} s)")
    if args.whoosh:
        titles = sum(len(statute["title"]) for statute in statutes)
        seconds = median_seconds(index_all(statutes), args.runs)
        print(
            f"{'whoosh index':>16}: {(chars + titles) / seconds:>13,.0f} chars/s  "
            f"({seconds:.3f} s, {len(statutes) / seconds:,.0f} statutes/s, "
            "title+body through both analyzers)"
        )


if __name__ == "__main__":
    main()
