"""The OAI-PMH 2.0 provider (/oai), harvested by Sickle (an OAI-PMH client from PyPI) from a
real server on a loopback port, and checked raw for the protocol's error conditions.

The site lives in a database of its own, committed once: in a county, a township below it and
a city department, items published, revised (with an attachment), repealed, on request only,
withdrawn to 不予公开 after publication (a tombstone), never published, and withheld from the
start. Their datestamps are then set to known instants (one a month) so that from/until can be
checked; two records a page, so every list is sent in pages.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
import waitress
import webtest
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import CannotDisseminateFormat, IdDoesNotExist, NoRecordsMatch
from sqlalchemy import select, update

from alembic import command
from disclosure import main, models
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LocalFileStorage, store_content
from disclosure.models import Attachment, CatalogueItem, OaiTombstone
from disclosure.oai.protocol import DISCLOSURE, OAI
from disclosure.organisations.services import OrganisationTree
from disclosure.scripts.migrations import alembic_config, upgrade

from ..conftest import TODAY
from .test_migrations import _database

NS = {"o": OAI, "d": DISCLOSURE}
ATTACHMENT = b"%PDF-1.4\n% oai attachment\n%%EOF\n"
HIDDEN_BODY = "依申请公开正文不应出现在收割记录中"
DRAFT_TITLE = "OAI 草稿条目（从未发布）"
WITHHELD_TITLE = "OAI 自始不予公开条目"


@contextlib.contextmanager
def serve(app):
    """``app`` served by waitress on a free loopback port, from a thread; yields the base URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(10)


def site_settings(url: str, tmp, **extra) -> dict:
    return {
        "disclosure.database_url": url,
        "disclosure.files_dir": str(tmp / "files"),
        "disclosure.session_secret": "oai-test-secret",
        "disclosure.search.index_dir": str(tmp / "index"),
        "disclosure.search.indexer": "off",
        "disclosure.mail.worker": "off",
        "pyramid.default_locale_name": "zh_Hans",
        **extra,
    }


def item(**overrides) -> dict:
    data = {
        "title": "关于做好政务公开工作的通知",
        "summary": "部署政务公开工作。",
        "body": "各有关单位：\n请做好政务公开工作。",
        "document_number": "",
        "created_on": date(2026, 1, 5),
        "topic": "general_affairs",
        "genre": "notice",
        "keywords": ["政务公开"],
        "disclosure_mode": "proactive",
        "validity": "valid",
    }
    data.update(overrides)
    return data


@dataclass
class Site:
    base: str
    app: object
    numbers: dict  # name → 索引号
    county: str  # setSpec of the county
    township: str
    dept: str

    @property
    def oai(self) -> str:
        return self.base + "/oai"


@pytest.fixture(scope="module")
def site(databases, schema, tmp_path_factory):
    seeded = databases.seeded(schema)
    tmp = tmp_path_factory.mktemp("oai")
    app = main({}, **site_settings(seeded.url, tmp, **{"disclosure.oai.page_size": "2"}))
    app.registry["disclosure.clock"] = lambda: TODAY
    factory = app.registry["dbsession_factory"]
    storage = LocalFileStorage(tmp / "files")
    numbers = {}
    with factory() as db:
        tree = OrganisationTree(db)
        county = next(o for o in tree.orgs if o.kind == "county")
        township = tree.children(county)[0]
        department = next(o for o in tree.orgs if o.category_tree == "civil_affairs")
        catalogue = CatalogueService(db, schema)

        def publish(org, **data):
            made = catalogue.create(org, item(**data), None)
            catalogue.publish(made, None, TODAY)
            return made

        a = publish(county, title="县政府关于春耕生产的通知", document_number="秦政发〔2026〕1号")
        b = publish(township, title="镇政府关于防汛工作的通知")
        catalogue.save_draft(b, item(title="镇政府关于防汛工作的通知（修订）"), None)
        catalogue.publish(b, None, TODAY)
        digest, key = store_content(storage, ATTACHMENT)
        db.add(
            Attachment(
                item=b,
                filename="防汛预案.pdf",
                media_type="application/pdf",
                kind="pdf",
                size=len(ATTACHMENT),
                sha256=digest,
                storage_key=key,
            )
        )
        c = publish(department, title="民政局关于低保标准的通知")
        catalogue.repeal(c, None, "已被新文件取代", today=TODAY)
        d = publish(
            township, title="镇政府内部会议纪要", disclosure_mode="on_request", body=HIDDEN_BODY
        )
        e = publish(county, title="县政府关于撤回公开的通知")
        catalogue.save_draft(e, item(title=e.title, disclosure_mode="withheld"), None)
        catalogue.publish(e, None, TODAY)
        catalogue.create(county, item(title=DRAFT_TITLE), None)
        publish(county, title=WITHHELD_TITLE, disclosure_mode="withheld")
        db.commit()
        numbers = {n: i.index_number for n, i in zip("abcde", (a, b, c, d, e), strict=True)}
        # known datestamps: the 10th of months 1 to 5, 08:00 UTC, in the order a..e
        for month, name in enumerate("abcd", start=1):
            db.execute(
                update(CatalogueItem)
                .where(CatalogueItem.index_number == numbers[name])
                .values(public_changed_at=datetime(2026, month, 10, 8))
            )
        db.execute(
            update(OaiTombstone)
            .where(OaiTombstone.index_number == numbers["e"])
            .values(deleted_at=datetime(2026, 5, 10, 8))
        )
        db.commit()
        specs = {
            name: ":".join(o.code for o in (*tree.ancestors(org), org))
            for name, org in (("county", county), ("township", township), ("dept", department))
        }
    with serve(app) as base:
        yield Site(base, app, numbers, specs["county"], specs["township"], specs["dept"])
    app.registry["db_engine"].dispose()


