"""Every disclosure guide (公开指南, Art. 12) in the demo seed carries what the law asks of it.

DOMAIN.md §2–§3: the catalogue's classification and arrangement, how to apply (with an e-mail or
online address), and the remedy: reconsideration within 60 days before the right body (the
government at the same level since 2024; vertically managed bodies: their superior), a lawsuit
within 6 months, and for refusals reconsideration first (复议前置), then a suit within 15 days.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from disclosure.catalogue.registry import load_organisation_seed, load_schema
from disclosure.letters.services import reconsideration_body
from disclosure.models import Organisation
from disclosure.scorecard.config import load_scorecard
from disclosure.scorecard.guides import EMAIL_RE, FIRST_RECONSIDERATION_RE, URL_RE, guide_missing

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
SCHEMA = load_schema(SCHEMAS)
SEED = load_organisation_seed(SCHEMAS / "organisations" / "xianyang.yaml", SCHEMA)

# the guide's elements are the scorecard's rule (disclosure.scorecard.guides), which the yearly
# evaluation scores; these tests check every demo guide against it
GUIDE_PHRASES = load_scorecard(SCHEMAS, SCHEMA).indicator("guide_complete").params["phrases"]


def _build(node: dict, parent: Organisation | None, out: list) -> None:
    """Unsaved Organisation objects, so the letters' own rule can be asked for each body."""
    org = Organisation(
        code=str(node["code"]),
        name=node["name"],
        short_name=node["short_name"],
        kind=node["kind"],
        category_tree=node.get("category_tree", "generic"),
        guide=(node.get("guide") or "").strip(),
        reconsideration_body=node.get("reconsideration_body") or "",
        parent=parent,
    )
    out.append(org)
    for child in node.get("children") or []:
        _build(child, org, out)


ORGS: list[Organisation] = []
_build(SEED, None, ORGS)
BY_CODE = {o.code: o for o in ORGS}


def each_organisation():
    return pytest.mark.parametrize("org", ORGS, ids=[f"{o.code}-{o.name}" for o in ORGS])


def test_the_seed_has_a_guide_for_every_organisation():
    assert len(ORGS) == 72
    assert all(o.guide for o in ORGS)


@each_organisation()
def test_guide_is_complete_by_the_scorecard_rule(org):
    assert guide_missing(org, SCHEMA, GUIDE_PHRASES) == []


@each_organisation()
def test_guide_names_the_right_reconsideration_body(org):
    body = reconsideration_body(org)
    assert body != "上一级人民政府"  # every body in the seed has a named one
    named = set(re.findall(r"向(\S+?)申请行政复议", org.guide))
    assert named == {body}, f"{org.name}: guide names {named}, letters say {body}"
    assert f"60日内向{body}申请行政复议" in org.guide


@each_organisation()
def test_guide_states_time_limits_and_reconsideration_first_for_refusals(org):
    guide = org.guide
    assert "60日" in guide
    assert "6个月" in guide
    assert FIRST_RECONSIDERATION_RE.search(guide), "复议前置 for 不予公开 decisions"
    assert "不予公开" in guide
    assert re.search(r"行政复议决定书之日起15日内\S*提起行政诉讼", guide)


@each_organisation()
def test_guide_describes_the_catalogue_classification_and_arrangement(org):
    guide = org.guide
    assert "分类" in guide and "编排" in guide
    assert "主题分类" in guide and "体裁分类" in guide
    assert SCHEMA.category_tree(org.category_tree).label in guide  # the body's own tree
    assert f"{org.code}/" in guide and "索引号" in guide
    assert "发布日期" in guide


@each_organisation()
def test_guide_gives_an_email_or_online_address_for_applications(org):
    guide = org.guide
    assert EMAIL_RE.search(guide) or URL_RE.search(guide)
    urls = URL_RE.findall(guide)
    assert all(org.code in url for url in urls if "/requests/new" in url)


@each_organisation()
def test_guide_keeps_scope_methods_contacts_limits_and_fees(org):
    guide = org.guide
    for part in ("公开范围", "公开方式", "受理机构", "地址：", "电话：", "20个工作日", "收费"):
        assert part in guide, part


def test_email_addresses_differ_per_organisation():
    emails = [m for o in ORGS for m in set(EMAIL_RE.findall(o.guide))]
    assert emails and len(emails) == len(set(emails))


def test_tax_bureau_is_vertical_and_its_superior_hears_reconsideration():
    tax = BY_CODE["016000108"]
    assert tax.name == "国家税务总局咸阳市税务局" and tax.category_tree == "tax"
    assert reconsideration_body(tax) == "国家税务总局陕西省税务局"
    assert "咸阳市人民政府申请行政复议" not in tax.guide


def test_a_department_and_a_township_go_to_the_government_at_their_level():
    assert reconsideration_body(BY_CODE["016000102"]) == "咸阳市人民政府"
    assert reconsideration_body(BY_CODE["016004101"]) == "三原县人民政府"
    assert reconsideration_body(BY_CODE["016001201"]) == "秦都区人民政府"
    assert reconsideration_body(BY_CODE["016000001"]) == "陕西省人民政府"


def test_nine_pilot_departments_as_organised_today():
    pilots = [o for o in BY_CODE["016000001"].children if o.category_tree != "generic"]
    assert len(pilots) == 9
    trees = {o.category_tree for o in pilots}
    assert trees == {
        "civil_affairs",
        "public_security",
        "health",
        "transport",
        "agriculture",
        "commerce",
        "tax",
        "education",
        "human_resources",
    }
    assert not {"state_tax", "local_tax"} & set(SCHEMA.category_trees)
    assert "016000109" not in BY_CODE  # the old local tax bureau merged into 016000108
