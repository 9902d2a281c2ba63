"""信息处理费: the information-processing fee (Art. 42; 国办函〔2020〕109号).

Pure: the fee rules are data (``catalog_schemas/fees.yaml``, read and checked by
:func:`load_fee_schedule`; a broken file raises :class:`FeeScheduleError` naming the file and
the key), and :func:`calculate_fee` turns one request into an immutable :class:`FeeResult`.

One request is charged by ONE method, never both:

- ``count`` (按件计收): the request's ordinal ``n`` among the applicant's requests in the
  calendar month (:func:`monthly_ordinal`) decides its price: 1–10 free, 11–30 100 yuan,
  31–40 200, 41–50 300, then 100 yuan more for each further block of 10;
- ``volume`` (按量计收): the request's pages, progressively: 1–30 free, 31–100 at 10 yuan a
  page, 101–200 at 20, the rest at 40.

``python -m disclosure.requests.fees [fees.yaml]`` prints the boundary table.

:func:`fee_totals` (the one function here that reads the database) sums the fees charged and
collected per organisation and calendar year, for section 六 of the annual report.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "catalog_schemas" / "fees.yaml"

BY_COUNT = "count"
BY_VOLUME = "volume"
METHODS = (BY_COUNT, BY_VOLUME)
_SECTIONS = {BY_COUNT: "by_count", BY_VOLUME: "by_volume"}
# i18n: spellings of the methods accepted in input (the fee file, officers' entries)
_ALIASES = {
    "count": BY_COUNT,
    "by_count": BY_COUNT,
    "按件计收": BY_COUNT,
    "volume": BY_VOLUME,
    "by_volume": BY_VOLUME,
    "按量计收": BY_VOLUME,
}
# i18n: the fee rules' errors are bilingual (Chinese, then English)
_BOTH = "一件申请只能按件计收或按量计收其中一种方式收费，不能同时适用 (one method per request, never both)"
_TOP_KEYS = {"source", "by_count", "by_volume"}
_METHOD_KEYS = {"label", "period", "unit", "tiers", "beyond"}


class FeeScheduleError(ValueError):
    """The fee file is missing or invalid (the message names the file and the key)."""


class FeeError(ValueError):
    """A fee cannot be calculated as asked (message in Chinese, then English)."""


@dataclass(frozen=True)
class Tier:
    first: int
    last: int | None  # None: and above
    price: int  # yuan, per request (count) or per page (volume)


@dataclass(frozen=True)
class FeeMethod:
    key: str  # "count" | "volume"
    label: str  # 按件计收 | 按量计收
    period: str
    unit: str  # 件 | 页
    tiers: tuple[Tier, ...]
    block: int | None = None  # count only: after the last tier, blocks of this many requests
    increment: int | None = None  # ... each costing this much more per request


@dataclass(frozen=True)
class FeeSchedule:
    source: str
    by_count: FeeMethod
    by_volume: FeeMethod
    path: str = ""

    def method(self, key: str) -> FeeMethod:
        return self.by_count if key == BY_COUNT else self.by_volume


@dataclass(frozen=True)
class FeeResult:
    """One request's fee. ``lines`` are plain Chinese for the fee notice (收费通知)."""

    method: str  # "count" | "volume"
    method_label: str  # 按件计收 | 按量计收
    quantity: int  # the request's ordinal in the month (count) or its pages (volume)
    amount: int  # yuan
    lines: tuple[str, ...]
    source: str

    @property
    def free(self) -> bool:
        return self.amount == 0

    @property
    def notice_text(self) -> str:
        return "\n".join(self.lines)


# -- the file -------------------------------------------------------------------------------------


def _int(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(
            f"{where}: 应为不小于 {minimum} 的整数 (must be an integer >= {minimum})，"
            f"实际为 {value!r}"
        )
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}: 必须是非空文本 (must be non-empty text)")
    return value.strip()


