"""disclosure.gc_freeze: the app leaves what start-up made out of later garbage collections."""

from __future__ import annotations

import gc

import pytest

from disclosure import main


def _settings(tmp_path) -> dict[str, str]:
    return {
        "disclosure.database_url": f"sqlite:///{tmp_path}/app.sqlite",
        "disclosure.session_secret": "x",
        "disclosure.search.indexer": "off",
        "disclosure.mail.worker": "off",
        "disclosure.files_dir": str(tmp_path / "files"),
        "disclosure.search.index_dir": str(tmp_path / "index"),
    }


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # what a test froze goes back to the collector


def test_start_up_freezes_what_it_made(tmp_path, monkeypatch, unfrozen):
    monkeypatch.setenv("DISCLOSURE_GC_FREEZE", "true")
    app = main({}, **_settings(tmp_path))
    try:
        assert gc.get_freeze_count() > 10_000  # the routes, templates and schemas
    finally:
        app.registry["db_engine"].dispose()


def test_off_leaves_the_collector_alone(tmp_path, monkeypatch, unfrozen):
    monkeypatch.setenv("DISCLOSURE_GC_FREEZE", "false")
    app = main({}, **_settings(tmp_path))
    try:
        assert gc.get_freeze_count() == 0
    finally:
        app.registry["db_engine"].dispose()
