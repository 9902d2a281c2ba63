"""The yearly evaluation (评比, issue 11) through the application: each indicator from known cases,
items, reports and appeals; the ranking under the shipped weights and under changed ones; ties;
the CSV; a body's breakdown with the cases behind each figure; publication as a catalogue item
with its 索引号; and who may see and do what.

Evaluation year 2025 (the clock says 2026-11-20). Two city departments carry data:

- A (民政): two cases answered in 3 working days, one still open; one item published the day
  after it was made, complete; its 2024 annual report published on time; two decisions corrected
  against it in 2025 (one in 2024 and one upheld do not count).
- B (公安): one case answered in 3 working days, one in 30 (late); two items made on Mon
  2025-03-03, published on the 20th working day (2025-03-31) and on the 21st (late, and without a
  summary or keywords); its 2024 report published late.

Every other department has no cases and no items: its total is its guide and its appeals, out of
the weights scored (annual report 0 of 15, guide 10 of 10, appeals 10 of 10 → 57.14).
"""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import date

import pytest
import yaml

from disclosure.models import CatalogueItem
from disclosure.models.annual_reports import AnnualReport, ScorecardPublication
from disclosure.models.appeals import CaseAppeal
from disclosure.requests import services as request_services
from disclosure.scorecard.config import load_scorecard

from ..conftest import ROOT

YEAR = 2025
DEFAULT_TOTALS = {"A": 93.33, "B": 22.33, "idle": 57.14}


def _case(dbsession, rules, org, received, answered=None, status="answered"):
    submission = request_services.submit(
        dbsession,
        rules,
        {
            "applicant_type": "person",
            "name": "评议测试申请人",
            "id_type": "resident_id",
            "id_number": "",
            "phone": "13900000000",
            "email": "",
            "address": "咸阳市",
            "postcode": "712000",
            "description": "评议测试所需的政府信息",
            "delivery_form": "paper",
            "delivery_channel": "post",
        },
        org,
        today=received,
        received_on=received,
    )
    req = submission.request
    req.status = status
    if answered is not None:
        req.answered_on = answered
        req.outcome = "disclosed"
    dbsession.flush()
    return req


def _item(catalogue, item_data, org, created, published, **fields):
    item = catalogue.create(org, item_data(created_on=created, **fields), None)
    catalogue.publish(item, None, published)
    return item


@pytest.fixture
def world(app, dbsession, orgs, catalogue, item_data):
    rules = app.registry["request_rules"]
    root = orgs.roots[0]
    departments = [o for o in orgs.orgs if o.kind == "department" and o.parent_id == root.id]
    a = next(o for o in departments if o.category_tree == "civil_affairs")
    b = next(o for o in departments if o.category_tree == "public_security")
    idle = [o for o in orgs.orgs if o.kind == "department" and o not in (a, b)]
    w = type("World", (), {})()
    w.root, w.a, w.b, w.idle = root, a, b, idle

    # A: on time and fast; one case still open at the year end
    w.a_cases = [
        _case(dbsession, rules, a, date(2025, 3, 3), date(2025, 3, 6)),
        _case(dbsession, rules, a, date(2025, 6, 3), date(2025, 6, 6)),
    ]
    _case(dbsession, rules, a, date(2025, 12, 22), status="accepted")
    w.a_item = _item(catalogue, item_data, a, date(2025, 5, 6), date(2025, 5, 7))
    dbsession.add(
        AnnualReport(
            organisation_id=a.id,
            year=2024,
            version=1,
            figures={},
            published_on=date(2025, 1, 20),
            on_time=True,
        )
    )

    def appeal(case, result, decided):
        row = CaseAppeal(
            request=case,
            kind="reconsideration",
            body="咸阳市人民政府",
            filed_on=date(2024, 10, 1),
            result=result,
            decided_on=decided,
        )
        dbsession.add(row)
        return row

    w.corrected = [
        appeal(w.a_cases[0], "corrected", date(2025, 6, 1)),
        appeal(w.a_cases[1], "corrected", date(2025, 9, 1)),
    ]
    w.old_case = _case(dbsession, rules, a, date(2024, 9, 2), date(2024, 9, 5))
    appeal(w.old_case, "corrected", date(2024, 12, 1))  # decided in 2024
    appeal(w.a_cases[1], "upheld", date(2025, 10, 1))  # upheld

    # B: one late case, one late and incomplete item, a late report
    w.b_fast = _case(dbsession, rules, b, date(2025, 3, 3), date(2025, 3, 6))
    w.b_late = _case(dbsession, rules, b, date(2025, 3, 3), date(2025, 4, 15))
    w.b_on_time_item = _item(catalogue, item_data, b, date(2025, 3, 3), date(2025, 3, 31))
    w.b_late_item = _item(
        catalogue, item_data, b, date(2025, 3, 3), date(2025, 4, 1), summary="", keywords=[]
    )
    dbsession.add(
        AnnualReport(
            organisation_id=b.id,
            year=2024,
            version=1,
            figures={},
            published_on=date(2025, 2, 10),
            on_time=False,
        )
    )
    dbsession.flush()
    return w