def _method(data: Any, key: str, where: str) -> FeeMethod:
    if not isinstance(data, Mapping):
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}: 必须是映射 (must be a mapping)")
    unknown = sorted(set(map(str, data)) - _METHOD_KEYS)
    if unknown:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}.{unknown[0]}: 未知字段 (unknown key)")
    for name in ("label", "period", "unit", "tiers"):
        if name not in data:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(f"{where}.{name}: 缺少此字段 (key missing)")
    label = _text(data["label"], f"{where}.label")
    period = _text(data["period"], f"{where}.period")
    unit = _text(data["unit"], f"{where}.unit")
    raw_tiers = data["tiers"]
    if not isinstance(raw_tiers, list) or not raw_tiers:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}.tiers: 必须是非空列表 (must be a non-empty list)")
    tiers: list[Tier] = []
    expected_first = 1
    for i, raw in enumerate(raw_tiers):
        at = f"{where}.tiers[{i}]"
        if not isinstance(raw, Mapping):
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(f"{at}: 应为 {{from, to, price}} (must be a mapping)")
        unknown = sorted(set(map(str, raw)) - {"from", "to", "price"})
        if unknown:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(f"{at}.{unknown[0]}: 未知字段 (unknown key)")
        for name in ("from", "price"):
            if name not in raw:
                # i18n: the fee file's checks, for the operators (bilingual)
                raise FeeScheduleError(f"{at}.{name}: 缺少此字段 (key missing)")
        first = _int(raw["from"], f"{at}.from", 1)
        if first != expected_first:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{at}.from: 应为 {expected_first}，各档须从 1 起首尾相接 "
                f"(tiers must start at 1 and be contiguous)，实际为 {first}"
            )
        last = None
        if "to" in raw and raw["to"] is not None:
            last = _int(raw["to"], f"{at}.to", first)
        elif i != len(raw_tiers) - 1:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{at}.to: 只有最后一档可以不写上限 (only the last tier may be open-ended)"
            )
        price = _int(raw["price"], f"{at}.price", 0)
        if tiers and price < tiers[-1].price:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{at}.price: 收费标准不应低于上一档 (price must not decrease)，实际为 {price}"
            )
        tiers.append(Tier(first, last, price))
        expected_first = (last or first) + 1
    block = increment = None
    beyond = data.get("beyond")
    if beyond is not None:
        if key == BY_VOLUME:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{where}.beyond: 按量计收不支持 (not supported for by_volume); "
                f"最后一档不写 to 即为以上各页"
            )
        if not isinstance(beyond, Mapping) or set(map(str, beyond)) != {"block", "increment"}:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{where}.beyond: 应为 {{block, increment}} (must be a mapping of block, increment)"
            )
        if tiers[-1].last is None:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(
                f"{where}.beyond: 最后一档已不设上限，不能再有 beyond "
                f"(the last tier is open-ended; beyond would never apply)"
            )
        block = _int(beyond["block"], f"{where}.beyond.block", 1)
        increment = _int(beyond["increment"], f"{where}.beyond.increment", 0)
    elif tiers[-1].last is not None:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(
            f"{where}.tiers[{len(tiers) - 1}].to: 最后一档应不设上限，或另写 beyond "
            f"(the last tier must be open-ended, or give beyond)"
        )
    return FeeMethod(key, label, period, unit, tuple(tiers), block, increment)


def parse_fee_schedule(data: Any, where: str = "fees.yaml") -> FeeSchedule:
    if not isinstance(data, Mapping):
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{where}: {unknown[0]}: 未知字段 (unknown key)")
    for name in sorted(_TOP_KEYS):
        if name not in data:
            # i18n: the fee file's checks, for the operators (bilingual)
            raise FeeScheduleError(f"{where}: {name}: 缺少此字段 (key missing)")
    return FeeSchedule(
        source=_text(data["source"], f"{where}: source"),
        by_count=_method(data["by_count"], BY_COUNT, f"{where}: by_count"),
        by_volume=_method(data["by_volume"], BY_VOLUME, f"{where}: by_volume"),
        path=where,
    )


