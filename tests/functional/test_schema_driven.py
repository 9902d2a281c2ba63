"""The catalogue schema is data: a new optional field needs no code; a broken file stops start-up."""

import shutil

import pytest

from disclosure import main
from disclosure.catalogue.registry import SchemaError
from disclosure.settings import SettingsError

from ..conftest import ROOT, TODAY, TestApp

EXTRA_FIELD = """
  - name: source_office
    label: 承办处室
    label_en: Responsible office
    type: text
    required: false
    max_length: 100
"""


@pytest.fixture
def extended_schemas(tmp_path):
    target = tmp_path / "catalog_schemas"
    shutil.copytree(ROOT / "catalog_schemas", target)
    with (target / "fields.yaml").open("a", encoding="utf-8") as fh:
        fh.write(EXTRA_FIELD)
    return target


def test_an_optional_field_added_to_the_schema_is_in_form_storage_page_and_api(
    app_settings, extended_schemas, tm, orgs, make_user, dbsession
):
    app = main({}, **{**app_settings, "disclosure.schemas_dir": str(extended_schemas)})
    app.registry["disclosure.clock"] = lambda: TODAY
    testapp = TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )
    civil = next(o for o in orgs.orgs if o.category_tree == "civil_affairs")
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/items/new").forms["deform"]
    assert "承办处室" in form.text
    form["title"] = "新字段测试"
    form["created_on"] = "2026-10-01"
    form["topic"] = "general_affairs"
    form["genre"] = "notice"
    form["source_office"] = "社会救助科"
    res = form.submit("save", status=303)
    item_id = int(res.location.rsplit("/", 1)[1])
    from disclosure.models import CatalogueItem

    item = dbsession.get(CatalogueItem, item_id)
    assert item.extra["source_office"] == "社会救助科"
    token = testapp.csrf_token()
    testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": token, "lock_version": item.lock_version},
        status=303,
    )
    page = testapp.get(f"/catalogue/{item.index_number}")
    assert "承办处室" in page.text and "社会救助科" in page.text
    assert (
        testapp.get(f"/api/v1/catalogue/{item.index_number}").json["source_office"] == "社会救助科"
    )
    app.registry["db_engine"].dispose()


def test_a_broken_schema_file_stops_start_up_naming_file_and_field(app_settings, tmp_path):
    target = tmp_path / "catalog_schemas"
    shutil.copytree(ROOT / "catalog_schemas", target)
    fields = target / "fields.yaml"
    fields.write_text(
        fields.read_text(encoding="utf-8").replace("vocabulary: genres", "vocabulary: genre_list"),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError) as exc:
        main({}, **{**app_settings, "disclosure.schemas_dir": str(target)})
    assert "catalog_schemas/fields.yaml" in str(exc.value)
    assert "genre" in str(exc.value) and "genre_list" in str(exc.value)


def test_production_settings_need_their_environment_variables(app_settings, monkeypatch):
    monkeypatch.delenv("DISCLOSURE_SESSION_SECRET", raising=False)
    monkeypatch.delenv("DISCLOSURE_DATABASE_URL", raising=False)
    monkeypatch.delenv("APP_SECRET_FOR_TEST", raising=False)
    with pytest.raises(SettingsError) as exc:
        main({}, **{**app_settings, "disclosure.session_secret": "env:APP_SECRET_FOR_TEST"})
    assert "APP_SECRET_FOR_TEST" in str(exc.value)
