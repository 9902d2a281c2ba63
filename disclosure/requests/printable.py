"""The application form on paper (政府信息公开申请表), as an A4 PDF, for people who apply in
writing by post, fax or in person.

Built from the online form's own schema (:class:`~.intake.ApplicationSchema`): every field with
its label, in the schema's order, a blank box to write in or a box (□) per choice; a field added
to the schema appears here with no change. The receiving body is left blank (请选择 / 填写) unless
the form is printed for one. The notes quote the rules in force (the law module's profile: the
receipt date, the answer period, the correction notice), never a copy of them.

Pure: the schema, the profile and the font name in, PDF bytes out (ReportLab, the letters'
embedded CJK font, so the text can be extracted again). Deterministic (``invariant``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import colander
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..law import Profile
from .intake import APPLICANT_TYPES, CHANNELS, receipt_date

TITLE = "政府信息公开申请表"
BOX = "□"
TICKED = "■"
#: who fills which fields: (heading, field names, applicant type it is for or None); a schema
#: field named in no group goes to the last (what is asked for and how it is wanted)
GROUPS: tuple[tuple[str, frozenset[str], str | None], ...] = (
    (
        "申请人信息",
        frozenset({"applicant_type", "name", "phone", "email", "address", "postcode"}),
        None,
    ),
    ("公民填写", frozenset({"id_type", "id_number", "work_unit"}), "person"),
    (
        "法人或者其他组织填写",
        frozenset({"applicant_category", "credit_code", "legal_representative", "contact_person"}),
        "organisation",
    ),
    ("所需政府信息情况", frozenset(), None),
)
#: fields printed apart from the table: the receiving body (at the top), the consent (the
#: declaration above the signature)
RECEIVER, CONSENT = "organisation", "consent"
#: fields that need room to write
TALL = {"description": 45 * mm, "address": 14 * mm}
WIDTH = A4[0] - 40 * mm
LABEL_WIDTH = 50 * mm


@dataclass(frozen=True)
class PaperField:
    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # a choice field's (code, label) pairs
    hint: str = ""


def paper_fields(schema: colander.SchemaNode) -> list[PaperField]:
    """The schema's fields, in its order, as the paper form shows them."""
    out = []
    for node in schema.children:
        choices = getattr(node, "choices", None) or {}
        out.append(
            PaperField(
                node.name,
                str(node.title),
                tuple(choices.items()) if node.name != RECEIVER else (),
                str(getattr(node, "description", "") or ""),
            )
        )
    return out


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("pf", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "pf-title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER
        ),
        "sub": ParagraphStyle("pf-sub", parent=base, fontSize=9, alignment=TA_CENTER),
        "cell": base,
        "label": ParagraphStyle("pf-label", parent=base, fontSize=10),
        "head": ParagraphStyle("pf-head", parent=base, fontSize=11, leading=16),
        "note": ParagraphStyle("pf-note", parent=base, fontSize=9, leading=13),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _choices(labels: Iterable[str]) -> str:
    return "　".join(f"{BOX} {label}" for label in labels)


_ANY_DAY = date(2000, 1, 1)  # receipt_date's rule does not depend on the day


def notes(profile: Profile) -> list[str]:
    """The notes under the form: the rules in force, from the law module."""
    receipt = "；".join(
        f"{label}：{receipt_date(code, _ANY_DAY)[1]}"
        for code, label in CHANNELS.items()
        if code != "online"
    )
    lines = [
        "申请人应当如实填写本表，并附身份证明（公民：身份证件复印件；法人或者其他组织：营业执照等"
        "证明文件复印件）。带 * 的为必填项；所需信息请写明名称、文号或者便于查询的其他特征性描述。",
        f"收到申请之日（{profile.regulations}{profile.article('receipt')}）：{receipt}。",
        profile.wording("answer_rule") + profile.wording("pause_rule") + "。",
    ]
    if profile.correction_notice_days is not None:
        lines.append(
            "申请内容不明确的，受理机关将" + profile.wording("correction_notice_rule") + "。"
        )
    return lines


