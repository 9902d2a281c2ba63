"""The ``sqlite`` search engine: FTS5 in the application's database, written in the catalogue
change's own transaction. No test here runs an indexer: what is committed is found.

The public search tests of ``test_search`` run here again against an app configured with
``disclosure.search.backend = sqlite`` (same data, same assertions), and the engine's answers are
compared with a Whoosh index built from the same database.
"""

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
import transaction
import webtest
from sqlalchemy import func, select, text

from disclosure import main, models
from disclosure import settings as s
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, SearchOutbox
from disclosure.search import make_search_index
from disclosure.search.indexer import Indexer, rebuild
from disclosure.search.interfaces import SearchQuery
from disclosure.search.query import parse
from disclosure.search.sqlite_engine import (
    FACETS,
    SQLiteSearchIndex,
    _facet_counts,
    build_match,
    make_snippet,
)
from disclosure.search.transactional import session_index
from disclosure.search.whoosh_index import IndexStore, WhooshSearchIndex
from disclosure.settings import SettingsError

from ..conftest import PASSWORD, ROOT, TODAY, backend
from .test_search import (  # noqa: F401  (run again, on this module's ``env``)
    ITEMS,
    docx_with,
    numbers,
    search,
    test_attachment_text_is_searchable,
    test_bad_parameters_are_400,
    test_document_number_12_is_not_1,
    test_document_number_in_any_bracket_style_comes_first,
    test_either_word_with_or_and_exclusion,
    test_filters_and_facets,
    test_hidden_things_never_reach_the_index,
    test_index_number_comes_first,
    test_malformed_queries_never_fail,
    test_overlong_input_is_cut_with_a_message,
    test_pagination,
    test_quoted_phrases_must_match_exactly,
    test_search_page_and_empty_page,
    test_snippets_escape_markup_from_documents,
    test_snippets_highlight_and_sort_by_date,
    test_traditional_characters_find_simplified_documents,
    test_words_must_all_match,
    write_corpus,
)

pytestmark = pytest.mark.skipif(
    backend() == "postgresql", reason="the sqlite search engine lives in an SQLite database"
)


def sqlite_settings(url, tmp_path_factory, **extra):
    return {
        "disclosure.database_url": url,
        "disclosure.session_secret": "x",
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("index")),
        "disclosure.search.indexer": "off",
        "disclosure.search.backend": "sqlite",
        **extra,
    }


@pytest.fixture(scope="module")
def env(databases, schema, tmp_path_factory):
    """The app first, then the data, committed through the app's own session factory."""
    seeded = databases.seeded(schema)
    app = main({}, **sqlite_settings(seeded.url, tmp_path_factory))
    factory = app.registry["dbsession_factory"]
    with factory.begin() as db:
        made, pick = write_corpus(db, schema)
        made["civil"] = pick["civil_affairs"].id
    yield SimpleNamespace(
        app=app,
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        made=made,
        factory=factory,
        index=app.registry["search_index"],
        schema=schema,
        url=seeded.url,
    )
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


@pytest.fixture(scope="module")
def whoosh(env, tmp_path_factory):
    """A Whoosh index of the same database, for comparison."""
    store = IndexStore(tmp_path_factory.mktemp("whoosh"))
    engine = models.get_engine(env.url)
    rebuild(models.get_session_factory(engine), store, schema=env.schema)
    engine.dispose()
    return WhooshSearchIndex(store)


def pending_outbox(env) -> int:
    """Outbox rows written (nobody consumes them with the sqlite engine)."""
    with env.factory() as db:
        return db.scalar(select(func.count()).select_from(SearchOutbox))


# ------------------------------------------------------------------ set-up and start-up


def test_the_app_uses_the_sqlite_engine_without_an_indexer(
    env, databases, schema, tmp_path_factory
):
    assert env.index.name == "sqlite" and env.index.transactional
    assert env.index.health() == {
        "engine": "sqlite",
        "documents": len(ITEMS),
        "database": "sqlite (FTS5)",
    }
    assert pending_outbox(env) > 0  # the outbox stays the change feed; nobody had to read it
    with env.factory() as db:  # every session of the app's factory writes the engine
        assert session_index(db) is env.index
    seeded = databases.seeded(schema)
    app = main(
        {},
        **sqlite_settings(seeded.url, tmp_path_factory, **{"disclosure.search.indexer": "thread"}),
    )
    assert "search_indexer_thread" not in app.registry  # nothing to wait for
    app.registry["db_engine"].dispose()


