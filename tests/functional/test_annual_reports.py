"""The annual report's lifecycle and outputs (issue 11): the live draft, publication (frozen
figures, a catalogue item with its 索引号), corrections (version N+1 with what changed), the
HTML page, the PDF, the CSV files, the JSON API, city- and county-wide summaries, and the
deadlines on the officers' dashboards (law data from catalog_schemas/profiles/)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from pypdf import PdfReader

from disclosure.law import load_law
from disclosure.models import AnnualReport, CatalogueItem, DisclosureRequest, ReportInput
from disclosure.reports.compute import TABLE3_COLUMNS, TABLE3_ROWS

from ..conftest import ROOT

YEAR = 2025
ON_TIME = date(2026, 1, 20)  # before the departments' due date (31 January)


@pytest.fixture
def clock(app):
    """Set the application's business date; restored after."""
    before = app.registry.get("disclosure.clock")
    day = {"today": ON_TIME}
    app.registry["disclosure.clock"] = lambda: day["today"]

    def set_today(value: date) -> None:
        day["today"] = value

    yield set_today
    app.registry["disclosure.clock"] = before


@pytest.fixture
def make_case(dbsession):
    prefix = "YS-AR-" + uuid.uuid4().hex[:8]
    counter = iter(range(1, 10_000))

    def make(org, received, *, answered=None, row="", outcome="", company=False):
        case = DisclosureRequest(
            tracking_number=f"{prefix}-{next(counter)}",
            access_code_hash="x",
            organisation_id=org.id,
            request_kind="disclosure",
            applicant_type="organisation" if company else "person",
            applicant_category="commercial" if company else "",
            name="申请人",
            description="某文件",
            delivery_form="electronic",
            delivery_channel="email",
            received_on=received,
            due_on=received,
            clock_events=[],
            status="answered" if answered else "accepted",
            outcome=outcome,
            report_row=row,
            answered_on=answered,
        )
        dbsession.add(case)
        dbsession.flush()
        return case

    return make


def answer(dbsession, case, on: date, row="三（一）", outcome="disclosed"):
    case.answered_on, case.report_row, case.outcome, case.status = on, row, outcome, "answered"
    dbsession.flush()


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    testapp.login(user.email)
    return user


@pytest.fixture
def civil_cases(dbsession, make_case, civil):
    """Two answered in 2025 (one by a company), one still open at year end (四)."""
    make_case(
        civil, date(2025, 3, 2), answered=date(2025, 3, 20), row="三（一）", outcome="disclosed"
    )
    make_case(
        civil,
        date(2025, 5, 6),
        answered=date(2025, 5, 30),
        row="三（二）",
        outcome="partially_disclosed",
        company=True,
    )
    return make_case(civil, date(2025, 12, 22))


def page_url(org, year=YEAR, suffix=""):
    return f"/organisations/{org.code}/annual-reports/{year}{suffix}"


def api_url(org, year=YEAR, suffix=""):
    return f"/api/v1/organisations/{org.code}/annual-reports/{year}{suffix}"


def lock_of(page) -> str:
    return page.html.find("input", attrs={"name": "lock_version"})["value"]


def publish(testapp, org, status=303, lock="1"):
    return testapp.post(
        f"/officer/reports/{org.code}/{YEAR}/publish",
        {"csrf_token": testapp.csrf_token(), "lock_version": lock},
        status=status,
    )


def correct(testapp, org, note, status=303, lock="2"):
    return testapp.post(
        f"/officer/reports/{org.code}/{YEAR}/correct",
        {"csrf_token": testapp.csrf_token(), "lock_version": lock, "change_note": note},
        status=status,
    )


def cell(page, name: str) -> str:
    return page.html.find(attrs={"data-cell": name}).text.strip()


def pdf_text(data: bytes) -> str:
    """The text of every page, without the spaces and line breaks that narrow cells put in."""
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return text.replace(" ", "").replace("\n", "")


def versions(dbsession, org):
    dbsession.expire_all()
    return (
        dbsession.query(AnnualReport)
        .filter_by(organisation_id=org.id, year=YEAR)
        .order_by(AnnualReport.version)
        .all()
    )


