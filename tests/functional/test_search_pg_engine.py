"""The ``postgresql`` search engine through the whole app: written in the catalogue's own
transaction (no indexer), shared by several app servers, ranked from a RUM index or, without the
extension, from GIN + ts_rank_cd. Runs on the PostgreSQL test run only (but for the start-up check
that refuses it on SQLite)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest
import transaction
from sqlalchemy import event, func, select, text

from disclosure import main, models
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, SearchOutbox
from disclosure.models.catalogue import ItemStatus
from disclosure.organisations.services import OrganisationTree
from disclosure.search import pg_engine
from disclosure.search.interfaces import SearchQuery
from disclosure.search.pg_engine import PostgresSearchIndex, compile_tsquery, quote
from disclosure.search.query import parse
from disclosure.settings import SettingsError

from ..conftest import PASSWORD, ROOT, TODAY, TestApp, backend

ITEMS = [
    # key, organisation (a category tree, "city", "county" or "township"), fields
    (
        "winter",
        "civil_affairs",
        dict(
            title="关于做好冬季困难群众救助工作的通知",
            body="各县区要加强政务公开，及时发放冬季救助资金。",
            document_number="咸民发〔2026〕12号",
            topic="civil_affairs_relief",
            genre="notice",
            keywords=["民生保障"],
            published_on=date(2026, 11, 2),
        ),
    ),
    (
        "relief",
        "civil_affairs",
        dict(
            title="城乡低保资金发放情况",
            body="本季度救助资金已按时发放。",
            topic="civil_affairs_relief",
            genre="statistics",
            published_on=date(2025, 3, 1),
        ),
    ),
    (
        "one",
        "city",
        dict(
            title="咸阳市人民政府关于安全生产工作的决定",
            body="安全生产责任重大。",
            document_number="咸政发〔2009〕1号",
            topic="market_safety_regulation",
            genre="decision",
            published_on=date(2009, 2, 1),
        ),
    ),
    (
        "twelve",
        "city",
        dict(
            title="咸阳市人民政府关于城市管理工作的意见",
            body="城市管理要精细化，公开透明。",
            document_number="咸政发〔2009〕12号",
            topic="construction_environment",
            genre="opinion",
            published_on=date(2009, 6, 1),
        ),
    ),
    (
        "township",
        "township",
        dict(
            title="街道办事处关于垃圾分类的公告",
            body="辖区居民请按要求分类投放。",
            topic="construction_environment",
            genre="public_notice",
            published_on=date(2026, 5, 5),
        ),
    ),
    (
        "county",
        "county",
        dict(
            title="县人民政府关于冬季森林防火的通知",
            body="冬季气候干燥，严防森林火灾。",
            topic="agriculture_forestry_water",
            genre="notice",
            published_on=date(2026, 11, 1),
        ),
    ),
    (
        "markup",
        "city",
        dict(
            title="关于网页标签测试的说明",
            body="正文含有<script>alert(1)</script>脚本标签测试内容。",
            topic="other",
            genre="notice",
            published_on=date(2020, 1, 6),
        ),
    ),
    (
        "expired",
        "city",
        dict(
            title="關於政務公開工作的舊規定",  # traditional characters
            body="本規定自發布之日起施行。",
            document_number="咸政办发〔2015〕3号",
            topic="general_affairs",
            genre="notice",
            validity="expired",
            published_on=date(2015, 4, 1),
        ),
    ),
]


def _settings(url, tmp_path_factory) -> dict:
    return {
        "disclosure.database_url": url,
        "disclosure.session_secret": "pg-engine",
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("index")),
        "disclosure.search.indexer": "off",
        "disclosure.search.backend": "postgresql",
    }


def _use_gin(engine) -> None:
    """Swap the tsvector's RUM index for GIN, as the migration makes it without RUM."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_search_engine_documents_tsv"))
        conn.execute(
            text(
                "CREATE INDEX ix_search_engine_documents_tsv "
                "ON search_engine_documents USING gin (tsv)"
            )
        )


def _tsv_method(engine) -> str:
    with engine.connect() as conn:
        return conn.scalar(
            text(
                "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                "WHERE c.oid = to_regclass('ix_search_engine_documents_tsv')"
            )
        )


