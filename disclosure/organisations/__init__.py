from ..models.generations import current
from .services import OrganisationTree, OrgNode, TreeCache  # noqa: F401

TREE_CACHE = "organisation_tree_cache"


def includeme(config):
    config.registry[TREE_CACHE] = TreeCache()
    # Every cache generation's token, read once per request (see models.generations).
    config.add_request_method(
        lambda request: current(request.dbsession), "cache_generations", reify=True
    )
    config.add_request_method(
        lambda request: request.registry[TREE_CACHE].get(
            request.dbsession, request.cache_generations
        ),
        "organisations",
        reify=True,
    )
