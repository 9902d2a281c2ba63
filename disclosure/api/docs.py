"""``/api/docs``: the OpenAPI document as a page to read, built from the document itself: every
operation with its parameters, body, responses and examples, and every schema.

The document is written in Chinese. The words the page adds (types, bounds, headings) are in
the reader's language, and so is each of the document's own texts that is, whole, a message of
the interface (a tag such as 机构, a field's title such as 受理机关); its other texts
(summaries, descriptions) stay as written. ``t`` renders a marked message: the request's
``translate``, or :func:`~disclosure.i18n.chinese` by default."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from ..i18n import _, chinese

JsonSchema = dict[str, Any]
Translate = Callable[[Any], str]
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
LOCATIONS = {"path": _("路径"), "query": _("查询"), "header": _("请求头")}
FORMATS = {"date": _("日期 YYYY-MM-DD"), "uri": "URL", "binary": _("文件"), "date-time": _("时间")}
TYPES = {
    "string": _("字符串"),
    "integer": _("整数"),
    "number": _("数"),
    "boolean": _("布尔值"),
    "object": _("对象"),
    "array": _("数组"),
    "null": "null",
}
ANYTHING = _("任意")
OTHER_TAG = _("其他")
#: the document's tags that are no other message of the interface: marked here, so that the
#: page's headings (the tags) all read in the reader's language (see :func:`own`)
TAGS = (_("工作日历"), _("文档"))
PART_SEPARATOR = _("，")
LIST_SEPARATOR = _("、")
OR_OPTION = _("；或 ")
OR_TYPE = _(" 或 ")
BOUNDS = (
    ("minimum", _("最小 ${n}")),
    ("maximum", _("最大 ${n}")),
    ("minLength", _("至少 ${n} 个字符")),
    ("maxLength", _("最多 ${n} 个字符")),
)
MAX_ENUM = 12
MAX_PATTERN = 60


def own(text: str, t: Translate) -> str:
    """A text of the document: the interface's translation if it is one of its messages, else
    the text as written."""
    return t(_(text)) if text else text


def rich(text: str) -> Markup:
    """A description as HTML: escaped, `code` in <code>, paragraphs on blank lines."""
    paragraphs = []
    for part in re.split(r"\n\s*\n", text.strip()):
        pieces = re.split(r"`([^`]*)`", part)
        html = "".join(
            str(escape(p)) if i % 2 == 0 else f"<code>{escape(p)}</code>"
            for i, p in enumerate(pieces)
        )
        paragraphs.append(f"<p>{html}</p>")
    return Markup("".join(paragraphs))


def _ref_name(schema: JsonSchema) -> str | None:
    target = schema.get("$ref", "")
    return target.rsplit("/", 1)[-1] if target.startswith("#/components/schemas/") else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def describe(schema: JsonSchema | None, t: Translate = chinese) -> str:
    """A schema in a few words (``t``: the reader's language): 整数，1 至 100；或空值."""
    if not schema:
        return t(ANYTHING)
    name = _ref_name(schema)
    if name:
        return name
    parts: list[str] = []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            empties = [s for s in schema[key] if s.get("const") == "" or s.get("maxLength") == 0]
            options = [
                describe(s, t) for s in schema[key] if s != {"type": "null"} and s not in empties
            ]
            text = t(OR_OPTION).join(options)
            if empties:
                text = t(_("${options}；或空字符串", mapping={"options": text}))
            if {"type": "null"} in schema[key]:
                text = t(_("${options}；或 null", mapping={"options": text}))
            parts.append(text)
    if "const" in schema:
        parts.append(t(_("固定为 ${value}", mapping={"value": _json(schema["const"])})))
    if "enum" in schema:
        values = [_json(v) for v in schema["enum"]]
        if len(values) > MAX_ENUM:
            examples = t(LIST_SEPARATOR).join(values[:5])
            message = _(
                "${count} 个取值之一（如 ${examples} …）",
                mapping={"count": len(values), "examples": examples},
            )
            parts.append(t(message))
        else:
            values_text = t(LIST_SEPARATOR).join(values)
            parts.append(t(_("取值：${values}", mapping={"values": values_text})))
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and "enum" not in schema and "const" not in schema:
        text = t(OR_TYPE).join(t(TYPES.get(k, k)) for k in kinds)
        if schema.get("format") in FORMATS:
            text = t(FORMATS[schema["format"]])
        elif schema.get("format"):
            mapping = {"type": text, "format": schema["format"]}
            text = t(_("${type}（格式 ${format}）", mapping=mapping))
        if kind == "array" and "items" in schema:
            mapping = {"type": text, "items": describe(schema["items"], t)}
            text = t(_("${type}，元素为 ${items}", mapping=mapping))
        parts.insert(0, text)
    for key, template in BOUNDS:
        if key in schema:
            parts.append(t(_(template, mapping={"n": schema[key]})))
    # a long pattern says nothing to a reader; the description says it in words
    patterns = [schema.get("pattern"), *(extra.get("pattern") for extra in schema.get("allOf", []))]
    parts += [
        t(_("须匹配 ${pattern}", mapping={"pattern": p}))
        for p in patterns
        if p and len(p) <= MAX_PATTERN
    ]
    if schema.get("default") not in (None, ""):
        parts.append(t(_("默认 ${value}", mapping={"value": _json(schema["default"])})))
    return t(PART_SEPARATOR).join(p for p in parts if p) or t(ANYTHING)


def _resolve(doc: JsonSchema, item: JsonSchema) -> JsonSchema:
    """A ``$ref`` to ``#/components/…`` replaced by what it names (one level)."""
    target = item.get("$ref", "")
    if not target.startswith("#/"):
        return item
    node: Any = doc
    for part in target[2:].split("/"):
        node = node[part]
    return node


def note(*schemas: JsonSchema | None, t: Translate = chinese) -> Markup:
    """What the title and descriptions of a property (or parameter) and of its schema say."""
    said: list[str] = []
    for schema in schemas:
        for part in [schema or {}, *(schema or {}).get("anyOf", [])]:
            for key in ("title", "description"):
                text = part.get(key)
                if text and text not in said:
                    said.append(text)
    return rich(t(_("；")).join(own(text, t) for text in said))


def fields_of(schema: JsonSchema, t: Translate = chinese) -> list[dict[str, Any]]:
    """An object schema's properties as rows: name, required, type, description."""
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "required": name in required,
            "type": describe(prop, t),
            "description": note(prop, t=t),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _example_value(parameter: JsonSchema) -> Any:
    if "example" in parameter:
        return parameter["example"]
    schema = parameter.get("schema", {})
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            return option["enum"][0]
        if option.get("format") == "date":
            return "2026-11-20"
        if option.get("type") == "integer":
            return option.get("default", option.get("minimum", 1))
    return "…"


def example_request(path: str, method: str, op: JsonSchema) -> str:
    """The request line (and headers) of a call with every required parameter."""
    url, query, headers = path, {}, []
    for parameter in op.get("parameters", []):
        if not parameter.get("required"):
            continue
        value = _example_value(parameter)
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", quote(str(value), safe="/"))
        elif parameter["in"] == "query":
            query[parameter["name"]] = value
        elif parameter["in"] == "header":
            headers.append(f"{parameter['name']}: {value}")
    line = f"{method.upper()} {url}" + (f"?{urlencode(query)}" if query else "")
    lines = [line, *headers]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in body:
        lines.append("Content-Type: application/json")
        lines.append("")
        lines.append(json.dumps(body["example"], ensure_ascii=False, indent=2))
    return "\n".join(lines)


def _responses(doc: JsonSchema, op: JsonSchema, t: Translate) -> list[dict[str, Any]]:
    rows = []
    for status, response in op.get("responses", {}).items():
        response = _resolve(doc, response)
        content = response.get("content", {})
        example = next((c["example"] for c in content.values() if "example" in c), None)
        schema = next((c.get("schema") for c in content.values()), None)
        rows.append(
            {
                "status": status,
                "description": rich(own(response.get("description", ""), t)),
                "media_types": list(content),
                "schema": describe(schema, t) if schema else "",
                "schema_name": _ref_name(schema or {}),
                "headers": list(response.get("headers", {})),
                "links": [
                    (name, link["operationId"], own(link.get("description", ""), t))
                    for name, link in response.get("links", {}).items()
                ],
                "example": json.dumps(example, ensure_ascii=False, indent=2)
                if example is not None
                else "",
            }
        )
    return rows


def docs_page(doc: JsonSchema, t: Translate = chinese) -> dict[str, Any]:
    """The template's data: the operations by tag, and the schemas (``t``: the reader's
    language)."""
    tags: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in doc.get("tags", [])}
    for path, item in doc["paths"].items():
        for method in sorted(item, key=lambda m: METHOD_ORDER.index(m)):
            op = item[method]
            body = op.get("requestBody")
            body_schema = None
            if body:
                media = next(iter(body["content"].values()))
                body_schema = _resolve(doc, media["schema"])
            entry = {
                "id": op["operationId"],
                "method": method.upper(),
                "path": path,
                "summary": own(op.get("summary", ""), t),
                "description": rich(own(op.get("description", ""), t)),
                "parameters": [
                    {
                        "name": p["name"],
                        "in": t(LOCATIONS.get(p["in"], p["in"])),
                        "required": bool(p.get("required")),
                        "type": describe(p.get("schema"), t),
                        "description": note(p, p.get("schema"), t=t),
                    }
                    for p in op.get("parameters", [])
                ],
                "body": body,
                "body_types": list(body["content"]) if body else [],
                "body_fields": fields_of(body_schema, t) if body_schema else [],
                "body_description": rich(own((body_schema or {}).get("description", ""), t)),
                "responses": _responses(doc, op, t),
                "example": example_request(path, method, op),
            }
            for tag in op.get("tags", [OTHER_TAG]):
                tags.setdefault(tag, []).append(entry)
    schemas = [
        {
            "name": name,
            "description": rich(own(schema.get("description", ""), t)),
            "fields": fields_of(schema, t),
            "type": describe(schema, t) if "properties" not in schema else t(TYPES["object"]),
        }
        for name, schema in doc["components"]["schemas"].items()
    ]
    return {
        "info": {
            **doc["info"],
            "title": own(doc["info"].get("title", ""), t),
            "description": rich(own(doc["info"].get("description", ""), t)),
        },
        "version": doc["openapi"],
        "groups": [(own(tag, t), ops) for tag, ops in tags.items() if ops],
        "schemas": schemas,
        "count": sum(len(ops) for ops in tags.values()),
    }
