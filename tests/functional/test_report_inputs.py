"""The annual report's hand-entered figures and sections (issue 11): 行政许可, 行政处罚, 行政强制
counts, 行政事业性收费 (万元), sections 一, 五, 六 and, for a government, 工作考核、社会评议和责任追究."""

from decimal import Decimal

import pytest

from disclosure.models import ReportInput

YEAR = 2025


@pytest.fixture
def county(orgs):
    return next(o for o in orgs.orgs if o.kind == "county")


@pytest.fixture
def officer(testapp, make_user, civil):
    user = make_user(civil)
    user.display_name = "王填报"
    testapp.login(user.email)
    return user


def url(org, year=YEAR):
    return f"/officer/reports/{org.code}/{year}/inputs"


def save(testapp, org, status, lock="1", **fields):
    params = {"csrf_token": testapp.csrf_token(), **fields}
    if lock is not None:
        params["lock_version"] = lock
    return testapp.post(url(org), params, status=status)


def stored(dbsession, org, year=YEAR):
    dbsession.expire_all()
    return dbsession.query(ReportInput).filter_by(organisation_id=org.id, year=year).one_or_none()


FIGURES = {
    "licences": "12",
    "penalties": "0",
    "enforcement": "3",
    "fees_wan": "1.2345",
    "overview": "本年度总体情况良好。",
    "problems": "存在的问题：公开不够及时。",
    "other_matters": "无其他事项。",
}


def test_save_and_reload_shows_figures_and_who_entered_them(testapp, dbsession, civil, officer):
    page = testapp.get(url(civil))
    assert "尚未填报" in page.text and page.forms["deform"]["lock_version"].value == "1"
    save(testapp, civil, 303, **FIGURES)
    row = stored(dbsession, civil)
    assert (row.licences, row.penalties, row.enforcement, row.fees_wan) == (
        12,
        0,
        3,
        Decimal("1.2345"),
    )
    assert (row.overview, row.problems, row.other_matters) == (
        FIGURES["overview"],
        FIGURES["problems"],
        FIGURES["other_matters"],
    )
    assert row.updated_by_id == officer.id and row.updated_at is not None
    page = testapp.get(url(civil))
    form = page.forms["deform"]
    assert form["licences"].value == "12" and form["fees_wan"].value == "1.2345"
    assert form["lock_version"].value == str(row.lock_version)
    assert "本年度总体情况良好。" in page.text
    who = page.html.find(class_="report-inputs-by").text
    assert "王填报" in who and row.updated_at.strftime("%Y-%m-%d %H:%M") in who
    # blank figures go back to "not entered"
    save(testapp, civil, 303, lock=str(row.lock_version), licences="", fees_wan="")
    row = stored(dbsession, civil)
    assert row.licences is None and row.fees_wan is None and row.overview == ""


def test_dashboard_links_to_last_years_inputs(testapp, civil, officer):
    page = testapp.get("/officer")
    assert f"/officer/reports/{civil.code}/2025/inputs" in page.text


@pytest.mark.parametrize(
    "field,value",
    [
        ("licences", "-1"),
        ("penalties", "abc"),
        ("enforcement", "1.5"),
        ("fees_wan", "1.23456"),
        ("fees_wan", "-2"),
        ("fees_wan", "十万"),
    ],
)
def test_bad_figures_are_refused_with_input_kept(testapp, dbsession, civil, officer, field, value):
    page = save(testapp, civil, 400, **{**FIGURES, field: value})
    assert "填写的内容有误" in page.text
    field_id = page.forms["deform"][field].id
    assert page.html.find(id=f"error-{field_id}") is not None
    assert page.forms["deform"][field].value == value
    assert page.forms["deform"]["overview"].value == FIGURES["overview"]
    assert stored(dbsession, civil) is None


def test_lock_version_missing_or_stale(testapp, dbsession, civil, officer, make_user):
    save(testapp, civil, 400, lock=None, **FIGURES)
    assert stored(dbsession, civil) is None
    save(testapp, civil, 303, **FIGURES)
    # a page rendered before that first save is stale
    page = save(testapp, civil, 409, **{**FIGURES, "licences": "99"})
    assert "已被他人修改" in page.text and page.forms["deform"]["licences"].value == "99"
    row = stored(dbsession, civil)
    assert row.licences == 12
    current = str(row.lock_version)
    save(testapp, civil, 303, lock=current, **{**FIGURES, "licences": "13"})
    save(testapp, civil, 409, lock=current, **{**FIGURES, "licences": "14"})
    assert stored(dbsession, civil).licences == 13


def test_government_report_has_the_accountability_section(
    testapp, dbsession, county, civil, make_user
):
    testapp.login(make_user(county).email)
    page = testapp.get(url(county))
    assert "工作考核、社会评议和责任追究" in page.text
    save(testapp, county, 303, accountability="考核结果优秀。")
    assert stored(dbsession, county).accountability == "考核结果优秀。"
    testapp.logout()
    testapp.login(make_user(civil).email)
    page = testapp.get(url(civil))
    assert "工作考核、社会评议和责任追究" not in page.text
    save(testapp, civil, 303, accountability="不该保存")
    assert stored(dbsession, civil).accountability == ""


def test_only_own_officers_edit_and_overseers_read(
    testapp, dbsession, orgs, civil, police, make_user
):
    testapp.login(make_user(police).email)
    testapp.get(url(civil), status=403)
    save(testapp, civil, 403, **FIGURES)
    testapp.logout()
    testapp.login(make_user(civil).email)
    save(testapp, civil, 303, **FIGURES)
    testapp.logout()
    overseer = next(o for o in orgs.ancestors(civil) if o.kind == "county")
    testapp.login(make_user(overseer, role="org_admin").email)
    page = testapp.get(url(civil))
    assert "只读" in page.text and "本年度总体情况良好。" in page.text
    assert "deform" not in page.forms
    row = stored(dbsession, civil)
    save(testapp, civil, 403, lock=str(row.lock_version), **{**FIGURES, "licences": "1"})
    assert stored(dbsession, civil).licences == 12


def test_unknown_organisation_or_year_is_404(testapp, civil, officer):
    testapp.get(f"/officer/reports/NOSUCHORG/{YEAR}/inputs", status=404)
    testapp.get(url(civil, 1989), status=404)
    testapp.get(url(civil, 2101), status=404)


def test_a_first_save_racing_another_is_a_conflict_not_an_error(
    testapp, dbsession, civil, officer, monkeypatch
):
    from disclosure.reports import inputs

    save(testapp, civil, 303, licences="3")
    # Another officer's first save lands between this one's look-up and its insert.
    monkeypatch.setattr(inputs, "find", lambda *args: None)
    res = save(testapp, civil, 409, licences="9")
    assert "已被他人修改" in res.text or "刷新" in res.text
    monkeypatch.undo()
    assert stored(dbsession, civil).licences == 3
