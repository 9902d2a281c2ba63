"""disclosure: a government information disclosure platform (政府信息公开平台)."""

import warnings

# deform 3.0.1 and pyramid import pkg_resources (setuptools<81 is pinned for it); the
# deprecation notice is noise on every command: https://github.com/Pylons/deform/issues/507
warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

from pyramid.config import Configurator  # noqa: E402

from . import observability  # noqa: E402,F401  (every log record carries its request id)
from . import settings as settings_module  # noqa: E402
from .boundary import CookieHeaderLimit  # noqa: E402
from .proxy import TrustedProxies, parse_trusted  # noqa: E402


def main(global_config, **settings):
    """Return the Pyramid WSGI application."""
    from .accounts.services import configure_passwords

    settings = settings_module.resolve(settings)
    configure_passwords(settings)
    config = Configurator(settings=settings)
    try:
        with config:
            config.include("pyramid_services")
            config.include(".observability")
            config.include(".errors")
            config.include(".boundary")
            config.include(".models")
            config.include(".httpcache")
            config.include(".security")
            config.include(".organisations")
            config.include(".catalogue")
            config.include(".scorecard")  # checks catalog_schemas/scorecard.yaml
            config.include(".files")
            config.include(".search")
            config.include(".requests")
            config.include(".letters")
            config.include(".portal")  # checks catalog_schemas/sections.yaml and proactive/
            config.include(".i18n")
            config.include(".templating")
            config.include(".health")
            config.include(".routes")
            config.scan(ignore=[".scripts", ".tests"])
        trusted = parse_trusted(settings_module.get(settings, "trusted_proxies"))
        return TrustedProxies(CookieHeaderLimit(config.make_wsgi_app()), trusted)
    except BaseException:
        # A start-up that stops (a bad setting) leaves no pooled connection behind: the
        # postgresql search engine has already read its index type through the pool.
        engine = config.registry.get("db_engine")
        if engine is not None:
            engine.dispose()
        raise
