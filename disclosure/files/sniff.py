"""Identify an upload by its content, not its name: PDF, Word, Excel and common images."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from ..i18n import _, chinese

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class FileKind:
    kind: str  # pdf | word | excel | image
    media_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "application/pdf", (".pdf",))
DOCX = FileKind(
    "word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileKind(
    "excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
DOC = FileKind("word", "application/msword", (".doc",))
XLS = FileKind("excel", "application/vnd.ms-excel", (".xls",))
PNG = FileKind("image", "image/png", (".png",))
JPEG = FileKind("image", "image/jpeg", (".jpg", ".jpeg"))
GIF = FileKind("image", "image/gif", (".gif",))

ALLOWED_EXTENSIONS = sorted(
    {e for k in (PDF, DOCX, XLSX, DOC, XLS, PNG, JPEG, GIF) for e in k.extensions}
)


class UploadRejected(Exception):
    """The upload is not an accepted kind of file, or is too large. ``message`` (also
    ``args[0]``) is a marked message, for ``request.translate``; ``str()`` is its Chinese (the
    letters, the harvest's record errors)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return chinese(self.message)


def _zip_kind(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def sniff(data: bytes, filename: str) -> FileKind:
    """Return the file's kind from its bytes; the name's extension must agree with them."""
    ext = PurePath(filename).suffix.lower()
    kind: FileKind | None = None
    if data.startswith(b"%PDF-"):
        kind = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        kind = GIF
    elif data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    elif data.startswith(OLE_MAGIC):
        # The legacy Office container holds Word and Excel alike; the extension picks which.
        kind = XLS if ext == ".xls" else DOC if ext == ".doc" else None
    if kind is None:
        raise UploadRejected(
            _("不支持的文件类型：只接受 PDF、Word、Excel 和图片（PNG、JPEG、GIF）")
        )
    if ext not in kind.extensions:
        if ext:
            message = _(
                "文件内容（${media_type}）与扩展名“${ext}”不符",
                mapping={"media_type": kind.media_type, "ext": ext},
            )
        else:
            message = _(
                "文件内容（${media_type}）与扩展名“无”不符", mapping={"media_type": kind.media_type}
            )
        raise UploadRejected(message)
    return kind


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def check_upload(data: bytes, filename: str, max_bytes: int) -> FileKind:
    if not data:
        raise UploadRejected(_("文件为空"))
    if len(data) > max_bytes:
        raise UploadRejected(
            _("文件过大：不能超过 ${size}", mapping={"size": human_size(max_bytes)})
        )
    return sniff(data, filename)
