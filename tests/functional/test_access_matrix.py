"""The access matrix: every registered route × every kind of actor → the expected status.

The matrix is written out below, one entry per route (some routes have several cases). A route
registered in the application with no entry fails ``test_every_route_is_in_the_matrix``, so a
new route cannot be forgotten. Each case also names the protected data it serves; no response to
an actor outside ``sees`` may contain it, whatever its status.

The world lives in a database of its own, committed once: a county with two townships, a
published item with an attachment, a draft, an on-request item, and a case (with a proof of
identity, a pending extension, a released document and an issued letter) in the first township. Each call runs in a
transaction that is rolled back, so no call changes what the next one sees.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import transaction
import webtest
from pyramid.interfaces import IRoutesMapper

from disclosure import main, models
from disclosure.accounts.services import create_user
from disclosure.catalogue.services import CatalogueService
from disclosure.files.services import LocalFileStorage
from disclosure.models import Attachment, ReleasedDocument, RequestFile
from disclosure.organisations.services import OrganisationTree
from disclosure.requests import services as request_services
from disclosure.requests.workflow import Actor
from disclosure.security import user_permits

from ..conftest import PASSWORD, TODAY

ACTORS = (
    "anonymous",
    "applicant",  # with the right access code
    "wrong_code",  # an applicant with a wrong access code
    "officer",  # an officer of the owning organisation (a township)
    "sibling",  # an officer of a sibling township
    "org_admin",  # the owning township's admin
    "county_admin",  # the admin of the county government above it
    "city_admin",
)
OFFICERS = ("officer", "sibling", "org_admin", "county_admin", "city_admin")
NOBODY_LOGGED_IN = ("anonymous", "applicant", "wrong_code")

# The protected data of the world (distinctive strings that no page shows by accident).
APPLICANT_NAME = "矩阵申请人"
ID_NUMBER = "610402198001011233"
PHONE = "13955501234"
ADDRESS = "秦都区矩阵测试路88号"
DESCRIPTION = "矩阵测试所需的政府信息内容"
DRAFT_TITLE = "矩阵草稿条目（未发布）"
ON_REQUEST_BODY = "依申请公开条目的正文矩阵标记"
ON_REQUEST_FILE = b"%PDF-1.4\n% on-request attachment matrix marker\n%%EOF\n"
PUBLIC_FILE = b"%PDF-1.4\n% public attachment\n%%EOF\n"
PROOF = b"%PDF-1.4\n% proof of identity MATRIX-PROOF-BYTES\n%%EOF\n"
RELEASED = b"%PDF-1.4\n% released information MATRIX-RELEASED-BYTES\n%%EOF\n"
RELEASED_NAME = "矩阵提供的政府信息.pdf"

CASE_DATA = (APPLICANT_NAME, ID_NUMBER, PHONE, ADDRESS)


@dataclass
class Case:
    method: str
    path: str  # formatted with the world's attributes, e.g. "/officer/items/{draft_id}"
    expect: dict[str, int]
    params: dict | None = None
    code: bool = False  # send the actor's access code (form field or X-Access-Code header)
    json: bool = False
    lock: str = ""  # name of the world attribute holding the lock_version to send
    secrets: tuple = ()  # protected data the response must not carry for others
    sees: tuple[str, ...] | None = None  # who may see it (default: whoever gets a 2xx)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def officers_only(**statuses: int) -> dict[str, int]:
    """Anybody not logged in is sent to the login page; officers get the given statuses."""
    return {**dict.fromkeys(NOBODY_LOGGED_IN, 303), **statuses}


def applicant_only(ok: int = 200) -> dict[str, int]:
    return {**everyone(404), "applicant": ok}


READ_OWN_AND_OVERSEERS = dict(
    officer=200, sibling=403, org_admin=200, county_admin=200, city_admin=200
)
HANDLE_OWN = dict(officer=303, sibling=403, org_admin=303, county_admin=403, city_admin=403)
KEEP_CATALOGUE = dict(officer=303, sibling=403, org_admin=303, county_admin=403, city_admin=303)
ALL_OFFICERS_200 = dict.fromkeys(OFFICERS, 200)

MATRIX: dict[str, list[Case]] = {
    # --- the public site: the same for everyone, and never the protected data
    "home": [Case("GET", "/", everyone(200), secrets=(DRAFT_TITLE,), sees=())],
    "language": [
        Case("GET", "/language", everyone(303), params={"to": "en", "next": "/catalogue"})
    ],
    "catalogue": [Case("GET", "/catalogue", everyone(200), secrets=(DRAFT_TITLE,), sees=())],
    "item": [
        Case("GET", "/catalogue/{public_index}", everyone(200)),
        Case(
            "GET",
            "/catalogue/{on_request_index}",
            everyone(200),
            secrets=(ON_REQUEST_BODY,),
            sees=(),
        ),
    ],
    "attachment": [
        Case("GET", "/catalogue/{public_index}/files/{public_file_id}", everyone(200)),
        Case(
            "GET",
            "/catalogue/{on_request_index}/files/{on_request_file_id}",
            everyone(404),
            secrets=(b"matrix marker",),
        ),
        Case("GET", "/catalogue/{public_index}/files/{on_request_file_id}", everyone(404)),
    ],
    "organisations": [Case("GET", "/organisations", everyone(200))],
    "organisation": [Case("GET", "/organisations/{township_code}", everyone(200))],
    "guide": [Case("GET", "/organisations/{township_code}/guide", everyone(200))],
    # the 政府信息公开 column (portal): public items only, never a draft or a case
    "sections": [Case("GET", "/sections", everyone(200))],
    "section": [
        Case("GET", "/sections/guide", everyone(302)),
        Case("GET", "/sections/rules", everyone(200), secrets=(DRAFT_TITLE,), sees=()),
        Case("GET", "/sections/proactive", everyone(200)),
        Case("GET", "/sections/reports", everyone(200)),
        Case("GET", "/sections/apply", everyone(200), secrets=CASE_DATA, sees=()),
        Case("GET", "/sections/unknown", everyone(404)),
    ],
    "proactive_kind": [
        Case("GET", "/sections/proactive/other", everyone(200), secrets=(DRAFT_TITLE,), sees=()),
        Case("GET", "/sections/proactive/unknown", everyone(404)),
    ],
    "organisation_sections": [Case("GET", "/organisations/{county_code}/sections", everyone(200))],
    "organisation_section": [
        Case("GET", "/organisations/{township_code}/sections/guide", everyone(302)),
        Case(
            "GET",
            "/organisations/{county_code}/sections/rules",
            everyone(200),
            secrets=(DRAFT_TITLE,),
            sees=(),
        ),
        Case("GET", "/organisations/{county_code}/sections/apply", everyone(200)),
        Case("GET", "/organisations/{county_code}/sections/rules?page=2", everyone(404)),
    ],
    "organisation_proactive_kind": [
        Case(
            "GET",
            "/organisations/{county_code}/sections/proactive/rules",
            everyone(200),
            secrets=(DRAFT_TITLE,),
            sees=(),
        )
    ],
    # feeds and the sitemap: the public view only
    "feed_portal": [
        Case(
            "GET",
            "/feeds/catalogue.atom",
            everyone(200),
            secrets=(DRAFT_TITLE, ON_REQUEST_BODY),
            sees=(),
        )
    ],
    "feed_organisation": [
        Case(
            "GET",
            "/organisations/{township_code}/feed.atom",
            everyone(200),
            secrets=(DRAFT_TITLE, ON_REQUEST_BODY),
            sees=(),
        )
    ],
    "feed_topic": [Case("GET", "/feeds/topics/general_affairs.atom", everyone(200))],
    "sitemap": [Case("GET", "/sitemap.xml", everyone(200), secrets=(DRAFT_TITLE,), sees=())],
    "sitemap_part": [Case("GET", "/sitemap-2.xml", everyone(404))],
    "export_csv": [
        Case(
            "GET",
            "/catalogue.csv",
            everyone(200),
            secrets=(DRAFT_TITLE, ON_REQUEST_BODY),
            sees=(),
        )
    ],
    "export_jsonl": [
        Case(
            "GET",
            "/catalogue.jsonl",
            everyone(200),
            secrets=(DRAFT_TITLE, ON_REQUEST_BODY),
            sees=(),
        )
    ],
    # OAI-PMH for harvesters: the public view only (no draft, no on-request content)
    "oai": [
        Case(
            "GET",
            "/oai?verb=ListRecords&metadataPrefix=disclosure",
            everyone(200),
            secrets=(DRAFT_TITLE, ON_REQUEST_BODY),
            sees=(),
        ),
        Case("GET", "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=x", everyone(200)),
    ],
    "oai_schema": [Case("GET", "/oai/disclosure.xsd", everyone(200))],
    "apply": [Case("GET", "/apply?index_number={on_request_index}", everyone(200))],
    "apply_form_pdf": [
        Case("GET", "/apply/form.pdf?organisation={township_code}", everyone(200)),
        Case("GET", "/apply/form.pdf?applicant_type=robot", everyone(400)),
    ],
    "search": [
        Case(
            "GET", "/search?q=矩阵", everyone(200), secrets=(ON_REQUEST_BODY, DRAFT_TITLE), sees=()
        )
    ],
    # for operators: public, and never a person's data
    "healthz": [Case("GET", "/healthz", everyone(200), secrets=CASE_DATA, sees=())],
    "request_new": [Case("GET", "/requests/new", everyone(200))],
    # a receipt is shown only to the browser that applied (its session holds the access code)
    "request_receipt": [
        Case("GET", "/requests/receipt", everyone(303)),
        Case(
            "GET",
            "/requests/receipt?n={tracking_number}",
            everyone(303),
            secrets=CASE_DATA + ("{access_code}",),
            sees=(),
        ),
    ],
    "request_status": [
        Case("GET", "/requests/status", everyone(200), secrets=CASE_DATA + (DESCRIPTION,), sees=()),
        Case(
            "POST",
            "/requests/status",
            applicant_only(),
            params={"tracking_number": "{tracking_number}"},
            code=True,
            secrets=(DESCRIPTION,),
        ),
    ],
    "request_letter": [
        Case(
            "POST",
            "/requests/status/letter",
            applicant_only(),
            params={"tracking_number": "{tracking_number}", "letter_id": "{letter_id}"},
            code=True,
            secrets=(b"%PDF",),
        )
    ],
    "request_document": [
        Case(
            "POST",
            "/requests/status/document",
            applicant_only(),
            params={"tracking_number": "{tracking_number}", "document_id": "{document_id}"},
            code=True,
            secrets=(b"MATRIX-RELEASED-BYTES",),
        )
    ],
    # statistics: aggregate counts for everyone, never an applicant's data
    "statistics": [
        Case("GET", "/statistics", everyone(200), secrets=CASE_DATA + (DESCRIPTION,), sees=()),
        Case(
            "GET",
            "/statistics?year=2026&org={township_code}&scope=own",
            everyone(200),
            secrets=CASE_DATA + (DESCRIPTION, "{tracking_number}"),
            sees=(),
        ),
        Case("GET", "/statistics?org=NOSUCHORG", everyone(404)),
    ],
    "statistics_csv": [
        Case(
            "GET",
            "/statistics.csv?figure=applicants&org={township_code}",
            everyone(200),
            secrets=CASE_DATA,
            sees=(),
        ),
        Case("GET", "/statistics.csv?figure=breakdown", everyone(400)),
    ],
    # information released on request and published proactively: items only, never a case
    "released": [
        Case(
            "GET",
            "/released",
            everyone(200),
            secrets=CASE_DATA + (DESCRIPTION, "{tracking_number}"),
            sees=(),
        )
    ],
    "login": [Case("GET", "/login", everyone(200))],
    "logout": [Case("POST", "/logout", everyone(303))],
    # --- the officer area
    # the landing page: counts and the most urgent cases, never an applicant's data
    "officer_overview": [
        Case(
            "GET",
            "/officer/overview",
            officers_only(**ALL_OFFICERS_200),
            secrets=CASE_DATA + (DRAFT_TITLE,),
            sees=(),
        )
    ],
    "officer": [
        Case(
            "GET",
            "/officer",
            officers_only(**ALL_OFFICERS_200),
            secrets=(DRAFT_TITLE,),
            sees=("officer", "org_admin", "county_admin", "city_admin"),
        )
    ],
    "officer_item_new": [Case("GET", "/officer/items/new", officers_only(**ALL_OFFICERS_200))],
    "officer_item": [
        Case(
            "GET",
            "/officer/items/{draft_id}",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=(DRAFT_TITLE,),
        )
    ],
    "officer_item_edit": [
        Case(
            "GET",
            "/officer/items/{draft_id}/edit",
            officers_only(
                officer=200, sibling=403, org_admin=200, county_admin=403, city_admin=200
            ),
            secrets=(DRAFT_TITLE,),
        ),
        Case(  # no fields: a permitted officer gets the form back with errors
            "POST",
            "/officer/items/{draft_id}/edit",
            officers_only(
                officer=400, sibling=403, org_admin=400, county_admin=403, city_admin=400
            ),
            lock="draft_lock",
            secrets=(DRAFT_TITLE,),
            sees=("officer", "org_admin", "city_admin"),
        ),
    ],
    "officer_item_publish": [
        Case(
            "POST",
            "/officer/items/{draft_id}/publish",
            officers_only(**KEEP_CATALOGUE),
            lock="draft_lock",
        )
    ],
    "officer_item_repeal": [
        Case(
            "POST",
            "/officer/items/{public_id}/repeal",
            officers_only(**KEEP_CATALOGUE),
            lock="public_lock",
        )
    ],
    "officer_item_upload": [
        Case(  # no file: a permitted officer is told to choose one
            "POST",
            "/officer/items/{public_id}/attachments",
            officers_only(
                officer=400, sibling=403, org_admin=400, county_admin=403, city_admin=400
            ),
            lock="public_lock",
        )
    ],
    "officer_item_attachment": [
        Case(
            "POST",
            "/officer/items/{public_id}/attachments/{public_file_id}",
            officers_only(**KEEP_CATALOGUE),
            lock="public_lock",
        )
    ],
    "officer_users": [
        Case(
            "GET",
            "/officer/users",
            officers_only(
                officer=403, sibling=403, org_admin=200, county_admin=200, city_admin=200
            ),
            secrets=("{officer_email}",),
            sees=("org_admin", "city_admin"),  # the county admin manages the county's own only
        )
    ],
    "officer_requests": [
        Case(
            "GET",
            "/officer/requests?status=all",
            officers_only(**ALL_OFFICERS_200),
            secrets=(APPLICANT_NAME, ID_NUMBER, PHONE, ADDRESS),
            sees=("officer", "org_admin", "county_admin", "city_admin"),
        )
    ],
    "officer_request_new": [
        Case("GET", "/officer/requests/new", officers_only(**ALL_OFFICERS_200))
    ],
    "officer_request": [
        Case(
            "GET",
            "/officer/requests/{request_id}",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=CASE_DATA + (DESCRIPTION,),
        )
    ],
    "officer_letter_preview": [
        Case(
            "GET",
            "/officer/requests/{request_id}/letters/preview?kind=acknowledgement",
            officers_only(
                officer=200, sibling=403, org_admin=200, county_admin=403, city_admin=403
            ),
            secrets=(b"%PDF",),
        )
    ],
    "officer_letter_issue": [
        Case(
            "POST",
            "/officer/requests/{request_id}/letters",
            officers_only(**HANDLE_OWN),
            params={"kind": "acknowledgement", "variant": "default"},
            lock="request_lock",
        )
    ],
    "officer_letter": [
        Case(
            "GET",
            "/officer/requests/{request_id}/letters/{letter_id}",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=(b"%PDF",),
        )
    ],
    "officer_request_file": [
        Case(
            "GET",
            "/officer/requests/{request_id}/files/{proof_id}",
            officers_only(
                officer=200, sibling=403, org_admin=200, county_admin=403, city_admin=403
            ),
            secrets=(b"MATRIX-PROOF-BYTES",),
        )
    ],
    "officer_request_documents": [
        Case(  # no file: a permitted officer gets the case page back with the error
            "POST",
            "/officer/requests/{request_id}/documents",
            officers_only(
                officer=400, sibling=403, org_admin=400, county_admin=403, city_admin=403
            ),
            lock="request_lock",
        )
    ],
    "officer_request_document": [
        Case(
            "GET",
            "/officer/requests/{request_id}/documents/{document_id}",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=(b"MATRIX-RELEASED-BYTES",),
        )
    ],
    "officer_request_appeals": [
        Case(
            "POST",
            "/officer/requests/{request_id}/appeals",
            officers_only(**HANDLE_OWN),
            params={
                "kind": "reconsideration",
                "body": "矩阵复议机关",
                "filed_on": "2026-11-02",
                "result": "pending",
            },
            lock="request_lock",
        )
    ],
    # publishing the released information proactively: the case's own officers only (the world's
    # case is not answered yet: nothing to publish, 409 for them)
    "officer_request_publication": [
        Case(
            "GET",
            "/officer/requests/{request_id}/publication",
            officers_only(
                officer=409, sibling=403, org_admin=409, county_admin=403, city_admin=403
            ),
            secrets=CASE_DATA + (DESCRIPTION,),
            sees=(),
        ),
        Case(
            "POST",
            "/officer/requests/{request_id}/publication",
            officers_only(
                officer=409, sibling=403, org_admin=409, county_admin=403, city_admin=403
            ),
            params={"title": "矩阵公开标题", "confirm": "true"},
            secrets=CASE_DATA + (DESCRIPTION,),
            sees=(),
        ),
    ],
    "officer_request_action": [
        Case(
            "POST",
            "/officer/requests/{request_id}/accept",
            officers_only(**HANDLE_OWN),
            lock="request_lock",
        ),
        Case(
            "POST",
            "/officer/requests/{request_id}/approve_extension",
            officers_only(
                officer=403, sibling=403, org_admin=303, county_admin=403, city_admin=403
            ),
            lock="request_lock",
        ),
    ],
    "officer_report_inputs": [
        Case(
            "GET",
            "/officer/reports/{township_code}/2025/inputs",
            officers_only(**READ_OWN_AND_OVERSEERS),
        ),
        Case(
            "POST",
            "/officer/reports/{township_code}/2025/inputs",
            officers_only(**HANDLE_OWN),
            params={"lock_version": "1", "licences": "3", "overview": "矩阵总体情况"},
        ),
    ],
    # the annual report (issue 11): public pages and files; publication by its own officers
    "annual_report": [
        Case("GET", "/organisations/{township_code}/annual-reports/2025", everyone(200))
    ],
    "annual_report_pdf": [
        Case("GET", "/organisations/{township_code}/annual-reports/2025.pdf", everyone(200))
    ],
    "annual_report_csv": [
        Case("GET", "/organisations/{township_code}/annual-reports/2025/table3.csv", everyone(200))
    ],
    "annual_report_summary": [
        Case("GET", "/organisations/{county_code}/annual-reports/2025/summary", everyone(200)),
        Case("GET", "/organisations/{township_code}/annual-reports/2025/summary", everyone(404)),
    ],
    "officer_reports": [
        Case("GET", "/officer/reports?year=2025", officers_only(**ALL_OFFICERS_200))
    ],
    "officer_report_publish": [
        Case(
            "POST",
            "/officer/reports/{township_code}/2025/publish",
            officers_only(**HANDLE_OWN),
            params={"lock_version": "1"},
        )
    ],
    "officer_report_correct": [
        Case(
            "POST",
            "/officer/reports/{township_code}/2025/correct",
            officers_only(
                officer=409, sibling=403, org_admin=409, county_admin=403, city_admin=403
            ),
            params={"lock_version": "1", "change_note": "矩阵更正说明"},
        )
    ],
    "officer_calendar": [
        Case(
            "GET",
            "/officer/calendar",
            officers_only(
                officer=403, sibling=403, org_admin=403, county_admin=403, city_admin=200
            ),
        )
    ],
    # the yearly evaluation (评比): the ranking for the city office and org admins (the rows they
    # may read); one body's breakdown for its officers and overseers; publishing for the city office
    "officer_scorecard": [
        Case(
            "GET",
            "/officer/scorecard?year=2025",
            officers_only(
                officer=403, sibling=403, org_admin=200, county_admin=200, city_admin=200
            ),
        )
    ],
    "officer_scorecard_csv": [
        Case(
            "GET",
            "/officer/scorecard/2025.csv",
            officers_only(
                officer=403, sibling=403, org_admin=200, county_admin=200, city_admin=200
            ),
        )
    ],
    "officer_scorecard_publish": [
        Case(
            "POST",
            "/officer/scorecard/2025/publish",
            officers_only(
                officer=403, sibling=403, org_admin=403, county_admin=403, city_admin=303
            ),
            params={"version": "1"},
        )
    ],
    "officer_scorecard_body": [
        Case(
            "GET",
            "/officer/scorecard/2025/{township_code}",
            officers_only(**READ_OWN_AND_OVERSEERS),
        )
    ],
    "officer_statistics": [
        Case(
            "GET",
            "/officer/statistics",
            officers_only(**ALL_OFFICERS_200),
            secrets=CASE_DATA + (DESCRIPTION,),
            sees=(),
        ),
        Case(
            "GET",
            "/officer/statistics?org={township_code}&scope=own",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=CASE_DATA + (DESCRIPTION,),
            sees=(),
        ),
    ],
    "officer_statistics_csv": [
        Case(
            "GET",
            "/officer/statistics.csv?figure=breakdown&org={township_code}",
            officers_only(**READ_OWN_AND_OVERSEERS),
            secrets=CASE_DATA,
            sees=(),
        )
    ],
    # --- the JSON API (never a login redirect)
    "api_organisations": [Case("GET", "/api/v1/organisations", everyone(200))],
    "api_annual_report": [
        Case("GET", "/api/v1/organisations/{township_code}/annual-reports/2025", everyone(200))
    ],
    "api_annual_report_summary": [
        Case(
            "GET", "/api/v1/organisations/{county_code}/annual-reports/2025/summary", everyone(200)
        )
    ],
    "api_catalogue": [
        Case("GET", "/api/v1/catalogue", everyone(200), secrets=(DRAFT_TITLE,), sees=())
    ],
    "api_catalogue_item": [
        Case(
            "GET",
            "/api/v1/catalogue/{on_request_index}",
            everyone(200),
            secrets=(ON_REQUEST_BODY,),
            sees=(),
        ),
        Case("GET", "/api/v1/catalogue/NOSUCHCODE/2026-00001", everyone(404)),
    ],
    "api_search": [
        Case("GET", "/api/v1/search?q=矩阵", everyone(200), secrets=(ON_REQUEST_BODY,), sees=())
    ],
    "api_requests": [Case("POST", "/api/v1/requests", everyone(400), params={}, json=True)],
    "api_request": [
        Case(
            "GET",
            "/api/v1/requests/{tracking_number}",
            applicant_only(),
            code=True,
            secrets=(DESCRIPTION, "{tracking_number}"),
        )
    ],
    "api_request_letters": [
        Case(
            "GET",
            "/api/v1/requests/{tracking_number}/letters",
            applicant_only(),
            code=True,
            secrets=("{letter_number}",),
        )
    ],
    "api_request_letter": [
        Case(
            "GET",
            "/api/v1/requests/{tracking_number}/letters/{letter_id}",
            applicant_only(),
            code=True,
            secrets=(b"%PDF",),
        )
    ],
    "api_request_documents": [
        Case(
            "GET",
            "/api/v1/requests/{tracking_number}/documents",
            applicant_only(),
            code=True,
            secrets=(RELEASED_NAME,),
        )
    ],
    "api_request_document": [
        Case(
            "GET",
            "/api/v1/requests/{tracking_number}/documents/{document_id}",
            applicant_only(),
            code=True,
            secrets=(b"MATRIX-RELEASED-BYTES",),
        )
    ],
    "api_due_date": [Case("GET", "/api/v1/calendar/due-date?received=2026-11-20", everyone(200))],
    "api_working_days": [
        Case("GET", "/api/v1/calendar/working-days?start=2026-11-20&days=5", everyone(200))
    ],
    # the API's OpenAPI document and its page: public, and never anybody's data
    "api_openapi": [Case("GET", "/api/v1/openapi.json", everyone(200), secrets=CASE_DATA, sees=())],
    "api_docs": [Case("GET", "/api/docs", everyone(200), secrets=CASE_DATA, sees=())],
    # --- static files
    "__static/": [Case("GET", "/static/site.css", everyone(200))],
    "__deform_static/": [Case("GET", "/deform_static/css/form.css", everyone(200))],
}


# --- the world -----------------------------------------------------------------------------


def _pick_county(tree: OrganisationTree):
    for org in tree.orgs:
        townships = [c for c in tree.children(org) if c.kind == "township"]
        if org.kind == "county" and len(townships) >= 2:
            return org, townships[0], townships[1]
    raise AssertionError("the seed has no county with two townships")


@pytest.fixture(scope="module")
def world(databases, schema, app_settings, tmp_path_factory):
    url = databases.seeded(schema).url
    files_dir = tmp_path_factory.mktemp("matrix-files")
    settings = {
        **app_settings,
        "disclosure.database_url": url,
        "disclosure.files_dir": str(files_dir),
        "disclosure.search.index_dir": str(tmp_path_factory.mktemp("matrix-index")),
    }
    app = main({}, **settings)
    app.registry["disclosure.clock"] = lambda: TODAY
    factory = app.registry["dbsession_factory"]
    store = LocalFileStorage(files_dir)
    w = SimpleNamespace(app=app, factory=factory)
    with factory() as db, db.begin():
        tree = OrganisationTree(db)
        county, township, sibling = _pick_county(tree)
        root = tree.roots[0]
        w.township_code = township.code
        w.county_code = county.code
        users = {
            "officer": create_user(
                db, "matrix.officer@example.gov.cn", PASSWORD, township, "officer"
            ),
            "sibling": create_user(
                db, "matrix.sibling@example.gov.cn", PASSWORD, sibling, "officer"
            ),
            "org_admin": create_user(
                db, "matrix.admin@example.gov.cn", PASSWORD, township, "org_admin"
            ),
            "county_admin": create_user(
                db, "matrix.county@example.gov.cn", PASSWORD, county, "org_admin"
            ),
            "city_admin": create_user(
                db, "matrix.city@example.gov.cn", PASSWORD, root, "city_admin"
            ),
        }
        w.officer_email = users["officer"].email
        catalogue = CatalogueService(db, schema)
        base = {
            "summary": "矩阵测试条目",
            "created_on": date(2026, 3, 1),
            "topic": "general_affairs",
            "genre": "notice",
            "keywords": [],
            "validity": "valid",
        }
        public = catalogue.create(
            township,
            {**base, "title": "矩阵公开条目", "body": "公开正文", "disclosure_mode": "proactive"},
            None,
        )
        catalogue.publish(public, None, TODAY)
        on_request = catalogue.create(
            township,
            {
                **base,
                "title": "矩阵依申请公开条目",
                "body": ON_REQUEST_BODY,
                "disclosure_mode": "on_request",
            },
            None,
        )
        catalogue.publish(on_request, None, TODAY)
        draft = catalogue.create(
            township,
            {**base, "title": DRAFT_TITLE, "body": "草稿正文", "disclosure_mode": "proactive"},
            None,
        )

        def attach(item, data: bytes) -> Attachment:
            digest = hashlib.sha256(data).hexdigest()
            store.put(f"{digest[:2]}/{digest}", data)
            row = Attachment(
                item=item,
                filename="附件.pdf",
                media_type="application/pdf",
                kind="pdf",
                size=len(data),
                sha256=digest,
                storage_key=f"{digest[:2]}/{digest}",
                text="",
            )
            db.add(row)
            return row

        public_file, on_request_file = (
            attach(public, PUBLIC_FILE),
            attach(on_request, ON_REQUEST_FILE),
        )
        rules = request_services.RequestRules.from_settings(app.registry.settings)
        submission = request_services.submit(
            db,
            rules,
            {
                "applicant_type": "person",
                "name": APPLICANT_NAME,
                "id_type": "resident_id",
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "email": "",
                "address": ADDRESS,
                "postcode": "712000",
                "description": DESCRIPTION,
                "delivery_form": "paper",
                "delivery_channel": "post",
            },
            township,
            today=TODAY,
        )
        case = submission.request
        digest = hashlib.sha256(PROOF).hexdigest()
        store.put(f"{digest[:2]}/{digest}", PROOF)
        proof = RequestFile(
            request=case,
            filename="身份证.pdf",
            media_type="application/pdf",
            size=len(PROOF),
            sha256=digest,
            storage_key=f"{digest[:2]}/{digest}",
        )
        db.add(proof)
        digest = hashlib.sha256(RELEASED).hexdigest()
        store.put(f"{digest[:2]}/{digest}", RELEASED)
        released = ReleasedDocument(
            request=case,
            filename=RELEASED_NAME,
            media_type="application/pdf",
            kind="pdf",
            size=len(RELEASED),
            sha256=digest,
            storage_key=f"{digest[:2]}/{digest}",
        )
        db.add(released)
        db.flush()
        officer = users["officer"]
        request_services.act(
            db,
            rules,
            case,
            "request_extension",
            Actor.officer(officer, user_permits(officer, case, tree.ancestors(township))),
            TODAY,
            {"days": "10", "reason": "材料较多"},
        )
        db.flush()
        w.public_index, w.public_id = public.index_number, public.id
        w.on_request_index = on_request.index_number
        w.draft_id = draft.id
        w.public_file_id, w.on_request_file_id = public_file.id, on_request_file.id
        w.request_id, w.proof_id = case.id, proof.id
        w.document_id = released.id
        w.tracking_number, w.access_code = case.tracking_number, submission.access_code

    # Log every officer in once (committed); each call then replays their cookie.
    w.cookies, w.tokens = {}, {}
    for actor in ACTORS:
        client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
        if actor in OFFICERS:
            form = client.get("/login").forms[0]
            form["email"], form["password"] = users_email(actor), PASSWORD
            form.submit(status=303)
        page = client.get("/login")
        w.tokens[actor] = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        w.cookies[actor] = {c.name: c.value for c in client.cookiejar}

    # An issued letter, through the officer's own page (committed).
    officer_client = client_for(w, "officer")
    with factory() as db:
        lock = db.get(models.DisclosureRequest, w.request_id).lock_version
    officer_client.post(
        f"/officer/requests/{w.request_id}/letters",
        {
            "csrf_token": w.tokens["officer"],
            "kind": "acknowledgement",
            "variant": "default",
            "lock_version": lock,
        },
        status=303,
    )
    with factory() as db:
        case = db.get(models.DisclosureRequest, w.request_id)
        (letter,) = case.letters
        w.letter_id, w.letter_number = letter.id, letter.number
        w.request_lock = case.lock_version
        w.draft_lock = db.get(models.CatalogueItem, w.draft_id).lock_version
        w.public_lock = db.get(models.CatalogueItem, w.public_id).lock_version
    app.registry["search_indexer"].run_until_empty()  # search answers from the real index
    yield w
    app.registry["db_engine"].dispose()


def users_email(actor: str) -> str:
    return {
        "officer": "matrix.officer@example.gov.cn",
        "sibling": "matrix.sibling@example.gov.cn",
        "org_admin": "matrix.admin@example.gov.cn",
        "county_admin": "matrix.county@example.gov.cn",
        "city_admin": "matrix.city@example.gov.cn",
    }[actor]


def client_for(w, actor: str, environ: dict | None = None) -> webtest.TestApp:
    client = webtest.TestApp(w.app, extra_environ={"HTTP_HOST": "example.com", **(environ or {})})
    for name, value in w.cookies[actor].items():
        client.set_cookie(name, value)
    return client


def code_for(w, actor: str) -> str:
    return {"applicant": w.access_code, "wrong_code": "WRONGCODE"}.get(actor, "")


def fill(value, w):
    if isinstance(value, bytes):
        return value
    return value.format(**vars(w))


@dataclass
class Outcome:
    status: int
    body: bytes
    problems: list[str] = field(default_factory=list)


def call(w, case: Case, actor: str) -> Outcome:
    """One request as ``actor``, in a transaction that is rolled back afterwards."""
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    tm.doom()
    db = models.get_tm_session(w.factory, tm)
    client = client_for(w, actor, {"tm.active": True, "tm.manager": tm, "app.dbsession": db})
    try:
        url = quote(fill(case.path, w), safe="/?=&%")
        headers = {}
        if case.code:
            headers["X-Access-Code"] = code_for(w, actor)
        if case.method == "GET":
            res = client.get(url, headers=headers, expect_errors=True)
        elif case.json:
            res = client.post_json(url, case.params or {}, expect_errors=True)
        else:
            params = {k: fill(v, w) for k, v in (case.params or {}).items()}
            params["csrf_token"] = w.tokens[actor]
            if case.code:
                params["access_code"] = code_for(w, actor)
            if case.lock:
                params["lock_version"] = str(getattr(w, case.lock))
            res = client.post(url, params, expect_errors=True)
        return Outcome(res.status_int, res.body)
    finally:
        tm.abort()
        db.close()


CASES = [
    pytest.param(route, i, case, id=f"{route}[{i}]")
    for route, cases in MATRIX.items()
    for i, case in enumerate(cases)
]


def test_every_route_is_in_the_matrix(app):
    registered = {route.name for route in app.registry.getUtility(IRoutesMapper).get_routes()}
    missing = sorted(registered - MATRIX.keys())
    assert not missing, f"routes with no entry in the access matrix: {missing}"
    stale = sorted(MATRIX.keys() - registered)
    assert not stale, f"matrix entries for routes that do not exist: {stale}"
    for route, cases in MATRIX.items():
        for case in cases:
            assert set(case.expect) == set(ACTORS), f"{route}: every actor needs a status"


@pytest.mark.parametrize(("route", "index", "case"), CASES)
def test_access_matrix(world, route, index, case):
    problems = []
    sees = (
        case.sees
        if case.sees is not None
        else tuple(a for a, status in case.expect.items() if 200 <= status < 300)
    )
    for actor in ACTORS:
        got = call(world, case, actor)
        if got.status != case.expect[actor]:
            problems.append(f"{actor}: {got.status}, expected {case.expect[actor]}")
        if actor in sees:
            continue
        for secret in case.secrets:
            needle = fill(secret, world)
            needle = needle if isinstance(needle, bytes) else needle.encode()
            if needle in got.body:
                problems.append(f"{actor} ({got.status}) was shown {needle[:40]!r}")
    assert not problems, f"{case.method} {case.path}: " + "; ".join(problems)


def test_matrix_size():
    """The closing note quotes this: routes × actors, and the cases behind them."""
    cases = sum(len(c) for c in MATRIX.values())
    assert len(MATRIX) >= 40 and len(ACTORS) == 8
    assert cases * len(ACTORS) >= 400
