"""applicant category of organisations; reconsideration and lawsuits on a case

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 12:00:00

``requests.applicant_category``: an organisation's category (commercial, research,
public_interest, legal_services, other: the annual report's columns), '' for a person and for
every existing row. ``case_appeals``: the reconsiderations and lawsuits about a case (table 四).
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_category', sa.String(length=20), server_default='', nullable=False))
    op.create_table(
        'case_appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('body', sa.String(length=200), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('result', sa.String(length=20), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_appeals_created_by_id_users')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_case_appeals_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_appeals')),
    )
    with op.batch_alter_table('case_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_appeals_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_appeals_request_id'))
    op.drop_table('case_appeals')
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('applicant_category')
