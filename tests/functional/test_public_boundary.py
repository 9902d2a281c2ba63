"""The public boundary (disclosure/catalogue/visibility.py) holds on every public output.

Which items (drafts and withheld items never), which fields (``public: false`` never; no body of
an on-request item) and which attachments (none of an on-request item): item page, JSON API
(list and detail), attachment download, home, browse, apply page, search pages and the index.
"""

import hashlib
import shutil
from datetime import date
from types import SimpleNamespace

import pytest
import webtest
from sqlalchemy import select

from disclosure import main, models
from disclosure.catalogue.registry import load_schema
from disclosure.catalogue.services import CatalogueService
from disclosure.catalogue.visibility import (
    is_visible,
    public_attachments,
    public_fields,
    visible_items,
)
from disclosure.files.services import LocalFileStorage
from disclosure.models import Attachment, CatalogueItem
from disclosure.models.catalogue import ItemStatus
from disclosure.search.indexer import check, documents_for, public_item_ids

from ..conftest import ROOT, TODAY

SECRET_BODY = "秘密正文：红松鼠计划的实施细节不得外泄。"
SECRET_ATTACHMENT = "秘密附件：紫罗兰名单与联系方式"
OPEN_BODY = "公开正文：白色海豚保护行动。"
OPEN_ATTACHMENT = "公开附件：黄色长颈鹿统计表"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach(db, item, filename: str, text: str, data: bytes = PDF, storage=None) -> Attachment:
    digest = hashlib.sha256(data + text.encode()).hexdigest()
    key = f"{digest[:2]}/{digest}"
    if storage is not None:
        storage.put(key, data)
    attachment = Attachment(
        item=item,
        filename=filename,
        media_type="application/pdf",
        kind="pdf",
        size=len(data),
        sha256=digest,
        storage_key=key,
        text=text,
    )
    db.add(attachment)
    db.flush()
    return attachment


def make_items(db, service: CatalogueService, orgs: dict) -> dict:
    """A proactive item, an on-request item, a withheld item, a draft (with a reserved 索引号)
    and a published item with a pending draft, each with a distinctive word."""
    city, civil = orgs["city"], orgs["civil"]
    made = {}

    def base(**data):
        return {
            "summary": "",
            "created_on": date(2026, 3, 1),
            "topic": "general_affairs",
            "genre": "notice",
            **data,
        }

    open_item = service.create(
        civil,
        base(title="公开的通知：白色海豚", summary="公开概述。", body=OPEN_BODY),
        None,
    )
    made["open_attachment"] = attach(db, open_item, "公开附件.pdf", OPEN_ATTACHMENT)
    service.publish(open_item, None, TODAY)
    made["open"] = open_item

    on_request = service.create(
        civil,
        base(
            title="依申请公开的用地批复：灰狼",
            summary="关于用地事项的批复概述。",
            body=SECRET_BODY,
            document_number="咸民函〔2026〕77号",
            disclosure_mode="on_request",
        ),
        None,
    )
    made["secret_attachment"] = attach(db, on_request, "秘密附件.pdf", SECRET_ATTACHMENT)
    service.publish(on_request, None, TODAY)
    made["on_request"] = on_request

    withheld = service.create(
        city,
        base(title="不予公开：黑天鹅", body="黑天鹅正文", disclosure_mode="withheld"),
        None,
    )
    made["withheld_attachment"] = attach(db, withheld, "黑天鹅.pdf", "黑天鹅附件")
    service.publish(withheld, None, TODAY)
    made["withheld"] = withheld

    draft = service.create(city, base(title="草稿：金丝猴", body="金丝猴正文"), None)
    service.reserve_index_number(draft, f"{city.code}/2026-09999")
    made["draft_attachment"] = attach(db, draft, "金丝猴.pdf", "金丝猴附件")
    made["draft"] = draft

    revised = service.create(city, base(title="已发布的规定：白鹭"), None)
    service.publish(revised, None, TODAY)
    service.save_draft(revised, base(title="待发布修订：银狐"), None)
    made["pending"] = revised
    db.flush()
    return made


