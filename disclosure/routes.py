"""Every route of the application, grouped by feature, with the factories that guard them."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import select

from .i18n import _
from .models import Attachment, CatalogueItem, DisclosureRequest, Organisation, RequestFile
from .security import OfficerRoot, PublicRoot, organisation_acl, request_acl

INDEX_NUMBER = r"{index_number:[0-9A-Za-z]{9,18}/\d{4}-\d{5}}"


class ItemContext:
    """An officer's view of one catalogue item: its organisation, its overseers, the city."""

    def __init__(self, item: CatalogueItem, ancestors) -> None:
        self.item = item
        self.__acl__ = organisation_acl(item.organisation, ancestors)


class OrganisationContext:
    """An organisation's public pages, and what its officers may do in its name."""

    def __init__(self, organisation: Organisation, ancestors) -> None:
        self.organisation = organisation
        self.__acl__ = [*PublicRoot.__acl__, *organisation_acl(organisation, ancestors)]


def organisation_context(request, organisation: Organisation) -> OrganisationContext:
    return OrganisationContext(organisation, request.organisations.ancestors(organisation))


class PublicItemContext(PublicRoot):
    def __init__(self, item: CatalogueItem) -> None:
        self.item = item


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HTTPNotFound() from None


def officer_item_factory(request) -> ItemContext:
    item = request.dbsession.get(CatalogueItem, _int(request.matchdict["item_id"]))
    if item is None:
        raise HTTPNotFound()
    return ItemContext(item, request.organisations.ancestors(item.organisation))


class RequestContext:
    """One disclosure request: its organisation's officers, its overseers, its applicant."""

    def __init__(self, disclosure_request: DisclosureRequest, ancestors) -> None:
        self.request = disclosure_request
        self.ancestors = ancestors
        self.__acl__ = request_acl(disclosure_request, ancestors)


def request_context(request, disclosure_request: DisclosureRequest) -> RequestContext:
    return RequestContext(
        disclosure_request, request.organisations.ancestors(disclosure_request.organisation)
    )


def officer_request_factory(request) -> RequestContext:
    found = request.dbsession.get(DisclosureRequest, _int(request.matchdict["request_id"]))
    if found is None:
        raise HTTPNotFound()
    return request_context(request, found)


def request_file_factory(request) -> RequestContext:
    context = officer_request_factory(request)
    found = request.dbsession.get(RequestFile, _int(request.matchdict["file_id"]))
    if found is None or found.request_id != context.request.id:
        raise HTTPNotFound()
    context.file = found
    return context


def public_item_factory(request) -> PublicItemContext:
    from .catalogue.visibility import find_visible

    item = find_visible(request.dbsession, request.matchdict["index_number"].upper())
    if item is None:
        raise HTTPNotFound(_("没有找到该信息"))
    return PublicItemContext(item)


def public_attachment_factory(request) -> PublicItemContext:
    """Only an attachment in the item's public view (none of an on-request item) is served."""
    from .catalogue.visibility import public_attachments

    context = public_item_factory(request)
    wanted = _int(request.matchdict["attachment_id"])
    attachment: Attachment | None = next(
        (a for a in public_attachments(context.item) if a.id == wanted), None
    )
    if attachment is None:
        raise HTTPNotFound()
    context.attachment = attachment
    return context


def organisation_factory(request) -> OrganisationContext:
    org = request.dbsession.scalars(
        select(Organisation).where(Organisation.code == request.matchdict["code"])
    ).first()
    if org is None:
        raise HTTPNotFound(_("没有找到该机构"))
    return organisation_context(request, org)


REPORT_YEARS = range(1990, 2101)


def report_year_factory(request) -> OrganisationContext:
    """An organisation's report for one year (1990–2100); 404 for an unknown code or year."""
    context = organisation_factory(request)
    year = _int(request.matchdict["year"])
    if year not in REPORT_YEARS:
        raise HTTPNotFound()
    context.year = year
    return context


