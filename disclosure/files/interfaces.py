from __future__ import annotations

from typing import Protocol


class IFileStorage(Protocol):
    """Where attachment bytes live. Chosen by the ``disclosure.files.backend`` setting."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...
