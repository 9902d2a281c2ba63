"""The scorecard, the statistics and the mail status in English: every marked message of their
pages, CSVs and errors is translated (``Accept-Language: en``), while the Chinese stays the
default and what is published or recorded (the ranking item, a figure's count) stays Chinese."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pyramid.i18n import make_localizer

from disclosure.i18n import _, chinese
from disclosure.i18n.extract import labels
from disclosure.mail.outbox import MailState
from disclosure.models import CatalogueItem
from disclosure.models.annual_reports import ScorecardPublication
from disclosure.scorecard.labels import label
from tests.english import ENGLISH, english_page

from . import test_scorecard, test_statistics
from .test_scorecard import login

# the fixtures of the scorecard's and the statistics' own tests: the same data, read in English
world = test_scorecard.world
city_admin = test_scorecard.city_admin
tree = test_statistics.tree
add_case = test_statistics.add_case
cases = test_statistics.cases

LOCALE = Path(__file__).resolve().parents[2] / "disclosure/locale"


def english(message) -> str:
    return make_localizer("en", [str(LOCALE)]).translate(message)


def test_the_ranking_in_english(testapp, world, city_admin):
    login(testapp, city_admin)
    page = english_page(testapp, "/officer/scorecard?year=2025")
    text = page.html.get_text()
    assert "Annual scorecard of government information disclosure work, 2025" in text
    assert "Indicators, weights and scoring rules" in text
    assert "Replies to disclosure on request on time" in text  # a label of scorecard.yaml
    assert "≥ 100% earns the full 25 points, ≤ 80% earns none" in text
    assert "left out when there is no data" in text
    assert "Departments" in text and "Total score" in text and "Publish the 2025 scorecard" in text
    assert "依申请公开按期答复率" not in text and "评议指标" not in text


def test_a_bodys_breakdown_in_english(testapp, world, city_admin):
    login(testapp, city_admin)
    page = english_page(testapp, f"/officer/scorecard/2025/{world.b.code}")
    text = page.html.get_text()
    assert "Total score" in text and "ranked" in text
    assert "Value: " in text and "points: " in text
    assert "working days" in text  # the median's evidence, one line per case
    assert "overdue" in text  # B's late case and its late annual report
    assert "Published 2025-" in text or "Published 2024-" in text
    assert "Missing: " in text  # B's item without a summary or keywords
    assert "应于" not in text and "发布，逾期" not in text


def test_the_publication_flash_and_errors_in_english(testapp, world, city_admin, dbsession):
    login(testapp, city_admin)
    page = testapp.get("/officer/scorecard?year=2025", headers=ENGLISH)
    form = page.forms[len(page.forms) - 1]
    done = form.submit(headers=ENGLISH).follow(headers=ENGLISH)
    assert "The 2025 scorecard has been published (version 1), index number" in done.text
    # what is published and frozen stays in Chinese, whoever published it
    publication = dbsession.query(ScorecardPublication).filter_by(year=2025).one()
    item = dbsession.get(CatalogueItem, publication.catalogue_item_id)
    assert item.title.endswith("2025年度政府信息公开工作年度考核评议结果")
    assert "评议指标及权重：依申请公开按期答复率（25）" in item.body
    counted = publication.ranking["levels"][0]["rows"][0]["indicators"]["median_answer_days"]
    assert counted["counted"] == "2 件"
    stale = form.submit(headers=ENGLISH, status=409)
    assert "Someone else has published this year" in stale.html.get_text()
    bad = english_page(testapp, "/officer/scorecard?year=abc", status=400)
    assert "The year must be four digits between 1990 and 2100" in bad.text
    chinese = testapp.get("/officer/scorecard?year=abc", status=400)
    assert "年度应为 1990 至 2100 之间的四位数字" in chinese.text


def test_the_scorecard_labels_are_translated_and_a_new_one_shown_as_written():
    source = Path(__file__).resolve().parents[2] / "catalog_schemas/scorecard.yaml"
    texts = [text for _line, text in labels(source.read_text(encoding="utf-8"), "scorecard")]
    assert len(texts) > 10 and all(english(label(text)) != text for text in texts)
    assert english(label("部门")) == "Departments"
    assert english(label("某个新指标")) == "某个新指标"  # a label the file gained later


def test_the_public_statistics_in_english(testapp, tree, cases):
    page = english_page(testapp, f"/statistics?year=2025&org={tree['county'].code}")
    text = page.html.get_text()
    assert "Disclosure on request: statistics" in text
    assert f"{tree['county'].name} and the bodies under it" in text
    assert "Applications for government information disclosure received in 2025, by month" in text
    assert "Overview" in text and "Median working days to reply" in text
    assert "Same day" in text and "Over 40 days" in text  # every bucket, even empty
    svg = page.html.find("svg", id="chart-monthly")
    assert svg.find("title").get_text().endswith("by month")
    assert (
        svg.find("desc")
        .get_text()
        .startswith(
            "Applications for government information disclosure received in 2025, by month: Jan "
        )
    )
    assert "件" not in svg.get_text() and "月" not in svg.get_text()
    assert "Natural persons" in text


def test_the_officer_statistics_and_csv_in_english(testapp, tree, cases, make_user):
    admin = make_user(tree["county"], "org_admin")
    testapp.login(admin.email)
    page = english_page(testapp, "/officer/statistics?year=2025")
    text = page.html.get_text()
    assert "officers' version" in text and "By body" in text and "Overdue, not finished" in text
    assert "All bodies you may view" in text
    rows = list(
        csv.reader(
            io.StringIO(
                testapp.get(
                    "/officer/statistics.csv?figure=breakdown&year=2025", headers=ENGLISH
                ).text.lstrip("\ufeff")
            )
        )
    )
    assert rows[0][:3] == ["Year", "Body code", "Body"]
    summary = testapp.get("/statistics.csv?figure=summary&year=2025", headers=ENGLISH).text
    assert "Median working days to reply" in summary and "Whole city" in summary
    chinese = testapp.get("/statistics.csv?figure=summary&year=2025").text
    assert "答复所用工作日中位数" in chinese and "全市" in chinese


def test_bad_statistics_parameters_in_english(testapp):
    page = english_page(testapp, "/statistics?year=1800", status=400)
    assert "Invalid year" in page.text
    assert "Must be a four-digit year between 1990 and 2100" in page.text
    res = testapp.get("/statistics.csv?figure=nope&year=2025", headers=ENGLISH, status=400)
    assert "Invalid figure name" in res.text and "Must be one of monthly, outcomes" in res.text


def test_the_mail_status_labels():
    number = "公开受〔2026〕1号"
    letter = MailState(_("文书 ${number}", mapping={"number": number}), "retrying", 2, "", "")
    assert chinese(letter.label) == "文书 公开受〔2026〕1号"  # the Chinese, as before
    assert chinese(letter.state_label) == "发送失败（将重试）"
    assert english(letter.label) == "Notice 公开受〔2026〕1号"
    assert english(letter.state_label) == "Sending failed (will retry)"