def load_fee_schedule(path: str | Path = DEFAULT_PATH) -> FeeSchedule:
    """Read and check the fee file; every problem names the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{path}: 文件不存在 (fee file missing)") from None
    except UnicodeDecodeError as exc:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{path}: 无法解析 (cannot parse): {exc}") from None
    try:
        data = yamlfile.safe_load(text)
    except yaml.YAMLError as exc:
        # i18n: the fee file's checks, for the operators (bilingual)
        raise FeeScheduleError(f"{path}: 无法解析 (cannot parse): {exc}") from None
    return parse_fee_schedule(data, str(path))


@functools.cache
def default_schedule() -> FeeSchedule:
    return load_fee_schedule(DEFAULT_PATH)


# -- calculation ----------------------------------------------------------------------------------


def _method_key(method: Any) -> str:
    if isinstance(method, str):
        text = method.strip().lower()
        key = _ALIASES.get(text)
        if key:
            return key
        # i18n: spellings of the methods accepted in input
        if (
            text == "both"
            or ("件" in text and "量" in text)
            or ("count" in text and "volume" in text)
        ):
            raise FeeError(_BOTH)
    elif isinstance(method, list | tuple | set | frozenset) and len(method) > 1:
        raise FeeError(_BOTH)
    # i18n: the fee rules' errors are bilingual (Chinese, then English)
    raise FeeError(
        f"未知的收费方式 {method!r}，应为 按件计收（count）或 按量计收（volume） "
        f"(unknown method; expected count or volume)"
    )


def _positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        # i18n: the fee rules' errors are bilingual (Chinese, then English)
        raise FeeError(f"{what}应为正整数 (must be a positive integer)，实际为 {value!r}")
    if value < 1:
        # i18n: the fee rules' errors are bilingual (Chinese, then English)
        raise FeeError(f"{what}应为正整数 (must be a positive integer)，实际为 {value}")
    return value


def _span(first: int, last: int, unit: str) -> str:
    # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
    return f"第{first}{unit}" if first == last else f"第{first}至{last}{unit}"


def _count_tier(method: FeeMethod, n: int) -> tuple[int, int, int]:
    """(first, last, price) of the tier or block that ordinal n falls in."""
    for tier in method.tiers:
        if tier.last is None or n <= tier.last:
            return tier.first, tier.last if tier.last is not None else n, tier.price
    top = method.tiers[-1]
    assert top.last is not None and method.block and method.increment is not None
    k = (n - top.last + method.block - 1) // method.block  # 1 for the first further block
    first = top.last + (k - 1) * method.block + 1
    return first, first + method.block - 1, top.price + k * method.increment


def _total(amount: int) -> str:
    # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
    return f"合计{amount}元" if amount else "合计0元（不收费）"


def _by_count(method: FeeMethod, n: int, source: str) -> FeeResult:
    first, last, price = _count_tier(method, n)
    # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
    lines = [
        f"{method.label}：{method.period}第{n}件申请",
        f"{_span(first, last, method.unit)}，" + (f"每件{price}元" if price else "不收费"),
        _total(price),
    ]
    return FeeResult(BY_COUNT, method.label, n, price, tuple(lines), source)


def _by_volume(method: FeeMethod, pages: int, source: str) -> FeeResult:
    # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
    lines = [f"{method.label}：本件申请共{pages}{method.unit}"]
    amount = 0
    for tier in method.tiers:
        if tier.first > pages:
            break
        last = pages if tier.last is None else min(tier.last, pages)
        count = last - tier.first + 1
        span = _span(tier.first, last, method.unit)
        if tier.price:
            cost = count * tier.price
            amount += cost
            # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
            lines.append(f"{span}，{count}{method.unit}×{tier.price}元＝{cost}元")
        else:
            # i18n: the fee's calculation lines, for the fee notice (a legal act, in Chinese)
            lines.append(f"{span}，{count}{method.unit}，不收费")
    lines.append(_total(amount))
    return FeeResult(BY_VOLUME, method.label, pages, amount, tuple(lines), source)


def calculate_fee(method: str, quantity: int, schedule: FeeSchedule | None = None) -> FeeResult:
    """The fee for one request by ``method``: ``"count"`` (按件计收) with ``quantity`` = the
    request's ordinal in the applicant's calendar month (see :func:`monthly_ordinal`), or
    ``"volume"`` (按量计收) with ``quantity`` = its pages.

    Raises :class:`FeeError` for both methods at once, an unknown method, or a quantity that
    is not a positive integer.
    """
    key = _method_key(method)
    schedule = schedule or default_schedule()
    rules = schedule.method(key)
    if key == BY_COUNT:
        # i18n: the fee rules' errors are bilingual (Chinese, then English)
        return _by_count(rules, _positive(quantity, "本月申请序号"), schedule.source)
    # i18n: the fee rules' errors are bilingual (Chinese, then English)
    return _by_volume(rules, _positive(quantity, "页数"), schedule.source)


def monthly_ordinal(previous_requests_this_month: int) -> int:
    """The ordinal of a new request given how many the applicant already made this month."""
    value = previous_requests_this_month
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        # i18n: the fee rules' errors are bilingual (Chinese, then English)
        raise FeeError(f"本月已有申请数应为非负整数 (must be a non-negative integer)：{value!r}")
    return value + 1


# -- totals for the annual report ----------------------------------------------------------------


@dataclass(frozen=True)
class FeeTotals:
    """One organisation's fees in one calendar year (annual report, section 六)."""

    organisation_id: int
    notices: int = 0  # fee notices issued in the year (cases charged)
    charged: int = 0  # yuan: the amounts of those notices
    paid: int = 0  # cases whose fee was paid in the year
    collected: int = 0  # yuan paid in the year
    unpaid: int = 0  # cases closed in the year as not paid in time (三（六）2)

    def __add__(self, other: FeeTotals) -> FeeTotals:
        return FeeTotals(
            self.organisation_id,
            self.notices + other.notices,
            self.charged + other.charged,
            self.paid + other.paid,
            self.collected + other.collected,
            self.unpaid + other.unpaid,
        )


