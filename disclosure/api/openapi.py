"""The OpenAPI 3.1 document of the public JSON API, served at ``/api/v1/openapi.json``.

It is built from what the views themselves use, so it cannot say something else:

- the paths come from the routes (``disclosure/routes.py``), by route name;
- the query parameters of the catalogue and the search, and the body of ``POST /api/v1/requests``,
  are the colander schemas those views validate with (``catalogue.browse``, ``search.views``,
  ``requests.intake.ApplicationSchema``), converted by :mod:`.jsonschema`; their vocabularies and
  the organisation codes are the live ones;
- the responses are the JSON Schemas below, built from the same constants as the views' output
  (the catalogue's public fields from ``catalog_schemas/fields.yaml``, the annual report's rows and
  columns from ``reports.compute``, the request statuses from the model);
- ``tests/functional/test_openapi.py`` checks that every ``/api/v1`` route and method is here and
  nothing else, and ``tests/functional/test_schemathesis.py`` runs schemathesis against a live
  server with this document: every operation, with the stateful links below, and no failure.

Each operation is a function of the request (the catalogue schema, the organisation tree and the
law are the application's) returning its route name, method and OpenAPI operation. The document
is built once per organisation tree (``OrganisationTree.memo``).
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pyramid.interfaces import IRoutesMapper

from ..catalogue.forms import CONTROL
from ..catalogue.registry import ORGANISATION_KINDS
from ..dates import MAX_DATE, MIN_DATE
from ..files import sniff
from ..models.requests import REQUEST_KINDS, RequestStatus
from ..routes import REPORT_YEARS
from . import jsonschema as js

JsonSchema = dict[str, Any]
API_PREFIX = "/api/v1"

# --- what the validators that are plain functions accept ---------------------------------------

#: ``browse._year`` accepts these years (tests/functional/test_openapi.py calls it at the bounds)
BROWSE_YEARS = (1949, 2100)
NO_CONTROL_CHARACTERS = js.negated_class(CONTROL.pattern)
DATE_IN_RANGE = js.date_range_pattern(MIN_DATE, MAX_DATE)


def _closure(validator, name: str):
    return inspect.getclosurevars(validator).nonlocals[name]


#: the API's validators that are functions, by module and name → what they accept (colander's
#: own validators describe themselves: :func:`.jsonschema.validator_schema`)
FUNCTION_VALIDATORS: dict[tuple[str, str], Callable[[Any], JsonSchema]] = {
    ("disclosure.catalogue.forms", "clean_text"): lambda v: {"pattern": NO_CONTROL_CHARACTERS},
    ("disclosure.search.views", "_in_range"): lambda v: {"pattern": DATE_IN_RANGE},
    ("disclosure.catalogue.browse", "_year"): lambda v: {
        "minimum": BROWSE_YEARS[0],
        "maximum": BROWSE_YEARS[1],
    },
    ("disclosure.catalogue.browse", "new_browse_query_schema.<locals>.organisation"): lambda v: {
        "enum": sorted(_closure(v, "orgs").by_code)
    },
    ("disclosure.requests.intake", "_choice.<locals>.check"): lambda v: {
        "enum": list(_closure(v, "choices"))
    },
    # rules between fields: the operations state them (application_schema, the search's text)
    ("disclosure.search.views", "_dates_in_order"): lambda v: {},
    ("disclosure.requests.intake", "check_application"): lambda v: {},
}


def describe(validator, node) -> JsonSchema:
    """What one of the API's function validators accepts, as JSON Schema. A validator not
    listed in FUNCTION_VALIDATORS stops the document from being built: a new rule must say what
    it accepts before the document can claim to describe the API."""
    key = (getattr(validator, "__module__", ""), getattr(validator, "__qualname__", ""))
    if key not in FUNCTION_VALIDATORS:
        raise ValueError(f"{node.name}: no JSON Schema for the validator {key[0]}.{key[1]}")
    return FUNCTION_VALIDATORS[key](validator)


CONTROL_CHARACTERS = js.class_chars(CONTROL.pattern)
#: preparers that strip the white space around a value before it is validated
STRIPPING = {("disclosure.catalogue.forms", "strip_blank"), ("disclosure.search.views", "_strip")}


def adjust(node, schema: JsonSchema) -> JsonSchema:
    """A value stripped before it is validated (``strip_blank``, ``_strip``): its length and its
    characters are those of what is left, and white space alone is no value (a required one is
    then missing)."""
    preparer = node.preparer
    key = (getattr(preparer, "__module__", ""), getattr(preparer, "__qualname__", ""))
    if key not in STRIPPING or schema.get("type") != "string":
        return schema
    forbidden = ""
    if schema.get("pattern") == NO_CONTROL_CHARACTERS:
        forbidden = CONTROL_CHARACTERS
        del schema["pattern"]
    if "pattern" in schema or "allOf" in schema:
        raise ValueError(f"{node.name}: a stripped value with a pattern of its own")
    max_length = schema.pop("maxLength", None)
    schema["pattern"] = js.stripped_text(
        max_length=max_length,
        min_length=schema.pop("minLength", 1),
        required=js.required(node),
        forbidden=forbidden,
    )
    note = "前后空白不计" + (f"，最多 {max_length} 个字符" if max_length else "")
    if forbidden:
        note += "，不含控制字符"
    schema["description"] = "；".join(filter(None, [schema.get("description"), note]))
    return schema


# --- shared pieces -------------------------------------------------------------------------


def ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, JsonSchema], required: list[str] | None = None) -> JsonSchema:
    """An object with exactly these keys (``required``: all of them unless given)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
