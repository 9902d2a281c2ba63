"""The public catalogue, the portal and the officer's catalogue editing in English: the pages'
own text, the catalogue's labels kept as data in catalog_schemas/ (field titles, vocabularies,
sections, kinds of 法定主动公开内容), the form's errors and flash messages, and the dates."""

from __future__ import annotations

import io
from datetime import date

import pytest

from disclosure.dates import MAX_DATE, MIN_DATE, OUT_OF_RANGE, en_date, local_date, zh_date
from disclosure.i18n.extract import extract_catalogue, kind_of, labels
from tests.english import ENGLISH, english_page

from ..conftest import ROOT, TODAY
from .test_calendar_page import ARRANGEMENT, arrangement_form, city_admin  # noqa: F401
from .test_officer_catalogue import create_item, fill_item_form, officer  # noqa: F401
from .test_public import published  # noqa: F401

SCHEMAS = ROOT / "catalog_schemas"


def text_of(res) -> str:
    return res.html.get_text(" ", strip=True)


# -- the public pages ---------------------------------------------------------------------------


def test_home_in_english(testapp, published):  # noqa: F811
    res = english_page(testapp, "/")
    text = text_of(res)
    assert "Latest published information" in text
    assert "Browse the whole catalogue »" in text
    assert "Government information disclosure" in text  # the portal's column (sections.yaml)
    assert "Mandatory proactive disclosure" in text
    search = res.html.find("input", attrs={"name": "q"})
    assert search["placeholder"].startswith("Search government information")
    assert "市政府通知甲" in text  # the data stays as written


def test_catalogue_browse_in_english_facets_and_pager(testapp, published):  # noqa: F811
    res = english_page(testapp, "/catalogue?per_page=2")
    facets = res.html.find("aside", class_="facets").get_text(" ", strip=True)
    for title in ("Issuing body", "Topic", "Genre", "Year published", "Filter"):
        assert title in facets
    assert "General government affairs" in facets  # a topic's label (vocabularies/topics.yaml)
    assert "Agriculture, forestry and water" in facets
    assert "2026 (" in facets and "2026年" not in facets
    pager = res.html.find("nav", class_="pager")
    assert pager["aria-label"] == "Pages"
    assert "Page 1 of 2" in pager.text and "Next page" in pager.text
    headers = [th.text for th in res.html.find("table", class_="list").find_all("th")]
    assert headers[0] == "Index number" and "Date published" in headers
    filtered = english_page(testapp, "/catalogue?topic=general_affairs")
    assert "« All" in filtered.text


def test_catalogue_browse_in_chinese_is_unchanged(testapp, published):  # noqa: F811
    res = testapp.get("/catalogue?per_page=2")
    facets = res.html.find("aside", class_="facets").get_text(" ", strip=True)
    assert "发布机构" in facets and "综合政务" in facets and "2026年" in facets
    assert "第 1 / 2 页" in res.html.find("nav", class_="pager").text


def test_bad_browse_parameters_are_explained_in_english(testapp, published):  # noqa: F811
    res = testapp.get("/catalogue", {"page": "abc"}, headers=ENGLISH, status=400)
    assert "Must be a whole number" in res.text
    res = testapp.get("/catalogue", {"page": "0", "year": "1800"}, headers=ENGLISH, status=400)
    assert "The page number must be greater than 0" in res.text
    assert "Invalid year" in res.text
    res = testapp.get(
        "/api/v1/catalogue",
        {"per_page": "1000", "topic": "nonsense", "organisation": "NOPE"},
        headers=ENGLISH,
        status=400,
    )
    fields = res.json["fields"]
    assert fields["per_page"] == "At most 100 per page"
    assert fields["topic"] == '"nonsense" is not a valid value for Topic'
    assert fields["organisation"] == 'Unknown body "NOPE"'
    # in Chinese, as before
    res = testapp.get("/api/v1/catalogue", {"per_page": "1000", "topic": "nonsense"}, status=400)
    assert res.json["fields"] == {
        "per_page": "每页最多 100 条",
        "topic": "“nonsense”不是有效的主题分类",
    }


