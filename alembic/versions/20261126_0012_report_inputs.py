"""hand-entered annual report data per organisation and year

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 13:00:00

``report_inputs``: the 行政许可, 行政处罚, 行政强制 counts and the 行政事业性收费 amount (万元),
and the narrative sections an organisation's officers write for its annual report.
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_inputs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('licences', sa.Integer(), nullable=True),
        sa.Column('penalties', sa.Integer(), nullable=True),
        sa.Column('enforcement', sa.Integer(), nullable=True),
        sa.Column('fees_wan', sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column('overview', sa.Text(), nullable=False),
        sa.Column('problems', sa.Text(), nullable=False),
        sa.Column('other_matters', sa.Text(), nullable=False),
        sa.Column('accountability', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_report_inputs_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_inputs_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_inputs')),
        sa.UniqueConstraint('organisation_id', 'year', name=op.f('uq_report_inputs_organisation_id')),
    )
    with op.batch_alter_table('report_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_inputs_organisation_id'), ['organisation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_inputs_organisation_id'))
    op.drop_table('report_inputs')
