"""``catalog_schemas/scorecard.yaml``: the indicators, weights and thresholds of the yearly
evaluation (评比), loaded and checked at start-up.

A problem raises :class:`ScorecardError` (a :class:`~disclosure.catalogue.registry.SchemaError`,
so the command line reports it the same way) naming the file and the key, and start-up stops.
The file's format is described at its top. Pure: no Pyramid, no database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile
from ..catalogue.registry import ORGANISATION_KINDS, CatalogueSchema, SchemaError

FILENAME = "scorecard.yaml"

#: Every indicator the code computes, with the kind of value it gives: a share (0..1), working
#: days or a count. Thresholds are checked against it.
INDICATOR_UNITS: dict[str, str] = {
    "on_time_rate": "share",
    "median_answer_days": "days",
    "timely_publication": "share",
    "metadata_completeness": "share",
    "annual_report_on_time": "share",
    "guide_complete": "share",
    "corrected_appeals": "count",
}
DIRECTIONS = ("higher", "lower")
NO_DATA = ("skip", "full", "zero")
INDICATOR_KEYS = {
    "code",
    "label",
    "weight",
    "direction",
    "full_at",
    "zero_at",
    "levels",
    "when_no_data",
    "params",
}
TOP_KEYS = {"title", "levels", "indicators"}


class ScorecardError(SchemaError):
    """catalog_schemas/scorecard.yaml is missing or invalid."""


@dataclass(frozen=True)
class Level:
    kind: str  # an Organisation.kind
    label: str


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    weight: float
    direction: str  # higher | lower
    full_at: float
    zero_at: float
    levels: tuple[str, ...]
    when_no_data: str = "skip"
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        return INDICATOR_UNITS[self.code]

    def points(self, value: float | None) -> float | None:
        """Points for ``value``: the full weight at ``full_at`` or better, none at ``zero_at`` or
        worse, linear in between. No value: by ``when_no_data`` (None = left out)."""
        if value is None:
            return {"full": self.weight, "zero": 0.0}.get(self.when_no_data)
        span = self.full_at - self.zero_at  # positive when higher is better, negative otherwise
        share = (value - self.zero_at) / span
        return round(self.weight * min(1.0, max(0.0, share)), 4)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "weight": self.weight,
            "direction": self.direction,
            "full_at": self.full_at,
            "zero_at": self.zero_at,
            "levels": list(self.levels),
            "when_no_data": self.when_no_data,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class Scorecard:
    title: str
    levels: tuple[Level, ...]
    indicators: tuple[Indicator, ...]
    source: str = FILENAME
    # the catalogue fields checked by metadata_completeness: (name, label), in fields.yaml order
    checked_fields: tuple[tuple[str, str], ...] = ()

    def level(self, kind: str) -> Level | None:
        return next((lv for lv in self.levels if lv.kind == kind), None)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def for_level(self, kind: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if kind in i.levels)

    def as_json(self) -> dict[str, Any]:
        """What a publication freezes beside the ranking."""
        return {
            "title": self.title,
            "levels": [{"kind": lv.kind, "label": lv.label} for lv in self.levels],
            "indicators": [i.as_json() for i in self.indicators],
        }


# --- loading ---------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _check_params(
    code: str, params: Any, where: str, schema: CatalogueSchema | None
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """The ``params`` of one indicator; for metadata_completeness also the checked fields."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{where}.params: 必须是映射 (must be a mapping)")
    expected: dict[str, str] = {
        "timely_publication": "article working_days",
        "metadata_completeness": "recommended_fields",
        "annual_report_on_time": "report_year_offset",
        "guide_complete": "phrases",
    }.get(code, "")
    allowed = set(expected.split())
    for key in params:
        if key not in allowed:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.params.{key}: 此指标没有该参数 (unknown parameter; "
                f"expected: {', '.join(sorted(allowed)) or 'none'})"
            )
    for key in allowed:
        if key not in params:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.params.{key}: 缺少参数 (parameter missing)")
    checked: tuple[tuple[str, str], ...] = ()
    if code == "timely_publication":
        days = params["working_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.params.working_days: 应为 1–365 的整数 (must be an integer 1–365)"
            )
        if not _text(params["article"]):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.params.article: 不能为空 (must not be empty)")
    elif code == "annual_report_on_time":
        if params["report_year_offset"] not in (-1, 0) or isinstance(
            params["report_year_offset"], bool
        ):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.params.report_year_offset: 应为 -1（上一年度的报告）或 0（本年度的报告）"
                f" (must be -1 or 0)"
            )
    elif code == "guide_complete":
        phrases = params["phrases"]
        if not isinstance(phrases, list) or not all(_text(p) for p in phrases):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.params.phrases: 应为非空文字的列表 (must be a list of non-empty texts)"
            )
        params = {**params, "phrases": [str(p).strip() for p in phrases]}
    elif code == "metadata_completeness":
        names = params["recommended_fields"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.params.recommended_fields: 应为字段名的列表 (must be a list of field names)"
            )
        if schema is not None:
            known = schema.field_names
            for name in names:
                if name not in known:
                    # i18n: a start-up error (bilingual), for the operators
                    raise ScorecardError(
                        f"{where}.params.recommended_fields: '{name}' 不是 fields.yaml 中的字段 "
                        f"(not a field of fields.yaml)"
                    )
            wanted = set(names)
            checked = tuple(
                (f.name, f.label)
                for f in schema.fields
                if (f.required and f.form and f.type != "identifier") or f.name in wanted
            )
    return dict(params), checked


