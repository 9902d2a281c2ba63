"""The file store: attachment bytes in a local folder, addressed by content hash.

Crash safety (a process killed at any point of a request that stores a file)
----------------------------------------------------------------------------
Bytes are written *before* the database rows that point at them, and the rows commit with the
rest of the request. So, whenever a process dies:

* before the file is renamed into place: at most a temporary ``.upload-*`` file is left;
* after the file is in place but before the commit: the file is stored under a key that no
  committed row names (an orphan); the database has nothing of the request;
* after the commit: the rows and the file are both there (the file was written first).

A committed row therefore never points at a missing file, and the only debris is unreferenced
files. ``disclosure files-gc CONFIG`` (:mod:`disclosure.files.gc`) deletes them: stored files
that no row references and whose modification time is older than a grace period.

The grace period keeps requests still in flight in other workers safe: ``put`` gives every
file it stores, or finds already stored (the same bytes, the same key), a fresh modification
time, and ``put`` and the sweep's check-and-delete of one file exclude each other through a
lock file (``flock``: shared for ``put``, exclusive for the sweep, released by the kernel if
the process dies). A file the sweep deletes had not been put since ``now - grace``; a request
that put it since then either made it fresh before the sweep looked (kept) or finds it gone
and writes it again. Only a request whose put and commit lie more than the grace period apart
could lose its file, so the grace period (default 24 hours) must be far longer than any request.

Staging files elsewhere and moving them after commit was not chosen: a kill between the commit
and the move would leave a committed row pointing at a missing file, which is worse than an
orphan and needs a recovery step of its own.

Full or read-only store
-----------------------
A write is made to a temporary name in the target's own folder, flushed and fsynced, then
renamed (atomic), and the folder is fsynced. If any step fails the temporary file is removed,
and ENOSPC, EDQUOT, EROFS, EACCES and EPERM become :class:`FileStoreUnavailable`, which the
views show as a clear message (507 or 503), never a 500.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .interfaces import FileStoreUnavailable

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")
SHARD_RE = re.compile(r"^[0-9a-f]{2}$")
NAME_RE = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = ".upload-"
LOCK_NAME = ".lock"


def store_content(storage, data: bytes) -> tuple[str, str]:
    """Put ``data`` in the file store under its content key; return (sha256, key). The same
    bytes always get the same key, so storing them twice keeps one copy."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    storage.put(key, data)
    return digest, key


@contextlib.contextmanager
def _unavailable_as_domain_error() -> Iterator[None]:
    """ENOSPC, EROFS and the like become FileStoreUnavailable; other errors pass unchanged."""
    try:
        yield
    except OSError as exc:
        unavailable = FileStoreUnavailable.from_oserror(exc)
        if unavailable is None:
            raise
        raise unavailable from exc


class LocalFileStorage:
    """Files in a local folder, addressed by content hash (``ab/abcdef…``). Writes are atomic;
    see the module docstring for crash safety and the sweep."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def from_settings(cls, settings) -> LocalFileStorage:
        from .. import settings as s

        return cls(s.get(settings, "files_dir"))

    def _path(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise ValueError(f"invalid storage key: {key!r}")
        return self.root / key

    @contextlib.contextmanager
    def _locked(self, kind: int) -> Iterator[None]:
        """The store's lock: ``LOCK_SH`` for writers, ``LOCK_EX`` for the sweep."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self.root / LOCK_NAME
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            try:
                fd = os.open(lock, os.O_RDONLY)  # a read-only store may still have its lock
            except OSError:
                raise exc from None
        try:
            fcntl.flock(fd, kind)
            yield
        finally:
            os.close(fd)  # releases the lock

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        with _unavailable_as_domain_error(), self._locked(fcntl.LOCK_SH):
            try:
                os.utime(path)  # already stored: mark it as just used (see the sweep)
                return
            except OSError:
                pass  # not there (or cannot be touched): write it
            self._write(path, data)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        path = self._path(key)
        with _unavailable_as_domain_error():
            path.unlink(missing_ok=True)

    # --- the sweep (disclosure.files.gc) ----------------------------------------------------

    def stored(self) -> Iterator[tuple[str, float]]:
        """Every stored key and temporary file with its modification time (seconds since the
        epoch). Temporary files are named ``ab/.upload-…``; anything else is not listed."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if not SHARD_RE.match(shard.name) or not shard.is_dir():
                continue
            for entry in sorted(shard.iterdir()):
                if NAME_RE.match(entry.name) or entry.name.startswith(TEMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        yield f"{shard.name}/{entry.name}", entry.stat().st_mtime

    def remove_if_older(self, name: str, cutoff: float) -> bool:
        """Delete ``name`` (as :meth:`stored` lists it) if it was last written or put before
        ``cutoff``; checked and deleted under the exclusive lock, so no ``put`` is half way."""
        shard, _, base = name.partition("/")
        if not SHARD_RE.match(shard) or not (NAME_RE.match(base) or base.startswith(TEMP_PREFIX)):
            raise ValueError(f"not a stored file: {name!r}")
        path = self.root / shard / base
        with self._locked(fcntl.LOCK_EX):
            try:
                if path.stat().st_mtime >= cutoff:
                    return False
                path.unlink()
            except FileNotFoundError:
                return False
        return True


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory file descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)
