"""Search as people use it: 文号 typed without brackets, phrases highlighted whole, filter chips,
the selected organisation in its facet, and the advanced search form (HTML and JSON)."""

import re
from datetime import date
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
import webtest

from disclosure import main
from disclosure.catalogue.services import CatalogueService
from disclosure.organisations.services import OrganisationTree

from ..conftest import TODAY

# Long enough that a snippet cut from the start of the text would not reach the phrase.
FILLER = "本通知所称城乡居民最低生活保障，是指对家庭收入低于当地标准的居民给予的基本生活救助。" * 6

ITEMS = [
    # key, organisation, fields
    (
        "six",
        "civil_affairs",
        dict(
            title="关于调整城乡最低生活保障标准的通知",
            body=FILLER + "各县区要进一步推进基层政务公开标准化建设，主动公开低保标准。",
            document_number="咸民发〔2025〕6号",
            topic="civil_affairs_relief",
            genre="notice",
            published_on=date(2025, 6, 3),
        ),
    ),
    (
        "sixteen",
        "civil_affairs",
        dict(
            title="关于开展养老服务质量检查的通知",
            body="检查养老机构服务质量。政务要公开，基层要落实。",
            document_number="咸民发〔2025〕16号",
            topic="civil_affairs_relief",
            genre="notice",
            published_on=date(2025, 9, 1),
        ),
    ),
    (
        "bare",
        "civil_affairs",
        dict(
            title="关于殡葬改革的意见",
            body="推进殡葬改革。",
            document_number="咸民发2024年3号",  # stored as typed, without brackets
            topic="civil_affairs_relief",
            genre="opinion",
            published_on=date(2024, 4, 1),
        ),
    ),
    (
        "wide",
        "city",
        dict(
            title="關於ＡＢＣ１２３系統建設的通知",  # traditional characters, full-width letters
            body="政務公開平臺建設。",
            document_number="",
            topic="general_affairs",
            genre="notice",
            published_on=date(2023, 2, 1),
        ),
    ),
    (
        "markup",
        "city",
        dict(
            title="关于网页标签的说明",
            body="正文含有<script>alert(1)</script>脚本标签测试内容。",
            document_number="",
            topic="other",
            genre="notice",
            published_on=date(2020, 1, 6),
        ),
    ),
    (
        "township",
        "township",
        dict(
            title="街道办事处关于低保资格复核的通知",
            body="辖区低保家庭请配合复核。",
            document_number="",
            topic="civil_affairs_relief",
            genre="notice",
            published_on=date(2025, 7, 7),
        ),
    ),
]


@pytest.fixture(scope="module")
def env(databases, schema, tmp_path_factory):
    seeded = databases.seeded(schema)
    made = {}
    with seeded.factory.begin() as db:
        tree = OrganisationTree(db)
        county = next(o for o in tree.orgs if o.kind == "county" and tree.children(o))
        township = tree.children(county)[0]
        pick = {
            "civil_affairs": next(o for o in tree.orgs if o.category_tree == "civil_affairs"),
            "city": tree.roots[0],
            "township": township,
        }
        service = CatalogueService(db, schema)
        for key, where, fields in ITEMS:
            data = {"summary": "", "created_on": fields["published_on"], **fields}
            item = service.create(pick[where], data, None)
            service.publish(item, None, TODAY)
            made[key] = item.index_number
        made["county"], made["county_name"] = county.code, county.name
        made["township_org"], made["township_name"] = township.code, township.name
        made["civil"] = pick["civil_affairs"].code
        made["civil_name"] = pick["civil_affairs"].name
    settings = {
        "disclosure.database_url": seeded.url,
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
    )
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def search(env, **params):
    return env.testapp.get("/api/v1/search", params).json


def numbers(body):
    return [h["index_number"] for h in body["hits"]]


