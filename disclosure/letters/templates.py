"""Letter templates as data (``catalog_schemas/letters/<key>.yaml``), checked when loaded.

One file per letter type. Every field is text with ``{placeholder}`` slots (``{{`` and ``}}``
stand for literal braces)::

    key: reply                       # the letter type, equal to the file name
    name: 政府信息公开申请答复书        # what officers see in menus
    title: "{agency}政府信息公开申请答复书"
    number_prefix: 公开答              # the number is <agency_short><prefix>〔YYYY〕N号
    addressee: "{applicant}："
    opening: "我机关于{received_on}收到…"
    variants:                        # reply only: one per outcome code (outcomes.yaml)
      not_disclosed:
        body: ["…根据{legal_basis}的规定，决定不予公开。", "理由：{reasons}"]
        remedy: "如对本答复不服，应当先…向{reconsideration_body}申请行政复议…"
      already_public:
        body: ["…", "获取方式和途径：{access_route}"]
        remedy: "…"
        inputs:                      # what the officer must type in to issue it (no default)
          access_route: 获取该信息的方式和途径（网址、栏目或查阅地点）
      petition:                      # an Art. 39 notice: its own title and opening
        title: "{agency}政府信息公开申请告知书"
        name: 政府信息公开申请告知书
        opening: "我机关于{received_on}收到…现告知如下："
        body: […]
        remedy: "如对本告知不服，…"
    closing: "特此告知。"

The answer to a correction of records (``record_correction_reply``) has ``variants`` too, one per
code of ``record_corrections`` in outcomes.yaml (:data:`OUTCOME_LETTERS`). The other letter
types have ``body`` (and optionally ``remedy`` and ``inputs``) at the top level instead. Each letter type has its allowed placeholders (:data:`ALLOWED_PLACEHOLDERS`) and
the ones it must use (:data:`REQUIRED_PLACEHOLDERS`). The law is never written into a template:
articles, day counts and the sentences of the rules come from the case's rule profile
(``{regulations}``, ``{article_answer}``, ``{answer_days}``, ``{pause_rule}`` …, see
:data:`disclosure.law.PLACEHOLDERS`), so one template serves every version of the Regulations;
a literal article (第…条) or working-day count is refused. Each reply variant must cite its
``{legal_basis}`` (the outcome's, and the withholding ground's, under the case's profile); when
outcome definitions are passed in (``disclosure.law.Outcome``) it must also use ``{reasons}``
when the officer must give reasons, and ``{ground_label}`` when information is withheld on a
ground.

Officer input (:data:`OFFICER_INPUTS`: ``access_route``, ``referral``, ``previous_reply``,
``reasons``, ``payment_method``) never has a default: a variant lists under ``inputs`` each one it uses, with the
label the case page shows, and issuing refuses a letter whose inputs are blank. A variant that
uses one without declaring it is refused when the file is loaded.

The applicant's description is quoted as an excerpt (:func:`excerpt`, at most
:data:`DESCRIPTION_LIMIT` characters and "等"); the full text stays on the case.

A broken file raises :class:`LetterTemplateError` naming the file, the field and the
placeholder. :func:`render_text` fills a template (pure; no PDF) and raises
:class:`LetterRenderError` naming every value that is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile
from ..law import PLACEHOLDERS as LAW_PLACEHOLDERS

LETTER_TYPES: dict[str, str] = {
    "acknowledgement": "受理回执",
    "correction": "补正告知书",
    "extension": "延期答复告知书",
    "third_party": "征求第三方意见书",
    "agency_consultation": "征求其他机关意见函",
    "reply": "政府信息公开申请答复书",
    "excessive_reasons": "要求说明申请理由通知书",  # Art. 35: asking the applicant for reasons
    "later_date": "延迟答复告知书",  # Art. 35: a reasonable later answer date
    "fee_notice": "信息处理费收费通知",  # Art. 42, 国办函〔2020〕109号
    "record_correction_reply": "更正申请答复书",  # Art. 41: the answer to a correction of records
}
# Letter types with one variant per outcome code: the reply (outcomes.yaml ``outcomes``) and the
# answer to a correction of records (``record_corrections``).
OUTCOME_LETTERS = frozenset({"reply", "record_correction_reply"})
DEFAULT_VARIANT = "default"  # the one variant of every other letter type
# Letters that go to a party consulted (Art. 32 a third party, Art. 34 another agency): one per
# consultation of the case, which the variant names, ``consultation-<id>`` (see
# :class:`ConsultationVariants`).
CONSULTATION_LETTERS = frozenset({"third_party", "agency_consultation"})

# Every placeholder a template may use, with what the caller must put in it.
PLACEHOLDERS: dict[str, str] = {
    "agency": "机关全称，如 咸阳市民政局",
    "agency_short": "机关简称（发文机关代字），如 咸民",
    "applicant": "申请人姓名或名称",
    "received_on": "收到申请之日（date，排为 2026年11月2日）",
    "tracking_number": "申请追踪号",
    "description": "申请公开的信息内容描述",
    "application": "申请的名称：政府信息公开申请，或政府信息更正申请（更正本人的政府信息记录）",
    "request_verb": "申请的动作：申请获取，或要求更正",
    "request_object": "申请的对象：的信息，或的政府信息记录",
    "issued_on": "成文日期（date）",
    "letter_number": "文书编号，如 咸民公开答〔2026〕3号",
    "refers_to": "更正说明，如 本文书更正我机关咸民公开答〔2026〕3号文书",
    "status_url": "办理进度查询地址",
    "document_number": "文号",
    "index_number": "索引号",
    "due_on": "答复期限届满之日（date；延期答复告知书中为延长前的期限）",
    "new_due_on": "延长后的答复期限届满之日（date）",
    "extension_days": "延长的工作日数",
    "correction_items": "需要补正的事项（文本；列表则每项一段）",
    "correction_deadline": "补正期限届满之日（date）",
    "third_party": "第三方姓名或名称",
    "consulted_agency": "被征求意见的机关名称",
    "consultation_deadline": "第三方提出意见的期限届满之日（date；规则未规定期限的为空）",
    "reasons": "承办人填写的理由（答复的理由；延期答复告知书中为经批准的延期理由）",
    "ground_label": "不予公开的情形（outcomes.yaml grounds.label）",
    "ground_article": "不予公开的依据条款（本案规则 profiles/*.yaml grounds）",
    "legal_basis": "答复的法律依据：不予公开的依据（如有）和结果的条款，按本案规则，含条例名称",
    "reconsideration_body": "行政复议机关，如 咸阳市人民政府（垂直管理机关为其上一级主管部门）",
    "access_route": "获取信息的方式、途径（或受理渠道、办理方式，按答复情形）",
    "referral": "负责公开该信息的机关名称及联系方式",
    "previous_reply": "此前答复的文号和日期",
    "reasons_deadline": "申请人说明理由的期限届满之日（date）",
    "reasons_asked_on": "要求申请人说明理由之日（date）",
    "reasons_given": "申请人说明理由的情况（说明了理由的日期，或未在期限内说明）",
    "later_due_on": "确定的延迟答复的合理期限（date）",
    "fee_method": "信息处理费的计收方式（按件计收或按量计收）",
    "fee_amount": "信息处理费金额（元）",
    "fee_lines": "信息处理费的计算明细（列表，每项一段）",
    "payment_method": "缴纳方式（收款单位和账户，或缴费地点、网址）",
    **LAW_PLACEHOLDERS,  # from the case's rule profile: {regulations}, {article_answer} …
}

_COMMON = frozenset(
    {
        "agency",
        "agency_short",
        "applicant",
        "received_on",
        "tracking_number",
        "description",
        "issued_on",
        "letter_number",
        "refers_to",
        "status_url",
        *LAW_PLACEHOLDERS,
    }
)
ALLOWED_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "acknowledgement": _COMMON
    | {
        "due_on",
        "document_number",
        "index_number",
        "application",
        "request_verb",
        "request_object",
    },
    "correction": _COMMON | {"correction_items", "correction_deadline"},
    "extension": _COMMON | {"due_on", "new_due_on", "extension_days", "reasons"},
    "third_party": _COMMON | {"third_party", "consultation_deadline", "document_number"},
    "agency_consultation": _COMMON
    | {"consulted_agency", "consultation_deadline", "document_number"},
    "reply": _COMMON
    | {
        "document_number",
        "index_number",
        "reasons",
        "ground_label",
        "ground_article",
        "legal_basis",
        "reconsideration_body",
        "access_route",
        "referral",
        "previous_reply",
        "reasons_asked_on",
        "reasons_given",
    },
    "excessive_reasons": _COMMON | {"reasons_deadline", "document_number"},
    "later_date": _COMMON | {"due_on", "later_due_on", "reasons_given"},
    "fee_notice": _COMMON | {"fee_method", "fee_amount", "fee_lines", "payment_method"},
    "record_correction_reply": _COMMON
    | {"reasons", "legal_basis", "reconsideration_body", "referral"},
}
REQUIRED_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "acknowledgement": frozenset({"applicant", "received_on", "tracking_number", "due_on"}),
    "correction": frozenset(
        {"applicant", "received_on", "correction_items", "correction_deadline"}
    ),
    "extension": frozenset(
        {"applicant", "received_on", "extension_days", "due_on", "new_due_on", "reasons"}
    ),
    "third_party": frozenset({"third_party", "received_on", "description", "third_party_reply"}),
    "agency_consultation": frozenset(
        {"consulted_agency", "received_on", "description", "agency_reply", "agency_consequence"}
    ),
    "reply": frozenset(
        {"applicant", "received_on", "tracking_number", "description", "reconsideration_body"}
    ),
    "excessive_reasons": frozenset(
        {"applicant", "received_on", "description", "reasons_deadline", "article_excessive"}
    ),
    "later_date": frozenset(
        {"applicant", "received_on", "due_on", "later_due_on", "article_later_date"}
    ),
    "fee_notice": frozenset(
        {
            "applicant",
            "received_on",
            "fee_method",
            "fee_amount",
            "fee_lines",
            "payment_method",
            "fee_payment_rule",
        }
    ),
    "record_correction_reply": frozenset(
        {"applicant", "received_on", "tracking_number", "description", "reconsideration_body"}
    ),
}
assert all(REQUIRED_PLACEHOLDERS[k] <= ALLOWED_PLACEHOLDERS[k] for k in LETTER_TYPES)
assert all(ALLOWED_PLACEHOLDERS[k] <= PLACEHOLDERS.keys() for k in LETTER_TYPES)

# What the officer types in when issuing a letter; a variant that uses one must declare it under
# ``inputs`` (with its label), and issuing refuses a blank one. ``reasons`` starts from the
# reasons recorded with the answer; the others have no value until the officer gives one.
OFFICER_INPUTS = frozenset(
    {"access_route", "referral", "previous_reply", "reasons", "payment_method"}
)
# Used in a letter text, these need an ``inputs`` entry (``reasons`` may come from the case).
_INPUT_ONLY = OFFICER_INPUTS - {"reasons"}

DESCRIPTION_LIMIT = 60  # characters of the applicant's description quoted in a letter

_TEXT_FIELDS = ("title", "addressee", "opening", "closing")
_TOP_KEYS = frozenset(
    {"key", "name", "number_prefix", *_TEXT_FIELDS, "body", "remedy", "variants", "inputs"}
)
_VARIANT_KEYS = frozenset({"body", "remedy", "title", "name", "opening", "inputs"})
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
# The law written into a template instead of taken from the profile: an article of a law, or
# a count of working days.
_LAW_LITERAL = re.compile(
    r"第[一二三四五六七八九十百零〇]+条|[0-9０-９一二三四五六七八九十两]+\s*个工作日"
)
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class LetterTemplateError(ValueError):
    """A letter template file is missing or invalid."""


class LetterRenderError(ValueError):
    """A letter cannot be filled in: values are missing or the variant is unknown."""


@dataclass(frozen=True)
class LetterInput:
    """One thing the officer must type in to issue a letter variant."""

    name: str  # the placeholder it fills (OFFICER_INPUTS)
    label: str  # what the case page asks for


@dataclass(frozen=True)
class Variant:
    body: tuple[str, ...]
    remedy: str = ""
    title: str = ""  # "": the letter type's
    name: str = ""  # "": the letter type's
    opening: str = ""  # "": the letter type's
    inputs: tuple[LetterInput, ...] = ()


CONSULTATION_VARIANT = re.compile(r"consultation-[1-9][0-9]{0,5}\Z")


class ConsultationVariants(Mapping[str, "Variant"]):
    """The variants of a consultation letter: one text, issued once for each consultation of
    the case, which the variant names (``consultation-2``: the case's second consultation).
    Listed (and checked when loaded) as the one ``default`` text; any ``consultation-<id>``
    is that text too."""

    def __init__(self, text: Variant) -> None:
        self._text = text

    def __getitem__(self, key: str) -> Variant:
        if key == DEFAULT_VARIANT or (isinstance(key, str) and CONSULTATION_VARIANT.match(key)):
            return self._text
        raise KeyError(key)

    def __iter__(self):
        return iter((DEFAULT_VARIANT,))

    def __len__(self) -> int:
        return 1


@dataclass(frozen=True)
class LetterTemplate:
    key: str
    name: str
    title: str
    number_prefix: str
    addressee: str
    opening: str
    closing: str
    variants: Mapping[str, Variant]
    source: str = ""  # the file, for messages

    def fields(self, variant: str) -> list[tuple[str, str]]:
        """(field path, text) for every text field of one variant, in letter order."""
        v = self.variants[variant]
        prefix = f"variants.{variant}." if self.key in OUTCOME_LETTERS else ""
        return [
            (f"{prefix}title" if v.title else "title", v.title or self.title),
            ("addressee", self.addressee),
            (f"{prefix}opening" if v.opening else "opening", v.opening or self.opening),
            *((f"{prefix}body[{i}]", line) for i, line in enumerate(v.body)),
            (f"{prefix}remedy", v.remedy),
            ("closing", self.closing),
        ]

    def placeholders(self, variant: str) -> frozenset[str]:
        """Every placeholder a letter of this variant uses: the values render_text needs."""
        return frozenset(n for _, text in self.fields(variant) for n in placeholders_in(text))

    def variant_name(self, variant: str) -> str:
        """The kind of letter one variant is, e.g. 政府信息公开申请告知书 for an Art. 39 notice."""
        return self.variants[variant].name or self.name

    def inputs(self, variant: str) -> tuple[LetterInput, ...]:
        """What the officer must type in to issue this variant (nothing has a default)."""
        return self.variants[variant].inputs


@dataclass(frozen=True)
class RenderedLetter:
    """A filled-in letter, still plain text (no markup)."""

    kind: str
    variant: str
    title: str
    number: str
    addressee: str
    paragraphs: tuple[str, ...]  # the opening, then the body
    remedy: str
    closing: str
    agency: str
    date: str  # the issue date as printed, e.g. 2026年11月20日 ("" when not given)
    received_on: str
    tracking_number: str


def format_date(d: date) -> str:
    """2026年11月20日: year in full, month and day without leading zeros (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日"


def letter_number(agency_short: str, prefix: str, year: int, serial: int) -> str:
    """咸民 + 公开答 + 2026 + 3 → 咸民公开答〔2026〕3号."""
    return f"{agency_short}{prefix}〔{year}〕{serial}号"


def excerpt(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The applicant's description as a letter quotes it: on one line, and when longer than
    ``limit`` characters, its first ``limit`` characters and "等"."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rstrip(" ，,。.、；;：:…（(“\"'") + "等"


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text``; ValueError on a stray brace or a malformed name."""
    names = []
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        name = m.group(1)
        if name is None or not _NAME.match(name):
            snippet = text[max(0, m.start() - 16) : m.end() + 16]
            raise ValueError(
                f"括号不配对或占位符格式错误 (unbalanced brace or malformed placeholder) "
                f"{token!r} at {m.start()}: …{snippet}…"
            )
        names.append(name)
    return names


def _fill(text: str, values: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values[m.group(1)]

    return _TOKEN.sub(sub, text)


# --- loading ---------------------------------------------------------------------------------


def _text(data: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LetterTemplateError(f"{where}: {name}: 必须是非空文本 (must be non-empty text)")
    return value.strip()


def _body(value: Any, where: str, field: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise LetterTemplateError(f"{where}: {field}: 必须是非空的段落列表 (must be a list)")
    lines = []
    for i, line in enumerate(value):
        if not isinstance(line, str) or not line.strip():
            raise LetterTemplateError(f"{where}: {field}[{i}]: 必须是非空文本 (must be text)")
        lines.append(line.strip())
    return tuple(lines)


def _inputs(value: Any, where: str, field: str) -> tuple[LetterInput, ...]:
    """``inputs``: a mapping placeholder → the label the case page shows."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise LetterTemplateError(
            f"{where}: {field}: 必须是映射 占位符: 标签 (must map a placeholder to its label)"
        )
    out = []
    for name, label in value.items():
        if name not in OFFICER_INPUTS:
            raise LetterTemplateError(
                f"{where}: {field}.{name}: 不是承办人填写的内容 (not an officer input; one of "
                f"{', '.join(sorted(OFFICER_INPUTS))})"
            )
        if not isinstance(label, str) or not label.strip():
            raise LetterTemplateError(f"{where}: {field}.{name}: 必须是非空文本 (the label)")
        out.append(LetterInput(str(name), label.strip()))
    return tuple(out)


def _variant(data: Any, where: str, field: str) -> Variant:
    """A reply variant: its body and its remedy, both required (a reply states the remedy),
    and optionally its own title, name and opening (an Art. 39 notice is a 告知书)."""
    if not isinstance(data, dict):
        raise LetterTemplateError(f"{where}: {field}: 必须是映射 (must be a mapping)")
    unknown = sorted(set(map(str, data)) - _VARIANT_KEYS)
    if unknown:
        raise LetterTemplateError(f"{where}: {field}.{unknown[0]}: 未知字段 (unknown field)")
    remedy = data.get("remedy")
    if not isinstance(remedy, str) or not remedy.strip():
        raise LetterTemplateError(
            f"{where}: {field}.remedy: 答复书必须告知救济途径 (a reply must state the remedy: "
            f"non-empty text)"
        )
    return Variant(
        body=_body(data.get("body"), where, f"{field}.body"),
        remedy=remedy.strip(),
        title=_text(data, "title", f"{where}: {field}", required=False),
        name=_text(data, "name", f"{where}: {field}", required=False),
        opening=_text(data, "opening", f"{where}: {field}", required=False),
        inputs=_inputs(data.get("inputs"), where, f"{field}.inputs"),
    )


def _outcome_attr(outcome: Any, name: str, default: Any) -> Any:
    if isinstance(outcome, Mapping):
        return outcome.get(name, default)
    return getattr(outcome, name, default)


def parse_template(
    data: Any,
    where: str,
    outcomes: Iterable[str] | Mapping[str, Any] = (),
    *,
    key: str | None = None,
    record_corrections: Iterable[str] | Mapping[str, Any] | None = None,
) -> LetterTemplate:
    """Check one template file's data; ``where`` names the file in messages.

    ``outcomes``: the outcome codes, or a mapping code → outcome (an object or mapping with
    ``reasons`` and ``grounds``) to check the officer's reasons and the ground are used too.
    ``key``: the letter type the file must define (its file name).
    ``record_corrections``: the same for the answers to a correction of records
    (``record_correction_reply``); None: its variants are checked, but not against the codes.
    """
    if not isinstance(data, dict):
        raise LetterTemplateError(f"{where}: 顶层必须是映射 (top level must be a mapping)")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise LetterTemplateError(f"{where}: {unknown[0]}: 未知字段 (unknown field)")
    kind = _text(data, "key", where)
    if kind not in LETTER_TYPES:
        raise LetterTemplateError(
            f"{where}: key: 未知的文书类型 {kind!r} (unknown letter type; one of "
            f"{', '.join(LETTER_TYPES)})"
        )
    if key is not None and kind != key:
        raise LetterTemplateError(f"{where}: key: 应为 {key!r} (must match the file name)")

    if kind in OUTCOME_LETTERS:
        if "body" in data or "remedy" in data:
            raise LetterTemplateError(
                f"{where}: body: 答复书的正文和救济途径写在 variants 下 ({kind}: put body and "
                f"remedy under variants)"
            )
        raw = data.get("variants")
        if not isinstance(raw, dict) or not raw:
            raise LetterTemplateError(f"{where}: variants: 必须是非空映射 (must be a mapping)")
        variants = {str(code): _variant(v, where, f"variants.{code}") for code, v in raw.items()}
    else:
        if "variants" in data:
            raise LetterTemplateError(
                f"{where}: variants: 只有答复书有多种情形 (only "
                f"{' and '.join(sorted(OUTCOME_LETTERS))} have variants)"
            )
        variants = {
            DEFAULT_VARIANT: Variant(
                body=_body(data.get("body"), where, "body"),
                remedy=_text(data, "remedy", where, required=False),
                inputs=_inputs(data.get("inputs"), where, "inputs"),
            )
        }
        if kind in CONSULTATION_LETTERS:
            variants = ConsultationVariants(variants[DEFAULT_VARIANT])

    template = LetterTemplate(
        key=kind,
        name=_text(data, "name", where),
        title=_text(data, "title", where),
        number_prefix=_text(data, "number_prefix", where),
        addressee=_text(data, "addressee", where),
        opening=_text(data, "opening", where),
        closing=_text(data, "closing", where),
        variants=variants,
        source=where,
    )
    _check_placeholders(template, where)
    if kind == "reply":
        _check_variants(template, where, outcomes)
    elif kind in OUTCOME_LETTERS:
        _check_variants(
            template,
            where,
            record_corrections if record_corrections is not None else list(template.variants),
        )
    return template


def _check_placeholders(template: LetterTemplate, where: str) -> None:
    allowed = ALLOWED_PLACEHOLDERS[template.key]
    seen: set[tuple[str, str]] = set()
    for variant in template.variants:
        for field, text in template.fields(variant):
            if (field, text) in seen:  # the shared fields, once
                continue
            seen.add((field, text))
            try:
                names = placeholders_in(text)
            except ValueError as exc:
                raise LetterTemplateError(f"{where}: {field}: {exc}") from None
            literal = _LAW_LITERAL.search(text)
            if literal:
                raise LetterTemplateError(
                    f"{where}: {field}: “{literal.group(0)}”: 条款和工作日数应取自规则 (the law "
                    f"is not written into a template: use {{article_…}}, {{legal_basis}}, "
                    f"{{answer_days}} … from the case's rule profile)"
                )
            for name in names:
                if name not in allowed:
                    raise LetterTemplateError(
                        f"{where}: {field}: {{{name}}}: 未知占位符 (unknown placeholder; "
                        f"allowed for {template.key}: {', '.join(sorted(allowed))})"
                    )
        _check_inputs(template, variant, where)
        missing = sorted(REQUIRED_PLACEHOLDERS[template.key] - template.placeholders(variant))
        if missing:
            field = f"variants.{variant}" if template.key in OUTCOME_LETTERS else "body"
            raise LetterTemplateError(
                f"{where}: {field}: {{{missing[0]}}}: 缺少必需的占位符 (required placeholder "
                f"missing: a {template.key} letter must use "
                f"{', '.join('{' + n + '}' for n in missing)} in one of its fields)"
            )


def _check_inputs(template: LetterTemplate, variant: str, where: str) -> None:
    """Every officer input a variant uses is declared (so it is asked for and required), and
    every declared one is used."""
    field = f"variants.{variant}.inputs" if template.key in OUTCOME_LETTERS else "inputs"
    used = template.placeholders(variant)
    declared = {i.name for i in template.inputs(variant)}
    for name in sorted(declared - used):
        raise LetterTemplateError(
            f"{where}: {field}.{name}: 文书中没有使用 (declared but not used in the letter)"
        )
    for name in sorted((used & _INPUT_ONLY) - declared):
        raise LetterTemplateError(
            f"{where}: {field}.{name}: {{{name}}} 须由承办人填写，请在 inputs 中列出并写明标签 "
            f"(an officer input used without an inputs entry: no default text goes out)"
        )


def _check_variants(
    template: LetterTemplate, where: str, outcomes: Iterable[str] | Mapping[str, Any]
) -> None:
    codes = list(outcomes)
    if not codes:
        raise LetterTemplateError(f"{where}: variants: 未提供结果代码 (no outcome codes given)")
    for code in codes:
        if code not in template.variants:
            raise LetterTemplateError(
                f"{where}: variants.{code}: 缺少此答复情形 (missing variant for outcome {code!r})"
            )
    for code in template.variants:
        if code not in codes:
            raise LetterTemplateError(
                f"{where}: variants.{code}: 不是 outcomes.yaml 中的结果代码 (not an outcome code)"
            )
    for code, variant in template.variants.items():
        if "legal_basis" not in placeholders_in("".join(variant.body)):
            raise LetterTemplateError(
                f"{where}: variants.{code}.body: {{legal_basis}}: 未引用法律依据 (the decision "
                f"must cite its legal basis, which the case's rule profile gives for {code})"
            )
    if not isinstance(outcomes, Mapping):
        return
    for code, variant in template.variants.items():
        field = f"variants.{code}"
        outcome = outcomes[code]
        used = set(placeholders_in("".join(variant.body)))
        needed = []
        if _outcome_attr(outcome, "reasons", False):
            needed.append("reasons")
        if _outcome_attr(outcome, "grounds", False):
            needed.append("ground_label")
        for name in needed:
            if name not in used:
                raise LetterTemplateError(
                    f"{where}: {field}.body: {{{name}}}: 缺少必需的占位符 (required placeholder "
                    f"missing: outcome {code} withholds information or needs reasons)"
                )


def load_templates(
    directory: str | Path,
    outcomes: Iterable[str] | Mapping[str, Any],
    record_corrections: Iterable[str] | Mapping[str, Any] | None = None,
) -> dict[str, LetterTemplate]:
    """Load and check ``<directory>/<key>.yaml`` for every letter type.

    ``outcomes``: the outcome codes the reply must have a variant for, or the outcomes
    themselves (``load_law(...).outcomes``) to check their reasons and grounds are used too.
    ``record_corrections``: the same for the answer to a correction of records
    (``load_law(...).record_corrections``; None: not checked against the codes).
    """
    directory = Path(directory)
    codes = outcomes if isinstance(outcomes, Mapping) else list(outcomes)
    if record_corrections is not None and not isinstance(record_corrections, Mapping):
        record_corrections = list(record_corrections)
    templates: dict[str, LetterTemplate] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem not in LETTER_TYPES:
            raise LetterTemplateError(
                f"{directory.name}/{path.name}: 未知的文书类型 (unknown letter type; one of "
                f"{', '.join(LETTER_TYPES)})"
            )
    for kind in LETTER_TYPES:
        path = directory / f"{kind}.yaml"
        where = f"{directory.name}/{path.name}"
        try:
            data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LetterTemplateError(f"{where}: 文件不存在 (file missing)") from None
        except yaml.YAMLError as exc:
            raise LetterTemplateError(f"{where}: YAML 格式错误 (invalid YAML): {exc}") from None
        templates[kind] = parse_template(
            data, where, codes, key=kind, record_corrections=record_corrections
        )
    return templates


# --- rendering -------------------------------------------------------------------------------


def _format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return "\n".join(s for s in (_format_value(v) for v in value) if s)
    return str(value).strip()


def _paragraphs(text: str) -> list[str]:
    """A filled-in field as paragraphs: a value with line breaks (or a list) makes several."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def render_text(
    template: LetterTemplate, variant: str | None, values: Mapping[str, Any]
) -> RenderedLetter:
    """Fill ``template`` in (pure). Dates are written 2026年11月20日; a list value or one with
    line breaks becomes several paragraphs. Every placeholder the variant uses needs a
    non-blank value; extra values are ignored.
    """
    name = variant or DEFAULT_VARIANT
    if name not in template.variants:
        raise LetterRenderError(
            f"{template.key}: 没有此情形 {name!r} (unknown variant; one of "
            f"{', '.join(template.variants)})"
        )
    used = template.placeholders(name)
    text = {n: _format_value(values.get(n)) for n in used}
    if "description" in text:  # quoted once, as an excerpt: the full text stays on the case
        text["description"] = excerpt(text["description"])
    missing = sorted(n for n, v in text.items() if not v)
    if missing:
        raise LetterRenderError(
            f"{template.key}/{name}: 缺少以下内容 (missing values): "
            + ", ".join(f"{n}（{PLACEHOLDERS[n]}）" for n in missing)
        )
    v = template.variants[name]

    def one_line(field: str) -> str:
        return " ".join(_paragraphs(_fill(field, text)))

    paragraphs = _paragraphs(_fill(v.opening or template.opening, text))
    for line in v.body:
        paragraphs += _paragraphs(_fill(line, text))
    return RenderedLetter(
        kind=template.key,
        variant=name,
        title=one_line(v.title or template.title),
        number=_format_value(values.get("letter_number")),
        addressee=one_line(template.addressee),
        paragraphs=tuple(paragraphs),
        remedy=one_line(v.remedy),
        closing=one_line(template.closing),
        agency=_format_value(values.get("agency")),
        date=_format_value(values.get("issued_on")),
        received_on=_format_value(values.get("received_on")),
        tracking_number=_format_value(values.get("tracking_number")),
    )
