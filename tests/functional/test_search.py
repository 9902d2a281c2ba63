"""Public search over committed data: words, phrases, 文号, 索引号, filters, facets, bad input."""

import io
from datetime import date
from types import SimpleNamespace

import docx
import pytest
import webtest

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.models import Attachment
from disclosure.organisations.services import OrganisationTree

from ..conftest import TODAY


def docx_with(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


ITEMS = [
    # key, organisation (kind or category tree), fields
    (
        "winter",
        "civil_affairs",
        dict(
            title="关于做好冬季困难群众救助工作的通知",
            body="各县区要加强政务公开，及时发放冬季救助资金。",
            document_number="咸民发〔2026〕12号",
            topic="civil_affairs_relief",
            genre="notice",
            published_on=date(2026, 11, 2),
        ),
    ),
    (
        "relief",
        "civil_affairs",
        dict(
            title="城乡低保资金发放情况",
            body="本季度救助资金已按时发放。",
            document_number="",
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
            body="城市管理要精细化。",
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
            document_number="",
            topic="construction_environment",
            genre="public_notice",
            published_on=date(2026, 5, 5),
        ),
    ),
    (
        "on_request",
        "city",
        dict(
            title="关于某项目用地的批复",
            body="秘密正文不应被检索到：红松鼠计划。",
            document_number="咸政函〔2024〕7号",
            topic="land_energy",
            genre="reply",
            disclosure_mode="on_request",
            published_on=date(2024, 1, 9),
        ),
    ),
    (
        "markup",
        "city",
        dict(
            title="关于网页标签测试的说明",
            body="正文含有<script>alert(1)</script>脚本标签测试内容。",
            document_number="",
            topic="other",
            genre="notice",
            published_on=date(2020, 1, 6),
        ),
    ),
    (
        "expired",
        "city",
        dict(
            title="关于政务公开工作的旧规定",
            body="本规定自发布之日起施行。",
            document_number="咸政办发〔2015〕3号",
            topic="general_affairs",
            genre="notice",
            validity="expired",
            published_on=date(2015, 4, 1),
        ),
    ),
]


def write_corpus(db, schema) -> tuple[dict, dict]:
    """Create and publish ITEMS (and a draft and a withheld item the public never sees) in the
    demo tree: (made: key → 索引号, plus the county's code and name; the organisations used)."""
    made = {}
    tree = OrganisationTree(db)
    county = next(o for o in tree.orgs if o.kind == "county" and tree.children(o))
    pick = {
        "civil_affairs": next(o for o in tree.orgs if o.category_tree == "civil_affairs"),
        "city": tree.roots[0],
        "township": tree.children(county)[0],
    }
    service = CatalogueService(db, schema)
    for key, where, fields in ITEMS:
        data = {"summary": "", "created_on": fields["published_on"], **fields}
        item = service.create(pick[where], data, None)
        if key == "winter":
            payload = docx_with("附件：冬季救助对象花名册（绿萝卜小组）")
            db.add(
                Attachment(
                    item=item,
                    filename="名册.docx",
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    kind="word",
                    size=len(payload),
                    sha256="0" * 64,
                    storage_key="00/" + "0" * 64,
                    text="附件：冬季救助对象花名册（绿萝卜小组）",
                )
            )
            db.flush()
        service.publish(item, None, TODAY)
        made[key] = item.index_number
    service.create(
        pick["city"], {"title": "内部草稿：紫色大象", "topic": "other", "genre": "notice"}, None
    )
    withheld = service.create(
        pick["city"],
        {
            "title": "不予公开：紫色大象",
            "topic": "other",
            "genre": "notice",
            "disclosure_mode": "withheld",
        },
        None,
    )
    service.publish(withheld, None, TODAY)
    made["county"], made["county_name"] = county.code, county.name
    return made, pick


@pytest.fixture(scope="module")
def env(databases, schema, tmp_path_factory):
    seeded = databases.seeded(schema)
    url, engine, factory = seeded.url, seeded.engine, seeded.factory
    with factory.begin() as db:
        made, _ = write_corpus(db, schema)
    settings = {
        "disclosure.database_url": url,
        "disclosure.session_secret": "x",
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("index")),
        "disclosure.search.indexer": "off",
        "disclosure.search.backend": "whoosh",  # this module tests the Whoosh indexer
    }
    app = main({}, **settings)
    assert app.registry["search_indexer"].run_until_empty() > 0
    yield SimpleNamespace(
        app=app,
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        made=made,
        factory=factory,
    )
    app.registry["db_engine"].dispose()
    engine.dispose()


def search(env, **params):
    return env.testapp.get("/api/v1/search", params).json


def numbers(body):
    return [h["index_number"] for h in body["hits"]]


def test_words_must_all_match(env):
    body = search(env, q="冬季 救助")
    assert numbers(body) == [env.made["winter"]]
    assert set(numbers(search(env, q="救助"))) == {env.made["winter"], env.made["relief"]}


def test_either_word_with_or_and_exclusion(env):
    assert set(numbers(search(env, q="垃圾分类 OR 安全生产"))) == {
        env.made["township"],
        env.made["one"],
    }
    assert numbers(search(env, q="救助 -冬季")) == [env.made["relief"]]


