"""cache generations: a token per kind of cached data, changed with the data

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:30:00

``cache_generations`` holds one row per kind of data that processes cache
(``organisations``, ``catalogue``); a transaction that changes such data gives its row a new
random token (``disclosure.models.generations``). Each request reads the tokens once and reuses
its process's cache while they are unchanged.
"""

import secrets

import sqlalchemy as sa

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "cache_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_generations")),
    )
    op.bulk_insert(
        table,
        [{"name": name, "token": secrets.token_hex(16)} for name in ("organisations", "catalogue")],
    )


def downgrade() -> None:
    op.drop_table("cache_generations")
