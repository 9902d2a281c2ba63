"""How a stored file is described to people: its size and its kind, in the reader's language.

``size_label`` is shared by the letters (the list of released documents in a reply), which stay
Chinese (no ``request``), and the pages, which pass theirs; the templates use them through the
``filesize``, ``media_type_label`` and ``file_label`` filters (``templating.py``). Media types are
never shown as such: "application/pdf" reads "PDF 文件" ("PDF file" in English).
"""

from __future__ import annotations

from ..i18n import _, chinese, translate

KB = 1024
MB = 1024 * 1024

# The kinds of file the site accepts (files/sniff.py) and a few more a harvested item may carry.
MEDIA_TYPE_NAMES = {
    "application/pdf": _("PDF 文件"),
    "application/msword": _("Word 文档"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Word 文档"),
    "application/vnd.ms-excel": _("Excel 表格"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel 表格"),
    "application/vnd.ms-powerpoint": _("PowerPoint 演示文稿"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        _("PowerPoint 演示文稿")
    ),
    "application/vnd.oasis.opendocument.text": _("OpenDocument 文档"),
    "application/vnd.oasis.opendocument.spreadsheet": _("OpenDocument 表格"),
    "application/ofd": _("OFD 版式文件"),
    "application/zip": _("压缩文件"),
    "application/x-zip-compressed": _("压缩文件"),
    "application/x-rar-compressed": _("压缩文件"),
    "application/vnd.rar": _("压缩文件"),
    "application/x-7z-compressed": _("压缩文件"),
    "text/plain": _("文本文件"),
    "text/csv": _("CSV 表格"),
    "text/html": _("网页"),
}
# By the part before the slash, for types not named above.
MEDIA_FAMILY_NAMES = {
    "image": _("图片"),
    "audio": _("音频"),
    "video": _("视频"),
    "text": _("文本文件"),
}
OTHER = _("文件")


def _shown(message, request=None) -> str:
    """A marked message in the request's language; in Chinese without a request."""
    return translate(request, message) if request is not None else chinese(message)


def size_label(size: int, request=None) -> str:
    """1234567 → 1.2 MB; 2048 → 2.0 KB; 512 → 512 字节 (512 bytes in English)."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= KB:
        return f"{size / KB:.1f} KB"
    return _shown(_("${n} 字节", mapping={"n": size}), request)


def media_type_label(media_type: str | None, request=None) -> str:
    """A name for a media type: PDF 文件, Word 文档, Excel 表格, 图片…; 文件 if unknown (in the
    request's language; Chinese without one)."""
    essence = (media_type or "").split(";", 1)[0].strip().lower()
    if essence in MEDIA_TYPE_NAMES:
        return _shown(MEDIA_TYPE_NAMES[essence], request)
    return _shown(MEDIA_FAMILY_NAMES.get(essence.split("/", 1)[0], OTHER), request)


def file_label(media_type: str | None, size: int | None, request=None) -> str:
    """The kind, then the size when known: "PDF 文件，60.6 KB" ("PDF file, 60.6 KB")."""
    kind = media_type_label(media_type, request)
    if size is None:
        return kind
    label = _("${kind}，${size}", mapping={"kind": kind, "size": size_label(size, request)})
    return _shown(label, request)
