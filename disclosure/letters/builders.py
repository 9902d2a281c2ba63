"""Letters as PDF: pure functions, data in → PDF bytes out.

Layout in the spirit of GB/T 9704-2012 (党政机关公文格式), kept black for printing: A4, margins
37 mm top, 28 mm left, 26 mm right, 35 mm bottom (a 156 × 225 mm type area); title 22 pt
(二号) centred, the letter number under it; body 16 pt (三号) on a 28 pt line with a two-character
first-line indent; the addressee flush left; the agency name and the date (右空四字) bottom
right under a dashed 42 mm circle marking where the seal goes. The bottom margin of the last
page holds the tracking number and a QR code linking to the request's status page; a letter
of several pages gets a footer line with the page numbers on every page.

Two rules keep a letter from looking broken:

- a title that needs more than one line is set in lines of balanced length (GB/T 9704:
  标题回行时排列对称、长短适宜), never with one character alone on its last line
  (:func:`title_lines`);
- the closing (特此告知) and the signature and seal never stand alone on the last page: they
  are kept with the last lines of the preceding paragraph (:func:`_keep_with_ending`).

Builds are deterministic (ReportLab's ``invariant`` mode): the same data gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus import paragraph as _rl_paragraph

from .templates import LetterTemplate, format_date, render_text

log = logging.getLogger("disclosure.letters")

# ReportLab's CJK line breaking keeps a character that may not start a line (避头) hanging at
# the end of the previous one, but its list is Japanese: it lacks the Chinese full-width
# comma, semicolon, colon, question and exclamation marks, closing parenthesis, closing
# title mark and closing quotes, so lines could start with "，". Add them (process-wide; the
# list only ever gains characters that no CJK line should start with).
# The list is read in two places: textsplit.wordSplit (one-style paragraphs, ours) and
# paragraph.cjkFragSplit (mixed styles).
_CHINESE_CANNOT_START = "，；：？！）》〉”’"
for _module in (_rl_textsplit, _rl_paragraph):
    if not set(_CHINESE_CANNOT_START) <= set(_module.ALL_CANNOT_START):
        _module.ALL_CANNOT_START += _CHINESE_CANNOT_START

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP, LEFT, RIGHT, BOTTOM = 37 * mm, 28 * mm, 26 * mm, 35 * mm
TITLE_SIZE = 22  # 二号
BODY_SIZE = 16  # 三号
LEADING = 28  # 22 lines on the 225 mm type area
# A letter that would spill a few lines onto another page is set again on this tighter line
# (24 lines, still 1.5 × the body size; GB/T 9704 allows 特定情况可以作适当调整) and the
# tighter setting is kept when it needs fewer pages.
COMPACT_LEADING = 25
FOOTER_SIZE = 10.5  # 五号
SMALL_SIZE = 9
SEAL_RADIUS = 21 * mm
QR_SIZE = 18 * mm
GREY = Color(0.45, 0.45, 0.45)


@dataclass(frozen=True)
class LetterData:
    """Everything printed on a letter, already filled in (see ``templates.render_text``)."""

    kind: str  # acknowledgement, correction, extension, third_party, reply
    variant: str  # the outcome code for a reply, "default" otherwise
    title: str
    number: str  # e.g. 咸民公开答〔2026〕3号; "" prints no number line
    addressee: str
    paragraphs: tuple[str, ...]
    remedy: str
    closing: str
    agency: str
    issued_on: date
    received_on: date | str | None = None
    tracking_number: str = ""
    status_url: str | None = None  # the QR code's target; None: no QR code
    refers_to: str | None = None  # e.g. 本文书更正我机关咸民公开答〔2026〕3号文书
    seal_area: bool = True


@functools.lru_cache(maxsize=16)
def _styles(font: str, leading: float = LEADING) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "letter-body",
        fontName=font,
        fontSize=BODY_SIZE,
        leading=leading,
        wordWrap="CJK",
        alignment=TA_LEFT,
        firstLineIndent=2 * BODY_SIZE,
        allowWidows=0,  # never one lone line at the top or bottom of a page
        allowOrphans=0,
    )
    return {
        "title": ParagraphStyle(
            "letter-title",
            parent=base,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.5,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=6,
        ),
        "number": ParagraphStyle(
            "letter-number", parent=base, alignment=TA_CENTER, firstLineIndent=0
        ),
        "refers_to": ParagraphStyle(
            "letter-refers-to",
            parent=base,
            fontSize=12,
            leading=18,
            alignment=TA_CENTER,
            firstLineIndent=0,
        ),
        "addressee": ParagraphStyle("letter-addressee", parent=base, firstLineIndent=0),
        "body": base,
    }


class _Signature(Flowable):
    """The agency name over the date, right-aligned (date 右空四字), under the seal circle.

    The seal presses on the name and the date (GB/T 9704: 印章端正、居中下压发文机关署名和成文日期,
    its top within a line of the text above). ``rise``: how far the circle may reach up beside
    the closing line (特此告知, flush left, far from the seal on the right)."""

    def __init__(
        self,
        agency: str,
        issued: str,
        font: str,
        seal: bool,
        leading: float = LEADING,
        rise: float = 0,
    ) -> None:
        super().__init__()
        self.agency, self.issued, self.font, self.seal = agency, issued, font, seal
        self.date_y = 8.0
        self.agency_y = self.date_y + leading
        self.centre_y = self.agency_y + 12
        text_top = self.agency_y + BODY_SIZE
        self.height = max(text_top, self.centre_y + SEAL_RADIUS + 4 - rise) if seal else text_top

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        return availWidth, self.height

    def draw(self) -> None:
        c = self.canv
        date_w = pdfmetrics.stringWidth(self.issued, self.font, BODY_SIZE)
        date_right = self.width - 4 * BODY_SIZE
        centre_x = date_right - date_w / 2
        agency_w = pdfmetrics.stringWidth(self.agency, self.font, BODY_SIZE)
        agency_x = min(centre_x - agency_w / 2, self.width - agency_w)
        if self.seal:
            centre_x = min(centre_x, self.width - SEAL_RADIUS)
            c.saveState()
            c.setStrokeColor(GREY)
            c.setLineWidth(0.6)
            c.setDash(3, 2)
            c.circle(centre_x, self.centre_y, SEAL_RADIUS, stroke=1, fill=0)
            c.setFillColor(GREY)
            c.setFont(self.font, FOOTER_SIZE)
            c.drawCentredString(centre_x, self.centre_y + SEAL_RADIUS - 22, "（印章）")
            c.restoreState()
        c.setFont(self.font, BODY_SIZE)
        c.setFillColor(black)
        c.drawString(agency_x, self.agency_y, self.agency)
        c.drawString(date_right - date_w, self.date_y, self.issued)


@dataclass(frozen=True)
class _Footer:
    font: str
    tracking_number: str
    received_on: str
    status_url: str | None

    def draw(self, c: Canvas, page: int, pages: int) -> None:
        right = PAGE_WIDTH - RIGHT
        c.saveState()
        c.setFillColor(black)
        if pages > 1:
            c.setStrokeColor(GREY)
            c.setLineWidth(0.5)
            c.line(LEFT, 32 * mm, right, 32 * mm)
            c.setFont(self.font, FOOTER_SIZE)
            if self.tracking_number and page < pages:  # the last page has it below
                c.drawString(LEFT, 28 * mm, f"追踪号：{self.tracking_number}")
            c.drawRightString(right, 28 * mm, f"第{page}页 共{pages}页")
        if page == pages:
            self._draw_tracking(c)
        c.restoreState()

    def _draw_tracking(self, c: Canvas) -> None:
        lines = []
        if self.tracking_number:
            lines.append(f"追踪号：{self.tracking_number}")
        if self.received_on:
            lines.append(f"收到申请日期：{self.received_on}")
        x = LEFT
        if self.status_url:
            _draw_qr(c, self.status_url, LEFT, 8 * mm, QR_SIZE)
            x = LEFT + QR_SIZE + 4 * mm
            lines += ["扫描二维码或访问以下地址查询办理进度：", self.status_url]
        c.setFont(self.font, SMALL_SIZE)
        y = 8 * mm + QR_SIZE - SMALL_SIZE
        for line in lines:
            c.drawString(x, y, line)
            y -= SMALL_SIZE * 1.45


def _draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code (level M) straight onto the canvas, one rectangle per run of dark modules.

    ReportLab's ``QrCodeWidget`` goes through ``renderPDF``, which sets Helvetica and so puts
    an unembedded font into every letter; drawing the modules ourselves keeps the PDF to the
    one embedded font.
    """
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(data)
    qr.make()
    count = qr.getModuleCount()
    box = size / count
    c.saveState()
    c.setFillColor(black)
    for r, row in enumerate(qr.modules):
        top = y + size - (r + 1) * box
        col = 0
        for dark, run in itertools.groupby(bool(m) for m in row):
            n = len(list(run))
            if dark:
                c.rect(x + col * box, top, n * box, box, stroke=0, fill=1)
            col += n
    c.restoreState()


