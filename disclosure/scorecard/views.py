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
from pyramid.i18n import TranslationString
from pyramid.response import Response
from pyramid.view import view_config

from ..boundary import error_response
from ..clock import today
from ..i18n import _
from ..security import Permission, visible_organisations
from . import services
from .config import Indicator
from .labels import label
from .ranking import BodyScore, Ranking, Score

BAD_YEAR = _("年度应为 1990 至 2100 之间的四位数字")
#: the CSV's units (the CSV is the published table's: in Chinese)
UNITS = {"share": "%", "days": "个工作日", "count": "件"}  # i18n: the CSV, in Chinese
#: a threshold with its unit, on the pages
THRESHOLDS = {
    "share": _("${n}%"),
    "days": _("${n}个工作日"),
    "count": _("${n}件"),
}


#: indicators whose value is 1 or 0 (yes or no)
YES_NO = {"annual_report_on_time": (_("按时"), _("否"))}
#: indicators that always have a value (the rule's no-data clause does not apply)
ALWAYS_MEASURED = {"annual_report_on_time", "guide_complete", "corrected_appeals"}


def translated(request, message) -> str:
    """A marked message in the reader's language, its mapping's marked values too (an
    appeal's kind); anything else as it is."""
    if isinstance(message, TranslationString) and message.mapping:
        mapping = {k: request.translate(v) for k, v in message.mapping.items()}
        return request.translate(message, mapping)
    return request.translate(message)


def display_value(indicator: Indicator, value: float | None) -> str:
    """The value as shown (a marked message or a number)."""
    if value is None:
        return _("无数据")
    if indicator.code in YES_NO:
        yes, no = YES_NO[indicator.code]
        return yes if value >= 1 else no
    if indicator.unit == "share":
        return f"{value * 100:.1f}%"
    if indicator.unit == "days":
        return f"{value:g}"
    return f"{value:.0f}"


def display_threshold(indicator: Indicator, value: float):
    """A threshold with its unit: a marked message."""
    n = f"{value * 100:g}" if indicator.unit == "share" else f"{value:g}"
    return _(THRESHOLDS[indicator.unit], mapping={"n": n})


def rule_text(request, indicator: Indicator) -> str:
    """How an indicator is scored, in the reader's language."""
    weight = f"{indicator.weight:g}"
    if indicator.code in YES_NO:
        return request.translate(
            _("按时得满分 ${weight} 分，否则不得分", mapping={"weight": weight})
        )
    mapping = {
        "full": request.translate(display_threshold(indicator, indicator.full_at)),
        "weight": weight,
        "zero": request.translate(display_threshold(indicator, indicator.zero_at)),
    }
    if indicator.direction == "higher":
        rule = _("≥${full} 得满分 ${weight} 分，≤${zero} 不得分，其间按比例计分", mapping=mapping)
    else:
        rule = _("≤${full} 得满分 ${weight} 分，≥${zero} 不得分，其间按比例计分", mapping=mapping)
    text = request.translate(rule)
    if indicator.code in ALWAYS_MEASURED:
        return text
    no_data = {
        "skip": _("${rule}；无数据时不计入"),
        "full": _("${rule}；无数据时得满分"),
        "zero": _("${rule}；无数据时不得分"),
    }
    return request.translate(_(no_data[indicator.when_no_data], mapping={"rule": text}))


def points_text(score: Score) -> str:
    """The points as shown (a marked message or a number)."""
    if score.points is None:
        return _("不计入")
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
        raise HTTPNotFound(request.translate(BAD_YEAR))
    return int(raw)


class _BadYear(Exception):
    pass


@view_config(context=_BadYear)
def bad_year(exc, request):
    message = request.translate(BAD_YEAR)
    return error_response(request, 400, message, {"year": message})


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
        "rule_text": lambda indicator: rule_text(request, indicator),
        "label": label,
        "translated": lambda message: translated(request, message),
    }


def csv_rows(scorecard, tables: list[tuple]) -> list[list[str]]:
    """Header and rows: level, rank, code, name, total, then each indicator's value and points
    (empty where it does not apply or was not scored). In Chinese: the evaluation's table as
    the city office files and publishes it, with scorecard.yaml's labels."""
    header = ["层级", "名次", "机构代码", "单位", "总分"]  # i18n: the CSV, in Chinese
    for i in scorecard.indicators:
        unit = "（%）" if i.unit == "share" else f"（{UNITS[i.unit]}）"  # i18n: the CSV
        header += [f"{i.label}{unit}", f"{i.label}得分（满分{i.weight:g}）"]  # i18n: the CSV
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
    filename = f"{year}年度考核评议.csv"  # i18n: a file name, in Chinese
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
            request,
            400,
            request.translate(_("缺少或无效的版本号，请刷新页面后重试")),
            {"version": request.translate(_("必填"))},
        )
    city = next((o for o in request.organisations.roots if o.kind == "city"), None)
    if city is None:
        return error_response(request, 400, request.translate(_("没有市政府机构，无法发布")))
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
        return error_response(request, 409, request.translate(exc.message))
    request.session.flash(
        request.translate(
            _(
                "已发布${year}年度考核评议结果（第${version}版），索引号 ${index_number}",
                mapping={
                    "year": year,
                    "version": row.version,
                    "index_number": row.catalogue_item.index_number,
                },
            )
        )
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
        "rule_text": lambda indicator: rule_text(request, indicator),
        "label": label,
        "translated": lambda message: translated(request, message),
    }
