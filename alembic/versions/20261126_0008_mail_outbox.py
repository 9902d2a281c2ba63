"""mail outbox and idempotency keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 04:00:00

Mail is written to ``mail_outbox`` in the transaction of the data it tells about and sent
after commit, with retries. ``idempotency_keys`` makes submitting an application (the form's
one-time token, the API's ``Idempotency-Key`` header) create one application per key.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('letter_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.Column('attempt_log', sa.JSON(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_mail_outbox_letter_id_letters')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_mail_outbox_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_status'), ['status'], unique=False)

    op.create_table(
        'idempotency_keys',
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('sealed_code', sa.String(length=64), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_idempotency_keys_request_id_requests')),
        sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_idempotency_keys')),
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotency_keys_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_request_id'))
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_created_at'))
    op.drop_table('idempotency_keys')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_mail_outbox_request_id'))
        batch_op.drop_index(batch_op.f('ix_mail_outbox_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_mail_outbox_letter_id'))
    op.drop_table('mail_outbox')
