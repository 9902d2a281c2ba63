"""Delivering the information itself (Art. 36(2), Art. 40): the officer attaches the released
documents to the case, the applicant downloads them with the tracking number and the access code
(status page and API), every download is recorded, and the mailed reply lists them."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from disclosure.models import DocumentDownload, MailOutbox, ReleasedDocument

from .test_letters_issue import answer, issue
from .test_requests import submit_case

PDF = b"%PDF-1.4\n% released document\n" + b"0" * 3000 + b"\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


DOCX = _docx()


@pytest.fixture
def case(testapp, civil, dbsession):
    return submit_case(
        testapp,
        dbsession,
        name="钱十二",
        phone="13500000001",
        email="qian@example.com",
        organisation=civil.code,
        description="2026年城乡低保资金发放总额",
        delivery_channel="email",
    )


def upload(testapp, req, name, data, status=303):
    return testapp.post(
        f"/officer/requests/{req.id}/documents",
        {"csrf_token": testapp.csrf_token(), "lock_version": str(req.lock_version)},
        upload_files=[("file", name, data)],
        status=status,
    )


def status_page(testapp, req, code=None):
    form = testapp.get("/requests/status").forms[0]
    form["tracking_number"], form["access_code"] = req.tracking_number, code or req.access_code
    return form.submit()


def downloads(dbsession) -> list[tuple[str, str, int | None]]:
    rows = dbsession.scalars(select(DocumentDownload).order_by(DocumentDownload.id))
    return [(d.by, d.channel, d.user_id) for d in rows]


def test_officer_releases_and_the_applicant_downloads(testapp, make_user, civil, case, dbsession):
    officer = make_user(civil)
    testapp.login(officer.email)
    upload(testapp, case, "低保资金发放总额.pdf", PDF)
    upload(testapp, case, "明细.docx", DOCX)
    dbsession.refresh(case)
    first, second = case.released_documents
    assert (first.filename, first.kind, first.size) == ("低保资金发放总额.pdf", "pdf", len(PDF))
    assert second.media_type.endswith("wordprocessingml.document")
    page = testapp.get(f"/officer/requests/{case.id}")
    assert "低保资金发放总额.pdf" in page.text and "尚未下载" in page.text
    assert any(e.action == "release_document" for e in case.events)
    # the officer's own download is recorded as the officer's
    got = testapp.get(f"/officer/requests/{case.id}/documents/{first.id}")
    assert got.body == PDF and "attachment" in got.headers["Content-Disposition"]
    assert downloads(dbsession) == [("officer", "web", officer.id)]
    testapp.logout()

    # the status page lists them; each downloads with the access code
    page = status_page(testapp, case)
    assert "向您提供的政府信息" in page.text and "明细.docx" in page.text
    form = next(f for f in page.forms.values() if "document_id" in f.fields)
    assert form["document_id"].value == str(first.id)
    res = form.submit()
    assert res.body == PDF and res.content_type == "application/pdf"
    assert res.headers["Cache-Control"] == "no-store"
    # the API: the list, then one file
    headers = {"X-Access-Code": case.access_code}
    listing = testapp.get(f"/api/v1/requests/{case.tracking_number}/documents", headers=headers)
    entries = listing.json["documents"]
    assert [e["filename"] for e in entries] == ["低保资金发放总额.pdf", "明细.docx"]
    assert entries[0]["size"] == len(PDF) and entries[0]["sha256"] == first.sha256
    assert testapp.get(entries[1]["url"], headers=headers).body == DOCX
    assert downloads(dbsession)[1:] == [("applicant", "web", None), ("applicant", "api", None)]
    # wrong codes and other cases' documents get nothing
    wrong = {"X-Access-Code": "WRONG999"}
    testapp.get(f"/api/v1/requests/{case.tracking_number}/documents", headers=wrong, status=404)
    testapp.get(entries[0]["url"], headers=wrong, status=404)
    testapp.get(
        f"/api/v1/requests/{case.tracking_number}/documents/999999", headers=headers, status=404
    )
    assert len(downloads(dbsession)) == 3
    # the case page says who downloaded, and when
    testapp.login(officer.email)
    assert "1 次，最近" in testapp.get(f"/officer/requests/{case.id}").text


def test_another_case_cannot_reach_the_documents(testapp, make_user, civil, case, dbsession):
    other = submit_case(
        testapp,
        dbsession,
        name="孙十三",
        phone="13500000002",
        organisation=civil.code,
        description="另一件申请的信息",
        delivery_channel="post",
        address="咸阳市渭城区某路1号",
        postcode="712000",
    )
    testapp.login(make_user(civil).email)
    upload(testapp, case, "低保资金发放总额.pdf", PDF)
    dbsession.refresh(case)
    (document,) = case.released_documents
    testapp.get(f"/officer/requests/{other.id}/documents/{document.id}", status=404)
    testapp.logout()
    testapp.get(
        f"/api/v1/requests/{other.tracking_number}/documents/{document.id}",
        headers={"X-Access-Code": other.access_code},
        status=404,
    )
    assert downloads(dbsession) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("程序.exe", b"MZ\x90\x00binary", "不支持的文件类型"),
        ("假的.pdf", b"\x89PNG\r\n\x1a\nnot really", "与扩展名"),
        ("空.pdf", b"", "文件为空"),
    ],
)
def test_a_refused_upload_is_shown_on_the_case_page(
    testapp, make_user, civil, case, dbsession, name, data, message
):
    testapp.login(make_user(civil).email)
    res = upload(testapp, case, name, data, status=400)
    assert message in res.text and "提供政府信息" in res.text and case.tracking_number in res.text
    dbsession.refresh(case)
    assert case.released_documents == []


def test_only_the_cases_officers_release_documents(testapp, make_user, civil, orgs, case):
    testapp.login(make_user(orgs.roots[0], "city_admin").email)
    upload(testapp, case, "低保资金发放总额.pdf", PDF, status=403)


def test_the_mailed_reply_lists_the_documents(testapp, make_user, civil, case, dbsession):
    testapp.login(make_user(civil).email)
    upload(testapp, case, "低保资金发放总额.pdf", PDF)
    upload(testapp, case, "明细.docx", DOCX)
    answer(testapp, case, "disclosed")
    issue(testapp, case, "reply", "disclosed", access_route="凭追踪号和查询码在本平台下载")
    dbsession.refresh(case)
    mail = dbsession.scalars(
        select(MailOutbox).where(MailOutbox.letter_id == case.letters[-1].id)
    ).one()
    assert "向您提供的政府信息共 2 件" in mail.body
    assert f"1. 低保资金发放总额.pdf（{len(PDF) / 1024:.1f} KB）" in mail.body
    assert "2. 明细.docx" in mail.body
    # an acknowledgement does not list them
    issue(testapp, case, "acknowledgement")
    dbsession.refresh(case)
    ack = dbsession.scalars(
        select(MailOutbox).where(MailOutbox.letter_id == case.letters[-1].id)
    ).one()
    assert "低保资金发放总额.pdf" not in ack.body


def test_a_withdrawn_case_gets_no_documents(testapp, make_user, civil, case, dbsession):
    page = status_page(testapp, case)
    withdraw = next(f for f in page.forms.values() if "withdraw" in f.fields)
    withdraw.submit()
    dbsession.refresh(case)
    testapp.login(make_user(civil).email)
    assert "不再提供信息" in upload(testapp, case, "a.pdf", PDF, status=400).text
    assert dbsession.scalars(select(ReleasedDocument)).all() == []
