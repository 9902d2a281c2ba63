"""Settings: defaults, DISCLOSURE_* overrides and env:NAME values (disclosure.settings).

Every call passes an explicit ``environ``; os.environ is never read or changed here.
"""

from __future__ import annotations

import pytest

from disclosure import settings as s
from disclosure.settings import DEFAULTS, SettingsError, as_bool, env_name, get, resolve

SECRET = {"disclosure.session_secret": "ini-secret"}


def test_defaults_are_applied():
    out = resolve(SECRET, environ={})
    for key, default in DEFAULTS.items():
        if key != "session_secret":
            assert out["disclosure." + key] == default
    assert out["disclosure.session_secret"] == "ini-secret"
    assert out["disclosure.page_size"] == "20"
    assert out["disclosure.database_url"].startswith("sqlite:///")
    assert out["disclosure.schemas_dir"].endswith("catalog_schemas")


def test_other_settings_are_kept_and_input_not_changed():
    raw = {**SECRET, "pyramid.reload_templates": "true", "disclosure.page_size": "50"}
    before = dict(raw)
    out = resolve(raw, environ={})
    assert out["pyramid.reload_templates"] == "true"
    assert out["disclosure.page_size"] == "50"
    assert raw == before


def test_env_name():
    assert env_name("database_url") == "DISCLOSURE_DATABASE_URL"
    assert env_name("files.max_bytes") == "DISCLOSURE_FILES_MAX_BYTES"


def test_environment_overrides_ini_and_defaults():
    environ = {
        "DISCLOSURE_DATABASE_URL": "postgresql://db/disclosure",
        "DISCLOSURE_FILES_MAX_BYTES": "1024",
        "DISCLOSURE_SESSION_SECRET": "env-secret",
    }
    out = resolve({**SECRET, "disclosure.database_url": "sqlite:///ini.sqlite"}, environ)
    assert out["disclosure.database_url"] == "postgresql://db/disclosure"
    assert out["disclosure.files.max_bytes"] == "1024"
    assert out["disclosure.session_secret"] == "env-secret"


def test_env_values_are_read_from_the_named_variable():
    raw = {"disclosure.session_secret": "env:APP_SECRET", "disclosure.page_size": "env:PAGE"}
    out = resolve(raw, environ={"APP_SECRET": "s3cret", "PAGE": "30"})
    assert out["disclosure.session_secret"] == "s3cret"
    assert out["disclosure.page_size"] == "30"


def test_override_wins_over_env_value():
    raw = {"disclosure.session_secret": "env:APP_SECRET"}
    environ = {"APP_SECRET": "from-name", "DISCLOSURE_SESSION_SECRET": "from-override"}
    assert resolve(raw, environ)["disclosure.session_secret"] == "from-override"


def test_missing_required_setting_names_setting_and_variable():
    with pytest.raises(SettingsError) as info:
        resolve({}, environ={})
    message = str(info.value)
    assert "disclosure.session_secret" in message
    assert "DISCLOSURE_SESSION_SECRET" in message
    assert "database_url" not in message


def test_empty_override_counts_as_missing():
    with pytest.raises(SettingsError, match="DISCLOSURE_DATABASE_URL"):
        resolve(SECRET, environ={"DISCLOSURE_DATABASE_URL": ""})


def test_all_missing_settings_are_named_at_once():
    raw = {"disclosure.database_url": "env:DB_URL"}
    with pytest.raises(SettingsError) as info:
        resolve(raw, environ={})
    assert "DISCLOSURE_DATABASE_URL" in str(info.value)
    assert "DISCLOSURE_SESSION_SECRET" in str(info.value)


def test_unset_env_value_names_its_variable():
    with pytest.raises(SettingsError, match="APP_SECRET"):
        resolve({"disclosure.session_secret": "env:APP_SECRET"}, environ={})


def test_get_falls_back_to_defaults():
    assert get({}, "page_size") == "20"
    assert get({"disclosure.page_size": "5"}, "page_size") == "5"
    assert get({}, "no_such_key") == ""
    assert s.PREFIX == "disclosure."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        (" Yes ", True),
        ("1", True),
        ("on", True),
        (True, True),
        ("false", False),
        ("0", False),
        ("", False),
        (None, False),
        ("nope", False),
    ],
)
def test_as_bool(value, expected):
    assert as_bool(value) is expected


def test_an_unknown_search_backend_stops_start_up_naming_the_setting():
    import pytest

    from disclosure.search import make_search_index
    from disclosure.settings import SettingsError

    with pytest.raises(SettingsError, match="disclosure.search.backend.*'elastic'.*whoosh"):
        make_search_index({"disclosure.search.backend": "elastic"}, None)


def test_the_default_search_engine_is_the_one_inside_the_database():
    from disclosure.search import engine_name

    assert engine_name({"disclosure.database_url": "sqlite:///x.sqlite"}) == "sqlite"
    assert engine_name({"disclosure.database_url": "sqlite:////abs/x.sqlite"}) == "sqlite"
    for url in ("postgresql://h/db", "postgresql+psycopg://postgres@127.0.0.1:5432/test"):
        assert engine_name({"disclosure.database_url": url}) == "postgresql"
    # an explicit choice wins
    settings = {
        "disclosure.database_url": "sqlite:///x.sqlite",
        "disclosure.search.backend": "whoosh",
    }
    assert engine_name(settings) == "whoosh"
