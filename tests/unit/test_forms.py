"""Colander schemas generated from catalog_schemas/fields.yaml (disclosure.catalogue.forms)."""

from __future__ import annotations

from datetime import date

import colander
import pytest

from disclosure.catalogue.forms import errors_by_field, item_schema, normalise


@pytest.fixture
def node(schema):
    return item_schema(schema)


def row(**overrides) -> dict:
    data = {
        "title": "咸阳市人民政府关于进一步加强政务公开工作的通知",
        "document_number": "咸政发〔2026〕3号",
        "created_on": "2026-03-01",
        "topic": "general_affairs",
        "genre": "notice",
        "disclosure_mode": "proactive",
        "validity": "valid",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def errors(node, data) -> dict[str, str]:
    with pytest.raises(colander.Invalid) as info:
        node.deserialize(data)
    return errors_by_field(info.value)


def test_valid_row(node):
    out = node.deserialize(row())
    assert out["title"] == "咸阳市人民政府关于进一步加强政务公开工作的通知"
    assert out["created_on"] == date(2026, 3, 1)
    assert out["topic"] == "general_affairs"
    assert out["keywords"] is None  # optional and absent: missing=None


# --- choice fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["general_affairs", "综合政务", " 综合政务 ", "General government affairs"]
)
def test_topic_by_code_or_label(node, given):
    assert node.deserialize(row(topic=given))["topic"] == "general_affairs"


def test_disclosure_mode_by_chinese_label(node):
    assert node.deserialize(row(disclosure_mode="依申请公开"))["disclosure_mode"] == "on_request"
    assert node.deserialize(row(disclosure_mode="主动公开"))["disclosure_mode"] == "proactive"


def test_unknown_topic_is_rejected_in_chinese(node):
    found = errors(node, row(topic="天气预报"))
    assert set(found) == {"topic"}
    assert found["topic"] == "“天气预报”不是有效的主题分类"


def test_missing_required_choice_is_required(node):
    assert errors(node, row(topic=...)) == {"topic": "必填"}
    assert errors(node, row(genre="  ")) == {"genre": "必填"}


def test_optional_choice_may_be_empty(node):
    assert node.deserialize(row(audience=""))["audience"] is None


def test_category_uses_the_given_tree(schema):
    generic_codes = set(schema.category_tree("generic").codes)
    own = [c for c in schema.category_tree("civil_affairs").items if c.code not in generic_codes]
    assert own, "the civil affairs tree should have categories of its own"
    civil_node = item_schema(schema, "civil_affairs")
    assert civil_node.deserialize(row(category=own[0].label))["category"] == own[0].code
    assert civil_node.deserialize(row(category=own[0].code))["category"] == own[0].code
    assert "category" in errors(item_schema(schema), row(category=own[0].code))


# --- keywords -------------------------------------------------------------------------------


def test_keywords_delimited_string(node):
    assert node.deserialize(row(keywords="a，b、c d"))["keywords"] == ["a", "b", "c", "d"]
    assert node.deserialize(row(keywords="a;b；c,,a"))["keywords"] == ["a", "b", "c"]


def test_keywords_list_is_stripped_and_deduplicated(node):
    assert node.deserialize(row(keywords=[" 政务公开 ", "通知", "通知", ""]))["keywords"] == [
        "政务公开",
        "通知",
    ]


@pytest.mark.parametrize("empty", ["", "  ，、 ", [], None])
def test_keywords_empty(schema, node, empty):
    out = node.deserialize(row(keywords=empty))
    assert out["keywords"] is None
    assert normalise(out, schema)["keywords"] == []


def test_keywords_bad_type_too_many_or_too_long(node):
    assert "keywords" in errors(node, row(keywords=[1, 2]))
    assert "keywords" in errors(node, row(keywords={"a": 1}))
    assert errors(node, row(keywords=[f"词{i}" for i in range(21)])) == {
        "keywords": "最多 20 个主题词"
    }
    assert node.deserialize(row(keywords=[f"词{i}" for i in range(20)]))["keywords"]
    assert "keywords" in errors(node, row(keywords=["长" * 51]))
    assert "keywords" in errors(node, row(keywords=["坏\x00词"]))


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-02-30", "01/03/2026", "20260301"])
def test_bad_dates_are_rejected(node, bad):
    assert errors(node, row(created_on=bad)) == {"created_on": "日期格式无效，应为 YYYY-MM-DD"}


def test_dates(node):
    assert node.deserialize(row(created_on=" 2026-03-01 "))["created_on"] == date(2026, 3, 1)
    assert node.deserialize(row(created_on=date(2025, 1, 2)))["created_on"] == date(2025, 1, 2)
    assert errors(node, row(created_on="")) == {"created_on": "必填"}
    assert node.deserialize(row(published_on=""))["published_on"] is None


