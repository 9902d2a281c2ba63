"""history hash chains: prev_hash and entry_hash on request events and catalogue versions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 12:30:00

Each case history entry (``request_events``) and each catalogue version
(``catalogue_item_versions``) holds the hash of the entry before it in the same case or item and
its own hash (``disclosure.audit.chain``). Existing rows are chained here, in order (events by
id, versions by number), in pages so a large history needs little memory.
"""

import sqlalchemy as sa

from alembic import op
from disclosure.audit.chain import CATALOGUE_VERSIONS, REQUEST_EVENTS, entry_hash

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

PAGE = 2000

# The tables as this migration knows them (the types make the values read back as the
# application reads them: dates, times, JSON).
EVENTS = sa.table(
    "request_events",
    sa.column("id", sa.Integer),
    sa.column("request_id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("on", sa.Date),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
    sa.column("reason", sa.Text),
    sa.column("changes", sa.JSON),
    sa.column("public_text", sa.Text),
    sa.column("visible_to_applicant", sa.Boolean),
    sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)
VERSIONS = sa.table(
    "catalogue_item_versions",
    sa.column("id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("data", sa.JSON),
    sa.column("note", sa.String),
    sa.column("created_by_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("published_at", sa.DateTime),
    sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)


def _backfill(conn, table, chain) -> None:
    parent = table.c[chain.parent]
    order = table.c[chain.order[0]]
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(prev_hash=sa.bindparam("prev"), entry_hash=sa.bindparam("digest"))
    )
    last: tuple[int, int] | None = None
    tip: tuple[int, str] | None = None  # (parent id, hash) of the last entry chained
    while True:
        query = sa.select(table).order_by(parent, order).limit(PAGE)
        if last is not None:
            query = query.where(sa.tuple_(parent, order) > sa.tuple_(*last))
        rows = conn.execute(query).mappings().all()
        if not rows:
            return
        updates = []
        for row in rows:
            prev = tip[1] if tip is not None and tip[0] == row[chain.parent] else None
            digest = entry_hash(chain, row, prev)
            updates.append({"row_id": row["id"], "prev": prev, "digest": digest})
            tip = (row[chain.parent], digest)
        conn.execute(update, updates)
        last = (rows[-1][chain.parent], rows[-1][chain.order[0]])


def upgrade() -> None:
    for name in ("request_events", "catalogue_item_versions"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    _backfill(conn, EVENTS, REQUEST_EVENTS)
    _backfill(conn, VERSIONS, CATALOGUE_VERSIONS)


def downgrade() -> None:
    for name in ("catalogue_item_versions", "request_events"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("entry_hash")
            batch_op.drop_column("prev_hash")
