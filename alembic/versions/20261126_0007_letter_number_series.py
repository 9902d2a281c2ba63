"""letter numbers: one series per kind of letter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:20:00

Each kind of letter (公开受, 公开补, 公开延, 公开征, 公开答 …) is numbered on its own, per
organisation and year. Existing letters get their series from their number, and each new
series counter starts after the highest number already issued in it.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KNOWN_SERIES = ('公开受', '公开补', '公开延', '公开征', '公开答')


def upgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series', sa.String(length=20), server_default='', nullable=False))
        batch_op.drop_constraint('uq_letters_organisation_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_letters_organisation_id'), ['organisation_id', 'series', 'year', 'serial']
        )
    for series in KNOWN_SERIES:
        op.execute(
            sa.text("UPDATE letters SET series = :s WHERE number LIKE :pattern").bindparams(
                s=series, pattern=f'%{series}〔%'
            )
        )
    op.drop_table('letter_serials')
    op.create_table(
        'letter_serials',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('series', sa.String(length=20), server_default='', nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_serial', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_letter_serials_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('organisation_id', 'series', 'year', name=op.f('pk_letter_serials')),
    )
    op.execute(
        "INSERT INTO letter_serials (organisation_id, series, year, last_serial) "
        "SELECT organisation_id, series, year, MAX(serial) FROM letters "
        "GROUP BY organisation_id, series, year"
    )


def downgrade() -> None:
    op.drop_table('letter_serials')
    op.create_table(
        'letter_serials',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_serial', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_letter_serials_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('organisation_id', 'year', name=op.f('pk_letter_serials')),
    )
    op.execute(
        "INSERT INTO letter_serials (organisation_id, year, last_serial) "
        "SELECT organisation_id, year, MAX(serial) FROM letters GROUP BY organisation_id, year"
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint('uq_letters_organisation_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_letters_organisation_id'), ['organisation_id', 'year', 'serial']
        )
        batch_op.drop_column('series')