class _LetterCanvas(Canvas):
    """Holds the pages back until the end, to draw "第n页 共m页" and the last-page block."""

    def __init__(self, *args: Any, footer: _Footer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._footer.draw(self, number, pages)
            super().showPage()
        super().save()


def _missing_glyphs(letter: LetterData, font: str) -> set[str]:
    face = pdfmetrics.getFont(font)
    if not isinstance(face, TTFont):
        return set()
    text = "".join(
        (letter.title, letter.number, letter.addressee, letter.remedy, letter.closing)
        + tuple(letter.paragraphs)
        + (letter.agency, letter.tracking_number, letter.refers_to or "")
    )
    cmap = face.face.charToGlyph
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


NATURAL_BREAK = "政府信息公开"


def title_lines(title: str, font: str, size: float = TITLE_SIZE, width: float = 0) -> list[str]:
    """The title broken into lines of balanced length that each fit ``width`` (default: the
    type area): one line if it fits, else the fewest lines of (nearly) equal length, so the
    last line is never one lone character. No line starts with a character that may not begin
    a line (a closing bracket, a comma …)."""
    width = width or PAGE_WIDTH - LEFT - RIGHT
    title = " ".join(title.split())

    def fits(text: str) -> bool:
        return pdfmetrics.stringWidth(text, font, size) <= width + 0.01

    if fits(title) or len(title) < 2:
        return [title]
    # A natural break first: the agency's name, then what the letter is (…局 / 政府信息公开…).
    cut = title.find(NATURAL_BREAK)
    if cut > 1 and len(title) - cut > 1 and fits(title[:cut]) and fits(title[cut:]):
        return [title[:cut], title[cut:]]
    cannot_start = set(_rl_textsplit.ALL_CANNOT_START)
    for n in range(2, len(title) + 1):
        q, r = divmod(len(title), n)  # n lines of q or q + 1 characters, the longer first
        lines, start = [], 0
        for i in range(n):
            end = min(start + q + (1 if i < r else 0), len(title))
            if i == n - 1:
                end = len(title)
            while end < len(title) and title[end] in cannot_start:  # keep 】” etc. on this line
                end += 1
            if start < end:
                lines.append(title[start:end])
            start = end
        if all(fits(line) for line in lines) and (len(lines) < 2 or len(lines[-1]) > 1):
            return lines
    return [title]


def _title(title: str, font: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in title_lines(title, font)), style)


