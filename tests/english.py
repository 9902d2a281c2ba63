"""Reading a page in English: ``english_page(testapp, url)`` fetches it with
``Accept-Language: en`` and fails if any text on it is still a Chinese message of the catalogue
(a marked message that was shown without being translated)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

PO = Path(__file__).resolve().parents[1] / "disclosure/locale/en/LC_MESSAGES/disclosure.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "value")
ENGLISH = {"Accept-Language": "en"}


@cache
def chinese_messages() -> frozenset[str]:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    return frozenset(m.id for m in catalog if isinstance(m.id, str) and CJK.search(m.id))


def untranslated(html: str) -> list[str]:
    """The texts of ``html`` that are, whole, a Chinese message of the catalogue."""
    soup = BeautifulSoup(html, "html.parser")
    messages = chinese_messages()
    found = [
        t.strip()
        for t in soup.find_all(string=True)
        if t.strip() in messages and not highlighted(t.parent)
    ]
    for tag in soup.find_all(True):
        found += [
            tag[a].strip()
            for a in ATTRIBUTES
            if isinstance(tag.get(a), str) and tag[a].strip() in messages and not typed(tag, a)
        ]
    return found


def highlighted(tag) -> bool:
    """A search hit's matched words (``<em class="hl">`` in a snippet, ``<mark>``): data."""
    return tag.name == "mark" or "hl" in (tag.get("class") or [])


def typed(tag, attribute: str) -> bool:
    """The value of a box the reader types into (the search words): data, not a message."""
    return (
        attribute == "value"
        and tag.name in ("input", "textarea")
        and tag.get("type", "text") not in ("submit", "button", "reset")
    )


def english_page(testapp, url: str, *, status: int | str = 200, **kwargs):
    headers = {**ENGLISH, **kwargs.pop("headers", {})}
    res = testapp.get(url, headers=headers, status=status, **kwargs)
    left = untranslated(res.text)
    assert not left, f"{url} shows untranslated messages: {left[:10]}"
    return res
