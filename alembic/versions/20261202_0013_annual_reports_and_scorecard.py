"""annual reports and scorecard publications

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:56:29

``annual_reports``: each published version of an organisation's annual report, its figures and
sections frozen; ``scorecard_publications``: the city's published yearly evaluation (评比).
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('catalogue_item_id', sa.Integer(), nullable=True),
    sa.Column('pdf_key', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_items.id'], name=op.f('fk_annual_reports_catalogue_item_id_catalogue_items')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_annual_reports_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_annual_reports_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('organisation_id', 'year', 'version', name=op.f('uq_annual_reports_organisation_id'))
    )
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_reports_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_reports_year'), ['year'], unique=False)

    op.create_table('scorecard_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('scorecard', sa.JSON(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('catalogue_item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['catalogue_items.id'], name=op.f('fk_scorecard_publications_catalogue_item_id_catalogue_items')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_scorecard_publications_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_publications')),
    sa.UniqueConstraint('year', 'version', name=op.f('uq_scorecard_publications_year'))
    )
    with op.batch_alter_table('scorecard_publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_publications_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('scorecard_publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_publications_year'))

    op.drop_table('scorecard_publications')
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_reports_year'))
        batch_op.drop_index(batch_op.f('ix_annual_reports_organisation_id'))

    op.drop_table('annual_reports')