@pytest.fixture
def city_admin(make_user, orgs):
    return make_user(orgs.roots[0], "city_admin")


def login(testapp, user):
    testapp.login(user.email)
    return testapp


def department_table(page):
    return page.html.find("table", attrs={"data-level": "department"})


def rows_of(table) -> dict[str, tuple[str, str]]:
    """organisation name → (rank, total)"""
    out = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = tr.find_all("td")
        out[cells[1].text.strip()] = (cells[0].text.strip(), cells[2].text.strip())
    return out


# -- the indicators and the ranking ---------------------------------------------------------------


def test_each_indicator_from_known_cases_items_reports_and_appeals(app, dbsession, world, orgs):
    from disclosure.scorecard import services

    ranking = services.evaluate(
        dbsession,
        app.registry["scorecard"],
        YEAR,
        orgs.orgs,
        calendar=app.registry["request_rules"].calendar(dbsession),
        schema=app.registry["catalogue_schema"],
    )
    a, b = ranking.bodies[world.a.id], ranking.bodies[world.b.id]

    def values(body):
        return {s.indicator.code: (s.value, s.points) for s in body.scores}

    assert values(a) == {
        "on_time_rate": (1.0, 25.0),  # the open case does not count
        "median_answer_days": (3, 10.0),
        "timely_publication": (1.0, 20.0),
        "metadata_completeness": (1.0, 10.0),
        "annual_report_on_time": (1.0, 15.0),
        "guide_complete": (1.0, 10.0),
        "corrected_appeals": (2.0, 3.3333),  # not the 2024 one, not the upheld one
    }
    assert values(b) == {
        "on_time_rate": (0.5, 0.0),
        "median_answer_days": (16.5, 2.3333),  # of 3 and 30 working days (清明 4 Apr skipped)
        "timely_publication": (0.5, 0.0),
        "metadata_completeness": (0.5, 0.0),
        "annual_report_on_time": (0.0, 0.0),
        "guide_complete": (1.0, 10.0),
        "corrected_appeals": (0.0, 10.0),
    }
    assert (a.total, b.total) == (DEFAULT_TOTALS["A"], DEFAULT_TOTALS["B"])
    assert a.score("on_time_rate").figure.counted == "2 / 2"
    late = b.score("on_time_rate").figure.against
    assert [e.ref for e in late] == [world.b_late.tracking_number]
    idle = ranking.bodies[world.idle[0].id]
    assert idle.total == DEFAULT_TOTALS["idle"]
    assert idle.score("on_time_rate").points is None  # no cases: left out, not zero
    # a township that published no report for 2024 gets nothing for it
    township = next(o for o in orgs.orgs if o.kind == "township")
    assert ranking.bodies[township.id].score("annual_report_on_time").points == 0


