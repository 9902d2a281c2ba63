"""The sweep: delete stored files that no database row references (``disclosure files-gc``).

Why files can be unreferenced, and why deleting them is safe only after a grace period, is
explained in :mod:`disclosure.files.services`. In short: files are written before the rows
that point at them commit, so a process killed in between leaves an orphan; ``put`` refreshes
a file's modification time, and the sweep deletes only files older than ``now - grace`` that
no committed row names, each checked and deleted under the store's exclusive lock.

References are every column named ``storage_key`` or ``pdf_key`` in any table (found from the
models' metadata, so a new table with a ``storage_key`` column is covered), plus the
``storage_key`` of each attachment listed in the mail outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.mail import MailOutbox
from ..models.meta import Base
from .services import TEMP_PREFIX

KEY_COLUMNS = ("storage_key", "pdf_key")
DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)  # keys and temporary files deleted
    kept_recent: int = 0  # unreferenced, but younger than the grace period
    referenced: int = 0  # stored files some row points at


def key_columns():
    """Every column that holds a file store key."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name in KEY_COLUMNS
    ]


def referenced_keys(db: Session) -> set[str]:
    keys: set[str] = set()
    for column in key_columns():
        keys.update(k for k in db.scalars(select(column).where(column != "")) if k)
    for attachments in db.scalars(select(MailOutbox.attachments)):
        for item in attachments or ():
            if isinstance(item, dict) and item.get("storage_key"):
                keys.add(item["storage_key"])
    return keys


def sweep(
    db: Session,
    storage,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    *,
    dry_run: bool = False,
) -> SweepReport:
    """Delete the files of ``storage`` that no row references and that were last written (or
    put again) before ``now - grace``. ``now`` is a naive UTC datetime (the injectable clock)
    or an aware one. The references are read before the files are looked at."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    cutoff = (now - grace).timestamp()
    keys = referenced_keys(db)
    db.rollback()  # no transaction held open while the files are swept
    report = SweepReport()
    for name, mtime in list(storage.stored()):
        temporary = name.split("/", 1)[1].startswith(TEMP_PREFIX)
        if not temporary and name in keys:
            report.referenced += 1
        elif mtime >= cutoff:
            report.kept_recent += 1
        elif dry_run or storage.remove_if_older(name, cutoff):
            report.removed.append(name)
    return report
