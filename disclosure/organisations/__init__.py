from .services import OrganisationTree


def includeme(config):
    config.add_request_method(
        lambda request: OrganisationTree(request.dbsession), "organisations", reify=True
    )