@pytest.fixture(scope="module", params=["rum", "gin"])
def env(request, databases, schema, tmp_path_factory):
    """The app on the postgresql engine with the corpus committed, on a RUM or a GIN index."""
    if backend() != "postgresql":
        pytest.skip("the postgresql engine runs on the PostgreSQL test run")
    seeded = databases.seeded(schema)
    if request.param == "rum" and _tsv_method(seeded.engine) != "rum":
        pytest.skip("the rum extension is not available: only the GIN path is tested")
    if request.param == "gin":
        _use_gin(seeded.engine)
    settings = _settings(seeded.url, tmp_path_factory)
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    factory = app.registry["dbsession_factory"]  # bound: commits write the search table
    made = {}
    with factory.begin() as db:
        tree = OrganisationTree(db)
        county = next(o for o in tree.orgs if o.kind == "county" and tree.children(o))
        pick = {
            "civil_affairs": next(o for o in tree.orgs if o.category_tree == "civil_affairs"),
            "city": tree.roots[0],
            "county": county,
            "township": tree.children(county)[0],
        }
        service = CatalogueService(db, schema)
        for key, where, fields in ITEMS:
            data = {"summary": "", "created_on": fields["published_on"], **fields}
            item = service.create(pick[where], data, None)
            service.publish(item, None, TODAY)
            made[key] = item.index_number
        draft = service.create(
            pick["city"], {"title": "内部草稿：紫色大象", "topic": "other", "genre": "notice"}, None
        )
        officer = create_user(
            db, "pg.officer@example.gov.cn", PASSWORD, pick["civil_affairs"], "officer"
        )
        made["county_code"] = county.code
        made["city_code"] = pick["city"].code
        made["officer"] = officer.email
        del draft
    yield SimpleNamespace(
        app=app,
        settings=settings,
        index=app.registry["search_index"],
        factory=factory,
        engine=seeded.engine,
        made=made,
        rum=request.param == "rum",
        testapp=TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        schema=schema,
    )
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def api(env, **params) -> dict:
    return env.testapp.get("/api/v1/search", params).json


def numbers(body) -> list[str]:
    return [h["index_number"] for h in body["hits"]]


def keys(env, body) -> list[str]:
    by_number = {v: k for k, v in env.made.items()}
    return [by_number[n] for n in numbers(body)]


# --- set-up --------------------------------------------------------------------------------------


@pytest.mark.skipif(backend() == "postgresql", reason="checks the refusal on SQLite")
def test_the_engine_refuses_to_start_on_sqlite(databases, tmp_path_factory):
    settings = _settings(databases.new(), tmp_path_factory)
    with pytest.raises(SettingsError, match="PostgreSQL"):
        main({}, **settings)


def test_health_says_which_index_ranks(env):
    assert _tsv_method(env.engine) == ("rum" if env.rum else "gin")
    health = env.index.health()
    assert health == {"engine": "postgresql", "documents": len(ITEMS), "rum": env.rum}


def test_without_rum_one_warning_at_start_up(env, caplog):
    caplog.set_level(logging.WARNING, logger="disclosure.search.pg_engine")
    second = main({}, **env.settings)
    try:
        warnings = [r for r in caplog.records if r.name == "disclosure.search.pg_engine"]
        assert len(warnings) == (0 if env.rum else 1)
        if not env.rum:
            assert "RUM" in warnings[0].getMessage()
        second.registry["search_index"].search(SearchQuery(q="救助"))
        again = [r for r in caplog.records if r.name == "disclosure.search.pg_engine"]
        assert len(again) == len(warnings)  # searching never warns again
    finally:
        second.registry["db_engine"].dispose()


# --- written in the catalogue's own transaction --------------------------------------------------


def test_published_through_the_web_is_found_in_the_next_request(env):
    client = TestApp(env.app, extra_environ={"HTTP_HOST": "example.com"})
    client.login(env.made["officer"])
    form = client.get("/officer/items/new").forms["deform"]
    for name, value in {
        "title": "关于发放取暖补贴的通知",
        "created_on": "2026-11-10",
        "topic": "civil_affairs_relief",
        "genre": "notice",
        "body": "向困难群众发放蓝鲸取暖补贴。",
    }.items():
        form[name] = value
    res = form.submit("save", status=303)
    item_id = int(re.search(r"/officer/items/(\d+)$", res.location).group(1))
    assert api(env, q="蓝鲸取暖")["total"] == 0  # a draft is not public
    with env.factory() as db:
        lock_version = db.get(CatalogueItem, item_id).lock_version
    client.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": client.csrf_token(), "lock_version": lock_version},
        status=303,
    )
    body = api(env, q="蓝鲸取暖")
    assert [h["title"] for h in body["hits"]] == ["关于发放取暖补贴的通知"]
    assert '<em class="hl">蓝鲸取暖</em>' in body["hits"][0]["snippet"]
    with env.factory() as db:  # no indexer ran, yet the change is in the change feed
        pending = db.scalar(
            select(func.count()).select_from(SearchOutbox).where(SearchOutbox.item_id == item_id)
        )
        assert pending >= 1
    _withdraw(env, item_id)


