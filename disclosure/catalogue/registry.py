"""The standard catalogue, loaded from ``catalog_schemas/`` and validated at start-up.

A broken file raises :class:`SchemaError` naming the file and the field, and start-up stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import colander
import yaml

from .. import yamlfile

FIELD_TYPES = ("text", "textarea", "date", "choice", "keywords", "category", "identifier")
ORGANISATION_KINDS = ("city", "department", "county", "township")
CODE_RE = re.compile(r"^[a-z0-9_]+\Z")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*\Z")
ORG_CODE_RE = re.compile(r"^(?:[0-9A-Z]{9}|[0-9A-Z]{18})\Z")
# an organisation's description and contacts in the seed (optional; postcode and e-mail checked)
ORG_TEXT_KEYS = ("functions", "address", "office_hours", "phone", "fax", "email", "postcode")
POSTCODE_RE = re.compile(r"^\d{6}\Z")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


class SchemaError(Exception):
    """A file under catalog_schemas/ is missing or invalid."""


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    label_en: str = ""
    depth: int = 0


@dataclass
class Vocabulary:
    """A flat list of codes and labels; lookups accept either."""

    name: str
    label: str
    items: list[Choice]
    label_en: str = ""
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for c in self.items:
            self._lookup[c.code] = c.code
            self._lookup.setdefault(c.label, c.code)
            if c.label_en:
                self._lookup.setdefault(c.label_en.lower(), c.code)

    def code_for(self, value: str) -> str | None:
        """The code for a code, a Chinese label or an English label; None if unknown."""
        value = value.strip()
        return self._lookup.get(value) or self._lookup.get(value.lower())

    def label_for(self, code: str) -> str:
        for c in self.items:
            if c.code == code:
                return c.label
        return code

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.items]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool = False
    label_en: str = ""
    vocabulary: str | None = None
    max_length: int | None = None
    max_items: int | None = None
    default: str | None = None
    form: bool = True
    public: bool = True
    public_box: bool = True


@dataclass
class CatalogueSchema:
    fields: list[FieldSpec]
    vocabularies: dict[str, Vocabulary]
    category_trees: dict[str, Vocabulary]
    root: Path

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def form_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.form]

    def vocabulary(self, name: str) -> Vocabulary:
        return self.vocabularies[name]

    def category_tree(self, key: str) -> Vocabulary:
        return self.category_trees.get(key) or self.category_trees["generic"]

    def label(self, field_name: str, code: str, category_tree: str = "generic") -> str:
        """Human label of a stored value."""
        spec = self.field(field_name)
        if spec.type == "choice" and spec.vocabulary:
            return self.vocabularies[spec.vocabulary].label_for(code)
        if spec.type == "category":
            return self.category_tree(category_tree).label_for(code)
        return code


# --- validation of the files themselves (colander schemas over the YAML) ---------------------


def _one_of_types(node, value):
    if value not in FIELD_TYPES:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise colander.Invalid(node, f"'{value}' 不是有效类型，应为 {', '.join(FIELD_TYPES)}")


class _FieldFile(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), validator=colander.Regex(NAME_RE))
    label = colander.SchemaNode(colander.String())
    label_en = colander.SchemaNode(colander.String(), missing="")
    type = colander.SchemaNode(colander.String(), validator=_one_of_types)
    required = colander.SchemaNode(colander.Boolean(), missing=False)
    vocabulary = colander.SchemaNode(colander.String(), missing=None)
    max_length = colander.SchemaNode(colander.Int(), missing=None, validator=colander.Range(min=1))
    max_items = colander.SchemaNode(colander.Int(), missing=None, validator=colander.Range(min=1))
    default = colander.SchemaNode(colander.String(), missing=None)
    form = colander.SchemaNode(colander.Boolean(), missing=True)
    public = colander.SchemaNode(colander.Boolean(), missing=True)
    public_box = colander.SchemaNode(colander.Boolean(), missing=True)


class _Fields(colander.SequenceSchema):
    field = _FieldFile()


class _FieldsFile(colander.MappingSchema):
    fields = _Fields(validator=colander.Length(min=1))


class _Item(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=colander.Regex(CODE_RE))
    label = colander.SchemaNode(colander.String())
    label_en = colander.SchemaNode(colander.String(), missing="")


class _Items(colander.SequenceSchema):
    item = _Item()


class _VocabularyFile(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), validator=colander.Regex(NAME_RE))
    label = colander.SchemaNode(colander.String())
    label_en = colander.SchemaNode(colander.String(), missing="")
    items = _Items(validator=colander.Length(min=1))


class _TreeNode(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=colander.Regex(CODE_RE))
    label = colander.SchemaNode(colander.String())
    label_en = colander.SchemaNode(colander.String(), missing="")


class _TreeFile(colander.MappingSchema):
    key = colander.SchemaNode(colander.String(), validator=colander.Regex(NAME_RE))
    name = colander.SchemaNode(colander.String())


def _where(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _read_yaml(path: Path, root: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yamlfile.safe_load(fh)
    except FileNotFoundError:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: 文件不存在 (file missing)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: 无法解析 (cannot parse): {exc}") from None


def _validate(schema: colander.SchemaNode, data: Any, path: Path, root: Path) -> dict:
    if not isinstance(data, dict):
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: 顶层必须是映射 (top level must be a mapping)")
    try:
        return schema.deserialize(data)
    except colander.Invalid as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in sorted(exc.asdict().items()))
        raise SchemaError(f"{_where(path, root)}: {problems}") from None


def _check_unique(codes: list[str], what: str, path: Path, root: Path) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{_where(path, root)}: {what} '{code}' 重复 (duplicate)")
        seen.add(code)


def load_vocabulary(path: Path, root: Path) -> Vocabulary:
    data = _validate(_VocabularyFile(), _read_yaml(path, root), path, root)
    if data["name"] != path.stem:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(
            f"{_where(path, root)}: name '{data['name']}' 应与文件名 '{path.stem}' 一致"
        )
    items = [Choice(i["code"], i["label"], i["label_en"]) for i in data["items"]]
    _check_unique([c.code for c in items], "items.code", path, root)
    return Vocabulary(data["name"], data["label"], items, data["label_en"])


def _walk_tree(nodes: Any, path: Path, root: Path, trail: str, depth: int) -> list[Choice]:
    if not isinstance(nodes, list):
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: {trail} 必须是列表 (must be a list)")
    out: list[Choice] = []
    for i, node in enumerate(nodes):
        here = f"{trail}[{i}]"
        if not isinstance(node, dict):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{_where(path, root)}: {here} 必须是映射 (must be a mapping)")
        try:
            clean = _TreeNode().deserialize({k: v for k, v in node.items() if k != "children"})
        except colander.Invalid as exc:
            problems = "; ".join(f"{here}.{k}: {v}" for k, v in sorted(exc.asdict().items()))
            raise SchemaError(f"{_where(path, root)}: {problems}") from None
        out.append(Choice(clean["code"], clean["label"], clean["label_en"], depth))
        if node.get("children"):
            out.extend(_walk_tree(node["children"], path, root, here + ".children", depth + 1))
    return out


def load_category_tree(path: Path, root: Path) -> Vocabulary:
    raw = _read_yaml(path, root)
    if not isinstance(raw, dict):
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: 顶层必须是映射 (top level must be a mapping)")
    head = _validate(_TreeFile(), {k: v for k, v in raw.items() if k != "items"}, path, root)
    if head["key"] != path.stem:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(
            f"{_where(path, root)}: key '{head['key']}' 应与文件名 '{path.stem}' 一致"
        )
    items = _walk_tree(raw.get("items"), path, root, "items", 0)
    if not items:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(f"{_where(path, root)}: items 不能为空 (empty)")
    _check_unique([c.code for c in items], "code", path, root)
    return Vocabulary(head["key"], head["name"], items)


def load_schema(root: str | Path) -> CatalogueSchema:
    """Load and cross-check every file under ``root``; raise SchemaError on the first problem."""
    root = Path(root)
    vocabularies = {
        p.stem: load_vocabulary(p, root) for p in sorted((root / "vocabularies").glob("*.yaml"))
    }
    trees = {
        p.stem: load_category_tree(p, root) for p in sorted((root / "categories").glob("*.yaml"))
    }
    if "generic" not in trees:
        # i18n: a start-up error about catalog_schemas/, for the operators
        raise SchemaError(
            f"{_where(root / 'categories' / 'generic.yaml', root)}: 文件不存在 (file missing)"
        )
    path = root / "fields.yaml"
    data = _validate(_FieldsFile(), _read_yaml(path, root), path, root)
    specs = []
    for i, f in enumerate(data["fields"]):
        where = f"{_where(path, root)}: fields[{i}] ({f['name']})"
        if f["type"] == "choice":
            if not f["vocabulary"]:
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(f"{where}.vocabulary: choice 字段必须指定 vocabulary")
            if f["vocabulary"] not in vocabularies:
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(
                    f"{where}.vocabulary: 未知词表 '{f['vocabulary']}' "
                    f"(no catalog_schemas/vocabularies/{f['vocabulary']}.yaml)"
                )
            if f["default"] and f["default"] not in vocabularies[f["vocabulary"]].codes:
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(f"{where}.default: '{f['default']}' 不在词表中")
        specs.append(FieldSpec(**f))
    _check_unique([s.name for s in specs], "fields.name", path, root)
    for needed in ("title", "organisation", "index_number", "created_on"):
        if needed not in {s.name for s in specs}:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{_where(path, root)}: 缺少核心字段 (core field missing): {needed}")
    return CatalogueSchema(specs, vocabularies, trees, root)


def load_organisation_seed(path: str | Path, schema: CatalogueSchema) -> dict:
    """Read and check an organisation tree file (catalog_schemas/organisations/*.yaml)."""
    path = Path(path)
    data = _read_yaml(path, schema.root)
    codes: set[str] = set()

    def check(node: Any, trail: str) -> None:
        where = f"{_where(path, schema.root)}: {trail}"
        if not isinstance(node, dict):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where} 必须是映射 (must be a mapping)")
        for key in ("code", "name", "short_name", "kind"):
            if not node.get(key):
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(f"{where}.{key}: 必填 (required)")
        code = str(node["code"])
        if not ORG_CODE_RE.match(code):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where}.code: '{code}' 应为9位或18位数字/大写字母")
        if code in codes:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where}.code: '{code}' 重复 (duplicate)")
        codes.add(code)
        if node["kind"] not in ORGANISATION_KINDS:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(
                f"{where}.kind: '{node['kind']}' 应为 {', '.join(ORGANISATION_KINDS)}"
            )
        tree = node.get("category_tree", "generic")
        if tree not in schema.category_trees:
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where}.category_tree: 未知目录分类 '{tree}'")
        for key in ORG_TEXT_KEYS:
            if node.get(key) is not None and not isinstance(node[key], str):
                # i18n: a start-up error about catalog_schemas/, for the operators
                raise SchemaError(f"{where}.{key}: 必须是文本 (must be text; quote it)")
        if node.get("postcode") and not POSTCODE_RE.match(node["postcode"]):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where}.postcode: '{node['postcode']}' 应为6位数字")
        if node.get("email") and not EMAIL_RE.match(node["email"]):
            # i18n: a start-up error about catalog_schemas/, for the operators
            raise SchemaError(f"{where}.email: '{node['email']}' 不是有效的电子邮箱")
        for i, child in enumerate(node.get("children") or []):
            check(child, f"{trail}.children[{i}]")

    check(data, "root")
    return data
