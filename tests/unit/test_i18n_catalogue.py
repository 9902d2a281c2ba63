"""The English catalogue is complete and current: every message marked in the code and the
templates has an English translation, with the same placeholders, and the compiled catalogue the
site reads says the same as the source (``make i18n-update``, ``make i18n-compile``)."""

from __future__ import annotations

import io
import re
from configparser import ConfigParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "disclosure"
# the input directories of `make i18n-extract`: the code, and the catalogue's labels kept as data
INPUTS = (PACKAGE, ROOT / "catalog_schemas")
PO = PACKAGE / "locale/en/LC_MESSAGES/disclosure.po"
MO = PACKAGE / "locale/en/LC_MESSAGES/disclosure.mo"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# what a reader types into a Chinese catalogue, shown as examples in English too (the search
# form's hints): the only Chinese an English message may hold
TYPED_EXAMPLES = (
    "咸政发〔2009〕12号",
    "咸政发2009年12号",
    "咸政发 2009 12号",
    "〔〕[]()【】",
    "“政务公开”",
    "外汇管理条例 境外",
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\$\{[a-z_]+\}")


def method_map():
    parser = ConfigParser()
    parser.read(ROOT / "babel.cfg")
    extractors = dict(parser.items("extractors")) if parser.has_section("extractors") else {}
    methods, options = [], {}
    for section in parser.sections():
        if section == "extractors":
            continue
        method, pattern = (part.strip() for part in section.split(":", 1))
        methods.append((pattern, extractors.get(method, method)))
        options[pattern] = dict(parser.items(section))
    return methods, options


@pytest.fixture(scope="module")
def marked() -> set[str]:
    methods, options = method_map()
    found = set()
    for directory in INPUTS:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            directory, methods, options
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def english():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def test_the_code_marks_messages(marked):
    assert len(marked) > 20


def test_every_marked_message_has_an_english_translation(marked, english):
    missing = sorted(m for m in marked if m not in english or not english[m].string)
    assert not missing, (
        f"{len(missing)} untranslated (make i18n-update, then translate): {missing[:20]}"
    )
    fuzzy = sorted(m for m in marked if m in english and english[m].fuzzy)
    assert not fuzzy, f"fuzzy translations to review: {fuzzy[:20]}"


def test_the_catalogue_holds_no_message_the_code_no_longer_has(marked, english):
    stale = sorted(m.id for m in english if m.id and m.id not in marked)
    assert not stale, f"run make i18n-update: {stale[:20]}"


def test_translations_keep_the_placeholders_and_are_english(english):
    for message in english:
        if not message.id:
            continue
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), message.id
        english_text = message.string
        for example in TYPED_EXAMPLES:
            english_text = english_text.replace(example, "")
        assert not CJK.search(english_text), (message.id, message.string)


def test_the_compiled_catalogue_is_current(english):
    with MO.open("rb") as fh:
        compiled = read_mo(fh)
    assert {m.id: m.string for m in compiled if m.id} == {
        m.id: m.string for m in english if m.id
    }, "run make i18n-compile"
    buffer = io.BytesIO()
    write_mo(buffer, english)  # the source compiles
    assert buffer.getvalue()
