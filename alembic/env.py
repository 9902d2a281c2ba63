"""Alembic environment: the database URL comes from the app settings (or ``sqlalchemy.url``)."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from disclosure import settings as s
from disclosure.models import get_engine
from disclosure.models.meta import Base

config = context.config


def database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    setup_logging(config.config_file_name)
    return s.get(s.resolve(get_appsettings(config.config_file_name)), "database_url")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = get_engine(database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


#: Tables a search engine owns (an SQLite FTS5 virtual table and its shadow tables, PostgreSQL
#: tsvector tables): made by migrations for one dialect only, never by the models, so
#: autogenerate and ``alembic check`` leave them alone.
ENGINE_TABLE_PREFIX = "search_engine_"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table" and name and name.startswith(ENGINE_TABLE_PREFIX):
        return False
    table = getattr(obj, "table", None)
    if table is not None and str(getattr(table, "name", "")).startswith(ENGINE_TABLE_PREFIX):
        return False
    return True


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