def includeme(config):
    # public pages
    config.add_route("home", "/")
    config.add_route("language", "/language")  # the language switch (disclosure.i18n)
    config.add_route("catalogue", "/catalogue")
    config.add_route("item", "/catalogue/" + INDEX_NUMBER, factory=public_item_factory)
    config.add_route(
        "attachment",
        "/catalogue/" + INDEX_NUMBER + r"/files/{attachment_id:\d+}",
        factory=public_attachment_factory,
    )
    config.add_route("organisations", "/organisations")
    config.add_route("organisation", "/organisations/{code}", factory=organisation_factory)
    config.add_route("guide", "/organisations/{code}/guide", factory=organisation_factory)
    # the 政府信息公开 column (disclosure/portal): the portal's, and each organisation's with its
    # descendants; sections and the kinds of 法定主动公开内容 are data (catalog_schemas)
    config.add_route("sections", "/sections")
    config.add_route("proactive_kind", "/sections/proactive/{kind}")
    config.add_route("section", "/sections/{section}")
    config.add_route(
        "organisation_sections", "/organisations/{code}/sections", factory=organisation_factory
    )
    config.add_route(
        "organisation_proactive_kind",
        "/organisations/{code}/sections/proactive/{kind}",
        factory=organisation_factory,
    )
    config.add_route(
        "organisation_section",
        "/organisations/{code}/sections/{section}",
        factory=organisation_factory,
    )
    # the annual report (issue 11): the files before the page, whose {year} would take them
    config.add_route(
        "annual_report_pdf",
        r"/organisations/{code}/annual-reports/{year:\d+}.pdf",
        factory=report_year_factory,
    )
    config.add_route(
        "annual_report_csv",
        r"/organisations/{code}/annual-reports/{year:\d+}/{table:table[234]}.csv",
        factory=report_year_factory,
    )
    config.add_route(
        "annual_report_summary",
        "/organisations/{code}/annual-reports/{year}/summary",
        factory=report_year_factory,
    )
    config.add_route(
        "annual_report", "/organisations/{code}/annual-reports/{year}", factory=report_year_factory
    )
    # feeds (Atom, paged with ?page=N) and the sitemap
    config.add_route("feed_portal", "/feeds/catalogue.atom")
    config.add_route("feed_topic", "/feeds/topics/{topic}.atom")
    config.add_route("feed_organisation", "/organisations/{code}/feed.atom")
    config.add_route("sitemap", "/sitemap.xml")
    # the whole public catalogue, streamed; the columns of fields.yaml (import-catalogue reads it)
    config.add_route("export_csv", "/catalogue.csv")
    config.add_route("export_jsonl", "/catalogue.jsonl")
    config.add_route("sitemap_part", r"/sitemap-{n:\d+}.xml")
    # OAI-PMH 2.0 for harvesters (disclosure/oai): the public catalogue, a set per organisation
    config.add_route("oai", "/oai")
    config.add_route("oai_schema", "/oai/disclosure.xsd")
    config.add_route("apply", "/apply")
    # the application form to print and fill in by hand (requests/printable.py)
    config.add_route("apply_form_pdf", "/apply/form.pdf")
    config.add_route("search", "/search")
    # for operators: database, search, mail outbox and disk, as JSON (disclosure/health)
    config.add_route("healthz", "/healthz")
    config.add_route("request_new", "/requests/new")
    config.add_route("request_receipt", "/requests/receipt")
    config.add_route("request_status", "/requests/status")
    config.add_route("request_letter", "/requests/status/letter")
    config.add_route("request_document", "/requests/status/document")
    # statistics with pictures (disclosure/statistics): ?year=&org=&scope=own|tree
    config.add_route("statistics", "/statistics")
    # information released on request and published proactively (requests/publication_views)
    config.add_route("released", "/released")
    config.add_route("statistics_csv", "/statistics.csv")

    # officer accounts
    config.add_route("login", "/login")
    config.add_route("logout", "/logout")

    # officer area
    config.add_route("officer", "/officer", factory=OfficerRoot)
    # where an officer lands after logging in: what is waiting (disclosure/overview)
    config.add_route("officer_overview", "/officer/overview", factory=OfficerRoot)
    config.add_route("officer_item_new", "/officer/items/new", factory=OfficerRoot)
    config.add_route("officer_item", r"/officer/items/{item_id}", factory=officer_item_factory)
    config.add_route(
        "officer_item_edit", r"/officer/items/{item_id}/edit", factory=officer_item_factory
    )
    config.add_route(
        "officer_item_publish", r"/officer/items/{item_id}/publish", factory=officer_item_factory
    )
    config.add_route(
        "officer_item_repeal", r"/officer/items/{item_id}/repeal", factory=officer_item_factory
    )
    config.add_route(
        "officer_item_upload", r"/officer/items/{item_id}/attachments", factory=officer_item_factory
    )
    config.add_route(
        "officer_item_attachment",
        r"/officer/items/{item_id}/attachments/{attachment_id}",
        factory=officer_item_factory,
    )
    config.add_route("officer_users", "/officer/users", factory=OfficerRoot)
    config.add_route("officer_requests", "/officer/requests", factory=OfficerRoot)
    config.add_route("officer_request_new", "/officer/requests/new", factory=OfficerRoot)
    config.add_route(
        "officer_request", "/officer/requests/{request_id}", factory=officer_request_factory
    )
    config.add_route(
        "officer_letter_preview",
        "/officer/requests/{request_id}/letters/preview",
        factory=officer_request_factory,
    )
    config.add_route(
        "officer_letter_issue",
        "/officer/requests/{request_id}/letters",
        factory=officer_request_factory,
    )
    config.add_route(
        "officer_letter",
        "/officer/requests/{request_id}/letters/{letter_id}",
        factory=officer_request_factory,
    )
    config.add_route(
        "officer_request_file",
        r"/officer/requests/{request_id}/files/{file_id}",
        factory=request_file_factory,
    )
    # released documents (Art. 36(2), Art. 40): before the action route, which would take
    # ".../documents" for an action
    config.add_route(
        "officer_request_documents",
        "/officer/requests/{request_id}/documents",
        factory=officer_request_factory,
    )
    config.add_route(
        "officer_request_document",
        r"/officer/requests/{request_id}/documents/{document_id}",
        factory=officer_request_factory,
    )
    # reconsideration and lawsuits (table 四): before the action route too
    config.add_route(
        "officer_request_appeals",
        "/officer/requests/{request_id}/appeals",
        factory=officer_request_factory,
    )
    # publishing the released information proactively (Art. 44): before the action route too
    config.add_route(
        "officer_request_publication",
        "/officer/requests/{request_id}/publication",
        factory=officer_request_factory,
    )
    config.add_route(
        "officer_request_action",
        "/officer/requests/{request_id}/{action}",
        factory=officer_request_factory,
    )
    config.add_route("officer_calendar", "/officer/calendar", factory=OfficerRoot)
    config.add_route("officer_statistics", "/officer/statistics", factory=OfficerRoot)
    config.add_route("officer_statistics_csv", "/officer/statistics.csv", factory=OfficerRoot)
    config.add_route("officer_reports", "/officer/reports", factory=OfficerRoot)
    config.add_route(
        "officer_report_publish",
        r"/officer/reports/{code}/{year:\d+}/publish",
        factory=report_year_factory,
    )
    config.add_route(
        "officer_report_correct",
        r"/officer/reports/{code}/{year:\d+}/correct",
        factory=report_year_factory,
    )
    config.add_route(
        "officer_report_inputs",
        r"/officer/reports/{code}/{year:\d+}/inputs",
        factory=report_year_factory,
    )
    # the yearly evaluation (评比): the year is checked in the views (1990–2100)
    config.add_route("officer_scorecard", "/officer/scorecard", factory=OfficerRoot)
    config.add_route(
        "officer_scorecard_csv", r"/officer/scorecard/{year:\d+}.csv", factory=OfficerRoot
    )
    config.add_route(
        "officer_scorecard_publish", r"/officer/scorecard/{year:\d+}/publish", factory=OfficerRoot
    )
    config.add_route(
        "officer_scorecard_body",
        r"/officer/scorecard/{year:\d+}/{code}",
        factory=report_year_factory,
    )

    # JSON API
    config.add_route("api_organisations", "/api/v1/organisations")
    config.add_route("api_catalogue", "/api/v1/catalogue")
    config.add_route("api_catalogue_item", "/api/v1/catalogue/{index_number:.+}")
    config.add_route("api_search", "/api/v1/search")
    config.add_route("api_requests", "/api/v1/requests")
    config.add_route("api_request", "/api/v1/requests/{tracking_number}")
    config.add_route("api_request_letters", "/api/v1/requests/{tracking_number}/letters")
    config.add_route("api_request_letter", "/api/v1/requests/{tracking_number}/letters/{letter_id}")
    config.add_route("api_request_documents", "/api/v1/requests/{tracking_number}/documents")
    config.add_route(
        "api_request_document", "/api/v1/requests/{tracking_number}/documents/{document_id}"
    )
    config.add_route(
        "api_annual_report_summary",
        "/api/v1/organisations/{code}/annual-reports/{year}/summary",
        factory=report_year_factory,
    )
    config.add_route(
        "api_annual_report",
        "/api/v1/organisations/{code}/annual-reports/{year}",
        factory=report_year_factory,
    )
    config.add_route("api_due_date", "/api/v1/calendar/due-date")
    config.add_route("api_working_days", "/api/v1/calendar/working-days")
    # the API's OpenAPI 3.1 document and its page (disclosure/api)
    config.add_route("api_openapi", "/api/v1/openapi.json")
    config.add_route("api_docs", "/api/docs")