def oai_id(site: Site, name: str) -> str:
    return f"oai:127.0.0.1:{site.numbers[name]}"


def raw(site: Site, **params) -> etree._Element:
    testapp = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    res = testapp.get("/oai?" + urlencode(params), status=200)
    assert res.content_type == "text/xml"
    return etree.fromstring(res.body)


def error_code(root) -> str | None:
    found = root.find("o:error", NS)
    return found.get("code") if found is not None else None


# --- harvesting with Sickle -------------------------------------------------------------------


def test_sickle_harvests_every_public_record_across_pages(site):
    sickle = Sickle(site.oai)
    records = list(sickle.ListRecords(metadataPrefix="disclosure", ignore_deleted=False))
    ids = [r.header.identifier for r in records]
    # four public items and the tombstone, once each, in datestamp order, in three pages
    assert ids == [oai_id(site, n) for n in "abcde"]
    assert [r.header.datestamp for r in records] == [f"2026-0{m}-10T08:00:00Z" for m in range(1, 6)]
    deleted = records[-1]
    assert deleted.deleted and deleted.header.setSpecs == [site.county]
    a, b, c, d = (r.metadata for r in records[:4])
    assert a["title"] == ["县政府关于春耕生产的通知"]
    assert a["document_number"] == ["秦政发〔2026〕1号"]
    assert a["status"] == ["published"] and a["index_number"] == [site.numbers["a"]]
    assert b["title"] == ["镇政府关于防汛工作的通知（修订）"] and b["status"] == ["revised"]
    assert c["status"] == ["repealed"] and c["validity"] == ["repealed"]
    assert d["disclosure_mode"] == ["on_request"] and "body" not in d
    text = "".join(r.raw for r in records)
    for secret in (HIDDEN_BODY, DRAFT_TITLE, WITHHELD_TITLE):
        assert secret not in text

    # every record is valid against the format's own schema, served by the site
    xsd = etree.XMLSchema(
        etree.fromstring(webtest.TestApp(site.app).get("/oai/disclosure.xsd").body)
    )
    for record in records[:4]:
        metadata = record.xml.find(".//o:metadata", NS)[0]
        xsd.assertValid(metadata)
    attachment = records[1].xml.find(".//d:attachment", NS)
    assert attachment.get("filename") == "防汛预案.pdf"
    assert attachment.get("size") == str(len(ATTACHMENT))
    download = webtest.TestApp(site.app).get(urlsplit(attachment.get("url")).path)
    assert download.body == ATTACHMENT
    topic = records[0].xml.find(".//d:topic", NS)
    assert topic.text == "general_affairs" and topic.get("label") == "综合政务"
    organisation = records[0].xml.find(".//d:organisation", NS)
    assert organisation.get("code") == site.county.rsplit(":", 1)[-1]


