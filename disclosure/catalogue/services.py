"""Catalogue rules: drafts, publication, revision, repeal, 索引号 assignment, versions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..clock import business_today
from ..i18n import _
from ..models import CatalogueItem, CatalogueItemVersion, IndexSerial, Organisation, User
from ..models.catalogue import ItemStatus, VersionState
from ..models.counters import take_next
from ..models.organisations import organisation_row
from .registry import CatalogueSchema

COLUMN_FIELDS = {
    "title",
    "summary",
    "body",
    "document_number",
    "created_on",
    "published_on",
    "topic",
    "genre",
    "keywords",
    "audience",
    "disclosure_mode",
    "validity",
    "category",
}
SYSTEM_FIELDS = {"index_number", "organisation"}
INDEX_RE = re.compile(r"^(?P<code>[0-9A-Z]+)/(?P<year>\d{4})-(?P<serial>\d{5})$")


class CatalogueError(Exception):
    """A catalogue operation is not allowed in the item's current state. Its message
    (``args[0]``) is a marked message: ``str()`` reads it in Chinese, ``request.translate`` in
    the reader's language."""


class ConflictError(CatalogueError):
    """Someone else changed the item since it was loaded."""


def format_index_number(org_code: str, year: int, serial: int) -> str:
    return f"{org_code}/{year}-{serial:05d}"


def to_json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def from_json_value(name: str, value: Any) -> Any:
    if name in ("created_on", "published_on") and isinstance(value, str) and value:
        return date.fromisoformat(value)
    return value


def item_fields(item: CatalogueItem, schema: CatalogueSchema) -> dict[str, Any]:
    """Every schema field of the item's current state, JSON-ready, public or not."""
    out: dict[str, Any] = {}
    for name in schema.field_names:
        if name == "index_number":
            out[name] = item.index_number
        elif name == "organisation":
            out[name] = item.organisation.code
        elif name in COLUMN_FIELDS:
            out[name] = to_json_value(getattr(item, name))
        else:
            out[name] = (item.extra or {}).get(name, "")
    return out


