"""Letters: the templates in catalog_schemas/letters/, their checks, and the PDFs built from them."""

from __future__ import annotations

import io
import logging
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from disclosure.law import load_law
from disclosure.letters.builders import LetterData, build_from_template, build_letter
from disclosure.letters.fonts import FALLBACK_FONT, register_font
from disclosure.letters.templates import (
    ALLOWED_PLACEHOLDERS,
    DEFAULT_VARIANT,
    LETTER_TYPES,
    OUTCOME_LETTERS,
    PLACEHOLDERS,
    LetterRenderError,
    LetterTemplateError,
    format_date,
    letter_number,
    load_templates,
    render_text,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "catalog_schemas"
LETTERS = SCHEMAS / "letters"
OUTCOMES = load_law(SCHEMAS)
OGI2019 = OUTCOMES.profile("ogi-2019")  # the letters below are filled under the 2019 rules
ISSUED = date(2026, 11, 20)
RECEIVED = date(2026, 11, 2)
TRACKING = "XY-2026-000123"
STATUS_URL = "https://xxgk.xianyang.gov.cn/requests/XY-2026-000123?token=3f9a"
REASONS = (
    "该信息包含低保对象的姓名、身份证号码和家庭收入状况等个人信息，经征求意见，第三方不同意公开。"
)
GROUND = OUTCOMES.grounds["third_party"]

VALUES = {
    **OGI2019.values(deadline="2026年12月14日"),  # articles, day counts, sentences of the rules
    "agency": "咸阳市民政局",
    "agency_short": "咸民",
    "applicant": "张三",
    "received_on": RECEIVED,
    "tracking_number": TRACKING,
    "description": "2025年度城乡最低生活保障资金发放明细",
    "application": "政府信息公开申请",
    "request_verb": "申请获取",
    "request_object": "的信息",
    "reconsideration_body": "咸阳市人民政府",
    "reasons": REASONS,
    "ground_label": GROUND.label,
    "ground_article": OGI2019.ground_article(GROUND.code),
    "access_route": "登录咸阳市人民政府门户网站“政府信息公开”栏目查阅（索引号：016000102/2026-00031）",
    "referral": "咸阳市财政局，联系电话：029-33210000",
    "previous_reply": "2026年3月2日，咸民公开答〔2026〕3号",
    "due_on": date(2026, 11, 30),  # in the extension notice: the deadline before the extension
    "new_due_on": date(2026, 12, 28),
    "extension_days": 20,
    "correction_items": ["1. 请写明所需信息的年度。", "2. 请写明所需信息涉及的县（市、区）。"],
    "correction_deadline": date(2026, 11, 27),
    "third_party": "咸阳某物流有限公司",
    "consultation_deadline": date(2026, 12, 14),
    # Art. 35
    "reasons_deadline": date(2026, 11, 27),
    "reasons_asked_on": date(2026, 11, 13),
    "reasons_given": "您于2026年11月25日说明了申请理由",
    "later_due_on": date(2027, 2, 26),
    # Art. 42
    "fee_method": "按量计收",
    "fee_amount": "1700",
    "fee_lines": [
        "按量计收：本件申请共150页",
        "第1至30页，30页，不收费",
        "第31至100页，70页×10元＝700元",
        "第101至150页，50页×20元＝1000元",
        "合计1700元",
    ],
    "payment_method": "咸阳市财政局非税收入汇缴结算户，开户行：某银行咸阳分行，账号：1234567890",
}

# The decision's legal basis, per outcome (2019 Regulations).
ARTICLES = {
    "already_public": "第三十六条第（一）项",
    "disclosed": "第三十六条第（二）项",
    "partially_disclosed": "第三十七条",
    "not_disclosed": "第三十六条第（三）项",
    "not_exist": "第三十六条第（四）项",
    "not_ours": "第三十六条第（五）项",
    "no_compile": "第三十八条",
    "unclear_after_correction": "第三十条",
    "repeat": "第三十六条第（六）项",
    "registers": "第三十六条第（七）项",
    "excessive": "第三十五条",
    "excessive_unreasonable": "第三十五条",
    "petition": "第三十九条第一款",
    "publication": "第三十九条第二款",
    "reconfirm": "第三十九条",
}
# Reconsideration first (Administrative Reconsideration Law 2023, Art. 23(1)(4)).
REFUSALS = {"not_disclosed", "partially_disclosed"}
NOTICES = {"petition", "publication", "reconfirm"}  # Art. 39: notices, not refusals
# What the officer must type in per variant (no default text goes out).
INPUTS = {
    "already_public": {"access_route"},
    "disclosed": {"access_route"},
    "partially_disclosed": {"access_route"},
    "not_ours": {"referral", "reasons"},
    "repeat": {"previous_reply"},
    "registers": {"referral"},  # Art. 36(7): where and how to go, under the other laws
    "petition": {"access_route"},
    "publication": {"access_route"},
}

STANDARD_REMEDY = "可以自收到本答复之日起60日内向咸阳市人民政府申请行政复议，也可以自收到本答复之日起6个月内依法向人民法院提起行政诉讼"
NOTICE_REMEDY = "可以自收到本告知之日起60日内向咸阳市人民政府申请行政复议，也可以自收到本告知之日起6个月内依法向人民法院提起行政诉讼"
REFUSAL_REMEDY = "应当先自收到本答复之日起60日内向咸阳市人民政府申请行政复议"
AFTER_RECONSIDERATION = "可以自收到行政复议决定书之日起15日内依法向人民法院提起行政诉讼"


@pytest.fixture(scope="module")
def templates():
    return load_templates(LETTERS, OUTCOMES.outcomes, OUTCOMES.record_corrections)


@pytest.fixture(scope="module")
def font():
    return register_font(None)


def pdf_text(pdf: bytes) -> str:
    """All the text, without the line breaks and spaces that wrapping puts in, and without
    the page footers of a letter of several pages (they would interrupt a sentence)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = []
    for i, page in enumerate(pages, start=1):
        words = "".join(page.extract_text().split())
        if len(pages) > 1:
            footer = f"第{i}页共{len(pages)}页"
            words = words.replace(f"追踪号：{TRACKING}{footer}", "").replace(footer, "")
        text.append(words)
    return "".join(text)


def number_for(kind: str, templates) -> str:
    return letter_number("咸民", templates[kind].number_prefix, 2026, 3)


def legal_basis(code: str) -> str:
    """What the case would give a reply of this outcome (withheld on GROUND where it applies)."""
    return OGI2019.legal_basis(code, GROUND.code if OUTCOMES.outcomes[code].grounds else "")


def build(templates, font, kind, variant=None, **changes):
    if kind == "reply":
        changes.setdefault("legal_basis", legal_basis(variant))
    values = dict(VALUES, **changes)
    return build_from_template(
        templates[kind],
        variant,
        values,
        font=font,
        issued_on=ISSUED,
        number=number_for(kind, templates),
        status_url=STATUS_URL,
    )


def assert_common(text: str, number: str, addressee: str = "张三：") -> None:
    assert number in text
    assert addressee in text
    assert "2026年11月2日" in text  # received
    assert "2026年11月20日" in text  # issued
    assert TRACKING in text
    assert "咸阳市民政局" in text


# --- the data --------------------------------------------------------------------------------


def test_every_outcome_has_a_reply_variant(templates):
    assert set(templates) == set(LETTER_TYPES)
    assert set(templates["reply"].variants) == set(OUTCOMES.outcomes) == set(ARTICLES)
    assert set(templates["record_correction_reply"].variants) == set(OUTCOMES.record_corrections)
    for kind in LETTER_TYPES:
        if kind not in OUTCOME_LETTERS:
            assert list(templates[kind].variants) == [DEFAULT_VARIANT]


def test_templates_load_with_plain_outcome_codes_too():
    assert "reply" in load_templates(LETTERS, list(OUTCOMES.outcomes))


def test_placeholder_tables_are_consistent():
    for kind, allowed in ALLOWED_PLACEHOLDERS.items():
        assert kind in LETTER_TYPES
        assert allowed <= PLACEHOLDERS.keys()


def test_format_date_and_number():
    assert format_date(date(2026, 1, 5)) == "2026年1月5日"
    assert letter_number("咸民", "公开答", 2026, 3) == "咸民公开答〔2026〕3号"


# --- every letter ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_reply_variant(templates, font, code):
    pdf = build(templates, font, "reply", code)
    text = pdf_text(pdf)
    assert_common(text, "咸民公开答〔2026〕3号")
    # an Art. 39 notice answers no disclosure request: a 告知书, in the PDF's title too
    kind = "告知书" if code in NOTICES else "答复书"
    assert f"咸阳市民政局政府信息公开申请{kind}" in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title == f"咸阳市民政局政府信息公开申请{kind}"
    assert ("答复书" in text) == (code not in NOTICES)
    assert "我机关于2026年11月2日收到您提出的政府信息公开申请" in text
    assert ("现告知如下" if code in NOTICES else "现答复如下") in text
    outcome = OUTCOMES.outcomes[code]
    assert OGI2019.outcome_article(code) == ARTICLES[code]  # the profile and this table agree
    ground = OGI2019.ground_article(GROUND.code)
    basis = f"{ground}和{ARTICLES[code]}" if outcome.grounds else ARTICLES[code]
    assert f"《中华人民共和国政府信息公开条例》{basis}" in text
    if outcome.reasons:
        assert REASONS in text
    else:
        assert (REASONS in text) == (code == "not_ours")  # Art. 36(5): with reasons
    if outcome.grounds:
        assert GROUND.label in text and f"{ground}和" in text
    if code in REFUSALS:
        assert REFUSAL_REMEDY in text and AFTER_RECONSIDERATION in text
        assert "6个月" not in text or code == "partially_disclosed"
    if code == "partially_disclosed":  # the disclosed part keeps the free choice
        assert STANDARD_REMEDY in text
    if code not in REFUSALS:
        assert "应当先" not in text
        assert (NOTICE_REMEDY if code in NOTICES else STANDARD_REMEDY) in text
    if code in NOTICES:
        assert "不予公开" not in text
    assert "60日" in text
    assert "特此告知。" in text


def test_reply_not_disclosed_wording(templates, font):
    text = pdf_text(build(templates, font, "reply", "not_disclosed"))
    assert (
        "您申请获取的信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害。"
        "根据《中华人民共和国政府信息公开条例》第十五条和第三十六条第（三）项的规定，决定不予公开。"
    ) in text
    assert f"理由：{REASONS}" in text


def test_acknowledgement(templates, font):
    text = pdf_text(build(templates, font, "acknowledgement"))
    assert_common(text, "咸民公开受〔2026〕3号")
    assert "受理回执" in text
    assert "第三十三条" in text and "2026年11月30日前作出答复" in text


def test_correction(templates, font):
    text = pdf_text(build(templates, font, "correction"))
    assert_common(text, "咸民公开补〔2026〕3号")
    assert "补正告知书" in text
    assert "第三十条" in text
    assert "1.请写明所需信息的年度。" in text and "2.请写明所需信息涉及的县（市、区）。" in text
    assert "请您于2026年11月27日前" in text
    assert "视为放弃申请" in text


def test_extension(templates, font):
    text = pdf_text(build(templates, font, "extension", reasons="需向市档案馆调取历年档案"))
    assert_common(text, "咸民公开延〔2026〕3号")
    assert "延期答复告知书" in text
    assert "第三十三条第二款" in text
    # the original deadline, then the new one, and the approved reason (no fixed text)
    assert "因需向市档案馆调取历年档案，我机关无法在原答复期限2026年11月30日前作出答复" in text
    assert "延长20个工作日" in text and "延长后的答复期限为2026年12月28日" in text
    assert text.index("2026年11月30日") < text.index("2026年12月28日")
    assert "检索、核实" not in text


def test_extension_needs_its_reason_and_both_deadlines(templates):
    for missing in ("reasons", "due_on", "new_due_on"):
        values = {k: v for k, v in VALUES.items() if k not in (missing, "reasons")}
        if missing != "reasons":
            values["reasons"] = "材料较多"
        with pytest.raises(LetterRenderError, match=missing):
            render_text(templates["extension"], None, values)


@pytest.mark.parametrize("code", sorted(ARTICLES))
def test_each_variant_declares_what_the_officer_types_in(templates, code):
    """access_route, referral, previous_reply (and the reasons of a referral) are asked for
    per variant, with a label, and have no default: a letter without them cannot be filled."""
    reply = templates["reply"]
    inputs = reply.inputs(code)
    assert {i.name for i in inputs} == INPUTS.get(code, set())
    assert all(i.label.strip() for i in inputs)
    for name in INPUTS.get(code, set()) - {"reasons"}:
        values = dict(VALUES, legal_basis=legal_basis(code))
        del values[name]
        with pytest.raises(LetterRenderError, match=name):
            render_text(reply, code, values)


def test_the_petition_notice_asks_where_to_petition(templates):
    (field,) = templates["reply"].inputs("petition")
    assert "信访" in field.label and "渠道" in field.label
    assert templates["reply"].variant_name("petition") == "政府信息公开申请告知书"
    assert templates["reply"].variant_name("disclosed") == "政府信息公开申请答复书"


def test_third_party(templates, font):
    text = pdf_text(build(templates, font, "third_party"))
    assert_common(text, "咸民公开征〔2026〕3号", addressee="咸阳某物流有限公司：")
    assert "征求第三方意见书" in text
    assert "第三十二条" in text and "15个工作日" in text and "2026年12月14日前" in text
    assert "张三" not in text  # the applicant is not named to the third party


# --- Art. 36(7), Art. 35, Art. 42, Art. 41 ------------------------------------------------------


def test_registers_is_a_referral_with_the_ordinary_remedy(templates, font):
    """Art. 36(7) refers the applicant to the laws on such registers: not a refusal."""
    text = pdf_text(build(templates, font, "reply", "registers"))
    assert "现告知您依照有关法律、行政法规的规定办理" in text
    assert "办理机关及方式：咸阳市财政局，联系电话：029-33210000" in text
    assert STANDARD_REMEDY in text and "应当先" not in text and "不予公开" not in text
    assert "第三十六条第（七）项" in text
    assert OUTCOMES.report_row("registers") == "三（六）3"
    assert not OUTCOMES.outcomes["registers"].grounds


def test_art_36_7_is_reachable_one_way_only():
    """No withholding ground for Art. 36(7) (行政查询事项) is left in the data or the code."""
    assert "administrative_query" not in OUTCOMES.grounds
    assert not any(g.row == "8" for g in OUTCOMES.grounds.values())
    for profile in OUTCOMES.profiles.values():
        assert "administrative_query" not in profile.ground_articles
        assert "第三十六条第（七）项" not in profile.ground_articles.values()
    # the national report template prints row 三（三）8 "属于行政查询事项": it stays, always 0
    template = ROOT / "catalog_schemas" / "annual_report_template.yaml"
    assert "8.属于行政查询事项" in template.read_text(encoding="utf-8")
    for folder in ("catalog_schemas", "disclosure"):
        for path in (ROOT / folder).rglob("*"):
            if path == template:
                continue
            if path.suffix in (".yaml", ".py", ".jinja2") and path.is_file():
                text = path.read_text(encoding="utf-8")
                assert "administrative_query" not in text and "行政查询" not in text, path


def test_excessive_says_unreasonable_only_after_reasons_were_asked(templates, font):
    plain = pdf_text(build(templates, font, "reply", "excessive"))
    assert "数量、频次明显超过合理范围" in plain and "决定不予处理" in plain
    assert "理由不合理" not in plain and "说明申请理由" not in plain
    after = pdf_text(build(templates, font, "reply", "excessive_unreasonable"))
    assert (
        "我机关已于2026年11月13日要求您说明申请理由，您于2026年11月25日说明了申请理由。"
        "经审查，我机关认为申请理由不合理。"
    ) in after
    assert "第三十五条" in after and STANDARD_REMEDY in after
    values = {k: v for k, v in VALUES.items() if k not in ("reasons_given", "reasons_asked_on")}
    values["legal_basis"] = legal_basis("excessive_unreasonable")
    with pytest.raises(LetterRenderError, match="reasons_given"):
        render_text(templates["reply"], "excessive_unreasonable", values)


def test_excessive_reasons_letter(templates, font):
    text = pdf_text(build(templates, font, "excessive_reasons"))
    assert_common(text, "咸民公开询〔2026〕3号")
    assert "咸阳市民政局政府信息公开申请说明理由通知书" in text
    assert "根据《中华人民共和国政府信息公开条例》第三十五条的规定" in text
    assert "请您于2026年11月27日前通过原申请渠道向我机关说明申请理由" in text


def test_later_date_letter(templates, font):
    text = pdf_text(build(templates, font, "later_date"))
    assert_common(text, "咸民公开期〔2026〕3号")
    assert "延迟答复告知书" in text and "第三十五条" in text
    assert "您于2026年11月25日说明了申请理由，经审查，我机关认为申请理由合理" in text
    assert "无法在原答复期限2026年11月30日前作出答复" in text
    assert "确定延迟答复的合理期限为2027年2月26日" in text


def test_fee_notice_letter(templates, font):
    text = pdf_text(build(templates, font, "fee_notice"))
    assert_common(text, "咸民公开收〔2026〕3号")
    assert "咸阳市民政局政府信息公开信息处理费收费通知" in text
    assert "第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）" in text
    assert "计收方式为按量计收，金额为人民币1700元" in text
    assert "第31至100页，70页×10元＝700元" in text and "合计1700元" in text
    assert "缴纳方式：咸阳市财政局非税收入汇缴结算户" in text
    assert "请您自收到本通知之日的次日起20个工作日内缴纳" in text
    assert "自本通知出具之日起至您缴纳费用之日止的期间，不计算在答复期限内" in text
    assert "逾期未缴纳的，视为放弃申请" in text
    (field,) = templates["fee_notice"].inputs(DEFAULT_VARIANT)
    assert field.name == "payment_method"  # no default: the officer types it in
    values = {k: v for k, v in VALUES.items() if k != "payment_method"}
    with pytest.raises(LetterRenderError, match="payment_method"):
        render_text(templates["fee_notice"], None, values)


@pytest.mark.parametrize("code", sorted(OUTCOMES.record_corrections))
def test_record_correction_reply(templates, font, code):
    letter = templates["record_correction_reply"]
    text = pdf_text(
        build(
            templates, font, "record_correction_reply", code, legal_basis=OGI2019.legal_basis(code)
        )
    )
    assert_common(text, "咸民公开更〔2026〕3号")
    assert "咸阳市民政局政府信息更正申请答复书" in text
    assert "我机关于2026年11月2日收到您提出的政府信息更正申请" in text
    assert "根据《中华人民共和国政府信息公开条例》第四十一条的规定" in text
    assert STANDARD_REMEDY in text and "应当先" not in text
    forwarded = code in ("record_forwarded", "record_referred")
    assert {i.name for i in letter.inputs(code)} == ({"referral"} if forwarded else set())
    assert ("咸阳市财政局" in text) == forwarded
    assert (REASONS in text) == OUTCOMES.record_corrections[code].reasons


def test_every_answer_to_a_correction_of_records_needs_its_variant(broken):
    broken("record_correction_reply.yaml", "  record_referred:", "  record_referrd:")
    with pytest.raises(LetterTemplateError, match="record_referred"):
        load_templates(broken.dir, OUTCOMES.outcomes, OUTCOMES.record_corrections)


def test_letters_need_no_remedy_except_the_reply(templates):
    for kind in LETTER_TYPES:
        for variant in templates[kind].variants.values():
            assert bool(variant.remedy) == (kind in OUTCOME_LETTERS)


# --- the PDF ---------------------------------------------------------------------------------


def test_pdf_metadata(templates, font):
    reader = PdfReader(io.BytesIO(build(templates, font, "reply", "disclosed")))
    meta = reader.metadata
    assert meta.title == "咸阳市民政局政府信息公开申请答复书"
    assert meta.author == "咸阳市民政局"
    assert meta.subject == TRACKING
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def fonts_of(pdf: bytes) -> list[dict]:
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            found.append(ref.get_object())
    return found


def test_truetype_font_is_embedded(templates, font):
    fonts = fonts_of(build(templates, font, "reply", "not_disclosed"))
    assert fonts
    for f in fonts:  # every font, so no unembedded Helvetica sneaks in
        assert "WenQuanYiZenHei" in f["/BaseFont"]
        assert "/FontFile2" in f["/FontDescriptor"].get_object()


def test_missing_font_falls_back_with_a_warning(tmp_path, caplog, templates):
    with caplog.at_level(logging.WARNING, logger="disclosure.letters"):
        name = register_font(str(tmp_path / "no-such-font.ttf"))
    assert name == FALLBACK_FONT
    [record] = [r for r in caplog.records if r.name == "disclosure.letters"]
    assert record.levelno == logging.WARNING
    assert "missing" in record.getMessage() and "NOT embedded" in record.getMessage()
    pdf = build(templates, name, "reply", "not_exist")
    assert [f["/BaseFont"] for f in fonts_of(pdf)] == ["/STSong-Light"]
    assert "第三十六条第（四）项" in pdf_text(pdf)  # still extractable


def test_unreadable_font_falls_back(tmp_path, caplog):
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font at all")
    with caplog.at_level(logging.WARNING, logger="disclosure.letters"):
        assert register_font(str(bad)) == FALLBACK_FONT
    assert "broken.ttf" in caplog.text


def test_font_is_registered_once(font):
    assert (
        register_font(None) == font == register_font("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    )


def test_missing_glyph_is_logged(templates, font, caplog):
    with caplog.at_level(logging.WARNING, logger="disclosure.letters"):
        build(templates, font, "reply", "disclosed", applicant="王𠀀")  # CJK Ext. B
    assert "𠀀" in caplog.text


def test_builds_are_deterministic(templates, font):
    assert build(templates, font, "reply", "not_disclosed") == build(
        templates, font, "reply", "not_disclosed"
    )


def test_markup_characters_are_text(templates, font):
    text = pdf_text(build(templates, font, "reply", "disclosed", applicant="A&B<有限>公司"))
    assert "A&B<有限>公司：" in text


def test_long_letter_wraps_and_gets_page_numbers(templates, font):
    reasons = (
        "该信息属于行政执法案卷信息，包含当事人陈述、证人证言、现场检查笔录、鉴定意见等材料。" * 40
    )
    pdf = build(templates, font, "reply", "not_disclosed", reasons=reasons)
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 3
    for i, page in enumerate(reader.pages, start=1):
        assert f"第{i}页共{pages}页" in "".join(page.extract_text().split())
    assert reasons in pdf_text(pdf)
    assert "（印章）" in "".join(reader.pages[-1].extract_text().split())
    # no line starts with punctuation that may not begin a line (避头)
    for page in reader.pages:
        for line in page.extract_text().splitlines():
            assert not line.strip().startswith(tuple("，。、；：？！）》”")), line


def test_one_page_letter_has_no_page_numbers(templates, font):
    text = pdf_text(build(templates, font, "reply", "disclosed"))
    assert "第1页" not in text
    assert STATUS_URL in text and "扫描二维码" in text


def test_refers_to_and_letter_data(font):
    letter = LetterData(
        kind="reply",
        variant="disclosed",
        title="咸阳市民政局政府信息公开申请答复书",
        number="咸民公开答〔2026〕4号",
        addressee="张三：",
        paragraphs=("经审查，决定予以公开。",),
        remedy="",
        closing="特此告知。",
        agency="咸阳市民政局",
        issued_on=ISSUED,
        received_on="2026年11月2日",
        tracking_number=TRACKING,
        refers_to="本文书更正我机关咸民公开答〔2026〕3号文书",
        seal_area=False,
    )
    text = pdf_text(build_letter(letter, font))
    assert "（本文书更正我机关咸民公开答〔2026〕3号文书）" in text
    assert "（印章）" not in text
    assert "收到申请日期：2026年11月2日" in text and "扫描二维码" not in text


# --- rendering -------------------------------------------------------------------------------


def test_render_text(templates):
    values = dict(
        VALUES,
        issued_on=ISSUED,
        letter_number="咸民公开答〔2026〕3号",
        legal_basis=legal_basis("not_disclosed"),
    )
    letter = render_text(templates["reply"], "not_disclosed", values)
    assert letter.title == "咸阳市民政局政府信息公开申请答复书"
    assert letter.number == "咸民公开答〔2026〕3号"
    assert letter.addressee == "张三："
    assert letter.paragraphs[0].startswith("我机关于2026年11月2日收到")
    assert letter.paragraphs[-1] == f"理由：{REASONS}"
    assert letter.remedy.startswith("如对本答复不服，应当先")
    assert (letter.agency, letter.date, letter.closing) == (
        "咸阳市民政局",
        "2026年11月20日",
        "特此告知。",
    )


def test_render_lists_and_line_breaks_make_paragraphs(templates):
    letter = render_text(templates["correction"], None, VALUES)
    assert "1. 请写明所需信息的年度。" in letter.paragraphs
    assert "2. 请写明所需信息涉及的县（市、区）。" in letter.paragraphs
    reply = render_text(
        templates["reply"],
        "not_disclosed",
        dict(VALUES, reasons="一是……\n二是……", legal_basis=legal_basis("not_disclosed")),
    )
    assert reply.paragraphs[-2:] == ("理由：一是……", "二是……")


def test_render_names_every_missing_value(templates):
    values = {k: v for k, v in VALUES.items() if k not in ("reasons", "reconsideration_body")}
    values["ground_label"] = "  "
    with pytest.raises(LetterRenderError) as err:
        render_text(templates["reply"], "not_disclosed", values)
    message = str(err.value)
    assert "reply/not_disclosed" in message
    for name in ("reasons", "reconsideration_body", "ground_label"):
        assert name in message


def test_render_unknown_variant(templates):
    with pytest.raises(LetterRenderError, match="no_such_outcome"):
        render_text(templates["reply"], "no_such_outcome", VALUES)
    with pytest.raises(LetterRenderError, match="unknown variant"):
        render_text(templates["reply"], None, VALUES)


# --- broken templates ------------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """A copy of catalog_schemas/letters to break; edit(file, old, new) changes one file."""
    target = tmp_path / "letters"
    shutil.copytree(LETTERS, target)

    def edit(name: str, old: str, new: str) -> None:
        path = target / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    edit.dir = target
    return edit


def load_error(directory: Path) -> str:
    with pytest.raises(LetterTemplateError) as err:
        load_templates(directory, OUTCOMES.outcomes)
    return str(err.value)


def test_unknown_placeholder(broken):
    broken("reply.yaml", "{ground_label}", "{ground_lable}")
    message = load_error(broken.dir)
    assert "letters/reply.yaml" in message
    assert "variants.partially_disclosed.body[0]" in message
    assert "{ground_lable}" in message and "unknown placeholder" in message


def test_placeholder_not_allowed_for_the_letter_type(broken):
    broken(
        "acknowledgement.yaml", "追踪号为{tracking_number}", "追踪号为{tracking_number}{reasons}"
    )
    message = load_error(broken.dir)
    assert "acknowledgement.yaml" in message and "body[0]" in message and "{reasons}" in message


def test_missing_required_placeholder(broken):
    broken("correction.yaml", "请您于{correction_deadline}前", "请您尽快")
    message = load_error(broken.dir)
    assert "letters/correction.yaml" in message
    assert "{correction_deadline}" in message and "required placeholder missing" in message


def test_reply_variant_missing_reasons(broken):
    broken("reply.yaml", "理由：{reasons}", "理由：略")  # the first: partially_disclosed
    message = load_error(broken.dir)
    assert "reply.yaml" in message and "variants.partially_disclosed.body" in message
    assert "{reasons}" in message


def test_unbalanced_brace(broken):
    broken("extension.yaml", "{new_due_on}，", "{new_due_on，")
    message = load_error(broken.dir)
    assert "letters/extension.yaml" in message and "body[0]" in message
    assert "unbalanced brace" in message and "{new_due_on，" in message


def test_stray_closing_brace(broken):
    broken("reply.yaml", "“{description}”", "“description}”")
    message = load_error(broken.dir)
    assert "reply.yaml" in message and "opening" in message and "description}" in message


def test_missing_variant(broken):
    path = broken.dir / "reply.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["variants"]["excessive"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    message = load_error(broken.dir)
    assert "letters/reply.yaml" in message and "variants.excessive" in message
    assert "missing variant" in message


def test_variant_that_is_not_an_outcome(broken):
    broken("reply.yaml", "  disclosed:\n", "  disclosed_fully:\n")
    message = load_error(broken.dir)
    assert "variants.disclosed" in message  # missing, then unknown: either is named


def test_reply_variant_without_its_legal_basis(broken):
    broken("reply.yaml", "根据{legal_basis}的规定，决定不予公开", "决定不予公开")
    message = load_error(broken.dir)
    assert "variants.not_disclosed.body" in message and "{legal_basis}" in message


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        ("reply.yaml", "{legal_basis}的规定，决定不予公开", "第三十六条第（三）项", "第三十六条"),
        ("acknowledgement.yaml", "{answer_days}个工作日内", "20个工作日内", "20个工作日"),
        ("extension.yaml", "{article_extension}", "第三十三条第二款", "第三十三条"),
    ],
)
def test_the_law_is_not_written_into_a_template(broken, file, old, new, named):
    """Articles and day counts come from the case's rule profile, so a 2008 case never gets a
    2019 article or figure: a template that writes one in does not load."""
    broken(file, old, new)
    message = load_error(broken.dir)
    assert file in message and f"“{named}”" in message
    assert "the law is not written into a template" in message


def test_missing_file_and_unknown_field(broken):
    broken("third_party.yaml", "closing:", "closing_words:")
    message = load_error(broken.dir)
    assert "third_party.yaml" in message and "closing_words" in message
    (broken.dir / "third_party.yaml").unlink()
    assert "third_party.yaml" in load_error(broken.dir)
    assert "file missing" in load_error(broken.dir)


def test_reply_without_remedy(broken):
    text = (broken.dir / "reply.yaml").read_text(encoding="utf-8")
    remedy = re.search(r"(?m)^    remedy: .*\n", text).group(0)  # already_public's
    broken("reply.yaml", remedy, "")
    message = load_error(broken.dir)
    assert "variants.already_public.remedy" in message


def test_an_officer_input_without_an_inputs_entry_is_refused(broken):
    """Text the officer must give cannot slip out as a default: using {access_route} without
    declaring it (so the case page would not ask for it) stops loading."""
    broken(
        "reply.yaml",
        "    inputs:\n      previous_reply: 此前答复的文号和日期（如 咸民公开答〔2026〕3号，2026年3月2日）\n",
        "",
    )
    message = load_error(broken.dir)
    assert "variants.repeat.inputs.previous_reply" in message and "no default" in message


def test_a_declared_input_must_be_used_and_be_an_officer_input(broken):
    broken("reply.yaml", '      - "获取途径：{access_route}"\n', "")
    assert "variants.publication.inputs.access_route" in load_error(broken.dir)


def test_an_unknown_input_is_refused(tmp_path):
    target = tmp_path / "letters"
    shutil.copytree(LETTERS, target)
    path = target / "reply.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "    inputs:\n      previous_reply:", "    inputs:\n      applicant:", 1
        ),
        encoding="utf-8",
    )
    message = load_error(target)
    assert "inputs.applicant" in message and "not an officer input" in message