def _withdraw(env, item_id: int) -> None:
    """Take a test item out of the public catalogue again (the corpus stays as it was)."""
    with env.factory.begin() as db:
        db.get(CatalogueItem, item_id).status = ItemStatus.DRAFT  # out of the public view
    assert str(item_id) not in env.index.stamps()


def test_pyramid_tm_commit_writes_and_abort_leaves_nothing(env):
    for commit in (False, True):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        db = models.get_tm_session(env.factory, tm)
        service = CatalogueService(db, env.schema)
        org = OrganisationTree(db).roots[0]
        item = service.create(
            org, {"title": "青铜鼎修缮公告", "topic": "other", "genre": "notice"}, None
        )
        service.publish(item, None, TODAY)
        db.flush()
        item_id = item.id
        if commit:
            tm.commit()
        else:
            tm.abort()
        found = api(env, q="青铜鼎")
        assert found["total"] == (1 if commit else 0)
    assert api(env, q="青铜鼎")["total"] == 1
    _withdraw(env, item_id)
    assert api(env, q="青铜鼎")["total"] == 0


def test_rollback_leaves_nothing(env):
    with env.factory() as db:
        service = CatalogueService(db, env.schema)
        item = service.create(
            OrganisationTree(db).roots[0],
            {"title": "回滚的白犀牛公告", "topic": "other", "genre": "notice"},
            None,
        )
        service.publish(item, None, TODAY)
        db.flush()
        db.rollback()
    assert api(env, q="白犀牛")["total"] == 0
    assert env.index.health()["documents"] == len(ITEMS)


def test_two_app_servers_share_one_search(env):
    """Two app instances on one database: what one commits, the other finds at once."""
    other = main({}, **env.settings)
    try:
        client = TestApp(other, extra_environ={"HTTP_HOST": "example.com"})
        with env.factory.begin() as db:  # published through the first app
            service = CatalogueService(db, env.schema)
            item = service.create(
                OrganisationTree(db).roots[0],
                {"title": "关于金丝猴保护的通告", "topic": "other", "genre": "notice"},
                None,
            )
            service.publish(item, None, TODAY)
            db.flush()
            item_id = item.id
        body = client.get("/api/v1/search", {"q": "金丝猴"}).json
        assert [h["title"] for h in body["hits"]] == ["关于金丝猴保护的通告"]
        with other.registry["dbsession_factory"].begin() as db:  # withdrawn through the second
            db.get(CatalogueItem, item_id).status = ItemStatus.DRAFT
        assert api(env, q="金丝猴")["total"] == 0
    finally:
        other.registry["db_engine"].dispose()


# --- queries ---------------------------------------------------------------------------------------


def test_words_or_exclusion_phrases(env):
    assert keys(env, api(env, q="冬季 救助")) == ["winter"]
    assert set(keys(env, api(env, q="救助"))) == {"winter", "relief"}
    assert set(keys(env, api(env, q="垃圾分类 OR 安全生产"))) == {"township", "one"}
    assert keys(env, api(env, q="救助 -冬季")) == ["relief"]
    assert keys(env, api(env, q='"加强政务公开"')) == ["winter"]
    assert api(env, q='"政务加强公开"')["total"] == 0
    assert api(env, q='"公开政务"')["total"] == 0  # order matters
    # a phrase never spans the end of the title and the start of the body
    assert api(env, q='"通知各县"')["total"] == 0
    assert keys(env, api(env, q="民生保障")) == ["winter"]  # a keyword, nowhere in the text


