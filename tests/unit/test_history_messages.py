"""The history's message codes (disclosure.requests.history): every code renders in Chinese and
in English with its parameters filled; prose of earlier history is recognised; an unknown code
shows the stored prose."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from pyramid.i18n import Localizer, make_localizer

from disclosure.requests import history
from disclosure.requests.history import MESSAGES, event_message, message, render

LOCALE = history.__file__.rsplit("/requests/", 1)[0] + "/locale"
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


def english() -> SimpleNamespace:
    localizer: Localizer = make_localizer("en", [LOCALE])
    return SimpleNamespace(locale_name="en", localizer=localizer)


def sample_params(code: str) -> dict:
    entry = MESSAGES[code]
    params = {}
    for name in PLACEHOLDER.findall(str(entry.message)):
        kind = entry.kinds.get(name)
        if kind in (history.ISO, history.ZH):
            params[name] = "2026-12-02"
        elif kind == history.CITED:
            params[name] = history.cited("第三十条")
        elif kind == history.PARTY:
            params[name] = history.party("other_agency")
        elif kind == history.MARK:
            params[name] = history.provisional_mark(True)
        else:
            params[name] = "7"
    return params


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_renders_in_both_languages(code):
    params = sample_params(code)
    zh = render(code, params)
    en = render(code, params, english())
    for text in (zh, en):
        assert text
        assert "${" not in text
    if params:
        assert any(
            v in zh
            for v in ("7", "2026-12-02", "2026年12月2日", "第三十条", "其他机关", "（暂定）")
        )
    if re.search(r"[\u4e00-\u9fff]", str(MESSAGES[code].message)):
        assert not re.search(r"[\u4e00-\u9fff]", en.replace("第三十条", "")), en
    if any(MESSAGES[code].kinds.get(n) in (history.ISO, history.ZH) for n in params):
        assert "2 December 2026" in en


def test_dates_follow_each_language():
    msg = message("public.receipt", date="2026-12-02")
    assert (
        render(msg["code"], msg["params"]) == "2026年12月2日收到您的申请，收到当日不计入答复期限。"
    )
    assert (
        render("received", {"due": "2026-12-18", "mark": ""}) == "收到申请，答复期限至 2026-12-18。"
    )
    en = render(
        "received", {"due": "2026-12-18", "mark": history.provisional_mark(True)}, english()
    )
    assert "18 December 2026" in en and "provisional" in en.lower()


def test_unknown_code_falls_back_to_the_stored_prose():
    assert render("no.such.code", {"x": 1}, english(), fallback="原来的文字") == "原来的文字"
    assert render("text", {"text": "原来的文字"}, english()) == "原来的文字"


def test_event_without_code_is_recognised_from_its_prose():
    event = SimpleNamespace(
        public_text="经本机关政府信息公开工作机构负责人同意，答复期限延长 20 个工作日（第三十三条第二款）。",
        message=None,
        message_params=None,
    )
    assert history.event_text(event) == event.public_text  # Chinese: the record itself
    en = history.event_text(event, english())
    assert "20 working days" in en and "第三十三条第二款" in en


@pytest.mark.parametrize(
    ("prose", "code"),
    [
        ("收到申请，答复期限至 2026-12-18。", "received"),
        ("2026-11-30 收到申请，答复期限至 2026-12-28（暂定）。", "received_on"),
        ("您的申请已受理，正在办理。", "accepted"),
        ("请在 2026-12-10 前补正：请写明文号", "correction_requested"),
        (
            "2026-12-01 收到您补正后的申请，答复期限自次日起重新计算（第三十条）。",
            "correction_received_on",
        ),
        (
            "本机关依法征求第三方的意见（第三十二条），征求意见所需时间不计算在答复期限内（第三十三条第三款）。",
            "consultation_started",
        ),
        ("已作出答复：予以公开（第二十六条）。", "answered"),
        (
            "出具《政府信息公开申请答复书》（咸民公开答〔2026〕1号），可在本页下载。",
            "letter_issued",
        ),
    ],
)
def test_prose_parses_back_to_its_code(prose, code):
    found_code, params = event_message(prose)
    assert found_code == code
    assert render(found_code, params) == prose


def test_overdue_note_becomes_a_second_message_and_unknown_prose_is_kept():
    prose = "征求意见已结束，继续办理。按实际情况重新计算后，答复期限为 2026-12-01，已逾期。"
    code, params = event_message(prose)
    assert code == history.SEQ
    assert [p["code"] for p in params["parts"]] == ["consultation_ended", "overdue"]
    assert render(code, params) == prose
    assert event_message("某种从未有过的说法") == ("text", {"text": "某种从未有过的说法"})
    assert event_message("") == (None, None)
