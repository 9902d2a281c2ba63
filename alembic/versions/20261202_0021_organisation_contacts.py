"""organisation contacts: functions, address, office hours, phone, fax, e-mail, postcode

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 20:00:00

What an organisation does (职能) and how to reach it, for its public page (issue 15); filled
from the organisation seed by ``disclosure load-demo`` / the seed loader.
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

COLUMNS = (
    ('functions', sa.Text()),
    ('address', sa.String(length=300)),
    ('office_hours', sa.String(length=200)),
    ('phone', sa.String(length=50)),
    ('fax', sa.String(length=50)),
    ('email', sa.String(length=254)),
    ('postcode', sa.String(length=10)),
)


# In place on every database (SQLite 3.35+ drops a column with ALTER TABLE): rebuilding
# ``organisations`` would trip the foreign keys of every table that refers to it.


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column(
            'organisations', sa.Column(name, type_, server_default='', nullable=False)
        )


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column('organisations', name)