@pytest.mark.parametrize(
    "typed",
    ["咸政发〔2009〕12号", "咸政发[2009]12号", "咸政发（２００９）１２号", "咸政发2009年12号"],
)
def test_document_numbers_come_first_and_12_is_not_1(env, typed):
    assert keys(env, api(env, q=typed)) == ["twelve"]
    ranked = keys(env, api(env, q=f"{typed} 公开"))
    assert ranked[0] == "twelve" and "winter" in ranked


def test_index_number_and_traditional_characters(env):
    target = env.made["relief"]
    assert numbers(api(env, q=target))[0] == target
    assert "expired" in keys(env, api(env, q="政务公开"))
    assert "winter" in keys(env, api(env, q="冬季救助 政務公開"))


def test_relevance_puts_title_matches_first(env):
    # 公开 in the title of "expired" (政務公開), in the bodies of "winter" and "twelve"
    ranked = keys(env, api(env, q="公开"))
    assert ranked[0] == "expired" and set(ranked) == {"expired", "winter", "twelve"}


HOSTILE = [
    "'",
    "''",
    "&",
    "|",
    "!",
    ":",
    "*",
    "(",
    ")",
    "<->",
    "<2>",
    "救助:*",
    "救助:A",
    "救助 & 冬季",
    "救助 | !冬季",
    "!救助",
    "救助 <-> 资金",
    "'救助'",
    "救助'",
    "\\",
    "救助\\",
    "\\'",
    "(救助",
    '"救助 <-> 资金"',
    '"\'"',
    "a:* & b",
    "x" * 200,
    "救助 " * 100,
    "\x00",
    "救助\x00",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_tsquery_input_never_fails(env, q):
    body = env.testapp.get("/api/v1/search", {"q": q}).json
    assert body["total"] >= 0
    assert env.testapp.get("/search", {"q": q}).status_int == 200
    tsquery = compile_tsquery(parse(q))
    if tsquery is not None:  # PostgreSQL accepts every compiled query as it is
        with env.engine.connect() as conn:
            conn.execute(text("SELECT CAST(:q AS tsquery)"), {"q": tsquery})


@pytest.mark.parametrize("q", ["救助:*", "救助'", "'救助'", "救助 & ", "(救助)", "救助\\"])
def test_tsquery_syntax_is_only_text(env, q):
    assert set(keys(env, api(env, q=q))) == set(keys(env, api(env, q="救助")))


@pytest.mark.parametrize("lexeme", ["a'b", "a\\b", "a:*", "<->", "a & b", "!x", "(", "'"])
def test_quoted_lexemes_reach_postgresql_unchanged(env, lexeme):
    with env.engine.connect() as conn:
        assert conn.scalar(
            text("SELECT CAST(:q AS tsquery) = CAST(:v AS tsquery)"),
            {"q": quote(lexeme), "v": quote(lexeme)},
        )
        assert conn.scalar(
            text("SELECT CAST(:v AS tsvector) @@ CAST(:q AS tsquery)"),
            {"q": quote(lexeme), "v": quote(lexeme) + ":1"},
        )
        stored = conn.scalar(
            text("SELECT tsvector_to_array(CAST(:v AS tsvector))"), {"v": quote(lexeme)}
        )
        assert stored == [lexeme]


# --- filters, facets, snippets, sort, pages ------------------------------------------------------


def test_filters(env):
    assert set(keys(env, api(env, organisation=env.made["county_code"]))) == {"county", "township"}
    assert keys(env, api(env, q="关于", year=2009, sort="date")) == ["twelve", "one"]
    assert keys(env, api(env, q="", date_from="2009-03-01", date_to="2015-12-31", sort="date")) == [
        "expired",
        "twelve",
    ]
    assert keys(env, api(env, q="政务公开", validity="expired")) == ["expired"]
    assert keys(env, api(env, q="", topic="construction_environment", sort="date")) == [
        "township",
        "twelve",
    ]


def test_facet_counts_are_grouped_over_the_match(env):
    facets = api(env, q="通知")["facets"]
    # 通知: winter (civil affairs, under the city), county, and nothing else
    assert {"value": "notice", "count": 2} in facets["genre"]
    assert {"value": "2026", "count": 2} in facets["year"]
    organisations = {f["value"]: f["count"] for f in facets["organisation"]}
    assert organisations[env.made["city_code"]] == 2  # ancestors count their descendants
    assert organisations[env.made["county_code"]] == 1
    everything = api(env, q="")["facets"]
    assert sum(f["count"] for f in everything["topic"]) == len(ITEMS)
    assert {"value": "expired", "count": 1} in everything["validity"]


def test_snippets_highlight_words_and_phrases_and_escape_the_rest(env):
    (hit,) = api(env, q='"加强政务公开"')["hits"]
    assert '<em class="hl">加强政务公开</em>' in hit["snippet"]
    hits = api(env, q="救助", sort="date")["hits"]
    assert '<em class="hl">救助</em>' in hits[0]["snippet"]
    (hit,) = api(env, q="脚本标签测试")["hits"]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert '<em class="hl">脚本标签测试</em>' in hit["snippet"]


def test_sort_by_date_and_pagination(env):
    everything = api(env, q="", per_page=100)
    dates = [h["published_on"] for h in everything["hits"]]
    assert dates == sorted(dates, reverse=True) and everything["total"] == len(ITEMS)
    seen = []
    for page in (1, 2, 3):
        body = api(env, q="", per_page=3, page=page, sort="date")
        assert body["total"] == len(ITEMS) and body["page"] == page
        seen += numbers(body)
    assert seen == numbers(everything)
    assert numbers(api(env, q="", per_page=3, page=9)) == seen[6:]  # past the end: the last page


def test_messages_are_those_of_whoosh(env):
    assert "截取" in api(env, q="救助 " * 2000)["message"]
    assert "没有可检索" in api(env, q="!!! ***")["message"]


# --- rebuild ---------------------------------------------------------------------------------------


def test_reindex_rebuilds_from_the_database_in_batches(env):
    from disclosure.search.indexer import check
    from disclosure.search.transactional import rebuild

    before = env.index.stamps()
    env.index.clear()
    assert env.index.health()["documents"] == 0
    report = rebuild(env.factory, env.index, schema=env.schema, batch=3)
    assert report.indexed == len(ITEMS)
    assert env.index.stamps() == before
    assert check(env.factory, env.index).ok
    assert keys(env, api(env, q="冬季 救助")) == ["winter"]


def test_tsvector_lexemes_are_the_analysed_tokens(env):
    with env.engine.connect() as conn:
        lexemes = set(
            conn.scalar(
                text(
                    "SELECT tsvector_to_array(tsv) FROM search_engine_documents d "
                    "WHERE index_number_display = :n"
                ),
                {"n": env.made["winter"]},
            )
        )
    assert {"冬季", "救助", "~冬季", "~季困", "#民生保障"} <= lexemes


@pytest.mark.parametrize("word", ["救助", "資金", "发放", "公开", "低保", "政务公开", "安全生产"])
def test_a_two_character_word_is_found_by_its_bigram_as_by_its_word(env, word):
    """A word of one bigram is matched by that bigram (``word_query``): the same items as its
    word, its bigrams or its keyword, the form it replaced. Longer words keep all three."""
    from disclosure.search.analysis import fold, tokens

    words, grams = tokens(word, "word", mode="query"), tokens(word, "bigram")
    options = [" & ".join(quote(w) for w in words), " <-> ".join(quote("~" + g) for g in grams)]
    both = " | ".join(f"({o})" for o in [*options, quote("#" + fold(word))])
    compiled = pg_engine.word_query(word)
    bare_word = re.compile(r"(?<![~#])'" + re.escape(words[0]) + "'")
    assert (bare_word.search(compiled) is None) == (len(grams) == 1)
    statement = text("SELECT item_id FROM search_engine_documents WHERE tsv @@ CAST(:q AS tsquery)")
    with env.engine.connect() as conn:
        found = {row[0] for row in conn.execute(statement, {"q": compiled})}
        assert found == {row[0] for row in conn.execute(statement, {"q": both})}
    assert found


def test_a_long_document_fits_a_tsvector(env):
    index = PostgresSearchIndex(env.engine)
    body = "".join(f"第{i}条 规定内容{i * 7919 % 100003}。" for i in range(20000))
    doc = {
        "item_id": "999999",
        "index_number": "X/2026-99999",
        "index_number_display": "X/2026-99999",
        "title": "很长的文件",
        "summary": "",
        "content": body + "结尾独有词海东青",
        "keywords": "",
        "document_number": "",
        "document_number_display": "",
        "organisation": env.made["city_code"],
        "organisation_code": env.made["city_code"],
        "organisation_name": "",
        "topic": "other",
        "genre": "notice",
        "disclosure_mode": "proactive",
        "validity": "valid",
        "year": "2026",
        "published_on": date(2026, 1, 1),
        "stamp": "",
    }
    with env.engine.begin() as conn:  # rolled back below: the corpus stays as it was
        index.apply_in_session(conn, [doc], [])
        count = conn.scalar(
            text("SELECT count(*) FROM search_engine_documents WHERE tsv @@ CAST(:q AS tsquery)"),
            {"q": quote("海东青")},
        )
        assert count == 1
        conn.rollback()


def test_disclosure_reindex_rebuilds_the_table(env, tmp_path):
    env.index.clear()
    ini = tmp_path / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    done = subprocess.run(
        [sys.executable, "-m", "disclosure.scripts.cli", "reindex", str(ini)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DISCLOSURE_DATABASE_URL": env.settings["disclosure.database_url"],
            "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
            "DISCLOSURE_SEARCH_BACKEND": "postgresql",
        },
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "postgresql" in done.stdout
    assert env.index.health()["documents"] == len(ITEMS)
    assert keys(env, api(env, q="冬季 救助")) == ["winter"]


@pytest.mark.parametrize("sort_all_up_to", [1000, 1])
def test_pages_of_a_ranked_query_partition_it(env, monkeypatch, sort_all_up_to):
    monkeypatch.setattr(pg_engine, "SORT_ALL_UP_TO", sort_all_up_to)  # sorted, or the index
    full = api(env, q="关于", per_page=100)
    assert full["total"] >= 5
    seen = []
    for page in range(1, -(-full["total"] // 2) + 1):
        seen += numbers(api(env, q="关于", per_page=2, page=page))
    assert seen == numbers(full)  # equal ranks too keep one order from page to page


def test_driver_sql_turns_named_parameters_into_psycopg_style():
    from disclosure.search.pg_engine import driver_sql

    sql = "SELECT :a, CAST(:b_2 AS text[]) FROM t WHERE x LIKE '5%' AND y = :a"
    assert driver_sql(sql) == (
        "SELECT %(a)s, CAST(%(b_2)s AS text[]) FROM t WHERE x LIKE '5%%' AND y = %(a)s"
    )


def test_a_search_answered_by_one_statement_opens_no_transaction(env):
    """Most searches are one statement: read in autocommit, with no BEGIN and ROLLBACK
    round trips around it."""
    import psycopg

    index = PostgresSearchIndex(env.engine)
    index.detect()  # RUM or GIN, read once
    seen = []

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], cursor.connection.info.transaction_status))

    event.listen(env.engine, "after_cursor_execute", after)
    try:
        result = index.search(SearchQuery(q="救助"))
    finally:
        event.remove(env.engine, "after_cursor_execute", after)
    assert result.total >= 1
    assert [kind for kind, _ in seen] == ["WITH"]
    assert seen[0][1] == psycopg.pq.TransactionStatus.IDLE  # not INTRANS: nothing to roll back


def test_with_rum_the_top_results_come_from_the_index(env, monkeypatch):
    if not env.rum:
        pytest.skip("GIN ranks every match with ts_rank_cd")
    index = PostgresSearchIndex(env.engine)
    monkeypatch.setattr(pg_engine, "SORT_ALL_UP_TO", 1)  # as if the catalogue were large
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY tsv" in statement and not statement.startswith("WITH"):
            # the settings that statement runs with (SET LOCAL: in its own transaction)
            settings = [
                cursor.connection.execute(f"SHOW {name}").fetchone()[0]
                for name in ("enable_seqscan", "enable_bitmapscan")
            ]
            statements.append((statement, parameters, settings))

    event.listen(env.engine, "before_cursor_execute", grab)
    try:
        result = index.search(SearchQuery(q="关于 通知", per_page=2))
    finally:
        event.remove(env.engine, "before_cursor_execute", grab)
    assert result.total > 1 and len(result.hits) == 2
    # the counts' statement left the page alone (more matches than it sorts): one statement
    # read it, from the index
    ((statement, parameters, settings),) = statements
    assert settings == ["off", "off"]
    with env.engine.connect() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Index Scan using ix_search_engine_documents_tsv" in plan
    assert "Order By: (tsv " in plan and "Sort" not in plan
