"""``GET /healthz`` for operators: the database, the search engine, the mail outbox and the disk.

The thresholds are settings (read once at start-up):

- ``disclosure.health.disk_warn_bytes`` (default 1 GiB): less free space than this is a warning;
- ``disclosure.health.mail_warn_seconds`` (default 1800): an older pending message is a warning.
"""

from __future__ import annotations

from ..settings import SettingsError
from .checks import Thresholds

SETTINGS = {
    "disk_warn_bytes": ("disclosure.health.disk_warn_bytes", 1024**3),
    "mail_warn_seconds": ("disclosure.health.mail_warn_seconds", 1800),
}


def thresholds_from_settings(settings) -> Thresholds:
    values = {}
    for field, (key, default) in SETTINGS.items():
        raw = settings.get(key, default)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = -1
        if value < 0:
            # i18n: a startup error for the site's operators, already in both languages
            raise SettingsError(f"{key}: 应为非负整数 (a non-negative integer), not {raw!r}")
        values[field] = value
    return Thresholds(**values)


def includeme(config):
    config.registry["disclosure.health"] = thresholds_from_settings(config.get_settings())
