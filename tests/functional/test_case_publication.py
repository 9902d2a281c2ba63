"""Requests that become public (Art. 44; the disclosure log of FOI portals): the officer
publishes the documents released on a case as a proactive catalogue item, with no applicant
data in it; the case links to the item and the item to nothing of the case; ``/released``
lists such items; the dashboard suggests publishing what several applicants asked for."""

from __future__ import annotations

import io
import re
from datetime import datetime
from urllib.parse import quote

import pytest
import webtest
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from disclosure import main
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LocalFileStorage
from disclosure.letters.documents import release
from disclosure.models import (
    CasePublication,
    CatalogueItem,
    DisclosureRequest,
    IndexSerial,
    Organisation,
    User,
)
from disclosure.organisations.services import OrganisationTree
from disclosure.requests import services as request_services
from disclosure.requests.publication import AlreadyPublished, publish_case
from disclosure.requests.workflow import Actor
from disclosure.security import user_permits

from ..conftest import PASSWORD, TODAY
from .test_request_workflow import act
from .test_requests import resident_id, submit_case

NAME = "欧阳青松"
ID_NUMBER = resident_id("61040219900202123")
PHONE = "13955507788"
EMAIL = "ouyang.qs@example.com"
ADDRESS = "咸阳市秦都区公开测试路66号"
APPLICANT_DATA = (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS)
DESCRIPTION = "请提供2026年城乡低保资金发放总额"
NOW = datetime(2026, 11, 20, 2, 0)  # UTC, 10:00 in Beijing


