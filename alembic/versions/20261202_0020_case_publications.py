"""case publications: information released on request, published proactively

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:00:00

``case_publications`` links a case to the catalogue item its released documents became
(依申请公开转主动公开, Art. 44): one per case and one per item.
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['catalogue_items.id'], name=op.f('fk_case_publications_item_id_catalogue_items')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_case_publications_published_by_id_users')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_case_publications_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_publications')),
        sa.UniqueConstraint('item_id', name=op.f('uq_case_publications_item_id')),
        sa.UniqueConstraint('request_id', name=op.f('uq_case_publications_request_id')),
    )


def downgrade() -> None:
    op.drop_table('case_publications')
