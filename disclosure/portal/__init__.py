"""The 政府信息公开 column of the portal and of every organisation (issue 15): the guide, the
rules about disclosure, 法定主动公开内容 (the kinds of the law, ``catalog_schemas/proactive/``),
the annual reports and 依申请公开; the organisation page's profile. Data:
``catalog_schemas/sections.yaml`` and ``catalog_schemas/proactive/``, checked at start-up
against the catalogue's codes (a code the catalogue does not know stops start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import settings as s
from ..law.proactive import ProactiveList, load_proactive
from .sections import Sections, load_sections

PORTAL = "disclosure.portal"


@dataclass(frozen=True)
class PortalData:
    sections: Sections
    proactive: dict[str, ProactiveList]  # by profile key


def known_codes(schema) -> dict[str, set[str]]:
    """The catalogue's codes a ``match`` may name: every category tree's, the topics, genres."""
    return {
        "category": {c.code for tree in schema.category_trees.values() for c in tree.items},
        "topic": set(schema.vocabulary("topics").codes),
        "genre": set(schema.vocabulary("genres").codes),
    }


def load_portal(schemas_dir: str | Path, schema, law) -> PortalData:
    root = Path(schemas_dir)
    sections = load_sections(root / "sections.yaml")
    proactive = load_proactive(root / "proactive", law.profiles)
    known = known_codes(schema)
    sections.check_codes(known)
    for lst in proactive.values():
        lst.check_codes(known)
    return PortalData(sections, proactive)


def includeme(config):
    registry = config.registry
    registry[PORTAL] = load_portal(
        s.get(config.get_settings(), "schemas_dir"),
        registry["catalogue_schema"],
        registry["request_rules"].law,
    )
    # the column's sections and the kinds of the law, for pages and templates
    config.add_request_method(lambda request: request.registry[PORTAL], "portal", reify=True)