class CatalogueService:
    def __init__(self, dbsession: Session, schema: CatalogueSchema) -> None:
        self.db = dbsession
        self.schema = schema

    # --- reading ---------------------------------------------------------------------------

    def item_data(self, item: CatalogueItem) -> dict[str, Any]:
        """Every schema field of the item's current state, JSON-ready (officers only: the public
        view is :func:`disclosure.catalogue.visibility.public_fields`)."""
        return item_fields(item, self.schema)

    def latest_version(self, item: CatalogueItem) -> CatalogueItemVersion | None:
        return item.versions[-1] if item.versions else None

    def editable_data(self, item: CatalogueItem) -> dict[str, Any]:
        """What the edit form starts from: the pending draft if there is one."""
        version = self.latest_version(item)
        data = (
            dict(version.data)
            if version and version.state == VersionState.DRAFT
            else self.item_data(item)
        )
        return {k: from_json_value(k, v) for k, v in data.items()}

    def public_query(self):
        """Deprecated delegate: use :func:`disclosure.catalogue.visibility.visible_items`."""
        from .visibility import visible_items

        return visible_items()

    def find_public(self, index_number: str) -> CatalogueItem | None:
        """Deprecated delegate: use :func:`disclosure.catalogue.visibility.find_visible`."""
        from .visibility import find_visible

        return find_visible(self.db, index_number)

    # --- writing ---------------------------------------------------------------------------

    def _apply(self, item: CatalogueItem, data: dict[str, Any]) -> None:
        extra = dict(item.extra or {})
        for name, value in data.items():
            if name in COLUMN_FIELDS:
                setattr(item, name, value)
            elif name not in SYSTEM_FIELDS and name in self.schema.field_names:
                extra[name] = to_json_value(value)
        item.extra = extra

    def _snapshot(
        self, item: CatalogueItem, data: dict[str, Any], base: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Every field of the item as it would be with ``data`` applied over ``base``."""
        snap = base if base is not None else (self.item_data(item) if item.id else {})
        for name, value in data.items():
            if name in self.schema.field_names and name not in SYSTEM_FIELDS:
                snap[name] = to_json_value(value)
        snap["organisation"] = item.organisation.code
        snap["index_number"] = item.index_number
        snap["attachments"] = [a.id for a in item.attachments] if item.id else []
        return snap

    def _check_lock(self, item: CatalogueItem, lock_version: int | None) -> None:
        if lock_version and lock_version != item.lock_version:
            raise ConflictError(_("该条目已被他人修改，请刷新后重试。"))

    def create(
        self, organisation: Organisation, data: dict[str, Any], user: User | None
    ) -> CatalogueItem:
        item = CatalogueItem(
            organisation=organisation_row(self.db, organisation),
            status=ItemStatus.DRAFT,
            extra={},
            keywords=[],
        )
        self._apply(item, data)
        self.db.add(item)
        self.db.flush()
        version = CatalogueItemVersion(
            item=item,
            number=1,
            state=VersionState.DRAFT,
            data=self._snapshot(item, data),
            note=data.get("note", "") or "新建",  # i18n: the version's stored note
            created_by=user,
        )
        self.db.add(version)
        item.current_version = 0
        item.has_draft = True
        self.db.flush()
        return item

    def save_draft(
        self,
        item: CatalogueItem,
        data: dict[str, Any],
        user: User | None,
        lock_version: int | None = None,
    ) -> CatalogueItemVersion:
        """Save an edit. Before first publication it changes the item; afterwards it becomes a
        pending draft version and the public keeps seeing the published one."""
        self._check_lock(item, lock_version)
        if item.status == ItemStatus.REPEALED:
            raise CatalogueError(_("已废止的条目不能再修改。"))
        latest = self.latest_version(item)
        pending = latest if latest is not None and latest.state == VersionState.DRAFT else None
        if item.status == ItemStatus.DRAFT:
            self._apply(item, data)
        # Build the snapshot before adding a version: item_data() may autoflush.
        snapshot = self._snapshot(item, data, base=dict(pending.data) if pending else None)
        if pending is None:
            number = latest.number + 1 if latest else 1
            pending = CatalogueItemVersion(item=item, number=number, state=VersionState.DRAFT)
            self.db.add(pending)
        pending.data = snapshot
        version = pending
        version.note = data.get("note", "") or version.note or "修改"  # i18n: stored note
        version.created_by = user
        item.has_draft = True
        item.updated_at = datetime.now()
        self.db.flush()
        return version

    def next_serial(self, organisation_id: int, year: int, at_least: int = 0) -> int:
        """Atomically take the next 索引号 serial for an organisation and year."""
        return take_next(self.db, IndexSerial, organisation_id, year, at_least)

    def reserve_index_number(self, item: CatalogueItem, index_number: str) -> None:
        """Use an imported 索引号 and move the counter past it so it is never handed out again."""
        m = INDEX_RE.match(index_number)
        if m and m["code"] == item.organisation.code:
            self.next_serial(item.organisation_id, int(m["year"]), at_least=int(m["serial"]))
        item.index_number = index_number

    def publish(
        self, item: CatalogueItem, user: User | None, today: date, lock_version: int | None = None
    ) -> CatalogueItem:
        """Publish the pending draft: first publication or a revision."""
        self._check_lock(item, lock_version)
        version = self.latest_version(item)
        if version is None or version.state != VersionState.DRAFT:
            raise CatalogueError(_("没有待发布的内容。"))
        if item.status == ItemStatus.REPEALED:
            raise CatalogueError(_("已废止的条目不能再发布。"))
        data = {k: from_json_value(k, v) for k, v in version.data.items()}
        first = item.status == ItemStatus.DRAFT
        if not first:
            data.pop("published_on", None)
        self._apply(item, data)
        if first:
            if item.published_on is None:
                item.published_on = today
            if not item.index_number:
                year = item.published_on.year
                serial = self.next_serial(item.organisation_id, year)
                item.index_number = format_index_number(item.organisation.code, year, serial)
            item.status = ItemStatus.PUBLISHED
        else:
            item.status = ItemStatus.REVISED
        for older in item.versions:
            if older.state == VersionState.PUBLISHED:
                older.state = VersionState.SUPERSEDED
        version.data = {**version.data, **self._snapshot(item, {})}
        version.state = VersionState.PUBLISHED
        version.published_at = datetime.now()
        version.created_by = version.created_by or user
        item.current_version = version.number
        item.has_draft = False
        self.db.flush()
        return item

    def repeal(
        self,
        item: CatalogueItem,
        user: User | None,
        note: str,
        lock_version: int | None = None,
        today: date | None = None,
    ) -> None:
        """Mark a published item repealed (废止). It stays listed, marked as such.

        A 规章 or 行政规范性文件 (``normative_kind``) without a 废止日期 gets ``today`` (default: the
        business date) as its ``repealed_on``: table 二 of the annual report counts it."""
        self._check_lock(item, lock_version)
        if item.status not in (ItemStatus.PUBLISHED, ItemStatus.REVISED):
            raise CatalogueError(_("只有已发布的条目可以废止。"))
        extra = item.extra or {}
        if (
            extra.get("normative_kind")
            and not extra.get("repealed_on")
            and "repealed_on" in self.schema.field_names
        ):
            self._apply(item, {"repealed_on": today or business_today()})
        for older in item.versions:
            if older.state in (VersionState.PUBLISHED, VersionState.DRAFT):
                older.state = VersionState.SUPERSEDED
        item.validity = "repealed"
        item.status = ItemStatus.REPEALED
        number = item.versions[-1].number + 1 if item.versions else 1
        version = CatalogueItemVersion(
            item=item,
            number=number,
            state=VersionState.PUBLISHED,
            data=self._snapshot(item, {}),
            note=note or "废止",  # i18n: the version's stored note
            created_by=user,
            published_at=datetime.now(),
        )
        self.db.add(version)
        item.current_version = number
        item.has_draft = False
        self.db.flush()
