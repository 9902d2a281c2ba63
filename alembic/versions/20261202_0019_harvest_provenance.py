"""harvest provenance, harvest sources and tombstones: OAI-PMH datestamps and harvesting

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 16:00:00

- ``catalogue_items.public_changed_at``: the item's last public change, UTC to the second, its
  OAI-PMH datestamp (``disclosure.models.oai`` keeps it from now on). Filled here from the
  newest publication instant of the item's versions (first publication, revision, repeal), or,
  for an item never published, when it was last updated.
- ``oai_tombstones``: items that were public and are not any more (deleted OAI-PMH records,
  kept for good). Filled here for the items that were published and have since been revised to
  不予公开 (withheld), at the instant of that revision.
- ``harvest_sources`` and the provenance of harvested items on ``catalogue_items``
  (``harvest_source_id``, ``source_identifier``, ``source_url``, ``harvested_at``):
  ``disclosure harvest`` (``disclosure.harvest``).

On SQLite the foreign key column is added in place (``ALTER TABLE … ADD COLUMN … REFERENCES``):
rebuilding ``catalogue_items`` would trip the foreign keys of its versions and attachments.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PAGE = 2000
FK_NAME = "fk_catalogue_items_harvest_source_id_harvest_sources"

ITEMS = sa.table(
    "catalogue_items",
    sa.column("id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("index_number", sa.String),
    sa.column("status", sa.String),
    sa.column("disclosure_mode", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
    sa.column("public_changed_at", sa.DateTime),
)
VERSIONS = sa.table(
    "catalogue_item_versions",
    sa.column("id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("state", sa.String),
    sa.column("data", sa.JSON),
    sa.column("published_at", sa.DateTime),
)
TOMBSTONES = sa.table(
    "oai_tombstones",
    sa.column("index_number", sa.String),
    sa.column("organisation_id", sa.Integer),
    sa.column("deleted_at", sa.DateTime),
    sa.column("item_id", sa.Integer),
)
PUBLIC_STATUSES = ("published", "revised", "repealed")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _second(value):
    return value.replace(microsecond=0) if value is not None else None


def _create_tables() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("set_spec", sa.String(length=500), nullable=False),
        sa.Column("repository_name", sa.String(length=200), nullable=False),
        sa.Column("last_datestamp", sa.String(length=20), nullable=True),
        sa.Column("run_started_at", sa.DateTime(), nullable=True),
        sa.Column("run_from", sa.String(length=20), nullable=True),
        sa.Column("run_datestamp", sa.String(length=20), nullable=True),
        sa.Column("resumption_token", sa.Text(), nullable=True),
        sa.Column("last_completed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_harvest_sources_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_sources")),
        sa.UniqueConstraint(
            "base_url", "organisation_id", name=op.f("uq_harvest_sources_base_url")
        ),
    )
    with op.batch_alter_table("harvest_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harvest_sources_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "oai_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_number", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_oai_tombstones_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oai_tombstones")),
        sa.UniqueConstraint("index_number", name=op.f("uq_oai_tombstones_index_number")),
    )
    with op.batch_alter_table("oai_tombstones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oai_tombstones_deleted_at"), ["deleted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oai_tombstones_organisation_id"), ["organisation_id"], unique=False
        )


def _add_item_columns() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE catalogue_items ADD COLUMN harvest_source_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES harvest_sources (id)"
        )
    else:
        op.add_column("catalogue_items", sa.Column("harvest_source_id", sa.Integer()))
        op.create_foreign_key(
            FK_NAME, "catalogue_items", "harvest_sources", ["harvest_source_id"], ["id"]
        )
    for column in (
        sa.Column("public_changed_at", sa.DateTime(), nullable=True),
        sa.Column("source_identifier", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("harvested_at", sa.DateTime(), nullable=True),
    ):
        op.add_column("catalogue_items", column)
    op.create_index(
        op.f("ix_catalogue_items_harvest_source_id"), "catalogue_items", ["harvest_source_id"]
    )
    op.create_index(
        op.f("ix_catalogue_items_public_changed_at"), "catalogue_items", ["public_changed_at"]
    )


def _backfill_datestamps(bind) -> None:
    update = (
        sa.update(ITEMS)
        .where(ITEMS.c.id == sa.bindparam("item"))
        .values(public_changed_at=sa.bindparam("at"))
    )
    newest = (
        sa.select(VERSIONS.c.item_id, sa.func.max(VERSIONS.c.published_at))
        .where(VERSIONS.c.published_at.is_not(None))
        .group_by(VERSIONS.c.item_id)
        .order_by(VERSIONS.c.item_id)
    )
    last = 0
    while True:
        rows = bind.execute(newest.having(VERSIONS.c.item_id > last).limit(PAGE)).all()
        if not rows:
            break
        bind.execute(update, [{"item": item, "at": _second(at)} for item, at in rows])
        last = rows[-1][0]
    never = (
        sa.select(ITEMS.c.id, ITEMS.c.updated_at, ITEMS.c.created_at)
        .where(ITEMS.c.public_changed_at.is_(None))
        .order_by(ITEMS.c.id)
        .limit(PAGE)
    )
    while True:
        rows = bind.execute(never).all()
        if not rows:
            break
        bind.execute(
            update,
            [
                {"item": item, "at": _second(updated or created or _utcnow())}
                for item, updated, created in rows
            ],
        )


def _backfill_tombstones(bind) -> None:
    """Published items revised to 不予公开 since: their last version that was public."""
    candidates = bind.execute(
        sa.select(
            ITEMS.c.id, ITEMS.c.index_number, ITEMS.c.organisation_id, ITEMS.c.public_changed_at
        ).where(
            ITEMS.c.status.in_(PUBLIC_STATUSES),
            ITEMS.c.disclosure_mode == "withheld",
            ITEMS.c.index_number.is_not(None),
            ITEMS.c.index_number != "",
        )
    ).all()
    stones = []
    for item_id, index_number, organisation_id, changed_at in candidates:
        versions = bind.execute(
            sa.select(VERSIONS.c.data)
            .where(
                VERSIONS.c.item_id == item_id,
                VERSIONS.c.state.in_(("published", "superseded")),
                VERSIONS.c.published_at.is_not(None),
            )
            .order_by(VERSIONS.c.number)
        ).all()
        if any((data or {}).get("disclosure_mode", "withheld") != "withheld" for (data,) in versions):
            stones.append(
                {
                    "index_number": index_number,
                    "organisation_id": organisation_id,
                    "deleted_at": changed_at,
                    "item_id": item_id,
                }
            )
    if stones:
        bind.execute(sa.insert(TOMBSTONES), stones)


def upgrade() -> None:
    _create_tables()
    _add_item_columns()
    bind = op.get_bind()
    _backfill_datestamps(bind)
    _backfill_tombstones(bind)


def downgrade() -> None:
    op.drop_index(op.f("ix_catalogue_items_public_changed_at"), table_name="catalogue_items")
    op.drop_index(op.f("ix_catalogue_items_harvest_source_id"), table_name="catalogue_items")
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(FK_NAME, "catalogue_items", type_="foreignkey")
    # SQLite (3.35+) drops a column in place, its inline REFERENCES clause with it
    for name in (
        "harvested_at",
        "source_url",
        "source_identifier",
        "public_changed_at",
        "harvest_source_id",
    ):
        op.drop_column("catalogue_items", name)
    op.drop_table("oai_tombstones")
    op.drop_table("harvest_sources")
