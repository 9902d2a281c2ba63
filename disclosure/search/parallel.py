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

:func:`prefetch` starts analysing documents before they are asked for: an import hands each
batch's texts to the workers as soon as the batch is validated, and goes on writing its rows
(the calling process's work) while they segment; when the batch commits, :func:`analyse_all`
takes the results by the analysed part itself (``key``), and analyses whatever was not
prefetched (or differs from what was) as before. A guess costs nothing when it is wrong.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
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
    _state.prefetched = {}
    try:
        yield
    finally:
        _state.pool = None
        _state.prefetched = {}
        pool.shutdown(wait=True, cancel_futures=True)


def key(part: dict) -> Hashable:
    """What identifies an analysed part (a dict of strings): all of it."""
    return tuple(part.items())


def _map(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [function(item) for item in items]


def prefetch(function: Callable[[T], R], items: Sequence[T]) -> None:
    """Start ``function(item)`` for each item on the workers now, for a later
    :func:`analyse_all` of the same function and items (matched by :func:`key`). Outside
    :func:`parallel_analysis`: nothing."""
    pool = getattr(_state, "pool", None)
    if pool is None:
        return
    prefetched = _state.prefetched
    prefetched.clear()  # what an earlier batch left (guessed wrong): never asked for now
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        future = pool.submit(_map, function, chunk)
        for n, item in enumerate(chunk):
            prefetched[(function, key(item))] = (future, n)


def analyse_all(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[function(item) for item in items]``, on the workers when inside
    :func:`parallel_analysis` and the batch is large enough, taking what :func:`prefetch`
    started for the same items. ``function`` must be a module-level function (the workers
    import it by name)."""
    pool = getattr(_state, "pool", None)
    if pool is None:
        return [function(item) for item in items]
    results: list = [None] * len(items)
    missing = []
    prefetched = _state.prefetched
    for n, item in enumerate(items):
        found = prefetched.pop((function, key(item)), None)
        if found is None:
            missing.append(n)
        else:
            future, at = found
            results[n] = future.result()[at]
    rest = [items[n] for n in missing]
    if len(rest) < 2 * CHUNK:
        done = [function(item) for item in rest]
    else:
        done = list(pool.map(function, rest, chunksize=CHUNK))
    for n, result in zip(missing, done, strict=True):
        results[n] = result
    return results
