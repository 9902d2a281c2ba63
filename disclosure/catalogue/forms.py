"""Colander schemas generated from catalog_schemas/fields.yaml.

The same schema validates the officer form, the JSON API and import rows: choice fields take a
code or a Chinese (or English) label, keywords take a list or a delimited string, dates are
``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from datetime import date

import colander
import deform
from pyramid.threadlocal import get_current_request

from ..boundary import has_surrogate
from ..i18n import _, chinese, translate
from .registry import CatalogueSchema, FieldSpec, Vocabulary

REQUIRED_MSG = _("必填")
KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INDEX_NUMBER_RE = re.compile(r"^[0-9A-Z]{9}(?:[0-9A-Z]{9})?/\d{4}-\d{5}\Z")


def clean_text(node, value) -> None:
    """Reject control characters and lone surrogates (they cannot be stored)."""
    if isinstance(value, str) and (CONTROL.search(value) or has_surrogate(value)):
        raise colander.Invalid(node, _("包含无效字符"))


class FieldLabel:
    """A field's label (the Chinese of catalog_schemas/fields.yaml) inside a message: it reads
    in the language of the request being served (Chinese without one: the importer, the command
    line), as the message around it does."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __str__(self) -> str:
        request = get_current_request()
        if request is None or not hasattr(request, "translate"):
            return self.label
        return translate(request, _(self.label))


class ChoiceType(colander.String):
    """A vocabulary value: accepts the code or a label, stores the code."""

    def __init__(self, vocabulary: Vocabulary, field_label: str) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        self.field_label = field_label

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null or not value.strip():
            return colander.null
        code = self.vocabulary.code_for(value)
        if code is None:
            raise colander.Invalid(
                node,
                _(
                    "“${value}”不是有效的${field}",
                    mapping={"value": value[:50], "field": FieldLabel(self.field_label)},
                ),
            )
        return code


class KeywordsType(colander.SchemaType):
    """A list of keywords; a string is split on commas, semicolons, 、 and spaces."""

    def serialize(self, node, appstruct):
        if appstruct is colander.null or not appstruct:
            return colander.null
        return "，".join(appstruct)  # i18n: the keywords as stored and typed (data)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None or cstruct == "":
            return colander.null
        if isinstance(cstruct, str):
            words = KEYWORD_SPLIT.split(cstruct)
        elif isinstance(cstruct, list | tuple) and all(isinstance(w, str) for w in cstruct):
            words = list(cstruct)
        else:
            raise colander.Invalid(node, _("应为字符串或字符串列表"))
        out: list[str] = []
        for w in (w.strip() for w in words):
            if w and w not in out:
                out.append(w)
        return out or colander.null


class DateType(colander.Date):
    err_template = _("日期格式无效，应为 YYYY-MM-DD")

    def serialize(self, node, appstruct):
        # A date field kept in the item's extra data comes back as an ISO string.
        if isinstance(appstruct, str) and appstruct:
            try:
                appstruct = date.fromisoformat(appstruct)
            except ValueError:
                return appstruct
        return super().serialize(node, appstruct)

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, date):
            return cstruct
        if isinstance(cstruct, str):
            cstruct = cstruct.strip()
            if not cstruct:
                return colander.null
            if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", cstruct):
                raise colander.Invalid(node, self.err_template)
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid:
            raise colander.Invalid(node, self.err_template) from None


def _select_values(vocab: Vocabulary, required: bool, translate) -> list[tuple[str, str]]:
    """The options: the vocabulary's labels (catalog_schemas/, extracted as messages) in the
    reader's language (``translate``), a sub-category indented."""
    values = [] if required else [("", "——")]
    # i18n: the indent of a sub-category (an ideographic space a level)
    values += [(c.code, "　" * c.depth + translate(_(c.label))) for c in vocab.items]
    return values


def _length(spec: FieldSpec):
    if spec.max_length:
        return colander.Length(max=spec.max_length, max_err=_("不能超过 ${max} 个字符"))
    return None


def _validators(*validators):
    validators = [v for v in validators if v is not None]
    return colander.All(*validators) if len(validators) > 1 else validators[0]


def _keywords_validator(spec: FieldSpec):
    def check(node, value):
        if spec.max_items and len(value) > spec.max_items:
            raise colander.Invalid(node, _("最多 ${n} 个主题词", mapping={"n": spec.max_items}))
        for word in value:
            clean_text(node, word)
            if spec.max_length and len(word) > spec.max_length:
                raise colander.Invalid(
                    node, _("每个主题词不能超过 ${n} 个字符", mapping={"n": spec.max_length})
                )

    return check


