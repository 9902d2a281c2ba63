"""The OpenAPI 3.1 document of the public API (``/api/v1/openapi.json``) and its page
(``/api/docs``): a valid document, every ``/api/v1`` route and method in it and nothing else,
built from the schemas the views validate with; 405 with ``Allow`` for any other method."""

from __future__ import annotations

import re

import colander
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from pyramid.interfaces import IRoutesMapper

from disclosure.api.openapi import BROWSE_YEARS, DATE_IN_RANGE, openapi_path
from disclosure.api.views import ANY, route_methods
from disclosure.catalogue.browse import MAX_PER_PAGE, _year
from disclosure.dates import MAX_DATE, MIN_DATE
from disclosure.requests.intake import ApplicationSchema

IMPLIED = {"HEAD"}  # Pyramid answers HEAD wherever it answers GET; OpenAPI leaves it implied


@pytest.fixture
def document(testapp):
    res = testapp.get("/api/v1/openapi.json", status=200)
    assert res.content_type == "application/json"
    return res.json


def api_routes(app) -> dict[str, str]:
    mapper = app.registry.getUtility(IRoutesMapper)
    return {r.name: r.pattern for r in mapper.get_routes() if r.pattern.startswith("/api/v1")}


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_every_api_route_and_method_is_documented_and_nothing_else(app, document):
    methods = route_methods(app.registry)
    registered = set()
    for name, pattern in api_routes(app).items():
        answered = methods.get(name, frozenset())
        assert answered, f"{name}: a route with no view"
        assert ANY not in answered, f"{name}: a view that takes every method"
        registered |= {(openapi_path(pattern), m) for m in answered - IMPLIED}
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    assert documented == registered
    # and the paths are the routes' own: /api/v1/catalogue/{index_number:.+} → {index_number}
    assert "/api/v1/catalogue/{index_number}" in document["paths"]
    operation_ids = [
        op["operationId"] for item in document["paths"].values() for op in item.values()
    ]
    assert len(operation_ids) == len(set(operation_ids)) == len(documented)


