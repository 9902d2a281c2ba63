"""A case's history and deadline trail as message codes with parameters, rendered in the
reader's language.

A message is a mapping ``{"code": …, "params": {…}}``: the code names an entry of
:data:`MESSAGES` (a marked message whose Chinese source is the prose the case's history has
always shown), the parameters fill its ``${name}`` placeholders. A parameter is

- a date, stored as an ISO string; the entry says how Chinese writes it (:data:`ISO`:
  2026-12-02, :data:`ZH`: 2026年12月2日); other languages write it their own way (English:
  2 December 2026);
- a nested message (a mapping with a ``code``), rendered in the same language: a citation, a
  party, a part of a sentence;
- anything else (an organisation's name, an article, a number, what the officer typed): shown
  as it is.

Two codes are not entries: :data:`SEQ` (``params["parts"]``: messages rendered one after
another) and :data:`TEXT` (``params["text"]``: prose kept as written, for history recorded
before codes that no pattern recognises).

The history event keeps its Chinese rendering in ``public_text`` (the record the audit chain
hashes); the code and parameters (``message``, ``message_params``) drive what a reader in
another language sees. A trail step keeps ``text``/``public_text`` beside ``message``/
``public_message`` the same way. Events without a code (written before migration 0022, or by
code that writes prose only) are recognised by :func:`parse_event_text` when shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pyramid.i18n import TranslationString

from ..dates import en_date, zh_date
from ..i18n import CHINESE, ENGLISH, _, chinese

ISO = "iso"  # a date as Chinese prose of the history writes it: 2026-12-02
ZH = "zh"  # a date as the applicant's trail writes it: 2026年12月2日
CITED = "cited"  # a nested citation: "（第三十条）" or nothing
PARTY = "party"  # a nested party consulted: 第三方 | 其他机关
MARK = "mark"  # a nested "（暂定）" or nothing

SEQ = "seq"
TEXT = "text"


@dataclass(frozen=True)
class Entry:
    """A message and the kinds of its parameters that are not plain values (``kinds``: name →
    ISO | ZH | CITED | PARTY | MARK)."""

    message: TranslationString
    kinds: Mapping[str, str] = field(default_factory=dict)


def _e(message: TranslationString, **kinds: str) -> Entry:
    return Entry(message, kinds)


MESSAGES: dict[str, Entry] = {
    # -- parts shared by several messages ---------------------------------------------------
    "cited": _e(_("（${article}）")),
    "party.third_party": _e(_("第三方")),
    "party.other_agency": _e(_("其他机关")),
    "party.any": _e(_("第三方或有关机关")),
    "provisional_mark": _e(_("（暂定）")),
    # -- the history the applicant sees (RequestEvent.public_text) ---------------------------
    "received": _e(_("收到申请，答复期限至 ${due}${mark}。"), due=ISO, mark=MARK),
    "received_on": _e(
        _("${received} 收到申请，答复期限至 ${due}${mark}。"), received=ISO, due=ISO, mark=MARK
    ),
    "recalculated": _e(
        _("节假日安排已发布，答复期限重新计算为 ${due}${mark}。"), due=ISO, mark=MARK
    ),
    "accepted": _e(_("您的申请已受理，正在办理。")),
    "correction_requested": _e(_("请在 ${deadline} 前补正：${items}"), deadline=ISO),
    "correction_received": _e(
        _("收到您补正后的申请，答复期限自次日起重新计算${cited}。"), cited=CITED
    ),
    "correction_received_on": _e(
        _("${on} 收到您补正后的申请，答复期限自次日起重新计算${cited}。"), on=ISO, cited=CITED
    ),
    "abandoned": _e(
        _("您未在补正期限（${deadline}）内补正，视为放弃申请${cited}。"), deadline=ISO, cited=CITED
    ),
    "consultation_started": _e(
        _("本机关依法征求${who}的意见${cited}，征求意见所需时间不计算在答复期限内${cited_pause}。"),
        who=PARTY,
        cited=CITED,
        cited_pause=CITED,
    ),
    "consultation_ended_one": _e(_("一项征求意见已结束，其他征求意见仍在进行。")),
    "consultation_ended": _e(_("征求意见已结束，继续办理。")),
    "extension_approved": _e(
        _("经本机关政府信息公开工作机构负责人同意，答复期限延长 ${days} 个工作日${cited}。"),
        cited=CITED,
    ),
    "transferred": _e(
        _("您的申请已转送${organisation}办理，答复期限自次日起重新计算${cited}。"), cited=CITED
    ),
    "reasons_asked": _e(
        _(
            "您申请公开政府信息的数量、频次明显超过合理范围，请于 ${deadline} 前说明申请理由"
            "${cited}。"
        ),
        deadline=ISO,
        cited=CITED,
    ),
    "reasons_received": _e(_("收到您说明的申请理由。")),
    "reasons_received_on": _e(_("${on} 收到您说明的申请理由。"), on=ISO),
    "reasons_missing": _e(_("您未在 ${deadline} 前说明申请理由。"), deadline=ISO),
    "later_date_set": _e(
        _(
            "您申请公开政府信息的数量、频次明显超过合理范围，经审查您说明的理由合理，但本机关"
            "无法在答复期限内答复，确定延迟答复的合理期限至 ${date}${cited}。"
        ),
        date=ISO,
        cited=CITED,
    ),
    "fee_notice": _e(
        _(
            "本机关决定收取信息处理费 ${amount} 元（${method}）${cited_fee}，请自收到收费通知"
            "之日的次日起${days}个工作日内缴纳；自出具收费通知之日起至缴纳费用之日止的期间不"
            "计算在答复期限内${cited}。"
        ),
        cited_fee=CITED,
        cited=CITED,
    ),
    "fee_notice_received": _e(
        _("您于 ${received} 收到收费通知，请于 ${due} 前缴纳信息处理费${cited}。"),
        received=ISO,
        due=ISO,
        cited=CITED,
    ),
    "fee_paid": _e(
        _("收到您缴纳的信息处理费 ${amount} 元，答复期限自次日起继续计算${cited}。"), cited=CITED
    ),
    "fee_paid_on": _e(
        _("${on} 收到您缴纳的信息处理费 ${amount} 元，答复期限自次日起继续计算${cited}。"),
        on=ISO,
        cited=CITED,
    ),
    "unpaid_closed": _e(
        _(
            "您未在缴费期限（${due}）内缴纳信息处理费，视为放弃申请，本机关不再处理该政府信息"
            "公开申请${cited}。"
        ),
        due=ISO,
        cited=CITED,
    ),
    "answered": _e(_("已作出答复：${outcome}${cited}。"), cited=CITED),
    "withdrawn": _e(_("您已撤回申请。")),
    "closed": _e(_("申请已办结。")),
    "overdue": _e(_("按实际情况重新计算后，答复期限为 ${due}，已逾期。"), due=ISO),
    "overdue_extension_late": _e(
        _("按实际情况重新计算后，答复期限为 ${due}，已逾期；此前批准的延期晚于该期限，不再适用。"),
        due=ISO,
    ),
    "document_provided": _e(_("提供政府信息：${filename}（${size}），可在本页下载。")),
    "letter_issued": _e(_("出具《${title}》（${number}），可在本页下载。")),
    "personal_data_purged": _e(_("个人信息已按保存期限清除")),
    # -- the deadline trail: the officer's lines (TrailStep.text) ----------------------------
    "trail.receipt": _e(_("${date} 收到申请（当日不计入）"), date=ISO),
    "trail.correction_notice": _e(
        _("如需补正，应于 ${date} 前一次性告知申请人（收到申请后第${days}个工作日）"), date=ISO
    ),
    "trail.correction_notice_open": _e(
        _("如需补正，应一次性告知申请人需更改、补充的事项（未规定具体工作日数）")
    ),
    "trail.restarted_later": _e(_("；其后又重新计算")),
    "trail.transfer": _e(
        _("${date} 转送${where}办理，期限自次日起重新计算${cited}${later}"),
        date=ISO,
        where=PARTY,
        cited=CITED,
    ),
    "trail.restart_note": _e(_("${date} ${note}，期限重新计算${later}"), date=ISO),
    "trail.restart_correction": _e(
        _("${date} 收到补正后的申请，期限重新计算（${article}）${later}"), date=ISO
    ),
    "trail.pause_ignored": _e(
        _("${date} 发函征求意见早于 ${start} 重新计算，该期间不予扣除"), date=ISO, start=ISO
    ),
    "trail.fee_ignored": _e(
        _("${date} 出具收费通知早于 ${start} 重新计算，该期间不予扣除"), date=ISO, start=ISO
    ),
    "trail.extension_late": _e(
        _(
            "${date} 批准延长答复期限 ${days} 个工作日，但按实际情况重新计算，答复期限已于 ${due}"
            " 届满，延期决定晚于期限，不能延长，已逾期（${article}）"
        ),
        date=ISO,
        due=ISO,
    ),
    "trail.extension": _e(
        _(
            "${date} 经政府信息公开工作机构负责人同意，延长答复期限 ${days} 个工作日并告知申请人"
            "（${article}）"
        ),
        date=ISO,
    ),
    "trail.extension_ignored": _e(
        _("${date} 的延期早于 ${start} 重新计算，不再适用"), date=ISO, start=ISO
    ),
    "trail.makeup_workday": _e(_("${date}（${why}）为工作日，计入期限"), date=ISO),
    "trail.holiday": _e(_("跳过${name} ${span}"), span=ISO),
    "trail.span": _e(_("${first} 至 ${last}"), first=ISO, last=ISO),
    "trail.weekends": _e(_("其间周末 ${days} 天不计入")),
    "trail.counted_statutory": _e(_("按法定节假日计算（调休尚未公布）")),
    "trail.counted_weekdays": _e(_("按周一至周五计算")),
    "trail.provisional_unpublished": _e(
        _("${year}年节假日安排尚未发布，${counted}，为暂定日期，发布后将重新计算")
    ),
    "trail.provisional_missing": _e(
        _("系统中没有${year}年节假日安排，${counted}，为暂定日期，录入后将重新计算")
    ),
    "trail.due": _e(_("第${total}个工作日为 ${date}"), date=ISO),
    "trail.due_later_date": _e(
        _("第${total}个工作日为 ${date}，确定延迟答复的合理期限为 ${due}"), date=ISO, due=ISO
    ),
    "trail.detail": _e(_("（${detail}）")),
    "trail.detail_two": _e(_("（${first}；${second}）")),
    "trail.detail_extension": _e(_("${answer_days} 个工作日加延长 ${days} 个工作日")),
    "trail.detail_deducted": _e(_("已扣除${what}期间 ${days} 个工作日${overlap}")),
    "trail.what_pause": _e(_("征求意见")),
    "trail.what_fee": _e(_("缴纳信息处理费")),
    "trail.what_both": _e(_("征求意见、缴纳信息处理费")),
    "trail.overlap": _e(_("（重叠部分只扣除一次）")),
    "trail.due_extension_late": _e(_("；其后批准的延期晚于该日，已逾期")),
    "trail.fee_sent": _e(_("${date} 出具收费通知"), date=ISO),
    "trail.fee_sent_note": _e(_("${date} 出具收费通知（${note}）"), date=ISO),
    "trail.fee_received": _e(_("，申请人 ${received} 收到"), received=ISO),
    "trail.fee_late": _e(_("${sent}，答复期限已于 ${due} 届满，不影响期限"), due=ISO),
    "trail.fee_same_day": _e(_("${sent}，当日缴纳费用，不影响期限")),
    "trail.fee_paid": _e(
        _(
            "${sent}，${paid} 缴纳费用；自出具收费通知之日起至缴纳费用之日止的期间不计算在答复"
            "期限内，${span} 共 ${days} 个工作日不计算在内（${article}）"
        ),
        paid=ISO,
        span=ISO,
    ),
    "trail.fee_unpaid": _e(
        _(
            "${sent}，尚未缴费；申请人应自收到之日的次日起 ${limit} 个工作日内（至 ${cap}）缴纳；"
            "自出具收费通知之日起至缴纳费用之日止的期间不计算在答复期限内，暂按缴费期限届满之日"
            "计算，缴费后据实计算（${article}）"
        ),
        cap=ISO,
    ),
    "trail.fee_unpaid_unknown": _e(
        _(
            "${sent}，尚未缴费；申请人收到收费通知的日期未登记，缴费期限为自收到之日的次日起"
            " ${limit} 个工作日；自出具收费通知之日起至缴纳费用之日止的期间不计算在答复期限内，"
            "暂自出具之日起按 ${limit} 个工作日计算${until}，登记收到日期或缴费后重新计算"
            "（${article}）"
        )
    ),
    "trail.until": _e(_("（至 ${cap}）"), cap=ISO),
    "trail.later_date": _e(
        _(
            "${date} 确定延迟答复的合理期限至 ${end}：申请数量、频次明显超过合理范围，申请理由"
            "合理，但无法在答复期限内答复${cited}"
        ),
        date=ISO,
        end=ISO,
        cited=CITED,
    ),
    "trail.later_date_restarted": _e(
        _("${date} 确定延迟答复的合理期限至 ${end}，早于 ${start} 重新计算，不再适用${cited}"),
        date=ISO,
        end=ISO,
        start=ISO,
        cited=CITED,
    ),
    "trail.later_date_late": _e(
        _("${date} 确定延迟答复的合理期限至 ${end}，晚于答复期限 ${due}，不能延迟，已逾期${cited}"),
        date=ISO,
        end=ISO,
        due=ISO,
        cited=CITED,
    ),
    "trail.later_date_not_later": _e(
        _(
            "${date} 确定延迟答复的合理期限至 ${end}，不晚于按规定计算的答复期限 ${due}，仍以该日"
            "为准${cited}"
        ),
        date=ISO,
        end=ISO,
        due=ISO,
        cited=CITED,
    ),
    "trail.pause_sent": _e(_("${date} 发函征求${party}意见"), date=ISO, party=PARTY),
    "trail.pause_received": _e(_("，对方 ${received} 收到"), received=ISO),
    "trail.pause_late": _e(_("${sent}，答复期限已于 ${due} 届满，不影响期限"), due=ISO),
    "trail.pause_waiting_uncapped": _e(
        _(
            "${sent}，尚未收到答复；征求意见期间不计算在内（本规则未规定征求意见的期限），"
            "收到答复后据实扣除，期限相应顺延（${article}）"
        )
    ),
    "trail.pause_waiting_unknown": _e(
        _(
            "${sent}，尚未收到答复；对方收到日期未登记，其意见期限为自收到之日起 ${limit} 个"
            "工作日内；征求意见期间自 ${first} 起不计算在内（${article}），答复期限暂自发函之日"
            "起按最长 ${limit} 个工作日扣除，登记对方收到日期或收到答复后重新计算"
        ),
        first=ISO,
    ),
    "trail.answer_waiting": _e(
        _("尚未收到答复，暂按自对方收到之日起最长 ${limit} 个工作日（至 ${cap}）计算"), cap=ISO
    ),
    "trail.answer_beyond": _e(
        _("${end} 收到答复，超过 ${limit} 个工作日（${cap} 之后）的部分不予扣除${unknown}"),
        end=ISO,
        cap=ISO,
    ),
    "trail.answer_unknown": _e(_("（对方收到日期未登记，暂自发函之日起计算）")),
    "trail.answer": _e(_("${end} 收到答复"), end=ISO),
    "trail.pause_same_day": _e(_("${sent}，当日收到答复，不影响期限")),
    "trail.pause": _e(
        _("${sent}，${answer}；征求意见期间 ${span} 不计算在内，共 ${days} 个工作日（${article}）"),
        span=ISO,
    ),
    # -- the deadline trail: the applicant's sentences (TrailStep.public_text) ---------------
    "public.receipt": _e(_("${date}收到您的申请，收到当日不计入答复期限。"), date=ZH),
    "public.transfer": _e(
        _("${date}您的申请转送${where}办理，答复期限自次日起重新计算。"), date=ZH, where=PARTY
    ),
    "public.restart_note": _e(_("${date}${note}，答复期限自次日起重新计算。"), date=ZH),
    "public.restart_correction": _e(
        _("${date}收到您补正后的申请，答复期限自次日起重新计算。"), date=ZH
    ),
    "public.makeup_workday": _e(_("${date}为${why}上班日，计入答复期限。"), date=ZH),
    "public.holiday": _e(_("${name}假期（${span}）不计入答复期限。"), span=ZH),
    "public.span": _e(_("${first}至${last}"), first=ZH, last=ZH),
    "public.provisional": _e(_("${text}。")),
    "public.extension_late": _e(
        _("按实际情况重新计算后，答复期限为${due}，已逾期；${date}告知的延长答复期限不再适用。"),
        due=ZH,
        date=ZH,
    ),
    "public.extension": _e(_("经政府信息公开工作机构负责人同意，答复期限延长${days}个工作日。")),
    "public.due": _e(_("答复期限至${date}${mark}。"), date=ZH, mark=MARK),
    "public.fee_paid": _e(
        _(
            "本机关出具收费通知后，至您缴纳费用之日止，${span}期间（共${days}个工作日）不计算"
            "在答复期限内。"
        ),
        span=ZH,
    ),
    "public.fee_unpaid": _e(
        _(
            "本机关已出具收费通知，请于${cap}前缴纳信息处理费；自出具收费通知之日起至您缴纳费用"
            "之日止的期间不计算在答复期限内，缴费后据实计算。"
        ),
        cap=ZH,
    ),
    "public.fee_unpaid_unknown": _e(
        _(
            "本机关已出具收费通知，请自收到通知之日的次日起${limit}个工作日内缴纳信息处理费；"
            "自出具收费通知之日起至您缴纳费用之日止的期间不计算在答复期限内。"
        )
    ),
    "public.later_date": _e(
        _(
            "您申请公开政府信息的数量、频次明显超过合理范围，经审查您说明的理由，本机关确定延迟"
            "答复的合理期限至${end}。"
        ),
        end=ZH,
    ),
    "public.pause_uncapped": _e(
        _(
            "因需征求${who}的意见，自${first}起的征求意见期间不计算在答复期限内；尚未收到意见，"
            "收到后答复期限将相应顺延。"
        ),
        who=PARTY,
        first=ZH,
    ),
    "public.pause_unknown": _e(
        _(
            "因需征求${who}的意见，自${first}起的征求意见期间不计算在答复期限内；${who}应自收到"
            "征求意见书之日起${limit}个工作日内提出意见，答复期限暂按发函之日起算，收到意见后"
            "据实调整。"
        ),
        who=PARTY,
        first=ZH,
    ),
    "public.pause": _e(
        _("因需征求${who}的意见，${span}期间（共${days}个工作日）不计算在答复期限内。"),
        who=PARTY,
        span=ZH,
    ),
    "public.pause_waiting": _e(
        _(
            "因需征求${who}的意见，${span}期间（共${days}个工作日）不计算在答复期限内；尚未收到"
            "意见，暂按最长期限计算。"
        ),
        who=PARTY,
        span=ZH,
    ),
    "public.pending_correction": _e(
        _("答复期限待补正后重新计算：自本机关收到您补正后的申请之日起重新计算。")
    ),
}


# -- building messages ----------------------------------------------------------------------


def message(code: str, **params: Any) -> dict[str, Any]:
    """A message to store: ``{"code": code, "params": {…}}``, dates as ISO strings."""
    return {"code": code, "params": {k: _stored(v) for k, v in params.items()}}


def _stored(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def cited(article: str | None) -> dict[str, Any] | str:
    """An article cited in brackets (``（第三十条）``), or nothing when the rules name none."""
    return message("cited", article=article) if article else ""


def party(reason: str) -> dict[str, Any]:
    """Who is consulted, by the consultation's reason (third_party | other_agency; "" any)."""
    return message(
        {"third_party": "party.third_party", "other_agency": "party.other_agency"}.get(
            reason, "party.any"
        )
    )