def test_item_page_in_english(testapp, published):  # noqa: F811
    made, city, *_ = published
    res = english_page(testapp, f"/catalogue/{made['city'].index_number}")
    box = {
        th.text: th.find_next_sibling("td").text
        for th in res.html.find("table", class_="meta").find_all("th")
    }
    assert box["Issuing body"] == city.name
    assert box["Date created"] == "2026-03-01"
    assert box["Topic"] == "General government affairs"
    assert box["Disclosure mode"] == "Proactive"
    assert box["Validity"] == "Valid"
    assert res.html.find("table", class_="meta")["aria-label"] == "Metadata"
    on_request = english_page(testapp, f"/catalogue/{made['on_request'].index_number}")
    notice = on_request.html.find("div", class_="notice").get_text(" ", strip=True)
    assert "Disclosure on request" in notice and "not published online" in notice
    assert "Apply for this information" in notice


def test_repealed_item_in_english(testapp, published, catalogue):  # noqa: F811
    made, *_ = published
    catalogue.repeal(made["city"], None, "", today=date(2026, 11, 20))
    res = english_page(testapp, f"/catalogue/{made['city'].index_number}")
    assert "This document has been repealed." in res.text
    listed = english_page(testapp, "/catalogue")
    tags = [span.text for span in listed.html.find_all("span", class_="tag")]
    assert any(tag.startswith("Repeal") for tag in tags) and "废止" not in tags


def test_released_page_in_english(testapp):
    res = english_page(testapp, "/released")
    text = text_of(res)
    assert "Catalogue of information released on request" in text
    assert "No information released on request has been published yet." in text


def test_organisations_organisation_and_guide_in_english(testapp, orgs):
    county = orgs.by_code["016001001"]
    english_page(testapp, "/organisations")
    page = english_page(testapp, f"/organisations/{county.code}")
    text = text_of(page)
    for phrase in (
        "Kind of body",
        "County (city, district)",
        "Organisation code",
        "Functions",
        "Contact details",
        "Office address",
        "Subordinate bodies",
    ):
        assert phrase in text, phrase
    assert page.html.find("h2", id="annual-reports").text.startswith("Annual report")
    assert f"Annual report {TODAY.year - 1}" in text
    guide = english_page(testapp, f"/organisations/{county.code}/guide")
    assert f"Government information disclosure guide: {county.name}" in text_of(guide)


# -- the portal's sections ----------------------------------------------------------------------


def test_portal_sections_in_english(testapp, orgs):
    county = orgs.by_code["016001001"]
    index = english_page(testapp, "/sections")
    text = text_of(index)
    assert "Rules on government information disclosure" in text
    assert "every body of this platform" in text
    org_index = english_page(testapp, f"/organisations/{county.code}/sections")
    assert f"Government information disclosure: {county.name}" in org_index.html.h1.text
    proactive = english_page(testapp, "/sections/proactive")
    text = text_of(proactive)
    assert "Provision" in text and "Published information" in text
    assert "Administrative regulations, rules and normative documents" in text
    assert "第二十条" in text  # the law's citation stays Chinese
    rules = english_page(testapp, f"/organisations/{county.code}/sections/rules")
    assert "and its subordinate bodies: 0 in total." in text_of(rules)
    kind = english_page(testapp, "/sections/proactive/rules")
    assert "Administrative regulations, rules and normative documents" in kind.html.h1.text
    reports = english_page(testapp, "/sections/reports")
    assert "No annual report has been published yet." in text_of(reports)


# -- the officer's catalogue and the calendar ---------------------------------------------------


def test_officer_item_form_in_english(testapp, officer):  # noqa: F811
    testapp.login(officer.email)
    page = english_page(testapp, "/officer/items/new")
    form = page.forms["deform"]
    labels_ = {label.get_text(" ", strip=True) for label in page.html.find_all("label")}
    assert any(label.startswith("Date created") for label in labels_)
    assert any(label.startswith("Note on the change") for label in labels_)
    topics = {v: t for v, _s, t in form["topic"].options}
    assert topics["general_affairs"] == "General government affairs"
    assert "Save draft" in page.html.find("button", attrs={"name": "save"}).text
    form["title"] = ""
    form["created_on"] = "2026-13-40"
    res = form.submit("save", headers=ENGLISH, status=400)
    assert "Required" in res.text
    assert "Invalid date format: use YYYY-MM-DD" in res.text
    # the flash message, in the language of the request that saved the draft
    form = fill_item_form(testapp.get("/officer/items/new", headers=ENGLISH).forms["deform"])
    saved = form.submit("save", headers=ENGLISH, status=303).follow(headers=ENGLISH)
    assert "Draft saved" in saved.text


