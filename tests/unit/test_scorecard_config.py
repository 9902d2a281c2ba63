"""The evaluation's data and pure rules: catalog_schemas/scorecard.yaml checked at start-up,
scoring by thresholds, totals and ties, and the indicators computed from known rows."""

from __future__ import annotations

import copy
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from disclosure import main
from disclosure.calendar.workdays import WorkingCalendar
from disclosure.catalogue.registry import SchemaError, load_schema
from disclosure.scorecard import indicators as ind
from disclosure.scorecard.config import (
    Indicator,
    ScorecardError,
    load_scorecard,
    parse_scorecard,
)
from disclosure.scorecard.guides import guide_elements, guide_missing
from disclosure.scorecard.ranking import BodyScore, Score, rank, score_body, total_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
SCHEMA = load_schema(SCHEMAS)
RAW = yaml.safe_load((SCHEMAS / "scorecard.yaml").read_text(encoding="utf-8"))
CALENDAR = WorkingCalendar(SCHEMAS / "calendars")


def indicator(**overrides) -> Indicator:
    base = dict(
        code="on_time_rate",
        label="按期答复率",
        weight=20.0,
        direction="higher",
        full_at=1.0,
        zero_at=0.8,
        levels=("department",),
    )
    return Indicator(**{**base, **overrides})


# -- the shipped file ---------------------------------------------------------------------------


def test_the_shipped_scorecard_loads_with_every_indicator_and_level():
    card = load_scorecard(SCHEMAS, SCHEMA)
    assert [lv.kind for lv in card.levels] == ["department", "county", "township"]
    assert {i.code for i in card.indicators} == {
        "on_time_rate",
        "median_answer_days",
        "timely_publication",
        "metadata_completeness",
        "annual_report_on_time",
        "guide_complete",
        "corrected_appeals",
    }
    assert all(i.label and i.weight > 0 for i in card.indicators)
    # the law's figures are data: Art. 26's article and day count
    timely = card.indicator("timely_publication")
    assert timely.params == {"article": "第二十六条", "working_days": 20}
    assert all(len(card.for_level(lv.kind)) == 7 for lv in card.levels)
    # every required form field of fields.yaml, plus the recommended ones, is checked
    names = [name for name, _ in card.checked_fields]
    assert {"title", "created_on", "topic", "genre", "summary", "keywords"} <= set(names)
    assert "index_number" not in names and "organisation" not in names


def _broken(mutate) -> dict:
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


def _ind(data, code) -> dict:
    return next(i for i in data["indicators"] if i["code"] == code)


INVALID = [
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(weight=-5),
        "indicators[0] (on_time_rate).weight",
        id="negative-weight",
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(weight=0), "weight: 必须为正数", id="zero-weight"
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(weight="twenty"), ".weight", id="text-weight"
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(full_at=0.7, zero_at=0.8),
        "full_at 应大于 zero_at",
        id="higher-thresholds-reversed",
    ),
    pytest.param(
        lambda d: _ind(d, "median_answer_days").update(full_at=20, zero_at=5),
        "full_at 应小于 zero_at",
        id="lower-thresholds-reversed",
    ),
    pytest.param(
        lambda d: _ind(d, "corrected_appeals").update(full_at=3, zero_at=3),
        "thresholds out of order",
        id="equal-thresholds",
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(full_at=95), "0 到 1", id="share-above-one"
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(code="speed"),
        "'speed' 不是已知的指标",
        id="unknown-code",
    ),
    pytest.param(
        lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])),
        "code: 重复",
        id="duplicate-code",
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(levels=["department", "village"]),
        "'village' 不是 levels 中的层级",
        id="unknown-level-of-indicator",
    ),
    pytest.param(
        lambda d: d["levels"].append({"kind": "village", "label": "村"}),
        "'village' 不是机构类型",
        id="unknown-organisation-kind",
    ),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(direction="up"),
        "direction",
        id="unknown-direction",
    ),
    pytest.param(
        lambda d: _ind(d, "timely_publication")["params"].update(working_days=0),
        "params.working_days",
        id="zero-working-days",
    ),
    pytest.param(
        lambda d: _ind(d, "timely_publication")["params"].pop("article"),
        "params.article: 缺少参数",
        id="article-missing",
    ),
    pytest.param(
        lambda d: _ind(d, "metadata_completeness")["params"].update(recommended_fields=["colour"]),
        "'colour' 不是 fields.yaml 中的字段",
        id="unknown-recommended-field",
    ),
    pytest.param(
        lambda d: _ind(d, "annual_report_on_time")["params"].update(report_year_offset=-2),
        "report_year_offset",
        id="report-year-offset",
    ),
    pytest.param(lambda d: d.update(weights=1), "weights: 未知的键", id="unknown-top-key"),
    pytest.param(
        lambda d: _ind(d, "on_time_rate").update(wieght=3), "wieght: 未知的键", id="typo-key"
    ),
    pytest.param(
        lambda d: [i["levels"].remove("township") for i in d["indicators"]],
        "'township' 没有任何指标",
        id="level-without-indicator",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), INVALID)
