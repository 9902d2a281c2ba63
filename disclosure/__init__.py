"""disclosure: a government information disclosure platform (政府信息公开平台)."""

from pyramid.config import Configurator

from . import settings as settings_module


def main(global_config, **settings):
    """Return the Pyramid WSGI application."""
    settings = settings_module.resolve(settings)
    with Configurator(settings=settings) as config:
        config.include("pyramid_services")
        config.include(".boundary")
        config.include(".models")
        config.include(".security")
        config.include(".organisations")
        config.include(".catalogue")
        config.include(".files")
        config.include(".templating")
        config.include(".routes")
        config.scan(ignore=[".scripts", ".tests"])
    return config.make_wsgi_app()