# --- text -----------------------------------------------------------------------------------


def test_missing_title_is_required(node):
    assert errors(node, row(title=...)) == {"title": "必填"}
    assert errors(node, row(title="")) == {"title": "必填"}


@pytest.mark.parametrize("bad", ["\ud800", "标题\udfff", "标题\x00", "a\x07b", "\x1b[31m", "x\x7f"])
def test_title_with_invalid_characters(node, bad):
    assert errors(node, row(title=bad)) == {"title": "包含无效字符"}


def test_title_may_contain_ordinary_whitespace(node):
    assert node.deserialize(row(title="第一行\t第二行"))["title"] == "第一行\t第二行"


def test_title_length(node):
    assert node.deserialize(row(title="长" * 500))["title"] == "长" * 500
    assert errors(node, row(title="长" * 501)) == {"title": "不能超过 500 个字符"}


def test_whitespace_only_title_is_required(node):
    assert errors(node, row(title="   ")) == {"title": "必填"}


def test_several_errors_reported_together(node):
    found = errors(node, row(title=..., topic="x", created_on="x"))
    assert set(found) == {"title", "topic", "created_on"}


# --- 索引号 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["000014349/2020-00072", "11610400016000001X/2026-00001"])
def test_index_number_valid(node, good):
    assert node.deserialize(row(index_number=good))["index_number"] == good


@pytest.mark.parametrize(
    "bad",
    [
        "foo",
        "000014349/2020-72",
        "000014349-2020-00072",
        "00001434/2020-00072",
        "abc014349/2020-00072",
    ],
)
def test_index_number_invalid(node, bad):
    found = errors(node, row(index_number=bad))
    assert set(found) == {"index_number"}
    assert "000014349/2020-00072" in found["index_number"]


def test_index_number_surrounding_white_space_is_dropped_and_inner_newline_rejected(node):
    assert node.deserialize(row(index_number="000014349/2020-00072\n"))["index_number"] == (
        "000014349/2020-00072"
    )
    assert "index_number" in errors(node, row(index_number="000014349/2020-00072\nX"))
    assert "index_number" in errors(node, row(index_number="000014349\n/2020-00072"))


# --- the officer form and normalise ---------------------------------------------------------


def test_form_schema_has_form_fields_and_extras_only(schema):
    names = [c.name for c in item_schema(schema, for_form=True).children]
    assert names[-2:] == ["note", "lock_version"]
    for system in ("index_number", "organisation", "published_on"):
        assert system not in names
    assert "title" in names and "keywords" in names
    api_names = [c.name for c in item_schema(schema).children]
    assert "index_number" in api_names and "organisation" not in api_names
    assert "note" not in api_names


def test_form_extras(schema):
    form = item_schema(schema, for_form=True)
    out = form.deserialize(row(note="更正", lock_version="3"))
    assert (out["note"], out["lock_version"]) == ("更正", 3)
    out = form.deserialize(row())
    assert (out["note"], out["lock_version"]) == ("", 0)
    assert "note" in errors(form, row(note="x" * 501))


def test_select_widget_offers_blank_only_for_optional_choices(schema):
    form = item_schema(schema, for_form=True)
    assert form["topic"].widget.values[0] == ("state_council_organisation", "国务院组织机构")
    assert ("", "——") not in form["topic"].widget.values
    assert form["audience"].widget.values[0] == ("", "——")
    assert form["disclosure_mode"].default == "proactive"


def test_normalise_replaces_empty_values(schema, node):
    out = normalise(node.deserialize(row()), schema)
    assert out["keywords"] == []
    assert out["published_on"] is None
    assert out["summary"] == "" and out["audience"] == "" and out["index_number"] == ""
    assert out["topic"] == "general_affairs"
    assert "organisation" not in out


@pytest.mark.parametrize(
    "typed",
    [
        "YS2026-7K3M-QW9P-X2AB",
        "ys2026-7k3m-qw9p-x2ab",
        "YS20267K3MQW9PX2AB",
        " ys2026 7k3m qw9p x2ab ",
        "ＹＳ２０２６－７Ｋ３Ｍ－ＱＷ９Ｐ－Ｘ２ＡＢ",
        "YS2026—7K3M—QW9P—X2AB",
    ],
)
def test_a_tracking_number_is_found_however_it_is_typed(typed):
    from disclosure.requests.tokens import normalise_tracking_number

    assert normalise_tracking_number(typed) == "YS2026-7K3M-QW9P-X2AB"


def test_a_malformed_tracking_number_stays_malformed():
    from disclosure.requests.tokens import new_tracking_number, normalise_tracking_number

    assert normalise_tracking_number("YS2026-7K3M") == "YS2026-7K3M"
    issued = new_tracking_number(2026)
    assert normalise_tracking_number(issued.lower().replace("-", "")) == issued
