from ..models.generations import current
from .services import OrganisationTree, OrgNode, TreeCache  # noqa: F401

TREE_CACHE = "organisation_tree_cache"
GENERATIONS_ENVIRON = "disclosure.generations"  # set by disclosure.httpcache's tween


def cache_generations(request) -> dict[str, str]:
    """The tokens: those the page cache's tween read for this request (a public page), else
    read in the request's transaction."""
    handed = request.environ.get(GENERATIONS_ENVIRON)
    return handed if handed is not None else current(request.dbsession)


def includeme(config):
    config.registry[TREE_CACHE] = TreeCache()
    # Every cache generation's token, read once per request (see models.generations).
    config.add_request_method(cache_generations, "cache_generations", reify=True)
    config.add_request_method(
        lambda request: request.registry[TREE_CACHE].get(
            lambda: request.dbsession, request.cache_generations
        ),
        "organisations",
        reify=True,
    )