# -- publication ---------------------------------------------------------------------------------


def test_publication_freezes_the_report_and_the_draft_moves_on(
    testapp, dbsession, civil, officer, civil_cases, clock
):
    dbsession.add(
        ReportInput(organisation=civil, year=YEAR, licences=7, overview="本年度总体情况良好。")
    )
    dbsession.flush()
    draft = testapp.get(page_url(civil))
    assert "草稿（尚未发布），数据随办理情况变化" in draft.text
    assert "本年度总体情况良好。" in draft.text  # officers see the draft's sections
    assert "勾稽关系（一 + 二 = 三（七） + 四）：成立" in draft.text
    assert lock_of(draft) == "1"

    publish(testapp, civil)
    (row,) = versions(dbsession, civil)
    assert (row.version, row.published_on, row.on_time) == (1, ON_TIME, True)
    assert row.figures["table3"]["rows"]["三（七）"]["total"] == 2
    assert row.figures["table2"]["licences"] == 7
    assert row.sections["overview"] == "本年度总体情况良好。"
    assert row.sections["fees"] == {
        "notices": 0,
        "charged": 0,
        "paid": 0,
        "collected": 0,
        "unpaid": 0,
    }

    published_json = testapp.get(api_url(civil)).json
    published_pdf = testapp.get(page_url(civil, suffix=".pdf")).body
    assert published_json["status"] == "published" and published_json["version"] == 1
    assert published_json["published_on"] == "2026-01-20"
    assert published_json["table3"]["rows"]["四"]["total"] == 1

    # the open case is answered (backdated into 2025): the draft moves, the published report not
    answer(dbsession, civil_cases, date(2025, 12, 30))
    testapp.logout()
    assert testapp.get(api_url(civil)).json == published_json
    page = testapp.get(page_url(civil))
    assert cell(page, "三（七）.total") == "2" and cell(page, "四.total") == "1"
    assert "草稿（尚未发布）" not in page.text
    assert "本年度总体情况良好。" in page.text  # published sections are public
    assert testapp.get(page_url(civil, suffix=".pdf")).body == published_pdf
    assert versions(dbsession, civil)[0].figures == row.figures

    testapp.login(officer.email)
    page = testapp.get(page_url(civil))
    assert "表三 三（七）总计：2 → 3" in page.text and "表三 四总计：1 → 0" in page.text


def test_the_published_report_is_a_public_catalogue_item_with_an_index_number(
    testapp, dbsession, civil, officer, civil_cases, clock
):
    publish(testapp, civil)
    (row,) = versions(dbsession, civil)
    item = dbsession.get(CatalogueItem, row.catalogue_item_id)
    assert item.title == f"{civil.name}2025年政府信息公开工作年度报告"
    assert (item.genre, item.topic, item.status) == (
        "annual_report",
        "general_affairs",
        "published",
    )
    assert item.index_number.startswith(f"{civil.code}/2026-")
    assert item.created_on == item.published_on == ON_TIME
    assert "三、收到和处理政府信息公开申请情况" in item.body
    (attachment,) = item.attachments
    assert "已经发布" in publish(testapp, civil, status=409, lock="2").text  # correct it instead
    assert "已被他人发布" in publish(testapp, civil, status=409, lock="1").text  # a stale page
    assert len(versions(dbsession, civil)) == 1
    assert attachment.media_type == "application/pdf" and attachment.storage_key == row.pdf_key
    testapp.logout()
    public = testapp.get(f"/catalogue/{item.index_number}")
    assert item.title in public.text and "年度报告" in public.text and "综合政务" in public.text
    listed = testapp.get("/api/v1/catalogue", {"organisation": civil.code}).json
    assert item.index_number in str(listed)
    page = testapp.get(page_url(civil))
    link = page.html.find("a", string=item.index_number)
    assert item.title in testapp.get(link["href"]).text  # the report page links its item


