"""Public pages and the JSON API show published items only, with the standard metadata."""

from datetime import date

import pytest

from ..conftest import TODAY


@pytest.fixture
def published(orgs, catalogue, item_data):
    """Published items in the city, a county and one of its townships, plus hidden ones."""
    city = orgs.roots[0]
    county = next(o for o in orgs.orgs if o.kind == "county" and orgs.children(o))
    township = orgs.children(county)[0]
    made = {}

    def publish(key, org, **data):
        item = catalogue.create(org, item_data(**data), None)
        catalogue.publish(item, None, data.get("published_on") or TODAY)
        made[key] = item

    publish("city", city, title="市政府通知甲", published_on=date(2025, 5, 6), genre="notice")
    publish(
        "county",
        county,
        title="县政府意见乙",
        topic="agriculture_forestry_water",
        genre="opinion",
        published_on=date(2026, 2, 3),
    )
    publish(
        "township",
        township,
        title="街道公告丙",
        genre="public_notice",
        published_on=date(2026, 7, 8),
    )
    publish(
        "on_request",
        county,
        title="依申请公开的批复丁",
        genre="reply",
        disclosure_mode="on_request",
        published_on=date(2026, 8, 1),
    )
    withheld = catalogue.create(
        city, item_data(title="不予公开的内部文件", disclosure_mode="withheld"), None
    )
    catalogue.publish(withheld, None, TODAY)
    made["withheld"] = withheld
    made["draft"] = catalogue.create(city, item_data(title="尚未发布的草稿"), None)
    return made, city, county, township


def test_home_shows_latest_published_items_and_the_tree(testapp, published):
    res = testapp.get("/")
    for title in ("市政府通知甲", "县政府意见乙", "街道公告丙"):
        assert title in res.text
    assert "尚未发布的草稿" not in res.text
    assert "不予公开的内部文件" not in res.text
    assert "秦都区人民政府" in res.text


def test_item_page_has_the_metadata_box_and_attachments(testapp, published):
    made, city, *_ = published
    item = made["city"]
    res = testapp.get(f"/catalogue/{item.index_number}")
    for text in (
        item.index_number,
        "发布机构",
        city.name,
        "生成日期",
        "2026-03-01",
        "文号",
        "咸政发〔2026〕3号",
        "主题分类",
        "综合政务",
        "体裁分类",
        "通知",
        "公开方式",
        "主动公开",
        "有效性",
        "有效",
    ):
        assert text in res.text, text


def test_on_request_item_shows_metadata_and_apply_link(testapp, published):
    made, _, county, _ = published
    item = made["on_request"]
    res = testapp.get(f"/catalogue/{item.index_number}")
    assert "依申请公开" in res.text
    assert "各县市区人民政府，市政府各工作部门" not in res.text  # body is not shown
    res = res.click("申请公开此信息")
    assert item.index_number in res.text and county.name in res.text


def test_hidden_items_are_404(testapp, published):
    made, *_ = published
    testapp.get(f"/catalogue/{made['withheld'].index_number}", status=404)
    testapp.get("/catalogue/016000001/2026-99999", status=404)
    res = testapp.get(f"/api/v1/catalogue/{made['withheld'].index_number}", status=404)
    assert res.json["error"]


def test_browse_counts_filters_and_descendants(testapp, published):
    made, city, county, township = published
    res = testapp.get("/catalogue", {"organisation": county.code})
    assert "县政府意见乙" in res.text and "街道公告丙" in res.text  # township is under the county
    assert "市政府通知甲" not in res.text
    res = testapp.get("/catalogue", {"year": "2025"})
    assert "市政府通知甲" in res.text and "县政府意见乙" not in res.text
    res = testapp.get(
        "/catalogue", {"topic": "农业、林业、水利"}
    )  # a label works as well as a code
    assert "县政府意见乙" in res.text and "市政府通知甲" not in res.text
    assert "2026年" in testapp.get("/catalogue").text


def test_browse_rejects_bad_parameters_with_a_clear_400(testapp, published):
    res = testapp.get("/catalogue", {"page": "abc"}, status=400)
    assert "页码：应为整数" in res.text  # the field's name in Chinese, not the parameter
    res = testapp.get("/api/v1/catalogue", {"per_page": "1000", "topic": "nonsense"}, status=400)
    assert set(res.json["fields"]) == {"per_page", "topic"}
    testapp.get("/api/v1/catalogue", {"organisation": "NOPE"}, status=400)


def test_api_catalogue_lists_newest_first_with_total_and_pages(testapp, published):
    res = testapp.get("/api/v1/catalogue", {"per_page": 2})
    body = res.json
    public_titles = [i["title"] for i in body["items"]]
    assert body["total"] >= 4
    assert public_titles[:2] == ["依申请公开的批复丁", "街道公告丙"]
    page2 = testapp.get("/api/v1/catalogue", {"per_page": 2, "page": 2}).json
    assert page2["items"][0]["title"] == "县政府意见乙"
    titles = {i["title"] for i in testapp.get("/api/v1/catalogue", {"per_page": 100}).json["items"]}
    assert "不予公开的内部文件" not in titles and "尚未发布的草稿" not in titles


def test_api_catalogue_filters(testapp, published):
    made, city, county, township = published
    body = testapp.get("/api/v1/catalogue", {"organisation": county.code, "genre": "opinion"}).json
    assert [i["title"] for i in body["items"]] == ["县政府意见乙"]
    assert body["total"] == 1
    body = testapp.get("/api/v1/catalogue", {"organisation": township.code, "year": 2026}).json
    assert [i["organisation"] for i in body["items"]] == [township.code]


def test_api_item_has_every_field_with_the_schema_names(testapp, published, schema):
    made, city, *_ = published
    item = made["city"]
    body = testapp.get(f"/api/v1/catalogue/{item.index_number}").json
    assert set(schema.field_names) <= set(body)
    assert body["index_number"] == item.index_number
    assert body["organisation"] == city.code
    assert body["created_on"] == "2026-03-01" and body["published_on"] == "2025-05-06"
    assert body["keywords"] == ["政务公开", "通知"]
    assert body["disclosure_mode"] == "proactive" and body["validity"] == "valid"


def test_api_organisations_returns_the_tree(testapp):
    body = testapp.get("/api/v1/organisations").json
    (root,) = body["organisations"]
    assert root["name"] == "咸阳市人民政府"
    counties = [c for c in root["children"] if c["kind"] == "county"]
    assert len(counties) == 13
    assert any(c["children"] for c in counties)


def test_guide_page_for_each_organisation(testapp, orgs):
    for org in orgs.orgs:
        res = testapp.get(f"/organisations/{org.code}/guide")
        assert org.name in res.text
        assert org.guide.strip().splitlines()[0][:20] in res.text
    testapp.get("/organisations/NOPE/guide", status=404)


def test_repealed_item_stays_listed_and_marked(testapp, published, catalogue):
    made, *_ = published
    catalogue.repeal(made["city"], None, "已被新文件替代")
    res = testapp.get(f"/catalogue/{made['city'].index_number}")
    assert "本文件已废止" in res.text and "废止" in res.text


@pytest.mark.parametrize("path", ["/catalogue?page=999", "/search?q=%E5%85%AC%E5%BC%80&page=999"])
def test_a_page_past_the_last_one_is_not_found(testapp, path):
    res = testapp.get(path, status=404)
    assert "没有这一页" in res.text or "找不到" in res.text or "不存在" in res.text
    assert testapp.get(path.replace("page=999", "page=1")).status_int == 200
