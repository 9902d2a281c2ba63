"""Full-text search of the public catalogue (Whoosh), kept in sync through an outbox."""

import atexit

from .. import settings as s
from .indexer import Indexer, IndexerThread
from .interfaces import ISearchIndex
from .whoosh_index import IndexStore, WhooshSearchIndex


def includeme(config):
    settings = config.get_settings()
    search_index = WhooshSearchIndex(IndexStore(s.get(settings, "search.index_dir")))
    config.register_service(search_index, ISearchIndex)
    config.registry["search_index"] = search_index
    indexer = Indexer(
        config.registry["dbsession_factory"],
        search_index,
        schema=config.registry["catalogue_schema"],
    )
    config.registry["search_indexer"] = indexer
    if s.get(settings, "search.indexer") == "thread":
        thread = IndexerThread(indexer)
        config.registry["search_indexer_thread"] = thread

        def wake_after_request(event):
            if event.request.method == "POST":
                event.request.add_finished_callback(lambda request: thread.notify())

        config.add_subscriber(wake_after_request, "pyramid.events.NewRequest")
        thread.start()
        atexit.register(thread.stop)
