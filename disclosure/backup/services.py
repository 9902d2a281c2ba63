"""Backup and restore: the database snapshot first, then the file store, then the manifest
(see the package docstring for why this order is consistent)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..files.services import KEY_RE, LOCK_NAME
from ..models.search import utcnow
from . import database
from .database import BackupError

FORMAT = "disclosure-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMPS = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
TEMPORARY_PREFIX = ".backup-"  # our own writes in progress

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _store_files(root: Path) -> list[Path]:
    """Every stored file under ``root`` (``ab/<sha256>``, relative, sorted): not the store's
    lock file nor writes in progress (``ab/.upload-…``)."""
    if not root.is_dir():
        return []
    return sorted(
        path.relative_to(root)
        for path in root.glob("*/*")
        if KEY_RE.match(path.relative_to(root).as_posix()) and path.is_file()
    )


@contextlib.contextmanager
def _store_shared_lock(root: Path) -> Iterator[None]:
    """The file store's lock, shared (as ``put`` takes it): the sweep (``files-gc``), which
    deletes under the exclusive lock, waits until the copy is done. Writers go on."""
    try:
        fd = os.open(root / LOCK_NAME, os.O_RDONLY)
    except OSError:  # no store yet, or no lock file: nothing sweeps it
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class BackupReport:
    directory: Path
    database: str
    revision: str | None
    files: int
    bytes: int
    missing: list[str] = field(default_factory=list)  # referenced keys not in the file store


def backup(url: str, files_dir: str | Path, directory: str | Path, say: Say = _quiet):
    directory, files_dir = Path(directory), Path(files_dir)
    kind = database.kind_of(url)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 已存在且不为空，请指定新的目录")
    directory.mkdir(parents=True, exist_ok=True)
    dump = directory / DUMPS[kind]

    say(f"正在备份数据库（{kind}）……")
    if kind == "sqlite":
        snapshot = database.sqlite_snapshot(url, dump)
    else:
        snapshot = database.pg_snapshot(url, dump)
    say(f"数据库快照完成：{dump.name}，{dump.stat().st_size} 字节，迁移版本 {snapshot.revision}")

    # After the snapshot: every file it refers to was stored before it was taken.
    files = _store_files(files_dir)
    say(f"正在复制文件存储：{len(files)} 个文件……")
    entries = []
    total = 0
    with _store_shared_lock(files_dir):
        for n, relative in enumerate(files, 1):
            source = files_dir / relative
            target = directory / FILES / relative
            try:
                _copy_atomic(source, target)
            except FileNotFoundError:  # deleted since it was listed
                continue
            size = target.stat().st_size
            total += size
            entries.append({"path": relative.as_posix(), "size": size, "sha256": sha256_of(target)})
            if n % 1000 == 0:
                say(f"  已复制 {n}/{len(files)}")
    copied = {e["path"] for e in entries}
    missing = sorted(snapshot.referenced - copied)

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": utcnow().isoformat(timespec="seconds") + "Z",
        "database": kind,
        "alembic_revision": snapshot.revision,
        "dump": {"path": dump.name, "size": dump.stat().st_size, "sha256": sha256_of(dump)},
        "file_count": len(entries),
        "file_bytes": total,
        "files": entries,
        "missing_files": missing,
    }
    if kind == "postgresql":
        manifest["extensions"] = database.pg_extensions(url)
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    (directory / MANIFEST).write_text(text + "\n", encoding="utf-8")
    say(f"备份完成：{directory}（文件 {len(entries)} 个，共 {total} 字节）")
    if missing:
        say(
            f"警告：数据库引用的 {len(missing)} 个文件不在文件存储中（备份期间被删除，或早已缺失），"
            "已记入 manifest.json 的 missing_files："
        )
        for key in missing[:20]:
            say(f"  {key}")
    return BackupReport(directory, kind, snapshot.revision, len(entries), total, missing)


def read_manifest(directory: str | Path) -> dict:
    directory = Path(directory)
    path = directory / MANIFEST
    if not directory.is_dir() or not path.is_file():
        raise BackupError(f"{directory} 不是备份目录（没有 {MANIFEST}）")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} 无法读取：{exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{directory} 不是本平台的备份目录（{MANIFEST} 格式不符）")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式版本：{manifest.get('format_version')}")
    return manifest


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BackupError(f"备份清单中的路径不合法：{relative!r}")
    return path


def check(directory: str | Path, say: Say = _quiet) -> dict:
    """The manifest, once the dump and every file match their recorded size and SHA-256."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    try:
        dump = manifest["dump"]
        files = manifest["files"]
        dump_path = _inside(directory, dump["path"])
    except (KeyError, TypeError):
        raise BackupError(f"{directory / MANIFEST} 内容不完整") from None
    say(f"正在校验备份：数据库文件和 {len(files)} 个文件……")
    if not dump_path.is_file():
        raise BackupError(f"备份不完整：缺少数据库文件 {dump['path']}")
    if sha256_of(dump_path) != dump["sha256"]:
        raise BackupError(f"校验失败：数据库文件 {dump['path']} 与清单记录的 SHA-256 不符")
    for entry in files:
        path = _inside(directory / FILES, entry["path"])
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少文件 {entry['path']}")
        if sha256_of(path) != entry["sha256"]:
            raise BackupError(f"校验失败：文件 {entry['path']} 与清单记录的 SHA-256 不符")
    say("校验通过")
    return manifest


@dataclass
class RestoreReport:
    database: str
    revision: str | None
    files: int
    copied: int
    removed: int


def restore(url: str, files_dir: str | Path, directory: str | Path, say: Say = _quiet):
    directory, files_dir = Path(directory), Path(files_dir)
    kind = database.kind_of(url)
    manifest = check(directory, say)
    if manifest.get("database") != kind:
        raise BackupError(
            f"数据库类型不符：备份来自 {manifest.get('database')}，当前配置的是 {kind}，不能恢复"
        )
    dump = directory / manifest["dump"]["path"]
    say(f"正在恢复数据库（{kind}，迁移版本 {manifest.get('alembic_revision')}）……")
    if kind == "sqlite":
        database.sqlite_restore(dump, url)
    else:
        database.pg_restore(dump, url, manifest.get("extensions") or [])
    say("数据库已恢复")

    say(f"正在恢复文件存储：{files_dir}……")
    wanted = {entry["path"]: entry for entry in manifest["files"]}
    copied = 0
    for relative, entry in wanted.items():
        target = files_dir / relative
        if target.is_file() and sha256_of(target) == entry["sha256"]:
            continue
        _copy_atomic(directory / FILES / relative, target)
        copied += 1
    removed = 0
    for relative in _store_files(files_dir):
        if relative.as_posix() not in wanted:
            (files_dir / relative).unlink()
            removed += 1
    for folder in sorted((p for p in files_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    say(f"文件存储已恢复：共 {len(wanted)} 个文件，复制 {copied} 个，删除多余 {removed} 个")
    return RestoreReport(kind, manifest.get("alembic_revision"), len(wanted), copied, removed)
