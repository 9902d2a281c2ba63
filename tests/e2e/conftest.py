"""End-to-end journeys in a real browser: Playwright (PyPI) driving Debian's chromium.

One browser per module and worker; each journey gets a fresh database, its own served application
and a fresh browser context. The journeys do not depend on the database engine: they run on
the SQLite pass of the suite and are skipped on the PostgreSQL one. Without chromium they are
skipped with the reason, except in CI (CI=true), where a missing browser is an error:
``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from ..conftest import PASSWORD, TODAY, backend
from .site import add_staff, live_site

CHROMIUM = os.environ.get("DISCLOSURE_CHROMIUM", "/usr/bin/chromium")


def _unavailable() -> str | None:
    """Why the browser cannot run here, or None."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright or axe-playwright-python missing (pip install -e '.[testing]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set DISCLOSURE_CHROMIUM)"
    return None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(str(item.path)).parents]
    if not mine:
        return
    if backend() != "sqlite":
        reason = "browser journeys are database-agnostic: they run on the SQLite pass only"
    elif os.environ.get("CI"):
        return  # in CI they run: the browser fixture fails if chromium is missing
    else:
        reason = _unavailable()
    if reason is not None:
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """One chromium for the journeys of a module on this worker (a fresh context per test)."""
    reason = _unavailable()
    if reason is not None:
        pytest.fail(f"CI: the browser journeys cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def e2e_template(databases, schema):
    """A migrated SQLite database with the demo organisation tree and the staff accounts,
    made once: each journey starts from a copy of it. Returns (path, staff)."""
    seeded = databases.seeded(schema)
    staff = add_staff(seeded.url, PASSWORD)
    return Path(make_url(seeded.url).database), staff


@pytest.fixture
def site(e2e_template, tmp_path):
    """A fresh database (a copy of the template: the demo organisation tree; the officer and
    the org admin of 咸阳市民政局, the city admin), the application on it, served; the business
    date is TODAY."""
    template, staff = e2e_template
    copy = tmp_path / "site.sqlite"
    shutil.copyfile(template, copy)
    with live_site(f"sqlite:///{copy}", tmp_path, TODAY, staff) as site:
        yield site


@pytest.fixture
def ui(request, browser, site, tmp_path):
    """The page a journey drives, in the mode of its parameter (desktop, phone, keyboard, …).
    Screenshots go to tmp_path/screenshots (or $DISCLOSURE_E2E_SCREENSHOTS/<test>)."""
    from .ui import MODES, open_ui

    keep = os.environ.get("DISCLOSURE_E2E_SCREENSHOTS")
    shots = Path(keep) / request.node.name if keep else tmp_path / "screenshots"
    if shots.exists():
        shutil.rmtree(shots)
    with open_ui(browser, MODES[request.param], site.base, shots) as ui:
        yield ui
