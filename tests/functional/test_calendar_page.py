"""/officer/calendar: the city office previews a year's holiday arrangement, then confirms it."""

from __future__ import annotations

from datetime import date

import pytest

from disclosure.models import CalendarYear
from disclosure.requests.workflow import recompute

from .test_requests import submit_case

ARRANGEMENT = (
    "year: 2027\n"
    "source: 测试安排\n"
    "holidays:\n"
    "  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}\n"
    "  - {from: 2027-01-11, to: 2027-01-15, name: 测试假期}\n"
)


@pytest.fixture
def city_admin(testapp, make_user, orgs):
    user = make_user(orgs.roots[0], "city_admin")
    testapp.login(user.email)
    return user


@pytest.fixture
def provisional_case(testapp, civil, dbsession):
    """Received Tue 15 Dec 2026: 12 working days in 2026, then 2027 without an arrangement
    (Fri 1 Jan 元旦 computed): 4-8 Jan, 11-13 Jan, due Wed 13 Jan 2027, provisional."""
    req = submit_case(
        testapp,
        dbsession,
        name="吴十",
        phone="13700000001",
        organisation=civil.code,
        description="请提供2026年低保资金发放情况",
        delivery_channel="on_site",
    )
    req.received_on = date(2026, 12, 15)
    recompute(req, testapp.app.registry["request_rules"].context(dbsession, req.received_on))
    dbsession.flush()
    assert (req.due_on, req.provisional) == (date(2027, 1, 13), True)
    return req


@pytest.fixture
def final_case(testapp, civil, dbsession):
    """Received Fri 20 Nov 2026, due Fri 18 Dec 2026: not provisional, never recomputed."""
    req = submit_case(
        testapp,
        dbsession,
        name="郑十一",
        phone="13700000002",
        organisation=civil.code,
        description="请提供2026年养老服务补贴标准",
        delivery_channel="on_site",
    )
    assert req.provisional is False
    return req


def arrangement_form(page):
    return next(
        f for f in page.forms.values() if "arrangement" in f.fields and "confirm" not in f.fields
    )


def confirm_form(page):
    return next(f for f in page.forms.values() if "confirm" in f.fields)


def preview(testapp, text=ARRANGEMENT, status=200):
    form = arrangement_form(testapp.get("/officer/calendar"))
    form["arrangement"] = text
    return form.submit(status=status)


def test_only_the_city_admin_sees_the_page(testapp, make_user, civil, orgs):
    testapp.login(make_user(civil, "org_admin").email)
    testapp.get("/officer/calendar", status=403)
    testapp.post(
        "/officer/calendar",
        {"csrf_token": testapp.csrf_token(), "arrangement": ARRANGEMENT, "confirm": "1"},
        status=403,
    )


def test_example_is_a_placeholder_not_a_value(testapp, city_admin):
    page = testapp.get("/officer/calendar")
    textarea = page.html.select_one("form.arrangement textarea#arrangement")
    assert textarea.get_text().strip() == ""
    assert arrangement_form(page)["arrangement"].value == ""
    assert textarea["placeholder"].startswith("year: 2027\nsource: 国务院办公厅")
    assert page.html.select_one("label[for=arrangement]")
    assert not page.html.select("section.preview")


def test_years_without_an_arrangement_show_the_computed_statutory_days(testapp, city_admin):
    rows = {
        tr.select("td")[0].text: [td.text for td in tr.select("td")[1:]]
        for tr in testapp.get("/officer/calendar").html.select("table.list tbody tr")
    }
    assert rows["2026"] == ["已有节假日安排", "—"]
    basis, days = rows["2027"]
    assert "按法定节日计算（不含调休），暂定" in basis
    assert "春节 2月5日至2月8日" in days and "国庆节 10月1日至10月3日" in days


def test_post_without_confirm_previews_and_changes_nothing(
    testapp, city_admin, provisional_case, final_case, dbsession
):
    page = preview(testapp)
    section = page.html.select_one("section.preview")
    assert "请确认：载入 2027 年节假日安排" in section.text
    summary = {tr.th.text: tr.td.text for tr in section.select("table.summary tr")}
    assert summary["年份"] == "2027"
    assert summary["依据"] == "测试安排"
    assert summary["放假日"] == "8 天（2 项）"
    assert summary["调休上班日"] == "0 天（0 项）"
    assert "按法定节日计算" in summary["现状"]
    # the statutory days the text leaves out are pointed at (元旦 is listed)
    unlisted = section.select_one("p.unlisted").text
    assert "2027-02-05（春节）" in unlisted and "2027-10-01（国庆节）" in unlisted
    assert "2027-01-01" not in unlisted
    # the provisional case with its old and new due date: 4-8 Jan, 11-15 Jan off, 18-20 Jan
    rows = section.select("table.cases tbody tr")
    assert len(rows) == 1  # the case due in 2026 is not recomputed
    cells = [td.text.strip() for td in rows[0].select("td")]
    assert cells[0] == provisional_case.tracking_number
    assert cells[1:] == ["2026-12-15", "2027-01-13 暂定", "2027-01-20"]
    assert "changed" in rows[0]["class"]
    # nothing stored, nothing recomputed
    assert dbsession.get(CalendarYear, 2027) is None
    dbsession.refresh(provisional_case)
    assert (provisional_case.due_on, provisional_case.provisional) == (date(2027, 1, 13), True)
    assert all(e.action != "recalculate" for e in provisional_case.events)
    # the confirm button carries the same text, the CSRF token and confirm=1
    confirm = confirm_form(page)
    assert confirm["arrangement"].value == ARRANGEMENT
    assert confirm["confirm"].value == "1"
    assert confirm["csrf_token"].value
    # the text stays in the textarea to be edited
    assert arrangement_form(page)["arrangement"].value == ARRANGEMENT