def provisional_mark(provisional: bool) -> dict[str, Any] | str:
    return message("provisional_mark") if provisional else ""


def seq(*parts: dict[str, Any] | None) -> dict[str, Any]:
    """Messages one after another (one only: that message)."""
    kept = [p for p in parts if p]
    if len(kept) == 1:
        return kept[0]
    return {"code": SEQ, "params": {"parts": kept}}


# -- rendering ------------------------------------------------------------------------------


def language_of(request) -> str:
    """The reader's language: the request's locale, Chinese without a request."""
    name = getattr(request, "locale_name", None) if request is not None else None
    return ENGLISH if name == ENGLISH else CHINESE


def format_date(value: Any, style: str, language: str) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)  # not a date after all: as stored
    if language == ENGLISH:
        return en_date(day)
    return zh_date(day) if style == ZH else day.isoformat()


def render(code: str | None, params: Mapping[str, Any] | None, request=None, fallback="") -> str:
    """The message in the reader's language (``request``: its translator; None: Chinese);
    ``fallback`` (the stored prose) for a code this catalogue does not know."""
    language = language_of(request)
    text = _render(code, params or {}, request, language)
    if text is None:
        return fallback or ""
    return text if language == CHINESE else " ".join(text.split())


def render_chinese(msg: Mapping[str, Any] | None) -> str:
    """A stored message in Chinese: the prose kept as the record (``public_text``, ``text``)."""
    if not msg:
        return ""
    return render(msg.get("code"), msg.get("params"), None)


