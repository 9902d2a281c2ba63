"""Harvest another instance's public catalogue over OAI-PMH into this one.

:meth:`Harvester.run` pulls the source's records (``metadataPrefix=disclosure``, the format
that carries every public field, :mod:`disclosure.oai.documents`) under one local
organisation:

- **incremental**: a harvest asks ``from`` the newest datestamp of the last complete one (the
  bound is inclusive, so a record changed in that same second comes again; applying it again
  changes nothing);
- **resumable**: each page is applied and committed in one transaction together with the token
  of the next page, so an interrupted harvest (a network failure, a crash, ``max_pages``) goes
  on from the page it had not finished; a token the source no longer accepts starts the
  interrupted list again from its ``from``;
- **idempotent by 索引号**: a record whose 索引号 this instance holds, harvested from the same
  source, updates that item only where it differs (a revision, the repeal, the attachments); a
  record equal to the local copy changes nothing;
- **deletions**: a deleted record withdraws the local copy (status ``withdrawn``): it leaves
  browse, search and the API, and this instance's own OAI-PMH provider reports it deleted too;
- **provenance**: harvested items keep the source, their identifier and page there, and when
  they were harvested (the item page shows it); officers cannot edit them.

Which organisation a record goes to: the organisation whose code the record names, if it is
``--as`` ORG_CODE itself or below it in this instance's tree. Any other organisation (one this
instance does not know, or one outside ORG_CODE) is bad input: the record is reported and
skipped, as is a record that is malformed XML, fails the catalogue's validation (a bad date, an
unknown vocabulary code) or whose 索引号 belongs to a local item. Each record is applied in a
SAVEPOINT of its own, so a record that fails leaves nothing behind.

Records are applied through :class:`~disclosure.catalogue.services.CatalogueService` (create,
reserve the 索引号, publish, save a draft and publish it, repeal), the same path as the
officers' and the importer's, so versions, the search engines (written in the same
transaction, or fed by the outbox) and the cache generations follow as for any change.
Attachment files are fetched from their public download URL, checked against their SHA-256 and
stored before the page's transaction begins (the file store is content-addressed; a file no row
ends up using is removed by ``disclosure files-gc``).
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import colander
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..catalogue.forms import item_schema, normalise
from ..catalogue.registry import CatalogueSchema
from ..catalogue.services import CatalogueService, item_fields, to_json_value
from ..clock import business_today, utcnow
from ..files.extract import extract_text
from ..files.services import store_content
from ..files.sniff import UploadRejected, check_upload
from ..models import (
    Attachment,
    CatalogueItem,
    CatalogueItemVersion,
    HarvestSource,
    Organisation,
)
from ..models.catalogue import ItemStatus, VersionState
from ..models.generations import CATALOGUE, bump
from ..oai.protocol import DISCLOSURE, DISCLOSURE_PREFIX
from ..organisations.services import OrganisationTree, load_nodes
from .client import BadResumptionToken, Client, HarvestError, Page, RawRecord

SOURCE_STATUSES = ("published", "revised", "repealed")
#: fields a revision cannot change (the first publication date stays)
UNCOMPARED = {"published_on"}
SHA256 = re.compile(r"[0-9a-f]{64}\Z")
OUTCOMES = ("created", "updated", "repealed", "withdrawn", "unchanged")
# i18n: command line (the harvest's report and errors)
LABELS = {
    "created": "新增",
    "updated": "更新",
    "repealed": "废止",
    "withdrawn": "撤回",
    "unchanged": "未变",
}


class RecordError(Exception):
    """This record cannot be applied (bad input from the source); the harvest goes on."""


@dataclass
class IncomingFile:
    filename: str
    media_type: str
    kind: str
    size: int
    sha256: str
    storage_key: str
    text: str


@dataclass
class Incoming:
    """A live record, checked and ready to apply."""

    identifier: str
    index_number: str
    organisation_id: int
    status: str
    url: str
    data: dict[str, Any]
    files: list[IncomingFile]


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    errors: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    complete: bool = False
    next_from: str | None = None

    def add(self, outcome: str) -> None:
        self.counts[outcome] += 1

    def summary(self) -> str:
        parts = [f"{LABELS[k]} {self.counts[k]}" for k in OUTCOMES]
        # i18n: command line (the harvest's report and errors)
        return "，".join([*parts, f"错误 {len(self.errors)}"])


def normalise_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # i18n: command line (the harvest's report and errors)
        raise HarvestError(f"来源地址应为 http(s) 网址，如 https://example.gov.cn/oai：{url[:200]}")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


class Harvester:
    def __init__(
        self,
        session_factory: sessionmaker,
        schema: CatalogueSchema,
        storage,
        *,
        max_bytes: int,
        say: Callable[[str], None] = print,
        timeout: float = 60.0,
        today: Callable[[], date] = business_today,
    ) -> None:
        self.factory = session_factory
        self.schema = schema
        self.storage = storage
        self.max_bytes = max_bytes
        self.say = say
        self.timeout = timeout
        self.today = today

    # --- the run -------------------------------------------------------------------------------

    def run(
        self,
        source_url: str,
        org_code: str,
        *,
        set_spec: str | None = None,
        full: bool = False,
        max_pages: int | None = None,
        progress: Callable[[int], None] | None = None,
        total: Callable[[int], None] | None = None,
    ) -> Report:
        """Harvest ``source_url`` (the source's /oai) under the organisation ``org_code``."""
        base_url = normalise_url(source_url)
        client = Client(base_url, timeout=self.timeout)
        report = Report()
        with self.factory() as db:
            org = db.scalars(select(Organisation).where(Organisation.code == org_code)).first()
            if org is None:
                # i18n: command line (the harvest's report and errors)
                raise HarvestError(f"本机没有机构代码 {org_code}")
            identify = client.identify()
            source = db.scalars(
                select(HarvestSource).where(
                    HarvestSource.base_url == base_url, HarvestSource.organisation_id == org.id
                )
            ).first()
            if source is None:
                source = HarvestSource(base_url=base_url, organisation=org, set_spec="")
                db.add(source)
            name = identify.get("repositoryName", "")[:200]
            if source.id is not None and source.repository_name != name:
                bump(db, CATALOGUE)  # item pages name the source
            source.repository_name = name
            wanted = self._set_spec(client, org_code, set_spec, source)
            if source.id is not None and wanted != source.set_spec:
                full = True  # another part of the source: start again
            source.set_spec = wanted
            resuming = bool(source.resumption_token) and not full
            if not resuming:
                start = None if full else source.last_datestamp
                source.run_started_at = utcnow()
                source.run_from = start
                source.run_datestamp = None
                source.resumption_token = None
            db.commit()
            source_id, org_id = source.id, org.id
            # i18n: command line (the harvest's report and errors)
            self.say(
                f"来源：{name or base_url}（{base_url}），"
                f"集合 {wanted or '（全部）'}，归入 {org.code} {org.name}"
            )
            if resuming:
                # i18n: command line (the harvest's report and errors)
                self.say("从中断处继续（断点续传）")
            elif source.run_from:
                # i18n: command line (the harvest's report and errors)
                self.say(f"增量收割：自 {source.run_from} 起")
            else:
                # i18n: command line (the harvest's report and errors)
                self.say("全量收割")
            token, start = source.resumption_token, source.run_from
        while True:
            try:
                page = client.list_records(
                    DISCLOSURE_PREFIX, start=start, set_spec=wanted, token=token
                )
            except BadResumptionToken as exc:
                if not token:
                    raise
                # i18n: command line (the harvest's report and errors)
                self.say(f"{exc}；从本次收割的起点重新开始")
                token = None
                continue
            if total and page.complete_list_size is not None:
                total(page.complete_list_size)
            with self.factory() as db:  # read only: checked and files fetched before writing
                tree = OrganisationTree(load_nodes(db))
                prepared = [self._prepare(db, tree, client, org_id, r) for r in page.records]
            self._apply_page(source_id, page, prepared, report)
            report.pages += 1
            if progress:
                progress(len(page.records))
            token = page.token
            if token is None:
                report.complete = True
                break
            if max_pages is not None and report.pages >= max_pages:
                break
        with self.factory() as db:
            source = db.get(HarvestSource, source_id)
            report.next_from = source.last_datestamp
        return report

    def _set_spec(self, client: Client, org_code: str, given: str | None, source) -> str:
        """The part of the source to harvest: ``given``; else what this source was harvested
        with before; else the source's set of the same organisation code, if it has one; else
        everything."""
        if given is not None:
            return given
        if source.id is not None:
            return source.set_spec
        for spec, _ in client.list_sets():
            if spec.rsplit(":", 1)[-1] == org_code:
                return spec
        return ""

    def _apply_page(self, source_id: int, page: Page, prepared: list, report: Report) -> None:
        """Apply one page's records (each in a SAVEPOINT) and move the state on, in one
        transaction."""
        with self.factory() as db:
            if db.get_bind().dialect.name == "sqlite":
                db.connection(execution_options={"sqlite_immediate": True})
            source = db.get(HarvestSource, source_id)
            service = CatalogueService(db, self.schema)
            for record, ready in zip(page.records, prepared, strict=True):
                outcome = None
                error = ready if isinstance(ready, RecordError) else None
                if error is None:
                    try:
                        with db.begin_nested():
                            outcome = self._apply(db, service, source, record, ready)
                    except RecordError as exc:
                        error = exc
                    except Exception as exc:  # the database refused it: report, go on
                        # i18n: command line (the harvest's report and errors)
                        error = RecordError(f"无法保存：{type(exc).__name__}: {str(exc)[:200]}")
                if error is not None:
                    report.errors.append((record.identifier, str(error)))
                    # i18n: command line (the harvest's report and errors)
                    self.say(f"  错误 {record.identifier}：{error}")
                else:
                    report.add(outcome)
                if record.datestamp and (
                    source.run_datestamp is None or record.datestamp > source.run_datestamp
                ):
                    source.run_datestamp = record.datestamp[:20]
            source.resumption_token = page.token
            if page.token is None:
                source.last_datestamp = source.run_datestamp or source.last_datestamp
                source.last_completed_at = utcnow()
                source.run_started_at = source.run_from = source.run_datestamp = None
            db.commit()

    # --- one record, before the transaction: check it, fetch its files ------------------------

    def _prepare(self, db: Session, tree, client: Client, org_id: int, record: RawRecord):
        """A live record as :class:`Incoming`, "deleted" for a deleted one, or the
        :class:`RecordError` that keeps it out."""
        try:
            if record.problem:
                raise RecordError(record.problem)
            if record.deleted:
                return record
            return self._check(db, tree, client, org_id, record)
        except RecordError as exc:
            return exc

    def _check(self, db: Session, tree, client: Client, org_id: int, record: RawRecord) -> Incoming:
        node = record.metadata
        if node is None or node.tag != f"{{{DISCLOSURE}}}item":
            # i18n: command line (the harvest's report and errors)
            raise RecordError("记录不是 disclosure 格式（缺少元数据）")
        raw: dict[str, Any] = {}
        files: list[dict[str, str]] = []
        org_code = ""
        for child in node:
            name = _local(child)
            if name == "keywords":
                raw[name] = [(k.text or "").strip() for k in child if _local(k) == "keyword"]
            elif name == "organisation":
                org_code = (child.get("code") or "").strip()
            elif name == "attachments":
                files = [dict(a.attrib) for a in child if _local(a) == "attachment"]
            elif name and name != "provenance":
                raw[name] = child.text or ""
        status = raw.pop("status", "").strip()
        url = raw.pop("url", "").strip()
        if status not in SOURCE_STATUSES:
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"status: 未知状态“{status[:20]}”")
        home = tree.by_id[org_id]
        org = tree.by_code.get(org_code)
        if org is None:
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"organisation: 未知机构“{org_code[:50]}”")
        if org.id != home.id and home not in tree.ancestors(org):
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"organisation: 机构 {org.code} 不在 {home.code} {home.name} 之下")
        category_tree = org.category_tree
        existing = db.execute(
            select(Attachment.sha256, Attachment.storage_key, Attachment.text)
            .join(CatalogueItem)
            .where(CatalogueItem.index_number == raw.get("index_number", ""))
        ).all()
        try:
            data = normalise(item_schema(self.schema, category_tree).deserialize(raw), self.schema)
        except colander.Invalid as exc:
            # i18n: command line (the harvest's report and errors)
            raise RecordError(
                "；".join(f"{k}: {v}" for k, v in sorted(exc.asdict().items()))
            ) from None
        number = data.get("index_number") or ""
        if not number:
            # i18n: command line (the harvest's report and errors)
            raise RecordError("index_number: 必填")
        if not number.startswith(org.code + "/"):
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"index_number: 索引号“{number}”的前缀应为发布机构代码 {org.code}")
        known = {sha: (key, text) for sha, key, text in existing}
        return Incoming(
            identifier=record.identifier,
            index_number=number,
            organisation_id=org.id,
            status=status,
            url=url[:500],
            data=data,
            files=[self._file(client, f, known) for f in files],
        )

    def _file(self, client: Client, attrs: dict[str, str], known: dict) -> IncomingFile:
        sha = (attrs.get("sha256") or "").strip().lower()
        filename = (attrs.get("filename") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
        url = (attrs.get("url") or "").strip()
        if not SHA256.match(sha) or not filename:
            # i18n: command line (the harvest's report and errors)
            raise RecordError("attachments: 附件缺少文件名或 SHA-256")
        if sha in known:
            key, text = known[sha]
            data = None
        else:
            if not url.startswith(("http://", "https://")):
                # i18n: command line (the harvest's report and errors)
                raise RecordError(f"attachments: 附件 {filename} 的下载地址无效")
            try:
                data = client.fetch(url, self.max_bytes)
            except HarvestError as exc:
                # i18n: command line (the harvest's report and errors)
                raise RecordError(f"attachments: 附件 {filename} 无法下载：{exc}") from None
        if data is None:
            data = self.storage.get(key)
        if hashlib.sha256(data).hexdigest() != sha:
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"attachments: 附件 {filename} 的 SHA-256 不符")
        try:
            kind = check_upload(data, filename, self.max_bytes)
        except UploadRejected as exc:
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"attachments: 附件 {filename}：{exc}") from None
        if sha not in known:
            _, key = store_content(self.storage, data)
            text = extract_text(data, kind.kind, kind.media_type)
        return IncomingFile(
            filename=filename,
            media_type=kind.media_type,
            kind=kind.kind,
            size=len(data),
            sha256=sha,
            storage_key=key,
            text=text,
        )

    # --- one record, inside the page's transaction ---------------------------------------------

    def _apply(self, db: Session, service, source, record: RawRecord, ready) -> str:
        if isinstance(ready, RawRecord):  # a deleted record
            return self._withdraw(db, service, source, record.identifier)
        incoming: Incoming = ready
        item = db.scalars(
            select(CatalogueItem).where(CatalogueItem.index_number == incoming.index_number)
        ).first()
        if item is not None and item.harvest_source_id != source.id:
            # i18n: command line (the harvest's report and errors)
            where = "本机条目" if item.harvest_source_id is None else "另一来源收割的条目"
            # i18n: command line (the harvest's report and errors)
            raise RecordError(f"index_number: 索引号 {incoming.index_number} 已被{where}使用")
        today = self.today()
        # i18n: a record (the item's version note), kept in Chinese
        note = f"收割自 {source.repository_name or source.base_url}"
        if item is None:
            org = db.get(Organisation, incoming.organisation_id)
            item = service.create(org, {**incoming.data, "note": note}, None)
            service.reserve_index_number(item, incoming.index_number)
            service.publish(item, None, today)
            self._provenance(item, source, incoming)
            self._sync_files(db, item, incoming.files)
            if incoming.status == "repealed":
                # i18n: a record (the item's version note), kept in Chinese
                service.repeal(item, None, "来源已废止", today=today)
            return "created"
        outcome = "unchanged"
        if item.status == ItemStatus.REPEALED:
            return outcome  # nothing changes a repealed item (nor does the source)
        if item.status == ItemStatus.WITHDRAWN or self._differs(item, incoming.data):
            service.save_draft(item, {**incoming.data, "note": note}, None)
            service.publish(item, None, today)
            outcome = "updated"
        if self._sync_files(db, item, incoming.files):
            outcome = "updated"
        if incoming.status == "repealed":
            # i18n: a record (the item's version note), kept in Chinese
            service.repeal(item, None, "来源已废止", today=today)
            outcome = "repealed"
        if outcome != "unchanged":
            self._provenance(item, source, incoming)
        return outcome

    def _differs(self, item: CatalogueItem, data: dict[str, Any]) -> bool:
        mine = item_fields(item, self.schema)
        for name in self.schema.field_names:
            if name in UNCOMPARED or name == "organisation" or name not in data:
                continue
            theirs = to_json_value(data[name])
            if (mine.get(name) or None) != (theirs or None):
                return True
        return False

    @staticmethod
    def _provenance(item: CatalogueItem, source, incoming: Incoming) -> None:
        item.harvest_source_id = source.id
        item.source_identifier = incoming.identifier[:500]
        item.source_url = incoming.url or None
        item.harvested_at = utcnow()

    @staticmethod
    def _sync_files(db: Session, item: CatalogueItem, files: list[IncomingFile]) -> bool:
        """Make the item's attachments those of the source (by SHA-256 and name)."""
        wanted = {(f.sha256, f.filename): f for f in files}
        have = {(a.sha256, a.filename): a for a in item.attachments}
        changed = False
        for key, attachment in have.items():
            if key not in wanted:
                db.delete(attachment)
                changed = True
        for key, f in wanted.items():
            if key not in have:
                db.add(
                    Attachment(
                        item=item,
                        filename=f.filename,
                        media_type=f.media_type,
                        kind=f.kind,
                        size=f.size,
                        sha256=f.sha256,
                        storage_key=f.storage_key,
                        text=f.text,
                    )
                )
                changed = True
        return changed

    def _withdraw(self, db: Session, service, source, identifier: str) -> str:
        item = db.scalars(
            select(CatalogueItem).where(
                CatalogueItem.harvest_source_id == source.id,
                CatalogueItem.source_identifier == identifier,
            )
        ).first()
        if item is None or item.status == ItemStatus.WITHDRAWN:
            return "unchanged"
        for older in item.versions:
            if older.state in (VersionState.PUBLISHED, VersionState.DRAFT):
                older.state = VersionState.SUPERSEDED
        number = item.versions[-1].number + 1 if item.versions else 1
        snapshot = {**service.item_data(item), "attachments": [a.id for a in item.attachments]}
        # i18n: a record (the item's version note), kept in Chinese
        db.add(
            CatalogueItemVersion(
                item=item,
                number=number,
                state=VersionState.SUPERSEDED,
                data=snapshot,
                note=f"来源已删除，撤回（{source.repository_name or source.base_url}）",
                published_at=utcnow(),
            )
        )
        item.status = ItemStatus.WITHDRAWN
        item.has_draft = False
        item.harvested_at = utcnow()
        db.flush()
        return "withdrawn"
