"""The organisation tree: a snapshot of a few hundred rows at most, cached per process.

:class:`OrgNode` is a read-only copy of an :class:`~disclosure.models.Organisation` row with the
same attribute names, so pages and checks use it as they would the row. The snapshot is shared
by every request of a process until the ``organisations`` cache generation changes
(:mod:`disclosure.models.generations`): a commit that changes an organisation, in any process,
makes every process load the tree again at its next request. The services that write (a new
request for this body, an account, an item) take the session's own row with
:func:`disclosure.models.organisations.organisation_row`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _
from ..models import Organisation
from ..models.generations import ORGANISATIONS, current

#: the kinds of organisation, as marked messages (show them with ``|t``)
KIND_LABELS = {
    "city": _("市政府"),
    "department": _("市级部门"),
    "county": _("县（市、区）"),
    "township": _("乡镇（街道）"),
}


@dataclass(frozen=True, slots=True)
class OrgNode:
    """One organisation, as read when the tree was loaded."""

    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    category_tree: str
    guide: str
    reconsideration_body: str
    position: int
    created_at: datetime | None
    functions: str
    address: str
    office_hours: str
    phone: str
    fax: str
    email: str
    postcode: str
    #: the parent's node, linked by the tree (as the row's ``parent`` relationship)
    parent: OrgNode | None = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        return f"<OrgNode {self.code} {self.name}>"


_COLUMNS = [Organisation.__table__.c[f.name] for f in fields(OrgNode) if f.name != "parent"]


def load_nodes(dbsession: Session) -> list[OrgNode]:
    rows = dbsession.execute(
        select(*_COLUMNS).order_by(Organisation.position, Organisation.id)
    ).all()
    nodes = [OrgNode(*row) for row in rows]
    by_id = {node.id: node for node in nodes}
    for node in nodes:
        if node.parent_id is not None:
            object.__setattr__(node, "parent", by_id.get(node.parent_id))
    return nodes


class OrganisationTree:
    """The tree of ``source``: a list of nodes (the cached, shared tree of web requests), or a
    session, whose own :class:`Organisation` rows it then holds (commands and services that
    write with them)."""

    def __init__(self, source: Session | list[OrgNode]) -> None:
        if isinstance(source, list):
            nodes = source
        else:
            nodes = list(
                source.scalars(
                    select(Organisation).order_by(Organisation.position, Organisation.id)
                )
            )
        self.orgs: list = nodes
        self.by_id = {o.id: o for o in self.orgs}
        self.by_code = {o.code: o for o in self.orgs}
        self._children: dict[int | None, list[OrgNode]] = {}
        for o in self.orgs:
            self._children.setdefault(o.parent_id, []).append(o)
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, once per tree: for what depends only on the tree and the configuration
        (a validation schema, the rendered tree), shared while the tree is current."""
        try:
            return self._memo[key]
        except KeyError:
            with self._lock:
                if key not in self._memo:
                    self._memo[key] = build()
                return self._memo[key]

    @property
    def roots(self) -> list[OrgNode]:
        return self._children.get(None, [])

    def children(self, org) -> list[OrgNode]:
        return self._children.get(org.id, [])

    def descendants(self, org) -> Iterator[OrgNode]:
        for child in self.children(org):
            yield child
            yield from self.descendants(child)

    def subtree_ids(self, org) -> list[int]:
        return [org.id, *(o.id for o in self.descendants(org))]

    def ancestors(self, org) -> list[OrgNode]:
        out = []
        parent = self.by_id.get(org.parent_id) if org.parent_id else None
        while parent is not None:
            out.append(parent)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return out[::-1]

    def walk(self) -> Iterator[tuple[OrgNode, int]]:
        """Every organisation with its depth, parents before children."""

        def visit(org: OrgNode, depth: int):
            yield org, depth
            for child in self.children(org):
                yield from visit(child, depth + 1)

        for root in self.roots:
            yield from visit(root, 0)

    def as_json(self, org=None) -> list[dict] | dict:
        def node(o) -> dict:
            return {
                "code": o.code,
                "name": o.name,
                "short_name": o.short_name,
                "kind": o.kind,
                "children": [node(c) for c in self.children(o)],
            }

        return node(org) if org else [node(r) for r in self.roots]


class TreeCache:
    """The current tree of one application (kept in its registry), by generation token."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._tree: OrganisationTree | None = None
        self._lock = threading.Lock()

    def get(
        self, session: Callable[[], Session], tokens: dict[str, str] | None = None
    ) -> OrganisationTree:
        """The tree; ``session`` is called only when the tree must be read (a request whose
        tokens came with it and whose tree is cached opens no session)."""
        token = (tokens if tokens is not None else current(session())).get(ORGANISATIONS)
        if token is None:  # a database that never recorded a change: nothing to key on
            return OrganisationTree(load_nodes(session()))
        with self._lock:
            if token == self._token and self._tree is not None:
                return self._tree
        tree = OrganisationTree(load_nodes(session()))
        with self._lock:
            self._token, self._tree = token, tree
        return tree
