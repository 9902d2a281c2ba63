"""The national report template is data, checked when it is read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from disclosure.catalogue.registry import SchemaError
from disclosure.law.report_template import DEFAULT_DIR, FILE, load_report_template
from disclosure.reports import tables
from disclosure.reports.compute import TABLE3_COLUMNS, TABLE3_ROWS


def test_the_shipped_template_has_every_row_and_column_of_table_3():
    template = load_report_template()
    assert list(template.table3["rows"]) == list(TABLE3_ROWS)
    assert list(template.table3["columns"]) == list(TABLE3_COLUMNS)
    assert tables.ROW_LABELS["三（二）"].startswith("（二）部分公开")
    assert ("licences", "第二十条第（五）项", "行政许可", "本年处理决定数量") in (
        tables.TABLE2_DECISION_ROWS
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  title: 二、主动公开政府信息情况\n", "", "table2.title"),
        (
            "    licences: [第二十条第（五）项, 行政许可, 本年处理决定数量]\n",
            "    licences: [第二十条第（五）项]\n",
            "table2.decision_rows.licences",
        ),
        ("  kinds:\n", "  kinds: {}\n  old_kinds:\n", "table4.kinds"),
    ],
)
def test_a_broken_template_names_the_file_and_the_key(tmp_path: Path, old, new, message):
    shutil.copy(DEFAULT_DIR / FILE, tmp_path / FILE)
    path = tmp_path / FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        load_report_template(tmp_path)
    assert FILE in str(caught.value) and message in str(caught.value)


def test_a_missing_template_is_named(tmp_path: Path):
    with pytest.raises(SchemaError, match="文件不存在"):
        load_report_template(tmp_path)
