"""How letters are laid out: the applicant's description quoted once and short, titles that
never leave one character alone on a line, and no last page holding only the closing and the
seal. Checked on the PDFs with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from disclosure.letters.builders import (
    LEFT,
    PAGE_WIDTH,
    RIGHT,
    TITLE_SIZE,
    LetterData,
    build_letter,
    title_lines,
)
from disclosure.letters.fonts import register_font
from disclosure.letters.templates import DESCRIPTION_LIMIT, excerpt, load_templates, render_text

from .test_letters import LETTERS, OUTCOMES, TRACKING, VALUES, build

WIDTH = PAGE_WIDTH - LEFT - RIGHT
LONG_DESCRIPTION = (
    "2020年至2025年本市各区县城乡最低生活保障资金的发放明细、审批花名册和复核记录，" * 70
)[:3000]


@pytest.fixture(scope="module")
def templates():
    return load_templates(LETTERS, OUTCOMES.outcomes)


@pytest.fixture(scope="module")
def font():
    return register_font(None)


def pages_of(pdf: bytes) -> list[str]:
    return ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


# --- the description ---------------------------------------------------------------------------


def test_excerpt():
    assert excerpt("  不长的 描述\n第二行 ") == "不长的 描述 第二行"
    long = "甲" * 59 + "，" + "乙" * 100
    assert excerpt(long) == "甲" * 59 + "等"  # no comma before 等
    assert len(excerpt("丙" * 3000)) == DESCRIPTION_LIMIT + 1


def test_a_3000_character_description_gives_a_one_page_acknowledgement(templates, font):
    pdf = build(templates, font, "acknowledgement", description=LONG_DESCRIPTION)
    (page,) = pages_of(pdf)
    quoted = re.findall(r"“([^”]*)”", page)
    assert quoted == [excerpt(LONG_DESCRIPTION).replace(" ", "")]  # quoted once, trimmed
    assert quoted[0].endswith("等") and len(quoted[0]) <= DESCRIPTION_LIMIT + 1
    assert "特此告知" in page and "咸阳市民政局" in page


@pytest.mark.parametrize("kind", ["correction", "extension", "third_party"])
def test_every_letter_quotes_the_description_short(templates, font, kind):
    pages = pages_of(build(templates, font, kind, description=LONG_DESCRIPTION))
    assert len(pages) == 1
    assert re.findall(r"“([^”]*)”", pages[0]) == [excerpt(LONG_DESCRIPTION).replace(" ", "")]


# --- titles --------------------------------------------------------------------------------------


def per_line(font: str) -> int:
    return int(WIDTH // pdfmetrics.stringWidth("政", font, TITLE_SIZE))


def test_a_title_that_would_leave_one_character_alone_is_balanced(font):
    n = per_line(font) + 1  # plain wrapping: a full line, then one character
    title = ("咸阳市秦都区渭滨街道政府信息公开申请受理回执" * 2)[:n]
    lines = title_lines(title, font)
    assert "".join(lines) == title and len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 1


@pytest.mark.parametrize("extra", range(1, 45))
def test_no_title_length_leaves_a_lone_character(font, extra):
    title = ("咸阳市秦都区人民政府渭滨街道办事处政府信息公开申请延期答复告知书" * 3)[
        : per_line(font) + extra
    ]
    lines = title_lines(title, font)
    assert "".join(lines) == title
    assert all(len(line) > 1 for line in lines)
    assert all(pdfmetrics.stringWidth(line, font, TITLE_SIZE) <= WIDTH + 0.01 for line in lines)
    # balanced, unless it breaks naturally after the agency's name
    assert max(map(len, lines)) - min(map(len, lines)) <= 2 or (
        len(lines) == 2 and lines[1].startswith("政府信息公开")
    )


def test_a_title_breaks_after_the_agency_name_when_it_can(font):
    lines = title_lines("咸阳市民政局政府信息公开信息处理费收费通知", font)
    assert lines == ["咸阳市民政局", "政府信息公开信息处理费收费通知"]


def test_a_title_line_never_starts_with_closing_punctuation(font):
    title = "咸阳市秦都区渭滨街道（社区）政府信息公开申请告知书" + "甲" * 3
    for line in title_lines(title, font)[1:]:
        assert line[0] not in "）”》，、。"


def test_the_printed_title_is_balanced(font):
    n = per_line(font) + 1
    agency = "咸阳市秦都区渭滨街道办事处"[: n - 12]
    letter = LetterData(
        kind="acknowledgement",
        variant="default",
        title=f"{agency}政府信息公开申请受理回执",
        number="咸渭公开受〔2026〕1号",
        addressee="张三：",
        paragraphs=("我机关已收到您的申请。",),
        remedy="",
        closing="特此告知。",
        agency=agency,
        issued_on=date(2026, 11, 20),
        tracking_number=TRACKING,
    )
    assert len(letter.title) == n
    first = PdfReader(io.BytesIO(build_letter(letter, font))).pages[0].extract_text()
    head = [line.strip() for line in first.splitlines()[:2]]
    assert "".join(head) == letter.title
    assert all(len(line) > 1 for line in head)


# --- the last page -------------------------------------------------------------------------------

FOOTER = re.compile(
    r"追踪号：[A-Z0-9-]+|第\d+页共\d+页|收到申请日期：\d+年\d+月\d+日|扫描二维码或访问以下地址查询办理进度："
    r"|https://\S+?token=3f9a"
)


def body_left_on_last_page(pdf: bytes) -> str:
    last = pages_of(pdf)[-1]
    for fixed in ("特此告知。", "（印章）", "咸阳市民政局", "2026年11月20日"):
        last = last.replace(fixed, "")
    return FOOTER.sub("", last)


@pytest.mark.parametrize("lines", range(0, 26))
def test_the_closing_and_seal_never_stand_alone_on_the_last_page(templates, font, lines):
    """Reasons from one line to two pages long, one line more each time: every position of the
    ending on a page. The last page always carries body text besides 特此告知 and the seal."""
    reasons = "该信息属于行政执法案卷信息，包含当事人陈述、证人证言、现场检查笔录。" + "甲" * (
        27 * lines
    )
    pdf = build(templates, font, "reply", "not_disclosed", reasons=reasons)
    assert body_left_on_last_page(pdf), f"{len(pages_of(pdf))} pages: the ending stands alone"


def test_a_long_last_paragraph_keeps_only_its_tail_with_the_ending(templates, font):
    """A remedy of many lines is not pushed whole to the next page: its last lines go with the
    closing, the rest flows."""
    letter = render_text(
        templates["reply"],
        "not_exist",
        dict(VALUES, legal_basis=OUTCOMES.profile("ogi-2019").legal_basis("not_exist")),
    )
    data = LetterData(
        kind="reply",
        variant="not_exist",
        title=letter.title,
        number="咸民公开答〔2026〕3号",
        addressee=letter.addressee,
        paragraphs=letter.paragraphs,
        remedy=letter.remedy * 12,
        closing=letter.closing,
        agency=letter.agency,
        issued_on=date(2026, 11, 20),
        tracking_number=TRACKING,
    )
    pdf = build_letter(data, font)
    pages = pages_of(pdf)
    assert len(pages) >= 2 and body_left_on_last_page(pdf)
    # page 1 is filled: the remedy started there
    assert "如对本答复不服" in pages[0]
