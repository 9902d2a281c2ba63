"""The annual report's national template (``catalog_schemas/annual_report_template.yaml``): the
captions of tables 二, 三 and 四, with the articles of the Regulations that table 二 cites.

Pure: the caller checks the keys against the figures it computes (``disclosure.reports.tables``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile
from ..catalogue.registry import SchemaError

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "catalog_schemas"
FILE = "annual_report_template.yaml"


@dataclass(frozen=True)
class ReportTemplate:
    name: str
    table2: dict[str, Any]
    table3: dict[str, Any]
    table4: dict[str, Any]


def _mapping(where: str, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise SchemaError(f"{where}: {path}: 必须是非空映射 (must be a non-empty mapping)")
    for key, text in value.items():
        if not isinstance(text, str | list) or not text:
            raise SchemaError(f"{where}: {path}.{key}: 必须是非空文本 (must be non-empty text)")
    return value


def load_report_template(schemas_dir: str | Path = DEFAULT_DIR) -> ReportTemplate:
    where = f"catalog_schemas/{FILE}"
    try:
        data = yamlfile.safe_load((Path(schemas_dir) / FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{where}: 文件不存在 (file missing)") from None
    except yaml.YAMLError as exc:
        raise SchemaError(f"{where}: 格式错误 (invalid): {exc}") from None
    if not isinstance(data, dict):
        raise SchemaError(f"{where}: 格式错误 (invalid)")
    try:
        t2, t3, t4 = data["table2"], data["table3"], data["table4"]
        for name, table, keys in (
            ("table2", t2, ("normative_columns", "normative_rows", "decision_rows")),
            ("table3", t3, ("columns", "rows", "groups")),
            ("table4", t4, ("kinds", "columns")),
        ):
            if not isinstance(table.get("title"), str) or not table["title"]:
                raise SchemaError(f"{where}: {name}.title: 缺少此字段 (missing)")
            for key in keys:
                _mapping(where, table.get(key), f"{name}.{key}")
        for key, row in t2["normative_rows"].items():
            if not isinstance(row, list) or len(row) != 2:
                raise SchemaError(f"{where}: table2.normative_rows.{key}: 应为 [条款, 信息内容]")
        for key, row in t2["decision_rows"].items():
            if not isinstance(row, list) or len(row) != 3:
                raise SchemaError(
                    f"{where}: table2.decision_rows.{key}: 应为 [条款, 信息内容, 指标]"
                )
        return ReportTemplate(str(data.get("name") or ""), t2, t3, t4)
    except (KeyError, TypeError, AttributeError) as exc:
        raise SchemaError(f"{where}: 格式错误 (invalid): {exc!r}") from None


@cache
def report_template() -> ReportTemplate:
    """The shipped template (the layout of every report, as the national format prescribes)."""
    return load_report_template(DEFAULT_DIR)
