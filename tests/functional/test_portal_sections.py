"""The portal's standard sections and the organisation pages (issue 15).

The 政府信息公开 column, for the portal and for each organisation with its descendants: the guide,
the rules about disclosure (a catalogue category), 法定主动公开内容 (the kinds of the law, data in
catalog_schemas/proactive/), the annual reports and 依申请公开. Organisation pages show what the
body does and how to reach it, from the organisation data. Public items only, through the public
boundary: never a draft, a withheld item, or another tree's items."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from disclosure.catalogue.registry import SchemaError, load_organisation_seed, load_schema
from disclosure.law import load_law
from disclosure.law.proactive import load_proactive
from disclosure.law.profiles import ProfileError
from disclosure.organisations.seed import CONTACT_KEYS, load_organisations
from disclosure.portal import load_portal
from disclosure.portal.sections import KEYS, load_sections
from disclosure.reports import lifecycle

from ..conftest import ROOT, TODAY

SCHEMAS = ROOT / "catalog_schemas"
SEED = SCHEMAS / "organisations" / "xianyang.yaml"
RULES = "zcwj_gkzd"  # 政府信息公开制度, the category of the rules section (sections.yaml)


def walk(node):
    yield node
    for child in node.get("children") or []:
        yield from walk(child)


@pytest.fixture
def places(orgs):
    city = orgs.roots[0]
    county = orgs.by_code["016001001"]  # 秦都区人民政府
    township = orgs.by_code["016001201"]  # 秦都区人民路街道办事处
    other = orgs.by_code["016002001"]  # 渭城区人民政府, another county
    return city, county, township, other


@pytest.fixture
def publish(catalogue, item_data):
    def make(org, title, on=date(2026, 6, 1), **data):
        item = catalogue.create(org, item_data(title=title, **data), None)
        catalogue.publish(item, None, on)
        return item

    return make


# -- the organisation data ----------------------------------------------------------------------


def test_every_seeded_body_has_functions_and_contacts_that_agree_with_its_guide(schema):
    nodes = list(walk(load_organisation_seed(SEED, schema)))
    assert len(nodes) == 72
    for node in nodes:
        for key in ("functions", "address", "postcode", "phone", "office_hours"):
            assert node.get(key), f"{node['name']}: {key}"
        guide = node["guide"]
        for key in ("address", "phone", "office_hours"):
            assert node[key] in guide, f"{node['name']}: {key} differs from the guide"
        for key in ("fax", "email"):  # the townships have neither
            if node.get(key):
                assert node[key] in guide, f"{node['name']}: {key} differs from the guide"
        if "邮编：" in guide:
            assert f"邮编：{node['postcode']}" in guide


def test_the_seed_loader_updates_contacts_and_the_seed_is_checked(dbsession, schema, orgs):
    tree = load_organisation_seed(SEED, schema)
    office = tree["children"][0]
    office["phone"], office["functions"] = "029-00000000", "新的职能说明"
    created, updated = load_organisations(dbsession, tree)
    assert (created, updated) == (0, 1)
    row = dbsession.get(type(orgs.by_code[office["code"]]), orgs.by_code[office["code"]].id)
    assert (row.phone, row.functions) == ("029-00000000", "新的职能说明")
    assert set(CONTACT_KEYS) <= set(office)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("postcode", "71200", "postcode"), ("email", "not-an-address", "email"), ("fax", 12, "fax")],
)
def test_a_bad_contact_in_the_seed_stops_loading(tmp_path, schema, key, value, message):
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["children"][1][key] = value
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SchemaError, match=f"children\\[1\\].{message}"):
        load_organisation_seed(path, schema)


def test_organisation_page_shows_functions_contacts_latest_items_and_children(
    testapp, places, publish, catalogue, item_data
):
    _, county, township, other = places
    for day in range(1, 12):  # eleven items: the page shows the ten newest
        publish(township if day % 2 else county, f"秦都公开信息第{day:02d}号", date(2026, 5, day))
    publish(other, "渭城区的公开信息")
    catalogue.create(county, item_data(title="秦都区草稿不公开"), None)
    page = testapp.get(f"/organisations/{county.code}")
    text = page.text
    for value in (
        county.functions,
        county.address,
        county.postcode,
        county.phone,
        county.fax,
        county.email,
        county.office_hours,
    ):
        assert value and value in text
    latest = page.html.find("section", class_="org-latest").text
    assert "秦都公开信息第11号" in latest and "秦都公开信息第02号" in latest  # a township's too
    assert "秦都公开信息第01号" not in latest  # the eleventh newest
    assert "渭城区的公开信息" not in latest and "秦都区草稿不公开" not in text
    assert township.name in text  # its children
    assert f"/organisations/{county.code}/guide" in text
    for key in KEYS:
        assert f"/organisations/{county.code}/sections/{key}" in text
    # a township has no fax and no e-mail: the page says so, it does not leave a gap
    contacts = testapp.get(f"/organisations/{township.code}").html.find("table", class_="contacts")
    assert township.address in contacts.text and "——" in contacts.text


# -- the column ---------------------------------------------------------------------------------


def test_home_and_the_index_link_every_section(testapp, places):
    _, county, *_ = places
    home = testapp.get("/")
    assert "/sections" in home.text
    index = testapp.get("/sections")
    org_index = testapp.get(f"/organisations/{county.code}/sections")
    for section in load_sections(SCHEMAS / "sections.yaml"):
        assert section.title in home.text and section.title in index.text
        assert f"/sections/{section.key}" in index.text
        assert f"/organisations/{county.code}/sections/{section.key}" in org_index.text


def test_the_guide_section_is_the_guide(testapp, places):
    city, county, *_ = places
    assert testapp.get("/sections/guide", status=302).location.endswith(
        f"/organisations/{city.code}/guide"
    )
    res = testapp.get(f"/organisations/{county.code}/sections/guide", status=302)
    assert res.location.endswith(f"/organisations/{county.code}/guide")


def test_the_rules_section_lists_the_rules_of_the_body_and_its_descendants(
    testapp, places, publish, catalogue, item_data
):
    city, county, township, other = places
    publish(county, "秦都区政府信息公开工作制度", category=RULES)
    publish(township, "人民路街道政府信息公开保密审查制度", category=RULES)
    publish(other, "渭城区政府信息公开工作制度", category=RULES)
    publish(county, "秦都区规范性文件（不是公开制度）", category="zcwj_gfxwj")
    publish(county, "不予公开的制度", category=RULES, disclosure_mode="withheld")
    catalogue.create(county, item_data(title="公开制度草稿", category=RULES), None)

    page = testapp.get(f"/organisations/{county.code}/sections/rules").text
    assert "秦都区政府信息公开工作制度" in page and "人民路街道政府信息公开保密审查制度" in page
    for absent in ("渭城区政府信息公开工作制度", "不是公开制度", "不予公开的制度", "公开制度草稿"):
        assert absent not in page
    assert "共 2 条" in page
    portal = testapp.get("/sections/rules").text
    assert "渭城区政府信息公开工作制度" in portal and "秦都区政府信息公开工作制度" in portal
    assert "公开制度草稿" not in portal
    township_page = testapp.get(f"/organisations/{township.code}/sections/rules").text
    assert "秦都区政府信息公开工作制度" not in township_page  # not the parent's


def test_lists_are_paged_and_a_page_past_the_last_is_404(testapp, places, publish):
    _, county, *_ = places
    url = f"/organisations/{county.code}/sections/rules"
    testapp.get(url + "?page=2", status=404)
    for n in range(21):
        publish(county, f"第{n:02d}项公开制度", date(2026, 4, 1 + n), category=RULES)
    first = testapp.get(url).text
    assert "第20项公开制度" in first and "第00项公开制度" not in first
    assert "第 1 / 2 页" in first
    second = testapp.get(url + "?page=2").text
    assert "第00项公开制度" in second
    testapp.get(url + "?page=3", status=404)


def test_proactive_section_lists_the_kinds_of_the_law_with_their_items(
    app, testapp, places, publish
):
    _, county, township, other = places
    law = app.registry["request_rules"].law
    kinds = load_proactive(SCHEMAS / "proactive", law.profiles)["ogi-2019"]
    publish(township, "人民路街道2026年部门预算", category="czzj_ys")  # a sub-category
    publish(county, "秦都区政府规章", genre="order")  # matched by genre
    publish(other, "渭城区2026年部门预算", category="czzj_ys")
    publish(county, "秦都区政务公开通知", category="ghjh_ndjh")  # none of the kinds

    page = testapp.get(f"/organisations/{county.code}/sections/proactive")
    assert kinds.citation in page.text and "第二十条" in page.text
    rows = {
        tr.find_all("td")[0].text.strip(): tr.find_all("td")[2].text.strip()
        for tr in page.html.find("table", class_="list").find("tbody").find_all("tr")
    }
    assert list(rows) == [k.reference for k in kinds.kinds]
    for kind in kinds.kinds:
        assert kind.label in page.text
    by_code = {k.code: k for k in kinds.kinds}
    assert rows[by_code["budgets"].reference] == "1 条"  # the township's, not 渭城区's
    assert rows[by_code["rules"].reference] == "1 条"
    assert rows[by_code["fees"].reference] == "检索"  # no category holds it: a search link

    budgets = testapp.get(f"/organisations/{county.code}/sections/proactive/budgets").text
    assert "人民路街道2026年部门预算" in budgets and "渭城区2026年部门预算" not in budgets
    assert "第二十条第（七）项" in budgets
    portal = testapp.get("/sections/proactive/budgets").text
    assert "渭城区2026年部门预算" in portal and "秦都区政务公开通知" not in portal
    testapp.get("/sections/proactive/nonsense", status=404)


def test_proactive_section_follows_the_rules_in_force(app, testapp):
    before = app.registry.get("disclosure.clock")
    app.registry["disclosure.clock"] = lambda: date(2018, 6, 1)  # the 2008 Regulations
    try:
        page = testapp.get("/sections/proactive").text
        assert "第十条" in page and "第二十条" not in page
        assert "财政预算、决算报告" in page  # 2008's wording of the item
    finally:
        app.registry["disclosure.clock"] = before
    assert "第二十条" in testapp.get("/sections/proactive").text


def test_reports_section_lists_the_latest_published_versions_in_scope(
    app, testapp, dbsession, places, catalogue
):
    city, county, township, _ = places
    law = app.registry["request_rules"].law
    for org in (city, township):
        lifecycle.publish(dbsession, catalogue, None, org, 2025, law, None, TODAY, 1)
    lifecycle.correct(
        dbsession, catalogue, None, township, 2025, law, None, TODAY, 2, "更正表三数据"
    )
    page = testapp.get(f"/organisations/{county.code}/sections/reports")
    rows = page.html.find("table", class_="list").find("tbody").find_all("tr")
    assert len(rows) == 1 and township.name in rows[0].text and city.name not in rows[0].text
    assert "第2版" in rows[0].text and "2025年" in rows[0].text
    assert f"/organisations/{township.code}/annual-reports/2025.pdf" in page.text
    portal = testapp.get("/sections/reports").text
    assert city.name in portal and f"/organisations/{city.code}/annual-reports/2025/summary" in (
        portal
    )
    assert "共 2 份" in portal


def test_apply_section_links_the_forms_and_quotes_the_rules_in_force(app, testapp, places):
    _, county, *_ = places
    profile = app.registry["request_rules"].profile_for(TODAY)
    page = testapp.get(f"/organisations/{county.code}/sections/apply").text
    assert f"/apply/form.pdf?organisation={county.code}" in page
    assert f"/requests/new?organisation={county.code}" in page
    assert "/released" in page and "/requests/status" in page
    assert county.address in page and county.phone in page
    assert profile.wording("answer_rule") in page and profile.article("receipt") in page
    portal = testapp.get("/sections/apply").text
    assert "/apply/form.pdf" in portal and "/organisations" in portal


# -- the data is checked at start-up --------------------------------------------------------------


@pytest.fixture
def schemas_copy(tmp_path) -> Path:
    target = tmp_path / "catalog_schemas"
    shutil.copytree(SCHEMAS, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_kind_naming_an_unknown_category_stops_start_up(schemas_copy):
    path = schemas_copy / "proactive" / "ogi-2019.yaml"
    _edit(path, lambda d: d["kinds"][0]["match"].append({"category": ["no_such_code"]}))
    schema, law = load_schema(schemas_copy), load_law(schemas_copy)
    with pytest.raises(ProfileError, match="kinds\\[0\\] \\(rules\\).match\\[2\\].category"):
        load_portal(schemas_copy, schema, law)


def test_every_profile_needs_its_list_and_every_section_is_there(schemas_copy):
    schema, law = load_schema(schemas_copy), load_law(schemas_copy)
    (schemas_copy / "proactive" / "ogi-2008.yaml").unlink()
    with pytest.raises(ProfileError, match="ogi-2008.yaml: 文件不存在"):
        load_portal(schemas_copy, schema, law)
    shutil.copy(SCHEMAS / "proactive" / "ogi-2008.yaml", schemas_copy / "proactive")
    _edit(schemas_copy / "sections.yaml", lambda d: d["sections"].pop(1))
    with pytest.raises(SchemaError, match="缺少栏目.*'rules'"):
        load_portal(schemas_copy, schema, law)
