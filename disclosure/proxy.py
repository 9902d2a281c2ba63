"""The client's address and scheme, believed from a reverse proxy only when it is trusted.

WebOb takes ``X-Forwarded-For`` at its word, so behind no proxy anyone could name any address
(and slip past the per-address limits on login and applications). This middleware runs first:
when the peer (``REMOTE_ADDR``) is one of ``disclosure.trusted_proxies``, the client is the
right-most ``X-Forwarded-For`` address that is not itself a trusted proxy, and
``X-Forwarded-Proto``/``X-Forwarded-Host``/``X-Forwarded-Port`` set the scheme and host; from
anyone else those headers are dropped. Either way the application sees the result only in
``REMOTE_ADDR``, ``wsgi.url_scheme`` and ``HTTP_HOST``.
"""

from __future__ import annotations

import ipaddress

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


def parse_trusted(value: str) -> frozenset[str]:
    """``"127.0.0.1 ::1"`` (spaces or commas) → the set of addresses; a bad one is an error."""
    out = set()
    for part in value.replace(",", " ").split():
        out.add(str(ipaddress.ip_address(part)))
    return frozenset(out)


def client_from(forwarded_for: str, trusted: frozenset[str]) -> str | None:
    """The right-most address in ``X-Forwarded-For`` that is not a trusted proxy."""
    for part in reversed([p.strip() for p in forwarded_for.split(",")]):
        try:
            address = str(ipaddress.ip_address(part))
        except ValueError:
            return None  # a garbled hop: believe nothing further left
        if address not in trusted:
            return address
    return None


class TrustedProxies:
    """WSGI middleware; other attributes (``registry``…) are the wrapped app's."""

    def __init__(self, app, trusted: frozenset[str]) -> None:
        self.app = app
        self.trusted = trusted

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            client = client_from(environ.get("HTTP_X_FORWARDED_FOR", ""), self.trusted)
            if client:
                environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
            if host:
                environ["HTTP_HOST"] = host
            port = environ.get("HTTP_X_FORWARDED_PORT", "").strip()
            if port.isdigit():
                environ["SERVER_PORT"] = port
                if host and ":" not in host and port not in ("80", "443"):
                    environ["HTTP_HOST"] = f"{host}:{port}"
        for name in FORWARDED_HEADERS:
            environ.pop(name, None)
        return self.app(environ, start_response)