def test_sqlite_engine_on_postgresql_stops_start_up():
    settings = s.resolve(
        {
            "disclosure.database_url": "postgresql://nobody@localhost/none",
            "disclosure.session_secret": "x",
            "disclosure.search.backend": "sqlite",
        },
        environ={},
    )
    with pytest.raises(SettingsError, match="SQLite"):
        make_search_index(settings, None)


def test_the_whoosh_default_is_left_alone(app):
    assert app.registry["search_index"].name == "whoosh"
    assert "search_index" not in app.registry["dbsession_factory"].kw.get("info", {})


# ------------------------------------------------------------------- same transaction


@pytest.fixture(scope="module")
def officer(env):
    with env.factory.begin() as db:
        user = create_user(
            db,
            "sqlite.officer@example.gov.cn",
            PASSWORD,
            db.get(models.Organisation, env.made["civil"]),
            "officer",
        )
        return user.email


def test_an_item_published_through_the_app_is_found_in_the_next_request(env, officer):
    app = env.testapp
    page = app.get("/login")
    form = page.forms[0]
    form["email"], form["password"] = officer, PASSWORD
    form.submit(status=303)
    form = app.get("/officer/items/new").forms["deform"]
    for name, value in {
        "title": "关于开展青蛙池塘水质监测的通知",
        "document_number": "咸民发〔2026〕88号",
        "created_on": "2026-11-02",
        "topic": "civil_affairs_relief",
        "genre": "notice",
        "keywords": "青蛙池塘",
        "summary": "",
        "body": "各单位要按月报送水质监测数据。",
    }.items():
        form[name] = value
    res = form.submit("save", status=303)
    item_id = int(re.search(r"/officer/items/(\d+)$", res.location).group(1))
    assert search(env, q="青蛙池塘")["total"] == 0  # a draft is not public
    token = re.search(r'name="csrf_token" value="([^"]+)"', app.get("/login").text).group(1)
    with env.factory() as db:
        lock_version = db.get(CatalogueItem, item_id).lock_version
    app.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": token, "lock_version": lock_version},
        status=303,
    )
    body = search(env, q="青蛙池塘 水质")  # the very next request, no indexer
    assert [h["title"] for h in body["hits"]] == ["关于开展青蛙池塘水质监测的通知"]
    assert search(env, q="咸民发(2026)88号")["hits"][0]["title"].startswith("关于开展青蛙")
    app.post("/logout", {"csrf_token": token})


def test_a_rolled_back_change_leaves_no_trace(env):
    before = env.index.stamps()
    # through the transaction manager, as pyramid_tm does
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    db = models.get_tm_session(env.factory, tm)
    root = db.scalars(
        select(models.Organisation).where(models.Organisation.parent_id.is_(None))
    ).one()
    service = CatalogueService(db, env.schema)
    item = service.create(
        root, {"title": "回滚的蓝色长颈鹿", "topic": "other", "genre": "notice"}, None
    )
    service.publish(item, None, TODAY)
    db.flush()
    tm.abort()
    # and a plain session whose block raises
    with pytest.raises(RuntimeError), env.factory.begin() as db:
        root = db.get(models.Organisation, root.id)
        service = CatalogueService(db, env.schema)
        item = service.create(
            root, {"title": "回滚的蓝色长颈鹿", "topic": "other", "genre": "notice"}, None
        )
        service.publish(item, None, TODAY)
        db.flush()
        raise RuntimeError("rolled back")
    assert search(env, q="蓝色长颈鹿")["total"] == 0
    assert env.index.stamps() == before


