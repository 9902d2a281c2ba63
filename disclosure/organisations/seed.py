"""Load an organisation tree file (catalog_schemas/organisations/*.yaml) into the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organisation

#: the seed's keys for what a body does (职能) and how to reach it, as the model's columns
CONTACT_KEYS = ("functions", "address", "office_hours", "phone", "fax", "email", "postcode")


def load_organisations(db: Session, tree: dict) -> tuple[int, int]:
    """Insert or update every node, matched by code. Returns (created, updated)."""
    existing = {o.code: o for o in db.scalars(select(Organisation))}
    created = updated = 0

    def visit(node: dict, parent: Organisation | None, position: int) -> None:
        nonlocal created, updated
        code = str(node["code"])
        values = {
            "name": node["name"],
            "short_name": node["short_name"],
            "kind": node["kind"],
            "category_tree": node.get("category_tree", "generic"),
            "guide": (node.get("guide") or "").strip(),
            "reconsideration_body": node.get("reconsideration_body") or "",
            # what the body does and how to reach it (its public page)
            **{key: str(node.get(key) or "").strip() for key in CONTACT_KEYS},
        }
        org = existing.get(code)
        if org is None:
            org = Organisation(code=code, **values)
            db.add(org)
            existing[code] = org
            created += 1
        elif any(getattr(org, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(org, k, v)
            updated += 1
        org.parent = parent
        org.position = position
        for i, child in enumerate(node.get("children") or []):
            visit(child, org, i)

    visit(tree, None, 0)
    db.flush()
    return created, updated