def pick_orgs(tree) -> dict:
    return {
        "city": tree.roots[0],
        "civil": next(o for o in tree.orgs if o.category_tree == "civil_affairs"),
    }


# --- one transaction per test: pages, API, downloads ------------------------------------------


@pytest.fixture
def made(orgs, catalogue, dbsession, app_settings):
    storage = LocalFileStorage(app_settings["disclosure.files_dir"])
    items = make_items(dbsession, catalogue, pick_orgs(orgs))
    for key in ("open_attachment", "secret_attachment", "withheld_attachment", "draft_attachment"):
        storage.put(items[key].storage_key, PDF)
    return items


def all_public_text(testapp, civil, city) -> str:
    """Every public listing, concatenated."""
    pages = [
        testapp.get("/").text,
        testapp.get("/catalogue", {"per_page": 100}).text,
        testapp.get("/catalogue", {"organisation": city.code, "per_page": 100}).text,
        testapp.get("/api/v1/catalogue", {"per_page": 100}).text,
        testapp.get("/api/v1/catalogue", {"organisation": civil.code, "per_page": 100}).text,
        testapp.get("/api/v1/catalogue", {"organisation": city.code, "per_page": 100}).text,
    ]
    return "\n".join(pages)


@pytest.mark.parametrize("key", ["draft", "withheld"])
def test_drafts_and_withheld_items_are_404_and_listed_nowhere(testapp, made, orgs, key):
    item = made[key]
    attachment = made[f"{key}_attachment"]
    assert item.index_number  # even with a 索引号 (a draft's reserved one), it stays hidden
    testapp.get(f"/catalogue/{item.index_number}", status=404)
    res = testapp.get(f"/api/v1/catalogue/{item.index_number}", status=404)
    assert item.title not in res.text
    testapp.get(f"/catalogue/{item.index_number}/files/{attachment.id}", status=404)
    listings = all_public_text(testapp, made["open"].organisation, orgs.roots[0])
    assert item.title not in listings and item.index_number not in listings
    assert made["open"].title in listings  # the listings do list the public item
    apply_page = testapp.get("/apply", {"index_number": item.index_number})
    assert item.title not in apply_page.text


def test_a_pending_draft_of_a_published_item_is_not_public(testapp, made, orgs):
    item = made["pending"]
    page = testapp.get(f"/catalogue/{item.index_number}")
    assert "已发布的规定：白鹭" in page.text and "银狐" not in page.text
    assert (
        testapp.get(f"/api/v1/catalogue/{item.index_number}").json["title"] == "已发布的规定：白鹭"
    )
    assert "银狐" not in all_public_text(testapp, made["open"].organisation, orgs.roots[0])


def test_on_request_item_page_shows_metadata_but_no_body_or_attachments(testapp, made):
    item = made["on_request"]
    page = testapp.get(f"/catalogue/{item.index_number}")
    for text in (
        item.title,
        item.index_number,
        "咸民函〔2026〕77号",
        "依申请公开",
        "申请公开此信息",
    ):
        assert text in page.text, text
    assert "关于用地事项的批复概述" in page.text  # the summary is metadata
    assert "红松鼠计划" not in page.text
    assert "秘密附件.pdf" not in page.text
    assert f"/files/{made['secret_attachment'].id}" not in page.text


def test_on_request_item_api_has_no_body_and_no_attachments(testapp, made):
    """The reported leak: GET /api/v1/catalogue/{index_number} returned an on-request body."""
    item = made["on_request"]
    res = testapp.get(f"/api/v1/catalogue/{item.index_number}")
    assert "body" not in res.json
    assert res.json["attachments"] == []
    assert "红松鼠计划" not in res.text and "秘密附件" not in res.text
    assert res.json["title"] == item.title and res.json["disclosure_mode"] == "on_request"
    listed = testapp.get("/api/v1/catalogue", {"per_page": 100}).json["items"]
    (entry,) = [i for i in listed if i["index_number"] == item.index_number]
    assert "body" not in entry and entry["attachments"] == []