def parse_scorecard(
    data: Any, source: str = FILENAME, schema: CatalogueSchema | None = None
) -> Scorecard:
    """Check the parsed YAML and build the :class:`Scorecard`. ``schema`` (the catalogue's) lets
    metadata_completeness check its field names; without it they are taken on trust."""
    if not isinstance(data, dict):
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: 顶层必须是映射 (top level must be a mapping)")
    for key in data:
        if key not in TOP_KEYS:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{source}: {key}: 未知的键 (unknown key)")
    # i18n: the file's default title, data (labels.py has its English)
    title = _text(data.get("title", "政府信息公开工作年度考核评议"))
    if title is None:
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: title: 不能为空 (must not be empty)")

    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: levels: 应为非空列表 (must be a non-empty list)")
    levels: list[Level] = []
    for i, raw in enumerate(raw_levels):
        where = f"{source}: levels[{i}]"
        if not isinstance(raw, dict):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}: 必须是映射 (must be a mapping)")
        kind, label = raw.get("kind"), _text(raw.get("label"))
        if kind not in ORGANISATION_KINDS:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.kind: '{kind}' 不是机构类型 (unknown organisation kind; one of "
                f"{', '.join(ORGANISATION_KINDS)})"
            )
        if label is None:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.label: 不能为空 (must not be empty)")
        if any(lv.kind == kind for lv in levels):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.kind: '{kind}' 重复 (duplicate)")
        levels.append(Level(kind, label))
    level_kinds = {lv.kind for lv in levels}

    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: indicators: 应为非空列表 (must be a non-empty list)")
    indicators: list[Indicator] = []
    checked_fields: tuple[tuple[str, str], ...] = ()
    for i, raw in enumerate(raw_indicators):
        where = f"{source}: indicators[{i}]"
        if not isinstance(raw, dict):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}: 必须是映射 (must be a mapping)")
        code = raw.get("code")
        if code not in INDICATOR_UNITS:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.code: '{code}' 不是已知的指标 (unknown indicator; one of "
                f"{', '.join(INDICATOR_UNITS)})"
            )
        where = f"{source}: indicators[{i}] ({code})"
        for key in raw:
            if key not in INDICATOR_KEYS:
                # i18n: a start-up error (bilingual), for the operators
                raise ScorecardError(f"{where}.{key}: 未知的键 (unknown key)")
        if any(ind.code == code for ind in indicators):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.code: 重复 (duplicate)")
        label = _text(raw.get("label"))
        if label is None:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.label: 不能为空 (must not be empty)")
        weight = _number(raw.get("weight"))
        if weight is None or weight <= 0:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.weight: 必须为正数 (must be a positive number)")
        direction = raw.get("direction")
        if direction not in DIRECTIONS:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.direction: 应为 higher 或 lower (must be higher or lower)"
            )
        full_at, zero_at = _number(raw.get("full_at")), _number(raw.get("zero_at"))
        for key, value in (("full_at", full_at), ("zero_at", zero_at)):
            if value is None:
                # i18n: a start-up error (bilingual), for the operators
                raise ScorecardError(f"{where}.{key}: 必须为数字 (must be a number)")
            unit = INDICATOR_UNITS[code]
            if unit == "share" and not 0 <= value <= 1:
                # i18n: a start-up error (bilingual), for the operators
                raise ScorecardError(f"{where}.{key}: 比率应在 0 到 1 之间 (a share lies in 0..1)")
            if value < 0:
                # i18n: a start-up error (bilingual), for the operators
                raise ScorecardError(f"{where}.{key}: 不能为负数 (must not be negative)")
        assert full_at is not None and zero_at is not None
        if direction == "higher" and not full_at > zero_at:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}: full_at 应大于 zero_at（越高越好）(thresholds out of order: full_at "
                f"must exceed zero_at when higher is better)"
            )
        if direction == "lower" and not full_at < zero_at:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}: full_at 应小于 zero_at（越低越好）(thresholds out of order: full_at "
                f"must be below zero_at when lower is better)"
            )
        applies = raw.get("levels")
        if not isinstance(applies, list) or not applies:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.levels: 应为非空列表 (must be a non-empty list)")
        for kind in applies:
            if kind not in level_kinds:
                # i18n: a start-up error (bilingual), for the operators
                raise ScorecardError(
                    f"{where}.levels: '{kind}' 不是 levels 中的层级 (unknown level; one of "
                    f"{', '.join(sorted(level_kinds))})"
                )
        if len(set(applies)) != len(applies):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(f"{where}.levels: 有重复 (duplicate level)")
        no_data = raw.get("when_no_data", "skip")
        if no_data not in NO_DATA:
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{where}.when_no_data: 应为 {' / '.join(NO_DATA)} (must be one of them)"
            )
        params, checked = _check_params(code, raw.get("params"), where, schema)
        checked_fields = checked or checked_fields
        indicators.append(
            Indicator(
                code=code,
                label=label,
                weight=weight,
                direction=direction,
                full_at=full_at,
                zero_at=zero_at,
                levels=tuple(applies),
                when_no_data=no_data,
                params=params,
            )
        )
    for lv in levels:
        if not any(lv.kind in ind.levels for ind in indicators):
            # i18n: a start-up error (bilingual), for the operators
            raise ScorecardError(
                f"{source}: levels: '{lv.kind}' 没有任何指标 (no indicator applies to this level)"
            )
    return Scorecard(title, tuple(levels), tuple(indicators), source, checked_fields)


def load_scorecard(schemas_dir: str | Path, schema: CatalogueSchema | None = None) -> Scorecard:
    """``scorecard.yaml`` under ``schemas_dir`` (or the file itself), checked."""
    path = Path(schemas_dir)
    if path.is_dir():
        path = path / FILENAME
    source = f"{path.parent.name}/{path.name}"
    try:
        with path.open(encoding="utf-8") as fh:
            data = yamlfile.safe_load(fh)
    except FileNotFoundError:
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: 文件不存在 (file missing)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        # i18n: a start-up error (bilingual), for the operators
        raise ScorecardError(f"{source}: 无法解析 (cannot parse): {exc}") from None
    return parse_scorecard(data, source, schema)