def fee_totals(db: Any, organisation_ids: Any, year: int) -> list[FeeTotals]:
    """Per organisation (in the order given; those with no fee activity in ``year`` left out):
    the notices issued and the amount charged (by the notice's date), the payments and the
    amount collected (by the payment's date), and the cases closed as unpaid (by closing date).
    """
    from datetime import date

    from sqlalchemy import func, select

    from ..models import DisclosureRequest as R

    ids = list(organisation_ids)
    if not ids:
        return []
    first, last = date(year, 1, 1), date(year, 12, 31)
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    queries = {
        ("notices", "charged"): (R.fee_notice_on, func.coalesce(func.sum(R.fee_amount), 0)),
        ("paid", "collected"): (R.fee_paid_on, func.coalesce(func.sum(R.fee_paid_amount), 0)),
    }
    for (count, total), (day, amount) in queries.items():
        rows = db.execute(
            select(R.organisation_id, func.count(R.id), amount)
            .where(R.organisation_id.in_(ids), day >= first, day <= last)
            .group_by(R.organisation_id)
        )
        for org, n, yuan in rows:
            found[org].update({count: int(n), total: int(yuan)})
    rows = db.execute(
        select(R.organisation_id, func.count(R.id))
        .where(
            R.organisation_id.in_(ids),
            R.outcome == "unpaid",
            R.closed_on >= first,
            R.closed_on <= last,
        )
        .group_by(R.organisation_id)
    )
    for org, n in rows:
        found[org]["unpaid"] = int(n)
    return [FeeTotals(i, **found[i]) for i in ids if found[i]]


# -- the boundary table ---------------------------------------------------------------------------


def boundary_quantities(schedule: FeeSchedule | None = None) -> dict[str, list[int]]:
    """Every tier edge of each method, from the data: the first and last of each tier, the
    first further block and the start of the next (count), a point past the last edge
    (volume), and 0 (an error)."""
    schedule = schedule or default_schedule()
    out: dict[str, list[int]] = {}
    for key in METHODS:
        method = schedule.method(key)
        points = {0}
        for tier in method.tiers:
            points.add(tier.first)
            if tier.last is not None:
                points.add(tier.last)
        top = method.tiers[-1]
        if top.last is not None and method.block:
            points |= {top.last + 1, top.last + method.block, top.last + method.block + 1}
        else:
            points.add(top.first + 49)
        out[key] = sorted(points)
    return out


def boundary_table(schedule: FeeSchedule | None = None) -> list[tuple[str, int, str, str]]:
    """(method label, quantity, amount or error, breakdown) for every boundary quantity."""
    schedule = schedule or default_schedule()
    rows: list[tuple[str, int, str, str]] = []
    for key, quantities in boundary_quantities(schedule).items():
        label = schedule.method(key).label
        for q in quantities:
            try:
                result = calculate_fee(key, q, schedule)
            except FeeError as exc:
                # i18n: the fee table of the command line
                rows.append((label, q, "错误", str(exc).split(" (")[0]))
            else:
                # i18n: the fee table of the command line
                rows.append((label, q, f"{result.amount}元", "；".join(result.lines[1:-1])))
    return rows


def format_boundary_table(schedule: FeeSchedule | None = None) -> str:
    schedule = schedule or default_schedule()
    # i18n: the fee table of the command line
    lines = ["信息处理费边界表", f"依据：{schedule.source}", "方式\t数量\t金额\t明细"]
    lines += [f"{m}\t{q}\t{a}\t{d}" for m, q, a, d in boundary_table(schedule)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        schedule = load_fee_schedule(argv[0]) if argv else default_schedule()
    except FeeScheduleError as exc:
        # i18n: the fee table of the command line
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(format_boundary_table(schedule))
    return 0


if __name__ == "__main__":
    sys.exit(main())