def test_a_late_publication_is_not_on_time(testapp, dbsession, civil, officer, clock):
    clock(date(2026, 2, 1))
    publish(testapp, civil)
    assert versions(dbsession, civil)[0].on_time is False


def test_the_identity_check_blocks_publication_and_names_the_cases(
    testapp, dbsession, civil, officer, make_case, clock
):
    broken = make_case(civil, date(2025, 4, 1), answered=date(2025, 4, 10), row="")
    page = testapp.get(page_url(civil))
    assert "不成立，不能发布" in page.text
    link = page.html.find("a", string=broken.tracking_number)
    assert link["href"].endswith(f"/officer/requests/{broken.id}")
    assert "已办结但没有年报栏目" in page.text
    refused = publish(testapp, civil, status=409)
    assert "不能发布" in refused.text and broken.tracking_number in refused.text
    assert versions(dbsession, civil) == []
    assert testapp.get(api_url(civil)).json["identity_holds"] is False


def test_a_correction_is_version_2_with_its_note_and_the_changed_cells(
    testapp, dbsession, civil, officer, civil_cases, clock
):
    publish(testapp, civil)
    (first,) = versions(dbsession, civil)
    index_number = first.catalogue_item.index_number
    answer(dbsession, civil_cases, date(2025, 12, 30))
    clock(date(2026, 3, 2))
    blank = correct(testapp, civil, "   ", status=400)
    assert "请填写更正说明" in blank.text
    assert correct(testapp, civil, "补录一件答复", lock="1", status=409)  # a stale page
    correct(testapp, civil, "补录一件年底答复的申请")
    first, second = versions(dbsession, civil)
    assert second.version == 2 and second.published_on == date(2026, 3, 2)
    assert second.change_note.startswith("补录一件年底答复的申请")
    assert "表三 三（一）总计：1 → 2" in second.change_note
    assert "表三 三（七）总计：2 → 3" in second.change_note
    assert "表三 四总计：1 → 0" in second.change_note
    assert second.on_time is True  # the first publication was
    assert first.figures["table3"]["rows"]["四"]["total"] == 1  # version 1 is kept as it was
    item = second.catalogue_item
    assert item.id == first.catalogue_item_id and item.index_number == index_number
    assert item.status == "revised" and item.current_version == 2
    assert [a.storage_key for a in item.attachments] == [second.pdf_key]

    testapp.logout()
    latest = testapp.get(api_url(civil)).json
    assert latest["version"] == 2 and latest["table3"]["rows"]["四"]["total"] == 0
    old = testapp.get(api_url(civil), {"version": "1"}).json
    assert old["version"] == 1 and old["table3"]["rows"]["四"]["total"] == 1
    page = testapp.get(page_url(civil))
    assert "更正说明" in page.text and "补录一件年底答复的申请" in page.text
    assert f"{page_url(civil)}?version=1" in page.text
    assert cell(testapp.get(page_url(civil), {"version": "1"}), "四.total") == "1"
    old_pdf = pdf_text(testapp.get(page_url(civil, suffix=".pdf"), {"version": "1"}).body)
    assert "第1版" in old_pdf and "更正说明" not in old_pdf
    assert "补录一件年底答复的申请" in pdf_text(testapp.get(page_url(civil, suffix=".pdf")).body)
    testapp.get(api_url(civil), {"version": "3"}, status=404)


def test_a_correction_needs_a_published_report(testapp, civil, officer, clock):
    refused = correct(testapp, civil, "更正", lock="1", status=409)
    assert "尚未发布" in refused.text


def test_an_officer_cannot_publish_another_departments_report(
    testapp, dbsession, civil, police, make_user, clock
):
    other = make_user(police)
    testapp.login(other.email)
    publish(testapp, civil, status=403)
    correct(testapp, civil, "更正", lock="1", status=403)
    assert versions(dbsession, civil) == []
    page = testapp.get(page_url(civil))
    assert "发布年度报告" not in page.text and "不成立" not in page.text


# -- outputs -------------------------------------------------------------------------------------


