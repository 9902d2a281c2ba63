"""Atom feeds (portal, organisation with its descendants, topic) read by a real feed parser,
and the sitemap (an index past the per-file limit)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import feedparser
import pytest

from disclosure.feeds import views as feed_views

from ..conftest import TODAY

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def tree(orgs):
    city = orgs.roots[0]
    county = next(o for o in orgs.orgs if o.kind == "county" and orgs.children(o))
    return city, county, orgs.children(county)[0]


@pytest.fixture
def publish(catalogue, item_data):
    counter = iter(range(1, 1000))

    def make(org, title, *, on=TODAY, **fields):
        n = next(counter)
        data = item_data(title=title, document_number=f"咸政发〔2026〕{n}号", **fields)
        item = catalogue.create(org, data, None)
        catalogue.publish(item, None, on)
        return item

    return make


def parse(res):
    assert res.content_type == "application/atom+xml"
    feed = feedparser.parse(res.body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def links(feed) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in feed.feed.links}


def test_the_portal_feed_is_valid_atom_newest_first_with_paging(testapp, tree, publish):
    city, county, township = tree
    for day in range(1, 23):  # 22 items: two pages of 20
        publish(city, f"通知第{day}号", on=date(2026, 10, day), summary=f"摘要{day}")
    first = parse(testapp.get("/feeds/catalogue.atom"))
    assert len(first.entries) == 20
    assert first.entries[0].title == "通知第22号" and first.entries[-1].title == "通知第3号"
    entry = first.entries[0]
    assert entry.link.endswith("/catalogue/" + entry.link.split("/catalogue/")[1])
    assert entry.summary == "摘要22" and entry.author == city.name
    assert entry.published.startswith("2026-10-22")
    rels = links(first)
    assert "previous" not in rels and rels["next"].endswith("?page=2")
    assert rels["last"].endswith("?page=2") and rels["self"].endswith("/feeds/catalogue.atom")
    second = parse(testapp.get(rels["next"]))
    assert [e.title for e in second.entries] == ["通知第2号", "通知第1号"]
    assert "next" not in links(second) and links(second)["previous"].endswith(
        "/feeds/catalogue.atom"
    )
    testapp.get("/feeds/catalogue.atom?page=3", status=404)
    for bad in ("0", "-1", "x", "1.5"):
        testapp.get(f"/feeds/catalogue.atom?page={bad}", status=400)


def test_an_organisation_feed_holds_its_descendants_only(testapp, tree, publish):
    city, county, township = tree
    publish(city, "市级通知")
    publish(county, "县级通知")
    publish(township, "街道通知")
    county_feed = parse(testapp.get(f"/organisations/{county.code}/feed.atom"))
    assert {e.title for e in county_feed.entries} == {"县级通知", "街道通知"}
    township_feed = parse(testapp.get(f"/organisations/{township.code}/feed.atom"))
    assert [e.title for e in township_feed.entries] == ["街道通知"]
    testapp.get("/organisations/999999999/feed.atom", status=404)


def test_a_topic_feed_holds_that_topic(testapp, tree, publish):
    city, *_ = tree
    publish(city, "农业通知", topic="agriculture_forestry_water")
    publish(city, "综合通知", topic="general_affairs")
    feed = parse(testapp.get("/feeds/topics/agriculture_forestry_water.atom"))
    assert [e.title for e in feed.entries] == ["农业通知"]
    assert feed.entries[0].tags[0].term == "agriculture_forestry_water"
    testapp.get("/feeds/topics/no_such_topic.atom", status=404)


def test_feeds_show_what_the_public_may_see_and_revisions_update(
    testapp, tree, publish, catalogue, item_data
):
    city, *_ = tree
    draft = catalogue.create(city, item_data(title="尚未发布的草稿标题"), None)
    assert draft.status == "draft"
    on_request = publish(
        city, "依申请公开的条目", disclosure_mode="on_request", summary="依申请条目摘要"
    )
    item = publish(city, "将被修订的通知", on=date(2026, 11, 1))
    catalogue.save_draft(item, {**item_data(), "title": "已修订的通知"}, None)
    catalogue.publish(item, None, TODAY)
    body = testapp.get("/feeds/catalogue.atom").text
    assert "尚未发布的草稿标题" not in body
    feed = parse(testapp.get("/feeds/catalogue.atom"))
    revised = next(e for e in feed.entries if e.title == "已修订的通知")
    assert revised.published.startswith("2026-11-01") and revised.updated > revised.published
    assert on_request.index_number in body  # its metadata is public, like its item page
    assert "尚未发布的草稿标题" not in testapp.get("/sitemap.xml").text


def test_the_sitemap_lists_public_pages_and_becomes_an_index_when_large(
    testapp, tree, publish, monkeypatch
):
    city, county, township = tree
    items = [publish(city, f"地图条目{n}") for n in range(3)]
    root = ET.fromstring(testapp.get("/sitemap.xml").body)
    assert root.tag == SM + "urlset"
    locs = [u.find(SM + "loc").text for u in root]
    assert any(loc.endswith("/catalogue") for loc in locs)
    assert any(loc.endswith(f"/organisations/{township.code}/guide") for loc in locs)
    for item in items:
        assert any(loc.endswith("/catalogue/" + item.index_number) for loc in locs)
    # past the limit: an index of parts that together hold every URL once
    monkeypatch.setattr(feed_views, "SITEMAP_LIMIT", 10)
    # (another URL: the page cache holds the first answer, which no data change has replaced)
    index = ET.fromstring(testapp.get("/sitemap.xml?again=1").body)
    assert index.tag == SM + "sitemapindex"
    parts = [s.find(SM + "loc").text for s in index]
    assert len(parts) == -(-len(locs) // 10)
    seen = []
    for part in parts:
        urlset = ET.fromstring(testapp.get(urlsplit(part).path).body)
        seen += [u.find(SM + "loc").text for u in urlset]
    assert sorted(seen) == sorted(locs)
    testapp.get(f"/sitemap-{len(parts) + 1}.xml", status=404)