def test_sickle_oai_dc_and_resumption_tokens(site):
    sickle = Sickle(site.oai)
    records = sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=True)
    first = next(records)
    assert first.metadata["title"] == ["县政府关于春耕生产的通知"]
    assert site.numbers["a"] in first.metadata["identifier"]
    assert first.metadata["type"] == ["通知"]
    assert records.resumption_token.token
    assert records.resumption_token.complete_list_size == "5"
    assert records.resumption_token.cursor == "0"
    rest = list(records)  # Sickle follows the tokens (and skips the deleted record)
    assert [r.header.identifier for r in rest] == [oai_id(site, n) for n in "bcd"]
    # the last page ends the list with an empty token
    page = raw(site, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = page.find(".//o:resumptionToken", NS).text
    page = raw(site, verb="ListIdentifiers", resumptionToken=token)
    token = page.find(".//o:resumptionToken", NS).text
    last = raw(site, verb="ListIdentifiers", resumptionToken=token)
    end = last.find(".//o:resumptionToken", NS)
    assert end.text is None and end.get("cursor") == "4"
    assert len(last.findall(".//o:header", NS)) == 1
    assert last.find(".//o:header", NS).get("status") == "deleted"


def test_identify_sets_and_formats(site):
    sickle = Sickle(site.oai)
    identify = sickle.Identify()
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.earliestDatestamp == "2026-01-10T08:00:00Z"
    assert identify.baseURL == site.oai
    assert identify.repositoryName == "咸阳市人民政府政府信息公开目录"
    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert site.county in sets and site.township in sets and site.dept in sets
    assert site.township.startswith(site.county + ":")
    assert sets[site.county].endswith("人民政府")
    formats = {f.metadataPrefix: f for f in sickle.ListMetadataFormats()}
    assert set(formats) == {"oai_dc", "disclosure"}
    assert formats["disclosure"].metadataNamespace == DISCLOSURE
    assert formats["disclosure"].schema == site.base + "/oai/disclosure.xsd"
    for_item = sickle.ListMetadataFormats(identifier=oai_id(site, "e"))  # a tombstone too
    assert {f.metadataPrefix for f in for_item} == {"oai_dc", "disclosure"}
    with pytest.raises(IdDoesNotExist):
        list(sickle.ListMetadataFormats(identifier="oai:127.0.0.1:016000001/2099-00001"))


def test_get_record_live_repealed_and_deleted(site):
    sickle = Sickle(site.oai)
    record = sickle.GetRecord(identifier=oai_id(site, "c"), metadataPrefix="oai_dc")
    assert record.header.setSpecs == [site.dept]
    assert "本文件已废止" in record.metadata["description"]
    gone = sickle.GetRecord(identifier=oai_id(site, "e"), metadataPrefix="disclosure")
    assert gone.deleted and gone.header.datestamp == "2026-05-10T08:00:00Z"
    with pytest.raises(CannotDisseminateFormat):
        sickle.GetRecord(identifier=oai_id(site, "a"), metadataPrefix="marc21")
    for unknown in (
        f"oai:other.example:{site.numbers['a']}",  # another repository's identifier
        oai_id(site, "a").replace("-0", "-9"),
    ):
        with pytest.raises(IdDoesNotExist):
            sickle.GetRecord(identifier=unknown, metadataPrefix="oai_dc")


def test_from_until_and_sets_select_records(site):
    sickle = Sickle(site.oai)

    def ids(**params) -> list[str]:
        try:
            found = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **params)
            return [h.identifier.rsplit(":", 1)[-1] for h in found]
        except NoRecordsMatch:
            return []

    n = site.numbers
    assert ids(**{"from": "2026-02-10"}) == [n["b"], n["c"], n["d"], n["e"]]
    assert ids(until="2026-02-10") == [n["a"], n["b"]]  # a day until its last second
    assert ids(**{"from": "2026-02-10T08:00:00Z", "until": "2026-03-10T08:00:00Z"}) == [
        n["b"],
        n["c"],
    ]
    assert ids(**{"from": "2026-02-10T08:00:01Z", "until": "2026-03-10T07:59:59Z"}) == []
    assert ids(**{"from": "2026-05-01"}) == [n["e"]]  # the deletion, to an incremental harvest
    # a set holds its organisation and everything below it
    assert ids(set=site.county) == [n["a"], n["b"], n["d"], n["e"]]
    assert ids(set=site.township) == [n["b"], n["d"]]
    assert ids(set=site.dept) == [n["c"]]
    assert ids(set=site.township, **{"from": "2026-03-01"}) == [n["d"]]
    assert ids(set="016000001:999999999") == []
    assert ids(set=site.township.rsplit(":", 1)[-1]) == []  # the whole path names a set