def _render(code, params: Mapping[str, Any], request, language: str) -> str | None:
    if code == TEXT:
        return str(params.get("text") or "")
    if code == SEQ:
        parts = [_nested(p, request, language) for p in params.get("parts") or []]
        return ("" if language == CHINESE else " ").join(p for p in parts if p)
    entry = MESSAGES.get(code) if isinstance(code, str) else None
    if entry is None:
        return None
    mapping = {}
    for name, value in params.items():
        kind = entry.kinds.get(name)
        if isinstance(value, Mapping):
            mapping[name] = _nested(value, request, language)
        elif value is None:
            mapping[name] = ""
        elif kind in (ISO, ZH):
            mapping[name] = format_date(value, kind, language)
        else:
            mapping[name] = str(value)
    if language == CHINESE or request is None:
        return chinese(TranslationString(entry.message, mapping=mapping))
    return request.localizer.translate(entry.message, mapping=mapping)


def _nested(value: Any, request, language: str) -> str:
    if isinstance(value, Mapping) and "code" in value:
        return _render(value["code"], value.get("params") or {}, request, language) or ""
    return "" if value is None else str(value)


def event_text(event, request=None) -> str:
    """What the applicant sees of a history event, in the reader's language. In Chinese: the
    recorded prose (``public_text``, the legal record). Otherwise its code and parameters, or,
    for an event recorded without them, its prose recognised by :func:`parse_event_text`; prose
    nothing recognises is shown as written."""
    prose = event.public_text or ""
    code, params = event.message, event.message_params
    if language_of(request) == CHINESE and prose:
        return prose
    if not code:
        parsed = parse_event_text(prose)
        if parsed is None:
            return prose
        code, params = parsed["code"], parsed["params"]
    return render(code, params, request, fallback=prose)