def test_quoted_phrases_must_match_exactly(env):
    assert numbers(search(env, q='"加强政务公开"')) == [env.made["winter"]]
    assert numbers(search(env, q="“政务公开”")) and env.made["winter"] in numbers(
        search(env, q="“政务公开”")
    )
    assert search(env, q='"政务加强公开"')["total"] == 0


@pytest.mark.parametrize(
    "typed",
    [
        "咸政发〔2009〕1号",
        "咸政发[2009]1号",
        "咸政发（２００９）１号",
        "咸政发【2009】1号",
        "咸政发(2009)1号",
    ],
)
def test_document_number_in_any_bracket_style_comes_first(env, typed):
    hits = numbers(search(env, q=typed))
    assert hits[0] == env.made["one"]
    assert env.made["twelve"] not in hits[:1]


def test_document_number_12_is_not_1(env):
    assert numbers(search(env, q="咸政发〔2009〕12号"))[0] == env.made["twelve"]


def test_index_number_comes_first(env):
    target = env.made["township"]
    assert numbers(search(env, q=target))[0] == target
    assert numbers(search(env, q="０" + target[1:]))[0] == target


def test_traditional_characters_find_simplified_documents(env):
    assert env.made["winter"] in numbers(search(env, q="冬季救助"))
    assert env.made["winter"] in numbers(search(env, q="冬季救助 政務公開"))


def test_attachment_text_is_searchable(env):
    assert numbers(search(env, q="绿萝卜小组")) == [env.made["winter"]]


def test_hidden_things_never_reach_the_index(env):
    assert search(env, q="紫色大象")["total"] == 0
    assert search(env, q="红松鼠计划")["total"] == 0  # body of an on-request item
    assert numbers(search(env, q="用地 批复")) == [env.made["on_request"]]  # its metadata is public


def test_filters_and_facets(env):
    body = search(env, q="", organisation=env.made["county"])
    assert numbers(body) == [env.made["township"]]  # a county search includes its townships
    body = search(env, q="关于", topic="construction_environment")
    assert set(numbers(body)) == {env.made["twelve"], env.made["township"]}
    body = search(env, q="关于", year=2009)
    assert set(numbers(body)) == {env.made["one"], env.made["twelve"]}
    body = search(env, q="关于", date_from="2009-03-01", date_to="2015-12-31")
    assert set(numbers(body)) == {env.made["twelve"], env.made["expired"]}
    assert numbers(search(env, q="政务公开", validity="expired")) == [env.made["expired"]]
    assert numbers(search(env, q="", disclosure_mode="on_request")) == [env.made["on_request"]]
    facets = search(env, q="关于")["facets"]
    assert {"value": "2009", "count": 2} in facets["year"]
    assert {f["value"] for f in facets["genre"]} >= {"notice", "decision", "opinion"}


def test_snippets_highlight_and_sort_by_date(env):
    body = search(env, q="救助", sort="date")
    assert numbers(body) == [env.made["winter"], env.made["relief"]]
    assert "<em" in body["hits"][0]["snippet"] and "救助" in body["hits"][0]["snippet"]
    hit = body["hits"][0]
    assert set(hit) == {
        "index_number",
        "title",
        "document_number",
        "organisation",
        "published_on",
        "snippet",
    }
    assert hit["published_on"] == "2026-11-02" and hit["document_number"] == "咸民发〔2026〕12号"


def test_pagination(env):
    first = search(env, q="", per_page=2, sort="date")
    second = search(env, q="", per_page=2, page=2, sort="date")
    assert first["total"] == second["total"] == len(ITEMS)
    assert len(first["hits"]) == 2 and not set(numbers(first)) & set(numbers(second))


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "OR",
        "-",
        "AND OR NOT",
        "*",
        "((",
        ")",
        "title:",
        '""',
        "a" * 300,
        "政务" * 5000,
        "\\",
        "?~^",
    ],
)
def test_malformed_queries_never_fail(env, q):
    res = env.testapp.get("/api/v1/search", {"q": q})
    assert res.status_int == 200
    page = env.testapp.get("/search", {"q": q})
    assert page.status_int == 200


def test_overlong_input_is_cut_with_a_message(env):
    body = search(env, q="救助 " * 2000)
    assert "截取" in body["message"]
    res = env.testapp.get("/api/v1/search", {"q": "x" * 10001}, status=400)
    assert "q" in res.json["fields"]


def test_bad_parameters_are_400(env):
    res = env.testapp.get(
        "/api/v1/search", {"sort": "random", "page": "x", "date_from": "2020-02-30"}, status=400
    )
    assert set(res.json["fields"]) == {"sort", "page", "date_from"}


def test_search_page_and_empty_page(env):
    page = env.testapp.get("/search", {"q": "冬季 救助"})
    assert "关于做好冬季困难群众救助工作的通知" in page.text and "找到 1 条结果" in page.text
    empty = env.testapp.get("/search", {"q": "不存在的词语组合"})
    assert "没有找到" in empty.text and "申请政府信息公开" in empty.text


def test_snippets_escape_markup_from_documents(env):
    body = search(env, q="脚本标签测试")
    (hit,) = body["hits"]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    page = env.testapp.get("/search", {"q": "脚本标签测试"})
    assert "<script>alert(1)</script>" not in page.text
