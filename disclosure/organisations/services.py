"""The organisation tree, loaded once per request (a few hundred rows at most)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organisation

KIND_LABELS = {
    "city": "市政府",
    "department": "市级部门",
    "county": "县（市、区）",
    "township": "乡镇（街道）",
}


class OrganisationTree:
    def __init__(self, dbsession: Session) -> None:
        self.orgs = list(
            dbsession.scalars(select(Organisation).order_by(Organisation.position, Organisation.id))
        )
        self.by_id = {o.id: o for o in self.orgs}
        self.by_code = {o.code: o for o in self.orgs}
        self._children: dict[int | None, list[Organisation]] = {}
        for o in self.orgs:
            self._children.setdefault(o.parent_id, []).append(o)

    @property
    def roots(self) -> list[Organisation]:
        return self._children.get(None, [])

    def children(self, org: Organisation) -> list[Organisation]:
        return self._children.get(org.id, [])

    def descendants(self, org: Organisation) -> Iterator[Organisation]:
        for child in self.children(org):
            yield child
            yield from self.descendants(child)

    def subtree_ids(self, org: Organisation) -> list[int]:
        return [org.id, *(o.id for o in self.descendants(org))]

    def ancestors(self, org: Organisation) -> list[Organisation]:
        out = []
        parent = self.by_id.get(org.parent_id) if org.parent_id else None
        while parent is not None:
            out.append(parent)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return out[::-1]

    def walk(self) -> Iterator[tuple[Organisation, int]]:
        """Every organisation with its depth, parents before children."""

        def visit(org: Organisation, depth: int):
            yield org, depth
            for child in self.children(org):
                yield from visit(child, depth + 1)

        for root in self.roots:
            yield from visit(root, 0)

    def as_json(self, org: Organisation | None = None) -> list[dict] | dict:
        def node(o: Organisation) -> dict:
            return {
                "code": o.code,
                "name": o.name,
                "short_name": o.short_name,
                "kind": o.kind,
                "children": [node(c) for c in self.children(o)],
            }

        return node(org) if org else [node(r) for r in self.roots]
