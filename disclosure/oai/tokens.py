"""Stateless resumption tokens: the list request and where the last page ended, signed.

A token is ``base64url(JSON).signature``: the verb, metadataPrefix, set, from and until of the
list, the datestamp and 索引号 of the last record sent (the list is ordered by both, so the next
page is "everything after it", whatever changed meanwhile) and how many records were sent
before. The signature is an HMAC (SHA-256) under a key derived from the session secret, so a
token cannot be forged or edited; the server keeps nothing and a token never expires. A token
that does not decode, or does not verify, is a ``badResumptionToken``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .protocol import OAIError

_LABEL = b"disclosure oai-pmh resumption token v1"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(secret: str, state: dict[str, Any]) -> str:
    payload = _b64(json.dumps(state, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signature = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()[:16]
    return f"{payload}.{_b64(signature)}"


def decode(secret: str, token: str) -> dict[str, Any]:
    # i18n: OAI-PMH, for harvesters: protocol text (bilingual), not the interface
    bad = OAIError("badResumptionToken", "resumptionToken 无效 / invalid resumptionToken")
    if len(token) > 2000 or token.count(".") != 1:
        raise bad
    payload, signature = token.split(".")
    try:
        given = _unb64(signature)
        expected = hmac.new(_key(secret), payload.encode("ascii"), hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(given, expected):
            raise bad
        state = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        raise bad from None
    if not isinstance(state, dict):
        raise bad
    return state
