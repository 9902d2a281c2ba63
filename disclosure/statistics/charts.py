"""Server-rendered SVG bar charts. Pure: data in, markup out; no JavaScript, no fonts embedded.

One chart type serves every figure: horizontal bars, one per (label, value), the label on the
left and the value written at the end of its bar, so a chart reads without colour and prints in
black and white. The drawing is ``WIDTH`` units wide with a ``viewBox`` and ``width="100%"``: it
scales to the column, and at a phone's 360 px its 14-unit text is about 13 px. Each chart is
``role="img"`` with a ``<title>`` and a ``<desc>`` (the figure in words, every value named)
referenced by ``aria-labelledby``; every bar carries its own ``<title>`` (a tooltip). The page
puts the same data in a table beside it.

Titles, labels and descriptions may be marked messages: ``translate`` (a request's
``request.translate``; default: :func:`disclosure.i18n.chinese`) renders them and the chart's
own words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from ..i18n import _, chinese

WIDTH = 400
ROW = 28  # height of one bar's row
BAR = 18  # height of a bar
TOP = 8
MIN_LABEL_WIDTH = 48  # the labels' column (right-aligned against the bars), fitted to them
MAX_LABEL_WIDTH = 200
VALUE_WIDTH = 56  # room for the value after the longest bar
FONT = 14
BAR_FILL = "#1f5fa8"  # dark blue: contrast 6.9:1 on white, and a solid grey on paper
TEXT_FILL = "#1a1a1a"
COUNT = "件"  # i18n: the unit of counts, a code: its text is the marked message below
#: the separator of a figure's values in words, and its end
SEPARATOR = _("；")


def text_width(text: str) -> float:
    """Estimated width in viewBox units: a CJK or full-width character is one em, others 0.6."""
    return sum(FONT if ord(c) > 0x2E7F else FONT * 0.6 for c in text)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def value_text(value: float, unit: str, translate: Callable = chinese) -> str:
    """A value with its unit: "3件" (a count's unit is a marked message), "7.5日"."""
    if unit == COUNT:
        return translate(_("${n}件", mapping={"n": _number(value)}))
    return f"{_number(value)}{unit}"


def values_text(bars: Sequence[tuple[str, float]], unit: str, translate: Callable = chinese):
    """The bars in words, without the end: "1月 3件；2月 0件"."""
    return translate(SEPARATOR).join(
        translate(
            _(
                "${label} ${value}",
                mapping={"label": translate(label), "value": value_text(value, unit, translate)},
            )
        )
        for label, value in bars
    )


def describe(bars: Sequence[tuple[str, float]], unit: str, translate: Callable = chinese) -> str:
    """The figure in words: "1月 3件；2月 0件…" (the ``<desc>`` and a fallback text)."""
    if not bars:
        return translate(_("没有数据。"))
    return translate(_("${values}。", mapping={"values": values_text(bars, unit, translate)}))


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    chart_id: str,
    title: str,
    desc: str | None = None,
    unit: str = COUNT,
    translate: Callable = chinese,
) -> Markup:
    """An SVG bar chart of ``bars`` ((label, value ≥ 0) pairs, in the order given).

    ``chart_id`` makes the ids of its ``<title>`` and ``<desc>`` unique on the page (letters,
    digits, ``-`` and ``_`` only). ``desc`` defaults to :func:`describe`.
    """
    if not chart_id or not all(c.isascii() and (c.isalnum() or c in "-_") for c in chart_id):
        raise ValueError("chart_id: ASCII letters, digits, - and _ only")
    if any(value < 0 for _label, value in bars):
        raise ValueError("bar values must not be negative")
    title = translate(title)
    desc = translate(desc) if desc is not None else describe(bars, unit, translate)
    bars = [(translate(label), value) for label, value in bars]
    height = TOP * 2 + ROW * max(len(bars), 1)
    largest = max((value for _label, value in bars), default=0)
    label_width = min(
        MAX_LABEL_WIDTH,
        max(MIN_LABEL_WIDTH, *(text_width(label) + 10 for label, _value in bars), 0),
    )
    room = WIDTH - label_width - VALUE_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" class="chart" id="{chart_id}" '
        f'font-size="{FONT}" font-family="sans-serif">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(bars):
        y = TOP + ROW * i
        width = round(room * value / largest, 1) if largest else 0
        middle = y + ROW / 2 + FONT * 0.35  # the text's baseline, centred on the row
        bar_y = y + (ROW - BAR) / 2
        shown = value_text(value, unit, translate)
        tip = translate(_("${label}：${value}", mapping={"label": label, "value": shown}))
        out.append(
            f'<g class="row">'
            f'<text x="{label_width - 6}" y="{middle}" text-anchor="end" fill="{TEXT_FILL}">'
            f"{escape(label)}</text>"
            f'<rect class="bar" x="{label_width}" y="{bar_y}" width="{width}" height="{BAR}" '
            f'fill="{BAR_FILL}"><title>{escape(tip)}</title></rect>'
            f'<text x="{label_width + width + 4}" y="{middle}" fill="{TEXT_FILL}" '
            f"data-value={quoteattr(_number(value))}>{escape(shown)}</text>"
            f"</g>"
        )
    if not bars:
        empty = escape(translate(_("没有数据")))
        out.append(
            f'<text x="{WIDTH / 2}" y="{TOP + ROW / 2 + FONT * 0.35}" text-anchor="middle" '
            f'fill="{TEXT_FILL}">{empty}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
