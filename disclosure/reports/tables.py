"""The annual report's tables as the 2021 national template lays them out: row and column
captions, the rows of each table as lists of cells (for the HTML page, the PDF and the CSV
files), and the CSV files themselves (UTF-8 with a BOM, so spreadsheet programs read the
Chinese headers).

The figures come in the JSON shape of ``ReportFigures.as_json()``; this module only arranges
them. The captions, and the articles table 二 cites, are data: the national template in
``catalog_schemas/annual_report_template.yaml``, read through ``disclosure.law.report_template``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ..catalogue.registry import SchemaError
from ..i18n import _
from ..law.report_template import report_template
from .compute import TABLE3_COLUMNS, TABLE3_ROWS

_T = report_template()

# -- table 二: 主动公开政府信息情况 -------------------------------------------------------------------

TABLE2_TITLE: str = _T.table2["title"]
TABLE2_NORMATIVE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    _T.table2["normative_columns"].items()
)
#: (JSON key, 条款, 信息内容)
TABLE2_NORMATIVE_ROWS: tuple[tuple[str, str, str], ...] = tuple(
    (key, *row) for key, row in _T.table2["normative_rows"].items()
)
#: (JSON key, 条款, 信息内容, 指标)
TABLE2_DECISION_ROWS: tuple[tuple[str, str, str, str], ...] = tuple(
    (key, *row) for key, row in _T.table2["decision_rows"].items()
)
# i18n: the national template's headings (the CSV file is the report's content, in Chinese)
TABLE2_CSV_HEADER = (
    "条款",
    "信息内容",
    *(label for _, label in TABLE2_NORMATIVE_COLUMNS),
    "本年处理决定数量",
    "本年收费金额（万元）",
)

# -- table 三: 收到和处理政府信息公开申请情况 ------------------------------------------------------------

TABLE3_TITLE: str = _T.table3["title"]
COLUMN_LABELS: dict[str, str] = dict(_T.table3["columns"])
LEGAL_PERSONS: str = _T.table3["legal_persons"]
ROW_LABELS: dict[str, str] = dict(_T.table3["rows"])
#: the group heading shown before the first row of each group of 三
ROW_GROUPS: dict[str, str] = dict(_T.table3["groups"])
# i18n: the national template's headings (the CSV file is the report's content, in Chinese)
TABLE3_CSV_HEADER = ("行次", "项目", *(COLUMN_LABELS[c] for c in TABLE3_COLUMNS))

# -- table 四: 政府信息公开行政复议、行政诉讼情况 ---------------------------------------------------------

TABLE4_TITLE: str = _T.table4["title"]
TABLE4_KIND_LABELS: dict[str, str] = dict(_T.table4["kinds"])
TABLE4_COLUMN_LABELS: dict[str, str] = dict(_T.table4["columns"])
TABLE4_CSV_HEADER = ("类别", *TABLE4_COLUMN_LABELS.values())  # i18n: the template's heading

if list(ROW_LABELS) != list(TABLE3_ROWS) or list(COLUMN_LABELS) != list(TABLE3_COLUMNS):
    # i18n: a start-up error, for the site's operators
    raise SchemaError(
        "catalog_schemas/annual_report_template.yaml: table3 的行、列须与年报模板一致 "
        f"(rows {TABLE3_ROWS}, columns {TABLE3_COLUMNS})"
    )

TABLES = ("table2", "table3", "table4")
#: marked messages: the pages' links show them translated, the CSV files' names in Chinese
TABLE_NAMES = {"table2": _("表二"), "table3": _("表三"), "table4": _("表四")}

# The tables on the report's pages are the report's content, laid out as the national template
# lays them out, in Chinese like the template's captions (only the pages around them translate).
# i18n: the national template's column headings (report content)
HEADINGS = {
    "article": "条款",
    "content": "信息内容",
    "measure": "指标",
    "value": "数值",
    "item": "项目",
    "kind": "类别",
}
# i18n: the national template's note on table 三 (report content)
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
NOT_ENTERED = "未填报"  # i18n: an empty hand-entered cell of table 二 (report content)


def number(value: Any) -> str:
    """A cell as printed: "" for a figure nobody entered, a fee amount without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text or "0"
    return str(value)


