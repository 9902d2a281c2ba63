"""The README's screenshots: ``python -m tests.e2e.screenshots [DIR]`` (``make screenshots``).

A demo site (``disclosure initdb`` and ``load-demo`` into a temporary SQLite database, as
``make run`` does) served on a loopback port and photographed in Debian's chromium at desktop
(1280×800) and phone (360×780) sizes: the home page, the catalogue, a search, the application
form and an officer's landing page. The files go to DIR (default docs/screenshots).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select

from disclosure import models
from disclosure.models import User
from disclosure.scripts.cli import DEMO_PASSWORD

from .site import ROOT, live_site
from .ui import SIZES

CHROMIUM = os.environ.get("DISCLOSURE_CHROMIUM", "/usr/bin/chromium")
PUBLIC = (
    ("home", "/"),
    ("catalogue", "/catalogue"),
    ("search", "/search?q=政务公开"),
    ("apply", "/requests/new"),
)


def demo_database(tmp: Path) -> str:
    """A SQLite database with the whole demo (``initdb`` and ``load-demo``, as ``make run``)."""
    url = f"sqlite:///{tmp / 'demo.sqlite'}"
    ini = tmp / "demo.ini"
    ini.write_text(
        (ROOT / "testing.ini").read_text().replace("%(here)s/alembic", str(ROOT / "alembic"))
    )
    env = {
        **os.environ,
        "DISCLOSURE_DATABASE_URL": url,
        "DISCLOSURE_FILES_DIR": str(tmp / "files"),
        "DISCLOSURE_SEARCH_INDEX_DIR": str(tmp / "index"),
    }
    for command in ("initdb", "load-demo"):
        subprocess.run(
            [sys.executable, "-m", "disclosure.scripts.cli", command, str(ini)],
            check=True,
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
    return url


def first_officer(url: str) -> str:
    engine = models.get_engine(url)
    try:
        with models.get_session_factory(engine)() as db:
            return db.scalars(
                select(User.email).where(User.role == "officer").order_by(User.id)
            ).first()
    finally:
        engine.dispose()


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = demo_database(tmp)
        officer = first_officer(url)
        with live_site(url, tmp, None, {}) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            for size, viewport in SIZES.items():
                context = browser.new_context(base_url=site.base, viewport=viewport, locale="zh-CN")
                page = context.new_page()
                for name, path in PUBLIC:
                    page.goto(path)
                    written.append(out / f"{size}-{name}.png")
                    page.screenshot(path=written[-1])
                page.goto("/login")
                page.get_by_label("邮箱").fill(officer)
                page.get_by_label("密码").fill(DEMO_PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("main").get_by_role("button", name="登录").click()
                written.append(out / f"{size}-officer.png")
                page.screenshot(path=written[-1])
                context.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    for path in shoot(Path(args.dir)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
