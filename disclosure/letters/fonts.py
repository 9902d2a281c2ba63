"""The Chinese font letters are set in.

Letters are legal documents, so the font is embedded: a TrueType font (``.ttf``, or one face
of a ``.ttc`` collection) registered with ReportLab, which embeds the glyphs a letter uses
with a ToUnicode map, so the text can be extracted again. ReportLab cannot embed OpenType
fonts with CFF outlines (the Noto/Source Han CJK families), so those count as unreadable here.

When the font is missing or unreadable we fall back to ReportLab's built-in CID font
``STSong-Light``: the letter still renders and its text is extractable, but the font is not
embedded (the reader's viewer substitutes one), so a WARNING is logged.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DEFAULT_FONT_NAME = "WQYZenHei"
FALLBACK_FONT = "STSong-Light"

log = logging.getLogger("disclosure.letters")

_lock = threading.Lock()
_registered: dict[str, str] = {}  # resolved path (or "" for the fallback) → font name


def _font_name(path: Path) -> str:
    if str(path) == DEFAULT_FONT_PATH:
        return DEFAULT_FONT_NAME
    return "Letter-" + (re.sub(r"[^A-Za-z0-9]+", "", path.stem) or "Font")


def _fallback() -> str:
    if "" not in _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        _registered[""] = FALLBACK_FONT
    return FALLBACK_FONT


def register_font(path: str | None = None) -> str:
    """Register the TrueType font at ``path`` (once per process) and return its name.

    ``path`` defaults to WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``); a ``.ttc``
    collection contributes its first face. A missing or unreadable file logs a WARNING and
    returns :data:`FALLBACK_FONT` (``STSong-Light``, not embedded).
    """
    font_path = Path(path or DEFAULT_FONT_PATH)
    key = str(font_path.resolve()) if font_path.exists() else str(font_path)
    with _lock:
        if key in _registered:
            return _registered[key]
        name = _font_name(font_path)
        if name in _registered.values():  # same file name in another folder
            name = f"{name}-{len(_registered)}"
        try:
            # subfontIndex only matters for .ttc collections; a .ttf ignores it.
            pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=0))
        except Exception as exc:  # OSError, TTFError, or whatever a corrupt file provokes
            log.warning(
                "letter font %s is missing or unreadable (%s); falling back to %s, "
                "which is NOT embedded in the PDF",
                font_path,
                exc,
                FALLBACK_FONT,
            )
            name = _fallback()
        _registered[key] = name
        return name