def _keep_with_ending(last: Paragraph, ending: list[Flowable], width: float) -> list[Flowable]:
    """The last paragraph and the ending (closing, signature, seal), so that the ending never
    moves to a page of its own: its last two lines go with the ending (KeepTogether), the rest
    flows as usual. A paragraph of up to three lines goes with the ending whole."""
    _, height = last.wrap(width, PAGE_HEIGHT * 100)
    lines = round(height / last.style.leading)
    if lines > 3:
        parts = last.split(width, (lines - 2) * last.style.leading + 1)
        if len(parts) == 2:
            return [parts[0], KeepTogether([parts[1], *ending])]
    return [KeepTogether([last, *ending])]


def build_letter(letter: LetterData, font: str) -> bytes:
    """The letter as a PDF (A4), with ``font`` (a registered font name, see ``register_font``).

    A letter of several pages is set again on the tighter :data:`COMPACT_LEADING`, which is
    kept when it needs fewer pages (a receipt that would spill three lines onto a second page
    fits on one)."""
    missing = _missing_glyphs(letter, font)
    if missing:
        log.warning(
            "letter %s: font %s has no glyph for %s; they print as empty boxes",
            letter.number or letter.tracking_number,
            font,
            " ".join(sorted(missing)),
        )
    pdf, pages = _build(letter, font, LEADING)
    if pages > 1:
        compact, fewer = _build(letter, font, COMPACT_LEADING)
        if fewer < pages:
            return compact
    return pdf