def build_application_form(
    schema: colander.SchemaNode,
    profile: Profile,
    font: str,
    *,
    receiver: str = "",
    applicant_type: str | None = None,
) -> bytes:
    """The form as PDF bytes. ``receiver``: the receiving body's name printed in (default:
    blank, to choose); ``applicant_type``: person or organisation prints only that applicant's
    group (default: both, to tick one)."""
    if applicant_type is not None and applicant_type not in APPLICANT_TYPES:
        raise ValueError(f"applicant_type: {applicant_type!r}")
    st = _styles(font)
    fields = paper_fields(schema)
    by_name = {f.name: f for f in fields}
    required = {node.name for node in schema.children if node.missing is colander.required}
    rows: list[list] = []
    style: list = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    heights: list[float | None] = []

    def label(f: PaperField) -> Paragraph:
        return _p(f.label + (" *" if f.name in required else ""), st["label"])

    def heading(text: str) -> None:
        style.append(("SPAN", (0, len(rows)), (1, len(rows))))
        style.append(("BACKGROUND", (0, len(rows)), (1, len(rows)), colors.Color(0.92, 0.92, 0.92)))
        rows.append([_p(text, st["head"]), ""])
        heights.append(None)

    def field_row(f: PaperField) -> None:
        if f.choices:
            if f.name == "applicant_type" and applicant_type is not None:
                value = _p(f"{TICKED} {dict(f.choices)[applicant_type]}", st["cell"])
            else:
                value = _p(_choices(label for _, label in f.choices), st["cell"])
        else:
            value = _p(f.hint, st["note"]) if f.hint else ""
        rows.append([label(f), value])
        heights.append(TALL.get(f.name, 10 * mm if not f.choices else None))

    # the receiving body first: whom the application goes to
    receiver_field = by_name.get(RECEIVER)
    if receiver_field is not None:
        rows.append(
            [
                label(receiver_field),
                _p(receiver or "请选择（填写受理机关名称）：", st["cell"]),
            ]
        )
        heights.append(12 * mm)
    placed = {RECEIVER, CONSENT}
    for title, names, for_type in GROUPS:
        members = [f for f in fields if f.name in names and f.name not in placed]
        if not names:  # the last group: every field not placed yet
            members = [
                f
                for f in fields
                if f.name not in placed and not any(f.name in n for _, n, _ in GROUPS)
            ]
        placed.update(f.name for f in members)
        if for_type is not None and applicant_type is not None and for_type != applicant_type:
            continue
        if not members:
            continue
        heading(title)
        for f in members:
            field_row(f)
    table = Table(rows, colWidths=[LABEL_WIDTH, WIDTH - LABEL_WIDTH], rowHeights=heights)
    table.setStyle(TableStyle(style))

    story: list = [_p(TITLE, st["title"]), Spacer(0, 2 * mm)]
    story.append(_p("（书面申请用：请用黑色或蓝色笔填写，可当面递交、邮寄或传真）", st["sub"]))
    story += [Spacer(0, 4 * mm), table, Spacer(0, 5 * mm)]
    consent = by_name.get(CONSENT)
    if consent is not None:
        story.append(
            _p(
                f"{BOX} {consent.label}：本人（本单位）同意受理机关为办理本申请处理上述个人信息；"
                "证件号码、电话和地址不会公开。",
                st["cell"],
            )
        )
        story.append(Spacer(0, 5 * mm))
    story.append(
        _p(
            "申请人签名（盖章）：＿＿＿＿＿＿＿＿＿＿　　申请日期：＿＿＿＿年＿＿月＿＿日",
            st["cell"],
        )
    )
    story.append(Spacer(0, 6 * mm))
    story.append(_p("填表说明", st["head"]))
    for i, line in enumerate(notes(profile), 1):
        story.append(_p(f"{i}. {line}", st["note"]))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=TITLE,
        author=receiver or "",
        invariant=True,
    )
    doc.build(story)
    return buffer.getvalue()
