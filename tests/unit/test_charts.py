"""The SVG bar charts: well-formed XML, a text alternative, one bar per value, scaled bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from disclosure.statistics.charts import MAX_LABEL_WIDTH, WIDTH, bar_chart, describe, text_width

NS = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{NS}rect") if r.get("class") == "bar"]


def test_a_chart_is_well_formed_with_title_desc_and_one_bar_per_value():
    data = [(f"{m}月", m % 4) for m in range(1, 13)]
    svg = parse(bar_chart(data, chart_id="chart-monthly", title="2025年各月收到的申请"))
    assert svg.tag == f"{NS}svg"
    assert svg.get("role") == "img"
    assert svg.get("width") == "100%"
    assert svg.get("viewBox") == f"0 0 {WIDTH} {8 * 2 + 28 * 12}"
    title, desc = svg.find(f"{NS}title"), svg.find(f"{NS}desc")
    assert title.text == "2025年各月收到的申请"
    assert title.get("id") == "chart-monthly-title" and desc.get("id") == "chart-monthly-desc"
    assert svg.get("aria-labelledby") == "chart-monthly-title chart-monthly-desc"
    assert desc.text.startswith("1月 1件；2月 2件；3月 3件；4月 0件")
    assert len(bars(svg)) == 12
    # every bar names its label and value (a tooltip), every value is written beside its bar
    assert [b.find(f"{NS}title").text for b in bars(svg)][:2] == ["1月：1件", "2月：2件"]
    assert [t.get("data-value") for t in svg.iter(f"{NS}text") if t.get("data-value")][:4] == [
        "1",
        "2",
        "3",
        "0",
    ]


def test_bars_are_proportional_and_the_largest_fills_the_room():
    svg = parse(bar_chart([("甲", 2), ("乙", 4), ("丙", 0)], chart_id="c", title="t"))
    widths = [float(b.get("width")) for b in bars(svg)]
    assert widths[2] == 0
    assert widths[1] == pytest.approx(2 * widths[0])
    x = float(bars(svg)[0].get("x"))
    assert x + widths[1] <= WIDTH - 50  # room is left for the value after the longest bar


def test_labels_get_a_column_that_fits_them():
    short = parse(bar_chart([("甲", 1)], chart_id="a", title="t"))
    long = parse(bar_chart([("办理中（已逾期）", 1)], chart_id="b", title="t"))
    x_short, x_long = float(bars(short)[0].get("x")), float(bars(long)[0].get("x"))
    assert x_long >= text_width("办理中（已逾期）") > x_short
    huge = parse(bar_chart([("很" * 40, 1)], chart_id="h", title="t"))
    assert float(bars(huge)[0].get("x")) == MAX_LABEL_WIDTH


def test_text_is_escaped():
    svg = parse(bar_chart([("<b>&\"'", 1)], chart_id="e", title="A & <B>", desc="x < y", unit="件"))
    assert svg.find(f"{NS}title").text == "A & <B>"
    assert svg.find(f"{NS}desc").text == "x < y"
    assert bars(svg)[0].find(f"{NS}title").text == "<b>&\"'：1件"


def test_all_zero_and_empty_data():
    zero = parse(bar_chart([("甲", 0), ("乙", 0)], chart_id="z", title="t"))
    assert [float(b.get("width")) for b in bars(zero)] == [0, 0]
    empty = parse(bar_chart([], chart_id="n", title="t"))
    assert bars(empty) == []
    assert "没有数据" in "".join(empty.itertext())
    assert describe([], "件") == "没有数据。"


def test_fractional_values_are_written_with_one_decimal():
    assert describe([("中位数", 7.5), ("第90百分位数", 10.0)], "日") == (
        "中位数 7.5日；第90百分位数 10日。"
    )


@pytest.mark.parametrize("chart_id", ["", "a b", 'x"y', "图表"])
def test_chart_id_must_be_a_plain_id(chart_id):
    with pytest.raises(ValueError):
        bar_chart([("甲", 1)], chart_id=chart_id, title="t")


def test_negative_values_are_refused():
    with pytest.raises(ValueError):
        bar_chart([("甲", -1)], chart_id="x", title="t")
