"""Canonical serialisation and hashing of history entries: pure functions, the one place the
hash is defined (the listeners, migration 0018 and the verifier all call them).

The content serialises as JSON with sorted keys and no insignificant white space; dates and
times as ISO 8601 (times timezone-naive UTC, as stored, always with microseconds); JSON columns
as they read back from the database (a round trip through ``json``). The hash of an entry is
``sha256("<chain>\\n<prev_hash or ''>\\n" + canonical)``, hex.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True)
class Chain:
    """One kind of chained history."""

    name: str  # also the domain separator in the hash
    table: str
    parent: str  # the column naming the case or item
    parent_table: str
    order: tuple[str, ...]  # the columns giving the order within one chain
    fields: tuple[str, ...]  # the hashed content fields


REQUEST_EVENTS = Chain(
    name="request_events",
    table="request_events",
    parent="request_id",
    parent_table="requests",
    order=("id",),
    fields=(
        "request_id",
        "at",
        "on",
        "actor_id",
        "actor_label",
        "action",
        "from_status",
        "to_status",
        "reason",
        "changes",
        "public_text",
        "visible_to_applicant",
    ),
)

# ``state`` is left out: publishing a later version marks earlier ones superseded, which is
# bookkeeping derived from the item's current version, not part of what a version said.
CATALOGUE_VERSIONS = Chain(
    name="catalogue_item_versions",
    table="catalogue_item_versions",
    parent="item_id",
    parent_table="catalogue_items",
    order=("number",),
    fields=(
        "item_id",
        "number",
        "data",
        "note",
        "created_by_id",
        "created_at",
        "published_at",
    ),
)

CHAINS = (REQUEST_EVENTS, CATALOGUE_VERSIONS)

_PLAIN = frozenset({str, int, bool, float})


def _value(value: Any) -> Any:
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        # as a JSON column reads it back: string keys, lists for tuples
        return json.loads(json.dumps(value, default=_json_default))
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return _value(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical(chain: Chain, row: Mapping[str, Any]) -> str:
    """The content fields of ``row`` (a mapping or an object's attributes, see
    :func:`content_of`) as canonical JSON."""
    return json.dumps(
        {name: _value(row[name]) for name in chain.fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def entry_hash(chain: Chain, row: Mapping[str, Any], prev_hash: str | None) -> str:
    payload = f"{chain.name}\n{prev_hash or ''}\n{canonical(chain, row)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def content_of(chain: Chain, obj: Any) -> dict[str, Any]:
    """The hashed fields of a mapped object."""
    return {name: getattr(obj, name) for name in chain.fields}
