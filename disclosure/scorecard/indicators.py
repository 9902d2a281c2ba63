"""The seven indicators of the yearly evaluation, each a small pure function: plain rows in, a
:class:`Figure` out (the value, how it was counted, and the cases, items or elements behind it).

Rows are anything with the model's attributes (tests pass simple namespaces). Which rows go in
(the year, the organisation) is decided by :mod:`.services`; the scoring by
:meth:`.config.Indicator.points`. The request measures come from :mod:`disclosure.statistics`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..i18n import _, chinese
from ..statistics import measures

LAST_YEAR = 2100  # a 成文日期 after it is not a real one (and would overflow the arithmetic)


@dataclass(frozen=True)
class Evidence:
    """One case, item, appeal, report or guide element behind a figure."""

    kind: str  # case | item | appeal | report | guide
    ref: str  # tracking number, 索引号, or a guide element (a marked message)
    message: str  # what it shows: a marked message (shown with request.translate or |t)
    id: int | None = None  # the case or item id (for the officer link)
    title: str = ""
    bad: bool = True  # counts against the body

    @property
    def note(self) -> str:
        """What it shows, in Chinese."""
        return chinese(self.message)


@dataclass(frozen=True)
class Figure:
    value: float | None  # None: no data
    count: str  # how it was counted, e.g. "18 / 20" (may be a marked message)
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def counted(self) -> str:
        """How it was counted, in Chinese (as a publication freezes it)."""
        return chinese(self.count)

    @property
    def against(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.bad)


def _share(good: int, total: int) -> float | None:
    return good / total if total else None


def _case(req: Any, note: str, bad: bool = True) -> Evidence:
    return Evidence("case", req.tracking_number, note, req.id, bad=bad)


def on_time_rate(requests: Sequence[Any]) -> Figure:
    """Share of the finished cases finished by their due date (``measures.on_time_rate``);
    the late ones are the evidence."""
    finished = [r for r in requests if measures.answered_on_time(r) is not None]
    late = [r for r in finished if not measures.answered_on_time(r)]
    evidence = tuple(
        _case(
            r,
            _(
                "应于 ${due} 前办结，${done} 办结，逾期 ${days} 天",
                mapping={
                    "due": r.due_on.isoformat(),
                    "done": measures.finish_date(r).isoformat(),
                    "days": (measures.finish_date(r) - r.due_on).days,
                },
            ),
        )
        for r in sorted(late, key=lambda r: r.tracking_number)
    )
    return Figure(
        measures.on_time_rate(finished), f"{len(finished) - len(late)} / {len(finished)}", evidence
    )


def median_answer_days(requests: Sequence[Any], calendar: Any) -> Figure:
    """Median working days to answer, net of pauses (``measures.answer_working_days``); every
    finished case is listed, slowest first, those above the median marked."""
    days = [(r, measures.answer_working_days(r, calendar)) for r in requests]
    days = [(r, d) for r, d in days if d is not None]
    middle = measures.median(d for _r, d in days)
    evidence = tuple(
        _case(r, _("${n} 个工作日", mapping={"n": d}), bad=middle is not None and d > middle)
        for r, d in sorted(days, key=lambda rd: (-rd[1], rd[0].tracking_number))
    )
    return Figure(middle, _("${n} 件", mapping={"n": len(days)}), evidence)


def timely_publication(
    items: Iterable[Any], working_days: int, add_working_days: Callable[[date, int], date]
) -> Figure:
    """Share of the proactive items published within ``working_days`` working days of their
    成文日期: ``published_on`` no later than the ``working_days``-th working day after
    ``created_on`` (which is not counted). ``add_working_days(start, n)`` is the calendar's. An
    item with no 成文日期 counts as late."""
    rows = list(items)
    late: list[Evidence] = []
    for item in sorted(rows, key=lambda i: i.index_number or ""):
        if item.created_on is None:
            late.append(_item(item, _("缺少成文日期")))
            continue
        if item.created_on.year > LAST_YEAR:  # no date arithmetic near date.max
            late.append(
                _item(
                    item,
                    _("成文日期无效（${date}）", mapping={"date": item.created_on.isoformat()}),
                )
            )
            continue
        limit = add_working_days(item.created_on, working_days)
        if item.published_on > limit:
            late.append(
                _item(
                    item,
                    _(
                        "成文 ${written}，应于 ${limit} 前公开，${published} 公开",
                        mapping={
                            "written": item.created_on.isoformat(),
                            "limit": limit.isoformat(),
                            "published": item.published_on.isoformat(),
                        },
                    ),
                )
            )
    on_time = len(rows) - len(late)
    return Figure(_share(on_time, len(rows)), f"{on_time} / {len(rows)}", tuple(late))


def _item(item: Any, note: str, bad: bool = True) -> Evidence:
    return Evidence("item", item.index_number or "", note, item.id, item.title, bad)


def is_filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True


def missing_fields(values: dict[str, Any], checked: Sequence[tuple[str, str]]) -> list[str]:
    """The labels of the ``checked`` fields (name, label) that ``values`` leaves empty."""
    return [label for name, label in checked if not is_filled(values.get(name))]


def metadata_completeness(entries: Iterable[tuple[Any, list[str]]]) -> Figure:
    """Share of the items with nothing missing; ``entries`` are (item, missing field labels)."""
    rows = list(entries)
    incomplete = tuple(
        # the fields' labels are fields.yaml's (data)
        _item(item, _("缺少：${fields}", mapping={"fields": "、".join(missing)}))  # i18n: a list
        for item, missing in sorted(rows, key=lambda e: e[0].index_number or "")
        if missing
    )
    complete = len(rows) - len(incomplete)
    return Figure(_share(complete, len(rows)), f"{complete} / {len(rows)}", incomplete)


def annual_report_on_time(reports: Iterable[Any], report_year: int) -> Figure:
    """1 when the first published version (``version == 1``) of the report for ``report_year``
    was on time (``on_time``), 0 when it was late or there is none."""
    first = next((r for r in reports if r.version == 1), None)
    if first is None:
        return Figure(
            0.0, _("未发布"), (Evidence("report", str(report_year), _("年度报告尚未发布")),)
        )
    published = first.published_on.isoformat()
    note = (
        _("${date} 发布，按时", mapping={"date": published})
        if first.on_time
        else _("${date} 发布，逾期", mapping={"date": published})
    )
    evidence = Evidence(
        "report", str(report_year), note, first.catalogue_item_id, bad=not first.on_time
    )
    return Figure(
        1.0 if first.on_time else 0.0, _("按时") if first.on_time else _("逾期"), (evidence,)
    )


def guide_complete(elements: Sequence[tuple[str, bool]]) -> Figure:
    """Share of the guide's elements present (:func:`.guides.guide_elements`); the missing ones
    are the evidence."""
    missing = tuple(
        Evidence("guide", label, _("公开指南未载明")) for label, ok in elements if not ok
    )
    present = len(elements) - len(missing)
    return Figure(_share(present, len(elements)), f"{present} / {len(elements)}", missing)


def corrected_appeals(appeals: Iterable[Any]) -> Figure:
    """How many reconsideration or court decisions corrected the body (result ``corrected``)."""
    rows = sorted(appeals, key=lambda a: (a.decided_on, a.id))
    evidence = tuple(
        Evidence(
            "appeal",
            a.request.tracking_number,
            _(
                "${kind}：${body}，${date} 决定纠正",
                mapping={"kind": a.kind_label, "body": a.body, "date": a.decided_on.isoformat()},
            ),
            a.request_id,
        )
        for a in rows
    )
    return Figure(float(len(rows)), _("${n} 件", mapping={"n": len(rows)}), evidence)