def released_pdf(words: str) -> bytes:
    """A real PDF whose text (for search) is ``words`` (ASCII)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, words)
    page.save()
    return buffer.getvalue()


PDF = released_pdf("Subsistence allowance totals 2026 BLUEWHALE")


def applicant(**fields) -> dict:
    return {
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "email": EMAIL,
        "address": ADDRESS,
        "postcode": "712000",
        "description": DESCRIPTION,
        "delivery_channel": "email",
        **fields,
    }


def upload(client, req_id: int, lock: int, token: str, data: bytes = PDF, status=303):
    return client.post(
        f"/officer/requests/{req_id}/documents",
        {"csrf_token": token, "lock_version": str(lock)},
        upload_files=[("file", "低保资金发放总额.pdf", data)],
        status=status,
    )


def publication_form(client, req_id: int, **fields):
    """The officer's form, filled in: the prefilled text replaced by ``fields``' (and a topic
    and genre chosen), confirmed unless ``confirm=False``."""
    form = client.get(f"/officer/requests/{req_id}/publication").forms["deform"]
    confirm = fields.pop("confirm", True)
    values = {
        "title": "2026年城乡低保资金发放总额",
        "summary": "全市2026年城乡低保资金发放总额。",
        "topic": "civil_affairs_relief",
        "genre": "statistics",
        **fields,
    }
    for name, value in values.items():
        form[name] = value
    form["confirm"] = confirm
    return form


# --- one world, committed: the whole flow and every public output --------------------------


@pytest.fixture(scope="module")
def world(databases, schema, app_settings, tmp_path_factory):
    """A database of its own, with the default search engine (the one inside the database,
    written at commit), every request committed as in production."""
    seeded = databases.seeded(schema)
    settings = {k: v for k, v in app_settings.items() if k != "disclosure.search.backend"} | {
        "disclosure.database_url": seeded.url,
        "disclosure.files_dir": str(tmp_path_factory.mktemp("publication-files")),
        "disclosure.mail.worker": "off",  # the acknowledgement stays queued
    }
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    factory = app.registry["dbsession_factory"]
    with factory.begin() as db:
        tree = OrganisationTree(db)
        civil = next(o for o in tree.orgs if o.category_tree == "civil_affairs")
        create_user(db, "publisher@example.gov.cn", PASSWORD, civil, "officer")
        code = civil.code
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    made = client.post_json(
        "/api/v1/requests",
        {
            "applicant_type": "person",
            "id_type": "resident_id",
            "delivery_form": "electronic",
            "consent": True,
            "organisation": code,
            **applicant(),
        },
        status=201,
    ).json
    yield app, client, made["tracking_number"], code
    app.registry["db_engine"].dispose()
    seeded.engine.dispose()


def test_publishing_a_case_makes_a_public_item_with_no_applicant_data(world):
    app, client, tracking, code = world
    factory = app.registry["dbsession_factory"]

    def case():
        with factory() as db:
            found = db.scalars(
                select(DisclosureRequest).where(DisclosureRequest.tracking_number == tracking)
            ).one()
            return found.id, found.lock_version

    # an anonymous visitor's /released, kept by the page cache until the catalogue changes
    visitor = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    before = visitor.get("/released")
    assert before.headers["Cache-Control"] == "public, no-cache"
    form = client.get("/login").forms[0]
    form["email"], form["password"] = "publisher@example.gov.cn", PASSWORD
    form.submit(status=303)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    case_id, lock = case()
    # nothing released yet: nothing to publish
    page = client.get(f"/officer/requests/{case_id}")
    assert "本件尚未作出予以公开或部分公开的答复" in page.text
    assert 'id="publish-proactively"' not in page.text
    client.get(f"/officer/requests/{case_id}/publication", status=409)
    upload(client, case_id, lock, token)
    case_id, lock = case()
    client.post(
        f"/officer/requests/{case_id}/answer",
        {"csrf_token": token, "lock_version": str(lock), "outcome": "disclosed"},
        status=303,
    )
    page = client.get(f"/officer/requests/{case_id}")
    link = page.html.find(id="publish-proactively")
    assert link is not None and link["href"].endswith(f"/officer/requests/{case_id}/publication")

    # the form starts from the request's description; the officer edits and confirms it
    form = client.get(link["href"]).forms["deform"]
    assert form["title"].value == "2026年城乡低保资金发放总额"  # without 请提供
    assert form["summary"].value == DESCRIPTION
    assert form.get("checkbox", index=0).checked  # the released document is chosen
    filled = publication_form(client, case_id)
    done = filled.submit("publish", status=303)
    assert done.location.endswith(f"/officer/requests/{case_id}#publication")

    with factory() as db:
        publication = db.scalars(
            select(CasePublication).where(CasePublication.request_id == case_id)
        ).one()
        item = publication.item
        index, item_id = item.index_number, item.id
        assert item.status == "published" and item.disclosure_mode == "proactive"
        assert item.organisation.code == code and index.startswith(code + "/2026-")
        org = item.organisation  # as the list shows it (macros.item_list)
        org_label = org.short_name if len(org.name) > 12 else org.name
        assert [a.filename for a in item.attachments] == ["低保资金发放总额.pdf"]
        assert publication.request.tracking_number == tracking

    # the case page links to the item (and says so in its history)
    page = client.get(f"/officer/requests/{case_id}")
    assert f"/catalogue/{index}" in page.text and "公开为主动公开信息" in page.text
    assert f"索引号：{index}" in page.text
    client.reset()  # no cookies: anonymous from here on

    # every public output of the item: the page, its file, the API, /released, search, feeds,
    # exports; none carries the case or its applicant
    item_page = client.get(f"/catalogue/{index}")
    assert "2026年城乡低保资金发放总额" in item_page.text
    file_link = item_page.html.select_one("ul.attachments a")["href"]
    assert client.get(file_link).body == PDF
    links = [a["href"] for a in item_page.html.find("main").find_all("a")]
    assert links and not any("/officer" in h or "/requests" in h for h in links)
    released = client.get("/released")
    assert f"/catalogue/{index}" in released.text and "2026-11-20" in released.text
    assert index not in before.text and released.headers["ETag"] != before.headers["ETag"]
    assert visitor.get("/released").text == released.text
    assert org_label in released.text
    search = client.get("/api/v1/search", {"q": "BLUEWHALE"}).json
    assert [h["index_number"] for h in search["hits"]] == [index]
    outputs = {
        "item page": item_page.text,
        "released": released.text,
        "api item": client.get(f"/api/v1/catalogue/{quote(index)}").text,
        "api search": client.get("/api/v1/search", {"q": "低保资金"}).text,
        "search page": client.get("/search", {"q": "BLUEWHALE"}).text,
        "portal feed": client.get("/feeds/catalogue.atom").text,
        "organisation feed": client.get(f"/organisations/{code}/feed.atom").text,
        "export": client.get("/catalogue.jsonl").text,
    }
    assert index in outputs["api search"] and index in outputs["portal feed"]
    for where, text in outputs.items():
        for secret in (*APPLICANT_DATA, tracking):
            assert secret not in text, (where, secret)
    # the officer's item page does not lead to the case either
    with factory() as db:
        item = db.get(CatalogueItem, item_id)
        assert tracking not in str(item.extra) and NAME not in str(item.versions[-1].data)


def test_a_case_published_twice_at_the_same_moment_is_published_once(world):
    """Two submissions that both found the case unpublished: the second one's item, its 索引号
    serial and its link are taken back (the unique case), and it is told it is published."""
    app, _client, _tracking, code = world
    factory = app.registry["dbsession_factory"]
    rules = app.registry["request_rules"]
    storage = LocalFileStorage(app.registry.settings["disclosure.files_dir"])
    schema = app.registry["catalogue_schema"]
    with factory.begin() as db:
        org = db.scalars(select(Organisation).where(Organisation.code == code)).one()
        user = db.scalars(select(User).where(User.email == "publisher@example.gov.cn")).one()
        req = request_services.submit(
            db,
            rules,
            {"applicant_type": "person", "id_type": "resident_id", **applicant()},
            org,
            today=TODAY,
        ).request
        pdf = released_pdf("Second case GREYHERON")
        release(db, storage, req, pdf, "统计表.pdf", "application/pdf", "pdf", user=user, on=TODAY)
        may = user_permits(user, req, OrganisationTree(db).ancestors(org))
        request_services.act(
            db, rules, req, "answer", Actor.officer(user, may), TODAY, {"outcome": "disclosed"}
        )
        case_id, document_id, user_id = req.id, req.released_documents[0].id, user.id
    data = {
        "title": "并发公开测试",
        "created_on": TODAY,
        "topic": "civil_affairs_relief",
        "genre": "statistics",
        "keywords": [],
    }

    def publish(db, req):
        user = db.get(User, user_id)
        return publish_case(
            db, CatalogueService(db, schema), storage, req, data, [document_id], user, TODAY, NOW
        )

    late = factory(expire_on_commit=False)
    try:
        stale = late.get(DisclosureRequest, case_id)
        assert stale.publication is None and stale.released_documents  # read before the first
        late.commit()
        with factory.begin() as first:
            publish(first, first.get(DisclosureRequest, case_id))
        with pytest.raises(AlreadyPublished):
            publish(late, stale)
        late.rollback()
    finally:
        late.close()
    with factory() as db:
        assert (
            db.scalar(
                select(func.count())
                .select_from(CasePublication)
                .where(CasePublication.request_id == case_id)
            )
            == 1
        )
        titled = select(CatalogueItem).where(CatalogueItem.title == "并发公开测试")
        (item,) = db.scalars(titled).all()
        # the second attempt's 索引号 serial went back with it: no number handed out twice or lost
        serial = db.get(IndexSerial, (item.organisation_id, 2026)).last_serial
        assert item.index_number == f"{code}/2026-{serial:05d}"


# --- one transaction per test: refusals and permissions --------------------------------------


@pytest.fixture
def released_case(testapp, dbsession, civil, make_user):
    """A case answered 予以公开 with one released document, and its officer logged in."""
    case = submit_case(testapp, dbsession, organisation=civil.code, **applicant())
    officer = make_user(civil)
    testapp.login(officer.email)
    upload(testapp, case.id, case.lock_version, testapp.csrf_token())
    dbsession.refresh(case)
    act(testapp, case, "answer", outcome="disclosed")
    dbsession.refresh(case)
    return case


def field_error(res, name: str) -> str:
    """The error Deform shows beside a field ("" for none)."""
    box = res.html.select_one(f".item-{name}")
    error = box.select_one(".invalid-feedback") if box is not None else None
    return error.text.strip() if error is not None else ""


def publications(dbsession) -> int:
    return dbsession.scalar(select(func.count()).select_from(CasePublication))


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("title", f"关于{PHONE[:3]}-{PHONE[3:7]} {PHONE[7:]}来电所询信息", "联系电话"),
        ("summary", f"申请人（身份证 {ID_NUMBER}）申请的低保资金信息", "证件号码"),
        ("summary", f"{NAME}申请的低保资金信息", "申请人姓名或名称"),
        ("keywords", f"低保，{EMAIL.upper()}", "电子邮箱"),
    ],
)
def test_applicant_data_in_the_text_is_refused_beside_the_field(
    testapp, dbsession, released_case, field, value, label
):
    res = publication_form(testapp, released_case.id, **{field: value}).submit(
        "publish", status=400
    )
    assert field_error(res, field) == f"不能含有申请人的个人信息（{label}）"
    assert publications(dbsession) == 0


def test_the_officer_must_confirm_and_choose_a_document(testapp, dbsession, released_case):
    form = publication_form(testapp, released_case.id, confirm=False)
    form.get("checkbox", index=0).checked = False
    res = form.submit("publish", status=400)
    assert field_error(res, "confirm") == "请确认名称、内容概述和文件不含申请人的个人信息"
    assert field_error(res, "documents") == "请至少选择一个文件"
    assert publications(dbsession) == 0


def test_a_document_naming_the_applicant_is_refused(testapp, dbsession, civil, released_case):
    upload(
        testapp,
        released_case.id,
        released_case.lock_version,
        testapp.csrf_token(),
        data=released_pdf(f"Reply to applicant, phone {PHONE}"),
    )
    res = publication_form(testapp, released_case.id).submit("publish", status=400)
    assert field_error(res, "documents").endswith(
        "的内容含有申请人的个人信息（联系电话），不能公开"
    )
    assert publications(dbsession) == 0


def test_a_double_submit_publishes_once(testapp, dbsession, released_case):
    form = publication_form(testapp, released_case.id)
    first = form.submit("publish", status=303)
    second = form.submit("publish", status=303)
    assert first.location == second.location
    assert publications(dbsession) == 1
    assert dbsession.scalar(select(func.count()).select_from(CatalogueItem)) == 1
    page = second.follow()
    assert "本件提供的政府信息已公开为主动公开信息" in page.text
    # the case page links the item; no second button
    assert 'id="publish-proactively"' not in page.text and "/catalogue/" in page.text


def test_the_form_needs_its_csrf_token(testapp, dbsession, released_case):
    form = publication_form(testapp, released_case.id)
    form["csrf_token"] = "forged"
    form.submit("publish", status=400)
    assert publications(dbsession) == 0


def test_only_the_cases_own_officers_publish(testapp, dbsession, orgs, civil, police, make_user):
    case = submit_case(testapp, dbsession, organisation=civil.code, **applicant())
    url = f"/officer/requests/{case.id}/publication"
    county = next(o for o in orgs.orgs if o.kind == "county")
    for outsider in (make_user(police), make_user(orgs.roots[0], "city_admin"), make_user(county)):
        testapp.login(outsider.email)
        testapp.get(url, status=403)
        testapp.post(url, {"csrf_token": testapp.csrf_token(), "title": "x"}, status=403)
        testapp.logout()
    testapp.get(url, status=303)  # not logged in: to the login page
    testapp.login(make_user(civil).email)
    testapp.get("/officer/requests/999999/publication", status=404)
    assert publications(dbsession) == 0


@pytest.mark.parametrize("outcome", ["not_exist", "disclosed"])
def test_a_case_without_released_information_cannot_be_published(
    testapp, dbsession, civil, make_user, outcome
):
    """Answered 经检索没有 (with a document uploaded before), or 予以公开 with no document."""
    case = submit_case(testapp, dbsession, organisation=civil.code, **applicant())
    testapp.login(make_user(civil).email)
    if outcome == "not_exist":
        upload(testapp, case.id, case.lock_version, testapp.csrf_token())
        dbsession.refresh(case)
    act(testapp, case, "answer", outcome=outcome)
    url = f"/officer/requests/{case.id}/publication"
    testapp.get(url, status=409)
    testapp.post(url, {"csrf_token": testapp.csrf_token(), "title": "x"}, status=409)
    page = testapp.get(f"/officer/requests/{case.id}").text
    assert 'id="publish-proactively"' not in page
    assert publications(dbsession) == 0


# --- the dashboard's suggestion (Art. 44) -------------------------------------------------------


def test_the_dashboard_suggests_what_several_applicants_asked_for(
    testapp, dbsession, civil, police, make_user
):
    def ask(name, number, org=civil, **more):
        return submit_case(
            testapp,
            dbsession,
            organisation=org.code,
            **applicant(
                name=name,
                id_number=resident_id(number),
                description=f"请提供{more.pop('docno', '咸民发〔2026〕7号')}文件",
                **more,
            ),
        )

    first = ask("甲某", "61040219800101111")
    first_again = ask("甲某", "61040219800101111", docno="咸民发[2026]7号")
    ask("丙某", "61040219800101333", org=police)  # another organisation
    officer = make_user(civil)
    testapp.login(officer.email)
    assert "建议主动公开" not in testapp.get("/officer").text  # one applicant twice: not several
    testapp.logout()
    second = ask("乙某", "61040219800101222", docno="咸民发（2026）７号")
    testapp.login(officer.email)
    panel = testapp.get("/officer").html.find(id="art44")
    assert panel is not None
    text = panel.text
    # the article from the law module (the 2019 rules are in force on TODAY)
    assert "建议主动公开（《中华人民共和国政府信息公开条例》第四十四条）" in text
    assert "文号 咸民发〔2026〕7号" in text
    for case in (first, first_again, second):
        assert case.tracking_number in text
    assert "作出予以公开或部分公开的答复并提供信息后" in text  # nothing released yet
    assert NAME not in text and "甲某" not in text  # no applicant in the panel

    # once one case released the information, the panel links to its publication form
    upload(testapp, second.id, second.lock_version, testapp.csrf_token())
    dbsession.refresh(second)
    act(testapp, second, "answer", outcome="disclosed")
    panel = testapp.get("/officer").html.find(id="art44")
    href = panel.find("a", class_="button")["href"]
    assert href.endswith(f"/officer/requests/{second.id}/publication")
    publication_form(testapp, second.id).submit("publish", status=303)
    # published: no longer suggested; an officer of the other organisation never saw it
    assert testapp.get("/officer").html.find(id="art44") is None
    testapp.logout()
    testapp.login(make_user(police).email)
    assert testapp.get("/officer").html.find(id="art44") is None


def test_released_lists_only_published_case_items(testapp, dbsession, released_case, catalogue):
    org = dbsession.get(Organisation, released_case.organisation_id)
    other = catalogue.create(
        org,
        {
            "title": "普通主动公开条目",
            "created_on": TODAY,
            "topic": "civil_affairs_relief",
            "genre": "statistics",
            "disclosure_mode": "proactive",
            "validity": "valid",
        },
        None,
    )
    catalogue.publish(other, None, TODAY)
    assert "暂无依申请公开后主动公开的信息" in testapp.get("/released").text
    publication_form(testapp, released_case.id, title="低保资金发放总额（2026年）").submit(
        "publish", status=303
    )
    testapp.logout()
    page = testapp.get("/released")
    assert "低保资金发放总额（2026年）" in page.text and "普通主动公开条目" not in page.text
    assert "共 1 条" in page.text and "2026-11-20" in page.text
    assert "依申请公开信息" in testapp.get("/").text  # in the site navigation
