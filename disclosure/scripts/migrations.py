"""Run Alembic from the application's own ini file."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command

from ..settings import PROJECT_ROOT


def alembic_config(ini_path: str | None, database_url: str) -> Config:
    cfg = Config(ini_path, ini_section="alembic") if ini_path else Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(ini_path: str | None, database_url: str, revision: str = "head") -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(ini_path, database_url), revision)
