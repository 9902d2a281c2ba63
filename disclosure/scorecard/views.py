"""The evaluation's pages.

- ``GET /officer/scorecard?year=`` (``SCORECARD_VIEW``: the city office, and org admins, who see
  the rows of the bodies whose reports they may read, with their city-wide rank): the ranked
  tables per level; the city office also publishes from here.
- ``GET /officer/scorecard/{year}.csv``: the same rows as CSV (UTF-8 with BOM, for Excel).
- ``POST /officer/scorecard/{year}/publish`` (``SCORECARD_PUBLISH``: the city office): freeze and
  publish the ranking as a catalogue item of the city government.
- ``GET /officer/scorecard/{year}/{code}`` (``REPORTS_VIEW`` on the body: its officers, its
  overseers, the city office): one body's breakdown with the cases and items behind each figure.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ..boundary import error_response
from ..clock import today
from ..security import Permission, visible_organisations
from . import services
from .config import Indicator
from .ranking import BodyScore, Ranking, Score

BAD_YEAR = "年度应为 1990 至 2100 之间的四位数字"
UNITS = {"share": "%", "days": "个工作日", "count": "件"}


#: indicators whose value is 1 or 0 (yes or no)
YES_NO = {"annual_report_on_time": ("按时", "否")}
#: indicators that always have a value (the rule's no-data clause does not apply)
ALWAYS_MEASURED = {"annual_report_on_time", "guide_complete", "corrected_appeals"}


def display_value(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return "无数据"
    if indicator.code in YES_NO:
        yes, no = YES_NO[indicator.code]
        return yes if value >= 1 else no
    if indicator.unit == "share":
        return f"{value * 100:.1f}%"
    if indicator.unit == "days":
        return f"{value:g}"
    return f"{value:.0f}"


def display_threshold(indicator: Indicator, value: float) -> str:
    if indicator.unit == "share":
        return f"{value * 100:g}%"
    return f"{value:g}{UNITS[indicator.unit]}"


def rule_text(indicator: Indicator) -> str:
    if indicator.code in YES_NO:
        return f"{YES_NO[indicator.code][0]}得满分 {indicator.weight:g} 分，否则不得分"
    better = "≥" if indicator.direction == "higher" else "≤"
    worse = "≤" if indicator.direction == "higher" else "≥"
    no_data = {"skip": "无数据时不计入", "full": "无数据时得满分", "zero": "无数据时不得分"}
    text = (
        f"{better}{display_threshold(indicator, indicator.full_at)} 得满分 {indicator.weight:g} 分，"
        f"{worse}{display_threshold(indicator, indicator.zero_at)} 不得分，其间按比例计分"
    )
    if indicator.code in ALWAYS_MEASURED:
        return text
    return f"{text}；{no_data[indicator.when_no_data]}"


def points_text(score: Score) -> str:
    if score.points is None:
        return "不计入"
    return f"{score.points:.2f}"


def _evaluate(request, year: int) -> Ranking:
    return services.evaluate(
        request.dbsession,
        request.registry["scorecard"],
        year,
        request.organisations.orgs,
        calendar=request.registry["request_rules"].calendar(request.dbsession),
        schema=request.catalogue_schema,
    )


def _query_year(request) -> int:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today(request).year - 1  # the last full year
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in services.YEARS:
        raise _BadYear()
    return int(raw)


def _path_year(request) -> int:
    raw = request.matchdict.get("year", "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in services.YEARS:
        raise HTTPNotFound(BAD_YEAR)
    return int(raw)


class _BadYear(Exception):
    pass


@view_config(context=_BadYear)
def bad_year(exc, request):
    return error_response(request, 400, BAD_YEAR, {"year": BAD_YEAR})


def _visible_tables(request, ranking: Ranking) -> list[tuple]:
    """Each level's rows the user may read (all for the city office), keeping their ranks."""
    allowed = {o.id for o in visible_organisations(request, Permission.REPORTS_VIEW)}
    return [
        (level, [b for b in rows if b.organisation.id in allowed]) for level, rows in ranking.tables
    ]


