"""Full-text search of the public catalogue: one engine behind ``ISearchIndex``, chosen by
``disclosure.search.backend`` (``ENGINES``), kept in sync through an outbox."""

import atexit

from .. import settings as s
from ..settings import SettingsError
from .indexer import Indexer, IndexerThread
from .interfaces import ISearchIndex
from .pg_engine import make_postgresql
from .sqlite_engine import from_settings as _sqlite
from .transactional import bind as bind_transactional
from .transactional import is_transactional
from .whoosh_index import IndexStore, WhooshSearchIndex


def _whoosh(settings, registry) -> WhooshSearchIndex:
    return WhooshSearchIndex(IndexStore(s.get(settings, "search.index_dir")))


#: ``disclosure.search.backend`` → a factory ``(settings, registry) -> ISearchIndex``
ENGINES = {"whoosh": _whoosh, "postgresql": make_postgresql, "sqlite": _sqlite}


#: the engine ``auto`` (the default) means, by the database's dialect: the engine inside the
#: application's own database (see the README's benchmark table for why)
AUTO = {"sqlite": "sqlite", "postgresql": "postgresql"}


def engine_name(settings) -> str:
    """The configured engine's name, ``auto`` resolved by ``disclosure.database_url``."""
    name = s.get(settings, "search.backend").strip()
    if name != "auto":
        return name
    dialect = s.get(settings, "database_url").split(":", 1)[0].split("+", 1)[0]
    return AUTO.get(dialect, "whoosh")


def make_search_index(settings, registry):
    name = engine_name(settings)
    factory = ENGINES.get(name)
    if factory is None:
        # i18n: a startup error for the site's operators, already in both languages
        raise SettingsError(
            f"disclosure.search.backend: 未知的检索引擎 {name!r} (unknown search engine; "
            f"one of auto, {', '.join(ENGINES)})"
        )
    return factory(settings, registry)


def includeme(config):
    settings = config.get_settings()
    search_index = make_search_index(settings, config.registry)
    config.register_service(search_index, ISearchIndex)
    config.registry["search_index"] = search_index
    indexer = Indexer(
        config.registry["dbsession_factory"],
        search_index,
        schema=config.registry["catalogue_schema"],
    )
    config.registry["search_indexer"] = indexer
    if is_transactional(search_index):
        # written in each catalogue change's own transaction: no indexer thread for it
        bind_transactional(
            config.registry["dbsession_factory"],
            search_index,
            schema=config.registry["catalogue_schema"],
        )
    elif s.get(settings, "search.indexer") == "thread":
        thread = IndexerThread(indexer)
        config.registry["search_indexer_thread"] = thread

        def wake_after_request(event):
            if event.request.method == "POST":
                event.request.add_finished_callback(lambda request: thread.notify())

        config.add_subscriber(wake_after_request, "pyramid.events.NewRequest")
        thread.start()
        atexit.register(thread.stop)