def test_on_request_attachment_is_not_downloadable(testapp, made):
    item, secret = made["on_request"], made["secret_attachment"]
    testapp.get(f"/catalogue/{item.index_number}/files/{secret.id}", status=404)
    # the same download works for a proactive item's attachment (so the 404 is the rule)
    open_item, attachment = made["open"], made["open_attachment"]
    res = testapp.get(f"/catalogue/{open_item.index_number}/files/{attachment.id}")
    assert res.body == PDF
    # and one item's attachment is never served under another item's 索引号
    testapp.get(f"/catalogue/{open_item.index_number}/files/{secret.id}", status=404)
    testapp.get(f"/catalogue/{item.index_number}/files/{attachment.id}", status=404)


def test_a_proactive_item_shows_body_and_attachments(testapp, made):
    item = made["open"]
    page = testapp.get(f"/catalogue/{item.index_number}")
    assert OPEN_BODY in page.text and "公开附件.pdf" in page.text
    body = testapp.get(f"/api/v1/catalogue/{item.index_number}").json
    assert body["body"] == OPEN_BODY
    assert [a["filename"] for a in body["attachments"]] == ["公开附件.pdf"]


# --- the rule itself: predicate and SQL agree --------------------------------------------------


def test_predicate_and_sql_agree_on_every_status_and_mode(dbsession, civil, schema):
    modes = [c.code for c in schema.vocabulary("disclosure_modes").items]
    assert set(modes) >= {"proactive", "on_request", "withheld"}
    items = []
    for status in ItemStatus:
        for mode in modes:
            for numbered in (True, False):
                n = len(items)
                items.append(
                    CatalogueItem(
                        organisation=civil,
                        status=status.value,
                        disclosure_mode=mode,
                        title=f"可见性 {status} {mode} {numbered}",
                        index_number=f"VISTEST/2026-{n:05d}" if numbered else None,
                        extra={},
                        keywords=[],
                    )
                )
    dbsession.add_all(items)
    dbsession.flush()
    ids = [i.id for i in items]
    dbsession.expire_all()  # judge the items as loaded from the database
    loaded = dbsession.scalars(select(CatalogueItem).where(CatalogueItem.id.in_(ids))).all()
    by_python = {i.id for i in loaded if is_visible(i)}
    by_sql = set(
        dbsession.scalars(visible_items(CatalogueItem.id).where(CatalogueItem.id.in_(ids)))
    )
    expected = {
        i.id
        for i in loaded
        if i.status in ("published", "revised", "repealed")
        and i.disclosure_mode != "withheld"
        and i.index_number
    }
    assert by_python == by_sql == expected
    assert len(expected) == 3 * (len(modes) - 1)
    for item in loaded:
        if not is_visible(item):
            assert public_fields(item, schema) == {} and public_attachments(item) == []


# --- the search index and the search pages -----------------------------------------------------


@pytest.fixture(scope="module")
def search_env(databases, schema, tmp_path_factory):
    seeded = databases.seeded(schema)
    url, engine, factory = seeded.url, seeded.engine, seeded.factory
    with factory.begin() as db:
        from disclosure.organisations.services import OrganisationTree

        made = make_items(db, CatalogueService(db, schema), pick_orgs(OrganisationTree(db)))
        ids = {key: item.id for key, item in made.items() if isinstance(item, CatalogueItem)}
        numbers = {key: made[key].index_number for key in ids}
    settings = {
        "disclosure.database_url": url,
        "disclosure.session_secret": "x",
        "disclosure.files_dir": str(tmp_path_factory.mktemp("files")),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("index")),
        "disclosure.search.indexer": "off",
        "disclosure.search.backend": "whoosh",  # this module tests the Whoosh indexer
    }
    app = main({}, **settings)
    assert app.registry["search_indexer"].run_until_empty() > 0
    yield SimpleNamespace(
        app=app,
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        factory=factory,
        ids=ids,
        numbers=numbers,
        index=app.registry["search_index"],
        schema=schema,
    )
    app.registry["db_engine"].dispose()
    engine.dispose()


