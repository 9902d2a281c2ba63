"""Attachments are checked by size and content, stored, and downloadable once published."""

import hashlib
import io
import zipfile

import pytest

from disclosure.models import CatalogueItem

from ..conftest import TODAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def setup(orgs, make_user, catalogue, item_data, testapp):
    civil = next(o for o in orgs.orgs if o.category_tree == "civil_affairs")
    item = catalogue.create(civil, item_data(), None)
    catalogue.publish(item, None, TODAY)
    testapp.login(make_user(civil).email)
    return item


def upload(testapp, item, name, data, status=303):
    return testapp.post(
        f"/officer/items/{item.id}/attachments",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        upload_files=[("file", name, data)],
        status=status,
    )


def test_pdf_and_word_upload_then_public_download(testapp, setup, dbsession):
    item = setup
    upload(testapp, item, "通知全文.pdf", PDF)
    upload(testapp, item, "附表.docx", docx_bytes())
    dbsession.refresh(item)
    kinds = [(a.filename, a.kind, a.media_type) for a in item.attachments]
    assert kinds[0] == ("通知全文.pdf", "pdf", "application/pdf")
    assert kinds[1][1] == "word"
    assert item.attachments[0].sha256 == hashlib.sha256(PDF).hexdigest()
    page = testapp.get(f"/catalogue/{item.index_number}")
    res = page.click("通知全文.pdf")
    assert res.body == PDF
    assert res.content_type == "application/pdf"
    assert "filename*=UTF-8''%E9%80%9A" in res.headers["Content-Disposition"]
    body = testapp.get(f"/api/v1/catalogue/{item.index_number}").json
    assert [a["filename"] for a in body["attachments"]] == ["通知全文.pdf", "附表.docx"]


def test_content_decides_not_the_name(testapp, setup, dbsession):
    item = setup
    res = upload(testapp, item, "evil.pdf", b"<html><script>alert(1)</script></html>", status=400)
    assert "不支持的文件类型" in res.text
    res = upload(testapp, item, "photo.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20, status=400)
    assert "与扩展名" in res.text
    dbsession.refresh(item)
    assert item.attachments == []


def test_oversize_and_missing_files_are_rejected(testapp, setup, dbsession):
    item = setup
    res = upload(testapp, item, "big.pdf", PDF + b"0" * (2 * 1024 * 1024), status=400)
    assert "文件过大" in res.text
    res = testapp.post(
        f"/officer/items/{item.id}/attachments",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=400,
    )
    assert "请选择要上传的文件" in res.text
    dbsession.refresh(item)
    assert item.attachments == []


def test_attachment_of_a_hidden_item_is_not_downloadable(
    testapp, setup, orgs, catalogue, item_data, dbsession
):
    item = setup
    upload(testapp, item, "a.pdf", PDF)
    dbsession.refresh(item)
    attachment = item.attachments[0]
    other = catalogue.create(item.organisation, item_data(title="另一条"), None)
    catalogue.publish(other, None, TODAY)
    testapp.get(f"/catalogue/{other.index_number}/files/{attachment.id}", status=404)


def test_officer_deletes_an_attachment(testapp, setup, dbsession):
    item = setup
    upload(testapp, item, "a.pdf", PDF)
    dbsession.refresh(item)
    aid = item.attachments[0].id
    testapp.post(
        f"/officer/items/{item.id}/attachments/{aid}",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=303,
    )
    dbsession.expire_all()
    assert dbsession.get(CatalogueItem, item.id).attachments == []
