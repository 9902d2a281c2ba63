"""Erase applicants' personal data from cases closed longer ago than the retention period.

What is erased, on cases whose status is ``closed`` and whose closing date lies before the cutoff:

- the ID number (``id_number``), the phone number, the e-mail address, the postal address and
  its postcode: contact data has no use once a case is closed, so the e-mail address goes with
  the phone number and the address;
- the proof-of-identity uploads: their ``RequestFile`` rows, and their bytes in the file store
  once no row (another proof, a letter, a catalogue attachment) refers to the same storage key.

What stays, for the statistics and the annual report and as the record of the case: the
applicant's name and type, the organisation, the dates and deadlines, the outcome and its
report row, the channel, the status, the history and the issued letters.

Each purged case gets a history event (``purge_personal_data``, shown to officers only). A case
with nothing left to erase is not touched, so a second run finds nothing to do. Nothing here
logs or prints personal data: only tracking numbers and counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..files.interfaces import IFileStorage
from ..models import Attachment, DisclosureRequest, Letter, RequestEvent, RequestFile
from ..models.documents import ReleasedDocument
from ..models.mail import IdempotencyKey, MailOutbox
from ..models.requests import RequestStatus

ACTION = "purge_personal_data"
TEXT = "个人信息已按保存期限清除"  # i18n: the case history's record, stored in Chinese
ERASED_FIELDS = ("id_number", "phone", "email", "address", "postcode")
BATCH_SIZE = 200


@dataclass
class PurgeReport:
    cutoff: date
    dry_run: bool
    tracking_numbers: list[str] = field(default_factory=list)
    files: int = 0  # proof-of-identity rows removed (or that would be)
    blobs_deleted: int = 0  # stored files deleted (0 on a dry run)

    @property
    def cases(self) -> int:
        return len(self.tracking_numbers)


def cutoff_for(today: date, years: int) -> date:
    """The same calendar day ``years`` years before ``today`` (29 Feb becomes 28 Feb)."""
    if years < 0:
        raise ValueError("years must not be negative")
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def closed_on_column():
    """When the case was closed: ``closed_on``, else the date of its ``close`` history event."""
    close_event = (
        select(func.max(RequestEvent.on))
        .where(RequestEvent.request_id == DisclosureRequest.id, RequestEvent.action == "close")
        .correlate(DisclosureRequest)
        .scalar_subquery()
    )
    return func.coalesce(DisclosureRequest.closed_on, close_event)


def _has_personal_data():
    has_file = exists().where(RequestFile.request_id == DisclosureRequest.id)
    return or_(*(getattr(DisclosureRequest, name) != "" for name in ERASED_FIELDS), has_file)


def due_for_purge(cutoff: date):
    """Closed cases, closed before ``cutoff``, that still hold personal data (by id)."""
    return (
        select(DisclosureRequest.id, DisclosureRequest.tracking_number)
        .where(
            DisclosureRequest.status == RequestStatus.CLOSED,
            closed_on_column() < cutoff,
            _has_personal_data(),
        )
        .order_by(DisclosureRequest.id)
    )


def _referenced(db: Session, key: str) -> bool:
    return any(
        db.scalar(select(exists().where(column == key)))
        for column in (
            RequestFile.storage_key,
            Letter.storage_key,
            Attachment.storage_key,
            ReleasedDocument.storage_key,
        )
    )


def _erase(db: Session, req: DisclosureRequest, today: date) -> tuple[int, set[str]]:
    erased = [name for name in ERASED_FIELDS if getattr(req, name)]
    for name in erased:
        setattr(req, name, "")
    # Mail still waiting (or given up) holds the address and, for an acknowledgement, the
    # access code; the idempotency record points back at the case.
    for mail in db.scalars(select(MailOutbox).where(MailOutbox.request_id == req.id)):
        mail.recipients, mail.body = [], ""
        if mail.status != "sent":
            mail.status = "failed"
            mail.last_error = "personal data purged"
    db.execute(delete(IdempotencyKey).where(IdempotencyKey.request_id == req.id))
    keys = {f.storage_key for f in req.files}
    removed = len(req.files)
    for proof in list(req.files):
        db.delete(proof)
    db.add(
        RequestEvent(
            request=req,
            on=today,
            actor_label="系统",  # i18n: a stored record
            action=ACTION,
            from_status=req.status,
            to_status=req.status,
            reason=TEXT,
            changes={"erased": erased, "files": removed},  # field names only, never values
            public_text=TEXT,
            visible_to_applicant=False,
        )
    )
    return removed, keys


def purge_personal_data(
    db: Session,
    storage: IFileStorage,
    cutoff: date,
    *,
    today: date,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
) -> PurgeReport:
    """Erase the personal data of closed cases closed before ``cutoff``; return what was done.

    Commits after every ``batch_size`` cases (short write transactions) and deletes a stored
    file only after the commit that removed its last reference. A dry run changes nothing.
    """
    report = PurgeReport(cutoff=cutoff, dry_run=dry_run)
    found = db.execute(due_for_purge(cutoff)).all()
    if total:
        total(len(found))
    if dry_run:
        report.tracking_numbers = [tracking for _, tracking in found]
        due = due_for_purge(cutoff).subquery()
        report.files = db.scalar(
            select(func.count())
            .select_from(RequestFile)
            .where(RequestFile.request_id.in_(select(due.c.id)))
        )
        if progress:
            progress(len(found))
        db.rollback()
        return report
    for start in range(0, len(found), batch_size):
        ids = [id_ for id_, _ in found[start : start + batch_size]]
        requests = db.scalars(
            select(DisclosureRequest)
            .where(DisclosureRequest.id.in_(ids))
            .options(selectinload(DisclosureRequest.files))
            .order_by(DisclosureRequest.id)
        ).all()
        keys: set[str] = set()
        for req in requests:
            removed, req_keys = _erase(db, req, today)
            report.files += removed
            keys |= req_keys
            report.tracking_numbers.append(req.tracking_number)
        db.commit()
        for key in sorted(keys):
            if not _referenced(db, key) and storage.exists(key):
                storage.delete(key)
                report.blobs_deleted += 1
        db.commit()  # end the read transaction of the reference checks
        if progress:
            progress(len(ids))
    return report
