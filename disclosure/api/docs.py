"""``/api/docs``: the OpenAPI document as a page to read (Chinese), built from the document
itself: every operation with its parameters, body, responses and examples, and every schema."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

JsonSchema = dict[str, Any]
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
LOCATIONS = {"path": "路径", "query": "查询", "header": "请求头"}
FORMATS = {"date": "日期 YYYY-MM-DD", "uri": "URL", "binary": "文件", "date-time": "时间"}
TYPES = {
    "string": "字符串",
    "integer": "整数",
    "number": "数",
    "boolean": "布尔值",
    "object": "对象",
    "array": "数组",
    "null": "null",
}
MAX_ENUM = 12
MAX_PATTERN = 60


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


def describe(schema: JsonSchema | None) -> str:
    """A schema in a few Chinese words: 整数，1 至 100；或空值."""
    if not schema:
        return "任意"
    name = _ref_name(schema)
    if name:
        return name
    parts: list[str] = []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            empties = [s for s in schema[key] if s.get("const") == "" or s.get("maxLength") == 0]
            options = [
                describe(s) for s in schema[key] if s != {"type": "null"} and s not in empties
            ]
            text = "；或 ".join(options)
            if empties:
                text += "；或空字符串"
            if {"type": "null"} in schema[key]:
                text += "；或 null"
            parts.append(text)
    if "const" in schema:
        parts.append(f"固定为 {json.dumps(schema['const'], ensure_ascii=False)}")
    if "enum" in schema:
        values = [json.dumps(v, ensure_ascii=False) for v in schema["enum"]]
        if len(values) > MAX_ENUM:
            parts.append(f"{len(values)} 个取值之一（如 {'、'.join(values[:5])} …）")
        else:
            parts.append("取值：" + "、".join(values))
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and "enum" not in schema and "const" not in schema:
        text = " 或 ".join(TYPES.get(k, k) for k in kinds)
        if schema.get("format") in FORMATS:
            text = FORMATS[schema["format"]]
        elif schema.get("format"):
            text += f"（格式 {schema['format']}）"
        if kind == "array" and "items" in schema:
            text += f"，元素为 {describe(schema['items'])}"
        parts.insert(0, text)
    bounds = [
        ("minimum", "最小 {}"),
        ("maximum", "最大 {}"),
        ("minLength", "至少 {} 个字符"),
        ("maxLength", "最多 {} 个字符"),
    ]
    for key, template in bounds:
        if key in schema:
            parts.append(template.format(schema[key]))
    # a long pattern says nothing to a reader; the description says it in words
    patterns = [schema.get("pattern"), *(extra.get("pattern") for extra in schema.get("allOf", []))]
    parts += [f"须匹配 {p}" for p in patterns if p and len(p) <= MAX_PATTERN]
    if schema.get("default") not in (None, ""):
        parts.append(f"默认 {json.dumps(schema['default'], ensure_ascii=False)}")
    return "，".join(p for p in parts if p) or "任意"


def _resolve(doc: JsonSchema, item: JsonSchema) -> JsonSchema:
    """A ``$ref`` to ``#/components/…`` replaced by what it names (one level)."""
    target = item.get("$ref", "")
    if not target.startswith("#/"):
        return item
    node: Any = doc
    for part in target[2:].split("/"):
        node = node[part]
    return node


def note(*schemas: JsonSchema | None) -> Markup:
    """What the title and descriptions of a property (or parameter) and of its schema say."""
    said: list[str] = []
    for schema in schemas:
        for part in [schema or {}, *(schema or {}).get("anyOf", [])]:
            for key in ("title", "description"):
                text = part.get(key)
                if text and text not in said:
                    said.append(text)
    return rich("；".join(said))


def fields_of(schema: JsonSchema) -> list[dict[str, Any]]:
    """An object schema's properties as rows: name, required, type, description."""
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "required": name in required,
            "type": describe(prop),
            "description": note(prop),
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


def _responses(doc: JsonSchema, op: JsonSchema) -> list[dict[str, Any]]:
    rows = []
    for status, response in op.get("responses", {}).items():
        response = _resolve(doc, response)
        content = response.get("content", {})
        example = next((c["example"] for c in content.values() if "example" in c), None)
        schema = next((c.get("schema") for c in content.values()), None)
        rows.append(
            {
                "status": status,
                "description": rich(response.get("description", "")),
                "media_types": list(content),
                "schema": describe(schema) if schema else "",
                "schema_name": _ref_name(schema or {}),
                "headers": list(response.get("headers", {})),
                "links": [
                    (name, link["operationId"], link.get("description", ""))
                    for name, link in response.get("links", {}).items()
                ],
                "example": json.dumps(example, ensure_ascii=False, indent=2)
                if example is not None
                else "",
            }
        )
    return rows


def docs_page(doc: JsonSchema) -> dict[str, Any]:
    """The template's data: the operations by tag, and the schemas."""
    tags: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in doc.get("tags", [])}
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
                "summary": op.get("summary", ""),
                "description": rich(op.get("description", "")),
                "parameters": [
                    {
                        "name": p["name"],
                        "in": LOCATIONS.get(p["in"], p["in"]),
                        "required": bool(p.get("required")),
                        "type": describe(p.get("schema")),
                        "description": note(p, p.get("schema")),
                    }
                    for p in op.get("parameters", [])
                ],
                "body": body,
                "body_types": list(body["content"]) if body else [],
                "body_fields": fields_of(body_schema) if body_schema else [],
                "body_description": rich((body_schema or {}).get("description", "")),
                "responses": _responses(doc, op),
                "example": example_request(path, method, op),
            }
            for tag in op.get("tags", ["其他"]):
                tags.setdefault(tag, []).append(entry)
    schemas = [
        {
            "name": name,
            "description": rich(schema.get("description", "")),
            "fields": fields_of(schema),
            "type": describe(schema) if "properties" not in schema else "对象",
        }
        for name, schema in doc["components"]["schemas"].items()
    ]
    return {
        "info": {**doc["info"], "description": rich(doc["info"].get("description", ""))},
        "version": doc["openapi"],
        "groups": [(tag, ops) for tag, ops in tags.items() if ops],
        "schemas": schemas,
        "count": sum(len(ops) for ops in tags.values()),
    }
