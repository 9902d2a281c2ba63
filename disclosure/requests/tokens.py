"""Tracking numbers and access codes: random, not guessable, not sequential."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_tracking_number(year: int) -> str:
    """e.g. ``YS2026-7K3M-QW9P-X2``: 60 random bits behind a readable prefix."""
    body = _random(12)
    return f"YS{year}-{body[:4]}-{body[4:8]}-{body[8:12]}"


#: what people type between the groups of a tracking number (or instead of the dashes)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_·.]+")
_COMPACT = re.compile(r"YS(\d{4})([0-9A-Z]{12})")


def normalise_tracking_number(value: str) -> str:
    """The tracking number as stored, however it was typed: any case, full-width characters,
    with or without the dashes (``ys2026 7k3m qw9p x2ab`` → ``YS2026-7K3M-QW9P-X2AB``)."""
    text = unicodedata.normalize("NFKC", value).upper()
    compact = _COMPACT.fullmatch(_SEPARATORS.sub("", text))
    if compact:
        year, body = compact.groups()
        return f"YS{year}-{body[:4]}-{body[4:8]}-{body[8:]}"
    return text.strip().replace(" ", "")


def new_access_code() -> str:
    return _random(8)


def hash_access_code(code: str, tracking_number: str) -> str:
    """Salted by the tracking number; codes are random, so a fast hash is enough here."""
    digest = hashlib.sha256(f"{tracking_number}:{code.strip().upper()}".encode()).hexdigest()
    return digest


def check_access_code(code: str, tracking_number: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_access_code(code, tracking_number), stored_hash)
