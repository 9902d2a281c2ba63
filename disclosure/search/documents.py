"""Catalogue item → search document, built from the item's public view only
(:mod:`disclosure.catalogue.visibility`): what the public may not see never reaches the index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from ..catalogue.registry import CatalogueSchema
from ..catalogue.visibility import configured_schema, public_view
from ..models import CatalogueItem
from .analysis import normalise_document_number, normalise_index_number


def stamp(item: CatalogueItem) -> str:
    """Changes whenever the indexed content may have changed (index-check compares it)."""
    attachments = ",".join(f"{a.id}:{a.sha256[:8]}" for a in item.attachments)
    return f"{item.lock_version}|{item.status}|{attachments}"


def to_document(
    item: CatalogueItem, ancestor_codes: list[str], schema: CatalogueSchema | None = None
) -> dict | None:
    """The index document, or None if the item must not be in the public index.

    Content and fields come from the public view: title, summary, the public body, the text of
    the public attachments, and the public fields (a field marked ``public: false`` is empty).
    ``schema`` defaults to :func:`~disclosure.catalogue.visibility.configured_schema`.
    """
    view = public_view(item, schema or configured_schema())
    if view is None:
        return None
    fields = view.fields
    published_on = fields.get("published_on")
    return build_document(
        item_id=str(item.id),
        index_number=item.index_number,
        title=fields.get("title") or "",
        summary=fields.get("summary") or "",
        content=searched_text(fields.get("summary"), view.body, [a.text for a in view.attachments]),
        keywords=list(fields.get("keywords") or []),
        document_number=fields.get("document_number") or "",
        organisation_path=[*ancestor_codes, item.organisation.code],
        organisation_name=item.organisation.name,
        topic=fields.get("topic") or "",
        genre=fields.get("genre") or "",
        disclosure_mode=fields.get("disclosure_mode") or "",
        validity=fields.get("validity") or "",
        published_on=date.fromisoformat(published_on) if published_on else None,
        stamp=stamp(item),
    )


def searched_text(summary: str | None, body: str | None, attachments: Sequence[str] = ()) -> str:
    """The text searched in an item: its summary, body and public attachments' text."""
    return "\n".join(p for p in (summary, body, *attachments) if p)


def expected_analysed(fields: dict) -> dict:
    """The analysed fields (title, content, keywords) of the document an item with these
    validated fields and no attachment will get, as ``build_document`` writes them: what a
    bulk import can start analysing before the item exists (:func:`.parallel.prefetch`). An
    item whose document turns out different (a field the public may not see) is analysed
    when it is written, as every document is without this."""
    return {
        "title": fields.get("title") or "",
        "content": searched_text(fields.get("summary"), fields.get("body")),
        "keywords": ",".join(fields.get("keywords") or []),
    }


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