def test_officer_item_form_in_chinese_is_unchanged(testapp, officer):  # noqa: F811
    testapp.login(officer.email)
    page = testapp.get("/officer/items/new")
    form = page.forms["deform"]
    topics = {v: t for v, _s, t in form["topic"].options}
    assert topics["general_affairs"] == "综合政务"
    assert "保存草稿" in page.html.find("button", attrs={"name": "save"}).text
    saved = fill_item_form(form).submit("save", status=303).follow()
    assert "草稿已保存" in saved.text


def test_calendar_page_in_english(testapp, city_admin):  # noqa: F811
    page = english_page(testapp, "/officer/calendar")
    text = text_of(page)
    assert "Working-day calendar: holiday arrangements" in text
    assert "Statutory holidays computed by rule" in text
    assert "1 January" in text  # the computed statutory days, dated in English
    form = arrangement_form(page)
    form["arrangement"] = (
        "year: 2027\nsource: 测试\nholidays:\n  - {from: 2027-01-05, to: 2027-01-01, name: 元旦}\n"
    )
    res = form.submit(headers=ENGLISH, status=400)
    error = res.html.find(id="arrangement-error").text
    assert error == (
        "Holiday arrangement: holidays[0]: the end date 2027-01-01 is before the start date "
        "2027-01-05"
    )
    form = arrangement_form(page)
    form["arrangement"] = ARRANGEMENT
    preview = form.submit(headers=ENGLISH)
    assert "Please confirm: load the holiday arrangement for 2027" in text_of(preview)
    assert not [t for t in ("请确认", "尚未载入") if t in preview.text]


def test_calendar_errors_in_chinese_are_unchanged(testapp, city_admin):  # noqa: F811
    form = arrangement_form(testapp.get("/officer/calendar"))
    form["arrangement"] = (
        "year: 2027\nsource: 测试\nholidays:\n  - {from: 2027-01-05, to: 2027-01-01, name: 元旦}\n"
    )
    res = form.submit(status=400)
    assert res.html.find(id="arrangement-error").text == (
        "节假日安排 (holiday arrangement): holidays[0]: 结束日期 2027-01-01 早于开始日期 "
        "2027-01-05 (to is before from)"
    )


# -- dates and the extraction of the catalogue's labels -----------------------------------------


def test_dates_in_each_language():
    day = date(2026, 12, 2)
    assert zh_date(day) == "2026年12月2日"
    assert en_date(day) == "2 December 2026"
    assert local_date(day, "en") == "2 December 2026"
    assert local_date(day, "zh_Hans") == local_date(day, None) == "2026年12月2日"
    assert local_date(None, "en") == ""
    # the message names the range the code checks, and reads as Chinese through str()
    assert f"{MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()}" in str(OUT_OF_RANGE)


def test_the_extractor_takes_the_labels_and_leaves_the_law():
    fields = dict((v, n) for n, v in labels((SCHEMAS / "fields.yaml").read_text(), "fields"))
    assert {"索引号", "主题分类", "内容概述"} <= set(fields)
    generic = {
        v for _n, v in labels((SCHEMAS / "categories/generic.yaml").read_text(), "categories")
    }
    assert {"机构职能", "主要职责", "政府信息公开制度"} <= generic  # children too
    assert "通用目录分类" not in generic  # the tree's own name is not shown
    proactive = (SCHEMAS / "proactive/ogi-2019.yaml").read_bytes()
    found = [
        m
        for _l, _f, m, _c in extract_catalogue(io.BytesIO(proactive), [], [], {"kind": "proactive"})
    ]
    assert "行政法规、规章和规范性文件" in found
    assert not [m for m in found if "第二十条" in m or m.startswith("第（") or "本条例" in m]
    sections = [v for _n, v in labels((SCHEMAS / "sections.yaml").read_text(), "sections")]
    assert sections[0] == "政府信息公开" and "法定主动公开内容" in sections
    # a file without interface labels gives none
    profile = io.BytesIO((SCHEMAS / "profiles/ogi-2019.yaml").read_bytes())
    profile.name = str(SCHEMAS / "profiles/ogi-2019.yaml")
    assert list(extract_catalogue(profile, [], [], {})) == []


@pytest.mark.parametrize("name", ["fields.yaml", "vocabularies/topics.yaml", "sections.yaml"])
def test_every_label_of_the_schemas_is_translated(name):
    from babel.messages.pofile import read_po

    from tests.english import PO

    with PO.open("rb") as fh:
        english = read_po(fh, locale="en")
    path = SCHEMAS / name
    found = {v for _n, v in labels(path.read_text(), kind_of(str(path)))}
    assert found
    assert not [m for m in found if m not in english or not english[m].string]
