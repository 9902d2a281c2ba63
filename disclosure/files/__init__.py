from pyramid.path import DottedNameResolver

from .. import settings as s
from .interfaces import IFileStorage


def includeme(config):
    settings = config.get_settings()
    backend = DottedNameResolver().maybe_resolve(s.get(settings, "files.backend"))
    storage = backend.from_settings(settings)
    config.register_service(storage, IFileStorage)