URL = {"type": "string", "format": "uri"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

ERROR = obj(
    {
        "error": {"type": "string", "description": "出错原因（中文）"},
        "fields": {
            "type": "object",
            "description": "参数或字段名 → 该字段的错误信息",
            "additionalProperties": STRING,
        },
    },
    required=["error"],
)
SERVER_ERROR = obj(
    {
        "error": {"type": "string", "description": "出错原因（中文）"},
        "request_id": {"type": "string", "description": "错误编号（日志中的请求编号）"},
    }
)
ERROR_EXAMPLES = {
    400: {"error": "请求包含无效的 UTF-8 编码"},
    404: {"error": "没有找到该信息"},
    413: {"error": "请求体过大（最多 1 MB）"},
    422: {"error": "该 Idempotency-Key 已用于内容不同的另一份申请"},
    429: {"error": "查询过于频繁，请 1 分钟后再试"},
    500: {"error": "服务器内部错误，请稍后再试。", "request_id": "3f2a9c0d1e6b4a58"},
    503: {"error": "数据库暂时无法访问，请稍后再试。", "request_id": "3f2a9c0d1e6b4a58"},
}
RESPONSES: dict[str, JsonSchema] = {
    "BadRequest": {
        "description": "请求有误：参数或字段不合要求（`fields` 给出每个字段的错误），或请求本身无法"
        "解析（无效的 UTF-8、不支持的字符集、超过 8 KB 的 Cookie 头）。",
        "content": {"application/json": {"schema": ref("Error"), "example": ERROR_EXAMPLES[400]}},
    },
    "NotFound": {
        "description": "没有找到。",
        "content": {"application/json": {"schema": ref("Error"), "example": ERROR_EXAMPLES[404]}},
    },
    "TooManyRequests": {
        "description": "查询过于频繁：同一地址每分钟最多查询 20 次；同一申请查询码连续错误 10 次后锁定"
        " 1 小时（其间正确的查询码也被拒绝），信息中说明需等待多久。",
        "content": {"application/json": {"schema": ref("Error"), "example": ERROR_EXAMPLES[429]}},
    },
    "ServerError": {
        "description": "服务器内部错误；`request_id` 是日志中的错误编号。",
        "content": {
            "application/json": {"schema": ref("ServerError"), "example": ERROR_EXAMPLES[500]}
        },
    },
    "Unavailable": {
        "description": "数据库（或检索服务）暂时不可用，请按 `Retry-After` 秒数后重试。",
        "headers": {
            "Retry-After": {"description": "建议等待的秒数", "schema": {"type": "integer"}}
        },
        "content": {
            "application/json": {"schema": ref("ServerError"), "example": ERROR_EXAMPLES[503]}
        },
    },
}


def standard_responses(*extra: int, invalid: JsonSchema | None = None) -> dict[str, JsonSchema]:
    """The answers every operation may give: 400 (the request itself is bad; ``invalid``: an
    example of the operation's own 400), 500, 503; and ``extra`` of 404 and 429."""
    out = {"400": {"$ref": "#/components/responses/BadRequest"}}
    if invalid is not None:
        example = {"schema": ref("Error"), "example": invalid}
        out["400"] = {**RESPONSES["BadRequest"], "content": {"application/json": example}}
    names = {404: "NotFound", 429: "TooManyRequests"}
    for status in extra:
        out[str(status)] = {"$ref": f"#/components/responses/{names[status]}"}
    out["500"] = {"$ref": "#/components/responses/ServerError"}
    out["503"] = {"$ref": "#/components/responses/Unavailable"}
    return out


def ok(
    description: str,
    schema: JsonSchema,
    example: Any = None,
    links: dict[str, JsonSchema] | None = None,
) -> dict[str, JsonSchema]:
    """A 200 JSON response (with its OpenAPI links: what a client can ask next)."""
    content: JsonSchema = {"schema": schema}
    if example is not None:
        content["example"] = example
    response: JsonSchema = {"description": description, "content": {"application/json": content}}
    if links:
        response["links"] = links
    return {"200": response}


def link(operation_id: str, description: str, **parameters: str) -> JsonSchema:
    """An OpenAPI link; ``parameters`` as ``path_code="$response.body#/…"`` (``path_`` and
    ``header_`` become ``path.`` and ``header.``; ``_`` in a header name becomes ``-``)."""
    out = {}
    for key, expression in parameters.items():
        location, name = key.split("_", 1)
        if location == "header":
            name = name.replace("_", "-")
        out[f"{location}.{name}"] = expression
    return {"operationId": operation_id, "parameters": out, "description": description}


def page_cache_note() -> str:
    return (
        "匿名访问时响应带 `ETag` 与 `Cache-Control: public, no-cache`；"
        "带 `If-None-Match` 的请求在数据未变时得到 304。"
    )


# --- component schemas built from the application's data -------------------------------------


def organisation_schema() -> JsonSchema:
    return obj(
        {
            "code": {"type": "string", "description": "机构代码（统一社会信用代码或组织机构代码）"},
            "name": STRING,
            "short_name": STRING,
            "kind": {"type": "string", "enum": list(ORGANISATION_KINDS)},
            "children": {"type": "array", "items": ref("Organisation")},
        }
    )


def _field_value(spec, schema) -> JsonSchema:
    """The JSON Schema of one catalogue field's public value (``catalogue.services.item_fields``:
    columns as stored, dates as ISO strings, other fields from the item's extra data, "" when
    unset)."""
    if spec.type == "keywords":
        value: JsonSchema = {"type": "array", "items": STRING}
    elif spec.type == "date":
        value = DATE
    elif spec.type == "choice":
        value = {"type": "string", "enum": schema.vocabulary(spec.vocabulary).codes}
    else:
        value = {"type": "string"}
    if spec.name == "index_number":
        return {"type": "string", "description": spec.label}
    if spec.required and spec.type != "keywords":
        return {**value, "description": spec.label}
    empty = {"type": "string", "maxLength": 0}
    return {"anyOf": [value, empty, {"type": "null"}], "description": spec.label}


def catalogue_item_schema(schema, *, full: bool) -> JsonSchema:
    """An item's public view (``catalogue.api.item_json``): the public fields of fields.yaml,
    ``body`` in the detail only (and never for an on-request item), the status, the page's URL
    and the public attachments."""
    from ..catalogue.visibility import CONTENT_FIELDS, VISIBLE_STATUSES

    properties = {
        spec.name: _field_value(spec, schema)
        for spec in schema.fields
        if spec.public and (full or spec.name not in CONTENT_FIELDS)
    }
    required = [
        spec.name for spec in schema.fields if spec.public and spec.name not in CONTENT_FIELDS
    ]
    properties["status"] = {"type": "string", "enum": list(VISIBLE_STATUSES)}
    properties["url"] = URL
    properties["attachments"] = {"type": "array", "items": ref("Attachment")}
    return obj(properties, required=[*required, "status", "url", "attachments"])


ATTACHMENT = obj(
    {
        "filename": STRING,
        "media_type": STRING,
        "size": {"type": "integer", "minimum": 0},
        "sha256": SHA256,
        "url": URL,
    }
)
SEARCH_HIT = obj(
    {
        "index_number": STRING,
        "title": STRING,
        "document_number": nullable(STRING),
        "organisation": STRING,
        "published_on": nullable(STRING),
        "snippet": {"type": "string", "description": "摘要（HTML，命中的词在 <em> 中）"},
    }
)
FACET = {
    "type": "array",
    "items": obj({"value": STRING, "count": {"type": "integer", "minimum": 0}}),
}


def search_result_schema() -> JsonSchema:
    return obj(
        {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "hits": {"type": "array", "items": ref("SearchHit")},
            "facets": {
                "type": "object",
                "description": "分面统计：organisation、topic、genre、year → 取值与条数",
                "additionalProperties": FACET,
            },
            "message": {"type": "string", "description": "提示，例如检索词过长已截断"},
        },
        required=["total", "page", "per_page", "hits", "facets"],
    )


def trail_step_schema() -> JsonSchema:
    return obj(
        {
            "kind": STRING,
            "date": nullable(DATE),
            "end": nullable(DATE),
            "text": STRING,
            "article": STRING,
            "public_text": nullable(STRING),
        }
    )


def request_status_schema() -> JsonSchema:
    statuses = [s.value for s in RequestStatus]
    return obj(
        {
            "tracking_number": STRING,
            "request_kind": {"type": "string", "enum": list(REQUEST_KINDS)},
            "status": {"type": "string", "enum": statuses},
            "status_label": STRING,
            "organisation": STRING,
            "received_on": DATE,
            "due_on": {**nullable(DATE), "description": "答复期限；待补正时为 null（见 due_note）"},
            "due_note": nullable(STRING),
            "correction_deadline": nullable(DATE),
            "provisional": {
                "type": "boolean",
                "description": "期限是否为暂定（跨入尚未公布节假日安排的年份）",
            },
            "outcome": nullable(STRING),
            "trail": {
                "type": "array",
                "items": STRING,
                "description": "期限的计算过程（面向申请人的文字）",
            },
            "history": {
                "type": "array",
                "items": obj(
                    {"on": DATE, "action": STRING, "status": nullable(STRING), "text": STRING}
                ),
            },
        }
    )


SUBMISSION = obj(
    {
        "tracking_number": {"type": "string", "description": "追踪号"},
        "access_code": {"type": "string", "description": "查询码（只在此处给出一次，请妥善保存）"},
        "status": {"type": "string", "enum": [s.value for s in RequestStatus]},
        "received_on": DATE,
        "due_on": DATE,
        "provisional": BOOLEAN,
    }
)
LETTER = obj(
    {
        "number": {"type": "string", "description": "文书编号"},
        "kind": STRING,
        "title": STRING,
        "issued_on": DATE,
        "sha256": SHA256,
        "refers_to": {**nullable(STRING), "description": "更正的文书的编号"},
        "url": {**URL, "description": "下载地址（同样需要 X-Access-Code）"},
    }
)
RELEASED_DOCUMENT = obj(
    {
        "id": INTEGER,
        "filename": STRING,
        "media_type": STRING,
        "size": {"type": "integer", "minimum": 0},
        "sha256": SHA256,
        "released_at": {"type": "string", "description": "提供时间（ISO 8601，精确到秒）"},
        "url": {**URL, "description": "下载地址（同样需要 X-Access-Code）"},
    }
)


def report_table_schemas() -> dict[str, JsonSchema]:
    """The annual report's tables (``ReportFigures.as_json``), rows and columns from
    ``reports.compute``: components ReportTable2, ReportTable3 (with ReportTable3Row) and
    ReportTable4."""
    from ..reports.compute import (
        TABLE2_INPUTS,
        TABLE2_NORMATIVE,
        TABLE3_COLUMNS,
        TABLE3_ROWS,
        TABLE4_COLUMNS,
        TABLE4_KINDS,
    )

    count = {"type": "integer", "minimum": 0}
    normative = obj({k: count for k in ("made", "repealed", "in_force")})
    table2 = {name: normative for name in TABLE2_NORMATIVE}
    for name in TABLE2_INPUTS:
        table2[name] = nullable({"type": "number"} if name == "fees_wan" else count)
    cols = ref("ReportTable3Row")
    return {
        "ReportTable3Row": {
            **obj({col: {"type": "integer"} for col in TABLE3_COLUMNS}),
            "description": "表三的一行：申请人类别 → 件数",
        },
        "ReportTable2": {**obj(table2), "description": "表二 主动公开政府信息情况"},
        "ReportTable3": {
            **obj({"rows": obj({row: cols for row in TABLE3_ROWS})}),
            "description": "表三 收到和处理政府信息公开申请情况：行 → 列 → 件数",
        },
        "ReportTable4": {
            **obj({kind: obj({c: count for c in TABLE4_COLUMNS}) for kind in TABLE4_KINDS}),
            "description": "表四 政府信息公开行政复议、行政诉讼情况",
        },
    }


def report_tables() -> dict[str, JsonSchema]:
    return {
        "table2": ref("ReportTable2"),
        "table3": ref("ReportTable3"),
        "table4": ref("ReportTable4"),
        "identity_holds": {"type": "boolean", "description": "一 + 二 = 三（七） + 四 是否成立"},
    }


def annual_report_schema() -> JsonSchema:
    return obj(
        {
            "organisation": STRING,
            "year": INTEGER,
            "status": {"type": "string", "enum": ["draft", "published"]},
            "version": {
                **nullable({"type": "integer", "minimum": 1}),
                "description": "已发布版本号",
            },
            "published_on": nullable(DATE),
            **report_tables(),
        }
    )


def summary_schema() -> JsonSchema:
    from ..reports.compute import TABLE3_ROWS

    body = obj(
        {
            "organisation": STRING,
            "name": STRING,
            "kind": {"type": "string", "enum": list(ORGANISATION_KINDS)},
            "table3_totals": obj({row: {"type": "integer"} for row in TABLE3_ROWS}),
            "identity_holds": BOOLEAN,
        }
    )
    return obj(
        {
            "organisation": STRING,
            "year": INTEGER,
            "status": {"type": "string", "const": "summary"},
            **report_tables(),
            "bodies": {"type": "array", "items": body},
        }
    )


# --- the operations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    route: str  # the route's name in routes.py
    method: str
    spec: JsonSchema  # the OpenAPI operation object


Builder = Callable[[Any], Operation]
OPERATIONS: list[Builder] = []


def operation(func: Builder) -> Builder:
    OPERATIONS.append(func)
    return func


TRACKING_NUMBER = {
    "name": "tracking_number",
    "in": "path",
    "required": True,
    "description": "追踪号（提交申请时获得；不区分大小写，空格忽略）",
    "schema": {"type": "string", "minLength": 1},
    "example": "YS2026-7K3M-QW9P-X2",
}
ACCESS_CODE = {
    "name": "X-Access-Code",
    "in": "header",
    "required": True,
    "description": "查询码（提交申请时获得）。错误的查询码与不存在的追踪号一样得到 404。",
    "schema": {"type": "string"},
    "example": "K7M2Q9PX",
}
LOOKUP_NOTE = (
    "以追踪号和 `X-Access-Code` 头中的查询码查询；查询码错误与追踪号不存在的回答相同（404）。"
    "同一地址每分钟最多查询 20 次，同一申请连续 10 次查询码错误后锁定 1 小时（429）。"
)


@operation
def get_openapi(request) -> Operation:
    return Operation(
        "api_openapi",
        "GET",
        {
            "operationId": "getOpenAPI",
            "tags": ["文档"],
            "summary": "本 API 的 OpenAPI 3.1 文档",
            "description": "本文档。人可读的版本在 `/api/docs`。",
            "responses": {
                **ok("OpenAPI 3.1 文档", {"type": "object", "required": ["openapi", "paths"]}),
                **standard_responses(),
            },
        },
    )


@operation
def list_organisations(request) -> Operation:
    tree = request.organisations.as_json()
    example = {"organisations": copy.deepcopy(tree[:1])}
    for node in example["organisations"]:
        node["children"] = node["children"][:1]
        for child in node["children"]:
            child["children"] = []
    return Operation(
        "api_organisations",
        "GET",
        {
            "operationId": "listOrganisations",
            "tags": ["机构"],
            "summary": "机构树",
            "description": "全部机构，按上下级嵌套。" + page_cache_note(),
            "responses": {
                **ok(
                    "机构树",
                    ref("OrganisationList"),
                    example,
                    {
                        "GetAnnualReport": link(
                            "getAnnualReport",
                            "第一个机构的年度报告",
                            path_code="$response.body#/organisations/0/code",
                        ),
                        "GetAnnualReportSummary": link(
                            "getAnnualReportSummary",
                            "第一个机构（市政府）的年度报告汇总",
                            path_code="$response.body#/organisations/0/code",
                        ),
                    },
                ),
                **standard_responses(),
            },
        },
    )


#: examples of the catalogue's and the search's query parameters (the others: their default or
#: their first allowed value)
QUERY_EXAMPLES = {
    "q": "政务公开",
    "document_number": "咸政发〔2026〕3号",
    "year": 2026,
    "date_from": "2026-01-01",
    "date_to": "2026-12-31",
}


def _example(name: str, schema: JsonSchema) -> Any:
    if name in QUERY_EXAMPLES:
        return QUERY_EXAMPLES[name]
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    return None


def _query_parameters(node) -> list[JsonSchema]:
    """A query schema's parameters, named as the search page names them: an empty value counts
    as not given (``catalogue.browse.parse_query``)."""
    from ..search.views import FIELD_LABELS

    out = js.parameters(node, "query", describe, adjust)
    for parameter in out:
        example = _example(parameter["name"], parameter["schema"])
        if example is not None:
            parameter["example"] = example
        parameter["schema"] = {"anyOf": [parameter["schema"], {"const": ""}]}
        label = parameter.get("description") or FIELD_LABELS.get(parameter["name"], "")
        parameter["description"] = f"{label}（空值视同未提供）" if label else "空值视同未提供"
    return out


@operation
def list_catalogue(request) -> Operation:
    from ..catalogue.browse import new_browse_query_schema

    return Operation(
        "api_catalogue",
        "GET",
        {
            "operationId": "listCatalogue",
            "tags": ["信息公开目录"],
            "summary": "信息公开目录",
            "description": "已公开的条目，按发布日期从新到旧，分页。`organisation` 含其下级机构；"
            "`topic`、`genre` 接受代码或中文（英文）名称。列表中不含正文（`body`）。"
            + page_cache_note(),
            "parameters": _query_parameters(
                new_browse_query_schema(request.catalogue_schema, request.organisations)
            ),
            "responses": {
                **ok(
                    "一页条目",
                    ref("CataloguePage"),
                    links={
                        "GetItem": link(
                            "getCatalogueItem",
                            "第一个条目的全部公开字段",
                            path_index_number="$response.body#/items/0/index_number",
                        )
                    },
                ),
                **standard_responses(
                    invalid={"error": "查询参数有误", "fields": {"per_page": "每页最多 100 条"}}
                ),
            },
        },
    )


@operation
def get_catalogue_item(request) -> Operation:
    return Operation(
        "api_catalogue_item",
        "GET",
        {
            "operationId": "getCatalogueItem",
            "tags": ["信息公开目录"],
            "summary": "一个条目",
            "description": "条目的全部公开字段与公开附件。依申请公开的条目只有元数据：没有正文"
            "（`body`），没有附件。" + page_cache_note(),
            "parameters": [
                {
                    "name": "index_number",
                    "in": "path",
                    "required": True,
                    "description": "索引号，如 `016000102/2026-00001`（其中的 `/` 可照写，"
                    "也可写作 `%2F`；不区分大小写）",
                    "schema": {"type": "string", "minLength": 1},
                    "example": "016000102/2026-00001",
                }
            ],
            "responses": {
                **ok("条目", ref("CatalogueItem")),
                **standard_responses(404),
            },
        },
    )


@operation
def search(request) -> Operation:
    from ..search.views import MAX_INPUT, new_search_schema

    return Operation(
        "api_search",
        "GET",
        {
            "operationId": "search",
            "tags": ["检索"],
            "summary": "全文检索",
            "description": '检索已公开的条目。`q` 支持词、"短语"、文号与索引号；'
            f"检索词超过 200 字时截断（见 `message`），超过 {MAX_INPUT} 字为 400。"
            "`date_to` 不得早于 `date_from`（否则 400）。检索服务不可用时为 503。"
            + page_cache_note(),
            "parameters": _query_parameters(
                new_search_schema(request.catalogue_schema, request.organisations)
            ),
            "responses": {
                **ok(
                    "检索结果",
                    ref("SearchResult"),
                    links={
                        "GetHit": link(
                            "getCatalogueItem",
                            "第一个命中的条目",
                            path_index_number="$response.body#/hits/0/index_number",
                        )
                    },
                ),
                **standard_responses(
                    invalid={
                        "error": "检索条件有误",
                        "fields": {"date_to": "截止日期不能早于起始日期"},
                    }
                ),
            },
        },
    )


def application_schema(request) -> JsonSchema:
    """The body of ``POST /api/v1/requests``: ``requests.intake.ApplicationSchema`` with the
    live organisations, plus its cross-field rules (``intake.check_application``)."""
    from ..requests.intake import PHONE_RE, POSTCODE_RE, ApplicationSchema

    node = ApplicationSchema(request.organisations.by_code)
    schema = js.to_json_schema(node, describe, adjust)
    props = schema["properties"]
    for child in node.children:
        prop = props[child.name]
        if child.name == "consent":
            props["consent"] = {
                "description": '同意个人信息处理说明：必须为 true（也接受字符串 "true"）',
                "enum": [True, "true"],
            }
        elif not js.required(child):
            # null and "" (and for text white space alone) count as not given
            empty = [{"const": ""}] if "enum" in prop else []
            props[child.name] = {"anyOf": [prop, *empty, {"type": "null"}]}
            for key in ("title", "description"):
                if key in prop:
                    props[child.name][key] = prop.pop(key)
    schema["required"] = [*schema.get("required", []), "consent"]

    def text(name: str) -> JsonSchema:
        found = props[name]
        return found["anyOf"][0] if "anyOf" in found else found

    # what is left once the white space around is stripped must match (check_application)
    space = js.char_class(js.PY_WHITESPACE + "@" + CONTROL_CHARACTERS, negate=True)
    js.merge(
        text("phone"),
        {"pattern": js.stripped_text(required=True, core=r"[0-9+\-()][0-9+\-() ]{5,18}[0-9+\-()]")},
    )
    js.merge(text("email"), {"pattern": js.stripped_text(core=f"{space}+@{space}+\\.{space}+")})
    js.merge(text("postcode"), {"pattern": js.stripped_text(core="[0-9]{6}")})
    text("description")["pattern"] = js.stripped_text(
        min_length=5, max_length=5000, required=True, forbidden=CONTROL_CHARACTERS
    )
    # the cross-field rules of check_application, each reported on its own field
    given = {"type": "string", "pattern": js.not_blank()}
    schema["allOf"] = [
        {
            "if": {"properties": {"applicant_type": {"const": "person"}}},
            "then": {
                "required": ["id_type", "id_number"],
                "properties": {
                    "id_type": given,
                    "id_number": given,
                    "applicant_category": {
                        "anyOf": [{"type": "null"}, {"const": ""}],
                        "description": "公民申请无需填写申请人类别",
                    },
                },
            },
            "else": {
                "required": [
                    "applicant_category",
                    "credit_code",
                    "legal_representative",
                    "contact_person",
                ],
                "properties": {
                    "applicant_category": given,
                    "credit_code": {**given, "format": "cn-credit-code"},
                    "legal_representative": given,
                    "contact_person": given,
                },
            },
        },
        {
            "if": {
                "required": ["id_type", "applicant_type"],
                "properties": {
                    "applicant_type": {"const": "person"},
                    "id_type": {"const": "resident_id"},
                },
            },
            "then": {"properties": {"id_number": {"format": "cn-resident-id"}}},
        },
        {
            "if": {"properties": {"delivery_channel": {"const": "email"}}},
            "then": {"required": ["email"], "properties": {"email": given}},
        },
        {
            "if": {"properties": {"delivery_channel": {"enum": ["post", "express"]}}},
            "then": {"required": ["address"], "properties": {"address": given}},
        },
    ]
    schema["description"] = (
        "申请内容（JSON 对象）。字段前后的空白会被去掉，空白字符串视同未填；文字字段不得含控制"
        f"字符。电话须符合 `{PHONE_RE.pattern}`，邮政编码须符合 `{POSTCODE_RE.pattern}`；"
        "居民身份证号码按 GB 11643 校验（format `cn-resident-id`），"
        "统一社会信用代码按 GB 32100 校验（format `cn-credit-code`）。"
        "申请人为公民（person）时证件类型与号码必填、不填申请人类别；为法人或者其他组织"
        "（organisation）时申请人类别、统一社会信用代码、法定代表人、联系人必填。"
        "获取方式为电子邮件时必须填写电子邮箱；为邮寄、快递时必须填写通信地址。"
        "所需信息的内容描述至少 5 个字。未知字段被忽略。"
    )
    return schema


def _application_example(request) -> JsonSchema:
    org = next(iter(request.organisations.by_code), "")
    return {
        "applicant_type": "person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": "11010519491231002X",
        "phone": "13800000000",
        "email": "zhangsan@example.com",
        "organisation": org,
        "description": "请提供本机关 2025 年度政府信息公开工作年度报告的纸质文本",
        "delivery_form": "electronic",
        "delivery_channel": "email",
        "consent": True,
    }


@operation
def submit_request(request) -> Operation:
    from ..requests.idempotency import API_KEY, TTL
    from ..requests.views import MAX_JSON_BYTES

    hours = int(TTL.total_seconds() // 3600)
    case = {
        "path_tracking_number": "$response.body#/tracking_number",
        "header_X_Access_Code": "$response.body#/access_code",
    }
    links = {
        "GetRequestStatus": link("getRequest", "以返回的追踪号和查询码查询进度", **case),
        "ListLetters": link("listLetters", "本申请的文书", **case),
        "ListDocuments": link("listDocuments", "向本申请提供的文件", **case),
    }
    return Operation(
        "api_requests",
        "POST",
        {
            "operationId": "submitRequest",
            "tags": ["依申请公开"],
            "summary": "提交政府信息公开申请",
            "description": "以 JSON 提交申请（不接受表单或 multipart，也不能上传身份证明：需要"
            "上传时请用网页表单 `/requests/new`）。不需要登录，也不需要 CSRF 令牌（请求不带"
            "会话）。请求体最大 1 MB（否则 413）。\n\n"
            "带 `Idempotency-Key` 头可以安全重试：同一个 key 在 "
            f"{hours} 小时内以相同内容再次提交，得到与第一次相同的 201（带 "
            "`Idempotent-Replayed: true` 头），不再登记新的申请；同一个 key 用于不同内容为 422。",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "幂等键：16 至 128 个字母、数字或 . _ : - 字符（建议使用 UUID）",
                    "schema": {"type": "string", "pattern": js.ecma_pattern(API_KEY.pattern)},
                    "example": "5b0d7c6e-3f1a-4e8b-9c2d-7a6f1e0b4c3d",
                }
            ],
            "requestBody": {
                "required": True,
                "description": f"申请内容，最大 {MAX_JSON_BYTES // (1024 * 1024)} MB",
                "content": {
                    "application/json": {
                        "schema": ref("Application"),
                        "example": _application_example(request),
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "已登记。`access_code` 只在此处给出，请与追踪号一起保存。",
                    "headers": {
                        "Idempotent-Replayed": {
                            "description": "重放了同一 Idempotency-Key 的第一次结果时为 true",
                            "schema": {"type": "string", "enum": ["true"]},
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": ref("Submission"),
                            "example": {
                                "tracking_number": "YS2026-7K3M-QW9P-X2",
                                "access_code": "K7M2Q9PX",
                                "status": "received",
                                "received_on": "2026-11-20",
                                "due_on": "2026-12-11",
                                "provisional": False,
                            },
                        }
                    },
                    "links": links,
                },
                "413": {
                    "description": "请求体超过 1 MB。",
                    "content": {
                        "application/json": {
                            "schema": ref("Error"),
                            "example": ERROR_EXAMPLES[413],
                        }
                    },
                },
                "422": {
                    "description": "该 Idempotency-Key 已用于内容不同的另一份申请。",
                    "content": {
                        "application/json": {
                            "schema": ref("Error"),
                            "example": ERROR_EXAMPLES[422],
                        }
                    },
                },
                **standard_responses(
                    invalid={"error": "申请内容有误", "fields": {"phone": "电话号码格式不正确"}}
                ),
            },
        },
    )


@operation
def get_request(request) -> Operation:
    return Operation(
        "api_request",
        "GET",
        {
            "operationId": "getRequest",
            "tags": ["依申请公开"],
            "summary": "申请的办理进度",
            "description": "状态、答复期限、期限的计算过程和申请人可见的办理记录。" + LOOKUP_NOTE,
            "parameters": [TRACKING_NUMBER, ACCESS_CODE],
            "responses": {
                **ok("办理进度", ref("RequestStatus")),
                **standard_responses(404, 429),
            },
        },
    )


@operation
def list_letters(request) -> Operation:
    return Operation(
        "api_request_letters",
        "GET",
        {
            "operationId": "listLetters",
            "tags": ["依申请公开"],
            "summary": "申请的文书",
            "description": "本申请已出具的文书（告知书、答复书等）。" + LOOKUP_NOTE,
            "parameters": [TRACKING_NUMBER, ACCESS_CODE],
            "responses": {
                **ok("文书列表", ref("LetterList")),
                **standard_responses(404, 429),
            },
        },
    )


@operation
def get_letter(request) -> Operation:
    return Operation(
        "api_request_letter",
        "GET",
        {
            "operationId": "getLetter",
            "tags": ["依申请公开"],
            "summary": "下载一份文书（PDF）",
            "description": "文书的 PDF（以附件下载，不缓存）。地址见文书列表的 `url`。"
            + LOOKUP_NOTE,
            "parameters": [
                TRACKING_NUMBER,
                {
                    "name": "letter_id",
                    "in": "path",
                    "required": True,
                    "description": "文书编号（见文书列表的 `url`）",
                    "schema": {"type": "integer", "minimum": 1},
                    "example": 1,
                },
                ACCESS_CODE,
            ],
            "responses": {
                "200": {
                    "description": "PDF 文件",
                    "headers": {"Content-Disposition": {"schema": STRING}},
                    "content": {
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                **standard_responses(404, 429),
            },
        },
    )


@operation
def list_documents(request) -> Operation:
    return Operation(
        "api_request_documents",
        "GET",
        {
            "operationId": "listDocuments",
            "tags": ["依申请公开"],
            "summary": "向申请人提供的政府信息",
            "description": "工作人员为本申请提供的文件。" + LOOKUP_NOTE,
            "parameters": [TRACKING_NUMBER, ACCESS_CODE],
            "responses": {
                **ok(
                    "文件列表",
                    ref("ReleasedDocumentList"),
                    links={
                        "GetDocument": link(
                            "getDocument",
                            "下载第一个文件",
                            path_tracking_number="$request.path.tracking_number",
                            path_document_id="$response.body#/documents/0/id",
                            header_X_Access_Code="$request.header.X-Access-Code",
                        )
                    },
                ),
                **standard_responses(404, 429),
            },
        },
    )


def released_media_types() -> list[str]:
    """The media types a released document may have (``files.sniff``'s kinds)."""
    kinds = [v for v in vars(sniff).values() if isinstance(v, sniff.FileKind)]
    return sorted({k.media_type for k in kinds})


@operation
def get_document(request) -> Operation:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return Operation(
        "api_request_document",
        "GET",
        {
            "operationId": "getDocument",
            "tags": ["依申请公开"],
            "summary": "下载一个提供的文件",
            "description": "文件本身（以附件下载，不缓存）。每次下载都有记录。" + LOOKUP_NOTE,
            "parameters": [
                TRACKING_NUMBER,
                {
                    "name": "document_id",
                    "in": "path",
                    "required": True,
                    "description": "文件编号（文件列表的 `id`）",
                    "schema": {"type": "integer", "minimum": 1},
                    "example": 1,
                },
                ACCESS_CODE,
            ],
            "responses": {
                "200": {
                    "description": "文件（PDF、Word、Excel 或图片）",
                    "headers": {"Content-Disposition": {"schema": STRING}},
                    "content": {t: binary for t in released_media_types()},
                },
                **standard_responses(404, 429),
            },
        },
    )


def _org_code_parameter(request, description: str) -> JsonSchema:
    codes = sorted(request.organisations.by_code)
    roots = request.organisations.roots
    return {
        "name": "code",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "enum": codes},
        "example": roots[0].code if roots else (codes[0] if codes else ""),
    }


YEAR_PARAMETER = {
    "name": "year",
    "in": "path",
    "required": True,
    "description": f"年份（{REPORT_YEARS.start}–{REPORT_YEARS.stop - 1}，其外为 404）",
    "schema": {"type": "integer", "minimum": REPORT_YEARS.start, "maximum": REPORT_YEARS.stop - 1},
    "example": 2025,
}


@operation
def get_annual_report(request) -> Operation:
    return Operation(
        "api_annual_report",
        "GET",
        {
            "operationId": "getAnnualReport",
            "tags": ["年度报告"],
            "summary": "机构的政府信息公开工作年度报告",
            "description": "最新发布的版本（`version` 指定更早的版本）；尚未发布时为实时计算的草稿"
            "（`status: draft`）。未知机构、范围外的年份或不存在的版本为 404，`version` 格式错误"
            "为 400。",
            "parameters": [
                _org_code_parameter(request, "机构代码"),
                YEAR_PARAMETER,
                {
                    "name": "version",
                    "in": "query",
                    "required": False,
                    "description": "已发布的版本号（正整数，最多 6 位；空值视同未提供）",
                    "example": 1,
                    "schema": {
                        "anyOf": [
                            {"type": "integer", "minimum": 1, "maximum": 999999},
                            {"const": ""},
                        ]
                    },
                },
            ],
            "responses": {
                **ok("年度报告", ref("AnnualReport")),
                **standard_responses(
                    404, invalid={"error": "参数有误", "fields": {"version": "版本号必须是正整数"}}
                ),
            },
        },
    )


@operation
def get_annual_report_summary(request) -> Operation:
    return Operation(
        "api_annual_report_summary",
        "GET",
        {
            "operationId": "getAnnualReportSummary",
            "tags": ["年度报告"],
            "summary": "市、县（市、区）的年度报告汇总",
            "description": "市或县（市、区）及其下全部机构的实时合计，与每个机构的表三合计。"
            "只有市、县（市、区）人民政府有汇总（其他机构为 404）。",
            "parameters": [
                _org_code_parameter(request, "市或县（市、区）人民政府的机构代码"),
                YEAR_PARAMETER,
            ],
            "responses": {
                **ok("汇总", ref("AnnualReportSummary")),
                **standard_responses(404),
            },
        },
    )


def _date_parameter(name: str, description: str) -> JsonSchema:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": f"{description}（YYYY-MM-DD，{MIN_DATE.isoformat()} 至 "
        f"{MAX_DATE.isoformat()}）",
        "schema": {"type": "string", "format": "date", "pattern": DATE_IN_RANGE},
        "example": "2026-11-20",
    }


@operation
def due_date(request) -> Operation:
    profiles = list(request.registry["request_rules"].profiles)
    return Operation(
        "api_due_date",
        "GET",
        {
            "operationId": "dueDate",
            "tags": ["工作日历"],
            "summary": "答复期限",
            "description": "某日收到的申请的答复期限，按法定工作日（含调休）计算，并给出计算过程。"
            + page_cache_note(),
            "parameters": [
                _date_parameter("received", "收到申请之日"),
                {
                    "name": "profile",
                    "in": "query",
                    "required": False,
                    "description": "适用的规则（默认：收到之日施行的条例）",
                    "example": profiles[-1] if profiles else "",
                    "schema": {"anyOf": [{"type": "string", "enum": profiles}, {"const": ""}]},
                },
            ],
            "responses": {
                **ok(
                    "答复期限",
                    ref("DueDate"),
                ),
                **standard_responses(
                    invalid={
                        "error": "参数有误",
                        "fields": {"received": "日期格式无效，应为 YYYY-MM-DD"},
                    }
                ),
            },
        },
    )


@operation
def working_days(request) -> Operation:
    return Operation(
        "api_working_days",
        "GET",
        {
            "operationId": "workingDays",
            "tags": ["工作日历"],
            "summary": "第 N 个工作日",
            "description": "`start` 之后的第 `days` 个工作日（`start` 当天不计）。"
            + page_cache_note(),
            "parameters": [
                _date_parameter("start", "起算日"),
                {
                    "name": "days",
                    "in": "query",
                    "required": True,
                    "description": "工作日数（0 至 1000）",
                    "example": 20,
                    "schema": {"type": "integer", "minimum": 0, "maximum": 1000},
                },
            ],
            "responses": {
                **ok("日期", ref("WorkingDay")),
                **standard_responses(
                    invalid={"error": "参数有误", "fields": {"days": "应为 0 至 1000 的整数"}}
                ),
            },
        },
    )


# --- the document --------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")


def openapi_path(pattern: str) -> str:
    """A route pattern as an OpenAPI path: ``{index_number:.+}`` → ``{index_number}``."""
    return PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", pattern)


def route_patterns(registry) -> dict[str, str]:
    mapper = registry.getUtility(IRoutesMapper)
    return {route.name: route.pattern for route in mapper.get_routes()}


def operations(request) -> Iterator[Operation]:
    for build in OPERATIONS:
        yield build(request)


def components(request) -> JsonSchema:
    schema = request.catalogue_schema
    return {
        "schemas": {
            "Error": ERROR,
            "ServerError": SERVER_ERROR,
            "OrganisationList": obj(
                {"organisations": {"type": "array", "items": ref("Organisation")}}
            ),
            "Organisation": organisation_schema(),
            "CataloguePage": obj(
                {
                    "total": {"type": "integer", "minimum": 0, "description": "条目总数"},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1},
                    "items": {"type": "array", "items": ref("CatalogueItemSummary")},
                }
            ),
            "Attachment": ATTACHMENT,
            "CatalogueItemSummary": catalogue_item_schema(schema, full=False),
            "CatalogueItem": catalogue_item_schema(schema, full=True),
            "SearchHit": SEARCH_HIT,
            "SearchResult": search_result_schema(),
            "Application": application_schema(request),
            "Submission": SUBMISSION,
            "RequestStatus": request_status_schema(),
            "LetterList": obj({"letters": {"type": "array", "items": ref("Letter")}}),
            "Letter": LETTER,
            "ReleasedDocumentList": obj(
                {"documents": {"type": "array", "items": ref("ReleasedDocument")}}
            ),
            "ReleasedDocument": RELEASED_DOCUMENT,
            "DueDate": obj(
                {
                    "due_on": {**DATE, "description": "答复期限"},
                    "provisional": {**BOOLEAN, "description": "是否为暂定期限"},
                    "trail": {"type": "array", "items": ref("TrailStep")},
                }
            ),
            "WorkingDay": obj(
                {"date": DATE, "provisional": {**BOOLEAN, "description": "是否为暂定结果"}}
            ),
            "TrailStep": trail_step_schema(),
            **report_table_schemas(),
            "AnnualReport": annual_report_schema(),
            "AnnualReportSummary": summary_schema(),
        },
        "responses": RESPONSES,
    }


