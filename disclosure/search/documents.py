"""Catalogue item → search document. Only what the public may see reaches the index."""

from __future__ import annotations

from datetime import date, datetime

from ..models import CatalogueItem
from .analysis import normalise_document_number, normalise_index_number


def stamp(item: CatalogueItem) -> str:
    """Changes whenever the indexed content may have changed (index-check compares it)."""
    attachments = ",".join(f"{a.id}:{a.sha256[:8]}" for a in item.attachments)
    return f"{item.lock_version}|{item.status}|{attachments}"


def to_document(item: CatalogueItem, ancestor_codes: list[str]) -> dict | None:
    """The index document, or None if the item must not be in the public index."""
    if not item.is_public or not item.index_number:
        return None
    published = item.published_on or date(1970, 1, 1)
    if item.disclosure_mode == "on_request":
        # Only the metadata of an on-request item is public: its text must not leak in snippets.
        parts = [item.summary]
    else:
        parts = [item.summary, item.body, *(a.text for a in item.attachments)]
    return {
        "item_id": str(item.id),
        "index_number": normalise_index_number(item.index_number),
        "index_number_display": item.index_number,
        "title": item.title,
        "summary": item.summary or "",
        "content": "\n".join(p for p in parts if p),
        "keywords": ",".join(item.keywords or []),
        "document_number": normalise_document_number(item.document_number)
        if item.document_number
        else "",
        "document_number_display": item.document_number or "",
        "organisation": " ".join([*ancestor_codes, item.organisation.code]),
        "organisation_code": item.organisation.code,
        "organisation_name": item.organisation.name,
        "topic": item.topic or "",
        "genre": item.genre or "",
        "disclosure_mode": item.disclosure_mode,
        "validity": item.validity,
        "year": str(published.year),
        "published_on": datetime(published.year, published.month, published.day),
        "stamp": stamp(item),
    }