def api_search(env, **params):
    return env.testapp.get("/api/v1/search", params).json


def stored_documents(env) -> list[dict]:
    with env.index._index().searcher() as s:
        return list(s.all_stored_fields())


HIDDEN_WORDS = ("黑天鹅", "金丝猴", "银狐", "红松鼠计划", "紫罗兰名单")


@pytest.mark.parametrize("word", HIDDEN_WORDS)
def test_hidden_items_and_on_request_content_are_not_searchable(search_env, word):
    body = api_search(search_env, q=word)
    assert body["total"] == 0 and body["hits"] == []
    page = search_env.testapp.get("/search", {"q": word}).text
    assert "没有找到" in page  # the page echoes the query, and finds nothing


def test_public_content_is_searchable_and_on_request_metadata_too(search_env):
    env = search_env
    for word in ("白色海豚", "黄色长颈鹿"):
        assert [h["index_number"] for h in api_search(env, q=word)["hits"]] == [env.numbers["open"]]
    hits = api_search(env, q="灰狼")["hits"]
    assert [h["index_number"] for h in hits] == [env.numbers["on_request"]]
    page = env.testapp.get("/search", {"q": "灰狼"})
    assert "依申请公开的用地批复：灰狼" in page.text


def test_no_snippet_or_result_page_shows_hidden_text(search_env):
    env = search_env
    everything = api_search(env, q="", per_page=100)
    found = {h["index_number"] for h in everything["hits"]}
    assert found == {env.numbers[k] for k in ("open", "on_request", "pending")}
    for q in ("", "用地 批复", "灰狼", "关于用地事项"):
        res = env.testapp.get("/api/v1/search", {"q": q, "per_page": 100})
        page = env.testapp.get("/search", {"q": q, "per_page": 100})
        for word in HIDDEN_WORDS:
            assert word not in res.text and word not in page.text, (q, word)


def test_index_holds_only_the_public_view(search_env):
    env = search_env
    docs = stored_documents(env)
    assert {d["item_id"] for d in docs} == {
        str(env.ids[k]) for k in ("open", "on_request", "pending")
    }
    for doc in docs:
        for word in HIDDEN_WORDS:
            assert word not in repr(doc), (doc["item_id"], word)
    with env.factory() as db:
        assert set(public_item_ids(db)) == {env.ids[k] for k in ("open", "on_request", "pending")}
        fresh, deletions = documents_for(db, set(env.ids.values()), schema=env.schema)
    assert {d["item_id"] for d in fresh} == {d["item_id"] for d in docs}
    assert str(env.ids["withheld"]) in deletions and str(env.ids["draft"]) in deletions
    for doc in fresh:
        for word in HIDDEN_WORDS:
            assert word not in repr(doc)
    assert check(env.factory, env.index).ok


# --- fields marked ``public: false`` ---------------------------------------------------------

EXTRA_FIELDS = """
  - name: internal_note
    label: 内部备注
    label_en: Internal note
    type: textarea
    required: false
    public: false
  - name: source_office
    label: 承办处室
    label_en: Responsible office
    type: text
    required: false
    max_length: 100
"""