def query_of(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


# ----------------------------------------------------------------------------- 文号


@pytest.mark.parametrize(
    "typed",
    [
        "咸民发〔2025〕6号",
        "咸民发2025年6号",
        "咸民发 2025 6号",
        "咸民发2025 6号",
        "咸民发2025年第6号",
        "咸民发(2025)6号",
        "咸民發２０２５年６號",
        "咸民发　2025　6号",  # ideographic spaces
    ],
)
def test_document_number_without_brackets_finds_the_item(env, typed):
    assert numbers(search(env, q=typed)) == [env.made["six"]]


@pytest.mark.parametrize("typed", ["咸民发〔2025〕16号", "咸民发2025年16号", "咸民发 2025 16号"])
def test_serial_16_is_not_serial_6(env, typed):
    assert numbers(search(env, q=typed)) == [env.made["sixteen"]]


def test_document_number_stored_without_brackets_is_found_in_any_form(env):
    for typed in ("咸民发〔2024〕3号", "咸民发2024年3号", "咸民发 2024 3号"):
        assert numbers(search(env, q=typed)) == [env.made["bare"]]


def test_document_number_inside_a_longer_query_comes_first(env):
    for typed in ("咸民发 2025 6号 低保", "低保 咸民发2025年6号", "请提供咸民发 2025 6号文件"):
        hits = numbers(search(env, q=typed))
        assert hits[0] == env.made["six"], typed
        assert env.made["sixteen"] not in hits[:1]


def test_document_number_parameter_joins_the_query(env):
    body = search(env, document_number="咸民发 2025 6号")
    assert numbers(body) == [env.made["six"]]
    body = search(env, q="低保", document_number="咸民发2025年6号")
    assert numbers(body)[0] == env.made["six"]
    assert numbers(search(env, document_number="咸民发〔2025〕16号")) == [env.made["sixteen"]]
    assert (
        search(env, document_number="咸民发〔2025〕6号", organisation=env.made["county"])["total"]
        == 0
    )
    res = env.testapp.get("/api/v1/search", {"document_number": "咸" * 101}, status=400)
    assert set(res.json["fields"]) == {"document_number"}


# --------------------------------------------------------------------- folding


def test_traditional_and_full_width_fold_in_documents_and_queries(env):
    # the document is traditional and full-width; simplified, half-width queries find it
    assert numbers(search(env, q="关于 abc123 系统")) == [env.made["wide"]]
    assert numbers(search(env, q='"政务公开平台"')) == [env.made["wide"]]
    # and the other way round: a traditional, full-width query finds simplified text
    assert env.made["six"] in numbers(search(env, q="最低生活保障 標準"))
    assert numbers(search(env, q="ＡＢＣ１２３")) == [env.made["wide"]]
    assert env.made["wide"] not in numbers(search(env, q="通知 －ＡＢＣ１２３"))


# ------------------------------------------------------------------ highlighting

EM = re.compile(r"<em[^>]*>(.*?)</em>")


def test_quoted_phrase_is_highlighted_whole_in_the_snippet(env):
    (hit,) = search(env, q='"基层政务公开"')["hits"]
    assert hit["index_number"] == env.made["six"]
    assert "基层政务公开" in EM.findall(hit["snippet"])
    # the phrase lies far into the text: the snippet is cut around it
    assert "基层政务公开标准化建设" in re.sub(r"</?em[^>]*>", "", hit["snippet"])


def test_phrase_and_words_are_both_highlighted(env):
    body = search(env, q="低保 “基层政务公开”")
    hit = next(h for h in body["hits"] if h["index_number"] == env.made["six"])
    marked = EM.findall(hit["snippet"])
    assert "基层政务公开" in marked and "低保" in marked


def test_traditional_phrase_highlights_the_simplified_text(env):
    (hit,) = search(env, q='"基層政務公開"')["hits"]
    assert "基层政务公开" in EM.findall(hit["snippet"])


def test_phrase_highlighting_on_the_page_escapes_and_marks(env):
    page = env.testapp.get("/search", {"q": '"基层政务公开"'})
    snippet = page.html.select_one(".snippet")
    assert [em.get_text() for em in snippet.find_all("em")] == ["基层政务公开"]


def test_phrase_snippets_escape_markup_from_documents(env):
    (hit,) = search(env, q='"脚本标签测试"')["hits"]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert "脚本标签测试" in EM.findall(hit["snippet"])


# ------------------------------------------------------------------------ chips

ALL_FILTERS = {
    "topic": "civil_affairs_relief",
    "genre": "notice",
    "date_from": "2025-01-01",
    "date_to": "2025-12-31",
    "document_number": "咸民发2025年6号",
}


def test_active_filters_show_as_chips_and_each_removes_only_itself(env):
    params = {"q": "低保", "sort": "date", "organisation": env.made["civil"], **ALL_FILTERS}
    page = env.testapp.get("/search", params)
    chips = page.html.select(".chips a.chip")
    assert {a["data-filter"] for a in chips} == set(params) - {"q", "sort"}
    texts = {a["data-filter"]: a.get_text() for a in chips}
    assert env.made["civil_name"] in texts["organisation"] and "移除" in texts["organisation"]
    assert "2025-01-01" in texts["date_from"] and "咸民发2025年6号" in texts["document_number"]
    for chip in chips:
        removed = chip["data-filter"]
        assert query_of(chip["href"]) == {k: v for k, v in params.items() if k != removed}
        env.testapp.get(chip["href"], status=200)  # the link works
    clear = page.html.select_one("a.chips-clear")
    assert query_of(clear["href"]) == {"q": "低保", "sort": "date"}


def test_chip_removal_keeps_other_filters_working(env):
    params = {"q": "通知", "organisation": env.made["civil"], "genre": "notice"}
    page = env.testapp.get("/search", params)
    (genre_chip,) = page.html.select('a.chip[data-filter="genre"]')
    after = env.testapp.get(genre_chip["href"])
    assert [a["data-filter"] for a in after.html.select("a.chip")] == ["organisation"]
    assert "找到" in after.text


def test_no_chips_without_filters(env):
    page = env.testapp.get("/search", {"q": "低保", "sort": "date"})
    assert not page.html.select(".chips")


def test_searchbox_keeps_every_active_filter(env):
    params = {"q": "低保", "organisation": env.made["civil"], **ALL_FILTERS}
    page = env.testapp.get("/search", params)
    box = page.html.select_one("form.searchbox")
    hidden = {i["name"]: i["value"] for i in box.select("input[type=hidden]")}
    assert hidden == {k: v for k, v in params.items() if k != "q"}


# ------------------------------------------------------------ organisation facet


def facet_items(page, key="organisation"):
    heading = page.html.select_one(f"#facet-{key}")
    return heading.find_next_sibling("ul").select("li")


def test_selected_organisation_stays_visible_in_its_facet(env):
    page = env.testapp.get("/search", {"q": "", "organisation": env.made["county"]})
    items = facet_items(page)
    on = [li for li in items if "on" in (li.get("class") or [])]
    assert len(on) == 1 and env.made["county_name"] in on[0].get_text()
    assert on[0].a["aria-current"] == "true"
    children = [li for li in items if "sub" in (li.get("class") or [])]
    assert any(env.made["township_name"] in li.get_text() for li in children)


def test_selected_leaf_organisation_is_shown_with_its_count_and_parent(env):
    page = env.testapp.get("/search", {"q": "", "organisation": env.made["township_org"]})
    items = facet_items(page)
    (on,) = [li for li in items if "on" in (li.get("class") or [])]
    assert env.made["township_name"] in on.get_text() and "(1)" in on.get_text()
    texts = [li.get_text() for li in items]
    assert any(t.startswith("« 上一级：") and env.made["county_name"] in t for t in texts)
    assert any("不限" in t for t in texts)


def test_selected_organisation_with_no_match_is_still_shown(env):
    page = env.testapp.get("/search", {"q": "殡葬", "organisation": env.made["township_org"]})
    (on,) = [li for li in facet_items(page) if "on" in (li.get("class") or [])]
    assert env.made["township_name"] in on.get_text() and "(0)" in on.get_text()


# --------------------------------------------------------------- advanced form


def test_advanced_form_round_trips_every_field(env):
    params = {"q": "低保", "organisation": env.made["civil"], **ALL_FILTERS}
    page = env.testapp.get("/search", params)
    form = page.forms["advanced-search"]
    for name, value in params.items():
        assert form[name].value == value, name
    assert page.html.select_one("details.advanced").has_attr("open")
    result = form.submit()
    assert dict(result.request.GET) == params
    assert numbers(search(env, **params)) == [env.made["six"]]
    assert "找到 1 条结果" in result.text
    again = result.forms["advanced-search"]
    assert {name: again[name].value for name in params} == params


def test_advanced_form_fills_the_query_parameters(env):
    form = env.testapp.get("/search").forms["advanced-search"]
    form["document_number"] = "咸民发 2025 16号"
    form["organisation"] = env.made["civil"]
    form["topic"] = "civil_affairs_relief"
    form["date_from"] = "2025-01-01"
    result = form.submit()
    assert query_of(result.request.url) == {
        "document_number": "咸民发 2025 16号",
        "organisation": env.made["civil"],
        "topic": "civil_affairs_relief",
        "date_from": "2025-01-01",
    }
    titles = [a.get_text() for a in result.html.select("a.hit-title")]
    assert titles == ["关于开展养老服务质量检查的通知"]


def test_advanced_form_keeps_filters_it_does_not_show(env):
    page = env.testapp.get("/search", {"q": "通知", "year": "2025", "sort": "date"})
    result = page.forms["advanced-search"].submit()
    assert query_of(result.request.url) == {"q": "通知", "year": "2025", "sort": "date"}


def test_advanced_form_is_labelled_and_grouped(env):
    page = env.testapp.get("/search")
    form = page.html.select_one("form#advanced-search")
    assert form["method"] == "get"
    assert form.select_one("fieldset > legend").get_text() == "高级检索"
    assert form.select_one("fieldset.dates > legend").get_text() == "发布日期"
    labels = {label["for"]: label.get_text() for label in form.select("label[for]")}
    for control in form.select("input:not([type=hidden]), select"):
        assert control["id"] in labels, control
    assert labels["adv-document_number"] == "文号"
    assert labels["adv-organisation"] == "发布机构"
    # the organisation tree, indented by depth
    options = form.select("#adv-organisation option")
    assert options[0]["value"] == "" and len(options) > 10
    assert any(o.get_text().startswith("\u3000\u3000") for o in options)
    assert page.html.select_one("details.advanced > summary").get_text() == "高级检索"


# ------------------------------------------------------------------- bad input


def test_bad_dates_are_400_with_field_messages_in_json(env):
    res = env.testapp.get(
        "/api/v1/search", {"date_from": "2025-02-30", "date_to": "1900-01-01"}, status=400
    )
    assert res.json["fields"] == {
        "date_from": "日期格式无效，应为 YYYY-MM-DD",
        "date_to": "日期应在 1990-01-01 至 2100-12-31 之间",
    }
    res = env.testapp.get(
        "/api/v1/search", {"date_from": "2025-06-01", "date_to": "2025-01-01"}, status=400
    )
    assert res.json["fields"] == {"date_to": "截止日期不能早于起始日期"}


def test_bad_dates_are_400_with_messages_at_the_fields_on_the_page(env):
    res = env.testapp.get(
        "/search", {"q": "低保", "date_from": "2025-02-30", "date_to": "2025-13-01"}, status=400
    )
    html = res.html
    assert html.select_one("[role=alert]") is not None
    for name in ("date_from", "date_to"):
        field = html.select_one(f"#adv-{name}")
        assert field["aria-invalid"] == "true" and field["aria-describedby"] == f"err-{name}"
        assert "日期格式无效" in html.select_one(f"#err-{name}").get_text()
    # what was typed is kept, so it can be corrected
    form = res.forms["advanced-search"]
    assert form["date_from"].value == "2025-02-30" and form["q"].value == "低保"
    assert html.select_one("details.advanced").has_attr("open")
    res = env.testapp.get(
        "/search", {"date_from": "2025-06-01", "date_to": "2025-01-01"}, status=400
    )
    assert "截止日期不能早于起始日期" in res.html.select_one("#err-date_to").get_text()
    res = env.testapp.get("/search", {"organisation": "nope", "sort": "x"}, status=400)
    summary = res.html.select_one(".error-summary").get_text()
    assert "发布机构" in summary and "排序方式" in summary
