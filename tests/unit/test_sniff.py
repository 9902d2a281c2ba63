"""Uploads are identified by their content, and the name's extension must agree."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from disclosure.files.sniff import (
    ALLOWED_EXTENSIONS,
    DOC,
    DOCX,
    GIF,
    JPEG,
    OLE_MAGIC,
    PDF,
    PNG,
    XLS,
    XLSX,
    UploadRejected,
    check_upload,
    sniff,
)

MB = 1024 * 1024


def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (4, xref))
    return out.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF_BYTES = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
OLE_BYTES = OLE_MAGIC + b"\x00" * 504


def ooxml(part: str, extra: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        zf.writestr(part, "<?xml version='1.0'?><root/>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


DOCX_BYTES = ooxml("word/document.xml")
XLSX_BYTES = ooxml("xl/workbook.xml")


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (minimal_pdf(), "通知.pdf", PDF),
        (png(), "图.png", PNG),
        (JPEG_BYTES, "photo.jpg", JPEG),
        (JPEG_BYTES, "photo.JPEG", JPEG),
        (GIF_BYTES, "a.gif", GIF),
        (DOCX_BYTES, "文件.docx", DOCX),
        (XLSX_BYTES, "表格.XLSX", XLSX),
        (OLE_BYTES, "old.doc", DOC),
        (OLE_BYTES, "old.xls", XLS),
    ],
)
def test_accepted_kinds(data, filename, kind):
    assert sniff(data, filename) is kind
    assert check_upload(data, filename, MB) is kind


def test_kinds_and_media_types():
    assert (PDF.kind, PDF.media_type) == ("pdf", "application/pdf")
    assert (DOCX.kind, XLSX.kind, DOC.kind, XLS.kind) == ("word", "excel", "word", "excel")
    assert {PNG.kind, JPEG.kind, GIF.kind} == {"image"}
    assert ALLOWED_EXTENSIONS == sorted(ALLOWED_EXTENSIONS)
    assert {".pdf", ".docx", ".xlsx", ".doc", ".xls", ".png", ".jpg", ".jpeg", ".gif"} == set(
        ALLOWED_EXTENSIONS
    )


def unsupported(data: bytes, filename: str) -> str:
    with pytest.raises(UploadRejected) as info:
        sniff(data, filename)
    return str(info.value)


def test_html_renamed_pdf_is_rejected():
    html = b"<!DOCTYPE html><html><body>%PDF-1.4 <script>alert(1)</script></body></html>"
    assert "不支持的文件类型" in unsupported(html, "report.pdf")


def test_pdf_after_leading_junk_is_rejected():
    assert "不支持的文件类型" in unsupported(b"\n" + minimal_pdf(), "a.pdf")


@pytest.mark.parametrize(
    ("data", "filename", "media_type"),
    [
        (png(), "report.pdf", "image/png"),
        (minimal_pdf(), "report.png", "application/pdf"),
        (DOCX_BYTES, "report.xlsx", DOCX.media_type),
        (XLSX_BYTES, "report.zip", XLSX.media_type),
        (JPEG_BYTES, "photo", "image/jpeg"),
    ],
)
def test_content_and_extension_must_agree(data, filename, media_type):
    message = unsupported(data, filename)
    assert "与扩展名" in message and media_type in message


def test_ole_container_needs_doc_or_xls_extension():
    assert "不支持的文件类型" in unsupported(OLE_BYTES, "old.pdf")
    assert "不支持的文件类型" in unsupported(OLE_BYTES, "old.ppt")


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"plain text", "note.txt"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"),
        (b"MZ\x90\x00", "setup.doc"),
        (b"PK\x03\x04 not really a zip", "x.docx"),
        (ooxml("content.xml"), "x.docx"),  # has [Content_Types].xml but no word/ or xl/
    ],
)
def test_other_content_is_rejected(data, filename):
    assert "不支持的文件类型" in unsupported(data, filename)


def test_zip_without_content_types_is_not_office():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<x/>")
    assert "不支持的文件类型" in unsupported(buf.getvalue(), "a.docx")


def test_check_upload_rejects_empty_and_oversize():
    with pytest.raises(UploadRejected, match="文件为空"):
        check_upload(b"", "a.pdf", MB)
    pdf = minimal_pdf()
    assert check_upload(pdf, "a.pdf", len(pdf)) is PDF
    with pytest.raises(UploadRejected, match="文件过大：不能超过 2 MB"):
        check_upload(pdf + b"\0" * (2 * MB), "a.pdf", 2 * MB)
    with pytest.raises(UploadRejected, match="文件过大"):
        check_upload(pdf, "a.pdf", len(pdf) - 1)


def test_check_upload_still_sniffs_content():
    with pytest.raises(UploadRejected, match="与扩展名"):
        check_upload(png(), "a.pdf", MB)