def test_an_invalid_scorecard_is_rejected_naming_the_file_and_the_problem(
    tmp_path, mutate, message
):
    path = tmp_path / "catalog_schemas"
    path.mkdir()
    (path / "scorecard.yaml").write_text(
        yaml.safe_dump(_broken(mutate), allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(ScorecardError) as exc:
        load_scorecard(path, SCHEMA)
    assert str(exc.value).startswith("catalog_schemas/scorecard.yaml: ")
    assert message in str(exc.value)
    assert isinstance(exc.value, SchemaError)  # the command line reports it as a schema error


def test_a_missing_or_unparsable_file_is_named(tmp_path):
    with pytest.raises(ScorecardError, match=r"scorecard.yaml: 文件不存在"):
        load_scorecard(tmp_path, SCHEMA)
    (tmp_path / "scorecard.yaml").write_text("indicators: [\n", encoding="utf-8")
    with pytest.raises(ScorecardError, match=r"scorecard.yaml: 无法解析"):
        load_scorecard(tmp_path, SCHEMA)
    with pytest.raises(ScorecardError, match="顶层必须是映射"):
        parse_scorecard(["not", "a", "mapping"])


def test_a_bad_scorecard_stops_start_up(tmp_path):
    schemas = tmp_path / "catalog_schemas"
    shutil.copytree(SCHEMAS, schemas)
    data = _broken(lambda d: _ind(d, "guide_complete").update(weight=-1))
    (schemas / "scorecard.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings = {
        "disclosure.database_url": f"sqlite:///{tmp_path}/none.sqlite",
        "disclosure.session_secret": "x",
        "disclosure.schemas_dir": str(schemas),
        "disclosure.search.indexer": "off",
        "disclosure.mail.worker": "off",
        "disclosure.files_dir": str(tmp_path / "files"),
        "disclosure.search.index_dir": str(tmp_path / "index"),
    }
    with pytest.raises(ScorecardError, match=r"scorecard.yaml: indicators\[5\] \(guide_complete\)"):
        main({}, **settings)


# -- points, totals, ranks ------------------------------------------------------------------------


def test_points_are_full_at_or_beyond_full_at_zero_at_or_beyond_zero_at_and_linear_between():
    higher = indicator(weight=20, full_at=1.0, zero_at=0.8)
    assert [higher.points(v) for v in (1.0, 0.95, 0.9, 0.8, 0.5)] == [20, 15, 10, 0, 0]
    lower = indicator(code="median_answer_days", direction="lower", full_at=5, zero_at=20)
    assert [lower.points(v) for v in (0, 5, 12.5, 20, 40)] == [10 * 2, 20, 10, 0, 0]


def test_no_data_is_left_out_or_scored_as_the_file_says():
    assert indicator(when_no_data="skip").points(None) is None
    assert indicator(when_no_data="full").points(None) == 20
    assert indicator(when_no_data="zero").points(None) == 0


def test_the_total_is_out_of_the_weights_scored():
    a, b = indicator(weight=30), indicator(code="guide_complete", weight=10, zero_at=0.5)
    fig = ind.Figure(None, "")
    scores = [Score(a, fig, None), Score(b, fig, 10.0)]
    assert total_of(scores) == 100.0  # the skipped indicator's weight is not counted
    assert total_of([Score(a, fig, 15.0), Score(b, fig, 5.0)]) == 50.0
    assert total_of([Score(a, fig, None)]) is None


def _body(code: str, total: float | None) -> BodyScore:
    return BodyScore(SimpleNamespace(code=code, position=0), None, [], total)


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    ranked = rank([_body("d", 70.0), _body("a", 90.0), _body("x", None), _body("c", 80.0),
                   _body("b", 80.0)])  # fmt: skip
    assert [(b.organisation.code, b.rank) for b in ranked] == [
        ("a", 1),
        ("b", 2),
        ("c", 2),
        ("d", 4),
        ("x", None),
    ]


def test_changed_weights_change_the_order():
    fast = {"on_time_rate": ind.Figure(1.0, ""), "corrected_appeals": ind.Figure(3.0, "")}
    careful = {"on_time_rate": ind.Figure(0.85, ""), "corrected_appeals": ind.Figure(0.0, "")}
    appeals = indicator(code="corrected_appeals", direction="lower", full_at=0, zero_at=3)

    def order(on_time_weight, appeals_weight):
        inds = [
            indicator(weight=on_time_weight),
            Indicator(**{**appeals.__dict__, "weight": appeals_weight}),
        ]
        bodies = [
            score_body(SimpleNamespace(code="fast", position=0), None, inds, fast),
            score_body(SimpleNamespace(code="careful", position=1), None, inds, careful),
        ]
        return [b.organisation.code for b in rank(bodies)]

    assert order(30, 10) == ["fast", "careful"]  # 75.0 against 50.0 (7.5 of 30 + 10 of 10)
    assert order(10, 30) == ["careful", "fast"]


# -- the indicators from known rows ---------------------------------------------------------------


def case(n, received, due, answered=None, status="answered", closed=None, events=()):
    return SimpleNamespace(
        id=n,
        tracking_number=f"T{n:03d}",
        status=status,
        received_on=received,
        due_on=due,
        answered_on=answered,
        closed_on=closed,
        deadline={},
        clock_events=list(events),
    )


CASES = [
    # received Thu 2026-09-24: the 20th working day is Thu 2026-10-29 (DOMAIN.md §3)
    case(1, date(2026, 9, 24), date(2026, 10, 29), date(2026, 10, 29)),  # on the due day: 20 days
    case(2, date(2026, 9, 24), date(2026, 10, 29), date(2026, 10, 30)),  # one day late: 21
    case(3, date(2026, 3, 2), date(2026, 3, 30), date(2026, 3, 5)),  # 3 working days
    case(4, date(2026, 3, 2), date(2026, 3, 30), status="accepted"),  # open: not counted
    case(5, date(2026, 3, 2), date(2026, 3, 30), status="withdrawn", closed=date(2026, 3, 3)),
]


def test_on_time_rate_counts_finished_cases_and_lists_the_late_ones():
    figure = ind.on_time_rate(CASES)
    assert figure.value == pytest.approx(2 / 3)
    assert figure.counted == "2 / 3"
    assert [(e.ref, e.id) for e in figure.evidence] == [("T002", 2)]
    assert "逾期 1 天" in figure.evidence[0].note


def test_median_answer_days_in_working_days_net_of_pauses():
    figure = ind.median_answer_days(CASES, CALENDAR)
    assert figure.value == 20  # of 3, 20, 21
    assert [(e.ref, e.note, e.bad) for e in figure.evidence] == [
        ("T002", "21 个工作日", True),
        ("T001", "20 个工作日", False),
        ("T003", "3 个工作日", False),
    ]
    # a consultation paused the clock for 5 working days (Mon 2026-03-09 to Fri 03-13)
    paused = case(
        6,
        date(2026, 3, 2),
        date(2026, 4, 7),
        date(2026, 3, 20),
        events=[{"kind": "pause", "start": "2026-03-06", "end": "2026-03-13"}],
    )
    assert ind.median_answer_days([paused], CALENDAR).value == 14 - 5


def item(n, created, published, **extra):
    return SimpleNamespace(
        id=n,
        index_number=f"016000102/2026-{n:05d}",
        title=f"条目{n}",
        created_on=created,
        published_on=published,
        **extra,
    )


def test_timely_publication_within_the_working_days_of_the_yaml():
    def add(start, n):
        return CALENDAR.add_working_days(start, n).date

    items = [
        item(1, date(2026, 9, 24), date(2026, 10, 29)),  # the 20th working day: on time
        item(2, date(2026, 9, 24), date(2026, 10, 30)),  # the 21st: late
        item(3, None, date(2026, 10, 1)),  # no 成文日期: late
        item(4, date(2026, 10, 28), date(2026, 10, 28)),  # the same day
        item(5, date(9999, 12, 30), date(2026, 10, 28)),  # a typo: late, not an overflow
        item(6, date(2026, 10, 28), date(2026, 10, 27)),  # published before it was made
    ]
    figure = ind.timely_publication(items, 20, add)
    assert figure.value == 0.5 and figure.counted == "3 / 6"
    assert figure.evidence[-1].note == "成文日期无效（9999-12-30）"
    assert [e.ref for e in figure.evidence] == [
        "016000102/2026-00002",
        "016000102/2026-00003",
        "016000102/2026-00005",
    ]
    assert "应于 2026-10-29 前公开" in figure.evidence[0].note
    assert figure.evidence[1].note == "缺少成文日期"
    assert ind.timely_publication(items, 21, add).counted == "4 / 6"  # the yaml's day count
    assert ind.timely_publication([], 20, add).value is None


def test_metadata_completeness_from_the_checked_fields():
    checked = load_scorecard(SCHEMAS, SCHEMA).checked_fields
    full = {"title": "t", "created_on": "2026-01-05", "topic": "general_affairs", "genre": "notice",
            "disclosure_mode": "proactive", "validity": "valid", "summary": "概述",
            "keywords": ["政务"]}  # fmt: skip
    assert ind.missing_fields(full, checked) == []
    assert ind.missing_fields({**full, "summary": "  ", "keywords": []}, checked) == [
        "主题词",
        "内容概述",
    ]
    entries = [
        (item(1, None, None), []),
        (item(2, None, None), ["内容概述"]),
        (item(3, None, None), []),
        (item(4, None, None), []),
    ]
    figure = ind.metadata_completeness(entries)
    assert figure.value == 0.75 and figure.counted == "3 / 4"
    assert [(e.ref, e.note) for e in figure.evidence] == [
        ("016000102/2026-00002", "缺少：内容概述")
    ]


def test_annual_report_on_time_reads_the_first_version_only():
    def report(version, on_time):
        return SimpleNamespace(
            version=version, on_time=on_time, published_on=date(2026, 1, 20), catalogue_item_id=7
        )

    assert ind.annual_report_on_time([report(2, False), report(1, True)], 2025).value == 1.0
    late = ind.annual_report_on_time([report(1, False), report(2, True)], 2025)
    assert late.value == 0.0 and "逾期" in late.evidence[0].note
    none = ind.annual_report_on_time([], 2025)
    assert none.value == 0.0 and none.evidence[0].note == "年度报告尚未发布"


def test_corrected_appeals_are_counted_with_their_cases():
    appeals = [
        SimpleNamespace(
            id=i,
            request_id=10 + i,
            request=SimpleNamespace(tracking_number=f"T{10 + i}"),
            kind_label="行政复议",
            body="咸阳市人民政府",
            decided_on=date(2026, 5, i),
        )
        for i in (2, 1)
    ]
    figure = ind.corrected_appeals(appeals)
    assert figure.value == 2.0
    assert [(e.ref, e.id) for e in figure.evidence] == [("T11", 11), ("T12", 12)]


# -- the guide rule (also used by tests/unit/test_guides.py) --------------------------------------

PHRASES = load_scorecard(SCHEMAS, SCHEMA).indicator("guide_complete").params["phrases"]


def _demo_org():
    from .test_guides import BY_CODE

    return BY_CODE["016000102"]


def test_a_demo_guide_is_complete():
    org = _demo_org()
    assert guide_missing(org, SCHEMA, PHRASES) == []
    assert ind.guide_complete(
        guide_elements(
            org.guide,
            code=org.code,
            reconsideration_body="咸阳市人民政府",
            category_tree_label=SCHEMA.category_tree(org.category_tree).label,
            phrases=PHRASES,
        )
    ).value == 1.0  # fmt: skip


def test_a_guide_without_the_lawsuit_period_or_fees_lacks_those_elements():
    org = _demo_org()
    cut = SimpleNamespace(
        code=org.code,
        category_tree=org.category_tree,
        guide=org.guide.replace("6个月", "").replace("收费", ""),
    )
    assert guide_missing(cut, SCHEMA, PHRASES, body="咸阳市人民政府") == [
        "行政诉讼6个月期限",
        "收费",
    ]
    wrong_body = guide_missing(org, SCHEMA, PHRASES, body="陕西省人民政府")
    assert wrong_body == ["行政复议机关（陕西省人民政府）及60日期限"]
    elements = guide_elements(
        "", code=org.code, reconsideration_body="咸阳市人民政府", category_tree_label="民政",
        phrases=PHRASES,
    )  # fmt: skip
    figure = ind.guide_complete(elements)
    assert figure.value == 0.0 and len(figure.evidence) == 6 + len(PHRASES)
