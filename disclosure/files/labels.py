"""How a stored file is described to people: its size and its kind, in Chinese.

``size_label`` is shared by the letters (the list of released documents in a reply) and the
pages; the templates use it through the ``filesize`` and ``file_label`` filters
(``templating.py``). Media types are never shown as such: "application/pdf" reads "PDF 文件".
"""

from __future__ import annotations

KB = 1024
MB = 1024 * 1024

# The kinds of file the site accepts (files/sniff.py) and a few more a harvested item may carry.
MEDIA_TYPE_NAMES = {
    "application/pdf": "PDF 文件",
    "application/msword": "Word 文档",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
    "application/vnd.ms-excel": "Excel 表格",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格",
    "application/vnd.ms-powerpoint": "PowerPoint 演示文稿",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint 演示文稿"
    ),
    "application/vnd.oasis.opendocument.text": "OpenDocument 文档",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument 表格",
    "application/ofd": "OFD 版式文件",
    "application/zip": "压缩文件",
    "application/x-zip-compressed": "压缩文件",
    "application/x-rar-compressed": "压缩文件",
    "application/vnd.rar": "压缩文件",
    "application/x-7z-compressed": "压缩文件",
    "text/plain": "文本文件",
    "text/csv": "CSV 表格",
    "text/html": "网页",
}
# By the part before the slash, for types not named above.
MEDIA_FAMILY_NAMES = {"image": "图片", "audio": "音频", "video": "视频", "text": "文本文件"}
OTHER = "文件"


def size_label(size: int) -> str:
    """1234567 → 1.2 MB; 2048 → 2.0 KB; 512 → 512 字节."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= KB:
        return f"{size / KB:.1f} KB"
    return f"{size} 字节"


def media_type_label(media_type: str | None) -> str:
    """A Chinese name for a media type: PDF 文件, Word 文档, Excel 表格, 图片…; 文件 if unknown."""
    essence = (media_type or "").split(";", 1)[0].strip().lower()
    if essence in MEDIA_TYPE_NAMES:
        return MEDIA_TYPE_NAMES[essence]
    return MEDIA_FAMILY_NAMES.get(essence.split("/", 1)[0], OTHER)


def file_label(media_type: str | None, size: int | None) -> str:
    """The kind, then the size when known: "PDF 文件，60.6 KB"."""
    kind = media_type_label(media_type)
    return kind if size is None else f"{kind}，{size_label(size)}"
