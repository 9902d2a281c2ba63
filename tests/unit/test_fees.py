"""The information-processing fee (Art. 42; 国办函〔2020〕109号): data file, both methods,
every tier boundary, and the errors."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from disclosure.requests.fees import (
    DEFAULT_PATH,
    FeeError,
    FeeResult,
    FeeScheduleError,
    boundary_quantities,
    boundary_table,
    calculate_fee,
    load_fee_schedule,
    monthly_ordinal,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schedule():
    return load_fee_schedule(ROOT / "catalog_schemas" / "fees.yaml")


# -- by count (按件计收): the n-th request in the applicant's calendar month ----------------------


@pytest.mark.parametrize(
    ("n", "amount", "tier"),
    [
        (1, 0, "第1至10件，不收费"),
        (10, 0, "第1至10件，不收费"),
        (11, 100, "第11至30件，每件100元"),
        (30, 100, "第11至30件，每件100元"),
        (31, 200, "第31至40件，每件200元"),
        (40, 200, "第31至40件，每件200元"),
        (41, 300, "第41至50件，每件300元"),
        (50, 300, "第41至50件，每件300元"),
        (51, 400, "第51至60件，每件400元"),
        (60, 400, "第51至60件，每件400元"),
        (61, 500, "第61至70件，每件500元"),
        (70, 500, "第61至70件，每件500元"),
        (71, 600, "第71至80件，每件600元"),
        (105, 900, "第101至110件，每件900元"),
    ],
)
def test_by_count_boundaries(schedule, n, amount, tier):
    result = calculate_fee("count", n, schedule)
    assert (result.method, result.method_label, result.quantity) == ("count", "按件计收", n)
    assert result.amount == amount
    assert result.lines == (
        f"按件计收：同一申请人一个自然月内第{n}件申请",
        tier,
        f"合计{amount}元" if amount else "合计0元（不收费）",
    )
    assert result.free is (amount == 0)


# -- by volume (按量计收): one request's pages, progressive ----------------------------------------


@pytest.mark.parametrize(
    ("pages", "amount", "tiers"),
    [
        (1, 0, ["第1页，1页，不收费"]),
        (30, 0, ["第1至30页，30页，不收费"]),
        (31, 10, ["第1至30页，30页，不收费", "第31页，1页×10元＝10元"]),
        (100, 700, ["第1至30页，30页，不收费", "第31至100页，70页×10元＝700元"]),
        (
            101,
            720,
            ["第1至30页，30页，不收费", "第31至100页，70页×10元＝700元", "第101页，1页×20元＝20元"],
        ),
        (
            200,
            2700,
            [
                "第1至30页，30页，不收费",
                "第31至100页，70页×10元＝700元",
                "第101至200页，100页×20元＝2000元",
            ],
        ),
        (
            201,
            2740,
            [
                "第1至30页，30页，不收费",
                "第31至100页，70页×10元＝700元",
                "第101至200页，100页×20元＝2000元",
                "第201页，1页×40元＝40元",
            ],
        ),
        (
            250,
            4700,
            [
                "第1至30页，30页，不收费",
                "第31至100页，70页×10元＝700元",
                "第101至200页，100页×20元＝2000元",
                "第201至250页，50页×40元＝2000元",
            ],
        ),
    ],
)
def test_by_volume_boundaries(schedule, pages, amount, tiers):
    result = calculate_fee("volume", pages, schedule)
    assert (result.method, result.method_label, result.quantity) == ("volume", "按量计收", pages)
    assert result.amount == amount
    assert result.lines[0] == f"按量计收：本件申请共{pages}页"
    assert list(result.lines[1:-1]) == tiers
    assert result.lines[-1] == (f"合计{amount}元" if amount else "合计0元（不收费）")
    assert result.notice_text == "\n".join(result.lines)


def test_volume_amount_is_the_sum_of_its_lines_for_every_page_count(schedule):
    def expected(p: int) -> int:
        return 10 * max(0, min(p, 100) - 30) + 20 * max(0, min(p, 200) - 100) + 40 * max(0, p - 200)

    for pages in range(1, 401):
        assert calculate_fee("volume", pages, schedule).amount == expected(pages), pages


def test_chinese_method_names_are_accepted(schedule):
    assert calculate_fee("按件计收", 11, schedule).amount == 100
    assert calculate_fee("按量计收", 31, schedule).amount == 10


def test_default_schedule_is_the_shipped_file():
    assert DEFAULT_PATH == ROOT / "catalog_schemas" / "fees.yaml"
    assert calculate_fee("volume", 250).amount == 4700
    assert "国办函〔2020〕109号" in calculate_fee("count", 1).source


def test_result_is_immutable(schedule):
    result = calculate_fee("count", 11, schedule)
    assert isinstance(result, FeeResult) and isinstance(result.lines, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.amount = 0  # type: ignore[misc]


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method",
    ["both", "按件和按量", "count+volume", ("count", "volume"), ["按件计收", "按量计收"]],
)
def test_both_methods_are_refused(schedule, method):
    with pytest.raises(FeeError, match="不能同时适用"):
        calculate_fee(method, 40, schedule)


@pytest.mark.parametrize("method", ["pages", "", None, 1, "按次计收"])
def test_unknown_method_is_refused(schedule, method):
    with pytest.raises(FeeError, match="未知的收费方式"):
        calculate_fee(method, 40, schedule)


@pytest.mark.parametrize("method", ["count", "volume"])
@pytest.mark.parametrize("quantity", [0, -1, -100, True, 1.5, "12", None])
def test_zero_negative_and_non_integer_quantities_are_refused(schedule, method, quantity):
    with pytest.raises(FeeError, match="应为正整数"):
        calculate_fee(method, quantity, schedule)


def test_monthly_ordinal():
    assert monthly_ordinal(0) == 1
    assert monthly_ordinal(10) == 11
    assert calculate_fee("count", monthly_ordinal(10)).amount == 100
    for bad in (-1, True, 1.0, "3"):
        with pytest.raises(FeeError, match="非负整数"):
            monthly_ordinal(bad)


# -- the boundary table -------------------------------------------------------------------------


def test_boundary_quantities_come_from_the_data(schedule):
    assert boundary_quantities(schedule) == {
        "count": [0, 1, 10, 11, 30, 31, 40, 41, 50, 51, 60, 61],
        "volume": [0, 1, 30, 31, 100, 101, 200, 201, 250],
    }
    rows = {(m, q): (a, d) for m, q, a, d in boundary_table(schedule)}
    assert rows[("按件计收", 0)] == ("错误", "本月申请序号应为正整数")
    assert rows[("按件计收", 61)] == ("500元", "第61至70件，每件500元")
    assert rows[("按量计收", 0)] == ("错误", "页数应为正整数")
    assert rows[("按量计收", 250)][0] == "4700元"


def test_module_prints_the_boundary_table():
    res = subprocess.run(
        [sys.executable, "-m", "disclosure.requests.fees"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    lines = res.stdout.splitlines()
    assert lines[0] == "信息处理费边界表"
    assert "按件计收\t51\t400元\t第51至60件，每件400元" in lines
    assert any(line.startswith("按量计收\t250\t4700元\t") for line in lines)


# -- the data file ------------------------------------------------------------------------------


def good() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def _set(data: dict, dotted: str, value) -> dict:
    *path, last = dotted.split(".")
    node = data
    for part in path:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "value", "expected"),
    [
        ("source", _DELETE, "source: 缺少此字段"),
        ("by_count", _DELETE, "by_count: 缺少此字段"),
        ("extra", 1, "extra: 未知字段"),
        ("by_count.tiers.1.price", -5, "by_count.tiers[1].price: 应为不小于 0 的整数"),
        ("by_count.tiers.1.price", "100元", "by_count.tiers[1].price"),
        ("by_count.tiers.1.from", 12, "by_count.tiers[1].from: 应为 11"),
        ("by_count.tiers.0.to", 0, "by_count.tiers[0].to"),
        ("by_count.tiers.2.price", 50, "by_count.tiers[2].price: 收费标准不应低于上一档"),
        ("by_count.tiers.1.to", _DELETE, "by_count.tiers[1].to: 只有最后一档"),
        ("by_count.beyond", _DELETE, "by_count.tiers[3].to: 最后一档应不设上限"),
        ("by_count.beyond", {"block": 0, "increment": 100}, "by_count.beyond.block"),
        ("by_count.beyond", {"step": 10}, "by_count.beyond: 应为 {block, increment}"),
        ("by_volume.beyond", {"block": 10, "increment": 1}, "by_volume.beyond: 按量计收不支持"),
        ("by_volume.tiers.3.to", 300, "by_volume.tiers[3].to: 最后一档应不设上限"),
        ("by_volume.tiers", [], "by_volume.tiers: 必须是非空列表"),
        ("by_volume.label", " ", "by_volume.label: 必须是非空文本"),
        ("by_volume.tiers.0.pages", 3, "by_volume.tiers[0].pages: 未知字段"),
        ("by_volume.unit", _DELETE, "by_volume.unit: 缺少此字段"),
    ],
)
def test_bad_fee_file_names_the_file_and_the_key(tmp_path, change, value, expected):
    path = tmp_path / "fees.yaml"
    path.write_text(yaml.safe_dump(_set(good(), change, value), allow_unicode=True), "utf-8")
    with pytest.raises(FeeScheduleError) as exc:
        load_fee_schedule(path)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)


@pytest.mark.parametrize(
    ("text", "expected"), [("source: [x\n", "cannot parse"), ("- 1\n", "top level")]
)
def test_unreadable_fee_file(tmp_path, text, expected):
    path = tmp_path / "fees.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeeScheduleError, match=expected) as exc:
        load_fee_schedule(path)
    assert str(path) in str(exc.value)
    with pytest.raises(FeeScheduleError, match="fee file missing"):
        load_fee_schedule(tmp_path / "missing.yaml")


def test_bad_fee_file_stops_the_module_with_the_file_name(tmp_path):
    path = tmp_path / "fees.yaml"
    path.write_text(yaml.safe_dump(_set(good(), "by_count.tiers.1.price", -1)), "utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "disclosure.requests.fees", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 2
    assert str(path) in res.stderr and "by_count.tiers[1].price" in res.stderr


# -- totals per organisation and year (annual report, section 六) ---------------------------------


def _case(org, n, **fee):
    from datetime import date

    from disclosure.models import DisclosureRequest

    return DisclosureRequest(
        tracking_number=f"YS-FEE-TOTALS-{org.id}-{n}",
        access_code_hash="x",
        organisation=org,
        applicant_type="person",
        name="申请人",
        description="某文件",
        delivery_form="electronic",
        delivery_channel="email",
        received_on=date(2026, 1, 5),
        due_on=date(2026, 2, 2),
        clock_events=[],
        **fee,
    )


def test_fee_totals_per_organisation_and_year(dbsession, civil, police):
    from datetime import date

    from disclosure.requests.fees import FeeTotals, fee_totals

    dbsession.add_all(
        [
            # charged in 2025, paid in 2026: charged counts in 2025, collected in 2026
            _case(civil, 1, fee_amount=300, fee_notice_on=date(2025, 12, 29),
                  fee_paid_on=date(2026, 1, 6), fee_paid_amount=300),
            _case(civil, 2, fee_amount=1700, fee_notice_on=date(2026, 3, 2),
                  fee_paid_on=date(2026, 3, 9), fee_paid_amount=1700),
            _case(civil, 3, fee_amount=100, fee_notice_on=date(2026, 5, 6),
                  outcome="unpaid", closed_on=date(2026, 6, 9)),
            _case(civil, 4),  # no fee
            _case(police, 5, fee_amount=200, fee_notice_on=date(2026, 7, 1)),
        ]
    )  # fmt: skip
    dbsession.flush()
    both = [civil.id, police.id]
    assert fee_totals(dbsession, both, 2026) == [
        FeeTotals(civil.id, notices=2, charged=1800, paid=2, collected=2000, unpaid=1),
        FeeTotals(police.id, notices=1, charged=200),
    ]
    assert fee_totals(dbsession, both, 2025) == [FeeTotals(civil.id, notices=1, charged=300)]
    assert fee_totals(dbsession, [police.id], 2026) == [FeeTotals(police.id, 1, 200)]
    assert fee_totals(dbsession, [], 2026) == [] and fee_totals(dbsession, both, 2024) == []
    total = sum(fee_totals(dbsession, both, 2026), FeeTotals(0))
    assert (total.notices, total.charged, total.collected, total.unpaid) == (3, 2000, 2000, 1)
