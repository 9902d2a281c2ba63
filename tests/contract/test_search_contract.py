"""The contract every search engine passes (issue 12), whatever its storage.

Each test runs once per engine (``engine`` in conftest.py) against the same committed corpus.
Tests that change the index (deletions, clear) put it back before they end.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from disclosure.catalogue.services import CatalogueService
from disclosure.models import CatalogueItem, Organisation
from disclosure.search.interfaces import SearchResult
from disclosure.search.whoosh_index import FACETS

from ..conftest import TODAY
from .conftest import CORPUS, COUNTY, HIDDEN_TITLE_WORD, OTHER_COUNTY, TOWNSHIP

ALL = {spec.key for spec in CORPUS}
PUBLIC_TOTAL = len(CORPUS)


# --- helpers ------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_HL_OPEN = re.compile(r'<em\s+class="hl(?:\s[^"]*)?"\s*>')


def highlighted_text(snippet: str) -> tuple[str, list[bool]]:
    """The snippet's text (tags removed, entities decoded) and, per character, whether it is
    inside ``<em class="hl">``."""
    plain: list[str] = []
    mask: list[bool] = []
    inside = False
    pos = 0
    for tag in _TAG.finditer(snippet + "<end>"):
        text = html.unescape(snippet[pos : tag.start()])
        plain.append(text)
        mask.extend([inside] * len(text))
        if _HL_OPEN.fullmatch(tag.group()):
            inside = True
        elif tag.group() == "</em>":
            inside = False
        pos = tag.end()
    return "".join(plain), mask


def highlights(snippet: str, text: str) -> bool:
    """True if ``text`` occurs in the snippet with every character highlighted (one ``<em>``
    around it, or several side by side)."""
    plain, mask = highlighted_text(snippet)
    start = plain.find(text)
    while start >= 0:
        if all(mask[start : start + len(text)]):
            return True
        start = plain.find(text, start + 1)
    return False


def expected_facets(engine, keys: set[str]) -> dict[str, dict[str, int]]:
    """Per facet, value → number of items among ``keys`` carrying it (an organisation counts the
    items of its whole subtree)."""
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    for key in keys:
        spec = engine.specs[key]
        counts["organisation"].update(engine.paths[key])
        counts["topic"][spec.topic] += 1
        counts["genre"][spec.genre] += 1
        counts["year"][str(spec.published_on.year)] += 1
        counts["disclosure_mode"][spec.disclosure_mode] += 1
        counts["validity"][spec.validity] += 1
    return {name: dict(counter) for name, counter in counts.items()}


def newest_first(engine, keys: set[str]) -> list[str]:
    return sorted(keys, key=lambda k: engine.specs[k].published_on, reverse=True)


# --- the corpus is in the engine ----------------------------------------------------------------


def test_every_public_item_is_searchable(engine):
    result = engine.search("", per_page=100)
    assert result.total == PUBLIC_TOTAL
    assert set(engine.keys(result)) == ALL


def test_items_the_public_may_not_see_are_never_found(engine):
    assert engine.found(HIDDEN_TITLE_WORD) == set()
    assert engine.found("青铜鼎") == set()  # the body of an on-request item
    assert engine.found("项目用地") == {"on_request"}  # its metadata is public


def test_hits_carry_the_public_fields(engine):
    [hit] = engine.search("咸民发〔2009〕12号").hits
    spec = engine.specs["civil_12"]
    assert hit.index_number == engine.index_numbers["civil_12"]
    assert hit.title == spec.title
    assert hit.document_number == spec.document_number
    assert hit.organisation == spec.org
    assert hit.organisation_name == "咸阳市民政局"
    assert hit.published_on == spec.published_on.isoformat()


# --- 文号 and 索引号 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "咸民发〔2009〕1号",
        "咸民发[2009]1号",
        "咸民发(2009)1号",
        "咸民发（2009）1号",
        "咸民发【2009】1号",
        "咸民发［2009］1号",
        "咸民发〔２００９〕１号",
        "咸民發〔2009〕1號",
        "咸民发〔2009〕第1号",
        "咸民发 〔2009〕 1 号",
    ],
)
def test_document_number_variants_find_the_document(engine, q):
    keys = engine.keys(engine.search(q))
    assert keys[:1] == ["civil_1"]
    assert "civil_12" not in keys  # 〔2009〕1号 is not 〔2009〕12号
    assert "civil_2020" not in keys  # nor 〔2020〕1号


@pytest.mark.parametrize("q", ["咸民发2009年1号", "咸民发 2009 1号", "咸民发２００９年１号"])
def test_document_number_without_brackets_finds_the_document(engine, q):
    keys = engine.keys(engine.search(q))
    assert keys[:1] == ["civil_1"]
    assert "civil_12" not in keys


def test_document_number_1_is_not_12(engine):
    assert engine.keys(engine.search("咸民发〔2009〕1号"))[:1] == ["civil_1"]
    assert engine.keys(engine.search("咸民发〔2009〕12号"))[:1] == ["civil_12"]
    assert "civil_1" not in engine.keys(engine.search("咸民发〔2009〕12号"))
    assert "civil_12" not in engine.keys(engine.search("咸民发〔2009〕1号"))


def test_document_number_inside_a_sentence_puts_that_document_first(engine):
    assert engine.keys(engine.search("请提供咸民发〔2009〕12号文件"))[:1] == ["civil_12"]


def test_document_number_of_nothing_finds_nothing(engine):
    assert engine.found("咸民发〔2009〕99号") == set()


def test_index_number_finds_the_item(engine):
    number = engine.index_numbers["civil_12"]
    assert engine.keys(engine.search(number))[:1] == ["civil_12"]
    fullwidth = number.translate({c: c + 0xFEE0 for c in range(ord("!"), ord("~") + 1)})
    assert fullwidth != number
    assert engine.keys(engine.search(fullwidth))[:1] == ["civil_12"]


# --- words, phrases, operators ------------------------------------------------------------------


def test_a_word_finds_every_item_containing_it(engine):
    assert engine.found("救助") == {"civil_1", "civil_12", "civil_2026"}


def test_words_must_all_match(engine):
    assert engine.found("冬季") == {"civil_1", "county_fire"}
    assert engine.found("冬季 救助") == {"civil_1"}
    assert engine.found("冬季 垃圾") == set()


def test_or_makes_either_word_enough(engine):
    assert engine.found("冬季 OR 垃圾") == {
        "civil_1",
        "county_fire",
        "county_sorting",
        "township",
        "other_county",
    }


def test_or_binds_tighter_than_and(engine):
    # 森林 AND (冬季 OR 垃圾)
    assert engine.found("森林 冬季 OR 垃圾") == {"county_fire"}


def test_minus_excludes_a_word(engine):
    assert engine.found("救助 -冬季") == {"civil_12", "civil_2026"}
    assert engine.found("冬季 -冬季") == set()  # the first match is excluded too


def test_a_document_name_beside_other_words_scopes_the_search(engine):
    # 生活垃圾分类实施方案 names a document (it ends in 方案): the items whose title holds it
    # match without the other words too, after the items that hold every word
    assert engine.found("生活垃圾分类实施方案 清运") == {"county_sorting"}
    assert engine.keys(engine.search("生活垃圾分类实施方案 乡村"))[:1] == ["county_sorting"]
    assert engine.found("生活垃圾分类实施方案 清运 -乡村") == set()
    assert engine.found("生活垃圾分类实施方案 清运", organisation=OTHER_COUNTY) == set()
    # 实施方案 is too short to name one document: its words must all match, as ever
    assert engine.found("实施方案 清运") == set()


@pytest.mark.parametrize("quoted", ['"垃圾分类"', "“垃圾分类”"])
def test_quoted_phrase_matches_the_words_side_by_side(engine, quoted):
    assert engine.found("垃圾 分类") == {"county_sorting", "township"}
    assert engine.found(quoted) == {"county_sorting"}


@pytest.mark.parametrize("quoted", ['"政务公开"', "“政务公开”"])
def test_quoted_phrase_ignores_items_with_the_words_apart(engine, quoted):
    assert engine.found("政务 公开") == {"city_open", "city_service"}
    assert engine.found(quoted) == {"city_open"}


@pytest.mark.parametrize("reversed_phrase", ['"分类垃圾"', "“公开政务”"])
def test_quoted_phrase_in_reversed_order_does_not_match(engine, reversed_phrase):
    words = reversed_phrase.strip('"“”')
    assert not any(words in s.title + s.body for s in CORPUS)
    assert engine.found(reversed_phrase) == set()


def test_phrase_and_word_together(engine):
    assert engine.found('"垃圾分类" 乡村') == {"county_sorting"}
    assert engine.found('"垃圾分类" 森林') == set()


def test_keywords_are_searchable(engine):
    assert engine.found("民生保障") == {"civil_2026"}


def test_traditional_query_finds_simplified_text(engine):
    assert engine.found("政務公開") >= {"city_open"}
    assert engine.found('"政務公開"') == {"city_open"}
    assert engine.found("冬季 救助 資金") == {"civil_1"}


def test_simplified_query_finds_traditional_text(engine):
    assert engine.found("财政预算") == {"traditional"}
    assert engine.found("財政預算") == {"traditional"}


# --- filters ------------------------------------------------------------------------------------


def test_organisation_filter_includes_descendants(engine):
    county_subtree = {k for k in ALL if COUNTY in engine.paths[k]}
    assert county_subtree == {"county_sorting", "county_fire", "county_health", "township"}
    assert engine.found(organisation=COUNTY) == county_subtree
    assert engine.found("垃圾", organisation=COUNTY) == {"county_sorting", "township"}
    assert engine.found(organisation=TOWNSHIP) == {"township"}
    assert engine.found(organisation=OTHER_COUNTY) == {"other_county"}
    assert engine.found(organisation="016000001") == ALL  # the root holds everything


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topic", "civil_affairs_relief"),
        ("genre", "notice"),
        ("year", 2009),
        ("disclosure_mode", "on_request"),
        ("validity", "expired"),
    ],
)
def test_field_filters(engine, field, value):
    def carries(spec):
        have = spec.published_on.year if field == "year" else getattr(spec, field)
        return have == value

    expected = {s.key for s in CORPUS if carries(s)}
    assert expected and expected != ALL
    assert engine.found(**{field: value}) == expected


def test_date_range_filter_includes_both_ends(engine):
    expected = {s.key for s in CORPUS if date(2025, 2, 14) <= s.published_on <= date(2025, 9, 9)}
    assert expected == {"traditional", "county_sorting", "county_health"}
    assert engine.found(date_from=date(2025, 2, 14), date_to=date(2025, 9, 9)) == expected
    assert engine.found(date_from=date(2026, 11, 2)) == {"city_2026"}
    assert engine.found(date_to=date(2009, 1, 15)) == {"civil_1"}


def test_filters_and_words_combine(engine):
    assert engine.found("通知", organisation=COUNTY, year=2025) == {
        "county_sorting",
        "county_health",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organisation", "016000103"),  # 公安局: no items
        ("topic", "foreign_affairs"),
        ("genre", "minutes"),
        ("year", 1999),
        ("validity", "repealed"),
    ],
)
def test_a_filter_that_matches_nothing_finds_nothing(engine, field, value):
    result = engine.search("", **{field: value})
    assert (result.total, result.hits) == (0, [])
    assert engine.search("救助", **{field: value}).total == 0


@pytest.mark.parametrize(
    "value", ["'", "' OR '1'='1", "016001001' --", '"', "%", "_", "*", "\x00", "016001001 OR 1"]
)
def test_filter_values_are_data_not_syntax(engine, value):
    for field in ("organisation", "topic", "genre", "disclosure_mode", "validity"):
        result = engine.search("", **{field: value})
        assert isinstance(result, SearchResult)
        assert result.total == 0 and result.hits == []


# --- facets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("", {}),
        ("救助", {}),
        ("冬季 OR 垃圾", {}),
        ("", {"organisation": COUNTY}),
        ("通知", {"year": 2025}),
    ],
    ids=["everything", "word", "or", "organisation", "word+year"],
)
def test_facet_counts_are_the_numbers_of_matching_items(engine, q, filters):
    keys = engine.found(q, **filters)
    assert keys
    result = engine.search(q, **filters)
    assert set(result.facets) >= set(FACETS)
    want = expected_facets(engine, keys)
    for name in FACETS:
        assert dict(result.facets[name]) == want[name], name


def test_facet_values_are_listed_most_frequent_first(engine):
    result = engine.search("")
    for name in FACETS:
        counts = [count for _, count in result.facets[name]]
        assert counts == sorted(counts, reverse=True), name


def test_each_facet_count_is_what_filtering_by_it_gives(engine):
    result = engine.search("通知")
    for name in FACETS:
        for value, count in result.facets[name]:
            filters = {name: int(value) if name == "year" else value}
            assert engine.search("通知", **filters).total == count, (name, value)


def test_facets_of_a_query_matching_nothing_are_empty(engine):
    result = engine.search("不存在的词语组合")
    assert result.total == 0
    assert all(not result.facets.get(name) for name in FACETS)


# --- snippets -----------------------------------------------------------------------------------


def test_snippets_highlight_the_matched_word(engine):
    result = engine.search("救助")
    assert result.hits
    for hit in result.hits:
        assert highlights(hit.snippet, "救助"), hit.snippet


def test_snippets_highlight_words_found_through_traditional_characters(engine):
    [hit] = engine.search("冬季 救助 資金").hits
    assert highlights(hit.snippet, "资金"), hit.snippet


@pytest.mark.parametrize("quoted", ['"垃圾分类"', "“垃圾分类”"])
def test_snippets_contain_and_highlight_a_quoted_phrase(engine, quoted):
    [hit] = engine.search(quoted).hits
    assert "垃圾分类" in highlighted_text(hit.snippet)[0], hit.snippet
    assert highlights(hit.snippet, "垃圾分类"), hit.snippet


def test_snippets_escape_the_documents_markup(engine):
    [hit] = engine.search("脚本").hits
    assert "<script" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert highlights(hit.snippet, "脚本"), hit.snippet


# --- order and pages ----------------------------------------------------------------------------


def test_sort_by_date_lists_newest_first(engine):
    result = engine.search("", sort="date", per_page=100)
    assert engine.keys(result) == newest_first(engine, ALL)
    result = engine.search("通知", sort="date", per_page=100)
    keys = engine.keys(result)
    assert len(keys) >= 5
    assert keys == newest_first(engine, set(keys))


def test_two_document_numbers_find_both_documents(engine):
    assert engine.found("咸民发〔2009〕1号 咸民发〔2009〕12号") == {"civil_1", "civil_12"}


def test_pages_partition_the_results(engine):
    per_page = 5
    expected = newest_first(engine, ALL)
    seen: list[str] = []
    for page in range(1, 5):
        result = engine.search("", sort="date", page=page, per_page=per_page)
        assert result.total == PUBLIC_TOTAL
        assert result.page == page
        assert result.per_page == per_page
        assert result.pages == 4
        keys = engine.keys(result)
        assert keys == expected[(page - 1) * per_page : page * per_page]
        seen.extend(keys)
    assert seen == expected


def test_pages_of_a_relevance_query_do_not_overlap(engine):
    full = engine.search("通知", per_page=100)
    assert full.total >= 5
    first = engine.search("通知", page=1, per_page=3)
    second = engine.search("通知", page=2, per_page=3)
    assert first.total == second.total == full.total
    assert len(first.hits) == 3
    assert not set(engine.keys(first)) & set(engine.keys(second))
    assert engine.keys(first) + engine.keys(second) == engine.keys(full)[:6]


def test_a_page_past_the_end_does_not_fail(engine):
    result = engine.search("", sort="date", page=99, per_page=5)
    assert isinstance(result, SearchResult)
    assert result.total == PUBLIC_TOTAL


# --- malformed input ----------------------------------------------------------------------------

MALFORMED = [
    "",
    "   ",
    '"',
    '"政务',
    '政务"公开',
    "“政务公开",
    "政务公开”",
    '""',
    "“”",
    "OR",
    "OR OR",
    "救助 OR",
    "OR 救助",
    "-",
    "- -",
    "-救助",
    "--救助",
    "|",
    "救助 | 冬季",
    "AND",
    "NOT",
    "。，、！？",
    "!!!",
    "……——",
    "〔〕",
    "【】[]()（）{}",
    "'",
    "''",
    "' OR '1'='1",
    "'; DROP TABLE catalogue_items; --",
    "救助'",
    "*",
    "救助*",
    "*救助",
    ":",
    "title:救助",
    "content : 救助",
    "(",
    ")",
    "(救助",
    "救助)",
    "((救助) OR (冬季)",
    "&",
    "救助 & 冬季",
    "&&",
    "!",
    "!救助",
    "<->",
    "救助 <-> 冬季",
    "<2>",
    "NEAR",
    "NEAR(救助 冬季)",
    "救助 NEAR/2 冬季",
    "救助 AND",
    "AND 救助",
    "^",
    "救助^2",
    "\\",
    "救助\\",
    "%",
    "_",
    "救助%",
    "{救助}",
    "救助~",
    "+救助",
    "@@",
    "$1",
    "救助\x00冬季",
    "\x00",
    "\x01\x02\x1f\x7f",
    "救助\t\n\r冬季",
    "\u202e救助",
    "\u200b",
    "\ufeff救助",
    "😀",
    "咸民发〔",
    "咸民发〔2009",
    "咸民发〔99999999999999999999〕1号",
    "/",
    "016000102/",
    "016000102/2009-",
    "救" * 300,
    "救助 " * 100,
]


@pytest.mark.parametrize("q", MALFORMED, ids=lambda q: repr(q)[:40])
def test_malformed_query_returns_a_result(engine, q):
    result = engine.search(q)
    assert isinstance(result, SearchResult)
    assert result.total >= 0
    assert result.total >= len(result.hits)
    assert isinstance(result.facets, dict)


@pytest.mark.parametrize("q", ["\ud800", "救助\udfff", "\udc80\udc80"], ids=repr)
def test_lone_surrogates_return_a_result(engine, q):
    # The web boundary answers 400 before a search sees them; the engines are called from
    # other places too (command line, benchmarks), and must not raise either.
    result = engine.search(q)
    assert isinstance(result, SearchResult)


def test_the_index_still_answers_after_malformed_queries(engine):
    for q in MALFORMED:
        engine.search(q)
    assert engine.search("").total == PUBLIC_TOTAL
    assert engine.found("救助") == {"civil_1", "civil_12", "civil_2026"}


def test_a_too_long_query_is_cut_and_says_so(engine):
    result = engine.search("救助 " * 100)  # 300 characters
    assert result.message
    assert engine.keys(result)  # what is left is still searched
    assert set(engine.keys(result)) == {"civil_1", "civil_12", "civil_2026"}


@pytest.mark.parametrize("q", ["。，、！？", "!!!", "〔〕", '""', "-", "OR", "\x00"])
def test_a_query_with_nothing_searchable_says_so(engine, q):
    result = engine.search(q)
    assert result.message


def test_control_characters_are_ignored(engine):
    assert engine.found("冬季\x00救助") >= {"civil_1"}
    assert engine.found("冬季\t救助") == {"civil_1"}


# --- writing, stamps, health (these put the index back as they found it) -----------------------
#
# A committed catalogue change reaches the engine its own way (``engine.sync()``: nothing for a
# transactional engine, the outbox indexer for Whoosh); ``apply`` writes documents directly.


def test_stamps_list_every_indexed_item(engine):
    docs = engine.documents(ALL)
    assert engine.index.stamps() == {doc["item_id"]: doc["stamp"] for doc in docs}
    assert not set(engine.index.stamps()) & engine.hidden_ids


def test_health_reports_the_engine(engine):
    health = engine.index.health()
    assert isinstance(health, dict)
    assert health["engine"] == engine.name


def test_apply_deletes_and_upserts(engine):
    [doc] = engine.documents(["civil_12"])
    try:
        engine.index.apply([], [engine.ids["civil_12"]])
        assert engine.found("咸民发〔2009〕12号") == set()
        assert engine.found("救助") == {"civil_1", "civil_2026"}
        assert engine.ids["civil_12"] not in engine.index.stamps()
        assert engine.search("").total == PUBLIC_TOTAL - 1
        assert dict(engine.search("").facets["year"])["2009"] == 1
    finally:
        engine.index.apply([doc], [])
    assert engine.found("咸民发〔2009〕12号") == {"civil_12"}
    assert engine.search("").total == PUBLIC_TOTAL


def test_apply_twice_keeps_one_document(engine):
    [doc] = engine.documents(["civil_1"])
    engine.index.apply([doc], [])
    engine.index.apply([doc], [])
    assert engine.found("咸民发〔2009〕1号") == {"civil_1"}
    assert engine.search("").total == PUBLIC_TOTAL


def test_apply_replaces_a_changed_document(engine):
    [doc] = engine.documents(["township"])
    try:
        engine.index.apply([{**doc, "title": "镇人民政府关于冰雕节的公告"}], [])
        assert engine.found("冰雕") == {"township"}
        assert engine.found("环境卫生") == set()
    finally:
        engine.index.apply([doc], [])
    assert engine.found("冰雕") == set()
    assert engine.found("环境卫生") == {"township"}


def test_clear_empties_the_index(engine):
    docs = engine.documents(ALL)
    try:
        engine.index.clear()
        result = engine.search("")
        assert result.total == 0 and result.hits == []
        assert engine.found("救助") == set()
        assert engine.index.stamps() == {}
    finally:
        engine.index.apply(docs, [])
    assert engine.search("").total == PUBLIC_TOTAL


def _publish(engine, db, title: str):
    service = CatalogueService(db, engine.schema)
    org = db.scalars(select(Organisation).where(Organisation.code == TOWNSHIP)).one()
    item = service.create(org, {"title": title, "topic": "other", "genre": "notice"}, None)
    service.publish(item, None, TODAY)
    return service, item


def test_a_rolled_back_change_is_never_found(engine):
    with engine.factory() as db:
        _publish(engine, db, "关于回滚测试的孔雀蓝通知")
        db.rollback()
    engine.sync()
    assert engine.found("孔雀蓝") == set()
    assert engine.search("").total == PUBLIC_TOTAL


def test_a_committed_change_is_found_and_a_withdrawal_removes_it(engine):
    with engine.factory.begin() as db:
        service, item = _publish(engine, db, "关于提交测试的珊瑚橙通知")
        item_id = item.id
    engine.sync()
    try:
        assert [h.title for h in engine.search("珊瑚橙").hits] == ["关于提交测试的珊瑚橙通知"]
        assert str(item_id) in engine.index.stamps()
    finally:
        with engine.factory.begin() as db:
            service = CatalogueService(db, engine.schema)
            item = db.get(CatalogueItem, item_id)
            service.save_draft(item, {"disclosure_mode": "withheld"}, None)
            service.publish(item, None, TODAY)
        engine.sync()
    assert engine.found("珊瑚橙") == set()
    assert str(item_id) not in engine.index.stamps()
    assert engine.search("").total == PUBLIC_TOTAL
