"""Rule profiles (``catalog_schemas/profiles/<key>.yaml``): one version of the Regulations as
data: when it took effect, its day counts, the article cited for each step and for each outcome,
and the sentences of the rules that mail and letters quote.

A broken file raises :class:`ProfileError` naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile

# The steps of a case that cite an article (``articles:`` in a profile). A letter or a text
# names one as ``{article_<step>}``.
STEPS: dict[str, str] = {
    # the right to apply, and what an application holds (the application pages cite them)
    "application": "申请获取政府信息",
    "application_contents": "政府信息公开申请的形式和内容",
    "receipt": "收到申请之日的确定",
    "answer": "答复期限",
    "extension": "延长答复期限",
    "correction": "告知补正",
    "consultation": "征求第三方或其他机关意见",
    "third_party": "征求第三方意见（征求意见书）",
    "agency_consultation": "征求其他机关意见（征求意见函）",
    "pause": "征求意见期间不计入答复期限",
    "transfer": "转送其他机关",
    "fee": "信息处理费",
    # Art. 35 (2019): requests clearly excessive in number or frequency
    "excessive": "申请数量、频次明显超过合理范围，要求申请人说明理由",
    "later_date": "申请理由合理但无法按期答复，确定延迟答复的合理期限",
    # the payment period of a fee notice; the time until payment does not count
    "fee_payment": "缴纳信息处理费的期限，出具收费通知至缴费期间不计入答复期限",
    # several applicants asked the same agency for the same information that may be disclosed:
    # the agency may make it proactive (the officer dashboard's suggestion, requests/art44.py)
    "proactive_on_request": (
        "多个申请人就相同政府信息向同一行政机关提出公开申请，且该政府信息属于可以公开的，"
        "行政机关可以纳入主动公开的范围"
    ),
}
# Steps every profile must give an article for; the others may be "" (these rules name none).
REQUIRED_STEPS = frozenset({"answer", "extension", "correction", "pause"})

# Day counts: the profile key, and the placeholder name texts use for it.
DAYS: dict[str, str] = {
    "answer_days": "answer_days",
    "extension_days": "extension_limit_days",
    "correction_notice_days": "correction_notice_days",
    "consultation_days": "consultation_days",
    "fee_payment_days": "fee_payment_days",
}
NULLABLE_DAYS = frozenset({"correction_notice_days", "consultation_days", "fee_payment_days"})

# Sentences of the rules (``wording:``), each with the case values it may use besides the
# profile's own (``{regulations}``, the day counts, ``{article_<step>}``).
WORDING: dict[str, frozenset[str]] = {
    "answer_rule": frozenset(),  # the answer period and the extension limit, as one sentence
    "pause_rule": frozenset(),  # which consultations do not count
    "correction_notice_rule": frozenset(),  # when and how the agency asks for a correction
    "correction_consequence": frozenset(),  # what happens without a correction
    "third_party_reply": frozenset({"deadline"}),  # how long the third party has to reply
    # the same before the party's receipt of the letter is known: no date can be computed yet
    "third_party_reply_open": frozenset(),
    "third_party_consequence": frozenset(),  # what the agency does with the reply (or none)
    "agency_reply": frozenset({"deadline"}),  # how long another agency has to reply
    "agency_reply_open": frozenset(),  # the same, its receipt of the letter not yet known
    "agency_consequence": frozenset(),  # what its silence means
    # the fee notice: by when to pay, that the time until payment does not count, and what
    # follows non-payment
    "fee_payment_rule": frozenset(),
}

# Every placeholder a text may take from the profile, with what it holds.
PLACEHOLDERS: dict[str, str] = {
    "regulations": "条例全称，如《中华人民共和国政府信息公开条例》",
    "answer_days": "答复期限的工作日数",
    "extension_limit_days": "最长可延长的工作日数",
    "correction_notice_days": "告知补正的工作日数（未规定的规则为空）",
    "consultation_days": "征求意见期间最长扣除的工作日数（未规定的规则为空）",
    "fee_payment_days": "缴纳信息处理费的工作日数（未规定的规则为空）",
    **{f"article_{step}": f"条款：{label}" for step, label in STEPS.items()},
    **{key: f"规则原文：{key}" for key in WORDING},
}

_TOP = (
    "key",
    "name",
    "regulations",
    "effective_from",
    *DAYS,
    "articles",
    "outcomes",
    "grounds",
    "closures",
    "record_corrections",
    "wording",
    "annual_report",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ProfileError(ValueError):
    """A profile file is missing or invalid."""


@dataclass(frozen=True)
class ReportDue:
    """When a body's annual report (政府信息公开工作年度报告) for a year falls due: on ``month``/
    ``day`` of the next year, under ``article`` (``annual_report:`` in a profile, per kind of
    organisation)."""

    month: int
    day: int
    article: str

    def due_on(self, year: int) -> date:
        """The due date of the report for ``year`` (it is published in the next year)."""
        return date(year + 1, self.month, self.day)


def _join(items: list[str]) -> str:
    """第一条 / 第一条和第二条 / 第一条、第二条和第三条."""
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    regulations: str  # the title cited, e.g. 《中华人民共和国政府信息公开条例》
    effective_from: date  # applications received on or after this day follow this profile
    answer_days: int  # working days to answer, counted from the day after receipt
    extension_days: int  # at most this many working days, once
    correction_notice_days: int | None  # None: "tell the applicant", no fixed day count
    consultation_days: int | None  # cap of a consultation pause; None: no cap
    fee_payment_days: int | None  # None: these rules set no payment period
    articles: Mapping[str, str]  # step (STEPS) -> article, "" where none
    outcome_articles: Mapping[str, str]  # outcome code -> legal basis
    ground_articles: Mapping[str, str]  # withholding ground code -> legal basis
    closure_articles: Mapping[str, str]  # closure code -> legal basis, "" where none
    # answer to a correction of records (outcomes.yaml record_corrections) -> legal basis
    record_correction_articles: Mapping[str, str]
    wordings: Mapping[str, str] = field(repr=False)
    # kind of organisation -> when its annual report falls due (``annual_report:``)
    annual_report: Mapping[str, ReportDue] = field(default_factory=dict)
    source: str = field(default="", compare=False)  # the file, for messages

    # -- articles -----------------------------------------------------------------------------

    def article(self, step: str) -> str:
        """The article cited for a step (STEPS); "" when these rules name none."""
        return self.articles[step] if step else ""

    @property
    def answer_article(self) -> str:
        return self.articles["answer"]

    @property
    def extension_article(self) -> str:
        return self.articles["extension"]

    @property
    def correction_article(self) -> str:
        return self.articles["correction"]

    @property
    def consultation_article(self) -> str:
        return self.articles["consultation"]

    @property
    def pause_article(self) -> str:
        return self.articles["pause"]

    def outcome_article(self, code: str) -> str:
        """The legal basis of an outcome, a closure or an answer to a correction of records."""
        if code in self.outcome_articles:
            return self.outcome_articles[code]
        if code in self.record_correction_articles:
            return self.record_correction_articles[code]
        return self.closure_articles[code]

    def ground_article(self, code: str) -> str:
        return self.ground_articles[code]

    def cite(self, *references: str) -> str:
        """Citations as one phrase: an article of the Regulations gets their title; a reference
        starting with 《 is another instrument, cited as written. Empty ones are skipped.

        ``cite("第十五条", "第三十六条第（三）项")`` →
        ``《中华人民共和国政府信息公开条例》第十五条和第三十六条第（三）项``.
        """
        groups: list[str | list[str]] = []
        for ref in (r for r in references if r):
            if ref.startswith("《"):
                groups.append(ref)
            elif groups and isinstance(groups[-1], list):
                groups[-1].append(ref)
            else:
                groups.append([ref])
        return _join(
            [g if isinstance(g, str) else self.regulations + _join(g) for g in groups] or [""]
        )

    def legal_basis(self, outcome: str, ground: str = "") -> str:
        """What a reply cites: the withholding ground's basis (if any), then the outcome's."""
        return self.cite(
            self.ground_article(ground) if ground else "", self.outcome_article(outcome)
        )

    def report_due(self, kind: str) -> ReportDue:
        """When the annual report of an organisation of ``kind`` falls due under these rules."""
        try:
            return self.annual_report[kind]
        except KeyError:
            raise ProfileError(
                f"{self.source}: annual_report.{kind}: 缺少此类机构的年度报告期限 (no due date "
                f"for this kind of organisation)"
            ) from None

    # -- texts --------------------------------------------------------------------------------

    def values(self, **case: str) -> dict[str, str]:
        """Every placeholder of :data:`PLACEHOLDERS`, as text ("" for a day count these rules do
        not set). ``case`` gives what a wording needs from the case (``deadline``); a wording
        whose case value is missing is "" (a text using it then reports it missing)."""
        out = self._own_values()
        for key in WORDING:
            try:
                out[key] = self.wording(key, **case)
            except KeyError:
                out[key] = ""
        return out

    def wording(self, key: str, **case: str) -> str:
        """One sentence of the rules, filled in; KeyError when a case value it uses is missing."""
        values = {**self._own_values(), **case}
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.wordings[key])

    def _own_values(self) -> dict[str, str]:
        out = {"regulations": self.regulations}
        for name, placeholder in DAYS.items():
            value = getattr(self, name)
            out[placeholder] = "" if value is None else str(value)
        out.update({f"article_{step}": self.articles[step] for step in STEPS})
        return out


# -- loading ----------------------------------------------------------------------------------


def _mapping(data: dict, name: str, where: str) -> dict:
    value = data[name]
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: {name}: 必须是映射 (must be a mapping)")
    return value


def _texts(
    value: dict, name: str, where: str, keys: Any, required: Any = None, empty_ok: bool = True
) -> dict[str, str]:
    """A mapping of text values with exactly ``keys`` (None: any key)."""
    if keys is not None:
        for key in keys:
            if key not in value:
                raise ProfileError(f"{where}: {name}.{key}: 缺少此字段 (field missing)")
        unknown = sorted(set(map(str, value)) - set(keys))
        if unknown:
            raise ProfileError(f"{where}: {name}.{unknown[0]}: 未知字段 (unknown field)")
    out = {}
    for key, text in value.items():
        if not isinstance(text, str):
            raise ProfileError(f"{where}: {name}.{key}: 必须是文本 (must be text)")
        must = not empty_ok or (required is not None and key in required)
        if must and not text.strip():
            raise ProfileError(f"{where}: {name}.{key}: 必须是非空文本 (must be non-empty text)")
        out[str(key)] = text.strip()
    return out


def _report_dues(data: dict, where: str) -> dict[str, ReportDue]:
    """``annual_report: {kind: {due: "MM-DD", article: ...}}``."""
    value = _mapping(data, "annual_report", where)
    if not value:
        raise ProfileError(f"{where}: annual_report: 不能为空 (must not be empty)")
    out = {}
    for kind, rule in value.items():
        name = f"annual_report.{kind}"
        if not isinstance(rule, dict):
            raise ProfileError(f"{where}: {name}: 必须是映射 (must be a mapping)")
        texts = _texts(rule, name, where, ("due", "article"), empty_ok=False)
        match = re.fullmatch(r"(\d{2})-(\d{2})", texts["due"])
        try:
            if match is None:
                raise ValueError
            date(2001, int(match[1]), int(match[2]))  # a day of every year (no 29 February)
        except ValueError:
            raise ProfileError(
                f"{where}: {name}.due: 必须是月-日 MM-DD (must be a month and day)，实际为 "
                f"{texts['due']!r}"
            ) from None
        out[str(kind)] = ReportDue(int(match[1]), int(match[2]), texts["article"])
    return out


def parse_profile(data: Any, where: str = "profile") -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    unknown = sorted(set(map(str, data)) - set(_TOP))
    if unknown:
        raise ProfileError(f"{where}: {unknown[0]}: 未知字段 (unknown field)")
    for name in _TOP:
        if name not in data:
            raise ProfileError(f"{where}: {name}: 缺少此字段 (field missing)")
    for name in ("key", "name", "regulations"):
        if not isinstance(data[name], str) or not data[name].strip():
            raise ProfileError(f"{where}: {name}: 必须是非空文本 (must be non-empty text)")
    effective = data["effective_from"]
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, date):
        raise ProfileError(f"{where}: effective_from: 必须是日期 YYYY-MM-DD (must be a date)")
    for name in DAYS:
        value = data[name]
        if value is None and name in NULLABLE_DAYS:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            nullable = name in NULLABLE_DAYS
            raise ProfileError(
                f"{where}: {name}: 必须是正整数{'或 null' if nullable else ''}"
                f" (must be a positive integer{' or null' if nullable else ''})，实际为 {value!r}"
            )
    articles = _texts(_mapping(data, "articles", where), "articles", where, STEPS, REQUIRED_STEPS)
    outcomes = _texts(_mapping(data, "outcomes", where), "outcomes", where, None, empty_ok=False)
    grounds = _texts(_mapping(data, "grounds", where), "grounds", where, None, empty_ok=False)
    closures = _texts(_mapping(data, "closures", where), "closures", where, None)
    record_corrections = _texts(
        _mapping(data, "record_corrections", where),
        "record_corrections",
        where,
        None,
        empty_ok=False,
    )
    wordings = _texts(_mapping(data, "wording", where), "wording", where, WORDING, empty_ok=False)
    profile = Profile(
        key=data["key"].strip(),
        name=data["name"].strip(),
        regulations=data["regulations"].strip(),
        effective_from=effective,
        **{name: data[name] for name in DAYS},
        articles=articles,
        outcome_articles=outcomes,
        ground_articles=grounds,
        closure_articles=closures,
        record_correction_articles=record_corrections,
        wordings=wordings,
        annual_report=_report_dues(data, where),
        source=where,
    )
    own = profile._own_values()
    for key, text in wordings.items():
        for name in _PLACEHOLDER.findall(text):
            if name in WORDING[key]:
                continue
            if name not in own:
                raise ProfileError(
                    f"{where}: wording.{key}: {{{name}}}: 未知占位符 (unknown placeholder; "
                    f"allowed: {', '.join(sorted({*own, *WORDING[key]}))})"
                )
            if not own[name]:
                raise ProfileError(
                    f"{where}: wording.{key}: {{{name}}}: 本规则未规定该项 (these rules leave "
                    f"it empty or null)"
                )
        if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
            raise ProfileError(f"{where}: wording.{key}: 括号不配对 (unbalanced brace)")
    return profile


def load_profiles(directory: str | Path) -> dict[str, Profile]:
    """Every ``<key>.yaml`` in ``directory``, by key (the key must equal the file name)."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ProfileError(f"{directory}: 没有规则文件 (no profile files)")
    profiles: dict[str, Profile] = {}
    for path in paths:
        try:
            data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path}: 无法解析 (cannot parse): {exc}") from None
        profile = parse_profile(data, str(path))
        if profile.key != path.stem:
            raise ProfileError(
                f"{path}: key: '{profile.key}' 与文件名不符 (key does not match the file name)"
            )
        profiles[profile.key] = profile
    return profiles
