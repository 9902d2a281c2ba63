from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")


def store_content(storage, data: bytes) -> tuple[str, str]:
    """Put ``data`` in the file store under its content key; return (sha256, key). The same
    bytes always get the same key, so storing them twice keeps one copy."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    storage.put(key, data)
    return digest, key


class LocalFileStorage:
    """Files in a local folder, addressed by content hash (``ab/abcdef…``). Writes are atomic."""

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

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
