"""The officer back office in English (Accept-Language: en): the dashboard and its catalogue
list, an item's page and form frame, the accounts page, the landing overview, the annual report's
hand-entered data, the reports' overview, one report (publication, correction, the identity
check) and a summary, with their messages, form errors and JSON errors. The report's tables stay
in Chinese: they are the national template's legal wording."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from disclosure.models import DisclosureRequest
from disclosure.reports import tables, views

from ..english import ENGLISH, english_page, untranslated

YEAR = 2025
TODAY = date(2026, 1, 20)  # before the departments' due date for 2025 (31 January 2026)


@pytest.fixture
def clock(app):
    before = app.registry.get("disclosure.clock")
    app.registry["disclosure.clock"] = lambda: TODAY
    yield
    app.registry["disclosure.clock"] = before


@pytest.fixture
def officer(testapp, make_user, civil, clock):
    user = make_user(civil)
    testapp.login(user.email)
    return user


@pytest.fixture
def make_case(dbsession):
    prefix = "YS-EN-" + uuid.uuid4().hex[:8]
    counter = iter(range(1, 10_000))

    def make(org, received, *, answered=None, row="", due=None):
        case = DisclosureRequest(
            tracking_number=f"{prefix}-{next(counter)}",
            access_code_hash="x",
            organisation_id=org.id,
            request_kind="disclosure",
            applicant_type="person",
            applicant_category="",
            name="申请人",
            description="某文件",
            delivery_form="electronic",
            delivery_channel="email",
            received_on=received,
            due_on=due or received,
            clock_events=[],
            status="answered" if answered else "accepted",
            outcome="disclosed" if answered else "",
            report_row=row,
            answered_on=answered,
        )
        dbsession.add(case)
        dbsession.flush()
        return case

    return make


def report_url(org, suffix=""):
    return f"/organisations/{org.code}/annual-reports/{YEAR}{suffix}"


def inputs_url(org):
    return f"/officer/reports/{org.code}/{YEAR}/inputs"


def report_page(testapp, url: str, **kwargs):
    """A report's page in English: everything but the report's own tables (the national
    template's wording, in Chinese, some of whose captions are also interface messages
    elsewhere) shows no untranslated message."""
    res = testapp.get(url, headers=ENGLISH, **kwargs)
    tables_ = res.html.select("table.report-table")
    assert tables_, "the page shows the report's tables"
    assert all(t.find("th") for t in tables_)
    chrome = res.html.__copy__()
    for table in chrome.select("table.report-table"):
        table.decompose()
    left = untranslated(str(chrome))
    assert not left, f"{url} shows untranslated messages: {left[:10]}"
    return res


def text_of(res) -> str:
    return res.html.get_text(" ", strip=True)


def post(testapp, url, status, **params):
    return testapp.post(
        url, {"csrf_token": testapp.csrf_token(), **params}, headers=ENGLISH, status=status
    )


def test_the_dashboard_and_its_catalogue_list(testapp, officer, civil, catalogue, item_data):
    catalogue.create(civil, item_data(title="英文界面测试草稿"), officer)
    res = english_page(testapp, "/officer", params={"status": "draft"})
    assert res.html.h1.get_text().startswith("Dashboard · ")
    text = text_of(res)
    for expected in (
        "New catalogue item",
        "Annual report data for 2025",
        "All annual reports",
        "Changes waiting to be published",
        "Filter",
        "Last updated",
    ):
        assert expected in text
    assert "英文界面测试草稿" in text  # data stay as written
    # the annual report's deadline notice (January: last year's report, due on 31 January)
    notice = res.html.find(class_="report-deadline").get_text(" ", strip=True)
    assert "Annual reports on government information disclosure for 2025" in notice
    assert ": due by 2026-01-31 (" in notice
    # Chinese stays the default
    assert "新建目录条目" in testapp.get("/officer").text


def test_an_item_page_and_the_item_form_frame(testapp, officer, civil, catalogue, item_data):
    item = catalogue.create(civil, item_data(), officer)
    page = text_of(english_page(testapp, f"/officer/items/{item.id}"))
    for expected in (
        "Status: Draft",
        "Current draft content",
        "Attachments",
        "No attachments.",
        "Upload attachment",
        "Version history",
        "Time saved",
        "Edit",
    ):
        assert expected in page
    new = english_page(testapp, "/officer/items/new")
    assert new.html.h1.get_text() == "New catalogue item"
    assert f"Issuing body: {civil.name}" in text_of(new)
    edit = english_page(testapp, f"/officer/items/{item.id}/edit")
    assert edit.html.h1.get_text() == f"Edit: {item.title}"


def test_a_harvested_items_notice(testapp, dbsession, officer, civil, catalogue, item_data):
    from disclosure.models.harvest import HarvestSource

    item = catalogue.create(civil, item_data(), officer)
    item.harvest_source = HarvestSource(
        base_url="https://other.example/oai", organisation_id=civil.id, repository_name="Other"
    )
    item.source_url = "https://other.example/items/1"
    dbsession.flush()
    page = english_page(testapp, f"/officer/items/{item.id}")
    notice = page.html.find(class_="notice")
    assert notice.get_text() == (
        "This item is harvested from Other (source page); it is read only. To change it, edit "
        "it on the source platform."
    )
    assert notice.a["href"] == "https://other.example/items/1"
    chinese = testapp.get(f"/officer/items/{item.id}").html.find(class_="notice").get_text()
    assert chinese == "本条目收割自 Other（来源页面），只读；如需修改，请在来源平台修改。"


def test_the_accounts_page(testapp, make_user, civil):
    testapp.login(make_user(civil, "org_admin").email)
    res = english_page(testapp, "/officer/users")
    assert res.html.h1.get_text() == "User accounts"
    headers = [th.get_text() for th in res.html.find("table").find_all("th")]
    assert headers[0] == "E-mail" and headers[2] == "Role"  # the others: english_page
    assert "New account" in text_of(res)


def test_the_landing_overview(testapp, officer, civil, make_case):
    make_case(civil, TODAY - timedelta(days=30), due=TODAY - timedelta(days=1))
    res = english_page(testapp, "/officer/overview")
    text = text_of(res)
    assert res.html.h1.get_text() == f"Overview · {civil.name}"
    for expected in (
        "Disclosure on request",
        "Being handled (all not yet closed)",
        "Most urgent applications",
        "Overdue",
        "Drafts (not yet published)",
        "Annual reports on government information disclosure for 2025",
        "This body: ",
        "due by 2026-01-31",
        TODAY.isoformat(),
    ):
        assert expected in text
    assert res.html.find(id="own-report-state").get_text() == "Draft"


def test_the_report_data_form_its_errors_and_the_read_only_page(
    testapp, dbsession, orgs, civil, officer, make_user
):
    form = english_page(testapp, inputs_url(civil))
    text = text_of(form)
    for expected in (
        "Annual report data for 2025",
        "Not entered yet",
        "Administrative licences (cases)",
        "Administrative fees (10,000 yuan)",
        "1. General situation",
        "Leave empty if not entered",
        "Save",
    ):
        assert expected in text
    bad = post(testapp, inputs_url(civil), 400, lock_version="1", licences="-1", fees_wan="x")
    assert "Some of the entries are not valid; please check them" in bad.text
    assert "Enter a whole number, 0 or more" in bad.text
    assert "with at most 4 decimal places" in bad.text
    saved = post(testapp, inputs_url(civil), 303, lock_version="1", licences="7")
    again = english_page(testapp, saved.location)
    assert "Saved" in [p.get_text() for p in again.html.find_all(class_="flash")]
    assert "Entered by " in text_of(again)
    stale = post(testapp, inputs_url(civil), 409, lock_version="1", licences="8")
    assert "Someone else has changed these data; reload the page and try again." in stale.text
    # an overseer reads
    testapp.logout()
    overseer = next(o for o in orgs.ancestors(civil) if o.kind == "county")
    testapp.login(make_user(overseer, role="org_admin").email)
    read = text_of(english_page(testapp, inputs_url(civil)))
    assert "Read only: only this body's officers can change it." in read
    assert "Administrative penalties (cases) Not entered" in read


def test_the_identity_check_publication_and_correction(
    testapp, dbsession, civil, officer, make_case
):
    broken = make_case(civil, date(2025, 4, 1), answered=date(2025, 4, 10), row="")
    page = report_page(testapp, report_url(civil))
    text = text_of(page)
    assert "Draft (not yet published): the figures change as cases are handled" in text
    assert "Due by 2026-01-31 (" in text
    assert "Officers: checks before publication" in text
    assert "Table 3 identity (row 1 + row 2 = row 3(7) + row 4): does not hold" in text
    row = page.html.find("a", string=broken.tracking_number).find_parent("tr")
    cells = [td.get_text() for td in row.find_all("td")]
    assert cells[1:] == ["Natural persons", "一", "Closed without an annual report row"]
    assert [a.get_text() for a in page.html.select("ul.actions a")][1:4] == [
        "Table 2 CSV",
        "Table 3 CSV",
        "Table 4 CSV",
    ]
    # the report's tables keep the national template's Chinese
    assert tables.TABLE3_TITLE in page.text and tables.TABLE3_NOTE in page.text
    publish_url = f"/officer/reports/{civil.code}/{YEAR}/publish"
    refused = post(testapp, publish_url, 409, lock_version="1")
    assert "so it cannot be published" in refused.text

    broken.report_row = "三（一）"
    dbsession.flush()
    done = post(testapp, publish_url, 303, lock_version="1")
    published = report_page(testapp, done.location)
    flashes = [p.get_text() for p in published.html.find_all(class_="flash")]
    assert flashes == ["The annual report has been published"]
    text = text_of(published)
    assert f"Version 1, published {TODAY.isoformat()}" in text
    assert "; first published 2026-01-20, on time." in text
    assert "Publish a correction with the current data (version 2)" in text
    assert "1. General situation" in text  # a section heading is page chrome

    correct_url = f"/officer/reports/{civil.code}/{YEAR}/correct"
    blank = post(testapp, correct_url, 400, lock_version="2", change_note="  ")
    assert blank.html.find(class_="field-error").get_text() == "Enter a correction note"
    long = post(testapp, correct_url, 400, lock_version="2", change_note="长" * 2001)
    assert long.html.find(class_="field-error").get_text() == "Must not exceed 2000 characters"
    again = post(testapp, publish_url, 409, lock_version="2")
    assert "has already been published; to change it, publish a correction" in again.text
    corrected = post(testapp, correct_url, 303, lock_version="2", change_note="补充说明")
    page = report_page(testapp, corrected.location)
    assert "The correction has been published" in text_of(page)
    assert "Correction note" in text_of(page) and "Versions" in text_of(page)
    old = report_page(testapp, report_url(civil), params={"version": "1"})
    assert "view the latest version" in text_of(old)


def test_the_reports_overview_and_a_summary(testapp, orgs, civil, officer):
    res = english_page(testapp, "/officer/reports", params={"year": str(YEAR)})
    assert res.html.h1.get_text() == "Annual reports on government information disclosure for 2025"
    headers = [th.get_text(strip=True) for th in res.html.find("thead").find_all("th")]
    assert headers[2:6:3] == ["Due date", "Version"]  # the others: english_page
    assert "Departments" in text_of(res) and "2026-01-31" in text_of(res)
    bad = testapp.get("/officer/reports", {"year": "1989"}, headers=ENGLISH, status=400)
    assert "The year must be between 1990 and 2100" in bad.text

    county = next(o for o in orgs.ancestors(civil) if o.kind == "county")
    summary = report_page(testapp, report_url(county, "/summary"))
    text = text_of(summary)
    for expected in ("By body", "1 Received this year", "Identity check", "Holds", "Summary"):
        assert expected in text


@pytest.mark.parametrize(
    ("query", "suffix", "status", "error", "field"),
    [
        (
            {"version": "x"},
            "",
            400,
            "Invalid parameters",
            "The version must be a positive whole number",
        ),
        ({"version": "9"}, "", 404, "There is no such version of the annual report", None),
        (
            {},
            "/summary",
            404,
            "Only the city and county (city, district) governments have a summary report",
            None,
        ),
    ],
)
def test_the_api_errors(testapp, civil, query, suffix, status, error, field):
    url = f"/api/v1/organisations/{civil.code}/annual-reports/{YEAR}{suffix}"
    res = testapp.get(url, query, headers=ENGLISH, status=status)
    assert res.json["error"] == error
    if field:
        assert res.json["fields"] == {"version": field}


def test_the_discrepancy_columns_are_the_templates_captions():
    # the Chinese page names a column as the template does
    assert {key: str(name) for key, name in views.COLUMN_NAMES.items()} == tables.COLUMN_LABELS
