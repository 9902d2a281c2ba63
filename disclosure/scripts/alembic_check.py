"""``alembic check`` on a fresh database: models and migrations must not drift.

Usage: python -m disclosure.scripts.alembic_check sqlite|postgresql
"""

from __future__ import annotations

import os
import sys
import tempfile

from sqlalchemy import text

from alembic import command

from ..models import get_engine
from .migrations import alembic_config, upgrade


def fresh_postgresql(url: str) -> None:
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    backend = argv[0] if argv else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "postgresql":
            url = os.environ["DISCLOSURE_TEST_DATABASE_URL"]
            fresh_postgresql(url)
        else:
            url = f"sqlite:///{tmp}/check.sqlite"
        upgrade(None, url)
        command.check(alembic_config(None, url))
    print(f"alembic check ({backend}): models and migrations agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