def _build(letter: LetterData, font: str, leading: float) -> tuple[bytes, int]:
    """The PDF set on ``leading``, and its number of pages."""
    st = _styles(font, leading)
    issued = format_date(letter.issued_on)
    received = (
        format_date(letter.received_on)
        if isinstance(letter.received_on, date)
        else (letter.received_on or "")
    )
    story: list[Flowable] = [_title(letter.title, font, st["title"])]
    if letter.number:
        story.append(_p(letter.number, st["number"]))
    if letter.refers_to:
        story.append(_p(f"（{letter.refers_to.strip('（）()')}）", st["refers_to"]))
    story.append(Spacer(1, leading / 2))
    body = [_p(letter.addressee, st["addressee"])]
    body += [_p(text, st["body"]) for text in letter.paragraphs]
    if letter.remedy:
        body.append(_p(letter.remedy, st["body"]))
    ending: list[Flowable] = []
    rise = 0.0
    if letter.closing:
        ending.append(_p(letter.closing, st["body"]))
        rise = leading + 6  # the seal may reach up beside the closing line
    ending += [
        Spacer(1, 6),
        _Signature(letter.agency, issued, font, letter.seal_area, leading, rise),
    ]
    story += body[:-1] + _keep_with_ending(body[-1], ending, PAGE_WIDTH - LEFT - RIGHT)

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=TOP,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        bottomMargin=BOTTOM,
        title=letter.title,
        author=letter.agency,
        subject=letter.tracking_number,
        keywords=[k for k in (letter.number, letter.kind, letter.variant) if k],
        creator="disclosure (政府信息公开平台)",
        lang="zh-CN",
        invariant=1,
        initialFontName=font,
        initialFontSize=BODY_SIZE,
    )
    frame = Frame(
        LEFT,
        BOTTOM,
        PAGE_WIDTH - LEFT - RIGHT,
        PAGE_HEIGHT - TOP - BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="type-area",
    )
    doc.addPageTemplates([PageTemplate(id="letter", frames=[frame])])
    footer = _Footer(font, letter.tracking_number, received, letter.status_url)
    doc.build(story, canvasmaker=functools.partial(_LetterCanvas, footer=footer))
    return buffer.getvalue(), doc.page


def build_from_template(
    template: LetterTemplate,
    variant: str | None,
    values: Mapping[str, Any],
    *,
    font: str,
    issued_on: date,
    number: str = "",
    status_url: str | None = None,
    refers_to: str | None = None,
    seal_area: bool = True,
) -> bytes:
    """Fill ``template`` in with ``values`` and build the PDF.

    ``issued_on`` and ``number`` are also available to the template as ``{issued_on}`` and
    ``{letter_number}``; ``refers_to`` as ``{refers_to}``.
    """
    values = dict(values, issued_on=issued_on, letter_number=number)
    if refers_to:
        values["refers_to"] = refers_to
    text = render_text(template, variant, values)
    received = values.get("received_on")
    return build_letter(
        LetterData(
            kind=text.kind,
            variant=text.variant,
            title=text.title,
            number=text.number,
            addressee=text.addressee,
            paragraphs=text.paragraphs,
            remedy=text.remedy,
            closing=text.closing,
            agency=text.agency,
            issued_on=issued_on,
            received_on=received if isinstance(received, date) else text.received_on,
            tracking_number=text.tracking_number,
            status_url=status_url,
            refers_to=refers_to,
            seal_area=seal_area,
        ),
        font,
    )