def test_commits_through_the_transaction_manager_are_indexed(env):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    db = models.get_tm_session(env.factory, tm)
    root = db.scalars(
        select(models.Organisation).where(models.Organisation.parent_id.is_(None))
    ).one()
    service = CatalogueService(db, env.schema)
    item = service.create(
        root, {"title": "提交的橙色斑马", "topic": "other", "genre": "notice"}, None
    )
    service.publish(item, None, TODAY)
    tm.commit()
    assert numbers(search(env, q="橙色斑马")) and search(env, q="橙色斑马")["total"] == 1
    # an update in another transaction: repealed, found under its new validity
    with env.factory.begin() as db:
        item = db.scalars(
            select(CatalogueItem).where(CatalogueItem.title == "提交的橙色斑马")
        ).one()
        CatalogueService(db, env.schema).repeal(item, None, "废止", today=TODAY)
    assert search(env, q="橙色斑马", validity="repealed")["total"] == 1
    # hidden from the public: gone from the index in the same commit
    with env.factory.begin() as db:
        item = db.scalars(
            select(CatalogueItem).where(CatalogueItem.title == "提交的橙色斑马")
        ).one()
        item.disclosure_mode = "withheld"
    assert search(env, q="橙色斑马")["total"] == 0


def test_savepoints_are_applied_once_with_the_outer_commit(env):
    with env.factory.begin() as db:
        root = db.scalars(
            select(models.Organisation).where(models.Organisation.parent_id.is_(None))
        ).one()
        service = CatalogueService(db, env.schema)
        kept = db.begin_nested()
        item = service.create(
            root, {"title": "保存点里的紫红海豚", "topic": "other", "genre": "notice"}, None
        )
        service.publish(item, None, TODAY)
        kept.commit()
        dropped = db.begin_nested()
        other = service.create(
            root, {"title": "撤销的紫红海豚", "topic": "other", "genre": "notice"}, None
        )
        service.publish(other, None, TODAY)
        db.flush()
        dropped.rollback()
    assert [h["title"] for h in search(env, q="紫红海豚")["hits"]] == ["保存点里的紫红海豚"]


# ------------------------------------------------------------------------------ queries


def engine_search(env, **kw):
    return env.index.search(SearchQuery(**kw))


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        '"""',
        "*",
        "救助*",
        "NEAR(冬季 救助)",
        "NEAR",
        "AND",
        "冬季 AND",
        "OR 冬季",
        "NOT 冬季",
        "^冬季",
        "title:冬季",
        "{title body}: 冬季",
        "冬季:",
        ":",
        "(",
        "(冬季",
        "冬季)",
        "-",
        "--冬季",
        "- 冬季",
        "+冬季",
        "冬'季",
        '冬"季',
        '"冬季',
        "“冬季",
        "\\",
        "%_",
        "\x00",
        "。，、；",
        "a" * 300,
        "政务" * 5000,
    ],
)
def test_fts5_syntax_in_queries_never_fails(env, q):
    result = engine_search(env, q=q)
    assert result.total >= 0
    assert env.testapp.get("/api/v1/search", {"q": q[:10000]}).status_int == 200


def test_every_token_is_quoted():
    match = build_match(parse('NEAR(a b) "x y" -c title:d *'))
    assert match is not None
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", match)
    assert set(re.findall(r"[A-Za-z]+", unquoted)) <= {
        "AND",
        "OR",
        "NOT",
        "title",
        "body",
        "bg",
        "keywords",
    }


@pytest.mark.parametrize(
    "word", ["救助", "政务公开", "資金", "安全生产", "发放", "公开", "低保", "12号", "民政局"]
)
def test_a_word_is_found_by_its_characters_as_by_its_words(env, word):
    """A word that segments to itself is matched by its bigrams alone (``word_expr``): the
    same items as its words or its bigrams, the form it replaced."""
    from disclosure.search.analysis import tokens
    from disclosure.search.sqlite_engine import _phrase, quote, word_expr

    words, grams = tokens(word, "word", mode="query"), tokens(word, "bigram")
    both = (
        "({title body} : (" + " AND ".join(quote(w) for w in words) + ") OR "
        "{title_bg body_bg keywords} : " + _phrase(grams) + ")"
    )
    compiled = word_expr(word)
    if len(words) == 1 and len(words[0]) > 1:
        assert "{title body}" not in compiled
    statement = text("SELECT rowid FROM search_engine_fts WHERE search_engine_fts MATCH :m")
    with env.factory() as db:
        found = {row[0] for row in db.execute(statement, {"m": compiled})}
        assert found == {row[0] for row in db.execute(statement, {"m": both})}
    assert found or word in ("12号", "民政局")


