"""The annual report as an A4 PDF (ReportLab): sections 一 to 六 with tables 二, 三 and 四 laid
out as in the 2021 national template, set in the letters' embedded CJK font
(``disclosure.letters.fonts.register_font``; the name is passed in). Pure: a ``Report`` in,
PDF bytes out."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..dates import zh_date
from .compute import TABLE3_COLUMNS, TABLE3_ROWS
from .lifecycle import Report
from .tables import (
    COLUMN_LABELS,
    LEGAL_PERSONS,
    ROW_GROUPS,
    ROW_LABELS,
    TABLE2_DECISION_ROWS,
    TABLE2_NORMATIVE_COLUMNS,
    TABLE2_NORMATIVE_ROWS,
    TABLE2_TITLE,
    TABLE3_TITLE,
    TABLE4_COLUMN_LABELS,
    TABLE4_KIND_LABELS,
    TABLE4_TITLE,
    number,
)

DRAFT_MARK = "草稿（尚未发布），数据随办理情况变化"
WIDTH = A4[0] - 40 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, spaceAfter=6
        ),
        "sub": ParagraphStyle("sub", parent=base, fontSize=10, alignment=TA_CENTER),
        "h": ParagraphStyle("h", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("p", parent=base, firstLineIndent=21),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=10),
        "num": ParagraphStyle("num", parent=base, fontSize=8, leading=10, alignment=TA_CENTER),
        "mark": ParagraphStyle(
            "mark", parent=base, textColor=colors.red, alignment=TA_CENTER, spaceAfter=6
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(font: str) -> list:
    return [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def table2(figures: dict, st: dict, font: str) -> Table:
    cell, num = st["cell"], st["num"]
    data: list[list] = []
    style = _grid(font)
    normative_head = [_p(label, num) for _, label in TABLE2_NORMATIVE_COLUMNS]
    data.append([_p(TABLE2_NORMATIVE_ROWS[0][1], num), "", "", ""])
    data.append([_p("信息内容", num), *normative_head])
    style.append(("SPAN", (0, 0), (-1, 0)))
    for key, _, label in TABLE2_NORMATIVE_ROWS:
        counts = figures.get(key) or {}
        data.append(
            [
                _p(label, cell),
                *(_p(number(counts.get(c, 0)), num) for c, _ in TABLE2_NORMATIVE_COLUMNS),
            ]
        )
    previous = ""
    for key, article, label, measure in TABLE2_DECISION_ROWS:
        if article != previous:  # a new group: 条款, then the heading of its figures
            at = len(data)
            data.append([_p(article, num), "", "", ""])
            data.append([_p("信息内容", num), _p(measure, num), "", ""])
            style += [
                ("SPAN", (0, at), (-1, at)),
                ("SPAN", (1, at + 1), (-1, at + 1)),
                ("BACKGROUND", (0, at), (-1, at), colors.HexColor("#eeeeee")),
            ]
            previous = article
        at = len(data)
        data.append([_p(label, cell), _p(number(figures.get(key)) or "—", num), "", ""])
        style.append(("SPAN", (1, at), (-1, at)))
    style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    return Table(data, colWidths=[WIDTH * 0.31] + [WIDTH * 0.23] * 3, style=TableStyle(style))


def table3(figures: dict, st: dict, font: str) -> Table:
    cell, num = st["cell"], st["num"]
    rows = figures.get("rows") or {}
    cols = len(TABLE3_COLUMNS) + 1
    head = [
        [_p("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", cell)]
        + [_p("申请人情况", num)]
        + [""] * (cols - 2),
        [
            "",
            _p(COLUMN_LABELS["natural_person"], num),
            _p(LEGAL_PERSONS, num),
            "",
            "",
            "",
            "",
            _p(COLUMN_LABELS["total"], num),
        ],
        ["", "", *(_p(COLUMN_LABELS[c], num) for c in TABLE3_COLUMNS[1:-1]), ""],
    ]
    style = _grid(font) + [
        ("SPAN", (0, 0), (0, 2)),
        ("SPAN", (1, 0), (-1, 0)),
        ("SPAN", (1, 1), (1, 2)),
        ("SPAN", (2, 1), (6, 1)),
        ("SPAN", (7, 1), (7, 2)),
        ("BACKGROUND", (0, 0), (-1, 2), colors.HexColor("#eeeeee")),
    ]
    data = list(head)
    for row in TABLE3_ROWS:
        if row in ROW_GROUPS:
            at = len(data)
            data.append([_p(ROW_GROUPS[row], cell)] + [""] * (cols - 1))
            style.append(("SPAN", (0, at), (-1, at)))
        indent = "　" if row.startswith("三（") and row[-1].isdigit() else ""
        data.append(
            [_p(indent + ROW_LABELS[row], cell)]
            + [_p(number((rows.get(row) or {}).get(c, 0)), num) for c in TABLE3_COLUMNS]
        )
    first = WIDTH * 0.37
    other = (WIDTH - first) / (cols - 1)
    return Table(
        data, colWidths=[first] + [other] * (cols - 1), style=TableStyle(style), repeatRows=3
    )


def table4(figures: dict, st: dict, font: str) -> Table:
    num = st["num"]
    kinds = list(TABLE4_KIND_LABELS)
    n = len(TABLE4_COLUMN_LABELS)
    top = [_p(TABLE4_KIND_LABELS["reconsideration"], num)] + [""] * (n - 1)
    top += [_p("行政诉讼", num)] + [""] * (2 * n - 1)
    middle = [""] * n + [_p("未经复议直接起诉", num)] + [""] * (n - 1)
    middle += [_p("复议后起诉", num)] + [""] * (n - 1)
    labels = [_p(label, num) for _ in kinds for label in TABLE4_COLUMN_LABELS.values()]
    values = [
        _p(number((figures.get(kind) or {}).get(col, 0)), num)
        for kind in kinds
        for col in TABLE4_COLUMN_LABELS
    ]
    style = _grid(font) + [
        ("SPAN", (0, 0), (n - 1, 1)),
        ("SPAN", (n, 0), (3 * n - 1, 0)),
        ("SPAN", (n, 1), (2 * n - 1, 1)),
        ("SPAN", (2 * n, 1), (3 * n - 1, 1)),
        ("BACKGROUND", (0, 0), (-1, 2), colors.HexColor("#eeeeee")),
    ]
    return Table(
        [top, middle, labels, values],
        colWidths=[WIDTH / (3 * n)] * (3 * n),
        style=TableStyle(style),
    )


def build_pdf(report: Report, font: str) -> bytes:
    """The report as A4 PDF bytes. A draft is marked as such; its sections are printed only
    when the report carries them (a published version, or a draft shown to its officers)."""
    st = _styles(font)
    figures = report.figures.as_json()
    texts = report.section_texts()
    story: list = [_p(report.title, st["title"])]
    if report.published is not None:
        sub = f"第{report.published.version}版 · 发布日期：{zh_date(report.published.published_on)}"
    else:
        sub = f"截至数据生成时的统计 · 应于 {zh_date(report.deadline.due_on)} 前发布"
        story.append(_p(DRAFT_MARK, st["mark"]))
    story.append(_p(sub, st["sub"]))
    story.append(Spacer(1, 4 * mm))

    def section(heading: str, text: str) -> None:
        story.append(_p(heading, st["h"]))
        for para in (text or "").split("\n"):
            if para.strip():
                story.append(_p(para.strip(), st["body"]))

    if texts:
        section(*texts[0])
    story += [_p(TABLE2_TITLE, st["h"]), table2(figures["table2"], st, font)]
    story += [_p(TABLE3_TITLE, st["h"]), table3(figures["table3"], st, font)]
    story += [_p(TABLE4_TITLE, st["h"]), table4(figures["table4"], st, font)]
    for heading, text in texts[1:]:
        section(heading, text)
    if report.published is not None and report.published.change_note:
        section("更正说明", report.published.change_note)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author=report.organisation.name,
    )
    doc.build(story)
    return out.getvalue()
