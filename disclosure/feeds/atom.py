"""Atom 1.0 (RFC 4287) documents with paging links (RFC 5005), and sitemaps
(sitemaps.org 0.9): pure builders over plain values, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from xml.etree import ElementTree as ET

from ..clock import BUSINESS_TZ

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_LIMIT = 50_000  # URLs in one sitemap file (sitemaps.org)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    author: str
    summary: str = ""
    categories: tuple[tuple[str, str], ...] = ()  # (term, label)


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_url: str
    alternate_url: str
    updated: datetime
    entries: list[Entry]
    links: dict[str, str] = field(default_factory=dict)  # first, previous, next, last
    # the language of the feed's own texts (its title); the entries are the items' (Chinese)
    lang: str = "zh-CN"


ENTRY_LANG = "zh-CN"


def rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored instants are naive UTC
    return value.isoformat(timespec="seconds")


def day_start(value: date) -> datetime:
    """A publication date as an instant: midnight in Beijing."""
    return datetime(value.year, value.month, value.day, tzinfo=BUSINESS_TZ)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    node.text = text
    return node


def atom_document(feed: Feed) -> bytes:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": feed.lang})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", rfc3339(feed.updated))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=feed.self_url)
    ET.SubElement(
        root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=feed.alternate_url
    )
    for rel, href in feed.links.items():
        ET.SubElement(root, f"{{{ATOM}}}link", rel=rel, href=href)
    _text(root, "generator", "disclosure 政府信息公开平台")  # i18n: the software's name
    for entry in feed.entries:
        entry_attrs = {"xml:lang": ENTRY_LANG} if feed.lang != ENTRY_LANG else {}
        node = ET.SubElement(root, f"{{{ATOM}}}entry", entry_attrs)
        _text(node, "id", entry.id)
        _text(node, "title", entry.title)
        ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=entry.url)
        _text(node, "published", rfc3339(entry.published))
        _text(node, "updated", rfc3339(entry.updated))
        author = ET.SubElement(node, f"{{{ATOM}}}author")
        _text(author, "name", entry.author)
        for term, label in entry.categories:
            ET.SubElement(node, f"{{{ATOM}}}category", term=term, label=label)
        if entry.summary:
            _text(node, "summary", entry.summary)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def urlset(urls: Iterable[tuple[str, date | None]]) -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for loc, lastmod in urls:
        node = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(node, f"{{{SITEMAP}}}loc").text = loc
        if lastmod is not None:
            ET.SubElement(node, f"{{{SITEMAP}}}lastmod").text = lastmod.isoformat()
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def sitemap_index(parts: Iterable[str]) -> bytes:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}sitemapindex")
    for loc in parts:
        node = ET.SubElement(root, f"{{{SITEMAP}}}sitemap")
        ET.SubElement(node, f"{{{SITEMAP}}}loc").text = loc
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
