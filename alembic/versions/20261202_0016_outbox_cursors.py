"""outbox cursors: the search outbox as a change feed with one cursor per consumer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:00:00

``outbox_cursors`` holds, per consumer of ``search_outbox`` (``whoosh``, a running rebuild,
later federation), the id of the last row it has applied (``disclosure.search.changefeed``).
``search_outbox.processed_at`` goes: a row is applied for one consumer when its cursor has
passed it.

Data: when the Whoosh indexer has processed rows, the ``whoosh`` cursor starts just before the
first row it has not processed (rows after it that were processed already are applied once
more, which is harmless), or at the last processed row when there is none: nothing is lost and
nothing done is redone. Without processed rows no cursor is made; the indexer registers itself
when it first runs.

Downgrade: ``processed_at`` comes back, set for the rows the ``whoosh`` cursor has passed.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

outbox = sa.table(
    "search_outbox",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("processed_at", sa.DateTime),
)
cursors = sa.table(
    "outbox_cursors",
    sa.column("consumer", sa.String),
    sa.column("position", sa.Integer),
    sa.column("updated_at", sa.DateTime),
)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def upgrade() -> None:
    op.create_table(
        "outbox_cursors",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_outbox_cursors")),
    )
    bind = op.get_bind()
    last_processed = bind.scalar(
        sa.select(sa.func.max(outbox.c.id)).where(outbox.c.processed_at.is_not(None))
    )
    if last_processed is not None:
        first_waiting = bind.scalar(
            sa.select(sa.func.min(outbox.c.id)).where(outbox.c.processed_at.is_(None))
        )
        position = last_processed
        if first_waiting is not None and first_waiting < last_processed:
            position = first_waiting - 1
        bind.execute(
            sa.insert(cursors).values(consumer="whoosh", position=position, updated_at=_utcnow())
        )
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_outbox_processed_at"))
        batch_op.drop_column("processed_at")


def downgrade() -> None:
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("processed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_search_outbox_processed_at"), ["processed_at"], unique=False
        )
    bind = op.get_bind()
    position = bind.scalar(sa.select(cursors.c.position).where(cursors.c.consumer == "whoosh"))
    if position is not None:
        bind.execute(
            sa.update(outbox).where(outbox.c.id <= position).values(processed_at=_utcnow())
        )
    op.drop_table("outbox_cursors")
