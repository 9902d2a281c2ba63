"""Fill ``prev_hash`` and ``entry_hash`` whenever history entries are written.

Registered when ``disclosure.models`` is imported, so every writer (web, command line, tests)
chains its entries:

- ORM inserts (``session.add(RequestEvent(...))``): ``before_insert`` runs during the flush,
  after the case's or item's id is known. The previous hash is the newest stored entry of the
  same chain, or the one handed out just before in the same flush (entries are inserted in the
  order they were added, which is also their id order).
- ORM updates of a catalogue version (a draft is saved again, or published) hash it again. Only
  the newest version of an item is ever rewritten by the application, so no later entry's
  ``prev_hash`` goes stale; request events are never updated.
- Core bulk inserts through a session (``session.execute(insert(table), rows)``, the catalogue
  importer): the rows are chained before the statement runs.

Concurrent appends cannot fork a chain: on PostgreSQL the case or item row is locked
(``SELECT … FOR UPDATE``) before the newest hash is read, so a second writer waits and then
reads the first one's entry. SQLite has one writer at a time, and a transaction whose snapshot
went stale is refused (``SQLITE_BUSY_SNAPSHOT``) rather than allowed to write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql.dml import Insert

from ..models.catalogue import CatalogueItemVersion
from ..models.requests import RequestEvent
from ..models.search import utcnow
from .chain import CATALOGUE_VERSIONS, REQUEST_EVENTS, Chain, entry_hash

MODELS: dict[type, Chain] = {RequestEvent: REQUEST_EVENTS, CatalogueItemVersion: CATALOGUE_VERSIONS}
TABLES = {model.__table__: chain for model, chain in MODELS.items()}

_TIPS = "audit_chain_tips"  # session.info: (chain, parent id) → newest hash in this flush


def newest_hash(connection, chain: Chain, parent_id: int) -> str | None:
    """The newest stored entry's hash in one chain, after locking the chain's owner row
    (PostgreSQL) so that no other transaction appends to it until this one ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(f"SELECT 1 FROM {chain.parent_table} WHERE id = :p FOR UPDATE"), {"p": parent_id}
        )
    order = ", ".join(f"{c} DESC" for c in chain.order)
    return connection.execute(
        text(
            f"SELECT entry_hash FROM {chain.table} WHERE {chain.parent} = :p "
            f"ORDER BY {order} LIMIT 1"
        ),
        {"p": parent_id},
    ).scalar()


def _default(column) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)
    return None


def _fill_defaults(table, chain: Chain, values: dict[str, Any]) -> None:
    """Python-side column defaults are applied after ``before_insert``: apply them now, so the
    hash covers what is stored. Times the database would fill (``server_default``) are set
    here, in UTC, so they are known to the hash."""
    for name in chain.fields:
        if values.get(name) is None:
            column = table.c[name]
            value = _default(column)
            if value is None and column.server_default is not None and name.endswith("_at"):
                value = utcnow()
            if value is not None:
                values[name] = value


def _append(connection, tips: dict, chain: Chain, values: dict[str, Any]) -> tuple[str | None, str]:
    key = (chain.name, values[chain.parent])
    prev = tips[key] if key in tips else newest_hash(connection, chain, values[chain.parent])
    digest = entry_hash(chain, values, prev)
    tips[key] = digest
    return prev, digest


def _values_of(obj, chain: Chain) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in chain.fields}


def _before_insert(mapper, connection, target) -> None:
    chain = MODELS[type(target)]
    values = _values_of(target, chain)
    _fill_defaults(mapper.local_table, chain, values)
    for name, value in values.items():
        if getattr(target, name) is None and value is not None:
            setattr(target, name, value)
    session = object_session(target)
    tips = session.info.setdefault(_TIPS, {}) if session is not None else {}
    target.prev_hash, target.entry_hash = _append(connection, tips, chain, values)


def _before_update_version(mapper, connection, target) -> None:
    state = inspect(target)
    if not any(state.attrs[name].history.has_changes() for name in CATALOGUE_VERSIONS.fields):
        return
    target.entry_hash = entry_hash(
        CATALOGUE_VERSIONS, _values_of(target, CATALOGUE_VERSIONS), target.prev_hash
    )


def _forget(session: Session, *args) -> None:
    session.info.pop(_TIPS, None)


def newest_hashes(connection, chain: Chain, parent_ids: set[int]) -> dict:
    """:func:`newest_hash` for many chains at once (two queries): for bulk inserts."""
    if not parent_ids:
        return {}
    ids = ", ".join(str(int(p)) for p in sorted(parent_ids))
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(f"SELECT 1 FROM {chain.parent_table} WHERE id IN ({ids}) ORDER BY id FOR UPDATE")
        )
    order = ", ".join(chain.order)
    tips: dict = {}
    for parent_id, digest in connection.execute(
        text(
            f"SELECT {chain.parent}, entry_hash FROM {chain.table} "
            f"WHERE {chain.parent} IN ({ids}) ORDER BY {chain.parent}, {order}"
        )
    ):
        tips[(chain.name, parent_id)] = digest  # the last one per chain wins
    return tips


def _core_insert(orm_execute_state) -> None:
    """Chain the rows of a bulk ``insert(table)`` executed through a session."""
    statement = orm_execute_state.statement
    if not isinstance(statement, Insert):
        return
    chain = TABLES.get(statement.table)
    if chain is None:
        return
    params = orm_execute_state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    connection = orm_execute_state.session.connection()
    parents = {row[chain.parent] for row in rows}
    tips = {(chain.name, p): None for p in parents}
    tips.update(newest_hashes(connection, chain, parents))
    for row in rows:
        _fill_defaults(statement.table, chain, row)
        values = {name: row.get(name) for name in chain.fields}
        row["prev_hash"], row["entry_hash"] = _append(connection, tips, chain, values)


for _model in MODELS:
    event.listen(_model, "before_insert", _before_insert)
event.listen(CatalogueItemVersion, "before_update", _before_update_version)
event.listen(Session, "before_flush", _forget)
event.listen(Session, "after_flush", _forget)
event.listen(Session, "do_orm_execute", _core_insert)
