"""history message codes: request_events.message, message_params

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 21:00:00

What a case's history tells the applicant becomes a message code with parameters
(``disclosure.requests.history``), rendered in the reader's language; ``public_text`` stays
the Chinese record, the one the audit chain hashes, so every chain verifies as before. The rows
already written get their code from their prose (the catalogue's patterns); prose no pattern
fits keeps the fallback code ``text`` with the prose as its parameter, so nothing is lost. The
stored deadline trails are derived data, computed from the case's dates by the rules: the
``disclosure initdb`` command that runs this migration then recodes them
(``requests.services.recode_trails``: a trail computed again that says word for word what was
stored takes the codes; one that would now read differently keeps its prose, shown as written).
"""

from alembic import op
import sqlalchemy as sa

from disclosure.requests.history import event_message


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.add_column("request_events", sa.Column("message", sa.String(length=60), nullable=True))
    op.add_column("request_events", sa.Column("message_params", sa.JSON(), nullable=True))
    events = sa.table(
        "request_events",
        sa.column("id", sa.Integer()),
        sa.column("public_text", sa.Text()),
        sa.column("message", sa.String()),
        sa.column("message_params", sa.JSON()),
    )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(events.c.id, events.c.public_text)
            .where(events.c.id > last, events.c.public_text != "")
            .order_by(events.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            code, params = event_message(row.public_text)
            conn.execute(
                events.update()
                .where(events.c.id == row.id)
                .values(message=code, message_params=params)
            )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_column("request_events", "message_params")
    op.drop_column("request_events", "message")
