"""search engine tables for the sqlite engine (FTS5), on SQLite only

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:55:00

The ``sqlite`` search engine (``disclosure.search.sqlite_engine``) keeps the public catalogue's
search documents inside the application's own SQLite database:

- ``search_engine_docs``: one narrow row per public item: the normalised 文号 and 索引号, the
  filter and facet columns (``organisation``: the codes of the item's organisation path, its own
  last, space-separated), the date, the stamp and ``facet_key`` (read for every match: small);
- ``search_engine_facets``: each distinct combination of facet values once, keyed by an integer:
  facet counts are one ``GROUP BY facet_key`` over the match (an integer sort, not six strings);
- ``search_engine_stored``: the fields shown in a hit and its snippet (read for one page only);
- ``search_engine_doc_orgs``: (organisation code, item) for the item's organisation and every
  ancestor: an organisation filter (descendants included) is one index look-up;
- ``search_engine_fts``: an FTS5 table (``unicode61``) over the analysed token text (rjieba
  words and CJK bigrams, joined by spaces), rowid = item id.

On PostgreSQL this revision does nothing. Tables named ``search_engine_*`` are left alone by
autogenerate and ``alembic check`` (``alembic/env.py``): they belong to one dialect only.
"""

from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

STATEMENTS = (
    """CREATE TABLE search_engine_docs (
        item_id INTEGER NOT NULL PRIMARY KEY,
        index_number TEXT NOT NULL,
        document_number TEXT NOT NULL,
        organisation TEXT NOT NULL,
        topic TEXT NOT NULL,
        genre TEXT NOT NULL,
        disclosure_mode TEXT NOT NULL,
        validity TEXT NOT NULL,
        year TEXT NOT NULL,
        published_on TEXT NOT NULL,
        facet_key INTEGER NOT NULL,
        stamp TEXT NOT NULL
    )""",
    """CREATE TABLE search_engine_facets (
        facet_key INTEGER NOT NULL PRIMARY KEY,
        organisation TEXT NOT NULL,
        topic TEXT NOT NULL,
        genre TEXT NOT NULL,
        year TEXT NOT NULL,
        disclosure_mode TEXT NOT NULL,
        validity TEXT NOT NULL,
        UNIQUE (organisation, topic, genre, year, disclosure_mode, validity)
    )""",
    """CREATE TABLE search_engine_stored (
        item_id INTEGER NOT NULL PRIMARY KEY,
        index_number_display TEXT NOT NULL,
        document_number_display TEXT NOT NULL,
        organisation_code TEXT NOT NULL,
        organisation_name TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        content TEXT NOT NULL
    )""",
    "CREATE INDEX ix_search_engine_docs_document_number ON search_engine_docs (document_number)",
    "CREATE INDEX ix_search_engine_docs_index_number ON search_engine_docs (index_number)",
    "CREATE INDEX ix_search_engine_docs_published_on ON search_engine_docs (published_on)",
    "CREATE INDEX ix_search_engine_docs_facet_key ON search_engine_docs (facet_key)",
    """CREATE TABLE search_engine_doc_orgs (
        code TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        PRIMARY KEY (code, item_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX ix_search_engine_doc_orgs_item_id ON search_engine_doc_orgs (item_id)",
    """CREATE VIRTUAL TABLE search_engine_fts USING fts5(
        title, title_bg, keywords, body, body_bg,
        tokenize = 'unicode61 remove_diacritics 0'
    )""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE IF EXISTS search_engine_fts")
    op.execute("DROP TABLE IF EXISTS search_engine_doc_orgs")
    op.execute("DROP TABLE IF EXISTS search_engine_stored")
    op.execute("DROP TABLE IF EXISTS search_engine_facets")
    op.execute("DROP TABLE IF EXISTS search_engine_docs")
