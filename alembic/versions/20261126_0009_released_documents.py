"""released documents and their downloads

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 05:00:00

The information itself (Art. 36(2), Art. 40): documents an officer attaches to a case for the
applicant to download with the tracking number and access code, and one row per download.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'released_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=255), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_released_documents_request_id_requests')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_released_documents_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_released_documents')),
    )
    with op.batch_alter_table('released_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_released_documents_request_id'), ['request_id'], unique=False)

    op.create_table(
        'document_downloads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('by', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['released_documents.id'], name=op.f('fk_document_downloads_document_id_released_documents')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_downloads_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_downloads')),
    )
    with op.batch_alter_table('document_downloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_downloads_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_downloads_document_id'))
    op.drop_table('document_downloads')

    with op.batch_alter_table('released_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_released_documents_request_id'))
    op.drop_table('released_documents')