def index_number_validator(node, value):
    if not INDEX_NUMBER_RE.match(value):
        raise colander.Invalid(
            node, _("索引号格式应为 <机构代码>/<年份>-<5位序号>，如 000014349/2020-00072")
        )


def strip_blank(value):
    """Surrounding white space is dropped, so "   " counts as missing."""
    if isinstance(value, str):
        value = value.strip()
        return value or colander.null
    return value


def field_node(
    spec: FieldSpec, schema: CatalogueSchema, category_tree: str, translate=chinese
) -> colander.SchemaNode:
    missing = colander.required if spec.required else None
    if spec.default:
        missing = spec.default  # a required choice with a default may be left out
    kw: dict = {
        "name": spec.name,
        "title": _(spec.label),
        "missing": missing,
        "missing_msg": REQUIRED_MSG,
    }
    if spec.type in ("text", "identifier"):
        validator = index_number_validator if spec.name == "index_number" else None
        node = colander.SchemaNode(
            colander.String(),
            validator=_validators(clean_text, _length(spec), validator),
            preparer=strip_blank,
            **kw,
        )
        node.widget = deform.widget.TextInputWidget()
    elif spec.type == "textarea":
        node = colander.SchemaNode(
            colander.String(),
            validator=_validators(clean_text, _length(spec)),
            preparer=strip_blank,
            **kw,
        )
        rows = 12 if spec.name == "body" else 4
        node.widget = deform.widget.TextAreaWidget(rows=rows)
    elif spec.type == "date":
        node = colander.SchemaNode(DateType(), **kw)
        node.widget = deform.widget.TextInputWidget(
            template="textinput", attributes={"type": "date"}
        )
    elif spec.type in ("choice", "category"):
        vocab = (
            schema.vocabularies[spec.vocabulary]
            if spec.type == "choice"
            else schema.category_tree(category_tree)
        )
        node = colander.SchemaNode(ChoiceType(vocab, spec.label), **kw)
        node.widget = deform.widget.SelectWidget(
            values=_select_values(vocab, spec.required, translate)
        )
        if spec.default:
            node.default = spec.default
    elif spec.type == "keywords":
        node = colander.SchemaNode(KeywordsType(), validator=_keywords_validator(spec), **kw)
        node.widget = deform.widget.TextInputWidget()
        node.description = _("多个主题词用逗号或空格分隔")
    else:  # pragma: no cover - registry rejects unknown types
        raise ValueError(spec.type)
    return node


def item_schema(
    schema: CatalogueSchema,
    category_tree: str = "generic",
    *,
    for_form: bool = False,
    translate=chinese,
) -> colander.SchemaNode:
    """The colander schema for one catalogue item; ``translate`` renders the choices' labels
    (the form's: ``request.translate``; Chinese by default)."""
    root = colander.SchemaNode(colander.Mapping(unknown="ignore"))
    for spec in schema.fields:
        if for_form and not spec.form:
            continue
        if spec.name == "organisation":
            continue  # resolved against the organisation table by the caller
        root.add(field_node(spec, schema, category_tree, translate))
    if for_form:
        root.add(
            colander.SchemaNode(
                colander.String(),
                name="note",
                title=_("修改说明"),
                missing="",
                validator=_validators(clean_text, colander.Length(max=500)),
                widget=deform.widget.TextInputWidget(),
            )
        )
        root.add(
            colander.SchemaNode(
                colander.Int(),
                name="lock_version",
                missing=0,
                widget=deform.widget.HiddenWidget(),
            )
        )
    return root


def normalise(appstruct: dict, schema: CatalogueSchema) -> dict:
    """Replace colander.null and None with each field's empty value."""
    out = {}
    for spec in schema.fields:
        if spec.name not in appstruct:
            continue
        value = appstruct[spec.name]
        if value is colander.null or value is None:
            value = [] if spec.type == "keywords" else (None if spec.type == "date" else "")
        out[spec.name] = value
    for extra in ("note", "lock_version"):
        if extra in appstruct:
            out[extra] = appstruct[extra]
    return out


def errors_by_field(exc: colander.Invalid) -> dict[str, str]:
    return {k: v for k, v in exc.asdict().items()}