def test_post_is_answered_like_get(site):
    testapp = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    res = testapp.post(
        "/oai", {"verb": "GetRecord", "identifier": oai_id(site, "a"), "metadataPrefix": "oai_dc"}
    )
    root = etree.fromstring(res.body)
    assert error_code(root) is None
    assert root.find(".//o:identifier", NS).text == oai_id(site, "a")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-1-1"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00Z"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListIdentifiers",
                "metadataPrefix": "oai_dc",
                "from": "2026-03-01",
                "until": "2026-02-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "a b"}, "badArgument"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2027-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "ListIdentifiers", "resumptionToken": "garbage"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
        (
            {"verb": "GetRecord", "identifier": "nothing", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
    ],
)
def test_error_conditions(site, params, code):
    pairs = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    root = raw_pairs(site, pairs)
    assert error_code(root) == code
    request = root.find("o:request", NS)
    assert request.text == "http://127.0.0.1/oai"
    if code in ("badVerb", "badArgument"):
        assert not request.attrib  # the request is echoed without its arguments
    else:
        assert request.get("verb") == params["verb"]
    assert root.find("o:responseDate", NS).text.endswith("Z")


def raw_pairs(site: Site, pairs) -> etree._Element:
    testapp = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    return etree.fromstring(testapp.get("/oai?" + urlencode(pairs), status=200).body)


def test_tampered_and_foreign_tokens_are_refused(site):
    page = raw(site, verb="ListRecords", metadataPrefix="disclosure")
    token = page.find(".//o:resumptionToken", NS).text
    payload, signature = token.split(".")
    edited = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert error_code(raw(site, verb="ListRecords", resumptionToken=edited)) == "badResumptionToken"
    # a ListRecords token does not continue a ListIdentifiers list
    assert error_code(raw(site, verb="ListIdentifiers", resumptionToken=token)) == (
        "badResumptionToken"
    )
    assert error_code(raw(site, verb="ListRecords", resumptionToken=token)) is None


# --- datestamps and tombstones follow the public changes -----------------------------------


def _stamp(dbsession, item) -> datetime:
    dbsession.flush()
    dbsession.refresh(item)
    return item.public_changed_at


def test_datestamps_and_tombstones_follow_public_changes(dbsession, catalogue, civil, schema):
    from disclosure.oai.services import Repository, Selection

    old = datetime(2020, 1, 1)
    made = catalogue.create(civil, item(title="日期戳测试条目"), None)
    catalogue.publish(made, None, TODAY)
    number = made.index_number
    assert _stamp(dbsession, made) > old

    def reset():
        dbsession.execute(
            update(CatalogueItem).where(CatalogueItem.id == made.id).values(public_changed_at=old)
        )
        dbsession.expire(made)

    def stones():
        return dbsession.scalars(
            select(OaiTombstone).where(OaiTombstone.index_number == number)
        ).all()

    reset()
    catalogue.save_draft(made, item(title="日期戳测试条目（草稿）"), None)
    assert _stamp(dbsession, made) == old  # a draft is not a public change
    catalogue.publish(made, None, TODAY)
    assert _stamp(dbsession, made) > old  # the revision is
    reset()
    dbsession.add(
        Attachment(
            item=made,
            filename="a.pdf",
            media_type="application/pdf",
            kind="pdf",
            size=3,
            sha256="0" * 64,
            storage_key="00/" + "0" * 64,
        )
    )
    assert _stamp(dbsession, made) > old  # so is a new attachment
    assert stones() == []

    # revised to 不予公开: a tombstone at that instant, and the record is deleted
    catalogue.save_draft(made, item(title=made.title, disclosure_mode="withheld"), None)
    catalogue.publish(made, None, TODAY)
    dbsession.flush()
    [stone] = stones()
    assert stone.organisation_id == civil.id and stone.item_id == made.id
    repo = Repository(dbsession, OrganisationTree(dbsession))
    record = repo.find(number)
    assert record.deleted and record.datestamp == stone.deleted_at
    listed, _ = repo.page(Selection(None, stone.deleted_at, None), None, 100)
    assert [(r.index_number, r.deleted) for r in listed] == [(number, True)]
    # public again: the tombstone goes, the record is live
    catalogue.save_draft(made, item(title=made.title, disclosure_mode="proactive"), None)
    catalogue.publish(made, None, TODAY)
    dbsession.flush()
    assert stones() == []
    assert not repo.find(number).deleted
    # deleted outright: a tombstone again
    for version in made.versions:
        dbsession.delete(version)
    for attachment in made.attachments:
        dbsession.delete(attachment)
    dbsession.flush()
    dbsession.delete(made)
    dbsession.flush()
    [stone] = stones()
    assert stone.item_id is None and repo.find(number).deleted


