"""Bulk analysis on worker processes gives what the calling process gives, in order."""

import os

import pytest

from disclosure.search import parallel
from disclosure.search.parallel import CHUNK, analyse_all, key, parallel_analysis, prefetch
from disclosure.search.pg_engine import document_vector
from disclosure.search.sqlite_engine import fts_columns

TEXTS = [
    "国务院办公厅关于推进政务公开工作的意见",
    "發放救助資金，接受社會監督。",
    "ＡＢＣ１２３号文件",
]


def documents(n: int) -> list[dict]:
    return [
        {
            "item_id": i,
            "title": f"{TEXTS[i % 3]}（第{i}号）",
            "content": TEXTS[(i + 1) % 3] * (1 + i % 5),
            "keywords": "政务公开,救助" if i % 2 else "",
        }
        for i in range(n)
    ]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing runs in parallel")
@pytest.mark.parametrize("function", [document_vector, fts_columns])
def test_workers_give_the_same_rows_in_the_same_order(function):
    docs = documents(3 * CHUNK + 7)
    expected = [function(d) for d in docs]
    with parallel_analysis(workers=2):
        assert parallel._state.pool is not None
        assert analyse_all(function, docs) == expected
    assert parallel._state.pool is None  # the workers end with the block


def test_outside_the_block_and_for_small_batches_nothing_is_sent():
    docs = documents(5)
    assert analyse_all(fts_columns, docs) == [fts_columns(d) for d in docs]
    with parallel_analysis(workers=1):  # one worker: nothing to gain, no pool
        assert getattr(parallel._state, "pool", None) is None


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing runs in parallel")
def test_prefetched_results_are_taken_and_a_changed_item_is_analysed_again(monkeypatch):
    docs = documents(3 * CHUNK + 7)
    expected = [fts_columns(d) for d in docs]
    with parallel_analysis(workers=2):
        prefetch(fts_columns, docs)
        pool = parallel._state.pool

        def no_map(*args, **kwargs):
            raise AssertionError("analysed again: the prefetched results were not taken")

        monkeypatch.setattr(pool, "map", no_map)
        assert analyse_all(fts_columns, docs) == expected  # every one from the prefetch
        assert parallel._state.prefetched == {}

        prefetch(fts_columns, docs[:10])
        changed = [{**docs[0], "content": "另一段正文"}, *docs[1:10]]
        assert analyse_all(fts_columns, changed) == [fts_columns(d) for d in changed]
        prefetch(fts_columns, docs[:1])  # what the last batch left unasked is dropped
        assert list(parallel._state.prefetched) == [(fts_columns, key(docs[0]))]


def test_outside_the_block_prefetch_does_nothing():
    prefetch(fts_columns, documents(3))
    assert not getattr(parallel._state, "prefetched", None)