def test_confirmed_post_loads_and_recomputes(
    testapp, city_admin, provisional_case, final_case, dbsession
):
    done = confirm_form(preview(testapp)).submit(status=303)
    row = dbsession.get(CalendarYear, 2027)
    assert row is not None and row.arrangement["source"] == "测试安排"
    assert row.loaded_by_id == city_admin.id
    assert (provisional_case.due_on, provisional_case.provisional) == (date(2027, 1, 20), False)
    assert provisional_case.events[-1].action == "recalculate"
    assert final_case.events[-1].action != "recalculate"
    page = done.follow()
    assert "已载入 2027 年节假日安排，重新计算了 1 件申请的答复期限" in page.text
    rows = {tr.select("td")[0].text: tr.select("td")[1].text for tr in page.html.select("tbody tr")}
    assert rows["2027"] == "已有节假日安排"
    # loading again shows what it replaces
    again = preview(testapp, ARRANGEMENT.replace("测试安排", "更正后的安排"))
    summary = again.html.select_one("section.preview table.summary").text
    assert "将替换现有安排：测试安排" in summary
    assert "目前没有需要重新计算的申请" in again.text


def test_text_with_markup_and_quotes_round_trips_through_the_confirm_form(
    testapp, city_admin, dbsession
):
    text = ARRANGEMENT.replace("source: 测试安排", "source: '通知 \"第1号\" <b>&</b>'")
    page = preview(testapp, text)
    assert "<b>&</b>" not in page.text  # escaped in the page
    assert confirm_form(page)["arrangement"].value == text
    confirm_form(page).submit(status=303)
    assert dbsession.get(CalendarYear, 2027).arrangement["source"] == '通知 "第1号" <b>&</b>'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "year: 2027\nsource: 测试\nholidays:\n  - {date: 2028-01-01, name: 错}\n",
            "不在 2027 年内",
        ),
        ("year: [2027\n", "无法解析 YAML"),
        ("- 2027\n", "内容应为一个 YAML 映射"),
        ("   \n", "请填写节假日安排"),
        ("year: 2027\nholidays:\n  - {date: 2027-01-01, name: 元旦}\n", "source is required"),
        ("year: 2027\nsource: x\nholidays: []\nextra: 1\n", "unknown keys"),
    ],
)
def test_errors_show_next_to_the_textarea_with_the_input_kept(
    testapp, city_admin, dbsession, text, message
):
    page = preview(testapp, text, status=400)
    error = page.html.select_one("form.arrangement p.error#arrangement-error")
    assert error is not None and message in error.text
    textarea = page.html.select_one("form.arrangement textarea#arrangement")
    assert textarea["aria-describedby"] == "arrangement-error"
    assert arrangement_form(page)["arrangement"].value == text
    assert not page.html.select("section.preview")
    assert "节假日安排" in page.html.title.text  # the calendar page, not a generic error page
    assert dbsession.get(CalendarYear, 2027) is None


def test_a_tampered_confirm_is_validated_again(testapp, city_admin, dbsession):
    res = testapp.post(
        "/officer/calendar",
        {
            "csrf_token": testapp.csrf_token(),
            "arrangement": "year: 2027\nsource: x\nholidays: []\n",
            "confirm": "1",
        },
        status=400,
    )
    assert "holidays must not be empty" in res.html.select_one("p.error").text
    assert dbsession.get(CalendarYear, 2027) is None


def test_overlong_text_is_refused_with_the_input_kept(testapp, city_admin):
    text = ARRANGEMENT + "# " + "长" * 20000 + "\n"
    page = preview(testapp, text, status=400)
    assert "内容过长" in page.html.select_one("p#arrangement-error").text


def test_csrf_is_required_for_preview_and_confirm(testapp, city_admin, dbsession):
    for data in ({"arrangement": ARRANGEMENT}, {"arrangement": ARRANGEMENT, "confirm": "1"}):
        res = testapp.post("/officer/calendar", data, status=400)
        assert "表单已过期" in res.text
        res = testapp.post("/officer/calendar", {**data, "csrf_token": "wrong"}, status=400)
    assert dbsession.get(CalendarYear, 2027) is None
