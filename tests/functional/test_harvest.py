"""Two instances of the application on two loopback ports: the county one publishes, revises,
repeals and withdraws items; the city one harvests them with ``disclosure harvest`` (the command
line's own ``main``, in this process) from the county's /oai, and its search, browse, item pages
and OAI provider show the result.

Between the two sits a switchable fault (:class:`Network`), a WSGI wrapper around the county
application: it can refuse every request that carries a resumption token (the network fails
after the first page) or alter a page's bytes on the way (a malformed record, a bad date). Time
at the county moves on a minute per step: the datestamps of what a step changed are set to the
step's minute, so what an incremental harvest asks for is exact.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from disclosure import main
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LocalFileStorage, store_content
from disclosure.models import (
    Attachment,
    CatalogueItem,
    CatalogueItemVersion,
    HarvestSource,
    OaiTombstone,
    Organisation,
)
from disclosure.models.catalogue import ItemStatus
from disclosure.organisations.services import OrganisationTree
from disclosure.scripts import cli

from ..conftest import PASSWORD, TODAY, TestApp
from .test_oai import item, serve, site_settings

PDF = b"%PDF-1.4\n% harvested attachment\n%%EOF\n"
UNKNOWN_ORG = "016001999"  # a body the county has created and the city does not know yet
T0 = datetime(2026, 11, 20, 1, 0)


class Network:
    """The county's application as the city sees it, with faults switched on by the test."""

    def __init__(self, app) -> None:
        self.app = app
        self.refuse_resumption = False
        self.replace: dict[bytes, bytes] = {}

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if self.refuse_resumption and "resumptionToken" in query:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"unavailable"]
        if not self.replace or "ListRecords" not in query:
            return self.app(environ, start_response)
        got = {}

        def keep(status, headers, exc_info=None):
            got.update(status=status, headers=headers)
            return lambda data: None

        chunks = self.app(environ, keep)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        for old, new in self.replace.items():
            body = body.replace(old, new)
        headers = [(k, v) for k, v in got["headers"] if k.lower() != "content-length"]
        start_response(got["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


@dataclass
class World:
    county_app: object
    county_factory: object
    network: Network
    source: str  # the county's /oai, through the network
    city_app: object
    city_factory: object
    city_base: str
    ini: str
    county_code: str
    schema: object
    storage: LocalFileStorage
    minute: int = 0

    def tick(self, *numbers: str) -> datetime:
        """The county's clock moves on a minute: what it just changed is dated then."""
        self.minute += 1
        at = T0 + timedelta(minutes=self.minute)
        with self.county_factory() as db:
            db.execute(
                update(CatalogueItem)
                .where(CatalogueItem.index_number.in_(numbers))
                .values(public_changed_at=at)
            )
            db.execute(
                update(OaiTombstone)
                .where(OaiTombstone.index_number.in_(numbers))
                .values(deleted_at=at)
            )
            db.commit()
        return at

    def county(self):
        db = self.county_factory()
        return db, CatalogueService(db, self.schema), OrganisationTree(db)

    def get_json(self, path: str):
        with urllib.request.urlopen(self.city_base + path, timeout=10) as res:
            return json.loads(res.read())

    def city_count(self, model, *where) -> int:
        with self.city_factory() as db:
            return db.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture(scope="module")
def world(databases, schema, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("harvest")
    county_db = databases.seeded(schema)
    city_db = databases.seeded(schema)
    county_app = main(
        {}, **site_settings(county_db.url, tmp / "county", **{"disclosure.oai.page_size": "2"})
    )
    city_app = main({}, **site_settings(city_db.url, tmp / "city"))
    for app in (county_app, city_app):
        app.registry["disclosure.clock"] = lambda: TODAY
    county_factory = county_app.registry["dbsession_factory"]
    with county_factory() as db:
        county = db.scalars(select(Organisation).where(Organisation.code == "016001001")).one()
        db.add(
            Organisation(
                code=UNKNOWN_ORG,
                name="秦都区新设街道办事处",
                short_name="秦新",
                kind="township",
                parent=county,
                category_tree="generic",
            )
        )
        db.commit()
    city_factory = city_app.registry["dbsession_factory"]
    with city_factory() as db:
        root = db.scalars(select(Organisation).where(Organisation.parent_id.is_(None))).one()
        create_user(db, "admin@city.example.gov.cn", PASSWORD, root, "city_admin")
        db.commit()
    ini = tmp / "city.ini"
    ini.write_text(
        "[app:main]\nuse = egg:disclosure\n"
        + "".join(
            f"{k} = {v.replace('%', '%%')}\n"
            for k, v in site_settings(city_db.url, tmp / "city").items()
            if k.startswith("disclosure.")
        )
    )
    network = Network(county_app)
    with serve(network) as county_base, serve(city_app) as city_base:
        yield World(
            county_app=county_app,
            county_factory=county_factory,
            network=network,
            source=county_base + "/oai",
            city_app=city_app,
            city_factory=city_factory,
            city_base=city_base,
            ini=str(ini),
            county_code="016001001",
            schema=schema,
            storage=LocalFileStorage(tmp / "county" / "files"),
        )
    for app in (county_app, city_app):
        app.registry["db_engine"].dispose()


def harvest(world: World, capsys, *extra: str) -> tuple[int, str]:
    """``disclosure harvest CITY.ini COUNTY/oai --as 016001001``, as the command line runs it."""
    code = cli.main(["harvest", world.ini, world.source, "--as", world.county_code, *extra])
    out, err = capsys.readouterr()
    return code, out + err


def search(world: World, words: str) -> list[str]:
    found = world.get_json("/api/v1/search?" + urllib.parse.urlencode({"q": words}))
    return [hit["index_number"] for hit in found["hits"]]


def test_city_harvests_what_the_county_publishes_revises_repeals_and_withdraws(world, capsys):
    # --- the county publishes: in its own government, a department below it (with a file),
    # on request only, in a body the city does not know, and in the city (outside the set)
    db, catalogue, tree = world.county()
    with db:
        county = tree.by_code["016001001"]
        department = tree.children(county)[0]

        def publish(org, **data):
            made = catalogue.create(org, item(**data), None)
            catalogue.publish(made, None, TODAY)
            return made

        a = publish(
            county, title="秦都区关于春季植树造林的通知", document_number="秦政发〔2026〕7号"
        )
        b = publish(department, title="秦都区办公室关于防汛值班的安排")
        digest, key = store_content(world.storage, PDF)
        db.add(
            Attachment(
                item=b,
                filename="值班表.pdf",
                media_type="application/pdf",
                kind="pdf",
                size=len(PDF),
                sha256=digest,
                storage_key=key,
            )
        )
        c = publish(
            county, title="秦都区内部工作规程", disclosure_mode="on_request", body="不公开的正文"
        )
        x = publish(tree.by_code[UNKNOWN_ORG], title="新设街道关于开展人口普查的通知")
        elsewhere = publish(tree.by_code["016000102"], title="民政局关于养老服务补贴的通知")
        db.commit()
        a_no, b_no, c_no, x_no = a.index_number, b.index_number, c.index_number, x.index_number
        other_no = elsewhere.index_number
    world.tick(a_no, b_no, c_no, x_no, other_no)

    # --- the first harvest: the network fails after the first page (two records)
    world.network.refuse_resumption = True
    code, out = harvest(world, capsys)
    assert code == 1, out
    assert "全量收割" in out and "收割已中断" in out and "HTTP 503" in out
    assert "集合 016000001:016001001，归入 016001001 秦都区人民政府" in out
    assert world.city_count(CatalogueItem, CatalogueItem.harvest_source_id.is_not(None)) == 2
    with world.city_factory() as city:
        state = city.scalars(select(HarvestSource)).one()
        assert state.resumption_token and state.last_datestamp is None

    # --- the next run resumes from the token; the unknown body's record is reported, the rest kept
    world.network.refuse_resumption = False
    code, out = harvest(world, capsys)
    assert code == 3, out
    assert "从中断处继续" in out
    assert f"错误 oai:127.0.0.1:{x_no}：organisation: 未知机构“{UNKNOWN_ORG}”" in out
    assert "新增 1，更新 0，废止 0，撤回 0，未变 0，错误 1" in out
    assert "下次从 2026-11-20T01:01:00Z 起增量收割" in out
    harvested = {
        n: world.city_count(CatalogueItem, CatalogueItem.index_number == n)
        for n in (a_no, b_no, c_no, x_no, other_no)
    }
    assert harvested == {a_no: 1, b_no: 1, c_no: 1, x_no: 0, other_no: 0}

    # the city's search and browse find the county's items like its own
    assert search(world, "植树造林") == [a_no]
    listed = world.get_json("/api/v1/catalogue?organisation=016001001")
    assert {i["index_number"] for i in listed["items"]} >= {a_no, b_no, c_no}
    detail = world.get_json(f"/api/v1/catalogue/{b_no}")
    [file] = detail["attachments"]
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    with urllib.request.urlopen(file["url"], timeout=10) as res:
        assert res.read() == PDF  # the file itself was brought over
    assert "body" not in world.get_json(f"/api/v1/catalogue/{c_no}")  # still on request only
    # the item page says where it comes from; officers cannot edit it
    page = TestApp(world.city_app).get(f"/catalogue/{a_no}")
    assert "本条信息收割自" in page.text and "咸阳市人民政府政府信息公开目录" in page.text
    assert f"/catalogue/{a_no}" in page.html.select_one("p.provenance a")["href"]
    officer = TestApp(world.city_app)
    officer.login("admin@city.example.gov.cn")
    with world.city_factory() as city:
        a_id = city.scalar(select(CatalogueItem.id).where(CatalogueItem.index_number == a_no))
    assert "只读" in officer.get(f"/officer/items/{a_id}").text
    assert "只读" in officer.get(f"/officer/items/{a_id}/edit", status=409).text
    token = officer.csrf_token()
    officer.post(
        f"/officer/items/{a_id}/repeal", {"csrf_token": token, "lock_version": "1"}, status=409
    )

    # --- run again with nothing new at the county: nothing changes
    versions = world.city_count(CatalogueItemVersion)
    code, out = harvest(world, capsys)
    assert "增量收割：自 2026-11-20T01:01:00Z 起" in out
    assert "新增 0，更新 0，废止 0，撤回 0，未变 3，错误 1" in out
    assert world.city_count(CatalogueItemVersion) == versions

    # --- the county revises one, repeals one, withdraws one (revised to 不予公开)
    db, catalogue, tree = world.county()
    with db:
        a = db.scalars(select(CatalogueItem).where(CatalogueItem.index_number == a_no)).one()
        catalogue.save_draft(a, item(title="秦都区关于春季植树造林的通知（修订）"), None)
        catalogue.publish(a, None, TODAY)
        b = db.scalars(select(CatalogueItem).where(CatalogueItem.index_number == b_no)).one()
        catalogue.repeal(b, None, "已过时", today=TODAY)
        c = db.scalars(select(CatalogueItem).where(CatalogueItem.index_number == c_no)).one()
        catalogue.save_draft(c, item(title=c.title, disclosure_mode="withheld"), None)
        catalogue.publish(c, None, TODAY)
        db.commit()
    world.tick(a_no, b_no, c_no)
    code, out = harvest(world, capsys)
    assert code == 3, out  # the unknown body's record, sent again (same datestamp as before)
    assert "新增 0，更新 1，废止 1，撤回 1，未变 0，错误 1" in out
    assert search(world, "修订") == [a_no]
    assert world.get_json(f"/api/v1/catalogue/{b_no}")["status"] == "repealed"
    with pytest.raises(urllib.error.HTTPError) as gone:
        world.get_json(f"/api/v1/catalogue/{c_no}")
    assert gone.value.code == 404
    with world.city_factory() as city:
        withdrawn = city.scalars(
            select(CatalogueItem).where(CatalogueItem.index_number == c_no)
        ).one()
        assert withdrawn.status == ItemStatus.WITHDRAWN
        assert city.scalar(select(OaiTombstone.id).where(OaiTombstone.index_number == c_no))
    # the city's own provider passes the deletion on
    with urllib.request.urlopen(
        f"{world.city_base}/oai?verb=GetRecord&metadataPrefix=oai_dc"
        f"&identifier=oai:127.0.0.1:{c_no}"
    ) as res:
        assert b'status="deleted"' in res.read()

    # --- a page arrives with a malformed record and a record with an impossible date
    db, catalogue, tree = world.county()
    with db:
        county = tree.by_code["016001001"]
        made = []
        for title, created in (
            ("秦都区关于道路养护的通告", date(2026, 2, 1)),
            ("秦都区关于集中供暖的通告", date(2026, 2, 2)),
        ):
            one = catalogue.create(county, item(title=title, created_on=created), None)
            catalogue.publish(one, None, TODAY)
            made.append(one)
        db.commit()
        e_no, f_no = (m.index_number for m in made)
    world.tick(e_no, f_no)
    world.network.replace = {
        "<title>秦都区关于道路养护的通告</title>".encode(): "<title>秦都区关于道路养护的通告</titel>".encode(),
        b"<created_on>2026-02-02</created_on>": b"<created_on>2026-02-30</created_on>",
    }
    code, out = harvest(world, capsys)
    world.network.replace = {}
    assert code == 3, out
    assert f"错误 oai:127.0.0.1:{e_no}：XML 格式错误" in out
    assert f"错误 oai:127.0.0.1:{f_no}：created_on: 日期格式无效" in out
    assert "新增 0，" in out
    for number in (e_no, f_no):  # nothing of them was left behind
        assert world.city_count(CatalogueItem, CatalogueItem.index_number == number) == 0
    assert search(world, "道路养护") == []
    # sent again intact (the bound is inclusive), they come in
    code, out = harvest(world, capsys)
    assert "新增 2，" in out
    assert search(world, "道路养护") == [e_no]


def test_usage_errors_are_reported(world, capsys):
    code, out = harvest(world, capsys, "--max-pages", "0")
    assert code == 2 and "--max-pages" in out
    assert cli.main(["harvest", world.ini, "ftp://example.org/oai", "--as", "016001001"]) == 2
    assert "http(s)" in capsys.readouterr().err
    assert cli.main(["harvest", world.ini, world.source, "--as", "999999999"]) == 2
    assert "本机没有机构代码 999999999" in capsys.readouterr().err
