"""Table 二, 第二十条第（一）项: 规章 and 行政规范性文件 counted from the catalogue
(disclosure.reports.catalogue_counts), and the two catalogue fields it reads."""

from __future__ import annotations

import re
from datetime import date

import pytest

from disclosure.models import CatalogueItem
from disclosure.reports.catalogue_counts import normative_counts

from ..conftest import TODAY


def zero() -> dict[str, int]:
    return {"made": 0, "repealed": 0, "in_force": 0}


@pytest.fixture
def make_item(catalogue, item_data):
    counter = iter(range(1, 1000))

    def make(org, *, publish=True, **fields):
        n = next(counter)
        data = item_data(title=f"测试规范性文件第{n}号", document_number=f"咸民发〔2026〕{n}号")
        data.update(fields)
        item = catalogue.create(org, data, None)
        if publish:
            catalogue.publish(item, None, data["created_on"])
        return item

    return make


@pytest.fixture
def scenario(make_item, catalogue, civil, police):
    # A: 规章 made 2025, in force.
    make_item(civil, normative_kind="regulation", created_on=date(2025, 3, 1))
    # B: 规章 made 2025, repealed through the service on 2026-04-01.
    b = make_item(civil, normative_kind="regulation", created_on=date(2025, 6, 1))
    catalogue.repeal(b, None, "废止", today=date(2026, 4, 1))
    # C: 规范性文件 made 2026.
    make_item(civil, normative_kind="normative_document", created_on=date(2026, 2, 1))
    # D: 规范性文件 made 2024, repealed on 31 Dec 2025 (not in force at the end of 2025).
    make_item(
        civil,
        normative_kind="normative_document",
        created_on=date(2024, 5, 1),
        repealed_on=date(2025, 12, 31),
    )
    # E: 规范性文件 made 2026, to be repealed in 2027: in force at the end of 2026.
    make_item(
        civil,
        normative_kind="normative_document",
        created_on=date(2026, 1, 10),
        repealed_on=date(2027, 1, 1),
    )
    # Not counted: a draft, an item of no kind.
    make_item(civil, publish=False, normative_kind="regulation", created_on=date(2026, 5, 1))
    make_item(civil, created_on=date(2026, 5, 1))
    # Another organisation's 规章, made 2026.
    make_item(police, normative_kind="regulation", created_on=date(2026, 7, 1))
    return b


def test_counts_made_repealed_and_in_force_per_year(dbsession, scenario, civil):
    assert scenario.extra["repealed_on"] == "2026-04-01"
    assert normative_counts(dbsession, [civil.id], 2025) == {
        "regulation": {"made": 2, "repealed": 0, "in_force": 2},
        "normative_document": {"made": 0, "repealed": 1, "in_force": 0},
    }
    assert normative_counts(dbsession, [civil.id], 2026) == {
        "regulation": {"made": 0, "repealed": 1, "in_force": 1},
        "normative_document": {"made": 2, "repealed": 0, "in_force": 2},
    }
    assert normative_counts(dbsession, [civil.id], 2024) == {
        "regulation": zero(),
        "normative_document": {"made": 1, "repealed": 0, "in_force": 1},
    }


def test_counts_only_the_given_organisations(dbsession, scenario, civil, police):
    assert normative_counts(dbsession, [police.id], 2026) == {
        "regulation": {"made": 1, "repealed": 0, "in_force": 1},
        "normative_document": zero(),
    }
    both = normative_counts(dbsession, [civil.id, police.id], 2026)
    assert both["regulation"] == {"made": 1, "repealed": 1, "in_force": 2}
    assert normative_counts(dbsession, [], 2026) == {
        "regulation": zero(),
        "normative_document": zero(),
    }


def test_drafts_are_not_counted_until_published(dbsession, make_item, catalogue, civil):
    item = make_item(civil, publish=False, normative_kind="regulation", created_on=date(2026, 5, 1))
    assert normative_counts(dbsession, [civil.id], 2026)["regulation"] == zero()
    catalogue.publish(item, None, date(2026, 5, 2))
    assert normative_counts(dbsession, [civil.id], 2026)["regulation"] == {
        "made": 1,
        "repealed": 0,
        "in_force": 1,
    }


def test_repeal_keeps_an_existing_date_and_leaves_other_items_alone(make_item, catalogue, civil):
    dated = make_item(
        civil,
        normative_kind="regulation",
        created_on=date(2025, 1, 1),
        repealed_on=date(2026, 1, 15),
    )
    catalogue.repeal(dated, None, "废止", today=date(2026, 3, 1))
    assert dated.extra["repealed_on"] == "2026-01-15"
    plain = make_item(civil, created_on=date(2025, 1, 1))
    catalogue.repeal(plain, None, "废止", today=date(2026, 3, 1))
    assert not plain.extra.get("repealed_on")
    assert plain.status == "repealed"


def test_officer_form_page_and_api_show_the_two_fields(testapp, make_user, civil, dbsession):
    testapp.login(make_user(civil).email)
    form = testapp.get("/officer/items/new").forms["deform"]
    assert "规章/规范性文件类别" in form.text and "废止日期" in form.text
    assert "行政规范性文件" in form.text
    form["title"] = "咸阳市民政局社会救助办法"
    form["created_on"] = "2026-03-01"
    form["topic"] = "general_affairs"
    form["genre"] = "notice"
    form["normative_kind"] = "regulation"
    form["repealed_on"] = "2027-06-30"
    res = form.submit("save", status=303)
    item_id = int(re.search(r"/officer/items/(\d+)$", res.location).group(1))
    item = dbsession.get(CatalogueItem, item_id)
    assert item.extra["normative_kind"] == "regulation"
    assert item.extra["repealed_on"] == "2027-06-30"

    # The edit form shows the stored values back.
    edit = testapp.get(f"/officer/items/{item_id}/edit").forms["deform"]
    assert edit["normative_kind"].value == "regulation"
    assert edit["repealed_on"].value == "2027-06-30"
    edit["repealed_on"] = ""
    edit.submit("save", status=303)
    dbsession.refresh(item)
    assert not item.extra.get("repealed_on")

    testapp.post(
        f"/officer/items/{item_id}/publish",
        {"csrf_token": testapp.csrf_token(), "lock_version": item.lock_version},
        status=303,
    )
    dbsession.refresh(item)
    page = testapp.get(f"/catalogue/{item.index_number}")
    assert "规章/规范性文件类别" in page.text and "规章" in page.text
    data = testapp.get(f"/api/v1/catalogue/{item.index_number}").json
    assert data["normative_kind"] == "regulation"
    assert not data["repealed_on"]

    # Repealing it through the officer action dates the repeal (the clock's business date).
    officer_page = testapp.get(f"/officer/items/{item_id}")
    repeal = next(f for f in officer_page.forms.values() if f.action.endswith("/repeal"))
    repeal.submit(status=303)
    dbsession.refresh(item)
    assert item.status == "repealed"
    assert item.extra["repealed_on"] == TODAY.isoformat()
    page = testapp.get(f"/catalogue/{item.index_number}")
    assert "废止日期" in page.text and TODAY.isoformat() in page.text
    data = testapp.get(f"/api/v1/catalogue/{item.index_number}").json
    assert data["repealed_on"] == TODAY.isoformat()
    assert normative_counts(dbsession, [civil.id], TODAY.year)["regulation"] == {
        "made": 1,
        "repealed": 1,
        "in_force": 0,
    }