@view_config(
    route_name="officer_scorecard",
    request_method="GET",
    renderer="scorecard/ranking.jinja2",
    permission=Permission.SCORECARD_VIEW,
)
def ranking_page(request):
    year = _query_year(request)
    ranking = _evaluate(request, year)
    can_publish = bool(request.has_permission(Permission.SCORECARD_PUBLISH))
    return {
        "year": year,
        "scorecard": ranking.scorecard,
        "tables": _visible_tables(request, ranking),
        "can_publish": can_publish,
        "publications": services.publications(request.dbsession, year),
        "next_version": services.next_version(request.dbsession, year),
        "display_value": display_value,
        "points_text": points_text,
        "rule_text": rule_text,
    }


def csv_rows(scorecard, tables: list[tuple]) -> list[list[str]]:
    """Header and rows: level, rank, code, name, total, then each indicator's value and points
    (empty where it does not apply or was not scored)."""
    header = ["层级", "名次", "机构代码", "单位", "总分"]
    for i in scorecard.indicators:
        unit = "（%）" if i.unit == "share" else f"（{UNITS[i.unit]}）"
        header += [f"{i.label}{unit}", f"{i.label}得分（满分{i.weight:g}）"]
    rows = [header]
    for level, bodies in tables:
        for b in bodies:
            row = [
                level.label,
                "" if b.rank is None else str(b.rank),
                b.organisation.code,
                b.organisation.name,
                "" if b.total is None else f"{b.total:.2f}",
            ]
            for i in scorecard.indicators:
                score = b.score(i.code)
                if score is None:
                    row += ["", ""]
                    continue
                value = score.value
                if value is not None and i.unit == "share":
                    value = round(value * 100, 2)
                row += [
                    "" if value is None else f"{value:g}",
                    "" if score.points is None else f"{score.points:.2f}",
                ]
            rows.append(row)
    return rows


@view_config(
    route_name="officer_scorecard_csv",
    request_method="GET",
    permission=Permission.SCORECARD_VIEW,
)
def ranking_csv(request):
    year = _path_year(request)
    ranking = _evaluate(request, year)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        csv_rows(ranking.scorecard, _visible_tables(request, ranking))
    )
    filename = f"{year}年度考核评议.csv"
    return Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        content_disposition=(
            f"attachment; filename=scorecard-{year}.csv; filename*=UTF-8''{quote(filename)}"
        ),
    )


@view_config(
    route_name="officer_scorecard_publish",
    request_method="POST",
    permission=Permission.SCORECARD_PUBLISH,
)
def publish(request):
    year = _path_year(request)
    raw = request.POST.get("version", "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
        return error_response(
            request, 400, "缺少或无效的版本号，请刷新页面后重试", {"version": "必填"}
        )
    city = next((o for o in request.organisations.roots if o.kind == "city"), None)
    if city is None:
        return error_response(request, 400, "没有市政府机构，无法发布")
    ranking = _evaluate(request, year)
    try:
        row = services.publish(
            request.dbsession,
            request.catalogue,
            ranking,
            city,
            request.identity,
            today(request),
            int(raw),
        )
    except services.PublishConflict as exc:
        return error_response(request, 409, str(exc))
    request.session.flash(
        f"已发布{year}年度考核评议结果（第{row.version}版），索引号 {row.catalogue_item.index_number}"
    )
    return HTTPSeeOther(request.route_url("officer_scorecard", _query={"year": year}))


@view_config(
    route_name="officer_scorecard_body",
    request_method="GET",
    renderer="scorecard/body.jinja2",
    permission=Permission.REPORTS_VIEW,
)
def body_page(request):
    organisation = request.context.organisation
    year = request.context.year
    ranking = _evaluate(request, year)
    body: BodyScore = ranking.bodies[organisation.id]
    level_size = next(
        (
            len(rows)
            for level, rows in ranking.tables
            if body.level and level.kind == body.level.kind
        ),
        0,
    )
    return {
        "year": year,
        "organisation": organisation,
        "scorecard": ranking.scorecard,
        "body": body,
        "level_size": level_size,
        "display_value": display_value,
        "points_text": points_text,
        "rule_text": rule_text,
    }
