"""bench.breakdown's unranked statements: the ranking each engine writes, replaced."""

import pytest

from bench.breakdown import unranked
from disclosure.search import sqlite_engine
from disclosure.search.pg_engine import driver_sql


def test_sqlite_bm25_becomes_a_constant():
    weights = ", ".join(str(w) for w in sqlite_engine.WEIGHTS)
    rank = f"bm25({sqlite_engine.FTS}, {weights})"
    statement = f"SELECT d.item_id, {rank} AS score FROM x WHERE {sqlite_engine.FTS} MATCH :m"
    assert unranked("sqlite", statement) == (
        f"SELECT d.item_id, 0.0 AS score FROM x WHERE {sqlite_engine.FTS} MATCH :m"
    )


@pytest.mark.parametrize("distance", ['OPERATOR("public".<=>)', "<=>"])
def test_postgresql_ranking_becomes_a_constant_expression(distance):
    order = f"tsv {distance} CAST(:tsq AS tsquery), published_on DESC"
    statement = driver_sql(f"SELECT 1 FROM t ORDER BY {order} LIMIT :limit")
    assert unranked("postgresql", statement) == (
        "SELECT 1 FROM t ORDER BY CAST(0 AS float8), published_on DESC LIMIT %(limit)s"
    )
    gin = driver_sql("SELECT 1 FROM t ORDER BY ts_rank_cd(tsv, CAST(:tsq AS tsquery)) DESC")
    assert unranked("postgresql", gin) == "SELECT 1 FROM t ORDER BY CAST(0 AS float8) DESC"


def test_a_ranking_it_does_not_know_stops_the_run():
    with pytest.raises(ValueError, match="bm25"):
        unranked("sqlite", "SELECT bm25(other_table) FROM other_table")
