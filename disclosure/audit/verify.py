"""Walk every hash chain and name the first entry of each that was altered or removed.

An entry is *altered* when its stored hash no longer matches its content and previous hash.
An entry is *preceded by a gap* when its ``prev_hash`` is not the stored hash of the entry
before it (that entry was removed, or its hash rewritten). What a chain cannot show by itself:
its newest entries removed, or a whole chain rewritten by someone who recomputes every hash;
those need the hashes kept elsewhere too (a backup's copy, for instance).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CatalogueItem, CatalogueItemVersion, DisclosureRequest, RequestEvent
from .chain import CATALOGUE_VERSIONS, REQUEST_EVENTS, Chain, entry_hash

PAGE = 2000


@dataclass
class Finding:
    chain: str  # request_events | catalogue_item_versions
    parent_id: int
    entry_id: int
    position: int  # 1-based, within the chain as stored now
    kind: str  # altered | gap | unsealed
    message: str


@dataclass
class Report:
    entries: dict[str, int] = field(default_factory=dict)  # chain → entries checked
    chains: dict[str, int] = field(default_factory=dict)  # chain → cases or items
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _rows(db: Session, chain: Chain, model) -> Iterator:
    """The chain's rows in order, streamed (a server-side cursor on PostgreSQL)."""
    parent = getattr(model, chain.parent)
    columns = [
        model.id,
        *(getattr(model, name) for name in chain.fields if name != chain.parent),
        parent,
        model.prev_hash,
        model.entry_hash,
    ]
    query = select(*columns).order_by(parent, getattr(model, chain.order[0]))
    return db.execute(query.execution_options(yield_per=PAGE)).mappings()


def _labels(db: Session, chain: Chain, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if chain is REQUEST_EVENTS:
        rows = db.execute(
            select(DisclosureRequest.id, DisclosureRequest.tracking_number).where(
                DisclosureRequest.id.in_(ids)
            )
        )
        return {id_: f"申请 {number}" for id_, number in rows}
    rows = db.execute(
        select(CatalogueItem.id, CatalogueItem.index_number).where(CatalogueItem.id.in_(ids))
    )
    return {id_: f"目录条目 {number or f'（未编号，id {id_}）'}" for id_, number in rows}


def _message(chain: Chain, label: str, finding: Finding, number: int | None) -> str:
    what = (
        f"第 {finding.position} 条记录（id {finding.entry_id}）"
        if chain is REQUEST_EVENTS
        else f"第 {finding.position} 个版本（版本号 {number}，id {finding.entry_id}）"
    )
    if finding.kind == "altered":
        return f"{label} 的{what}已被改动"
    if finding.kind == "gap":
        return f"{label} 的{what}之前的记录缺失（已被删除，或其哈希被改动）"
    return f"{label} 的{what}没有哈希（未纳入哈希链）"


def verify_chain(db: Session, chain: Chain, model, report: Report) -> None:
    findings: list[tuple[Finding, int | None]] = []
    parent_id = None
    position = 0
    prev_stored: str | None = None
    reported = False
    entries = chains = 0
    for row in _rows(db, chain, model):
        entries += 1
        if row[chain.parent] != parent_id:
            parent_id, position, prev_stored, reported = row[chain.parent], 0, None, False
            chains += 1
        position += 1
        kind = None
        if row["entry_hash"] is None:
            kind = "unsealed"
        elif row["prev_hash"] != prev_stored:
            kind = "gap"
        elif entry_hash(chain, row, row["prev_hash"]) != row["entry_hash"]:
            kind = "altered"
        prev_stored = row["entry_hash"]
        if kind and not reported:  # the first finding of each chain
            reported = True
            finding = Finding(chain.name, parent_id, row["id"], position, kind, "")
            findings.append((finding, row.get("number")))
    labels = _labels(db, chain, {f.parent_id for f, _ in findings})
    for finding, number in findings:
        label = labels.get(
            finding.parent_id, f"（已不存在的 {chain.parent_table} id {finding.parent_id}）"
        )
        finding.message = _message(chain, label, finding, number)
        report.findings.append(finding)
    report.entries[chain.name] = entries
    report.chains[chain.name] = chains


def verify(db: Session) -> Report:
    report = Report()
    verify_chain(db, REQUEST_EVENTS, RequestEvent, report)
    verify_chain(db, CATALOGUE_VERSIONS, CatalogueItemVersion, report)
    return report
