"""Snapshot and restore of the database: SQLite through the online backup API, PostgreSQL
through pg_dump / pg_restore (custom format) for the application's schema."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ..models import get_engine

PG_DUMP = os.environ.get("DISCLOSURE_PG_DUMP", "pg_dump")
PG_RESTORE = os.environ.get("DISCLOSURE_PG_RESTORE", "pg_restore")
PSQL = os.environ.get("DISCLOSURE_PSQL", "psql")


class BackupError(Exception):
    """Refused or failed; the message is for the operator (Chinese)."""


@dataclass
class Snapshot:
    path: Path  # the dump or the copied SQLite file
    revision: str | None
    referenced: set[str]  # file store keys the snapshot refers to


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{backend}")
    return backend


def _read_state(session: Session) -> tuple[str | None, set[str]]:
    """The alembic revision and every file key the database refers to (the same definition
    as the file store's sweep, :func:`disclosure.files.gc.referenced_keys`)."""
    from ..files.gc import referenced_keys

    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return revision, referenced_keys(session)


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份")
    return Path(database)


def sqlite_snapshot(url: str, target: Path) -> Snapshot:
    path = _sqlite_path(url)
    if not path.is_file():  # sqlite3.connect would make an empty one
        raise BackupError(f"数据库文件不存在：{path}")
    source = sqlite3.connect(path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent state
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with Session(engine) as session:
            revision, keys = _read_state(session)
    finally:
        engine.dispose()
    return Snapshot(target, revision, keys)


def sqlite_restore(source: Path, url: str) -> None:
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        backup.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_schema(url: str) -> str:
    """The schema the application uses: ``options=-csearch_path=…`` in the URL, else public."""
    options = make_url(url).query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    match = re.search(r"search_path\s*=\s*([^\s,]+)", options)
    schema = match.group(1).strip("\"'") if match else "public"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise BackupError(f"无法处理的数据库模式名：{schema!r}")
    return schema


def pg_environment(url: str) -> dict[str, str]:
    """libpq environment variables for pg_dump, pg_restore and psql (the password never
    appears on a command line)."""
    u = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", u.host),
        ("PGPORT", u.port),
        ("PGUSER", u.username),
        ("PGPASSWORD", u.password),
        ("PGDATABASE", u.database),
    ):
        if value is not None:
            env[name] = str(value)
    for param, name in (("host", "PGHOST"), ("port", "PGPORT"), ("sslmode", "PGSSLMODE")):
        value = u.query.get(param)  # e.g. ?host=/var/run/postgresql (a Unix socket)
        if isinstance(value, str) and value:
            env[name] = value
    env.pop("PGOPTIONS", None)
    return env


def _run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(args, env=env, capture_output=True, **kwargs)
    except FileNotFoundError:
        raise BackupError(f"找不到程序 {args[0]}（请安装 PostgreSQL 客户端）") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace") if done.stderr else ""
        raise BackupError(f"{Path(args[0]).name} 失败（退出码 {done.returncode}）：{err.strip()}")
    return done


def pg_snapshot(url: str, target: Path) -> Snapshot:
    schema = pg_schema(url)
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # The dump and what we read here see one and the same snapshot.
                snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                revision, keys = _read_state(Session(bind=conn))
                _run(
                    [
                        PG_DUMP,
                        "--format=custom",
                        f"--schema={schema}",
                        f"--snapshot={snapshot_id}",
                        "--no-owner",
                        "--no-privileges",
                        f"--file={target}",
                    ],
                    pg_environment(url),
                )
    finally:
        engine.dispose()
    return Snapshot(target, revision, keys)


# Empties a schema of everything but what extensions own (``rum`` lives in ``public`` and the
# application's indexes use it: dropping the schema would drop the extension too).
_EMPTY_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS "{schema}";
DO $empty$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass::text AS name,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                          ELSE 'TABLE' END AS kind
      FROM pg_class c
     WHERE c.relnamespace = '"{schema}"'::regnamespace
       AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                       AND d.objid = c.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', r.kind, r.name);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure::text AS name FROM pg_proc p
     WHERE p.pronamespace = '"{schema}"'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                       AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.name);
  END LOOP;
  FOR r IN
    SELECT t.oid::regtype::text AS name FROM pg_type t
     WHERE t.typnamespace = '"{schema}"'::regnamespace AND t.typtype IN ('e', 'd', 'c', 'r')
       AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                       AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('DROP TYPE IF EXISTS %s CASCADE', r.name);
  END LOOP;
END
$empty$;
"""


def pg_extensions(url: str) -> list[dict[str, str]]:
    """The extensions the database has (name, schema), to be created before a restore."""
    engine = get_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.extname, n.nspname FROM pg_extension e "
                    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' "
                    "ORDER BY e.extname"
                )
            ).all()
    finally:
        engine.dispose()
    return [{"name": name, "schema": schema} for name, schema in rows]


def pg_restore(source: Path, url: str, extensions: list[dict[str, str]] = ()) -> None:
    """Empty the schema (keeping what extensions own) and restore it from the dump, in one
    transaction (psql --single-transaction): a failure leaves the database as it was."""
    schema = pg_schema(url)
    env = pg_environment(url)
    toc = _run([PG_RESTORE, "--list", str(source)], env).stdout.decode("utf-8")
    # The schema itself is kept (``public`` holds the extensions), so not created again.
    entries = "\n".join(
        line for line in toc.splitlines() if not re.search(rf"\bSCHEMA - {schema}\b", line)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as fh:
        fh.write(entries)
    listing = Path(fh.name)
    try:
        sql = _run(
            [
                PG_RESTORE,
                "--no-owner",
                "--no-privileges",
                f"--use-list={listing}",
                "--file=-",
                str(source),
            ],
            env,
        ).stdout
    finally:
        listing.unlink(missing_ok=True)
    prologue = "".join(
        f'CREATE SCHEMA IF NOT EXISTS "{e["schema"]}";\n'
        f'CREATE EXTENSION IF NOT EXISTS "{e["name"]}" SCHEMA "{e["schema"]}";\n'
        for e in extensions
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", e["name"] + e["schema"])
    ) + _EMPTY_SCHEMA.replace("{schema}", schema)
    _run(
        [PSQL, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        env,
        input=prologue.encode("utf-8") + sql,
    )