def test_every_operation_documents_its_answers_and_errors(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            answers = op["responses"]
            assert {"400", "500", "503"} <= set(answers), (method, path)
            assert any(code.startswith("2") for code in answers), (method, path)
            if "{" in path and path != "/api/v1/catalogue/{index_number}":
                assert "404" in answers, (method, path)
            for parameter in op.get("parameters", []):
                assert parameter.get("description"), (path, parameter["name"])
    lookups = [p for p in document["paths"] if p.startswith("/api/v1/requests/")]
    assert lookups and all("429" in document["paths"][p]["get"]["responses"] for p in lookups)
    submit = document["paths"]["/api/v1/requests"]["post"]
    assert {"201", "400", "413", "422"} <= set(submit["responses"])
    responses = document["components"]["responses"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and set(error["properties"]) == {"error", "fields"}
    for name in ("BadRequest", "NotFound", "TooManyRequests"):
        body = responses[name]["content"]["application/json"]
        assert body["schema"] == {"$ref": "#/components/schemas/Error"}
        assert set(body["example"]) <= {"error", "fields"}
    assert "Retry-After" in responses["Unavailable"]["headers"]


def examples(document):
    """(where, example, schema) for every example of the document."""
    for path, item in document["paths"].items():
        for method, op in item.items():
            for parameter in op.get("parameters", []):
                if "example" in parameter:
                    yield (
                        f"{method} {path} {parameter['name']}",
                        parameter["example"],
                        parameter["schema"],
                    )
            for media in op.get("requestBody", {}).get("content", {}).values():
                yield f"{method} {path} body", media["example"], media["schema"]
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    if "example" in media:
                        yield f"{method} {path} {status}", media["example"], media["schema"]
    for name, response in document["components"]["responses"].items():
        for media in response["content"].values():
            yield name, media["example"], media["schema"]


def test_every_example_is_valid_by_its_schema(document):
    from jsonschema import Draft202012Validator, FormatChecker

    seen = 0
    for where, example, schema in examples(document):
        # the components travel with the schema, so "#/components/…" resolves
        validator = Draft202012Validator(
            {**schema, "components": document["components"]}, format_checker=FormatChecker()
        )
        problems = [e.message for e in validator.iter_errors(example)]
        assert not problems, (where, problems)
        seen += 1
    assert seen >= 40


def test_the_parameters_are_the_views_own_schemas(app, document, testapp):
    from disclosure.search.views import new_search_schema

    paths = document["paths"]
    catalogue = {p["name"]: p for p in paths["/api/v1/catalogue"]["get"]["parameters"]}
    assert list(catalogue) == ["organisation", "topic", "genre", "year", "page", "per_page"]
    per_page = catalogue["per_page"]["schema"]["anyOf"][0]
    assert per_page["maximum"] == MAX_PER_PAGE and per_page["default"] == 20
    schema = app.registry["catalogue_schema"]
    topic = catalogue["topic"]["schema"]["anyOf"][0]["enum"]
    assert set(schema.vocabulary("topics").codes) <= set(topic)
    assert {c.label for c in schema.vocabulary("topics").items} <= set(topic)

    with testapp.app.registry["dbsession_factory"]() as db:
        from disclosure.organisations.services import OrganisationTree

        tree = OrganisationTree(db)
    organisation = catalogue["organisation"]["schema"]["anyOf"][0]["enum"]
    assert organisation == sorted(tree.by_code)
    searched = [p["name"] for p in paths["/api/v1/search"]["get"]["parameters"]]
    assert searched == [c.name for c in new_search_schema(schema, tree).children]

    body = document["components"]["schemas"]["Application"]
    fields = ApplicationSchema(tree.by_code)
    assert list(body["properties"]) == [c.name for c in fields.children]
    assert set(body["required"]) == {
        c.name for c in fields.children if c.missing is colander.required
    } | {"consent"}
    assert body["properties"]["organisation"]["enum"] == list(tree.by_code)


def test_what_the_function_validators_accept_is_what_the_document_says():
    node = colander.SchemaNode(colander.Int(), name="year")
    low, high = BROWSE_YEARS
    for year in (low, high):
        _year(node, year)
    for year in (low - 1, high + 1):
        with pytest.raises(colander.Invalid):
            _year(node, year)
    pattern = re.compile(DATE_IN_RANGE)
    assert pattern.match(MIN_DATE.isoformat()) and pattern.match(MAX_DATE.isoformat())
    assert not pattern.match("1989-12-31") and not pattern.match("2101-01-01")


def test_a_validator_the_document_cannot_describe_stops_it():
    from disclosure.api import jsonschema
    from disclosure.api.openapi import describe

    def new_rule(node, value):
        raise colander.Invalid(node, "无效")

    node = colander.SchemaNode(colander.Mapping())
    node.add(colander.SchemaNode(colander.String(), name="x", validator=new_rule))
    with pytest.raises(ValueError, match="new_rule"):
        jsonschema.to_json_schema(node, describe)


def test_the_page_lists_every_operation_with_examples(testapp, document):
    page = testapp.get("/api/docs", status=200)
    assert page.content_type == "text/html"
    html = page.text
    assert '<html lang="zh-CN">' in html and "API 文档" in html
    for item in document["paths"].values():
        for op in item.values():
            assert f'id="{op["operationId"]}"' in html, op["operationId"]
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "示例请求" in html and "X-Access-Code: K7M2Q9PX" in html
    assert "Idempotency-Key" in html and "413" in html and "429" in html
    # nothing from elsewhere: no inline script, no script, stylesheet or font from another host
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all(re.search(r'src="http://example\.com/static/', tag) for tag in scripts), scripts
    assert not re.search(r'(?:src|href)="(?:https?:)?//(?!example\.com)', html)


def test_another_method_is_405_with_the_methods_there_are(testapp):
    res = testapp.post("/api/v1/catalogue", status=405)
    assert res.headers["Allow"] == "GET, HEAD" and res.json["error"]
    res = testapp.delete("/api/v1/requests", status=405)
    assert res.headers["Allow"] == "POST"
    res = testapp.put("/api/v1/openapi.json", status=405)
    assert res.headers["Allow"] == "GET, HEAD"
    testapp.head("/api/v1/openapi.json", status=200)
    # a page outside the API keeps its 404
    testapp.delete("/requests/receipt", status=404)


def test_the_document_follows_the_organisation_tree(testapp, dbsession, document):
    from disclosure.models import Organisation

    parent = dbsession.query(Organisation).filter_by(kind="city").first()
    dbsession.add(
        Organisation(
            code="99OPENAPI",
            name="文档测试机构",
            short_name="文档",
            kind="department",
            parent=parent,
            category_tree="generic",
        )
    )
    dbsession.flush()
    again = testapp.get("/api/v1/openapi.json", status=200).json
    params = again["paths"]["/api/v1/catalogue"]["get"]["parameters"]
    codes = next(p for p in params if p["name"] == "organisation")["schema"]["anyOf"][0]["enum"]
    assert "99OPENAPI" in codes
    old = document["paths"]["/api/v1/catalogue"]["get"]["parameters"][0]["schema"]["anyOf"][0]
    assert "99OPENAPI" not in old["enum"]