def build_document(request) -> JsonSchema:
    patterns = route_patterns(request.registry)
    paths: dict[str, dict[str, JsonSchema]] = {}
    for op in operations(request):
        path = openapi_path(patterns[op.route])
        paths.setdefault(path, {})[op.method.lower()] = op.spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "政府信息公开平台 API",
            "version": "1",
            "description": "政府信息公开平台的公开 JSON 接口：机构、信息公开目录、检索、依申请公开"
            "（提交申请、查询进度、下载文书和提供的文件）、年度报告和工作日历。\n\n"
            '全部响应为 UTF-8 JSON（下载除外）。错误为 `{"error": "…", "fields": '
            '{"字段": "信息"}}`（400、404、413、422、429），服务器错误为 `{"error", '
            '"request_id"}`（500、503）。不需要登录；只接受文档中列出的方法（其他方法为 405，'
            "带 `Allow` 头）。日期一律为 YYYY-MM-DD，且在 "
            f"{MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()} 之间。"
            "人可读的版本：`/api/docs`。",
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": name}
            for name in (
                "机构",
                "信息公开目录",
                "检索",
                "依申请公开",
                "年度报告",
                "工作日历",
                "文档",
            )
        ],
        "paths": paths,
        "components": components(request),
    }


def document(request) -> JsonSchema:
    """The document, built once per organisation tree (it lists the organisations' codes). The
    build calls no other ``memo`` (the tree's lock is not reentrant): it makes its own copies of
    the browse and search schemas with the functions the views' memos call."""
    return request.organisations.memo("openapi_document", lambda: build_document(request))