def test_same_answers_as_whoosh(env, whoosh):
    for q, filters in [
        ("", {}),
        ("救助", {}),
        ("冬季 救助", {}),
        ("关于", {}),
        ("关于", {"year": 2009}),
        ("关于", {"organisation": env.made["county"]}),
        ("垃圾分类 OR 安全生产", {}),
        ("救助 -冬季", {}),
        ('"加强政务公开"', {}),
        ("咸政发〔2009〕1号", {}),
        ("政務公開", {}),
        ("", {"topic": "construction_environment"}),
    ]:
        query = SearchQuery(q=q, per_page=100, **filters)
        ours, theirs = env.index.search(query), whoosh.search(query)
        label = (q, filters)
        assert sorted(numbers_of(ours)) == sorted(numbers_of(theirs)), label
        assert ours.total == theirs.total, label
        if not q or q.startswith("咸政发"):
            assert numbers_of(ours) == numbers_of(theirs), label  # date order, 文号 order
        assert ours.facets == theirs.facets, label
        assert ours.message == theirs.message, label


def numbers_of(result):
    return [h.index_number for h in result.hits]


def test_title_before_body_and_identifiers_first(env):
    # 救助 is in the title of the winter notice and only in the body of the relief report
    assert numbers(search(env, q="救助"))[0] == env.made["winter"]
    first = numbers(search(env, q="安全生产 OR 咸政发〔2009〕12号"))
    assert first[0] == env.made["twelve"] and env.made["one"] in first


def test_facets_are_counted_over_the_whole_match(env):
    result = engine_search(env, q="关于", per_page=1)
    assert result.total > 1 and len(result.hits) == 1
    assert sum(n for _, n in result.facets["year"]) == result.total
    assert sum(n for _, n in result.facets["genre"]) == result.total
    orgs = dict(result.facets["organisation"])
    assert orgs[env.made["county"]] == 1  # the township's item counts for its county too
    root_code = max(orgs, key=orgs.get)
    assert orgs[root_code] == result.total  # every item is under the city


def test_facet_counts_sum_the_combinations_of_facet_values():
    # one row per combination: organisation path, topic, genre, year, mode, validity, count
    rows = [
        ("C D1", "t1", "g1", "2020", "m", "", 3),
        ("C D1 T1", "t1", "g2", "2021", "m", "v", 2),
        ("C D2", "", "g1", "2020", "m", "v", 5),
    ]
    total, grouped = _facet_counts(rows, True, 50)
    assert total == 10
    assert grouped["organisation"] == [("C", 10), ("D1", 5), ("D2", 5), ("T1", 2)]
    assert grouped["topic"] == [("t1", 5)]  # no value is no entry; the total keeps it
    assert grouped["genre"] == [("g1", 8), ("g2", 2)]
    assert grouped["validity"] == [("v", 7)]
    assert _facet_counts(rows, True, 1)[1]["year"] == [("2020", 8)]
    assert _facet_counts([], True, 50) == (0, {name: [] for name in FACETS})
    assert _facet_counts([(None,) * 6 + (7,)], False, 50) == (7, {})


def test_messages_as_whoosh(env):
    assert engine_search(env, q="。，、").message == "检索词中没有可检索的文字，请换一个说法。"
    assert engine_search(env, q="-冬季").message == "检索词中没有可检索的文字，请换一个说法。"
    assert "截取" in engine_search(env, q="救助 " * 200).message
    assert engine_search(env, q="").message is None


def test_phrase_snippets_contain_the_phrase_highlighted(env):
    hit = search(env, q='"加强政务公开"')["hits"][0]
    assert '<em class="hl">加强政务公开</em>' in hit["snippet"]
    hit = search(env, q="绿萝卜小组")["hits"][0]
    assert '<em class="hl">绿萝卜小组</em>' in hit["snippet"]


