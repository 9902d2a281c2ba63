"""Analysis on every core, for the bulk writes of the command line (an import, a rebuild).

The SQL engines write the analysed text of each item in the catalogue's own transaction: word
segmentation, bigrams, and (PostgreSQL) the ``tsvector`` literal, all pure Python, most of an
import's time. Inside :func:`parallel_analysis` (entered by ``disclosure import-catalogue`` and
``disclosure reindex``), :func:`analyse_all` hands a batch's documents to worker processes, one
per core, and keeps their order; the transaction, the writes and everything else stay in the
calling process. Outside it (web requests, tests, a batch too small to be worth sending), the
same function runs in the calling process. The result is the same either way.

Workers come from a ``forkserver`` (a clean process, no database connection or thread of the
caller's is copied into it) and end with the block.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: documents per task sent to a worker; smaller batches are analysed in the calling process
CHUNK = 64

_state = threading.local()


@contextmanager
def parallel_analysis(workers: int | None = None) -> Iterator[None]:
    """Analyse in ``workers`` processes (default: one per core) within the block, in this
    thread. One core, or a block already inside another: nothing changes."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 2 or getattr(_state, "pool", None) is not None:
        yield
        return
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    _state.pool = pool
    try:
        yield
    finally:
        _state.pool = None
        pool.shutdown(wait=True, cancel_futures=True)


def analyse_all(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[function(item) for item in items]``, on the workers when inside
    :func:`parallel_analysis` and the batch is large enough. ``function`` must be a module-level
    function (the workers import it by name)."""
    pool = getattr(_state, "pool", None)
    if pool is None or len(items) < 2 * CHUNK:
        return [function(item) for item in items]
    return list(pool.map(function, items, chunksize=CHUNK))
