"""Statistics with pictures: figures from known cases for one body, a county tree and the city;
well-formed SVG with a text alternative; CSV; bad parameters; no personal data on public pages;
officers see only the bodies they may read.

The cases are written straight into the database with the deadline engine's own result, on days
counted by hand on the 2025 calendar (2025-03-03 is a Monday; no holiday in March).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from disclosure.models import DisclosureRequest
from disclosure.requests.deadlines import ClockEvent, compute_due

from ..conftest import TODAY

SVG = "{http://www.w3.org/2000/svg}"
NAME = "统计测试申请人"
ID_NUMBER = "610402198001011233"
PHONE = "13955507788"


@pytest.fixture
def tree(orgs):
    """A county with two townships, another county, a city department."""
    counties = [o for o in orgs.orgs if o.kind == "county"]
    county = next(
        c for c in counties if len([t for t in orgs.children(c) if t.kind == "township"]) >= 2
    )
    t1, t2 = [t for t in orgs.children(county) if t.kind == "township"][:2]
    other = next(c for c in counties if c.id != county.id)
    dept = next(o for o in orgs.orgs if o.kind == "department")
    return {"county": county, "t1": t1, "t2": t2, "other": other, "dept": dept}


@pytest.fixture
def add_case(app, dbsession):
    rules = app.registry["request_rules"]

    def add(org, received, *events, status="answered", answered=None, closed=None, **fields):
        result = compute_due(
            received, rules.profile_for(received), rules.calendar(dbsession), events
        )
        outcome = fields.pop("outcome", "disclosed" if answered else "")
        ground = fields.pop("ground", "")
        row = ""
        if outcome:
            row = rules.law.report_row(outcome, ground)
        case = DisclosureRequest(
            tracking_number="ST" + uuid.uuid4().hex[:12].upper(),
            access_code_hash="0" * 64,
            organisation_id=org.id,
            status=status,
            profile=rules.profile_for(received).key,
            request_kind=fields.pop("request_kind", "disclosure"),
            applicant_type=fields.pop("applicant_type", "person"),
            applicant_category=fields.pop("applicant_category", ""),
            name=NAME,
            id_type="resident_id",
            id_number=ID_NUMBER,
            phone=PHONE,
            description="统计测试所需信息",
            delivery_form="paper",
            delivery_channel="post",
            received_on=received,
            due_on=result.due_on,
            provisional=result.provisional,
            deadline=result.to_dict(),
            clock_events=[
                {
                    k: v.isoformat() if isinstance(v, date) else v
                    for k, v in (
                        ("kind", e.kind),
                        ("start", e.start),
                        ("end", e.end),
                        ("received", e.received),
                        ("reason", e.reason),
                    )
                    if v
                }
                for e in events
            ],
            answered_on=answered,
            closed_on=closed,
            outcome=outcome,
            outcome_ground=ground,
            report_row=row,
            **fields,
        )
        dbsession.add(case)
        dbsession.flush()
        return case

    return add


@pytest.fixture
def cases(tree, add_case):
    """2025: two answered in township 1 (10 working days; 10 less a 5-day consultation), one open
    and overdue in township 2, one answered late in the other county, one withdrawn in a city
    department; not counted: a correction of records, a request of 2024."""
    pause = ClockEvent(
        "pause",
        date(2025, 3, 11),
        end=date(2025, 3, 18),
        received=date(2025, 3, 11),
        reason="third_party",
    )
    return {
        "a": add_case(tree["t1"], date(2025, 3, 3), answered=date(2025, 3, 17)),
        "b": add_case(
            tree["t1"],
            date(2025, 3, 10),
            pause,
            answered=date(2025, 3, 24),
            outcome="not_disclosed",
            ground="third_party",
            applicant_type="organisation",
            applicant_category="commercial",
        ),
        "c": add_case(
            tree["t2"],
            date(2025, 5, 6),
            status="accepted",
            applicant_type="organisation",
            applicant_category="legal_services",
        ),
        "d": add_case(
            tree["other"], date(2025, 1, 6), answered=date(2025, 3, 31), outcome="not_exist"
        ),
        "e": add_case(
            tree["dept"],
            date(2025, 12, 1),
            status="withdrawn",
            closed=date(2025, 12, 2),
            outcome="withdrawn",
            applicant_type="organisation",
            applicant_category="research",
        ),
        "correction": add_case(
            tree["dept"],
            date(2025, 6, 2),
            answered=date(2025, 6, 3),
            outcome="record_corrected",
            request_kind="record_correction",
        ),
        "last_year": add_case(tree["t1"], date(2024, 12, 2), answered=date(2024, 12, 3)),
    }


def summary(page) -> dict[str, str]:
    block = re.search(r'<dl class="summary">(.*?)</dl>', page.text, re.S).group(1)
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block))


def table(page, key: str) -> dict[str, int]:
    section = re.search(rf'id="fig-{key}">(.*?)</section>', page.text, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    return {
        label: int(n)
        for label, n in re.findall(r'<th scope="row">(.*?)</th><td class="num">(\d+)</td>', body)
    }


def svgs(page) -> dict[str, ET.Element]:
    out = {}
    for markup in re.findall(r"<svg .*?</svg>", page.text, re.S):
        root = ET.fromstring(markup)  # well-formed XML, or this raises
        out[root.get("id")] = root
    return out


def read_csv(response) -> list[list[str]]:
    assert response.content_type == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))


# --- figures from known cases ------------------------------------------------------------------


def test_one_organisation(testapp, tree, cases):
    page = testapp.get(f"/statistics?year=2025&org={tree['t1'].code}&scope=own")
    assert "2025年" in page.text and tree["t1"].name in page.text
    s = summary(page)
    assert s["收到申请（件）"] == "2"
    assert s["已办结（件）"] == "2"
    assert s["按期办结率"] == "100.0%"
    assert s["答复所用工作日中位数"] == "7.5"  # 10 and 10 - 5 paused
    assert s["答复所用工作日第90百分位数"] == "10"
    assert table(page, "monthly")["3月"] == 2
    assert sum(table(page, "monthly").values()) == 2
    assert table(page, "outcomes")["予以公开"] == 1
    assert table(page, "outcomes")["不予公开"] == 1
    assert table(page, "answer_days")["1–5日"] == 1
    assert table(page, "answer_days")["6–10日"] == 1
    assert table(page, "applicants") == {
        "自然人": 1,
        "商业企业": 1,
        "科研机构": 0,
        "社会公益组织": 0,
        "法律服务机构": 0,
        "其他": 0,
    }


def test_county_tree(testapp, tree, cases):
    page = testapp.get(f"/statistics?year=2025&org={tree['county'].code}")  # scope: tree
    assert f"{tree['county'].name}及下属机构" in page.text
    s = summary(page)
    assert s["收到申请（件）"] == "3"
    assert s["尚未办结（件）"] == "1"
    assert s["其中已逾期（件）"] == "1"  # township 2's case, due in 2025, open on 2026-11-20
    monthly = table(page, "monthly")
    assert (monthly["3月"], monthly["5月"], sum(monthly.values())) == (2, 1, 3)
    assert table(page, "timeliness") == {
        "按期办结": 2,
        "逾期办结": 0,
        "办理中（未逾期）": 0,
        "办理中（已逾期）": 1,
    }
    # the county's own requests only: none
    own = testapp.get(f"/statistics?year=2025&org={tree['county'].code}&scope=own")
    assert summary(own)["收到申请（件）"] == "0"


def test_city_wide(testapp, tree, cases):
    page = testapp.get("/statistics?year=2025")
    s = summary(page)
    # a, b, c, d, e: not the correction of records, not the request of 2024
    assert s["收到申请（件）"] == "5"
    assert s["按期办结（件）"] == "2"
    assert s["逾期办结（件）"] == "1"  # d; the withdrawn e is neither
    assert s["按期办结率"] == "66.7%"
    outcomes = table(page, "outcomes")
    assert outcomes == {
        "予以公开": 1,
        "部分公开": 0,
        "不予公开": 1,
        "无法提供": 1,
        "不予处理": 0,
        "其他处理": 1,
        "尚未办结": 1,
    }
    applicants = table(page, "applicants")
    assert (applicants["自然人"], applicants["商业企业"], applicants["科研机构"]) == (2, 1, 1)
    assert applicants["法律服务机构"] == 1
    types = table(page, "outcome_types")
    assert types["予以公开"] == 1 and types["申请人撤回申请"] == 1
    assert testapp.get("/statistics?year=2024").text.count("<svg") == 5
    assert summary(testapp.get("/statistics?year=2024"))["收到申请（件）"] == "1"


def test_default_is_this_year_city_wide(testapp, tree, cases, add_case):
    add_case(tree["t1"], date(TODAY.year, 2, 2), answered=date(TODAY.year, 2, 3))
    page = testapp.get("/statistics")
    assert f"{TODAY.year}年 · 全市" in page.text
    assert summary(page)["收到申请（件）"] == "1"


# --- charts ------------------------------------------------------------------------------------


def test_svg_charts_are_well_formed_with_a_text_alternative(testapp, tree, cases):
    page = testapp.get(f"/statistics?year=2025&org={tree['t1'].code}&scope=own")
    charts = svgs(page)
    assert set(charts) == {
        "chart-monthly",
        "chart-outcomes",
        "chart-timeliness",
        "chart-answer-days",
        "chart-applicants",
    }
    for chart_id, svg in charts.items():
        assert svg.get("id") == chart_id
        assert svg.get("role") == "img"
        assert svg.get("width") == "100%" and svg.get("viewBox").startswith("0 0 400 ")
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and desc is not None and title.text and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    monthly = charts["chart-monthly"]
    bars = [r for r in monthly.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 12
    assert "3月 2件" in monthly.find(f"{SVG}desc").text
    widths = [float(b.get("width")) for b in bars]
    assert widths[2] > 0 and widths.count(0) == 11  # only March has requests
    assert len([r for r in charts["chart-applicants"].iter(f"{SVG}rect")]) == 6
    # the table beside each chart
    assert page.text.count('<table class="list data">') == 6  # five charts and the types


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_of_a_figure(testapp, tree, cases):
    rows = read_csv(
        testapp.get(f"/statistics.csv?figure=monthly&year=2025&org={tree['t1'].code}&scope=own")
    )
    assert rows[0] == ["年度", "范围", "月份", "数量（件）"]
    assert len(rows) == 13
    assert rows[3] == ["2025", tree["t1"].name, "3月", "2"]
    response = testapp.get(f"/statistics.csv?figure=summary&year=2025&org={tree['t1'].code}")
    assert (
        f"statistics-2025-{tree['t1'].code}-tree-summary.csv"
        in response.headers["Content-Disposition"]
    )
    summary_rows = {r[2]: r[3] for r in read_csv(response)[1:]}
    assert summary_rows["答复所用工作日中位数"] == "7.5"
    city = read_csv(testapp.get("/statistics.csv?figure=outcomes&year=2025"))
    assert ["2025", "全市", "尚未办结", "1"] in city


def test_officer_csv_breakdown_and_overdue(testapp, tree, cases, make_user):
    admin = make_user(tree["county"], "org_admin")
    testapp.login(admin.email)
    rows = read_csv(testapp.get("/officer/statistics.csv?figure=breakdown&year=2025"))
    assert rows[0][:4] == ["年度", "机构代码", "机构", "收到申请（件）"]
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code[tree["t1"].code][3:] == ["2", "2", "100.0%", "7.5", "0"]
    assert by_code[tree["t2"].code][3:] == ["1", "0", "——", "——", "1"]
    assert tree["other"].code not in by_code and tree["dept"].code not in by_code
    overdue = read_csv(testapp.get("/officer/statistics.csv?figure=overdue&year=2025"))
    assert [r[0] for r in overdue[1:]] == [cases["c"].tracking_number]


# --- bad parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("year=abc", 400),
        ("year=1989", 400),
        ("year=2101", 400),
        ("year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95", 400),  # full-width digits
        ("year=20250", 400),
        ("year=-2025", 400),
        ("org=NOSUCHORG", 404),
        ("org=%E5%92%B8%E9%98%B3", 404),
        ("scope=everything", 400),
        ("scope=own", 400),  # own needs an organisation
    ],
)
def test_bad_parameters(testapp, query, status):
    page = testapp.get(f"/statistics?{query}", status=status)
    assert "text/html" in page.content_type
    testapp.get(f"/statistics.csv?figure=monthly&{query}", status=status)


@pytest.mark.parametrize("figure", ["", "nope", "breakdown", "overdue", "MONTHLY"])
def test_public_csv_needs_a_public_figure(testapp, figure):
    page = testapp.get(f"/statistics.csv?figure={figure}", status=400)
    assert "图表名称无效" in page.text


def test_officer_bad_parameters(testapp, tree, make_user):
    officer = make_user(tree["t1"])
    testapp.login(officer.email)
    testapp.get("/officer/statistics?year=x", status=400)
    testapp.get("/officer/statistics?org=NOSUCHORG", status=404)
    testapp.get("/officer/statistics.csv?figure=nope", status=400)
    testapp.get("/officer/statistics.csv", status=400)


# --- personal data and scoping -----------------------------------------------------------------


def test_public_pages_show_no_personal_data(testapp, tree, cases):
    pages = [
        testapp.get("/statistics?year=2025"),
        testapp.get(f"/statistics?year=2025&org={tree['t2'].code}&scope=own"),
        *(
            testapp.get(f"/statistics.csv?year=2025&figure={name}")
            for name in ("monthly", "outcomes", "outcome_types", "applicants", "summary")
        ),
    ]
    for page in pages:
        body = page.body.decode("utf-8-sig")
        for secret in (NAME, ID_NUMBER, PHONE, "统计测试所需信息", cases["c"].tracking_number):
            assert secret not in body


def test_officer_sees_only_their_own_organisation(testapp, tree, cases, make_user):
    officer = make_user(tree["t1"])
    testapp.login(officer.email)
    page = testapp.get("/officer/statistics?year=2025")
    assert re.findall(r'data-org="([^"]+)"', page.text) == [tree["t1"].code]
    assert summary(page)["收到申请（件）"] == "2"
    assert cases["c"].tracking_number not in page.text
    testapp.get(f"/officer/statistics?year=2025&org={tree['t2'].code}", status=403)
    testapp.get(f"/officer/statistics.csv?figure=breakdown&org={tree['t2'].code}", status=403)
    # the county tree, narrowed to what this officer may read
    county = testapp.get(f"/officer/statistics?year=2025&org={tree['t1'].code}&scope=tree")
    assert re.findall(r'data-org="([^"]+)"', county.text) == [tree["t1"].code]


def test_county_admin_sees_the_county_and_links_overdue_cases(testapp, tree, cases, make_user):
    admin = make_user(tree["county"], "org_admin")
    testapp.login(admin.email)
    page = testapp.get("/officer/statistics?year=2025")
    shown = re.findall(r'data-org="([^"]+)"', page.text)
    assert shown[0] == tree["county"].code
    assert {tree["t1"].code, tree["t2"].code} <= set(shown)
    assert tree["other"].code not in shown and tree["dept"].code not in shown
    assert summary(page)["收到申请（件）"] == "3"
    link = f'/officer/requests/{cases["c"].id}">{cases["c"].tracking_number}</a>'
    assert link in page.text
    assert NAME not in page.text and ID_NUMBER not in page.text
    testapp.get(f"/officer/statistics?org={tree['other'].code}", status=403)


def test_city_admin_sees_every_organisation(testapp, tree, cases, make_user, orgs):
    admin = make_user(orgs.roots[0], "city_admin")
    testapp.login(admin.email)
    page = testapp.get("/officer/statistics?year=2025")
    assert "2025年 · 全市" in page.text
    assert len(re.findall(r'data-org="', page.text)) == len(orgs.orgs)
    assert summary(page)["收到申请（件）"] == "5"


def test_anonymous_is_sent_to_login(testapp):
    location = testapp.get("/officer/statistics", status=303).location
    assert "/login?next=%2Fofficer%2Fstatistics" in location
    testapp.get("/officer/statistics.csv?figure=monthly", status=303)


def test_navigation_links_the_statistics(testapp):
    assert 'href="http://example.com/statistics">统计</a>' in testapp.get("/").text
