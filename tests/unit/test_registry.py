"""The catalogue schema files (catalog_schemas/) and their validation at start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from disclosure.catalogue.forms import item_schema, normalise
from disclosure.catalogue.registry import SchemaError, load_organisation_seed, load_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
CORE = ("index_number", "title", "organisation", "created_on")


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "catalog_schemas"
    shutil.copytree(SCHEMAS, target)
    return target


def read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_field(root: Path, name: str, **changes) -> int:
    data = read(root / "fields.yaml")
    index = next(i for i, f in enumerate(data["fields"]) if f["name"] == name)
    for key, value in changes.items():
        if value is None:
            data["fields"][index].pop(key, None)
        else:
            data["fields"][index][key] = value
    write(root / "fields.yaml", data)
    return index


def schema_error(root: Path) -> str:
    with pytest.raises(SchemaError) as info:
        load_schema(root)
    return str(info.value)


# --- the real files --------------------------------------------------------------------------


def test_real_catalogue_loads(schema):
    assert set(CORE) <= set(schema.field_names)
    assert len(schema.field_names) == len(set(schema.field_names))
    assert schema.field("topic").type == "choice"
    assert schema.field("topic").vocabulary == "topics"
    assert schema.field("title").required and schema.field("title").max_length == 500
    assert schema.field("disclosure_mode").default == "proactive"
    assert not schema.field("index_number").form
    assert set(schema.vocabularies) == {
        "audiences",
        "disclosure_modes",
        "genres",
        "normative_kinds",
        "scopes",
        "timings",
        "topics",
        "validity",
    }
    assert len(schema.vocabulary("topics").codes) == 22
    assert "generic" in schema.category_trees
    assert {"civil_affairs", "public_security"} <= set(schema.category_trees)


def test_every_choice_field_points_at_a_loaded_vocabulary(schema):
    for spec in schema.fields:
        if spec.type == "choice":
            vocab = schema.vocabulary(spec.vocabulary)
            assert vocab.codes
            if spec.default:
                assert spec.default in vocab.codes


def test_vocabulary_lookup_by_code_label_and_english_label(schema):
    topics = schema.vocabulary("topics")
    assert topics.code_for("general_affairs") == "general_affairs"
    assert topics.code_for(" 综合政务 ") == "general_affairs"
    assert topics.code_for("General government affairs") == "general_affairs"
    assert topics.code_for("GENERAL_AFFAIRS") == "general_affairs"
    assert topics.code_for("无此主题") is None
    assert topics.label_for("general_affairs") == "综合政务"
    assert topics.label_for("unknown") == "unknown"


def test_category_tree_keeps_depth_and_falls_back_to_generic(schema):
    generic = schema.category_tree("generic")
    jgzn = next(c for c in generic.items if c.code == "jgzn")
    child = next(c for c in generic.items if c.code == "jgzn_zyzz")
    assert (jgzn.depth, child.depth) == (0, 1)
    assert child.label == "主要职责"
    assert schema.category_tree("no_such_tree") is generic
    assert schema.label("category", "jgzn_zyzz") == "主要职责"
    assert schema.label("topic", "general_affairs") == "综合政务"
    assert schema.label("title", "原样") == "原样"


def test_unmodified_copy_loads_like_the_original(copy, schema):
    loaded = load_schema(copy)
    assert loaded.field_names == schema.field_names
    assert loaded.root == copy


# --- broken files ---------------------------------------------------------------------------


def test_unknown_field_type(copy):
    index = edit_field(copy, "summary", type="richtext")
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert f"fields.{index}.type" in message
    assert "richtext" in message


def test_choice_field_with_unknown_vocabulary(copy):
    edit_field(copy, "topic", vocabulary="subjects")
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert "(topic).vocabulary" in message
    assert "subjects" in message


def test_choice_field_without_vocabulary(copy):
    edit_field(copy, "genre", vocabulary=None)
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert "(genre).vocabulary" in message


def test_choice_default_not_in_vocabulary(copy):
    edit_field(copy, "validity", default="eternal")
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert "(validity).default" in message and "eternal" in message


def test_duplicate_code_in_a_vocabulary(copy):
    path = copy / "vocabularies" / "topics.yaml"
    data = read(path)
    data["items"].append({"code": "other", "label": "其他（重复）"})
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/vocabularies/topics.yaml" in message
    assert "items.code" in message and "'other'" in message


def test_bad_code_in_a_vocabulary(copy):
    path = copy / "vocabularies" / "genres.yaml"
    data = read(path)
    data["items"][0]["code"] = "Not A Code"
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/vocabularies/genres.yaml" in message
    assert "items.0.code" in message


def test_vocabulary_name_must_match_its_file(copy):
    path = copy / "vocabularies" / "scopes.yaml"
    data = read(path)
    data["name"] = "ranges"
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/vocabularies/scopes.yaml" in message
    assert "name" in message and "ranges" in message


def test_bad_yaml_in_fields(copy):
    (copy / "fields.yaml").write_text("fields:\n  - name: title\n    label: [名称\n", "utf-8")
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert "无法解析" in message


def test_bad_yaml_in_a_vocabulary(copy):
    (copy / "vocabularies" / "audiences.yaml").write_text("name: audiences\n\tlabel: x\n", "utf-8")
    message = schema_error(copy)
    assert "catalog_schemas/vocabularies/audiences.yaml" in message
    assert "无法解析" in message


def test_fields_file_not_utf8(copy):
    (copy / "fields.yaml").write_bytes("fields: 名称\n".encode("gbk"))
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message and "无法解析" in message


def test_fields_file_top_level_not_a_mapping(copy):
    (copy / "fields.yaml").write_text("- name: title\n", "utf-8")
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message and "映射" in message


def test_missing_generic_tree(copy):
    (copy / "categories" / "generic.yaml").unlink()
    message = schema_error(copy)
    assert "catalog_schemas/categories/generic.yaml" in message
    assert "文件不存在" in message


def test_missing_fields_file(copy):
    (copy / "fields.yaml").unlink()
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message and "文件不存在" in message


def test_category_tree_node_without_label(copy):
    path = copy / "categories" / "generic.yaml"
    data = read(path)
    del data["items"][0]["children"][1]["label"]
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/categories/generic.yaml" in message
    assert "items[0].children[1].label" in message


def test_category_tree_duplicate_code_across_levels(copy):
    path = copy / "categories" / "health.yaml"
    data = read(path)
    data["items"][1]["children"][0]["code"] = data["items"][0]["code"]
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/categories/health.yaml" in message
    assert data["items"][0]["code"] in message and "重复" in message


def test_category_tree_children_must_be_a_list(copy):
    path = copy / "categories" / "education.yaml"
    data = read(path)
    data["items"][0]["children"] = {"code": "x", "label": "x"}
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/categories/education.yaml" in message
    assert "items[0].children" in message


def test_category_tree_key_must_match_its_file(copy):
    path = copy / "categories" / "transport.yaml"
    data = read(path)
    data["key"] = "traffic"
    write(path, data)
    message = schema_error(copy)
    assert "catalog_schemas/categories/transport.yaml" in message and "traffic" in message


def test_category_tree_file_that_is_a_list(copy):
    (copy / "categories" / "commerce.yaml").write_text("- code: a\n  label: 甲\n", "utf-8")
    message = schema_error(copy)
    assert "catalog_schemas/categories/commerce.yaml" in message


@pytest.mark.parametrize("core", CORE)
def test_core_field_missing(copy, core):
    data = read(copy / "fields.yaml")
    data["fields"] = [f for f in data["fields"] if f["name"] != core]
    write(copy / "fields.yaml", data)
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message and core in message


def test_duplicate_field_name(copy):
    data = read(copy / "fields.yaml")
    data["fields"].append({"name": "title", "label": "又一个名称", "type": "text"})
    write(copy / "fields.yaml", data)
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message and "'title'" in message


def test_field_name_must_be_an_identifier(copy):
    data = read(copy / "fields.yaml")
    data["fields"].append({"name": "Source Office", "label": "来源处室", "type": "text"})
    write(copy / "fields.yaml", data)
    message = schema_error(copy)
    assert "catalog_schemas/fields.yaml" in message
    assert f"fields.{len(data['fields']) - 1}.name" in message


# --- extending the catalogue ------------------------------------------------------------------


def test_adding_an_optional_field_needs_no_code(copy):
    data = read(copy / "fields.yaml")
    data["fields"].append({"name": "source_office", "type": "text", "label": "来源处室"})
    write(copy / "fields.yaml", data)

    loaded = load_schema(copy)
    spec = loaded.field("source_office")
    assert (spec.type, spec.label, spec.required, spec.form) == ("text", "来源处室", False, True)

    form = item_schema(loaded, for_form=True)
    names = [child.name for child in form.children]
    assert "source_office" in names
    assert form["source_office"].title == "来源处室"

    row = {
        "title": "通知",
        "created_on": "2026-01-02",
        "topic": "other",
        "genre": "notice",
        "disclosure_mode": "proactive",
        "validity": "valid",
        "source_office": "办公室",
    }
    appstruct = item_schema(loaded).deserialize(row)
    assert normalise(appstruct, loaded)["source_office"] == "办公室"
    del row["source_office"]
    assert normalise(item_schema(loaded).deserialize(row), loaded)["source_office"] == ""


# --- organisation seed ------------------------------------------------------------------------


def test_real_organisation_seed_loads(schema):
    tree = load_organisation_seed(SCHEMAS / "organisations" / "xianyang.yaml", schema)
    assert tree["code"] == "016000001"
    assert tree["kind"] == "city"
    codes = [c["code"] for c in tree["children"]]
    assert "016000102" in codes and "016000103" in codes


def seed(**root_overrides) -> dict:
    node = {"code": "016000001", "name": "咸阳市人民政府", "short_name": "咸政", "kind": "city"}
    node.update(root_overrides)
    return node


CHILD = {"code": "016000102", "name": "咸阳市民政局", "short_name": "咸民", "kind": "department"}


@pytest.mark.parametrize(
    ("tree", "where", "value"),
    [
        (seed(code="16000001"), "root.code", "16000001"),
        (seed(code="01600000a"), "root.code", "01600000a"),
        (seed(kind="province"), "root.kind", "province"),
        (seed(category_tree="no_such_tree"), "root.category_tree", "no_such_tree"),
        (seed(short_name=""), "root.short_name", "必填"),
        (seed(children=[{**CHILD, "kind": "ministry"}]), "root.children[0].kind", "ministry"),
        (seed(children=[CHILD, CHILD]), "root.children[1].code", "重复"),
        (seed(children=[CHILD, "咸阳市公安局"]), "root.children[1]", "映射"),
    ],
)
def test_bad_organisation_seed(copy, tree, where, value):
    loaded = load_schema(copy)
    path = copy / "organisations" / "bad.yaml"
    write(path, tree)
    with pytest.raises(SchemaError) as info:
        load_organisation_seed(path, loaded)
    message = str(info.value)
    assert "catalog_schemas/organisations/bad.yaml" in message
    assert where in message and value in message


def test_organisation_seed_outside_the_schema_dir_names_the_full_path(schema, tmp_path):
    path = tmp_path / "orgs.yaml"
    write(path, seed(kind="village"))
    with pytest.raises(SchemaError, match="village") as info:
        load_organisation_seed(path, schema)
    assert str(path) in str(info.value)


def test_organisation_seed_accepts_18_character_codes(schema, tmp_path):
    path = tmp_path / "orgs.yaml"
    write(path, seed(code="11610400016000001X", category_tree="health"))
    assert load_organisation_seed(path, schema)["code"] == "11610400016000001X"
