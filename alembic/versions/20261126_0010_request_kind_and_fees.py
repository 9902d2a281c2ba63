"""request kind (correction of records) and the information-processing fee

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00

An application is a disclosure request or a request to correct a record (更正申请, Art. 41):
``request_kind``, 'disclosure' for every existing row. The fee (Art. 42; 国办函〔2020〕109号)
is stored on the request from its notice on: method, quantity, amount, the notice's issue and
receipt, the payment.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_kind', sa.String(length=20), server_default='disclosure', nullable=False))
        batch_op.add_column(sa.Column('fee_method', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('fee_quantity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fee_amount', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fee_notice_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('fee_notice_received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('fee_paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('fee_paid_amount', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('fee_paid_amount')
        batch_op.drop_column('fee_paid_on')
        batch_op.drop_column('fee_notice_received_on')
        batch_op.drop_column('fee_notice_on')
        batch_op.drop_column('fee_amount')
        batch_op.drop_column('fee_quantity')
        batch_op.drop_column('fee_method')
        batch_op.drop_column('request_kind')
