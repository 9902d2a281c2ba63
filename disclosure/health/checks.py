"""The checks behind ``/healthz`` (and ``disclosure index-check``): each returns a dict with a
``status`` of ``ok``, ``warn`` or ``fail`` and a few figures, never personal data, file paths
or connection URLs. A check that raises is a ``fail`` with a short reason in Chinese and the
error's class name. These texts are for the site's operators (a monitor reading ``/healthz``,
the command line): in Chinese, like the command line, whatever the request's language."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from ..catalogue.visibility import visible_items
from ..errors import database_unavailable
from ..models import CatalogueItem, MailOutbox
from ..models.mail import MailStatus
from ..search.interfaces import SearchQuery

OK, WARN, FAIL = "ok", "warn", "fail"
_RANK = {OK: 0, WARN: 1, FAIL: 2}

# i18n: for the site's operators (a monitor, disclosure index-check), like the command line
DATABASE_DOWN = "数据库不可用"
# i18n: for the site's operators (a monitor, disclosure index-check), like the command line
INDEX_UNREADABLE = "检索索引无法读取（文件缺失或损坏），请运行 disclosure reindex 重建索引"
# i18n: for the site's operators (a monitor, disclosure index-check), like the command line
INDEX_EMPTY = "检索索引为空，但目录中有公开条目：请运行 disclosure reindex 重建索引"


@dataclass(frozen=True)
class Thresholds:
    disk_warn_bytes: int = 1024**3
    mail_warn_seconds: int = 1800


def worst(statuses) -> str:
    return max(statuses, key=_RANK.__getitem__, default=OK)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _failed(exc: BaseException, reason: str) -> dict:
    return {
        "status": FAIL,
        "error": DATABASE_DOWN if database_unavailable(exc) else reason,
        "error_type": type(exc).__name__,
    }


def check_database(engine: Engine) -> dict:
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:
        return {**_failed(exc, "数据库查询失败"), "ms": _ms(started)}  # i18n: for operators
    return {"status": OK, "dialect": engine.dialect.name, "ms": _ms(started)}


#: a word every catalogue holds: the probe reads the text index, not only the document list
# i18n: a search term (data), not text shown
PROBE = SearchQuery(q="公开", per_page=1)


def probe_search(search_index) -> dict:
    """The engine's ``health()`` and a one-hit search for a word: both read the index itself.
    Raises what the engine raises."""
    info = dict(search_index.health())
    search_index.search(PROBE, facets=False, snippets=False)
    return info


def check_search(search_index, session_factory: sessionmaker) -> dict:
    started = time.perf_counter()
    name = getattr(search_index, "name", type(search_index).__name__)
    try:
        info = probe_search(search_index)
    except Exception as exc:
        return {"engine": name, **_failed(exc, INDEX_UNREADABLE), "ms": _ms(started)}
    documents = info.get("documents")
    result = {"status": OK, "engine": name, "documents": documents, "ms": None}
    if not documents:
        # an index that was deleted comes back empty: searches then answer "nothing found"
        try:
            with session_factory() as db:
                public = db.scalar(visible_items(CatalogueItem.id).limit(1)) is not None
        except Exception as exc:
            # i18n: for the site's operators
            return {"engine": name, **_failed(exc, "无法读取目录"), "ms": _ms(started)}
        if public:
            result.update(status=FAIL, error=INDEX_EMPTY)
    result["ms"] = _ms(started)
    return result


def check_mail(session_factory: sessionmaker, now: datetime, thresholds: Thresholds) -> dict:
    """The outbox backlog: pending messages, the age of the oldest, and those that failed."""
    try:
        with session_factory() as db:
            pending, oldest = db.execute(
                select(func.count(), func.min(MailOutbox.created_at)).where(
                    MailOutbox.status == MailStatus.PENDING
                )
            ).one()
            failed = db.scalar(
                select(func.count())
                .select_from(MailOutbox)
                .where(MailOutbox.status == MailStatus.FAILED)
            )
    except Exception as exc:
        return _failed(exc, "无法读取邮件发件箱")  # i18n: for the site's operators
    age = max(0, int((now - oldest).total_seconds())) if oldest is not None else None
    result = {
        "status": OK,
        "pending": pending,
        "oldest_pending_seconds": age,
        "failed": failed,
    }
    problems = []
    if age is not None and age > thresholds.mail_warn_seconds:
        problems.append(f"最早的待发邮件已等待 {age // 60} 分钟")  # i18n: for operators
    if failed:
        # i18n: for the site's operators
        problems.append(f"{failed} 封邮件发送失败（disclosure mail-worker --retry-failed）")
    if problems:
        result.update(status=WARN, warning="；".join(problems))  # i18n: for operators
    return result


def check_disk(places: dict[str, Path], thresholds: Thresholds) -> dict:
    """Free bytes where the site writes (the files folder, the SQLite database's folder)."""
    result: dict = {"status": OK}
    for name, path in places.items():
        # a folder not made yet (the files folder before the first upload) is made on the
        # first write, on the disk of its nearest existing parent
        existing = next((p for p in (path, *path.parents) if p.exists()), path)
        try:
            free = shutil.disk_usage(existing).free
        except OSError as exc:
            # i18n: for the site's operators
            result[name] = {"status": FAIL, "error": "目录不可用", "error_type": type(exc).__name__}
            continue
        place = {"status": OK, "free_bytes": free}
        warnings = []
        if existing != path:
            warnings.append("目录尚不存在（首次写入时创建）")  # i18n: for operators
        if free < thresholds.disk_warn_bytes:
            # i18n: for the site's operators
            warnings.append(f"可用空间低于 {thresholds.disk_warn_bytes} 字节")
        if warnings:
            place.update(status=WARN, warning="；".join(warnings))  # i18n: for operators
        result[name] = place
    result["status"] = worst(p["status"] for k, p in result.items() if k != "status")
    return result


def database_folder(engine: Engine) -> Path | None:
    """The folder of a SQLite database file (None for a server database or ``:memory:``)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).resolve().parent