@pytest.fixture
def private_env(databases, tmp_path, monkeypatch):
    """Its own database and app, with a schema copy that adds a private and a public optional
    field and marks the standard, indexed ``keywords`` field ``public: false``."""
    target = tmp_path / "catalog_schemas"
    shutil.copytree(ROOT / "catalog_schemas", target)
    fields = target / "fields.yaml"
    text = fields.read_text(encoding="utf-8")
    assert "label_en: Keywords\n" in text
    text = text.replace("label_en: Keywords\n", "label_en: Keywords\n    public: false\n")
    fields.write_text(text + EXTRA_FIELDS, encoding="utf-8")
    # The app and its indexer both read the schema directory from the environment.
    monkeypatch.setenv("DISCLOSURE_SCHEMAS_DIR", str(target))
    schema = load_schema(target)
    seeded = databases.seeded(schema)
    url, engine, factory = seeded.url, seeded.engine, seeded.factory
    with factory.begin() as db:
        org = db.scalars(
            select(models.Organisation).where(models.Organisation.parent_id.is_(None))
        ).one()
        service = CatalogueService(db, schema)
        item = service.create(
            org,
            {
                "title": "关于字段公开范围的通知",
                "created_on": date(2026, 3, 1),
                "topic": "general_affairs",
                "genre": "notice",
                "body": "正文：字段公开范围测试。",
                "keywords": ["橙色企鹅"],
                "internal_note": "内部备注：蓝鲸行动暂缓",
                "source_office": "社会救助科",
            },
            None,
        )
        service.publish(item, None, TODAY)
        item_id, number = item.id, item.index_number
    app = main(
        {},
        **{
            "disclosure.database_url": url,
            "disclosure.session_secret": "x",
            "disclosure.schemas_dir": str(target),
            "disclosure.files_dir": str(tmp_path / "files"),
            "disclosure.search.index_dir": str(tmp_path / "index"),
            "disclosure.search.indexer": "off",
            "disclosure.search.backend": "whoosh",
        },
    )
    assert app.registry["search_indexer"].run_until_empty() > 0
    yield SimpleNamespace(
        testapp=webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}),
        index=app.registry["search_index"],
        factory=factory,
        schema=schema,
        item_id=item_id,
        number=number,
    )
    app.registry["db_engine"].dispose()
    engine.dispose()


PRIVATE_WORDS = ("蓝鲸行动", "内部备注", "橙色企鹅")


def test_private_fields_are_on_no_public_output(private_env):
    env = private_env
    page = env.testapp.get(f"/catalogue/{env.number}").text
    detail = env.testapp.get(f"/api/v1/catalogue/{env.number}")
    listing = env.testapp.get("/api/v1/catalogue", {"per_page": 100})
    (entry,) = listing.json["items"]
    # the public optional field is shown
    assert "承办处室" in page and "社会救助科" in page
    assert detail.json["source_office"] == "社会救助科" and entry["source_office"] == "社会救助科"
    # the private ones are not, anywhere
    assert "internal_note" not in detail.json and "internal_note" not in entry
    assert "keywords" not in detail.json and "keywords" not in entry
    for word in PRIVATE_WORDS:
        assert word not in page and word not in detail.text and word not in listing.text, word
        search = env.testapp.get("/api/v1/search", {"q": word})
        assert search.json["total"] == 0, word
        assert word not in env.testapp.get("/api/v1/search", {"q": "字段公开范围"}).text
    # the item itself is found, by its public content
    hits = env.testapp.get("/api/v1/search", {"q": "字段公开范围"}).json["hits"]
    assert [h["index_number"] for h in hits] == [env.number]


def test_private_fields_are_not_in_the_index_document(private_env):
    env = private_env
    with env.index._index().searcher() as s:
        stored = list(s.all_stored_fields())
    assert [d["item_id"] for d in stored] == [str(env.item_id)]
    with env.factory() as db:
        (doc,), _ = documents_for(db, {env.item_id}, schema=env.schema)
        item = db.get(CatalogueItem, env.item_id)
        fields = public_fields(item, env.schema)
    assert doc["keywords"] == ""
    assert "internal_note" not in fields and "keywords" not in fields
    assert fields["source_office"] == "社会救助科"
    for word in PRIVATE_WORDS:
        assert word not in repr(doc) and word not in repr(stored), word
