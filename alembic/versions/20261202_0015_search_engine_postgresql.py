"""search engine table for the postgresql engine (tsvector, RUM or GIN), on PostgreSQL only

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:00:00

The ``postgresql`` search engine (``disclosure.search.pg_engine``) keeps one row per public item
in ``search_engine_documents``: its stored fields, the filter and facet columns
(``organisations``: its organisation's code and every ancestor's) and ``tsv``, the analysed
tokens as a ``tsvector``.

``tsv`` gets a RUM index (ranked top-k inside the index) when the ``rum`` extension can be
created (Debian ``postgresql-15-rum``; ``CREATE EXTENSION`` needs a superuser, or the extension
made beforehand), else a GIN index. The attempt runs in a SAVEPOINT, so a missing extension
never breaks the migration. The extension goes to schema ``public``, never to the schema being
migrated: dropping one schema must not drop the RUM indexes of another.

On SQLite this revision does nothing. Tables named ``search_engine_*`` are left alone by
autogenerate and ``alembic check`` (``alembic/env.py``): they belong to one dialect only.
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLE = """CREATE TABLE search_engine_documents (
    item_id integer NOT NULL PRIMARY KEY,
    index_number text NOT NULL,
    index_number_display text NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    content text NOT NULL,
    keywords text NOT NULL,
    document_number text NOT NULL,
    document_number_display text NOT NULL,
    organisation_code text NOT NULL,
    organisation_name text NOT NULL,
    organisations text[] NOT NULL,
    topic text NOT NULL,
    genre text NOT NULL,
    disclosure_mode text NOT NULL,
    validity text NOT NULL,
    year integer NOT NULL,
    published_on date NOT NULL,
    stamp text NOT NULL,
    tsv tsvector NOT NULL
)"""

INDEXES = (
    "CREATE INDEX ix_search_engine_documents_organisations "
    "ON search_engine_documents USING gin (organisations)",
    "CREATE INDEX ix_search_engine_documents_document_number "
    "ON search_engine_documents (document_number)",
    "CREATE INDEX ix_search_engine_documents_index_number "
    "ON search_engine_documents (index_number)",
    "CREATE INDEX ix_search_engine_documents_published_on "
    "ON search_engine_documents (published_on)",
)

FIND_RUM = (
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'rum'"
)

GIN = "CREATE INDEX ix_search_engine_documents_tsv ON search_engine_documents USING gin (tsv)"


def rum_schema(bind) -> str | None:
    """The schema of the rum extension, created in ``public`` if it is not there yet; None
    when it cannot be had (not installed, not allowed)."""
    found = bind.scalar(sa.text(FIND_RUM))
    if found:
        return found
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS rum SCHEMA public"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        # another migration may have created it meanwhile (parallel test workers)
        return bind.scalar(sa.text(FIND_RUM))
    savepoint.commit()
    return "public"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(TABLE)
    for statement in INDEXES:
        op.execute(statement)
    schema = rum_schema(bind)
    if schema is None:
        op.execute(GIN)
        return
    quoted = '"' + schema.replace('"', '""') + '"'
    op.execute(
        "CREATE INDEX ix_search_engine_documents_tsv ON search_engine_documents "
        f"USING rum (tsv {quoted}.rum_tsvector_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_engine_documents")