def test_the_json_has_exactly_the_documented_shape(testapp, civil, civil_cases):
    data = testapp.get(api_url(civil)).json
    assert set(data) == {
        "organisation",
        "year",
        "status",
        "table2",
        "table3",
        "table4",
        "identity_holds",
        "version",
        "published_on",
    }
    assert (data["organisation"], data["year"], data["status"]) == (civil.code, YEAR, "draft")
    assert data["version"] is None and data["identity_holds"] is True
    assert set(data["table3"]) == {"rows"}
    assert list(data["table3"]["rows"]) == list(TABLE3_ROWS)
    for row in TABLE3_ROWS:
        assert list(data["table3"]["rows"][row]) == list(TABLE3_COLUMNS)
    rows = data["table3"]["rows"]
    assert rows["一"]["total"] == 3 and rows["一"]["commercial"] == 1
    assert rows["三（二）"]["commercial"] == 1 and rows["四"]["natural_person"] == 1
    assert set(data["table2"]) == {
        "regulations",
        "normative_documents",
        "licences",
        "penalties",
        "enforcement",
        "fees_wan",
    }
    assert set(data["table2"]["regulations"]) == {"made", "repealed", "in_force"}
    assert set(data["table4"]) == {
        "reconsideration",
        "lawsuit_direct",
        "lawsuit_after_reconsideration",
    }
    for counts in data["table4"].values():
        assert set(counts) == {"upheld", "corrected", "other", "pending", "total"}


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/organisations/000000000/annual-reports/2025", 404, None),
        ("/api/v1/organisations/{code}/annual-reports/1989", 404, None),
        ("/api/v1/organisations/{code}/annual-reports/2101", 404, None),
        ("/api/v1/organisations/{code}/annual-reports/abc", 404, None),
        ("/api/v1/organisations/{code}/annual-reports/2025?version=x", 400, "version"),
        ("/api/v1/organisations/{code}/annual-reports/2025?version=0", 400, "version"),
        ("/api/v1/organisations/{code}/annual-reports/2025?version=1", 404, None),
        ("/api/v1/organisations/{code}/annual-reports/2025/summary", 404, None),
    ],
)
def test_bad_requests_get_a_json_error(testapp, civil, path, status, field):
    res = testapp.get(path.format(code=civil.code), status=status)
    assert res.content_type == "application/json" and res.json["error"]
    if field:
        assert field in res.json["fields"]


def test_bad_pages_get_a_clear_error(testapp, civil):
    assert "页面不存在" in testapp.get(page_url(civil, year="abc"), status=404).text
    assert "版本号必须是正整数" in testapp.get(page_url(civil), {"version": "-1"}, status=400).text
    testapp.get(page_url(civil, year=1989, suffix=".pdf"), status=404)
    testapp.get(page_url(civil, suffix="/table5.csv"), status=404)


def test_a_draft_shows_the_public_its_tables_only(testapp, dbsession, civil, civil_cases):
    dbsession.add(ReportInput(organisation=civil, year=YEAR, overview="草稿中的总体情况"))
    dbsession.flush()
    page = testapp.get(page_url(civil))
    assert "草稿（尚未发布），数据随办理情况变化" in page.text
    assert cell(page, "一.total") == "3"
    assert "草稿中的总体情况" not in page.text, page.text[
        page.text.find("草稿中的总体情况") - 500 :
    ]
    assert "一 + 二 = 三（七） + 四" not in page.text and "发布年度报告" not in page.text
    assert "草稿中的总体情况" not in pdf_text(testapp.get(page_url(civil, suffix=".pdf")).body)


