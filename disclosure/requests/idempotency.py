"""One application per submission: the application form's one-time token and the API's
``Idempotency-Key`` header.

The key is claimed in the transaction that files the application (a row in
``idempotency_keys``, primary key = a hash of scope and key). A second submission with the same
key finds that row, or, when both run at once, waits on it and then finds it, and gets the
first submission back instead of filing another. The same key with different content is
refused. Keys last 24 hours.

The access code is stored only as a hash on the application; here it is sealed with the key
(an HMAC of the key as one-time pad), so only a client presenting the same key can have it
again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import DisclosureRequest, IdempotencyKey
from .intake import Submission

TTL = timedelta(hours=24)
FORM, API = "form", "api"
# An API client's key: long enough to be its own (a UUID is 36 characters).
API_KEY = re.compile(r"[A-Za-z0-9._:-]{16,128}\Z")


class KeyReused(Exception):
    """The key was already used for a submission with different content."""


@dataclass
class Replay:
    request: DisclosureRequest
    access_code: str
    response: dict


def key_hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()


def fingerprint(content: Mapping) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _pad(scope: str, key: str) -> bytes:
    return hmac.new(key.encode(), f"disclosure/access-code/{scope}".encode(), "sha256").digest()


def seal(scope: str, key: str, code: str) -> str:
    data = code.encode()
    return bytes(a ^ b for a, b in zip(data, _pad(scope, key)[: len(data)], strict=True)).hex()


def unseal(scope: str, key: str, sealed: str) -> str:
    data = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(data, _pad(scope, key)[: len(data)], strict=True)).decode()


# --- the form's token: random, signed with the session secret --------------------------------


def new_form_token(secret: str) -> str:
    token = secrets.token_urlsafe(16)
    return f"{token}.{_sign(secret, token)}"


def valid_form_token(secret: str, value: str) -> bool:
    token, _, signature = value.partition(".")
    return (
        bool(token) and len(value) <= 100 and hmac.compare_digest(signature, _sign(secret, token))
    )


def _sign(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), f"apply-form:{token}".encode(), "sha256").hexdigest()[:22]


# --- claiming and recording --------------------------------------------------------------------


def _existing(db: Session, scope: str, key: str, content_hash: str, now: datetime) -> Replay | None:
    row = db.get(IdempotencyKey, key_hash(scope, key))
    if row is None or row.created_at < now - TTL or row.request_id is None:
        return None
    if not hmac.compare_digest(row.fingerprint, content_hash):
        raise KeyReused(scope)
    req = db.get(DisclosureRequest, row.request_id)
    return Replay(req, unseal(scope, key, row.sealed_code), dict(row.response))


def claim(db: Session, scope: str, key: str, content_hash: str, now: datetime) -> Replay | None:
    """Claim ``key`` in this transaction: None if it is new (file the application, then
    ``record``), or the earlier submission made with it. Raises KeyReused for other content."""
    found = _existing(db, scope, key, content_hash, now)
    if found is not None:
        return found
    hashed = key_hash(scope, key)
    try:
        with db.begin_nested():
            # expired keys go (their sealed codes with them), and so does a claim of this key
            # that committed without an application
            db.execute(
                delete(IdempotencyKey)
                .where(
                    or_(
                        IdempotencyKey.created_at < now - TTL,
                        and_(
                            IdempotencyKey.key_hash == hashed, IdempotencyKey.request_id.is_(None)
                        ),
                    )
                )
                .execution_options(synchronize_session=False)
            )
            db.add(
                IdempotencyKey(
                    key_hash=hashed,
                    scope=scope,
                    fingerprint=content_hash,
                    sealed_code="",
                    response={},
                    created_at=now,
                )
            )
            db.flush()
    except IntegrityError:
        # The same key, submitted at the same time, committed first (PostgreSQL waits for it).
        found = _existing(db, scope, key, content_hash, now)
        if found is None:
            raise
        return found
    return None


def record(
    db: Session, scope: str, key: str, submission: Submission, response: dict | None = None
) -> None:
    row = db.get(IdempotencyKey, key_hash(scope, key))
    row.request_id = submission.request.id
    row.sealed_code = seal(scope, key, submission.access_code)
    row.response = response or {}
