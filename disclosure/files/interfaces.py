from __future__ import annotations

import errno
from typing import Protocol

# The errors that mean "the store cannot take bytes now" (full, over quota, read-only, not ours
# to write), as opposed to a bug: they become FileStoreUnavailable, shown to the user.
UNAVAILABLE_ERRNOS = {
    errno.ENOSPC: 507,  # no space left
    errno.EDQUOT: 507,  # over quota
    errno.EROFS: 503,  # read-only file system
    errno.EACCES: 503,  # permission denied
    errno.EPERM: 503,
}


class FileStoreUnavailable(Exception):
    """The file store refused a write (full, over quota, read-only). Nothing was stored: a
    partly written file has been removed. ``status`` is the HTTP status to answer with (507
    when full, 503 otherwise); ``errno`` the operating system's error number."""

    def __init__(self, errno_: int | None, status: int = 503) -> None:
        super().__init__(f"file store unavailable (errno {errno_})")
        self.errno = errno_
        self.status = status

    @classmethod
    def from_oserror(cls, exc: OSError) -> FileStoreUnavailable | None:
        """The domain error for ``exc``, or None when ``exc`` is not a store-unavailable error."""
        status = UNAVAILABLE_ERRNOS.get(exc.errno) if exc.errno is not None else None
        return None if status is None else cls(exc.errno, status)


class IFileStorage(Protocol):
    """Where attachment bytes live. Chosen by the ``disclosure.files.backend`` setting.

    ``put`` raises :class:`FileStoreUnavailable` when the store cannot take the bytes; it never
    leaves a partial file under ``key``."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...
