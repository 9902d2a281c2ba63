"""Settings: defaults in one place, each overridable by an environment variable.

``disclosure.database_url`` is overridden by ``DISCLOSURE_DATABASE_URL``, and so on. A value of
the form ``env:NAME`` in an ini file is read from the environment variable NAME. Start-up stops
with a clear message when a required setting is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PREFIX = "disclosure."

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, str] = {
    "database_url": "sqlite:///" + str(PROJECT_ROOT / "var" / "disclosure.sqlite"),
    "files_dir": str(PROJECT_ROOT / "var" / "files"),
    "files.backend": "disclosure.files.services.LocalFileStorage",
    "files.max_bytes": str(20 * 1024 * 1024),
    "schemas_dir": str(PROJECT_ROOT / "catalog_schemas"),
    "session_secret": "",
    "cookie_secure": "false",
    # reverse proxies whose X-Forwarded-* headers are believed (disclosure.proxy); none by default
    "trusted_proxies": "",
    "page_size": "20",
    # anonymous public pages kept ready per process (disclosure.httpcache); 0 turns it off
    "page_cache.entries": "2000",
    "page_cache.max_bytes": str(2 * 1024 * 1024),
    "search.index_dir": str(PROJECT_ROOT / "var" / "index"),
    "search.indexer": "thread",
    # the search engine: auto (the engine inside the database: sqlite or postgresql), whoosh,
    # sqlite, postgresql (see disclosure.search.ENGINES)
    "search.backend": "auto",
    "requests.profile": "",  # empty: rules by receipt date (profiles' effective_from); a key forces one
    "requests.purge_after_years": "5",  # `disclosure purge-personal-data`: years after closing
    # Art. 44 suggestions on the officers' dashboard (requests/art44.py): "several" applicants
    # is at least this many; descriptions ask for the same when their word sets' Jaccard index
    # reaches this
    "requests.art44_min_applicants": "2",
    "requests.art44_similarity": "0.6",
    "mail.host": "localhost",
    "mail.port": "25",
    "mail.default_sender": "noreply@disclosure.local",
    "mail.backend": "smtp",  # smtp; log: log subject and masked recipients, send nothing
    "mail.worker": "thread",  # thread: sender inside the web process; off: `disclosure mail-worker`
    # OAI-PMH (disclosure.oai): records per page of a list; the repository identifier in
    # oai:{id}:{索引号} (empty: the host name the request was sent to — set it in production so
    # identifiers do not depend on the name used); the name and e-mail Identify gives (empty:
    # "<root organisation>政府信息公开目录" and mail.default_sender)
    "oai.page_size": "100",
    "oai.repository_id": "",
    "oai.repository_name": "",
    "oai.admin_email": "",
    # argon2id cost of the officers' password hashes (disclosure.accounts.services): passes,
    # memory in KiB, lanes. The defaults are argon2-cffi's (RFC 9106's low-memory profile), about
    # 0.15 s a hash here; a hash keeps its own cost, and a login rehashes it to these
    "password.time_cost": "3",
    "password.memory_cost": "65536",
    "password.parallelism": "4",
    "letters.font": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # TrueType CJK, embedded  # thread: inside the web process; off: run `disclosure index-worker`
}

REQUIRED = ("database_url", "session_secret")


class SettingsError(Exception):
    """A required setting is missing or invalid."""


def env_name(key: str) -> str:
    return "DISCLOSURE_" + key.upper().replace(".", "_")


def resolve(raw: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the ``disclosure.*`` settings with defaults, ``env:`` values and overrides applied."""
    environ = os.environ if environ is None else environ
    out = dict(raw)
    sources: dict[str, str] = {}  # key -> the variables that could have set it
    for key, default in DEFAULTS.items():
        value = raw.get(PREFIX + key, default)
        sources[key] = env_name(key)
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:]
            sources[key] = f"{name} / {env_name(key)}"
            value = environ.get(name, "")
            if not value and key not in REQUIRED:
                value = default  # an unset optional variable falls back to the default
        value = environ.get(env_name(key), value)
        out[PREFIX + key] = value
    missing = [k for k in REQUIRED if not out.get(PREFIX + k)]
    if missing:
        names = ", ".join(f"{PREFIX}{k} ({sources[k]})" for k in missing)
        # i18n: a startup error for the site's operators, already in both languages
        raise SettingsError(f"缺少必需的配置 / missing required settings: {names}")
    return out


def as_bool(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def get(settings: Mapping[str, str], key: str) -> str:
    return settings.get(PREFIX + key, DEFAULTS.get(key, ""))