def test_the_ranking_under_the_shipped_weights_with_ties(testapp, world, city_admin):
    page = login(testapp, city_admin).get("/officer/scorecard", params={"year": "2025"})
    rows = rows_of(department_table(page))
    assert rows[world.a.name] == ("1", "93.33")
    # every department without cases or items has the same total and shares rank 2
    assert {rows[o.name] for o in world.idle} == {("2", "57.14")}
    # B comes after all of them: 1 + the number of departments with a higher total
    assert rows[world.b.name] == (str(2 + len(world.idle)), "22.33")
    names = list(rows)
    assert names[0] == world.a.name and names[-1] == world.b.name
    # the other levels have their own tables
    assert page.html.find("table", attrs={"data-level": "county"})
    assert page.html.find("table", attrs={"data-level": "township"})


def _changed_weights(tmp_path):
    """The shipped file with corrected appeals weighing 100 and everything else 1, and the guide
    left out for townships."""
    data = yaml.safe_load((ROOT / "catalog_schemas/scorecard.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for indicator in data["indicators"]:
        indicator["weight"] = 100 if indicator["code"] == "corrected_appeals" else 1
        if indicator["code"] == "guide_complete":
            indicator["levels"] = ["department", "county"]
    path = tmp_path / "scorecard.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_changed_weights_change_the_ranking(testapp, app, world, city_admin, tmp_path, monkeypatch):
    card = load_scorecard(_changed_weights(tmp_path), app.registry["catalogue_schema"])
    monkeypatch.setitem(app.registry, "scorecard", card)
    page = login(testapp, city_admin).get("/officer/scorecard?year=2025")
    rows = rows_of(department_table(page))
    # A's two corrected decisions now outweigh its speed: it falls below B and the idle ones
    assert {rows[o.name] for o in world.idle} == {("1", "99.02")}  # (1 + 100) / 102
    assert rows[world.b.name] == (str(1 + len(world.idle)), "95.50")  # (0.2333 + 1 + 100) / 106
    assert rows[world.a.name] == (str(2 + len(world.idle)), "37.11")  # (6 + 33.3333) / 106
    assert list(rows)[-1] == world.a.name
    # an indicator applies to the levels the file names
    townships = page.html.find("table", attrs={"data-level": "township"})
    assert "公开指南要素完整" not in townships.find("thead").text
    assert "公开指南要素完整" in department_table(page).find("thead").text
    rows = list(csv.reader(io.StringIO(testapp.get("/officer/scorecard/2025.csv").text)))
    assert "行政复议、行政诉讼被纠错件数得分（满分100）" in rows[0]
    guide = rows[0].index("公开指南要素完整（%）")
    assert {r[guide] for r in rows[1:] if r[0] == "乡镇政府（街道办事处）"} == {""}
    assert {r[guide] for r in rows[1:] if r[0] == "部门"} == {"100"}


def test_the_city_government_is_evaluated_but_not_ranked(testapp, world, city_admin):
    page = login(testapp, city_admin).get(f"/officer/scorecard/2025/{world.root.code}")
    assert "不参加排名" in page.text
    assert len(page.html.find_all("section", class_="scorecard-indicator")) == 7
    ranking = testapp.get("/officer/scorecard?year=2025")
    assert world.root.name not in {a.text for a in ranking.html.find_all("a")}


def test_the_csv_has_a_bom_a_header_and_each_bodys_values_and_points(testapp, world, city_admin):
    res = login(testapp, city_admin).get("/officer/scorecard/2025.csv")
    assert res.content_type == "text/csv" and res.charset == "utf-8"
    assert "attachment" in res.headers["Content-Disposition"]
    assert res.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(res.body.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["层级", "名次", "机构代码", "单位", "总分"]
    assert header[5:7] == ["依申请公开按期答复率（%）", "依申请公开按期答复率得分（满分25）"]
    by_code = {r[2]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    a, b = by_code[world.a.code], by_code[world.b.code]
    assert (a["层级"], a["名次"], a["单位"], a["总分"]) == ("部门", "1", world.a.name, "93.33")
    assert a["依申请公开按期答复率（%）"] == "100"
    assert a["答复用时中位数（个工作日）"] == "3"
    assert a["行政复议、行政诉讼被纠错件数（件）"] == "2"
    assert a["行政复议、行政诉讼被纠错件数得分（满分10）"] == "3.33"
    assert (b["依申请公开按期答复率（%）"], b["依申请公开按期答复率得分（满分25）"]) == (
        "50",
        "0.00",
    )
    assert b["名次"] == str(2 + len(world.idle))
    idle = by_code[world.idle[0].code]
    assert idle["依申请公开按期答复率（%）"] == "" and idle["总分"] == "57.14"  # no data
    township = next(r for r in rows[1:] if r[0] == "乡镇政府（街道办事处）")
    assert township[header.index("年度报告按时发布（%）")] == "0"


# -- a body's breakdown ---------------------------------------------------------------------------


def test_the_breakdown_lists_the_cases_and_items_behind_each_figure(
    testapp, world, make_user, dbsession
):
    officer = make_user(world.b)
    page = login(testapp, officer).get(f"/officer/scorecard/2025/{world.b.code}")
    assert f"排名第 {2 + len(world.idle)} 名" in page.html.find(class_="scorecard-summary").text
    on_time = page.html.find(id="on_time_rate")
    link = on_time.find("a", string=world.b_late.tracking_number)
    assert link["href"].endswith(f"/officer/requests/{world.b_late.id}")
    assert "逾期 15 天" in on_time.text
    assert world.b_fast.tracking_number not in on_time.text  # on time: not behind the figure
    timely = page.html.find(id="timely_publication")
    assert world.b_late_item.index_number in timely.text
    assert "应于 2025-03-31 前公开" in timely.text
    assert "第二十六条" in timely.text and "20 个工作日" in timely.text  # from the yaml
    assert world.b_on_time_item.index_number not in timely.text
    metadata = page.html.find(id="metadata_completeness")
    assert "缺少：主题词、内容概述" in metadata.text
    report = page.html.find(id="annual_report_on_time").text
    assert "数值：否（逾期）" in report and "2025-02-10 发布，逾期" in report
    assert "按时得满分 15 分，否则不得分" in report
    # the median lists every case, slowest first
    median = page.html.find(id="median_answer_days").text
    assert median.index(world.b_late.tracking_number) < median.index(world.b_fast.tracking_number)


def test_the_breakdown_lists_the_corrected_appeals(testapp, world, city_admin):
    page = login(testapp, city_admin).get(f"/officer/scorecard/2025/{world.a.code}")
    appeals = page.html.find(id="corrected_appeals")
    linked = {a.text for a in appeals.find_all("a")}
    assert linked == {c.tracking_number for c in world.a_cases}
    assert world.old_case.tracking_number not in appeals.text
    assert "2025-06-01 决定纠正" in appeals.text


# -- publication ----------------------------------------------------------------------------------


def test_the_city_admin_publishes_the_ranking_as_a_catalogue_item(
    testapp, world, city_admin, dbsession
):
    login(testapp, city_admin)
    page = testapp.get("/officer/scorecard?year=2025")
    form = next(f for f in page.forms.values() if f.action.endswith("/2025/publish"))
    assert form["version"].value == "1"
    done = form.submit(status=303).follow()
    publication = dbsession.query(ScorecardPublication).filter_by(year=YEAR).one()
    item = dbsession.get(CatalogueItem, publication.catalogue_item_id)
    assert item.organisation_id == world.root.id
    assert (item.genre, item.topic, item.status) == ("evaluation", "general_affairs", "published")
    assert re.fullmatch(rf"{world.root.code}/2026-\d{{5}}", item.index_number)
    assert f"索引号 {item.index_number}" in done.text
    assert publication.version == 1 and publication.published_by_id == city_admin.id
    assert publication.published_on == date(2026, 11, 20)
    departments = publication.ranking["levels"][0]
    assert departments["kind"] == "department"
    assert departments["rows"][0]["code"] == world.a.code
    assert departments["rows"][0]["total"] == 93.33
    weights = {i["code"]: i["weight"] for i in publication.scorecard["indicators"]}
    assert weights["on_time_rate"] == 25
    # the public sees it through the catalogue's boundary, without any case data
    testapp.logout()
    public = testapp.get(f"/catalogue/{item.index_number}")
    assert "考核评议" in public.text and world.a.name in public.text
    assert world.b_late.tracking_number not in public.text


def test_a_second_publication_is_a_new_version_of_the_same_item(testapp, world, city_admin):
    login(testapp, city_admin)
    token = testapp.csrf_token()
    testapp.post(
        "/officer/scorecard/2025/publish", {"csrf_token": token, "version": "1"}, status=303
    )
    stale = testapp.post(
        "/officer/scorecard/2025/publish", {"csrf_token": token, "version": "1"}, status=409
    )
    assert "已由他人发布" in stale.text
    testapp.post(
        "/officer/scorecard/2025/publish", {"csrf_token": token, "version": "2"}, status=303
    )
    page = testapp.get("/officer/scorecard?year=2025")
    listed = page.html.find(class_="scorecard-publications").find_all("li")
    numbers = {li.find("a").text for li in listed}
    assert len(listed) == 2 and len(numbers) == 1  # one 索引号, two versions


# -- who may see and do what ----------------------------------------------------------------------


def test_a_department_officer_sees_only_its_own_breakdown(testapp, world, make_user, dbsession):
    login(testapp, make_user(world.b))
    testapp.get("/officer/scorecard?year=2025", status=403)
    testapp.get("/officer/scorecard/2025.csv", status=403)
    testapp.get(f"/officer/scorecard/2025/{world.a.code}", status=403)
    testapp.get(f"/officer/scorecard/2025/{world.b.code}", status=200)
    testapp.post(
        "/officer/scorecard/2025/publish",
        {"csrf_token": testapp.csrf_token(), "version": "1"},
        status=403,
    )
    assert dbsession.query(ScorecardPublication).count() == 0


def test_an_org_admin_sees_the_rows_of_the_bodies_it_oversees(testapp, world, make_user, orgs):
    county = next(o for o in orgs.orgs if o.kind == "county" and orgs.children(o))
    login(testapp, make_user(county, "org_admin"))
    page = testapp.get("/officer/scorecard?year=2025")
    assert "发布 2025 年度评议结果" not in page.text  # no publish form
    assert world.a.name not in page.text
    townships = {o.name for o in orgs.children(county) if o.kind == "township"}
    shown = rows_of(page.html.find("table", attrs={"data-level": "township"}))
    assert set(shown) == townships
    assert set(rows_of(page.html.find("table", attrs={"data-level": "county"}))) == {county.name}
    testapp.post(
        "/officer/scorecard/2025/publish",
        {"csrf_token": testapp.csrf_token(), "version": "1"},
        status=403,
    )


@pytest.mark.parametrize(
    ("method", "path", "params", "status"),
    [
        ("GET", "/officer/scorecard?year=abc", None, 400),
        ("GET", "/officer/scorecard?year=1800", None, 400),
        (
            "GET",
            "/officer/scorecard?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95",
            None,
            400,
        ),  # ２０２５
        ("GET", "/officer/scorecard/1800.csv", None, 404),
        ("GET", "/officer/scorecard/99999999999999999999.csv", None, 404),
        ("GET", "/officer/scorecard/2025/NOSUCHORG", None, 404),
        ("GET", "/officer/scorecard/3000/{code}", None, 404),
        ("POST", "/officer/scorecard/2025/publish", {}, 400),
        ("POST", "/officer/scorecard/2025/publish", {"version": "x"}, 400),
        ("POST", "/officer/scorecard/2025/publish", {"version": "0"}, 400),
        ("POST", "/officer/scorecard/1800/publish", {"version": "1"}, 404),
    ],
)
def test_bad_input_is_a_clear_400_or_404(testapp, city_admin, civil, method, path, params, status):
    login(testapp, city_admin)
    path = path.format(code=civil.code)
    if method == "GET":
        res = testapp.get(path, status=status)
    else:
        res = testapp.post(path, {"csrf_token": testapp.csrf_token(), **params}, status=status)
    assert "<html" in res.text and (
        "年度" in res.text or "版本号" in res.text or "不存在" in res.text
    )


def test_the_default_year_is_the_last_full_year(testapp, city_admin):
    page = login(testapp, city_admin).get("/officer/scorecard")
    assert page.html.find("h1").text.startswith("2025 年度")
    assert "考核评议" in page.html.find("nav").text
