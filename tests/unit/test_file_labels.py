"""Files described in words: sizes and media types in Chinese (files/labels.py)."""

import pytest

from disclosure.files.labels import file_label, media_type_label, size_label


@pytest.mark.parametrize(
    ("size", "label"),
    [(0, "0 字节"), (512, "512 字节"), (2048, "2.0 KB"), (62031, "60.6 KB"), (1234567, "1.2 MB")],
)
def test_size_label(size, label):
    assert size_label(size) == label


@pytest.mark.parametrize(
    ("media_type", "label"),
    [
        ("application/pdf", "PDF 文件"),
        ("application/msword", "Word 文档"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
        ("application/vnd.ms-excel", "Excel 表格"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
        ("image/png", "图片"),
        ("image/webp", "图片"),
        ("Application/PDF; charset=binary", "PDF 文件"),
        ("application/x-unknown", "文件"),
        ("", "文件"),
        (None, "文件"),
    ],
)
def test_media_type_label(media_type, label):
    assert media_type_label(media_type) == label


def test_file_label():
    assert file_label("application/pdf", 62031) == "PDF 文件，60.6 KB"
    assert file_label("image/jpeg", None) == "图片"
