"""Import catalogue items from CSV (header row = field names) or JSONL (one object a line).

Valid rows are kept, each rejected row is reported with its line number and reason, and
re-running the same file creates no duplicates: a row matches an existing item by 索引号, or,
without one, by organisation + title + 文号 + creation date.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import colander
from sqlalchemy import select

from ..models import CatalogueItem, Organisation
from .forms import item_schema, normalise
from .services import CatalogueService


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.existing + len(self.rejected)


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


def read_rows(path: str | Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, row) pairs; a row that cannot be parsed is yielded as an Exception."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"文件不存在: {path}") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"文件不是 UTF-8 编码: {path}") from None
    yield from parse_rows(text, path.suffix.lower())


def parse_rows(text: str, suffix: str) -> Iterator[tuple[int, Any]]:
    if suffix in (".jsonl", ".json", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                yield number, ValueError(f"JSON 无法解析: {exc}")
                continue
            yield number, row if isinstance(row, dict) else ValueError("每行应为一个 JSON 对象")
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise ImportFileError("CSV 文件缺少表头")
        try:
            for row in reader:
                if None in row:
                    yield reader.line_num, ValueError("列数多于表头")
                    continue
                yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误（第 {reader.line_num} 行）: {exc}") from None
    else:
        raise ImportFileError("只支持 .csv 和 .jsonl 文件")


def _reason(exc: colander.Invalid) -> str:
    return "；".join(f"{k}: {v}" for k, v in sorted(exc.asdict().items()))


class CatalogueImporter:
    def __init__(self, service: CatalogueService, today: date, batch_size: int = 500) -> None:
        self.service = service
        self.db = service.db
        self.today = today
        self.batch_size = batch_size
        self._orgs = {o.code: o for o in self.db.scalars(select(Organisation))}
        self._schemas: dict[str, colander.SchemaNode] = {}

    def _schema_for(self, org: Organisation) -> colander.SchemaNode:
        if org.category_tree not in self._schemas:
            self._schemas[org.category_tree] = item_schema(self.service.schema, org.category_tree)
        return self._schemas[org.category_tree]

    def _existing(self, org: Organisation, data: dict) -> CatalogueItem | None:
        if data.get("index_number"):
            return self.db.scalars(
                select(CatalogueItem).where(CatalogueItem.index_number == data["index_number"])
            ).first()
        return self.db.scalars(
            select(CatalogueItem).where(
                CatalogueItem.organisation_id == org.id,
                CatalogueItem.title == data["title"],
                CatalogueItem.document_number == data.get("document_number", ""),
                CatalogueItem.created_on == data.get("created_on"),
            )
        ).first()

    def import_row(self, row: Any) -> str | None:
        """Import one row; return None if kept, or the reason it was rejected."""
        if isinstance(row, Exception):
            return str(row)
        code = str(row.get("organisation") or "").strip()
        org = self._orgs.get(code) or next(
            (o for o in self._orgs.values() if code and code in (o.name, o.short_name)), None
        )
        if org is None:
            return f"organisation: 未知机构“{code[:50]}”" if code else "organisation: 必填"
        try:
            data = normalise(self._schema_for(org).deserialize(row), self.service.schema)
        except colander.Invalid as exc:
            return _reason(exc)
        number = data.get("index_number")
        if number and not number.startswith(org.code + "/"):
            return f"index_number: 索引号“{number}”的前缀应为发布机构代码 {org.code}"
        if self._existing(org, data) is not None:
            return "existing"
        savepoint = self.db.begin_nested()
        try:
            item = self.service.create(org, {**data, "note": "导入"}, None)
            if data.get("index_number"):
                self.service.reserve_index_number(item, data["index_number"])
            self.service.publish(item, None, self.today)
        except Exception as exc:  # keep the other rows; report this one
            savepoint.rollback()
            return f"无法保存: {exc.__class__.__name__}: {str(exc)[:200]}"
        savepoint.commit()
        return None

    def run(
        self, rows: Iterable[tuple[int, Any]], progress: Callable[[int], None] | None = None
    ) -> ImportReport:
        report = ImportReport()
        pending = 0
        for number, row in rows:
            reason = self.import_row(row)
            if reason is None:
                report.created += 1
                pending += 1
            elif reason == "existing":
                report.existing += 1
            else:
                report.rejected.append((number, reason))
            if pending >= self.batch_size:
                self.db.commit()
                pending = 0
            if progress:
                progress(1)
        self.db.commit()
        return report