def table2_rows(table2: dict[str, Any]) -> list[tuple[str, ...]]:
    """Table 二 in the CSV's columns (one row per content category)."""
    out: list[tuple[str, ...]] = []
    for key, article, label in TABLE2_NORMATIVE_ROWS:
        counts = table2.get(key) or {}
        out.append(
            (
                article,
                label,
                *(number(counts.get(col, 0)) for col, _ in TABLE2_NORMATIVE_COLUMNS),
                "",
                "",
            )
        )
    for key, article, label, _measure in TABLE2_DECISION_ROWS:
        value = number(table2.get(key))
        fee = key == "fees_wan"
        out.append((article, label, "", "", "", "" if fee else value, value if fee else ""))
    return out


def table3_rows(table3: dict[str, Any]) -> list[tuple[str, ...]]:
    rows = table3.get("rows") or {}
    return [
        (row, ROW_LABELS[row], *(number((rows.get(row) or {}).get(c, 0)) for c in TABLE3_COLUMNS))
        for row in TABLE3_ROWS
    ]


def table4_rows(table4: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (label, *(number((table4.get(kind) or {}).get(c, 0)) for c in TABLE4_COLUMN_LABELS))
        for kind, label in TABLE4_KIND_LABELS.items()
    ]


def csv_bytes(table: str, figures: dict[str, Any]) -> bytes:
    """One table as CSV: UTF-8 with a BOM, Chinese headers, CRLF line ends."""
    header, rows = {
        "table2": (TABLE2_CSV_HEADER, table2_rows),
        "table3": (TABLE3_CSV_HEADER, table3_rows),
        "table4": (TABLE4_CSV_HEADER, table4_rows),
    }[table]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows(figures[table]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- what a correction changed -------------------------------------------------------------------


def _cells(figures: dict[str, Any]) -> dict[str, str]:
    """Every cell of the three tables, by a caption that names it (表三 三（一）总计 …)."""
    out: dict[str, str] = {}
    table2 = figures.get("table2") or {}
    # The cells are named in the template's Chinese: the names go into the published
    # correction note (report content).
    for key, _article, label in TABLE2_NORMATIVE_ROWS:
        for col, col_label in TABLE2_NORMATIVE_COLUMNS:
            # i18n: a cell's name in the correction note (report content)
            out[f"表二 {label} {col_label}"] = number((table2.get(key) or {}).get(col, 0))
    for key, _article, label, _measure in TABLE2_DECISION_ROWS:
        out[f"表二 {label}"] = number(table2.get(key)) or NOT_ENTERED  # i18n: report content
    rows = (figures.get("table3") or {}).get("rows") or {}
    for row in TABLE3_ROWS:
        for col in TABLE3_COLUMNS:
            # i18n: a cell's name in the correction note (report content)
            out[f"表三 {row}{COLUMN_LABELS[col]}"] = number((rows.get(row) or {}).get(col, 0))
    table4 = figures.get("table4") or {}
    for kind, label in TABLE4_KIND_LABELS.items():
        for col, col_label in TABLE4_COLUMN_LABELS.items():
            # i18n: a cell's name in the correction note (report content)
            out[f"表四 {label}{col_label}"] = number((table4.get(kind) or {}).get(col, 0))
    return out


def changed_cells(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each cell whose value differs, as "表三 三（一）总计：12 → 13", in table order."""
    before, after = _cells(old), _cells(new)
    # i18n: a line of the correction note (report content)
    return [
        f"{name}：{before[name]} → {after[name]}" for name in after if before[name] != after[name]
    ]
