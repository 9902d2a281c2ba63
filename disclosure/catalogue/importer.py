"""Import catalogue items from CSV (header row = field names) or JSONL (one object a line).

Valid rows are kept, each rejected row is reported with its line number and reason, and
re-running the same file creates no duplicates: a row matches an existing item by 索引号, or,
without one, by organisation + title + 文号 + creation date.

:meth:`CatalogueImporter.run` writes the valid rows a batch at a time (``batch_size`` rows, one
commit each): one query finds the batch's existing items, the 索引号 counters are locked and
moved once, and items, versions and outbox rows go in as multi-row INSERTs. What it writes is
what :meth:`CatalogueImporter.import_row` (one row through :class:`CatalogueService` create,
reserve and publish) writes, row for row; a batch the database refuses (a 索引号 that is taken
already, say) is redone one row at a time through that path, so the failing row alone is
rejected with its reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import colander
from sqlalchemy import bindparam, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import CatalogueItem, CatalogueItemVersion, IndexSerial, Organisation
from ..models.catalogue import ItemStatus, VersionState
from .forms import item_schema, normalise
from .services import (
    COLUMN_FIELDS,
    INDEX_RE,
    SYSTEM_FIELDS,
    CatalogueService,
    format_index_number,
    to_json_value,
)

#: the columns an item gets when the import row leaves them out (the model's defaults)
_COLUMN_DEFAULTS: dict[str, Any] = {
    "summary": "",
    "body": "",
    "document_number": "",
    "created_on": None,
    "published_on": None,
    "topic": "",
    "genre": "",
    "keywords": [],
    "audience": "",
    "disclosure_mode": "proactive",
    "validity": "valid",
    "category": "",
}
# i18n: the import report of the command line
NOTE = "导入"  # the note of an imported item's first version


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
        # i18n: the import report of the command line
        raise ImportFileError(f"文件不存在: {path}") from None
    except UnicodeDecodeError:
        # i18n: the import report of the command line
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
                # i18n: the import report of the command line
                yield number, ValueError(f"JSON 无法解析: {exc}")
                continue
            # i18n: the import report of the command line
            yield number, row if isinstance(row, dict) else ValueError("每行应为一个 JSON 对象")
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            # i18n: the import report of the command line
            raise ImportFileError("CSV 文件缺少表头")
        try:
            for row in reader:
                if None in row:
                    # i18n: the import report of the command line
                    yield reader.line_num, ValueError("列数多于表头")
                    continue
                yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
        except csv.Error as exc:
            # i18n: the import report of the command line
            raise ImportFileError(f"CSV 格式错误（第 {reader.line_num} 行）: {exc}") from None
    else:
        # i18n: the import report of the command line
        raise ImportFileError("只支持 .csv 和 .jsonl 文件")


def _reason(exc: colander.Invalid) -> str:
    # i18n: the import report of the command line
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

    def check(self, row: Any) -> str | tuple[Organisation, dict]:
        """Validate one row: (organisation, normalised data), or the reason it is rejected."""
        if isinstance(row, Exception):
            return str(row)
        code = str(row.get("organisation") or "").strip()
        org = self._orgs.get(code) or next(
            (o for o in self._orgs.values() if code and code in (o.name, o.short_name)), None
        )
        if org is None:
            # i18n: the import report of the command line
            return f"organisation: 未知机构“{code[:50]}”" if code else "organisation: 必填"
        try:
            data = normalise(self._schema_for(org).deserialize(row), self.service.schema)
        except colander.Invalid as exc:
            return _reason(exc)
        number = data.get("index_number")
        if number and not number.startswith(org.code + "/"):
            # i18n: the import report of the command line
            return f"index_number: 索引号“{number}”的前缀应为发布机构代码 {org.code}"
        return org, data

    def import_row(self, row: Any) -> str | None:
        """Import one row; return None if kept, or the reason it was rejected."""
        checked = self.check(row)
        if isinstance(checked, str):
            return checked
        return self._save_row(*checked)

    def _save_row(self, org: Organisation, data: dict) -> str | None:
        """One valid row through the catalogue service, in a SAVEPOINT of its own."""
        if self._existing(org, data) is not None:
            return "existing"
        savepoint = self.db.begin_nested()
        try:
            item = self.service.create(org, {**data, "note": NOTE}, None)
            if data.get("index_number"):
                self.service.reserve_index_number(item, data["index_number"])
            self.service.publish(item, None, self.today)
        except Exception as exc:  # keep the other rows; report this one
            savepoint.rollback()
            # i18n: the import report of the command line
            return f"无法保存: {exc.__class__.__name__}: {str(exc)[:200]}"
        savepoint.commit()
        return None

    def run(
        self, rows: Iterable[tuple[int, Any]], progress: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import every row, ``batch_size`` valid rows per commit; progress ticks once a row.

        A large import (``rows`` a sequence) into a search engine with ``bulk_load`` (the
        ``postgresql`` engine) runs inside it: the index is built once at the end."""
        from ..search.transactional import session_index

        bulk_load = getattr(session_index(self.db), "bulk_load", None)
        if bulk_load is None or not isinstance(rows, Sequence):
            return self._run(rows, progress)
        with bulk_load(expected=len(rows)):
            return self._run(rows, progress)

    def _run(
        self, rows: Iterable[tuple[int, Any]], progress: Callable[[int], None] | None
    ) -> ImportReport:
        report = ImportReport()
        batch: list[tuple[int, Organisation, dict]] = []
        for number, row in rows:
            checked = self.check(row)
            if isinstance(checked, str):
                report.rejected.append((number, checked))
                if progress:
                    progress(1)
                continue
            batch.append((number, *checked))
            if len(batch) >= self.batch_size:
                self._run_batch(batch, report, progress)
                self.db.commit()
                batch = []
        if batch:
            self._run_batch(batch, report, progress)
        self.db.commit()
        report.rejected.sort(key=lambda pair: pair[0])
        return report

    def _run_batch(
        self,
        batch: list[tuple[int, Organisation, dict]],
        report: ImportReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        from ..search.documents import expected_analysed
        from ..search.transactional import prefetch

        # the search engine segments the batch's texts on its workers while the rows are
        # written; the commit then takes the results instead of waiting for them
        prefetch(self.db, [expected_analysed(data) for _, _, data in batch])
        self.db.flush()
        savepoint = self.db.begin_nested()
        try:
            outcomes = self._write_batch(batch)
        except Exception:
            # The database refused the batch: redo it row by row, so that the failing rows
            # alone are rejected, each with its reason (as import_row does).
            savepoint.rollback()
            outcomes = [self._save_row(org, data) for _, org, data in batch]
        else:
            savepoint.commit()
        for (number, _, _), reason in zip(batch, outcomes, strict=True):
            if reason is None:
                report.created += 1
            elif reason == "existing":
                report.existing += 1
            else:
                report.rejected.append((number, reason))
            if progress:
                progress(1)

    # --- one batch in a few statements -------------------------------------------------------

    def _existing_in_db(self, batch) -> tuple[set[str], set[tuple]]:
        """索引号 and (organisation, title, 文号, creation date) keys of the batch's rows that
        are in the database already (as :meth:`_existing` asks, for a whole batch)."""
        numbers = {data["index_number"] for _, _, data in batch if data.get("index_number")}
        found_numbers: set[str] = set()
        if numbers:
            found_numbers = set(
                self.db.scalars(
                    select(CatalogueItem.index_number).where(
                        CatalogueItem.index_number.in_(numbers)
                    )
                )
            )
        keyed = [(org, data) for _, org, data in batch if not data.get("index_number")]
        found_keys: set[tuple] = set()
        if keyed:
            rows = self.db.execute(
                select(
                    CatalogueItem.organisation_id,
                    CatalogueItem.title,
                    CatalogueItem.document_number,
                    CatalogueItem.created_on,
                ).where(
                    CatalogueItem.title.in_({data["title"] for _, data in keyed}),
                    CatalogueItem.document_number.in_(
                        {data.get("document_number", "") for _, data in keyed}
                    ),
                    CatalogueItem.organisation_id.in_({org.id for org, _ in keyed}),
                )
            )
            found_keys = {tuple(row) for row in rows}
        return found_numbers, found_keys

    def _lock_serials(self, keys: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """The 索引号 counters of ``keys`` (organisation id, year), created at 0 if missing and
        locked until commit (PostgreSQL: FOR UPDATE; SQLite: the write lock is taken)."""
        if not keys:
            return {}
        postgres = self.db.get_bind().dialect.name == "postgresql"
        upsert = (pg_insert if postgres else sqlite_insert)(IndexSerial).on_conflict_do_nothing()
        self.db.execute(
            upsert,
            [{"organisation_id": o, "year": y, "last_serial": 0} for o, y in sorted(keys)],
        )
        rows = self.db.execute(
            select(IndexSerial.organisation_id, IndexSerial.year, IndexSerial.last_serial)
            .where(tuple_(IndexSerial.organisation_id, IndexSerial.year).in_(sorted(keys)))
            .order_by(IndexSerial.organisation_id, IndexSerial.year)
            .with_for_update()
        )
        return {(o, y): last for o, y, last in rows}

    def _write_batch(self, batch: list[tuple[int, Organisation, dict]]) -> list[str | None]:
        """Create and publish the batch's new items: what create + reserve_index_number +
        publish write for each row, in multi-row statements. Returns each row's outcome."""
        found_numbers, found_keys = self._existing_in_db(batch)
        serial_keys = set()
        for _, org, data in batch:
            match = INDEX_RE.match(data.get("index_number") or "")
            if match and match["code"] == org.code:
                serial_keys.add((org.id, int(match["year"])))
            elif not data.get("index_number"):
                serial_keys.add((org.id, (data.get("published_on") or self.today).year))
        serials = self._lock_serials(serial_keys)
        changed_serials: set[tuple[int, int]] = set()

        outcomes: list[str | None] = []
        items: list[dict] = []
        versions: list[dict] = []
        numbers: set[str] = set()  # 索引号 of the items of this batch
        keys: set[tuple] = set()  # and their (organisation, title, 文号, creation date)
        for _, org, data in batch:
            explicit = data.get("index_number") or ""
            key = (org.id, data["title"], data.get("document_number", ""), data.get("created_on"))
            if (explicit and (explicit in found_numbers or explicit in numbers)) or (
                not explicit and (key in found_keys or key in keys)
            ):
                outcomes.append("existing")
                continue
            published_on = data.get("published_on") or self.today
            if explicit:
                index_number = explicit
                match = INDEX_RE.match(explicit)
                if match and match["code"] == org.code:
                    serial_key = (org.id, int(match["year"]))
                    serials[serial_key] = max(serials[serial_key], int(match["serial"]))
                    changed_serials.add(serial_key)
            else:
                serial_key = (org.id, published_on.year)
                serials[serial_key] += 1
                changed_serials.add(serial_key)
                index_number = format_index_number(org.code, published_on.year, serials[serial_key])
            item, version_data = self._published_state(org, data, index_number, published_on)
            # lock_version as create (insert, flush), reserve_index_number and publish (flush)
            # leave it: one more flush when a 索引号 was given or the publication date is today's
            item["lock_version"] = 4 if explicit or not data.get("published_on") else 3
            items.append(item)
            versions.append(version_data)
            numbers.add(index_number)
            keys.add((org.id, item["title"], item["document_number"], item["created_on"]))
            outcomes.append(None)
        if not items:
            return outcomes

        table = CatalogueItem.__table__
        if self.db.get_bind().dialect.name == "postgresql":
            # ids from the sequence first, then one prepared INSERT for every row (psycopg's
            # pipeline): an INSERT … RETURNING of 500 rows is one statement of 300 KB, parsed
            # for its placeholders in Python (a third of the import's database time)
            ids = list(
                self.db.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('catalogue_items', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": len(items)},
                )
            )
            self.db.execute(
                insert(table),
                [{**item, "id": item_id} for item, item_id in zip(items, ids, strict=True)],
            )
        else:
            ids = list(
                self.db.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), items
                ).scalars()
            )
        published_at = datetime.now()
        self.db.execute(
            insert(CatalogueItemVersion.__table__),
            [
                {
                    "item_id": item_id,
                    "number": 1,
                    "state": VersionState.PUBLISHED,
                    "data": data,
                    "note": NOTE,
                    "created_by_id": None,
                    "published_at": published_at,
                }
                for item_id, data in zip(ids, versions, strict=True)
            ],
        )
        if changed_serials:
            serial_table = IndexSerial.__table__
            self.db.execute(
                update(serial_table)
                .where(
                    serial_table.c.organisation_id == bindparam("o"),
                    serial_table.c.year == bindparam("y"),
                )
                .values(last_serial=bindparam("serial")),
                [{"o": o, "y": y, "serial": serials[o, y]} for o, y in sorted(changed_serials)],
            )
        self._record_changes(ids)
        return outcomes

    def _published_state(
        self, org: Organisation, data: dict, index_number: str, published_on: date
    ) -> tuple[dict, dict]:
        """The item row and its first version's data, as CatalogueService.create and publish
        leave them (same values, same key order in the JSON columns)."""
        schema = self.service.schema
        columns = dict(_COLUMN_DEFAULTS)
        columns["keywords"] = []
        extra: dict[str, Any] = {}
        for name, value in data.items():
            if name in COLUMN_FIELDS:
                columns[name] = value
            elif name not in SYSTEM_FIELDS and name in schema.field_names:
                extra[name] = to_json_value(value)
        for name in schema.field_names:  # publish re-applies every field of the snapshot
            if name not in COLUMN_FIELDS and name not in SYSTEM_FIELDS:
                extra.setdefault(name, "")
        columns["published_on"] = published_on
        snapshot: dict[str, Any] = {}
        for name in schema.field_names:
            if name == "index_number":
                snapshot[name] = index_number
            elif name == "organisation":
                snapshot[name] = org.code
            elif name in COLUMN_FIELDS:
                snapshot[name] = to_json_value(columns[name])
            else:
                snapshot[name] = extra.get(name, "")
        snapshot["organisation"] = org.code
        snapshot["index_number"] = index_number
        snapshot["attachments"] = []
        item = {
            **columns,
            "organisation_id": org.id,
            "index_number": index_number,
            "status": ItemStatus.PUBLISHED,
            "extra": extra,
            "current_version": 1,
            "has_draft": False,
        }
        return item, snapshot

    def _record_changes(self, item_ids: list[int]) -> None:
        """What a flush of these new items records, for statements the flush does not see: their
        ids for the search outbox (:mod:`disclosure.models.outbox`) and, with a transactional
        search engine, for the index written at commit (:mod:`disclosure.search.transactional`)."""
        from ..models import outbox
        from ..search import transactional

        self.db.info.setdefault(outbox.PENDING, set()).update(item_ids)
        transactional.changed(self.db, item_ids)
