"""The XML of OAI-PMH responses, and of the ``disclosure`` metadata format and its schema.

Builders over plain values and the public view of an item
(:class:`disclosure.catalogue.visibility.PublicView`), no database.

The ``disclosure`` format (namespace :data:`.protocol.DISCLOSURE`) carries everything the public
may see of an item, so that another instance can rebuild it: its ``status`` (published,
revised, repealed), its page (``url``), then every public field of catalog_schemas/fields.yaml
as an element of the same name, in the file's order, left out when empty — choice and category
fields hold the code with the label in a ``label`` attribute, ``organisation`` the name with
the code in ``code``, ``keywords`` one ``keyword`` each, dates ``YYYY-MM-DD`` — then its public
``attachments`` (file name, type, size, SHA-256 and download URL) and, for an item harvested
from elsewhere, its ``provenance``. :func:`disclosure_schema` writes the XML Schema of it for
the configured fields (served at ``/oai/disclosure.xsd``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from ..catalogue.registry import CatalogueSchema
from ..catalogue.visibility import PublicView
from .protocol import (
    DC,
    DISCLOSURE,
    GRANULARITY,
    OAI,
    OAI_DC,
    OAI_DC_SCHEMA,
    OAI_IDENTIFIER,
    OAI_IDENTIFIER_SCHEMA,
    OAI_SCHEMA,
    XSI,
    format_datestamp,
)

XS = "http://www.w3.org/2001/XMLSchema"
#: characters XML 1.0 cannot hold (stored text is checked on the way in; this is the last guard)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
STATUSES = ("published", "revised", "repealed")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _text(value) -> str:
    return _NOT_XML.sub("", str(value))


def element(parent, ns: str, tag: str, text=None, **attrs) -> etree._Element:
    node = etree.SubElement(parent, _q(ns, tag), {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _text(text)
    return node


@dataclass(frozen=True)
class Header:
    identifier: str
    datestamp: datetime
    set_specs: tuple[str, ...]
    deleted: bool = False


def envelope(
    response_date: datetime, base_url: str, verb: str | None, arguments: dict[str, str]
) -> etree._Element:
    """The ``OAI-PMH`` root with responseDate and request; ``verb`` None for badVerb and
    badArgument errors, whose request element carries no attributes."""
    root = etree.Element(_q(OAI, "OAI-PMH"), nsmap={None: OAI, "xsi": XSI})
    root.set(_q(XSI, "schemaLocation"), f"{OAI} {OAI_SCHEMA}")
    element(root, OAI, "responseDate", format_datestamp(response_date))
    attrs = {"verb": verb, **arguments} if verb is not None else {}
    element(root, OAI, "request", base_url, **attrs)
    return root


def error(root: etree._Element, code: str, message: str) -> None:
    element(root, OAI, "error", message, code=code)


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def header(parent: etree._Element, value: Header) -> None:
    node = element(parent, OAI, "header")
    if value.deleted:
        node.set("status", "deleted")
    element(node, OAI, "identifier", value.identifier)
    element(node, OAI, "datestamp", format_datestamp(value.datestamp))
    for spec in value.set_specs:
        element(node, OAI, "setSpec", spec)


def resumption_token(
    parent: etree._Element, token: str | None, complete_list_size: int, cursor: int
) -> None:
    """The token of the next page, or the empty token that ends a list sent in pages."""
    node = element(
        parent,
        OAI,
        "resumptionToken",
        completeListSize=str(complete_list_size),
        cursor=str(cursor),
    )
    if token:
        node.text = token


def identify(
    parent: etree._Element,
    *,
    name: str,
    base_url: str,
    admin_email: str,
    earliest: datetime,
    repository_id: str | None,
    sample: str,
) -> None:
    node = element(parent, OAI, "Identify")
    element(node, OAI, "repositoryName", name)
    element(node, OAI, "baseURL", base_url)
    element(node, OAI, "protocolVersion", "2.0")
    element(node, OAI, "adminEmail", admin_email)
    element(node, OAI, "earliestDatestamp", format_datestamp(earliest))
    element(node, OAI, "deletedRecord", "persistent")
    element(node, OAI, "granularity", GRANULARITY)
    if repository_id:
        description = element(node, OAI, "description")
        ident = etree.SubElement(
            description, _q(OAI_IDENTIFIER, "oai-identifier"), nsmap={None: OAI_IDENTIFIER}
        )
        ident.set(_q(XSI, "schemaLocation"), f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}")
        element(ident, OAI_IDENTIFIER, "scheme", "oai")
        element(ident, OAI_IDENTIFIER, "repositoryIdentifier", repository_id)
        element(ident, OAI_IDENTIFIER, "delimiter", ":")
        element(ident, OAI_IDENTIFIER, "sampleIdentifier", sample)


def metadata_formats(parent: etree._Element, schema_url: str) -> None:
    node = element(parent, OAI, "ListMetadataFormats")
    for prefix, location, namespace in (
        ("oai_dc", OAI_DC_SCHEMA, OAI_DC),
        ("disclosure", schema_url, DISCLOSURE),
    ):
        fmt = element(node, OAI, "metadataFormat")
        element(fmt, OAI, "metadataPrefix", prefix)
        element(fmt, OAI, "schema", location)
        element(fmt, OAI, "metadataNamespace", namespace)


def sets(parent: etree._Element, values: Iterable[tuple[str, str]]) -> None:
    node = element(parent, OAI, "ListSets")
    for spec, name in values:
        one = element(node, OAI, "set")
        element(one, OAI, "setSpec", spec)
        element(one, OAI, "setName", name)


# --- metadata formats --------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemContext:
    """What a metadata builder needs besides the public view."""

    view: PublicView
    schema: CatalogueSchema
    url: str  # the item's public page
    attachment_url: Callable[[int], str]  # an attachment id → its download URL


def _labels(ctx: ItemContext, name: str, code: str) -> str:
    return ctx.schema.label(name, code, ctx.view.item.organisation.category_tree) if code else ""


def oai_dc(parent: etree._Element, ctx: ItemContext) -> None:
    """Simple Dublin Core: enough for a generic harvester to list and link the item."""
    fields = ctx.view.fields
    org = ctx.view.item.organisation
    dc = etree.SubElement(parent, _q(OAI_DC, "dc"), nsmap={"oai_dc": OAI_DC, "dc": DC})
    dc.set(_q(XSI, "schemaLocation"), f"{OAI_DC} {OAI_DC_SCHEMA}")
    element(dc, DC, "title", fields.get("title") or "")
    element(dc, DC, "creator", org.name)
    if fields.get("topic"):
        element(dc, DC, "subject", _labels(ctx, "topic", fields["topic"]))
    for word in fields.get("keywords") or []:
        element(dc, DC, "subject", word)
    if fields.get("summary"):
        element(dc, DC, "description", fields["summary"])
    if ctx.view.item.status == "repealed":
        # i18n: OAI-PMH metadata (data for harvesters), in the catalogue's language
        element(dc, DC, "description", "本文件已废止")
    element(dc, DC, "publisher", org.name)
    if fields.get("published_on"):
        element(dc, DC, "date", fields["published_on"])
    if fields.get("genre"):
        element(dc, DC, "type", _labels(ctx, "genre", fields["genre"]))
    element(dc, DC, "identifier", ctx.url)
    element(dc, DC, "identifier", fields.get("index_number") or "")
    if fields.get("document_number"):
        element(dc, DC, "identifier", fields["document_number"])
    element(dc, DC, "language", "zh")
    for attachment in ctx.view.attachments:
        element(dc, DC, "relation", ctx.attachment_url(attachment.id))


def disclosure(parent: etree._Element, ctx: ItemContext) -> None:
    """Every public field, status, page, attachments and provenance (see the module doc)."""
    view, schema = ctx.view, ctx.schema
    item = view.item
    root = etree.SubElement(parent, _q(DISCLOSURE, "item"), nsmap={None: DISCLOSURE})
    element(root, DISCLOSURE, "status", item.status)
    element(root, DISCLOSURE, "url", ctx.url)
    for spec in schema.fields:
        if spec.name not in view.fields:
            continue
        value = view.fields[spec.name]
        if value in (None, "", []):
            continue
        if spec.name == "organisation":
            element(root, DISCLOSURE, "organisation", item.organisation.name, code=value)
        elif spec.type == "keywords":
            node = element(root, DISCLOSURE, spec.name)
            for word in value:
                element(node, DISCLOSURE, "keyword", word)
        elif spec.type in ("choice", "category"):
            element(root, DISCLOSURE, spec.name, value, label=_labels(ctx, spec.name, value))
        else:
            element(root, DISCLOSURE, spec.name, value)
    if view.attachments:
        node = element(root, DISCLOSURE, "attachments")
        for a in view.attachments:
            element(
                node,
                DISCLOSURE,
                "attachment",
                filename=a.filename,
                media_type=a.media_type,
                size=str(a.size),
                sha256=a.sha256,
                url=ctx.attachment_url(a.id),
            )
    source = item.harvest_source
    if source is not None:
        attrs = {"source": source.base_url, "name": source.repository_name}
        if item.harvested_at is not None:
            attrs["harvested_at"] = format_datestamp(item.harvested_at)
        if item.source_url:
            attrs["url"] = item.source_url
        element(root, DISCLOSURE, "provenance", **attrs)


def disclosure_schema(schema: CatalogueSchema) -> bytes:
    """The XML Schema of the ``disclosure`` format for the configured catalogue fields."""
    xs = etree.Element(
        _q(XS, "schema"),
        nsmap={"xs": XS, None: DISCLOSURE},
        targetNamespace=DISCLOSURE,
        elementFormDefault="qualified",
        attributeFormDefault="unqualified",
    )
    doc = element(element(xs, XS, "annotation"), XS, "documentation")
    doc.text = (
        # i18n: OAI-PMH metadata (data for harvesters), in the catalogue's language
        "政府信息公开目录条目（disclosure 元数据格式）：条目状态、页面地址、"
        "catalog_schemas/fields.yaml 中每个公开字段（同名元素）、附件与来源。"
    )
    item = element(xs, XS, "element", name="item")
    sequence = element(element(item, XS, "complexType"), XS, "sequence")
    status = element(sequence, XS, "element", name="status")
    restriction = element(element(status, XS, "simpleType"), XS, "restriction", base="xs:string")
    for value in STATUSES:
        element(restriction, XS, "enumeration", value=value)
    element(sequence, XS, "element", name="url", type="xs:anyURI")
    for spec in schema.fields:
        if not spec.public:
            continue
        if spec.name == "organisation" or spec.type in ("choice", "category"):
            attribute = "code" if spec.name == "organisation" else "label"
            node = element(sequence, XS, "element", name=spec.name, minOccurs="0")
            content = element(element(node, XS, "complexType"), XS, "simpleContent")
            extension = element(content, XS, "extension", base="xs:string")
            element(extension, XS, "attribute", name=attribute, type="xs:string", use="required")
        elif spec.type == "keywords":
            node = element(sequence, XS, "element", name=spec.name, minOccurs="0")
            inner = element(element(node, XS, "complexType"), XS, "sequence")
            element(inner, XS, "element", name="keyword", type="xs:string", maxOccurs="unbounded")
        else:
            kind = "xs:date" if spec.type == "date" else "xs:string"
            element(sequence, XS, "element", name=spec.name, type=kind, minOccurs="0")
    attachments = element(sequence, XS, "element", name="attachments", minOccurs="0")
    inner = element(element(attachments, XS, "complexType"), XS, "sequence")
    one = element(inner, XS, "element", name="attachment", maxOccurs="unbounded")
    attrs = element(one, XS, "complexType")
    for name, kind in (
        ("filename", "xs:string"),
        ("media_type", "xs:string"),
        ("size", "xs:nonNegativeInteger"),
        ("sha256", "xs:string"),
        ("url", "xs:anyURI"),
    ):
        element(attrs, XS, "attribute", name=name, type=kind, use="required")
    provenance = element(sequence, XS, "element", name="provenance", minOccurs="0")
    attrs = element(provenance, XS, "complexType")
    for name, kind, use in (
        ("source", "xs:anyURI", "required"),
        ("name", "xs:string", "optional"),
        ("harvested_at", "xs:dateTime", "optional"),
        ("url", "xs:anyURI", "optional"),
    ):
        element(attrs, XS, "attribute", name=name, type=kind, use=use)
    return etree.tostring(xs, xml_declaration=True, encoding="UTF-8", pretty_print=True)