def test_the_pdf_carries_the_tables_headers_and_numbers(
    testapp, dbsession, civil, officer, civil_cases, clock
):
    dbsession.add(ReportInput(organisation=civil, year=YEAR, licences=42, problems="人手不足。"))
    dbsession.flush()
    publish(testapp, civil)
    res = testapp.get(page_url(civil, suffix=".pdf"))
    assert res.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(res.body))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = pdf_text(res.body)
    for words in (
        f"{civil.name}2025年政府信息公开工作年度报告",
        "一、总体情况",
        "二、主动公开政府信息情况",
        "本年制发件数",
        "行政许可",
        "三、收到和处理政府信息公开申请情况",
        "自然人",
        "商业企业",
        "法律服务机构",
        "（一）予以公开",
        "四、结转下年度继续办理",
        "四、政府信息公开行政复议、行政诉讼情况",
        "尚未审结",
        "五、存在的主要问题及改进情况",
        "人手不足。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ):
        assert words in text, words
    assert "42" in text
    embedded = [
        str(font["/BaseFont"])
        for page in reader.pages
        for font in (f.get_object() for f in page["/Resources"]["/Font"].values())
        if font.get("/Subtype") == "/TrueType"
        and "/FontFile2" in font["/FontDescriptor"].get_object()
    ]
    assert embedded and all("WenQuanYi" in name for name in embedded)  # the CJK font, embedded


def test_the_csv_files_parse_and_match_the_json(testapp, dbsession, civil, civil_cases):
    dbsession.add(ReportInput(organisation=civil, year=YEAR, licences=5, fees_wan=1.25))
    dbsession.flush()
    data = testapp.get(api_url(civil)).json

    def rows(table):
        res = testapp.get(page_url(civil, suffix=f"/{table}.csv"))
        assert res.content_type == "text/csv" and res.body.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(res.body.decode("utf-8-sig"))))

    table3 = rows("table3")
    assert table3[0] == [
        "行次",
        "项目",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]
    assert [r[0] for r in table3[1:]] == list(TABLE3_ROWS)
    for r in table3[1:]:
        assert [int(n) for n in r[2:]] == [data["table3"]["rows"][r[0]][c] for c in TABLE3_COLUMNS]
    table2 = rows("table2")
    assert table2[0][:5] == ["条款", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    by_label = {r[1]: r for r in table2[1:]}
    assert by_label["规章"][2:5] == [
        str(data["table2"]["regulations"][k]) for k in ("made", "repealed", "in_force")
    ]
    assert by_label["行政许可"][5] == "5" and by_label["行政处罚"][5] == ""  # not entered
    assert by_label["行政事业性收费"][6] == "1.25"
    table4 = rows("table4")
    assert table4[0] == ["类别", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [r[0] for r in table4[1:]] == [
        "行政复议",
        "行政诉讼（未经复议直接起诉）",
        "行政诉讼（复议后起诉）",
    ]
    for r, kind in zip(table4[1:], data["table4"], strict=True):
        assert [int(n) for n in r[1:]] == list(data["table4"][kind].values())


# -- summaries -----------------------------------------------------------------------------------


def test_the_city_summary_is_the_sum_of_every_body(testapp, orgs, make_case, civil, police):
    city = orgs.roots[0]
    county = next(o for o in orgs.orgs if o.kind == "county")
    township = next(c for c in orgs.children(county) if c.kind == "township")
    make_case(
        civil, date(2025, 2, 1), answered=date(2025, 2, 9), row="三（一）", outcome="disclosed"
    )
    make_case(police, date(2025, 6, 1), company=True)
    make_case(
        township, date(2024, 12, 20), answered=date(2025, 1, 8), row="三（一）", outcome="disclosed"
    )
    make_case(
        county, date(2025, 3, 3), answered=date(2025, 3, 9), row="三（五）2", outcome="repeat"
    )

    data = testapp.get(api_url(city, suffix="/summary")).json
    assert data["organisation"] == city.code and data["year"] == YEAR
    assert {b["organisation"] for b in data["bodies"]} == {o.code for o in orgs.orgs}
    for row in TABLE3_ROWS:
        assert data["table3"]["rows"][row]["total"] == sum(
            b["table3_totals"][row] for b in data["bodies"]
        )
    rows = data["table3"]["rows"]
    assert (
        rows["一"]["total"],
        rows["二"]["total"],
        rows["三（七）"]["total"],
        rows["四"]["total"],
    ) == (
        3,
        1,
        3,
        1,
    )
    # each body's own report agrees with its line of the summary
    for org in (civil, police, township, county):
        own = testapp.get(api_url(org)).json["table3"]["rows"]
        line = next(b for b in data["bodies"] if b["organisation"] == org.code)
        assert {row: own[row]["total"] for row in TABLE3_ROWS} == line["table3_totals"]

    county_data = testapp.get(api_url(county, suffix="/summary")).json
    assert {b["organisation"] for b in county_data["bodies"]} == {
        county.code,
        *(o.code for o in orgs.descendants(county)),
    }
    assert (
        county_data["table3"]["rows"]["一"]["total"] == 1
    )  # the county's own; the township's is 二
    assert county_data["table3"]["rows"]["二"]["total"] == 1

    page = testapp.get(page_url(city, suffix="/summary"))
    assert "各机构明细" in page.text and cell(page, "三（七）.total") == "3"
    assert cell(page, f"{police.code}.四") == "1"


# -- deadlines -----------------------------------------------------------------------------------


def test_the_due_dates_are_law_data():
    law = load_law(ROOT / "catalog_schemas")
    department = law.report_deadline("department", 2026)
    assert department.due_on == date(2027, 1, 31) and department.article == "第四十九条"
    assert law.report_deadline("township", 2026).due_on == date(2027, 1, 31)
    for kind in ("city", "county"):
        deadline = law.report_deadline(kind, 2026)
        assert deadline.due_on == date(2027, 3, 31) and deadline.article == "第五十条"
    # a report that fell due under the 2008 text: 31 March for every body
    assert law.report_deadline("department", 2017).due_on == date(2018, 3, 31)


NOTICE = "2026年度政府信息公开工作年度报告：应于 2027年1月31日前发布"


def test_the_dashboard_shows_the_deadline_from_1_december(
    testapp, dbsession, civil, officer, clock, make_user, orgs
):
    clock(date(2026, 11, 30))
    assert "2026年度政府信息公开工作年度报告" not in testapp.get("/officer").text
    clock(date(2026, 12, 1))
    page = testapp.get("/officer")
    notice = page.html.find(class_="report-deadline")
    assert notice.text.strip().startswith(NOTICE) and "草稿" in notice.text
    clock(date(2027, 2, 1))
    assert "已逾期" in testapp.get("/officer").html.find(class_="report-deadline").text

    county = next(o for o in orgs.orgs if o.kind == "county")
    testapp.logout()
    testapp.login(make_user(county).email)
    clock(date(2026, 12, 1))
    notice = testapp.get("/officer").html.find(class_="report-deadline").text
    assert "应于 2027年3月31日前发布" in notice


def test_the_dashboard_shows_a_published_report(testapp, dbsession, civil, officer, clock):
    clock(date(2026, 1, 5))  # the 2025 report, due 31 January 2026
    notice = testapp.get("/officer").html.find(class_="report-deadline").text
    assert "2025年度政府信息公开工作年度报告：应于 2026年1月31日前发布" in notice
    publish(testapp, civil)
    assert "已发布" in testapp.get("/officer").html.find(class_="report-deadline").text


def test_the_city_office_sees_every_bodys_state(
    testapp, dbsession, civil, police, make_user, orgs, clock
):
    city = orgs.roots[0]
    testapp.login(make_user(civil).email)
    clock(date(2026, 1, 10))
    publish(testapp, civil)
    testapp.logout()
    testapp.login(make_user(city, role="city_admin").email)
    clock(date(2026, 2, 2))
    page = testapp.get("/officer/reports", {"year": "2025"})
    states = {
        tr.find("th").text.strip(): tr.find_all("td")[2].text.strip()
        for tr in page.html.find(class_="report-states").find("tbody").find_all("tr")
    }
    assert len(states) == len(orgs.orgs)
    assert states[civil.name] == "已发布"
    assert states[police.name] == "已逾期"  # departments: 31 January
    assert states[city.name] == "草稿"  # governments: 31 March
    assert "已发布 1" in page.text
    testapp.get("/officer/reports", {"year": "1800"}, status=400)