def step_text(step: Mapping[str, Any], request=None, public: bool = False) -> str:
    """A stored trail step's line (``public``: the applicant's sentence) in the reader's
    language; the stored prose in Chinese, or where the step has no code."""
    prose = (step.get("public_text") if public else step.get("text")) or ""
    msg = step.get("public_message" if public else "message")
    if language_of(request) == CHINESE or not msg:
        return prose
    return render(msg.get("code"), msg.get("params"), request, fallback=prose)


class Line(str):
    """One sentence of the applicant's trail: a ``str`` whose value is its Chinese (what the
    JSON API and the Chinese page show), carrying its message for other languages."""

    message: dict[str, Any] | None

    def __new__(cls, text: str, msg: dict[str, Any] | None = None) -> Line:
        line = super().__new__(cls, text)
        line.message = msg
        return line

    def render(self, request=None) -> str:
        if self.message is None or language_of(request) == CHINESE:
            return str(self)
        return render(self.message["code"], self.message["params"], request, fallback=str(self))


# -- recognising the prose of earlier history ------------------------------------------------

# i18n: patterns of the Chinese prose (history written before codes)
_DATE_RE = {ISO: r"\d{4}-\d{2}-\d{2}", ZH: r"\d{4}年\d{1,2}月\d{1,2}日"}
_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
# the event messages a stored prose may be: the history's own codes (not the trail's, nor the
# parts); overdue notes are split off first
EVENT_CODES = tuple(
    code
    for code in MESSAGES
    if "." not in code
    and code not in ("cited", "provisional_mark", "overdue", "overdue_extension_late")
)
_OVERDUE = re.compile(
    r"(?P<head>.*?)(?P<note>按实际情况重新计算后，答复期限为 (?P<due>\d{4}-\d{2}-\d{2})，已逾期"
    r"(?P<late>；此前批准的延期晚于该期限，不再适用)?。)",
    re.S,
)