def test_snippet_fragments():
    text = "甲" * 300 + "救助<b>" + "乙" * 300 + "救助"
    snippet = make_snippet(text, ["救助"])
    assert snippet.count('<em class="hl">救助</em>') == 2 and "…" in snippet
    assert "&lt;b&gt;" in snippet and len(snippet) < 300
    assert make_snippet("没有命中", ["救助"]) == ""
    assert make_snippet("政務公開", ["政务公开"]) == '<em class="hl">政務公開</em>'  # folded match


def test_sort_and_pages_by_date(env):
    pages = [engine_search(env, q="关于", sort="date", per_page=2, page=n) for n in (1, 2, 3, 4)]
    dates = [h.published_on for p in pages for h in p.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == pages[0].total
    assert engine_search(env, q="关于", page=99).hits == []


# -------------------------------------------------------------------------- command line


@pytest.fixture
def cli(tmp_path, databases, schema):
    seeded = databases.seeded(schema)
    seeded.engine.dispose()
    ini = tmp_path / "cli.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    environ = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": seeded.url,
        "DISCLOSURE_FILES_DIR": str(tmp_path / "files"),
        "DISCLOSURE_SEARCH_BACKEND": "sqlite",
    }
    engine = models.get_engine(seeded.url)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "disclosure.scripts.cli", args[0], str(ini), *args[1:]],
            capture_output=True,
            text=True,
            env=environ,
            cwd=tmp_path,
            timeout=300,
        )

    run.engine = engine
    yield run
    engine.dispose()


def test_import_reindex_and_index_check_from_the_command_line(cli, tmp_path):
    with cli.engine.connect() as conn:
        code = conn.scalar(
            select(models.Organisation.code).where(models.Organisation.kind == "township")
        )
    csv_file = tmp_path / "items.csv"
    csv_file.write_text(
        "title,organisation,created_on,published_on,topic,genre,document_number,keywords,disclosure_mode,validity\n"
        f"乡镇财政预算公开,{code},2026-01-05,2026-01-06,财政、金融、审计,统计数据,,预算;财政,主动公开,有效\n"
        f"乡镇工作通知,{code},2026-03-05,2026-03-06,general_affairs,notice,某政发〔2026〕1号,,proactive,valid\n"
        f"不公开的通知,{code},2026-03-05,2026-03-06,general_affairs,notice,,,withheld,valid\n",
        encoding="utf-8",
    )
    imported = cli("import-catalogue", str(csv_file))
    assert imported.returncode == 0, imported.stderr
    index = SQLiteSearchIndex(cli.engine)
    assert index.search(SearchQuery(q="财政预算")).total == 1  # indexed by the import's commits
    checked = cli("index-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "缺失 0，过期 0，多余 0" in checked.stdout

    with cli.engine.begin() as conn:  # lose one document, invent another
        conn.execute(text("DELETE FROM search_engine_docs WHERE document_number != ''"))
        conn.execute(
            text(
                "INSERT INTO search_engine_docs (item_id, index_number, document_number,"
                " organisation, topic, genre, disclosure_mode, validity, year, published_on,"
                " facet_key, stamp) SELECT 999999, index_number, document_number, organisation,"
                " topic, genre, disclosure_mode, validity, year, published_on, facet_key, stamp"
                " FROM search_engine_docs LIMIT 1"
            )
        )
    checked = cli("index-check")
    assert checked.returncode == 1 and "缺失 1，过期 0，多余 1" in checked.stdout
    rebuilt = cli("reindex")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "重建完成：2 条" in rebuilt.stdout and "移除 1 条" in rebuilt.stdout
    checked = cli("index-check")
    assert checked.returncode == 0 and "缺失 0，过期 0，多余 0" in checked.stdout
    assert [h.title for h in index.search(SearchQuery(q="某政发(2026)1号")).hits] == [
        "乡镇工作通知"
    ]

    with cli.engine.begin() as conn:
        (count,) = conn.execute(text("SELECT count(*) FROM search_engine_fts")).one()
        assert count == 2


def test_indexer_applies_to_the_sqlite_engine_too(env):
    # the outbox indexer is not needed, but applying it again changes nothing
    before = env.index.stamps()
    Indexer(env.factory, env.index, schema=env.schema).run_until_empty()
    assert env.index.stamps() == before