def test_bad_page_size_stops_start_up(app_settings):
    from disclosure.settings import SettingsError

    with pytest.raises(SettingsError, match="oai.page_size"):
        main({}, **{**app_settings, "disclosure.oai.page_size": "0"})


def test_migration_dates_existing_items_and_buries_withdrawn_ones(databases, tmp_path):
    """0019 on a database with items: datestamps from their publications, a tombstone for an
    item published and since revised to 不予公开; and back down to 0018."""
    url = _database(databases, tmp_path)
    upgrade(None, url, "0018")
    items = sa.table(
        "catalogue_items",
        *(sa.column(n) for n in ("id", "organisation_id", "index_number", "status", "title")),
        *(sa.column(n) for n in ("summary", "body", "document_number", "topic", "genre")),
        *(sa.column(n) for n in ("audience", "disclosure_mode", "validity", "category")),
        *(sa.column(n) for n in ("current_version", "has_draft", "lock_version")),
        sa.column("keywords", sa.JSON),
        sa.column("extra", sa.JSON),
        sa.column("updated_at", sa.DateTime),
    )
    versions = sa.table(
        "catalogue_item_versions",
        *(sa.column(n) for n in ("id", "item_id", "number", "state", "note")),
        sa.column("data", sa.JSON),
        sa.column("published_at", sa.DateTime),
    )
    engine = models.get_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organisations (id, code, name, short_name, kind, category_tree, "
                "guide, reconsideration_body, position) VALUES "
                "(1, '016000102', '咸阳市民政局', '咸民', 'department', 'generic', '', '', 0)"
            )
        )
        base = dict(
            organisation_id=1, summary="", body="", document_number="", topic="general_affairs",
            genre="notice", audience="", validity="valid", category="", has_draft=False,
            lock_version=1, keywords=[], extra={}, updated_at=datetime(2026, 6, 1, 9, 30, 15, 999),
        )  # fmt: skip
        conn.execute(
            sa.insert(items),
            [
                dict(base, id=1, index_number="016000102/2026-00001", status="revised",
                     title="公开条目", disclosure_mode="proactive", current_version=2),
                dict(base, id=2, index_number="016000102/2026-00002", status="revised",
                     title="后来不予公开", disclosure_mode="withheld", current_version=2),
                dict(base, id=3, index_number=None, status="draft", title="草稿",
                     disclosure_mode="proactive", current_version=0),
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(versions),
            [
                dict(id=1, item_id=1, number=1, state="superseded", note="", published_at=datetime(2026, 3, 1, 8, 0, 0, 5), data={"disclosure_mode": "proactive"}),
                dict(id=2, item_id=1, number=2, state="published", note="", published_at=datetime(2026, 4, 1, 8, 0, 0, 5), data={"disclosure_mode": "proactive"}),
                dict(id=3, item_id=2, number=1, state="superseded", note="", published_at=datetime(2026, 3, 2, 8, 0), data={"disclosure_mode": "proactive"}),
                dict(id=4, item_id=2, number=2, state="published", note="", published_at=datetime(2026, 5, 2, 8, 0), data={"disclosure_mode": "withheld"}),
                dict(id=5, item_id=3, number=1, state="draft", note="", published_at=None, data={}),
            ],
        )  # fmt: skip
    upgrade(None, url)
    with engine.connect() as conn:
        stamps = dict(
            conn.execute(sa.text("SELECT id, public_changed_at FROM catalogue_items")).all()
        )
        stones = conn.execute(
            sa.text("SELECT index_number, organisation_id, deleted_at, item_id FROM oai_tombstones")
        ).all()
    as_datetime = {
        k: v if isinstance(v, datetime) else datetime.fromisoformat(v) for k, v in stamps.items()
    }
    assert as_datetime == {
        1: datetime(2026, 4, 1, 8),  # its last publication, to the second
        2: datetime(2026, 5, 2, 8),
        3: datetime(2026, 6, 1, 9, 30, 15),  # never published: when it was last updated
    }
    [(number, org_id, deleted_at, item_id)] = stones
    assert (number, org_id, item_id) == ("016000102/2026-00002", 1, 2)
    assert str(deleted_at).startswith("2026-05-02 08:00:00")
    command.downgrade(alembic_config(None, url), "0018")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("catalogue_items")}
        assert "public_changed_at" not in columns and "harvest_source_id" not in columns
        assert "oai_tombstones" not in sa.inspect(conn).get_table_names()
    upgrade(None, url)
    engine.dispose()