def _pattern(entry: Entry) -> re.Pattern[str]:
    source = str(entry.message)  # the Chinese source, placeholders unfilled
    out, pos, seen = [], 0, set()
    for m in _PLACEHOLDER.finditer(source):
        out.append(re.escape(source[pos : m.start()]))
        name, kind = m.group(1), entry.kinds.get(m.group(1))
        if name in seen:
            out.append(f"(?P={name})")
        elif kind in _DATE_RE:
            out.append(f"(?P<{name}>{_DATE_RE[kind]})")
        elif kind == CITED:
            # i18n: a pattern of the Chinese prose
            out.append(f"(?:（(?P<{name}>.+?)）)?")
        elif kind == PARTY:
            # i18n: a pattern of the Chinese prose
            out.append(f"(?P<{name}>第三方或有关机关|第三方|其他机关)")
        elif kind == MARK:
            # i18n: a pattern of the Chinese prose
            out.append(f"(?P<{name}>（暂定）)?")
        else:
            out.append(f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(source[pos:]))
    return re.compile("".join(out), re.S)


_PATTERNS = {code: _pattern(MESSAGES[code]) for code in EVENT_CODES}
# i18n: the Chinese prose, read back
_PARTIES = {"第三方": "third_party", "其他机关": "other_agency", "第三方或有关机关": ""}


