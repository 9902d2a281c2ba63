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
    if item.disclosure_mode == "on_request":
        # Only the metadata of an on-request item is public: its text must not leak in snippets.
        parts = [item.summary]
    else:
        parts = [item.summary, item.body, *(a.text for a in item.attachments)]
    return build_document(
        item_id=str(item.id),
        index_number=item.index_number,
        title=item.title,
        summary=item.summary or "",
        content="\n".join(p for p in parts if p),
        keywords=item.keywords or [],
        document_number=item.document_number or "",
        organisation_path=[*ancestor_codes, item.organisation.code],
        organisation_name=item.organisation.name,
        topic=item.topic or "",
        genre=item.genre or "",
        disclosure_mode=item.disclosure_mode,
        validity=item.validity,
        published_on=item.published_on,
        stamp=stamp(item),
    )


def build_document(
    *,
    item_id: str,
    index_number: str,
    title: str,
    summary: str,
    content: str,
    keywords: list[str],
    document_number: str,
    organisation_path: list[str],
    organisation_name: str,
    topic: str,
    genre: str,
    disclosure_mode: str,
    validity: str,
    published_on: date | None,
    stamp: str = "",
) -> dict:
    """The stored and indexed fields of one public item (organisation_path ends with its own)."""
    published = published_on or date(1970, 1, 1)
    return {
        "item_id": item_id,
        "index_number": normalise_index_number(index_number),
        "index_number_display": index_number,
        "title": title,
        "summary": summary,
        "content": content,
        "keywords": ",".join(keywords),
        "document_number": normalise_document_number(document_number) if document_number else "",
        "document_number_display": document_number,
        "organisation": " ".join(organisation_path),
        "organisation_code": organisation_path[-1],
        "organisation_name": organisation_name,
        "topic": topic,
        "genre": genre,
        "disclosure_mode": disclosure_mode,
        "validity": validity,
        "year": str(published.year),
        "published_on": datetime(published.year, published.month, published.day),
        "stamp": stamp,
    }