def _parse_one(text: str) -> dict[str, Any] | None:
    for code, pattern in _PATTERNS.items():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        kinds = MESSAGES[code].kinds
        params: dict[str, Any] = {}
        for name, value in found.groupdict().items():
            kind = kinds.get(name)
            if kind == CITED:
                params[name] = cited(value)
            elif kind == PARTY:
                params[name] = party(_PARTIES[value])
            elif kind == MARK:
                params[name] = provisional_mark(bool(value))
            elif kind == ZH:
                y, mo, d = (int(x) for x in re.findall(r"\d+", value))
                params[name] = date(y, mo, d).isoformat()
            else:
                params[name] = value
        return message(code, **params)
    return None


def parse_event_text(text: str | None) -> dict[str, Any] | None:
    """The message a history event's prose says (the patterns of :data:`MESSAGES`), or None
    when none fits. An overdue note at its end becomes a second message."""
    if not text:
        return None
    found = _parse_one(text)
    if found is not None:
        return found
    late = _OVERDUE.fullmatch(text)
    if late is None:
        return None
    note = message("overdue_extension_late" if late["late"] else "overdue", due=late["due"])
    if not late["head"]:
        return note
    head = _parse_one(late["head"])
    return None if head is None else seq(head, note)


def event_message(text: str | None) -> tuple[str | None, dict[str, Any] | None]:
    """The code and parameters to store for a history event's prose: what it says, or (prose
    no pattern fits) the fallback :data:`TEXT` with the prose itself; (None, None) for none."""
    if not text:
        return None, None
    found = parse_event_text(text)
    if found is None:
        return TEXT, {"text": text}
    return found["code"], found["params"]
